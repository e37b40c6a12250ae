/*
 * driver.h - what store.c needs from a database: run one SQL statement
 * with text parameters and get its rows as text.  Internal to libstore.
 *
 * SQL is written once for both databases, with "?" for each parameter
 * (drivers that number parameters rewrite them); a NULL parameter is SQL
 * NULL.  Each driver keeps the statements it has prepared, keyed by their
 * text, so the same INSERT costs one parse per connection.
 */
#ifndef STORE_DRIVER_H
#define STORE_DRIVER_H

#include <stddef.h>

/* One row: ncols values as text, NULL for SQL NULL.  Non-zero stops. */
typedef int (*drv_row_fn)(const char *const *cols, int ncols, void *arg);

typedef struct drv {
    const char *name;        /* "sqlite", "postgresql" */
    const char *begin_write; /* starts a transaction that will write */
    /* Serialises schema migrations between processes sharing the
     * database, inside the write transaction ("" when begin_write does). */
    const char *migration_lock;
    void *h;
    /* Run sql; rows to fn (may be NULL).  The number of rows it changed
     * (0 for a query), or -1 with the database's message in err. */
    long (*exec)(struct drv *d, const char *sql, const char *const *params, int nparams,
                 drv_row_fn fn, void *arg, char *err, size_t errlen);
    void (*close)(struct drv *d);
} drv;

/* Open path (created if missing, WAL); NULL with a message in err. */
drv *drv_sqlite_open(const char *path, char *err, size_t errlen);

/* Connect with a libpq URI; NULL with a message in err. */
drv *drv_pg_open(const char *uri, char *err, size_t errlen);

#endif
