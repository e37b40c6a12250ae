/*
 * headers.h - build the values of the X-Bounce-* headers.
 *
 * Every value is made from untrusted text (the bounce), so it is sanitised
 * (no CR, LF, NUL or other controls; invalid UTF-8 replaced), RFC 2047
 * encoded where not ASCII, folded for libmilter ("\n " between lines, aim
 * 78 octets, never over 998) and capped at HDR_VALUE_MAX.  No value starts
 * with a space: the MTA adds the one after the colon.  namelen is the
 * length of the header name the value goes with, for the first line.
 */
#ifndef MILTER_HEADERS_H
#define MILTER_HEADERS_H

#include <stddef.h>

#include "bounce.h"

#define HDR_VALUE_MAX 2048 /* bytes of one header value, folding included */
#define HDR_LINE_AIM 78

/* Message-level counts for the summary header. */
typedef struct hdr_summary {
    const char *worst; /* hard, soft or none */
    unsigned failed, delayed, hard, soft;
    const char *kind, *mta;
    const char *verp; /* decoded VERP recipient, or NULL */
} hdr_summary;

/* "userunknown; severity=hard; advice=suppress; code=902; ..." for one recipient. */
void hdr_class_value(char *out, size_t outlen, const bc_recipient *r, size_t namelen);

/* "worst=hard; failed=2; delayed=0; hard=1; soft=1; kind=dsn; mta=postfix". */
void hdr_summary_value(char *out, size_t outlen, const hdr_summary *s, size_t namelen);

/* Free text (UTF-8 or not) as a header value: ASCII folded at spaces, else
 * RFC 2047 "=?UTF-8?B?...?=" words. */
void hdr_text_value(char *out, size_t outlen, const char *text, size_t namelen);

/* Copy in to out without controls (CR, LF, NUL, ...), invalid UTF-8 bytes
 * replaced by U+FFFD, runs of white space made one space, trimmed, at most
 * max bytes (never cutting a character).  Returns the length written. */
size_t hdr_sanitize(char *out, size_t outlen, const char *in, size_t inlen, size_t max);

/* 1 if name starts with prefix, case-insensitively. */
int hdr_has_prefix(const char *name, const char *prefix);

/* The whole subject with prefix put in front (a space before an encoded
 * word), "\r\n" folds made "\n"; for smfi_chgheader.  Malloc'ed; NULL on
 * memory exhaustion. */
char *hdr_prefixed_subject(const char *prefix, const char *subject);

#endif
