/*
 * sbuf.c - a growable string buffer (see sbuf.h).
 */
#include "sbuf.h"

#include "bounce.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(sbuf *b, size_t more)
{
    if (b->oom)
        return -1;
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (s == NULL) {
        b->oom = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

int sbuf_reserve(sbuf *b, size_t n)
{
    if (grow(b, n) < 0)
        return -1;
    b->s[b->len] = '\0';
    return 0;
}

void sbuf_put(sbuf *b, const char *p, size_t n)
{
    if (grow(b, n) < 0)
        return;
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sbuf_puts(sbuf *b, const char *s)
{
    sbuf_put(b, s, strlen(s));
}

void sbuf_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        sbuf_put(b, small, (size_t)n);
        return;
    }
    if (grow(b, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void put_sbuf(void *arg, const char *p, size_t n)
{
    sbuf_put(arg, p, n);
}

void sbuf_json_str(sbuf *b, const char *s)
{
    bc_json_string(s, put_sbuf, b);
}

void sbuf_html(sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            sbuf_puts(b, "&amp;");
            break;
        case '<':
            sbuf_puts(b, "&lt;");
            break;
        case '>':
            sbuf_puts(b, "&gt;");
            break;
        case '"':
            sbuf_puts(b, "&quot;");
            break;
        case '\'':
            sbuf_puts(b, "&#39;");
            break;
        default:
            sbuf_put(b, s, 1);
        }
    }
}

int sbuf_ok(sbuf *b)
{
    if (b->oom)
        return 0;
    if (b->s == NULL)
        sbuf_put(b, "", 0);
    return !b->oom;
}

void sbuf_reset(sbuf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

void sbuf_free(sbuf *b)
{
    free(b->s);
    *b = (sbuf){0};
}
