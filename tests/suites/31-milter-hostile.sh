#!/bin/sh
# 31-milter-hostile.sh - hostile messages (tests/tools/hostile-gen: 10 MB
# bounce, 100k headers, deep nesting, NULs, CR-only lines, broken charsets,
# hostile header text) through `bounce-milter -t`, the code path of the
# milter callbacks, with the strip action on.  Each run must exit 0 and
# print only well-formed header lines (no control characters, no line over
# 998 octets) and "# " lines.  Uses the sanitizer build when there is one.
BUILD=${BUILD:-build}
BIN=$BUILD/bounce-milter
[ -x build/asan/bounce-milter ] && [ "$BUILD" = build ] && BIN=build/asan/bounce-milter
GEN=$BUILD/tests/hostile-gen
n=0
[ -x "$BIN" ] || { echo "1..0 # SKIP $BIN not built"; exit 0; }
[ -x "$GEN" ] || { echo "1..0 # SKIP $GEN not built"; exit 0; }

T=$(mktemp -d /tmp/bm-hostile.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
mkdir -p "$T/msgs" && "$GEN" "$T/msgs" >/dev/null || exit 1
printf 'actions = ( { action = "strip"; } );\nkeep_forged_headers = false;\n' >"$T/milter.conf"

for f in "$T"/msgs/*; do
    name=$(basename "$f")
    n=$((n + 1))
    if ! timeout 120 "$BIN" -c "$T/milter.conf" -t "$f" >"$T/out" 2>"$T/err"; then
        echo "not ok $n - $name: bounce-milter -t failed"
        head -c 600 "$T/err" | sed 's/^/#   /'
        continue
    fi
    bad=$(LC_ALL=C awk '
        length($0) > 998 { print "line over 998 octets: " NR; exit }
        /[\001-\010\013-\037\177]/ { print "control character on line " NR; exit }
        /^# / || /^[A-Za-z][A-Za-z0-9-]*: / || /^[ \t]/ { next }
        { print "unexpected line " NR ": " substr($0, 1, 60); exit }' "$T/out")
    if [ -n "$bad" ]; then
        echo "not ok $n - $name: $bad"
    elif ! grep -q '^# result: ' "$T/out"; then
        echo "not ok $n - $name: no result line"
    else
        echo "ok $n - $name: $(sed -n 's/^# action: //p' "$T/out")"
    fi
done
# a bounce among them is still recognised and tagged
n=$((n + 1))
"$BIN" -c "$T/milter.conf" -t "$T/msgs/bounce-many-recipients.eml" 2>/dev/null |
    grep -q '^X-Bounce-Summary: worst=' && echo "ok $n - bounce with many recipients tagged" ||
    echo "not ok $n - bounce with many recipients tagged"
echo "1..$n"
