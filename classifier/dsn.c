/*
 * dsn.c - RFC 3464 / RFC 6533 delivery-status parsing (see dsn.h).
 *
 * The body is a per-message group followed by per-recipient groups.  Real
 * reports drop or double the blank lines between groups, so a new recipient
 * group also starts when a field the current group already has comes again.
 * Duplicate addresses (the same recipient named twice) are merged.
 */
#include "dsn.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "mime.h"
#include "smtpreply.h"

static int lc(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char *dsn_fold(const char *s, size_t n, size_t cap, arena *a)
{
    size_t room = n < cap ? n : cap;
    char *out = arena_alloc(a, room + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n && o < room; i++) {
#ifdef __SSE2__
        /* sixteen bytes with no control character or double space (and not
         * a space that would follow one) are copied as they are */
        while (i + 17 <= n && o + 16 <= room && (s[i] != ' ' || (o > 0 && out[o - 1] != ' '))) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 1));
            __m128i ctl = _mm_set1_epi8(0x1f), sp = _mm_set1_epi8(' ');
            __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(x, ctl), ctl),
                                                    _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f))),
                                       _mm_and_si128(_mm_cmpeq_epi8(x, sp), _mm_cmpeq_epi8(y, sp)));
            unsigned m = (unsigned)_mm_movemask_epi8(bad);
            size_t run = m != 0 ? (size_t)__builtin_ctz(m) : 16; /* plain up to there */
            memcpy(out + o, s + i, run);
            o += run;
            i += run;
            if (m != 0)
                break;
        }
        if (i >= n || o >= room)
            break;
#endif
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            if (!is_space(c))
                continue;
            c = ' ';
        }
        if (c == ' ' && (o == 0 || out[o - 1] == ' '))
            continue;
        out[o++] = (char)c;
    }
    if (o == room && room < n) /* cut: do not end inside a UTF-8 sequence */
        while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
            o--;
    if (o > 0 && (unsigned char)out[o - 1] >= 0xc0)
        o--;
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return out;
}

char *dsn_address(const char *s, size_t n, arena *a)
{
    const char *e = s + n;
    /* "rfc822; addr": drop the address type */
    const char *semi = memchr(s, ';', n);
    if (semi != NULL && memchr(s, '@', (size_t)(semi - s)) == NULL)
        s = semi + 1;
    /* a source route ("@relay.example:user@host") is dropped */
    while (s < e && (is_space((unsigned char)*s) || *s == '<'))
        s++;
    if (s < e && *s == '@') {
        const char *colon = memchr(s, ':', (size_t)(e - s));
        if (colon != NULL)
            s = colon + 1;
    }
    /* the token holding '@' (or the whole value when there is none) */
    const char *at = memchr(s, '@', (size_t)(e - s));
    const char *b = s, *f = e;
    if (at != NULL) {
        b = at;
        while (b > s && !is_space((unsigned char)b[-1]) && b[-1] != '<' && b[-1] != ':' &&
               b[-1] != ',' && b[-1] != '(')
            b--;
        f = at;
        while (f < e && !is_space((unsigned char)*f) && *f != '>' && *f != ',' && *f != ';' &&
               *f != ')')
            f++;
    }
    char *out = arena_alloc(a, (size_t)(f - b) + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (const char *p = b; p < f; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c == '<' || c == '>' || c == '"' || c == '\'' || c == 0x7f)
            continue;
        out[o++] = (char)c;
    }
    while (o > 0 && (out[o - 1] == '.' || out[o - 1] == ':'))
        o--;
    out[o] = '\0';
    if (o == 0)
        return NULL;
    char *d = strrchr(out, '@');
    if (d != NULL) {
        if (d == out || d[1] == '\0')
            return NULL;
        for (char *q = d + 1; *q; q++)
            *q = (char)lc((unsigned char)*q);
    }
    return out;
}

int dsn_specificity(const char *st)
{
    const char *d1 = strchr(st, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (d2 == NULL)
        return -1;
    if (strcmp(d2 + 1, "0") != 0)
        return 2;
    return strncmp(d1 + 1, "0.", 2) != 0 ? 1 : 0;
}

static int is_alnum(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

size_t dsn_status_at(const char *s, size_t n, size_t i)
{
    /* class "." subject "." detail, the subject one digit 0-7 (the IANA
     * registry's subjects), the detail one to three digits */
    if (i + 5 > n || (s[i] != '2' && s[i] != '4' && s[i] != '5') || s[i + 1] != '.' ||
        s[i + 2] < '0' || s[i + 2] > '7' || s[i + 3] != '.' || !is_digit((unsigned char)s[i + 4]))
        return 0;
    size_t e = i + 5;
    while (e < n && e < i + 7 && is_digit((unsigned char)s[e]))
        e++;
    /* not part of a longer token: an IP address, a version, "ERR#4.1.1";
     * a "#" of its own is qmail's and Exchange's way to write a status */
    if (i > 0) {
        unsigned char b = (unsigned char)s[i - 1];
        if (is_alnum(b) || b == '.' || b == '_' || b == '/' ||
            (b == '#' && i > 1 && !is_space((unsigned char)s[i - 2]) && s[i - 2] != '(' &&
             s[i - 2] != '[' && s[i - 2] != '<'))
            return 0;
    }
    if (e < n && (is_alnum((unsigned char)s[e]) || s[e] == '_' || s[e] == '#' ||
                  (s[e] == '.' && e + 1 < n && is_digit((unsigned char)s[e + 1]))))
        return 0;
    return e - i;
}

int dsn_find_status(const char *s, size_t n, char out[16])
{
    /* a status has its first dot right after the class digit */
    for (const char *dot = n > 1 ? memchr(s + 1, '.', n - 1) : NULL; dot != NULL;
         dot = memchr(dot + 1, '.', (size_t)(s + n - dot - 1))) {
        size_t i = (size_t)(dot - s) - 1, len = dsn_status_at(s, n, i);
        if (len > 0) {
            memcpy(out, s + i, len);
            out[len] = '\0';
            return 1;
        }
    }
    return 0;
}

/* A three-digit reply at s[i]: a registered [245]NN code standing alone. */
static int reply_at(const char *s, size_t n, size_t i, const char *classes)
{
    if (i + 3 > n || strchr(classes, s[i]) == NULL || s[i] == '\0' || s[i + 1] < '0' ||
        s[i + 1] > '5' || !is_digit((unsigned char)s[i + 2]))
        return 0;
    if (i > 0 && !is_space((unsigned char)s[i - 1]) && strchr(":<([\"'>#;", s[i - 1]) == NULL)
        return 0;
    if (!(i + 3 == n || s[i + 3] == ' ' || s[i + 3] == '-' || s[i + 3] == '\n' || s[i + 3] == ')' ||
          s[i + 3] == '"'))
        return 0;
    return smtp_reply_registered(s + i);
}

/* The SMTP reply code of a diagnostic: its first token, the token after a
 * colon ("said: 550", "...>: 550"), or one followed by an enhanced status. */
static int find_reply_from(const char *s, size_t n, const char *classes, char out[4])
{
    size_t i = 0;
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    size_t at = (size_t)-1;
    if (reply_at(s, n, i, classes)) {
        at = i;
    } else {
        for (size_t k = 0; k + 3 <= n; k++) {
            if (s[k] < '2' || s[k] > '5' || !reply_at(s, n, k, classes)) /* digits first */
                continue;
            size_t b = k;
            while (b > 0 && is_space((unsigned char)s[b - 1]))
                b--;
            int after_colon = b > 0 && b < k && (s[b - 1] == ':' || s[b - 1] == '>');
            int before_status = k + 5 < n && (s[k + 3] == ' ' || s[k + 3] == '-') &&
                                s[k + 4] == s[k] && s[k + 5] == '.';
            if (after_colon || before_status) {
                at = k;
                break;
            }
        }
    }
    if (at == (size_t)-1)
        return 0;
    memcpy(out, s + at, 3);
    out[3] = '\0';
    return 1;
}

/* A failure reply at s[i] that another text introduces: after "said:",
 * "<<< ", "smtp;" or Exchange's "#" (then with or without a status), or
 * inside quotes or brackets (then only with a status: "(552 bytes)" is no
 * reply).  Its status, if one follows, goes to st ("" if none). */
static int quoted_reply_at(const char *s, size_t n, size_t i, char st[16])
{
    if (!reply_at(s, n, i, "45"))
        return 0;
    st[0] = '\0';
    size_t j = i + 3;
    if (j < n && (s[j] == '-' || s[j] == ' '))
        j++;
    while (j < n && s[j] == ' ')
        j++;
    size_t len = j < n && s[j] == s[i] ? dsn_status_at(s, n, j) : 0;
    if (len > 0) {
        memcpy(st, s + j, len);
        st[len] = '\0';
    }
    size_t b = i;
    while (b > 0 && is_space((unsigned char)s[b - 1]))
        b--;
    if (b == 0)
        return 0;
    char c = s[b - 1];
    if (c == ':' || c == ';' || c == '#' || (b >= 3 && memcmp(s + b - 3, "<<<", 3) == 0))
        return 1;
    return len > 0 && strchr("<([\"'", c) != NULL;
}

/* The first byte of s[i..n) that dsn_inner_reply() acts on (a bracket or
 * a reply's first digit), or n.  The others neither nest nor start a
 * reply, and an arrow of three of them covers only more of them: skipping
 * them changes nothing. */
static size_t next_inner(const char *s, size_t n, size_t i)
{
#ifdef __SSE2__
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i open = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('<')),
                                                 _mm_cmpeq_epi8(x, _mm_set1_epi8('('))),
                                    _mm_cmpeq_epi8(x, _mm_set1_epi8('[')));
        __m128i close = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('>')),
                                                  _mm_cmpeq_epi8(x, _mm_set1_epi8(')'))),
                                     _mm_cmpeq_epi8(x, _mm_set1_epi8(']')));
        __m128i digit = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('4')),
                                     _mm_cmpeq_epi8(x, _mm_set1_epi8('5')));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(open, close), digit));
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    while (i < n && memchr("<([>)]45", s[i], 8) == NULL)
        i++;
    return i;
}

int dsn_inner_reply(const char *s, size_t n, char reply[4], char status[16])
{
    int depth = 0, best_depth = -1, best_spec = -2;
    for (size_t i = next_inner(s, n, 0); i < n; i = next_inner(s, n, i + 1)) {
        char c = s[i];
        /* nesting, not counting the arrows of a session transcript */
        int arrow = i + 2 < n && s[i + 1] == c && s[i + 2] == c;
        if (arrow) {
            i += 2;
            continue;
        }
        if (c == '<' || c == '(' || c == '[')
            depth += depth < 64;
        else if ((c == '>' || c == ')' || c == ']') && depth > 0)
            depth--;
        else if (c == '4' || c == '5') {
            char st[16];
            if (!quoted_reply_at(s, n, i, st))
                continue;
            int spec = st[0] ? dsn_specificity(st) : -1;
            if (depth > best_depth || (depth == best_depth && spec > best_spec)) {
                best_depth = depth;
                best_spec = spec;
                memcpy(reply, s + i, 3);
                reply[3] = '\0';
                memcpy(status, st, sizeof st);
            }
            i += 2;
        }
    }
    return best_depth >= 0;
}

/* The reply code: a 4xx/5xx one if there is one (a greeting's 220 may come
 * first), else any. */
static int find_reply(const char *s, size_t n, char out[4])
{
    for (int pass = 0; pass < 2; pass++)
        if (find_reply_from(s, n, pass ? "245" : "45", out))
            return 1;
    return 0;
}

/* "host mx.example.com[192.0.2.1] said:" -> mx.example.com: a dotted name
 * after one of v's host_before words, then maybe its [address], then one of
 * its host_after words. */
static int said_at(const dsn_vocab *v, const char *r, const char *e)
{
    for (size_t k = 0; k < v->nhost_after; k++) {
        size_t l = strlen(v->host_after[k]);
        if ((size_t)(e - r) >= l && strncasecmp(r, v->host_after[k], l) == 0)
            return 1;
    }
    return 0;
}

static char *find_remote(const dsn_vocab *v, const char *s, size_t n, arena *a)
{
    const char *e = s + n;
    for (size_t w = 0; v != NULL && w < v->nhost_before; w++) {
        const char *p = s, *word = v->host_before[w];
        size_t wl = strlen(word);
        while ((p = mime_memcasemem(p, (size_t)(e - p), word, wl)) != NULL) {
            const char *h = p + wl, *q = h;
            p = h;
            while (q < e && !is_space((unsigned char)*q) && *q != '[' && *q != ':' && *q != ',')
                q++;
            if (q == h || memchr(h, '.', (size_t)(q - h)) == NULL)
                continue;
            const char *r = q;
            if (r < e && *r == '[') {
                const char *close = memchr(r, ']', (size_t)(e - r) < 64 ? (size_t)(e - r) : 64);
                if (close == NULL)
                    continue;
                r = close + 1;
            }
            while (r < e && *r == ' ')
                r++;
            if (said_at(v, r, e)) {
                char *out = arena_strndup(a, h, (size_t)(q - h));
                if (out == NULL)
                    return NULL;
                for (char *c = out; *c; c++)
                    *c = (char)lc((unsigned char)*c);
                return out;
            }
        }
    }
    return "";
}

/* The command a transcript line's text names (after its arrow), or "". */
static const char *verb_command(const dsn_vocab *voc, const char *v, const char *e)
{
    for (size_t i = 0; i < voc->nverbs; i++) {
        size_t l = strlen(voc->verbs[i].text);
        if ((size_t)(e - v) >= l && strncasecmp(v, voc->verbs[i].text, l) == 0 &&
            (v + l == e || !((v[l] | 0x20) >= 'a' && (v[l] | 0x20) <= 'z')))
            return voc->verbs[i].command;
    }
    return "";
}

/* In a session transcript (">>> DATA" / "<<< 550 ..."; some MTAs draw the
 * arrows the other way), the command sent last before the first failure
 * reply; "" if there is none. */
static const char *transcript_command(const dsn_vocab *v, const char *s, size_t n)
{
    const char *sent = "", *e = s + n;
    for (const char *p = s; p < e;) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *le = nl ? nl : e, *q = p;
        while (q < le && (*q == ' ' || *q == '\t'))
            q++;
        p = nl ? nl + 1 : e;
        if (le - q < 5 || !(memcmp(q, ">>> ", 4) == 0 || memcmp(q, "<<< ", 4) == 0))
            continue;
        if ((q[4] == '4' || q[4] == '5') && le - q > 7 && is_digit((unsigned char)q[5])) {
            if (*sent)
                return sent;
        } else {
            const char *c = verb_command(v, q + 4, le);
            if (*c)
                sent = c;
        }
    }
    return "";
}

/* How phrase ph (lower case, single spaces) matches at p (< e): 2 as it
 * is, 1 only with whitespace runs read as one space (a wrapped line), 0
 * not at all. */
static int phrase_at(const char *p, const char *e, const char *ph)
{
    int exact = 2;
    for (; *ph; ph++) {
        if (p == e)
            return 0;
        if (*ph != ' ') {
            if (lc((unsigned char)*p++) != *ph)
                return 0;
            continue;
        }
        if (!is_space((unsigned char)*p))
            return 0;
        if (*p++ != ' ' || (p < e && is_space((unsigned char)*p)))
            exact = 1;
        while (p < e && is_space((unsigned char)*p))
            p++;
    }
    return exact;
}

/* The phrases' distinct two-letter openings, each with its phrases. */
enum { NPHRASES = DSN_MAX_PHRASES };
struct dsn_openings {
    size_t n;
    unsigned char c0[NPHRASES], c1[NPHRASES];
    size_t nmember[NPHRASES];
    unsigned char member[NPHRASES][NPHRASES];
#ifdef __SSE2__
    __m128i v0[NPHRASES], v1[NPHRASES]; /* c0 and c1 in every byte */
#endif
};

struct dsn_openings *dsn_openings_new(const dsn_vocab *v)
{
    /* aligned for its SIMD patterns (malloc need not align them enough) */
    struct dsn_openings *o = aligned_alloc(_Alignof(struct dsn_openings), sizeof *o);
    if (o == NULL)
        return NULL;
    o->n = 0;
    for (size_t i = 0; i < v->nphrases && i < NPHRASES; i++) {
        const char *ph = v->phrases[i].text; /* every phrase opens with two letters */
        size_t k = 0;
        while (k < o->n && (o->c0[k] != (unsigned char)ph[0] || o->c1[k] != (unsigned char)ph[1]))
            k++;
        if (k == o->n) {
            o->c0[k] = (unsigned char)ph[0];
            o->c1[k] = (unsigned char)ph[1];
#ifdef __SSE2__
            o->v0[k] = _mm_set1_epi8(ph[0]);
            o->v1[k] = _mm_set1_epi8(ph[1]);
#endif
            o->nmember[o->n++] = 0;
        }
        o->member[k][o->nmember[k]++] = (unsigned char)i;
    }
    return o;
}

void dsn_openings_free(struct dsn_openings *o)
{
    free(o);
}

/* The phrases of opening k at p: lowers *exact / *joined to the first
 * phrase (in table order) matching there as it is / only joined. */
static void phrases_at(const dsn_vocab *v, const struct dsn_openings *o, size_t k, const char *p,
                       const char *e, size_t *exact, size_t *joined)
{
    for (size_t j = 0; j < o->nmember[k] && o->member[k][j] < *exact; j++) {
        size_t i = o->member[k][j];
        int m = phrase_at(p, e, v->phrases[i].text);
        if (m == 2)
            *exact = i;
        else if (m == 1 && i < *joined)
            *joined = i;
    }
}

/* The SMTP command a phrase of s[0..n) names ("in reply to RCPT TO
 * command"), or "".  A phrase found as it is wins; else, when s has lines,
 * one broken across them ("(in reply to RCPT\n    TO command)").  One pass:
 * sixteen positions at a time are tested for the phrases' openings, and
 * only there are phrases compared. */
static const char *phrase_command(const dsn_vocab *v, const char *s, size_t n)
{
    const struct dsn_openings *o = v->openings;
    if (o == NULL)
        return "";
    size_t exact = NPHRASES, joined = NPHRASES, i = 0;
    const char *e = s + n;
#ifdef __SSE2__
    __m128i lower = _mm_set1_epi8(0x20); /* a letter or'ed with it matches only its two cases */
    for (; i + 17 <= n && exact > 0; i += 16) {
        __m128i x0 = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(s + i)), lower);
        __m128i x1 =
            _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(s + i + 1)), lower);
        __m128i hit[NPHRASES], any = _mm_setzero_si128();
        for (size_t k = 0; k < o->n; k++) {
            hit[k] = _mm_and_si128(_mm_cmpeq_epi8(x0, o->v0[k]), _mm_cmpeq_epi8(x1, o->v1[k]));
            any = _mm_or_si128(any, hit[k]);
        }
        if (_mm_movemask_epi8(any) == 0)
            continue;
        for (size_t k = 0; k < o->n; k++)
            for (unsigned m = (unsigned)_mm_movemask_epi8(hit[k]); m != 0; m &= m - 1)
                phrases_at(v, o, k, s + i + __builtin_ctz(m), e, &exact, &joined);
    }
#endif
    for (; i + 1 < n && exact > 0; i++)
        for (size_t k = 0; k < o->n; k++)
            if (lc((unsigned char)s[i]) == o->c0[k] && lc((unsigned char)s[i + 1]) == o->c1[k])
                phrases_at(v, o, k, s + i, e, &exact, &joined);
    if (exact < NPHRASES)
        return v->phrases[exact].command;
    if (joined < NPHRASES && memchr(s, '\n', n) != NULL)
        return v->phrases[joined].command;
    return "";
}

const char *dsn_command(const dsn_vocab *v, const char *s, size_t n)
{
    if (v == NULL)
        return "";
    const char *c = transcript_command(v, s, n);
    return *c ? c : phrase_command(v, s, n);
}

/* The status of the last reply a diagnostic quotes after its own ("554
 * 4.4.7 expired <421 4.4.2 Connection timed out>"): the remote server's
 * words, which carry the more specific status.  0 if there is none. */
static int quoted_status(const char *d, size_t n, char out[16])
{
    int found = 0, seen = 0;
    for (size_t i = 0; i + 9 <= n; i++) {
#ifdef __SSE2__
        /* skip sixteen positions at a time that cannot start "4xx 4." */
        if (i + 24 <= n) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
            __m128i dot = _mm_loadu_si128((const __m128i *)(const void *)(d + i + 5));
            __m128i lead = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('4')),
                                        _mm_cmpeq_epi8(x, _mm_set1_epi8('5')));
            unsigned m = (unsigned)_mm_movemask_epi8(
                _mm_and_si128(lead, _mm_cmpeq_epi8(dot, _mm_set1_epi8('.'))));
            if (m == 0) {
                i += 15;
                continue;
            }
            i += (size_t)__builtin_ctz(m);
        }
#endif
        if ((d[i] != '4' && d[i] != '5') || (d[i + 3] != ' ' && d[i + 3] != '-') ||
            (d[i + 4] != '4' && d[i + 4] != '5') || d[i + 5] != '.' || !reply_at(d, n, i, "45"))
            continue;
        char st[16];
        if (!dsn_find_status(d + i + 4, n - i - 4, st) || strncmp(st, d + i + 4, strlen(st)) != 0)
            continue;
        if (seen++ > 0) {
            memcpy(out, st, sizeof st);
            found = 1;
        }
        i += 4 + strlen(st) - 1;
    }
    return found;
}

int dsn_quoted_status(rpt_recipient *r, arena *a)
{
    char st[16], rc[4];
    const char *d = r->diagnostic;
    size_t n = strlen(d);
    if (!((dsn_inner_reply(d, n, rc, st) && st[0]) || quoted_status(d, n, st)) ||
        dsn_specificity(st) < dsn_specificity(r->status) || strcmp(st, r->status) == 0)
        return 0;
    return (r->status = arena_strdup(a, st)) == NULL ? -1 : 0;
}

/* Refine r from its diagnostic; the reply code only when the diagnostic
 * is an SMTP one (an X-Unix diagnostic holds an exit status). */
static int refine(const dsn_vocab *v, rpt_recipient *r, int smtp, arena *a)
{
    const char *d = r->diagnostic;
    size_t n = strlen(d);
    if (n == 0)
        return 0;
    char st[16], rc[4];
    /* the remote server's own reply, when the diagnostic quotes it, is the
     * evidence; its status wins unless the field is more specific */
    int inner = dsn_inner_reply(d, n, rc, st);
    if (((inner && st[0]) || quoted_status(d, n, st) || dsn_find_status(d, n, st)) &&
        dsn_specificity(st) >= dsn_specificity(r->status) && strcmp(st, r->status) != 0) {
        if ((r->status = arena_strdup(a, st)) == NULL)
            return -1;
    }
    /* a quoted reply of another class than the status kept is not its
     * evidence ("552 full <mx said: 452 4.0.0 later>" with Status: 5.2.2) */
    if (inner && *r->status != '\0' && r->status[0] != rc[0])
        inner = 0;
    if (smtp && *r->reply_code == '\0' && (inner || find_reply(d, n, rc))) {
        if ((r->reply_code = arena_strdup(a, rc)) == NULL)
            return -1;
    }
    if (*r->smtp_command == '\0')
        r->smtp_command = dsn_command(v, d, n);
    if (*r->remote_mta == '\0') {
        if ((r->remote_mta = find_remote(v, d, n, a)) == NULL)
            return -1;
    }
    return 0;
}

int dsn_context(const dsn_vocab *v, rpt_recipient *r, const char *s, size_t n, arena *a)
{
    /* the paragraph naming the recipient first: a text about several
     * recipients names each one's command there */
    char low[256];
    size_t alen = r->address != NULL ? strlen(r->address) : 0;
    const char *m = NULL;
    if (alen > 0 && alen < sizeof low && strchr(r->address, '@') != NULL) {
        for (size_t i = 0; i <= alen; i++)
            low[i] = (char)lc((unsigned char)r->address[i]);
        m = mime_memcasemem(s, n, low, alen);
    }
    if (m != NULL) {
        const char *b = m, *e = s + n;
        while (b > s && b[-1] != '\n')
            b--;
        const char *blank = mime_memcasemem(m, (size_t)(e - m), "\n\n", 2);
        size_t pn = (size_t)((blank ? blank : e) - b);
        if (*r->smtp_command == '\0')
            r->smtp_command = dsn_command(v, b, pn);
        if (*r->remote_mta == '\0' && (r->remote_mta = find_remote(v, b, pn, a)) == NULL)
            return -1;
    }
    if (*r->smtp_command == '\0')
        r->smtp_command = dsn_command(v, s, n);
    if (*r->remote_mta == '\0' && (r->remote_mta = find_remote(v, s, n, a)) == NULL)
        return -1;
    return 0;
}

int dsn_refine(const dsn_vocab *v, rpt_recipient *r, arena *a)
{
    return refine(v, r, 1, a);
}

/* One recipient group being read. */
struct group {
    const char *original, *final;
    size_t olen, flen;
    const char *action, *status, *diag, *remote, *category;
    size_t alen, slen, dlen, rlen, clen;
    int nfields;
};

/* Value of a "type; value" field without its type ("dns; mx" -> "mx"). */
static void strip_type(const char **v, size_t *n)
{
    while (*n > 0 && is_space((unsigned char)**v)) {
        (*v)++;
        (*n)--;
    }
    /* the type is one token, maybe with blanks before the ';' ("smtp ; 550") */
    size_t k = 0;
    while (k < *n && k <= 24 && (is_alnum((unsigned char)(*v)[k]) || (*v)[k] == '-'))
        k++;
    size_t semi = k;
    while (semi < *n && semi <= 24 && ((*v)[semi] == ' ' || (*v)[semi] == '\t'))
        semi++;
    if (k > 0 && semi < *n && (*v)[semi] == ';') {
        *n -= semi + 1;
        *v += semi + 1;
    }
    while (*n > 0 && is_space((unsigned char)**v)) {
        (*v)++;
        (*n)--;
    }
    while (*n > 0 && is_space((unsigned char)(*v)[*n - 1]))
        (*n)--;
}

static char *lower_token(const char *v, size_t n, arena *a)
{
    while (n > 0 && is_space((unsigned char)*v)) {
        v++;
        n--;
    }
    size_t k = 0;
    while (k < n && !is_space((unsigned char)v[k]) && v[k] != '(' && v[k] != ';')
        k++;
    char *out = arena_strndup(a, v, k);
    if (out != NULL)
        for (char *c = out; *c; c++)
            *c = (char)lc((unsigned char)*c);
    return out;
}

/* Is addr, read from the field value v[0..n), an Internet address: typed
 * rfc822 or utf-8 (RFC 6533) or untyped, local@domain, and not an Exchange
 * encapsulation of another address space ("IMCEAEX-...@domain")? */
static int internet_address(const char *v, size_t n, const char *addr)
{
    while (n > 0 && is_space((unsigned char)*v)) {
        v++;
        n--;
    }
    size_t k = 0;
    while (k < n && (is_alnum((unsigned char)v[k]) || v[k] == '-'))
        k++;
    size_t semi = k;
    while (semi < n && (v[semi] == ' ' || v[semi] == '\t'))
        semi++;
    if (semi < n && v[semi] == ';' && !(k == 6 && strncasecmp(v, "rfc822", 6) == 0) &&
        !(k == 5 && strncasecmp(v, "utf-8", 5) == 0))
        return 0;
    const char *at = strrchr(addr, '@');
    return at != NULL && at > addr && at[1] != '\0' && strchr(at + 1, '/') == NULL &&
           strncasecmp(addr, "imcea", 5) != 0;
}

static int add_group(const dsn_vocab *voc, const struct group *g, arena *a, dsn_report *out,
                     size_t cap)
{
    if (out->nrecipients >= cap) /* full: later groups are dropped, not merged */
        return 0;
    /* the address the sender knows: Original-Recipient when Final-Recipient
     * is no Internet address (X.400, a channel) or an alias's target */
    char *fin = g->final != NULL ? dsn_address(g->final, g->flen, a) : NULL;
    char *orig = g->original != NULL ? dsn_address(g->original, g->olen, a) : NULL;
    int fin_ok = fin != NULL && internet_address(g->final, g->flen, fin);
    int orig_ok = orig != NULL && internet_address(g->original, g->olen, orig);
    char *addr = orig_ok && (!fin_ok || strcasecmp(orig, fin) != 0) ? orig
                 : fin != NULL                                      ? fin
                                                                    : orig;
    if (addr == NULL)
        return 0;
    rpt_recipient *r = NULL;
    for (size_t i = 0; i < out->nrecipients; i++)
        if (strcasecmp(out->recipients[i].address, addr) == 0)
            r = &out->recipients[i];
    if (r == NULL) {
        if (out->nrecipients >= cap)
            return 0;
        r = &out->recipients[out->nrecipients++];
        *r = (rpt_recipient){addr, "", "", "", "", "", "", ""};
    }
    char st[16];
    if (g->action != NULL && *r->action == '\0' &&
        (r->action = lower_token(g->action, g->alen, a)) == NULL)
        return -1;
    if (g->status != NULL && *r->status == '\0' && dsn_find_status(g->status, g->slen, st) &&
        (r->status = arena_strdup(a, st)) == NULL)
        return -1;
    int smtp = 1;
    if (g->diag != NULL && *r->diagnostic == '\0') {
        const char *v = g->diag;
        size_t n = g->dlen;
        while (n > 0 && is_space((unsigned char)*v)) {
            v++;
            n--;
        }
        smtp = !(n >= 6 && strncasecmp(v, "x-unix", 6) == 0);
        strip_type(&v, &n);
        if ((r->diagnostic = dsn_fold(v, n, DSN_MAX_DIAGNOSTIC, a)) == NULL)
            return -1;
    }
    if (g->category != NULL && *r->text == '\0') {
        /* the sender's own verdict, kept as text a rule can name */
        char *c = dsn_fold(g->category, g->clen, 64, a);
        if (c == NULL || (r->text = arena_printf(a, "X-PowerMTA-BounceCategory: %s", c)) == NULL)
            return -1;
    }
    if (g->remote != NULL && *r->remote_mta == '\0') {
        const char *v = g->remote;
        size_t n = g->rlen;
        strip_type(&v, &n);
        if ((r->remote_mta = lower_token(v, n, a)) == NULL)
            return -1;
    }
    return refine(voc, r, smtp, a);
}

static int field_is(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

int dsn_parse(const dsn_vocab *voc, const char *text, size_t len, arena *a, dsn_report *out)
{
    out->reporting_mta = "";
    out->mta = "";
    out->nrecipients = 0;
    /* at most one recipient per "Final-Recipient"/"Original-Recipient" */
    size_t cap = 0;
    for (const char *p = text, *e = text + len;
         (p = mime_memcasemem(p, (size_t)(e - p), "-recipient", 10)) != NULL; p += 10)
        cap++;
    if (cap > DSN_MAX_RECIPIENTS)
        cap = DSN_MAX_RECIPIENTS;
    out->recipients = arena_alloc(a, (cap ? cap : 1) * sizeof *out->recipients);
    if (out->recipients == NULL)
        return -1;

    struct group g = {0};
    const char **lastv = NULL;
    size_t *lastn = NULL;
    int in_recipients = 0, msg_fields = 0;
    const char *s = text, *end = text + len;
    while (s <= end) {
        const char *nl = s < end ? memchr(s, '\n', (size_t)(end - s)) : NULL;
        const char *e = nl ? nl : end;
        const char *next = nl ? nl + 1 : end + 1;
        while (e > s && e[-1] == '\r') /* CRLF and LF lines may be mixed */
            e--;
        const char *q = s;
        while (q < e && (*q == ' ' || *q == '\t'))
            q++;
        if (q == e) { /* blank line (or the end): close the group */
            if (g.nfields > 0 && add_group(voc, &g, a, out, cap) != 0)
                return -1;
            if (msg_fields)
                in_recipients = 1; /* the per-message group has ended */
            memset(&g, 0, sizeof g);
            lastv = NULL;
            s = next;
            continue;
        }
        if (q > s) { /* continuation of the previous field */
            if (lastv != NULL)
                *lastn = (size_t)(e - *lastv);
            s = next;
            continue;
        }
        /* a field: a name, maybe blanks ("Action : failed"), a colon */
        const char *ne = s;
        while (ne < e && (is_alnum((unsigned char)*ne) || *ne == '-' || *ne == '_'))
            ne++;
        const char *colon = ne;
        while (colon < e && (*colon == ' ' || *colon == '\t'))
            colon++;
        if (ne == s || colon == e || *colon != ':') {
            /* not a field: an unindented continuation ("550-...\n550 ...") */
            if (lastv != NULL)
                *lastn = (size_t)(e - *lastv);
            s = next;
            continue;
        }
        lastv = NULL;
        const char *name = s, *v = colon + 1;
        size_t nlen = (size_t)(ne - s), vlen = (size_t)(e - v);
        int is_final = field_is(name, nlen, "final-recipient");
        int is_orig = field_is(name, nlen, "original-recipient");
        int is_rcpt_field =
            is_final || is_orig || field_is(name, nlen, "action") || field_is(name, nlen, "status");
        /* a repeated field means the blank line before a new group is missing */
        if ((is_final && g.final) || (is_orig && (g.original || (g.final && g.action))) ||
            (field_is(name, nlen, "action") && g.action)) {
            if (add_group(voc, &g, a, out, cap) != 0)
                return -1;
            memset(&g, 0, sizeof g);
        }
        if (is_rcpt_field)
            in_recipients = 1;
        if (!in_recipients) {
            msg_fields = 1;
            if (field_is(name, nlen, "reporting-mta")) {
                const char *rv = v;
                size_t rn = vlen;
                strip_type(&rv, &rn);
                if ((out->reporting_mta = lower_token(rv, rn, a)) == NULL)
                    return -1;
            } else if (nlen > 10 && strncasecmp(name, "x-postfix-", 10) == 0) {
                out->mta = "postfix";
            }
            s = next;
            continue;
        }
        g.nfields++;
#define TAKE(field, lenf)                                                                          \
    do {                                                                                           \
        g.field = v;                                                                               \
        g.lenf = vlen;                                                                             \
        lastv = &g.field;                                                                          \
        lastn = &g.lenf;                                                                           \
    } while (0)
        if (is_final)
            TAKE(final, flen);
        else if (is_orig)
            TAKE(original, olen);
        else if (field_is(name, nlen, "action"))
            TAKE(action, alen);
        else if (field_is(name, nlen, "status"))
            TAKE(status, slen);
        else if (field_is(name, nlen, "diagnostic-code"))
            TAKE(diag, dlen);
        else if (field_is(name, nlen, "remote-mta"))
            TAKE(remote, rlen);
        else if (field_is(name, nlen, "x-powermta-bouncecategory"))
            TAKE(category, clen);
        else if (g.diag == NULL && nlen > 10 &&
                 strncasecmp(name + nlen - 10, "diagnostic", 10) == 0)
            TAKE(diag, dlen); /* X-Exim-Diagnostic and the like, if nothing better */
        else if (nlen > 10 && strncasecmp(name, "x-postfix-", 10) == 0)
            out->mta = "postfix";
#undef TAKE
        s = next;
    }
    return g.nfields > 0 ? add_group(voc, &g, a, out, cap) : 0;
}
