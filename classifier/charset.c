/*
 * charset.c - conversion of decoded text to UTF-8 (see charset.h).
 *
 * Charset labels are mapped to the iconv name of their practical superset
 * (GB2312 and GBK are read as GB18030, Shift_JIS as CP932, EUC-KR as CP949)
 * because senders label text with the narrow name and use the wide one.
 * Bytes iconv cannot convert are skipped; nothing here ever fails on input.
 */
#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Labels that mean another iconv name ("" = treat as UTF-8 or Windows-1252). */
static const struct {
    const char *label, *iconv;
} aliases[] = {
    /* the labels most mail uses first: a lookup is a linear scan */
    {"utf-8", ""},
    {"us-ascii", ""},
    {"iso-8859-1", ""},
    {"iso-2022-jp", "ISO-2022-JP-3"},
    {"windows-1252", ""},
    {"gb2312", "GB18030"},
    {"shift_jis", "CP932"},
    {"gbk", "GB18030"},
    {"gb18030", "GB18030"},
    {"x-gbk", "GB18030"},
    {"euc-cn", "GB18030"},
    {"cp936", "GB18030"},
    {"x-euc-cn", "GB18030"},
    {"gb_2312-80", "GB18030"},
    {"chinese", "GB18030"},
    {"big5", "BIG5-HKSCS"},
    {"x-big5", "BIG5-HKSCS"},
    {"cp950", "BIG5-HKSCS"},
    {"big5-hkscs", "BIG5-HKSCS"},
    {"shift-jis", "CP932"},
    {"sjis", "CP932"},
    {"x-sjis", "CP932"},
    {"ms_kanji", "CP932"},
    {"windows-31j", "CP932"},
    {"cp932", "CP932"},
    {"x-ms-cp932", "CP932"},
    {"euc-kr", "CP949"},
    {"ks_c_5601-1987", "CP949"},
    {"ks_c_5601", "CP949"},
    {"cp949", "CP949"},
    {"uhc", "CP949"},
    {"x-windows-949", "CP949"},
    {"iso-2022-jp-2", "ISO-2022-JP-2"},
    {"euc-jp", "EUC-JP-MS"},
    {"x-euc-jp", "EUC-JP-MS"},
    {"utf8", ""},
    {"ascii", ""},
    {"latin1", ""},
    {"iso8859-1", ""},
    {"cp1252", ""},
    {"unknown-8bit", ""},
    {"x-unknown", ""},
    {"default", ""},
    {"x-user-defined", ""},
};

/* Windows-1252 0x80..0x9f (0 = undefined, read as Latin-1 C1). */
static const unsigned short cp1252[32] = {
    0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017d, 0,      0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178,
};

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    unsigned cp = c & (0x3f >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int charset_valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if ((w & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t l = utf8_seq(p + i, n - i);
        if (l == 0)
            return 0;
        i += l;
    }
    return 1;
}

static size_t put_cp(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    o[0] = (char)(0xe0 | cp >> 12);
    o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
}

/* Length of the run at s of bytes below 0x80 other than CR, read eight at
 * a time. */
static size_t plain_run(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t x = w ^ 0x0d0d0d0d0d0d0d0dull; /* a CR byte becomes zero */
        uint64_t zero = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
        if ((w & 0x8080808080808080ull) != 0 || zero != 0)
            break;
        i += 8;
    }
    while (i < n && s[i] < 0x80 && s[i] != '\r')
        i++;
    return i;
}

/* Copy as UTF-8: valid sequences kept, other bytes read as Windows-1252,
 * CRLF and CR turned into LF.  out has room for 3 * len + 1 or cap + 1. */
static size_t copy_fallback(const char *in, size_t len, char *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t run = plain_run(s + i, len - i);
        if (run > 0) { /* plain ASCII without CR: copied as a block */
            if (run > cap - o)
                run = cap - o;
            memcpy(out + o, s + i, run);
            o += run;
            i += run;
            if (o == cap)
                break;
            continue;
        }
        unsigned c = s[i];
        if (c == '\r') {
            if (o + 1 > cap)
                break;
            out[o++] = '\n';
            i += i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
            continue;
        }
        if (c < 0x80) {
            if (o + 1 > cap)
                break;
            out[o++] = (char)c;
            i++;
            continue;
        }
        size_t l = utf8_seq(s + i, len - i);
        if (l > 0) {
            if (o + l > cap)
                break;
            memcpy(out + o, s + i, l);
            o += l;
            i += l;
            continue;
        }
        unsigned cp = c >= 0x80 && c < 0xa0 && cp1252[c - 0x80] ? cp1252[c - 0x80] : c;
        if (o + 3 > cap)
            break;
        o += put_cp(out + o, cp);
        i++;
    }
    return o;
}

/* iconv name for a charset label: "" for the UTF-8/Windows-1252 path. */
static const char *iconv_name(const char *label)
{
    if (label == NULL || *label == '\0')
        return "";
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(label, aliases[i].label) == 0)
            return aliases[i].iconv;
    if (strncasecmp(label, "iso-2022-jp", 11) == 0)
        return "ISO-2022-JP-3";
    return label;
}

static size_t fold_cr(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r') {
            s[o++] = '\n';
            if (i + 1 < n && s[i + 1] == '\n')
                i++;
        } else {
            s[o++] = s[i];
        }
    }
    return o;
}

/* Convert with iconv; -1 if the charset is unknown to iconv. */
static long via_iconv(const char *name, const char *in, size_t len, char *out, size_t cap)
{
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1)
        return -1;
    char *ip = (char *)in, *op = out;
    size_t il = len, ol = cap;
    while (il > 0) {
        if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
            break;
        if (errno == EILSEQ) { /* skip the bad byte, mark it */
            ip++;
            il--;
            if (ol > 0) {
                *op++ = '?';
                ol--;
            }
            continue;
        }
        break; /* E2BIG (cap reached) or EINVAL (truncated at the end) */
    }
    iconv(cd, NULL, NULL, &op, &ol); /* flush shift state */
    iconv_close(cd);
    return (long)(op - out);
}

/* 1 if s[0..n) has a byte >= 0x80, 2 if it has only ESC sequences. */
static int non_ascii(const char *s, size_t n)
{
    int esc = 0;
    size_t i = 0;
#ifdef __SSE2__
    /* sixteen bytes at a time: the high bits of the bytes, and of the
     * compare with ESC, say whether the block needs a closer look */
    const __m128i escs = _mm_set1_epi8(0x1b);
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        if (_mm_movemask_epi8(_mm_or_si128(x, _mm_cmpeq_epi8(x, escs))) != 0)
            break;
    }
#endif
    while (i + 8 <= n) { /* skip words with no byte >= 0x80 and no ESC */
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t x = w ^ 0x1b1b1b1b1b1b1b1bull; /* an ESC byte becomes zero */
        uint64_t zero = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
        if ((w & 0x8080808080808080ull) != 0 || zero != 0)
            break;
        i += 8;
    }
    for (; i < n; i++) {
        if ((unsigned char)s[i] >= 0x80)
            return 1;
        if (s[i] == 0x1b)
            esc = 2;
    }
    return esc;
}

char *charset_to_utf8(const char *charset, const char *in, size_t len, size_t cap, arena *a,
                      size_t *outlen)
{
    const char *name = iconv_name(charset);
    int kind = non_ascii(in, len);
    int stateful = strstr(name, "2022") != NULL; /* ISO-2022-*: 7-bit with ESC */
    int plain = kind == 0 || (kind == 2 && !stateful);
    /* Already ASCII, or valid UTF-8 whatever the label says (mislabelled
     * UTF-8 is far more common than legacy text that happens to validate). */
    int valid = kind == 1 && charset_valid_utf8(in, len);
    if (plain || valid || *name == '\0' || (kind == 1 && stateful)) { /* 8-bit is not ISO-2022 */
        size_t room = plain || valid ? len : len * 3; /* Windows-1252 grows up to 3x */
        if (room > cap)
            room = cap;
        char *out = arena_alloc(a, room + 1);
        if (out == NULL)
            return NULL;
        size_t o;
        if (memchr(in, '\r', len) == NULL && (plain || valid)) {
            o = room; /* nothing to change (a cut inside UTF-8 is fixed below) */
            memcpy(out, in, o);
            while (o < len && o > 0 && ((unsigned char)in[o] & 0xc0) == 0x80)
                o--;
        } else {
            o = copy_fallback(in, len, out, room);
        }
        out[o] = '\0';
        *outlen = o;
        return out;
    }
    size_t room = len * 4 + 16;
    if (room > cap)
        room = cap;
    char *out = arena_alloc(a, room + 1);
    if (out == NULL)
        return NULL;
    long n = via_iconv(name, in, len, out, room);
    if (n < 0)
        n = (long)copy_fallback(in, len, out, room);
    else
        n = (long)fold_cr(out, (size_t)n);
    out[n] = '\0';
    *outlen = (size_t)n;
    return out;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decode the text of one encoded word into out (room for tlen bytes). */
static size_t word_decode(int enc, const char *t, size_t tlen, char *out)
{
    size_t o = 0;
    if (enc == 'b') {
        unsigned acc = 0;
        int bits = 0;
        for (size_t i = 0; i < tlen; i++) {
            int v = b64val((unsigned char)t[i]);
            if (v < 0)
                continue;
            acc = (acc << 6 | (unsigned)v) & 0xffffff;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out[o++] = (char)(acc >> bits & 0xff);
            }
        }
        return o;
    }
    for (size_t i = 0; i < tlen; i++) {
        int h1, h2;
        if (t[i] == '_') {
            out[o++] = ' ';
        } else if (t[i] == '=' && i + 2 < tlen && (h1 = hexval((unsigned char)t[i + 1])) >= 0 &&
                   (h2 = hexval((unsigned char)t[i + 2])) >= 0) {
            out[o++] = (char)(h1 << 4 | h2);
            i += 2;
        } else {
            out[o++] = t[i];
        }
    }
    return o;
}

/* Parse an encoded word at s (e bounds it): charset span, encoding, text
 * span and the end; 0 if s does not start one. */
static int encoded_word(const char *s, const char *e, const char **cs, size_t *cslen, int *enc,
                        const char **t, size_t *tlen, const char **wend)
{
    if (e - s < 8 || s[0] != '=' || s[1] != '?')
        return 0;
    const char *p = s + 2, *q = p;
    while (q < e && *q != '?' && *q != ' ' && *q != '\n' && q - p < 64)
        q++;
    if (q + 3 >= e || *q != '?' || q == p)
        return 0;
    int c = q[1] | 0x20;
    if ((c != 'b' && c != 'q') || q[2] != '?')
        return 0;
    /* an encoded word is at most 75 bytes (RFC 2047); allow long ones from
     * sloppy mailers, but bound the search so "=?" runs stay linear */
    const char *tx = q + 3, *te = tx, *lim = e - tx > 1024 ? tx + 1024 : e;
    while (te + 1 < lim && !(te[0] == '?' && te[1] == '=') && *te != '\n')
        te++;
    if (te + 1 >= e || te[0] != '?' || te[1] != '=')
        return 0;
    *cs = p;
    *cslen = (size_t)(q - p);
    const char *star = memchr(p, '*', *cslen); /* RFC 2231 language suffix */
    if (star != NULL)
        *cslen = (size_t)(star - p);
    *enc = c;
    *t = tx;
    *tlen = (size_t)(te - tx);
    *wend = te + 2;
    return 1;
}

char *charset_decode_header(const char *in, size_t len, size_t cap, arena *a)
{
    if (len > cap * 4) /* what would not fit the output is not read */
        len = cap * 4;
    /* Work buffers: raw bytes of the current run, and the output. */
    char *raw = arena_alloc(a, len + 1);
    size_t room = len * 4 + 16 < cap ? len * 4 + 16 : cap;
    char *out = arena_alloc(a, room + 1);
    if (raw == NULL || out == NULL)
        return NULL;
    size_t o = 0, rl = 0;
    char runcs[65] = "";
    const char *s = in, *e = in + len;
    while (s < e && o < room) {
        const char *cs, *t, *wend;
        size_t cslen, tlen;
        int enc;
        if (*s == '=' && encoded_word(s, e, &cs, &cslen, &enc, &t, &tlen, &wend)) {
            char name[65];
            memcpy(name, cs, cslen);
            name[cslen] = '\0';
            if (rl > 0 && strcasecmp(name, runcs) != 0) {
                size_t n;
                char *u = charset_to_utf8(runcs, raw, rl, room - o, a, &n);
                if (u == NULL)
                    return NULL;
                memcpy(out + o, u, n);
                o += n;
                rl = 0;
            }
            memcpy(runcs, name, cslen + 1);
            rl += word_decode(enc, t, tlen, raw + rl);
            s = wend;
            /* whitespace between two encoded words is dropped */
            const char *q = s;
            while (q < e && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
                q++;
            if (q < e && q > s && encoded_word(q, e, &cs, &cslen, &enc, &t, &tlen, &wend))
                s = q;
            continue;
        }
        if (rl > 0) {
            size_t n;
            char *u = charset_to_utf8(runcs, raw, rl, room - o, a, &n);
            if (u == NULL)
                return NULL;
            memcpy(out + o, u, n);
            o += n;
            rl = 0;
        }
        /* a run of plain text up to the next possible encoded word */
        const char *q = s + 1;
        while (q < e && (q = memchr(q, '=', (size_t)(e - q))) != NULL &&
               !(q + 1 < e && q[1] == '?'))
            q++;
        if (q == NULL)
            q = e;
        size_t n;
        char *u = charset_to_utf8(NULL, s, (size_t)(q - s), room - o, a, &n);
        if (u == NULL)
            return NULL;
        memcpy(out + o, u, n);
        o += n;
        s = q;
    }
    if (rl > 0 && o < room) {
        size_t n;
        char *u = charset_to_utf8(runcs, raw, rl, room - o, a, &n);
        if (u == NULL)
            return NULL;
        memcpy(out + o, u, n);
        o += n;
    }
    /* unfold: control characters become spaces, runs of blanks collapse */
    size_t w = 0;
    for (size_t i = 0; i < o; i++) {
        char c = out[i];
        if ((unsigned char)c < 0x20 || c == 0x7f)
            c = ' ';
        if (c == ' ' && (w == 0 || out[w - 1] == ' '))
            continue;
        out[w++] = c;
    }
    while (w > 0 && out[w - 1] == ' ')
        w--;
    out[w] = '\0';
    return out;
}
