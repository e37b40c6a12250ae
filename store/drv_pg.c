/*
 * drv_pg.c - the PostgreSQL driver of the event store (see driver.h), for
 * a fleet of MX hosts sharing one database.
 *
 * Statements with parameters are prepared once per connection ("?" becomes
 * $1, $2, ...); a lost connection is reset before the next statement and
 * its prepared statements forgotten, so the writer thread recovers when
 * the database comes back.
 */
#include "driver.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCACHE 32

struct cached {
    char *sql;
    char name[16];
};

struct pg {
    PGconn *conn;
    struct cached cache[NCACHE];
    size_t ncache, next_evict;
    unsigned serial;
};

static void forget_prepared(struct pg *p)
{
    for (size_t i = 0; i < p->ncache; i++) {
        free(p->cache[i].sql);
        p->cache[i].sql = NULL;
    }
    p->ncache = 0;
}

/* sql with each ? replaced by $n; NULL on memory exhaustion. */
static char *number_params(const char *sql)
{
    size_t n = 0;
    for (const char *s = sql; *s; s++)
        n += *s == '?';
    char *out = malloc(strlen(sql) + n * 4 + 1), *o = out;
    if (out == NULL)
        return NULL;
    int k = 0;
    for (const char *s = sql; *s; s++) {
        if (*s == '?')
            o += sprintf(o, "$%d", ++k);
        else
            *o++ = *s;
    }
    *o = '\0';
    return out;
}

static void set_err(struct pg *p, char *err, size_t errlen)
{
    const char *m = PQerrorMessage(p->conn);
    size_t n = strlen(m);
    while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    snprintf(err, errlen, "%.*s", (int)n, m);
}

/* The name of sql's prepared statement, preparing it if needed. */
static const char *prepared(struct pg *p, const char *sql, int nparams, char *err, size_t errlen)
{
    for (size_t i = 0; i < p->ncache; i++)
        if (strcmp(p->cache[i].sql, sql) == 0)
            return p->cache[i].name;
    char *numbered = number_params(sql), *copy = strdup(sql);
    if (numbered == NULL || copy == NULL) {
        free(numbered);
        free(copy);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char name[16];
    snprintf(name, sizeof name, "bm%u", ++p->serial);
    PGresult *r = PQprepare(p->conn, name, numbered, nparams, NULL);
    free(numbered);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        set_err(p, err, errlen);
        free(copy);
        return NULL;
    }
    size_t i = p->ncache < NCACHE ? p->ncache++ : p->next_evict++ % NCACHE;
    struct cached *c = &p->cache[i];
    if (c->sql) { /* evicted: its connection-side statement goes too */
        char dealloc[48];
        snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", c->name);
        PQclear(PQexec(p->conn, dealloc));
        free(c->sql);
    }
    c->sql = copy;
    memcpy(c->name, name, sizeof name);
    return c->name;
}

static long pg_exec(drv *d, const char *sql, const char *const *params, int nparams, drv_row_fn fn,
                    void *arg, char *err, size_t errlen)
{
    struct pg *p = d->h;
    if (PQstatus(p->conn) != CONNECTION_OK) {
        forget_prepared(p);
        PQreset(p->conn);
        if (PQstatus(p->conn) != CONNECTION_OK) {
            set_err(p, err, errlen);
            return -1;
        }
    }
    PGresult *r;
    if (nparams == 0) {
        r = PQexec(p->conn, sql);
    } else {
        const char *name = prepared(p, sql, nparams, err, errlen);
        if (name == NULL)
            return -1;
        r = PQexecPrepared(p->conn, name, nparams, params, NULL, NULL, 0);
    }
    long changed = -1;
    switch (PQresultStatus(r)) {
    case PGRES_TUPLES_OK: {
        int nrows = PQntuples(r), ncols = PQnfields(r) > 64 ? 64 : PQnfields(r);
        const char *cols[64];
        for (int i = 0; i < nrows && fn; i++) {
            for (int c = 0; c < ncols; c++)
                cols[c] = PQgetisnull(r, i, c) ? NULL : PQgetvalue(r, i, c);
            if (fn(cols, ncols, arg))
                break;
        }
        changed = 0;
        break;
    }
    case PGRES_COMMAND_OK:
        changed = atol(PQcmdTuples(r));
        break;
    default:
        set_err(p, err, errlen);
    }
    PQclear(r);
    return changed;
}

static void pg_close(drv *d)
{
    struct pg *p = d->h;
    forget_prepared(p);
    PQfinish(p->conn);
    free(p);
    free(d);
}

static void quiet(void *arg, const char *message)
{
    /* NOTICEs ("relation already exists, skipping") are not errors. */
}

drv *drv_pg_open(const char *uri, char *err, size_t errlen)
{
    drv *d = calloc(1, sizeof *d);
    struct pg *p = calloc(1, sizeof *p);
    if (d == NULL || p == NULL) {
        free(d);
        free(p);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->conn = PQconnectdb(uri);
    if (p->conn == NULL || PQstatus(p->conn) != CONNECTION_OK) {
        if (p->conn)
            set_err(p, err, errlen);
        else
            snprintf(err, errlen, "out of memory");
        PQfinish(p->conn);
        free(p);
        free(d);
        return NULL;
    }
    PQsetNoticeProcessor(p->conn, quiet, NULL);
    *d = (drv){.name = "postgresql",
               .begin_write = "BEGIN",
               .migration_lock = "SELECT pg_advisory_xact_lock(1651469165)",
               .h = p,
               .exec = pg_exec,
               .close = pg_close};
    return d;
}
