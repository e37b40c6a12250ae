/*
 * writer.h - copy journaled events into the store, in order, and run the
 * suppression policy for their addresses.
 *
 * The milter's writer thread calls writer_drain() in a loop; so does
 * bounce-milter -t before it exits.  Nothing is confirmed in the journal
 * until the store has committed the events and the policy has run, so a
 * failure (the database down, a kill -9) only means the same events are
 * read again later, which the store's unique ids make harmless.
 *
 *     struct writer_stats st = {0};
 *     long n = writer_drain(reader, store, &policy, 500, time(NULL), &st, NULL, NULL);
 *     n > 0: copied; 0: journal empty; -1: store failed (store_error), retry later
 */
#ifndef STORE_WRITER_H
#define STORE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "journal.h"
#include "policy.h"
#include "store.h"

struct writer_stats {
    uint64_t read;        /* records read from the journal */
    uint64_t stored;      /* events the store did not hold yet */
    uint64_t undecodable; /* records that were no event (skipped) */
    uint64_t suppressed;  /* suppressions the policy recorded */
};

/* Called for each suppression the policy records (webhooks, the lookup
 * set); sp is valid during the call only. */
typedef void (*writer_suppressed_fn)(const suppression *sp, void *arg);

/* Copy up to max journaled events into s in one transaction, then apply
 * policy p (NULL: none) to each of their addresses, then confirm them.
 * The number of records read (0: nothing to do), or -1 if the store or
 * the journal failed: nothing is confirmed and the next call starts again
 * from the same record. */
long writer_drain(journal_reader *r, store *s, const policy *p, size_t max, int64_t now,
                  struct writer_stats *st, writer_suppressed_fn fn, void *arg);

/* Called for each event of a batch the store committed (webhooks), before
 * the policy runs; ev is valid during the call only.  A replay after a
 * failure calls it again for the same event (same id). */
typedef void (*writer_stored_fn)(const event *ev, void *arg);

/* writer_drain(), and each committed event to each (NULL: none). */
long writer_drain_each(journal_reader *r, store *s, const policy *p, size_t max, int64_t now,
                       struct writer_stats *st, writer_suppressed_fn fn, writer_stored_fn each,
                       void *arg);

#endif
