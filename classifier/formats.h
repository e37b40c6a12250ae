/*
 * formats.h - knowledge of bounce formats, loaded from conf/formats.conf:
 * how to recognise who wrote a report (Postfix, Exim, qmail, Exchange, 163,
 * ...) and how its human-readable layout names recipients, diagnostics and
 * where the returned original message starts.  Loaded once, compiled once,
 * read-only afterwards and shared by all threads.
 *
 * Recognition is one pass of a multi-literal scanner over the bounded
 * subject, From, header block and text; only formats whose literals were
 * seen have their (optional) confirming regexes run.
 */
#ifndef FORMATS_H
#define FORMATS_H

#include <stddef.h>

struct config_t;
struct dsn_vocab;
struct rx;
struct rx_scratch;

typedef struct bc_formats bc_formats;

/* How far a recipient's block of text reaches. */
typedef enum fmt_block {
    FMT_BLOCK_PARAGRAPH, /* up to the next blank line (or the next recipient) */
    FMT_BLOCK_NEXT,      /* up to the next recipient or the end of the section */
    FMT_BLOCK_LINE,      /* the recipient's line only */
} fmt_block;

/* One loaded format: what transcript.c needs to apply its layout. */
typedef struct bc_format {
    const char *id;                /* the mta value, e.g. "exim" */
    int generic;                   /* a bounce of unknown origin: names no MTA */
    const struct rx *recipient;    /* finds each recipient, group addr (and diag), or NULL */
    int g_addr, g_diag;            /* group numbers in recipient (-1 if absent) */
    const struct rx *diag;         /* picks the diagnostic out of a block, or NULL */
    int g_diag_diag;               /* group diag in diag, or -1 (then the whole match) */
    fmt_block block;               /* how far a recipient's block reaches */
    const char *recipients_header; /* header naming the failed recipients, or NULL */
} bc_format;

/* Where a format was recognised in one message's text. */
typedef struct fmt_hit {
    const bc_format *format; /* NULL when no format matched */
    size_t start;            /* offset in the text where the recipients' section starts */
    size_t end;              /* offset where the returned original starts (or the scan limit) */
    int delayed;             /* the report is a delay warning (the `delayed` wording) */
} fmt_hit;

/* Load the `formats` lists (and the `delayed`, `bounce_signals`,
 * `smtp_commands`, `remote_hosts`, `command_phrases`, `transcript_verbs`,
 * `remote_said`, `contact_words` and the other tables) of the given libconfig files, in order (a
 * user's local file first, so its formats are tried first).  A file without them contributes
 * nothing.  NULL with "file:line: message" in err on any error. */
bc_formats *formats_load(const char *const *paths, size_t npaths, char *err, size_t errlen);

/* formats_load() with some files already parsed: cfgs[i] is paths[i], or
 * NULL to read that file here. */
bc_formats *formats_load_parsed(const struct config_t *const *cfgs, const char *const *paths,
                                size_t npaths, char *err, size_t errlen);

/* Release loaded formats (NULL is fine). */
void formats_free(bc_formats *f);

/* Number of formats loaded. */
size_t formats_count(const bc_formats *f);

/* Recognise the first format (in load order) whose signature the message
 * carries; hit->end is set even when none matched.  When bounce_signals are
 * loaded, a message that shows none of them (a null sender, a bounce
 * sender's From, a failure subject, a report's header) has no format.  Returns 1 if a format
 * matched, 0 if not.  Text beyond the scan limit is not looked at. */
int formats_recognise(const bc_formats *f, struct rx_scratch *s, const char *subject,
                      const char *from, const char *headers, size_t hlen, const char *text,
                      size_t len, fmt_hit *hit);

/* 1 if the subject, From or header block show one of the bounce_signals
 * (case-insensitive literals), 0 if not or none are loaded. */
int formats_bounce_signal(const bc_formats *f, const char *subject, const char *from,
                          const char *headers, size_t hlen);

/* 1 if From names a sender of bounces (bounce_signals' from literals). */
int formats_bounce_sender(const bc_formats *f, const char *from);

/* What the `fallback` table says of one line of a notice in no known
 * layout. */
typedef enum fmt_line {
    FMT_LINE_WORDING,       /* it says delivery failed ("could not be delivered") */
    FMT_LINE_SKIP,          /* it names no failed recipient (a contact, a link) */
    FMT_LINE_QUOTED_HEADER, /* it starts with a quoted header name ("To:") */
    FMT_LINE_CONTACT,       /* it gives an address to contact (contact_words) */
} fmt_line;

/* 1 if line[0..n) is what `what` asks (case-insensitive literals), else 0. */
int formats_line_is(const bc_formats *f, fmt_line what, const char *line, size_t n);

/* 1 if the subject starts (after blanks) with one of the `autoreply`
 * subjects (ASCII case ignored). */
int formats_autoreply_subject(const bc_formats *f, const char *subject);

/* A complaint that comes without a feedback-report part (`complaints`
 * table): the header that marks it and the Feedback-Type it amounts to. */
typedef struct fmt_complaint {
    const char *header; /* header name, lower-case, without the colon */
    int in_original;    /* looked for in the enclosed original, else at the top */
    const char *value;  /* a value the header must contain, or NULL */
    const char *type;   /* the Feedback-Type, e.g. "abuse" */
} fmt_complaint;

/* The loaded complaints (*n of them, in load order; NULL when none). */
const fmt_complaint *formats_complaints(const bc_formats *f, size_t *n);

/* 1 if the fallback wording is loaded (the fallback reader can run). */
int formats_has_fallback(const bc_formats *f);

/* The SMTP command (CONN, HELO, MAIL, RCPT, DATA) that text says failed,
 * per the smtp_commands table, or "". */
const char *formats_smtp_command(const bc_formats *f, struct rx_scratch *s, const char *text,
                                 size_t len);

/* Locate the remote MTA host named by text (remote_hosts table): 1 with
 * text[*start..*end) the host, 0 if none. */
int formats_remote_mta(const bc_formats *f, struct rx_scratch *s, const char *text, size_t len,
                       size_t *start, size_t *end);

/* The wording dsn.c reads commands and remote hosts by (command_phrases,
 * transcript_verbs, remote_said), owned by f; NULL when f is NULL. */
const struct dsn_vocab *formats_dsn_vocab(const bc_formats *f);

#endif
