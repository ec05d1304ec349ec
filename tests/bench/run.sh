#!/usr/bin/env bash
# litmus-proxy side by side with nginx and HAProxy doing the same job (plain
# HTTP in, `Authorization: Bearer` added, TLS 1.3 keep-alive upstream with the
# certificate verified, one worker), on this machine, in one run:
#
#   load       wrk at each connection count and body size, every proxy in turn
#              within each repetition, each proxy pinned to the same core:
#              req/s, p50/p99, the proxy's CPU per request (/proc/PID/stat),
#              RSS idle (after warm-up) and peak (VmHWM)
#   callgrind  instructions per request under valgrind --tool=callgrind over
#              exactly N keep-alive requests after a warm-up
#   startup    litmus-proxy's start-to-ready time with hyperfine
#   stall      the token-refresh stall benchmark: 2-second tokens under load
#   users      litmus-proxy's users path (Litmus-User: an authorized user's
#              token) against its client-credentials path, same process,
#              interleaved: what the users feature adds per request
#
# The upstream is nginx on 127.0.0.1 (TLS 1.3, api.litmus.com's certificate
# from a CA made for the run) serving 200 B and 64 KiB bodies only to the exact
# bearer token, plus the token endpoint litmus-proxy uses. litmus-proxy runs
# with its normal config and its logging defaults (an access line per request,
# to a pipe as under systemd or Kubernetes): the benchmark measures what users
# run. Each proxy is checked functionally before it is measured.
#
# Usage: tests/bench/run.sh [BUILD_DIR]   (default: build; needs build/litmus-proxy)
# Needs: deploy/scripts/install-deps.sh --bench, and two CPUs.
# Parameters (environment; defaults are the full run's):
#   BENCH_PARTS="load callgrind startup stall users"   which parts run
#   BENCH_DURATION=10        seconds per wrk run
#   BENCH_WARMUP=3           seconds of wrk per proxy and body size before measuring
#   BENCH_REPETITIONS=3      load repetitions (the report shows medians)
#   BENCH_CONNECTIONS="1 32" wrk connection counts
#   BENCH_CALLGRIND_REQUESTS=1000   counted requests per proxy and body size (Ir/req is
#                            deterministic: 300 and 2000 give the same to 0.2%)
#   BENCH_STARTUP_RUNS=30    hyperfine runs
#   BENCH_STALL_SECONDS=60 BENCH_STALL_CONNECTIONS=32
#   BENCH_USERS_REPETITIONS=5   users-path runs per identity (1 connection, 200 B)
#   BENCH_PROXY_CPU=0 BENCH_LOAD_CPU=1   the proxies' core; upstream and clients'
# The report (Markdown) goes to stdout and to report.md in the run's directory
# under /tmp, which is kept with every raw output.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
litmus_proxy=$build/litmus-proxy

parts=" ${BENCH_PARTS:-load callgrind startup stall users} "
duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-3}
repetitions=${BENCH_REPETITIONS:-3}
read -r -a connection_counts <<<"${BENCH_CONNECTIONS:-1 32}"
callgrind_requests=${BENCH_CALLGRIND_REQUESTS:-1000}
startup_runs=${BENCH_STARTUP_RUNS:-30}
stall_seconds=${BENCH_STALL_SECONDS:-60}
stall_connections=${BENCH_STALL_CONNECTIONS:-32}
users_repetitions=${BENCH_USERS_REPETITIONS:-5}
proxy_cpu=${BENCH_PROXY_CPU:-0}
load_cpu=${BENCH_LOAD_CPU:-1}
sizes=(200 65536)
proxies=(nginx haproxy litmus-proxy)

fail() { echo "bench: $*" >&2; exit 1; }
for tool in nginx haproxy wrk hyperfine valgrind callgrind_control taskset openssl python3 curl; do
  command -v "$tool" >/dev/null || fail "needs $tool: deploy/scripts/install-deps.sh --bench"
done
[[ -x $litmus_proxy ]] || fail "build $litmus_proxy first: deploy/scripts/build.sh litmus-proxy"
(( $(nproc) >= 2 )) || fail "needs two CPUs (the proxies on one, upstream and clients on the other)"

# The expected wall time, from the parameters (process starts and checks
# included as rough constants; callgrind's depends on the machine).
load_s=$(( ${#proxies[@]} * ${#sizes[@]} * warmup
  + repetitions * ${#sizes[@]} * ${#connection_counts[@]} * ${#proxies[@]} * (duration + 1) + 10 ))
callgrind_s=$(( ${#proxies[@]} * (20 + ${#sizes[@]} * callgrind_requests / 50) ))
startup_s=$(( (startup_runs + 3) / 5 + 5 ))
stall_s=$(( stall_seconds + 10 ))
users_s=$(( 2 * warmup + 2 * users_repetitions * (duration + 1) + 10 ))
total_s=10
[[ $parts == *" load "* ]] && total_s=$((total_s + load_s))
[[ $parts == *" callgrind "* ]] && total_s=$((total_s + callgrind_s))
[[ $parts == *" startup "* ]] && total_s=$((total_s + startup_s))
[[ $parts == *" stall "* ]] && total_s=$((total_s + stall_s))
[[ $parts == *" users "* ]] && total_s=$((total_s + users_s))
echo "bench: parts:${parts}; expected wall time about $(( (total_s + 59) / 60 )) min" \
  "(load ${load_s}s, callgrind ~${callgrind_s}s, startup ~${startup_s}s, stall ${stall_s}s," \
  "users ${users_s}s)" >&2

work=$(mktemp -d /tmp/litmus-bench.XXXXXX)
results=$work/results
mkdir -p "$results" "$work/certs" "$work/bodies/bench"
echo "bench: working in $work" >&2

# Every process started here is stopped at exit, by PID.
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
stop() { # PID: stops one process started here and waits for it
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# Polls until `$@` succeeds, for at most $await_seconds (10) seconds.
await() {
  local deadline=$((SECONDS + ${await_seconds:-10}))
  until "$@" 2>/dev/null; do
    (( SECONDS < deadline )) || fail "timed out waiting for: $*"
    sleep 0.05
  done
}
answers() { curl -s -o /dev/null "$@"; }

# Free ports for everything at once, so that no two listeners race for one.
read -r upstream_port nginx_port haproxy_port litmus_proxy_port litmus_admin \
  startup_port startup_admin stall_port stall_admin users_port users_admin < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(11)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
port_of() { local var=${1//-/_}_port; echo "${!var}"; }

# The run's secrets: a CA, the upstream's certificate for the Litmus host
# names, and the bearer token.
certs=$work/certs
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=litmus-proxy bench CA" -keyout "$certs/ca.key" -out "$certs/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=api.litmus.com" \
  -keyout "$certs/upstream.key" -out "$certs/upstream.csr" 2>/dev/null
openssl x509 -req -in "$certs/upstream.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca.key" \
  -CAcreateserial -days 2 -out "$certs/upstream.pem" 2>/dev/null \
  -extfile <(echo "subjectAltName=DNS:api.litmus.com,DNS:instant-api.litmus.com,DNS:litmus.com")
token=$(openssl rand -hex 24)
for size in "${sizes[@]}"; do
  head -c "$size" /dev/urandom >"$work/bodies/bench/$size"
done

user_line=""
[[ $(id -u) -eq 0 ]] && user_line="user root;"  # workers read the run's files
# render TEMPLATE OUT DIR [PORT ADMIN_PORT TOKEN_PATH]: fills the @NAME@ placeholders.
render() {
  mkdir -p "$3/tmp"
  sed -e "s|@USER_LINE@|$user_line|; s|@DIR@|$3|g; s|@CERTS@|$certs|g; s|@BODIES@|$work/bodies|g" \
      -e "s|@UPSTREAM_PORT@|$upstream_port|g; s|@TOKEN@|$token|g; s|@PORT@|${4:-}|g" \
      -e "s|@ADMIN_PORT@|${5:-}|g; s|@TOKEN_PATH@|${6:-}|g" "$here/$1" >"$2"
  ! grep -v '^ *#' "$2" | grep -q '@[A-Z_]*@' || fail "unfilled placeholder in $2"
}

# Upstream: nginx on the load core.
mkdir -p "$work/upstream"
render upstream.nginx.conf "$work/upstream/nginx.conf" "$work/upstream"
taskset -c "$load_cpu" nginx -p "$work/upstream" -c "$work/upstream/nginx.conf" -e "$work/upstream/error.log" &
pids+=($!)
await answers "https://127.0.0.1:$upstream_port/" -k

export LITMUS_CLIENT_ID=bench-client LITMUS_CLIENT_SECRET=bench-secret
# The system CA store as a service sees it: a shell may export SSL_CERT_FILE
# (some images set it globally), which makes OpenSSL parse the whole bundle
# at start instead of reading the hashed directory lazily.
unset SSL_CERT_FILE SSL_CERT_DIR

# start_log_reader DIR: DIR/stderr.pipe, for a proxy's stderr: a pipe, as
# journald or the kubelet take it, read on the load core (not the proxy's
# process tree); its last lines are kept in DIR/stderr.tail.
start_log_reader() {
  rm -f "$1/stderr.pipe"
  mkfifo "$1/stderr.pipe"
  taskset -c "$load_cpu" tail -n 200 "$1/stderr.pipe" >"$1/stderr.tail" &
  pids+=($!)
}

# start_proxy NAME [WRAPPER...]: starts a proxy pinned to the proxy core (under
# WRAPPER, e.g. valgrind, if given) and sets proxy_pid once it serves.
start_proxy() {
  local name=$1 dir=$work/$1
  shift
  mkdir -p "$dir"
  local command
  case $name in
    nginx)
      render proxy.nginx.conf "$dir/nginx.conf" "$dir" "$nginx_port"
      command=(nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log")
      # Under valgrind, one process: callgrind_control cannot reach a forked
      # worker. The worker's request path is the same without the master.
      (( $# == 0 )) || command+=(-g "master_process off;") ;;
    haproxy)
      render proxy.haproxy.cfg "$dir/haproxy.cfg" "$dir" "$haproxy_port"
      command=(haproxy -db -f "$dir/haproxy.cfg") ;;
    litmus-proxy)
      render litmus-proxy.yaml "$dir/config.yaml" "$dir" "$litmus_proxy_port" "$litmus_admin" /oauth/token
      command=("$litmus_proxy" --config "$dir/config.yaml") ;;
  esac
  start_log_reader "$dir"
  taskset -c "$proxy_cpu" "$@" "${command[@]}" 2>"$dir/stderr.pipe" >/dev/null &
  proxy_pid=$!
  pids+=("$proxy_pid")
  if [[ $name == litmus-proxy ]]; then
    await answers_200 "http://127.0.0.1:$litmus_admin/readyz"
  else
    await answers "http://127.0.0.1:$(port_of "$name")/"
  fi
}
answers_200() { curl -sf -o /dev/null "$1"; }

# The processes doing a proxy's work: the PID and its children (nginx's worker).
process_tree() { echo "$1" $(pgrep -P "$1" || true); }
cpu_us() { # PIDS...: utime + stime of the processes, in microseconds
  local ticks=0 pid stat
  for pid in "$@"; do
    stat=$(<"/proc/$pid/stat")
    read -r -a fields <<<"${stat##*) }"   # after the command name, which may hold spaces
    ticks=$((ticks + fields[11] + fields[12]))
  done
  echo $((ticks * 1000000 / $(getconf CLK_TCK)))
}
memory_kib() { # FIELD PIDS...: VmRSS or VmHWM summed over the processes
  local field=$1
  shift
  for pid in "$@"; do cat "/proc/$pid/status"; done | awk -v f="$field:" '$1 == f { s += $2 } END { print s }'
}

# Functional check: the upstream refuses a request without the exact token,
# and each proxy returns the exact bodies (replacing a wrong client token).
check_upstream() {
  local url=https://api.litmus.com:$upstream_port/bench/200 status
  local curl_upstream=(curl -s -o /dev/null -w '%{http_code}' --cacert "$certs/ca.pem" --tlsv1.3
                       --resolve "api.litmus.com:$upstream_port:127.0.0.1")
  status=$("${curl_upstream[@]}" "$url")
  [[ $status == 401 ]] || fail "upstream answered $status, not 401, to a request without a token"
  status=$("${curl_upstream[@]}" -H "Authorization: Bearer wrong$token" "$url")
  [[ $status == 401 ]] || fail "upstream answered $status, not 401, to a wrong token"
  status=$("${curl_upstream[@]}" -H "Authorization: Bearer $token" "$url")
  [[ $status == 200 ]] || fail "upstream answered $status, not 200, to the token"
}
check_proxy() { # NAME
  local size status
  for size in "${sizes[@]}"; do
    status=$(curl -s -o "$work/check.body" -w '%{http_code}' -H "Authorization: Bearer wrong" \
      "http://127.0.0.1:$(port_of "$1")/api/bench/$size")
    [[ $status == 200 ]] || fail "$1: /api/bench/$size answered $status"
    cmp -s "$work/check.body" "$work/bodies/bench/$size" || fail "$1: /api/bench/$size: the body differs"
  done
  echo "bench: $1: exact bodies for ${sizes[*]} bytes" >&2
}

# run_wrk NAME SIZE CONNS SECONDS OUT: wrk on the load core against a proxy.
run_wrk() {
  taskset -c "$load_cpu" wrk -t1 -c"$3" -d"$4s" --latency \
    "http://127.0.0.1:$(port_of "$1")/api/bench/$2" >"$5"
}

check_upstream
echo "bench: upstream: 401 without the token or with a wrong one, 200 with it" >&2
printf 'proxy\tbody\tconns\trep\trequests\tseconds\trps\tp50_us\tp99_us\tcpu_us\n' >"$results/load.tsv"
printf 'proxy\trss_idle_kib\trss_peak_kib\n' >"$results/memory.tsv"

if [[ $parts == *" load "* ]]; then
  declare -A proxy_pids
  for name in "${proxies[@]}"; do
    start_proxy "$name"
    proxy_pids[$name]=$proxy_pid
    check_proxy "$name"
  done
  declare -A idle_kib
  for name in "${proxies[@]}"; do
    for size in "${sizes[@]}"; do
      run_wrk "$name" "$size" 32 "$warmup" "$work/$name/warmup.wrk"
    done
    idle_kib[$name]=$(memory_kib VmRSS $(process_tree "${proxy_pids[$name]}"))
  done
  for rep in $(seq "$repetitions"); do
    # Interleaved, and each repetition starts with another proxy.
    order=("${proxies[@]:rep % ${#proxies[@]}}" "${proxies[@]:0:rep % ${#proxies[@]}}")
    for size in "${sizes[@]}"; do
      for conns in "${connection_counts[@]}"; do
        for name in "${order[@]}"; do
          tree=$(process_tree "${proxy_pids[$name]}")
          out=$work/$name/$size-$conns-$rep.wrk
          before=$(cpu_us $tree)
          run_wrk "$name" "$size" "$conns" "$duration" "$out"
          after=$(cpu_us $tree)
          read -r requests seconds rps p50 p99 non2xx socket_errors < <(python3 "$here/report.py" parse-wrk "$out")
          (( non2xx == 0 )) || fail "$name: $non2xx non-2xx answers in $out"
          (( socket_errors == 0 )) || echo "bench: warning: $name: socket errors in $out" >&2
          printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$size" "$conns" "$rep" \
            "$requests" "$seconds" "$rps" "$p50" "$p99" $((after - before)) >>"$results/load.tsv"
          echo "bench: rep $rep/$repetitions $name ${size} B x$conns: $rps req/s" >&2
        done
      done
    done
  done
  for name in "${proxies[@]}"; do
    printf '%s\t%s\t%s\n' "$name" "${idle_kib[$name]}" \
      "$(memory_kib VmHWM $(process_tree "${proxy_pids[$name]}"))" >>"$results/memory.tsv"
    stop "${proxy_pids[$name]}"
  done
fi

if [[ $parts == *" callgrind "* ]]; then
  # Ir between `callgrind_control -z` (counters zeroed after the warm-up) and
  # `callgrind_control -d` (dumped after exactly N requests on the same
  # keep-alive connection), in the process that serves.
  printf 'proxy\tbody\tir\trequests\n' >"$results/callgrind.tsv"
  mkdir -p "$work/callgrind"
  dumps_of() { find "$work/callgrind" -name "$1*"; }  # PREFIX: the dump files
  for name in "${proxies[@]}"; do
    await_seconds=120 start_proxy "$name" valgrind --tool=callgrind --dump-instr=no \
      --callgrind-out-file="$work/callgrind/$name.%p"
    server=$proxy_pid
    for size in "${sizes[@]}"; do
      dumps=$(dumps_of "$name.$server" | wc -l)
      python3 "$here/fixed_requests.py" --port "$(port_of "$name")" --path "/api/bench/$size" \
        --length "$size" --requests "$callgrind_requests" \
        --before "callgrind_control -z $server" --after "callgrind_control -d $server"
      (( $(dumps_of "$name.$server" | wc -l) > dumps )) || fail "$name: no callgrind dump"
      dump=$(dumps_of "$name.$server" | sort -V | tail -n 1)
      ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$dump")
      printf '%s\t%s\t%s\t%s\n' "$name" "$size" "$ir" "$callgrind_requests" >>"$results/callgrind.tsv"
      echo "bench: callgrind $name ${size} B: $((ir / callgrind_requests)) Ir/request" >&2
    done
    stop "$proxy_pid"
  done
fi

if [[ $parts == *" startup "* ]]; then
  mkdir -p "$work/startup"
  render litmus-proxy.yaml "$work/startup/config.yaml" "$work/startup" "$startup_port" "$startup_admin" /oauth/token
  taskset -c "$load_cpu" hyperfine -N --warmup 3 --runs "$startup_runs" --style basic \
    --export-json "$results/startup.json" \
    "$here/start-to-ready.sh $litmus_proxy $work/startup/config.yaml $startup_admin $proxy_cpu" >&2
fi

stall_failed=0
if [[ $parts == *" stall "* ]]; then
  # litmus-proxy against the two-second token endpoint; the upstream logs when
  # it answered each token request.
  mkdir -p "$work/stall"
  render litmus-proxy.yaml "$work/stall/config.yaml" "$work/stall" "$stall_port" "$stall_admin" /oauth/token-2s
  start_log_reader "$work/stall"
  taskset -c "$proxy_cpu" "$litmus_proxy" --config "$work/stall/config.yaml" 2>"$work/stall/stderr.pipe" &
  stall_pid=$!
  pids+=("$stall_pid")
  await answers_200 "http://127.0.0.1:$stall_admin/readyz"
  echo "bench: refresh stall: $stall_connections connections for $stall_seconds s" >&2
  taskset -c "$load_cpu" python3 "$here/refresh_stall.py" --port "$stall_port" --path /api/bench/200 \
    --length 200 --connections "$stall_connections" --seconds "$stall_seconds" \
    --refresh-log "$work/upstream/refresh.log" --out "$results/stall.tsv" >&2 || stall_failed=1
  stop "$stall_pid"
fi

if [[ $parts == *" users "* ]]; then
  # One litmus-proxy with a users section. The user is connected through the
  # proxy's own endpoints; the benchmark's token endpoint answers any grant
  # with the run's token, so the code can be made up and the user's token is
  # one the upstream accepts. Each run then GETs the 200 B body on one
  # connection, as the user (Litmus-User) or with the client-credentials
  # token, the two interleaved.
  mkdir -p "$work/users"
  render litmus-proxy.yaml "$work/users/config.yaml" "$work/users" "$users_port" "$users_admin" /oauth/token
  printf 'users:\n  store: "sqlite:%s"\n' "$work/users/users.db" >>"$work/users/config.yaml"
  start_log_reader "$work/users"
  export LITMUS_PROXY_USERS_KEY
  LITMUS_PROXY_USERS_KEY=$(openssl rand -base64 32)
  taskset -c "$proxy_cpu" "$litmus_proxy" --config "$work/users/config.yaml" 2>"$work/users/stderr.pipe" >/dev/null &
  users_pid=$!
  pids+=("$users_pid")
  await answers_200 "http://127.0.0.1:$users_admin/readyz"
  users_url=http://127.0.0.1:$users_port
  state=$(curl -sf -X POST -d '{"user":"bench-user"}' "$users_url/_litmus/oauth/authorize" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["state"])') || fail "users: authorize failed"
  curl -sf -X POST -d "{\"state\":\"$state\",\"code\":\"bench-code\"}" "$users_url/_litmus/oauth/callback" |
    grep -q '"user":"bench-user"' || fail "users: the callback did not connect bench-user"
  status=$(curl -s -o "$work/check.body" -w '%{http_code}' -H 'Litmus-User: bench-user' "$users_url/api/bench/200")
  [[ $status == 200 ]] && cmp -s "$work/check.body" "$work/bodies/bench/200" ||
    fail "users: /api/bench/200 as bench-user answered $status or another body"
  echo "bench: users: bench-user connected; its requests get the exact body" >&2
  identity_header() { [[ $1 == user ]] && echo "Litmus-User: bench-user" || echo "X-Identity: client"; }
  for identity in client_credentials user; do
    taskset -c "$load_cpu" wrk -t1 -c1 -d"${warmup}s" -H "$(identity_header "$identity")" \
      "$users_url/api/bench/200" >/dev/null
  done
  printf 'proxy\tbody\tconns\trep\trequests\tseconds\trps\tp50_us\tp99_us\tcpu_us\n' >"$results/users.tsv"
  for rep in $(seq "$users_repetitions"); do
    order=(client_credentials user)
    (( rep % 2 == 0 )) && order=(user client_credentials)
    for identity in "${order[@]}"; do
      out=$work/users/$identity-$rep.wrk
      before=$(cpu_us "$users_pid")
      taskset -c "$load_cpu" wrk -t1 -c1 -d"${duration}s" --latency -H "$(identity_header "$identity")" \
        "$users_url/api/bench/200" >"$out"
      after=$(cpu_us "$users_pid")
      read -r requests seconds rps p50 p99 non2xx socket_errors < <(python3 "$here/report.py" parse-wrk "$out")
      (( non2xx == 0 )) || fail "users: $identity: $non2xx non-2xx answers in $out"
      printf '%s\t200\t1\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$identity" "$rep" "$requests" "$seconds" \
        "$rps" "$p50" "$p99" $((after - before)) >>"$results/users.tsv"
      echo "bench: users rep $rep/$users_repetitions $identity: $rps req/s, p50 $p50 us" >&2
    done
  done
  stop "$users_pid"
  # Instructions per request on each path (deterministic where the timings
  # are not): the same config and store (bench-user stays connected), under
  # callgrind, as in the callgrind part.
  start_log_reader "$work/users"
  taskset -c "$proxy_cpu" valgrind --tool=callgrind --dump-instr=no --callgrind-out-file="$work/users/callgrind.%p" \
    "$litmus_proxy" --config "$work/users/config.yaml" 2>"$work/users/stderr.pipe" >/dev/null &
  users_pid=$!
  pids+=("$users_pid")
  await_seconds=120 await answers_200 "http://127.0.0.1:$users_admin/readyz"
  printf 'proxy\tbody\tir\trequests\n' >"$results/users_callgrind.tsv"
  for identity in client_credentials user; do
    dumps=$(find "$work/users" -name "callgrind.$users_pid*" | wc -l)
    python3 "$here/fixed_requests.py" --port "$users_port" --path /api/bench/200 --length 200 \
      --requests "$callgrind_requests" --header "$(identity_header "$identity")" \
      --before "callgrind_control -z $users_pid" --after "callgrind_control -d $users_pid"
    (( $(find "$work/users" -name "callgrind.$users_pid*" | wc -l) > dumps )) || fail "users: no callgrind dump"
    dump=$(find "$work/users" -name "callgrind.$users_pid*" | sort -V | tail -n 1)
    ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$dump")
    printf '%s\t200\t%s\t%s\n' "$identity" "$ir" "$callgrind_requests" >>"$results/users_callgrind.tsv"
    echo "bench: users callgrind $identity: $((ir / callgrind_requests)) Ir/request" >&2
  done
  stop "$users_pid"
fi

{
  echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs," \
    "Linux $(uname -r); $(nginx -v 2>&1 | cut -d' ' -f3), HAProxy $(haproxy -v | awk 'NR == 1 { print $3 }')," \
    "$("$litmus_proxy" --version 2>/dev/null || echo "litmus-proxy ?")."
  echo "Parameters: ${duration} s per wrk run, ${repetitions} repetitions, connections ${connection_counts[*]}," \
    "${callgrind_requests} callgrind requests, proxies on CPU $proxy_cpu, upstream and clients on CPU $load_cpu."
  echo
  python3 "$here/report.py" table "$results"
} | tee "$work/report.md"
echo "bench: report in $work/report.md" >&2
(( stall_failed == 0 )) || fail "the refresh-stall benchmark failed (see above)"
