#!/usr/bin/env bash
# Installs, from Debian 12 packages, exactly the build and test dependencies
# that are missing. Safe to run again: with everything present it does nothing.
#   deploy/scripts/install-deps.sh          build + demo dependencies
#   deploy/scripts/install-deps.sh --test   also what the test suite uses
#   deploy/scripts/install-deps.sh --bench  also what tests/bench/run.sh uses
#   deploy/scripts/install-deps.sh --image  also what the container scripts use
#     (image-test.sh, systemd-container-test.sh, make-base-images.sh)
# The options can be combined.
set -euo pipefail

test=false bench=false image=false
for arg in "$@"; do
  case $arg in
    --test) test=true ;;
    --bench) bench=true ;;
    --image) image=true ;;
    *) echo "install-deps: unknown option $arg (--test, --bench, --image)" >&2; exit 2 ;;
  esac
done

packages=(
  g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-test1.81-dev
  libyaml-cpp-dev prometheus-cpp-dev libssl-dev
  # The embedded user store (users.store: sqlite:PATH), and the shared one
  # for replicas (users.store: postgres://...).
  libsqlite3-dev libpq-dev
  curl ca-certificates
  # `cpack -G DEB` computes the Debian package's Depends with dpkg-shlibdeps.
  dpkg-dev
)
if $test; then
  # A client in another language exercises the proxy the way applications do.
  packages+=(python3)
  # The deployment tests render the Kubernetes manifests (PyYAML) and check
  # the systemd unit (systemd-analyze verify / security).
  packages+=(python3-yaml systemd)
  # deploy/scripts/measure-memory.sh loads the proxy with wrk.
  packages+=(wrk)
  # promtool (from the Prometheus package) lints the /metrics output. Only
  # the tool is used: on a systemd host the package also starts a server on
  # port 9090, the admin listener's default, which is stopped below when this
  # script is what installed it.
  packages+=(prometheus)
  # The fuzz stage: clang with libFuzzer and the sanitizer runtimes, and
  # llvm-symbolizer for readable stacks.
  packages+=(clang-14 libclang-rt-14-dev llvm-14)
  # The PostgreSQL user store's tests run a server of their own
  # (tests/support/with_postgres.sh).
  packages+=(postgresql)
fi
if $bench; then
  # tests/bench/run.sh: the upstream and the two proxies compared with
  # litmus-proxy, the load generator, start-to-ready timing, instruction
  # counts, CPU pinning (taskset), and openssl/python3 for the run-time
  # certificates, the exact-count client and the report. nginx and haproxy
  # are started by the benchmark only: the services their packages start on
  # a systemd host are stopped below when this script installed them.
  packages+=(nginx haproxy wrk hyperfine valgrind util-linux openssl python3 curl)
fi
if $image; then
  # deploy/scripts/image-test.sh: podman builds and runs the image (with runc,
  # which works where crun's cgroup setup does not), debootstrap makes the
  # Debian base images when no registry is reachable; systemd-container-test.sh
  # also uses python3.
  packages+=(podman runc debootstrap python3)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# The Prometheus server the package starts would hold port 9090 (the admin
# listener's default, and the demo's). We installed it for promtool only.
if [[ " ${missing[*]} " == *" prometheus "* ]] && [[ -d /run/systemd/system ]]; then
  echo "install-deps: stopping and disabling the prometheus service (only promtool is needed)" >&2
  $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
# The test suite starts its own PostgreSQL servers; the package's would hold
# port 5432.
if [[ " ${missing[*]} " == *" postgresql "* ]] && [[ -d /run/systemd/system ]]; then
  echo "install-deps: stopping and disabling the postgresql service (the tests run their own)" >&2
  $sudo systemctl disable --now postgresql >/dev/null 2>&1 || true
fi
# nginx would hold port 80 and haproxy run an empty config; the benchmark
# starts its own instances with its own configs.
for service in nginx haproxy; do
  if [[ " ${missing[*]} " == *" $service "* ]] && [[ -d /run/systemd/system ]]; then
    echo "install-deps: stopping and disabling the $service service (the benchmark runs its own)" >&2
    $sudo systemctl disable --now "$service" >/dev/null 2>&1 || true
  fi
done
