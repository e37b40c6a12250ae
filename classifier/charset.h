/*
 * charset.h - text in any charset to UTF-8, and RFC 2047 encoded words.
 *
 * ASCII and valid UTF-8 are copied without iconv; other charsets go
 * through an iconv handle opened for that one call (handles are not
 * thread-safe, so none is kept).  Unknown or mislabelled text keeps what is
 * valid UTF-8 and reads the rest as Windows-1252.  Output always has LF line
 * endings, is NUL-terminated and capped.
 */
#ifndef CHARSET_H
#define CHARSET_H

#include <stddef.h>

#include "arena.h"

/* in[0..len) labelled with charset (may be NULL or "") as UTF-8, at most
 * cap bytes; NULL on memory exhaustion. */
char *charset_to_utf8(const char *charset, const char *in, size_t len, size_t cap, arena *a,
                      size_t *outlen);

/* A header value with RFC 2047 encoded words decoded (adjacent words
 * joined), unfolded, as UTF-8 of at most cap bytes; NULL on memory
 * exhaustion. */
char *charset_decode_header(const char *in, size_t len, size_t cap, arena *a);

/* 1 if s[0..n) is valid UTF-8. */
int charset_valid_utf8(const char *s, size_t n);

#endif
