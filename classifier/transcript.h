/*
 * transcript.h - recipients and diagnostics from bounces that carry no
 * message/delivery-status part: the human-readable layouts of Exim, qmail,
 * Sendmail and Postfix transcripts, Exchange, Domino, Coremail/163, QQ and
 * the rest.  What each format looks like comes from conf/formats.conf
 * (formats.h); this module is the mechanism that applies it.
 */
#ifndef TRANSCRIPT_H
#define TRANSCRIPT_H

#include <stddef.h>

#include "arena.h"
#include "formats.h"
#include "report.h"

struct rx_scratch;

/* What report.c hands over: the decoded top-level headers and the decoded
 * human-readable text of the bounce (UTF-8, LF line endings, capped). */
typedef struct tr_input {
    const char *headers; /* raw top-level header block, unfolded lines joined by LF */
    size_t hlen;
    const char *subject; /* decoded Subject */
    const char *from;    /* decoded From */
    const char *text;    /* the human-readable text (may still contain the returned original) */
    size_t len;
} tr_input;

/* Name of the format (e.g. "exim") whose signature the input carries, or
 * NULL.  Used for the mta field of DSNs as well. */
const char *transcript_identify(const bc_formats *f, struct rx_scratch *s, const tr_input *in);

/* Fill out->recipients (and out->mta, out->kind when recipients are found)
 * from the text.  Returns the number of recipients added, or -1 on memory
 * exhaustion.  Existing recipients in out are kept; addresses already there
 * are enriched (diagnostic, status, reply) rather than duplicated. */
int transcript_extract(const bc_formats *f, struct rx_scratch *s, const tr_input *in, arena *a,
                       rpt_report *out);

#endif
