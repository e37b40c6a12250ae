/*
 * regex.c - thin PCRE2 wrapper: compile with UTF + MATCH_INVALID_UTF, JIT
 * when the platform allows it (falling back to the interpreter, e.g. under
 * systemd's MemoryDenyWriteExecute), and match under a match limit so that
 * no pattern can take unbounded time on hostile text.
 *
 * Patterns are compiled (and so checked) at load, but JIT-compiled only
 * once they have been matched RX_JIT_AFTER times: JIT compilation costs as
 * much as ten to a hundred interpreted matches, the literal prefilter means
 * most patterns are never run for a given batch of mail, and a short run
 * (the CLI on a few files) matches many of the rest once or twice.  A
 * scratch may also count the messages its owner has classified with the
 * patterns (rx_scratch_warmup, shared by all the classifiers of a rule
 * set): until RX_JIT_WARM of them, only patterns matched RX_JIT_HOT times
 * are JIT-compiled.  Compiling all that a corpus uses (about 300, some 20
 * us each) costs what interpreting them does over some 1500 messages (about
 * 4 us more each), so a short run stays interpreted and a long one (the
 * daemon, a large mbox) gets the JIT after a bounded start.  A
 * per-pattern lock makes that compilation safe when several threads share
 * the rule set; the JIT compiles a copy of the pattern, so that threads
 * still interpreting the original never see it change.
 *
 * rx_lazy() goes one step further for patterns already known to compile
 * (rxcache.h): it keeps the source and compiles it, under the same lock,
 * when it is first matched, so that a rule set whose prefilter rarely lets
 * a pattern through never pays for compiling it.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RX_MATCH_LIMIT 200000
#define RX_DEPTH_LIMIT 2000
#define RX_JIT_STACK_MAX (512 * 1024)
#define RX_JIT_AFTER 2   /* interpreted matches before the JIT compiles a pattern */
#define RX_JIT_WARM 1000 /* ... once the warm-up count (rx_scratch_warmup) is this, */
#define RX_JIT_HOT 16    /* or before, once the pattern has been matched this often */

enum { JIT_PENDING, JIT_DONE, JIT_UNAVAILABLE };

struct rx {
    pcre2_code *code;     /* interpreted; set once (rx_lazy: at first use), read atomically */
    char *pattern;        /* rx_lazy: the source until it is compiled */
    uint32_t opts;        /* rx_lazy: its compile options */
    pcre2_code *jitcode;  /* its JIT-compiled copy, set before jit becomes JIT_DONE */
    int jit;              /* JIT_*, read and written atomically */
    unsigned uses;        /* matches while JIT_PENDING, counted atomically */
    pthread_mutex_t lock; /* held while this pattern is compiled (rx_lazy) or JIT-compiled */
};

struct rx_scratch {
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *stack;
    const size_t *warm; /* the warm-up count, or NULL (no warm-up) */
    void *memo;         /* the caller's memo (rx_scratch_memo) */
    size_t memolen;
};

static uint32_t compile_options(unsigned flags)
{
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_UCP;
    if (flags & RX_CASELESS)
        opts |= PCRE2_CASELESS;
    if (flags & RX_MULTILINE)
        opts |= PCRE2_MULTILINE;
    return opts;
}

static rx *rx_new(pcre2_code *code, char *pattern, uint32_t opts)
{
    rx *r = malloc(sizeof *r);
    if (r == NULL)
        return NULL;
    r->code = code;
    r->pattern = pattern;
    r->opts = opts;
    r->jitcode = NULL;
    r->jit = JIT_PENDING;
    r->uses = 0;
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

rx *rx_compile(const char *pattern, unsigned flags, char *err, size_t errlen)
{
    int ec;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                     compile_options(flags), &ec, &off, NULL);
    if (code == NULL) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        snprintf(err, errlen, "bad regex at offset %zu: %s", (size_t)off, (char *)msg);
        return NULL;
    }
    rx *r = rx_new(code, NULL, 0);
    if (r == NULL) {
        pcre2_code_free(code);
        snprintf(err, errlen, "out of memory");
    }
    return r;
}

rx *rx_lazy(const char *pattern, unsigned flags)
{
    char *copy = strdup(pattern);
    rx *r = copy != NULL ? rx_new(NULL, copy, compile_options(flags)) : NULL;
    if (r == NULL)
        free(copy);
    return r;
}

void rx_free(rx *r)
{
    if (r == NULL)
        return;
    pcre2_code_free(r->code);
    pcre2_code_free(r->jitcode);
    free(r->pattern);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

size_t rx_version(char *buf, size_t len)
{
    int n = pcre2_config(PCRE2_CONFIG_VERSION, len >= 64 ? buf : NULL);
    return n > 0 && len >= 64 ? (size_t)n - 1 : 0;
}

/* r's compiled pattern: an rx_lazy pattern is compiled by its first user
 * (under the lock; the others wait for it).  NULL if it does not compile,
 * which a pattern rxcache.h vouched for does only when memory is out. */
static const pcre2_code *rx_code(const rx *cr)
{
    rx *r = (rx *)cr;
    pcre2_code *c = __atomic_load_n(&r->code, __ATOMIC_ACQUIRE);
    if (c != NULL)
        return c;
    pthread_mutex_lock(&r->lock);
    if (r->code == NULL && r->pattern != NULL) {
        int ec;
        PCRE2_SIZE off;
        c = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED, r->opts, &ec, &off, NULL);
        free(r->pattern);
        r->pattern = NULL;
        __atomic_store_n(&r->code, c, __ATOMIC_RELEASE);
    }
    c = r->code;
    pthread_mutex_unlock(&r->lock);
    return c;
}

/* The JIT-compiled copy of r (whose code is compiled), made once r has been
 * matched RX_JIT_AFTER times and the warm-up is over (or RX_JIT_HOT times),
 * or NULL (not yet, or no JIT here).  The rule set is logically read-only:
 * this only fills in a cache, once, under the lock. */
static const pcre2_code *rx_jit_code(const rx *cr, const pcre2_code *code, const rx_scratch *s)
{
    rx *r = (rx *)cr;
    int st = __atomic_load_n(&r->jit, __ATOMIC_ACQUIRE);
    if (st == JIT_PENDING) {
        unsigned uses = __atomic_add_fetch(&r->uses, 1, __ATOMIC_RELAXED);
        if (uses <= RX_JIT_AFTER || (uses <= RX_JIT_HOT && s->warm != NULL &&
                                     __atomic_load_n(s->warm, __ATOMIC_RELAXED) < RX_JIT_WARM))
            return NULL; /* the interpreter, for now */
        pthread_mutex_lock(&r->lock);
        st = r->jit;
        if (st == JIT_PENDING) {
            pcre2_code *c = pcre2_code_copy(code);
            st = c != NULL && pcre2_jit_compile(c, PCRE2_JIT_COMPLETE) == 0 ? JIT_DONE
                                                                            : JIT_UNAVAILABLE;
            if (st == JIT_DONE)
                r->jitcode = c;
            else
                pcre2_code_free(c);
            __atomic_store_n(&r->jit, st, __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&r->lock);
    }
    return st == JIT_DONE ? r->jitcode : NULL;
}

int rx_group(const rx *r, const char *name)
{
    const pcre2_code *code = rx_code(r);
    int n = code != NULL ? pcre2_substring_number_from_name(code, (PCRE2_SPTR)name) : -1;
    return n > 0 && n < RX_MAXGROUPS ? n : -1;
}

rx_scratch *rx_scratch_new(void)
{
    rx_scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->md = pcre2_match_data_create(RX_MAXGROUPS, NULL);
    s->mc = pcre2_match_context_create(NULL);
    s->stack = pcre2_jit_stack_create(32 * 1024, RX_JIT_STACK_MAX, NULL);
    if (s->md == NULL || s->mc == NULL) {
        rx_scratch_free(s);
        return NULL;
    }
    pcre2_set_match_limit(s->mc, RX_MATCH_LIMIT);
    pcre2_set_depth_limit(s->mc, RX_DEPTH_LIMIT);
    if (s->stack != NULL)
        pcre2_jit_stack_assign(s->mc, NULL, s->stack);
    return s;
}

void rx_scratch_warmup(rx_scratch *s, const size_t *count)
{
    if (s != NULL)
        s->warm = count;
}

void rx_scratch_free(rx_scratch *s)
{
    if (s == NULL)
        return;
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mc);
    pcre2_jit_stack_free(s->stack);
    free(s->memo);
    free(s);
}

void *rx_scratch_memo(rx_scratch *s, size_t size)
{
    if (s == NULL)
        return NULL;
    if (size > s->memolen) {
        free(s->memo);
        s->memolen = 0;
        if ((s->memo = calloc(1, size)) == NULL)
            return NULL;
        s->memolen = size;
    }
    return s->memo;
}

int rx_search(const rx *r, rx_scratch *s, const char *subj, size_t len, size_t start, rx_match *m)
{
    if (r == NULL || s == NULL || subj == NULL || start > len)
        return 0;
    /* a JIT-compiled pattern goes straight to the JIT (the same answer,
     * without pcre2_match's per-call checks) */
    const pcre2_code *code = rx_code(r);
    if (code == NULL)
        return -1;
    const pcre2_code *jc = rx_jit_code(r, code, s);
    int rc = jc != NULL ? pcre2_jit_match(jc, (PCRE2_SPTR)subj, len, start, 0, s->md, s->mc)
                        : pcre2_match(code, (PCRE2_SPTR)subj, len, start, 0, s->md, s->mc);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0)
        return -1;
    if (m != NULL) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        uint32_t n = pcre2_get_ovector_count(s->md);
        /* PCRE2 writes only the pairs up to the highest group that took
         * part (rc of them; rc 0: the vector was too small, all written);
         * the slots after those hold whatever an earlier match left. */
        uint32_t set = rc == 0 ? n : (uint32_t)rc;
        m->ngroups = rc == 0 ? RX_MAXGROUPS : rc;
        for (int i = 0; i < RX_MAXGROUPS; i++) {
            if ((uint32_t)i < set && (uint32_t)i < n && ov[2 * i] != PCRE2_UNSET) {
                m->start[i] = ov[2 * i];
                m->end[i] = ov[2 * i + 1];
            } else {
                m->start[i] = m->end[i] = (size_t)-1;
            }
        }
    }
    return 1;
}
