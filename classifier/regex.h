/*
 * regex.h - PCRE2 patterns compiled once (JIT when available) and matched
 * with hard limits.
 *
 * A compiled rx is read-only and shared by all threads.  Matching needs an
 * rx_scratch, which holds the per-thread match data and JIT stack: make one
 * per classifier (one per message in flight), never share it between threads.
 * Subjects are UTF-8 that may be invalid; patterns are compiled with
 * PCRE2_MATCH_INVALID_UTF so bad bytes simply never match.
 */
#ifndef REGEX_H
#define REGEX_H

#include <stddef.h>

typedef struct rx rx;
typedef struct rx_scratch rx_scratch;

#define RX_CASELESS 1u  /* case-insensitive (the usual for bounce text) */
#define RX_MULTILINE 2u /* ^ and $ match at line breaks */

#define RX_MAXGROUPS 10 /* capture groups reported by rx_match */

typedef struct rx_match {
    size_t start[RX_MAXGROUPS]; /* offset of group i, or (size_t)-1 if unset */
    size_t end[RX_MAXGROUPS];
    int ngroups; /* groups set, including group 0 */
} rx_match;

/* Compile pattern; NULL with a message (offset included) in err on error. */
rx *rx_compile(const char *pattern, unsigned flags, char *err, size_t errlen);

/* A pattern known to compile with these flags (rxcache.h), compiled when it
 * is first matched (or asked for a group); NULL on memory exhaustion.  If
 * it does not compile after all, every match is an error (-1). */
rx *rx_lazy(const char *pattern, unsigned flags);

/* PCRE2's version string into buf (64 bytes or more); its length, or 0. */
size_t rx_version(char *buf, size_t len);

/* Release a compiled pattern (NULL is fine). */
void rx_free(rx *r);

/* Number of the named group in r, or -1. */
int rx_group(const rx *r, const char *name);

/* Per-thread match state; NULL on memory exhaustion. */
rx_scratch *rx_scratch_new(void);

/* Let s know how much work has been done with the patterns it matches (a
 * count of messages, shared by all scratches of one rule set, counted
 * atomically by their owners): until it is large, only often matched
 * patterns are JIT-compiled, as a short run does not repay compiling them.
 * count stays valid while s is used; NULL (the default) means no warm-up. */
void rx_scratch_warmup(rx_scratch *s, const size_t *count);

/* Release match state (NULL is fine). */
void rx_scratch_free(rx_scratch *s);

/* A block of at least size bytes kept by s for its caller (one memo per
 * thread, e.g. the last answer of an expensive search): it starts zeroed,
 * keeps its bytes between calls and is zeroed again when a larger size is
 * asked for.  Freed with s; NULL if s is NULL or memory is out. */
void *rx_scratch_memo(rx_scratch *s, size_t size);

/* Search subj[start..len) for r; 1 if found (m filled when not NULL), 0 if
 * not, -1 on a match error such as the match limit. */
int rx_search(const rx *r, rx_scratch *s, const char *subj, size_t len, size_t start, rx_match *m);

#endif
