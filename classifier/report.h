/*
 * report.h - what the extractors found in one message, before any class is
 * decided.  This is the hand-over between the parsing side (mime, charset,
 * dsn, transcript, formats) and the deciding side (rules, classify).
 *
 * report_extract() reads the raw message and fills a report; every string is
 * UTF-8, lives in the caller's arena and is never NULL ("" when absent).
 * Only the parts that describe the failure are decoded; the returned
 * original message is located (for its Message-ID) but never scanned.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>

#include "arena.h"

struct bc_formats;
struct rx_scratch;

/* One recipient as the report describes it. */
typedef struct rpt_recipient {
    const char *address;      /* local@domain, domain lower-cased */
    const char *action;       /* DSN Action (failed, delayed, ...), "" if not said */
    const char *status;       /* enhanced status X.Y.Z, most specific found, or "" */
    const char *reply_code;   /* three-digit SMTP reply, or "" */
    const char *smtp_command; /* CONN, HELO, MAIL, RCPT, DATA, or "" */
    const char *diagnostic;   /* diagnostic text, whitespace folded to one line */
    const char *remote_mta;   /* remote MTA host, lower-cased, or "" */
    const char *text;         /* other text about this recipient (e.g. the
                                 paragraph of a transcript bounce), or "" */
} rpt_recipient;

typedef enum rpt_kind {
    RPT_NONE = 0,   /* not a report: ordinary mail, MDN, TLS-RPT, DMARC report */
    RPT_DSN,        /* RFC 3464 message/delivery-status (or global) */
    RPT_TRANSCRIPT, /* a non-standard, human-readable bounce */
    RPT_AUTOREPLY,  /* RFC 3834 auto-reply / out of office */
    RPT_ARF,        /* RFC 5965 feedback report */
} rpt_kind;

/* Everything extracted from one message. */
typedef struct rpt_report {
    rpt_kind kind;
    const char *kind_name;     /* "dsn", "transcript", "autoreply", "arf", or "" */
    const char *mta;           /* reporting MTA/format id (postfix, exim, ...), or "" */
    const char *message_id;    /* Message-ID of the returned original, or "" */
    const char *date;          /* report's Date, ISO 8601, or "" */
    const char *subject;       /* report's Subject, decoded */
    const char *from;          /* report's From, decoded */
    const char *reporting_mta; /* Reporting-MTA host, or "" */
    const char *feedback_type; /* ARF Feedback-Type, or "" */
    const char *body_text;     /* the human-readable explanation, capped */
    size_t nrecipients;
    rpt_recipient *recipients;
} rpt_report;

/* Extract the report from msg[0..len).  formats may be NULL (only RFC 3464
 * and built-in structure are then used).  Returns 0, or -1 on memory
 * exhaustion; malformed input is never an error. */
int report_extract(const char *msg, size_t len, const struct bc_formats *formats,
                   struct rx_scratch *scratch, arena *a, rpt_report *out);

#endif
