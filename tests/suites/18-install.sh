#!/bin/sh
# 18-install.sh - make install and make uninstall with PREFIX, SYSCONFDIR and
# DESTDIR, and the package's version.
#
# A plain make in a private build directory, then `make install PREFIX=/usr`
# into a DESTDIR: the objects that compile the paths in are rebuilt, the
# binaries, the unit and the man pages name /usr, and the installed programs
# (as root, in a private mount namespace where the DESTDIR's share directory
# is /usr/share/bounce-milter) classify a bounce with the installed rules and
# no override.  Then make uninstall leaves only milter.conf and
# local-rules.conf.  Needs no root except for the namespace test.
cd "$(dirname "$0")/../.." || exit 1
REPO=$(pwd)
. tests/tap.sh

T=$(mktemp -d /tmp/bounce-install.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
B=$T/build
D=$T/root
MSG=tests/corpus/sisimai/dev/lhost-activehunter-01.eml

# mk ARGS...: make quietly into the private build directory, with the
# Makefile's defaults for every path not given (none from the environment or
# an outer make's command line).
mk() {
    env -u MAKEFLAGS -u MAKELEVEL -u PREFIX -u BINDIR -u SBINDIR -u DATADIR -u MANDIR \
        -u SYSCONFDIR -u UNITDIR -u DESTDIR make -s BUILD="$B" "$@" >>"$T/make.log" 2>&1
}
# check STATUS DESCRIPTION
check() {
    if [ "$1" -eq 0 ]; then ok "$2"; else notok "$2"; fi
}

if ! mk -j2 all; then
    notok "plain make into $B"
    sed 's/^/#   /' "$T/make.log" | tail -n 20
    exit 1
fi
"$B/bounce-classify" -V | grep -qx 'rules: /usr/local/share/bounce-milter/rules.conf'
check $? "plain make: bounce-classify looks for /usr/local/share/bounce-milter/rules.conf"

# A second make with the same paths rebuilds nothing.
touch "$T/stamp"
mk all
[ -z "$(find "$B" -name '*.o' -newer "$T/stamp")" ]
check $? "make with unchanged paths recompiles nothing"

if ! mk install PREFIX=/usr DESTDIR="$D"; then
    notok "make install PREFIX=/usr DESTDIR=..."
    sed 's/^/#   /' "$T/make.log" | tail -n 20
    exit 1
fi
ok "make install PREFIX=/usr DESTDIR=... after a plain make"
# (libbounce.o is the library's objects linked into one, exporting bc_ only)
rebuilt=$(cd "$B" && find . -name '*.o' -newer "$T/stamp" | sort | tr '\n' ' ')
[ "$rebuilt" = "./classifier/bounce.o ./cli/bounce-classify.o ./libbounce.o ./milter/main.o ./store/bounce-report.o " ]
check $? "install with PREFIX=/usr recompiled the objects that use the paths (rebuilt: $rebuilt)"
v=$("$D/usr/bin/bounce-classify" -V)
case "$v" in
*"rules: /usr/share/bounce-milter/rules.conf"*"local rules: /etc/bounce-milter/local-rules.conf"*)
    ok "installed bounce-classify looks for /usr/share/bounce-milter/rules.conf" ;;
*) notok "installed bounce-classify -V says: $v" ;;
esac
"$D/usr/sbin/bounce-milter" -h 2>&1 | grep -q 'default /etc/bounce-milter/milter.conf'
check $? "installed bounce-milter's default config is /etc/bounce-milter/milter.conf"
unit=$D/lib/systemd/system/bounce-milter.service
grep -qx 'ExecStart=/usr/sbin/bounce-milter -f -c /etc/bounce-milter/milter.conf' "$unit" &&
    grep -qx 'ExecStartPre=/usr/sbin/bounce-milter -n -c /etc/bounce-milter/milter.conf' "$unit" &&
    ! grep -q '/usr/local\|@[A-Z]*@' "$unit"
check $? "the installed unit runs /usr/sbin/bounce-milter"
grep -q '^Before=.*postfix@-\.service' "$unit"
check $? "the unit starts before Debian's postfix@-.service"
grep -qx 'StateDirectory=bounce-milter' "$unit" && grep -q '^ProtectSystem=strict' "$unit"
check $? "the unit's StateDirectory makes /var/lib/bounce-milter writable under ProtectSystem=strict"
grep -q '^\.I /usr/share/bounce-milter/rules.conf' "$D/usr/share/man/man8/bounce-milter.8" &&
    ! grep -q /usr/local "$D"/usr/share/man/man*/*
check $? "installed man pages name /usr/share/bounce-milter"
missing=""
for f in usr/bin/bounce-classify usr/bin/bounce-report usr/share/man/man1/bounce-report.1 \
    usr/sbin/bounce-milter usr/share/bounce-milter/formats.conf \
    usr/share/bounce-milter/rules.d/40-status.conf etc/bounce-milter/milter.conf; do
    [ -f "$D/$f" ] || missing="$missing $f"
done
[ -z "$missing" ]
check $? "programs, rules, formats.conf and milter.conf installed (missing:${missing:- none})"

# The installed programs, without --rules or BOUNCE_RULES, read the installed
# rules: /usr/share is a tmpfs in a private mount namespace holding only the
# DESTDIR's bounce-milter directory.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
    printf 'user = "";\nsocket = "unix:%s/m.sock";\n' "$T" >"$T/m.conf"
    env -u BOUNCE_RULES unshare -m sh -c '
        mount -t tmpfs none /usr/share && mkdir /usr/share/bounce-milter &&
        mount --bind "$1/usr/share/bounce-milter" /usr/share/bounce-milter &&
        "$1/usr/bin/bounce-classify" --json "$2" && "$1/usr/sbin/bounce-milter" -t "$2" -c "$3"
    ' sh "$D" "$REPO/$MSG" "$T/m.conf" >"$T/run.out" 2>&1
    rc=$?
    [ $rc -eq 0 ] && grep -q '"class": "userunknown"' "$T/run.out" &&
        grep -q '^X-Bounce-Class: userunknown' "$T/run.out"
    check $? "installed bounce-classify and bounce-milter -t classify with /usr/share/bounce-milter"
    [ $rc -eq 0 ] || sed 's/^/#   /' "$T/run.out" | tail -n 5
else
    ok "installed programs classify with /usr/share/bounce-milter # SKIP needs root and unshare"
fi

# Only milter.conf and local-rules.conf stay after uninstall.
echo '# local' >"$D/etc/bounce-milter/local-rules.conf"
echo '# edited' >>"$D/etc/bounce-milter/milter.conf"
mk uninstall PREFIX=/usr DESTDIR="$D"
check $? "make uninstall PREFIX=/usr DESTDIR=..."
left=$(cd "$D" && find . ! -type d | sort | tr '\n' ' ')
[ "$left" = "./etc/bounce-milter/local-rules.conf ./etc/bounce-milter/milter.conf " ]
check $? "uninstall leaves only milter.conf and local-rules.conf (left: $left)"
[ ! -e "$D/usr/share/bounce-milter" ]
check $? "uninstall removes /usr/share/bounce-milter"

# SYSCONFDIR carries through too; install keeps an existing milter.conf.
mk install PREFIX=/opt/bm SYSCONFDIR=/etc/bm-test DESTDIR="$T/root2"
check $? "make install PREFIX=/opt/bm SYSCONFDIR=/etc/bm-test"
"$T/root2/opt/bm/bin/bounce-classify" -V | grep -qx 'local rules: /etc/bm-test/local-rules.conf' &&
    "$T/root2/opt/bm/sbin/bounce-milter" -h 2>&1 | grep -q 'default /etc/bm-test/milter.conf' &&
    grep -qx 'ExecStart=/opt/bm/sbin/bounce-milter -f -c /etc/bm-test/milter.conf' \
        "$T/root2/lib/systemd/system/bounce-milter.service" &&
    [ -f "$T/root2/etc/bm-test/milter.conf" ]
check $? "SYSCONFDIR=/etc/bm-test reaches both programs and the unit"
cp "$D/etc/bounce-milter/milter.conf" "$T/root2/etc/bm-test/milter.conf"
mk install PREFIX=/opt/bm SYSCONFDIR=/etc/bm-test DESTDIR="$T/root2" &&
    cmp -s "$D/etc/bounce-milter/milter.conf" "$T/root2/etc/bm-test/milter.conf"
check $? "install again keeps an edited milter.conf"

# The Debian package's version is the programs' version.
pv=$("$B/bounce-milter" -V | awk 'NR == 1 { print $2 }')
dv=$(sed -n '1s/^bounce-milter (\([^)]*\)).*/\1/p' debian/changelog)
[ -n "$pv" ] && [ "$pv" = "$dv" ]
check $? "debian/changelog version ($dv) is bounce-milter -V's ($pv)"
