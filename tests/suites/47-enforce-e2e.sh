#!/bin/sh
# 47-enforce-e2e.sh - the suppression list enforced by a real, private
# Postfix through the daemon's socketmap, and bounce-report sign.
#
# First, without any MTA: bounce-report sign's form and exit statuses, and
# -n on the socketmap and webhooks settings.  Then, with the private Postfix
# of tests/e2e/lib.sh (root, postfix, swaks): the socketmap code serving a
# fixed list (tests/tools/socketmap-serve) to postmap -q and to smtpd's
# check_recipient_access; then the daemon itself with a SQLite
# store, a socketmap and a verp_key, and main.cf has
# check_recipient_access socketmap:unix:...:suppressed:
#   - a message to an address the remote server refuses -> Postfix's own
#     bounce -> an authenticated event -> suppressed -> the next message to
#     that address is refused at RCPT TO with the 550 5.7.1 text;
#   - a forged bounce (over SMTP, to a plain address) for a subscriber ->
#     recorded, not authenticated, not suppressed, still accepted;
#   - a bounce to a signed VERP address -> suppressed -> refused.
# That part needs the daemon to record events (the store settings); a
# daemon without them skips it ("# SKIP events not wired").
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
. tests/tap.sh
REPORT=$BUILD/bounce-report
MILTER=$BUILD/bounce-milter
[ -x "$REPORT" ] && [ -x "$MILTER" ] || skip_all "$REPORT or $MILTER not built"
T=$(mktemp -d /tmp/bm-enforce.XXXXXX) || exit 1
trap '[ -n "$KEEP" ] || rm -rf "$T"' EXIT INT TERM

# ---------------------------------------------------------------- sign
printf 'verp_key = [ "sign-key-2026-current", "sign-key-2025-previous" ];\n' >"$T/sign.conf"
a=$($REPORT -c "$T/sign.conf" sign bounces+user=example.com@lists.example.org)
case $a in
bounces+user=example.com+[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]@lists.example.org)
    ok "sign: local+TAG@domain, 16 hex digits ($a)" ;;
*) notok "sign: local+TAG@domain, got \"$a\"" ;;
esac
b=$($REPORT -c "$T/sign.conf" sign Bounces+User=Example.com@LISTS.example.org | tr 'A-Z' 'a-z')
[ "$a" = "$b" ] && ok "sign: the tag ignores case" || notok "sign: the tag ignores case ($b)"
printf 'verp_key = "sign-key-2025-previous";\n' >"$T/old.conf"
c=$($REPORT -c "$T/old.conf" sign bounces+user=example.com@lists.example.org)
[ -n "$c" ] && [ "$c" != "$a" ] && ok "sign: another key, another tag" ||
    notok "sign: another key, another tag ($c)"
printf '# nothing\n' >"$T/none.conf"
$REPORT -c "$T/none.conf" sign a@example.com >/dev/null 2>"$T/err"
[ $? = 2 ] && grep -q "sets no verp_key" "$T/err" && ok "sign without verp_key: exit 2" ||
    notok "sign without verp_key: exit 2 ($(cat "$T/err"))"
$REPORT -c "$T/sign.conf" sign not-an-address >/dev/null 2>&1
[ $? = 2 ] && ok "sign refuses a non-address (exit 2)" || notok "sign refuses a non-address"

# ---------------------------------------------------------------- -n
printf 'socketmap = "unix:relative/sm.sock";\nwebhooks = ( { url = "ftp://x/"; } );\n' >"$T/bad.conf"
$MILTER -n -c "$T/bad.conf" >"$T/out" 2>&1
if [ $? -ne 0 ] && grep -q "bad.conf:1: socketmap: \"unix:relative/sm.sock\" needs an absolute path" "$T/out" &&
    grep -q "bad.conf:2: webhooks: url \"ftp://x/\" must start with http:// or https://" "$T/out"; then
    ok "-n reports a bad socketmap and webhook url with their lines"
else
    notok "-n reports a bad socketmap and webhook url ($(cat "$T/out"))"
fi

# ---------------------------------------------------------------- Postfix
. tests/e2e/lib.sh
finish() {
    echo "1..$n"
    exit 0
}
skip_rest() {
    echo "ok $((n + 1)) # SKIP $1"
    n=$((n + 1))
    finish
}
why=$(e2e_need) || skip_rest "$why"
[ -x "$BUILD/tests/socketmap-serve" ] || skip_rest "$BUILD/tests/socketmap-serve not built"
e2e_init || skip_rest "cannot make the instance directory"
trap 'e2e_stop; [ -n "$KEEP" ] || rm -rf "$T"' EXIT
# Where the README puts it: inside the queue directory, named relative to
# it in main.cf, absolute for postmap -q and the daemon.
mkdir -p "$E2E/queue/bounce-milter" && chown postfix:postfix "$E2E/queue/bounce-milter"
SM=$E2E/queue/bounce-milter/socketmap
# lookup ADDR: what Postfix's own socketmap client gets
lookup() { postmap -q "$1" "socketmap:unix:$SM:suppressed" 2>/dev/null; }
printf 'From: list@sender.test\nSubject: issue 1\nMessage-ID: <n1@sender.test>\n\nHello.\n' >"$T/plain.eml"
# refused: the last swaks session was refused at RCPT TO with our text
refused() {
    grep -q "^<\*\* *550 5.7.1 <$1>: Recipient address rejected: recipient suppressed by bounce-milter: [a-z]* since [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]\$" "$E2E/swaks.out"
}

# ---------------------------------------------------------------- the socketmap alone
# The daemon's socketmap code (socketmap-serve) asked by Postfix's own
# client, first postmap, then smtpd's check_recipient_access.
"$BUILD/tests/socketmap-serve" "unix:$SM" "Gone@Example.com=userunknown" >"$T/serve.log" 2>&1 &
SERVE=$!
for _i in $(seq 50); do [ -S "$SM" ] && break; sleep 0.1; done
r=$(lookup gone@example.com)
case $r in
"550 5.7.1 recipient suppressed by bounce-milter: userunknown since "????-??-??) ok "postmap -q over the socketmap: $r" ;;
*) notok "postmap -q over the socketmap: \"$r\"" ;;
esac
[ -z "$(lookup alive@example.com)" ] && [ -z "$(lookup example.com)" ] &&
    ok "postmap -q: other addresses and bare domains are not found" || notok "postmap -q: NOTFOUND"
postconf -c "$E2E/etc" -e "smtpd_recipient_restrictions = check_recipient_access socketmap:unix:bounce-milter/socketmap:suppressed"
e2e_start || { notok "private Postfix starts"; finish; }
q=$(e2e_send list@sender.test gone@example.com "$T/plain.eml")
[ -z "$q" ] && refused gone@example.com && ok "smtpd refuses a suppressed recipient at RCPT TO with the 550 5.7.1 text" ||
    notok "smtpd refuses a suppressed recipient ($(grep '^<\*\*' "$E2E/swaks.out" | head -n 2))"
grep -q "NOQUEUE: reject: RCPT from .*: 550 5.7.1 <gone@example.com>: Recipient address rejected: recipient suppressed by bounce-milter" "$E2E/maillog" &&
    ok "the refusal is in Postfix's log" || notok "the refusal is in Postfix's log"
q=$(e2e_send list@sender.test alive@example.com "$T/plain.eml")
[ -n "$q" ] && ok "another recipient is accepted" || notok "another recipient is accepted"
kill "$SERVE" && wait "$SERVE"
[ ! -e "$SM" ] && ok "socketmap-serve removed its socket" || notok "socket left behind"

# ---------------------------------------------------------------- the daemon
printf 'store = "sqlite:%s/x.db";\njournal = "%s/j";\nverp_key = [ "a key of sixteen bytes or more" ];\n' "$T" "$T" >"$T/wired.conf"
$MILTER -n -c "$T/wired.conf" >/dev/null 2>&1 || skip_rest "events not wired (bounce-milter has no store setting)"

mkdir -p "$E2E/conf" && cp -r conf/rules.conf conf/rules.d conf/formats.conf "$E2E/conf/"
DB=$E2E/milter/bounces.db
cat >"$E2E/milter.conf" <<CONF
socket_group = "postfix";
socket_mode = "0660";
on_error = "tempfail";
rules = "$E2E/conf/rules.conf";
internal = { daemon_names = [ "bounce-internal" ]; };
verp = [ "bounces+%l=%d@sender.test" ];
verp_key = [ "e2e-current-key-2026", "e2e-previous-key-2025" ];
store = "sqlite:$DB";
journal = "$E2E/milter/journal";
socketmap = "unix:$SM";
stats_file = "$E2E/milter/stats.prom";
stats_interval = 1;
CONF
if ! e2e_milter_start bm "$MILTER" -f -c "$E2E/milter.conf" -p "unix:$E2E/milter/bm.sock" -u postfix; then
    notok "bounce-milter starts with a store and a socketmap"
    finish
fi
# the daemon opens the socketmap after the milter socket: wait for it (5 s)
_n=0
while [ ! -S "$SM" ] && [ "$_n" -lt 50 ]; do
    sleep 0.1
    _n=$((_n + 1))
done
[ -S "$SM" ] && ok "the socketmap socket is there" || notok "no socketmap socket at $SM"
e2e_postconf "smtpd_milters = unix:$E2E/milter/bm.sock" \
    "non_smtpd_milters = unix:$E2E/milter/bm.sock" "internal_mail_filter_classes = bounce"
# wait_suppressed ADDR: until the socketmap says so (60 s at most)
wait_suppressed() {
    _n=0
    while [ -z "$(lookup "$1")" ] && [ "$_n" -lt 600 ]; do
        sleep 0.1
        _n=$((_n + 1))
    done
    [ -n "$(lookup "$1")" ]
}
# dsn TO FAILED: a delivery status notification for FAILED, to TO
dsn() {
    cat <<MSG
From: MAILER-DAEMON@mx.example.net
To: $1
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-$$-$2@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

Your message could not be delivered to <$2>: user unknown.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; $2
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.net
Diagnostic-Code: smtp; 550 5.1.1 <$2>: Recipient address rejected: User unknown

--b1
Content-Type: text/rfc822-headers

From: list@sender.test
To: $2
Message-ID: <orig-$2@sender.test>

--b1--
MSG
}

# 1. Postfix's own bounce suppresses; the next message is refused at RCPT.
q=$(e2e_send list@sender.test dead@reject.test "$T/plain.eml")
[ -n "$q" ] && ok "a message to dead@reject.test is accepted ($q)" || notok "first message accepted"
if wait_suppressed dead@reject.test; then
    ok "Postfix's own bounce suppressed dead@reject.test: $(lookup dead@reject.test)"
else
    notok "dead@reject.test suppressed after Postfix's own bounce"
fi
q=$(e2e_send list@sender.test dead@reject.test "$T/plain.eml")
if [ -z "$q" ] && refused dead@reject.test; then
    ok "the next message to it is refused at RCPT TO with the 550 5.7.1 text"
else
    notok "the next message to it is refused at RCPT TO ($(grep -E '^ *<~* *5' "$E2E/swaks.out" | head -n 2))"
fi
# the socketmap's lookups reach the Prometheus file
_n=0
while ! grep -Eq '^bounce_milter_suppression_lookups_total [1-9]' "$E2E/milter/stats.prom" 2>/dev/null &&
    [ "$_n" -lt 50 ]; do
    sleep 0.1
    _n=$((_n + 1))
done
grep -Eq '^bounce_milter_suppression_lookups_total [1-9]' "$E2E/milter/stats.prom" 2>/dev/null &&
    ok "the socketmap's lookups are counted in the stats file" ||
    notok "no lookups in the stats file ($(grep lookups "$E2E/milter/stats.prom" 2>&1 | head -n 2))"
$REPORT --store "sqlite:$DB" events --address dead@reject.test --json >"$T/ev" 2>&1
grep -q '"authenticated": true' "$T/ev" && ok "its event is recorded, authenticated" ||
    notok "its event is recorded, authenticated ($(head -c 300 "$T/ev"))"

# 2. A forged bounce for a subscriber: recorded, not suppressed.
dsn list@sender.test alive@example.com >"$T/forged.eml"
q=$(e2e_send "" list@sender.test "$T/forged.eml")
e2e_wait_removed "$q"
n_ev=0
for _i in $(seq 100); do
    n_ev=$($REPORT --store "sqlite:$DB" events --address alive@example.com --json 2>/dev/null | wc -l)
    [ "$n_ev" -gt 0 ] && break
    sleep 0.1
done
[ "$n_ev" -gt 0 ] && ok "a forged bounce for alive@example.com is recorded" ||
    notok "a forged bounce for alive@example.com is recorded"
$REPORT --store "sqlite:$DB" events --address alive@example.com --json | grep -q '"authenticated": false' &&
    ok "... as not authenticated" || notok "... as not authenticated"
[ -z "$(lookup alive@example.com)" ] && ok "... and alive@example.com is not suppressed" ||
    notok "alive@example.com was suppressed by a forged bounce"
q=$(e2e_send list@sender.test alive@example.com "$T/plain.eml")
[ -n "$q" ] && ok "mail to alive@example.com is still accepted" || notok "mail to alive@example.com refused"

# 3. A bounce to a signed VERP address suppresses.
signed=$($REPORT -c "$E2E/milter.conf" sign bounces+vip=example.org@sender.test)
dsn "$signed" vip@example.org >"$T/verp.eml"
q=$(e2e_send "" "$signed" "$T/verp.eml")
[ -n "$q" ] && ok "a bounce to the signed VERP address $signed is accepted" ||
    notok "a bounce to the signed VERP address is accepted"
if wait_suppressed vip@example.org; then
    ok "the signed VERP bounce suppressed vip@example.org"
else
    notok "the signed VERP bounce suppressed vip@example.org"
fi
q=$(e2e_send list@sender.test vip@example.org "$T/plain.eml")
[ -z "$q" ] && refused vip@example.org &&
    ok "mail to vip@example.org is refused at RCPT TO" || notok "mail to vip@example.org is refused"
# The same bounce with a tag made by a stranger's key does not.
bad=$(printf 'verp_key = "a key only strangers hold";\n' >"$T/stranger.conf" && $REPORT -c "$T/stranger.conf" sign bounces+vip2=example.org@sender.test)
dsn "$bad" vip2@example.org >"$T/bad.eml"
q=$(e2e_send "" "$bad" "$T/bad.eml")
e2e_wait_removed "$q"
sleep 1
[ -z "$(lookup vip2@example.org)" ] && ok "a VERP tag from another key does not suppress" ||
    notok "a VERP tag from another key suppressed vip2@example.org"

e2e_milter_stop && ok "the daemon stops" || notok "the daemon stops within 8 s"
[ ! -e "$SM" ] && ok "the socketmap socket is removed at stop" || notok "socketmap socket left behind"

# The file form: the exported table, postmap'd, refuses the same address
# with the 5.7.1 and text (Postfix's access_map_reject_code, 554).
$REPORT -c "$E2E/milter.conf" export --format postfix >"$E2E/etc/suppressed" &&
    postmap "$E2E/etc/suppressed" &&
    e2e_postconf "smtpd_milters =" \
        "smtpd_recipient_restrictions = check_recipient_access hash:$E2E/etc/suppressed"
q=$(e2e_send list@sender.test vip@example.org "$T/plain.eml")
[ -z "$q" ] && grep -q "^<\*\* *554 5.7.1 <vip@example.org>: Recipient address rejected: recipient suppressed by bounce-milter: [a-z]* since [0-9-]*\$" "$E2E/swaks.out" &&
    ok "the exported table refuses it at RCPT TO with 554 5.7.1 and the text" ||
    notok "the exported table refuses it ($(grep '^<\*\*' "$E2E/swaks.out" | head -n 2))"
finish
