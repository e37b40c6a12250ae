#!/bin/sh
# 32-syslog.sh - where bounce-milter's log goes: syslog with the configured
# facility (local3 here) and a priority that fits each line (info, notice,
# debug, err), also with -f; libmilter's own messages in the same facility;
# stderr only with -e.
#
# The daemon runs in a private mount namespace (unshare -m, as root) where
# a test listener's socket (build/tests/syslog-sink) is bind-mounted over
# /dev/log, so the host's syslog is never touched.  When /dev/log does not
# exist (no syslogd, as on CI) an empty placeholder is made for the mount
# and removed afterwards.  TAP output.
BUILD=${BUILD:-build}
BIN=$BUILD/bounce-milter
SINK=$BUILD/tests/syslog-sink
LIB=tests/milter
. tests/tap.sh

[ "$(id -u)" = 0 ] || skip_all "needs root (mount namespace)"
command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed"
[ -x "$BIN" ] && [ -x "$SINK" ] || skip_all "$BIN or $SINK not built"
unshare -m true 2>/dev/null || skip_all "no mount namespaces here"
if [ -L /dev/log ] && [ ! -e /dev/log ]; then
    skip_all "/dev/log is a dangling symlink"
fi

T=$(mktemp -d /tmp/bm-syslog.XXXXXX) || exit 1
chmod 755 "$T"
mkdir "$T/sock" && chown nobody "$T/sock"
mkdir "$T/conf" && cp -r conf/rules.conf conf/rules.d conf/formats.conf "$T/conf/"
BOUNCE_RULES=$T/conf/rules.conf
export BOUNCE_RULES
placeholder=""
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    [ -z "$placeholder" ] || rm -f /dev/log
    [ -n "$KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

"$SINK" "$T/log.sock" "$T/syslog" &
PIDS="$PIDS $!"
i=0
while [ ! -S "$T/log.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -S "$T/log.sock" ]; then
    notok "syslog-sink listens"
    echo "1..$n"
    exit 1
fi
if [ ! -e /dev/log ]; then
    : >/dev/log && placeholder=1
fi

cat >"$T/s.conf" <<'CONF'
on_error = "accept";
log_facility = "local3";
actions = (
  { match = { domain = "reject.test"; }; action = "reject"; reply = "550 5.7.1 test: bounce refused"; },
  { action = "headers"; }
);
CONF

# run_ns OUT ERR ARGS...: become the daemon, with the sink as its /dev/log
# (exec all the way, so that a background run's $! is the daemon's pid)
run_ns() {
    out=$1 err=$2
    shift 2
    exec unshare -m sh -c 'mount --bind "$0" /dev/log && exec "$@"' "$T/log.sock" \
        "$BIN" "$@" >"$out" 2>"$err"
}

# local3 is facility 19: PRI = 19 * 8 + severity
ERR=155 NOTICE=157 INFO=158 DEBUG=159
has() { # PRI TEXT: a datagram with that priority contains TEXT
    grep "^<$1>" "$T/syslog" | grep -qF -- "$2"
}

# wait_socket PID: until the daemon's socket is there (or it died)
wait_socket() {
    i=0
    while [ ! -S "$T/sock/s.sock" ] && kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

run_ns "$T/f.out" "$T/f.err" -f -c "$T/s.conf" -p "unix:$T/sock/s.sock" -u nobody &
PID=$!
wait_socket "$PID"
if miltertest -D SOCK="unix:$T/sock/s.sock" -D LIB="$LIB" -s "$LIB/syslog.lua" >"$T/mt.out" 2>&1; then
    ok "syslog.lua: a tagged bounce, a rejected one, a null-sender message that is none"
else
    notok "syslog.lua: a tagged bounce, a rejected one, a null-sender message that is none"
    sed 's/^/#   /' "$T/mt.out" | head -n 10
fi
kill -TERM "$PID"
wait "$PID"
sleep 0.2 # the sink writes each datagram as it comes

if has $INFO "bounce-milter[$PID]: bounce-milter " && has $INFO "started on unix:$T/sock/s.sock"; then
    ok "-f logs to syslog: start-up line as local3.info with the pid"
else
    notok "-f logs to syslog: start-up line as local3.info with the pid"
    sed 's/^/#   /' "$T/syslog" "$T/f.err" | head -n 10
fi
if has $INFO "QIDUPLAINTEST: bounce from=<> to=<bounces@bm.test> kind=dsn" &&
    has $INFO "<u@plain.test> userunknown/hard/"; then
    ok "a tagged bounce: local3.info, queue id, envelope and failed recipient"
else
    notok "a tagged bounce: local3.info, queue id, envelope and failed recipient"
fi
if has $NOTICE "QIDUREJECTTEST: bounce from=<> to=<bounces@bm.test>" &&
    has $NOTICE "action=reject 550 5.7.1 \"test: bounce refused\""; then
    ok "a rejected bounce: local3.notice with the reply code"
else
    notok "a rejected bounce: local3.notice with the reply code"
fi
if has $DEBUG "QIDNOBOUNCE: inspected (null-sender), not a bounce"; then
    ok "an inspected message that is no bounce: local3.debug"
else
    notok "an inspected message that is no bounce: local3.debug"
fi
if has $INFO "bounce-milter[$PID]: stopped"; then
    ok "the stop is logged as local3.info"
else
    notok "the stop is logged as local3.info"
fi
if [ ! -s "$T/f.err" ] && [ ! -s "$T/f.out" ]; then
    ok "-f writes nothing to stdout or stderr"
else
    notok "-f writes nothing to stdout or stderr"
    sed 's/^/#   /' "$T/f.err" | head -n 5
fi

# libmilter's own error (it calls syslog itself) lands in local3 too, and
# ours about the same failure as local3.err
: >"$T/syslog"
(run_ns "$T/b.out" "$T/b.err" -f -c "$T/s.conf" -p "unix:$T/sock/no/such/s.sock" -u nobody)
rc=$?
sleep 0.2
if [ $rc -ne 0 ] && has $ERR "Unable to create listening socket" &&
    has $ERR "cannot open socket unix:$T/sock/no/such/s.sock"; then
    ok "libmilter's errors and ours go to local3.err"
else
    notok "libmilter's errors and ours go to local3.err (rc $rc)"
    sed 's/^/#   /' "$T/syslog" | head -n 10
fi

# -e: our lines go to stderr, not to syslog
: >"$T/syslog"
run_ns "$T/e.out" "$T/e.err" -e -c "$T/s.conf" -p "unix:$T/sock/s.sock" -u nobody &
PID=$!
wait_socket "$PID"
kill -TERM "$PID"
wait "$PID"
sleep 0.2
if grep -q "^bounce-milter\[$PID\]: bounce-milter .* started on" "$T/e.err" &&
    ! grep -q "started on" "$T/syslog"; then
    ok "-e logs to stderr instead of syslog"
else
    notok "-e logs to stderr instead of syslog"
    sed 's/^/#   /' "$T/e.err" | head -n 5
fi
echo "1..$n"
