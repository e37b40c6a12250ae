#!/bin/sh
# 40-postfix-e2e.sh - bounce-milter inside a real, private Postfix instance.
#
# Starts Postfix from tests/e2e/postfix/*.in in a temp dir (smtpd on
# 127.0.0.1:2525, delivery to smtp-sink on 2526, a second sink on 2529 that
# refuses every RCPT so Postfix writes its own bounces), starts
# build/bounce-milter with tests/e2e/milter/actions.conf.in as user postfix,
# sends real corpus bounces and plain mail with swaks, and checks what the
# sink received, what sits in the hold queue and what swaks was told.
# milter_default_action = tempfail: a dead milter fails the tests.
# Needs root and the postfix and swaks packages, else it is skipped.
# E2E_KEEP=1 keeps the temp dir for a look afterwards; BUILD=build/asan runs
# the sanitizer build of the daemon.
cd "$(dirname "$0")/../.." || exit 1
REPO=$(pwd)
BUILD=${BUILD:-build}
CORPUS=tests/corpus/sisimai
. tests/e2e/lib.sh

. tests/tap.sh
# check COND-EXIT-STATUS DESCRIPTION
check() {
    if [ "$1" -eq 0 ]; then ok "$2"; else notok "$2"; fi
}

why=$(e2e_need) || skip_all "$why"
[ -x "$BUILD/bounce-milter" ] || skip_all "$BUILD/bounce-milter not built"
[ -f "$CORPUS/dev/truth.tsv" ] || skip_all "corpus $CORPUS missing"

e2e_init || skip_all "cannot make the instance directory"
trap 'e2e_stop' EXIT
trap 'exit 1' INT TERM
# The daemon re-reads its rules as its own user on SIGUSR1, and the clone may
# sit in a directory only root can enter: it gets a readable copy.
mkdir -p "$E2E/conf" && cp -r conf/rules.conf conf/rules.d conf/formats.conf "$E2E/conf/"
sed "s|@REPO@|$E2E|g" tests/e2e/milter/actions.conf.in >"$E2E/milter.conf"
SAVE=$BUILD/e2e-delivered
rm -rf "$SAVE"
mkdir -p "$SAVE"

# Postfix's own bounces pass the milter too (they go through the dedicated
# cleanup service bounce-cleanup, which names itself bounce-internal to it;
# see master.cf.in).
postconf -c "$E2E/etc" -e "smtpd_milters = unix:$E2E/milter/bm.sock" \
    "non_smtpd_milters = unix:$E2E/milter/bm.sock" "internal_mail_filter_classes = bounce"
if ! e2e_milter_start bm "$BUILD/bounce-milter" -e -c "$E2E/milter.conf" \
    -p "unix:$E2E/milter/bm.sock" -u postfix; then
    notok "bounce-milter starts"
    exit 1
fi
ok "bounce-milter starts on $E2E/milter/bm.sock"
# It drops root before creating the socket: both belong to postfix.
owner=$(stat -c %U:%G "$E2E/milter/bm.sock")
uid=$(awk '/^Uid:/ { print $3 }' "/proc/$E2E_MILTER_PID/status")
if [ "$owner" = postfix:postfix ] && [ "$uid" = "$(id -u postfix)" ]; then
    ok "socket owned by postfix:postfix, daemon runs as postfix"
else
    notok "socket owned by $owner, daemon effective uid $uid (expected postfix)"
fi
if ! e2e_start; then
    notok "private Postfix starts"
    exit 1
fi

# truth CORPUS-FILE: the expected class of its first recipient.
truth() {
    awk -F'\t' -v f="$1" '$1 == f && $2 == 0 { print $5 }' "$CORPUS/dev/truth.tsv"
}

# send_bounce NAME FILE [TO]: send a corpus bounce with the null sender;
# sets QID and DUMP (the delivered copy, headers and body).
send_bounce() {
    QID=$(e2e_send "" "${3:-bounces@sender.test}" "$2")
    DUMP=$E2E/$1.delivered
    : >"$DUMP"
    [ -n "$QID" ] || return 1
    e2e_wait_removed "$QID" && e2e_dump "$QID" >"$DUMP"
}

# counter NAME: the milter's counter bounce_milter_NAME_total from its
# stats file (written every second), 0 before the first write.
counter() {
    awk -v n="bounce_milter_$1_total" '$1 == n { v = $2 } END { print v + 0 }' \
        "$E2E/milter/stats.prom" 2>/dev/null || echo 0
}

# wait_counter NAME VALUE: wait up to 5 s until counter NAME reaches VALUE.
wait_counter() {
    _n=0
    while [ "$(counter "$1")" -lt "$2" ] && [ "$_n" -lt 50 ]; do
        sleep 0.1
        _n=$((_n + 1))
    done
    [ "$(counter "$1")" -ge "$2" ]
}

# pickup_send FROM TO FILE: submit FILE with Postfix's sendmail(1) (postdrop,
# pickup, the shared cleanup service), as fetchmail or a list manager
# re-injecting mail would; sets QID (empty if Postfix never picked it up).
pickup_send() {
    _before=$(grep -c 'postfix/pickup\[' "$E2E/maillog")
    sed '1{/^From /d;}' "$3" | sendmail -C "$E2E/etc" -f "$1" "$2"
    _n=0
    while [ "$(grep -c 'postfix/pickup\[' "$E2E/maillog")" -le "$_before" ] && [ "$_n" -lt 100 ]; do
        sleep 0.1
        _n=$((_n + 1))
    done
    QID=$(sed -n 's/.*postfix\/pickup\[[0-9]*\]: \([0-9A-F]*\): .*/\1/p' "$E2E/maillog" | tail -n 1)
    [ "$_n" -lt 100 ] || QID=""
}

# hdr NAME FILE: the unfolded values of header NAME in FILE's header section.
hdr() {
    awk -v name="$1" '
        /^$/ { exit }
        /^[ \t]/ { if (on) v = v " " substr($0, match($0, /[^ \t]/)); next }
        { if (on) print v; on = 0 }
        tolower(substr($0, 1, length(name) + 1)) == tolower(name) ":" {
            on = 1; v = substr($0, length(name) + 2); sub(/^[ \t]*/, "", v) }
        END { if (on) print v }' "$2"
}

# --- a real bounce, headers only ---------------------------------------
f=lhost-postfix-33.eml
want=$(truth $f)
send_bounce tag "$CORPUS/dev/$f"
check $? "corpus bounce $f accepted and delivered"
cls=$(hdr X-Bounce-Class "$E2E/tag.delivered" | head -n 1)
case $cls in
"$want;"*) ok "$f: X-Bounce-Class is $want" ;;
*) notok "$f: X-Bounce-Class '$cls', expected class $want" ;;
esac
sum=$(hdr X-Bounce-Summary "$E2E/tag.delivered")
case $sum in
*worst=hard*) ok "$f: X-Bounce-Summary worst=hard ($sum)" ;;
*) notok "$f: X-Bounce-Summary '$sum', expected worst=hard" ;;
esac
case $cls in
*"recipient=<userunknown@libsisimai.org>"*) ok "$f: recipient named in X-Bounce-Class" ;;
*) notok "$f: recipient not in X-Bounce-Class '$cls'" ;;
esac
cp "$E2E/tag.delivered" "$SAVE/hard-$f"

f=lhost-postfix-08.eml
send_bounce soft "$CORPUS/dev/$f"
sum=$(hdr X-Bounce-Summary "$E2E/soft.delivered")
case $sum in
*worst=soft*) ok "$f ($(truth $f)): X-Bounce-Summary worst=soft" ;;
*) notok "$f: X-Bounce-Summary '$sum', expected worst=soft" ;;
esac
cp "$E2E/soft.delivered" "$SAVE/soft-$f"

# --- plain mail passes untouched ----------------------------------------
cat >"$E2E/plain.eml" <<'EOF'
From: Alice Example <alice@sender.test>
To: Bob Example <bob@example.net>
Subject: Quarterly figures
Date: Wed, 25 Nov 2026 10:00:00 +0000
Message-ID: <plain-1@sender.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
X-Mailer: e2e
  folded continuation of X-Mailer

Hello Bob,

the figures are attached in spirit.  Ünïcödé survives, and so does a line
. that starts with a dot, and one that is only a dot:
.
Regards,
Alice
EOF
QID=$(e2e_send alice@sender.test bob@example.net "$E2E/plain.eml")
e2e_wait_removed "$QID" && e2e_dump "$QID" >"$E2E/plain.delivered"
check $? "plain mail delivered"
# Drop Postfix's own Received header (the first header line and its folds).
awk 'NR == 1 && /^Received:/ { skip = 1; next } skip && /^[ \t]/ { next } { skip = 0; print }' \
    "$E2E/plain.delivered" >"$E2E/plain.cmp"
if cmp -s "$E2E/plain.eml" "$E2E/plain.cmp"; then
    ok "plain mail arrives byte-identical apart from Received"
else
    notok "plain mail changed on the way:"
    diff "$E2E/plain.eml" "$E2E/plain.cmp" | head -n 10 | sed 's/^/#   /'
fi
cp "$E2E/plain.delivered" "$SAVE/plain-1.eml"

# --- forged X-Bounce-* headers are removed -------------------------------
{
    printf 'X-Bounce-Class: userunknown; severity=hard; forged=yes\n'
    printf 'X-Bounce-Summary: worst=hard; forged=yes\n'
    cat "$E2E/plain.eml"
} >"$E2E/forged.eml"
QID=$(e2e_send alice@sender.test bob@example.net "$E2E/forged.eml")
e2e_wait_removed "$QID" && e2e_dump "$QID" >"$E2E/forged.delivered"
check $? "plain mail with forged X-Bounce-* headers delivered"
if grep -qi '^X-Bounce-' "$E2E/forged.delivered"; then
    notok "forged X-Bounce-* headers removed from plain mail"
    grep -i '^X-Bounce-' "$E2E/forged.delivered" | sed 's/^/#   /'
else
    ok "forged X-Bounce-* headers removed from plain mail"
fi

f=lhost-postfix-33.eml
{
    printf 'X-Bounce-Class: vacation; severity=none; forged=yes\n'
    printf 'X-Bounce-Summary: worst=none; forged=yes\n'
    sed '1{/^From /d;}' "$CORPUS/dev/$f"
} >"$E2E/forged-bounce.eml"
send_bounce forged-bounce "$E2E/forged-bounce.eml"
if grep -qi 'forged=yes' "$E2E/forged-bounce.delivered"; then
    notok "forged X-Bounce-* headers removed from a bounce"
elif hdr X-Bounce-Summary "$E2E/forged-bounce.delivered" | grep -q worst=hard; then
    ok "forged X-Bounce-* headers on a bounce replaced by the milter's own"
else
    notok "bounce with forged headers: no X-Bounce-Summary worst=hard after removal"
fi

# --- reports from ordinary senders: auto-reply, feedback report ---------
f=rfc3834-01.eml
from=$(sed -n 's/^Return-[Pp]ath: *<\(.*\)>.*/\1/p' "$CORPUS/dev/$f" | head -n 1)
QID=$(e2e_send "$from" bounces@sender.test "$CORPUS/dev/$f")
e2e_wait_removed "$QID" && e2e_dump "$QID" >"$E2E/autoreply.delivered"
cls=$(hdr X-Bounce-Class "$E2E/autoreply.delivered" | head -n 1)
case $cls in
"$(truth $f);"*) ok "auto-reply from <$from> ($f): X-Bounce-Class $(truth $f)" ;;
*) notok "auto-reply from <$from> ($f): X-Bounce-Class '$cls', expected $(truth $f)" ;;
esac

f=arf-02.eml
QID=$(e2e_send abuse@feedback.test bounces@sender.test "$CORPUS/dev/$f")
e2e_wait_removed "$QID" && e2e_dump "$QID" >"$E2E/arf.delivered"
cls=$(hdr X-Bounce-Class "$E2E/arf.delivered" | head -n 1)
case $cls in
"$(truth $f);"*) ok "feedback report from a normal sender ($f): X-Bounce-Class $(truth $f)" ;;
*) notok "feedback report ($f): X-Bounce-Class '$cls', expected $(truth $f)" ;;
esac

# --- actions (tests/e2e/milter/actions.conf.in, by failed domain) --------
f=lhost-postfix-06.eml
subj=$(hdr Subject "$CORPUS/dev/$f")
send_bounce subject "$CORPUS/dev/$f"
got=$(hdr Subject "$E2E/subject.delivered")
if [ "$got" = "[Bounce] $subj" ]; then
    ok "subject action: Subject '$got'"
else
    notok "subject action: Subject '$got', expected '[Bounce] $subj'"
fi

f=lhost-postfix-14.eml
QID=$(e2e_send "" bounces@sender.test "$CORPUS/dev/$f")
e2e_wait_log "$QID: milter-hold" 100
check $? "quarantine action: Postfix logs milter-hold for $f"
postqueue -c "$E2E/etc" -j >"$E2E/queue.json" 2>&1
grep "\"queue_id\": *\"$QID\"" "$E2E/queue.json" | grep -q '"queue_name": *"hold"'
check $? "quarantine action: message $QID is in the hold queue (postqueue -j)"
reason=$(postcat -c "$E2E/etc" -hq "$QID" 2>/dev/null | sed -n 's/^X-Bounce-Quarantine: *//p')
case $reason in
*"e2e hold: hard bounce"*) ok "quarantine action: X-Bounce-Quarantine: $reason" ;;
*) notok "quarantine action: X-Bounce-Quarantine '$reason'" ;;
esac
postsuper -c "$E2E/etc" -d "$QID" hold >/dev/null 2>&1

f=lhost-postfix-30.eml
send_bounce redirect "$CORPUS/dev/$f"
rcpts=$(e2e_sink_rcpts "$QID" | tr '\n' ' ')
if [ "$rcpts" = "redirect@archive.test " ]; then
    ok "redirect action: delivered to redirect@archive.test only"
else
    notok "redirect action: recipients '$rcpts'"
fi

f=lhost-postfix-16.eml
send_bounce copy "$CORPUS/dev/$f"
rcpts=$(e2e_sink_rcpts "$QID" | tr '\n' ' ')
if [ "$rcpts" = "bounces@sender.test copy@archive.test " ]; then
    ok "copy action: delivered to bounces@sender.test and copy@archive.test"
else
    notok "copy action: recipients '$rcpts'"
fi

f=lhost-postfix-57.eml
send_bounce strip "$CORPUS/dev/$f"
if ! grep -qi 'message/delivery-status' "$E2E/strip.delivered"; then
    notok "strip action: the delivery report itself is gone"
elif grep -qiE '^Content-Type: *(message/rfc822|text/rfc822-headers)' "$E2E/strip.delivered"; then
    notok "strip action: returned original still there"
elif ! grep -qi '^X-Bounce-Class:' "$E2E/strip.delivered"; then
    notok "strip action: no X-Bounce-Class header"
else
    ok "strip action: returned original removed, report and headers kept"
fi

f=lhost-postfix-46.eml
QID=$(e2e_send "" bounces@sender.test "$CORPUS/dev/$f")
if [ -z "$QID" ] && grep -q '^<\*\* *550 5\.7\.1 e2e: bounce refused' "$E2E/swaks.out"; then
    ok "reject action: swaks sees 550 5.7.1 e2e: bounce refused"
else
    notok "reject action: queue id '$QID', reply $(grep '^<\*\*' "$E2E/swaks.out" | tail -n 1)"
fi

f=lhost-postfix-76.eml
QID=$(e2e_send "" bounces@sender.test "$CORPUS/dev/$f")
e2e_wait_log "$QID: milter-discard" 100 && sleep 1 && [ -z "$(e2e_dump_file "$QID")" ]
check $? "discard action: accepted ($QID), discarded, nothing delivered"

# --- Postfix's own bounce (non_smtpd_milters, internal_mail_filter_classes) -
internal0=$(counter internal)
QID=$(e2e_send owner@sender.test someone@reject.test "$E2E/plain.eml")
: >"$E2E/own.delivered"
e2e_wait_log "$QID: sender non-delivery notification: [0-9A-F]+" 100
BQID=$(sed -n "s/.*$QID: sender non-delivery notification: \([0-9A-F]*\).*/\1/p" "$E2E/maillog")
if [ -n "$BQID" ] && e2e_wait_removed "$BQID" 100 && ! grep -q "$BQID: milter-reject" "$E2E/maillog" &&
    e2e_dump "$QID" >"$E2E/own.delivered"; then
    ok "Postfix's own bounce $BQID delivered despite a matching reject action"
else
    notok "Postfix's own bounce '$BQID' for $QID not delivered"
    grep -E "$QID|${BQID:-none}" "$E2E/maillog" | tail -n 5 | sed 's/^/#   /'
fi
grep -q '^X-Rcpt-Args: <owner@sender.test>' "$(e2e_dump_file "$QID")" 2>/dev/null
check $? "Postfix's own bounce went to the sender owner@sender.test"
cls=$(hdr X-Bounce-Class "$E2E/own.delivered" | head -n 1)
case $cls in
userunknown\;*"recipient=<someone@reject.test>"*) ok "Postfix's own bounce: X-Bounce-Class $cls" ;;
*) notok "Postfix's own bounce: X-Bounce-Class '$cls', expected userunknown for someone@reject.test" ;;
esac
hdr X-Bounce-Summary "$E2E/own.delivered" | grep -q 'worst=hard'
check $? "Postfix's own bounce: X-Bounce-Summary worst=hard"
[ -s "$E2E/own.delivered" ] && cp "$E2E/own.delivered" "$SAVE/hard-postfix-own.eml"
grep -q "postfix/bounce-cleanup/cleanup\[[0-9]*\]: ${BQID:-none}: " "$E2E/maillog"
check $? "Postfix's own bounce went through the dedicated bounce-cleanup service"
wait_counter internal $((internal0 + 1)) && [ "$(counter internal)" -eq $((internal0 + 1)) ]
check $? "Postfix's own bounce counted once as internal ($internal0 -> $(counter internal))"

# --- a bounce submitted with sendmail(1) is not Postfix's own -------------
# Only the bounce, defer and trace services use bounce-cleanup: a bounce that
# a local program re-injects through pickup gets every action, like one that
# arrives over SMTP, and is not counted as internal.
internal0=$(counter internal)
bounces0=$(counter bounces)
f=lhost-postfix-30.eml
pickup_send "" bounces@sender.test "$CORPUS/dev/$f"
rcpts=""
[ -n "$QID" ] && e2e_wait_removed "$QID" && rcpts=$(e2e_sink_rcpts "$QID" | tr '\n' ' ')
if [ "$rcpts" = "redirect@archive.test " ]; then
    ok "sendmail(1) bounce $f: redirect action carried out (delivered to redirect@archive.test only)"
else
    notok "sendmail(1) bounce $f ($QID): recipients '$rcpts', expected redirect@archive.test only"
fi
grep -q "postfix/cleanup\[[0-9]*\]: ${QID:-none}: " "$E2E/maillog"
check $? "sendmail(1) bounce went through the shared cleanup service"
f=lhost-postfix-57.eml
pickup_send "" bounces@sender.test "$CORPUS/dev/$f"
: >"$E2E/pickup-strip.delivered"
[ -n "$QID" ] && e2e_wait_removed "$QID" && e2e_dump "$QID" >"$E2E/pickup-strip.delivered"
if grep -qi 'message/delivery-status' "$E2E/pickup-strip.delivered" &&
    ! grep -qiE '^Content-Type: *(message/rfc822|text/rfc822-headers)' "$E2E/pickup-strip.delivered"; then
    ok "sendmail(1) bounce $f: strip action carried out"
else
    notok "sendmail(1) bounce $f ($QID): not delivered, or the returned original is still there"
fi
wait_counter bounces $((bounces0 + 2))
check $? "sendmail(1) bounces classified ($bounces0 -> $(counter bounces) bounces)"
if [ "$(counter internal)" -eq "$internal0" ]; then
    ok "sendmail(1) bounces not counted as internal"
else
    notok "sendmail(1) bounces counted as internal ($internal0 -> $(counter internal))"
fi

# --- SIGUSR1 reloads the config; a broken one is refused ------------------
f=lhost-postfix-33.eml
sed 's|^actions = (|actions = (\n  { match = { class = "userunknown"; }; action = "subject"; prefix = "[Reloaded] "; },|' \
    "$E2E/milter.conf" >"$E2E/milter.conf.new" && mv "$E2E/milter.conf.new" "$E2E/milter.conf"
kill -USR1 "$E2E_MILTER_PID"
sleep 1
send_bounce reload "$CORPUS/dev/$f"
case $(hdr Subject "$E2E/reload.delivered") in
"[Reloaded] "*) ok "SIGUSR1: the new config's action applies to the next bounce" ;;
*) notok "SIGUSR1: Subject '$(hdr Subject "$E2E/reload.delivered")', expected the [Reloaded] prefix" ;;
esac
echo 'actions = ( { action = "no-such-action"; } );' >>"$E2E/milter.conf"
kill -USR1 "$E2E_MILTER_PID"
sleep 1
send_bounce reload2 "$CORPUS/dev/$f"
if kill -0 "$E2E_MILTER_PID" 2>/dev/null &&
    hdr Subject "$E2E/reload2.delivered" | grep -q '^\[Reloaded\] '; then
    ok "SIGUSR1 with a broken config: refused, the daemon goes on with the old one"
else
    notok "SIGUSR1 with a broken config: daemon gone or config changed"
fi

# --- nothing went wrong on the way ----------------------------------------
if grep -E 'warning: .*[Mm]ilter|451 4\.7\.1' "$E2E/maillog" | grep -v 'lost connection' >"$E2E/warn"; then
    notok "no milter warnings in the maillog"
    head -n 5 "$E2E/warn" | sed 's/^/#   /'
else
    ok "no milter warnings in the maillog"
fi
# A sanitizer build (BUILD=build/asan) reports memory errors in its log,
# leaks when it exits: stop it first (SIGTERM, a graceful stop).
postfix -c "$E2E/etc" stop >/dev/null 2>&1
E2E_POSTFIX_UP=""
if e2e_milter_stop; then
    ok "bounce-milter exits on SIGTERM"
else
    notok "bounce-milter still running 8 s after SIGTERM (killed)"
fi
if grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$E2E_MILTER_LOG"; then
    notok "sanitizer report in the milter's log"
    grep -E -A3 'ERROR: AddressSanitizer|runtime error:' "$E2E_MILTER_LOG" | head -n 8 | sed 's/^/#   /'
else
    ok "no sanitizer report in the milter's log"
fi
echo "1..$n"
