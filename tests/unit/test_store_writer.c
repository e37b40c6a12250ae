/*
 * test_store_writer.c - from the journal into the store: in order, with the
 * policy applied, and through faults: the store failing mid-run (events
 * stay journaled and are copied once it is back, none lost, none doubled)
 * and a writer that committed but died before it confirmed.
 *
 * STORE_URI names an empty database (default: SQLite in a temporary
 * directory).  With STORE_FAULT_STOP and STORE_FAULT_START (shell commands,
 * tests/suites/45-store-postgresql.sh), the database server itself is
 * stopped and started again in the middle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "tempdir.h"
#include "writer.h"

#define T0 1796601600

static char uri[256], jpath[128];

static void setup(void)
{
    const char *dir = test_tempdir("test_writer");
    const char *u = getenv("STORE_URI");
    snprintf(uri, sizeof uri, "%s", u ? u : "");
    if (u == NULL)
        snprintf(uri, sizeof uri, "sqlite:%s/bounces.db", dir);
    snprintf(jpath, sizeof jpath, "%s/journal", dir);
}

static store *open_store(void)
{
    char err[512];
    store *s = store_open(uri, err, sizeof err);
    if (s == NULL)
        printf("# %s\n", err);
    return s;
}

/* Append events from..to-1 for ADDR-i@writer.example; a hard bounce every
 * tenth, soft otherwise. */
static int journal_events(journal *j, int from, int to, const char *tag)
{
    sbuf b = {0};
    int failed = 0;
    for (int i = from; i < to; i++) {
        char addr[64], id[EVENT_ID_LEN + 1];
        snprintf(addr, sizeof addr, "%s-%d@writer.example", tag, i);
        event *e = event_new();
        event_new_id(id);
        event_set(e, EV_ID, id);
        event_set(e, EV_ADDRESS, addr);
        event_set(e, EV_CLASS, i % 10 ? "mailboxfull" : "userunknown");
        event_set(e, EV_SEVERITY, i % 10 ? "soft" : "hard");
        event_set(e, EV_ACTION, "failed");
        e->time = T0 + i;
        e->authenticated = 1;
        sbuf_reset(&b);
        event_encode(&b, e);
        event_free(e);
        failed |= journal_append(j, b.s, b.len) != 0;
    }
    sbuf_free(&b);
    return failed ? -1 : 0;
}

static int count_one(const event *e, void *arg)
{
    ++*(long *)arg;
    return 0;
}

static long stored_events(store *s)
{
    long n = 0;
    struct event_filter f = {.domain = "writer.example"};
    return store_events(s, &f, count_one, &n) < 0 ? -1 : n;
}

static void on_suppress(const suppression *sp, void *arg)
{
    ++*(int *)arg;
}

TEST(events_go_in_order_with_the_policy)
{
    char err[256];
    journal *j = journal_open(jpath, 0, err, sizeof err);
    journal_reader *r = journal_reader_open(jpath, err, sizeof err);
    store *s = open_store();
    CHECK(j && r && s);
    if (!(j && r && s))
        return;
    policy p;
    policy_defaults(&p);
    CHECK(journal_events(j, 0, 100, "a") == 0);
    struct writer_stats st = {0};
    int called = 0;
    CHECK(writer_drain(r, s, &p, 1000, T0 + 200, &st, on_suppress, &called) == 100);
    CHECK(st.read == 100 && st.stored == 100);
    CHECK(st.suppressed == 10 && called == 10); /* the hard ones */
    CHECK(journal_reader_backlog(r) == 0);
    CHECK(writer_drain(r, s, &p, 1000, T0 + 200, &st, NULL, NULL) == 0);
    CHECK(stored_events(s) == 100);
    suppression sp;
    CHECK(store_suppression_get(s, "a-20@writer.example", &sp) == 1);
    CHECK_STR(sp.reason, "userunknown");
    suppression_clear(&sp);
    store_close(s);
    journal_reader_close(r);
    journal_close(j);
}

TEST(a_failing_store_loses_and_doubles_nothing)
{
    char err[256];
    journal *j = journal_open(jpath, 0, err, sizeof err);
    journal_reader *r = journal_reader_open(jpath, err, sizeof err);
    store *s = open_store(), *admin = open_store();
    if (!(j && r && s && admin)) {
        CHECK(0);
        return;
    }
    struct writer_stats st = {0};
    CHECK(journal_events(j, 0, 50, "b") == 0);
    /* The table goes away under the writer: the insert fails. */
    CHECK(store_exec(admin, "ALTER TABLE events RENAME TO events_away") >= 0);
    CHECK(writer_drain(r, s, NULL, 20, T0, &st, NULL, NULL) == -1);
    CHECK(journal_reader_backlog(r) > 0);
    CHECK(store_exec(admin, "ALTER TABLE events_away RENAME TO events") >= 0);
    long n, total = 0;
    while ((n = writer_drain(r, s, NULL, 20, T0, &st, NULL, NULL)) > 0)
        total += n;
    CHECK(n == 0);
    CHECK(total == 50);
    CHECK(stored_events(s) == 150);
    CHECK(journal_reader_backlog(r) == 0);
    store_close(admin);
    store_close(s);
    journal_reader_close(r);
    journal_close(j);
}

TEST(a_writer_that_died_before_confirming_is_replayed_harmlessly)
{
    char err[256];
    journal *j = journal_open(jpath, 0, err, sizeof err);
    journal_reader *dead = journal_reader_open(jpath, err, sizeof err),
                   *r = journal_reader_open(jpath, err, sizeof err);
    store *s = open_store();
    if (!(j && dead && r && s)) {
        CHECK(0);
        return;
    }
    CHECK(journal_events(j, 0, 30, "c") == 0);
    /* Its store committed; it was killed before journal_reader_confirm(). */
    event *evs[30];
    sbuf rec = {0};
    int n = 0;
    while (n < 30 && journal_reader_next(dead, &rec) == 1)
        evs[n++] = event_decode(rec.s, rec.len);
    CHECK(n == 30);
    CHECK(store_put(s, evs, (size_t)n) == 30);
    for (int i = 0; i < n; i++)
        event_free(evs[i]);
    journal_reader_close(dead);
    struct writer_stats st = {0};
    CHECK(writer_drain(r, s, NULL, 100, T0, &st, NULL, NULL) == 30);
    CHECK(st.stored == 0); /* all 30 were there already */
    CHECK(stored_events(s) == 180);
    sbuf_free(&rec);
    store_close(s);
    journal_reader_close(r);
    journal_close(j);
}

TEST(the_database_server_stopped_mid_run)
{
    const char *stop = getenv("STORE_FAULT_STOP"), *start = getenv("STORE_FAULT_START");
    if (!stop || !start) {
        printf("# skipped: no STORE_FAULT_STOP/START (a database server to stop)\n");
        return;
    }
    char err[256];
    journal *j = journal_open(jpath, 0, err, sizeof err);
    journal_reader *r = journal_reader_open(jpath, err, sizeof err);
    store *s = open_store();
    if (!(j && r && s)) {
        CHECK(0);
        return;
    }
    struct writer_stats st = {0};
    CHECK(journal_events(j, 0, 40, "d") == 0);
    CHECK(writer_drain(r, s, NULL, 20, T0, &st, NULL, NULL) == 20);
    CHECK(system(stop) == 0);
    /* Mail goes on: events are journaled while the database is away. */
    CHECK(journal_events(j, 40, 60, "d") == 0);
    CHECK(writer_drain(r, s, NULL, 20, T0, &st, NULL, NULL) == -1);
    CHECK(writer_drain(r, s, NULL, 20, T0, &st, NULL, NULL) == -1);
    CHECK(system(start) == 0);
    long n, total = 0;
    while ((n = writer_drain(r, s, NULL, 20, T0, &st, NULL, NULL)) > 0)
        total += n;
    CHECK(n == 0);
    CHECK(total == 40);
    CHECK(st.read == 60 && st.stored == 60);
    CHECK(stored_events(s) == 240);
    printf("# sent 60, journaled 60, stored 60, replayed after the outage 40, lost 0\n");
    store_close(s);
    journal_reader_close(r);
    journal_close(j);
}

static void on_stored(const event *e, void *arg)
{
    if (strncmp(e->f[EV_ADDRESS], "e-", 2) == 0)
        ++*(int *)arg;
}

TEST(each_committed_event_reaches_the_hook_and_no_other)
{
    char err[256];
    journal *j = journal_open(jpath, 0, err, sizeof err);
    journal_reader *r = journal_reader_open(jpath, err, sizeof err);
    store *s = open_store(), *admin = open_store();
    if (!(j && r && s && admin)) {
        CHECK(0);
        return;
    }
    struct writer_stats st = {0};
    int seen = 0;
    CHECK(journal_events(j, 0, 30, "e") == 0);
    CHECK(store_exec(admin, "ALTER TABLE events RENAME TO events_away") >= 0);
    CHECK(writer_drain_each(r, s, NULL, 100, T0, &st, NULL, on_stored, &seen) == -1);
    CHECK(seen == 0); /* nothing committed: the hook is not told */
    CHECK(store_exec(admin, "ALTER TABLE events_away RENAME TO events") >= 0);
    long n;
    while ((n = writer_drain_each(r, s, NULL, 7, T0, &st, NULL, on_stored, &seen)) > 0)
        ;
    CHECK(n == 0 && seen == 30);
    store_close(admin);
    store_close(s);
    journal_reader_close(r);
    journal_close(j);
}

int main(void)
{
    setup();
    RUN_TESTS();
}
