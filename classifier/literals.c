/*
 * literals.c - Aho-Corasick over the rules' literals, and the derivation of
 * required literals from a regex.
 *
 * The automaton is a dense DFA over a compressed alphabet: every byte that
 * occurs in some literal gets a class of its own (ASCII upper case shares
 * the class of its lower case), all other bytes share class 0.  A scan is
 * then one table lookup per byte (states numbered breadth first, so the
 * shallow ones where a scan spends its time share cache lines).  Each state
 * knows the nearest state on its failure chain that ends a literal, so a
 * position without a hit costs one test.  The automaton holds the first
 * LIT_KEEP bytes of a literal (so that it stays small); the rest of a
 * longer one is compared where its prefix ends (8 bytes at once), so that
 * a shared prefix alone does not let its rule's regex run.
 */
#include "literals.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define LIT_KEEP 16                      /* bytes of a literal the automaton looks for */
#define LIT_MAXTABLE (32u * 1024 * 1024) /* most bytes of transition table */
#define LIT_HUGE (2u * 1024 * 1024)      /* a huge page, for tables that large */
#define LIT_HIGHCLS 8                    /* classes shared by the bytes >= 0x80 */

struct lit {
    size_t off, len; /* the whole literal, lower-cased, in bytes[] */
    uint32_t value;
};

/* A literal ending in a state: its value, and the bytes that follow its
 * prefix in the automaton (tlen of them, lower-cased): the first 8 in head
 * (mask keeps those that are compared), the others in tails[rest ..]. */
struct out {
    uint32_t value, tlen;
    uint64_t head, mask;
    uint32_t rest;
};

/* What a state reports, together (one cache line per state visited):
 * the next state with outputs on its failure chain (0: none), and its
 * own outputs outs[first .. first + n), the first plain of them without
 * a tail.  A state without outputs holds a copy of the first state with
 * some on its failure chain. */
struct ostate {
    uint32_t dict, first, n, plain;
};

struct litset {
    /* what was added */
    struct lit *lits;
    size_t nlits, litcap;
    unsigned char *bytes;
    size_t nbytes, bytecap;
    /* the automaton */
    unsigned char cls[256];
    size_t ncls;
    size_t nstates;
    size_t depth;      /* the longest literal the automaton looks for */
    uint64_t recip;    /* ceil(2^32 / ncls): a row offset to its state without a divide */
    uint32_t *delta;   /* nstates x ncls: next state's row offset << 1 | has output */
    struct ostate *os; /* per state: what a hit there reports */
    struct out *outs;
    unsigned char *tails; /* literal bytes beyond the automaton's and head's */
};

/* Room for the dense table: in whole huge pages when it needs one or more
 * (the kernel then maps each in one fault instead of 512: a third of the
 * start-up went to faulting the table in), else from malloc.  free()d. */
static uint32_t *table_alloc(size_t bytes)
{
#ifdef MADV_HUGEPAGE
    if (bytes >= LIT_HUGE) {
        size_t size = (bytes + LIT_HUGE - 1) / LIT_HUGE * LIT_HUGE;
        uint32_t *t = aligned_alloc(LIT_HUGE, size);
        if (t != NULL)
            madvise(t, size, MADV_HUGEPAGE); /* a hint: without it, small pages */
        return t;
    }
#endif
    return malloc(bytes);
}

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

litset *litset_new(void)
{
    return calloc(1, sizeof(litset));
}

void litset_free(litset *ls)
{
    if (ls == NULL)
        return;
    free(ls->lits);
    free(ls->bytes);
    free(ls->delta);
    free(ls->os);
    free(ls->outs);
    free(ls->tails);
    free(ls);
}

int litset_add(litset *ls, const char *lit, size_t len, uint32_t value)
{
    if (len == 0)
        return 0;
    if (ls->nlits == ls->litcap) {
        size_t cap = ls->litcap ? 2 * ls->litcap : 64;
        struct lit *nl = realloc(ls->lits, cap * sizeof *nl);
        if (nl == NULL)
            return -1;
        ls->lits = nl;
        ls->litcap = cap;
    }
    if (ls->nbytes + len > ls->bytecap) {
        size_t cap = ls->bytecap ? 2 * ls->bytecap : 1024;
        while (cap < ls->nbytes + len)
            cap *= 2;
        unsigned char *nb = realloc(ls->bytes, cap);
        if (nb == NULL)
            return -1;
        ls->bytes = nb;
        ls->bytecap = cap;
    }
    for (size_t i = 0; i < len; i++)
        ls->bytes[ls->nbytes + i] = ascii_lower((unsigned char)lit[i]);
    ls->lits[ls->nlits++] = (struct lit){ls->nbytes, len, value};
    ls->nbytes += len;
    return 0;
}

int litset_build(litset *ls)
{
    /* classes for the bytes the automaton holds (of each literal the
     * first LIT_KEEP; the rest is compared apart) */
    memset(ls->cls, 0, sizeof ls->cls);
    ls->ncls = 1;
    int high = 0;
    for (size_t i = 0; i < ls->nlits; i++)
        for (size_t k = 0; k < ls->lits[i].len && k < LIT_KEEP; k++) {
            unsigned char b = ls->bytes[ls->lits[i].off + k];
            if (b >= 0x80)
                high = 1;
            else if (ls->cls[b] == 0)
                ls->cls[b] = (unsigned char)ls->ncls++;
        }
    for (int c = 'A'; c <= 'Z'; c++)
        ls->cls[c] = ls->cls[c + 32];
    /* Bytes of UTF-8 sequences share LIT_HIGHCLS classes: a literal then
     * also "occurs" where other characters have the same bytes modulo
     * LIT_HIGHCLS (rare, and only a maybe), and the table has half the
     * columns it would have with a class per byte. */
    for (size_t i = 0; high && i < ls->nlits; i++)
        for (size_t k = 0; k < ls->lits[i].len && k < LIT_KEEP; k++) {
            unsigned char b = ls->bytes[ls->lits[i].off + k];
            if (b >= 0x80)
                ls->cls[b] = (unsigned char)(ls->ncls + (b & (LIT_HIGHCLS - 1)));
        }
    if (high)
        ls->ncls += LIT_HIGHCLS;

    /* Shorten the literals until the dense table stays within bounds (a huge
     * local rules file): a prefix of a required literal is required too. */
    size_t n = ls->ncls, keep = LIT_KEEP, maxstates;
    /* exact for the row offsets of the first 2^24 states */
    ls->recip = (((uint64_t)1 << 32) + n - 1) / n;
    for (;;) {
        maxstates = 1;
        for (size_t i = 0; i < ls->nlits; i++)
            maxstates += ls->lits[i].len < keep ? ls->lits[i].len : keep;
        if (maxstates * n * sizeof *ls->delta <= LIT_MAXTABLE || keep <= 4)
            break;
        keep = keep * 3 / 4;
    }
    ls->depth = 0;
    for (size_t i = 0; i < ls->nlits; i++)
        if (ls->lits[i].len > ls->depth)
            ls->depth = ls->lits[i].len < keep ? ls->lits[i].len : keep;
    /* The trie, with sparse children (sorted by class), then its states in
     * breadth-first order: a state's failure target is shallower, so its
     * dense row is complete when the state's own row is made from it.  The
     * one dense table is written once, row after row. */
    struct node {
        uint32_t child, sibling; /* first child; next child of the parent (0: none) */
        uint32_t fail, id;       /* failure target; breadth-first number */
        uint32_t dict;           /* nearest state with outputs on the failure chain */
        uint32_t nout;           /* literals ending here */
        unsigned char c;         /* class on the edge from the parent */
    };
    struct node *t = calloc(maxstates, sizeof *t);
    uint32_t *queue = malloc(maxstates * sizeof *queue);
    uint32_t *pairs = malloc((ls->nlits + 1) * 2 * sizeof *pairs);
    if (t == NULL || queue == NULL || pairs == NULL)
        goto oom;
    size_t nst = 1;
    for (size_t i = 0; i < ls->nlits; i++) {
        uint32_t u = 0;
        for (size_t k = 0; k < ls->lits[i].len && k < keep; k++) {
            unsigned char c = ls->cls[ls->bytes[ls->lits[i].off + k]];
            uint32_t *link = &t[u].child;
            while (*link != 0 && t[*link].c < c)
                link = &t[*link].sibling;
            if (*link == 0 || t[*link].c != c) {
                uint32_t v = (uint32_t)nst++;
                t[v].c = c;
                t[v].sibling = *link;
                *link = v;
            }
            u = *link;
        }
        t[u].nout++;
        pairs[2 * i] = u;
        pairs[2 * i + 1] = ls->lits[i].value;
    }
    ls->nstates = nst;
    if (nst * n >= (size_t)1 << 31 || nst >= (size_t)1 << 24) /* offsets and recip's bound */
        goto oom;
    ls->delta = table_alloc(nst * n * sizeof *ls->delta);
    ls->os = calloc(nst, sizeof *ls->os);
    ls->outs = malloc((ls->nlits + 1) * sizeof *ls->outs);
    ls->tails = malloc(ls->nbytes + 1);
    if (ls->delta == NULL || ls->os == NULL || ls->outs == NULL || ls->tails == NULL)
        goto oom;

    /* Breadth first: the row of u is its failure target's row with u's own
     * edges put over it.  An entry is the target's row offset, shifted, with
     * the low bit telling whether literals end there or on its failure
     * chain: the scan then needs no multiply. */
    size_t qh = 0, qt = 1;
    queue[0] = 0;
    t[0].id = 0;
    while (qh < qt) {
        uint32_t u = queue[qh++];
        uint32_t *row = ls->delta + (size_t)t[u].id * n;
        if (u == 0)
            memset(row, 0, n * sizeof *row);
        else
            memcpy(row, ls->delta + (size_t)t[t[u].fail].id * n, n * sizeof *row);
        for (uint32_t v = t[u].child; v != 0; v = t[v].sibling) {
            uint32_t f = 0;
            if (u != 0) {
                uint32_t e = ls->delta[(size_t)t[t[u].fail].id * n + t[v].c] >> 1;
                f = queue[e / n]; /* row offsets are id * n; ids are queue positions */
            }
            t[v].fail = f;
            t[v].dict = t[f].nout ? f : t[f].dict;
            t[v].id = (uint32_t)qt;
            queue[qt++] = v;
            row[t[v].c] = (uint32_t)(t[v].id * n) << 1 | (t[v].nout || t[v].dict);
        }
    }
    for (size_t k = 0; k < nst; k++)
        ls->os[k].dict = t[t[queue[k]].dict].id;
    /* each state's outputs together, those without a tail first (a
     * counting sort: queue, no longer needed, holds where the next output
     * of each state goes) */
    for (size_t i = 0; i < ls->nlits; i++) {
        uint32_t id = pairs[2 * i] = t[pairs[2 * i]].id;
        ls->os[id].n++;
        ls->os[id].plain += ls->lits[i].len <= keep;
    }
    for (size_t k = 0, at = 0; k < nst; at += ls->os[k++].n)
        queue[k] = ls->os[k].first = (uint32_t)at;
    size_t ntails = 0;
    for (int tailed = 0; tailed < 2; tailed++)
        for (size_t i = 0; i < ls->nlits; i++) {
            const struct lit *l = &ls->lits[i];
            size_t tlen = l->len > keep ? l->len - keep : 0;
            const unsigned char *tail = ls->bytes + l->off + keep;
            if ((tlen > 0) != tailed)
                continue;
            unsigned char head[8] = {0}, mask[8] = {0};
            for (size_t k = 0; k < tlen && k < 8; k++)
                if (tail[k] < 0x80) { /* a byte >= 0x80 stands for its class: not compared */
                    head[k] = tail[k];
                    mask[k] = 0xff;
                }
            struct out *o = &ls->outs[queue[pairs[2 * i]]++];
            o->value = pairs[2 * i + 1];
            o->tlen = (uint32_t)tlen;
            memcpy(&o->head, head, 8);
            memcpy(&o->mask, mask, 8);
            o->rest = (uint32_t)ntails;
            if (tlen > 8) {
                memcpy(ls->tails + ntails, tail + 8, tlen - 8);
                ntails += tlen - 8;
            }
        }
    /* a state where no literal ends reports as the first state on its
     * failure chain where one does: a copy of that state's record saves
     * the scan a lookup */
    for (size_t k = 0; k < nst; k++)
        if (ls->os[k].n == 0 && ls->os[k].dict != 0)
            ls->os[k] = ls->os[ls->os[k].dict];
    free(t);
    free(queue);
    free(pairs);
    free(ls->lits);
    free(ls->bytes);
    ls->lits = NULL;
    ls->bytes = NULL;
    ls->nlits = ls->litcap = ls->nbytes = ls->bytecap = 0;
    return 0;
oom:
    free(t);
    free(queue);
    free(pairs);
    return -1;
}

/* Does p[0..n) start with the bytes of o that follow its prefix (ASCII
 * case-insensitively; a byte >= 0x80 of the literal is not compared, a
 * maybe)?  The first 8 at once. */
static int tail_at(const litset *ls, const unsigned char *p, size_t n, const struct out *o)
{
    if (o->tlen > n)
        return 0;
    uint64_t x = 0;
    memcpy(&x, p, n < 8 ? n : 8);
    if ((lit_fold8(x) & o->mask) != o->head)
        return 0;
    const unsigned char *t = ls->tails + o->rest;
    for (size_t i = 8; i < o->tlen; i++)
        if (t[i - 8] < 0x80 && ascii_lower(p[i]) != t[i - 8])
            return 0;
    return 1;
}

/* Set the bits of the literals that end in state row offset off and on
 * its failure chain, where the automaton's prefix of them ends just
 * before p[0..n) (which must then hold the rest). */
static void report(const litset *ls, uint64_t off, const unsigned char *p, size_t n, uint64_t *bits)
{
    const struct ostate *st = &ls->os[(uint32_t)((off * ls->recip) >> 32)];
    for (;;) {
        const struct out *o = ls->outs + st->first;
        uint32_t k = 0;
        for (; k < st->plain; k++)
            bits[o[k].value >> 6] |= (uint64_t)1 << (o[k].value & 63);
        for (; k < st->n; k++) {
            uint32_t v = o[k].value;
            uint64_t bit = (uint64_t)1 << (v & 63);
            if ((bits[v >> 6] & bit) == 0 && tail_at(ls, p, n, &o[k]))
                bits[v >> 6] |= bit;
        }
        if (st->dict == 0)
            return;
        st = &ls->os[st->dict];
    }
}

/* One walk of the automaton over p[i..end) (of p[0..len)), in state s. */
struct lwalk {
    uint32_t s;
    size_t i, end;
};

/* Advance w by one byte, reporting the literals that end there. */
static inline __attribute__((always_inline)) void
lwalk_step(const litset *ls, const unsigned char *p, size_t len, struct lwalk *w, uint64_t *bits)
{
    uint32_t v = ls->delta[w->s + ls->cls[p[w->i++]]];
    w->s = v >> 1;
    if (v & 1)
        report(ls, w->s, p + w->i, len - w->i, bits);
}

void litset_scan(const litset *ls, const char *text, size_t len, uint64_t *bits)
{
    if (ls == NULL || ls->os == NULL)
        return;
    const unsigned char *p = (const unsigned char *)text;
    /* Each step waits for the one before (a table lookup that often misses
     * the cache), so a long text is cut into four parts walked together,
     * independently, and a shorter one into two: a part's walk starts
     * depth - 1 bytes early to see every literal that ends in it (one that
     * ends earlier is found twice, which sets its bit twice). */
    size_t nw = ls->depth == 0 ? 1 : len >= 16 * ls->depth ? 4 : len >= 4 * ls->depth ? 2 : 1;
    struct lwalk w[4];
    for (size_t k = 0; k < nw; k++) {
        size_t from = len * k / nw;
        w[k] = (struct lwalk){0, k == 0 ? 0 : from - (ls->depth - 1), len * (k + 1) / nw};
    }
    if (nw == 4)
        while (w[0].i < w[0].end && w[1].i < w[1].end && w[2].i < w[2].end && w[3].i < w[3].end) {
            lwalk_step(ls, p, len, &w[0], bits);
            lwalk_step(ls, p, len, &w[1], bits);
            lwalk_step(ls, p, len, &w[2], bits);
            lwalk_step(ls, p, len, &w[3], bits);
        }
    else if (nw == 2)
        while (w[0].i < w[0].end && w[1].i < w[1].end) {
            lwalk_step(ls, p, len, &w[0], bits);
            lwalk_step(ls, p, len, &w[1], bits);
        }
    for (size_t k = 0; k < nw; k++)
        while (w[k].i < w[k].end)
            lwalk_step(ls, p, len, &w[k], bits);
}

size_t litset_states(const litset *ls)
{
    return ls == NULL ? 0 : ls->nstates;
}

/*
 * Literal derivation.  A small recursive-descent walk over the pattern
 * keeps, for each sequence, the best "required" candidate: a run of literal
 * characters that every match contains, or a non-optional group all of
 * whose alternatives have one.  Anything it does not understand makes it
 * give up, which is always safe: the rule then runs without a prefilter.
 * Letters that have case variants outside ASCII are not used, as the
 * automaton only folds ASCII case; CJK characters are used as is.
 */

#define LIT_MAXDEPTH 8
#define LIT_MINLEN 2

struct altset {
    size_t n, cap;
    char (*s)[LIT_MAXLEN + 1];
};

#define LIT_MORESETS 8 /* required sets of a sequence kept for lit_derive_more */
#define LIT_MOREMIN 3  /* their shortest literal: shorter ones are everywhere */

struct walk {
    const char *p;
    int fail;
    int depth;
    struct altset *more; /* when not NULL: the top-level sequence's required sets */
    size_t nmore;
    int branches; /* top-level alternatives walked */
};

static void altset_free(struct altset *a)
{
    free(a->s);
    a->s = NULL;
    a->n = a->cap = 0;
}

/* Add lit (deduplicated); 0, or -1 when the set is full or memory is out. */
static int altset_add(struct altset *a, const char *lit, size_t len)
{
    for (size_t i = 0; i < a->n; i++)
        if (strncmp(a->s[i], lit, len) == 0 && a->s[i][len] == '\0')
            return 0;
    if (a->n == LIT_MAXALTS)
        return -1;
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 4;
        char(*ns)[LIT_MAXLEN + 1] = realloc(a->s, cap * sizeof *ns);
        if (ns == NULL)
            return -1;
        a->s = ns;
        a->cap = cap;
    }
    memcpy(a->s[a->n], lit, len);
    a->s[a->n++][len] = '\0';
    return 0;
}

static size_t altset_score(const struct altset *a)
{
    size_t min = (size_t)-1;
    for (size_t i = 0; i < a->n; i++) {
        size_t l = strlen(a->s[i]);
        if (l < min)
            min = l;
    }
    return a->n ? min : 0;
}

/* Keep cand in *best if it is better (longer shortest literal, then fewer);
 * cand is emptied either way. */
static void consider(struct altset *best, struct altset *cand)
{
    size_t sb = altset_score(best), sc = altset_score(cand);
    if (sc > sb || (sc == sb && sc > 0 && cand->n < best->n)) {
        struct altset t = *best;
        *best = *cand;
        *cand = t;
    }
    altset_free(cand);
}

/* Skip to just past the closing character; fail at the end of the pattern. */
static void skip_past(struct walk *w, char close)
{
    while (*w->p != '\0' && *w->p != close)
        w->p++;
    if (*w->p == '\0')
        w->fail = 1;
    else
        w->p++;
}

/* Quantifier after an atom: returns its minimum count (1 when there is none)
 * and sets *rep when the atom may repeat or vanish. */
static unsigned long quantifier(struct walk *w, int *rep)
{
    const char *p = w->p;
    unsigned long min = 1;
    *rep = 1;
    if (*p == '?' || *p == '*') {
        min = 0;
        p++;
    } else if (*p == '+') {
        p++;
    } else if (*p == '{' && p[1] == ',') {
        /* "{,n}": a quantifier with minimum 0 in newer PCRE2, literal text in
         * older ones; either way nothing here is required */
        const char *q = p + 2;
        while (*q >= '0' && *q <= '9')
            q++;
        if (*q != '}') {
            *rep = 0;
            return 1;
        }
        min = 0;
        p = q + 1;
    } else if (*p == '{' && p[1] >= '0' && p[1] <= '9') {
        const char *q = p + 1;
        min = strtoul(q, (char **)&q, 10);
        if (*q == ',')
            for (q++; *q >= '0' && *q <= '9'; q++)
                ;
        if (*q != '}') {
            *rep = 0; /* not a quantifier: a literal '{' follows */
            return 1;
        }
        p = q + 1;
    } else {
        *rep = 0;
        return 1;
    }
    if (*p == '?' || *p == '+')
        p++;
    w->p = p;
    return min;
}

static void skip_class(struct walk *w)
{
    const char *p = w->p + 1;
    if (*p == '^')
        p++;
    if (*p == ']')
        p++;
    while (*p != '\0' && *p != ']') {
        if (*p == '\\' && p[1] != '\0') {
            p += 2;
        } else if (*p == '[' && p[1] == ':') {
            const char *e = strstr(p + 2, ":]");
            p = e ? e + 2 : p + 1;
        } else {
            p++;
        }
    }
    if (*p == '\0')
        w->fail = 1;
    else
        p++;
    w->p = p;
}

/* Skip the argument of a letter escape such as \x{...}, \p{..}, \k<name>. */
static void skip_escape_arg(struct walk *w, char e)
{
    const char *p = w->p;
    switch (e) {
    case 'x':
        if (*p == '{') {
            skip_past(w, '}');
            return;
        }
        for (int i = 0; i < 2 && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
                                  (*p >= 'A' && *p <= 'F'));
             i++)
            p++;
        break;
    case 'o':
    case 'N':
        if (*p == '{') {
            skip_past(w, '}');
            return;
        }
        break;
    case 'p':
    case 'P':
        if (*p == '{') {
            skip_past(w, '}');
            return;
        }
        if (*p != '\0')
            p++;
        break;
    case 'k':
    case 'g':
        if (*p == '{' || *p == '<' || *p == '\'') {
            w->p++;
            skip_past(w, *p == '{' ? '}' : *p == '<' ? '>' : '\'');
            return;
        }
        if (*p == '-' || *p == '+')
            p++;
        while (*p >= '0' && *p <= '9')
            p++;
        break;
    case 'c':
        if (*p != '\0')
            p++;
        break;
    case 'Q':
    case 'E':
        w->fail = 1;
        break;
    default:
        if (e >= '0' && e <= '9')
            while (*p >= '0' && *p <= '9')
                p++;
        break;
    }
    w->p = p;
}

/* One UTF-8 character at w->p into ch (lower-cased ASCII); its length, or 0
 * when it is unusable as a literal. */
static size_t take_char(struct walk *w, char ch[4])
{
    const unsigned char *p = (const unsigned char *)w->p;
    size_t n = p[0] < 0x80 ? 1 : p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC0 ? 2 : 1;
    size_t i;
    for (i = 0; i < n && p[i] != '\0'; i++)
        ch[i] = (char)p[i];
    w->p += i;
    if (i < n)
        return 0;
    if (n == 1)
        return p[0] < 0x80 ? (ch[0] = (char)ascii_lower(p[0]), 1) : 0;
    uint32_t cp = n == 2 ? (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F)
                  : n == 3
                      ? (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F)
                      : 0;
    /* CJK, kana, bopomofo, Yi, hangul and CJK punctuation have no case (the
     * blocks between them, e.g. Cyrillic Extended-B, do) */
    int caseless = (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
                   (cp >= 0xF900 && cp <= 0xFAFF);
    return caseless ? n : 0;
}

static void walk_alt(struct walk *w, struct altset *out, int *ok);

#define LIT_CLASSMAX 8 /* members of a character class read as alternatives */

/* A character class at w->p ('[') of a few plain characters ("[動动]"): 1
 * with its members in out and w->p past it; 0 (w->p unchanged) for any
 * other class: negated, ranges, escapes, POSIX names, or members that have
 * case variants the automaton would not fold. */
static int small_class(struct walk *w, struct altset *out)
{
    struct walk t = *w;
    t.p++;
    if (*t.p == '^' || *t.p == ']')
        return 0;
    *out = (struct altset){0, 0, NULL};
    while (*t.p != ']') {
        char ch[4];
        size_t n;
        if (*t.p == '\0' || *t.p == '\\' || *t.p == '[' || *t.p == '-' || out->n == LIT_CLASSMAX ||
            (n = take_char(&t, ch)) == 0 || altset_add(out, ch, n) != 0) {
            altset_free(out);
            return 0;
        }
    }
    w->p = t.p + 1;
    return 1;
}

/* Keep a copy of a required set of the top-level sequence (lit_derive_more)
 * when its literals are long enough to be rare. */
static void collect(struct walk *w, const struct altset *set)
{
    if (w->more == NULL || w->depth != 0 || w->nmore == LIT_MORESETS ||
        altset_score(set) < LIT_MOREMIN)
        return;
    struct altset *c = &w->more[w->nmore];
    *c = (struct altset){0, 0, NULL};
    for (size_t i = 0; i < set->n; i++)
        if (altset_add(c, set->s[i], strlen(set->s[i])) != 0) {
            altset_free(c);
            return;
        }
    w->nmore++;
}

/* A group at w->p ('('): sets *contributes when its text is part of the
 * match (not a lookaround), fills inner and iok with what it requires. */
static void walk_group(struct walk *w, struct altset *inner, int *iok, int *contributes)
{
    *iok = 0;
    *contributes = 1;
    w->p++;
    if (*w->p == '*') { /* (*VERB) */
        *contributes = 0;
        skip_past(w, ')');
        return;
    }
    if (*w->p == '?') {
        w->p++;
        char c = *w->p;
        if (c == ':' || c == '>' || c == '|') {
            w->p++;
        } else if (c == '=' || c == '!') {
            w->p++;
            *contributes = 0;
        } else if (c == '<' && (w->p[1] == '=' || w->p[1] == '!')) {
            w->p += 2;
            *contributes = 0;
        } else if (c == '<' || (c == 'P' && w->p[1] == '<')) {
            skip_past(w, '>');
        } else if (c == '\'') {
            w->p++;
            skip_past(w, '\'');
        } else if (c == '#') {
            *contributes = 0;
            skip_past(w, ')');
            return;
        } else {
            /* option setting: (?i) or (?i:...); extended mode defeats us */
            while ((*w->p >= 'a' && *w->p <= 'z') || (*w->p >= 'A' && *w->p <= 'Z') ||
                   *w->p == '-' || *w->p == '^') {
                if (*w->p == 'x')
                    w->fail = 1;
                w->p++;
            }
            if (*w->p == ')') {
                w->p++;
                *contributes = 0;
                return;
            }
            if (*w->p != ':') {
                w->fail = 1;
                return;
            }
            w->p++;
        }
    }
    if (w->depth >= LIT_MAXDEPTH) {
        w->fail = 1;
        return;
    }
    w->depth++;
    walk_alt(w, inner, iok);
    w->depth--;
    if (*w->p != ')')
        w->fail = 1;
    else
        w->p++;
}

#define LIT_RUNALTS 16 /* spellings of a run kept: classes and optional characters */

static void consider_run(struct altset *best, const char *run, size_t rl)
{
    size_t sb = altset_score(best);
    if (rl == 0 || rl < sb || (rl == sb && best->n <= 1))
        return;
    best->n = 0;
    if (altset_add(best, run, rl) != 0)
        best->n = 0;
}

static void collect_run(struct walk *w, const char *run, size_t rl)
{
    if (w->more == NULL || w->depth != 0 || w->nmore == LIT_MORESETS || rl < LIT_MOREMIN)
        return;
    struct altset *c = &w->more[w->nmore];
    *c = (struct altset){0, 0, NULL};
    if (altset_add(c, run, rl) == 0)
        w->nmore++;
    else
        altset_free(c);
}

/* A run of text the pattern requires: one spelling (most runs), or several
 * once a class or an optional character ("colou?r") gave it more. */
struct run {
    char one[LIT_MAXLEN + 1];
    size_t len;
    struct altset alts; /* the spellings when n > 0 (one is then unused) */
};

/* Every spelling of alts followed by ext[0..n); 0, or -1 (alts unchanged)
 * when that would make too many spellings or too long ones. */
static int alts_extend(struct altset *alts, const struct altset *ext)
{
    if (alts->n * ext->n > LIT_RUNALTS)
        return -1;
    struct altset next = {0, 0, NULL};
    for (size_t i = 0; i < alts->n; i++)
        for (size_t j = 0; j < ext->n; j++) {
            size_t a = strlen(alts->s[i]), b = strlen(ext->s[j]);
            char buf[LIT_MAXLEN + 1];
            if (a + b > LIT_MAXLEN) {
                altset_free(&next);
                return -1;
            }
            memcpy(buf, alts->s[i], a);
            memcpy(buf + a, ext->s[j], b);
            if (altset_add(&next, buf, a + b) != 0) {
                altset_free(&next);
                return -1;
            }
        }
    altset_free(alts);
    *alts = next;
    return 0;
}

/* The run ends: its spellings, when none is empty, are a required set (a
 * spelling that holds another is dropped: the shorter one is required
 * too).  The next run starts empty. */
static void run_end(struct walk *w, struct altset *best, struct run *r)
{
    struct altset *c = &r->alts;
    if (c->n == 0) {
        collect_run(w, r->one, r->len);
        consider_run(best, r->one, r->len);
        r->len = 0;
        return;
    }
    size_t len[LIT_RUNALTS];
    for (size_t i = 0; i < c->n; i++)
        len[i] = strlen(c->s[i]);
    for (size_t i = 0; i < c->n;) {
        size_t k = 0;
        while (k < c->n && (len[k] >= len[i] || strstr(c->s[i], c->s[k]) == NULL))
            k++;
        if (k < c->n) { /* s[i] holds s[k] */
            memmove(c->s + i, c->s + i + 1, (c->n - i - 1) * sizeof *c->s);
            memmove(len + i, len + i + 1, (c->n - i - 1) * sizeof *len);
            c->n--;
        } else {
            i++;
        }
    }
    if (altset_score(c) > 0) {
        collect(w, c);
        consider(best, c);
    }
    altset_free(c);
    r->len = 0;
}

/* The run continues with the character ch[0..chl). */
static void run_char(struct walk *w, struct altset *best, struct run *r, const char *ch, size_t chl)
{
    struct altset *c = &r->alts;
    if (c->n == 0) {
        if (r->len + chl > LIT_MAXLEN)
            run_end(w, best, r);
        memcpy(r->one + r->len, ch, chl);
        r->len += chl;
        return;
    }
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->s[i]) + chl > LIT_MAXLEN) {
            run_end(w, best, r);
            run_char(w, best, r, ch, chl);
            return;
        }
    for (size_t i = 0; i < c->n; i++)
        strncat(c->s[i], ch, chl);
}

/* The run continues with one of ext (or, when optional, nothing). */
static void run_alts(struct walk *w, struct altset *best, struct run *r, struct altset *ext,
                     int optional)
{
    struct altset *c = &r->alts;
    if ((optional && altset_add(ext, "", 0) != 0) ||
        (c->n == 0 && altset_add(c, r->one, r->len) != 0)) {
        run_end(w, best, r);
        return;
    }
    if (alts_extend(c, ext) != 0) {
        run_end(w, best, r);
        if (altset_add(c, "", 0) != 0 || alts_extend(c, ext) != 0)
            run_end(w, best, r);
    }
}

static void walk_seq(struct walk *w, struct altset *best, int *ok)
{
    struct run r;
    r.len = 0;
    r.alts = (struct altset){0, 0, NULL};
    int rep;
    *best = (struct altset){0, 0, NULL};
    while (!w->fail && *w->p != '\0' && *w->p != '|' && *w->p != ')') {
        char c = *w->p;
        if (c == '(') {
            struct altset inner = {0, 0, NULL};
            int iok, contributes;
            walk_group(w, &inner, &iok, &contributes);
            unsigned long min = contributes ? quantifier(w, &rep) : 0;
            run_end(w, best, &r);
            if (contributes && iok && min >= 1) {
                collect(w, &inner);
                consider(best, &inner);
            }
            altset_free(&inner);
            continue;
        }
        struct altset cls;
        if (c == '[' && small_class(w, &cls)) { /* its members continue the run */
            int opt = *w->p == '?';
            unsigned long min = quantifier(w, &rep);
            if (min >= 1 || opt)
                run_alts(w, best, &r, &cls, min == 0);
            if (min == 0 ? !opt : rep)
                run_end(w, best, &r);
            altset_free(&cls);
            continue;
        }
        if (c == '[' || c == '.' || c == '^' || c == '$') {
            if (c == '[')
                skip_class(w);
            else
                w->p++;
            if (c == '[' || c == '.')
                quantifier(w, &rep);
            run_end(w, best, &r);
            continue;
        }
        char ch[4];
        size_t chl;
        if (c == '\\') {
            char e = w->p[1];
            if (e == '\0') {
                w->fail = 1;
                break;
            }
            if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
                w->p += 2;
                skip_escape_arg(w, e);
                quantifier(w, &rep);
                run_end(w, best, &r);
                continue;
            }
            w->p++;
        }
        chl = take_char(w, ch);
        int opt = *w->p == '?';
        unsigned long min = quantifier(w, &rep);
        if (chl == 0 || (min == 0 && !opt)) {
            run_end(w, best, &r);
            continue;
        }
        if (min >= 1) {
            run_char(w, best, &r, ch, chl);
            if (rep)
                run_end(w, best, &r);
            continue;
        }
        struct altset one = {0, 0, NULL}; /* "u?": with it and without */
        if (altset_add(&one, ch, chl) != 0) {
            w->fail = 1;
            break;
        }
        run_alts(w, best, &r, &one, 1);
        altset_free(&one);
    }
    run_end(w, best, &r);
    altset_free(&r.alts);
    *ok = best->n > 0 && altset_score(best) >= LIT_MINLEN;
}

static void walk_alt(struct walk *w, struct altset *out, int *ok)
{
    int all = 1;
    *out = (struct altset){0, 0, NULL};
    for (;;) {
        struct altset br;
        int bok;
        if (w->depth == 0)
            w->branches++;
        walk_seq(w, &br, &bok);
        if (!bok)
            all = 0;
        for (size_t i = 0; all && i < br.n; i++)
            if (altset_add(out, br.s[i], strlen(br.s[i])) != 0)
                all = 0;
        altset_free(&br);
        if (w->fail || *w->p != '|')
            break;
        w->p++;
    }
    *ok = all && !w->fail && out->n > 0;
}

static int same_set(const struct altset *x, const struct altset *y)
{
    if (x->n != y->n)
        return 0;
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->s[i], y->s[i]) != 0)
            return 0;
    return 1;
}

size_t lit_derive_all(const char *pattern, char (**out)[LIT_MAXLEN + 1],
                      char (**more)[LIT_MAXLEN + 1], size_t *setlen, size_t max, size_t *nsets)
{
    struct altset sets[LIT_MORESETS], set;
    struct walk w = {pattern, 0, 0, max > 0 ? sets : NULL, 0, 0};
    int ok = 0;
    walk_alt(&w, &set, &ok);
    *out = NULL;
    *more = NULL;
    *nsets = 0;
    if (!ok || *w.p != '\0') {
        for (size_t i = 0; i < w.nmore; i++)
            altset_free(&sets[i]);
        altset_free(&set);
        return 0;
    }
    /* only a pattern that is one sequence needs each of its sets; the best
     * sets first (longest shortest literal), the main set left out */
    int pick[LIT_MORESETS] = {0};
    size_t nlits = 0;
    while (w.branches == 1 && *nsets < max) {
        size_t best = LIT_MORESETS;
        for (size_t i = 0; i < w.nmore; i++)
            if (!pick[i] && !same_set(&sets[i], &set) &&
                (best == LIT_MORESETS || altset_score(&sets[i]) > altset_score(&sets[best])))
                best = i;
        if (best == LIT_MORESETS)
            break;
        pick[best] = 1 + (int)*nsets;
        setlen[(*nsets)++] = sets[best].n;
        nlits += sets[best].n;
    }
    if (*nsets > 0 && (*more = malloc(nlits * sizeof **more)) == NULL)
        *nsets = 0;
    for (size_t k = 0, at = 0; k < *nsets; k++)
        for (size_t i = 0; i < w.nmore; i++)
            if (pick[i] == 1 + (int)k) {
                memcpy(*more + at, sets[i].s, sets[i].n * sizeof **more);
                at += sets[i].n;
            }
    for (size_t i = 0; i < w.nmore; i++)
        altset_free(&sets[i]);
    *out = set.s;
    return set.n;
}

size_t lit_derive(const char *pattern, char (**out)[LIT_MAXLEN + 1])
{
    char(*more)[LIT_MAXLEN + 1];
    size_t nsets;
    return lit_derive_all(pattern, out, &more, NULL, 0, &nsets);
}

size_t lit_derive_more(const char *pattern, char (**out)[LIT_MAXLEN + 1], size_t *setlen,
                       size_t max)
{
    char(*set)[LIT_MAXLEN + 1];
    size_t nsets;
    lit_derive_all(pattern, &set, out, setlen, max, &nsets);
    free(set);
    return nsets;
}

/* Unsafe to split: anything whose meaning reaches across alternatives
 * (back references, recursion, option settings, verbs, quoting). */
static int split_unsafe(const char *p)
{
    for (; *p; p++) {
        if (*p == '\\' && p[1] != '\0') {
            p++;
            if ((*p >= '1' && *p <= '9') || *p == 'g' || *p == 'k' || *p == 'Q')
                return 1;
        } else if (*p == '(' &&
                   (p[1] == '*' || (p[1] == '?' && strchr(":=!<>'#P", p[2]) == NULL))) {
            return 1;
        } else if (*p == '(' && p[1] == '?' &&
                   (p[2] == 'P' || (p[2] == '<' && p[3] != '=' && p[3] != '!'))) {
            return 1; /* named groups: a name may be used twice across alternatives */
        }
    }
    return 0;
}

size_t lit_branches(const char *pattern, size_t *start, size_t *len, size_t max)
{
    if (split_unsafe(pattern))
        return 0;
    struct walk w = {pattern, 0, 0, NULL, 0, 0};
    size_t n = 0, b = 0;
    int depth = 0;
    while (*w.p != '\0' && !w.fail) {
        char c = *w.p;
        if (c == '\\') {
            w.p += w.p[1] != '\0' ? 2 : 1;
            continue;
        }
        if (c == '[') {
            skip_class(&w);
            continue;
        }
        if (c == '(')
            depth++;
        else if (c == ')')
            depth--;
        else if (c == '|' && depth == 0) {
            if (start != NULL && n < max) {
                start[n] = b;
                len[n] = (size_t)(w.p - pattern) - b;
            }
            n++;
            b = (size_t)(w.p - pattern) + 1;
        }
        w.p++;
    }
    if (w.fail || depth != 0)
        return 0;
    if (start != NULL && n < max) {
        start[n] = b;
        len[n] = strlen(pattern) - b;
    }
    return n + 1;
}
