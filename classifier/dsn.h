/*
 * dsn.h - RFC 3464 / RFC 6533 delivery-status fields to rpt_recipient.
 *
 *     dsn_report d;
 *     dsn_parse(text, len, a, &d);   (decoded message/delivery-status body)
 *
 * One recipient per distinct address, in report order; the status, reply
 * code, SMTP command and remote MTA are refined from the Diagnostic-Code.
 * The helpers that normalise an address and read a diagnostic are public so
 * that other extractors fill recipients the same way.
 */
#ifndef DSN_H
#define DSN_H

#include <stddef.h>

#include "arena.h"
#include "report.h"

#define DSN_MAX_RECIPIENTS 1000
#define DSN_MAX_DIAGNOSTIC 1024
#define DSN_MAX_PHRASES 64 /* command phrases, at most (they are matched in one pass) */

/* A wording and the SMTP command (CONN, HELO, MAIL, RCPT, DATA) it names. */
typedef struct dsn_term {
    const char *text;
    const char *command;
} dsn_term;

struct dsn_openings;

/* The wording the readers below look for, loaded from formats.conf
 * (formats_dsn_vocab()); the loader owns it, and gives it its openings
 * (dsn_openings_new()) once the lists are set.  NULL or empty lists find
 * nothing. */
typedef struct dsn_vocab {
    const dsn_term *phrases; /* command_phrases: lower case, single spaces, */
    size_t nphrases;         /* opening with two letters; most specific first */
    const dsn_term *verbs;   /* transcript_verbs: a ">>> " line's first word */
    size_t nverbs;
    const char *const *host_before; /* remote_said: words before the host ("host "), */
    size_t nhost_before;
    const char *const *host_after; /* and after it and its [address] ("said") */
    size_t nhost_after;
    const struct dsn_openings *openings; /* the phrases' openings, for their search */
} dsn_vocab;

/* The openings of v's command phrases, prepared once for every search of
 * them; NULL on memory exhaustion.  Released with dsn_openings_free(). */
struct dsn_openings *dsn_openings_new(const dsn_vocab *v);

/* Release openings (NULL is fine). */
void dsn_openings_free(struct dsn_openings *o);

/* What one delivery-status part says. */
typedef struct dsn_report {
    const char *reporting_mta; /* Reporting-MTA host, lower-cased, or "" */
    const char *mta;           /* MTA named by extension fields (X-Postfix-*), or "" */
    size_t nrecipients;
    rpt_recipient *recipients;
} dsn_report;

/* Parse a delivery-status body (UTF-8; LF or CRLF line endings, mixed;
 * field names in any case, blanks allowed before the colon).  0, or -1 on
 * memory exhaustion. */
int dsn_parse(const dsn_vocab *v, const char *text, size_t len, arena *a, dsn_report *out);

/* An address as local@domain: type prefix ("rfc822;"), angle brackets,
 * quotes and blanks removed, domain lower-cased; NULL if s holds none. */
char *dsn_address(const char *s, size_t n, arena *a);

/* Whitespace folded to single spaces, control characters dropped, capped at
 * cap bytes on a UTF-8 boundary. */
char *dsn_fold(const char *s, size_t n, size_t cap, arena *a);

/* Fill what r->diagnostic tells and r lacks: a more specific status, the
 * reply code, the SMTP command, the remote MTA.  -1 on memory exhaustion. */
int dsn_refine(const dsn_vocab *v, rpt_recipient *r, arena *a);

/* Take the status of a remote server's reply that r->diagnostic quotes
 * after its own ("554 4.4.7 expired <421 4.4.2 timed out>") when it is at
 * least as specific as r->status.  -1 on memory exhaustion. */
int dsn_quoted_status(rpt_recipient *r, arena *a);

/* The remote server's own reply that text s[0..n) quotes inside another
 * MTA's words ("554 5.0.0 Service unavailable" after "<<< 550 5.1.1 ...",
 * "550 5.7.1 ... <mx said: 554 5.7.1 ...>", "Remote Server returned
 * '550 5.1.1 ...'"): the innermost (most nested) one, the more specific
 * at one depth, the first at one specificity.  Its code to reply[4], the
 * status that follows it to status[16] ("" if none); 0 if there is none. */
int dsn_inner_reply(const char *s, size_t n, char reply[4], char status[16]);

/* SMTP command (CONN, HELO, MAIL, RCPT, DATA) that text s[0..n) says
 * failed: a session transcript's last ">>>" command before the failure, or
 * phrasing such as "in reply to end of DATA command"; "" if none. */
const char *dsn_command(const dsn_vocab *v, const char *s, size_t n);

/* Fill r's missing SMTP command and remote MTA from text about it (the
 * paragraph of a human-readable part).  -1 on memory exhaustion. */
int dsn_context(const dsn_vocab *v, rpt_recipient *r, const char *s, size_t n, arena *a);

/* Length of the enhanced status code at s[i] (RFC 3463: class 2, 4 or 5,
 * subject 0-7, detail 0-999, not glued to a longer dotted number or word),
 * or 0. */
size_t dsn_status_at(const char *s, size_t n, size_t i);

/* Detail level of a status: 0 for X.0.0, 1 for X.Y.0, 2 for X.Y.Z, -1 for
 * none ("" or malformed). */
int dsn_specificity(const char *status);

/* First enhanced status code (X.Y.Z) in s[0..n) into out[16]; 0 if none. */
int dsn_find_status(const char *s, size_t n, char out[16]);

#endif
