#!/bin/sh
# 41-sendmail-e2e.sh - bounce-milter inside a real, private Sendmail.
#
# Runs Debian's Sendmail unpacked by tests/e2e/sendmail-fetch, called here
# when build/sendmail-root is missing (it is not installed: the package
# would replace Postfix) with the config built from
# tests/e2e/sendmail/e2e.mc.in: 127.0.0.1:2527, delivery to smtp-sink on
# 2528, INPUT_MAIL_FILTER with F=T (tempfail when the milter is down).  The
# milter runs with tests/e2e/milter/actions.conf.in, as in 40-postfix-e2e.sh.
# Sendmail passes no bounce of its own through milters, so there is no
# internal-bounce case here.  Skipped unless root with the unpacked tree.
cd "$(dirname "$0")/../.." || exit 1
REPO=$(pwd)
BUILD=${BUILD:-build}
CORPUS=tests/corpus/sisimai
. tests/e2e/lib.sh
. tests/e2e/sendmail.sh

. tests/tap.sh

[ "$(id -u)" = 0 ] || skip_all "not root"
for p in swaks smtp-sink setpriv; do
    command -v $p >/dev/null 2>&1 || [ -x /usr/sbin/$p ] || skip_all "$p not installed"
done
# Unpack Sendmail once (build/sendmail-root) if it is not there yet.
[ -x "$SM_BIN" ] || tests/e2e/sendmail-fetch >/dev/null 2>&1
why=$(sm_need) || skip_all "$why"
[ -x "$BUILD/bounce-milter" ] || skip_all "$BUILD/bounce-milter not built"
[ -f "$CORPUS/dev/truth.tsv" ] || skip_all "corpus $CORPUS missing"

e2e_init || skip_all "cannot make the instance directory"
trap 'sm_stop; e2e_stop' EXIT
trap 'exit 1' INT TERM
# The daemon re-reads its rules as its own user on SIGUSR1, and the clone may
# sit in a directory only root can enter: it gets a readable copy.
mkdir -p "$E2E/conf" && cp -r conf/rules.conf conf/rules.d conf/formats.conf "$E2E/conf/"
sed "s|@REPO@|$E2E|g" tests/e2e/milter/actions.conf.in >"$E2E/milter.conf"
if ! e2e_milter_start bm "$BUILD/bounce-milter" -e -c "$E2E/milter.conf" \
    -p "unix:$E2E/milter/bm.sock" -u postfix; then
    notok "bounce-milter starts"
    exit 1
fi
if ! sm_start "$E2E/milter/bm.sock"; then
    notok "private Sendmail starts"
    sed 's/^/#   /' "$SM/sendmail.log" | tail -n 5
    exit 1
fi
ok "private Sendmail and bounce-milter start"

# deliver NAME FROM TO FILE: send, wait for the sink's copy (no sink lines).
deliver() {
    QID=$(sm_send "$2" "$3" "$4")
    OUT=$E2E/$1.delivered
    : >"$OUT"
    [ -n "$QID" ] || return 1
    i=0
    while [ -z "$(sm_dump_file "$QID")" ]; do
        i=$((i + 1))
        [ $i -gt 100 ] && return 1
        sleep 0.1
    done
    sleep 0.2
    awk '
        state == 0 && /^X-(Client-Addr|Client-Proto|Helo-Args|Mail-Args|Rcpt-Args): / { next }
        state == 0 && /^Received: from .*/ { state = 1; next }
        state == 1 && /^[ \t]/ { next }
        { state = 2; print }' "$(sm_dump_file "$QID")" >"$OUT"
}
hdr() {
    awk -v name="$1" '
        /^$/ { exit }
        /^[ \t]/ { if (on) v = v " " substr($0, match($0, /[^ \t]/)); next }
        { if (on) print v; on = 0 }
        tolower(substr($0, 1, length(name) + 1)) == tolower(name) ":" {
            on = 1; v = substr($0, length(name) + 2); sub(/^[ \t]*/, "", v) }
        END { if (on) print v }' "$2"
}

f=lhost-postfix-33.eml
want=$(awk -F'\t' -v f=$f '$1 == f && $2 == 0 { print $5 }' "$CORPUS/dev/truth.tsv")
if deliver tag "" bounces@sender.test "$CORPUS/dev/$f"; then
    ok "corpus bounce $f delivered through Sendmail"
else
    notok "corpus bounce $f not delivered: $(grep '^<\*\*' "$E2E/swaks.out" | tail -n 1)"
fi
cls=$(hdr X-Bounce-Class "$E2E/tag.delivered" | head -n 1)
case $cls in
"$want;"*) ok "$f: X-Bounce-Class is $want" ;;
*) notok "$f: X-Bounce-Class '$cls', expected $want" ;;
esac
case $(hdr X-Bounce-Summary "$E2E/tag.delivered") in
*worst=hard*) ok "$f: X-Bounce-Summary worst=hard" ;;
*) notok "$f: no X-Bounce-Summary worst=hard" ;;
esac

printf 'X-Bounce-Class: userunknown; forged=yes\nX-Bounce-Summary: worst=hard; forged=yes\n' \
    >"$E2E/forged.eml"
printf 'From: alice@sender.test\nTo: bob@example.net\nSubject: hello\nDate: Wed, 25 Nov 2026 10:00:00 +0000\nMessage-ID: <sm-1@sender.test>\n\nHello.\n' \
    >>"$E2E/forged.eml"
deliver forged alice@sender.test bob@example.net "$E2E/forged.eml"
if [ ! -s "$E2E/forged.delivered" ]; then
    notok "plain mail with forged headers not delivered"
elif grep -qi '^X-Bounce-' "$E2E/forged.delivered"; then
    notok "forged X-Bounce-* headers removed from plain mail"
else
    ok "plain mail delivered, forged X-Bounce-* headers removed"
fi

f=lhost-postfix-06.eml
subj=$(hdr Subject "$CORPUS/dev/$f")
deliver subject "" bounces@sender.test "$CORPUS/dev/$f"
got=$(hdr Subject "$E2E/subject.delivered")
if [ "$got" = "[Bounce] $subj" ]; then
    ok "subject action: Subject '$got'"
else
    notok "subject action: Subject '$got', expected '[Bounce] $subj'"
fi

# Quarantine: Sendmail keeps the message in its queue with the reason on the
# queue file's q line.
f=lhost-postfix-14.eml
QID=$(sm_send "" bounces@sender.test "$CORPUS/dev/$f")
i=0
while ! grep -qs '^q.*e2e hold: hard bounce' "$SM/queue/"*"$QID" && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
if [ -n "$QID" ] && grep -qs '^q.*e2e hold: hard bounce' "$SM/queue/"*"$QID"; then
    ok "quarantine action: $QID held in the queue with its reason"
else
    notok "quarantine action: no quarantined queue file for '$QID'"
fi
grep -Eqs '^H(\?[^?]*\?)?X-Bounce-Quarantine: *e2e hold' "$SM/queue/"*"$QID"
if [ $? -eq 0 ]; then
    ok "quarantine action: X-Bounce-Quarantine header in the queued message"
else
    notok "quarantine action: no X-Bounce-Quarantine header in the queue file"
fi

f=lhost-postfix-46.eml
QID=$(sm_send "" bounces@sender.test "$CORPUS/dev/$f")
if [ -z "$QID" ] && grep -q '^<\*\* *550 5\.7\.1 e2e: bounce refused' "$E2E/swaks.out"; then
    ok "reject action: swaks sees 550 5.7.1 e2e: bounce refused"
else
    notok "reject action: queue id '$QID', reply $(grep '^<\*\*' "$E2E/swaks.out" | tail -n 1)"
fi
# A sanitizer build (BUILD=build/asan) reports memory errors in its log,
# leaks when it exits: stop it first (SIGTERM, a graceful stop).
sm_stop
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
