#!/usr/bin/env bash
# Builds the container image (Dockerfile) with podman and runs it against the
# fake Litmus on 127.0.0.1, as a user would: read-only root filesystem, its
# own numeric user, credentials from mounted files, a config mounted over
# /etc/litmus-proxy/config.yaml and the fake's CA mounted. Checks /readyz, a
# proxied request, the HEALTHCHECK, the user, the labels, the default config
# path, and a clean stop; prints the image size and the build time.
#
# Takes minutes (the build stage compiles the proxy), so CI does not run it.
# Needs root (podman, and debootstrap for the base images) and
# `deploy/scripts/install-deps.sh --image`. IMAGE overrides the tag built
# (default localhost/litmus-proxy:test).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
image=${IMAGE:-localhost/litmus-proxy:test}
fake=build/tests/support/litmus-fake
podman_run=(podman --runtime runc run --network host
  --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)

fail() { echo "image-test: FAIL: $*" >&2; exit 1; }
pass() { echo "image-test: ok: $*"; }

command -v podman >/dev/null || fail "podman is missing: deploy/scripts/install-deps.sh --image"
deploy/scripts/make-base-images.sh
[[ -x $fake ]] || nice -n 10 deploy/scripts/build.sh litmus-fake

work=$(mktemp -d)
container=litmus-proxy-image-test-$$
fake_pid=""
cleanup() {
  podman rm -f --time 0 "$container" >/dev/null 2>&1 || true
  if [[ -n $fake_pid ]]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Polls until `$@` succeeds, for at most 20 s.
await() {
  for _ in $(seq 200); do "$@" && return 0; sleep 0.1; done
  return 1
}
# A TCP port on 127.0.0.1 that nothing accepts on now.
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    (: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  fail "no free port found"
}

# ---- build ------------------------------------------------------------------
version=$(sed -n 's/^project(litmus_proxy VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
echo "image-test: building $image (version $version)"
previous=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
build_started=$SECONDS
# --label too: podman 4.3 (buildah 1.28) caches a LABEL step by its text
# before ${} expansion, so with the layers above cached the image would keep
# the previous commit's revision.
nice -n 10 podman build --isolation chroot --network host --pull=never --format docker \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  --label org.opencontainers.image.revision="$revision" \
  -t "$image" . >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; fail "podman build"; }
build_seconds=$((SECONDS - build_started))
# The image this tag named before, now untagged: removed unless still in use.
if [[ -n $previous && $previous != $(podman image inspect --format '{{.Id}}' "$image") ]]; then
  podman rmi "$previous" >/dev/null 2>&1 || true
fi

# ---- the image itself ---------------------------------------------------------
label() { podman image inspect --format "{{ index .Labels \"org.opencontainers.image.$1\" }}" "$image"; }
# One-off runs: --no-healthcheck, nothing to check in a container that exits at once.
binary_version=$("${podman_run[@]}" --rm --no-healthcheck "$image" --version)
[[ $binary_version == "litmus-proxy $version" ]] || fail "--version says '$binary_version', expected $version"
[[ $(label version) == "$version" ]] || fail "label version '$(label version)' is not $version"
[[ $(label revision) == "$revision" ]] || fail "label revision '$(label revision)' is not $revision"
for l in title description licenses; do
  [[ -n $(label "$l") ]] || fail "label org.opencontainers.image.$l is missing"
done
pass "labels: version $(label version), licenses $(label licenses), title $(label title)"
[[ $(podman image inspect --format '{{.Config.User}}' "$image") == 65532:65532 ]] ||
  fail "image user is '$(podman image inspect --format '{{.Config.User}}' "$image")'"
[[ $(podman image inspect --format '{{.Config.Entrypoint}}' "$image") == "[/usr/bin/litmus-proxy]" ]] ||
  fail "entrypoint is $(podman image inspect --format '{{.Config.Entrypoint}}' "$image")"
[[ $(podman image inspect --format '{{.HealthCheck.Test}}' "$image") == "[CMD /usr/bin/litmus-proxy health]" ]] ||
  fail "healthcheck is $(podman image inspect --format '{{.HealthCheck.Test}}' "$image")"
pass "user 65532:65532, entrypoint and exec-form healthcheck set"

# The image's own /etc/litmus-proxy/config.yaml is read when no --config is given.
default_check=$("${podman_run[@]}" --rm --no-healthcheck --read-only -e LITMUS_CLIENT_ID=x -e LITMUS_CLIENT_SECRET=y \
  "$image" --check-config 2>"$work/check.err") || fail "the image's default config: $(cat "$work/check.err")"
[[ $default_check == "configuration OK (/etc/litmus-proxy/config.yaml)" ]] ||
  fail "default config not read: $default_check"
pass "default config /etc/litmus-proxy/config.yaml read"

# ---- run it against the fake Litmus ------------------------------------------
mkdir -p "$work/ca" "$work/secrets"
"$fake" --listen 127.0.0.1:0 --ca-out "$work/ca/ca.pem" \
  --client-id image-test-client --client-secret image-test-secret >"$work/fake.out" 2>"$work/fake.log" &
fake_pid=$!
await grep -q listening "$work/fake.out" || fail "litmus-fake did not start: $(cat "$work/fake.log")"
fake_at=$(sed -n 's/.*listening on \([0-9.]*:[0-9]*\).*/\1/p' "$work/fake.out")

port=$(free_port)
admin=$(free_port)
cat >"$work/config.yaml" <<EOF
listen: "127.0.0.1:$port"
admin: {listen: "127.0.0.1:$admin"}
token: {connect: "$fake_at"}
upstreams:
  - {name: api, url: "https://api.litmus.com", prefix: /api, connect: "$fake_at"}
  - {name: instant, url: "https://instant-api.litmus.com", prefix: /instant, connect: "$fake_at"}
tls: {ca_file: /run/litmus-fake/ca.pem}
EOF
printf 'image-test-client\n' >"$work/secrets/client_id"
printf 'image-test-secret\n' >"$work/secrets/client_secret"
# As a Kubernetes secret volume with fsGroup: readable by the proxy's group only.
chown -R 0:65532 "$work/secrets"
chmod 0750 "$work/secrets"
chmod 0440 "$work/secrets"/*
chmod 0755 "$work/ca"
chmod 0644 "$work/ca/ca.pem" "$work/config.yaml"

# --read-only-tmpfs=false: not even /tmp, /run or /var/tmp is writable.
# --health-interval disable: this machine has no systemd to time the periodic
# check; `podman healthcheck run` below runs the image's HEALTHCHECK once.
"${podman_run[@]}" -d --name "$container" --read-only --read-only-tmpfs=false --health-interval disable \
  --cap-drop ALL --security-opt no-new-privileges --stop-timeout 30 \
  -v "$work/config.yaml:/etc/litmus-proxy/config.yaml:ro" \
  -v "$work/ca:/run/litmus-fake:ro" \
  -v "$work/secrets:/run/secrets/litmus:ro" \
  -e LITMUS_CLIENT_ID_FILE=/run/secrets/litmus/client_id \
  -e LITMUS_CLIENT_SECRET_FILE=/run/secrets/litmus/client_secret \
  "$image" >/dev/null 2>"$work/run.err" || fail "podman run: $(cat "$work/run.err")"

ready() { [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$admin/readyz") == 200 ]]; }
await ready || fail "/readyz not 200 within 20 s: $(podman logs "$container" 2>&1 | tail -n 20)"
pass "/readyz 200"

body=$(curl -sf --max-time 5 "http://127.0.0.1:$port/api/v2/users/current") || fail "proxied request failed"
[[ $body == *'"full_name":"Test User"'* ]] || fail "proxied answer: $body"
grep -q 'GET api.litmus.com /v2/users/current -> 200 token=' "$work/fake.log" ||
  fail "the fake did not see the request with a token: $(cat "$work/fake.log")"
pass "GET /api/v2/users/current answered by the fake Litmus: $body"

podman healthcheck run "$container" >/dev/null || fail "podman healthcheck run"
health=$(podman exec "$container" /usr/bin/litmus-proxy health) || fail "litmus-proxy health: $health"
pass "HEALTHCHECK passes ($health)"

pid=$(podman inspect --format '{{.State.Pid}}' "$container")
ids=$(awk '/^Uid:|^Gid:/ { printf "%s%s", sep, $2; sep = ":" }' "/proc/$pid/status")
[[ $ids == 65532:65532 ]] || fail "the proxy runs as uid:gid $ids"
[[ $(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$container") == true ]] || fail "root filesystem not read-only"
pass "runs as 65532:65532 on a read-only root filesystem"

stop_started=$SECONDS
timeout 60 podman stop --time 30 "$container" >/dev/null 2>>"$work/run.err" || fail "podman stop"
stop_seconds=$((SECONDS - stop_started))
code=$(podman inspect --format '{{.State.ExitCode}}' "$container")
[[ $code == 0 ]] || fail "exit code $code after podman stop: $(podman logs "$container" 2>&1 | tail -n 5)"
podman logs "$container" >"$work/proxy.log" 2>&1
grep -q '"event":"stopped"' "$work/proxy.log" || fail "no 'stopped' log line"
if grep -q 'image-test-secret' "$work/proxy.log"; then fail "the secret is in the log"; fi
pass "podman stop: drained and exited 0 in ${stop_seconds} s"

size=$(podman image inspect --format '{{.Size}}' "$image")
mib=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')
echo "image-test: passed. $image: $size bytes ($mib MiB); build took ${build_seconds} s"
