#!/bin/sh
# 25-fuzz-smoke.sh - a short libFuzzer run (FUZZ_SECONDS, default 20) over
# the classifier, seeded with the test corpora only (a fresh corpus each
# time, so the run takes the same time however long tests/fuzz/run ran
# before): any crash, leak, sanitizer report or harness assertion fails.
# Skipped without clang's fuzzer runtime.
cd "$(dirname "$0")/../.." || exit 1
log=$(mktemp)
FUZZ_CORPUS=$(mktemp -d)
export FUZZ_CORPUS
trap 'rm -rf "$log" "$FUZZ_CORPUS"' EXIT INT TERM
tests/fuzz/run "${FUZZ_SECONDS:-20}" >"$log" 2>&1
rc=$?
if [ "$rc" -eq 77 ]; then
    echo "ok 1 - fuzz smoke # SKIP clang fuzzer runtime not installed"
elif [ "$rc" -eq 0 ]; then
    echo "ok 1 - fuzz smoke: $(grep -E '^(#[0-9]+ *DONE|Done)' "$log" | tail -n 1)"
else
    echo "not ok 1 - fuzz smoke: libFuzzer exited $rc"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written|deadly signal' "$log" | head -n 20 |
        sed 's/^/# /'
    exit 1
fi
