#!/usr/bin/env bash
# Installs what is missing, builds, and runs litmus-proxy in the foreground
# until Ctrl-C.
#  - With LITMUS_CLIENT_ID and LITMUS_CLIENT_SECRET set: against the real
#    Litmus (built-in defaults), listening on 127.0.0.1:8080.
#  - Without them: against the bundled fake Litmus (litmus-fake on
#    127.0.0.1:8443, config/demo.yaml): runs `litmus-proxy check`, then shows a
#    few requests going through and Litmus's answers in their documented shapes.
set -euo pipefail
cd "$(dirname "$0")/../.."
deploy/scripts/install-deps.sh
deploy/scripts/build.sh litmus-proxy litmus-fake

proxy=build/litmus-proxy
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 0' INT TERM

if [[ -n "${LITMUS_CLIENT_ID:-}" && -n "${LITMUS_CLIENT_SECRET:-}" ]]; then
  echo "demo: real credentials found: proxying to the real Litmus on http://127.0.0.1:8080" \
    "(readiness and metrics: http://127.0.0.1:9090/readyz, /metrics)" >&2
  "$proxy" &
  pids+=($!)
  wait "${pids[0]}"
  exit $?
fi

mkdir -p build/demo
build/tests/support/litmus-fake --listen 127.0.0.1:8443 --ca-out build/demo/litmus-fake-ca.pem \
  --client-id demo-client --client-secret demo-secret >build/demo/fake.out 2>build/demo/fake.log &
pids+=($!)
for _ in $(seq 100); do grep -q listening build/demo/fake.out 2>/dev/null && break; sleep 0.05; done
grep -q listening build/demo/fake.out || { echo "demo: litmus-fake did not start:" >&2; cat build/demo/fake.log >&2; exit 1; }

export LITMUS_CLIENT_ID=demo-client LITMUS_CLIENT_SECRET=demo-secret
# The key that encrypts the demo users' tokens (users section of the config):
# 32 random bytes, base64. A real deployment keeps it in users.key_file.
LITMUS_PROXY_USERS_KEY=$(head -c 32 /dev/urandom | base64)
export LITMUS_PROXY_USERS_KEY
rm -f build/demo/users.db build/demo/users.db-wal build/demo/users.db-shm
show() {
  echo
  printf '$'; printf ' %q' "$@"; echo
  "$@"
  echo
}
echo
echo "=== litmus-proxy check: config, token, TLS and a ping against the fake Litmus ==="
show "$proxy" check --config config/demo.yaml

"$proxy" --config config/demo.yaml &
pids+=($!)
# Ready once it listens and holds its first token.
for _ in $(seq 100); do curl -sf -o /dev/null http://127.0.0.1:9090/readyz && break; sleep 0.05; done

echo
echo "=== litmus-proxy is running on http://127.0.0.1:8080 against the fake Litmus (127.0.0.1:8443) ==="
show curl -sS http://127.0.0.1:8080/api/v3/ping/authenticated
show curl -sS http://127.0.0.1:8080/api/v2/users/current
show curl -sS http://127.0.0.1:8080/api/v2/user_settings/clients
show curl -sS http://127.0.0.1:8080/api/v2/user_settings/clients/configuration_url
show curl -sS -X POST -H 'Content-Type: application/json' -d '{"subject":"Hello from the demo"}' \
  http://127.0.0.1:8080/instant/v1/emails
show curl -sS --compressed -D - -x http://127.0.0.1:8080 http://api.litmus.com/v2/users/current
show curl -sS http://127.0.0.1:8080/unknown
echo "=== Litmus users: connect the app's user \"alice\" (authorization-code flow), then call the API as her ==="
echo '# 1. the app server asks the proxy where to send alice'\''s browser'
authorize=$(curl -sS -X POST -H 'Content-Type: application/json' \
  -d '{"user":"alice","redirect_uri":"https://app.example/litmus/callback"}' \
  http://127.0.0.1:8080/_litmus/oauth/authorize)
echo "$authorize"
authorize_url=$(printf '%s' "$authorize" | sed -n 's/.*"authorize_url":"\([^"]*\)".*/\1/p')
echo '# 2. her browser logs in at Litmus (the fake: login_as picks who), which redirects back with a code'
redirect=$(curl -sS -o /dev/null -w '%{redirect_url}' --cacert build/demo/litmus-fake-ca.pem \
  --connect-to litmus.com:443:127.0.0.1:8443 "${authorize_url}&login_as=alice")
echo "redirected to: ${redirect%%code=*}code=…&state=…"
code=$(printf '%s' "$redirect" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
state=$(printf '%s' "$redirect" | sed -n 's/.*[?&]state=\([^&]*\).*/\1/p')
echo '# 3. the app'\''s callback hands code and state to the proxy, which exchanges the code and keeps her tokens'
show curl -sS -X POST -H 'Content-Type: application/json' -d "{\"state\":\"$state\",\"code\":\"$code\"}" \
  http://127.0.0.1:8080/_litmus/oauth/callback
echo '# 4. API calls as alice: one header, no token in the app'
show curl -sS -H 'Litmus-User: alice' http://127.0.0.1:8080/api/v2/users/current
show curl -sS http://127.0.0.1:8080/_litmus/users/alice
echo "=== admin endpoints on http://127.0.0.1:9090: /readyz, /healthz, /metrics ==="
show curl -sS http://127.0.0.1:9090/readyz
echo
echo '$ curl -sS http://127.0.0.1:9090/metrics | grep ^litmus_proxy_ | head -n 8'
curl -sS http://127.0.0.1:9090/metrics | grep '^litmus_proxy_' | head -n 8 || true  # head may cut the pipe
echo
echo "=== the proxy keeps running (logs below); press Ctrl-C to stop ==="
wait "${pids[1]}"
