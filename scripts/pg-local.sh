#!/usr/bin/env bash
# pg-local.sh — a private, project-local PostgreSQL cluster for RehabCount (no system service, no docker).
#
# Usage:
#   eval "$(scripts/pg-local.sh start [--dir DIR] [--port PORT])"   # create if missing, start, export DATABASE_URL
#   scripts/pg-local.sh stop    [--dir DIR] [--immediate]   # fast shutdown (or immediate: a crash, for tests)
#   scripts/pg-local.sh status  [--dir DIR]    # exit 0 if running, 1 if not (details on stderr)
#   eval "$(scripts/pg-local.sh env [--dir DIR])"                    # export DATABASE_URL; exit 1 if not running
#   scripts/pg-local.sh destroy [--dir DIR]    # stop and delete the cluster directory
#
# `start` and `env` print exactly one line on stdout:
#   export DATABASE_URL='postgresql://rehabcount@/rehabcount?host=<DIR>/socket&port=<PORT>'
# Everything else (progress, diagnostics) goes to stderr.
#
# The cluster listens only on a Unix socket in DIR/socket (no TCP), uses trust authentication, and its
# superuser role is `rehabcount` whoever runs the script. Layout: DIR/data (PGDATA), DIR/socket, DIR/server.log.
#
# DIR defaults to <repo>/.pg. PostgreSQL refuses to run as root, so as root the server runs as the `postgres`
# user (or a system user `rehabcount-pg`, created if needed) and DIR defaults to
# /var/tmp/rehabcount-pg-<8-char hash of the repo path>, which that user can reach and own.
# If DIR/socket would make the socket path too long (> ~100 chars) a short socket dir under /tmp is used instead.
#
# Environment overrides: REHABCOUNT_PG_DIR (cluster dir), REHABCOUNT_PG_PORT (port; default 55432, or the
# first free port after it when 55432 is taken). --dir/--port win over the environment.
# Binaries: `pg_config --bindir`, else the highest /usr/lib/postgresql/*/bin, else PATH.
set -euo pipefail

readonly DEFAULT_PORT=55432
readonly DB_NAME=rehabcount
readonly DB_ROLE=rehabcount
readonly MARKER=.rehabcount-pg-local
readonly MAX_SOCKET_PATH=100

log() { printf 'pg-local: %s\n' "$*" >&2; }
die() {
    local code=1
    if [[ ${1:-} =~ ^[0-9]+$ ]]; then code=$1; shift; fi
    printf 'pg-local: error: %s\n' "$*" >&2
    exit "$code"
}

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    exit "${1:-2}"
}

hash8() { printf '%s' "$1" | sha256sum | cut -c1-8; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1

# ---------------------------------------------------------------- arguments
CMD=${1:-}
[ -n "$CMD" ] || usage 2
shift
case $CMD in
    start | stop | status | env | destroy) ;;
    -h | --help | help) usage 0 ;;
    *) log "unknown command: $CMD"; usage 2 ;;
esac

DIR=${REHABCOUNT_PG_DIR:-}
PORT=${REHABCOUNT_PG_PORT:-}
STOP_MODE=fast
while [ $# -gt 0 ]; do
    case $1 in
        --immediate) STOP_MODE=immediate; shift ;;
        --dir) [ $# -ge 2 ] || die 2 "--dir needs a value"; DIR=$2; shift 2 ;;
        --dir=*) DIR=${1#--dir=}; shift ;;
        --port) [ $# -ge 2 ] || die 2 "--port needs a value"; PORT=$2; shift 2 ;;
        --port=*) PORT=${1#--port=}; shift ;;
        -h | --help) usage 0 ;;
        *) die 2 "unknown argument: $1" ;;
    esac
done
if [ -n "$PORT" ]; then
    [[ $PORT =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1024 ] && [ "$PORT" -le 65535 ] ||
        die 2 "invalid port '$PORT' (want 1024-65535)"
    [ "$CMD" = start ] || log "note: --port/REHABCOUNT_PG_PORT is only used by 'start'"
fi

if [ -z "$DIR" ]; then
    if [ "$IS_ROOT" -eq 1 ]; then
        DIR=/var/tmp/rehabcount-pg-$(hash8 "$REPO")
    else
        DIR=$REPO/.pg
    fi
fi
case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
DIR=${DIR%/}
[ -n "$DIR" ] && [ "$DIR" != / ] || die 2 "refusing to use / as the cluster directory"
DATA=$DIR/data
LOGFILE=$DIR/server.log

# ---------------------------------------------------------------- binaries
find_bindir() {
    local d
    if command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir 2>/dev/null || true)
        if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
    fi
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return
    fi
    return 1
}
BINDIR=$(find_bindir) || die 2 "PostgreSQL server binaries not found: apt-get install postgresql"
PSQL=$BINDIR/psql
[ -x "$PSQL" ] || PSQL=$(command -v psql || true)

# Client-side libpq settings from the caller's environment must not redirect our own connections.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGSERVICEFILE PGOPTIONS PGPASSFILE PGPASSWORD \
    PGSSLMODE PGREQUIRESSL PGTARGETSESSIONATTRS PGDATA PGCONNECT_TIMEOUT 2>/dev/null || true

# ---------------------------------------------------------------- server user (root only)
SERVER_USER=$(id -un)
pick_server_user() {
    [ "$IS_ROOT" -eq 1 ] || return 0
    if [ -d "$DATA" ]; then
        SERVER_USER=$(stat -c %U "$DATA")
        [ "$SERVER_USER" != root ] || die "$DATA is owned by root; PostgreSQL cannot run as root"
        return 0
    fi
    if getent passwd postgres >/dev/null; then
        SERVER_USER=postgres
    elif getent passwd rehabcount-pg >/dev/null; then
        SERVER_USER=rehabcount-pg
    else
        [ "$CMD" = start ] || return 0
        command -v useradd >/dev/null || die "no 'postgres' user and no useradd to create 'rehabcount-pg'"
        log "creating system user rehabcount-pg to run the server"
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
            --user-group rehabcount-pg >&2
        SERVER_USER=rehabcount-pg
    fi
}
pick_server_user

# Run a command as the server user (directly when not root), from / so an unreadable cwd doesn't matter.
as_server() {
    if [ "$IS_ROOT" -eq 0 ]; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        (cd / && runuser -u "$SERVER_USER" -- "$@")
    else
        local q
        q=$(printf '%q ' "$@")
        (cd / && su "$SERVER_USER" -s /bin/bash -c "$q")
    fi
}

# ---------------------------------------------------------------- helpers
have_cluster() { [ -f "$DATA/PG_VERSION" ]; }

is_running() {
    have_cluster || return 1
    as_server "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

# postmaster.pid: line 4 = port, line 5 = first socket directory.
pid_field() { as_server sed -n "${1}p" "$DATA/postmaster.pid" 2>/dev/null; }

urlencode() {
    local s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [A-Za-z0-9/._~-]) out+=$c ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$out"
}

print_env() {
    local port sock
    port=$(pid_field 4)
    sock=$(pid_field 5)
    [ -n "$port" ] && [ -n "$sock" ] || die "cannot read port/socket from $DATA/postmaster.pid"
    printf "export DATABASE_URL='postgresql://%s@/%s?host=%s&port=%s'\n" \
        "$DB_ROLE" "$DB_NAME" "$(urlencode "$sock")" "$port"
}

# Something is listening on this port (TCP localhost, or a PostgreSQL socket in the usual places).
port_busy() {
    local p=$1 h d
    for h in 127.0.0.1 ::1; do
        if timeout 2 bash -c "exec 3<>/dev/tcp/$h/$p" 2>/dev/null; then return 0; fi
    done
    for d in /var/run/postgresql /tmp; do
        [ -S "$d/.s.PGSQL.$p" ] && return 0
    done
    return 1
}

# Configured port of an existing cluster (from our generated include file), if any.
configured_port() {
    as_server sed -n "s/^port = \([0-9][0-9]*\).*/\1/p" "$DATA/pg-local.conf" 2>/dev/null | head -n 1 || true
}

choose_port() {
    local p
    if [ -n "$PORT" ]; then
        port_busy "$PORT" && die "port $PORT is already in use (pick another with --port)"
        echo "$PORT"
        return
    fi
    p=$(configured_port)
    if [ -n "$p" ] && ! port_busy "$p"; then echo "$p"; return; fi
    for ((p = DEFAULT_PORT; p < DEFAULT_PORT + 500 && p <= 65535; p++)); do
        if ! port_busy "$p"; then
            [ "$p" -eq "$DEFAULT_PORT" ] || log "port $DEFAULT_PORT is taken; using $p"
            echo "$p"
            return
        fi
    done
    die "no free port found in $DEFAULT_PORT-$((DEFAULT_PORT + 499))"
}

# Socket directory: DIR/socket, or a short private dir under /tmp if that path would be too long.
choose_socket_dir() {
    local port=$1 sock=$DIR/socket
    if [ $((${#sock} + ${#port} + 10)) -gt "$MAX_SOCKET_PATH" ]; then
        sock=/tmp/rehabcount-pg-sock-$(hash8 "$DIR")
        log "socket path under $DIR is too long; using $sock"
    fi
    echo "$sock"
}

# Make a directory owned by the server user, mode 700; refuse one owned by somebody else.
make_private_dir() {
    local d=$1 owner
    if [ ! -d "$d" ]; then
        mkdir -p "$d"
        [ "$IS_ROOT" -eq 0 ] || chown "$SERVER_USER": "$d"
    fi
    owner=$(stat -c %U "$d")
    if [ "$owner" != "$SERVER_USER" ]; then
        if [ "$IS_ROOT" -eq 1 ] && { [ "$d" = "$DIR" ] || [ "$d" = "$DIR/socket" ]; }; then
            chown "$SERVER_USER": "$d"
        else
            die "$d is owned by $owner, expected $SERVER_USER"
        fi
    fi
    chmod 700 "$d"
}

sql_quote() { printf "'%s'" "${1//\'/\'\'}"; }

write_config() {
    local port=$1 sock=$2 tmp
    tmp=$(mktemp)
    cat >"$tmp" <<EOF
# Written by scripts/pg-local.sh on every start; edits here are overwritten.
listen_addresses = ''
port = $port
unix_socket_directories = $(sql_quote "$sock")
unix_socket_permissions = 0700
max_connections = 100
shared_buffers = 256MB
work_mem = 16MB
maintenance_work_mem = 256MB
effective_cache_size = 4GB
max_worker_processes = 4
max_parallel_workers = 2
max_parallel_workers_per_gather = 2
max_parallel_maintenance_workers = 2
fsync = on
max_wal_size = 2GB
min_wal_size = 256MB
logging_collector = off
log_destination = 'stderr'
log_line_prefix = '%m [%p] '
EOF
    chmod 644 "$tmp"
    as_server cp "$tmp" "$DATA/pg-local.conf"
    rm -f "$tmp"
}

server_version() { "$BINDIR/postgres" --version | grep -oE '[0-9]+(\.[0-9]+)+' | head -n 1; }

init_cluster() {
    local locale=C
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale=C.UTF-8; fi
    log "creating cluster in $DATA (PostgreSQL $(server_version), locale $locale)"
    if ! as_server "$BINDIR/initdb" -D "$DATA" --auth=trust --encoding=UTF8 --locale="$locale" \
        --username="$DB_ROLE" >"$DIR/initdb.log" 2>&1; then
        if [ "$locale" != C ]; then
            log "initdb with locale $locale failed; retrying with locale C"
            as_server rm -rf "$DATA"
            locale=C
            as_server "$BINDIR/initdb" -D "$DATA" --auth=trust --encoding=UTF8 --locale=C \
                --username="$DB_ROLE" >"$DIR/initdb.log" 2>&1 || {
                cat "$DIR/initdb.log" >&2
                die "initdb failed (log: $DIR/initdb.log)"
            }
        else
            cat "$DIR/initdb.log" >&2
            die "initdb failed (log: $DIR/initdb.log)"
        fi
    fi
    printf "\ninclude = 'pg-local.conf'\n" | as_server tee -a "$DATA/postgresql.conf" >/dev/null
}

check_version() {
    local have want
    have=$(cat "$DATA/PG_VERSION" 2>/dev/null || as_server cat "$DATA/PG_VERSION")
    want=$(server_version)
    want=${want%%.*}
    [ "$have" = "$want" ] ||
        die "cluster in $DATA is PostgreSQL $have but the binaries in $BINDIR are $want; run 'destroy' and start again"
}

lock() {
    command -v flock >/dev/null 2>&1 || return 0
    exec 9>>"$DIR/.pg-local.lock"
    flock -w 120 9 || die "timed out waiting for another pg-local.sh on $DIR"
}

# ---------------------------------------------------------------- commands
cmd_start() {
    if [ "$IS_ROOT" -eq 1 ]; then
        local parent
        parent=$(dirname "$DIR")
        [ -d "$parent" ] || mkdir -p "$parent"
        as_server test -x "$parent" ||
            die "user $SERVER_USER cannot reach $parent (a parent directory is private?); use --dir under /var/tmp"
    fi
    make_private_dir "$DIR"
    lock
    touch "$DIR/$MARKER"

    if is_running; then
        log "already running ($DATA)"
        if [ -n "$PORT" ] && [ "$PORT" != "$(pid_field 4)" ]; then
            log "note: it listens on port $(pid_field 4), not $PORT; stop it first to change the port"
        fi
        print_env
        return
    fi

    if ! have_cluster; then
        if [ -e "$DATA" ] && [ -n "$(ls -A "$DATA" 2>/dev/null)" ]; then
            die "$DATA exists but is not a PostgreSQL cluster; remove it or use another --dir"
        fi
        init_cluster
    fi
    check_version

    local port sock
    port=$(choose_port)
    sock=$(choose_socket_dir "$port")
    if [ "$sock" = "$DIR/socket" ]; then
        make_private_dir "$sock"
    else
        make_private_dir "$sock"
        echo "$sock" >"$DIR/socket-dir"
    fi
    write_config "$port" "$sock"

    log "starting server on port $port (socket $sock, log $LOGFILE)"
    [ -e "$LOGFILE" ] || { touch "$LOGFILE"; [ "$IS_ROOT" -eq 0 ] || chown "$SERVER_USER": "$LOGFILE"; }
    # 9>&-: the server must not inherit (and hold) our lock.
    if ! as_server "$BINDIR/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 start >&2 9>&-; then
        tail -n 20 "$LOGFILE" >&2 || true
        die "server failed to start (log: $LOGFILE)"
    fi

    local exists
    exists=$("$PSQL" -X -q -h "$sock" -p "$port" -U "$DB_ROLE" -d postgres -tAc \
        "select 1 from pg_database where datname = '$DB_NAME'") || die "cannot connect to the new server"
    if [ "$exists" != 1 ]; then
        log "creating database $DB_NAME"
        "$PSQL" -X -q -h "$sock" -p "$port" -U "$DB_ROLE" -d postgres -c "create database $DB_NAME" >&2
    fi
    print_env
}

cmd_stop() {
    if ! have_cluster; then
        log "no cluster in $DIR"
        return 0
    fi
    if ! is_running; then
        log "not running ($DATA)"
        return 0
    fi
    log "stopping server ($DATA, $STOP_MODE)"
    as_server "$BINDIR/pg_ctl" -D "$DATA" -m "$STOP_MODE" -w -t 60 stop >&2
}

cmd_status() {
    if ! have_cluster; then
        log "no cluster in $DIR"
        return 1
    fi
    if is_running; then
        log "running: pid $(pid_field 1), port $(pid_field 4), socket $(pid_field 5), data $DATA, user $SERVER_USER"
        return 0
    fi
    log "stopped ($DATA)"
    return 1
}

cmd_env() {
    if ! is_running; then
        log "not running ($DIR); start it with: eval \"\$(scripts/pg-local.sh start)\""
        return 1
    fi
    print_env
}

cmd_destroy() {
    if [ ! -e "$DIR" ]; then
        log "nothing to destroy ($DIR does not exist)"
        return 0
    fi
    if [ ! -e "$DIR/$MARKER" ] && ! have_cluster; then
        die "$DIR does not look like a pg-local.sh cluster; not deleting it"
    fi
    cmd_stop
    local sock=''
    [ -f "$DIR/socket-dir" ] && sock=$(cat "$DIR/socket-dir")
    log "deleting $DIR"
    rm -rf -- "$DIR"
    case $sock in /tmp/rehabcount-pg-sock-*) rm -rf -- "$sock" ;; esac
}

"cmd_$CMD"
