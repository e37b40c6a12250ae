#!/bin/sh
# 47-store-milter.sh - the daemon with the event store: bounce-milter -t
# writes events (authenticated or not, suppressing or not, exit 1 when an
# event can be neither stored nor journaled); the daemon (driven by
# miltertest) journals every bounce before it answers and its writer thread
# copies them into SQLite; kill -9 during writes loses no answered event; a
# full journal drops and counts while mail flows; a reload switches the
# store; with a private PostgreSQL (tests/pg.sh): the database stopped
# mid-run (journaled, replayed, none lost, none doubled) and two daemons
# sharing one database.  The fault tests print their counts as "# counts:"
# lines.  TAP output.
BUILD=${BUILD:-build}
BIN=$BUILD/bounce-milter
BR=$BUILD/bounce-report
LIB=tests/milter
. tests/tap.sh
. tests/pg.sh

command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed"
[ -x "$BIN" ] && [ -x "$BR" ] || skip_all "$BIN or $BR not built"

T=$(mktemp -d /tmp/bm-store.XXXXXX) || exit 1
chmod 755 "$T"
mkdir "$T/sock" "$T/state" "$T/t"
AS="" USEROPT=""
if [ "$(id -u)" = 0 ]; then
    # the daemon runs as nobody: its socket and state directories are its own
    chown nobody "$T/sock" "$T/state" "$T/t"
    AS="runuser -u nobody --"
    USEROPT="-u nobody"
fi
mkdir "$T/conf" && cp -r conf/rules.conf conf/rules.d conf/formats.conf "$T/conf/"
BOUNCE_RULES=$T/conf/rules.conf
export BOUNCE_RULES
PIDS=""
cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    pg_stop
    [ -n "$KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

# bounce-report and -t as the daemon's user, so SQLite's -wal and -shm
# files stay writable for the daemon
br() { $AS "$BR" "$@"; }
bmt() { $AS "$BIN" "$@"; }
count() { # URI [filters...]: number of events
    uri=$1
    shift
    br --store "$uri" events --json "$@" | grep -c '"id"'
}

# ---- -n ---------------------------------------------------------------
# the sample's commented store settings, uncommented, check out
sed -e '/^#store = /,/^#authenticated_message_ids/ s/^#\(store\|journal\|retention\|suppression\|  \|};\|verp_key\|authenticated\)/\1/' \
    -e "s|sqlite:/var/lib/bounce-milter/bounces.db|sqlite:$T/sample.db|" conf/milter.conf >"$T/sample.conf"
if grep -q '^suppression = {' "$T/sample.conf" && grep -q '^verp_key' "$T/sample.conf" &&
    "$BIN" -n -c "$T/sample.conf" >"$T/sample.out" 2>&1; then
    ok "-n accepts the sample's store, suppression, verp_key and authenticated_message_ids"
else
    notok "-n accepts the sample's store settings"; sed 's/^/#   /' "$T/sample.out"
fi
printf 'store = "postgres:/x";
suppression = { soft = { count = 0; }; classes = { nosuchclass = { count = 2; }; }; };
verp_key = "short";
' >"$T/badstore.conf"
"$BIN" -n -c "$T/badstore.conf" >"$T/badstore.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "badstore.conf:1: store" "$T/badstore.out" &&
    grep -q "badstore.conf:2: .*count" "$T/badstore.out" && grep -q "badstore.conf:3: verp_key" "$T/badstore.out"; then
    ok "-n reports bad store settings with file:line"
else
    notok "-n reports bad store settings with file:line (rc $rc)"; sed 's/^/#   /' "$T/badstore.out"
fi

# ---- -t ---------------------------------------------------------------
cat >"$T/dsn.lua" <<'EOF'
dofile(LIB .. "/common.lua")
io.write("Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.sender.test\r\nTo: sender@sender.test\r\n",
         "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n",
         "Content-Type: multipart/report; report-type=delivery-status;\r\n boundary=\"BOUNDARY.1\"\r\n\r\n",
         dsn_body("sub@list.test", "5.1.1", "550 5.1.1 <sub@list.test>: Recipient address rejected: User unknown"))
EOF
miltertest -D LIB="$LIB" -s "$T/dsn.lua" >"$T/dsn.eml" 2>/dev/null
tconf() { # name [settings...]: a -t config with its own store and journal
    name=$1
    shift
    {
        echo "store = \"sqlite:$T/t/$name.db\";"
        echo "journal = \"$T/t/$name.journal\";"
        echo 'internal = { daemon_names = [ "bounce-internal" ]; };'
        for s in "$@"; do echo "$s"; done
    } >"$T/t/$name.conf"
}
tconf plain
echo 'internal = { daemon_names = [ "bounce-internal" ]; };' >"$T/t/nostore.conf"
bmt -c "$T/t/nostore.conf" -t "$T/dsn.eml" >"$T/t/nostore.out" 2>/dev/null
bmt -c "$T/t/plain.conf" -t "$T/dsn.eml" >"$T/t/plain.out" 2>"$T/t/plain.err"
rc=$?
if [ $rc -eq 0 ] && cmp -s "$T/t/nostore.out" "$T/t/plain.out" &&
    [ "$(count "sqlite:$T/t/plain.db")" = 1 ] &&
    br --store "sqlite:$T/t/plain.db" events --json | grep -q '"address": "sub@list.test".*"authenticated": false'; then
    ok "-t writes the bounce's event to the store; its printed output is unchanged"
else
    notok "-t writes the bounce's event (rc $rc)"; sed 's/^/#   /' "$T/t/plain.err"
fi
if [ -z "$(br --store "sqlite:$T/t/plain.db" suppressed)" ]; then
    ok "a forged (unauthenticated) bounce is recorded, not suppressed"
else
    notok "a forged (unauthenticated) bounce is recorded, not suppressed"
fi
bmt -c "$T/t/plain.conf" -t "$T/dsn.eml" -D bounce-internal >/dev/null 2>&1
if br --store "sqlite:$T/t/plain.db" suppressed | grep -q "^sub@list.test userunknown"; then
    ok "Postfix's own bounce (internal daemon name) is authenticated and suppresses"
else
    notok "Postfix's own bounce (internal daemon name) is authenticated and suppresses"
fi
tconf unauth 'suppression = { unauthenticated = true; };'
bmt -c "$T/t/unauth.conf" -t "$T/dsn.eml" >/dev/null 2>&1
br --store "sqlite:$T/t/unauth.db" suppressed | grep -q "^sub@list.test" &&
    ok "suppression.unauthenticated = true: a forged bounce suppresses" ||
    notok "suppression.unauthenticated = true: a forged bounce suppresses"
tconf msgid 'authenticated_message_ids = [ "@sender\\.test>$" ];'
bmt -c "$T/t/msgid.conf" -t "$T/dsn.eml" >/dev/null 2>&1
if br --store "sqlite:$T/t/msgid.db" events --json | grep -q '"authenticated": true' &&
    br --store "sqlite:$T/t/msgid.db" suppressed | grep -q "^sub@list.test"; then
    ok "a returned Message-ID matching authenticated_message_ids authenticates"
else
    notok "a returned Message-ID matching authenticated_message_ids authenticates"
fi
tconf own
sed 's/Recipient address rejected: User unknown/recipient suppressed by bounce-milter: userunknown since 2026-12-01/' \
    "$T/dsn.eml" >"$T/own.eml"
bmt -c "$T/t/own.conf" -t "$T/own.eml" >/dev/null 2>&1
[ "$(count "sqlite:$T/t/own.db")" = 0 ] && ok "our own refusal of a suppressed recipient is no event" ||
    notok "our own refusal of a suppressed recipient is no event"
printf 'store = "sqlite:%s/none/x.db";\njournal = "%s/none/journal";\n' "$T" "$T" >"$T/t/lost.conf"
bmt -c "$T/t/lost.conf" -t "$T/dsn.eml" >"$T/t/lost.out" 2>"$T/t/lost.err"
rc=$?
[ $rc -eq 1 ] && cmp -s "$T/t/nostore.out" "$T/t/lost.out" &&
    ok "-t exits 1 when an event can be neither stored nor journaled" ||
    notok "-t exits 1 when an event can be neither stored nor journaled (rc $rc)"
printf 'store = "sqlite:%s/t/direct.db";\njournal = "%s/none/journal";\n' "$T" "$T" >"$T/t/direct.conf"
bmt -c "$T/t/direct.conf" -t "$T/dsn.eml" >/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] && [ "$(count "sqlite:$T/t/direct.db")" = 1 ] &&
    ok "-t without a usable journal stores the event directly" ||
    notok "-t without a usable journal stores the event directly (rc $rc)"

# ---- the daemon with SQLite ---------------------------------------------
start() { # name conf
    rm -f "$T/sock/$1.sock"
    "$BIN" -e -c "$2" -p "unix:$T/sock/$1.sock" $USEROPT >>"$T/$1.log" 2>&1 &
    PIDS="$PIDS $!"
    eval "PID_$1=$!"
    i=0
    while [ ! -S "$T/sock/$1.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -S "$T/sock/$1.sock" ]
}
stop() { # name: SIGTERM, wait until gone
    eval "p=\$PID_$1"
    kill -TERM "$p" 2>/dev/null
    i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
}
send() { # daemon count prefix domain [daemon_name] [status diag]
    miltertest -D SOCK="unix:$T/sock/$1.sock" -D LIB="$LIB" -D COUNT="$2" -D PREFIX="$3" \
        -D DOMAIN="$4" -D DAEMON="${5:-}" -D STATUS="${6:-}" -D DIAG="${7:-}" \
        -s "$LIB/store.lua" 2>>"$T/miltertest.err"
}
prom() { # file counter: its value
    sed -n "s/^bounce_milter_$2 //p" "$1" 2>/dev/null
}
wait_count() { # uri want [seconds]: poll until the store holds want events
    i=0
    while [ "$(count "$1")" != "$2" ] && [ $i -lt $((${3:-20} * 5)) ]; do sleep 0.2; i=$((i + 1)); done
}

SQ="sqlite:$T/state/a.db"
cat >"$T/a.conf" <<EOF
store = "$SQ";
journal = "$T/state/a.journal";
internal = { daemon_names = [ "bounce-internal" ]; };
stats_file = "$T/state/a.prom";
stats_interval = 1;
EOF
start a "$T/a.conf" || { notok "daemon with a SQLite store starts"; sed 's/^/#   /' "$T/a.log"; exit 1; }
send a 20 hard dead.test bounce-internal >"$T/a1.out"
send a 5 forged list.test >>"$T/a1.out"
answered=$(grep -c '^ANSWERED' "$T/a1.out")
wait_count "$SQ" 25
if [ "$answered" = 25 ] && [ "$(count "$SQ")" = 25 ] &&
    [ "$(count "$SQ" --domain dead.test)" = 20 ]; then
    ok "daemon: each answered bounce is an event in SQLite (25 sent, 25 stored)"
else
    notok "daemon: each answered bounce is an event in SQLite ($answered answered, $(count "$SQ") stored)"
    sed 's/^/#   /' "$T/a1.out" "$T/a.log" | tail -n 20
fi
sup=$(br --store "$SQ" suppressed | grep -c .)
forged=$(br --store "$SQ" suppressed | grep -c "list.test")
[ "$sup" = 20 ] && [ "$forged" = 0 ] &&
    ok "daemon: Postfix's own bounces suppress (20), forged ones do not (0)" ||
    notok "daemon: Postfix's own bounces suppress, forged ones do not ($sup suppressed, $forged forged)"
sleep 1.5
w=$(prom "$T/state/a.prom" events_written_total)
s=$(prom "$T/state/a.prom" suppressions_total)
b=$(prom "$T/state/a.prom" journal_backlog_bytes)
[ "$w" = 25 ] && [ "$s" = 20 ] && [ "$b" = 0 ] &&
    ok "Prometheus file: events written 25, suppressions 20, journal backlog 0" ||
    notok "Prometheus file: events written, suppressions, backlog (got $w $s $b)"

# kill -9 during writes: every answered message's event survives
send a 3000 kill dead.test bounce-internal >"$T/kill.out" &
mt=$!
# kill it once 100 more are journaled (miltertest's output is buffered: the
# counters file tells)
i=0
j=0
while [ "${j:-0}" -lt 125 ] && [ $i -lt 300 ]; do
    sleep 0.1; i=$((i + 1))
    j=$(prom "$T/state/a.prom" events_journaled_total)
done
kill -9 "$PID_a"
wait "$mt"
answered=$(grep -c '^ANSWERED' "$T/kill.out")
start a "$T/a.conf"
wait_count "$SQ" $((25 + answered)) 10
stop a
stored=$(count "$SQ" --domain dead.test)
stored=$((stored - 20))
sed -n 's/^ANSWERED //p' "$T/kill.out" | sort >"$T/kill.answered"
br --store "$SQ" events --json --domain dead.test | sed -n 's/.*"address": "\([^"]*\)".*/\1/p' |
    sort -u >"$T/kill.stored"
missing=$(comm -23 "$T/kill.answered" "$T/kill.stored" | grep -c .)
echo "# counts: kill -9: sent $answered answered, $stored stored, lost $missing"
if [ "$answered" -gt 0 ] && [ "$answered" -lt 3000 ] && [ "$missing" = 0 ] && [ "$stored" -ge "$answered" ]; then
    ok "kill -9 during writes loses no event whose message was answered ($answered answered, $stored stored)"
else
    notok "kill -9 loses no answered event ($answered answered, $stored stored, $missing lost)"
fi

# reload that changes the store: the journal is drained into the old one
SQ2="sqlite:$T/state/b.db"
start a "$T/a.conf"
send a 3 before reload.test bounce-internal >/dev/null
sed "s|$SQ|$SQ2|" "$T/a.conf" >"$T/a2.conf" && cp "$T/a2.conf" "$T/a.conf"
kill -USR1 "$PID_a"
i=0
while ! grep -q "configuration reloaded" "$T/a.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
send a 4 after reload.test bounce-internal >/dev/null
wait_count "$SQ2" 4
if [ "$(count "$SQ" --domain reload.test)" = 3 ] && [ "$(count "$SQ2")" = 4 ]; then
    ok "reload to another store: events before it in the old store (3), after it in the new (4)"
else
    notok "reload to another store ($(count "$SQ" --domain reload.test) old, $(count "$SQ2") new)"
fi
stop a

# a full journal: events dropped and counted, mail still flows
cat >"$T/full.conf" <<EOF
store = "sqlite:$T/state/missing/dir/x.db";
journal = "$T/state/full.journal";
journal_max = 4096;
stats_file = "$T/state/full.prom";
stats_interval = 1;
EOF
start full "$T/full.conf"
send full 60 full full.test >"$T/full.out"
answered=$(grep -c '^ANSWERED' "$T/full.out")
sleep 1.5
dropped=$(prom "$T/state/full.prom" events_dropped_total)
journaled=$(prom "$T/state/full.prom" events_journaled_total)
echo "# counts: full journal: sent 60, answered $answered, journaled $journaled, dropped $dropped"
if [ "$answered" = 60 ] && [ "${dropped:-0}" -gt 0 ] && [ $((journaled + dropped)) = 60 ] &&
    grep -q "bounce event(s) dropped since the last report: journal full" "$T/full.log"; then
    ok "full journal: events dropped, counted and logged; all 60 messages answered"
else
    notok "full journal: dropped and counted ($answered answered, $journaled journaled, $dropped dropped)"
    tail -n 5 "$T/full.log" | sed 's/^/#   /'
fi
stop full

# ---- PostgreSQL -------------------------------------------------------
if ! pg_start "$T/pgd"; then
    echo "# PostgreSQL not available: its tests skipped"
    echo "ok $((n + 1)) # SKIP PostgreSQL not installed or did not start"
    n=$((n + 1))
    echo "1..$n"
    exit 0
fi
pg_createdb bm1 && pg_createdb bm2
PG1=$(pg_uri bm1)
cat >"$T/pg.conf" <<EOF
store = "$PG1";
journal = "$T/state/pg.journal";
internal = { daemon_names = [ "bounce-internal" ]; };
stats_file = "$T/state/pg.prom";
stats_interval = 1;
EOF
start pg "$T/pg.conf"
send pg 50 up pg.test bounce-internal >"$T/pg.out"
wait_count "$PG1" 50
before=$(count "$PG1")
eval "$(pg_ctl_cmd stop)" >/dev/null 2>&1
send pg 50 down pg.test bounce-internal >>"$T/pg.out"
# the writer retries after 1, 2, 4 s: wait until it has seen all 50 (the
# backlog gauge is set at each try)
i=0
backlog=0
while [ "${backlog:-0}" -lt 10000 ] && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
    backlog=$(prom "$T/state/pg.prom" journal_backlog_bytes)
done
eval "$(pg_ctl_cmd start)" >/dev/null 2>&1
wait_count "$PG1" 100 40
answered=$(grep -c '^ANSWERED' "$T/pg.out")
stored=$(count "$PG1")
ids=$(br --store "$PG1" events --json | grep -o '"id": "[0-9a-f]*"' | sort -u | grep -c .)
journaled=$(prom "$T/state/pg.prom" events_journaled_total)
echo "# counts: database stopped: sent 100, answered $answered, journaled $journaled, stored $stored ($before before the stop), replayed $((stored - before)) (backlog while down: $backlog bytes), lost $((100 - stored)), distinct ids $ids"
if [ "$answered" = 100 ] && [ "$stored" = 100 ] && [ "$ids" = 100 ] && [ "${backlog:-0}" -gt 0 ]; then
    ok "PostgreSQL stopped mid-run: events journaled, replayed, none lost, none doubled"
else
    notok "PostgreSQL stopped mid-run ($answered answered, $stored stored, $ids ids, backlog $backlog)"
    tail -n 5 "$T/pg.log" | sed 's/^/#   /'
fi
stop pg

# a fleet: two daemons, one database
PG2=$(pg_uri bm2)
for d in f1 f2; do
    cat >"$T/$d.conf" <<EOF
store = "$PG2";
journal = "$T/state/$d.journal";
internal = { daemon_names = [ "bounce-internal" ]; };
suppression = { soft = { count = 2; days = 30; }; };
EOF
    start $d "$T/$d.conf"
done
send f1 100 fleet fleet.test bounce-internal >"$T/f1.out" &
m1=$!
send f2 100 fleet fleet2.test bounce-internal >"$T/f2.out" &
m2=$!
wait $m1 $m2
# one soft bounce of the same address through each: the shared count suppresses
send f1 1 soft shared.test bounce-internal 4.2.2 "452 4.2.2 mailbox full" >/dev/null
send f2 1 soft shared.test bounce-internal 4.2.2 "452 4.2.2 mailbox full" >/dev/null
wait_count "$PG2" 202
stored=$(count "$PG2")
c1=$(grep -c '^ANSWERED' "$T/f1.out")
c2=$(grep -c '^ANSWERED' "$T/f2.out")
echo "# counts: fleet: sent $((c1 + c2 + 2)) through two daemons, stored $stored"
[ "$stored" = 202 ] && [ "$c1" = 100 ] && [ "$c2" = 100 ] &&
    ok "fleet: two daemons write one PostgreSQL concurrently (202 events, none lost)" ||
    notok "fleet: two daemons write one PostgreSQL ($c1 + $c2 answered, $stored stored)"
i=0
while ! br --store "$PG2" suppressed | grep -q "^soft1@shared.test" && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
if br -c "$T/f1.conf" suppressed | grep -q "^soft1@shared.test" &&
    br -c "$T/f2.conf" suppressed | grep -q "^soft1@shared.test"; then
    ok "fleet: soft bounces through both daemons add up; the suppression is seen by both"
else
    notok "fleet: the shared soft count suppresses, seen by both"
    br --store "$PG2" events --address soft1@shared.test | sed 's/^/#   /'
fi
stop f1
stop f2
echo "1..$n"
