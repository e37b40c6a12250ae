#!/bin/sh
# 17-docs.sh - the documents agree with each other and with the tests.
#
#   - socket paths: README.md, the man pages and conf/milter.conf use one
#     form each: Postfix's main.cf names the socket relative to its queue
#     directory (unix:bounce-milter/bounce-milter.sock), the daemon listens
#     on the absolute path inside that directory, Sendmail's socket is under
#     /run/bounce-milter; any other unix:/local: path is an error, and the
#     daemon refuses a relative socket (-n), as the documents say; the
#     socketmap likewise (main.cf: socketmap:unix:bounce-milter/socketmap,
#     the daemon: the absolute path)
#   - master.cf: every document shows the same dedicated cleanup service for
#     Postfix's own bounces as the end-to-end test's master.cf, and none
#     marks the shared cleanup service
#   - Sendmail: README and bounce-milter(8) give the same INPUT_MAIL_FILTER
#     line, without F= (like Postfix's default_action=accept)
#   - every man page renders without a groff warning; milter.conf(5) shows
#     "bounce held by bounce-milter" with its spaces
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
. tests/tap.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

MANS="milter/bounce-milter.8 milter/milter.conf.5 classifier/bounce-classify.1 classifier/bounce-classes.7"
DOCS="README.md conf/milter.conf $MANS"
POSTFIX_SOCK=unix:bounce-milter/bounce-milter.sock
DAEMON_SOCK=unix:/var/spool/postfix/bounce-milter/bounce-milter.sock
SENDMAIL_SOCK=unix:/run/bounce-milter/bounce-milter.sock
POSTFIX_SMAP=unix:bounce-milter/socketmap
DAEMON_SMAP=unix:/var/spool/postfix/bounce-milter/socketmap

# text FILE: the file with roff escapes for hyphens and no-break marks undone.
text() {
    sed -e 's/\\-/-/g' -e 's/\\%//g' -e 's/\\(dq/"/g' -e 's/\\f[BIRP]//g' "$1"
}

# --- socket paths ------------------------------------------------------------
bad=""
for f in $DOCS; do
    text "$f" | grep -on '\(unix\|local\):[^][ ,;:"`'"'"')}<>]*' | while IFS= read -r hit; do
        spec=${hit#*:}
        case $spec in
        "$POSTFIX_SOCK" | "$DAEMON_SOCK" | "$SENDMAIL_SOCK" | "$POSTFIX_SMAP" | "$DAEMON_SMAP") ;;
        unix: | local: | unix:/path | local:/path | unix:path | local:path) ;; # the syntax
        *) echo "$f:${hit%%:*}: $spec" ;;
        esac
    done
done >"$tmp/bad-socks"
if [ -s "$tmp/bad-socks" ]; then
    notok "only the three documented socket paths appear in $DOCS"
    sed 's/^/#   /' "$tmp/bad-socks"
else
    ok "only the three documented socket paths appear in the README, man pages and sample config"
fi
for f in $DOCS; do
    text "$f" | grep -n 'milters *= ' | grep -v "{ *$POSTFIX_SOCK," | grep 'unix:\|local:' |
        sed "s|^|$f:|"
done >"$tmp/bad-main"
if [ -s "$tmp/bad-main" ]; then
    notok "every smtpd_milters/non_smtpd_milters line names $POSTFIX_SOCK"
    sed 's/^/#   /' "$tmp/bad-main"
else
    ok "every smtpd_milters/non_smtpd_milters line names $POSTFIX_SOCK"
fi
for f in README.md milter/bounce-milter.8 conf/milter.conf; do
    if text "$f" | grep -q "smtpd_milters = { $POSTFIX_SOCK, default_action=accept }" ||
        text "$f" | grep -q "smtpd_milters = { $POSTFIX_SOCK,\$"; then
        ok "$f gives main.cf's smtpd_milters with $POSTFIX_SOCK"
    else
        notok "$f has no smtpd_milters line with $POSTFIX_SOCK"
    fi
done
sample=$(sed -n 's/^socket *= *"\(.*\)";.*/\1/p' conf/milter.conf)
if [ "$sample" = "$DAEMON_SOCK" ] && text milter/milter.conf.5 | grep -q "^\.BR socket .*default.*\"$DAEMON_SOCK\""; then
    ok "the sample's socket is the documented default, $DAEMON_SOCK"
else
    notok "sample socket '$sample' vs milter.conf(5)'s default; expected $DAEMON_SOCK"
fi
if [ -x "$BUILD/bounce-milter" ]; then
    sed "s|^socket *=.*|socket = \"$POSTFIX_SOCK\";|" conf/milter.conf >"$tmp/rel.conf"
    out=$("$BUILD/bounce-milter" -n -c "$tmp/rel.conf" 2>&1)
    rc=$?
    case $rc:$out in
    78:*"needs an absolute path"*) ok "the daemon refuses the relative form (-n exits 78: needs an absolute path)" ;;
    *) notok "-n with socket = \"$POSTFIX_SOCK\": exit $rc, '$out'" ;;
    esac
fi

# --- master.cf ---------------------------------------------------------------
# entries: master.cf lines on stdin -> one line per service of interest:
# "name type command -o opt -o opt" (the columns between type and command,
# such as the chroot flag, differ between Debian and the private instance).
entries() {
    awk '
        function flush() { if (name != "") print name, type, cmd opts; name = "" }
        /^[ \t]+-o / { if (name != "") { sub(/^[ \t]+/, ""); opts = opts " " $0 }; next }
        { flush() }
        $1 ~ /^(bounce|defer|trace|cleanup|bounce-cleanup)$/ && $2 == "unix" && NF >= 8 {
            name = $1; type = $2; cmd = $8; opts = ""
            for (i = 9; i <= NF; i++) opts = opts " " $i
        }
        END { flush() }' | sort
}
want=$(entries <tests/e2e/postfix/master.cf.in)
case $want in
*"bounce-cleanup unix cleanup -o syslog_name=postfix/bounce-cleanup -o milter_macro_daemon_name=bounce-internal"*)
    ok "the e2e master.cf has the dedicated bounce-cleanup service" ;;
*) notok "the e2e master.cf has no bounce-cleanup service naming itself bounce-internal" ;;
esac
awk '/^    bounce +unix/ { on = 1 } on && !/^    / { exit } on { print substr($0, 5) }' README.md |
    entries >"$tmp/readme.cf"
text milter/bounce-milter.8 |
    awk '/^\.nf$/ { blk = ""; on = 1; next } /^\.fi$/ { if (blk ~ /bounce-cleanup/) printf "%s", blk; on = 0; next }
         on { blk = blk $0 "\n" }' | entries >"$tmp/man.cf"
sed -n 's/^#   \(.*\)/\1/p' conf/milter.conf | sed 's/^  /  /' | entries >"$tmp/conf.cf"
printf '%s\n' "$want" | grep -v '^cleanup ' >"$tmp/want.cf"
for d in readme man conf; do
    if cmp -s "$tmp/want.cf" "$tmp/$d.cf"; then
        ok "$d: master.cf lines for bounce, defer, trace and bounce-cleanup match the tested ones"
    else
        notok "$d: master.cf lines differ from tests/e2e/postfix/master.cf.in"
        diff "$tmp/want.cf" "$tmp/$d.cf" | sed 's/^/#   /'
    fi
done
if for f in tests/e2e/postfix/master.cf.in README.md conf/milter.conf milter/*.[58]; do
    text "$f" | grep -n 'milter_macro_daemon_name=' | sed "s|^|$f:|"
done | grep -v 'bounce-internal\|=\.\.\.' | grep . >"$tmp/mark"; then
    notok "milter_macro_daemon_name is only ever bounce-internal"
    sed 's/^/#   /' "$tmp/mark"
else
    ok "milter_macro_daemon_name is only ever bounce-internal"
fi
if { text README.md; text milter/bounce-milter.8; sed -n 's/^#//p' conf/milter.conf; cat tests/e2e/postfix/master.cf.in; } |
    grep -E '^ *cleanup +unix.*(milter_macro_daemon_name|$)' | grep -q milter_macro_daemon_name; then
    notok "no document marks the shared cleanup service"
else
    ok "no document marks the shared cleanup service"
fi

# --- Sendmail ----------------------------------------------------------------
r=$(grep -o 'INPUT_MAIL_FILTER(.*' README.md)
m=$(text milter/bounce-milter.8 | sed -n '/^INPUT_MAIL_FILTER/{N;s/\n */ /;p;}')
if [ -n "$r" ] && [ "$r" = "$m" ]; then
    ok "README and bounce-milter(8) give the same INPUT_MAIL_FILTER line"
else
    notok "INPUT_MAIL_FILTER: README '$r', bounce-milter(8) '$m'"
fi
case $r in
*"F="*) notok "INPUT_MAIL_FILTER has an F= flag; the documented default_action is accept" ;;
*) ok "INPUT_MAIL_FILTER without F=: Sendmail goes on without the milter, like default_action=accept" ;;
esac

# --- man pages ---------------------------------------------------------------
if command -v groff >/dev/null 2>&1; then
    for f in $MANS; do
        w=$(groff -man -ww -z "$f" 2>&1)
        if [ -z "$w" ]; then
            ok "$f renders without groff warnings"
        else
            notok "$f: groff warnings"
            printf '%s\n' "$w" | head -n 5 | sed 's/^/#   /'
        fi
    done
    if groff -man -Tutf8 -P-cbou milter/milter.conf.5 2>/dev/null | grep -q '"bounce held by bounce-milter"'; then
        ok 'milter.conf(5) renders "bounce held by bounce-milter" with its spaces'
    else
        notok 'milter.conf(5) does not render "bounce held by bounce-milter"'
    fi
else
    echo "# groff not installed: man pages not rendered"
fi
echo "1..$n"
