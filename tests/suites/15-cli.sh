#!/bin/sh
# 15-cli.sh - bounce-classify's contract (INTERFACES.md section 2): input
# kinds (file, mbox, maildir, folder, stdin), JSON Lines shape, error
# objects and exit status, CSV/TSV/table/explain, options.  TAP.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
BOUNCE_RULES=${BOUNCE_RULES:-$PWD/conf/rules.conf}
export BOUNCE_RULES
CLI=$BUILD/bounce-classify
JC=$BUILD/tests/json-check
D=tests/corpus/sisimai/dev
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0 failed=0

check() { # check DESCRIPTION COMMAND...: the command's exit status decides
    desc=$1
    shift
    n=$((n + 1))
    if "$@" >/dev/null 2>&1; then
        echo "ok $n - $desc"
    else
        echo "not ok $n - $desc"
        failed=$((failed + 1))
    fi
}
has() { grep -q -- "$2" "$1"; }                  # has FILE REGEX
lines() { [ "$(grep -c '' "$1")" -eq "$2" ]; }   # lines FILE COUNT

# A Postfix bounce for one recipient, used as the base of the inputs below.
msg=$tmp/bounce.eml
cat >"$msg" <<'MSG'
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: sender@example.com
Subject: Undelivered Mail Returned to Sender
Date: Mon, 23 Nov 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

<kijitora@Example.JP>: host mx.example.jp said: 550 5.1.1 <kijitora@example.jp>...
    User Unknown (in reply to RCPT TO command)

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; kijitora@Example.JP
Action: failed
Status: 5.0.0
Remote-MTA: dns; mx.example.jp
Diagnostic-Code: smtp; 550 5.1.1 <kijitora@example.jp>... User Unknown

--B
Content-Type: message/rfc822

From: sender@example.com
To: kijitora@example.jp
Subject: hello
Message-ID: <original@example.com>

hello
--B--
MSG
ham=$tmp/ham.eml
printf 'From: a@example.com\nTo: b@example.org\nSubject: lunch\n\nSee you at noon.\n' >"$ham"

# --json on one file
"$CLI" --json "$msg" >"$tmp/out" 2>"$tmp/err"
check "--json exits 0" test $? -eq 0
check "--json gives one line" lines "$tmp/out" 1
check "--json line has the documented shape" "$JC" <"$tmp/out"
check "source is the path as given" has "$tmp/out" "^{\"source\": \"$msg\", \"bounce\": true"
check "status is the most specific code (5.1.1 from Diagnostic-Code)" \
    has "$tmp/out" '"status": "5.1.1"'
check "address has its domain lower-cased" has "$tmp/out" '"address": "kijitora@example.jp"'
check "code is a number" has "$tmp/out" '"code": [0-9]'
check "message_id of the returned original" has "$tmp/out" '"message_id": "<original@example.com>"'
"$CLI" --json "$ham" >"$tmp/out"
check "ordinary mail: bounce false, no recipients" \
    has "$tmp/out" '"bounce": false, .*"recipients": \[\]}$'

# standard input
"$CLI" --json - <"$msg" >"$tmp/out"
check "'-' reads standard input, source \"-\"" has "$tmp/out" '^{"source": "-", "bounce": true'
"$CLI" --json <"$msg" >"$tmp/out"
check "no PATH reads standard input" has "$tmp/out" '^{"source": "-", "bounce": true'
"$CLI" <"$msg" >"$tmp/out"
check "JSON Lines is the default on a pipe" "$JC" <"$tmp/out"

# mbox: several messages -> path:N; one message with a From_ line -> path
{ echo "From MAILER-DAEMON Mon Nov 23 10:00:00 2026"; cat "$msg"; echo
  echo "From a@example.com Mon Nov 23 10:01:00 2026"; cat "$ham"; echo
  echo "From MAILER-DAEMON Mon Nov 23 10:02:00 2026"; cat "$msg"; } >"$tmp/box"
"$CLI" --json "$tmp/box" >"$tmp/out"
check "mbox of 3 messages gives 3 lines" lines "$tmp/out" 3
check "mbox sources are path:1..3" sh -c "grep -q '\"$tmp/box:1\", \"bounce\": true' '$tmp/out' &&
    grep -q '\"$tmp/box:2\", \"bounce\": false' '$tmp/out' && grep -q '\"$tmp/box:3\"' '$tmp/out'"
{ echo "From MAILER-DAEMON Mon Nov 23 10:00:00 2026"; cat "$msg"; } >"$tmp/one"
"$CLI" --json "$tmp/one" >"$tmp/out"
check "a single message with a From_ line is one object with the plain path" \
    sh -c "grep -c '' '$tmp/out' | grep -qx 1 && grep -q '^{\"source\": \"$tmp/one\", \"bounce\": true' '$tmp/out'"
# line endings as they really arrive: CRLF and lone CR read like LF
"$CLI" --json "$msg" | sed "s|$msg|X|" >"$tmp/lf.out"
sed 's/$/\r/' "$msg" >"$tmp/crlf.eml"
"$CLI" --json "$tmp/crlf.eml" | sed "s|$tmp/crlf.eml|X|" >"$tmp/crlf.out"
check "a CRLF message gives the same answer as LF" cmp "$tmp/lf.out" "$tmp/crlf.out"
tr '\n' '\r' <"$tmp/one" >"$tmp/cr.eml"
"$CLI" --json "$tmp/cr.eml" | sed "s|$tmp/cr.eml|X|" >"$tmp/cr.out"
check "a lone-CR file with a From_ line gives the same answer as LF" cmp "$tmp/lf.out" "$tmp/cr.out"
{ echo "From a@example.com Mon Nov 23 10:01:00 2026"; printf 'Subject: x\n\nhi\n\n>From here on\nFrom me to you\n'; } >"$tmp/esc"
"$CLI" --json "$tmp/esc" >"$tmp/out"
check "'>From' and a bare 'From ' line in a body do not split a message" lines "$tmp/out" 1

# directories: maildir (cur, new; tmp skipped) and plain folders, in name order
mkdir -p "$tmp/md/cur" "$tmp/md/new" "$tmp/md/tmp" "$tmp/dir/sub"
cp "$msg" "$tmp/md/cur/2"; cp "$ham" "$tmp/md/new/1"; cp "$msg" "$tmp/md/tmp/3"
cp "$msg" "$tmp/dir/b.eml"; cp "$ham" "$tmp/dir/a.eml"; cp "$msg" "$tmp/dir/sub/c.eml"
"$CLI" --json "$tmp/md" >"$tmp/out"
check "maildir: cur/ and new/ are read, tmp/ is not" \
    sh -c "grep -c '' '$tmp/out' | grep -qx 2 && ! grep -q '/tmp/3' '$tmp/out'"
"$CLI" --json "$tmp/dir" | sed 's/", .*//; s/.*"source": "//' >"$tmp/out"
printf '%s\n' "$tmp/dir/a.eml" "$tmp/dir/b.eml" "$tmp/dir/sub/c.eml" >"$tmp/want"
check "folders are walked recursively in name order" cmp "$tmp/out" "$tmp/want"

# unreadable input: an error object, the rest processed, exit status 1
"$CLI" --json "$msg" "$tmp/missing.eml" "$ham" >"$tmp/out" 2>/dev/null
rc=$?
check "a missing file: exit status 1" test "$rc" -eq 1
check "a missing file: error object on its line, others still processed" \
    sh -c "grep -c '' '$tmp/out' | grep -qx 3 &&
    sed -n 2p '$tmp/out' | grep -q '^{\"source\": \"$tmp/missing.eml\", \"error\": \"'"
check "the error object passes the contract check" "$JC" <"$tmp/out"

# rules that fail to load: file:line on stderr, exit 2
printf 'rules = (\n  { id = "x"; class = "userunknown"; \n  oops oops\n);\n' >"$tmp/bad.conf"
"$CLI" --rules "$tmp/bad.conf" "$msg" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "bad rules file: exit status 2" test "$rc" -eq 2
check "bad rules file: file:line on stderr" has "$tmp/err" "$tmp/bad.conf:[0-9]"
"$CLI" --rules "$tmp/nonexistent.conf" "$msg" >/dev/null 2>&1
check "missing rules file: exit status 2" test $? -eq 2

# CSV / TSV: header, one row per recipient, one row for a non-bounce
"$CLI" --csv "$msg" "$ham" >"$tmp/out"
check "--csv: header and two rows" lines "$tmp/out" 3
check "--csv: header names the JSON fields" has "$tmp/out" \
    '^source,bounce,kind,mta,message_id,date,address,action,status,reply_code,class,severity,advice,code,'
check "--csv: the non-bounce row says false" has "$tmp/out" "^$ham,false,"
"$CLI" --tsv "$msg" "$ham" >"$tmp/out"
check "--tsv: every row has the header's number of fields" \
    sh -c "awk -F'\t' 'NR==1{n=NF} NF!=n{exit 1}' '$tmp/out' && grep -c '' '$tmp/out' | grep -qx 3"

# table, --explain, --lang (wide enough for whole cells)
COLUMNS=200 "$CLI" --table "$msg" >"$tmp/out"
check "--table: a header and the recipient" sh -c "head -1 '$tmp/out' | grep -q '^SOURCE' &&
    grep -q 'kijitora@example.jp' '$tmp/out'"
COLUMNS=200 "$CLI" --table --lang zh-TW "$msg" >"$tmp/zh"
check "--lang zh-TW changes the description" sh -c "! cmp -s '$tmp/out' '$tmp/zh'"
check "--table: an ADVICE column with the recipient's advice" sh -c "head -1 '$tmp/out' |
    grep -q ' ADVICE ' && grep -q 'kijitora@example.jp .* suppress ' '$tmp/out'"
"$CLI" --table --lang zh-TW "$ham" >"$tmp/zh"
check "--lang zh-TW: 'not a bounce' translated" sh -c "grep -q '不是退信' '$tmp/zh' &&
    ! grep -q 'not a bounce' '$tmp/zh'"
# the table fits the terminal: \$COLUMNS, else 80 when not a terminal; long
# cells cut with an ellipsis (display width, CJK counted double)
width() { LC_ALL=C.UTF-8 wc -L <"$1"; }
COLUMNS=60 "$CLI" --table --lang zh-TW "$D"/*.eml >"$tmp/out"
check "--table: COLUMNS=60 gives lines of at most 60 columns" test "$(width "$tmp/out")" -le 60
check "--table: long cells cut with an ellipsis" grep -q '…' "$tmp/out"
(unset COLUMNS; "$CLI" --table "$D"/*.eml >"$tmp/out")
check "--table: at most 80 columns when not on a terminal" test "$(width "$tmp/out")" -le 80
COLUMNS=400 "$CLI" --table "$D"/*.eml >"$tmp/out"
check "--table: a wide terminal gets whole cells" sh -c "! grep -q '…' '$tmp/out'"
"$CLI" --json --explain "$msg" >"$tmp/out"
check "--explain --json adds a non-empty explain array" has "$tmp/out" '"explain": \["'
check "--explain output still passes the contract check" "$JC" <"$tmp/out"
"$CLI" --table --explain "$msg" >"$tmp/out"
check "--explain --table prints trace lines" sh -c "[ \$(grep -c '' '$tmp/out') -gt 2 ]"

# text from outside reaches a terminal or a spreadsheet without control characters
evil=$(printf '%s/evil\033]0;title\007\342\200\256name.eml' "$tmp")
cp "$msg" "$evil"
"$CLI" --table "$evil" >"$tmp/out"
"$CLI" --csv "$evil" >>"$tmp/out"
check "--table/--csv: no escape, bell or bidi override from a file name" \
    sh -c "! LC_ALL=C grep -q \"\$(printf '[\\033\\007]\\|\\342\\200\\256')\" '$tmp/out'"
"$CLI" --json "$evil" >"$tmp/out"
check "--json: control characters in a source are escaped" sh -c "grep -q 'evil\\\\u001b' '$tmp/out' && '$JC' <'$tmp/out'"

# options
check "-V prints the version" sh -c "'$CLI' -V | grep -q '^bounce-classify [0-9]'"
for h in -h --help; do
    "$CLI" $h >"$tmp/out" 2>"$tmp/err"
    check "$h prints the usage to stdout and exits 0" sh -c "[ $? -eq 0 ] &&
        grep -q '^usage: bounce-classify' '$tmp/out' && [ ! -s '$tmp/err' ]"
done

# the regex cache: never written as root, nor into a home that cannot be
# written (and such a home is no error)
mkdir "$tmp/home"
[ "$(id -u)" = 0 ] || chmod 555 "$tmp/home"
(unset BOUNCE_CACHE XDG_CACHE_HOME; HOME=$tmp/home "$CLI" --json "$msg" >"$tmp/out" 2>"$tmp/err")
check "no regex cache as root or in an unwritable home" sh -c "[ ! -e '$tmp/home/.cache' ] &&
    [ ! -s '$tmp/err' ] && grep -q '\"bounce\": true' '$tmp/out'"
chmod 755 "$tmp/home"
"$CLI" --no-such-option >/dev/null 2>&1
check "an unknown option: exit status 2" test $? -eq 2
"$CLI" --lang fr "$msg" >/dev/null 2>&1
check "--lang outside en, zh-TW, zh-CN: exit status 2" test $? -eq 2
"$CLI" --json --max-size 300 "$msg" >"$tmp/out"
check "--max-size: a message cut short still gives a valid line" "$JC" <"$tmp/out"

# -j N: several threads, the same bytes in the same order as -j 1
same_j() { # same_j ARGS...: -j 1 and -j 4 give the same output, trace and exit status
    "$CLI" -j 1 "$@" >"$tmp/j1.out" 2>"$tmp/j1.err"
    r1=$?
    "$CLI" -j 4 "$@" >"$tmp/j4.out" 2>"$tmp/j4.err"
    r4=$?
    [ -s "$tmp/j1.out" ] && [ "$r1" -eq "$r4" ] && cmp "$tmp/j1.out" "$tmp/j4.out" &&
        cmp "$tmp/j1.err" "$tmp/j4.err"
}
check "-j 4 = -j 1 over the corpus: --json" same_j --json "$D"/*.eml
check "-j 4 = -j 1 over the corpus: --csv" same_j --csv "$D"/*.eml
check "-j 4 = -j 1 over the corpus: --tsv" same_j --tsv "$D"/*.eml
check "-j 4 = -j 1 over the corpus: --json --explain" same_j --json --explain "$D"/*.eml
check "-j 4 = -j 1 over the corpus: --csv --explain" same_j --csv --explain "$D"/*.eml
check "-j 4 --csv --explain: the trace lines on stderr" has "$tmp/j4.err" '^# '
check "-j 4 = -j 1 over the corpus: --table --explain (row blocks)" \
    same_j --table --explain "$D"/*.eml
check "-j 4 = -j 1 over the corpus given as a folder" same_j --json "$D"
check "-j 4 = -j 1 over folders, a maildir and an mbox" same_j --json "$tmp/dir" "$tmp/md" "$tmp/box" "$msg"
printf '%s\n' "$D"/*.eml >"$tmp/want"
"$CLI" -j 4 --json "$D"/*.eml | sed 's/", "bounce".*//; s/^{"source": "//; s/:[0-9]*$//' |
    uniq >"$tmp/out"
check "-j 4: the files in the order given (an mbox's messages together)" cmp "$tmp/out" "$tmp/want"
"$CLI" -j 4 --json "$ham" "$tmp/box" "$msg" | sed 's/", "bounce".*//; s/^{"source": "//' >"$tmp/out"
printf '%s\n' "$ham" "$tmp/box:1" "$tmp/box:2" "$tmp/box:3" "$msg" >"$tmp/want"
check "-j 4: an mbox's messages stay together and in order" cmp "$tmp/out" "$tmp/want"
check "-j 4 = -j 1 with a missing file among others (error line, exit status 1)" \
    same_j --json "$D"/*.eml "$tmp/missing.eml" "$msg"
tail -n 2 "$tmp/j4.out" >"$tmp/line"
check "-j 4 with a missing file: exit status 1" test "$r4" -eq 1
check "-j 4 with a missing file: its error object in its place, the next file after it" \
    sh -c "head -1 '$tmp/line' | grep -q '^{\"source\": \"$tmp/missing.eml\", \"error\": \"' &&
    tail -1 '$tmp/line' | grep -q '^{\"source\": \"$msg\", \"bounce\": true'"
check "-j 4 = -j 1 with a missing file: --csv" same_j --csv "$msg" "$tmp/missing.eml" "$ham"
"$CLI" --jobs 2 --json "$msg" "$ham" >"$tmp/out"
check "--jobs N is -j N" sh -c "grep -c '' '$tmp/out' | grep -qx 2"
for bad in 0 -1 abc 2x ''; do
    "$CLI" -j "$bad" "$msg" >/dev/null 2>&1
    check "-j '$bad': usage error, exit status 2" test $? -eq 2
done

# A delivery-status part written loosely (blanks before colons, odd case,
# CRLF lines), an X.400 Final-Recipient, a reply wrapped in another.
loose=$tmp/loose.eml
printf '%s\r\n' 'From: postmaster@gw.example.net' 'To: sender@example.com' \
    'Subject: Delivery Status Notification (Failure)' 'MIME-Version: 1.0' \
    'Content-Type: multipart/report; report-type=delivery-status; boundary="L"' '' \
    '--L' 'Content-Type: text/plain' '' 'Delivery failed.' '' \
    '--L' 'Content-Type: message/delivery-status' '' 'reporting-mta : dns; gw.example.net' '' \
    'FINAL-RECIPIENT : x400; /C=JP/ADMD=NONE/S=TANAKA/' 'original-recipient: rfc822; tanaka@example.jp' \
    'action : Failed' 'status:5.0.0' \
    "diagnostic-code : smtp; 550 5.0.0 Relay refused <mx.example.jp said: 552 5.2.2 Mailbox full>" \
    '' '--L--' >"$loose"
"$CLI" --json "$loose" >"$tmp/out"
check "loose DSN fields: the Original-Recipient of an X.400 Final-Recipient" \
    has "$tmp/out" '"address": "tanaka@example.jp", "action": "failed"'
check "loose DSN fields: the wrapped reply's status and code" \
    has "$tmp/out" '"status": "5.2.2", "reply_code": "552"'

[ "$failed" -eq 0 ]
