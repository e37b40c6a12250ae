# tests/e2e/sendmail.sh - a private Sendmail for end-to-end tests (POSIX sh,
# sourced after tests/e2e/lib.sh, which provides $E2E and the milter helpers).
#
# Debian's sendmail is not installed (it would replace Postfix); the test
# runs the binaries unpacked from the .debs (tests/e2e/sendmail-fetch puts
# them in $SM_ROOT, default build/sendmail-root).  Sendmail sleeps a minute
# at start when the host name has no dot, so it runs in a mount namespace
# whose /etc/hosts gives it one.
#
#   sm_need             "" or why it cannot run
#   sm_start SOCK       build sendmail.cf, start smtp-sink on 2528 and sendmail
#                       on 127.0.0.1:2527 with the milter at unix:SOCK
#   sm_send FROM TO FILE  like e2e_send, prints the queue id
#   sm_stop

SM_ROOT=${SM_ROOT:-$(pwd)/build/sendmail-root}
SM_BIN=$SM_ROOT/usr/libexec/sendmail/sendmail
SM_PID=""

sm_need() {
    [ -x "$SM_BIN" ] || { echo "no unpacked Sendmail in $SM_ROOT (run tests/e2e/sendmail-fetch)"; return 1; }
    command -v unshare >/dev/null 2>&1 || { echo "unshare missing"; return 1; }
    unshare -m true 2>/dev/null || { echo "no mount namespaces here"; return 1; }
    if bash -c "exec 3<>/dev/tcp/127.0.0.1/2527" 2>/dev/null ||
        bash -c "exec 3<>/dev/tcp/127.0.0.1/2528" 2>/dev/null; then
        echo "port 2527 or 2528 in use"
        return 1
    fi
}

sm_start() {
    SM=$E2E/sendmail
    mkdir -p "$SM/queue" "$SM/sink"
    chmod 700 "$SM/queue"
    chown postfix "$SM/sink"
    printf '127.0.0.1 sm.e2e.test localhost %s\n' "$(hostname)" >"$SM/hosts"
    printf 'hosts files\naliases files\n' >"$SM/service.switch"
    sed -e "s|@ROOT@|$SM_ROOT|g" -e "s|@DIR@|$SM|g" -e "s|@SOCK@|$1|g" \
        "$E2E_SRC/sendmail/e2e.mc.in" >"$SM/e2e.mc"
    _sm_m4=m4
    command -v m4 >/dev/null 2>&1 || _sm_m4=$SM_ROOT/usr/bin/m4
    "$_sm_m4" "$SM/e2e.mc" >"$SM/sendmail.cf" || return 1
    smtp-sink -u postfix -h sink3.e2e.test -d "$SM/sink/%H%M%S." 127.0.0.1:2528 64 \
        >"$SM/sink.log" 2>&1 &
    E2E_PIDS="$E2E_PIDS $!"
    LD_LIBRARY_PATH=$SM_ROOT/lib/x86_64-linux-gnu:$SM_ROOT/usr/lib/x86_64-linux-gnu \
        unshare -m sh -c "mount --bind '$SM/hosts' /etc/hosts &&
            exec '$SM_BIN' -C '$SM/sendmail.cf' -bD -q10s" >"$SM/sendmail.log" 2>&1 &
    SM_PID=$!
    e2e_wait_port 2527 100 && e2e_wait_port 2528
}

sm_stop() {
    [ -n "$SM_PID" ] || return 0
    kill "$SM_PID" 2>/dev/null
    wait "$SM_PID" 2>/dev/null
    SM_PID=""
}

sm_send() {
    _sm_from=$1 _sm_to=$2 _sm_file=$3
    shift 3
    sed '1{/^From /d;}' "$_sm_file" >"$E2E/send.eml"
    swaks --server 127.0.0.1:2527 --helo client.e2e.test --from "$_sm_from" --to "$_sm_to" \
        --data @"$E2E/send.eml" "$@" >"$E2E/swaks.out" 2>&1
    sed -n 's/.*250 2\.0\.0 \([0-9A-Za-z]*\) Message accepted.*/\1/p' "$E2E/swaks.out" | tail -n 1
}

# sm_dump QID: the delivered copy of the message whose queue id is QID (named
# in Sendmail's Received header), without the sink's lines.
sm_dump_file() {
    grep -lE "id $1([^0-9A-Za-z]|\$)" "$SM"/sink/* 2>/dev/null | head -n 1
}
