#!/bin/sh
# 12-check-rules.sh - the rules check as a gate and as a contract.
#
# The shipped rules are held to `bounce-classify --check-rules`: every
# example decided by its own rule, no unsettled overlap between rules of one
# rank, every shipped rule with a source and examples (the check exits 0).
# Then the check itself, on small rule sets written here: its FAIL, OVERLAP and UNDOCUMENTED
# lines, its summary and its exit status (0 clean, 1 findings, 2 load
# error).  TAP.
cd "$(dirname "$0")/../.." || exit 1
. tests/tap.sh
BUILD=${BUILD:-build}
CLI=$BUILD/bounce-classify
[ -x "$CLI" ] || skip_all "$CLI not built"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# is WANT CMD...: the command exits with WANT
is() {
    want=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    [ $? -eq "$want" ]
}

# The shipped rules pass their own check: every example decided by its
# rule, every disagreement between rules of one rank settled by `beats`,
# every rule documented.  Exit 0 and the summary say so.
"$CLI" --check-rules --rules conf/rules.conf >"$tmp/out" 2>"$tmp/err"
rc=$?
summary=$(tail -n 1 "$tmp/out")
if [ "$rc" -eq 0 ] && echo "$summary" | grep -Eq '^[0-9]+ rules, [0-9]+ examples, 0 failed, 0 overlaps unsettled, 0 without source$'; then
    ok "shipped rules: $summary"
else
    notok "shipped rules: $summary (rc $rc)"
    grep -v '^[0-9]' "$tmp/out" | head -n 40 | sed 's/^/# /'
    sed 's/^/# /' "$tmp/err"
fi

# A rules directory of our own: the shipped classes, details and sources,
# and one rules.d file.
mkdir -p "$tmp/r/rules.d"
cp conf/rules.conf conf/formats.conf "$tmp/r/"
cat >"$tmp/r/rules.d/10-test.conf" <<'EOF'
sources = ( { id = "test-doc"; title = "A document of the test"; } );
rules = (
  { id = "t-spam"; tier = "cause"; class = "spamdetected"; text = "\\bspam\\b";
    source = "test-doc"; examples = ["554 5.7.1 message looks like spam"]; },
  { id = "t-virus"; tier = "cause"; class = "virusdetected"; text = "\\bvirus\\b";
    source = "test-doc"; beats = ["t-spam"];
    examples = ["554 5.7.1 virus found in spam", "550 virus detected"]; },
  { id = "t-unknown"; tier = "status"; class = "userunknown"; status = "5.1.1";
    source = "test-doc"; examples = ( { text = "550 5.1.1 no such user"; }, { status = "5.1.1"; } ); }
);
EOF
if is 0 "$CLI" --check-rules --rules "$tmp/r/rules.conf" &&
    grep -qx '3 rules, 5 examples, 0 failed, 0 overlaps unsettled, 0 without source' "$tmp/out"; then
    ok "a documented rule set passes, summary counts rules and examples"
else
    notok "a documented rule set passes: $(cat "$tmp/out" "$tmp/err")"
fi

# an example decided by a higher rank, and one by no rule
cat >"$tmp/local.conf" <<'EOF'
rules = (
  { id = "l-full"; tier = "generic"; class = "mailboxfull"; text = "\\bfull\\b";
    examples = ["552 mailbox full of spam", "452 try later"]; }
);
EOF
if is 1 "$CLI" --check-rules --rules "$tmp/r/rules.conf" --local-rules "$tmp/local.conf" &&
    grep -q '^FAIL l-full example 1: decided by t-spam (.*local.conf:3)$' "$tmp/out" &&
    grep -q '^FAIL l-full example 2: decided by no rule' "$tmp/out" &&
    grep -qx '4 rules, 7 examples, 2 failed, 0 overlaps unsettled, 0 without source' "$tmp/out"; then
    ok "FAIL names the rule that decided instead, exit 1"
else
    notok "FAIL lines: $(cat "$tmp/out" "$tmp/err")"
fi

# two rules of one rank that disagree, with no beats between them
cat >"$tmp/local.conf" <<'EOF'
rules = (
  { id = "l-blocked"; tier = "cause"; class = "blocked"; text = "\\bspam\\b.*\\blisted\\b";
    examples = ["554 your IP is a spam source listed at a DNSBL"]; }
);
EOF
if is 1 "$CLI" --check-rules --rules "$tmp/r/rules.conf" --local-rules "$tmp/local.conf" &&
    grep -q '^OVERLAP l-blocked t-spam (l-blocked example 1' "$tmp/out" &&
    grep -q ', 0 failed, 1 overlaps unsettled, 0 without source$' "$tmp/out"; then
    ok "OVERLAP for same-rank rules without beats, exit 1"
else
    notok "OVERLAP lines: $(cat "$tmp/out" "$tmp/err")"
fi
sed -i 's/examples = \[/beats = ["t-spam"]; examples = [/' "$tmp/local.conf"
if is 0 "$CLI" --check-rules --rules "$tmp/r/rules.conf" --local-rules "$tmp/local.conf"; then
    ok "beats settles the overlap"
else
    notok "beats does not settle: $(cat "$tmp/out" "$tmp/err")"
fi

# a shipped rule without source or examples; a local one needs neither
cat >"$tmp/r/rules.d/20-bare.conf" <<'EOF'
rules = ( { id = "t-bare"; class = "mailboxfull"; text = "over quota"; } );
EOF
if is 1 "$CLI" --check-rules --rules "$tmp/r/rules.conf" &&
    grep -q '^UNDOCUMENTED t-bare: no source (.*20-bare.conf:1)$' "$tmp/out" &&
    grep -q ', 1 without source$' "$tmp/out"; then
    ok "UNDOCUMENTED shipped rule, exit 1"
else
    notok "UNDOCUMENTED: $(cat "$tmp/out" "$tmp/err")"
fi
rm "$tmp/r/rules.d/20-bare.conf"

# a rule id twice among the shipped files is an error, as is a broken file
cat >"$tmp/r/rules.d/30-dup.conf" <<'EOF'
rules = ( { id = "t-spam"; class = "spamdetected"; text = "junk"; } );
EOF
if is 2 "$CLI" --check-rules --rules "$tmp/r/rules.conf" &&
    grep -q '30-dup.conf:1: duplicate rule id "t-spam" (first at .*10-test.conf:' "$tmp/err"; then
    ok "a rule id in two shipped files: exit 2 with file:line"
else
    notok "duplicate id across files: $(cat "$tmp/out" "$tmp/err")"
fi
echo 'rules = ( { id = "x"; ' >"$tmp/r/rules.d/30-dup.conf"
if is 2 "$CLI" --check-rules --rules "$tmp/r/rules.conf" && grep -q '30-dup.conf:' "$tmp/err"; then
    ok "a rules.d file that does not parse: exit 2 naming it"
else
    notok "broken rules.d file: $(cat "$tmp/out" "$tmp/err")"
fi
rm "$tmp/r/rules.d/30-dup.conf"

# each document is listed once among the shipped files: one id, one url
cat >"$tmp/r/rules.d/30-src.conf" <<'EOF'
sources = ( { id = "test-doc"; title = "The same document again"; } );
EOF
if is 2 "$CLI" --check-rules --rules "$tmp/r/rules.conf" &&
    grep -q '30-src.conf:1: source "test-doc" is also listed in .*rules.conf' "$tmp/err"; then
    ok "a source id in two shipped files: exit 2 with file:line"
else
    notok "duplicate source id across files: $(cat "$tmp/out" "$tmp/err")"
fi
cat >"$tmp/r/rules.d/30-src.conf" <<'EOF'
sources = ( { id = "doc-a"; title = "A"; url = "https://example.org/doc"; } );
EOF
cat >"$tmp/r/rules.d/31-src.conf" <<'EOF'
sources = ( { id = "doc-b"; title = "B"; url = "https://example.org/doc"; } );
EOF
if is 2 "$CLI" --check-rules --rules "$tmp/r/rules.conf" &&
    grep -q '31-src.conf:1: source "doc-b": https://example.org/doc is already a source in .*30-src.conf' "$tmp/err"; then
    ok "one document under two source ids: exit 2 with file:line"
else
    notok "duplicate source url: $(cat "$tmp/out" "$tmp/err")"
fi
rm "$tmp/r/rules.d/30-src.conf" "$tmp/r/rules.d/31-src.conf"

# the rules of rules.d classify messages like those of rules.conf
printf 'From: MAILER-DAEMON@example.net\nSubject: Undelivered Mail Returned to Sender\nX-Failed-Recipients: a@example.org\n\nThis message was created automatically by mail delivery software.\n\n  a@example.org\n    550 virus detected\n' >"$tmp/m.eml"
if is 0 "$CLI" --json --rules "$tmp/r/rules.conf" "$tmp/m.eml" &&
    grep -q '"rule": "t-virus"' "$tmp/out"; then
    ok "rules.d rules decide"
else
    notok "rules.d rules do not decide: $(cat "$tmp/out" "$tmp/err")"
fi
echo "1..$n"
