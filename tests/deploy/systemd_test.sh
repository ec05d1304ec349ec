#!/usr/bin/env bash
# deploy/systemd/litmus-proxy.service:
#  1. `systemd-analyze verify` accepts it (with ExecStart pointing at the
#     built binary: verify checks that the executable exists);
#  2. `systemd-analyze security --offline=true` rates its exposure at 2.0
#     ("OK") or less, and the score is printed;
#  3. the directives the README promises are there, and TimeoutStopSec is
#     above the example config's drain_timeout;
#  4. systemd_start.py runs ExecStart the way systemd would for this unit
#     (credentials in $CREDENTIALS_DIRECTORY, NOTIFY_SOCKET, WATCHDOG_USEC)
#     against the fake Litmus: READY=1, a proxied request, reload, STOPPING=1.
# systemd itself cannot start the unit here: PID 1 of this machine is not
# systemd, so the sandboxing directives are checked by (1) and (2) only.
# Usage: systemd_test.sh LITMUS_PROXY_BINARY LITMUS_FAKE_BINARY
set -euo pipefail

binary=$(realpath "$1")
fake=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
unit_dir=$here/../../deploy/systemd
unit=$unit_dir/litmus-proxy.service
max_exposure=2.0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# --- 1. verify ---------------------------------------------------------------
# The unit names /usr/bin/litmus-proxy (where the Debian package installs it);
# verify needs an executable there, so check a copy that names the build.
grep -q '^ExecStart=/usr/bin/litmus-proxy ' "$unit" || fail "ExecStart does not start /usr/bin/litmus-proxy"
sed "s|^ExecStart=/usr/bin/litmus-proxy |ExecStart=$binary |" "$unit" >"$work/litmus-proxy.service"
if ! systemd-analyze verify "$work/litmus-proxy.service" >"$work/verify.out" 2>&1; then
  cat "$work/verify.out" >&2
  fail "systemd-analyze verify"
elif [[ -s "$work/verify.out" ]]; then
  # verify exits 0 on unknown or misspelt directives, with a warning.
  cat "$work/verify.out" >&2
  fail "systemd-analyze verify warned"
else
  echo "ok: systemd-analyze verify"
fi

# --- 2. security score ---------------------------------------------------------
systemd-analyze security --help | grep -q -- '--offline' ||
  fail "this systemd-analyze ($(systemd-analyze --version | head -n1)) has no --offline"
threshold=$(awk -v m="$max_exposure" 'BEGIN { print m * 10 }')  # --threshold is in tenths
set +e
systemd-analyze security --offline=true --threshold="$threshold" "$work/litmus-proxy.service" \
  >"$work/security.out" 2>&1
security_rc=$?
set -e
score=$(sed -n 's/.*Overall exposure level for litmus-proxy.service: \([0-9.]*\).*/\1/p' "$work/security.out")
if [[ -z "$score" ]]; then
  cat "$work/security.out" >&2
  fail "no exposure level in the systemd-analyze security output"
elif [[ $security_rc -ne 0 ]]; then
  grep '^✗' "$work/security.out" >&2 || true
  fail "systemd-analyze security: exposure $score, above $max_exposure"
else
  echo "ok: systemd-analyze security: exposure $score (at most $max_exposure)"
  grep '^✗' "$work/security.out" | sed 's/^/    left open: /' || true
fi

# --- 3. directives -------------------------------------------------------------
for directive in Type=notify WatchdogSec= DynamicUser=yes \
  LoadCredential=client_id:/etc/litmus-proxy/client_id \
  LoadCredential=client_secret:/etc/litmus-proxy/client_secret \
  ProtectSystem=strict ProtectHome=yes PrivateTmp=yes NoNewPrivileges=yes \
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' SystemCallFilter=@system-service \
  CapabilityBoundingSet= MemoryMax= Restart=on-failure TimeoutStopSec= \
  StateDirectory=litmus-proxy StateDirectoryMode=0700; do
  if [[ "$directive" == *= ]]; then
    grep -q "^$directive" "$unit" || fail "no $directive in the unit"
  else
    grep -qx "$directive" "$unit" || fail "no $directive in the unit"
  fi
done
grep -q '^CapabilityBoundingSet=$' "$unit" || fail "CapabilityBoundingSet= must be empty"
seconds() { # 35s, 2m, 500ms, 35 -> whole seconds (rounded down)
  case $1 in
    *ms) echo $(( ${1%ms} / 1000 )) ;; *s) echo "${1%s}" ;; *m) echo $(( ${1%m} * 60 )) ;; *) echo "$1" ;;
  esac
}
stop=$(seconds "$(sed -n 's/^TimeoutStopSec=//p' "$unit")")
drain=$(seconds "$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["downstream"]["drain_timeout"])' \
  "$unit_dir/config.yaml")")
if (( stop > drain )); then
  echo "ok: TimeoutStopSec ${stop}s is above drain_timeout ${drain}s"
else
  fail "TimeoutStopSec ${stop}s must be above drain_timeout ${drain}s"
fi

# --- 4. the unit's start, as systemd would run it ------------------------------
python3 "$here/systemd_start.py" --unit "$unit" --config "$unit_dir/config.yaml" \
  --binary "$binary" --fake "$fake" || fail "systemd_start.py"

if [[ -d /run/systemd/system ]]; then
  echo "note: systemd runs this machine; the unit itself was still only verified"
else
  echo "note: no systemd as PID 1 here ($(cat /proc/1/comm)): the unit cannot be started for real"
fi

if (( failures > 0 )); then
  echo "systemd_test: $failures failure(s)" >&2
  exit 1
fi
echo "systemd_test: passed"
