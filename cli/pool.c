/*
 * pool.c - bounce-classify's threads: the inputs are listed first
 * (directories walked), then several threads, the main one among them, take
 * them from a shared counter, each with its own classifier and read buffer,
 * and write each input's output into that input's own buffers.  Between its
 * own inputs the main thread prints the finished buffers in input order, so
 * the output is the same bytes as with one thread; the others stay at most
 * WINDOW inputs ahead.
 *
 * Use: pool_add() for each path (may run in a thread of its own while the
 * rules load), pool_count(), pool_run(), pool_free().
 */
#include "pool.h"

#include "walk.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WINDOW 256 /* inputs classified ahead of the printer */

/* One input for the workers, and its output once classified. */
struct item {
    char *path;
    int depth;
    int done;             /* output ready (atomic) */
    int oom;              /* no buffer could be made for the output */
    char *out, *err_text; /* its standard output and standard error bytes */
    size_t outlen, errlen;
    struct row *rows; /* its table rows */
    size_t nrows;
    int failed;
};

/* The list of inputs and what the threads share: the next input to take,
 * the done flags and the printed count (atomic; written under the lock,
 * which also guards who sleeps on which condition). */
static struct {
    struct item *items;
    size_t n, cap;
    int oom; /* the list could not grow */
    size_t next;
    size_t printed;
    pthread_mutex_t lock;
    pthread_cond_t done_cv, space_cv;
    int main_waits; /* the main thread sleeps on done_cv */
    int sleepers;   /* workers sleeping on space_cv */
    pool_classify_fn *classify;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .done_cv = PTHREAD_COND_INITIALIZER,
          .space_cv = PTHREAD_COND_INITIALIZER};

static void list_add(const char *path, int depth)
{
    if (pool.n == pool.cap) {
        size_t cap = pool.cap ? 2 * pool.cap : 256;
        struct item *ni = realloc(pool.items, cap * sizeof *ni);
        if (ni == NULL) {
            pool.oom = 1;
            return;
        }
        pool.items = ni;
        pool.cap = cap;
    }
    struct item *it = &pool.items[pool.n];
    memset(it, 0, sizeof *it);
    if ((it->path = strdup(path)) == NULL) {
        pool.oom = 1;
        return;
    }
    it->depth = depth;
    pool.n++;
}

/* List the inputs path stands for, in the order classify_path meets them:
 * directories are walked here, anything else is one item.  A directory
 * that cannot be read is an item too: its worker reports the error. */
static void list_path(void *arg, const char *path, int depth, unsigned char type)
{
    struct stat st;
    if (type != DT_REG && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (depth < WALK_MAX_DEPTH && walk_dir(path, depth, list_path, NULL) != 0)
            list_add(path, depth);
        return;
    }
    list_add(path, depth);
}

/* Classify one item into buffers of its own. */
static void run_item(struct ctx *x, struct item *it)
{
    x->out = open_memstream(&it->out, &it->outlen);
    x->err = NULL;
    if (x->out != NULL && output_trace_to_err() &&
        (x->err = open_memstream(&it->err_text, &it->errlen)) == NULL) {
        fclose(x->out);
        x->out = NULL;
    }
    if (x->out == NULL) {
        free(it->out);
        it->out = NULL;
        it->outlen = 0;
        it->oom = 1;
        return;
    }
    x->rows = NULL;
    x->nrows = x->caprows = 0;
    x->failed = 0;
    pool.classify(x, it->path, it->depth);
    fclose(x->out);
    if (x->err != NULL)
        fclose(x->err);
    it->rows = x->rows;
    it->nrows = x->nrows;
    it->failed = x->failed;
}

/* Take the next item; a worker then waits while it is WINDOW items ahead
 * of the printer.  pool.n when there is none left. */
static size_t take(int wait)
{
    size_t i = __atomic_fetch_add(&pool.next, 1, __ATOMIC_RELAXED);
    if (i >= pool.n)
        return pool.n;
    if (wait && i >= __atomic_load_n(&pool.printed, __ATOMIC_ACQUIRE) + WINDOW) {
        pthread_mutex_lock(&pool.lock);
        pool.sleepers++;
        while (i >= __atomic_load_n(&pool.printed, __ATOMIC_ACQUIRE) + WINDOW)
            pthread_cond_wait(&pool.space_cv, &pool.lock);
        pool.sleepers--;
        pthread_mutex_unlock(&pool.lock);
    }
    return i;
}

/* Mark item i done, waking the main thread if it waits for it. */
static void finish(size_t i)
{
    __atomic_store_n(&pool.items[i].done, 1, __ATOMIC_RELEASE);
    pthread_mutex_lock(&pool.lock);
    if (pool.main_waits)
        pthread_cond_signal(&pool.done_cv);
    pthread_mutex_unlock(&pool.lock);
}

static void *worker(void *arg)
{
    struct ctx *x = arg;
    for (size_t i; (i = take(1)) < pool.n;) {
        run_item(x, &pool.items[i]);
        finish(i);
    }
    return NULL;
}

/* Print the next item in input order, if it is done or (wait) once it is. */
static int print_next(struct ctx *x, int wait)
{
    size_t i = __atomic_load_n(&pool.printed, __ATOMIC_RELAXED);
    struct item *it = &pool.items[i];
    if (i >= pool.n)
        return 0;
    if (!__atomic_load_n(&it->done, __ATOMIC_ACQUIRE)) {
        if (!wait)
            return 0;
        pthread_mutex_lock(&pool.lock);
        pool.main_waits = 1;
        while (!__atomic_load_n(&it->done, __ATOMIC_ACQUIRE))
            pthread_cond_wait(&pool.done_cv, &pool.lock);
        pool.main_waits = 0;
        pthread_mutex_unlock(&pool.lock);
    }
    /* standard output first, as -j 1 buffers it before the trace */
    fwrite_unlocked(it->out, 1, it->outlen, stdout);
    if (it->errlen > 0)
        fwrite(it->err_text, 1, it->errlen, stderr);
    if (it->oom)
        output_error(x, it->path, "out of memory");
    for (size_t r = 0; r < it->nrows; r++)
        output_push_row(&it->rows[r]);
    x->failed |= it->failed;
    free(it->out);
    free(it->err_text);
    free(it->rows);
    pthread_mutex_lock(&pool.lock);
    __atomic_store_n(&pool.printed, i + 1, __ATOMIC_RELEASE);
    if (pool.sleepers > 0)
        pthread_cond_broadcast(&pool.space_cv);
    pthread_mutex_unlock(&pool.lock);
    return 1;
}

void pool_add(const char *path)
{
    list_path(NULL, path, 0, DT_UNKNOWN);
}

size_t pool_count(void)
{
    return pool.oom ? 0 : pool.n;
}

/* Classify the listed items with jobs threads, the main thread one of them:
 * between its own items it prints those done, in input order, without
 * waiting; it waits only to keep within WINDOW and at the end.  x is the
 * main thread's context: standard output, its classifier. */
void pool_run(struct ctx *x, int jobs, const bc_rules *rules, size_t max_size, unsigned flags,
              pool_classify_fn *classify)
{
    pool.classify = classify;
    struct ctx *w = calloc((size_t)jobs, sizeof *w);
    pthread_t *tid = calloc((size_t)jobs, sizeof *tid);
    int started = 0;
    for (int k = 1; w != NULL && tid != NULL && k < jobs; k++) {
        w[k].keep_rows = 1;
        w[k].clf = bc_classifier_new(rules, max_size, flags);
        if (w[k].clf == NULL || pthread_create(&tid[k], NULL, worker, &w[k]) != 0) {
            bc_classifier_free(w[k].clf);
            break;
        }
        started = k;
    }
    struct ctx self = {.clf = x->clf, .keep_rows = 1};
    for (size_t i; (i = take(0)) < pool.n;) {
        while (print_next(x, i >= __atomic_load_n(&pool.printed, __ATOMIC_RELAXED) + WINDOW))
            ;
        run_item(&self, &pool.items[i]);
        finish(i);
    }
    while (print_next(x, 1))
        ;
    for (int k = 1; k <= started; k++) {
        pthread_join(tid[k], NULL);
        bc_classifier_free(w[k].clf);
        free(w[k].buf);
    }
    free(self.buf);
    free(w);
    free(tid);
}

void pool_free(void)
{
    for (size_t i = 0; i < pool.n; i++)
        free(pool.items[i].path);
    free(pool.items);
    pool.items = NULL;
    pool.n = pool.cap = 0;
}
