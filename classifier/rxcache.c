/*
 * rxcache.c - the file of patterns known to compile (rxcache.h).
 *
 * The file is a header (magic, the seed it was made with, the number of
 * entries and a checksum of them) and the entries: sorted 64-bit hashes.
 * It is read in one go and believed only if every part of it checks out;
 * anything else (another PCRE2 version, a truncated write, garbage) reads
 * as an empty cache, which costs only the compilations it would have
 * saved.  A hash names one pattern, its flags and the PCRE2 version, so a
 * stale entry can only be one that no rule asks for any more.  Saving
 * keeps the patterns of this load first, then older ones up to the cap, so
 * that a file shared by several rule sets stays bounded.
 */
#include "rxcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regex.h"

#define RXCACHE_MAGIC "BCRXOK2\n"
#define RXCACHE_MAX 16384 /* entries kept in the file (128 KB) */

struct header {
    char magic[8];
    uint64_t seed; /* hash of the file format and the PCRE2 version */
    uint64_t n;    /* entries that follow */
    uint64_t sum;  /* checksum of the entries */
};

struct rxcache {
    char *path;    /* NULL: nothing is read or saved */
    uint64_t seed; /* as in the header, for this process */
    uint64_t *old; /* the file's entries, sorted */
    size_t nold;
    uint64_t *used; /* this load's patterns, known or added */
    size_t nused, capused;
    int added; /* some pattern was not known */
};

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ h >> 33;
}

/* Hash of s[0..n), eight bytes at a time (a load is a hash's cost). */
static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
    h ^= n * 0x9e3779b97f4a7c15ull;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    return mix(h ^ w);
}

static uint64_t checksum(uint64_t seed, const uint64_t *v, size_t n)
{
    uint64_t h = seed;
    for (size_t i = 0; i < n; i++)
        h = mix(h ^ v[i]) + i;
    return h;
}

static uint64_t pattern_hash(const rxcache *c, const char *pattern, unsigned flags)
{
    return hash_bytes(c->seed ^ mix(flags + 1), pattern, strlen(pattern));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The entries of the file at c->path into c->old, if it is sound. */
static void read_file(rxcache *c)
{
    int fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return;
    struct stat st;
    struct header h;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof h ||
        read(fd, &h, sizeof h) != (ssize_t)sizeof h || memcmp(h.magic, RXCACHE_MAGIC, 8) != 0 ||
        h.seed != c->seed || h.n == 0 || h.n > RXCACHE_MAX ||
        (uint64_t)st.st_size != sizeof h + h.n * sizeof(uint64_t)) {
        close(fd);
        return;
    }
    uint64_t *v = malloc(h.n * sizeof *v);
    size_t want = h.n * sizeof *v;
    int ok = v != NULL && read(fd, v, want) == (ssize_t)want && checksum(c->seed, v, h.n) == h.sum;
    for (size_t i = 1; ok && i < h.n; i++)
        ok = v[i - 1] < v[i];
    close(fd);
    if (!ok) {
        free(v);
        return;
    }
    c->old = v;
    c->nold = h.n;
}

rxcache *rxcache_open(const char *path)
{
    rxcache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    char ver[128];
    size_t vl = rx_version(ver, sizeof ver);
    c->seed = hash_bytes(hash_bytes(14695981039346656037ull, RXCACHE_MAGIC, 8), ver, vl);
    if (path != NULL && (c->path = strdup(path)) != NULL)
        read_file(c);
    return c;
}

static void note(rxcache *c, uint64_t h)
{
    if (c->nused == c->capused) {
        size_t cap = c->capused ? 2 * c->capused : 1024;
        uint64_t *nu = realloc(c->used, cap * sizeof *nu);
        if (nu == NULL)
            return; /* only the saved file misses it */
        c->used = nu;
        c->capused = cap;
    }
    c->used[c->nused++] = h;
}

int rxcache_known(rxcache *c, const char *pattern, unsigned flags)
{
    if (c == NULL || c->nold == 0)
        return 0;
    uint64_t h = pattern_hash(c, pattern, flags);
    if (bsearch(&h, c->old, c->nold, sizeof h, cmp_u64) == NULL)
        return 0;
    note(c, h);
    return 1;
}

void rxcache_add(rxcache *c, const char *pattern, unsigned flags)
{
    if (c == NULL || c->path == NULL)
        return;
    note(c, pattern_hash(c, pattern, flags));
    c->added = 1;
}

/* Create the directories leading to path (mode 0700); failures show later. */
static void make_parents(const char *path)
{
    char *p = strdup(path);
    for (char *s = p ? strchr(p + 1, '/') : NULL; s != NULL; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            break;
        *s = '/';
    }
    free(p);
}

/* Write n sorted entries to c->path through a temporary file. */
static void write_file(const rxcache *c, const uint64_t *v, size_t n)
{
    size_t plen = strlen(c->path);
    char *tmp = malloc(plen + 8);
    if (tmp == NULL)
        return;
    memcpy(tmp, c->path, plen);
    memcpy(tmp + plen, ".XXXXXX", 8);
    int fd = mkstemp(tmp);
    if (fd < 0 && errno == ENOENT) {
        make_parents(c->path);
        memcpy(tmp + plen, ".XXXXXX", 8);
        fd = mkstemp(tmp);
    }
    if (fd < 0) {
        free(tmp);
        return;
    }
    struct header h;
    memcpy(h.magic, RXCACHE_MAGIC, 8);
    h.seed = c->seed;
    h.n = n;
    h.sum = checksum(c->seed, v, n);
    size_t len = n * sizeof *v;
    int ok = write(fd, &h, sizeof h) == (ssize_t)sizeof h && write(fd, v, len) == (ssize_t)len;
    if (close(fd) != 0 || !ok || rename(tmp, c->path) != 0)
        unlink(tmp);
    free(tmp);
}

void rxcache_close(rxcache *c)
{
    if (c == NULL)
        return;
    if (c->added && c->path != NULL && c->nused > 0) {
        /* this load's entries first, then the older ones, up to the cap */
        qsort(c->used, c->nused, sizeof *c->used, cmp_u64);
        size_t n = 0;
        for (size_t i = 0; i < c->nused && n < RXCACHE_MAX; i++)
            if (n == 0 || c->used[i] != c->used[n - 1])
                c->used[n++] = c->used[i];
        size_t nused = n;
        uint64_t *v = malloc((n + c->nold) * sizeof *v);
        if (v != NULL) {
            memcpy(v, c->used, n * sizeof *v);
            for (size_t i = 0; i < c->nold && n < RXCACHE_MAX; i++)
                if (bsearch(&c->old[i], c->used, nused, sizeof *v, cmp_u64) == NULL)
                    v[n++] = c->old[i];
            qsort(v, n, sizeof *v, cmp_u64);
            write_file(c, v, n);
            free(v);
        }
    }
    free(c->path);
    free(c->old);
    free(c->used);
    free(c);
}

const char *rxcache_default_path(char *buf, size_t buflen)
{
    const char *env = getenv("BOUNCE_CACHE");
    if (env != NULL) {
        if (*env == '\0' || (size_t)snprintf(buf, buflen, "%s", env) >= buflen)
            return NULL;
        return buf;
    }
    /* Root's home is no place for a file a command-line run leaves behind
     * (sudo keeps the caller's HOME, so it may not even be root's), and an
     * unwritable home would only cost a failed write at every run. */
    if (geteuid() == 0)
        return NULL;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n = -1;
    if (xdg != NULL && *xdg == '/') {
        if (access(xdg, W_OK) == 0)
            n = snprintf(buf, buflen, "%s/bounce-milter/regex-ok", xdg);
    } else if (home != NULL && *home == '/' && home[1] != '\0' && access(home, W_OK) == 0)
        n = snprintf(buf, buflen, "%s/.cache/bounce-milter/regex-ok", home);
    return n > 0 && (size_t)n < buflen ? buf : NULL;
}
