/*
 * formats.c - loads the `formats`, `delayed`, `bounce_signals`,
 * `fallback`, `contact_words`, `autoreply`, `complaints`, `smtp_commands`,
 * `remote_hosts`, `command_phrases`, `transcript_verbs` and `remote_said`
 * settings of conf/formats.conf (and of the user's files) and recognises
 * which format a bounce is in (only in a message that shows a bounce
 * signal).
 *
 *     bc_formats *f = formats_load(paths, n, err, sizeof err);
 *     fmt_hit hit;
 *     if (formats_recognise(f, scratch, subj, from, hdrs, hlen, text, len, &hit)) ...
 *     formats_free(f);
 *
 * Every literal of every format (signatures, section starts, original-message
 * markers) goes into one case-insensitive multi-literal scanner per field
 * (subject, From, headers, text; SMTP-command and remote-host hints too), so
 * that recognition reads the bounded input once, skipping most of it,
 * whatever the number of formats; a format's regexes run only when its
 * literals were seen.
 */
#include "formats.h"

#include <libconfig.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "confutil.h"
#include "dsn.h"
#include "literals.h"
#include "regex.h"

#define FMT_MAX_LITERALS 4096 /* positions live on the stack during a scan */
#define FMT_MAX_LITERAL_LEN 256
#define FMT_SCAN_HEADERS (16u * 1024) /* bytes of the header block looked at */
#define FMT_SCAN_TEXT (32u * 1024)    /* bytes of the text looked at */
#define FMT_SCAN_LINE 1024            /* bytes of subject / From looked at */
#define NOPOS UINT32_MAX

/* Where a literal is looked for and what finding it means. */
enum role {
    R_SUBJECT,
    R_FROM,
    R_HEADER,
    R_BODY,
    R_START,
    R_ORIGINAL,
    R_COMMAND,
    R_HOST,
    R_DELAY_SUBJECT,
    R_DELAY_BODY,
    R_SIGNAL_SUBJECT, /* bounce_signals: a bounce's subject, sender or header */
    R_SIGNAL_FROM,
    R_SIGNAL_HEADER,
    R_WORDING, /* fallback: failure wording, words of lines naming no recipient, */
    R_SKIP,    /* quoted header names (looked up by line, in no scanner) */
    R_QUOTED_HEADER,
    R_AUTOREPLY_SUBJECT, /* autoreply: how an auto-reply's subject starts */
    R_CONTACT,           /* contact_words: a line giving an address for help */
    NROLES
};
enum field { F_SUBJECT, F_FROM, F_HEADER, F_TEXT, F_COMMAND, F_HOST, NFIELDS };

struct literal {
    int fmt; /* owning format */
    unsigned char role;
    unsigned char field;
    unsigned char first; /* its first byte, folded */
    uint32_t len;
    int32_t next; /* next literal in the same scanner bucket */
};

struct format {
    bc_format pub;
    char *id;
    char *recipients_header;
    const rx *subject_re, *from_re, *header_re, *body_re; /* in the pool */
    const rx *recipient, *diag;
    size_t lit_lo, lit_hi; /* its literals: lits[lit_lo..lit_hi) */
};

struct command {
    char name[8];
    const rx *re;          /* or NULL (in the pool) */
    size_t lit_lo, lit_hi; /* its literals: lits[lit_lo..lit_hi) */
};

struct host {
    const rx *re; /* in the pool */
    int group;
    size_t lit_lo, lit_hi; /* literals one of which the text needs, if any */
};

/* One literal scanner per field (Wu-Manber): the text is read in windows
 * as long as the field's shortest literal; the window's last bytes (a block
 * of two or three) tell how far no literal can start (shift), and only where
 * that is 0 are the literals whose prefix ends with that block (bucket)
 * compared. */
#define WM_HASH 8192

/* A field with few literals (all but the text, usually) is scanned instead
 * with a SIMD filter (AVX2 where the CPU has it): each literal goes into
 * one of 8 groups, and for each of its first three bytes the group's bit is
 * set in a table indexed by the byte's low nibble and in one indexed by its
 * high nibble (both cases of a letter).  Thirty-two start positions are then
 * tested at once by six byte shuffles; at a position whose three bytes
 * all keep a group's bit, the literals whose first three bytes hash as
 * that position's are compared.  Wu-Manber's skips are a chain of
 * dependent loads; this has none. */
#define TEDDY_MAX 128    /* literals of a field, at most, for the filter */
#define TEDDY_BUCKETS 64 /* literals by a hash of their first three bytes */

struct teddy {
    int on;
    unsigned char nib[3][2][16];       /* prefix byte, low/high nibble: group bits */
    uint16_t first[TEDDY_BUCKETS + 1]; /* bucket b's literals: lit[first[b]..first[b + 1]) */
    uint16_t lit[TEDDY_MAX];
    uint64_t head[TEDDY_MAX], mask[TEDDY_MAX]; /* lit[k]'s first 8 bytes (or fewer) */
};

struct scanner {
    size_t m;                     /* window: the shortest literal's length (0: none) */
    size_t b;                     /* block length: 4, 3, or 2 for short literals */
    unsigned mask;                /* hash table size - 1: only what the literals need, */
    unsigned char shift[WM_HASH]; /* so that the part in use stays in cache */
    unsigned char after[WM_HASH]; /* the shift after a window was compared: as
                                   * shift, without the blocks that end literals */
    int16_t bucket[WM_HASH];      /* first literal whose prefix ends there, or -1 */
    struct teddy teddy;
};

struct compiled {
    char *pattern;
    rx *re;
};

/* The literals of one role, for the lookups that ask whether any of them
 * occurs (has_literal) or starts a line: only they are tried, and only at
 * bytes one of them starts with. */
struct role_lits {
    size_t lo, hi;            /* their indexes: byrole[lo..hi) */
    uint32_t minlen;          /* the shortest one's length */
    unsigned char start[256]; /* 1 for a byte (either case) one of them starts with */
};

struct bc_formats {
    struct format *fmts;
    size_t nfmts;
    struct literal *lits;
    char **litstr; /* lower-cased literal text */
    size_t nlits;
    struct command *cmds;
    size_t ncmds;
    struct host *hosts;
    size_t nhosts;
    size_t nsignals;           /* bounce_signals literals: 0 means no gate */
    size_t nwording;           /* fallback wording literals: 0, no fallback */
    fmt_complaint *complaints; /* strings owned: freed with f */
    size_t ncomplaints;
    dsn_term *phrases, *verbs; /* command_phrases, transcript_verbs: text owned */
    size_t nphrases, nverbs;
    char **before, **after; /* remote_said: owned */
    size_t nbefore, nafter;
    dsn_vocab vocab;                  /* a view of the four lists above, for dsn.c */
    struct dsn_openings *openings;    /* its phrases' openings */
    struct compiled *pool;            /* every distinct regex, compiled once: */
    size_t npool, poolcap;            /* formats, commands and hosts point here */
    struct scanner scanners[NFIELDS]; /* per field */
    uint16_t *byrole;                 /* literal indexes by role, in load order */
    struct role_lits roles[NROLES];
    unsigned char low[256]; /* ASCII case folding */
    uint32_t hmul[4][256];  /* block hashes: per position, a random word per folded byte */
};

static void setf(char *err, size_t errlen, const config_setting_t *s, const char *path,
                 const char *msg, const char *arg)
{
    const char *file = s ? config_setting_source_file(s) : NULL;
    int line = s ? (int)config_setting_source_line(s) : 0;
    snprintf(err, errlen, "%s:%d: %s%s", file ? file : path, line, msg, arg ? arg : "");
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(p, n * size);
    if (q != NULL)
        *cap = n;
    return q;
}

/* ---- the literal scanner ---- */

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Hash of the block p[0..b) (tabulation: its bytes' words xor-ed, case
 * folded by the tables). */
static unsigned block_hash(const bc_formats *f, const unsigned char *p, size_t b)
{
    unsigned h = 0;
    for (size_t j = 0; j < b; j++)
        h ^= f->hmul[b - 1 - j][p[j]];
    return h;
}

/* Build the scanner of one field from the literals looked for there. */
static void scanner_build(bc_formats *f, unsigned field)
{
    struct scanner *a = &f->scanners[field];
    a->m = 0;
    for (size_t i = 0; i < f->nlits; i++)
        if (f->lits[i].field == field && (a->m == 0 || f->lits[i].len < a->m))
            a->m = f->lits[i].len;
    if (a->m > 32)
        a->m = 32;
    /* blocks of four where the window allows: fewer of the text's blocks
     * end a literal's window than of three (" to ", "the ") */
    a->b = a->m >= 8 ? 4 : a->m >= 3 ? 3 : 2;
    /* about eight slots per block of the literals (few collisions) */
    size_t nblocks = 0, size = 256;
    for (size_t i = 0; i < f->nlits && a->m >= a->b; i++)
        nblocks += f->lits[i].field == field ? a->m - a->b + 1 : 0;
    while (size < 8 * nblocks && size < WM_HASH)
        size *= 2;
    a->mask = (unsigned)size - 1;
    memset(a->shift, a->m >= a->b ? (int)(a->m - a->b + 1) : 0, sizeof a->shift);
    memset(a->after, a->m >= a->b ? (int)(a->m - a->b + 1) : 0, sizeof a->after);
    for (size_t h = 0; h < WM_HASH; h++)
        a->bucket[h] = -1;
    for (size_t i = f->nlits; a->m >= 2 && i-- > 0;) {
        if (f->lits[i].field != field)
            continue;
        const unsigned char *l = (const unsigned char *)f->litstr[i];
        for (size_t j = 0; j + a->b <= a->m; j++) {
            unsigned h = block_hash(f, l + j, a->b) & a->mask;
            if (a->shift[h] > a->m - a->b - j)
                a->shift[h] = (unsigned char)(a->m - a->b - j);
            if (j + a->b < a->m && a->after[h] > a->m - a->b - j)
                a->after[h] = (unsigned char)(a->m - a->b - j);
        }
        unsigned h = block_hash(f, l + a->m - a->b, a->b) & a->mask;
        f->lits[i].next = a->bucket[h];
        a->bucket[h] = (int16_t)i;
    }
}

/* The bucket of a literal, or of a candidate position, by its first three
 * (folded) bytes. */
static unsigned teddy_bucket(unsigned char a, unsigned char b, unsigned char c)
{
    uint32_t key = (uint32_t)a | (uint32_t)b << 8 | (uint32_t)c << 16;
    return (key * 0x9e3779b1u) >> 26;
}

/* Set up the SIMD filter of a field when it can be used: a field other
 * than the text (whose walk needs first positions and stops at the
 * original), literals of three bytes or more, not too many, and a CPU with
 * AVX2. */
static void teddy_build(bc_formats *f, unsigned field, int cpu_ok)
{
    struct teddy *t = &f->scanners[field].teddy;
    uint16_t sorted[TEDDY_MAX];
    size_t n = 0;
    memset(t, 0, sizeof *t);
    if (!cpu_ok || field == F_TEXT || f->scanners[field].m < 3)
        return;
    for (size_t i = 0; i < f->nlits; i++)
        if (f->lits[i].field == field) {
            if (n == TEDDY_MAX)
                return;
            sorted[n++] = (uint16_t)i;
        }
    if (n == 0)
        return;
    /* Sorted by their first three bytes, so that a group holds similar
     * prefixes (fewer nibbles set, fewer false candidates). */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && memcmp(f->litstr[sorted[j - 1]], f->litstr[sorted[j]], 3) > 0;
             j--) {
            uint16_t x = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = x;
        }
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        distinct += i == 0 || memcmp(f->litstr[sorted[i - 1]], f->litstr[sorted[i]], 3) != 0;
    size_t rank = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *l = (const unsigned char *)f->litstr[sorted[i]];
        rank += i > 0 && memcmp(f->litstr[sorted[i - 1]], l, 3) != 0;
        unsigned g = (unsigned)(rank * 8 / distinct);
        t->first[teddy_bucket(l[0], l[1], l[2]) + 1]++;
        for (int j = 0; j < 3; j++) {
            unsigned char c = l[j], up = c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
            t->nib[j][0][c & 15] |= (unsigned char)(1u << g);
            t->nib[j][1][c >> 4] |= (unsigned char)(1u << g);
            t->nib[j][0][up & 15] |= (unsigned char)(1u << g);
            t->nib[j][1][up >> 4] |= (unsigned char)(1u << g);
        }
    }
    /* the literals in bucket order (a counting sort), for the compares */
    uint16_t at[TEDDY_BUCKETS];
    for (int b = 0; b < TEDDY_BUCKETS; b++)
        at[b] = t->first[b + 1] = (uint16_t)(t->first[b + 1] + t->first[b]);
    for (size_t i = 0; i < n; i++) {
        const unsigned char *l = (const unsigned char *)f->litstr[sorted[i]];
        size_t k = --at[teddy_bucket(l[0], l[1], l[2])];
        unsigned char head[8] = {0}, mask[8] = {0};
        uint32_t len = f->lits[sorted[i]].len;
        memcpy(head, l, len < 8 ? len : 8);
        memset(mask, 0xff, len < 8 ? len : 8);
        t->lit[k] = sorted[i];
        memcpy(&t->head[k], head, 8);
        memcpy(&t->mask[k], mask, 8);
    }
    t->on = 1;
}

/* Is the folded literal lit[0..n) at p, case-insensitively?  Eight bytes
 * at a time: long literals are compared often. */
static int same_folded(const unsigned char *p, const char *lit, size_t n, const unsigned char *low)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t a, b;
        memcpy(&a, p + i, 8);
        memcpy(&b, lit + i, 8);
        if (lit_fold8(a) != b)
            return 0;
    }
    for (; i < n; i++)
        if (low[p[i]] != (unsigned char)lit[i])
            return 0;
    return 1;
}

/* One walk of a field's scanner over text[0..n), through the windows that
 * start in a given range.  A step waits on the one before (the next window
 * depends on the shift just read), so two independent walks are stepped
 * together where the semantics allow. */
struct walk {
    const struct scanner *a;
    const unsigned char *p;
    size_t n;      /* the text's length: literals are verified up to it */
    size_t e, end; /* the window's last byte; the walk is over at end */
    int cut;       /* an original-message marker was found */
};

static struct walk walk_new(const bc_formats *f, unsigned field, const char *text, size_t n,
                            size_t from, size_t to)
{
    const struct scanner *a = &f->scanners[field];
    struct walk w = {a, (const unsigned char *)text, n, 0, 0, 0};
    if (a->m >= 2 && n >= a->m) {
        w.e = from + a->m - 1;
        w.end = to + a->m - 1 < n ? to + a->m - 1 : n;
    }
    return w;
}

/* Advance w by one window or one shift, recording the first position of
 * every literal found (and appending its index to hit[*nhit...] when hit
 * is not NULL); an original-message marker ends the walk, as what follows
 * it is the returned message. */
static inline __attribute__((always_inline)) void
walk_step(const bc_formats *f, struct walk *w, uint32_t *pos, uint16_t *hit, size_t *nhit)
{
    const struct scanner *a = w->a;
    const unsigned char *p = w->p, *low = f->low;
    const uint32_t(*hm)[256] = f->hmul;
    size_t e = w->e;
    unsigned h = hm[0][p[e]] ^ hm[1][p[e - 1]];
    if (a->b >= 3)
        h ^= hm[2][p[e - 2]];
    if (a->b == 4)
        h ^= hm[3][p[e - 3]];
    h &= a->mask;
    if (a->shift[h] != 0) {
        w->e = e + a->shift[h];
        return;
    }
    size_t ws = e + 1 - a->m; /* the window's start */
    for (int32_t l = a->bucket[h]; l >= 0; l = f->lits[l].next) {
        const struct literal *lit = &f->lits[l];
        if (low[p[ws]] != lit->first || pos[l] != NOPOS || ws + lit->len > w->n ||
            !same_folded(p + ws, f->litstr[l], lit->len, low))
            continue;
        pos[l] = (uint32_t)ws;
        if (hit != NULL)
            hit[(*nhit)++] = (uint16_t)l;
        w->cut |= lit->role == R_ORIGINAL;
    }
    w->e = w->cut ? w->end : e + a->after[h];
}

/* Run a walk to its end. */
static void walk_run(const bc_formats *f, struct walk a, uint32_t *pos, uint16_t *hit, size_t *nhit)
{
    while (a.e < a.end)
        walk_step(f, &a, pos, hit, nhit);
}

/* Run two walks to their ends, side by side while both last. */
static void walk_pair(const bc_formats *f, struct walk a, struct walk b, uint32_t *pos,
                      uint16_t *hit, size_t *nhit)
{
    while (a.e < a.end && b.e < b.end) {
        walk_step(f, &a, pos, hit, nhit);
        walk_step(f, &b, pos, hit, nhit);
    }
    walk_run(f, a, pos, hit, nhit);
    walk_run(f, b, pos, hit, nhit);
}

#if defined(__x86_64__) || defined(__i386__)
#define TEDDY_CPU() __builtin_cpu_supports("avx2")
#define TEDDY_TARGET __attribute__((target("avx2")))

/* The nibble tables of a filter, in registers (both 128-bit lanes). */
struct teddy_regs {
    __m256i lo[3], hi[3];
};

/* Group bits of the 32 positions at p for prefix byte j. */
TEDDY_TARGET static inline __m256i teddy_byte(const struct teddy_regs *t, int j,
                                              const unsigned char *p)
{
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + j));
    return _mm256_and_si256(
        _mm256_shuffle_epi8(t->lo[j], _mm256_and_si256(v, low4)),
        _mm256_shuffle_epi8(t->hi[j], _mm256_and_si256(_mm256_srli_epi16(v, 4), low4)));
}

/* Group bits of the 32 start positions at p: those groups whose three
 * prefix bytes are the bytes at each position (modulo the nibble tables). */
TEDDY_TARGET static inline __m256i teddy_chunk(const struct teddy_regs *t, const unsigned char *p)
{
    return _mm256_and_si256(_mm256_and_si256(teddy_byte(t, 0, p), teddy_byte(t, 1, p)),
                            teddy_byte(t, 2, p));
}

/* Compare the literals whose first three bytes hash as those at start s
 * of p[0..n) (the filter's groups only said that some may start there). */
static void teddy_verify(const bc_formats *f, const struct teddy *t, const unsigned char *p,
                         size_t n, size_t s, uint32_t *pos, uint16_t *hit, size_t *nhit)
{
    if (s + 3 > n)
        return;
    const unsigned char *low = f->low;
    unsigned b = teddy_bucket(low[p[s]], low[p[s + 1]], low[p[s + 2]]);
    if (t->first[b] == t->first[b + 1])
        return;
    /* the candidate's first 8 bytes, folded, rule out most literals */
    uint64_t w = 0;
    int whole = s + 8 <= n;
    if (whole) {
        memcpy(&w, p + s, 8);
        w = lit_fold8(w);
    }
    for (unsigned k = t->first[b]; k < t->first[b + 1]; k++) {
        /* the filter's own copy of the head first: most candidates fail
         * there, before the literal's record is read */
        if (whole && (w & t->mask[k]) != t->head[k])
            continue;
        uint16_t l = t->lit[k];
        const struct literal *lit = &f->lits[l];
        if (pos[l] != NOPOS || s + lit->len > n || !same_folded(p + s, f->litstr[l], lit->len, low))
            continue;
        pos[l] = (uint32_t)s;
        if (hit != NULL)
            hit[(*nhit)++] = l;
    }
}

/* The candidates of the 32 start positions from i (within p[0..n)) whose
 * group bits are r. */
TEDDY_TARGET static inline void teddy_candidates(const bc_formats *f, const struct teddy *t,
                                                 const unsigned char *p, size_t n, size_t i,
                                                 __m256i r, uint32_t *pos, uint16_t *hit,
                                                 size_t *nhit)
{
    uint32_t any = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(r, _mm256_setzero_si256()));
    for (; any != 0; any &= any - 1)
        teddy_verify(f, t, p, n, i + (unsigned)__builtin_ctz(any), pos, hit, nhit);
}

/* Every literal of the field in p[0..n), by the SIMD filter. */
TEDDY_TARGET static void teddy_scan(const bc_formats *f, const struct teddy *t,
                                    const unsigned char *p, size_t n, uint32_t *pos, uint16_t *hit,
                                    size_t *nhit)
{
    struct teddy_regs r;
    for (int j = 0; j < 3; j++) {
        r.lo[j] = _mm256_broadcastsi128_si256(
            _mm_loadu_si128((const __m128i *)(const void *)t->nib[j][0]));
        r.hi[j] = _mm256_broadcastsi128_si256(
            _mm_loadu_si128((const __m128i *)(const void *)t->nib[j][1]));
    }
    size_t i = 0;
    for (; i + 34 <= n; i += 32)
        teddy_candidates(f, t, p, n, i, teddy_chunk(&r, p + i), pos, hit, nhit);
    if (i + 3 <= n) {
        /* the last starts: their bytes copied into a zero-padded block */
        unsigned char tail[64] = {0};
        memcpy(tail, p + i, n - i);
        teddy_candidates(f, t, p, n, i, teddy_chunk(&r, tail), pos, hit, nhit);
    }
}
#else
#define TEDDY_CPU() 0
static void teddy_scan(const bc_formats *f, const struct teddy *t, const unsigned char *p, size_t n,
                       uint32_t *pos, uint16_t *hit, size_t *nhit)
{
    (void)f, (void)t, (void)p, (void)n, (void)pos, (void)hit, (void)nhit;
}
#endif

/* Note every literal of a field whose position does not matter, only
 * whether it occurs (all but the text's): by the SIMD filter, or by two
 * walks over text[0..n) in halves. */
static void scan_presence(const bc_formats *f, unsigned field, const char *text, size_t n,
                          uint32_t *pos, uint16_t *hit, size_t *nhit)
{
    if (f->scanners[field].teddy.on)
        teddy_scan(f, &f->scanners[field].teddy, (const unsigned char *)text, n, pos, hit, nhit);
    else
        walk_pair(f, walk_new(f, field, text, n, 0, n / 2), walk_new(f, field, text, n, n / 2, n),
                  pos, hit, nhit);
}

/* ---- loading ---- */

static const char *const format_keys[] = {
    "id",      "generic",           "subject", "from",  "header",   "body",      "subject_re",
    "from_re", "header_re",         "body_re", "start", "original", "recipient", "diag",
    "block",   "recipients_header", NULL,
};

static int known_key(const char *name, const char *const *keys)
{
    for (; *keys; keys++)
        if (strcmp(name, *keys) == 0)
            return 1;
    return 0;
}

static int add_literal(bc_formats *f, size_t *cap, int fmt, enum role role, const char *s,
                       const config_setting_t *where, const char *path, char *err, size_t errlen)
{
    size_t n = strlen(s);
    if (n < 2 || n > FMT_MAX_LITERAL_LEN) {
        setf(err, errlen, where, path, "literal must be 2..256 bytes", NULL);
        return -1;
    }
    if (f->nlits >= FMT_MAX_LITERALS) {
        setf(err, errlen, where, path, "too many literals", NULL);
        return -1;
    }
    size_t cap2 = *cap;
    struct literal *l = grow(f->lits, cap, f->nlits + 1, sizeof *l);
    if (l == NULL)
        goto oom;
    f->lits = l;
    char **ls = grow(f->litstr, &cap2, f->nlits + 1, sizeof *ls);
    if (ls == NULL)
        goto oom;
    f->litstr = ls;
    char *copy = malloc(n + 1);
    if (copy == NULL)
        goto oom;
    for (size_t i = 0; i <= n; i++)
        copy[i] = (char)fold((unsigned char)s[i]);
    /* the scanner a role's literals go into; NFIELDS: none (looked up by
     * line or by start) */
    static const unsigned char field_of[] = {[R_SUBJECT] = F_SUBJECT,
                                             [R_FROM] = F_FROM,
                                             [R_HEADER] = F_HEADER,
                                             [R_BODY] = F_TEXT,
                                             [R_START] = F_TEXT,
                                             [R_ORIGINAL] = F_TEXT,
                                             [R_COMMAND] = F_COMMAND,
                                             [R_HOST] = F_HOST,
                                             [R_DELAY_SUBJECT] = F_SUBJECT,
                                             [R_DELAY_BODY] = F_TEXT,
                                             [R_SIGNAL_SUBJECT] = F_SUBJECT,
                                             [R_SIGNAL_FROM] = F_FROM,
                                             [R_SIGNAL_HEADER] = F_HEADER,
                                             [R_WORDING] = NFIELDS,
                                             [R_SKIP] = NFIELDS,
                                             [R_QUOTED_HEADER] = NFIELDS,
                                             [R_AUTOREPLY_SUBJECT] = NFIELDS,
                                             [R_CONTACT] = NFIELDS};
    _Static_assert(sizeof field_of == R_CONTACT + 1, "a field for every role");
    f->litstr[f->nlits] = copy;
    f->lits[f->nlits++] = (struct literal){
        fmt, (unsigned char)role, field_of[role], (unsigned char)copy[0], (uint32_t)n, -1};
    return 0;
oom:
    setf(err, errlen, where, path, "out of memory", NULL);
    return -1;
}

/* A setting that is one string or a list/array of strings, each a literal. */
static int load_literals(bc_formats *f, size_t *cap, int fmt, enum role role,
                         const config_setting_t *s, const char *path, char *err, size_t errlen)
{
    if (s == NULL)
        return 0;
    if (config_setting_type(s) == CONFIG_TYPE_STRING)
        return add_literal(f, cap, fmt, role, config_setting_get_string(s), s, path, err, errlen);
    if (!config_setting_is_aggregate(s) || config_setting_is_group(s)) {
        setf(err, errlen, s, path, config_setting_name(s),
             ": expected a string or a list of strings");
        return -1;
    }
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            setf(err, errlen, e, path, config_setting_name(s), ": expected strings");
            return -1;
        }
        if (add_literal(f, cap, fmt, role, config_setting_get_string(e), e, path, err, errlen) < 0)
            return -1;
    }
    return 0;
}

static int get_string(const config_setting_t *g, const char *key, const char **out,
                      const char *path, char *err, size_t errlen)
{
    const config_setting_t *s = conf_member(g, key);
    *out = NULL;
    if (s == NULL)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        setf(err, errlen, s, path, key, ": expected a string");
        return -1;
    }
    *out = config_setting_get_string(s);
    return 0;
}

/* The compiled pattern (caseless, multi-line), shared with every other
 * setting that has the same one; NULL with a message in err on error. */
static rx *compile(bc_formats *f, const char *pattern, char *err, size_t errlen)
{
    for (size_t i = 0; i < f->npool; i++)
        if (strcmp(f->pool[i].pattern, pattern) == 0)
            return f->pool[i].re;
    struct compiled *pool = grow(f->pool, &f->poolcap, f->npool + 1, sizeof *pool);
    if (pool == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->pool = pool;
    char *copy = strdup(pattern);
    rx *re = copy ? rx_compile(pattern, RX_CASELESS | RX_MULTILINE, err, errlen) : NULL;
    if (re == NULL) {
        if (copy == NULL)
            snprintf(err, errlen, "out of memory");
        free(copy);
        return NULL;
    }
    pool[f->npool++] = (struct compiled){copy, re};
    return re;
}

static int load_regex(bc_formats *f, const config_setting_t *g, const char *key, const rx **out,
                      const char *path, char *err, size_t errlen)
{
    const char *pat;
    if (get_string(g, key, &pat, path, err, errlen) < 0)
        return -1;
    if (pat == NULL)
        return 0;
    char rerr[256];
    *out = compile(f, pat, rerr, sizeof rerr);
    if (*out == NULL) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s: %s", key, rerr);
        setf(err, errlen, conf_member(g, key), path, msg, NULL);
        return -1;
    }
    return 0;
}

static int load_format(bc_formats *f, size_t *litcap, const config_setting_t *g, const char *path,
                       char *err, size_t errlen)
{
    if (!config_setting_is_group(g)) {
        setf(err, errlen, g, path, "formats: each entry must be a group { ... }", NULL);
        return -1;
    }
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        if (!known_key(config_setting_name(m), format_keys)) {
            setf(err, errlen, m, path, "unknown format setting: ", config_setting_name(m));
            return -1;
        }
    }
    int idx = (int)f->nfmts;
    struct format *fm = &f->fmts[f->nfmts++];
    memset(fm, 0, sizeof *fm);
    fm->lit_lo = fm->lit_hi = f->nlits;

    const char *id, *block, *rh;
    if (get_string(g, "id", &id, path, err, errlen) < 0 ||
        get_string(g, "block", &block, path, err, errlen) < 0 ||
        get_string(g, "recipients_header", &rh, path, err, errlen) < 0)
        return -1;
    if (id == NULL || *id == '\0') {
        setf(err, errlen, g, path, "format without an id", NULL);
        return -1;
    }
    fm->id = strdup(id);
    fm->recipients_header = rh ? strdup(rh) : NULL;
    if (fm->id == NULL || (rh && fm->recipients_header == NULL)) {
        setf(err, errlen, g, path, "out of memory", NULL);
        return -1;
    }
    fm->pub.id = fm->id;
    fm->pub.recipients_header = fm->recipients_header;
    fm->pub.block = FMT_BLOCK_PARAGRAPH;
    if (block != NULL) {
        if (strcmp(block, "paragraph") == 0)
            fm->pub.block = FMT_BLOCK_PARAGRAPH;
        else if (strcmp(block, "next") == 0)
            fm->pub.block = FMT_BLOCK_NEXT;
        else if (strcmp(block, "line") == 0)
            fm->pub.block = FMT_BLOCK_LINE;
        else {
            setf(err, errlen, conf_member(g, "block"), path,
                 "block must be \"paragraph\", \"next\" or \"line\"", NULL);
            return -1;
        }
    }
    const config_setting_t *gen = conf_member(g, "generic");
    if (gen != NULL) {
        if (config_setting_type(gen) != CONFIG_TYPE_BOOL) {
            setf(err, errlen, gen, path, "generic: expected true or false", NULL);
            return -1;
        }
        fm->pub.generic = config_setting_get_bool(gen);
    }

    static const struct {
        const char *key;
        enum role role;
    } lits[] = {{"subject", R_SUBJECT}, {"from", R_FROM},   {"header", R_HEADER},
                {"body", R_BODY},       {"start", R_START}, {"original", R_ORIGINAL}};
    for (size_t i = 0; i < sizeof lits / sizeof lits[0]; i++)
        if (load_literals(f, litcap, idx, lits[i].role, conf_member(g, lits[i].key), path, err,
                          errlen) < 0)
            return -1;
    fm->lit_hi = f->nlits;
    int nsig = 0;
    for (size_t i = fm->lit_lo; i < fm->lit_hi; i++)
        nsig += f->lits[i].role <= R_BODY;
    if (nsig == 0) {
        setf(err, errlen, g, path, "format needs at least one subject/from/header/body literal",
             NULL);
        return -1;
    }

    if (load_regex(f, g, "subject_re", &fm->subject_re, path, err, errlen) < 0 ||
        load_regex(f, g, "from_re", &fm->from_re, path, err, errlen) < 0 ||
        load_regex(f, g, "header_re", &fm->header_re, path, err, errlen) < 0 ||
        load_regex(f, g, "body_re", &fm->body_re, path, err, errlen) < 0 ||
        load_regex(f, g, "recipient", &fm->recipient, path, err, errlen) < 0 ||
        load_regex(f, g, "diag", &fm->diag, path, err, errlen) < 0)
        return -1;
    fm->pub.recipient = fm->recipient;
    fm->pub.diag = fm->diag;
    fm->pub.g_addr = fm->recipient ? rx_group(fm->recipient, "addr") : -1;
    fm->pub.g_diag = fm->recipient ? rx_group(fm->recipient, "diag") : -1;
    fm->pub.g_diag_diag = fm->diag ? rx_group(fm->diag, "diag") : -1;
    if (fm->recipient != NULL && fm->pub.g_addr < 0) {
        setf(err, errlen, conf_member(g, "recipient"), path,
             "recipient: regex needs a named group (?<addr>...)", NULL);
        return -1;
    }
    return 0;
}

static int load_commands(bc_formats *f, size_t *litcap, const config_setting_t *list,
                         const char *path, char *err, size_t errlen)
{
    static const char *const names[] = {"CONN", "HELO", "MAIL", "RCPT", "DATA", NULL};
    static const char *const keys[] = {"command", "text", "match", NULL};
    if (!config_setting_is_list(list)) {
        setf(err, errlen, list, path, "smtp_commands: expected a list ( {...}, ... )", NULL);
        return -1;
    }
    int n = config_setting_length(list);
    struct command *c = realloc(f->cmds, (f->ncmds + (size_t)n) * sizeof *c);
    if (c == NULL && n > 0) {
        setf(err, errlen, list, path, "out of memory", NULL);
        return -1;
    }
    f->cmds = c;
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        if (!config_setting_is_group(g)) {
            setf(err, errlen, g, path, "smtp_commands: each entry must be a group", NULL);
            return -1;
        }
        for (int k = 0; k < config_setting_length(g); k++) {
            const config_setting_t *m = config_setting_get_elem(g, (unsigned)k);
            if (!known_key(config_setting_name(m), keys)) {
                setf(err, errlen, m, path,
                     "unknown smtp_commands setting: ", config_setting_name(m));
                return -1;
            }
        }
        const char *name;
        if (get_string(g, "command", &name, path, err, errlen) < 0)
            return -1;
        if (name == NULL || !known_key(name, names)) {
            setf(err, errlen, g, path, "command must be CONN, HELO, MAIL, RCPT or DATA", NULL);
            return -1;
        }
        struct command *cmd = &f->cmds[f->ncmds];
        memset(cmd, 0, sizeof *cmd);
        snprintf(cmd->name, sizeof cmd->name, "%s", name);
        f->ncmds++;
        cmd->lit_lo = f->nlits;
        if (load_literals(f, litcap, (int)f->ncmds - 1, R_COMMAND, conf_member(g, "text"), path,
                          err, errlen) < 0)
            return -1;
        cmd->lit_hi = f->nlits;
        if (load_regex(f, g, "match", &cmd->re, path, err, errlen) < 0)
            return -1;
        if (cmd->re == NULL && cmd->lit_hi == cmd->lit_lo) {
            setf(err, errlen, g, path, "smtp_commands entry without text or match", NULL);
            return -1;
        }
    }
    return 0;
}

static int load_hosts(bc_formats *f, size_t *litcap, const config_setting_t *list, const char *path,
                      char *err, size_t errlen)
{
    static const char *const keys[] = {"text", "match", NULL};
    if (!config_setting_is_list(list)) {
        setf(err, errlen, list, path, "remote_hosts: expected a list ( ... )", NULL);
        return -1;
    }
    int n = config_setting_length(list);
    struct host *h = realloc(f->hosts, (f->nhosts + (size_t)n) * sizeof *h);
    if (h == NULL && n > 0) {
        setf(err, errlen, list, path, "out of memory", NULL);
        return -1;
    }
    f->hosts = h;
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)i), *m = e;
        struct host *hp = &f->hosts[f->nhosts];
        memset(hp, 0, sizeof *hp);
        hp->lit_lo = hp->lit_hi = f->nlits;
        if (config_setting_is_group(e)) {
            for (int k = 0; k < config_setting_length(e); k++) {
                const config_setting_t *x = config_setting_get_elem(e, (unsigned)k);
                if (!known_key(config_setting_name(x), keys)) {
                    setf(err, errlen, x, path,
                         "unknown remote_hosts setting: ", config_setting_name(x));
                    return -1;
                }
            }
            if (load_literals(f, litcap, (int)f->nhosts, R_HOST, conf_member(e, "text"), path, err,
                              errlen) < 0)
                return -1;
            hp->lit_hi = f->nlits;
            m = conf_member(e, "match");
        }
        if (m == NULL || config_setting_type(m) != CONFIG_TYPE_STRING) {
            setf(err, errlen, m ? m : e, path,
                 "remote_hosts: expected a regex or { text = [...]; match = \"regex\"; }", NULL);
            return -1;
        }
        char rerr[256];
        hp->re = compile(f, config_setting_get_string(m), rerr, sizeof rerr);
        if (hp->re == NULL) {
            setf(err, errlen, m, path, "remote_hosts: ", rerr);
            return -1;
        }
        f->nhosts++;
        if ((hp->group = rx_group(hp->re, "host")) < 0) {
            setf(err, errlen, m, path, "remote_hosts: regex needs a named group (?<host>...)",
                 NULL);
            return -1;
        }
    }
    return 0;
}

/* delayed = { subject = [...]; body = [...]; }: wording of delay warnings. */
static int load_delayed(bc_formats *f, size_t *litcap, const config_setting_t *g, const char *path,
                        char *err, size_t errlen)
{
    static const char *const keys[] = {"subject", "body", NULL};
    if (!config_setting_is_group(g)) {
        setf(err, errlen, g, path, "delayed: expected a group { subject = ...; body = ...; }",
             NULL);
        return -1;
    }
    for (int k = 0; k < config_setting_length(g); k++) {
        const config_setting_t *x = config_setting_get_elem(g, (unsigned)k);
        if (!known_key(config_setting_name(x), keys)) {
            setf(err, errlen, x, path, "unknown delayed setting: ", config_setting_name(x));
            return -1;
        }
    }
    if (load_literals(f, litcap, -1, R_DELAY_SUBJECT, conf_member(g, "subject"), path, err,
                      errlen) < 0 ||
        load_literals(f, litcap, -1, R_DELAY_BODY, conf_member(g, "body"), path, err, errlen) < 0)
        return -1;
    return 0;
}

/* bounce_signals = { subject = [...]; from = [...]; header = [...]; }: what
 * shows a message is about a delivery at all.  Without one of them, no
 * format is named (a mailer's header alone never makes a bounce). */
static int load_signals(bc_formats *f, size_t *litcap, const config_setting_t *g, const char *path,
                        char *err, size_t errlen)
{
    static const char *const keys[] = {"subject", "from", "header", NULL};
    if (!config_setting_is_group(g)) {
        setf(err, errlen, g, path,
             "bounce_signals: expected a group { subject = ...; from = ...; header = ...; }", NULL);
        return -1;
    }
    for (int k = 0; k < config_setting_length(g); k++) {
        const config_setting_t *x = config_setting_get_elem(g, (unsigned)k);
        if (!known_key(config_setting_name(x), keys)) {
            setf(err, errlen, x, path, "unknown bounce_signals setting: ", config_setting_name(x));
            return -1;
        }
    }
    size_t before = f->nlits;
    if (load_literals(f, litcap, -1, R_SIGNAL_SUBJECT, conf_member(g, "subject"), path, err,
                      errlen) < 0 ||
        load_literals(f, litcap, -1, R_SIGNAL_FROM, conf_member(g, "from"), path, err, errlen) <
            0 ||
        load_literals(f, litcap, -1, R_SIGNAL_HEADER, conf_member(g, "header"), path, err, errlen) <
            0)
        return -1;
    f->nsignals += f->nlits - before;
    return 0;
}

/* fallback = { wording = [...]; skip = [...]; headers = [...]; }: how the
 * reader of notices in no known layout tells the lines about a failure. */
static int load_fallback(bc_formats *f, size_t *litcap, const config_setting_t *g, const char *path,
                         char *err, size_t errlen)
{
    static const char *const keys[] = {"wording", "skip", "headers", NULL};
    if (!config_setting_is_group(g)) {
        setf(err, errlen, g, path,
             "fallback: expected a group { wording = ...; skip = ...; headers = ...; }", NULL);
        return -1;
    }
    for (int k = 0; k < config_setting_length(g); k++) {
        const config_setting_t *x = config_setting_get_elem(g, (unsigned)k);
        if (!known_key(config_setting_name(x), keys)) {
            setf(err, errlen, x, path, "unknown fallback setting: ", config_setting_name(x));
            return -1;
        }
    }
    size_t before = f->nlits;
    if (load_literals(f, litcap, -1, R_WORDING, conf_member(g, "wording"), path, err, errlen) < 0 ||
        load_literals(f, litcap, -1, R_SKIP, conf_member(g, "skip"), path, err, errlen) < 0 ||
        load_literals(f, litcap, -1, R_QUOTED_HEADER, conf_member(g, "headers"), path, err,
                      errlen) < 0)
        return -1;
    for (size_t i = before; i < f->nlits; i++)
        f->nwording += f->lits[i].role == R_WORDING;
    return 0;
}

static char *lower_dup(const char *s)
{
    char *d = strdup(s);
    for (char *c = d; c != NULL && *c; c++)
        *c = (char)fold((unsigned char)*c);
    return d;
}

/* complaints = ( { header = "..."; in = "original" | "message";
 * value = "..."; feedback_type = "..."; }, ... ); */
static int load_complaints(bc_formats *f, const config_setting_t *list, const char *path, char *err,
                           size_t errlen)
{
    static const char *const keys[] = {"header", "in", "value", "feedback_type", NULL};
    if (!config_setting_is_list(list)) {
        setf(err, errlen, list, path, "complaints: expected a list ( {...}, ... )", NULL);
        return -1;
    }
    int n = config_setting_length(list);
    fmt_complaint *c = realloc(f->complaints, (f->ncomplaints + (size_t)n + 1) * sizeof *c);
    if (c == NULL) {
        setf(err, errlen, list, path, "out of memory", NULL);
        return -1;
    }
    f->complaints = c;
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        if (!config_setting_is_group(g)) {
            setf(err, errlen, g, path, "complaints: each entry must be a group { ... }", NULL);
            return -1;
        }
        for (int k = 0; k < config_setting_length(g); k++) {
            const config_setting_t *x = config_setting_get_elem(g, (unsigned)k);
            if (!known_key(config_setting_name(x), keys)) {
                setf(err, errlen, x, path, "unknown complaints setting: ", config_setting_name(x));
                return -1;
            }
        }
        const char *header, *in, *value, *type;
        if (get_string(g, "header", &header, path, err, errlen) < 0 ||
            get_string(g, "in", &in, path, err, errlen) < 0 ||
            get_string(g, "value", &value, path, err, errlen) < 0 ||
            get_string(g, "feedback_type", &type, path, err, errlen) < 0)
            return -1;
        if (header == NULL || type == NULL || *header == '\0' ||
            (in != NULL && strcmp(in, "original") != 0 && strcmp(in, "message") != 0)) {
            setf(err, errlen, g, path,
                 "complaints: needs header and feedback_type; in is \"original\" or "
                 "\"message\"",
                 NULL);
            return -1;
        }
        fmt_complaint *e = &f->complaints[f->ncomplaints++];
        *e = (fmt_complaint){lower_dup(header), in != NULL && strcmp(in, "original") == 0,
                             value ? lower_dup(value) : NULL, lower_dup(type)};
        if (e->header == NULL || e->type == NULL || (value != NULL && e->value == NULL)) {
            setf(err, errlen, g, path, "out of memory", NULL);
            return -1;
        }
    }
    return 0;
}

/* autoreply = { subject = [...]; }: how auto-replies' subjects start. */
static int load_autoreply(bc_formats *f, size_t *litcap, const config_setting_t *g,
                          const char *path, char *err, size_t errlen)
{
    static const char *const keys[] = {"subject", NULL};
    if (!config_setting_is_group(g)) {
        setf(err, errlen, g, path, "autoreply: expected a group { subject = ...; }", NULL);
        return -1;
    }
    for (int k = 0; k < config_setting_length(g); k++) {
        const config_setting_t *x = config_setting_get_elem(g, (unsigned)k);
        if (!known_key(config_setting_name(x), keys)) {
            setf(err, errlen, x, path, "unknown autoreply setting: ", config_setting_name(x));
            return -1;
        }
    }
    return load_literals(f, litcap, -1, R_AUTOREPLY_SUBJECT, conf_member(g, "subject"), path, err,
                         errlen);
}

/* The static name of an SMTP command (so that what dsn.c returns outlives
 * the formats), or NULL. */
static const char *command_name(const char *s)
{
    static const char *const names[] = {"CONN", "HELO", "MAIL", "RCPT", "DATA"};
    for (size_t i = 0; s != NULL && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0)
            return names[i];
    return NULL;
}

/* Is s (lower-cased) a command phrase dsn.c can match: two letters first,
 * single spaces between words, no other blanks? */
static int phrase_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 64 || s[0] < 'a' || s[0] > 'z' || s[1] < 'a' || s[1] > 'z' || s[n - 1] == ' ')
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || (s[i] == ' ' && s[i + 1] == ' '))
            return 0;
    return 1;
}

/* Is s a transcript verb: 1..16 bytes, no blanks or controls? */
static int verb_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 16)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* NAME = ( { command = "RCPT"; text = [ ... ]; }, ... ): wordings, in
 * order, each naming a command; appended to *terms.  phrases: the
 * command_phrases rules (lower-cased, at most DSN_MAX_PHRASES), else the
 * transcript_verbs ones. */
static int load_terms(const config_setting_t *list, int phrases, dsn_term **terms, size_t *nterms,
                      const char *path, char *err, size_t errlen)
{
    static const char *const keys[] = {"command", "text", NULL};
    const char *name = config_setting_name(list);
    if (!config_setting_is_list(list) || config_setting_length(list) == 0) {
        setf(err, errlen, list, path, name, ": expected a non-empty list ( {...}, ... )");
        return -1;
    }
    for (int i = 0; i < config_setting_length(list); i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        if (!config_setting_is_group(g)) {
            setf(err, errlen, g, path, name, ": each entry must be a group { ... }");
            return -1;
        }
        for (int k = 0; k < config_setting_length(g); k++) {
            const config_setting_t *x = config_setting_get_elem(g, (unsigned)k);
            if (!known_key(config_setting_name(x), keys)) {
                setf(err, errlen, x, path, "unknown setting: ", config_setting_name(x));
                return -1;
            }
        }
        const char *cmd_s;
        if (get_string(g, "command", &cmd_s, path, err, errlen) < 0)
            return -1;
        const char *cmd = command_name(cmd_s);
        if (cmd == NULL) {
            setf(err, errlen, g, path, "command must be CONN, HELO, MAIL, RCPT or DATA", NULL);
            return -1;
        }
        const config_setting_t *text = conf_member(g, "text");
        if (text == NULL || !config_setting_is_array(text) || config_setting_length(text) == 0) {
            setf(err, errlen, text ? text : g, path, name,
                 ": text must be a non-empty list of strings [ ... ]");
            return -1;
        }
        for (int k = 0; k < config_setting_length(text); k++) {
            const config_setting_t *e = config_setting_get_elem(text, (unsigned)k);
            if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                setf(err, errlen, e, path, name, ": text must hold strings");
                return -1;
            }
            if (phrases && *nterms >= DSN_MAX_PHRASES) {
                setf(err, errlen, e, path, name, ": too many phrases (64 at most)");
                return -1;
            }
            dsn_term *t = realloc(*terms, (*nterms + 1) * sizeof *t);
            if (t == NULL) {
                setf(err, errlen, e, path, "out of memory", NULL);
                return -1;
            }
            *terms = t;
            char *w = phrases ? lower_dup(config_setting_get_string(e))
                              : strdup(config_setting_get_string(e));
            if (w == NULL) {
                setf(err, errlen, e, path, "out of memory", NULL);
                return -1;
            }
            t[(*nterms)++] = (dsn_term){w, cmd};
            if (!(phrases ? phrase_ok(w) : verb_ok(w))) {
                setf(err, errlen, e, path, name,
                     phrases ? ": a phrase opens with two letters and has single spaces"
                             : ": a verb is 1..16 bytes without blanks");
                return -1;
            }
        }
    }
    return 0;
}

/* One non-empty list of strings (1..64 bytes) of group g, appended to
 * *words. */
static int load_words(const config_setting_t *g, const char *key, char ***words, size_t *n,
                      const char *path, char *err, size_t errlen)
{
    const config_setting_t *l = conf_member(g, key);
    if (l == NULL || !config_setting_is_array(l) || config_setting_length(l) == 0) {
        setf(err, errlen, l ? l : g, path, key, ": expected a non-empty list of strings [ ... ]");
        return -1;
    }
    for (int k = 0; k < config_setting_length(l); k++) {
        const config_setting_t *e = config_setting_get_elem(l, (unsigned)k);
        const char *v = config_setting_get_string(e);
        if (v == NULL || *v == '\0' || strlen(v) > 64) {
            setf(err, errlen, e, path, key, ": each entry is a string of 1..64 bytes");
            return -1;
        }
        char **w = realloc(*words, (*n + 1) * sizeof *w);
        if (w == NULL || (w[*n] = strdup(v)) == NULL) {
            if (w != NULL)
                *words = w;
            setf(err, errlen, e, path, "out of memory", NULL);
            return -1;
        }
        *words = w;
        (*n)++;
    }
    return 0;
}

/* remote_said = { before = [ ... ]; after = [ ... ]; }: how a diagnostic
 * says which host answered ("host NAME[ADDR] said"). */
static int load_said(bc_formats *f, const config_setting_t *g, const char *path, char *err,
                     size_t errlen)
{
    static const char *const keys[] = {"before", "after", NULL};
    if (!config_setting_is_group(g)) {
        setf(err, errlen, g, path, "remote_said: expected a group { before = ...; after = ...; }",
             NULL);
        return -1;
    }
    for (int k = 0; k < config_setting_length(g); k++) {
        const config_setting_t *x = config_setting_get_elem(g, (unsigned)k);
        if (!known_key(config_setting_name(x), keys)) {
            setf(err, errlen, x, path, "unknown remote_said setting: ", config_setting_name(x));
            return -1;
        }
    }
    return load_words(g, "before", &f->before, &f->nbefore, path, err, errlen) < 0 ||
                   load_words(g, "after", &f->after, &f->nafter, path, err, errlen) < 0
               ? -1
               : 0;
}

/* contact_words = [ ... ]: a line with one of them gives an address to
 * write to for help, not a failed recipient. */
static int load_contact(bc_formats *f, size_t *litcap, const config_setting_t *l, const char *path,
                        char *err, size_t errlen)
{
    if (!config_setting_is_array(l) || config_setting_length(l) == 0) {
        setf(err, errlen, l, path, "contact_words: expected a non-empty list of strings [ ... ]",
             NULL);
        return -1;
    }
    return load_literals(f, litcap, -1, R_CONTACT, l, path, err, errlen);
}

static int load_config(bc_formats *f, size_t *fmtcap, size_t *litcap, const config_t *cfg,
                       const char *path, char *err, size_t errlen)
{
    int rc = -1;
    const config_setting_t *list = config_lookup(cfg, "formats");
    if (list != NULL) {
        if (!config_setting_is_list(list)) {
            setf(err, errlen, list, path, "formats: expected a list ( {...}, ... )", NULL);
            goto out;
        }
        int n = config_setting_length(list);
        struct format *fm = grow(f->fmts, fmtcap, f->nfmts + (size_t)n, sizeof *fm);
        if (fm == NULL && n > 0) {
            setf(err, errlen, list, path, "out of memory", NULL);
            goto out;
        }
        f->fmts = fm;
        for (int i = 0; i < n; i++)
            if (load_format(f, litcap, config_setting_get_elem(list, (unsigned)i), path, err,
                            errlen) < 0)
                goto out;
    }
    const config_setting_t *cmds = config_lookup(cfg, "smtp_commands");
    if (cmds != NULL && load_commands(f, litcap, cmds, path, err, errlen) < 0)
        goto out;
    const config_setting_t *delayed = config_lookup(cfg, "delayed");
    if (delayed != NULL && load_delayed(f, litcap, delayed, path, err, errlen) < 0)
        goto out;
    const config_setting_t *signals = config_lookup(cfg, "bounce_signals");
    if (signals != NULL && load_signals(f, litcap, signals, path, err, errlen) < 0)
        goto out;
    const config_setting_t *complaints = config_lookup(cfg, "complaints");
    if (complaints != NULL && load_complaints(f, complaints, path, err, errlen) < 0)
        goto out;
    const config_setting_t *autoreply = config_lookup(cfg, "autoreply");
    if (autoreply != NULL && load_autoreply(f, litcap, autoreply, path, err, errlen) < 0)
        goto out;
    const config_setting_t *fallback = config_lookup(cfg, "fallback");
    if (fallback != NULL && load_fallback(f, litcap, fallback, path, err, errlen) < 0)
        goto out;
    const config_setting_t *hosts = config_lookup(cfg, "remote_hosts");
    if (hosts != NULL && load_hosts(f, litcap, hosts, path, err, errlen) < 0)
        goto out;
    const config_setting_t *x = config_lookup(cfg, "command_phrases");
    if (x != NULL && load_terms(x, 1, &f->phrases, &f->nphrases, path, err, errlen) < 0)
        goto out;
    if ((x = config_lookup(cfg, "transcript_verbs")) != NULL &&
        load_terms(x, 0, &f->verbs, &f->nverbs, path, err, errlen) < 0)
        goto out;
    if ((x = config_lookup(cfg, "remote_said")) != NULL && load_said(f, x, path, err, errlen) < 0)
        goto out;
    if ((x = config_lookup(cfg, "contact_words")) != NULL &&
        load_contact(f, litcap, x, path, err, errlen) < 0)
        goto out;
    rc = 0;
out:
    return rc;
}

static int load_file(bc_formats *f, size_t *fmtcap, size_t *litcap, const char *path, char *err,
                     size_t errlen)
{
    config_t cfg;
    config_init(&cfg);
    int rc = -1;
    if (!config_read_file(&cfg, path)) {
        if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
            snprintf(err, errlen, "%s: cannot read file", path);
        else
            snprintf(err, errlen, "%s:%d: %s",
                     config_error_file(&cfg) ? config_error_file(&cfg) : path,
                     config_error_line(&cfg), config_error_text(&cfg));
    } else {
        rc = load_config(f, fmtcap, litcap, &cfg, path, err, errlen);
    }
    config_destroy(&cfg);
    return rc;
}

/* Index the literals by role (f->byrole, f->roles); -1 on memory exhaustion. */
static int roles_build(bc_formats *f)
{
    if ((f->byrole = malloc((f->nlits + 1) * sizeof *f->byrole)) == NULL)
        return -1;
    size_t n = 0;
    for (unsigned role = 0; role < NROLES; role++) {
        struct role_lits *r = &f->roles[role];
        r->lo = n;
        for (size_t i = 0; i < f->nlits; i++) {
            const struct literal *l = &f->lits[i];
            if (l->role != role)
                continue;
            f->byrole[n++] = (uint16_t)i;
            if (r->minlen == 0 || l->len < r->minlen)
                r->minlen = l->len;
            r->start[l->first] = 1;
            r->start[l->first >= 'a' && l->first <= 'z' ? l->first - 32 : l->first] = 1;
        }
        r->hi = n;
    }
    return 0;
}

bc_formats *formats_load(const char *const *paths, size_t npaths, char *err, size_t errlen)
{
    return formats_load_parsed(NULL, paths, npaths, err, errlen);
}

bc_formats *formats_load_parsed(const struct config_t *const *cfgs, const char *const *paths,
                                size_t npaths, char *err, size_t errlen)
{
    bc_formats *f = calloc(1, sizeof *f);
    if (f == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t fmtcap = 0, litcap = 0;
    for (size_t i = 0; i < npaths; i++)
        if ((cfgs != NULL && cfgs[i] != NULL
                 ? load_config(f, &fmtcap, &litcap, cfgs[i], paths[i], err, errlen)
                 : load_file(f, &fmtcap, &litcap, paths[i], err, errlen)) < 0) {
            formats_free(f);
            return NULL;
        }
    f->vocab = (dsn_vocab){f->phrases,
                           f->nphrases,
                           f->verbs,
                           f->nverbs,
                           (const char *const *)f->before,
                           f->nbefore,
                           (const char *const *)f->after,
                           f->nafter,
                           NULL};
    for (int c = 0; c < 256; c++)
        f->low[c] = fold((unsigned char)c);
    for (uint32_t k = 0; k < 4; k++)
        for (int c = 0; c < 256; c++) {
            uint32_t x = k * 256 + f->low[c] + 0x9e3779b9u; /* splitmix32 of (k, folded c) */
            x = (x ^ (x >> 16)) * 0x85ebca6bu;
            x = (x ^ (x >> 13)) * 0xc2b2ae35u;
            f->hmul[k][c] = x ^ (x >> 16);
        }
    int simd = TEDDY_CPU();
    for (unsigned field = 0; field < NFIELDS; field++) {
        scanner_build(f, field);
        teddy_build(f, field, simd);
    }
    if (roles_build(f) != 0 || (f->openings = dsn_openings_new(&f->vocab)) == NULL) {
        snprintf(err, errlen, "out of memory");
        formats_free(f);
        return NULL;
    }
    f->vocab.openings = f->openings;
    return f;
}

void formats_free(bc_formats *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->nfmts; i++) {
        struct format *fm = &f->fmts[i];
        free(fm->id);
        free(fm->recipients_header);
    }
    free(f->fmts);
    for (size_t i = 0; i < f->ncomplaints; i++) {
        free((char *)f->complaints[i].header);
        free((char *)f->complaints[i].value);
        free((char *)f->complaints[i].type);
    }
    free(f->complaints);
    for (size_t i = 0; i < f->nphrases; i++)
        free((char *)f->phrases[i].text);
    free(f->phrases);
    for (size_t i = 0; i < f->nverbs; i++)
        free((char *)f->verbs[i].text);
    free(f->verbs);
    for (size_t i = 0; i < f->nbefore; i++)
        free(f->before[i]);
    free(f->before);
    for (size_t i = 0; i < f->nafter; i++)
        free(f->after[i]);
    free(f->after);
    if (f->litstr != NULL)
        for (size_t i = 0; i < f->nlits; i++)
            free(f->litstr[i]);
    free(f->litstr);
    free(f->lits);
    free(f->byrole);
    dsn_openings_free(f->openings);
    free(f->cmds);
    free(f->hosts);
    for (size_t i = 0; i < f->npool; i++) {
        free(f->pool[i].pattern);
        rx_free(f->pool[i].re);
    }
    free(f->pool);
    free(f);
}

size_t formats_count(const bc_formats *f)
{
    return f ? f->nfmts : 0;
}

/* ---- recognition ---- */

static size_t bounded(const char *s, size_t cap)
{
    return s ? strnlen(s, cap) : 0;
}

static int confirm(const rx *re, rx_scratch *s, const char *text, size_t len)
{
    return re == NULL || (text != NULL && rx_search(re, s, text, len, 0, NULL) == 1);
}

/* formats_recognise() on the bounded input. */
static int recognise(const bc_formats *f, rx_scratch *s, const char *subject, size_t slen,
                     const char *from, size_t flen, const char *headers, size_t hlen,
                     const char *text, size_t len, fmt_hit *hit)
{
    /* Each literal is found at most once, so the found list needs no more
     * room than there are literals; only found literals are looked at. */
    uint32_t pos[FMT_MAX_LITERALS];
    uint16_t found[FMT_MAX_LITERALS];
    size_t nfound = 0;
    memset(pos, 0xff, f->nlits * sizeof *pos); /* NOPOS */
    /* The text's literals need their first positions, up to the original
     * (where the walk stops: most of a bounce is the returned message).
     * Without the SIMD filter, the text is walked side by side with the
     * first third of the header block, its other two thirds together. */
    if (f->scanners[F_HEADER].teddy.on) {
        walk_run(f, walk_new(f, F_TEXT, text, len, 0, len), pos, found, &nfound);
        scan_presence(f, F_HEADER, headers, hlen, pos, found, &nfound);
    } else {
        size_t h1 = hlen / 3, h2 = hlen - hlen / 3;
        walk_pair(f, walk_new(f, F_TEXT, text, len, 0, len),
                  walk_new(f, F_HEADER, headers, hlen, 0, h1), pos, found, &nfound);
        walk_pair(f, walk_new(f, F_HEADER, headers, hlen, h1, h2),
                  walk_new(f, F_HEADER, headers, hlen, h2, hlen), pos, found, &nfound);
    }
    scan_presence(f, F_FROM, from, flen, pos, found, &nfound);
    scan_presence(f, F_SUBJECT, subject, slen, pos, found, &nfound);

    /* The returned original starts at the earliest marker of any format. */
    size_t delay = NOPOS;
    int signal = f->nsignals == 0;
    for (size_t k = 0; k < nfound; k++) {
        size_t i = found[k];
        if (f->lits[i].role >= R_SIGNAL_SUBJECT)
            signal = 1;
        else if (f->lits[i].role == R_ORIGINAL && pos[i] < hit->end)
            hit->end = pos[i];
        else if (f->lits[i].role == R_DELAY_SUBJECT)
            hit->delayed = 1;
        else if (f->lits[i].role == R_DELAY_BODY && pos[i] < delay)
            delay = pos[i];
    }
    if (delay < hit->end)
        hit->delayed = 1;
    if (!signal)
        return 0;

    /* Candidates: formats with a recognition literal found (in the text,
     * before the original), kept sorted to be tried in load order. */
    uint16_t cand[FMT_MAX_LITERALS];
    size_t ncand = 0;
    for (size_t k = 0; k < nfound; k++) {
        const struct literal *lit = &f->lits[found[k]];
        if (lit->role > R_BODY || lit->fmt < 0 ||
            (lit->field == F_TEXT && pos[found[k]] >= hit->end))
            continue;
        uint16_t id = (uint16_t)lit->fmt;
        size_t j = ncand;
        while (j > 0 && cand[j - 1] > id)
            j--;
        if (j > 0 && cand[j - 1] == id)
            continue;
        memmove(cand + j + 1, cand + j, (ncand - j) * sizeof *cand);
        cand[j] = id;
        ncand++;
    }
    for (size_t c = 0; c < ncand; c++) {
        const struct format *fm = &f->fmts[cand[c]];
        size_t start = NOPOS;
        for (size_t l = fm->lit_lo; l < fm->lit_hi; l++)
            if (f->lits[l].role == R_START && pos[l] != NOPOS && pos[l] < hit->end &&
                pos[l] + f->lits[l].len < start)
                start = pos[l] + f->lits[l].len;
        if (!confirm(fm->subject_re, s, subject, slen) || !confirm(fm->from_re, s, from, flen) ||
            !confirm(fm->header_re, s, headers, hlen) || !confirm(fm->body_re, s, text, hit->end))
            continue;
        hit->format = &fm->pub;
        hit->start = start == NOPOS ? 0 : start;
        return 1;
    }
    return 0;
}

/* The last recognition of a thread, with a copy of the bounded input it
 * was made on: a message is recognised once even when several stages ask
 * (its mta for a DSN, then its recipients).  The copy, not the pointers,
 * is the key: a next message may sit at the same addresses. */
struct memo {
    const bc_formats *f;
    size_t slen, flen, hlen, len;
    fmt_hit hit;
    int rc;
    char bytes[]; /* subject, From, headers, text */
};

static int same_input(const struct memo *m, const bc_formats *f, const char *const *part,
                      const size_t *plen)
{
    if (m->f != f || m->slen != plen[0] || m->flen != plen[1] || m->hlen != plen[2] ||
        m->len != plen[3])
        return 0;
    const char *b = m->bytes;
    for (int i = 0; i < 4; b += plen[i], i++)
        if (plen[i] > 0 && memcmp(b, part[i], plen[i]) != 0)
            return 0;
    return 1;
}

int formats_recognise(const bc_formats *f, rx_scratch *s, const char *subject, const char *from,
                      const char *headers, size_t hlen, const char *text, size_t len, fmt_hit *hit)
{
    memset(hit, 0, sizeof *hit);
    if (text == NULL)
        len = 0;
    if (len > FMT_SCAN_TEXT)
        len = FMT_SCAN_TEXT;
    hit->end = len;
    if (f == NULL || f->nfmts == 0)
        return 0;
    size_t slen = bounded(subject, FMT_SCAN_LINE), flen = bounded(from, FMT_SCAN_LINE);
    if (headers == NULL)
        hlen = 0;
    if (hlen > FMT_SCAN_HEADERS)
        hlen = FMT_SCAN_HEADERS;
    const char *part[4] = {subject, from, headers, text};
    size_t plen[4] = {slen, flen, hlen, len};
    struct memo *m = rx_scratch_memo(s, sizeof *m + slen + flen + hlen + len);
    if (m != NULL && same_input(m, f, part, plen)) {
        *hit = m->hit;
        return m->rc;
    }
    int rc = recognise(f, s, subject, slen, from, flen, headers, hlen, text, len, hit);
    if (m != NULL) {
        m->f = f;
        m->slen = slen;
        m->flen = flen;
        m->hlen = hlen;
        m->len = len;
        m->hit = *hit;
        m->rc = rc;
        char *b = m->bytes;
        for (int i = 0; i < 4; b += plen[i], i++)
            if (plen[i] > 0)
                memcpy(b, part[i], plen[i]);
    }
    return rc;
}

/* Does literal i start at s[k] (within s[0..n))? */
static int literal_at(const bc_formats *f, size_t i, const char *s, size_t n, size_t k)
{
    const struct literal *l = &f->lits[i];
    return k + l->len <= n && f->low[(unsigned char)s[k]] == l->first &&
           same_folded((const unsigned char *)s + k, f->litstr[i], l->len, f->low);
}

/* Does one of the literals of role start at s[k] (within s[0..n))? */
static int role_at(const bc_formats *f, enum role role, const char *s, size_t n, size_t k)
{
    const struct role_lits *r = &f->roles[role];
    for (size_t j = r->lo; j < r->hi; j++)
        if (literal_at(f, f->byrole[j], s, n, k))
            return 1;
    return 0;
}

/* Is one of the literals of role in s[0..n)?  Only the bytes that one of
 * them starts with are tried. */
static int has_literal(const bc_formats *f, enum role role, const char *s, size_t n)
{
    const struct role_lits *r = &f->roles[role];
    if (s == NULL || r->lo == r->hi || n < r->minlen)
        return 0;
    for (size_t k = 0; k + r->minlen <= n; k++)
        if (r->start[(unsigned char)s[k]] && role_at(f, role, s, n, k))
            return 1;
    return 0;
}

int formats_line_is(const bc_formats *f, fmt_line what, const char *line, size_t n)
{
    if (f == NULL)
        return 0;
    if (what == FMT_LINE_QUOTED_HEADER) {
        while (n > 0 && (*line == ' ' || *line == '\t')) {
            line++;
            n--;
        }
        return role_at(f, R_QUOTED_HEADER, line, n, 0);
    }
    return has_literal(f,
                       what == FMT_LINE_WORDING   ? R_WORDING
                       : what == FMT_LINE_CONTACT ? R_CONTACT
                                                  : R_SKIP,
                       line, n);
}

int formats_autoreply_subject(const bc_formats *f, const char *subject)
{
    if (f == NULL || subject == NULL)
        return 0;
    while (*subject == ' ' || *subject == '\t')
        subject++;
    return role_at(f, R_AUTOREPLY_SUBJECT, subject, bounded(subject, FMT_SCAN_LINE), 0);
}

const fmt_complaint *formats_complaints(const bc_formats *f, size_t *n)
{
    *n = f != NULL ? f->ncomplaints : 0;
    return *n > 0 ? f->complaints : NULL;
}

int formats_has_fallback(const bc_formats *f)
{
    return f != NULL && f->nwording > 0;
}

int formats_bounce_sender(const bc_formats *f, const char *from)
{
    return f != NULL && has_literal(f, R_SIGNAL_FROM, from, bounded(from, FMT_SCAN_LINE));
}

int formats_bounce_signal(const bc_formats *f, const char *subject, const char *from,
                          const char *headers, size_t hlen)
{
    if (f == NULL)
        return 0;
    if (headers == NULL || hlen > FMT_SCAN_HEADERS)
        hlen = headers == NULL ? 0 : FMT_SCAN_HEADERS;
    return formats_bounce_sender(f, from) ||
           has_literal(f, R_SIGNAL_SUBJECT, subject, bounded(subject, FMT_SCAN_LINE)) ||
           has_literal(f, R_SIGNAL_HEADER, headers, hlen);
}

const char *formats_smtp_command(const bc_formats *f, rx_scratch *s, const char *text, size_t len)
{
    if (f == NULL || text == NULL || f->ncmds == 0)
        return "";
    uint32_t pos[FMT_MAX_LITERALS];
    const struct command *first = &f->cmds[0], *last = &f->cmds[f->ncmds - 1];
    for (size_t i = first->lit_lo; i < last->lit_hi; i++)
        pos[i] = NOPOS;
    scan_presence(f, F_COMMAND, text, len, pos, NULL, NULL);
    for (size_t i = 0; i < f->ncmds; i++) {
        const struct command *c = &f->cmds[i];
        for (size_t l = c->lit_lo; l < c->lit_hi; l++)
            if (pos[l] != NOPOS)
                return c->name;
        if (c->re != NULL && rx_search(c->re, s, text, len, 0, NULL) == 1)
            return c->name;
    }
    return "";
}

int formats_remote_mta(const bc_formats *f, rx_scratch *s, const char *text, size_t len,
                       size_t *start, size_t *end)
{
    if (f == NULL || text == NULL || f->nhosts == 0)
        return 0;
    uint32_t pos[FMT_MAX_LITERALS];
    for (size_t i = f->hosts[0].lit_lo; i < f->hosts[f->nhosts - 1].lit_hi; i++)
        pos[i] = NOPOS;
    scan_presence(f, F_HOST, text, len, pos, NULL, NULL);
    for (size_t i = 0; i < f->nhosts; i++) {
        const struct host *h = &f->hosts[i];
        int seen = h->lit_lo == h->lit_hi;
        for (size_t l = h->lit_lo; l < h->lit_hi && !seen; l++)
            seen = pos[l] != NOPOS;
        rx_match m;
        int g = h->group;
        if (seen && rx_search(h->re, s, text, len, 0, &m) == 1 && m.start[g] != (size_t)-1 &&
            m.end[g] > m.start[g]) {
            *start = m.start[g];
            *end = m.end[g];
            return 1;
        }
    }
    return 0;
}

const dsn_vocab *formats_dsn_vocab(const bc_formats *f)
{
    return f != NULL ? &f->vocab : NULL;
}
