/*
 * events.c - the daemon's bounce events (see events.h).
 *
 * The journal handle is shared by every session under a read-write lock:
 * sessions append under the read side (journal_append is thread-safe and
 * commits in groups), a switch of journal or store takes the write side.
 * One writer thread owns the journal reader and the store handle: woken
 * after an append (or every WAKE_MS), it lets GATHER_MS pass so that the
 * appends of other sessions join the same store transaction (each commit
 * is an fsync competing with the MTA's own), then drains the journal in
 * batches;
 * when the store fails it logs at most once a minute, closes the handle
 * and tries again after 1, 2, 4 ... 30 seconds.  Nothing is confirmed in
 * the journal before the store has it, so a failure only delays.
 */
#include "events.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounce.h"
#include "event.h"
#include "journal.h"
#include "log.h"
#include "runtime.h"
#include "sconf.h"
#include "stats.h"
#include "store.h"
#include "writer.h"

#define MAX_SUBSCRIBERS 8
#define DRAIN_BATCH 500
#define WAKE_MS 200
#define GATHER_MS 100
#define BACKOFF_MAX 30 /* seconds */
#define COMPLAIN_EVERY 60
#define PRUNE_EVERY 86400
#define MAX_KEPT 10000 /* -t: events kept for the store when not journaled */

static struct {
    events_event_fn on_event;
    events_suppress_fn on_suppress;
    void *arg;
} subs[MAX_SUBSCRIBERS];
static size_t nsubs;

/* The journal and what it was opened for; changed under the write lock,
 * and only while no writer thread runs. */
static pthread_rwlock_t jlock = PTHREAD_RWLOCK_INITIALIZER;
static journal *jr;
static char *cur_store, *cur_journal;
static unsigned long long cur_max;
static int keep_unjournaled; /* -t: events_flush stores them directly */
static event *kept[MAX_KEPT];
static size_t nkept;

static pthread_mutex_t wlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wcond = PTHREAD_COND_INITIALIZER;
static int wpending, wstop, wrunning;
static pthread_t wthread;

static pthread_mutex_t droplock = PTHREAD_MUTEX_INITIALIZER;
static int lost; /* an event was neither journaled nor kept (-t's exit status) */
static unsigned long drops_unlogged;
static time_t drop_logged;

int events_subscribe(events_event_fn on_event, events_suppress_fn on_suppress, void *arg)
{
    if (nsubs == MAX_SUBSCRIBERS)
        return -1;
    subs[nsubs].on_event = on_event;
    subs[nsubs].on_suppress = on_suppress;
    subs[nsubs].arg = arg;
    nsubs++;
    return 0;
}

static void each_event(const event *ev, void *unused)
{
    for (size_t i = 0; i < nsubs; i++)
        if (subs[i].on_event != NULL)
            subs[i].on_event(ev, subs[i].arg);
}

static void each_suppression(const suppression *sp, void *unused)
{
    log_msg(LOG_NOTICE, "suppressed <%s>: %s%s", sp->address, sp->reason,
            sp->enforced ? "" : " (observe only: enforce = false)");
    for (size_t i = 0; i < nsubs; i++)
        if (subs[i].on_suppress != NULL)
            subs[i].on_suppress(sp, subs[i].arg);
}

/* A store or journal failure, logged at most once a minute. */
__attribute__((format(printf, 1, 2))) static void complain(const char *fmt, ...)
{
    static time_t last;
    time_t now = time(NULL);
    if (now - last < COMPLAIN_EVERY)
        return;
    last = now;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p != '\0'; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' '; /* libpq's messages span lines: one log line */
    log_msg(LOG_ERR, "%s; events stay in the journal and are retried", msg);
}

/* Delete what retention_days no longer keeps, once a day. */
static void prune_if_due(store *st, time_t *last)
{
    time_t now = time(NULL);
    if (now - *last < PRUNE_EVERY)
        return;
    mruntime *rt = runtime_acquire();
    int days = rt ? rt->conf->store->retention_days : SCONF_RETENTION_DAYS;
    runtime_release(rt);
    long evs = 0, sups = 0;
    if (store_prune(st, (int64_t)now - (int64_t)days * 86400, now, &evs, &sups) == 0) {
        *last = now;
        if (evs > 0 || sups > 0)
            log_msg(LOG_INFO, "pruned %ld event(s) older than %d days and %ld suppression(s)", evs,
                    days, sups);
    }
}

/* Copy everything journaled into the store: the number of records, or -1
 * (the store handle is then closed, to be reopened). */
static long drain(store **st, journal_reader **rd, time_t *pruned)
{
    char err[512];
    if (*rd == NULL && (*rd = journal_reader_open(cur_journal, err, sizeof err)) == NULL) {
        complain("journal %s: %s", cur_journal, err);
        return -1;
    }
    stats_set_backlog((unsigned long)journal_reader_backlog(*rd));
    if (*st == NULL && (*st = store_open(cur_store, err, sizeof err)) == NULL) {
        complain("store: %s", err);
        return -1;
    }
    long total = 0, n;
    do {
        struct writer_stats ws = {0};
        mruntime *rt = runtime_acquire();
        n = writer_drain_each(*rd, *st, rt ? &rt->conf->store->policy : NULL, DRAIN_BATCH,
                              time(NULL), &ws, each_suppression, each_event, NULL);
        runtime_release(rt);
        stats_add(ST_EVENTS_WRITTEN, (unsigned long)ws.stored);
        stats_add(ST_SUPPRESSIONS, (unsigned long)ws.suppressed);
        if (n > 0)
            total += n;
    } while (n > 0);
    stats_set_backlog((unsigned long)journal_reader_backlog(*rd));
    if (n < 0) {
        complain("store: %s", store_error(*st));
        store_close(*st);
        *st = NULL;
        return -1;
    }
    prune_if_due(*st, pruned);
    return total;
}

/* Wait for an append, a stop or the timeout (ms); 1 if stopping.  *appended
 * (may be NULL) says whether an append was pending. */
static int wait_for_work(long ms, int ignore_appends, int *appended)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&wlock);
    while (!wstop && (ignore_appends || !wpending))
        if (pthread_cond_timedwait(&wcond, &wlock, &until) == ETIMEDOUT)
            break;
    if (appended != NULL)
        *appended = wpending;
    wpending = 0;
    int stopping = wstop;
    pthread_mutex_unlock(&wlock);
    return stopping;
}

static void *writer_main(void *unused)
{
    store *st = NULL;
    journal_reader *rd = NULL;
    time_t pruned = 0;
    int backoff = 0, failing = 0;
    for (;;) {
        int appended;
        int stopping = wait_for_work(backoff ? backoff * 1000L : WAKE_MS, backoff > 0, &appended);
        if (!stopping && backoff == 0 && appended)
            stopping = wait_for_work(GATHER_MS, 1, NULL);
        long n = drain(&st, &rd, &pruned);
        if (n < 0) {
            failing = 1;
            backoff = backoff == 0 ? 1 : backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
        } else {
            if (failing)
                log_msg(LOG_NOTICE, "store reachable again; journaled events copied");
            failing = backoff = 0;
        }
        if (stopping)
            break;
    }
    if (failing)
        log_msg(LOG_WARNING, "stopping with events in the journal; they are stored at the next "
                             "start");
    journal_reader_close(rd);
    store_close(st);
    return NULL;
}

static void wake_writer(void)
{
    pthread_mutex_lock(&wlock);
    wpending = 1;
    pthread_cond_signal(&wcond);
    pthread_mutex_unlock(&wlock);
}

void events_stop(void)
{
    if (wrunning) {
        pthread_mutex_lock(&wlock);
        wstop = 1;
        pthread_cond_signal(&wcond);
        pthread_mutex_unlock(&wlock);
        pthread_join(wthread, NULL);
        wrunning = wstop = 0;
    }
    pthread_rwlock_wrlock(&jlock);
    journal_close(jr);
    jr = NULL;
    free(cur_store);
    free(cur_journal);
    cur_store = cur_journal = NULL;
    pthread_rwlock_unlock(&jlock);
}

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int events_configure(const mconf *c, int thread)
{
    const sconf *sc = c->store;
    if (same(sc->store, cur_store) && same(sc->journal, cur_journal) &&
        sc->journal_max == cur_max && (sc->store == NULL || jr != NULL))
        return 0;
    events_stop(); /* the old journal drained into the old store, closed */
    keep_unjournaled = !thread;
    if (sc->store == NULL)
        return 0;
    char err[512];
    journal *j = journal_open(sc->journal, sc->journal_max, err, sizeof err);
    char *s = strdup(sc->store), *p = strdup(sc->journal);
    if (j == NULL || s == NULL || p == NULL) {
        log_msg(LOG_ERR, "journal %s: %s; bounce events are not recorded", sc->journal,
                j == NULL ? err : "out of memory");
        journal_close(j);
        free(s);
        free(p);
        return -1;
    }
    pthread_rwlock_wrlock(&jlock);
    jr = j;
    cur_store = s;
    cur_journal = p;
    cur_max = sc->journal_max;
    pthread_rwlock_unlock(&jlock);
    if (thread) {
        if (pthread_create(&wthread, NULL, writer_main, NULL) != 0) {
            log_msg(LOG_ERR, "cannot start the event writer thread");
            events_stop();
            return -1;
        }
        wrunning = 1;
    }
    return 0;
}

/* An event not journaled: count it, log the count at most once a minute. */
static void dropped(int full)
{
    stats_inc(ST_EVENTS_DROPPED);
    time_t now = time(NULL);
    pthread_mutex_lock(&droplock);
    lost = 1;
    drops_unlogged++;
    if (now - drop_logged >= 60) {
        log_msg(LOG_WARNING, "%lu bounce event(s) dropped since the last report: journal %s",
                drops_unlogged, full ? "full (journal_max)" : "failing");
        drops_unlogged = 0;
        drop_logged = now;
    }
    pthread_mutex_unlock(&droplock);
}

int events_record(const mconf *c, const bc_result *res, const struct event_ctx *ctx,
                  const bc_recipient *rcpts, size_t n)
{
    if (c->store->store == NULL)
        return 0;
    int rc = 0, appended = 0;
    sbuf b = {0};
    pthread_rwlock_rdlock(&jlock);
    for (size_t i = 0; i < n; i++) {
        if (event_is_own_refusal(&rcpts[i]))
            continue; /* our own refusal: it would feed the list it comes from */
        event *ev = event_from_recipient(res, &rcpts[i], ctx);
        int r = -1;
        if (ev != NULL && jr != NULL) {
            sbuf_reset(&b);
            event_encode(&b, ev);
            r = sbuf_ok(&b) ? journal_append(jr, b.s, b.len) : -1;
        }
        if (r == 0) {
            stats_inc(ST_EVENTS_JOURNALED);
            appended = 1;
        } else if (keep_unjournaled && ev != NULL && nkept < MAX_KEPT) {
            kept[nkept++] = ev;
            ev = NULL;
        } else {
            dropped(r == 1);
            rc = -1;
        }
        event_free(ev);
    }
    pthread_rwlock_unlock(&jlock);
    sbuf_free(&b);
    if (appended)
        wake_writer();
    return rc;
}

/* -t: store the events the journal did not take, and run the policy. */
static int store_kept(store *st, const policy *p)
{
    int rc = nkept == 0 || store_put(st, kept, nkept) >= 0 ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < nkept; i++)
        if (store_apply_policy(st, p, kept[i]->f[EV_ADDRESS], time(NULL), NULL) < 0)
            rc = -1;
    for (size_t i = 0; i < nkept; i++)
        event_free(kept[i]);
    nkept = 0;
    return rc;
}

int events_flush(const mconf *c)
{
    if (c->store->store == NULL)
        return 0;
    char err[512];
    store *st = store_open(c->store->store, err, sizeof err);
    if (st == NULL) {
        log_msg(LOG_ERR, "store: %s; %s", err,
                nkept > 0 ? "events not recorded" : "events left in the journal");
        for (size_t i = 0; i < nkept; i++)
            event_free(kept[i]);
        int unstored = nkept > 0 || lost;
        nkept = 0;
        return unstored ? -1 : 0;
    }
    journal_reader *rd = jr ? journal_reader_open(cur_journal, err, sizeof err) : NULL;
    long n = 0;
    struct writer_stats ws = {0};
    while (rd != NULL && (n = writer_drain(rd, st, &c->store->policy, DRAIN_BATCH, time(NULL), &ws,
                                           NULL, NULL)) > 0)
        ;
    if (n < 0)
        log_msg(LOG_ERR, "store: %s; events left in the journal", store_error(st));
    journal_reader_close(rd);
    int rc = store_kept(st, &c->store->policy);
    if (rc < 0)
        log_msg(LOG_ERR, "store: %s; events not recorded", store_error(st));
    store_close(st);
    return rc < 0 || lost ? -1 : 0;
}
