#!/usr/bin/env bash
# One start-to-ready measurement for hyperfine: starts litmus-proxy pinned to
# CPU, polls GET /readyz on 127.0.0.1:ADMIN_PORT about every millisecond until
# it answers 200 (at most 10 s, else exit 1), then stops the proxy by PID with
# SIGKILL so that the drain is not part of the time. The poll uses bash's
# /dev/tcp and a read timeout as its sleep: no process is started per poll.
# Usage: start-to-ready.sh BINARY CONFIG ADMIN_PORT CPU
set -euo pipefail
binary=$1 config=$2 port=$3 cpu=$4

taskset -c "$cpu" "$binary" --config "$config" 2>/dev/null &
pid=$!
trap 'kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT

ready() {
  exec {conn}<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&"$conn"
  local version status=""
  read -r -t 1 version status _ <&"$conn" || true
  exec {conn}<&-
  [[ $status == 200 ]]
}
exec {nap}<> <(:)   # a pipe nothing writes to: `read -t` on it sleeps without a fork
for _ in $(seq 10000); do
  ready 2>/dev/null && exit 0
  read -r -t 0.001 -u "$nap" _ || true
done
echo "start-to-ready: /readyz not 200 within 10 s" >&2
exit 1
