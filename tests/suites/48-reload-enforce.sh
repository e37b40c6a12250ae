#!/bin/sh
# 48-reload-enforce.sh - a reload (SIGUSR1) applies a changed socketmap and
# webhooks list in the running daemon (driven by miltertest, events in
# SQLite, webhook receivers run by this suite on loopback): the socketmap
# moves (old socket gone, the new one answers Postfix's postmap), an
# unchanged one keeps its thread; a webhook added gets the next event, one
# removed gets no more and loses its thread, an unchanged one keeps its
# thread; a socketmap that cannot be opened refuses the reload and the old
# config stays; 100 reloads leave as many threads and file descriptors as
# before.  TAP output.
BUILD=${BUILD:-build}
BIN=$BUILD/bounce-milter
SINK=$BUILD/tests/http-sink
LIB=tests/milter
. tests/tap.sh

command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed"
command -v postmap >/dev/null 2>&1 || skip_all "postmap (postfix) not installed"
[ -x "$BIN" ] && [ -x "$SINK" ] || skip_all "$BIN or $SINK not built"

T=$(mktemp -d /tmp/bm-reload.XXXXXX) || exit 1
chmod 755 "$T"
mkdir "$T/sock" "$T/state"
USEROPT=""
if [ "$(id -u)" = 0 ]; then
    # the daemon runs as nobody: its socket and state directories are its own
    chown nobody "$T/sock" "$T/state"
    USEROPT="-u nobody"
fi
mkdir "$T/conf" && cp -r conf/rules.conf conf/rules.d conf/formats.conf "$T/conf/"
BOUNCE_RULES=$T/conf/rules.conf
export BOUNCE_RULES
PIDS=""
cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    [ -n "$KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

sink() { # name: start a receiver; its port in $T/name.port, bodies in $T/name.out
    : >"$T/$1.out"
    "$SINK" "$T/$1.port" "$T/$1.out" &
    PIDS="$PIDS $!"
    i=0
    while [ ! -s "$T/$1.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
sink r1
sink r2
URL1="http://127.0.0.1:$(cat "$T/r1.port")/hook"
URL2="http://127.0.0.1:$(cat "$T/r2.port")/hook"

conf() { # socketmap-name url...: the daemon's config
    {
        echo "store = \"sqlite:$T/state/a.db\";"
        echo "journal = \"$T/state/journal\";"
        echo 'internal = { daemon_names = [ "bounce-internal" ]; };'
        [ -n "$1" ] && echo "socketmap = \"unix:$1\";"
        shift
        printf 'webhooks = ( '
        sep=""
        for u in "$@"; do printf '%s{ url = "%s"; }' "$sep" "$u"; sep=", "; done
        echo ' );'
    } >"$T/a.conf"
}
reloads=0
reload() { # send SIGUSR1 and wait for its log line (reloaded or refused)
    reloads=$((reloads + 1))
    kill -USR1 "$PID"
    i=0
    while [ "$(grep -c 'configuration reloaded\|reload refused' "$T/a.log")" -lt $reloads ] &&
        [ $i -lt 300 ]; do
        sleep 0.05
        i=$((i + 1))
    done
}
send() { # prefix: one authenticated hard bounce for PREFIX1@dead.test
    miltertest -D SOCK="unix:$T/sock/milter.sock" -D LIB="$LIB" -D COUNT=1 -D PREFIX="$1" \
        -D DOMAIN=dead.test -D DAEMON=bounce-internal -s "$LIB/store.lua" >/dev/null 2>>"$T/mt.err"
}
got() { # receiver prefix: wait (up to 30 s) until it got the event of PREFIX1@dead.test
    i=0
    while ! grep -q "\"address\": \"${2}1@dead.test\", \"original_recipient\"" "$T/$1.out" &&
        [ $i -lt 300 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    grep -q "\"address\": \"${2}1@dead.test\", \"original_recipient\"" "$T/$1.out"
}
tids() { # thread name: the ids of the daemon's threads with that name
    for t in /proc/"$PID"/task/*; do
        [ "$(cat "$t/comm" 2>/dev/null)" = "$1" ] && echo "${t##*/}"
    done | sort
}
lookup() { postmap -q "$1" "socketmap:unix:$2:suppressed" 2>/dev/null; }

SMA=$T/sock/a.map SMB=$T/sock/b.map
conf "$SMA" "$URL1"
"$BIN" -e -c "$T/a.conf" -p "unix:$T/sock/milter.sock" $USEROPT >>"$T/a.log" 2>&1 &
PID=$!
PIDS="$PIDS $PID"
i=0
while [ ! -S "$SMA" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$SMA" ] || { notok "daemon starts"; sed 's/^/#   /' "$T/a.log"; exit 1; }

send one
if got r1 one && lookup one1@dead.test "$SMA" | grep -q "^550 5.7.1 recipient suppressed"; then
    ok "before the reload: the webhook gets the event, the socketmap serves the suppression"
else
    notok "before the reload: webhook and socketmap ($(cat "$T/r1.out"))"
    sed 's/^/#   /' "$T/a.log" | tail -n 20
fi
w1=$(tids bm-webhook)

# socketmap moved, a webhook added
conf "$SMB" "$URL1" "$URL2"
reload
sm_b=$(tids bm-socketmap)
if [ ! -e "$SMA" ] && lookup one1@dead.test "$SMB" | grep -q "^550 5.7.1 recipient suppressed" &&
    [ -z "$(lookup one1@dead.test "$SMA")" ]; then
    ok "reload moves the socketmap: the old socket is gone, the new one answers"
else
    notok "reload moves the socketmap"; sed 's/^/#   /' "$T/a.log" | tail -n 20
fi
send two
if got r2 two && got r1 two && ! grep -v -q two1@ "$T/r2.out"; then
    ok "reload adds a webhook: its receiver gets the next event (and nothing from before)"
else
    notok "reload adds a webhook: $(cat "$T/r2.out")"
fi
w2=$(tids bm-webhook)
if [ "$(echo "$w2" | grep -c .)" = 2 ] && echo "$w2" | grep -qx "$w1"; then
    ok "the unchanged webhook keeps its thread ($w1) across the reload"
else
    notok "the unchanged webhook keeps its thread (before: $w1; after: $(echo $w2))"
fi

# webhook 1 removed; the socketmap unchanged
conf "$SMB" "$URL2"
reload
send three
n1=$(grep -c . "$T/r1.out")
if got r2 three && ! grep -q three1@ "$T/r1.out" &&
    [ "$(tids bm-webhook)" = "$(echo "$w2" | grep -vx "$w1")" ]; then
    ok "reload removes a webhook: its thread stops, its receiver gets no more events"
else
    notok "reload removes a webhook ($n1 bodies at r1; threads $(tids bm-webhook | tr '\n' ' '))"
fi
if [ "$(tids bm-socketmap)" = "$sm_b" ] && [ -n "$sm_b" ] && [ -S "$SMB" ]; then
    ok "an unchanged socketmap keeps its listener and thread across the reload"
else
    notok "an unchanged socketmap keeps its listener and thread ($sm_b, $(tids bm-socketmap))"
fi

# a socketmap that cannot be opened: refused, the old config stays
conf "$T/nonexistent/c.map" "$URL1"
reload
send four
if grep -q "reload: socketmap: $T/nonexistent/c.map: No such file or directory" "$T/a.log" &&
    grep -q "reload refused; the previous configuration stays in force" "$T/a.log" &&
    lookup one1@dead.test "$SMB" | grep -q "^550" && got r2 four && ! grep -q four1@ "$T/r1.out"; then
    ok "a socketmap that cannot be opened refuses the reload; the old socketmap and webhooks stay"
else
    notok "a bad socketmap refuses the reload"; sed 's/^/#   /' "$T/a.log" | tail -n 10
fi

# 100 reloads: the socketmap moving back and forth, webhooks coming and going
conf "$SMA" "$URL1"
reload
fds=$(ls /proc/"$PID"/fd | wc -l)
threads=$(ls /proc/"$PID"/task | wc -l)
k=0
while [ $k -lt 100 ]; do
    case $((k % 4)) in
    0) conf "$SMB" "$URL1" "$URL2" ;;
    1) conf "$SMB" "$URL2" ;;
    2) conf "" ;;
    3) conf "$SMA" "$URL1" ;;
    esac
    reload
    k=$((k + 1))
done
fds2=$(ls /proc/"$PID"/fd | wc -l)
threads2=$(ls /proc/"$PID"/task | wc -l)
echo "# 100 reloads: $fds fds before, $fds2 after; $threads threads before, $threads2 after"
refused=$(grep -c "reload refused" "$T/a.log")
if [ "$fds2" = "$fds" ] && [ "$threads2" = "$threads" ] && [ "$refused" = 1 ] &&
    lookup one1@dead.test "$SMA" | grep -q "^550" && [ ! -e "$SMB" ]; then
    ok "100 reloads leave no thread or file descriptor behind"
else
    notok "100 reloads leave no thread or fd ($fds/$fds2 fds, $threads/$threads2 threads, $refused refused)"
fi
send five
if got r1 five; then
    ok "after them the webhook still delivers"
else
    notok "after them the webhook still delivers"
fi

kill -TERM "$PID"
i=0
while kill -0 "$PID" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
[ ! -e "$SMA" ] && ok "stop removes the socketmap's socket" || notok "stop removes the socketmap's socket"
