/*
 * headers.c - build sanitised, folded, RFC 2047-encoded X-Bounce-* values.
 *
 * Values are assembled in a caller's fixed buffer through a tiny writer
 * that never overruns and remembers the length of the current line, so
 * folding is one decision per token: does it fit on this line or does it
 * start a new one ("\n " - libmilter wants LF without CR; the MTA writes
 * the line ends).
 */
#include "headers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce.h"

#define TOKEN_MAX 64 /* class, severity, rule id, ...: short ASCII tokens */
#define ADDRESS_MAX 254
#define WORD_MAX 900 /* a single unbreakable word; keeps lines under 998 */

struct writer {
    char *buf;
    size_t cap, len, line; /* line: octets on the current line */
    int full;
};

static void w_init(struct writer *w, char *buf, size_t cap, size_t namelen)
{
    w->buf = buf;
    w->cap = cap < HDR_VALUE_MAX + 1 ? cap : HDR_VALUE_MAX + 1;
    w->len = 0;
    w->line = namelen + 2; /* "Name: " */
    w->full = 0;
    if (cap > 0)
        buf[0] = '\0';
}

static void w_put(struct writer *w, const char *s, size_t n)
{
    if (w->full || w->cap == 0 || n >= w->cap - w->len) {
        w->full = 1;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
    w->line += n;
}

/* Append a token, preceded by a space or a fold.  A token that does not
 * fit in what is left of the cap is dropped whole, never cut. */
static void w_token(struct writer *w, const char *tok, size_t n)
{
    if (w->full)
        return;
    int first = w->len == 0;
    size_t sep = first ? 0 : 2;
    if (n + sep >= w->cap - w->len) {
        w->full = 1;
        return;
    }
    if (!first) {
        if (w->line + 1 + n > HDR_LINE_AIM) {
            w_put(w, "\n ", 2);
            w->line = 1;
        } else {
            w_put(w, " ", 1);
        }
    }
    w_put(w, tok, n);
}

size_t hdr_sanitize(char *out, size_t outlen, const char *in, size_t inlen, size_t max)
{
    if (outlen == 0)
        return 0;
    if (max > outlen - 1)
        max = outlen - 1;
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0, i = 0;
    int space = 0;
    while (i < inlen) {
        size_t n = bc_utf8_len(s + i, inlen - i);
        int blank = n == 1 ? (s[i] <= ' ' || s[i] == 0x7f)
                           : (n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0); /* C1 controls */
        if (blank) {
            space = o > 0;
            i += n;
            continue;
        }
        const char *put = (const char *)s + i;
        size_t plen = n;
        if (n == 0) {
            put = "\xef\xbf\xbd"; /* U+FFFD for an invalid byte */
            plen = 3;
            n = 1;
        }
        if (o + space + plen > max)
            break;
        if (space)
            out[o++] = ' ';
        space = 0;
        memcpy(out + o, put, plen);
        o += plen;
        i += n;
    }
    out[o] = '\0';
    return o;
}

static int is_ascii(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

/* Keep only the characters a parameter token may hold. */
static size_t token_clean(char *out, const char *in)
{
    size_t o = 0;
    for (; in != NULL && *in != '\0' && o < TOKEN_MAX; in++) {
        char c = *in;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("._:+/-", c) != NULL)
            out[o++] = c;
    }
    out[o] = '\0';
    return o;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* One encoded word for s[0..n) into out (big enough: 12 + 4 * (n + 2) / 3 + 1). */
static size_t encoded_word(char *out, const unsigned char *s, size_t n)
{
    size_t o = 0;
    memcpy(out, "=?UTF-8?B?", 10);
    o = 10;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    memcpy(out + o, "?=", 3);
    return o + 2;
}

/* Sanitised UTF-8 text as a run of encoded words, each fitting its line. */
static void w_encoded(struct writer *w, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text);
    while (len > 0 && !w->full) {
        /* Room on this line (or a fresh one) for the base64 part. */
        size_t room = w->len == 0 ? HDR_LINE_AIM - w->line : HDR_LINE_AIM - 2;
        size_t raw = room > 12 + 16 ? (room - 12) / 4 * 3 : 12;
        if (raw > 45)
            raw = 45; /* encoded words are at most 75 octets */
        size_t n = 0;
        while (n < len) {
            size_t cl = bc_utf8_len(s + n, len - n);
            if (cl == 0)
                cl = 1;
            if (n + cl > raw)
                break;
            n += cl;
        }
        if (n == 0)
            n = len < 4 ? len : 4;
        char word[80];
        size_t wl = encoded_word(word, s, n);
        w_token(w, word, wl);
        s += n;
        len -= n;
    }
}

/* Sanitised ASCII text folded at spaces. */
static void w_words(struct writer *w, const char *text)
{
    const char *p = text;
    while (*p != '\0' && !w->full) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n == 0)
            break;
        w_token(w, p, n > WORD_MAX ? WORD_MAX : n);
        p += n;
    }
}

void hdr_text_value(char *out, size_t outlen, const char *text, size_t namelen)
{
    char clean[HDR_VALUE_MAX];
    struct writer w;
    w_init(&w, out, outlen, namelen);
    hdr_sanitize(clean, sizeof clean, text, strlen(text), 1000);
    if (is_ascii(clean) && strstr(clean, "=?") == NULL)
        w_words(&w, clean);
    else
        w_encoded(&w, clean);
}

/* "name=value;" (or without ";" when last); empty values are left out. */
static void w_param(struct writer *w, const char *name, const char *value, int last)
{
    char tok[TOKEN_MAX + 1], buf[TOKEN_MAX * 2];
    if (token_clean(tok, value) == 0)
        return;
    int n = snprintf(buf, sizeof buf, "%s=%s%s", name, tok, last ? "" : ";");
    w_token(w, buf, (size_t)n);
}

static const char *severity_name(enum bc_severity sev)
{
    return sev == BC_SEV_HARD ? "hard" : sev == BC_SEV_SOFT ? "soft" : "none";
}

void hdr_class_value(char *out, size_t outlen, const bc_recipient *r, size_t namelen)
{
    struct writer w;
    char tok[TOKEN_MAX + 2], num[16];
    w_init(&w, out, outlen, namelen);
    if (token_clean(tok, r->class_name) == 0)
        strcpy(tok, "undefined");
    strcat(tok, ";");
    w_token(&w, tok, strlen(tok));
    w_param(&w, "severity", severity_name(r->severity), 0);
    w_param(&w, "advice", r->advice, 0);
    if (r->code > 0) {
        snprintf(num, sizeof num, "%d", r->code);
        w_param(&w, "code", num, 0);
    }
    w_param(&w, "detail", r->detail, 0);
    w_param(&w, "status", r->status, 0);
    w_param(&w, "reply", r->reply_code, 0);

    /* The address is hostile text: no controls, nothing that would end the
     * parameter, encoded if not ASCII. */
    char clean[ADDRESS_MAX + 1], addr[ADDRESS_MAX * 2 + 64];
    size_t n = hdr_sanitize(clean, sizeof clean, r->address ? r->address : "",
                            r->address ? strlen(r->address) : 0, ADDRESS_MAX);
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (strchr(" <>;\"\\", clean[i]) == NULL)
            clean[o++] = clean[i];
    clean[o] = '\0';
    if (o > 0) {
        if (is_ascii(clean)) {
            snprintf(addr, sizeof addr, "recipient=<%s>;", clean);
            w_token(&w, addr, strlen(addr));
        } else {
            /* Encoded words of at most 45 raw bytes each, folded between
             * words; lines stay far below 998 octets. */
            w_token(&w, "recipient=<", 11);
            const unsigned char *s = (const unsigned char *)clean;
            size_t left = o;
            int first = 1;
            while (left > 0) {
                size_t take = 0;
                while (take < left) {
                    size_t cl = bc_utf8_len(s + take, left - take);
                    if (cl == 0 || take + cl > 45)
                        break;
                    take += cl;
                }
                if (take == 0)
                    break;
                char word[80];
                size_t wl = encoded_word(word, s, take);
                if (!first) {
                    w_put(&w, "\n ", 2);
                    w.line = 1;
                }
                first = 0;
                w_put(&w, word, wl);
                s += take;
                left -= take;
            }
            w_put(&w, ">;", 2);
        }
    }
    w_param(&w, "rule", r->rule, 1);
    /* A trailing ";" is left when rule is empty: drop it. */
    if (w.len > 0 && out[w.len - 1] == ';')
        out[--w.len] = '\0';
}

void hdr_summary_value(char *out, size_t outlen, const hdr_summary *s, size_t namelen)
{
    struct writer w;
    char num[16];
    w_init(&w, out, outlen, namelen);
    w_param(&w, "worst", s->worst, 0);
    snprintf(num, sizeof num, "%u", s->failed);
    w_param(&w, "failed", num, 0);
    snprintf(num, sizeof num, "%u", s->delayed);
    w_param(&w, "delayed", num, 0);
    snprintf(num, sizeof num, "%u", s->hard);
    w_param(&w, "hard", num, 0);
    snprintf(num, sizeof num, "%u", s->soft);
    w_param(&w, "soft", num, 0);
    w_param(&w, "kind", s->kind, 0);
    w_param(&w, "mta", s->mta, 0);
    if (s->verp != NULL && *s->verp != '\0') {
        char clean[ADDRESS_MAX + 1], tok[ADDRESS_MAX + 16];
        size_t n = hdr_sanitize(clean, sizeof clean, s->verp, strlen(s->verp), ADDRESS_MAX);
        size_t o = 0;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)clean[i] < 0x80 && strchr(" <>;\"\\", clean[i]) == NULL)
                clean[o++] = clean[i];
        clean[o] = '\0';
        snprintf(tok, sizeof tok, "verp=<%s>;", clean);
        if (o > 0)
            w_token(&w, tok, strlen(tok));
    }
    if (w.len > 0 && out[w.len - 1] == ';')
        out[--w.len] = '\0';
}

int hdr_has_prefix(const char *name, const char *prefix)
{
    return strncasecmp(name, prefix, strlen(prefix)) == 0;
}

char *hdr_prefixed_subject(const char *prefix, const char *subject)
{
    char clean[512], enc[512];
    hdr_sanitize(clean, sizeof clean, prefix, strlen(prefix), 200);
    const char *p = clean;
    int encoded = !is_ascii(clean);
    if (encoded) {
        struct writer w;
        w_init(&w, enc, sizeof enc, 7); /* "Subject" */
        w_encoded(&w, clean);
        p = enc;
    }
    /* hdr_sanitize trims: keep the configured trailing space.  An encoded
     * word must stand apart (RFC 2047 section 5): after an encoded prefix,
     * and before a subject that starts with one, a space is needed. */
    size_t plen = strlen(prefix);
    int space = *p != '\0' && ((plen > 0 && prefix[plen - 1] == ' ') || encoded ||
                               strncmp(subject, "=?", 2) == 0);
    size_t n = strlen(p);
    char *out = malloc(n + 2 + strlen(subject) + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, p, n);
    size_t o = n;
    /* A first line that the prefix would push over 998 octets is folded
     * right after the prefix ("Subject: " counts too). */
    if (n > 0 && 9 + n + 1 + strcspn(subject, "\r\n") > 998)
        out[o++] = '\n', space = 1;
    if (space)
        out[o++] = ' ';
    /* The whole subject as the MTA gave it (never cut: that would change
     * it), minus CRs and other stray controls. */
    for (const char *q = subject; *q != '\0'; q++) {
        unsigned char c = (unsigned char)*q;
        if (c == '\r' || (c < ' ' && c != '\n' && c != '\t') || c == 0x7f)
            continue;
        /* a line break must be followed by white space (a fold) */
        if (c == '\n' && q[1] != ' ' && q[1] != '\t')
            continue;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}
