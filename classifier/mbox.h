/*
 * mbox.h - split an mbox file into its messages, for the command-line tool
 * and the test programs.
 *
 *     mbox_reader m;
 *     mbox_open(&m, data, len);
 *     const char *msg; size_t n;
 *     while (mbox_next(&m, &msg, &n))
 *         mbox_feed(clf, msg, n, m.is_mbox);   (source "path:N" if m.multi)
 *
 * Data that does not start with a "From " line is one message.  Data that
 * does is an mbox: its From_ lines are dropped, the next message starts at a
 * "From sender date" line after an empty line, and ">From " lines lose one
 * '>' (mboxrd).  A file with one such message is one message.
 */
#ifndef MBOX_H
#define MBOX_H

#include <stddef.h>

#include "bounce.h"

typedef struct mbox_reader {
    const char *p, *end;
    int is_mbox; /* the data starts with a From_ line */
    int multi;   /* it holds more than one message */
    int done;
} mbox_reader;

/* Start reading data (not copied: it must outlive the reader). */
void mbox_open(mbox_reader *m, const char *data, size_t len);

/* Next message (From_ line excluded): 1, or 0 when there is none left. */
int mbox_next(mbox_reader *m, const char **msg, size_t *len);

/* Feed a message to c, un-escaping ">From " lines if unescape is set. */
int mbox_feed(bc_classifier *c, const char *msg, size_t len, int unescape);

#endif
