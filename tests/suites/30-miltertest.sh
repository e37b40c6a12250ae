#!/bin/sh
# 30-miltertest.sh - the real bounce-milter daemon driven over its socket by
# miltertest (Debian package miltertest): negotiation, early accept of
# ordinary mail, forged header removal, the headers added, every action,
# Postfix's own bounces, VERP, on_error, SIGUSR1 reload (good and bad
# config), SIGUSR2 and the Prometheus file, SIGTERM (idle, and the drain
# of a message in flight); plus -n, -t and -h.
#
# Two daemons run side by side: A (on_error = tempfail, one action per
# failed recipient's domain) and B (on_error = accept, headers only; its
# config is rewritten for the reload checks).  TAP output.
BUILD=${BUILD:-build}
BIN=$BUILD/bounce-milter
LIB=tests/milter
. tests/tap.sh

command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed"
[ -x "$BIN" ] || skip_all "$BIN not built"

T=$(mktemp -d /tmp/bm-miltertest.XXXXXX) || exit 1
chmod 755 "$T"
mkdir "$T/sock"
USEROPT=""
if [ "$(id -u)" = 0 ]; then
    # the daemon refuses to stay root: run it as nobody, socket dir its own
    chown nobody "$T/sock"
    USEROPT="-u nobody"
fi
# The daemons re-read their rules as nobody on SIGUSR1, and the clone may sit
# in a directory only root can enter: they get a readable copy.
mkdir "$T/conf" && cp -r conf/rules.conf conf/rules.d conf/formats.conf "$T/conf/"
BOUNCE_RULES=$T/conf/rules.conf
export BOUNCE_RULES
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    [ -n "$KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

cat >"$T/a.conf" <<EOF
on_error = "tempfail";
inspect = { recipients = [ "^bounces@bm\\\\.test\$" ]; };
verp = [ "bounces+%l=%d@bm.test" ];
internal = { daemon_names = [ "bounce-internal" ]; };
stats_file = "$T/sock/a.prom";
stats_interval = 1;
max_body = 4096;
actions = (
  { match = { domain = "subject.test"; }; action = "subject"; },
  { match = { domain = "hold.test"; }; action = "quarantine"; reason = "held by test"; },
  { match = { domain = "redirect.test"; }; action = "redirect"; address = "postmaster@bm.test"; },
  { match = { domain = "copy.test"; }; action = "copy"; address = "archive@bm.test"; },
  { match = { domain = "strip.test"; }; action = "strip"; },
  { match = { domain = "reject.test"; }; action = "reject"; reply = "550 5.7.1 test: bounce refused"; },
  { match = { domain = "discard.test"; }; action = "discard"; },
  { action = "headers"; }
);
EOF
cat >"$T/b.conf" <<EOF
on_error = "accept";
EOF
cat >"$T/b-reloaded.conf" <<EOF
on_error = "accept";
actions = ( { action = "quarantine"; reason = "reloaded"; } );
EOF

# -n: the sample and the test configs check out; errors come with file:line
if "$BIN" -n -c conf/milter.conf >"$T/n.out" 2>&1 || grep -q "does not exist" "$T/n.out"; then
    ok "-n accepts the sample config"
else
    notok "-n accepts the sample config"; sed 's/^/#   /' "$T/n.out"
fi
printf 'on_error = "accept";\nlanguage = "fr";\nactions = ( { action = "bogus"; } );\n' >"$T/bad.conf"
"$BIN" -n -c "$T/bad.conf" >"$T/bad.out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "bad.conf:2: language" "$T/bad.out" && grep -q "bad.conf:3: action" "$T/bad.out"; then
    ok "-n reports each error with file:line and fails"
else
    notok "-n reports each error with file:line and fails (rc $rc)"; sed 's/^/#   /' "$T/bad.out"
fi
"$BIN" -V | grep -q "^bounce-milter [0-9]" && ok "-V prints the version" || notok "-V prints the version"
for h in -h --help; do
    "$BIN" $h >"$T/h.out" 2>"$T/h.err"
    rc=$?
    if [ $rc -eq 0 ] && grep -q "^usage: bounce-milter" "$T/h.out" && [ ! -s "$T/h.err" ]; then
        ok "$h prints the usage to stdout and exits 0"
    else
        notok "$h prints the usage to stdout and exits 0 (rc $rc)"
    fi
done

# -t: a bounce file through the callback code, offline
cat >"$T/dsn.lua" <<'EOF'
dofile(LIB .. "/common.lua")
io.write("Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.sender.test\r\nTo: sender@sender.test\r\n",
         "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n",
         "Content-Type: multipart/report; report-type=delivery-status;\r\n boundary=\"BOUNDARY.1\"\r\n\r\n",
         dsn_body("u@strip.test", "5.1.1", "550 5.1.1 <u@strip.test>: Recipient address rejected: User unknown"))
EOF
if command -v lua5.1 >/dev/null 2>&1 || command -v lua >/dev/null 2>&1; then
    LUA=$(command -v lua5.1 || command -v lua)
    $LUA -e "LIB='$LIB'" "$T/dsn.lua" >"$T/dsn.eml"
else
    # miltertest embeds Lua: mt.echo is enough to print the message
    miltertest -D LIB="$LIB" -s "$T/dsn.lua" >"$T/dsn.eml" 2>/dev/null
fi
"$BIN" -c "$T/a.conf" -t "$T/dsn.eml" >"$T/t.out" 2>"$T/t.err"
if grep -q "^X-Bounce-Class: userunknown; severity=hard" "$T/t.out" &&
    grep -q "^X-Bounce-Summary: worst=hard" "$T/t.out" &&
    grep -q "^# replace body" "$T/t.out" && grep -q "^# action: strip" "$T/t.out"; then
    ok "-t prints the headers and the action"
else
    notok "-t prints the headers and the action"; sed 's/^/#   /' "$T/t.out" "$T/t.err"
fi

# start both daemons
start() { # name conf
    "$BIN" -e -c "$2" -p "unix:$T/sock/$1.sock" $USEROPT >"$T/$1.log" 2>&1 &
    PIDS="$PIDS $!"
    eval "PID_$1=$!"
    i=0
    while [ ! -S "$T/sock/$1.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -S "$T/sock/$1.sock" ]
}
if start a "$T/a.conf" && start b "$T/b.conf"; then
    ok "daemons start and create their sockets"
else
    notok "daemons start and create their sockets"; sed 's/^/#   /' "$T/a.log" "$T/b.log"
    exit 1
fi
if [ -n "$USEROPT" ]; then
    owner=$(stat -c %U "$T/sock/a.sock")
    mode=$(stat -c %a "$T/sock/a.sock")
    [ "$owner" = nobody ] && [ "$mode" = 660 ] && ok "socket belongs to the unprivileged user, mode 0660" ||
        notok "socket belongs to the unprivileged user, mode 0660 (got $owner $mode)"
    ps -o user= -p "$PID_a" | grep -q nobody && ok "daemon runs as the unprivileged user" ||
        notok "daemon runs as the unprivileged user"
fi

mtest() { # script daemon [defines...] ; description from the script's first line
    script=$1 d=$2
    shift 2
    desc=$(sed -n '1s/^-- //p' "$LIB/$script.lua")
    if miltertest -D SOCK="unix:$T/sock/$d.sock" -D LIB="$LIB" "$@" -s "$LIB/$script.lua" \
        >"$T/$script.out" 2>&1; then
        ok "$desc"
    else
        notok "$desc"; sed 's/^/#   /' "$T/$script.out" | head -n 10
    fi
}
mtest nonbounce a
mtest forged a
mtest headers a
mtest actions a
mtest internal a
mtest verp a
mtest bodycap a
mtest onerror a -D EXPECT=tempfail
mtest onerror b -D EXPECT=accept

# one log line per bounce: queue id, envelope recipient, failed recipient,
# class, severity, rule, action; a reject's reply code
if grep -q "QIDUHOLDTEST: bounce from=<> to=<sender@sender.test> kind=dsn .*<u@hold.test> userunknown/hard/.*action=quarantine \"held by test\"" "$T/a.log"; then
    ok "log line per bounce with queue id, envelope and failed recipient, class, severity, rule, action"
else
    notok "log line per bounce"; grep bounce "$T/a.log" | head -n 5 | sed 's/^/#   /'
fi
grep -q "QIDUREJECTTEST: bounce from=<> to=<sender@sender.test> .*action=reject 550 5.7.1 \"test: bounce refused\"" "$T/a.log" &&
    ok "a reject's log line names the reply code" || notok "a reject's log line names the reply code"
grep -q "action=headers (reject not done on Postfix's own bounce) (postfix-internal)" "$T/a.log" &&
    ok "own bounce: the refused action is logged" || notok "own bounce: the refused action is logged"
grep -q "error: .*on_error: tempfail, message unmodified" "$T/a.log" && ok "internal failure logged" ||
    notok "internal failure logged"

# reload: a good new config takes over, a bad one is refused
mtest reload b -D EXPECT=headers
cp "$T/b-reloaded.conf" "$T/b.conf"
kill -USR1 "$PID_b"
i=0
while ! grep -q "configuration reloaded" "$T/b.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
mtest reload b -D EXPECT=quarantine
printf 'actions = ( { action = "nonsense"; } );\n' >"$T/b.conf"
kill -USR1 "$PID_b"
i=0
while ! grep -q "reload refused" "$T/b.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "reload: .*b.conf:1: action" "$T/b.log" && grep -q "reload refused" "$T/b.log" &&
    ok "bad config on reload refused with file:line" || notok "bad config on reload refused with file:line"
mtest reload b -D EXPECT=quarantine

# SIGUSR2: counters to the log; the Prometheus file is kept up to date
kill -USR2 "$PID_a"
i=0
while ! grep -q "stats: " "$T/a.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "stats: messages=[0-9]* inspected=[0-9]* bounces=[1-9]" "$T/a.log" &&
    ok "SIGUSR2 writes the counters to the log" || notok "SIGUSR2 writes the counters to the log"
sleep 1.2
if grep -q '^bounce_milter_bounces_total [1-9]' "$T/sock/a.prom" &&
    grep -q '^bounce_milter_recipients_total{class="userunknown"} [1-9]' "$T/sock/a.prom" &&
    grep -q '^bounce_milter_actions_total{action="quarantine"} [1-9]' "$T/sock/a.prom"; then
    ok "Prometheus textfile written"
else
    notok "Prometheus textfile written"; sed 's/^/#   /' "$T/sock/a.prom" 2>/dev/null | head
fi

# SIGTERM: an idle daemon stops at once (libmilter alone polls for its stop
# flag every 5 s); a zombie left for this shell to reap counts as gone
gone() { [ ! -e "/proc/$1" ] || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }
kill -TERM "$PID_a" "$PID_b"
sleep 1.5
if gone "$PID_a" && gone "$PID_b"; then
    ok "SIGTERM stops an idle daemon within 1.5 s"
else
    notok "SIGTERM stops an idle daemon within 1.5 s"
fi
i=0
while { ! gone "$PID_a" || ! gone "$PID_b"; } && [ $i -lt 150 ]; do
    sleep 0.1; i=$((i + 1))
done
if gone "$PID_a" && grep -q "stopped" "$T/a.log"; then
    ok "SIGTERM stops the daemon"
else
    notok "SIGTERM stops the daemon"
fi
# SIGTERM with a message in flight: it finishes with its headers, a message
# that begins meanwhile gets 451, then the daemon exits by itself (c: a
# daemon of its own)
printf 'on_error = "accept";\n' >"$T/c.conf"
if start c "$T/c.conf"; then
    mtest drain c -D PID="$PID_c"
    i=0
    while ! gone "$PID_c" && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
    if gone "$PID_c" && grep -q "stopping: 1 messages in flight" "$T/c.log"; then
        ok "after the drain the daemon exits by itself"
    else
        notok "after the drain the daemon exits by itself"; sed 's/^/#   /' "$T/c.log" | tail -n 5
    fi
else
    notok "daemon c starts"
fi
echo "1..$n"
