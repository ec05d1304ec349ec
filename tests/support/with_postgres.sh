#!/usr/bin/env bash
# Runs a command against a PostgreSQL of its own: initdb in a temporary data
# directory, the server on 127.0.0.1 at a free port (no Unix socket), the
# command run with LITMUS_TEST_POSTGRES_URI=postgres://litmus@127.0.0.1:PORT/litmus
# (and LITMUS_TEST_POSTGRES_PORT), then the server stopped by its PID and the
# directory removed. Exits with the command's status.
#   tests/support/with_postgres.sh COMMAND [ARG...]
# Needs Debian's postgresql package (install-deps.sh --test). PostgreSQL
# refuses to run as root: as root the server runs as `nobody`.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: with_postgres.sh COMMAND [ARG...]" >&2; exit 2; }

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$bindir" || ! -x "$bindir/postgres" ]]; then
  echo "with_postgres: no PostgreSQL server in /usr/lib/postgresql/*/bin (deploy/scripts/install-deps.sh --test)" >&2
  exit 1
fi

dir=$(mktemp -d /tmp/litmus-pg.XXXXXX)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -INT "$server_pid" 2>/dev/null || true  # fast shutdown
    for _ in $(seq 1 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  # A killed server's children may still be writing as they exit.
  for _ in 1 2 3 4 5; do
    rm -rf "$dir" 2>/dev/null && break
    sleep 0.2
  done
}
trap cleanup EXIT
trap 'exit 143' TERM INT  # so that the EXIT trap stops the server

as_server=()
if [[ $(id -u) -eq 0 ]]; then
  chown nobody "$dir"
  as_server=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups --)
fi
# The server dies with this script even when it is killed (a ctest timeout):
# it gets SIGKILL, and its own children exit when they see it gone. Set
# after the change of user, which would clear it.
with_parent=(setpriv --pdeathsig KILL --)
data="$dir/data"

"${as_server[@]}" "$bindir/initdb" -D "$data" -U litmus --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }

# A free port: bound and released by python3; a server that loses the race
# fails to start and the wait below reports it.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# setpriv execs the server, so $! is the server's PID.
"${as_server[@]}" "${with_parent[@]}" "$bindir/postgres" -D "$data" -p "$port" -c listen_addresses=127.0.0.1 \
  -c unix_socket_directories= -c fsync=off -c max_connections=50 >"$dir/server.log" 2>&1 &
server_pid=$!

ready=false
for _ in $(seq 1 300); do  # 30 s
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U litmus -d postgres; then ready=true; break; fi
  sleep 0.1
done
if ! $ready; then
  echo "with_postgres: the server did not become ready; its log:" >&2
  cat "$dir/server.log" >&2
  exit 1
fi
if ! "$bindir/createdb" -h 127.0.0.1 -p "$port" -U litmus litmus 2>"$dir/createdb.log"; then
  echo "with_postgres: createdb failed:" >&2
  cat "$dir/createdb.log" >&2
  exit 1
fi

set +e
LITMUS_TEST_POSTGRES_URI="postgres://litmus@127.0.0.1:$port/litmus" LITMUS_TEST_POSTGRES_PORT="$port" "$@"
status=$?
set -e
exit "$status"
