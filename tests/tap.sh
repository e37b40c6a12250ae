# tests/tap.sh - TAP helpers for the shell suites (sourced, not run).
#
#   ok DESCRIPTION / notok DESCRIPTION   one numbered TAP line
#   skip_all REASON                      the whole suite is skipped; exits 0
n=0
ok() {
    n=$((n + 1))
    echo "ok $n - $*"
}
notok() {
    n=$((n + 1))
    echo "not ok $n - $*"
}
skip_all() {
    echo "ok 1 # SKIP $*"
    exit 0
}
