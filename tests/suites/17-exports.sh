#!/bin/sh
# The public library exports the bc_ API of bounce.h and nothing else: a
# program linking build/libbounce.a cannot reach or collide with the
# library's internal functions.
BUILD=${BUILD:-build}
lib="$BUILD/libbounce.a"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if [ ! -f "$lib" ]; then echo "not ok 1 - $lib exists"; exit 1; fi

nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sort -u >"$dir/defined"
grep -v '^bc_' "$dir/defined" >"$dir/extra"
if [ -s "$dir/defined" ] && [ ! -s "$dir/extra" ]; then
    echo "ok 1 - every global symbol of libbounce.a starts with bc_"
else
    echo "not ok 1 - libbounce.a exports symbols outside the bc_ API"
    head -n 20 "$dir/extra" | sed 's/^/# /'
fi

grep -o 'bc_[A-Za-z0-9_]*(' classifier/bounce.h | tr -d '(' | sort -u >"$dir/api"
comm -23 "$dir/api" "$dir/defined" >"$dir/missing"
if [ -s "$dir/api" ] && [ ! -s "$dir/missing" ]; then
    echo "ok 2 - every bc_ function of bounce.h is defined in libbounce.a"
else
    echo "not ok 2 - bc_ functions of bounce.h missing from libbounce.a"
    sed 's/^/# /' "$dir/missing"
fi

# A program with functions named like the library's internals still links.
cat >"$dir/clash.c" <<'C'
#include <stdio.h>
#include "bounce.h"
int arena_new(void);
int formats_load(void);
int arena_new(void) { return 1; }
int formats_load(void) { return 2; }
int main(void)
{
    bc_rules_free(NULL);
    printf("%d\n", arena_new() + formats_load());
    return 0;
}
C
if cc -std=c11 -Iclassifier -o "$dir/clash" "$dir/clash.c" "$lib" \
    $(pkg-config --libs libpcre2-8 libconfig) 2>"$dir/cc.log" && [ "$("$dir/clash")" = 3 ]; then
    echo "ok 3 - a program defining arena_new and formats_load links with libbounce.a"
else
    echo "not ok 3 - a program defining internal names does not link with libbounce.a"
    head -n 20 "$dir/cc.log" | sed 's/^/# /'
fi
