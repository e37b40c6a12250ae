# tests/pg.sh - a private PostgreSQL for the store's tests and benchmark
# (sourced, not run).
#
#   pg_start DIR     initdb in DIR/pg and start it on a unix socket in
#                    DIR/pg-sock only (no TCP); sets PG_URI_BASE, to which a
#                    database name is appended ("${PG_URI_BASE}bm1"); 1 if
#                    PostgreSQL is not installed or does not start
#   pg_createdb NAME a new empty database
#   pg_stop          stop it (call from the EXIT trap)
#   pg_ctl_cmd stop|start  the shell command that stops or starts it again
#
# As root the server runs as nobody (PostgreSQL refuses root); DIR must
# then be reachable by nobody.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_DIR=""

pg_as() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u nobody -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || return 1
    PG_DIR=$1
    mkdir -p "$PG_DIR/pg" "$PG_DIR/pg-sock" || return 1
    [ "$(id -u)" != 0 ] || chown nobody "$PG_DIR/pg" "$PG_DIR/pg-sock"
    pg_as "$PG_BIN/initdb" -D "$PG_DIR/pg" -U bm -A trust -N >"$PG_DIR/pg-init.log" 2>&1 ||
        return 1
    PG_PORT=$((20000 + $$ % 20000))
    eval "$(pg_ctl_cmd start)" >"$PG_DIR/pg-ctl.log" 2>&1 || { cat "$PG_DIR/pg/server.log" >&2; return 1; }
    PG_URI_BASE="postgresql://bm@/"
    PG_URI_OPTS="?host=$PG_DIR/pg-sock&port=$PG_PORT"
    return 0
}

pg_ctl_cmd() {
    as=""
    [ "$(id -u)" != 0 ] || as="runuser -u nobody --"
    case $1 in
    start) echo "$as $PG_BIN/pg_ctl -D $PG_DIR/pg -l $PG_DIR/pg/server.log -w -t 60" \
        "-o '-k $PG_DIR/pg-sock -p $PG_PORT -c listen_addresses= -c fsync=on' start" ;;
    stop) echo "$as $PG_BIN/pg_ctl -D $PG_DIR/pg -m fast -w stop" ;;
    esac
}

# The URI of database NAME.
pg_uri() {
    echo "${PG_URI_BASE}$1${PG_URI_OPTS}"
}

pg_createdb() {
    "$PG_BIN/createdb" -h "$PG_DIR/pg-sock" -p "$PG_PORT" -U bm "$1"
}

pg_stop() {
    [ -n "$PG_DIR" ] && [ -f "$PG_DIR/pg/postmaster.pid" ] || return 0
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/pg" -m fast -w stop >/dev/null 2>&1
}
