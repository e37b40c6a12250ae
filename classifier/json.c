/*
 * json.c - write a string as a JSON string: quote and backslash escaped,
 * newline, carriage return and tab by name, other control characters as
 * \u00XX, invalid UTF-8 as U+FFFD, everything else as is.  The
 * caller's put() receives runs of bytes, so a buffer or a FILE serves alike.
 */
#include "json.h"

#include <stdio.h>
#include <string.h>

#include "bounce.h"

size_t utf8_seq_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

size_t bc_utf8_len(const unsigned char *s, size_t n)
{
    return n == 0 ? 0 : utf8_seq_len(s, s + n);
}

void bc_json_string(const char *s, bc_put_fn put, void *arg)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s), *run = p;
    put(arg, "\"", 1);
    while (p < end) {
        unsigned c = *p;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            p++;
            continue;
        }
        size_t n = c >= 0x80 ? utf8_seq_len(p, end) : 0;
        if (n > 1) {
            p += n;
            continue;
        }
        put(arg, (const char *)run, (size_t)(p - run));
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(arg, esc, 2);
        } else if (c == '\n')
            put(arg, "\\n", 2);
        else if (c == '\r')
            put(arg, "\\r", 2);
        else if (c == '\t')
            put(arg, "\\t", 2);
        else if (c < 0x20)
            put(arg, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", c));
        else
            put(arg, "\\ufffd", 6);
        run = ++p;
    }
    put(arg, (const char *)run, (size_t)(p - run));
    put(arg, "\"", 1);
}
