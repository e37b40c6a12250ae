/*
 * sconf.h - the event store's settings in milter.conf: store, journal,
 * journal_max, retention_days and the suppression = { ... } group.
 *
 * bounce-report reads them with sconf_load(), which ignores the daemon's
 * other settings.  The daemon's config reader hands each top-level setting
 * whose name sconf_owns() to sconf_setting(), so both report the same
 * "file:line: message" errors.
 *
 *     sconf c;
 *     sbuf err = {0};
 *     if (sconf_load(&c, "/etc/bounce-milter/milter.conf", &err) < 0)
 *         fputs(err.s, stderr);
 *     ... c.store, c.policy ...
 *     sconf_free(&c);
 */
#ifndef STORE_SCONF_H
#define STORE_SCONF_H

#include <stdint.h>

#include "policy.h"
#include "sbuf.h"

#define SCONF_JOURNAL "/var/lib/bounce-milter/journal"
#define SCONF_JOURNAL_MAX (64ull << 20)
#define SCONF_RETENTION_DAYS 365

struct config_setting_t;

typedef struct sconf {
    char *store; /* NULL: no store, no events */
    char *journal;
    uint64_t journal_max;
    int retention_days;
    policy policy;
} sconf;

/* The defaults (no store); 0, or -1 on memory exhaustion. */
int sconf_defaults(sconf *c);

/* 1 if name is a top-level setting this module reads. */
int sconf_owns(const char *name);

/* Read the top-level setting s of file into c, appending one "file:line:
 * message\n" per problem to err; the number of problems. */
int sconf_setting(sconf *c, const struct config_setting_t *s, const char *file, sbuf *err);

/* Defaults, then the store settings of path; 0, or -1 with the problems
 * in err (c is then already freed). */
int sconf_load(sconf *c, const char *path, sbuf *err);

void sconf_free(sconf *c);

#endif
