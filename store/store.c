/*
 * store.c - the event store over a driver (driver.h): schema and
 * migrations, events, the suppression list (see store.h).
 *
 * The schema is versioned in schema_version; migrations[v - 1] takes a
 * database from version v - 1 to v and runs, with the version update, in
 * one transaction under a lock, so two daemons starting together on one
 * PostgreSQL database migrate it once.  The SQL is the common dialect of
 * SQLite and PostgreSQL (BIGINT, INSERT ... ON CONFLICT).  Times are
 * seconds since the epoch; a suppression that never expires has a NULL
 * `expires`.
 */
#include "store.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

struct store {
    drv *d;
    int version;
    char err[512];
};

/* Version 1: events and suppressions; an unsuppress deleted the row.
 * Version 2: an unsuppress keeps the row (lifted, lifted_note) with its
 * evidence; observe-only suppressions (enforced); events indexed by time
 * for prune and the reports. */
static const char *const migration1[] = {
    "CREATE TABLE events ("
    " id TEXT PRIMARY KEY, time BIGINT NOT NULL, queue_id TEXT NOT NULL, host TEXT NOT NULL,"
    " kind TEXT NOT NULL, mta TEXT NOT NULL, address TEXT NOT NULL,"
    " original_recipient TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL,"
    " reply_code TEXT NOT NULL, class TEXT NOT NULL, severity TEXT NOT NULL,"
    " advice TEXT NOT NULL, code INTEGER NOT NULL, detail TEXT NOT NULL, rule TEXT NOT NULL,"
    " smtp_command TEXT NOT NULL, diagnostic TEXT NOT NULL, remote_mta TEXT NOT NULL,"
    " message_id TEXT NOT NULL, authenticated INTEGER NOT NULL)",
    "CREATE INDEX events_address ON events (address, time)",
    "CREATE TABLE suppressions ("
    " address TEXT PRIMARY KEY, reason TEXT NOT NULL, since BIGINT NOT NULL, expires BIGINT,"
    " note TEXT NOT NULL, evidence TEXT NOT NULL, manual INTEGER NOT NULL)",
    NULL};
static const char *const migration2[] = {
    "ALTER TABLE suppressions ADD COLUMN enforced INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE suppressions ADD COLUMN lifted BIGINT",
    "ALTER TABLE suppressions ADD COLUMN lifted_note TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX events_time ON events (time)", NULL};
static const char *const *const migrations[STORE_SCHEMA_VERSION] = {migration1, migration2};

#define EVENT_COLS                                                                                 \
    "id, queue_id, host, kind, mta, address, original_recipient, action, status, reply_code,"      \
    " class, severity, advice, detail, rule, smtp_command, diagnostic, remote_mta, message_id,"    \
    " time, code, authenticated"
#define NEVENT_COLS (EV_NFIELDS + 3)

#define SUP_COLS                                                                                   \
    "address, reason, since, expires, note, evidence, manual, enforced, lifted, lifted_note"

const char *store_uri_problem(const char *uri)
{
    if (strncmp(uri, "sqlite:", 7) == 0)
        return uri[7] == '/' ? NULL : "sqlite: needs an absolute path (sqlite:/path/to/file.db)";
    if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0)
        return NULL;
    return "not a store URI (sqlite:/path or postgresql://...)";
}

const char *store_error(const store *s)
{
    return s->err;
}

static long run(store *s, const char *sql, const char *const *params, int n, drv_row_fn fn,
                void *arg)
{
    return s->d->exec(s->d, sql, params, n, fn, arg, s->err, sizeof s->err);
}

long store_exec(store *s, const char *sql)
{
    return run(s, sql, NULL, 0, NULL, NULL);
}

static void rollback(store *s)
{
    char keep[sizeof s->err];
    memcpy(keep, s->err, sizeof keep);
    run(s, "ROLLBACK", NULL, 0, NULL, NULL);
    memcpy(s->err, keep, sizeof keep);
}

static int row_int(const char *const *cols, int ncols, void *arg)
{
    *(int64_t *)arg = ncols > 0 && cols[0] ? strtoll(cols[0], NULL, 10) : 0;
    return 1;
}

/* ---------------------------------------------------------- migration */

static int migrate(store *s, int target)
{
    int64_t v = 0;
    char vbuf[24];
    const char *p[1] = {vbuf};
    if (run(s, s->d->begin_write, NULL, 0, NULL, NULL) < 0)
        return -1;
    if ((s->d->migration_lock[0] && run(s, s->d->migration_lock, NULL, 0, NULL, NULL) < 0) ||
        run(s, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", NULL, 0,
            NULL, NULL) < 0 ||
        run(s, "SELECT max(version) FROM schema_version", NULL, 0, row_int, &v) < 0)
        goto fail;
    if (v > STORE_SCHEMA_VERSION) {
        snprintf(s->err, sizeof s->err,
                 "the database's schema version %" PRId64 " is newer than this program's (%d)", v,
                 STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (v < target) {
        for (int64_t k = v; k < target; k++)
            for (const char *const *sql = migrations[k]; *sql; sql++)
                if (run(s, *sql, NULL, 0, NULL, NULL) < 0)
                    goto fail;
        snprintf(vbuf, sizeof vbuf, "%d", target);
        if (run(s, "DELETE FROM schema_version", NULL, 0, NULL, NULL) < 0 ||
            run(s, "INSERT INTO schema_version (version) VALUES (?)", p, 1, NULL, NULL) < 0)
            goto fail;
        v = target;
    }
    if (run(s, "COMMIT", NULL, 0, NULL, NULL) < 0)
        goto fail;
    s->version = (int)v;
    return 0;
fail:
    rollback(s);
    return -1;
}

store *store_open_version(const char *uri, int version, char *err, size_t errlen)
{
    const char *problem = store_uri_problem(uri);
    if (problem) {
        snprintf(err, errlen, "%s: %s", uri, problem);
        return NULL;
    }
    store *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->d = uri[0] == 's' ? drv_sqlite_open(uri + 7, err, errlen) : drv_pg_open(uri, err, errlen);
    if (s->d == NULL) {
        free(s);
        return NULL;
    }
    if (version < 1 || version > STORE_SCHEMA_VERSION)
        version = STORE_SCHEMA_VERSION;
    if (migrate(s, version) < 0) {
        snprintf(err, errlen, "%s: %s", uri[0] == 's' ? uri : s->d->name, s->err);
        store_close(s);
        return NULL;
    }
    return s;
}

store *store_open(const char *uri, char *err, size_t errlen)
{
    return store_open_version(uri, STORE_SCHEMA_VERSION, err, errlen);
}

int store_schema_version(store *s)
{
    return s->version;
}

void store_close(store *s)
{
    if (s == NULL)
        return;
    s->d->close(s->d);
    free(s);
}

/* ------------------------------------------------------------- events */

/* Rows per INSERT: one statement per 50 events saves PostgreSQL a round
 * trip per event, and stays far below both databases' parameter limits. */
#define PUT_CHUNK 50

/* One multi-row INSERT of k <= PUT_CHUNK events: rows inserted, or -1. */
static long put_chunk(store *s, event *const *evs, size_t k)
{
    const char *p[PUT_CHUNK * NEVENT_COLS];
    char num[PUT_CHUNK][2][24];
    char *keys[PUT_CHUNK * 2] = {NULL};
    sbuf sql = {0};
    int oom = 0;
    sbuf_puts(&sql, "INSERT INTO events (" EVENT_COLS ") VALUES ");
    for (size_t i = 0; i < k; i++) {
        const event *e = evs[i];
        const char **row = p + i * NEVENT_COLS;
        sbuf_puts(&sql, i ? ", (?" : "(?");
        for (int c = 1; c < NEVENT_COLS; c++)
            sbuf_puts(&sql, ", ?");
        sbuf_puts(&sql, ")");
        for (int c = 0; c < EV_NFIELDS; c++)
            row[c] = e->f[c];
        /* Stored with the domain lower-cased, as they are looked up. */
        row[EV_ADDRESS] = keys[2 * i] = store_address_key(e->f[EV_ADDRESS]);
        row[EV_ORIGINAL_RECIPIENT] = keys[2 * i + 1] =
            store_address_key(e->f[EV_ORIGINAL_RECIPIENT]);
        oom |= keys[2 * i] == NULL || keys[2 * i + 1] == NULL;
        snprintf(num[i][0], sizeof num[i][0], "%" PRId64, e->time);
        snprintf(num[i][1], sizeof num[i][1], "%d", e->code);
        row[EV_NFIELDS] = num[i][0];
        row[EV_NFIELDS + 1] = num[i][1];
        row[EV_NFIELDS + 2] = e->authenticated ? "1" : "0";
    }
    sbuf_puts(&sql, " ON CONFLICT (id) DO NOTHING");
    long rc = -1;
    if (oom || !sbuf_ok(&sql))
        snprintf(s->err, sizeof s->err, "out of memory");
    else
        rc = run(s, sql.s, p, (int)(k * NEVENT_COLS), NULL, NULL);
    for (size_t i = 0; i < 2 * k; i++)
        free(keys[i]);
    sbuf_free(&sql);
    return rc;
}

long store_put(store *s, event *const *evs, size_t n)
{
    if (run(s, s->d->begin_write, NULL, 0, NULL, NULL) < 0)
        return -1;
    long inserted = 0;
    for (size_t i = 0; i < n; i += PUT_CHUNK) {
        long rc = put_chunk(s, evs + i, n - i < PUT_CHUNK ? n - i : PUT_CHUNK);
        if (rc < 0) {
            rollback(s);
            return -1;
        }
        inserted += rc;
    }
    if (run(s, "COMMIT", NULL, 0, NULL, NULL) < 0) {
        rollback(s);
        return -1;
    }
    return inserted;
}

struct events_cb {
    int (*fn)(const event *, void *);
    void *arg;
    int stopped, oom;
};

static int event_row(const char *const *cols, int ncols, void *arg)
{
    struct events_cb *c = arg;
    event *e = ncols == NEVENT_COLS ? calloc(1, sizeof *e) : NULL;
    if (e == NULL) {
        c->oom = 1;
        return 1;
    }
    for (int k = 0; k < EV_NFIELDS; k++)
        if ((e->f[k] = strdup(cols[k] ? cols[k] : "")) == NULL) {
            event_free(e);
            c->oom = 1;
            return 1;
        }
    e->time = cols[EV_NFIELDS] ? strtoll(cols[EV_NFIELDS], NULL, 10) : 0;
    e->code = cols[EV_NFIELDS + 1] ? atoi(cols[EV_NFIELDS + 1]) : 0;
    e->authenticated = cols[EV_NFIELDS + 2] && atoi(cols[EV_NFIELDS + 2]) != 0;
    c->stopped = c->fn(e, c->arg);
    event_free(e);
    return c->stopped;
}

int store_events(store *s, const struct event_filter *f, int (*fn)(const event *ev, void *arg),
                 void *arg)
{
    sbuf sql = {0};
    const char *p[8];
    char since[24], before[24], dlen[16], dom[512];
    int n = 0;
    char *key = NULL;
    sbuf_puts(&sql, "SELECT " EVENT_COLS " FROM events WHERE 1 = 1");
    if (f && f->address) {
        sbuf_puts(&sql, " AND address = ?");
        p[n++] = key = store_address_key(f->address);
    }
    if (f && f->domain) {
        /* Compared as the address's tail, the one form both databases
         * index-free evaluate the same way. */
        snprintf(dom, sizeof dom, "@%s", f->domain);
        snprintf(dlen, sizeof dlen, "%zu", strlen(dom));
        sbuf_puts(&sql, " AND substr(address, length(address) - ? + 1) = ?");
        p[n++] = dlen;
        p[n++] = dom;
    }
    if (f && f->class_name) {
        sbuf_puts(&sql, " AND class = ?");
        p[n++] = f->class_name;
    }
    if (f && f->severity) {
        sbuf_puts(&sql, " AND severity = ?");
        p[n++] = f->severity;
    }
    if (f && f->since) {
        snprintf(since, sizeof since, "%" PRId64, f->since);
        sbuf_puts(&sql, " AND time >= ?");
        p[n++] = since;
    }
    if (f && f->before) {
        snprintf(before, sizeof before, "%" PRId64, f->before);
        sbuf_puts(&sql, " AND time < ?");
        p[n++] = before;
    }
    sbuf_puts(&sql, " ORDER BY time, id");
    if (!sbuf_ok(&sql) || (f && f->address && key == NULL)) {
        snprintf(s->err, sizeof s->err, "out of memory");
        sbuf_free(&sql);
        free(key);
        return -1;
    }
    struct events_cb c = {fn, arg, 0, 0};
    long rc = run(s, sql.s, p, n, event_row, &c);
    sbuf_free(&sql);
    free(key);
    if (c.oom) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return -1;
    }
    return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------- suppressions */

char *store_address_key(const char *address)
{
    char *k = strdup(address);
    char *at = k ? strrchr(k, '@') : NULL;
    for (char *c = at; c && *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return k;
}

void suppression_clear(suppression *sp)
{
    free(sp->address);
    free(sp->reason);
    free(sp->note);
    free(sp->evidence);
    free(sp->lifted_note);
    *sp = (suppression){0};
}

int suppression_active(const suppression *sp, int64_t now)
{
    return sp->lifted < sp->since && (sp->until == 0 || sp->until > now);
}

static int64_t num(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

static char *dup0(const char *s)
{
    return strdup(s ? s : "");
}

/* A row of SUP_COLS into *sp; -1 on memory exhaustion. */
static int sup_from_row(suppression *sp, const char *const *c)
{
    *sp = (suppression){.address = dup0(c[0]),
                        .reason = dup0(c[1]),
                        .since = num(c[2]),
                        .until = num(c[3]),
                        .note = dup0(c[4]),
                        .evidence = dup0(c[5]),
                        .manual = num(c[6]) != 0,
                        .enforced = num(c[7]) != 0,
                        .lifted = num(c[8]),
                        .lifted_note = dup0(c[9])};
    if (!sp->address || !sp->reason || !sp->note || !sp->evidence || !sp->lifted_note) {
        suppression_clear(sp);
        return -1;
    }
    return 0;
}

struct sup_cb {
    int (*fn)(const suppression *, void *);
    void *arg;
    int64_t now;
    int all, oom, found;
    suppression *one;
};

static int sup_row(const char *const *cols, int ncols, void *arg)
{
    struct sup_cb *c = arg;
    suppression sp;
    if (ncols != 10 || sup_from_row(&sp, cols) < 0) {
        c->oom = 1;
        return 1;
    }
    c->found = 1;
    if (c->one) {
        *c->one = sp;
        return 1;
    }
    int stop = 0;
    if (c->all || suppression_active(&sp, c->now))
        stop = c->fn(&sp, c->arg);
    suppression_clear(&sp);
    return stop;
}

static int sup_query(store *s, const char *sql, const char *const *p, int n, struct sup_cb *c)
{
    long rc = run(s, sql, p, n, sup_row, c);
    if (c->oom) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return -1;
    }
    return rc < 0 ? -1 : 0;
}

int store_suppression_get(store *s, const char *address, suppression *out)
{
    struct sup_cb c = {.one = out};
    const char *p[1] = {address};
    *out = (suppression){0};
    if (sup_query(s, "SELECT " SUP_COLS " FROM suppressions WHERE address = ?", p, 1, &c) < 0)
        return -1;
    return c.found;
}

int store_suppressions(store *s, int64_t now, int all, int (*fn)(const suppression *sp, void *arg),
                       void *arg)
{
    struct sup_cb c = {.fn = fn, .arg = arg, .now = now, .all = all};
    return sup_query(s, "SELECT " SUP_COLS " FROM suppressions ORDER BY address", NULL, 0, &c);
}

/* Write sp as the address's row (replacing any). */
static int sup_write(store *s, const suppression *sp)
{
    static const char sql[] =
        "INSERT INTO suppressions (" SUP_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (address) DO UPDATE SET reason = excluded.reason, since = excluded.since,"
        " expires = excluded.expires, note = excluded.note, evidence = excluded.evidence,"
        " manual = excluded.manual, enforced = excluded.enforced, lifted = excluded.lifted,"
        " lifted_note = excluded.lifted_note";
    char since[24], until[24], lifted[24];
    snprintf(since, sizeof since, "%" PRId64, sp->since);
    snprintf(until, sizeof until, "%" PRId64, sp->until);
    snprintf(lifted, sizeof lifted, "%" PRId64, sp->lifted);
    const char *p[10] = {sp->address,
                         sp->reason,
                         since,
                         sp->until ? until : NULL,
                         sp->note ? sp->note : "",
                         sp->evidence ? sp->evidence : "",
                         sp->manual ? "1" : "0",
                         sp->enforced ? "1" : "0",
                         sp->lifted ? lifted : NULL,
                         sp->lifted_note ? sp->lifted_note : ""};
    return run(s, sql, p, 10, NULL, NULL) < 0 ? -1 : 0;
}

int store_suppress(store *s, const char *address, const char *note, int64_t now)
{
    suppression old;
    char *key = store_address_key(address);
    int found = key ? store_suppression_get(s, key, &old) : -1;
    if (found < 0) {
        free(key);
        return -1;
    }
    suppression sp = {.address = key,
                      .reason = "manual",
                      .since = found && old.lifted >= now ? old.lifted + 1 : now,
                      .note = (char *)note,
                      .evidence = found ? old.evidence : "",
                      .manual = 1,
                      .enforced = 1,
                      .lifted = found ? old.lifted : 0,
                      .lifted_note = found ? old.lifted_note : ""};
    int rc = sup_write(s, &sp);
    if (found)
        suppression_clear(&old);
    free(key);
    return rc;
}

int store_unsuppress(store *s, const char *address, const char *note, int64_t now)
{
    static const char sql[] = "UPDATE suppressions SET lifted = ?, lifted_note = ?"
                              " WHERE address = ? AND (lifted IS NULL OR lifted < since)"
                              " AND (expires IS NULL OR expires > ?)";
    char *key = store_address_key(address);
    if (key == NULL) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return -1;
    }
    char t[24], lift[24];
    snprintf(t, sizeof t, "%" PRId64, now);
    snprintf(lift, sizeof lift, "%" PRId64, now); /* soft counting restarts after it */
    const char *p[4] = {lift, note, key, t};
    long rc = run(s, sql, p, 4, NULL, NULL);
    free(key);
    return rc < 0 ? -1 : rc > 0;
}

struct collect {
    event **v;
    size_t n, cap;
    int oom;
};

static int collect_event(const event *ev, void *arg)
{
    struct collect *c = arg;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        event **v = realloc(c->v, cap * sizeof *v);
        if (v == NULL) {
            c->oom = 1;
            return 1;
        }
        c->v = v;
        c->cap = cap;
    }
    event *copy = event_new();
    for (int k = 0; copy && k < EV_NFIELDS; k++)
        if (event_set(copy, (enum event_field)k, ev->f[k]) < 0) {
            event_free(copy);
            copy = NULL;
        }
    if (copy == NULL) {
        c->oom = 1;
        return 1;
    }
    copy->time = ev->time;
    copy->code = ev->code;
    copy->authenticated = ev->authenticated;
    c->v[c->n++] = copy;
    return 0;
}

/* The evidence of verdict v, then the old row's ids not among them. */
static char *evidence_ids(event **evs, const size_t *idx, size_t n, const char *old)
{
    sbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (b.len)
            sbuf_puts(&b, " ");
        sbuf_puts(&b, evs[idx[i]]->f[EV_ID]);
    }
    for (const char *p = old; p && *p;) {
        size_t len = strcspn(p, " ");
        int seen = 0;
        for (size_t i = 0; i < n && !seen; i++)
            seen =
                strlen(evs[idx[i]]->f[EV_ID]) == len && memcmp(evs[idx[i]]->f[EV_ID], p, len) == 0;
        if (!seen && len) {
            if (b.len)
                sbuf_puts(&b, " ");
            sbuf_put(&b, p, len);
        }
        p += len;
        p += *p == ' ';
    }
    if (!sbuf_ok(&b)) {
        sbuf_free(&b);
        return NULL;
    }
    return b.s;
}

static int copy_suppression(suppression *dst, const suppression *src)
{
    *dst = *src;
    dst->address = dup0(src->address);
    dst->reason = dup0(src->reason);
    dst->note = dup0(src->note);
    dst->evidence = dup0(src->evidence);
    dst->lifted_note = dup0(src->lifted_note);
    if (!dst->address || !dst->reason || !dst->note || !dst->evidence || !dst->lifted_note) {
        suppression_clear(dst);
        return -1;
    }
    return 0;
}

static int decide_and_write(store *s, const policy *p, const char *key, const suppression *old,
                            int64_t now, suppression *made)
{
    struct collect c = {0};
    struct event_filter f = {.address = key};
    if (store_events(s, &f, collect_event, &c) < 0 || c.oom) {
        if (c.oom)
            snprintf(s->err, sizeof s->err, "out of memory");
        for (size_t i = 0; i < c.n; i++)
            event_free(c.v[i]);
        free(c.v);
        return -1;
    }
    verdict v;
    size_t *idx = malloc((c.n ? c.n : 1) * sizeof *idx);
    int rc = idx ? policy_decide(p, key, (const event *const *)c.v, c.n, old ? old->lifted : 0, now,
                                 &v, idx)
                 : -1;
    if (rc == 1) {
        char *ids = evidence_ids(c.v, idx, v.nevidence, old ? old->evidence : NULL);
        suppression sp = {.address = (char *)key,
                          .reason = v.reason,
                          .since = v.since,
                          .until = v.until,
                          .note = v.enforced ? "" : "observe only (enforce = false)",
                          .evidence = ids,
                          .enforced = v.enforced,
                          .lifted = old ? old->lifted : 0,
                          .lifted_note = old ? old->lifted_note : ""};
        rc = ids == NULL ? -1 : sup_write(s, &sp);
        if (rc == 0 && made)
            rc = copy_suppression(made, &sp);
        if (rc == 0)
            rc = 1;
        free(ids);
    }
    if (rc < 0 && idx == NULL)
        snprintf(s->err, sizeof s->err, "out of memory");
    free(idx);
    for (size_t i = 0; i < c.n; i++)
        event_free(c.v[i]);
    free(c.v);
    return rc;
}

int store_apply_policy(store *s, const policy *p, const char *address, int64_t now,
                       suppression *made)
{
    char *key = store_address_key(address);
    if (key == NULL) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return -1;
    }
    suppression old;
    int found = store_suppression_get(s, key, &old), rc = found;
    if (found == 0)
        rc = decide_and_write(s, p, key, NULL, now, made);
    else if (found == 1)
        rc = suppression_active(&old, now) ? 0 : decide_and_write(s, p, key, &old, now, made);
    if (found == 1)
        suppression_clear(&old);
    free(key);
    return rc;
}

/* Run the statements of one deletion in a transaction; their counts to out. */
static int delete_all(store *s, const char *const *sql, const char *const *const *params,
                      const int *n, long *out[2])
{
    if (run(s, s->d->begin_write, NULL, 0, NULL, NULL) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        long rc = run(s, sql[i], params[i], n[i], NULL, NULL);
        if (rc < 0) {
            rollback(s);
            return -1;
        }
        if (out[i])
            *out[i] = rc;
    }
    if (run(s, "COMMIT", NULL, 0, NULL, NULL) < 0) {
        rollback(s);
        return -1;
    }
    return 0;
}

int store_prune(store *s, int64_t before, int64_t now, long *events, long *suppressions)
{
    static const char *const sql[2] = {
        "DELETE FROM events WHERE time < ?",
        "DELETE FROM suppressions WHERE ((expires IS NOT NULL AND expires <= ?)"
        " OR (lifted IS NOT NULL AND lifted >= since))"
        " AND (lifted IS NULL OR lifted < ?)"};
    char b[24], t[24];
    snprintf(b, sizeof b, "%" PRId64, before);
    snprintf(t, sizeof t, "%" PRId64, now);
    const char *p0[1] = {b}, *p1[2] = {t, b};
    const char *const *params[2] = {p0, p1};
    long *out[2] = {events, suppressions};
    return delete_all(s, sql, params, (const int[2]){1, 2}, out);
}

int store_forget(store *s, const char *address, long *events, long *suppressions)
{
    static const char *const sql[2] = {
        "DELETE FROM events WHERE address = ? OR original_recipient = ?",
        "DELETE FROM suppressions WHERE address = ?"};
    char *key = store_address_key(address);
    if (key == NULL) {
        snprintf(s->err, sizeof s->err, "out of memory");
        return -1;
    }
    const char *p0[2] = {key, key}, *p1[1] = {key};
    const char *const *params[2] = {p0, p1};
    long *out[2] = {events, suppressions};
    int rc = delete_all(s, sql, params, (const int[2]){2, 1}, out);
    free(key);
    return rc;
}
