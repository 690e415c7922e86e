#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server on loopback.
#
# Installs Debian's postgresql package when no server binaries are present (CI machines are
# fresh), starts a private cluster on a free port as an unprivileged user, exports
# DLT_ATLASSIAN_TEST_POSTGRES for the tests, runs the command, and always stops the server.
# If no server can be had (no apt, no root), the command still runs; the Postgres tests then
# fail under CI=true and skip elsewhere, saying why.
set -uo pipefail

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

PGBIN=$(find_bin)
if [ -z "$PGBIN" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "with_postgres: installing postgresql from Debian's packages" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
    || echo "with_postgres: apt-get install postgresql failed" >&2
  PGBIN=$(find_bin)
fi

if [ -z "$PGBIN" ]; then
  echo "with_postgres: no PostgreSQL server available; Postgres tests will not run" >&2
  exec "$@"
fi

RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  RUN_AS=(runuser -u postgres --)
fi

PGDIR=$(mktemp -d /tmp/dlt-atlassian-pg.XXXXXX)
chmod 755 "$PGDIR"
[ "$(id -u)" = 0 ] && chown postgres "$PGDIR"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGDIR"
}
trap cleanup EXIT

"${RUN_AS[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U postgres -A trust --no-sync >/dev/null \
  && "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
       -o "-h 127.0.0.1 -p $PORT -k $PGDIR -c fsync=off -c full_page_writes=off" start >/dev/null
if [ $? -ne 0 ]; then
  echo "with_postgres: could not start PostgreSQL (log below); Postgres tests will not run" >&2
  cat "$PGDIR/log" >&2 2>/dev/null
  "$@"
  exit $?
fi

export DLT_ATLASSIAN_TEST_POSTGRES="postgresql://postgres@127.0.0.1:$PORT/postgres"
echo "with_postgres: PostgreSQL on 127.0.0.1:$PORT" >&2
"$@"
