#!/bin/sh
# 46-bounce-report.sh - bounce-report over a SQLite store filled with known
# events: every command and its --json form, the exit statuses, the store
# taken from milter.conf, and the HTML page (self-contained; rendered by a
# headless chromium, which shows the four charts with the known counts and
# a screenshot that is not blank).  TAP output.
BUILD=${BUILD:-build}
BIN=$BUILD/bounce-report
. tests/tap.sh

[ -x "$BIN" ] || skip_all "$BIN not built"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 not installed (tests/deps installs it)"
T=$(mktemp -d /tmp/bm-report.XXXXXX) || exit 1
cleanup() { [ -n "$KEEP" ] || rm -rf "$T"; }
trap cleanup EXIT INT TERM
DB=$T/bounces.db
S="--store sqlite:$DB"

# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
    d=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$d"; else notok "$d"; fi
}
# same OUTPUT WANT DESCRIPTION
same() {
    if [ "$1" = "$2" ]; then ok "$3"; else
        notok "$3"
        printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
    fi
}

$BIN $S suppressed >"$T/out" 2>&1
same "$?:$(cat "$T/out")" "0:" "a new store is created empty (exit 0)"
same "$(sqlite3 "$DB" 'PRAGMA journal_mode')" "wal" "the SQLite store is in WAL mode"

# ID TIME ADDRESS CLASS SEVERITY REMOTE_MTA [DETAIL]
ins() {
    sqlite3 "$DB" "INSERT INTO events (id, time, queue_id, host, kind, mta, address,
        original_recipient, action, status, reply_code, class, severity, advice, code, detail,
        rule, smtp_command, diagnostic, remote_mta, message_id, authenticated)
        VALUES ('$1', $2, 'Q$1', 'mx1', 'dsn', 'postfix', '$3', '', 'failed', '5.1.1', '550',
        '$4', '$5', 'suppress', 902, '${7:-}', 'r1', 'RCPT', 'diag', '$6', '<m@x>', 1)"
}
D1=1796083200 # 2026-12-01
D2=1796169600
D3=1796256000
ins e1 $D1 a@example.jp userunknown hard mx1.example.jp
ins e2 $((D1 + 100)) b@example.jp userunknown hard mx1.example.jp
ins e3 $((D1 + 200)) c@example.jp userunknown hard mx1.example.jp
ins e4 $D2 d@example.com mailboxfull soft gmail-smtp-in.l.google.com
ins e5 $((D2 + 100)) e@example.com mailboxfull soft gmail-smtp-in.l.google.com
ins e6 $((D2 + 200)) f@example.com userunknown hard ""
ins e7 $D3 g@example.net feedback none "" abuse

count() { $BIN $S "$@" 2>/dev/null | wc -l | tr -d ' '; }
same "$(count events --json)" 7 "events --json: one line per event"
same "$(count events)" 7 "events: one line per event"
same "$(count events --domain example.jp --json)" 3 "events --domain"
same "$(count events --class mailboxfull --json)" 2 "events --class"
same "$(count events --severity hard --json)" 4 "events --severity"
same "$(count events --since 2026-12-02 --json)" 4 "events --since"
same "$($BIN $S events --address a@example.jp --json | grep -c '"id": "e1", "time": "2026-12-01T00:00:00Z"')" 1 \
    "events --address gives the event's JSON"
same "$($BIN $S summary --by provider --json | grep -c '^{"key": "google.com", "events": 2, "hard": 0, "soft": 2}$')" 1 \
    "summary --by provider: the registrable domain of remote_mta"
same "$($BIN $S summary --by domain --json | grep -c '"key": "example.com", "events": 3, "hard": 1, "soft": 2')" 1 \
    "summary --by domain"
same "$($BIN $S summary --by day --json | head -n 1)" '{"key": "2026-12-01", "events": 3, "hard": 3, "soft": 0}' \
    "summary --by day, in date order"
same "$($BIN $S summary --json | head -n 1)" '{"key": "userunknown", "events": 4, "hard": 4, "soft": 0}' \
    "summary by class, most first"
$BIN $S summary --by week >/dev/null 2>&1
same "$?" 2 "summary --by an unknown key exits 2"

$BIN $S suppress a@example.jp >/dev/null 2>&1
same "$?" 2 "suppress without --note exits 2"
check "suppress ADDR --note" $BIN $S suppress a@Example.JP --note "asked to stop"
same "$($BIN $S suppressed --json | sed 's/"since": "[^"]*"/"since": T/')" \
    '{"address": "a@example.jp", "reason": "manual", "since": T, "until": "", "note": "asked to stop", "events": []}' \
    "suppressed --json: the contract's fields"
same "$($BIN $S export --format postfix | sed 's/since .*/since DATE/')" \
    "$(printf 'a@example.jp\tREJECT recipient suppressed by bounce-milter: manual since DATE')" \
    "export --format postfix: ADDR<TAB>REJECT text"
same "$($BIN $S export --format csv | head -n 1 | tr -d '\r')" "address,reason,since,until,note,events" \
    "export --format csv has a header"
same "$(count export --format json)" 1 "export --format json: one object per address"
$BIN $S export --format xml >/dev/null 2>&1
same "$?" 2 "export --format xml exits 2"
check "unsuppress ADDR --note" $BIN $S unsuppress a@example.jp --note "customer called"
same "$(count suppressed --json)" 0 "an unsuppressed address is no longer listed"
$BIN $S unsuppress a@example.jp --note again >/dev/null 2>&1
same "$?" 1 "unsuppress of an address not suppressed exits 1"
same "$(sqlite3 "$DB" "SELECT lifted_note FROM suppressions WHERE address = 'a@example.jp'")" \
    "customer called" "the unsuppress note is kept"

same "$($BIN $S forget b@example.jp)" "b@example.jp: 1 events and 0 suppressions erased" "forget ADDR"
same "$(count events --address b@example.jp)" 0 "a forgotten address has no events"
# The lifted suppression stays: its lift (today) is newer than the cut-off,
# and it is where counting restarts.
same "$($BIN $S prune --before 2026-12-02 | sed 's/ before .* and/ and/')" "pruned 2 events and 0 suppressions" \
    "prune --before DATE"
same "$(count events --json)" 4 "prune kept the newer events"

# The store from milter.conf (-c), and the errors.
printf 'socket = "unix:/tmp/x.sock";\nstore = "sqlite:%s";\n' "$DB" >"$T/milter.conf"
same "$($BIN -c "$T/milter.conf" events --json | wc -l | tr -d ' ')" 4 "-c FILE: the store comes from the config"
printf 'store = "sqlite:relative.db";\n' >"$T/bad.conf"
$BIN -c "$T/bad.conf" events >"$T/out" 2>&1
same "$?:$(grep -c "$T/bad.conf:1: store: sqlite: needs an absolute path" "$T/out")" "2:1" \
    "a bad store setting exits 2 with file:line"
printf 'socket = "unix:/tmp/x.sock";\n' >"$T/nostore.conf"
$BIN -c "$T/nostore.conf" events >/dev/null 2>&1
same "$?" 2 "a config without store exits 2"
$BIN --store sqlite:/nonexistent-dir/b.db events >/dev/null 2>&1
same "$?" 1 "an unreachable store exits 1"
$BIN $S frobnicate >/dev/null 2>&1
same "$?" 2 "an unknown command exits 2"
$BIN $S suppressed --by day >/dev/null 2>&1
same "$?" 2 "an option the command does not take exits 2"
$BIN $S events --address nobody@nowhere.example --json >"$T/out" 2>&1
same "$?:$(wc -c <"$T/out" | tr -d ' ')" "0:0" "an empty result exits 0 and prints nothing"
same "$($BIN --help | head -n 1 | cut -c1-13)" "usage: bounce" "--help prints the usage"

# The HTML page: back to the full data set.
rm -f "$DB"*
$BIN $S suppressed >/dev/null
ins e1 $D1 a@example.jp userunknown hard mx1.example.jp
ins e2 $((D1 + 100)) b@example.jp userunknown hard mx1.example.jp
ins e3 $((D1 + 200)) c@example.jp userunknown hard mx1.example.jp
ins e4 $D2 d@example.com mailboxfull soft gmail-smtp-in.l.google.com
ins e5 $((D2 + 100)) e@example.com mailboxfull soft gmail-smtp-in.l.google.com
ins e6 $((D2 + 200)) f@example.com userunknown hard ""
ins e7 $D3 g@example.net feedback none "" abuse
check "html FILE" $BIN $S html "$T/report.html"
same "$(grep -Eci '(src|href|xlink:href)=|@import|url\(|<script' "$T/report.html")" 0 \
    "the page has no external reference and no script"
for id in chart-daily chart-severity chart-domains chart-providers; do
    same "$(grep -c "<svg id=\"$id\"" "$T/report.html")" 1 "the page draws $id as inline SVG"
done

# rendered KEY... : the data-key/data-count pairs of one chart in the DOM
chromium=$(command -v chromium || command -v chromium-browser)
if [ -z "$chromium" ]; then
    ok "# SKIP chromium not installed: the rendered page is not checked"
else
    cr() { timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --window-size=1000,1400 "$@" 2>/dev/null; }
    cr --dump-dom "file://$T/report.html" >"$T/dom.html"
    chart() {
        sed -n "/<svg id=\"$1\"/,/<\/svg>/p" "$T/dom.html" |
            grep -o "data-key=\"[^\"]*\" data-count=\"[0-9]*\"" | sed 's/data-key="//; s/" data-count="/=/; s/"$//' |
            tr '\n' ' '
    }
    same "$(chart chart-daily)" "userunknown=4 mailboxfull=2 feedback=1 " \
        "rendered: bounces per day by class (legend totals)"
    same "$(sed -n '/<svg id="chart-daily"/,/<\/svg>/p' "$T/dom.html" | grep -o 'data-key="2026-12-02" data-class="[a-z]*" data-count="[0-9]*"' | tr '\n' ' ')" \
        'data-key="2026-12-02" data-class="userunknown" data-count="1" data-key="2026-12-02" data-class="mailboxfull" data-count="2" ' \
        "rendered: the bars of 2026-12-02 by class"
    same "$(chart chart-severity)" "hard=4 soft=2 other=1 " "rendered: the hard/soft share"
    same "$(chart chart-domains)" "example.com=3 example.jp=3 example.net=1 " "rendered: top failing domains"
    same "$(chart chart-providers)" "example.jp=3 google.com=2 example.com=1 example.net=1 " \
        "rendered: top providers"
    # Not blank: the charts' screenshot is much larger (as PNG) than one of
    # an empty page of the same size.
    printf '<!DOCTYPE html><html><body></body></html>\n' >"$T/blank.html"
    cr --screenshot="$T/blank.png" "file://$T/blank.html" >/dev/null
    cr --screenshot="$T/report.png" "file://$T/report.html" >/dev/null
    b=$(wc -c <"$T/blank.png" 2>/dev/null || echo 0)
    r=$(wc -c <"$T/report.png" 2>/dev/null || echo 0)
    [ "$b" -gt 0 ] && [ "$r" -gt $((b * 4)) ] && ok "the screenshot is not blank ($r bytes, blank $b)" ||
        notok "the screenshot is not blank ($r bytes, blank $b)"
fi
echo "1..$n"
