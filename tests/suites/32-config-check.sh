#!/bin/sh
# 32-config-check.sh - what `bounce-milter -n` refuses before a daemon would
# run with it: match values no classification can carry (a typo would make
# the action silently dead), and files the service user cannot use.  Each
# error names file:line and the bad value.  TAP output.
BUILD=${BUILD:-build}
BIN=$BUILD/bounce-milter
. tests/tap.sh

[ -x "$BIN" ] || skip_all "$BIN not built"

T=$(mktemp -d /tmp/bm-confcheck.XXXXXX) || exit 1
chmod 755 "$T"
trap '[ -n "$KEEP" ] || rm -rf "$T"' EXIT INT TERM
# a copy the service user can read, as the daemon reads it again as that user
mkdir "$T/conf" && cp -r conf/rules.conf conf/rules.d conf/formats.conf "$T/conf/"
BOUNCE_RULES=$T/conf/rules.conf
# no site's local rules: the suite must not depend on /etc
BOUNCE_LOCAL_RULES=$T/no-local-rules.conf
export BOUNCE_RULES BOUNCE_LOCAL_RULES
USEROPT=""
[ "$(id -u)" = 0 ] && USEROPT="-u nobody"

# check NAME CONF EXPECT-RC GREP-PATTERN: -n on CONF exits EXPECT-RC (0 or
# non-zero) and prints a line matching the pattern
check() {
    "$BIN" -n -c "$T/$2" $USEROPT >"$T/out" 2>&1
    rc=$?
    good=no
    [ "$3" = 0 ] && [ $rc -eq 0 ] && good=yes
    [ "$3" != 0 ] && [ $rc -ne 0 ] && good=yes
    if [ $good = yes ] && grep -q -- "$4" "$T/out"; then
        ok "$1"
    else
        notok "$1 (rc $rc)"; sed 's/^/#   /' "$T/out"
    fi
}
action() { # FILE MATCH: a config whose second line holds one action with MATCH
    printf 'socket = "unix:%s/sock";\nactions = ( { match = { %s }; action = "headers"; } );\n' \
        "$T" "$2" >"$T/$1"
}

action class.conf 'class = "mailbox_full";'
check "class typo refused with file:line and the closest class" class.conf 1 \
    'class.conf:2: match: class "mailbox_full" is not a class of the loaded rules; did you mean "mailboxfull"?'
action detail.conf 'detail = [ "greylisted", "no-such-detail" ];'
check "detail typo refused with file:line" detail.conf 1 \
    'detail.conf:2: match: detail "no-such-detail" is not a detail'
action detail2.conf 'detail = "greylistd";'
check "detail typo gets the closest detail" detail2.conf 1 'did you mean "greylisted"?'
action advice.conf 'advice = "delete";'
check "advice typo refused with file:line" advice.conf 1 \
    'advice.conf:2: match: advice "delete" is not suppress, retry'
action kind.conf 'kind = "abuse";'
check "kind typo refused with file:line" kind.conf 1 'kind.conf:2: match: kind "abuse" is not dsn'
action severity.conf 'severity = "fatal";'
check "severity typo refused with file:line" severity.conf 1 'severity.conf:2: match: severity "fatal"'
# names as the classifier gives them, in any case (matching ignores case);
# a detail only the ARF Feedback-Type gives, and one a class-less rule gives
action good.conf 'class = [ "UserUnknown", "feedback", "undefined" ]; detail = [ "abuse", "greylisted" ];
  advice = [ "Retry", "contact-recipient" ]; kind = [ "ARF", "transcript" ]; severity = "hard";'
check "names the classifier gives are accepted" good.conf 0 "configuration OK"

# stats_file: its directory must be writable by the service user (checked
# as that user when run as root)
mkdir "$T/ro" "$T/rw" && chmod 555 "$T/ro" && chmod 777 "$T/rw"
printf 'socket = "unix:%s/sock";\nstats_file = "%s/ro/bm.prom";\n' "$T" "$T" >"$T/stats-ro.conf"
check "stats_file in a directory the user cannot write refused with file:line" stats-ro.conf 1 \
    "stats-ro.conf:2: stats_file: .*directory $T/ro is not writable"
printf 'socket = "unix:%s/sock";\nstats_file = "%s/rw/bm.prom";\n' "$T" "$T" >"$T/stats-rw.conf"
check "stats_file in a writable directory accepted" stats-rw.conf 0 "configuration OK"

# local rules: a file that exists but cannot be read is an error, explicit
# or the default one; a missing default file is fine
: >"$T/local.conf"
chmod 000 "$T/local.conf"
printf 'socket = "unix:%s/sock";\nlocal_rules = "%s/local.conf";\n' "$T" "$T" >"$T/local.conf.conf"
check "unreadable local_rules refused with file:line" local.conf.conf 1 \
    "local.conf.conf:2: local_rules: cannot read $T/local.conf"
printf 'socket = "unix:%s/sock";\n' "$T" >"$T/plain.conf"
check "missing default local rules file is fine" plain.conf 0 "configuration OK"
BOUNCE_LOCAL_RULES=$T/local.conf check "unreadable default local rules file refused" plain.conf 1 \
    "$T/local.conf: cannot read local rules file"
chmod 644 "$T/local.conf"
BOUNCE_LOCAL_RULES=$T/local.conf check "readable default local rules file read" plain.conf 0 \
    "configuration OK"

# a missing user, group or rules file: the setting that named it, with
# file:line
printf 'socket = "unix:%s/sock";\nuser = "no-such-user-bm";\nsocket_group = "no-such-group-bm";\n' \
    "$T" >"$T/ids.conf"
"$BIN" -n -c "$T/ids.conf" >"$T/out" 2>&1
if [ $? -ne 0 ] && grep -q 'ids.conf:2: user: "no-such-user-bm" does not exist' "$T/out" &&
    grep -q 'ids.conf:3: socket_group: "no-such-group-bm" does not exist' "$T/out"; then
    ok "missing user and group named with file:line"
else
    notok "missing user and group named with file:line"; sed 's/^/#   /' "$T/out"
fi
"$BIN" -n -c "$T/plain.conf" -u no-such-user-bm >"$T/out" 2>&1
[ $? -ne 0 ] && grep -q -- '-u no-such-user-bm: user does not exist' "$T/out" &&
    ok "missing -u user named as such" || { notok "missing -u user named as such"; sed 's/^/#   /' "$T/out"; }
printf 'socket = "unix:%s/sock";\n\nrules = "%s/none/rules.conf";\n' "$T" "$T" >"$T/rules.conf"
check "missing rules file named with the setting's file:line" rules.conf 1 \
    "rules.conf:3: rules: cannot read $T/none/rules.conf"

echo "1..$n"
