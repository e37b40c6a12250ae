# tests/e2e/lib.sh - a private Postfix instance for end-to-end tests and bench.
#
# Sourced (POSIX sh) by tests/suites/40-postfix-e2e.sh and tests/bench/milter.
# Needs root (postfix master, smtp-sink -u) and the postfix package; the
# system's own instance and /etc/postfix are never touched.
#
#   e2e_init            make $E2E (a temp dir, mode 755) with etc/ from templates
#   e2e_start           start smtp-sink (2526, and 2529 refusing RCPT) + postfix
#   e2e_postconf NAME=VALUE...  change main.cf and reload a running Postfix
#   e2e_milter_start NAME CMD...  run a milter as user postfix, socket
#                       $E2E/milter/NAME.sock (the command gets it as $E2E_SOCK)
#   e2e_milter_stop     stop it;  e2e_stop  stop everything (use in a trap)
#   e2e_send FROM TO FILE [swaks options]  send FILE over SMTP, print the
#                       queue id (empty if refused; swaks output in $E2E/swaks.out)
#   e2e_wait_removed QID  wait until Postfix has delivered/bounced the message
#   e2e_dump QID        print the sink's copy of the message with queue id QID,
#                       without the sink's own header lines
# Ports: smtpd 127.0.0.1:2525, sinks 2526/2529 (loopback only, never 25/587).

E2E_SRC=${E2E_SRC:-$(cd "$(dirname "$0")/.." && pwd)/e2e}
E2E_PIDS=""
E2E_MILTER_PID=""
E2E_POSTFIX_UP=""

e2e_need() {
    [ "$(id -u)" = 0 ] || { echo "not root"; return 1; }
    for p in postfix smtp-sink smtp-source postqueue postcat postsuper swaks setpriv; do
        command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] ||
            { echo "$p not installed"; return 1; }
    done
    id postfix >/dev/null 2>&1 || { echo "no postfix user"; return 1; }
    for _e2e_port in 2525 2526 2529; do
        if bash -c "exec 3<>/dev/tcp/127.0.0.1/$_e2e_port" 2>/dev/null; then
            echo "port $_e2e_port is in use"
            return 1
        fi
    done
    return 0
}

e2e_init() {
    E2E=$(mktemp -d /tmp/bounce-e2e.XXXXXX) || return 1
    chmod 755 "$E2E"
    mkdir -p "$E2E/etc" "$E2E/queue" "$E2E/data" "$E2E/sink" "$E2E/sink2" "$E2E/milter"
    for _e2e_f in main.cf master.cf; do
        sed "s|@DIR@|$E2E|g" "$E2E_SRC/postfix/$_e2e_f.in" >"$E2E/etc/$_e2e_f" || return 1
    done
    # Never start a master on the system's queue by accident.
    grep -q "^queue_directory = $E2E/queue\$" "$E2E/etc/main.cf" || return 1
    chown postfix:postfix "$E2E/data" "$E2E/sink" "$E2E/sink2" "$E2E/milter"
    : >"$E2E/maillog"
    export PATH="$PATH:/usr/sbin:/sbin"
}

# Wait up to $2 tenths of a second for a TCP port to accept connections.
e2e_wait_port() {
    _e2e_n=0
    while [ "$_e2e_n" -lt "${2:-50}" ]; do
        if bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
        _e2e_n=$((_e2e_n + 1))
    done
    return 1
}

e2e_start() {
    # The bench sets E2E_SINK_DUMP= : no file per message, only the count.
    if [ "${E2E_SINK_DUMP-1}" ]; then
        set -- -d "$E2E/sink/%H%M%S."
    else
        set --
    fi
    smtp-sink -u postfix -h sink.e2e.test "$@" 127.0.0.1:2526 256 >"$E2E/sink.log" 2>&1 &
    E2E_PIDS="$E2E_PIDS $!"
    smtp-sink -u postfix -h sink2.e2e.test -f RCPT \
        -B "550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table" \
        127.0.0.1:2529 64 >"$E2E/sink2.log" 2>&1 &
    E2E_PIDS="$E2E_PIDS $!"
    postfix -c "$E2E/etc" start >"$E2E/postfix-start.log" 2>&1 || {
        cat "$E2E/postfix-start.log"
        return 1
    }
    E2E_POSTFIX_UP=1
    e2e_wait_port 2525 && e2e_wait_port 2526 && e2e_wait_port 2529
}

# e2e_postconf SETTING... : change main.cf and make the running Postfix use it.
e2e_postconf() {
    postconf -c "$E2E/etc" -e "$@" || return 1
    [ -n "$E2E_POSTFIX_UP" ] || return 0
    postfix -c "$E2E/etc" reload >/dev/null 2>&1
    # Running smtpd processes finish their session first.
    sleep 1
}

e2e_milter_start() {
    _e2e_name=$1
    shift
    E2E_SOCK="$E2E/milter/$_e2e_name.sock"
    rm -f "$E2E_SOCK"
    E2E_MILTER_LOG="$E2E/milter/$_e2e_name.log"
    "$@" >"$E2E_MILTER_LOG" 2>&1 &
    E2E_MILTER_PID=$!
    _e2e_n=0
    while [ ! -S "$E2E_SOCK" ]; do
        _e2e_n=$((_e2e_n + 1))
        if [ "$_e2e_n" -gt 100 ] || ! kill -0 "$E2E_MILTER_PID" 2>/dev/null; then
            echo "# milter $_e2e_name did not create $E2E_SOCK:"
            sed 's/^/#   /' "$E2E_MILTER_LOG" | tail -n 20
            return 1
        fi
        sleep 0.1
    done
}

# Stop the milter: SIGTERM, then libmilter takes up to ~5 s to exit.
# Fails if it had to be killed after 8 s.
e2e_milter_stop() {
    [ -n "$E2E_MILTER_PID" ] || return 0
    kill -TERM "$E2E_MILTER_PID" 2>/dev/null
    _e2e_n=0
    while kill -0 "$E2E_MILTER_PID" 2>/dev/null && [ "$_e2e_n" -lt 80 ]; do
        sleep 0.1
        _e2e_n=$((_e2e_n + 1))
    done
    _e2e_rc=0
    kill -KILL "$E2E_MILTER_PID" 2>/dev/null && _e2e_rc=1
    wait "$E2E_MILTER_PID" 2>/dev/null
    E2E_MILTER_PID=""
    return $_e2e_rc
}

e2e_stop() {
    [ -n "$E2E_POSTFIX_UP" ] && postfix -c "$E2E/etc" stop >/dev/null 2>&1
    E2E_POSTFIX_UP=""
    e2e_milter_stop
    for _e2e_pid in $E2E_PIDS; do
        kill "$_e2e_pid" 2>/dev/null
        wait "$_e2e_pid" 2>/dev/null
    done
    E2E_PIDS=""
    if [ -n "$E2E" ] && [ -z "$E2E_KEEP" ]; then
        rm -rf "$E2E"
    elif [ -n "$E2E" ]; then
        echo "# kept $E2E"
    fi
    E2E=""
}

# e2e_send FROM TO FILE [swaks options...]: FILE may start with an mbox
# "From " line, which is dropped.  Prints the queue id if the message was
# accepted.  FROM "" is the null sender.
e2e_send() {
    _e2e_from=$1 _e2e_to=$2 _e2e_file=$3
    shift 3
    # swaks reads --from '' as "the default sender": the null sender is <>
    [ -z "$_e2e_from" ] && _e2e_from='<>'
    sed '1{/^From /d;}' "$_e2e_file" >"$E2E/send.eml"
    swaks --server 127.0.0.1:2525 --helo client.e2e.test --from "$_e2e_from" --to "$_e2e_to" \
        --data @"$E2E/send.eml" "$@" >"$E2E/swaks.out" 2>&1
    sed -n 's/.*250 .*queued as \([0-9A-Za-z]*\).*/\1/p' "$E2E/swaks.out" | tail -n 1
}

# e2e_wait_log REGEX [tenths]: wait until the maillog has a matching line.
e2e_wait_log() {
    _e2e_n=0
    while ! grep -Eq "$1" "$E2E/maillog"; do
        _e2e_n=$((_e2e_n + 1))
        [ "$_e2e_n" -gt "${2:-300}" ] && return 1
        sleep 0.1
    done
    return 0
}

e2e_wait_removed() {
    [ -n "$1" ] && e2e_wait_log ": $1: removed" "$2"
}

# The sink file of a message: Postfix's Received header names its queue id,
# a Postfix-made bounce names the original's in X-Postfix-Queue-ID.
e2e_dump_file() {
    grep -lE "(id|X-Postfix-Queue-ID:) $1([^0-9A-Za-z]|\$)" "$E2E"/sink/* 2>/dev/null | head -n 1
}

# Print the delivered message without the sink's own lines (X-Client-Addr,
# X-Client-Proto, X-Helo-Args, X-Mail-Args, X-Rcpt-Args and its Received
# header) and without the blank lines the sink appends.
e2e_dump() {
    _e2e_f=$(e2e_dump_file "$1")
    [ -n "$_e2e_f" ] || return 1
    awk '
        state == 0 && /^X-(Client-Addr|Client-Proto|Helo-Args|Mail-Args|Rcpt-Args): / { next }
        state == 0 && /^Received: from .*/ { state = 1; next }
        state == 1 && /^[ \t]/ { next }
        { state = 2; lines[++n] = $0 }
        END { while (n > 0 && lines[n] == "") n--; for (i = 1; i <= n; i++) print lines[i] }
    ' "$_e2e_f"
}

# e2e_sink_rcpts QID: the envelope recipients the sink received for the
# message (all its deliveries), one a line, sorted.
e2e_sink_rcpts() {
    grep -lE "id $1([^0-9A-Za-z]|\$)" "$E2E"/sink/* 2>/dev/null |
        xargs -r sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p' | sort
}

# The header section of the delivered message (unfolded lines kept as is).
e2e_dump_headers() {
    e2e_dump "$1" | sed '/^$/q'
}
