#!/usr/bin/env bash
# A throwaway PostgreSQL for development and tests on 127.0.0.1:${PG_PORT:-54329}, data in
# infra/.run/postgres (git-ignored). Idempotent: `start` does nothing if it is up. Installs the
# server from Debian's packages when it is missing (needs root, as on CI).
#   infra/postgres/postgres.sh start | stop | status | url
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${PG_PORT:-54329}"
run="$root/infra/.run/postgres"
data="$run/data"
log="$run/postgres.log"
user=loyalty
database=loyalty

say() { printf '[postgres] %s\n' "$*" >&2; }

bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

ensure_installed() {
  if [ -z "$(bin_dir)" ]; then
    [ "$(id -u)" = 0 ] || { say "PostgreSQL is not installed: apt-get install -y postgresql (as root)"; exit 1; }
    say "installing PostgreSQL from Debian's packages (once)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
}

# As root, the server must run as the postgres user (it refuses root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

is_running() {
  [ -f "$data/postmaster.pid" ] && as_owner "$(bin_dir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

# A server on the port that already serves our user and database (e.g. started from another
# checkout of this repository) is reused, like the Kafka script reuses a listening broker.
answers() {
  [ -n "$(bin_dir)" ] && "$(bin_dir)/psql" -h 127.0.0.1 -p "$port" -U "$user" -d "$database" -tAc 'SELECT 1' 2>/dev/null | grep -q 1
}

start() {
  ensure_installed
  local bin; bin="$(bin_dir)"
  if is_running; then say "already running on 127.0.0.1:$port"; return 0; fi
  if answers; then say "reusing the server already listening on 127.0.0.1:$port"; return 0; fi
  mkdir -p "$run"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$run"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$data" -U "$user" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
    -o "-p $port -k $run -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >/dev/null
  if ! as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U "$user" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$user" "$database"
  fi
  say "started on 127.0.0.1:$port ($(url))"
}

stop() {
  if ! is_running; then say "not running"; return 0; fi
  as_owner "$(bin_dir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  say "stopped"
}

url() {
  echo "postgres://$user@127.0.0.1:$port/$database"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if [ -n "$(bin_dir)" ] && { is_running || answers; }; then echo "running $(url)"; else echo "stopped"; exit 3; fi ;;
  url) url ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
