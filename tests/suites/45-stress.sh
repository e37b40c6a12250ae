#!/bin/sh
# 45-stress.sh - the short form of make stress (tests/stress STRESS=short):
# bounce-milter inside a private Postfix under parallel load, kill -9,
# SIGTERM with 50 messages held mid-DATA, reloads under load, memory across
# reloads, and the two fuzzers.  One TAP line per row of its table; skipped
# where tests/stress cannot run (not root, no Postfix).
cd "$(dirname "$0")/../.." || exit 1
out=$(mktemp)
trap 'rm -f "$out"' EXIT INT TERM
STRESS=short tests/stress >"$out" 2>&1
rc=$?
if [ "$rc" -eq 77 ]; then
    echo "ok 1 - stress # SKIP $(head -n 1 "$out")"
    exit 0
fi
awk '
    $1 == "row" { table = 1; next }
    table && /^# / { print; next }
    table && NF >= 9 {
        printf "%s %d - %s\n", ($9 == "ok" || $9 == "skipped") ? "ok" : "not ok", ++n, $0
    }
    END { if (n == 0) print "not ok 1 - tests/stress printed no table" }
' "$out"
if [ "$rc" -ne 0 ]; then
    tail -n 20 "$out" | sed "s/^/# /"
    exit 1
fi
