/*
 * drv_sqlite.c - the SQLite driver of the event store (see driver.h).
 *
 * The file is created when missing and put in WAL mode, so that
 * bounce-report reads while the milter's writer thread writes; a writer
 * that finds the database busy waits up to 10 s.  synchronous=FULL because
 * the journal is emptied once the store has committed: a commit must
 * survive a power loss.
 */
#include "driver.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCACHE 32

struct cached {
    char *sql;
    sqlite3_stmt *st;
};

struct sq {
    sqlite3 *db;
    struct cached cache[NCACHE];
    size_t ncache, next_evict;
};

static sqlite3_stmt *prepare(struct sq *q, const char *sql, char *err, size_t errlen)
{
    for (size_t i = 0; i < q->ncache; i++)
        if (strcmp(q->cache[i].sql, sql) == 0)
            return q->cache[i].st;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(q->db));
        return NULL;
    }
    char *copy = strdup(sql);
    if (copy == NULL) {
        sqlite3_finalize(st);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t i = q->ncache < NCACHE ? q->ncache++ : q->next_evict++ % NCACHE;
    if (q->cache[i].sql) {
        free(q->cache[i].sql);
        sqlite3_finalize(q->cache[i].st);
    }
    q->cache[i] = (struct cached){copy, st};
    return st;
}

static long sq_exec(drv *d, const char *sql, const char *const *params, int nparams, drv_row_fn fn,
                    void *arg, char *err, size_t errlen)
{
    struct sq *q = d->h;
    sqlite3_stmt *st = prepare(q, sql, err, errlen);
    if (st == NULL)
        return -1;
    for (int i = 0; i < nparams; i++) {
        int rc = params[i] ? sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_STATIC)
                           : sqlite3_bind_null(st, i + 1);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "%s", sqlite3_errmsg(q->db));
            sqlite3_reset(st);
            return -1;
        }
    }
    int ncols = sqlite3_column_count(st), rc, stopped = 0;
    const char *cols[64];
    if (ncols > 64)
        ncols = 64;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn == NULL || stopped)
            continue;
        for (int i = 0; i < ncols; i++)
            cols[i] = (const char *)sqlite3_column_text(st, i);
        stopped = fn(cols, ncols, arg);
    }
    long changed = ncols == 0 ? sqlite3_changes(q->db) : 0;
    if (rc != SQLITE_DONE)
        snprintf(err, errlen, "%s", sqlite3_errmsg(q->db));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? changed : -1;
}

static void sq_close(drv *d)
{
    struct sq *q = d->h;
    for (size_t i = 0; i < q->ncache; i++) {
        free(q->cache[i].sql);
        sqlite3_finalize(q->cache[i].st);
    }
    sqlite3_close(q->db);
    free(q);
    free(d);
}

drv *drv_sqlite_open(const char *path, char *err, size_t errlen)
{
    drv *d = calloc(1, sizeof *d);
    struct sq *q = calloc(1, sizeof *q);
    if (d == NULL || q == NULL) {
        free(d);
        free(q);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, q->db ? sqlite3_errmsg(q->db) : "cannot open");
        sqlite3_close(q->db);
        free(q);
        free(d);
        return NULL;
    }
    sqlite3_busy_timeout(q->db, 10000);
    *d = (drv){.name = "sqlite",
               .begin_write = "BEGIN IMMEDIATE",
               .migration_lock = "",
               .h = q,
               .exec = sq_exec,
               .close = sq_close};
    char msg[256];
    if (sq_exec(d, "PRAGMA journal_mode=WAL", NULL, 0, NULL, NULL, msg, sizeof msg) < 0 ||
        sq_exec(d, "PRAGMA synchronous=FULL", NULL, 0, NULL, NULL, msg, sizeof msg) < 0) {
        snprintf(err, errlen, "%s: %s", path, msg);
        sq_close(d);
        return NULL;
    }
    return d;
}
