/*
 * literals.h - the multi-literal prefilter of the rule set: every rule's
 * literals in one Aho-Corasick automaton, so that one pass over a text says
 * which rules can possibly match and only their regexes are run.
 *
 *     litset *ls = litset_new();
 *     litset_add(ls, "dt:spm", 6, 17);        (value 17: a rule number)
 *     litset_build(ls);
 *     litset_scan(ls, text, len, bits);       (sets bit 17 if "DT:SPM" occurs)
 *
 * Literals are matched ASCII-case-insensitively; other bytes (UTF-8) as is.
 * The automaton holds a long literal's prefix only (so that it stays small)
 * and compares the rest where the prefix is found.  Bytes >= 0x80 share a
 * few classes, which can only add hits: a prefilter may say "maybe", never
 * miss.
 * A built set is read-only and may be scanned by any number of threads.
 * lit_derive() finds literals that a regex cannot match without, and
 * lit_branches() its top-level alternatives.
 */
#ifndef LITERALS_H
#define LITERALS_H

#include <stddef.h>
#include <stdint.h>

typedef struct litset litset;

/* The eight bytes x with ASCII capitals lowered, all at once (SWAR). */
static inline uint64_t lit_fold8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t seven = x & ~high;
    uint64_t ge_a = seven + ones * (0x80 - 'A'); /* high bit: >= 'A' */
    uint64_t gt_z = seven + ones * (0x7f - 'Z'); /* high bit: > 'Z' */
    uint64_t upper = (ge_a ^ gt_z) & ~x & high;
    return x | upper >> 2;
}

/* A new empty set; NULL on memory exhaustion. */
litset *litset_new(void);

/* Release a set (NULL is fine). */
void litset_free(litset *ls);

/* Add lit[0..len) (len > 0) reporting value; 0, or -1 on memory exhaustion. */
int litset_add(litset *ls, const char *lit, size_t len, uint32_t value);

/* Build the automaton after the last add; 0, or -1 on memory exhaustion. */
int litset_build(litset *ls);

/* Set bit v of bits (64 values per word) for every literal found in text. */
void litset_scan(const litset *ls, const char *text, size_t len, uint64_t *bits);

/* Number of automaton states (for benchmarks and tests). */
size_t litset_states(const litset *ls);

#define LIT_MAXALTS 512 /* most alternatives lit_derive returns */
#define LIT_MAXLEN 64   /* longest literal lit_derive returns */

/* Literals that pattern (a valid PCRE2 pattern, matched caselessly) needs:
 * every match contains at least one of them.  Returns their number and sets
 * *out to a malloc'ed array of them (lower-cased, NUL-terminated; the caller
 * frees it), or returns 0 (*out NULL) when no useful literal can be proven:
 * the regex must then always run. */
size_t lit_derive(const char *pattern, char (**out)[LIT_MAXLEN + 1]);

/* Further literal sets that pattern (one top-level sequence, no '|')
 * needs besides the one lit_derive() returns: every match contains a
 * literal of each set.  Sets whose literals are all 3+ bytes, best first;
 * returns their number (at most max), sets *out to their literals set
 * after set (malloc'ed, the caller frees it; NULL when none) and
 * setlen[i] to the size of set i.  A prefilter can ask for all of them. */
size_t lit_derive_more(const char *pattern, char (**out)[LIT_MAXLEN + 1], size_t *setlen,
                       size_t max);

/* lit_derive() and lit_derive_more() in one walk of pattern: returns what
 * lit_derive() returns (its literals in *out), and sets *more, setlen and
 * *nsets as lit_derive_more() does (none when the first are none; setlen
 * may be NULL when max is 0). */
size_t lit_derive_all(const char *pattern, char (**out)[LIT_MAXLEN + 1],
                      char (**more)[LIT_MAXLEN + 1], size_t *setlen, size_t max, size_t *nsets);

/* The top-level alternatives of pattern: their number (1 when there is no
 * top-level '|'), and the first max of them as offsets and lengths when
 * start/len are not NULL; 0 when the pattern must not be split (back
 * references, option settings, named groups, verbs). */
size_t lit_branches(const char *pattern, size_t *start, size_t *len, size_t max);

#endif
