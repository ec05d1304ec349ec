#!/usr/bin/env bash
# Measures litmus-proxy's memory, the numbers its Kubernetes requests and
# limits (deploy/kubernetes/base/deployment.yaml) are set from: resident set
# (VmRSS) and its peak (VmHWM) from /proc/PID/status, at idle with a token
# held, then after each of three bounded wrk loads on 127.0.0.1 against the
# fake Litmus (32 connections, 10 s each): small GETs, 64 KiB responses, and
# 64 KiB POST bodies (buffered for the 401 retry); then with 1,000 idle
# keep-alive clients connected at once.
# Usage: deploy/scripts/measure-memory.sh [BUILD_DIR]   (default: build)
# Needs wrk (Debian package `wrk`) and a build of litmus-proxy and litmus-fake.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
proxy=$build/litmus-proxy
fake=$build/tests/support/litmus-fake
command -v wrk >/dev/null || { echo "measure-memory: needs wrk (apt-get install wrk)" >&2; exit 1; }
[[ -x $proxy && -x $fake ]] || { echo "measure-memory: build $proxy and $fake first" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Polls until `$@` succeeds, for at most 10 s.
await() {
  for _ in $(seq 200); do "$@" && return 0; sleep 0.05; done
  echo "measure-memory: timed out waiting for: $*" >&2
  return 1
}

"$fake" --listen 127.0.0.1:0 --ca-out "$work/ca.pem" --quiet >"$work/fake.out" 2>/dev/null &
pids+=($!)
await grep -q listening "$work/fake.out"
fake_at=$(sed -n 's/.*listening on \([0-9.]*:[0-9]*\).*/\1/p' "$work/fake.out")

cat >"$work/config.yaml" <<EOF
listen: "127.0.0.1:0"
admin: {listen: "127.0.0.1:0"}
log: {access: false}
token: {connect: "$fake_at"}
upstreams:
  - {name: api, url: "https://api.litmus.com", prefix: /api, connect: "$fake_at"}
  - {name: instant, url: "https://instant-api.litmus.com", prefix: /instant, connect: "$fake_at"}
tls: {ca_file: "$work/ca.pem"}
EOF
LITMUS_CLIENT_ID=demo-client LITMUS_CLIENT_SECRET=demo-secret \
  "$proxy" --config "$work/config.yaml" 2>"$work/proxy.log" &
proxy_pid=$!
pids+=($proxy_pid)
port_of() { sed -n "s/.*\"event\":\"$1\".*\"port\":\([0-9]*\).*/\1/p" "$work/proxy.log"; }
await grep -q '"event":"listening"' "$work/proxy.log"
port=$(port_of listening)
admin=$(port_of admin_listening)
await curl -sf -o /dev/null "http://127.0.0.1:$admin/readyz"

memory() { # "VmRSS 9.1 MiB, VmHWM 9.3 MiB"
  awk '/^VmRSS|^VmHWM/ { printf "%s%s %.1f MiB", sep, substr($1, 1, 5), $2 / 1024; sep = ", " }' \
    "/proc/$proxy_pid/status"
}
echo "idle, token held:                $(memory)"

cat >"$work/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"data":"' .. string.rep("x", 65536) .. '"}'
wrk.headers["Content-Type"] = "application/json"
EOF
load() { # NAME WRK-ARGS...
  local name=$1
  shift
  wrk -t2 -c32 -d10s "$@" >"$work/wrk.out"
  printf '%-32s %s (%s req/s)\n' "after $name:" "$(memory)" \
    "$(awk '/Requests\/sec/ { print $2 }' "$work/wrk.out")"
}
load "32 x GET users/current" "http://127.0.0.1:$port/api/v2/users/current"
load "32 x GET 64 KiB responses" "http://127.0.0.1:$port/api/bench/bytes/65536"
load "32 x POST 64 KiB bodies" -s "$work/post.lua" "http://127.0.0.1:$port/instant/v1/emails"
connections_closed() {
  curl -sf "http://127.0.0.1:$admin/metrics" | grep -qx 'litmus_proxy_downstream_connections_open 0'
}
await connections_closed
echo "idle again:                      $(memory)"

# 1,000 keep-alive clients, each after one request, all open at once: what
# a connection costs while it waits for its next request.
python3 - "$port" "$proxy_pid" <<'PY'
import http.client, sys
port, pid = int(sys.argv[1]), sys.argv[2]
clients = []
for _ in range(1000):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/api/v2/users/current")
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"measure-memory: a request answered {r.status}")
    clients.append(c)
status = dict(l.split(":", 1) for l in open(f"/proc/{pid}/status"))
rss, hwm = (int(status[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))
print(f"{'1,000 idle keep-alive clients:':32} VmRSS {rss:.1f} MiB, VmHWM {hwm:.1f} MiB")
for c in clients:
    c.close()
PY
await connections_closed
echo "all closed:                      $(memory)"
