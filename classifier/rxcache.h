/*
 * rxcache.h - the patterns known to compile, remembered between runs so
 * that a rule set can skip compiling them at load (regex.h rx_lazy) and
 * still reject an invalid one with its file and line.
 *
 *     rxcache *c = rxcache_open(path);          (path NULL: no cache)
 *     if (rxcache_known(c, pattern, flags)) ... rx_lazy(); else rx_compile()
 *     rxcache_add(c, pattern, flags);           (it compiled)
 *     rxcache_close(c);                         (saves what was learnt)
 *
 * A pattern is known by a 64-bit hash of itself, its flags and the PCRE2
 * version, so that an edited rule or another PCRE2 is simply not known.
 * Only patterns that compiled are ever added: an invalid pattern is never
 * known and is compiled (and rejected) at every load.  A missing, damaged
 * or foreign cache file reads as empty; saving is best effort, atomic
 * (a temporary file renamed over the old one) and bounded in size.
 */
#ifndef RXCACHE_H
#define RXCACHE_H

#include <stddef.h>

typedef struct rxcache rxcache;

/* The cache kept in path (NULL: one that remembers nothing between runs);
 * NULL on memory exhaustion, which callers treat as no cache. */
rxcache *rxcache_open(const char *path);

/* 1 if pattern with flags (RX_*) compiled before (c may be NULL: 0). */
int rxcache_known(rxcache *c, const char *pattern, unsigned flags);

/* Remember that pattern with flags compiled (c may be NULL). */
void rxcache_add(rxcache *c, const char *pattern, unsigned flags);

/* Save the cache if patterns were added, then release it (NULL is fine). */
void rxcache_close(rxcache *c);

/* The default cache file: $BOUNCE_CACHE when set (empty: none), else
 * $XDG_CACHE_HOME or $HOME/.cache, then /bounce-milter/regex-ok; NULL when
 * there is none: also when running as root or when that directory
 * ($XDG_CACHE_HOME or $HOME) cannot be written.  buf holds the path. */
const char *rxcache_default_path(char *buf, size_t buflen);

#endif
