/*
 * ruleset.h - the layout of a loaded rule set, shared by the three parts of
 * the rules module (rules.h is its API):
 *
 *   rules.c        reads and checks the rules files, owns and frees the set
 *   rules_index.c  compiles each text into units with their literals and
 *                  indexes every rule by a matcher it cannot match without
 *   rules_match.c  finds the deciding rule for one recipient's evidence
 *
 * Nothing else includes it.
 */
#ifndef RULESET_H
#define RULESET_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "literals.h"
#include "regex.h"
#include "rules.h"
#include "rxcache.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NCLASSES 34 /* the classes of TAXONOMY.md, named in rules.c */

struct rule {
    rule_info info; /* what the classifier sees */
    rule_doc doc;
    size_t file; /* index of the file it came from */
    int line;
    int specificity;    /* matchers besides the text: the more, the narrower */
    const char **beats; /* ids while loading */
    int beat_line;
    uint32_t *beaten; /* after loading: the indexes of the rules it beats */
    size_t nbeats;
    rx *text;                  /* while loading; then owned by its units */
    uint32_t unit0, nunit;     /* its text matcher: units[unit0 .. unit0 + nunit) */
    const char *status;        /* normalised "5.1.*", or NULL */
    const char *unless_status; /* a status that keeps the rule from matching */
    int temporary;             /* matches only a temporary failure */
    char reply[4];             /* normalised "55?", or "" */
    const char **hosts;
    size_t nhosts;
    const char *mta, *kind, *action, *feedback, *command; /* NULL: not matched on */
};

/* A text matcher, or one top-level alternative of one: a rule's text
 * holds when any of its units matches.  Splitting a long alternation lets
 * the prefilter run only the alternatives whose literals occur. */
struct unit {
    rx *rx;
    uint32_t rule;
    int always;            /* no literal: run whenever the rule is evaluated */
    uint32_t more0, nmore; /* further literal sets it needs: groups more0.. */
};

/* A literal of a further set (group) of some unit, added to the prefilter
 * once the number of units is known (a group reports nunits + group). */
struct more_lit {
    const char *lit;
    uint32_t group;
};

/* String -> number table, open addressing; keys are owned elsewhere. */
struct strtab {
    size_t cap, n;
    const char **keys;
    uint32_t *vals;
};

/* Rules that share an index key. */
struct postings {
    uint32_t *v;
    size_t n, cap;
};

struct ruleset {
    arena *a;       /* every string and small array of the set */
    rxcache *cache; /* while loading: the patterns known to compile (may be NULL) */
    rule_class classes[NCLASSES];
    rule_detail *details;
    size_t ndetails;
    struct strtab detail_tab;
    struct rule *rules;
    size_t nrules, cap;
    struct unit *units;
    size_t nunits, unitcap;
    struct more_lit *more; /* until the prefilter is built */
    size_t nmore, morecap;
    uint32_t ngroups;
    /* indexes */
    size_t nwords;  /* 64-bit words in a rule bitmap */
    size_t nuwords; /* the same for a unit bitmap */
    uint64_t *always;
    litset *lits;
    struct strtab keytab;
    struct postings *posts;
    size_t nposts;
    int have_host, have_status, have_reply;
    /* status and reply keys by which fields are wildcards (bit m: the
     * fields of mask m, as candidates() spells them): the others are never
     * looked up */
    uint8_t status_shapes, reply_shapes;
    struct strtab sources; /* ids of the `sources` entries */
};

/* String -> number table, open addressing (keys are owned elsewhere). */
static inline uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static inline long strtab_get(const struct strtab *t, const char *key)
{
    if (t->cap == 0)
        return -1;
    for (size_t i = hash_str(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (t->keys[i] == NULL)
            return -1;
        if (strcmp(t->keys[i], key) == 0)
            return t->vals[i];
    }
}

static inline int strtab_put(struct strtab *t, const char *key, uint32_t val)
{
    if (2 * (t->n + 1) > t->cap) {
        struct strtab nt = {t->cap ? 2 * t->cap : 64, 0, NULL, NULL};
        nt.keys = calloc(nt.cap, sizeof *nt.keys);
        nt.vals = calloc(nt.cap, sizeof *nt.vals);
        if (nt.keys == NULL || nt.vals == NULL) {
            free(nt.keys);
            free(nt.vals);
            return -1;
        }
        for (size_t i = 0; i < t->cap; i++)
            if (t->keys[i] != NULL)
                strtab_put(&nt, t->keys[i], t->vals[i]);
        free(t->keys);
        free(t->vals);
        *t = nt;
    }
    size_t i = hash_str(key) & (t->cap - 1);
    while (t->keys[i] != NULL && strcmp(t->keys[i], key) != 0)
        i = (i + 1) & (t->cap - 1);
    if (t->keys[i] == NULL)
        t->n++;
    t->keys[i] = key;
    t->vals[i] = val;
    return 0;
}

static inline void strtab_free(struct strtab *t)
{
    free(t->keys);
    free(t->vals);
}

#define BRANCHES_KEPT 128 /* alternatives whose place load_rule keeps */

/* A text's top-level alternatives (lit_branches): their number, and where
 * the first BRANCHES_KEPT are. */
struct branches {
    size_t n;
    size_t start[BRANCHES_KEPT], len[BRANCHES_KEPT];
};

/* A rule's text pattern, compiled now unless the cache knows it compiles
 * (then when first matched); NULL with a message in err if it is invalid. */
rx *ruleset_index_compile(struct ruleset *rs, const char *pattern, char *err, size_t errlen);

/* Give rule idx its text units and their literals: per alternative when
 * the pattern (alternatives br) splits, else the literals the whole
 * pattern provably needs, else the given ones, else none (the unit always
 * runs).  1 when the rule is fully indexed by the automaton, 0 when not, 2
 * for an empty given literal, 3 for an invalid pattern (message in rxerr),
 * -1 on memory exhaustion. */
int ruleset_index_text(struct ruleset *rs, uint32_t idx, const char *text,
                       const struct branches *br, const char **given, size_t ngiven, char *rxerr,
                       size_t rxerrlen);

/* Index rule i by one key it cannot match without (by_text: its text
 * units are in the automaton already).  0, or -1 on memory exhaustion. */
int ruleset_index_rule(struct ruleset *rs, uint32_t i, int by_text);

#endif
