#!/bin/sh
# 45-store-postgresql.sh - the store's test suites (test_store_db and
# test_store_writer, which tests/run also runs against SQLite) against a
# private PostgreSQL started here, the server stopped and started again
# while events are journaled, and two programs migrating one database at
# once.  TAP output.
BUILD=${BUILD:-build}
. tests/tap.sh
. tests/pg.sh

[ -x "$BUILD/tests/test_store_db" ] || skip_all "$BUILD/tests/test_store_db not built"
T=$(mktemp -d /tmp/bm-pg.XXXXXX) || exit 1
chmod 755 "$T"
cleanup() {
    pg_stop
    [ -n "$KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

pg_start "$T" || skip_all "PostgreSQL is not installed or did not start (tests/deps installs it)"
pg_createdb store && pg_createdb old || { notok "createdb"; exit 1; }

# The unit suite's own TAP lines, renumbered after ours.
STORE_URI=$(pg_uri store) STORE_URI_OLD=$(pg_uri old) "$BUILD/tests/test_store_db" >"$T/out" 2>&1
rc=$?
grep -q '^# store postgresql' "$T/out" && ok "test_store_db ran against postgresql" ||
    notok "test_store_db ran against postgresql"
while IFS= read -r line; do
    case "$line" in
    "ok "*) ok "${line#ok [0-9]* - }" ;;
    "not ok "*) notok "${line#not ok [0-9]* - }" ;;
    "#"*) echo "$line" ;;
    esac
done <"$T/out"
[ "$rc" = 0 ] && ok "test_store_db exit status 0" || notok "test_store_db exit status $rc"

# The writer through faults, and the server stopped and started mid-run.
pg_createdb writer
STORE_URI=$(pg_uri writer) STORE_FAULT_STOP="$(pg_ctl_cmd stop) >/dev/null" \
    STORE_FAULT_START="$(pg_ctl_cmd start) >/dev/null" "$BUILD/tests/test_store_writer" >"$T/out" 2>&1
rc=$?
grep -q '^# sent 60, journaled 60, stored 60, replayed after the outage 40, lost 0' "$T/out" &&
    ok "test_store_writer stopped the server mid-run" || notok "test_store_writer stopped the server mid-run"
while IFS= read -r line; do
    case "$line" in
    "ok "*) ok "writer: ${line#ok [0-9]* - }" ;;
    "not ok "*) notok "writer: ${line#not ok [0-9]* - }" ;;
    "#"*) echo "$line" ;;
    esac
done <"$T/out"
[ "$rc" = 0 ] && ok "test_store_writer exit status 0" || notok "test_store_writer exit status $rc"

# Two hosts of a fleet starting together migrate the shared database once.
pg_createdb fleet
U=$(pg_uri fleet)
"$BUILD/bounce-report" --store "$U" suppressed >"$T/a" 2>&1 &
a=$!
"$BUILD/bounce-report" --store "$U" suppressed >"$T/b" 2>&1
rb=$?
wait $a
ra=$?
[ "$ra" = 0 ] && [ "$rb" = 0 ] && ok "two programs creating the schema at once both succeed" ||
    { notok "two programs creating the schema at once (exit $ra, $rb)"; cat "$T/a" "$T/b"; }
v=$("$PG_BIN/psql" -h "$T/pg-sock" -p "$PG_PORT" -U bm -At -c 'SELECT count(*), max(version) FROM schema_version' fleet)
[ "$v" = "1|2" ] && ok "schema_version has one row, version 2" || notok "schema_version: $v"
echo "1..$n"
