#!/bin/sh
# 26-valgrind.sh - the CLI over the whole dev corpus and the daemon's test
# mode (-t) over a few bounces, under valgrind's memcheck: no error whose
# stack names a source file of ours (a frame "fn (file.c:N)"; our programs
# are built with -g, the system libraries without line numbers), and no
# leak.  PCRE2's JIT code has no symbols (frames "???") and reads strings
# word by word past their end, which memcheck reports; those reports are
# not ours and are counted, not failed.  Skipped without valgrind.  TAP.
cd "$(dirname "$0")/../.." || exit 1
. tests/tap.sh
BUILD=${BUILD:-build}
command -v valgrind >/dev/null 2>&1 || skip_all "valgrind not installed"
[ -x "$BUILD/bounce-classify" ] || skip_all "$BUILD/bounce-classify not built"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
VG="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --num-callers=30"

# ours LOG: the error blocks of a memcheck log that happen in our code:
# one of the two innermost frames is a function in one of our source files
# (the first frame may be a libc routine ours called, such as memcpy).
# Reports deep inside glibc (its dlopen under iconv_open) are not ours.
srcs=$(cd classifier && ls *.c *.h; cd ../milter && ls *.c *.h)
srcs=$(echo $srcs | tr ' ' '|' | sed 's/\./\\./g')
ours() {
    awk -v srcs="^($srcs):[0-9]+\\)$" '
        function flush() { if (blk != "" && mine) print blk; blk = ""; mine = 0; depth = 0 }
        /^==[0-9]+== [A-Z0-9]/ { flush(); blk = $0; next }
        /^==[0-9]+== +(at|by) 0x/ {
            blk = blk "\n" $0
            if (++depth <= 2) { f = $0; sub(/.*\(/, "", f); if (f ~ srcs) mine = 1 }
            next
        }
        /^==[0-9]+== *$/ { flush() }
        END { flush() }
    ' "$1"
}

# check NAME LOG: ok when memcheck found nothing of ours in LOG.
check() {
    found=$(ours "$2")
    others=$(grep -c '^==[0-9]*== Conditional jump\|^==[0-9]*== Use of uninitialised\|^==[0-9]*== Invalid read' "$2")
    if [ -z "$found" ]; then
        ok "$1 (memcheck: nothing in our code; $others reports inside JIT code)"
    else
        notok "$1: memcheck reports in our code"
        echo "$found" | head -n 40 | sed 's/^/# /'
    fi
}

$VG --log-file="$T/cli.log" "$BUILD/bounce-classify" --json -j 1 tests/corpus/sisimai/dev \
    tests/corpus/ham >"$T/cli.out" 2>"$T/cli.err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$T/cli.out")" -ge 500 ]; then
    check "bounce-classify over the dev corpus and ordinary mail" "$T/cli.log"
else
    notok "bounce-classify under valgrind exited $rc, $(wc -l <"$T/cli.out") lines"
    sed 's/^/# /' "$T/cli.err" | head -n 10
fi

if [ ! -x "$BUILD/bounce-milter" ]; then
    ok "bounce-milter -t # SKIP bounce-milter not built"
else
    mkdir -p "$T/conf" && cp -r conf/rules.conf conf/rules.d conf/formats.conf "$T/conf/"
    sed "s|@REPO@|$T|g" tests/e2e/milter/tag.conf.in >"$T/milter.conf"
    count=0 bad=0
    for f in tests/corpus/sisimai/dev/rfc3464-0[1-3].eml tests/corpus/sisimai/dev/lhost-exim-0[1-2].eml \
        tests/corpus/ham/*; do
        [ -f "$f" ] || continue
        count=$((count + 1))
        $VG --log-file="$T/t$count.log" "$BUILD/bounce-milter" -c "$T/milter.conf" -t "$f" \
            >/dev/null 2>"$T/t.err" || bad=$((bad + 1))
        [ $count -ge 6 ] && break
    done
    cat "$T"/t*.log >"$T/daemon.log"
    if [ "$bad" -eq 0 ] && [ "$count" -gt 0 ]; then
        check "bounce-milter -t over $count messages" "$T/daemon.log"
    else
        notok "bounce-milter -t failed on $bad of $count messages under valgrind"
        sed 's/^/# /' "$T/t.err" | head -n 10
    fi
fi
