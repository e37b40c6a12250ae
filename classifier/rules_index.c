/*
 * rules_index.c - the indexes of a rule set (see ruleset.h): a rule's text
 * is compiled into "units" (one per top-level alternative when it splits),
 * each with the literals it provably needs in the prefilter automaton, and
 * every rule is indexed by one matcher it cannot match without: its
 * literals, else its status pattern, reply pattern or host list (one hash
 * table of keys such as "s:5.1.*", "r:55?", "h:163.com"); a rule with none
 * of them is a candidate for every recipient.  Of a 50-phrase rule only the
 * phrases whose words occur are then run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruleset.h"

/* A rule's text pattern, compiled now unless the cache knows it compiles
 * (then when first matched); NULL with a message in err if it is invalid. */
rx *ruleset_index_compile(struct ruleset *rs, const char *pattern, char *err, size_t errlen)
{
    rx *r;
    if (rxcache_known(rs->cache, pattern, RX_CASELESS)) {
        if ((r = rx_lazy(pattern, RX_CASELESS)) == NULL)
            snprintf(err, errlen, "out of memory");
        return r;
    }
    if ((r = rx_compile(pattern, RX_CASELESS, err, errlen)) != NULL)
        rxcache_add(rs->cache, pattern, RX_CASELESS);
    return r;
}

/* A new unit of rule idx matching with r (owned from now on); its number,
 * or -1 on memory exhaustion (r is then freed). */
static long add_unit(struct ruleset *rs, uint32_t idx, rx *r, int always)
{
    if (rs->nunits == rs->unitcap) {
        size_t cap = rs->unitcap ? 2 * rs->unitcap : 256;
        struct unit *nu = realloc(rs->units, cap * sizeof *nu);
        if (nu == NULL) {
            rx_free(r);
            return -1;
        }
        rs->units = nu;
        rs->unitcap = cap;
    }
    rs->units[rs->nunits] = (struct unit){r, idx, always, 0, 0};
    struct rule *ru = &rs->rules[idx];
    if (ru->nunit++ == 0)
        ru->unit0 = (uint32_t)rs->nunits;
    return (long)rs->nunits++;
}

static int add_literals(struct ruleset *rs, char (*lits)[LIT_MAXLEN + 1], size_t n, uint32_t unit)
{
    for (size_t i = 0; i < n; i++)
        if (litset_add(rs->lits, lits[i], strlen(lits[i]), unit) != 0)
            return -1;
    return 0;
}

/* What a pattern provably needs: any one of lits (none: nothing could be
 * proven), and one of each further set (at most two; more holds them set
 * after set, setlen their sizes). */
struct derived {
    char (*lits)[LIT_MAXLEN + 1];
    size_t n;
    char (*more)[LIT_MAXLEN + 1];
    size_t setlen[2], nsets;
};

static void derive(const char *pattern, struct derived *d)
{
    d->n = lit_derive_all(pattern, &d->lits, &d->more, d->setlen, 2, &d->nsets);
}

static void derived_free(struct derived *d)
{
    free(d->lits);
    free(d->more);
    d->lits = d->more = NULL;
    d->n = d->nsets = 0;
}

/* Give unit u the further literal sets of d: the prefilter then lets the
 * unit through only when each set has a hit too.  0, or -1 on memory
 * exhaustion. */
static int add_more(struct ruleset *rs, uint32_t u, const struct derived *d)
{
    rs->units[u].more0 = rs->ngroups;
    rs->units[u].nmore = (uint32_t)d->nsets;
    for (size_t k = 0, at = 0; k < d->nsets; k++, rs->ngroups++)
        for (size_t i = 0; i < d->setlen[k]; i++, at++) {
            if (rs->nmore == rs->morecap) {
                size_t cap = rs->morecap ? 2 * rs->morecap : 64;
                struct more_lit *nm = realloc(rs->more, cap * sizeof *nm);
                if (nm == NULL)
                    return -1;
                rs->more = nm;
                rs->morecap = cap;
            }
            const char *l = arena_strdup(rs->a, d->more[at]);
            if (l == NULL)
                return -1;
            rs->more[rs->nmore++] = (struct more_lit){l, rs->ngroups};
        }
    return 0;
}

/* Split text (alternatives br) at its top-level '|' into units, each with
 * the literals it provably needs, else the given ones (every match of the
 * whole pattern has one), else none.  1 if split and every unit has
 * literals, 2 if split with units that always run, 0 if the pattern is
 * better kept whole, -1 on memory exhaustion. */
static int split_units(struct ruleset *rs, uint32_t idx, const char *text,
                       const struct branches *br, const char **given, size_t ngiven)
{
    size_t nb = br->n;
    if (nb < 2)
        return 0;
    int kept = nb <= BRANCHES_KEPT;
    const size_t *start = br->start, *len = br->len;
    size_t *bstart = kept ? NULL : malloc(nb * sizeof *bstart);
    size_t *blen = kept ? NULL : malloc(nb * sizeof *blen);
    if (!kept) {
        start = bstart;
        len = blen;
    }
    struct derived *d = calloc(nb, sizeof *d);
    rx **rxs = calloc(nb, sizeof *rxs);
    int ok = start && len && d && rxs && (kept || lit_branches(text, bstart, blen, nb) == nb);
    size_t with = 0;
    for (size_t b = 0; ok && b < nb; b++) {
        char err[256], *sub = strndup(text + start[b], len[b]);
        ok = sub != NULL && (rxs[b] = ruleset_index_compile(rs, sub, err, sizeof err)) != NULL;
        if (ok)
            derive(sub, &d[b]);
        with += d[b].n > 0;
        free(sub);
    }
    int rc = !ok || with == 0 ? 0 : with == nb || ngiven > 0 ? 1 : 2;
    for (size_t b = 0; rc > 0 && b < nb; b++) {
        long u = add_unit(rs, idx, rxs[b], d[b].n == 0 && ngiven == 0);
        rxs[b] = NULL;
        if (u < 0 || add_literals(rs, d[b].lits, d[b].n, (uint32_t)u) != 0 ||
            add_more(rs, (uint32_t)u, &d[b]) != 0)
            rc = -1;
        for (size_t i = 0; rc > 0 && d[b].n == 0 && i < ngiven; i++)
            if (litset_add(rs->lits, given[i], strlen(given[i]), (uint32_t)u) != 0)
                rc = -1;
    }
    for (size_t b = 0; d != NULL && rxs != NULL && b < nb; b++) {
        derived_free(&d[b]);
        rx_free(rxs[b]);
    }
    free(bstart);
    free(blen);
    free(d);
    free(rxs);
    return rc;
}

/* See ruleset.h.  A pattern that splits is only ever compiled per
 * alternative (that they all compile proves the whole valid: nothing that
 * reaches across alternatives is split), which halves the start-up cost of
 * large rules. */
int ruleset_index_text(struct ruleset *rs, uint32_t idx, const char *text,
                       const struct branches *br, const char **given, size_t ngiven, char *rxerr,
                       size_t rxerrlen)
{
    for (size_t i = 0; i < ngiven; i++)
        if (*given[i] == '\0')
            return 2;
    struct rule *r = &rs->rules[idx];
    int split = split_units(rs, idx, text, br, given, ngiven);
    if (split < 0)
        return -1;
    if (split) {
        rx_free(r->text);
        r->text = NULL;
        return split == 1;
    }
    if (r->text == NULL && (r->text = ruleset_index_compile(rs, text, rxerr, rxerrlen)) == NULL)
        return 3;
    struct derived d;
    derive(text, &d);
    size_t n = d.n;
    if (n > 0)
        ngiven = 0;
    long u = add_unit(rs, idx, r->text, n == 0 && ngiven == 0);
    rs->rules[idx].text = NULL;
    int rc = u >= 0 && add_literals(rs, d.lits, n, (uint32_t)u) == 0 &&
                     add_more(rs, (uint32_t)u, &d) == 0
                 ? 0
                 : -1;
    derived_free(&d);
    for (size_t i = 0; rc == 0 && i < ngiven; i++)
        if (litset_add(rs->lits, given[i], strlen(given[i]), (uint32_t)u) != 0)
            rc = -1;
    return rc < 0 ? -1 : n > 0 || ngiven > 0;
}

static int index_key(struct ruleset *rs, const char *key, uint32_t rule)
{
    long p = strtab_get(&rs->keytab, key);
    if (p < 0) {
        struct postings *np = realloc(rs->posts, (rs->nposts + 1) * sizeof *np);
        if (np == NULL)
            return -1;
        rs->posts = np;
        p = (long)rs->nposts++;
        memset(&rs->posts[p], 0, sizeof rs->posts[p]);
        const char *k = arena_strdup(rs->a, key);
        if (k == NULL || strtab_put(&rs->keytab, k, (uint32_t)p) != 0)
            return -1;
    }
    struct postings *ps = &rs->posts[p];
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 4;
        uint32_t *nv = realloc(ps->v, cap * sizeof *nv);
        if (nv == NULL)
            return -1;
        ps->v = nv;
        ps->cap = cap;
    }
    ps->v[ps->n++] = rule;
    return 0;
}

/* The mask (as candidates() spells it: bit i for a wildcard field i) of a
 * normalised status ("5.1.*"), as a set bit. */
static uint8_t status_shape(const char *st)
{
    unsigned mask = 0;
    for (int i = 0; i < 3; i++) {
        if (st[0] == '*' && (st[1] == '.' || st[1] == '\0'))
            mask |= 1u << i;
        st += strcspn(st, ".");
        if (*st == '.')
            st++;
    }
    return (uint8_t)(1u << mask);
}

/* The same for a normalised reply ("55?"). */
static uint8_t reply_shape(const char *reply)
{
    unsigned mask = 0;
    for (int i = 0; i < 3; i++)
        if (reply[i] == '?')
            mask |= 1u << i;
    return (uint8_t)(1u << mask);
}

/* Index rule i by one matcher it cannot match without (by_text: its
 * literals are already in the automaton). */
int ruleset_index_rule(struct ruleset *rs, uint32_t i, int by_text)
{
    struct rule *r = &rs->rules[i];
    char key[300];
    if (by_text)
        return 0;
    if (r->status != NULL) {
        snprintf(key, sizeof key, "s:%s", r->status);
        rs->have_status = 1;
        rs->status_shapes |= status_shape(r->status);
        return index_key(rs, key, i);
    }
    if (r->reply[0] != '\0') {
        snprintf(key, sizeof key, "r:%s", r->reply);
        rs->have_reply = 1;
        rs->reply_shapes |= reply_shape(r->reply);
        return index_key(rs, key, i);
    }
    if (r->nhosts > 0) {
        rs->have_host = 1;
        for (size_t h = 0; h < r->nhosts; h++) {
            snprintf(key, sizeof key, "h:%s", r->hosts[h]);
            if (index_key(rs, key, i) != 0)
                return -1;
        }
        return 0;
    }
    rs->always[i >> 6] |= (uint64_t)1 << (i & 63);
    return 0;
}
