/*
 * transcript.c - recipients from human-readable bounces.  formats.c says
 * which format the text is in, where its recipients' section starts and
 * where the returned original begins; this module applies the format's
 * layout to that section:
 *
 *   - its `recipient` regex finds each recipient (group addr); the
 *     recipient's block runs to the next blank line, the next recipient or
 *     the end of its line (the format's `block`);
 *   - the diagnostic is the regex's diag group, else the format's `diag`
 *     regex applied to the block (or to the whole text before the original,
 *     when the format states one reason for all), else the block itself;
 *   - the format's recipients header (X-Failed-Recipients) adds those the
 *     regex missed, when it names more;
 *   - with still no recipient, every address in the section is one, with
 *     its paragraph (not when the text carries pasted delivery-status
 *     fields: report.c reads those).
 *
 * Status, reply code, SMTP command and remote MTA are then read from the
 * diagnostic, the block, the recipient's own line, and other paragraphs
 * that name the recipient (a session transcript).  Work is bounded: the
 * section is capped by formats.c, at most TR_MAX_RECIPIENTS recipients,
 * diagnostics capped at TR_MAX_DIAG bytes.
 */
#include "transcript.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "dsn.h"
#include "regex.h"
#include "smtpreply.h"

#define TR_MAX_RECIPIENTS 500
#define TR_MAX_DIAG 1024  /* folded diagnostic */
#define TR_MAX_BLOCK 4096 /* raw block looked at for one recipient */
#define TR_MAX_ADDR 254

typedef struct span {
    size_t b, e;
} span;

typedef struct found {
    const char *addr;
    span block;
    span diag;
    size_t lead; /* start of the line naming the recipient (<= block.b) */
} found;

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Bytes that may appear in an address as bounces print it. */
static int addr_char(unsigned char c)
{
    return c > ' ' && c != '<' && c != '>' && c != '(' && c != ')' && c != '[' && c != ']' &&
           c != ',' && c != ';' && c != ':' && c != '"' && c != '\'' && c != '\\' && c != 0x7f;
}

/* The address around the first '@' of s[0..n), domain lower-cased, or NULL
 * when there is none that looks like one. */
static const char *clean_address(arena *a, const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (at == NULL)
        return NULL;
    size_t i = (size_t)(at - s), b = i, e = i + 1;
    while (b > 0 && addr_char((unsigned char)s[b - 1]))
        b--;
    while (e < n && addr_char((unsigned char)s[e]))
        e++;
    while (e > i + 1 && (s[e - 1] == '.' || s[e - 1] == '-'))
        e--;
    if (e - b > 7 && strncasecmp(s + b, "mailto:", 7) == 0)
        b += 7;
    if (b == i || e == i + 1 || e - b > TR_MAX_ADDR || memchr(s + i + 1, '@', e - i - 1) != NULL)
        return NULL;
    char *out = arena_strndup(a, s + b, e - b);
    if (out == NULL)
        return NULL;
    for (char *p = out + (i - b) + 1; *p; p++)
        *p = (char)lower((unsigned char)*p);
    return out;
}

/* Offset of the first occurrence of addr in t[b..e), case-insensitively,
 * or e: only the text around each '@' is compared. */
static size_t find_addr(const char *t, size_t b, size_t e, const char *addr)
{
    size_t n = strlen(addr), k = (size_t)(strchr(addr, '@') - addr);
    for (size_t p = b + k; p + n - k <= e; p++) {
        const char *at = memchr(t + p, '@', e - p);
        if (at == NULL)
            break;
        p = (size_t)(at - t);
        if (p + n - k <= e && strncasecmp(t + p - k, addr, n) == 0)
            return p - k;
    }
    return e;
}

/* s[b..e) with every run of white space and control bytes made one space,
 * trimmed (leading punctuation too), capped at max bytes on a UTF-8
 * character boundary. */
static char *fold(arena *a, const char *s, size_t b, size_t e, size_t max)
{
    if (e > b + TR_MAX_BLOCK)
        e = b + TR_MAX_BLOCK;
    /* what is left of the recipient's own line: ">: ", ". " */
    while (b < e && (s[b] == ':' || s[b] == '.' || s[b] == ',' || s[b] == ';' ||
                     is_space((unsigned char)s[b])))
        b++;
    char *out = arena_alloc(a, (e > b ? e - b : 0) + 1);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    int space = 0;
    for (size_t i = b; i < e; i++) {
#ifdef __SSE2__
        /* sixteen bytes with no control byte, and no space that another
         * space or control byte follows, are copied as they are */
        while (!space && i + 17 <= e && (n > 0 || s[i] != ' ')) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 1));
            __m128i ctl = _mm_set1_epi8(0x1f), sp = _mm_set1_epi8(' '), del = _mm_set1_epi8(0x7f);
            __m128i xctl =
                _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(x, ctl), ctl), _mm_cmpeq_epi8(x, del));
            __m128i ysep =
                _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(y, sp), sp), _mm_cmpeq_epi8(y, del));
            unsigned m = (unsigned)_mm_movemask_epi8(
                _mm_or_si128(xctl, _mm_and_si128(_mm_cmpeq_epi8(x, sp), ysep)));
            size_t run = m != 0 ? (size_t)__builtin_ctz(m) : 16; /* plain up to there */
            memcpy(out + n, s + i, run);
            n += run;
            i += run;
            if (m != 0)
                break;
        }
        if (i >= e)
            break;
#endif
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f) {
            space = 1;
            continue;
        }
        if (space && n > 0)
            out[n++] = ' ';
        space = 0;
        out[n++] = (char)c;
    }
    /* a separator line ("------", "=====") or quote mark that ended the block */
    for (;;) {
        size_t k = n;
        while (k > 0 && (out[k - 1] == '-' || out[k - 1] == '=' || out[k - 1] == '*'))
            k--;
        if (n - k >= 3 || (n > 1 && out[n - 1] == '>' && out[n - 2] == ' '))
            n = n - k >= 3 ? k : n - 1;
        else
            break;
        while (n > 0 && out[n - 1] == ' ')
            n--;
    }
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
            n--;
        while (n > 0 && out[n - 1] == ' ')
            n--;
    }
    out[n] = '\0';
    return out;
}

/* Offset of the end of the line holding offset i (before its LF). */
static size_t line_end(const char *t, size_t i, size_t e)
{
    const char *nl = i < e ? memchr(t + i, '\n', e - i) : NULL;
    return nl ? (size_t)(nl - t) : e;
}

/* What a blank line may hold: white space, and the '>' of quoted text. */
static int blank_char(char c)
{
    return c == '>' || is_space((unsigned char)c);
}

/* Offset of the first blank line at or after i (or e). */
static size_t para_end(const char *t, size_t i, size_t e)
{
    while (i < e) {
        size_t le = line_end(t, i, e);
        size_t j = le + 1;
        while (j < e && t[j] != '\n' && blank_char(t[j]))
            j++;
        if (le >= e || j >= e || t[j] == '\n')
            return le;
        i = le + 1;
    }
    return e;
}

/* Offset of the start of the paragraph holding offset i (not before b). */
static size_t para_start(const char *t, size_t i, size_t b)
{
    /* ls: start of the line holding i; ps: start of the line before it */
    const char *nl = i > b ? memrchr(t + b, '\n', i - b) : NULL;
    while (nl != NULL) {
        size_t ls = (size_t)(nl - t) + 1;
        const char *pnl = ls - 1 > b ? memrchr(t + b, '\n', ls - 1 - b) : NULL;
        size_t ps = pnl ? (size_t)(pnl - t) + 1 : b;
        size_t k = ps;
        while (k < ls - 1 && blank_char(t[k]))
            k++;
        if (k == ls - 1)
            return ls;
        nl = pnl;
    }
    return b;
}

/* ---- fields read from a diagnostic ---- */

/* The enhanced status code in s: failures (4.x.x, 5.x.x) before successes,
 * a specific code before X.0.0; "" when none. */
static const char *find_status(arena *a, const char *s)
{
    size_t n = strlen(s), best = 0, best_len = 0;
    int best_rank = 0;
    /* an X.Y.Z code has its first dot right after X */
    for (const char *dot = memchr(s, '.', n); dot != NULL && best_rank < 4;
         dot = memchr(dot + 1, '.', n - (size_t)(dot + 1 - s))) {
        size_t i = (size_t)(dot - s);
        if (i == 0)
            continue;
        size_t len = dsn_status_at(s, n, i - 1);
        if (len == 0)
            continue;
        int rank = (s[i - 1] != '2' ? 2 : 0) + !(len == 5 && s[i + 1] == '0' && s[i + 3] == '0');
        if (rank + 1 > best_rank) {
            best = i - 1;
            best_len = len;
            best_rank = rank + 1;
        }
    }
    return best_len ? arena_strndup(a, s + best, best_len) : "";
}

/* Is s[i..i+3) a registered SMTP reply code standing on its own? */
static int code_at(const char *s, size_t i, size_t n)
{
    /* the first digit is tested here: most bytes are not one */
    return i + 3 <= n && (unsigned char)(s[i] - '2') <= 3 && smtp_reply_registered(s + i) &&
           (i == 0 || !(is_alnum((unsigned char)s[i - 1]) || s[i - 1] == '.')) &&
           (i + 3 == n || !(is_alnum((unsigned char)s[i + 3]) || s[i + 3] == '.'));
}

/* The SMTP reply code in s.  Best is one followed by an enhanced status code
 * ("550 5.1.1", "550-5.1.1", "550: 5.1.1"), then a 4xx/5xx followed by a
 * separator; failures before successes. */
static const char *find_reply(arena *a, const char *s)
{
    size_t n = strlen(s), best = 0;
    int best_rank = 0;
    for (size_t i = 0; i + 3 <= n; i++) {
        if (!code_at(s, i, n))
            continue;
        size_t j = i + 3;
        if (j < n && (s[j] == ':' || s[j] == '-'))
            j++;
        while (j < n && j < i + 6 && s[j] == ' ')
            j++;
        int with_status = j > i + 3 && dsn_status_at(s, n, j) > 0 && s[j] == s[i];
        char nx = i + 3 < n ? s[i + 3] : '\0';
        int separated = nx == ' ' || nx == '-' || nx == ')' || nx == ':' || nx == ',' ||
                        nx == '<' || nx == '\0';
        int rank = with_status ? 3 : separated && s[i] != '2' && s[i] != '3' ? 1 : 0;
        if (rank == 3 && s[i] == '2')
            rank = 2;
        if (rank > best_rank) {
            best = i;
            best_rank = rank;
            if (rank == 3)
                break;
        }
    }
    return best_rank ? arena_strndup(a, s + best, 3) : "";
}

/* Length of sp, at most what one recipient's block may read. */
static size_t capped(span sp)
{
    size_t n = sp.e > sp.b ? sp.e - sp.b : 0;
    return n < TR_MAX_BLOCK ? n : TR_MAX_BLOCK;
}

static const char *find_host(const bc_formats *f, rx_scratch *s, arena *a, const char *t,
                             size_t len)
{
    size_t b, e;
    if (!formats_remote_mta(f, s, t, len, &b, &e))
        return NULL;
    while (e > b && t[e - 1] == '.')
        e--;
    char *h = arena_strndup(a, t + b, e - b);
    if (h != NULL)
        for (char *p = h; *p; p++)
            *p = (char)lower((unsigned char)*p);
    return h;
}

/* ---- finding recipients ---- */

/* The diagnostic of a block: the format's diag regex inside the block, then
 * anywhere before the returned original, else the block itself. */
static span pick_diag(const bc_format *fm, rx_scratch *s, const char *t, span block, span sect)
{
    if (fm->diag != NULL) {
        span where[2] = {block, {0, sect.e}};
        for (int w = 0; w < 2; w++) {
            rx_match m;
            if (rx_search(fm->diag, s, t, where[w].e, where[w].b, &m) != 1)
                continue;
            int g = fm->g_diag_diag >= 0 && m.start[fm->g_diag_diag] != (size_t)-1 ? fm->g_diag_diag
                                                                                   : 0;
            return (span){m.start[g], m.end[g]};
        }
    }
    return block;
}

static int by_regex(const bc_format *fm, rx_scratch *s, arena *a, const char *t, span sect,
                    found *out, int max)
{
    struct hit {
        size_t mb, me, ab, ae, db, de;
    } *hits = arena_alloc(a, (size_t)max * sizeof *hits);
    int n = 0;
    if (hits == NULL)
        return -1;
    size_t pos = sect.b;
    while (n < max && pos < sect.e) {
        rx_match m;
        if (rx_search(fm->recipient, s, t, sect.e, pos, &m) != 1)
            break;
        int ga = fm->g_addr, gd = fm->g_diag;
        if (m.start[ga] != (size_t)-1) {
            hits[n].mb = m.start[0];
            hits[n].me = m.end[0];
            hits[n].ab = m.start[ga];
            hits[n].ae = m.end[ga];
            hits[n].db = gd >= 0 ? m.start[gd] : (size_t)-1;
            hits[n].de = gd >= 0 ? m.end[gd] : (size_t)-1;
            n++;
        }
        pos = m.end[0] > pos ? m.end[0] : line_end(t, pos, sect.e) + 1;
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
        const char *addr = clean_address(a, t + hits[i].ab, hits[i].ae - hits[i].ab);
        if (addr == NULL)
            continue;
        size_t next = i + 1 < n ? hits[i + 1].mb : sect.e;
        span block = {hits[i].me, next};
        int inline_diag = hits[i].db != (size_t)-1 && hits[i].de > hits[i].db;
        if (fm->block == FMT_BLOCK_LINE || inline_diag)
            block.e = line_end(t, hits[i].me, next);
        else if (fm->block == FMT_BLOCK_PARAGRAPH)
            block.e = para_end(t, hits[i].me, next);
        if (block.e < block.b)
            block.e = block.b;
        out[k].addr = addr;
        out[k].block = block;
        out[k].lead = hits[i].mb;
        while (out[k].lead > sect.b && t[out[k].lead - 1] != '\n')
            out[k].lead--;
        out[k].diag =
            inline_diag ? (span){hits[i].db, hits[i].de} : pick_diag(fm, s, t, block, sect);
        k++;
    }
    return k;
}

/* Is the address one of the bounce's own (From, To, ...)? */
static int own_address(const tr_input *in, const char *addr)
{
    if (in->headers == NULL)
        return 0;
    static const char *const names[] = {
        "from:", "to:", "return-path:", "sender:", "reply-to:", "delivered-to:", NULL};
    const char *h = in->headers, *end = in->headers + in->hlen;
    while (h < end) {
        const char *nl = memchr(h, '\n', (size_t)(end - h));
        const char *le = nl ? nl : end;
        for (int i = 0; names[i]; i++) {
            size_t k = strlen(names[i]);
            if ((size_t)(le - h) >= k && strncasecmp(h, names[i], k) == 0 &&
                find_addr(h, k, (size_t)(le - h), addr) < (size_t)(le - h))
                return 1;
        }
        h = le + 1;
    }
    return 0;
}

/* A file path that ends in an address ("/home/u/.forward-box/u@example.com"
 * in a delivery program's output): Exim and Sendmail name file and pipe
 * deliveries by their path, never as a recipient address.  An X.400 O/R
 * address written as a local part ("/C=DE/ADMD=.../S=Smith/@gw") also
 * starts with '/', but names its attributes with '='. */
static int file_path(const char *addr)
{
    const char *at = strchr(addr, '@');
    return addr[0] == '/' && memchr(addr, '=', (size_t)(at - addr)) == NULL;
}

/* Lines that quote a message's headers, or give an address to contact for
 * help (contact_words; the word may follow the address), name no failed
 * recipient.  The address starts at i; the section is t[b..e). */
static int header_line(const bc_formats *f, const char *t, size_t i, size_t b, size_t e)
{
    size_t ls = i;
    while (ls > b && t[ls - 1] != '\n')
        ls--;
    /* the address's line, and the start of the next when the address ends it */
    size_t ae = i;
    while (ae < e && (addr_char((unsigned char)t[ae]) || t[ae] == '>'))
        ae++;
    size_t le = line_end(t, ae, e), until = le;
    if (le == ae || (le == ae + 1 && t[ae] == '\r'))
        until = le + 24 < e ? le + 24 : e;
    if (until > ls + 512)
        until = ls + 512;
    if (formats_line_is(f, FMT_LINE_CONTACT, t + ls, until - ls))
        return 1;
    while (ls < i && is_space((unsigned char)t[ls]))
        ls++;
    static const char *const names[] = {
        "message-id:", "in-reply-to:", "references:", "from:", "return-path:",
        "sender:",     "reply-to:",    "received:",   "to:",   "cc:",
        "bcc:",        "subject:",     "date:",       NULL};
    for (int k = 0; names[k]; k++)
        if (ls + strlen(names[k]) <= e && strncasecmp(t + ls, names[k], strlen(names[k])) == 0)
            return 1;
    return 0;
}

/* Does a line of the section start with Final-Recipient:, written as
 * loosely as dsn_parse() reads it (any case, blanks before the colon)? */
static int has_dsn_fields(const char *t, span sect)
{
    static const char field[] = "final-recipient";
    size_t i = sect.b;
    while (i + sizeof field - 1 < sect.e) {
        if (strncasecmp(t + i, field, sizeof field - 1) == 0) {
            size_t k = i + sizeof field - 1;
            while (k < sect.e && (t[k] == ' ' || t[k] == '\t'))
                k++;
            if (k < sect.e && t[k] == ':')
                return 1;
        }
        const char *nl = memchr(t + i, '\n', sect.e - i);
        if (nl == NULL)
            break;
        i = (size_t)(nl - t) + 1;
    }
    return 0;
}

static int seen_before(const found *out, int n, const char *addr)
{
    for (int i = 0; i < n; i++)
        if (strcasecmp(out[i].addr, addr) == 0)
            return 1;
    return 0;
}

/* Recipients that share a paragraph, each with its own reason ("a@x: 550
 * ...\nb@y: 552 ..."): each one's block runs from the line naming it to the
 * line naming the next one; recipients named on one line share the lines
 * up to the next recipient's.  ls[i] is the start of the line naming
 * out[i], open[i] the offset after its address when the address opens its
 * line (else ls[i]), paras[i] its paragraph. */
static void split_shared(found *out, int n, const span *paras, const size_t *ls, const size_t *open)
{
    for (int i = 0; i < n; i++) {
        span para = paras[i];
        int shared = (i > 0 && paras[i - 1].b == para.b) || (i + 1 < n && paras[i + 1].b == para.b);
        if (!shared)
            continue;
        size_t end = para.e;
        for (int j = i + 1; j < n && ls[j] < para.e; j++)
            if (ls[j] > ls[i]) {
                end = ls[j] > para.b ? ls[j] - 1 : para.b; /* before its line's LF */
                break;
            }
        out[i].block = (span){open[i] < end ? open[i] : ls[i], end};
        out[i].diag = out[i].block;
        out[i].lead = ls[i];
    }
}

static int by_addresses(const bc_formats *f, const tr_input *in, arena *a, const char *t, span sect,
                        found *out, int max)
{
    size_t *ls = arena_alloc(a, 2 * (size_t)max * sizeof *ls), *open = ls + max;
    span *paras = arena_alloc(a, (size_t)max * sizeof *paras);
    if (ls == NULL || paras == NULL)
        return -1;
    int n = 0, tries = 0;
    size_t i = sect.b;
    while (n < max && tries++ < 4 * max && i < sect.e) {
        const char *at = memchr(t + i, '@', sect.e - i);
        if (at == NULL)
            break;
        size_t p = (size_t)(at - t), b = p, e = p + 1;
        while (b > sect.b && addr_char((unsigned char)t[b - 1]))
            b--;
        while (e < sect.e && addr_char((unsigned char)t[e]))
            e++;
        i = e > p + 1 ? e : p + 1;
        const char *addr = clean_address(a, t + b, e - b);
        if (addr == NULL || strchr(strchr(addr, '@'), '.') == NULL || file_path(addr) ||
            own_address(in, addr) || header_line(f, t, b, sect.b, sect.e) ||
            seen_before(out, n, addr))
            continue;
        span para = {para_start(t, b, sect.b), para_end(t, b, sect.e)};
        out[n].addr = addr;
        out[n].block = para;
        out[n].diag = para;
        out[n].lead = para.b;
        paras[n] = para;
        ls[n] = b;
        while (ls[n] > para.b && t[ls[n] - 1] != '\n')
            ls[n]--;
        size_t k = ls[n];
        while (k < b && (t[k] == ' ' || t[k] == '\t' || t[k] == '<'))
            k++;
        open[n] = k == b && e < para.e ? e + (t[e] == '>') : ls[n];
        /* "<addr>: reason": the reason, without the address */
        if (b <= para.b + 1 && e < para.e) {
            out[n].block.b = out[n].diag.b = e + (t[e] == '>');
            out[n].lead = b;
        }
        n++;
    }
    split_shared(out, n, paras, ls, open);
    return n;
}

/* The value of header `name` in the header block, or NULL. */
static span header_value(const tr_input *in, const char *name)
{
    size_t k = strlen(name);
    const char *h = in->headers, *end = in->headers + in->hlen;
    while (h != NULL && h < end) {
        const char *nl = memchr(h, '\n', (size_t)(end - h));
        const char *le = nl ? nl : end;
        if ((size_t)(le - h) > k && strncasecmp(h, name, k) == 0 && h[k] == ':')
            return (span){(size_t)(h + k + 1 - in->headers), (size_t)(le - in->headers)};
        h = le + 1;
    }
    return (span){0, 0};
}

/* Recipients the format's recipients header names beyond the `have` already
 * in out, when it names more than that (an Exim "pipe to" or "save to" line
 * names no address). */
static int by_header(const bc_format *fm, rx_scratch *s, const tr_input *in, arena *a, span sect,
                     found *out, int have, int max)
{
    if (fm->recipients_header == NULL || in->headers == NULL)
        return have;
    span v = header_value(in, fm->recipients_header);
    int listed = 0;
    for (size_t i = v.b; i < v.e; i++)
        listed += in->headers[i] == '@';
    if (listed <= have)
        return have;
    int n = have;
    size_t i = v.b;
    while (n < max && i < v.e) {
        while (i < v.e && (in->headers[i] == ',' || is_space((unsigned char)in->headers[i])))
            i++;
        size_t e = i;
        while (e < v.e && in->headers[e] != ',' && !is_space((unsigned char)in->headers[e]))
            e++;
        const char *addr = e > i ? clean_address(a, in->headers + i, e - i) : NULL;
        i = e;
        if (addr == NULL || seen_before(out, n, addr))
            continue;
        /* Its block: the paragraph of the section that names it, else the section. */
        span block = sect;
        size_t p = find_addr(in->text, sect.b, sect.e, addr);
        if (p < sect.e)
            block = (span){para_start(in->text, p, sect.b), para_end(in->text, p, sect.e)};
        out[n].addr = addr;
        out[n].block = block;
        out[n].diag = pick_diag(fm, s, in->text, block, sect);
        out[n].lead = block.b;
        n++;
    }
    return n;
}

/* ---- the report ---- */

static rpt_recipient *find_recipient(rpt_report *out, const char *addr)
{
    for (size_t i = 0; i < out->nrecipients; i++)
        if (out->recipients[i].address != NULL && strcasecmp(out->recipients[i].address, addr) == 0)
            return &out->recipients[i];
    return NULL;
}

static int empty(const char *s)
{
    return s == NULL || *s == '\0';
}

/* In a session transcript the failing command is the one sent just before
 * the reply picked as diagnostic ("--> DATA" then "<-- 552 ..."), not the
 * first command the block names: the line before the diagnostic's, when the
 * diagnostic lies inside the block.  "" if that line names none. */
static const char *command_before(const bc_formats *f, rx_scratch *s, const char *t,
                                  const found *fd)
{
    if (fd->diag.b <= fd->block.b || fd->diag.b > fd->block.e)
        return "";
    size_t line = fd->diag.b;
    while (line > fd->block.b && t[line - 1] != '\n')
        line--;
    if (line == fd->block.b)
        return "";
    size_t prev = line - 1;
    while (prev > fd->block.b && t[prev - 1] != '\n')
        prev--;
    return formats_smtp_command(f, s, t + prev, fd->diag.b - prev);
}

/* The remote server's own reply that s quotes inside the reporting MTA's
 * words (a "<<< " line before Sendmail's "554 5.0.0 Service unavailable",
 * "<mx said: 550 5.1.1 ...>" inside a provider's reply) fills r's empty
 * reply code, and its status r's empty one unless s holds a more specific
 * status elsewhere.  -1 on memory exhaustion. */
static int inner_reply(arena *a, const char *s, rpt_recipient *r)
{
    char rc[4], st[16];
    if ((!empty(r->status) && !empty(r->reply_code)) || !dsn_inner_reply(s, strlen(s), rc, st))
        return 0;
    if (empty(r->reply_code) && (r->reply_code = arena_strdup(a, rc)) == NULL)
        return -1;
    if (empty(r->status) && st[0] != '\0') {
        const char *any = find_status(a, s);
        if (any == NULL)
            return -1;
        r->status = dsn_specificity(any) > dsn_specificity(st) ? any : arena_strdup(a, st);
    }
    return r->status == NULL ? -1 : 0;
}

/* Fill the empty fields of r from what the text says about it: all of them
 * from the recipient's own block (own), only the codes, command and remote
 * MTA from another paragraph that names it. */
static int describe(const bc_formats *f, rx_scratch *s, arena *a, const char *t, const found *fd,
                    int own, rpt_recipient *r)
{
    const char *diag = fold(a, t, fd->diag.b, fd->diag.e, TR_MAX_DIAG);
    int same = fd->diag.b == fd->block.b && fd->diag.e == fd->block.e;
    const char *text = same ? diag : fold(a, t, fd->block.b, fd->block.e, TR_MAX_DIAG);
    if (diag == NULL || text == NULL)
        return -1;
    if (own && empty(r->diagnostic))
        r->diagnostic = diag;
    if (own && empty(r->text))
        r->text = text;
    if (inner_reply(a, diag, r) < 0 || (!same && inner_reply(a, text, r) < 0))
        return -1;
    if (empty(r->status))
        r->status = find_status(a, diag);
    if (empty(r->status) && !same)
        r->status = find_status(a, text);
    if (empty(r->reply_code))
        r->reply_code = find_reply(a, diag);
    if (empty(r->reply_code) && !same)
        r->reply_code = find_reply(a, text);
    if (empty(r->smtp_command)) {
        r->smtp_command = formats_smtp_command(f, s, diag, strlen(diag));
        if (*r->smtp_command == '\0' && !same)
            r->smtp_command = command_before(f, s, t, fd);
        if (*r->smtp_command == '\0' && !same)
            r->smtp_command = formats_smtp_command(f, s, text, strlen(text));
    }
    /* the recipient's own line may name the command ("--> RCPT To:<addr>") */
    if (own && fd->lead < fd->block.b && empty(r->smtp_command))
        r->smtp_command = formats_smtp_command(f, s, t + fd->lead, fd->block.b - fd->lead);
    /* hosts: in the text as written (line starts and ends tell), then
     * folded (a host name wrapped onto the next line) */
    if (empty(r->remote_mta)) {
        const char *h = find_host(f, s, a, t + fd->diag.b, capped(fd->diag));
        if (h == NULL)
            h = find_host(f, s, a, diag, strlen(diag));
        if (h == NULL && !same)
            h = find_host(f, s, a, t + fd->block.b, capped(fd->block));
        if (h == NULL && !same)
            h = find_host(f, s, a, text, strlen(text));
        r->remote_mta = h ? h : "";
    }
    if (r->status == NULL || r->reply_code == NULL)
        return -1;
    return 0;
}

/* Does t[para) name one of the other recipients found (the first few)? */
static int names_another(const char *t, span para, const found *all, int nall, const found *fd)
{
    for (int i = 0; i < nall && i < 16; i++) {
        if (&all[i] == fd || strcasecmp(all[i].addr, fd->addr) == 0)
            continue;
        size_t n = strlen(all[i].addr);
        for (const char *p = t + para.b; p + n <= t + para.e; p++) {
            p = memchr(p, all[i].addr[0], (size_t)(t + para.e - p));
            if (p == NULL || p + n > t + para.e)
                break;
            if (strncasecmp(p, all[i].addr, n) == 0)
                return 1;
        }
    }
    return 0;
}

/* Fill what the recipient's own block did not say (status, reply, command,
 * remote MTA) from the other paragraphs before the returned original that
 * name its address, such as a Sendmail session transcript. */
static int from_mentions(const bc_formats *f, rx_scratch *s, arena *a, const char *t, span sect,
                         const found *all, int nall, const found *fd, rpt_recipient *r)
{
    size_t alen = strlen(fd->addr), k = (size_t)(strchr(fd->addr, '@') - fd->addr);
    int seen = 0;
    /* each '@' of the text, compared with the address around its '@' */
    for (size_t p = k; p + alen - k <= sect.e && seen < 4; p++) {
        const char *at = memchr(t + p, '@', sect.e - p);
        if (at == NULL)
            break;
        p = (size_t)(at - t);
        if (p + alen - k > sect.e || strncasecmp(t + p - k, fd->addr, alen) != 0)
            continue;
        if (!empty(r->status) && !empty(r->reply_code) && !empty(r->smtp_command))
            break;
        size_t m = p; /* the mention's '@' */
        span para = {para_start(t, m, 0), para_end(t, m, sect.e)};
        /* shared with other recipients: only the line naming this one and
         * the next ("RCPT To:<addr>", then the reply) */
        if (names_another(t, para, all, nall, fd)) {
            size_t ls = m;
            while (ls > para.b && t[ls - 1] != '\n')
                ls--;
            size_t le = line_end(t, m, para.e);
            if (ls == fd->lead) {
                p = le;
                continue;
            }
            para = (span){ls, le < para.e ? line_end(t, le + 1, para.e) : le};
            if (names_another(t, para, all, nall, fd))
                para.e = le;
        }
        if (para.e > p)
            p = para.e;
        if (para.b >= fd->lead && para.e <= fd->block.e)
            continue;
        seen++;
        found other = {fd->addr, para, para, para.b};
        if (describe(f, s, a, t, &other, 0, r) < 0)
            return -1;
    }
    return 0;
}

/* Last resort for the reply: the recipient's own line, as in Sendmail's
 * "550 <addr>... User unknown" (a session transcript's reply comes first). */
static int reply_from_line(arena *a, const char *t, const found *fd, rpt_recipient *r)
{
    if (!empty(r->reply_code) || fd->lead >= fd->block.b)
        return 0;
    char *line = arena_strndup(a, t + fd->lead, fd->block.b - fd->lead);
    if (line == NULL)
        return -1;
    r->reply_code = find_reply(a, line);
    return r->reply_code == NULL ? -1 : 0;
}

static int recognise(const bc_formats *f, rx_scratch *s, const tr_input *in, fmt_hit *hit)
{
    return formats_recognise(f, s, in->subject, in->from, in->headers, in->hlen, in->text,
                             in->text ? in->len : 0, hit);
}

const char *transcript_identify(const bc_formats *f, rx_scratch *s, const tr_input *in)
{
    fmt_hit hit;
    if (in == NULL || !recognise(f, s, in, &hit) || hit.format->generic)
        return NULL;
    return hit.format->id;
}

int transcript_extract(const bc_formats *f, rx_scratch *s, const tr_input *in, arena *a,
                       rpt_report *out)
{
    fmt_hit hit;
    if (in == NULL || in->text == NULL || !recognise(f, s, in, &hit))
        return 0;
    const bc_format *fm = hit.format;
    span sect = {hit.start, hit.end};
    if (sect.b > sect.e)
        sect.b = sect.e;

    found *fd = arena_alloc(a, TR_MAX_RECIPIENTS * sizeof *fd);
    if (fd == NULL)
        return -1;
    int n = 0;
    if (fm->recipient != NULL)
        n = by_regex(fm, s, a, in->text, sect, fd, TR_MAX_RECIPIENTS);
    if (n < 0)
        return -1;
    n = by_header(fm, s, in, a, sect, fd, n, TR_MAX_RECIPIENTS);
    /* Delivery-status fields pasted into the text name the recipients
     * better than the addresses around them: leave those to the DSN parser. */
    if (n == 0 && !has_dsn_fields(in->text, sect))
        n = by_addresses(f, in, a, in->text, sect, fd, TR_MAX_RECIPIENTS);
    if (n < 0)
        return -1;

    size_t cap = out->nrecipients + (size_t)n;
    rpt_recipient *rs = arena_alloc(a, (cap ? cap : 1) * sizeof *rs);
    if (rs == NULL)
        return -1;
    if (out->nrecipients)
        memcpy(rs, out->recipients, out->nrecipients * sizeof *rs);
    out->recipients = rs;
    int added = 0;
    for (int i = 0; i < n; i++) {
        rpt_recipient *r = find_recipient(out, fd[i].addr);
        int fresh = r == NULL;
        if (fresh) {
            r = &rs[out->nrecipients++];
            *r = (rpt_recipient){fd[i].addr, hit.delayed ? "delayed" : "failed", "", "", "", "", "",
                                 ""};
            added++;
        }
        if (describe(f, s, a, in->text, &fd[i], 1, r) < 0 ||
            from_mentions(f, s, a, in->text, sect, fd, n, &fd[i], r) < 0 ||
            reply_from_line(a, in->text, &fd[i], r) < 0)
            return -1;
        /* a success status: a delivery notification (Amazon SES "Delivery") */
        if (fresh && r->status != NULL && r->status[0] == '2')
            r->action = "delivered";
    }
    if (added > 0) {
        if (out->kind == RPT_NONE) {
            out->kind = RPT_TRANSCRIPT;
            out->kind_name = "transcript";
        }
        if (empty(out->mta) && !fm->generic)
            out->mta = fm->id;
    }
    return added;
}
