#!/bin/sh
# 44-fast-path.sh - the fast path (inspect.envelope_only) of bounce-milter.
#
# -n refuses a fast path with nothing in the envelope to mark a bounce; -t
# says where ordinary mail leaves; miltertest (when installed) checks the
# negotiation and the accept at MAIL FROM or DATA against the real daemon;
# a private Postfix (tests/e2e/lib.sh, root only) checks the README's setup:
# header_checks remove forged X-Bounce-* headers from ordinary mail, which
# the milter no longer sees, and real bounces are still tagged.  Parts whose
# tools are missing are skipped.  TAP output.
cd "$(dirname "$0")/../.." || exit 1
REPO=$(pwd)
BUILD=${BUILD:-build}
BIN=$BUILD/bounce-milter
LIB=tests/milter
CORPUS=tests/corpus/sisimai/dev
. tests/tap.sh
check() {
    if [ "$1" -eq 0 ]; then ok "$2"; else notok "$2"; fi
}
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }

[ -x "$BIN" ] || skip_all "$BIN not built"
T=$(mktemp -d /tmp/bm-fast.XXXXXX) || exit 1
chmod 755 "$T"
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    [ -n "$E2E" ] && e2e_stop
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir "$T/conf" "$T/sock" && cp -r conf/rules.conf conf/rules.d conf/formats.conf "$T/conf/"
BOUNCE_RULES=$T/conf/rules.conf
export BOUNCE_RULES

# --- -n and -t ------------------------------------------------------------
printf 'inspect = {\n  null_sender = false;\n  senders = [ ];\n  envelope_only = true;\n};\n' \
    >"$T/none.conf"
"$BIN" -n -c "$T/none.conf" >"$T/n.out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "none.conf:4: inspect.envelope_only: nothing in the envelope" "$T/n.out"
check $? "-n refuses envelope_only with nothing to mark a bounce, with file:line"
printf 'inspect = { envelope_only = true; };\n' >"$T/mail.conf"
"$BIN" -n -c "$T/mail.conf" >"$T/n.out" 2>&1
check $? "-n accepts envelope_only with the null sender"

printf 'Return-Path: <alice@sender.test>\nFrom: alice@sender.test\nTo: bob@example.com\n' >"$T/plain.eml"
printf 'X-Bounce-Class: forged\nSubject: hi\n\nhello\n' >>"$T/plain.eml"
"$BIN" -c "$T/mail.conf" -t "$T/plain.eml" >"$T/t.out" 2>&1
grep -q "^# not inspected: accepted at MAIL FROM" "$T/t.out"
check $? "-t: ordinary mail accepted at MAIL FROM, its forged header left to the MTA"
printf 'inspect = { envelope_only = true; recipients = "^dsn@"; };\n' >"$T/data.conf"
"$BIN" -c "$T/data.conf" -t "$T/plain.eml" >"$T/t.out" 2>&1
grep -q "^# not inspected: accepted at DATA" "$T/t.out"
check $? "-t: with recipient patterns ordinary mail is accepted at DATA"

# --- miltertest: negotiation and early accepts ------------------------------
if command -v miltertest >/dev/null 2>&1; then
    USEROPT=""
    if [ "$(id -u)" = 0 ]; then
        chown nobody "$T/sock"
        USEROPT="-u nobody"
    fi
    # AT=mail: nothing on the recipient side marks; AT=data: it does
    printf 'inspect = { envelope_only = true; };\n' >"$T/m-mail.conf"
    printf 'inspect = { envelope_only = true; recipients = [ "^bounces@bm\\\\.test$" ]; };\n' \
        >"$T/m-data.conf"
    printf 'verp = [ "bounces+%%l=%%d@bm.test" ];\n' >>"$T/m-data.conf"
    for at in mail data; do
        "$BIN" -e -c "$T/m-$at.conf" -p "unix:$T/sock/$at.sock" $USEROPT >"$T/$at.log" 2>&1 &
        PIDS="$PIDS $!"
        i=0
        while [ ! -S "$T/sock/$at.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        if miltertest -D SOCK="unix:$T/sock/$at.sock" -D LIB="$LIB" -D AT="$at" \
            -s "$LIB/fastpath.lua" >"$T/mt-$at.out" 2>&1; then
            ok "miltertest: ordinary mail leaves at $at, bounces are tagged (fastpath.lua AT=$at)"
        else
            notok "miltertest: fastpath.lua AT=$at"
            sed 's/^/#   /' "$T/mt-$at.out" "$T/$at.log" | head -n 20
        fi
    done
else
    skip "miltertest not installed"
fi

# --- a private Postfix with the README's header_checks ------------------
. tests/e2e/lib.sh
# hdrs FILE: the header section of a delivered copy
hdrs() { sed '/^$/q' "$1"; }
# deliver NAME FROM TO FILE: send, wait, keep the delivered copy in $E2E/NAME
deliver() {
    QID=$(e2e_send "$2" "$3" "$4")
    : >"$E2E/$1"
    [ -n "$QID" ] && e2e_wait_removed "$QID" && e2e_dump "$QID" >"$E2E/$1"
}
postfix_part() {
    e2e_init || return 1
    sed -e "s|^rules = .*|rules = \"$T/conf/rules.conf\";|" -e '/^inspect = {/,/^};/d' \
        tests/e2e/milter/tag.conf.in >"$E2E/milter.conf"
    printf 'inspect = { envelope_only = true; };\n' >>"$E2E/milter.conf"
    # The README's table: header_checks see only what the client sent, not
    # the headers a milter adds (those would take milter_header_checks).
    printf '/^X-Bounce-/ IGNORE\n' >"$E2E/etc/bounce_header_checks"
    postconf -c "$E2E/etc" -e "smtpd_milters = unix:$E2E/milter/bm.sock"
    e2e_milter_start bm "$BUILD/bounce-milter" -e -c "$E2E/milter.conf" \
        -p "unix:$E2E/milter/bm.sock" -u postfix || return 1
    e2e_start || return 1

    f=lhost-postfix-33.eml
    printf 'X-Bounce-Class: userunknown; severity=hard; forged=yes\nX-Bounce-Summary: worst=hard\n' \
        >"$E2E/forged.eml"
    cat "$T/plain.eml" >>"$E2E/forged.eml"
    { printf 'X-Bounce-Summary: worst=none; forged=yes\n'; sed '1{/^From /d;}' "$CORPUS/$f"; } \
        >"$E2E/forged-bounce.eml"

    # Without header_checks the fast path lets a forged header through: the
    # reason for the table (and proof that the next check can fail).
    deliver plain0 alice@sender.test bob@example.net "$E2E/forged.eml"
    hdrs "$E2E/plain0" | grep -q '^X-Bounce-Class: .*forged=yes'
    check $? "fast path without header_checks: a forged header on ordinary mail passes"

    e2e_postconf "header_checks = regexp:$E2E/etc/bounce_header_checks"
    deliver plain1 alice@sender.test bob@example.net "$E2E/forged.eml"
    if [ -s "$E2E/plain1" ] && ! hdrs "$E2E/plain1" | grep -qi '^X-Bounce-'; then
        ok "fast path + header_checks: forged X-Bounce-* removed from ordinary mail"
    else
        notok "fast path + header_checks: forged X-Bounce-* removed from ordinary mail"
        hdrs "$E2E/plain1" | sed 's/^/#   /'
    fi
    grep -q "^hello" "$E2E/plain1"
    check $? "ordinary mail delivered with its body"

    # "<>": swaks sends its default sender for an empty --from
    deliver bounce1 "<>" bounces@sender.test "$E2E/forged-bounce.eml"
    sum=$(hdrs "$E2E/bounce1" | grep '^X-Bounce-Summary:')
    case $sum in
    *forged*) notok "bounce: forged summary removed ($sum)" ;;
    *worst=hard*) ok "bounce under the fast path: tagged, the milter's own headers kept ($sum)" ;;
    *) notok "bounce under the fast path: no X-Bounce-Summary worst=hard: '$sum'" ;;
    esac
    hdrs "$E2E/bounce1" | grep -q '^X-Bounce-Class: userunknown;'
    check $? "bounce under the fast path: X-Bounce-Class userunknown"

    # Given up: an auto-reply sent with a normal sender is no longer read.
    deliver auto1 kijitora@example.net bounces@sender.test "$CORPUS/rfc3834-01.eml"
    [ -s "$E2E/auto1" ] && ! hdrs "$E2E/auto1" | grep -qi '^X-Bounce-Class'
    check $? "fast path gives up: an auto-reply from a normal sender passes untagged"

    # A feedback-loop address as a recipient pattern: the decision moves to
    # DATA and the report is read again.
    sed -i 's|^inspect = { envelope_only = true; };|inspect = { envelope_only = true; recipients = "^fbl@sender\\\\.test$"; };|' \
        "$E2E/milter.conf"
    kill -USR1 "$E2E_MILTER_PID"
    e2e_n=0
    while ! grep -q "configuration reloaded" "$E2E_MILTER_LOG" && [ $e2e_n -lt 50 ]; do
        sleep 0.1
        e2e_n=$((e2e_n + 1))
    done
    deliver arf1 abuse@feedback.test fbl@sender.test "$CORPUS/arf-02.eml"
    hdrs "$E2E/arf1" | grep -q '^X-Bounce-Class: feedback;'
    check $? "fast path at DATA: a feedback report to a configured recipient is tagged"
    deliver plain2 alice@sender.test bob@example.net "$E2E/forged.eml"
    [ -s "$E2E/plain2" ] && ! hdrs "$E2E/plain2" | grep -qi '^X-Bounce-'
    check $? "fast path at DATA: ordinary mail delivered, forged header removed"
    return 0
}
if why=$(e2e_need); then
    postfix_part || notok "private Postfix and bounce-milter start"
else
    skip "Postfix part: $why"
fi
echo "1..$n"
