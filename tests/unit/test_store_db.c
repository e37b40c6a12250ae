/*
 * test_store_db.c - the event store, the same suite for every backend.
 *
 * STORE_URI and STORE_URI_OLD name two empty databases (the second for
 * the migration test); without them both are SQLite files in a temporary
 * directory.  tests/suites/45-store-postgresql.sh runs this program against
 * a private PostgreSQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "tap.h"
#include "tempdir.h"

#define DAY 86400
#define T0 1796601600 /* 2026-12-07T00:00:00Z */

static char uri[128], uri_old[128];

static void setup(void)
{
    const char *u = getenv("STORE_URI"), *o = getenv("STORE_URI_OLD");
    if (u && o) {
        snprintf(uri, sizeof uri, "%s", u);
        snprintf(uri_old, sizeof uri_old, "%s", o);
        return;
    }
    const char *dir = test_tempdir("test_store");
    snprintf(uri, sizeof uri, "sqlite:%s/bounces.db", dir);
    snprintf(uri_old, sizeof uri_old, "sqlite:%s/old.db", dir);
}

static store *open_store(void)
{
    char err[512];
    store *s = store_open(uri, err, sizeof err);
    if (s == NULL)
        printf("# %s\n", err);
    return s;
}

static event *ev(const char *id, int64_t t, const char *addr, const char *class_name,
                 const char *severity)
{
    event *e = event_new();
    event_set(e, EV_ID, id);
    event_set(e, EV_ADDRESS, addr);
    event_set(e, EV_CLASS, class_name);
    event_set(e, EV_SEVERITY, severity);
    event_set(e, EV_ACTION, strcmp(class_name, "delivered") ? "failed" : "delivered");
    event_set(e, EV_KIND, "dsn");
    event_set(e, EV_DIAGNOSTIC, "550 5.1.1 <x>: \"quoted\" 'text' \xe2\x9c\x93");
    e->time = t;
    e->authenticated = 1;
    return e;
}

static long put1(store *s, event *e)
{
    long rc = store_put(s, &e, 1);
    event_free(e);
    return rc;
}

struct ids {
    char buf[1024];
    int n;
};

static int add_id(const event *e, void *arg)
{
    struct ids *ids = arg;
    size_t len = strlen(ids->buf);
    snprintf(ids->buf + len, sizeof ids->buf - len, "%s%s", len ? " " : "", e->f[EV_ID]);
    ids->n++;
    return 0;
}

static const char *list(store *s, const struct event_filter *f)
{
    static struct ids ids;
    memset(&ids, 0, sizeof ids);
    if (store_events(s, f, add_id, &ids) < 0)
        return "(error)";
    return ids.buf;
}

TEST(opening_creates_the_current_schema)
{
    store *s = open_store();
    CHECK(s != NULL);
    if (s == NULL)
        return;
    CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION);
    store_close(s);
    s = open_store(); /* reopening migrates nothing */
    CHECK(s != NULL && store_schema_version(s) == STORE_SCHEMA_VERSION);
    store_close(s);
}

static int to_json(const event *e, void *arg)
{
    event_json(arg, e);
    return 0;
}

TEST(an_event_comes_back_field_for_field)
{
    store *s = open_store();
    event *e = ev("0001", T0, "one@example.jp", "userunknown", "hard");
    event_set(e, EV_QUEUE_ID, "4AbC1");
    event_set(e, EV_ORIGINAL_RECIPIENT, "orig@example.jp");
    event_set(e, EV_MESSAGE_ID, "<m1@example.com>");
    e->code = 902;
    sbuf want = {0}, got = {0};
    event_json(&want, e);
    CHECK(put1(s, e) == 1);
    struct event_filter f = {.address = "one@example.jp"};
    CHECK(store_events(s, &f, to_json, &got) == 0);
    CHECK_STR(got.s, want.s);
    store_close(s);
    sbuf_free(&want);
    sbuf_free(&got);
}

TEST(a_replayed_event_is_not_stored_twice)
{
    store *s = open_store();
    event *batch[3] = {ev("r1", T0, "replay@example.jp", "mailboxfull", "soft"),
                       ev("r2", T0 + 1, "replay@example.jp", "mailboxfull", "soft"),
                       ev("r3", T0 + 2, "replay@example.jp", "mailboxfull", "soft")};
    CHECK(store_put(s, batch, 2) == 2);
    CHECK(store_put(s, batch, 3) == 1); /* r1 and r2 again, r3 new */
    CHECK(store_put(s, batch, 3) == 0);
    struct event_filter f = {.address = "replay@example.jp"};
    CHECK_STR(list(s, &f), "r1 r2 r3");
    for (int i = 0; i < 3; i++)
        event_free(batch[i]);
    store_close(s);
}

static int count_one(const event *e, void *arg)
{
    ++*(int *)arg;
    return 0;
}

TEST(a_large_batch_spans_statements_and_replays_to_nothing)
{
    store *s = open_store();
    event *batch[130];
    for (int i = 0; i < 129; i++) {
        char id[16];
        snprintf(id, sizeof id, "big%03d", i);
        batch[i] = ev(id, T0 + i, "big@batch.example", "mailboxfull", "soft");
    }
    batch[129] = ev("big000", T0, "big@batch.example", "mailboxfull", "soft"); /* a duplicate */
    CHECK(store_put(s, batch, 129) == 129);
    CHECK(store_put(s, batch, 130) == 0);
    struct event_filter f = {.address = "big@batch.example"};
    int n = 0;
    CHECK(store_events(s, &f, count_one, &n) == 0);
    CHECK(n == 129);
    for (int i = 0; i < 130; i++)
        event_free(batch[i]);
    store_close(s);
}

TEST(events_are_filtered_by_address_domain_class_severity_and_time)
{
    store *s = open_store();
    put1(s, ev("f1", T0 + 10, "a@filter.example", "userunknown", "hard"));
    put1(s, ev("f2", T0 + 20, "b@filter.example", "mailboxfull", "soft"));
    put1(s, ev("f3", T0 + 30, "c@sub.filter.example", "userunknown", "hard"));
    put1(s, ev("f4", T0 + DAY, "a@filter.example", "mailboxfull", "soft"));
    put1(s, ev("f5", T0 + 40, "x@nofilter.example", "userunknown", "hard"));
    struct event_filter f = {.domain = "filter.example"};
    CHECK_STR(list(s, &f), "f1 f2 f4");
    f = (struct event_filter){.domain = "filter.example", .class_name = "mailboxfull"};
    CHECK_STR(list(s, &f), "f2 f4");
    f = (struct event_filter){.domain = "filter.example", .severity = "hard"};
    CHECK_STR(list(s, &f), "f1");
    f = (struct event_filter){.address = "a@filter.example", .since = T0 + 11};
    CHECK_STR(list(s, &f), "f4");
    f = (struct event_filter){.domain = "filter.example", .before = T0 + 20};
    CHECK_STR(list(s, &f), "f1");
    store_close(s);
}

struct sups {
    char buf[1024];
};

static int add_sup(const suppression *sp, void *arg)
{
    struct sups *o = arg;
    size_t len = strlen(o->buf);
    snprintf(o->buf + len, sizeof o->buf - len, "%s%s:%s", len ? " " : "", sp->address, sp->reason);
    return 0;
}

static const char *active(store *s, int64_t now, const char *domain)
{
    static struct sups o;
    struct sups all = {{0}};
    memset(&o, 0, sizeof o);
    if (store_suppressions(s, now, 0, add_sup, &all) < 0)
        return "(error)";
    /* Only this test's domain: the suites share one database. */
    for (char *t = strtok(all.buf, " "); t; t = strtok(NULL, " "))
        if (strstr(t, domain)) {
            size_t len = strlen(o.buf);
            snprintf(o.buf + len, sizeof o.buf - len, "%s%s", len ? " " : "", t);
        }
    return o.buf;
}

TEST(manual_suppress_and_unsuppress_keep_notes_and_evidence)
{
    store *s = open_store();
    policy p;
    policy_defaults(&p);
    put1(s, ev("m1", T0, "Dead@Manual.Example", "userunknown", "hard"));
    CHECK(store_apply_policy(s, &p, "Dead@Manual.Example", T0 + 5, NULL) == 1);
    CHECK_STR(active(s, T0 + 10, "manual.example"), "Dead@manual.example:userunknown");
    CHECK(store_unsuppress(s, "Dead@MANUAL.example", "customer called", T0 + 20) == 1);
    CHECK(store_unsuppress(s, "Dead@manual.example", "twice", T0 + 21) == 0);
    CHECK_STR(active(s, T0 + 30, "manual.example"), "");
    suppression sp;
    CHECK(store_suppression_get(s, "Dead@manual.example", &sp) == 1);
    CHECK_STR(sp.evidence, "m1");
    CHECK_STR(sp.lifted_note, "customer called");
    CHECK(sp.lifted == T0 + 20);
    suppression_clear(&sp);
    /* The hard bounce before the unsuppress no longer suppresses. */
    CHECK(store_apply_policy(s, &p, "Dead@manual.example", T0 + 40, NULL) == 0);

    CHECK(store_suppress(s, "ops@manual.example", "asked to stop", T0 + 50) == 0);
    CHECK(store_suppression_get(s, "ops@manual.example", &sp) == 1);
    CHECK_STR(sp.reason, "manual");
    CHECK_STR(sp.note, "asked to stop");
    CHECK(sp.manual == 1 && sp.until == 0 && sp.since == T0 + 50);
    suppression_clear(&sp);
    CHECK_STR(active(s, T0 + 60, "manual.example"), "ops@manual.example:manual");
    /* A suppression by hand of a lifted address keeps its old evidence. */
    CHECK(store_suppress(s, "Dead@manual.example", "again", T0 + 20) == 0);
    CHECK(store_suppression_get(s, "Dead@manual.example", &sp) == 1);
    CHECK_STR(sp.evidence, "m1");
    CHECK(suppression_active(&sp, T0 + 70));
    suppression_clear(&sp);
    store_close(s);
}

TEST(the_policy_suppresses_through_the_store)
{
    store *s = open_store();
    policy p;
    policy_defaults(&p);
    p.soft_count = 3;
    p.soft_days = 7;
    p.expire_soft = 10;
    const char *a = "full@policy.example";
    put1(s, ev("p1", T0, a, "mailboxfull", "soft"));
    put1(s, ev("p2", T0 + DAY, a, "mailboxfull", "soft"));
    CHECK(store_apply_policy(s, &p, a, T0 + DAY, NULL) == 0);
    put1(s, ev("p3", T0 + 2 * DAY, a, "mailboxfull", "soft"));
    suppression made;
    CHECK(store_apply_policy(s, &p, a, T0 + 2 * DAY, &made) == 1);
    CHECK_STR(made.reason, "mailboxfull");
    CHECK_STR(made.evidence, "p1 p2 p3");
    CHECK(made.since == T0 + 2 * DAY && made.until == T0 + 12 * DAY);
    suppression_clear(&made);
    /* Already in force: nothing new. */
    CHECK(store_apply_policy(s, &p, a, T0 + 3 * DAY, NULL) == 0);
    /* Expired: gone from the list. */
    CHECK_STR(active(s, T0 + 13 * DAY, "policy.example"), "");

    p.enforce = 0;
    const char *b = "watch@policy.example";
    put1(s, ev("w1", T0, b, "userunknown", "hard"));
    CHECK(store_apply_policy(s, &p, b, T0 + 1, &made) == 1);
    CHECK(made.enforced == 0);
    CHECK(strstr(made.note, "observe") != NULL);
    suppression_clear(&made);
    store_close(s);
}

TEST(prune_deletes_old_events_and_expired_suppressions)
{
    store *s = open_store();
    put1(s, ev("o1", T0 - 400 * DAY, "old@prune.example", "userunknown", "hard"));
    put1(s, ev("o2", T0 - 10 * DAY, "new@prune.example", "userunknown", "hard"));
    policy p;
    policy_defaults(&p);
    p.expire_hard = 5;
    CHECK(store_apply_policy(s, &p, "new@prune.example", T0 - 9 * DAY, NULL) == 1);
    long ne = -1, ns = -1;
    CHECK(store_prune(s, T0 - 365 * DAY, T0, &ne, &ns) == 0);
    CHECK(ne >= 1);
    CHECK(ns >= 1);
    struct event_filter f = {.domain = "prune.example"};
    CHECK_STR(list(s, &f), "o2");
    suppression sp;
    CHECK(store_suppression_get(s, "new@prune.example", &sp) == 0);
    store_close(s);
}

TEST(forget_erases_an_address)
{
    store *s = open_store();
    event *e = ev("g1", T0, "gone@forget.example", "userunknown", "hard");
    put1(s, e);
    e = ev("g2", T0, "other@forget.example", "userunknown", "hard");
    event_set(e, EV_ORIGINAL_RECIPIENT, "gone@forget.example");
    put1(s, e);
    put1(s, ev("g3", T0, "kept@forget.example", "userunknown", "hard"));
    CHECK(store_suppress(s, "gone@forget.example", "x", T0) == 0);
    long ne = -1, ns = -1;
    CHECK(store_forget(s, "gone@FORGET.example", &ne, &ns) == 0);
    CHECK(ne == 2 && ns == 1);
    struct event_filter f = {.domain = "forget.example"};
    CHECK_STR(list(s, &f), "g3");
    store_close(s);
}

TEST(an_older_schema_is_migrated_with_its_data)
{
    char err[512];
    store *s = store_open_version(uri_old, 1, err, sizeof err);
    CHECK(s != NULL);
    if (s == NULL) {
        printf("# %s\n", err);
        return;
    }
    CHECK(store_schema_version(s) == 1);
    put1(s, ev("v1", T0, "old@migrate.example", "userunknown", "hard"));
    CHECK(store_exec(s, "INSERT INTO suppressions (address, reason, since, expires, note,"
                        " evidence, manual) VALUES ('old@migrate.example', 'userunknown',"
                        " 1796601600, NULL, '', 'v1', 0)") == 1);
    /* Version 1 has no lifted column: an unsuppress cannot work yet. */
    CHECK(store_unsuppress(s, "old@migrate.example", "n", T0 + 1) == -1);
    store_close(s);

    s = store_open(uri_old, err, sizeof err);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    CHECK(store_schema_version(s) == STORE_SCHEMA_VERSION);
    struct event_filter f = {.address = "old@migrate.example"};
    CHECK_STR(list(s, &f), "v1");
    suppression sp;
    CHECK(store_suppression_get(s, "old@migrate.example", &sp) == 1);
    CHECK(sp.enforced == 1 && sp.lifted == 0 && suppression_active(&sp, T0 + 1));
    CHECK_STR(sp.evidence, "v1");
    suppression_clear(&sp);
    CHECK(store_unsuppress(s, "old@migrate.example", "migrated", T0 + 1) == 1);
    /* A database newer than the program is refused, not damaged. */
    CHECK(store_exec(s, "UPDATE schema_version SET version = 99") == 1);
    store_close(s);
    s = store_open(uri_old, err, sizeof err);
    CHECK(s == NULL);
    CHECK(strstr(err, "schema version 99") != NULL);
    store_close(s);
}

TEST(store_uris_are_checked)
{
    CHECK(store_uri_problem("sqlite:/var/lib/x.db") == NULL);
    CHECK(store_uri_problem("postgresql://u@h/db") == NULL);
    CHECK(store_uri_problem("postgres:///db?host=/run") == NULL);
    CHECK(store_uri_problem("sqlite:relative.db") != NULL);
    CHECK(store_uri_problem("mysql://x") != NULL);
    char err[256];
    CHECK(store_open("sqlite:/nonexistent-dir/x.db", err, sizeof err) == NULL);
    CHECK(strstr(err, "/nonexistent-dir/x.db") != NULL);
}

int main(void)
{
    setup();
    printf("# store %s\n", strncmp(uri, "sqlite:", 7) == 0 ? "sqlite" : "postgresql");
    RUN_TESTS();
}
