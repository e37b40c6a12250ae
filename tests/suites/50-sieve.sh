#!/bin/sh
# 50-sieve.sh - the example Sieve filter (tests/e2e/filters/bounce.sieve) files
# bounces by the headers bounce-milter adds, run with Pigeonhole's sieve-test.
#
# Part 1 feeds it messages whose X-Bounce-* headers are written as
# INTERFACES.md section 1 documents them (the contract mail filters rely on).
# Part 2 feeds it real corpus bounces carrying the headers the daemon itself
# produced: with `bounce-milter -t` (its offline run through the callback
# code) and, when tests/suites/40-postfix-e2e.sh ran before as root, the
# copies the private Postfix delivered ($BUILD/e2e-delivered/).
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
FILTERS=tests/e2e/filters
CORPUS=tests/corpus/sisimai
. tests/tap.sh

command -v sieve-test >/dev/null 2>&1 ||
    skip_all "sieve-test not installed (Debian package dovecot-sieve)"

T=$(mktemp -d /tmp/bounce-sieve.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
chmod 777 "$T"
cp "$FILTERS/bounce.sieve" "$T/"

# sieve-test refuses to run as root; as root, act as nobody (it writes the
# compiled script beside the source, hence the world-writable dir).
SIEVE_OPTS=""
[ "$(id -u)" = 0 ] && SIEVE_OPTS="-o mail_uid=nobody -o mail_gid=nogroup"

# folder_of MSG: the folder the filter files MSG into ("INBOX" for keep).
folder_of() {
    # shellcheck disable=SC2086
    sieve-test $SIEVE_OPTS "$T/bounce.sieve" "$1" 2>"$T/sieve.err" | awk '
        /store message in folder:/ { sub(/.*folder: */, ""); f = $0 }
        /^Implicit keep:/ { k = 1; next }
        k && /store message in folder:/ { sub(/.*folder: */, ""); f = $0 }
        END { print f }'
}

# check NAME MSG WANT
check() {
    got=$(folder_of "$2")
    if [ "$got" = "$3" ]; then
        ok "$1 -> $3"
    else
        notok "$1 -> '$got', expected $3"
        sed 's/^/#   /' "$T/sieve.err" | head -n 5
    fi
}

# --- Part 1: the documented header format ---------------------------------
mkmsg() { # FILE HEADER-LINES...
    f=$1
    shift
    {
        printf 'From: MAILER-DAEMON@mx.example.org\nTo: bounces@example.com\n'
        printf 'Subject: Undelivered Mail Returned to Sender\n'
        for h in "$@"; do printf '%s\n' "$h"; done
        printf 'MIME-Version: 1.0\nContent-Type: text/plain\n\nreport\n'
    } >"$f"
}
mkmsg "$T/hard.eml" \
    'X-Bounce-Class: userunknown; severity=hard; advice=suppress; code=902;' \
    ' status=5.1.1; reply=550; recipient=<kijitora@example.jp>; rule=status-5.1.1' \
    'X-Bounce-Summary: worst=hard; failed=1; delayed=0; hard=1; soft=0; kind=dsn; mta=postfix'
mkmsg "$T/mixed.eml" \
    'X-Bounce-Class: mailboxfull; severity=soft; advice=retry; code=901; status=5.2.2; reply=552; recipient=<a@example.net>; rule=status-5.2.2' \
    'X-Bounce-Class: userunknown; severity=hard; advice=suppress; code=902; status=5.1.1; reply=550; recipient=<b@example.net>; rule=status-5.1.1' \
    'X-Bounce-Summary: worst=hard; failed=2; delayed=0; hard=1; soft=1; kind=dsn; mta=postfix'
mkmsg "$T/soft.eml" \
    'X-Bounce-Class: mailboxfull; severity=soft; advice=retry; code=901;' \
    ' status=4.2.2; reply=452; recipient=<neko@example.jp>; rule=status-4.2.2' \
    'X-Bounce-Summary: worst=soft; failed=0; delayed=1; hard=0; soft=1; kind=dsn; mta=exim'
mkmsg "$T/arf.eml" \
    'X-Bounce-Class: feedback; severity=none; advice=suppress; code=0; recipient=<u@example.org>; detail=abuse' \
    'X-Bounce-Summary: worst=none; failed=1; delayed=0; hard=0; soft=0; kind=arf; mta='
mkmsg "$T/delivered.eml" \
    'X-Bounce-Class: delivered; severity=none; advice=none; code=0; recipient=<u@example.org>' \
    'X-Bounce-Summary: worst=none; failed=0; delayed=0; hard=0; soft=0; kind=dsn; mta=sendmail'
mkmsg "$T/plain.eml" 'X-Mailer: test'
check "documented headers: hard bounce" "$T/hard.eml" Bounces.Hard
check "documented headers: hard+soft recipients" "$T/mixed.eml" Bounces.Hard
check "documented headers: soft bounce" "$T/soft.eml" Bounces.Soft
check "documented headers: feedback report" "$T/arf.eml" Bounces.Complaints
check "documented headers: success DSN" "$T/delivered.eml" Bounces.Other
check "documented headers: plain mail" "$T/plain.eml" INBOX

# --- Part 2: headers made by the daemon -------------------------------------
# with_headers MSG OUT: MSG (mbox From_ line dropped) with the X-Bounce-*
# header lines of `bounce-milter -t MSG` put on top, as the MTA would add them.
with_headers() {
    "$BUILD/bounce-milter" -c "$T/milter.conf" -t "$1" >"$T/t.out" 2>"$T/t.err" || return 1
    awk '
        /^X-Bounce-[A-Za-z-]+:/ { on = 1; print; next }
        on && /^[ \t]/ { print; next }
        { on = 0 }' "$T/t.out" >"$T/hdrs"
    { cat "$T/hdrs"; sed '1{/^From /d;}' "$1"; } >"$2"
}

hard=$CORPUS/dev/lhost-postfix-33.eml
soft=$CORPUS/dev/lhost-postfix-08.eml
not=$CORPUS/not/is-not-bounce-01.eml
if [ ! -x "$BUILD/bounce-milter" ]; then
    echo "ok 7 # SKIP $BUILD/bounce-milter not built"
    n=7
elif [ ! -f "$hard" ] || [ ! -f "$soft" ] || [ ! -f "$not" ]; then
    echo "ok 7 # SKIP corpus ($CORPUS) missing"
    n=7
else
    mkdir -p "$T/conf" && cp -r conf/rules.conf conf/rules.d conf/formats.conf "$T/conf/"
    sed "s|@REPO@|$T|g" tests/e2e/milter/tag.conf.in >"$T/milter.conf"
    for c in hard soft not; do
        eval src=\$$c
        if with_headers "$src" "$T/m-$c.eml"; then
            case $c in
            hard) want=Bounces.Hard ;;
            soft) want=Bounces.Soft ;;
            not) want=INBOX ;;
            esac
            check "bounce-milter -t on $(basename "$src")" "$T/m-$c.eml" $want
        else
            notok "bounce-milter -t $(basename "$src") failed"
            sed 's/^/#   /' "$T/t.err" | head -n 5
        fi
    done
fi

# Copies delivered by the private Postfix in 40-postfix-e2e.sh, if it ran.
for f in "$BUILD"/e2e-delivered/*.eml; do
    [ -f "$f" ] || continue
    case $(basename "$f") in
    hard-*) want=Bounces.Hard ;;
    soft-*) want=Bounces.Soft ;;
    plain-*) want=INBOX ;;
    *) continue ;;
    esac
    # sieve-test reads it as nobody, who may not enter the clone's directory
    cp "$f" "$T/delivered.eml" && chmod 644 "$T/delivered.eml"
    check "delivered by Postfix: $(basename "$f")" "$T/delivered.eml" $want
done
echo "1..$n"
