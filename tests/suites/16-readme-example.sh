#!/bin/sh
# The C example in README.md compiles against the built library and prints
# what the README says it prints.
BUILD=${BUILD:-build}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
awk '/^```c$/ {on=1; next} /^```$/ {on=0} on' README.md >"$dir/example.c"
if [ -s "$dir/example.c" ]; then echo "ok 1 - README has a C example"; else echo "not ok 1 - README has a C example"; exit 1; fi
if cc -std=c11 -Wall -Wextra -Werror -Iclassifier -o "$dir/example" "$dir/example.c" \
    "$BUILD/libbounce.a" $(pkg-config --libs libpcre2-8 libconfig) 2>"$dir/cc.log"; then
    echo "ok 2 - the example compiles with -Wall -Wextra -Werror"
else
    echo "not ok 2 - the example compiles"; sed 's/^/# /' "$dir/cc.log"; exit 1
fi
out=$(BOUNCE_RULES=conf/rules.conf "$dir/example")
want="nobody@example.org userunknown hard suppress"
if [ "$out" = "$want" ]; then echo "ok 3 - the example prints: $want"; else echo "not ok 3 - the example prints '$out', README says '$want'"; fi
