/*
 * suppset.h - the suppressed addresses in memory, for the socketmap.
 *
 * The set holds the enforced suppressions of the store, keyed by address
 * without regard to case, with their reason, start and end.  A lookup takes
 * a read lock and a hash probe (well under a microsecond); the refresher
 * builds a whole new table from the store outside the lock and swaps it in,
 * and a suppression the milter has just recorded is added at once.
 *
 *     suppset *ss = suppset_new();
 *     suppset_load(ss, store, time(NULL));     (every minute, and at start)
 *     suppset_add(ss, &sp);                    (a new suppression)
 *     char reply[256];
 *     if (suppset_lookup(ss, "user@example.com", time(NULL), reply, sizeof reply) == 1)
 *         ... reply: "550 5.7.1 recipient suppressed by bounce-milter: ..." ...
 *     suppset_free(ss);
 */
#ifndef MILTER_SUPPSET_H
#define MILTER_SUPPSET_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct suppression;

typedef struct suppset suppset;

/* An empty set; NULL on memory exhaustion. */
suppset *suppset_new(void);

/* Replace the content by the store's enforced suppressions in force at
 * now: 0, or -1 (the set keeps its old content). */
int suppset_load(suppset *ss, struct store *s, int64_t now);

/* Add or replace one suppression (ignored unless enforced): 0, or -1 on
 * memory exhaustion. */
int suppset_add(suppset *ss, const struct suppression *sp);

/* 1 and the Postfix access(5) result in reply if addr is suppressed at now,
 * 0 if not. */
int suppset_lookup(suppset *ss, const char *addr, int64_t now, char *reply, size_t replylen);

/* Addresses held, and bytes used by the table and its strings. */
size_t suppset_count(suppset *ss);
size_t suppset_bytes(suppset *ss);

void suppset_free(suppset *ss);

#endif
