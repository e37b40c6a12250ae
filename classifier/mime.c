/*
 * mime.c - MIME part tree over the caller's buffer (see mime.h).
 *
 * The parser works on LF-only text (mime_lf() makes it so), walks each
 * header block once, and splits a multipart body by searching for its
 * delimiter (find_exact), so a part is scanned once per nesting level and
 * nesting is capped.  Nothing here interprets what the parts mean.
 */
#include "mime.h"

#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static int lc(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_ws(int c)
{
    return c == ' ' || c == '\t';
}

/* How common a (lower-case) byte is in mail text: the search anchors on the
 * rarest byte of the needle, so memchr stops on few false candidates. */
static const unsigned char commonness[256] = {
    [' '] = 26,  ['e'] = 25, ['t'] = 24, ['a'] = 23, ['o'] = 22, ['i'] = 21, ['n'] = 20,
    ['s'] = 19,  ['r'] = 18, ['h'] = 17, ['l'] = 16, ['d'] = 15, ['c'] = 14, ['u'] = 13,
    ['\n'] = 12, ['m'] = 11, ['f'] = 10, ['p'] = 9,  ['g'] = 8,  ['w'] = 7,  ['y'] = 6,
    ['b'] = 5,   ['.'] = 4,  [','] = 3,  ['v'] = 2,  ['k'] = 1,
};

/* The rarest byte of needle (lower-case), by commonness; only the first
 * bytes are looked at, which is enough to pick a good anchor. */
static size_t rarest(const char *needle, size_t nlen)
{
    size_t k = 0, lim = nlen < 16 ? nlen : 16;
    for (size_t i = 1; i < lim && commonness[(unsigned char)needle[k]] > 0; i++)
        if (commonness[(unsigned char)needle[i]] < commonness[(unsigned char)needle[k]])
            k = i;
    return k;
}

/* Does h[0..nlen) equal needle ignoring ASCII case? */
static int same_folded(const char *h, const char *needle, size_t nlen)
{
    size_t i = 0;
    while (i < nlen && lc((unsigned char)h[i]) == (unsigned char)needle[i])
        i++;
    return i == nlen;
}

#ifdef __SSE2__
/* Bit i set if p[i] and p[i + 1] are the two anchor bytes (v0, v1), letters
 * compared with 0x20 or'ed in (m0, m1). */
static unsigned pair_bits(const char *p, __m128i v0, __m128i v1, __m128i m0, __m128i m1)
{
    __m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
    return (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(x0, m0), v0),
                                                     _mm_cmpeq_epi8(_mm_or_si128(x1, m1), v1)));
}
#endif

/* First needle in h[0..n) (n >= nlen >= 2), anchored on its bytes a and
 * a + 1: candidates must have those two in place, sixteen candidates tested
 * per step, so few reach the full comparison.  A letter is compared with
 * 0x20 or'ed in, which accepts exactly its two cases; other bytes are
 * compared as they are. */
static const char *by_pair(const char *h, size_t n, const char *needle, size_t nlen, size_t a)
{
    unsigned char c0 = (unsigned char)needle[a], c1 = (unsigned char)needle[a + 1];
    unsigned char f0 = c0 >= 'a' && c0 <= 'z' ? 0x20 : 0;
    unsigned char f1 = c1 >= 'a' && c1 <= 'z' ? 0x20 : 0;
    size_t last = n - nlen, i = 0; /* candidates are h + 0 .. h + last */
#ifdef __SSE2__
    __m128i v0 = _mm_set1_epi8((char)c0), v1 = _mm_set1_epi8((char)c1);
    __m128i m0 = _mm_set1_epi8((char)f0), m1 = _mm_set1_epi8((char)f1);
    for (; i + 15 <= last; i += 16)
        for (unsigned bits = pair_bits(h + i + a, v0, v1, m0, m1); bits != 0; bits &= bits - 1)
            if (same_folded(h + i + __builtin_ctz(bits), needle, nlen))
                return h + i + __builtin_ctz(bits);
    if (i <= last && last >= 15) {
        /* a last block ending at the last candidate, its candidates that
         * the one before tested masked off */
        size_t at = last - 15;
        unsigned bits = pair_bits(h + at + a, v0, v1, m0, m1) & (0xffffu << (i - at));
        for (; bits != 0; bits &= bits - 1)
            if (same_folded(h + at + __builtin_ctz(bits), needle, nlen))
                return h + at + __builtin_ctz(bits);
        return NULL;
    }
#endif
    for (; i <= last; i++)
        if (((unsigned char)h[i + a] | f0) == c0 && ((unsigned char)h[i + a + 1] | f1) == c1 &&
            same_folded(h + i, needle, nlen))
            return h + i;
    return NULL;
}

const char *mime_memcasemem(const char *h, size_t n, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return h;
    if (n < nlen)
        return NULL;
    if (nlen >= 2 && n - nlen < 15) /* too few candidates for a block: any pair will do */
        return by_pair(h, n, needle, nlen, 0);
    if (nlen >= 2) {
        size_t k = rarest(needle, nlen);
        return by_pair(h, n, needle, nlen, k + 1 < nlen ? k : k - 1);
    }
    int c0 = (unsigned char)needle[0];
    int u0 = c0 >= 'a' && c0 <= 'z' ? c0 - 32 : c0;
    const char *pl = memchr(h, c0, n), *pu = u0 != c0 ? memchr(h, u0, n) : NULL;
    return pl == NULL ? pu : pu == NULL ? pl : pl < pu ? pl : pu;
}

/* The first LF in [s, end), or NULL: memchr for the short distances of
 * header lines, without a library call per line. */
static inline const char *next_lf(const char *s, const char *end)
{
#ifdef __SSE2__
    const __m128i lf = _mm_set1_epi8('\n');
    for (; end - s >= 16; s += 16) {
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)s), lf));
        if (m != 0)
            return s + __builtin_ctz(m);
    }
#endif
    for (; s < end; s++)
        if (*s == '\n')
            return s;
    return NULL;
}

const char *mime_lf(const char *buf, size_t len, arena *a, size_t *outlen)
{
    const char *cr = memchr(buf, '\r', len);
    if (cr == NULL) {
        *outlen = len;
        return buf;
    }
    char *out = arena_alloc(a, len + 1);
    if (out == NULL)
        return NULL;
    size_t i = (size_t)(cr - buf), o = i;
    memcpy(out, buf, i);
    while (i < len) { /* buf[i] is a CR: copy up to the next one */
        /* CRs before an LF are one line end: "\r\r\n" comes from a CRLF
         * file converted to CRLF once more, and is not a blank line */
        size_t j = i + 1;
        while (j < len && buf[j] == '\r')
            j++;
        out[o++] = '\n';
        i = j < len && buf[j] == '\n' ? j + 1 : i + 1;
#ifdef __SSE2__
        /* sixteen bytes at a time (written whole: o <= i, so they fit),
         * kept up to the next CR */
        const __m128i crv = _mm_set1_epi8('\r');
        while (len - i >= 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(buf + i));
            unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, crv));
            _mm_storeu_si128((__m128i *)(void *)(out + o), x);
            size_t run = m != 0 ? (size_t)__builtin_ctz(m) : 16;
            o += run;
            i += run;
            if (m != 0)
                break;
        }
        if (i < len && buf[i] == '\r')
            continue;
#endif
        const char *next = memchr(buf + i, '\r', len - i);
        size_t run = next ? (size_t)(next - (buf + i)) : len - i;
        memcpy(out + o, buf + i, run);
        o += run;
        i += run;
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

char *mime_unfold(const char *v, size_t vlen, arena *a)
{
    if (vlen > MIME_MAX_VALUE)
        vlen = MIME_MAX_VALUE;
    char *out = arena_alloc(a, vlen + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < vlen; i++) {
#ifdef __SSE2__
        /* sixteen bytes with no line break, tab or double space (and not a
         * space that would follow one) are copied as they are */
        while (i + 17 <= vlen && (v[i] != ' ' || (o > 0 && out[o - 1] != ' '))) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(v + i));
            __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(v + i + 1));
            __m128i sp = _mm_set1_epi8(' ');
            __m128i bad = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\n')),
                             _mm_cmpeq_epi8(x, _mm_set1_epi8('\r'))),
                _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')),
                             _mm_and_si128(_mm_cmpeq_epi8(x, sp), _mm_cmpeq_epi8(y, sp))));
            unsigned m = (unsigned)_mm_movemask_epi8(bad);
            size_t run = m != 0 ? (size_t)__builtin_ctz(m) : 16; /* plain up to there */
            memcpy(out + o, v + i, run);
            o += run;
            i += run;
            if (m != 0)
                break;
        }
        if (i >= vlen)
            break;
#endif
        char c = v[i];
        if (c == '\n' || c == '\r')
            continue;
        if (c == '\t')
            c = ' ';
        if (c == ' ' && (o == 0 || out[o - 1] == ' '))
            continue;
        out[o++] = c;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return out;
}

const mime_header *mime_header_find(const mime_part *p, const char *name)
{
    size_t n = strlen(name);
    int c0 = lc((unsigned char)name[0]);
    for (size_t i = 0; i < p->nheaders; i++) {
        const mime_header *h = &p->headers[i];
        /* length and first letter first: most headers differ there */
        if (h->nlen == n && lc((unsigned char)h->name[0]) == c0 &&
            strncasecmp(h->name, name, n) == 0)
            return h;
    }
    return NULL;
}

char *mime_header_value(const mime_part *p, const char *name, arena *a)
{
    const mime_header *h = mime_header_find(p, name);
    return h ? mime_unfold(h->value, h->vlen, a) : NULL;
}

/* Type token of a Content-Type value, lower-cased. */
static char *content_type(const char *v, arena *a)
{
    while (is_ws((unsigned char)*v))
        v++;
    size_t n = 0;
    while (v[n] && v[n] != ';' && !is_ws((unsigned char)v[n]) && n < 127)
        n++;
    char *t = arena_strndup(a, v, n);
    if (t == NULL)
        return NULL;
    for (char *q = t; *q; q++)
        *q = (char)lc((unsigned char)*q);
    return t;
}

/* The values of the parameters names[0..n) of a Content-Type-like value in
 * one walk: out[i] for the first occurrence of names[i] (lower-cased when
 * lower[i]), NULL when absent (or memory ran out). */
static void params(const char *v, const char *const *names, const int *lower, char **out, size_t n,
                   arena *a)
{
    size_t todo = n;
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    const char *p = strchr(v, ';');
    /* Tolerate a missing ';' after the type (seen in broken mailers). */
    if (p == NULL)
        p = strpbrk(v, " \t");
    while (p != NULL && *p && todo > 0) {
        while (*p == ';' || is_ws((unsigned char)*p))
            p++;
        const char *k = p;
        while (*p && *p != '=' && *p != ';' && !is_ws((unsigned char)*p))
            p++;
        size_t klen = (size_t)(p - k);
        while (is_ws((unsigned char)*p))
            p++;
        if (*p != '=')
            continue;
        p++;
        while (is_ws((unsigned char)*p))
            p++;
        const char *val;
        size_t vlen;
        if (*p == '"') {
            val = ++p;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            vlen = (size_t)(p - val);
            if (*p == '"')
                p++;
        } else {
            val = p;
            while (*p && *p != ';' && !is_ws((unsigned char)*p))
                p++;
            vlen = (size_t)(p - val);
        }
        for (size_t i = 0; i < n; i++) {
            if (out[i] != NULL || klen != strlen(names[i]) || strncasecmp(k, names[i], klen) != 0)
                continue;
            char *r = arena_alloc(a, vlen + 1);
            if (r == NULL)
                return;
            size_t o = 0;
            for (size_t j = 0; j < vlen; j++) {
                if (val[j] == '\\' && j + 1 < vlen)
                    j++;
                r[o++] = lower[i] ? (char)lc((unsigned char)val[j]) : val[j];
            }
            r[o] = '\0';
            out[i] = r;
            todo--;
        }
    }
}

char *mime_param(const char *v, const char *name, int lower, arena *a)
{
    char *out;
    params(v, &name, &lower, &out, 1, a);
    return out;
}

/* End of the header name at p: the first ':', control or blank byte, DEL
 * or non-ASCII byte before e. */
static const char *name_end(const char *p, const char *e)
{
#ifdef __SSE2__
    /* sixteen bytes at a time while the line is that long (DEL, non-ASCII
     * and the bytes up to ' ' are those below '!' when read as signed) */
    const __m128i bang = _mm_set1_epi8('!'), del = _mm_set1_epi8(127), col = _mm_set1_epi8(':');
    for (; e - p >= 16; p += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i stop = _mm_or_si128(_mm_cmplt_epi8(x, bang),
                                    _mm_or_si128(_mm_cmpeq_epi8(x, del), _mm_cmpeq_epi8(x, col)));
        unsigned m = (unsigned)_mm_movemask_epi8(stop);
        if (m != 0)
            return p + __builtin_ctz(m);
    }
#endif
    while (p < e && *p != ':' && (unsigned char)*p > ' ' && (unsigned char)*p < 127)
        p++;
    return p;
}

/* Does line [s, e) start a header ("Name:")? */
static int header_line(const char *s, const char *e, const char **colon)
{
    const char *p = name_end(s, e);
    if (p == s)
        return 0;
    const char *q = p;
    while (q < e && is_ws((unsigned char)*q)) /* "Subject :" */
        q++;
    if (q >= e || *q != ':')
        return 0;
    *colon = q;
    return (int)(p - s) + 1;
}

/* A trace field (RFC 5322 3.6.7, RFC 6376, RFC 8617)?  A relay adds them
 * above everything else; a message with hundreds of them must not push the
 * fields that say what it is (From, Subject, Content-Type) past the cap. */
static int trace_field(const char *name, size_t n)
{
    static const struct {
        const char *name;
        size_t len; /* compared first: most names differ in it */
    } names[] = {{"Received", 8},
                 {"X-Received", 10},
                 {"DKIM-Signature", 14},
                 {"Authentication-Results", 22},
                 {"ARC-Seal", 8},
                 {"ARC-Message-Signature", 21},
                 {"ARC-Authentication-Results", 26}};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (names[i].len == n && strncasecmp(names[i].name, name, n) == 0)
            return 1;
    return 0;
}

/* Is line [s, e) a bare MIME parameter ("name=value")? */
static int param_line(const char *s, const char *e)
{
    const char *p = s;
    while (p < e && (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || *p == '-' || *p == '*'))
        p++;
    return p > s && p < e && *p == '=';
}

int mime_parse_headers(const char *buf, size_t len, arena *a, mime_part *p)
{
    const char *s = buf, *end = buf + len;
    size_t cap = 0, ntrace = 0;
    p->headers = NULL;
    p->nheaders = 0;
    mime_header *last = NULL;
    int first = 1;
    while (s < end) {
        const char *nl = next_lf(s, end);
        const char *e = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        const char *colon;
        int nlen;
        if (e == s) { /* blank line: the body follows */
            s = next;
            break;
        }
        if (is_ws((unsigned char)*s)) {
            /* a continuation, or a whitespace-only line that some mailers
             * write instead of the blank separator */
            const char *q = s;
            while (q < e && is_ws((unsigned char)*q))
                q++;
            if (q == e && last == NULL) {
                s = next;
                break;
            }
            if (last != NULL)
                last->vlen = (size_t)(e - last->value);
        } else if ((nlen = header_line(s, e, &colon)) > 0) {
            last = NULL;
            if (trace_field(s, (size_t)nlen - 1) && ++ntrace > MIME_MAX_TRACE) {
                s = next; /* skipped with its continuation lines */
                first = 0;
                continue;
            }
            if (p->nheaders == cap && cap < MIME_MAX_HEADERS) {
                size_t ncap = cap ? cap * 2 : 16;
                mime_header *nh = arena_alloc(a, ncap * sizeof *nh);
                if (nh == NULL)
                    return -1;
                if (cap)
                    memcpy(nh, p->headers, cap * sizeof *nh);
                p->headers = nh;
                cap = ncap;
            }
            if (p->nheaders < cap) {
                last = &p->headers[p->nheaders++];
                last->name = s;
                last->nlen = (size_t)nlen - 1;
                last->value = colon + 1;
                last->vlen = (size_t)(e - (colon + 1));
            }
        } else if (last != NULL && param_line(s, e)) {
            /* "boundary=..." left unindented by a broken mailer */
            last->vlen = (size_t)(e - last->value);
        } else if (first && e - s > 5 && memcmp(s, "From ", 5) == 0) {
            /* mbox separator */
        } else {
            break; /* not a header: the body starts here (no blank line) */
        }
        first = 0;
        s = next;
    }
    p->body = s;
    p->blen = (size_t)(end - s);

    p->type = "";
    p->charset = "";
    p->boundary = "";
    p->report_type = "";
    p->enc = MIME_ENC_NONE;
    char *ct = mime_header_value(p, "content-type", a);
    if (ct != NULL && *ct) {
        char *t = content_type(ct, a);
        if (t == NULL)
            return -1;
        if (strchr(t, '/') != NULL)
            p->type = t;
        /* only the parameters the type can use */
        char *v[2];
        if (strncmp(t, "multipart/", 10) != 0) {
            if ((v[0] = mime_param(ct, "charset", 1, a)) != NULL)
                p->charset = v[0];
        } else {
            static const char *const names[2] = {"boundary", "report-type"};
            static const int lower[2] = {0, 1};
            params(ct, names, lower, v, 2, a);
            p->boundary = v[0] != NULL ? v[0] : "";
            p->report_type = v[1] != NULL ? v[1] : "";
        }
    }
    const mime_header *te = mime_header_find(p, "content-transfer-encoding");
    if (te != NULL) {
        if (mime_memcasemem(te->value, te->vlen, "base64", 6))
            p->enc = MIME_ENC_BASE64;
        else if (mime_memcasemem(te->value, te->vlen, "quoted-printable", 16))
            p->enc = MIME_ENC_QP;
    }
    return 0;
}

/* First needle (nlen >= 2 bytes) in h[0..n), exactly: a candidate needs
 * the needle's first and last bytes in place, sixteen candidates tested per
 * step, so that few reach the comparison (a delimiter starts with a LF and
 * ends with the boundary's last character). */
static const char *find_exact(const char *h, size_t n, const char *needle, size_t nlen)
{
    if (n < nlen)
        return NULL;
    size_t last = n - nlen, i = 0; /* candidates are h + 0 .. h + last */
#ifdef __SSE2__
    __m128i f = _mm_set1_epi8(needle[0]), l = _mm_set1_epi8(needle[nlen - 1]);
    for (; i + 15 <= last; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(h + i));
        __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(h + i + nlen - 1));
        unsigned bits =
            (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(x, f), _mm_cmpeq_epi8(y, l)));
        for (; bits != 0; bits &= bits - 1) {
            size_t k = i + (size_t)__builtin_ctz(bits);
            if (memcmp(h + k + 1, needle + 1, nlen - 2) == 0)
                return h + k;
        }
    }
#endif
    for (; i <= last; i++)
        if (h[i] == needle[0] && h[i + nlen - 1] == needle[nlen - 1] &&
            memcmp(h + i + 1, needle + 1, nlen - 2) == 0)
            return h + i;
    return NULL;
}

/* Delimiter line "--boundary" at a line start in [s, end): its start, or
 * NULL.  delim is "\n--boundary" (dlen bytes); *after is set past the
 * line, *close if it is the closing one. */
static const char *find_delim(const char *s, const char *end, const char *delim, size_t dlen,
                              const char **after, int *close)
{
    const char *p = s;
    int first = 1;
    while (p < end) {
        const char *line; /* the delimiter candidate, after its LF */
        if (first && (size_t)(end - s) >= dlen - 1 && memcmp(s, delim + 1, dlen - 1) == 0) {
            line = s; /* at the very start: no LF before it */
        } else {
            const char *hit = find_exact(p, (size_t)(end - p), delim, dlen);
            if (hit == NULL)
                return NULL;
            line = hit + 1;
        }
        first = 0;
        const char *q = line + dlen - 1;
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *le = nl ? nl : end, *w = q;
        *close = le - q >= 2 && q[0] == '-' && q[1] == '-';
        while (w < le && (*w == ' ' || *w == '\t'))
            w++;
        if (*close || w == le) { /* "--b" + "--" or blanks only: not "--bx" */
            *after = nl ? nl + 1 : end;
            return line;
        }
        p = line;
    }
    return NULL;
}

static int parse_part(const char *buf, size_t len, int depth, mime_part *parent, arena *a,
                      mime_msg *m, mime_part **outp);

static int split_multipart(mime_part *p, arena *a, mime_msg *m)
{
    size_t dlen = strlen(p->boundary) + 3;
    char *delim = arena_alloc(a, dlen + 1);
    if (delim == NULL)
        return -1;
    memcpy(delim, "\n--", 3);
    memcpy(delim + 3, p->boundary, dlen - 2); /* with its NUL */
    const char *s = p->body, *end = p->body + p->blen, *after;
    int close = 0;
    const char *d = find_delim(s, end, delim, dlen, &after, &close);
    mime_part **link = &p->child;
    while (d != NULL && !close && m->nparts < MIME_MAX_PARTS) {
        const char *ps = after, *next_after;
        int next_close = 0;
        const char *nd = find_delim(ps, end, delim, dlen, &next_after, &next_close);
        const char *pe = nd ? nd : end;
        if (pe > ps && pe[-1] == '\n')
            pe--; /* the LF before a delimiter belongs to it */
        mime_part *c;
        if (parse_part(ps, (size_t)(pe - ps), p->depth + 1, p, a, m, &c) != 0)
            return -1;
        *link = c;
        link = &c->next;
        d = nd;
        after = next_after;
        close = next_close;
    }
    return 0;
}

static int parse_part(const char *buf, size_t len, int depth, mime_part *parent, arena *a,
                      mime_msg *m, mime_part **outp)
{
    mime_part *p = arena_calloc(a, sizeof *p);
    if (p == NULL)
        return -1;
    m->nparts++;
    p->depth = depth;
    p->parent = parent;
    if (mime_parse_headers(buf, len, a, p) != 0)
        return -1;
    if (*p->type == '\0')
        p->type = parent && strcmp(parent->type, "multipart/digest") == 0 ? "message/rfc822"
                                                                          : "text/plain";
    *outp = p;
    if (strncmp(p->type, "multipart/", 10) == 0 && *p->boundary && depth < MIME_MAX_DEPTH)
        return split_multipart(p, a, m);
    return 0;
}

int mime_parse(const char *buf, size_t len, arena *a, mime_msg *out)
{
    out->root = NULL;
    out->nparts = 0;
    return parse_part(buf, len, 0, NULL, a, out, &out->root);
}

mime_part *mime_next(const mime_part *p)
{
    if (p->child)
        return p->child;
    while (p != NULL) {
        if (p->next)
            return p->next;
        p = p->parent;
    }
    return NULL;
}

/* Base64 digit value + 1 (0: not a digit); '-' and '_' are the URL-safe
 * forms of '+' and '/'. */
static const unsigned char b64digit[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,  ['H'] = 8,
    ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
    ['-'] = 63, ['_'] = 64,
};

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lc(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

const char *mime_decode(const mime_part *p, size_t cap, arena *a, size_t *outlen)
{
    const char *in = p->body;
    size_t n = p->blen;
    if (p->enc == MIME_ENC_NONE) { /* nothing to undo: no copy */
        *outlen = n < cap ? n : cap;
        return in;
    }
    size_t max = p->enc == MIME_ENC_BASE64 ? n / 4 * 3 + 3 : n;
    if (max > cap)
        max = cap;
    char *out = arena_alloc(a, max + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    if (p->enc == MIME_ENC_BASE64) {
        unsigned acc = 0;
        int bits = 0;
        for (size_t i = 0; i < n && o < max; i++) {
            unsigned v = b64digit[(unsigned char)in[i]];
            if (v == 0)
                continue; /* whitespace, padding and garbage */
            acc = (acc << 6 | (v - 1)) & 0xffffff;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out[o++] = (char)(acc >> bits & 0xff);
            }
        }
    } else {
        for (size_t i = 0; i < n && o < max; i++) {
            char c = in[i];
            if (c != '=') { /* copy the run up to the next '=' */
                const char *eq = memchr(in + i, '=', n - i);
                size_t run = eq ? (size_t)(eq - (in + i)) : n - i;
                if (run > max - o)
                    run = max - o;
                memcpy(out + o, in + i, run);
                o += run;
                i += run - 1;
                continue;
            }
            if (i + 1 < n && in[i + 1] == '\n') { /* soft line break */
                i++;
                continue;
            }
            int h1 = i + 2 < n ? hexval((unsigned char)in[i + 1]) : -1;
            int h2 = i + 2 < n ? hexval((unsigned char)in[i + 2]) : -1;
            if (h1 >= 0 && h2 >= 0) {
                out[o++] = (char)(h1 << 4 | h2);
                i += 2;
            } else {
                /* "=  \n" is a soft break with trailing blanks; anything
                 * else is garbage and kept as is */
                size_t j = i + 1;
                while (j < n && is_ws((unsigned char)in[j]))
                    j++;
                if (j < n && in[j] == '\n')
                    i = j;
                else
                    out[o++] = c;
            }
        }
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}
