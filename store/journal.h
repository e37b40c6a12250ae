/*
 * journal.h - the append-only local journal of bounce events.
 *
 * The milter appends each event here before it answers the MTA; a writer
 * thread reads the records in order and copies them into the store, then
 * confirms them, and the journal shrinks back to its header once everything
 * in it is confirmed.  An event is durable when journal_append() returns 0.
 *
 *     journal *j = journal_open(path, max_bytes, err, sizeof err);
 *     journal_append(j, rec, len);          (any thread; group commit)
 *
 *     journal_reader *r = journal_reader_open(path, err, sizeof err);
 *     while (journal_reader_next(r, &rec) == 1)
 *         ... insert rec into the store ...
 *     journal_reader_confirm(r);            (after the store committed)
 *
 * File layout: a 32-byte header ("BMJRNL01", a generation, the confirmed
 * offset, a CRC-32 of both), then records: magic, length, CRC-32 of length
 * and payload, payload.  A record torn by a crash fails its check and is
 * skipped (and cut off when it is the tail); a confirmed offset whose
 * header was torn reads as the start of the records, so everything is
 * replayed, which the store's unique event ids make harmless.  Appenders
 * hold flock(LOCK_EX) while they write, readers LOCK_SH while they read, so
 * other processes (bounce-milter -t) may share the file.
 */
#ifndef STORE_JOURNAL_H
#define STORE_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

#define JOURNAL_HEADER 32
#define JOURNAL_RECORD_OVERHEAD 12
#define JOURNAL_MAX_RECORD (16u << 20)

typedef struct journal journal;
typedef struct journal_reader journal_reader;

/* Open (creating it, mode 0600) the journal at path for appending; a torn
 * tail is cut off.  max_bytes bounds the file's size (0: no bound).  NULL
 * with a message in err. */
journal *journal_open(const char *path, uint64_t max_bytes, char *err, size_t errlen);

/* Append one record and wait until it is on disk: 0, 1 if the journal is
 * full and the record was dropped (counted), -1 on an I/O error (errno). */
int journal_append(journal *j, const void *rec, size_t len);

/* Records dropped because the journal was full, since it was opened. */
uint64_t journal_dropped(journal *j);

void journal_close(journal *j);

/* A reader starting at the confirmed offset; NULL with a message in err. */
journal_reader *journal_reader_open(const char *path, char *err, size_t errlen);

/* The next record into rec (replacing its content): 1, 0 when there is
 * none yet, -1 on an I/O error. */
int journal_reader_next(journal_reader *r, sbuf *rec);

/* Everything next() returned is in the store: save the offset, and empty
 * the journal when nothing follows.  0, or -1 on an I/O error. */
int journal_reader_confirm(journal_reader *r);

/* Forget what next() returned since the last confirm: the next call reads
 * from the confirmed offset again (after the store failed). */
void journal_reader_rewind(journal_reader *r);

/* Bytes of records not yet confirmed (the backlog). */
uint64_t journal_reader_backlog(journal_reader *r);

/* Bytes skipped as torn or corrupt since the reader was opened. */
uint64_t journal_reader_skipped(journal_reader *r);

void journal_reader_close(journal_reader *r);

#endif
