#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store's tests (crates/cratewatch-store):
#
#   scripts/postgres.sh start   start it (installing Debian's postgresql package if needed); prints its URL
#   scripts/postgres.sh stop    stop it
#   scripts/postgres.sh url     print its URL
#
# It listens on 127.0.0.1:54329 only, keeps its data in target/postgres (or see choose_data), trusts
# every local connection and has a `cratewatch` superuser. Each test creates and drops a database of its own on it. Both
# commands are idempotent. Use it like this:
#
#   export CRATEWATCH_TEST_POSTGRES_URL="$(scripts/postgres.sh start)"
#   cargo test -p cratewatch-store
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT="${CRATEWATCH_PG_PORT:-54329}"
DATA="$PWD/target/postgres"
URL="postgres://cratewatch@127.0.0.1:$PORT/postgres"

# The newest installed server's binaries (Debian keeps them out of PATH).
find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; fi
}

# Runs a server program as the data directory's owner: initdb and postgres refuse to run as root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Where the server keeps its data: target/postgres, unless the server's user (postgres, when this runs as
# root) cannot reach it because a directory above the checkout is private (a home directory, a
# `mktemp -d`); then a directory under /var/tmp named after the checkout.
choose_data() {
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$PWD/target"; then
    DATA="/var/tmp/cratewatch-postgres-$(printf '%s' "$PWD" | sha256sum | cut -c1-16)"
  fi
}

ready() {
  "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"
}

start() {
  BIN=$(find_bin)
  if [ -z "$BIN" ]; then
    echo "installing PostgreSQL (apt-get install postgresql)" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2
    BIN=$(find_bin)
    [ -n "$BIN" ] || { echo "error: no initdb in /usr/lib/postgresql/*/bin after installing" >&2; exit 2; }
  fi
  if ready; then
    echo "$URL"
    return
  fi
  mkdir -p "$PWD/target"
  if [ "$(id -u)" = 0 ]; then
    # The server runs as the postgres user, which needs to reach and own its directory.
    chmod o+x "$PWD" "$PWD/target" 2>/dev/null || true
    choose_data
    mkdir -p "$DATA"
    chown postgres: "$DATA"
    chmod 700 "$DATA"
  fi
  mkdir -p "$DATA"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    as_owner "$BIN/initdb" -D "$DATA" -U cratewatch --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$DATA.initdb.log" 2>&1 ||
      as_owner "$BIN/initdb" -D "$DATA" -U cratewatch --auth=trust --encoding=UTF8 --no-locale >"$DATA.initdb.log" 2>&1 ||
      { cat "$DATA.initdb.log" >&2; exit 2; }
  fi
  # A server that is still starting: wait for it. A stale pid file (a killed server) would stop pg_ctl.
  if [ -f "$DATA/postmaster.pid" ] && kill -0 "$(head -n 1 "$DATA/postmaster.pid")" 2>/dev/null; then
    for _ in $(seq 60); do
      if ready; then echo "$URL"; return; fi
      sleep 1
    done
    echo "error: the server in $DATA is running but does not answer on 127.0.0.1:$PORT" >&2
    exit 2
  fi
  rm -f "$DATA/postmaster.pid"
  # Fast and throwaway: no fsync; enough connections for the tests running in parallel.
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $PORT -k '' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >&2 || { tail -n 30 "$DATA/server.log" >&2; exit 2; }
  echo "$URL"
}

stop() {
  BIN=$(find_bin)
  choose_data
  if [ -n "$BIN" ] && [ -f "$DATA/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$URL" ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
