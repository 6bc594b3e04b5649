#!/usr/bin/env bash
# Throwaway PostgreSQL for Herald's tests (CI and local development).
#
#   eval "$(.ci/postgres.sh start [DIR])"   start a cluster; prints the export lines for the tests
#   .ci/postgres.sh stop [DIR]              stop it and delete DIR (default: $HERALD_TEST_PG_DIR)
#
# The cluster listens on 127.0.0.1 only, port 5432 if free (else the first free one from 55432),
# with role herald/herald (superuser) and database herald_test. All its files live in DIR
# (a new mktemp dir unless given). Set HERALD_TEST_PG_PORT to force a port, PG_BIN to pick binaries.
# Only the export lines go to stdout; progress and errors go to stderr.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# Binaries: PG_BIN, else the newest Debian install, else whatever is on PATH.
find_pg_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return; fi
    local initdb
    initdb="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1)"
    [[ -n "$initdb" ]] || initdb="$(command -v initdb || true)"
    [[ -n "$initdb" ]] || die "PostgreSQL is not installed (apt-get install postgresql)"
    dirname "$initdb"
}

# initdb and pg_ctl refuse to run as root, so as root we run them as the postgres user.
as_owner() {
    if (( EUID == 0 )); then
        # cd / : the postgres user may not be able to read the caller's cwd.
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
    if [[ -n "${HERALD_TEST_PG_PORT:-}" ]]; then echo "$HERALD_TEST_PG_PORT"; return; fi
    local port
    for port in 5432 $(seq 55432 55532); do
        port_in_use "$port" || { echo "$port"; return; }
    done
    die "no free port for PostgreSQL"
}

start() {
    local bin dir port
    bin="$(find_pg_bin)"
    dir="${1:-$(mktemp -d -t herald-pg.XXXXXX)}"
    mkdir -p "$dir"
    port="$(pick_port)"

    if (( EUID == 0 )); then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
        chown postgres: "$dir"
    fi
    chmod 700 "$dir"

    log "initdb in $dir/data ($("$bin/postgres" --version))"
    # Password auth over TCP (what the tests use); trust only on the private unix socket in $dir.
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --no-locale --encoding=UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }

    # Settings go into the config file so a manual `pg_ctl restart` keeps them.
    # fsync etc. off: the data is disposable and tests run much faster.
    cat >>"$dir/data/postgresql.conf" <<EOF

# --- Herald test cluster (.ci/postgres.sh) ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

    log "starting on 127.0.0.1:$port (log: $dir/postgres.log)"
    # -l makes pg_ctl daemonize the server (it outlives this shell); -w waits until it accepts connections.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >&2 \
        || { tail -n 30 "$dir/postgres.log" >&2 || true; die "PostgreSQL did not start"; }

    "$bin/psql" -X -q -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE herald LOGIN SUPERUSER PASSWORD 'herald'" \
        -c "CREATE DATABASE herald_test OWNER herald" >&2

    cat <<EOF
export HERALD_TEST_PG_URL=jdbc:postgresql://127.0.0.1:$port/herald_test
export HERALD_TEST_PG_USER=herald
export HERALD_TEST_PG_PASSWORD=herald
export HERALD_TEST_PG_DIR=$dir
EOF
}

stop() {
    local dir="${1:-${HERALD_TEST_PG_DIR:-}}"
    [[ -n "$dir" ]] || die "usage: $0 stop DIR (or set HERALD_TEST_PG_DIR)"
    # Refuse anything that isn't one of our clusters, since we rm -rf it afterwards.
    [[ -f "$dir/data/PG_VERSION" ]] || die "$dir is not a cluster made by $0"
    local bin
    bin="$(find_pg_bin)"
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || log "pg_ctl stop failed"
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop)  shift; stop "$@" ;;
    *)     die "usage: $0 start [DIR] | stop [DIR]" ;;
esac
