/*
 * mime.h - a MIME part tree over the caller's buffer.
 *
 *     size_t n;
 *     const char *buf = mime_lf(raw, rawlen, a, &n);   (LF line endings)
 *     mime_msg m;
 *     mime_parse(buf, n, a, &m);
 *     for (mime_part *p = m.root; p; p = mime_next(p)) ...
 *
 * Parts point into the buffer (no copies); headers are unfolded and bodies
 * transfer-decoded only when asked.  Nesting, part count and header count are
 * capped, and every scan is linear in the input, so hostile messages cost
 * time proportional to their size.  message/rfc822 parts are not descended
 * into: their headers can be read with mime_parse_headers().
 */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>

#include "arena.h"

#define MIME_MAX_DEPTH 32    /* nested multiparts */
#define MIME_MAX_PARTS 1000  /* parts per message */
#define MIME_MAX_HEADERS 512 /* headers kept per part (the rest are skipped) */
#define MIME_MAX_TRACE 64    /* of them trace fields (Received, DKIM, ARC) */
#define MIME_MAX_VALUE 16384 /* bytes of one unfolded header value */

typedef struct mime_header {
    const char *name; /* not NUL-terminated */
    size_t nlen;
    const char *value; /* raw, still folded, not NUL-terminated */
    size_t vlen;
} mime_header;

typedef enum mime_encoding { MIME_ENC_NONE, MIME_ENC_BASE64, MIME_ENC_QP } mime_encoding;

typedef struct mime_part {
    mime_header *headers;
    size_t nheaders;
    const char *body; /* the raw (encoded) body */
    size_t blen;
    const char *type;        /* "text/plain", lower-case (defaults applied) */
    const char *charset;     /* lower-case, "" if not given */
    const char *boundary;    /* multipart boundary, "" if none */
    const char *report_type; /* multipart/report's report-type, lower-case, or "" */
    mime_encoding enc;
    int depth;
    struct mime_part *parent, *child, *next;
} mime_part;

typedef struct mime_msg {
    mime_part *root;
    size_t nparts;
} mime_msg;

/* buf with CRLF and lone CR turned into LF (buf itself when it has no CR);
 * NULL on memory exhaustion. */
const char *mime_lf(const char *buf, size_t len, arena *a, size_t *outlen);

/* Parse a whole message (LF line endings) into a part tree.  0, or -1 on
 * memory exhaustion. */
int mime_parse(const char *buf, size_t len, arena *a, mime_msg *out);

/* Parse a header block at buf into p (headers, type, charset, encoding) and
 * point p->body at what follows.  0, or -1 on memory exhaustion. */
int mime_parse_headers(const char *buf, size_t len, arena *a, mime_part *p);

/* The part after p in depth-first order, or NULL. */
mime_part *mime_next(const mime_part *p);

/* Raw value of the first header called name (case-insensitive), or NULL. */
const mime_header *mime_header_find(const mime_part *p, const char *name);

/* Unfolded, trimmed value of the first header called name, or NULL. */
char *mime_header_value(const mime_part *p, const char *name, arena *a);

/* Unfold and trim a raw header value (capped at MIME_MAX_VALUE). */
char *mime_unfold(const char *v, size_t vlen, arena *a);

/* Value of parameter name in a Content-Type-like value, lower-cased when
 * lower is set, or NULL. */
char *mime_param(const char *value, const char *name, int lower, arena *a);

/* The body with its transfer encoding undone, at most cap bytes: a NUL
 * terminated copy, or the body itself (not terminated) when it has no
 * encoding to undo; NULL on memory exhaustion. */
const char *mime_decode(const mime_part *p, size_t cap, arena *a, size_t *outlen);

/* Case-insensitive search for needle (lower-case ASCII) in h[0..n), or NULL. */
const char *mime_memcasemem(const char *h, size_t n, const char *needle, size_t nlen);

#endif
