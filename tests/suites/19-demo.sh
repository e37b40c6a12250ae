#!/bin/sh
# 19-demo.sh - the README's quick start, tests/demo, installs only what it
# uses (sh tests/deps demo: the build dependencies and miltertest, never an
# MTA or the test tools) while `sh tests/deps` still has everything .ci/run
# needs; and on a host without Postfix the demo runs, with its socket under
# /run/bounce-milter and the milter user's own group.
# The run needs root (the demo creates the sample's system user) and the
# demo's packages already installed: make check never installs packages.
cd "$(dirname "$0")/../.." || exit 1
. tests/tap.sh

demo=$(sh tests/deps --list demo | tr '\n' ' ')
all=$(sh tests/deps --list | tr '\n' ' ')
for p in gcc make pkg-config libmilter-dev libpcre2-dev libconfig-dev libsqlite3-dev libpq-dev libcurl4-openssl-dev miltertest; do
    case " $demo" in
    *" $p "*) ok "tests/deps demo installs $p" ;;
    *) notok "tests/deps demo does not install $p (it has: $demo)" ;;
    esac
done
extra=""
for p in $demo; do
    case $p in
    gcc | make | pkg-config | libc6-dev | libmilter-dev | libpcre2-dev | libconfig-dev | libsqlite3-dev | libpq-dev | libcurl4-openssl-dev | miltertest) ;;
    *) extra="$extra $p" ;;
    esac
done
if [ -z "$extra" ]; then
    ok "tests/deps demo installs nothing else (no MTA, no test tools)"
else
    notok "tests/deps demo also installs:$extra"
fi
missing=""
for p in postfix swaks dovecot-sieve clang libclang-rt-14-dev miltertest libsisimai-perl postgresql chromium $demo; do
    case " $all" in *" $p "*) ;; *) missing="$missing $p" ;; esac
done
if [ -z "$missing" ]; then
    ok "tests/deps (no argument, .ci/run) installs what make check and make bench use"
else
    notok "tests/deps without argument misses:$missing"
fi
if grep -q '^sh tests/deps demo$' tests/demo && ! grep -q '^sh tests/deps$' tests/demo; then
    ok "tests/demo runs 'sh tests/deps demo'"
else
    notok "tests/demo does not run 'sh tests/deps demo'"
fi

# --- the demo on a host without Postfix ------------------------------------
[ "$(id -u)" = 0 ] || { echo "# not root: demo run skipped"; echo "1..$n"; exit 0; }
for p in $demo; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        { echo "# $p not installed: demo run skipped"; echo "1..$n"; exit 0; }
done
SOCK=/run/bounce-milter/bounce-milter.sock
user=$(sed -n 's/^user *= *"\(.*\)";.*/\1/p' conf/milter.conf)
# Leave the host as it was: remove the user and the directory the demo
# creates unless they were there before (the package test expects neither).
had_user=""
id "$user" >/dev/null 2>&1 && had_user=yes
had_dir=""
[ -d /run/bounce-milter ] && had_dir=yes
out=$(mktemp)
cleanup() {
    rm -f "$out" build/demo-milter.conf
    [ -n "$had_dir" ] || rm -rf /run/bounce-milter
    [ -n "$had_user" ] || userdel "$user" 2>/dev/null
}
trap cleanup EXIT
# Its own process group, so that the demo and its daemon stop together.
setsid env DEMO_POSTFIX_GROUP=no-such-group-e2e sh tests/demo >"$out" 2>&1 &
dpid=$!
i=0
while ! grep -q 'is listening on' "$out" && kill -0 "$dpid" 2>/dev/null && [ "$i" -lt 600 ]; do
    sleep 0.1
    i=$((i + 1))
done
if grep -q "is listening on unix:$SOCK" "$out"; then
    ok "without Postfix the demo listens on unix:$SOCK"
else
    notok "demo without Postfix: no 'is listening on unix:$SOCK'"
    tail -n 15 "$out" | sed 's/^/#   /'
fi
want="$user:$(id -gn "$user" 2>/dev/null)"
got=$(stat -c %U:%G "$SOCK" 2>/dev/null)
if [ "$got" = "$want" ]; then
    ok "the socket belongs to $want (the milter user's own group)"
else
    notok "the socket belongs to '$got', expected $want"
fi
if grep -q 'X-Bounce-Class' "$out"; then
    ok "the demo shows the headers the milter adds"
else
    notok "the demo shows no X-Bounce-Class header"
fi
# Ctrl-C on a terminal; a background job here ignores SIGINT, so SIGTERM,
# which the demo handles the same way.
kill -TERM "$dpid" 2>/dev/null
i=0
while kill -0 "$dpid" 2>/dev/null && [ "$i" -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
if kill -0 "$dpid" 2>/dev/null; then
    kill -KILL -"$dpid" 2>/dev/null
    notok "the demo stops its daemon and exits on SIGTERM (Ctrl-C)"
else
    ok "the demo stops its daemon and exits on SIGTERM (Ctrl-C)"
fi
wait "$dpid" 2>/dev/null
echo "1..$n"
