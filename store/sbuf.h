/*
 * sbuf.h - a growable string buffer for the event store and bounce-report.
 *
 *     sbuf b = {0};
 *     sbuf_puts(&b, "{");
 *     sbuf_json_str(&b, "a \"quoted\" text");
 *     ... use b.s (NUL-terminated, b.len bytes) ...
 *     sbuf_free(&b);
 *
 * An allocation failure sets b.oom and makes every later append a no-op, so
 * that a caller checks once at the end (sbuf_ok) instead of after each call.
 */
#ifndef STORE_SBUF_H
#define STORE_SBUF_H

#include <stddef.h>

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

void sbuf_put(sbuf *b, const char *p, size_t n);
void sbuf_puts(sbuf *b, const char *s);
void sbuf_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* s as a JSON string: quoted, escaped, control characters as \u00XX,
 * invalid UTF-8 bytes as U+FFFD. */
void sbuf_json_str(sbuf *b, const char *s);

/* s with &, <, >, " and ' escaped for HTML text and attribute values. */
void sbuf_html(sbuf *b, const char *s);

/* Make room for n more bytes (and a NUL) after b.len: 0, or -1 (b.oom). */
int sbuf_reserve(sbuf *b, size_t n);

/* 1 if nothing failed so far (b.s is then non-NULL). */
int sbuf_ok(sbuf *b);

/* Forget the content, keep the memory. */
void sbuf_reset(sbuf *b);

void sbuf_free(sbuf *b);

#endif
