#!/bin/sh
# 20-hostile.sh - hostile input: huge, deeply nested, malformed messages
# (written by build/tests/hostile-gen) must classify without error, with the
# same result fed in chunks or whole, and with bounded peak memory; again
# under the ASan/UBSan build, where any memory error fails.  The CLI must
# turn them all into valid JSON.  TAP.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
BOUNCE_RULES=${BOUNCE_RULES:-$PWD/conf/rules.conf}
export BOUNCE_RULES
dir=$(mktemp -d)
trap 'rm -rf "$dir" "$dir.json" "$dir.out"' EXIT INT TERM
status=0

if ! "$BUILD/tests/hostile-gen" "$dir"; then
    echo "not ok - hostile-gen failed"
    exit 1
fi
n=$(ls "$dir" | wc -l)

# ASan keeps freed memory in quarantine and shadows it: allow it more.
for b in "$BUILD:256" "build/asan:1024"; do
    bd=${b%:*}
    limit=${b#*:}
    if [ ! -x "$bd/tests/hostile-check" ] || [ ! -x "$bd/bounce-classify" ]; then
        echo "ok - $bd hostile run # SKIP $bd not built"
        continue
    fi
    echo "# hostile input with $bd"
    "$bd/tests/hostile-check" --max-rss-mb "$limit" "$dir"/* >"$dir.out" 2>&1 || status=1
    grep -v '^==' "$dir.out"
    out=$("$bd/bounce-classify" --json "$dir"/* 2>&1 >"$dir.json")
    rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "ok - $bd/bounce-classify --json on hostile input exits 0"
    else
        echo "not ok - $bd/bounce-classify --json on hostile input exited $rc"
        printf '%s\n' "$out" | tail -n 20 | sed 's/^/# /'
        status=1
    fi
    "$bd/tests/json-check" --min "$n" <"$dir.json" || status=1
    rm -f "$dir.json" "$dir.out"
done
exit $status
