# Shared by scripts/up, scripts/down, scripts/test and scripts/bench.
# Sourced, not run. Everything here is idempotent.
set -euo pipefail

AS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
AS_SERVICES="intake dispatch inventory billing survey"
AS_APT_PACKAGES="build-essential cmake pkg-config libzmq3-dev libczmq-dev libpq-dev
  libmsgpack-dev libcjson-dev postgresql-15 postgresql-client-15 python3 procps util-linux"
AS_PG_USER=aftersales     # the unprivileged owner of clusters when run as root

as_say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
as_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Install the Debian packages that are missing (apt-get, as root or via sudo).
as_deps() {
  local missing=() pkg
  for pkg in $AS_APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  as_say "installing ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || as_die "missing packages (${missing[*]}) and no sudo to install them"
    sudo="sudo"
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# as_build DIR [cmake options...]: configure once, then build. A failed
# build stops the caller (no stale binaries are ever run); warnings show.
as_build() {
  local dir=$1 log; shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$AS_ROOT" -B "$dir" "$@" >/dev/null
  fi
  log=$(mktemp)
  if ! cmake --build "$dir" -j "$(nproc)" >"$log" 2>&1; then
    grep -E "error|Error" "$log" | head -40 >&2
    rm -f "$log"
    as_die "build failed in $dir"
  fi
  grep -E "warning:" "$log" >&2 || true
  rm -f "$log"
}

as_pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  as_die "PostgreSQL server binaries not found (package postgresql-15)"
}

# Run a command as the cluster's owner: ourselves, or an unprivileged
# account when we are root (PostgreSQL refuses to run as root).
as_as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then
    id -u "$AS_PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$AS_PG_USER"
    runuser -u "$AS_PG_USER" -- "$@"
  else
    "$@"
  fi
}

as_pg_owner() { if [ "$(id -u)" -eq 0 ]; then echo "$AS_PG_USER"; else id -un; fi; }

# as_port_free PORT: true when nothing listens on 127.0.0.1:PORT.
as_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free PostgreSQL port and a free block of 100 ports for the suite, below
# the kernel's ephemeral range (32768 and up by default): a port there can be
# taken by any outgoing connection between the check and the bind.
as_free_port() {
  local port
  while :; do
    port=$(( 10000 + RANDOM % 22700 ))
    as_port_free "$port" && { echo "$port"; return 0; }
  done
}
as_free_port_base() {
  local base ok offset
  while :; do
    base=$(( (10000 + RANDOM % 22600) / 100 * 100 ))
    ok=1
    for offset in 1 2 3 11 12 13 14 15 80 90; do
      as_port_free $((base + offset)) || { ok=0; break; }
    done
    [ $ok -eq 1 ] && { echo "$base"; return 0; }
  done
}

# as_pg_init DATADIR PORT SOCKETDIR LOGFILE: create (first time) and start.
# log_error_verbosity=terse: the server log leaves out an error's DETAIL,
# which for a CHECK or NOT NULL violation is the whole failing row (a
# customer's phone and address; DOMAIN.md, Privacy).
as_pg_init() {
  local data=$1 port=$2 sockets=$3 log=$4 bin
  bin=$(as_pg_bin)
  mkdir -p "$(dirname "$data")" "$sockets" "$(dirname "$log")"
  if [ "$(id -u)" -eq 0 ]; then
    as_as_pg_user true
    chown "$AS_PG_USER" "$(dirname "$data")" "$sockets" "$(dirname "$log")"
    [ -e "$log" ] && chown "$AS_PG_USER" "$log"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    as_as_pg_user "$bin/initdb" -D "$data" -U "$(as_pg_owner)" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
      || as_as_pg_user "$bin/initdb" -D "$data" -U "$(as_pg_owner)" --auth=trust -E UTF8 --no-locale >/dev/null
  fi
  if ! as_as_pg_user "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_as_pg_user "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start \
      -o "-p $port -k $sockets -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=${AS_PG_FSYNC:-on} -c log_error_verbosity=terse" >/dev/null \
      || { tail -20 "$log" >&2; as_die "PostgreSQL did not start (log: $log)"; }
  fi
}

as_pg_stop() {
  local data=$1 bin
  bin=$(as_pg_bin)
  [ -f "$data/PG_VERSION" ] || return 0
  as_as_pg_user "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

# as_db_setup CONNINFO DBNAME: the database, one role per service with
# rights on its own schema only. CONNINFO reaches a superuser.
as_db_setup() {
  local admin=$1 db=$2 svc
  if [ "$(psql "$admin dbname=postgres" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
    psql "$admin dbname=postgres" -qc "CREATE DATABASE \"$db\"" >/dev/null
  fi
  for svc in $AS_SERVICES testsink; do
    psql "$admin dbname=$db" -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET client_min_messages = warning;
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aftersales_$svc') THEN
    CREATE ROLE aftersales_$svc LOGIN;
  END IF;
END \$\$;
GRANT CONNECT ON DATABASE "$db" TO aftersales_$svc;
CREATE SCHEMA IF NOT EXISTS $svc AUTHORIZATION aftersales_$svc;
REVOKE ALL ON SCHEMA $svc FROM PUBLIC;
SQL
  done
  psql "$admin dbname=$db" -qc "REVOKE CREATE ON SCHEMA public FROM PUBLIC" >/dev/null
}

# Daemons that exist in this build, bus first.
as_daemons() {
  local bin=$1 svc
  echo busd
  for svc in $AS_SERVICES; do [ -x "$bin/${svc}d" ] && echo "${svc}d"; done
  return 0
}
