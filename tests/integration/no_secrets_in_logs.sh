#!/usr/bin/env bash
# No token or secret in any log line (issue 8): runs the whole integration
# suite once more (suite by suite), the proxy at log level debug and the fake Litmus writing
# every access token, refresh token and authorization code it issued (the
# users' included) and every client secret it was presented to a file
# (LITMUS_FAKE_ISSUED_FILE; the users tests add the token encryption keys they
# configure, users_fixture), then looks for each of them in
# everything the suite wrote to stderr: the in-process proxy logs there, and
# the output of child processes (the proxy binary) is copied there
# (LITMUS_TEST_CHILD_OUTPUT_TO_STDERR).
# Usage: no_secrets_in_logs.sh INTEGRATION_TESTS_BINARY
set -euo pipefail
binary=${1:?usage: no_secrets_in_logs.sh INTEGRATION_TESTS_BINARY}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
issued=$work/issued
logs=$work/stderr
: >"$issued"

# Each suite in a process of its own, as ctest runs them: in one process a
# suite's leftovers (a client still retrying towards a port the kernel hands
# to the next suite's proxy) could change another suite's counts.
suites=$("$binary" --list_content 2>&1 | sed -n 's/^\([a-z_0-9]*\)\*$/\1/p')
[[ -n "$suites" ]] || { echo "FAIL: $binary lists no test suite"; exit 1; }
: >"$work/stdout"
: >"$logs"
for suite in $suites; do
  status=0
  LITMUS_PROXY_LOG_LEVEL=debug LITMUS_FAKE_ISSUED_FILE=$issued LITMUS_TEST_CHILD_OUTPUT_TO_STDERR=1 \
    "$binary" --run_test="$suite" --log_level=error --report_level=short >>"$work/stdout" 2>>"$logs" || status=$?
  if [[ $status -ne 0 ]]; then
    echo "FAIL: the integration suite $suite itself failed (exit $status); its logs cannot be trusted to be complete"
    tail -n 20 "$work/stdout" "$logs"
    exit 1
  fi
done
echo "ran $(wc -w <<<"$suites") suites, each in its own process"

# Values under 8 characters (a test's "sec") would match ordinary words;
# every token and the suite's real secrets are longer.
short=$(sort -u "$issued" | awk 'length($0) < 8' | wc -l)
sort -u "$issued" | awk 'length($0) >= 8' >"$work/secrets"
# The check must not pass for want of secrets or of log lines.
tokens=$(grep -c '^fk_' "$work/secrets" || true)
refresh_tokens=$(grep -c '^fr_' "$work/secrets" || true)
codes=$(grep -c '^fc_' "$work/secrets" || true)
secrets=$(grep -vc '^f[kcr]_' "$work/secrets" || true)
access_lines=$(grep -c '"event":"access"' "$logs" || true)
debug_lines=$(grep -c '"level":"debug"' "$logs" || true)
echo "recorded: $tokens access tokens, $refresh_tokens refresh tokens, $codes authorization codes, $secrets client secrets and keys ($short shorter values skipped)"
echo "stderr: $(wc -l <"$logs") lines, $access_lines access lines, $debug_lines debug lines"
if [[ $tokens -eq 0 || $refresh_tokens -eq 0 || $codes -eq 0 || $secrets -eq 0 ]]; then
  echo "FAIL: the fake recorded no access token, refresh token, authorization code or client secret: nothing to look for"
  exit 1
fi
if [[ $access_lines -eq 0 ]]; then
  echo "FAIL: no access line on stderr: the proxy's logs were not captured"
  exit 1
fi

if grep -F -n -f "$work/secrets" "$logs" >"$work/leaks"; then
  echo "FAIL: $(wc -l <"$work/leaks") stderr lines hold a token or secret the fake issued; the first ones:"
  head -n 10 "$work/leaks" | cut -c1-400
  exit 1
fi
echo "OK: no recorded token or secret in any stderr line"
