#!/usr/bin/env bash
# Starts the packaged unit for real: systemd as PID 1 in a podman container
# (Debian bookworm), the Debian package from this build tree installed with
# apt (so its computed Depends are resolved from Debian's archive), and
# litmus-proxy.service started by systemctl against the fake Litmus on this
# machine's loopback. Checks what deploy.systemd can only emulate:
#   - `systemctl start` returns once the proxy sent READY=1 (Type=notify), the
#     status line says it serves, and a request through it reaches the fake;
#   - the sandbox is applied: a dynamic non-root user, credentials read from
#     LoadCredential's directory, no warning about them, a read-only /usr;
#   - `systemd-analyze security` on the loaded unit scores 2.0 or better;
#   - `systemctl reload` (SIGHUP) and `systemctl stop` (drain, exit 0).
#
#   deploy/scripts/systemd-container-test.sh [BUILD_DIR]   (default build/)
#
# Needs root, podman and the base image from make-base-images.sh (made here if
# missing); takes about 1 min after the base image exists. Not part of CI's
# test command (deploy/scripts/test.sh): see README "Deployment".
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
image=localhost/litmus-proxy-systemd-test:latest
podman_run=(podman --runtime runc run --network host --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)

fail() { echo "systemd-container-test: FAIL: $*" >&2; exit 1; }
step() { echo "== systemd-container-test: $*" >&2; }

[[ $(id -u) -eq 0 ]] || fail "needs root (podman with systemd as PID 1)"
command -v podman >/dev/null || fail "podman is missing: deploy/scripts/install-deps.sh --image"
[[ -x $build/litmus-proxy && -x $build/tests/support/litmus-fake ]] ||
  fail "no build in $build: deploy/scripts/build.sh"

work=$(mktemp -d /tmp/litmus-systemd-test.XXXXXX)
container="" fake_pid=""
cleanup() {
  [[ -n $container ]] && podman rm -f "$container" >/dev/null 2>&1 || true
  [[ -n $fake_pid ]] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Polls `cmd` every 0.1 s until it succeeds, for at most `seconds`.
await() {
  local seconds=$1; shift
  local tries=$((seconds * 10))
  until "$@" >/dev/null 2>&1; do
    ((--tries > 0)) || return 1
    sleep 0.1
  done
}

step "package"
(cd "$build" && cpack -G DEB -B "$work/package" >/dev/null)
deb=$(ls "$work"/package/litmus-proxy_*.deb)

step "base image and test image"
deploy/scripts/make-base-images.sh
cp "$deb" "$work/litmus-proxy.deb"
cat >"$work/Containerfile" <<'EOF'
FROM docker.io/library/debian:bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends systemd systemd-sysv curl \
 && rm -rf /var/lib/apt/lists/*
COPY litmus-proxy.deb /tmp/
# apt resolves the package's Depends from Debian's archive, as on a host.
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/litmus-proxy.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/litmus-proxy.deb
CMD ["/sbin/init"]
EOF
nice -n 10 podman build --isolation chroot --network host --pull=never -q -t "$image" "$work" >/dev/null

step "fake Litmus on 127.0.0.1"
"$build/tests/support/litmus-fake" --listen 127.0.0.1:0 --ca-out "$work/ca.pem" --quiet \
  >"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
await 10 grep -q listening "$work/fake.out" || fail "the fake did not start"
fake_port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/fake.out")
read -r proxy_port admin_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

step "systemd as PID 1"
container=$("${podman_run[@]}" -d --systemd=always "$image")
in_box() { podman exec "$container" "$@"; }
booted() { [[ $(in_box systemctl is-system-running 2>/dev/null) =~ ^(running|degraded)$ ]]; }
await 60 booted || fail "systemd did not boot: $(in_box systemctl is-system-running 2>&1)"

step "configure and start litmus-proxy.service"
podman cp "$work/ca.pem" "$container:/etc/litmus-proxy/fake-ca.pem"
cat >"$work/config.yaml" <<EOF
listen: 127.0.0.1:$proxy_port
admin:
  listen: 127.0.0.1:$admin_port
token:
  url: https://litmus.com/oauth/token
  connect: 127.0.0.1:$fake_port
upstreams:
  - {name: api, url: "https://api.litmus.com", prefix: /api, connect: "127.0.0.1:$fake_port"}
tls:
  ca_file: /etc/litmus-proxy/fake-ca.pem
EOF
podman cp "$work/config.yaml" "$container:/etc/litmus-proxy/config.yaml"
in_box sh -c 'umask 077; printf demo-client >/etc/litmus-proxy/client_id; printf demo-secret >/etc/litmus-proxy/client_secret'
# Type=notify: this returns once READY=1 came (the first token is held).
in_box systemctl start litmus-proxy.service || {
  in_box journalctl -u litmus-proxy --no-pager | tail -20 >&2
  fail "systemctl start"
}
show() { in_box systemctl show -P "$1" litmus-proxy.service; }
[[ $(show ActiveState)/$(show SubState) == active/running ]] || fail "state $(show ActiveState)/$(show SubState)"
[[ $(show StatusText) == "serving; token valid for "* ]] || fail "status text '$(show StatusText)'"
echo "  READY; status: $(show StatusText)" >&2

step "a request through the proxy"
body=$(curl -sf --max-time 10 "http://127.0.0.1:$proxy_port/api/v3/ping/authenticated") || fail "proxied request"
[[ $body == *'"ping":"pong"'* ]] || fail "unexpected answer: $body"
curl -sf --max-time 5 "http://127.0.0.1:$admin_port/readyz" >/dev/null || fail "/readyz"

step "the sandbox is applied"
pid=$(show MainPID)
uid=$(in_box awk '/^Uid:/ {print $2}' "/proc/$pid/status")
((uid != 0)) || fail "runs as root"
echo "  dynamic user uid $uid" >&2
journal=$(in_box journalctl -u litmus-proxy --no-pager -o cat)
[[ $journal != *credential_file_permissions* ]] || fail "warned about systemd's credential files"
[[ $journal != *demo-secret* ]] || fail "the secret reached the journal"
# ProtectSystem=strict: /usr is read-only in the service's mount namespace.
if in_box nsenter -t "$pid" -m touch /usr/litmus-write-probe 2>/dev/null; then
  fail "/usr is writable for the service"
fi
score=$(in_box systemd-analyze security litmus-proxy.service --no-pager |
  sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[[ -n $score ]] || fail "no exposure score from systemd-analyze security"
echo "  systemd-analyze security (live unit): $score" >&2
python3 -c "import sys; sys.exit(0 if float('$score') <= 2.0 else 1)" || fail "exposure $score > 2.0"

step "reload and stop"
# systemd in an unprivileged container cannot set up the unit's IPC namespace
# for a second process of the unit (ExecReload's kill fails with
# 226/NAMESPACE: mounting /dev/mqueue is not permitted); on a host it can.
# So the reload is checked with that one setting dropped, after a restart.
in_box mkdir -p /etc/systemd/system/litmus-proxy.service.d
in_box sh -c 'printf "[Service]\nPrivateIPC=no\n" >/etc/systemd/system/litmus-proxy.service.d/container.conf'
in_box systemctl daemon-reload
in_box systemctl restart litmus-proxy.service
pid=$(show MainPID)
in_box systemctl reload litmus-proxy.service || {
  in_box journalctl -u litmus-proxy --no-pager | tail -20 >&2
  fail "systemctl reload"
}
await 10 sh -c "podman exec $container journalctl -u litmus-proxy --no-pager -o cat | grep -q '\"event\":\"reloaded\"'" ||
  fail "no reloaded event after systemctl reload"
[[ $(show MainPID) == "$pid" ]] || fail "reload restarted the process"
in_box systemctl stop litmus-proxy.service
[[ $(show Result) == success && $(show ExecMainStatus) == 0 ]] ||
  fail "stop: result $(show Result), exit status $(show ExecMainStatus)"
in_box journalctl -u litmus-proxy --no-pager -o cat | grep -q '"event":"stopped"' || fail "no stopped event"

echo "systemd-container-test: OK (READY, proxied request, sandbox, exposure $score, reload, stop)" >&2
