#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests and benchmarks, on loopback only.
#
#   scripts/postgres.sh start [DIR]   installs Debian's postgresql if missing, initdb in DIR (a new temp dir
#                                     when omitted), starts it on 127.0.0.1:$LASTMILE_PG_PORT (default 55432)
#                                     and prints the connection URL alone on stdout; the rest goes to stderr.
#   scripts/postgres.sh stop DIR      stops that cluster and removes DIR.
#
# Typical use (what .ci/run does):
#   PG_DIR=$(mktemp -d) && export LASTMILE_PG_URL=$(bash scripts/postgres.sh start "$PG_DIR")
#   ... npx vitest run ...
#   bash scripts/postgres.sh stop "$PG_DIR"
set -euo pipefail

command="${1:-start}"
port="${LASTMILE_PG_PORT:-55432}"

find_bin() {
  local dir
  # Highest installed major version first.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

as_owner() {
  # initdb and postgres refuse to run as root: run them as the postgres system user when we are root.
  if [[ "$(id -u)" == "0" ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$command" in
  start)
    if ! bin="$(find_bin)"; then
      echo "postgres.sh: installing Debian's postgresql" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq postgresql >&2
      bin="$(find_bin)"
    fi
    if [[ "$(id -u)" == "0" ]] && ! id postgres >/dev/null 2>&1; then
      useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    fi
    dir="${2:-$(mktemp -d /tmp/lastmile-pg.XXXXXX)}"
    mkdir -p "$dir"
    [[ "$(id -u)" == "0" ]] && chown postgres "$dir"
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    # Loopback only; the unix socket lives in the cluster's own directory, not /var/run.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >&2 \
      || { cat "$dir/server.log" >&2; exit 1; }
    for _ in $(seq 1 50); do
      "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
      sleep 0.2
    done
    "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -c "SELECT 1 FROM pg_database WHERE datname = 'lastmile'" -tA | grep -q 1 \
      || "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres lastmile
    echo "postgres.sh: cluster in $dir (stop with: bash scripts/postgres.sh stop $dir)" >&2
    echo "postgres://postgres@127.0.0.1:$port/lastmile"
    ;;
  stop)
    dir="${2:?usage: postgres.sh stop DIR}"
    bin="$(find_bin)"
    if [[ -f "$dir/data/postmaster.pid" ]]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: postgres.sh start [DIR] | stop DIR" >&2
    exit 2
    ;;
esac
