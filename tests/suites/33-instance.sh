#!/bin/sh
# 33-instance.sh - one daemon per socket and pid file: a second start is
# refused while the first answers (and never takes its socket), stale
# sockets and pid files left by a crash are replaced, the pid file is never
# written through a symlink, -n and -t leave it alone; start and reload
# agree on rules the service user cannot read.  TAP output.
BUILD=${BUILD:-build}
BIN=$BUILD/bounce-milter
LIB=tests/milter
. tests/tap.sh

[ -x "$BIN" ] || skip_all "$BIN not built"

T=$(mktemp -d /tmp/bm-instance.XXXXXX) || exit 1
chmod 755 "$T"
mkdir "$T/sock" "$T/run"
USEROPT=""
if [ "$(id -u)" = 0 ]; then
    chown nobody "$T/sock" "$T/run"
    USEROPT="-u nobody"
fi
mkdir "$T/conf" && cp -r conf/rules.conf conf/rules.d conf/formats.conf "$T/conf/"
BOUNCE_RULES=$T/conf/rules.conf
BOUNCE_LOCAL_RULES=$T/no-local-rules.conf
export BOUNCE_RULES BOUNCE_LOCAL_RULES
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    [ -n "$KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

cat >"$T/a.conf" <<EOF2
socket = "unix:$T/sock/a.sock";
pid_file = "$T/run/a.pid";
EOF2

# answers SOCKET: a milter session can be opened there
if command -v miltertest >/dev/null 2>&1; then
    printf 'dofile(LIB .. "/common.lua")\nlocal conn = open()\ncheck(mt.disconnect(conn) == nil, "disconnect")\n' \
        >"$T/answers.lua"
    answers() { miltertest -D SOCK="$1" -D LIB="$LIB" -s "$T/answers.lua" >/dev/null 2>&1; }
else
    answers() { [ -S "${1#unix:}" ]; } # weaker without miltertest
fi
# start NAME ARGS...: a daemon in the foreground, in the background; waits
# for its socket $T/sock/NAME.sock
start() {
    name=$1
    shift
    "$BIN" -f $USEROPT "$@" >"$T/$name.log" 2>&1 &
    eval "PID_$name=$!"
    PIDS="$PIDS $!"
    i=0
    while [ ! -S "$T/sock/$name.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    answers "unix:$T/sock/$name.sock"
}
# refused NAME ARGS...: a start that must exit non-zero by itself (killed
# after 10 s if it does not); its output in $T/NAME.log
refused() {
    name=$1
    shift
    "$BIN" -f $USEROPT "$@" >"$T/$name.log" 2>&1 &
    p=$!
    i=0
    while kill -0 $p 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill $p 2>/dev/null && { wait $p; return 1; }
    wait $p
    [ $? -ne 0 ]
}

if start a -c "$T/a.conf"; then
    ok "first daemon starts and answers"
else
    notok "first daemon starts and answers"; sed 's/^/#   /' "$T/a.log"
    exit 1
fi
[ "$(cat "$T/run/a.pid")" = "$PID_a" ] && ok "pid file written" || notok "pid file written"

# a second daemon on the same socket (its own pid file): refused, and the
# first keeps its socket
if refused b -c "$T/a.conf" -P "$T/run/b.pid" && grep -q "another instance answers on unix:$T/sock/a.sock" "$T/b.log"; then
    ok "second daemon on the same socket exits non-zero, saying why"
else
    notok "second daemon on the same socket exits non-zero, saying why"; sed 's/^/#   /' "$T/b.log"
fi
answers "unix:$T/sock/a.sock" && ok "the first still answers" || notok "the first still answers"
[ ! -e "$T/run/b.pid" ] && ok "the refused daemon wrote no pid file" || notok "the refused daemon wrote no pid file"

# another socket but the first's pid file: refused too; -P gives a second
# instance its own
if refused c -c "$T/a.conf" -p "unix:$T/sock/c.sock" && grep -q "pid file $T/run/a.pid names running process $PID_a" "$T/c.log"; then
    ok "second daemon with a live pid file exits non-zero, saying why"
else
    notok "second daemon with a live pid file exits non-zero, saying why"; sed 's/^/#   /' "$T/c.log"
fi
[ "$(cat "$T/run/a.pid")" = "$PID_a" ] && ok "the first's pid file is untouched" ||
    notok "the first's pid file is untouched"
if start d -c "$T/a.conf" -p "unix:$T/sock/d.sock" -P "$T/run/d.pid" &&
    [ "$(cat "$T/run/d.pid")" = "$PID_d" ]; then
    ok "-P PIDFILE overrides pid_file"
else
    notok "-P PIDFILE overrides pid_file"; sed 's/^/#   /' "$T/d.log"
fi

# -n and -t never write the pid file
"$BIN" -n -c "$T/a.conf" $USEROPT >/dev/null 2>&1
printf 'Subject: hi\n\nhello\n' >"$T/plain.eml"
"$BIN" -t "$T/plain.eml" -c "$T/a.conf" >/dev/null 2>&1
[ "$(cat "$T/run/a.pid")" = "$PID_a" ] && ok "-n and -t leave the pid file alone" ||
    notok "-n and -t leave the pid file alone"

# after a crash: the socket file and pid file left behind are stale
kill -9 "$PID_a"
wait "$PID_a" 2>/dev/null
[ -S "$T/sock/a.sock" ] && [ -f "$T/run/a.pid" ] || echo "# kill -9 left no socket or pid file"
if start a -c "$T/a.conf" && [ "$(cat "$T/run/a.pid")" = "$PID_a" ]; then
    ok "a stale socket and pid file are replaced"
else
    notok "a stale socket and pid file are replaced"; sed 's/^/#   /' "$T/a.log"
fi

# the pid file is never written through a symbolic link (its directory may
# belong to the service user)
echo "precious" >"$T/victim"
ln -s "$T/victim" "$T/run/e.pid"
if refused e -c "$T/a.conf" -p "unix:$T/sock/e.sock" -P "$T/run/e.pid" &&
    grep -q "pid file $T/run/e.pid: it is a symbolic link" "$T/e.log" && [ "$(cat "$T/victim")" = precious ]; then
    ok "pid file symlink refused, its target untouched"
else
    notok "pid file symlink refused, its target untouched"; sed 's/^/#   /' "$T/e.log"
fi

# local rules the service user cannot read: refused at start as at a
# reload (where the old rules stay), not read at start as root and then
# lost at the first reload
: >"$T/local.conf"
chmod 000 "$T/local.conf"
printf 'socket = "unix:%s/sock/g.sock";\nlocal_rules = "%s/local.conf";\n' "$T" "$T" >"$T/g.conf"
if refused g -c "$T/g.conf" && grep -q "g.conf:2: local_rules: cannot read $T/local.conf" "$T/g.log"; then
    ok "start refused when the local rules cannot be read"
else
    notok "start refused when the local rules cannot be read"; sed 's/^/#   /' "$T/g.log"
fi
chmod 644 "$T/local.conf"
printf 'socket = "unix:%s/sock/h.sock";\n' "$T" >"$T/h.conf"
if BOUNCE_LOCAL_RULES=$T/local.conf start h -c "$T/h.conf"; then
    chmod 000 "$T/local.conf"
    kill -USR1 "$PID_h"
    i=0
    while ! grep -q "reload refused" "$T/h.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if grep -q "reload: .*$T/local.conf: cannot read local rules file" "$T/h.log" &&
        answers "unix:$T/sock/h.sock"; then
        ok "reload refused when the default local rules become unreadable; the daemon goes on"
    else
        notok "reload refused when the default local rules become unreadable"; sed 's/^/#   /' "$T/h.log"
    fi
else
    notok "daemon with default local rules starts"; sed 's/^/#   /' "$T/h.log"
fi

echo "1..$n"
