/*
 * enforce.c - start, feed and stop the suppression set, the socketmap and
 * the webhooks (see enforce.h).
 *
 * The refresher thread owns its store handle (a handle belongs to one
 * thread) and reloads the whole set every ENFORCE_REFRESH seconds, which
 * also drops unsuppressed and expired addresses and picks up what other
 * hosts of a fleet or bounce-report suppress; enforce_on_suppress() adds a
 * new suppression at once.
 *
 * A reload plans first: it opens the new socketmap and the new webhooks'
 * spools beside what runs, and gives them up if one fails, so a refused
 * reload changes nothing.  Then it swaps the lists under hlock (the
 * writer's hooks hold its read side while they queue, so an event goes to
 * either the old list or the new one, never to neither), stops what left,
 * and only then starts the new webhooks' threads.  The counters of what
 * stopped are kept (en.gone): the counters file only adds differences.
 */
#include "enforce.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "socketmap.h"
#include "suppset.h"
#include "webhook.h"

static struct {
    suppset *set;
    socketmap *sm;
    char *sm_spec;          /* what sm was opened for */
    gid_t gid;              /* the sockets' group, as at start */
    pthread_rwlock_t hlock; /* hooks and sm against a reload's swap */
    webhook **hooks;
    size_t nhooks;
    struct enforce_counters gone; /* of the services stopped so far */
    char *store_uri;
    pthread_t refresher;
    int refreshing, stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} en = {.mu = PTHREAD_MUTEX_INITIALIZER,
        .cv = PTHREAD_COND_INITIALIZER,
        .hlock = PTHREAD_RWLOCK_INITIALIZER};

/* One at a time, so that the refresher's load of a store a reload has just
 * replaced cannot land after the reload's load of the new one. */
static void refresh(void)
{
    static pthread_mutex_t one = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&one);
    pthread_mutex_lock(&en.mu);
    char *uri = en.store_uri != NULL ? strdup(en.store_uri) : NULL;
    pthread_mutex_unlock(&en.mu);
    char err[512];
    store *s = uri != NULL ? store_open(uri, err, sizeof err) : NULL;
    if (uri != NULL && s == NULL)
        log_msg(LOG_WARNING, "suppression list: %s; the last one loaded stays in force", err);
    else if (s != NULL && suppset_load(en.set, s, (int64_t)time(NULL)) != 0)
        log_msg(LOG_WARNING, "suppression list: %s; the last one loaded stays in force",
                store_error(s));
    store_close(s);
    free(uri);
    pthread_mutex_unlock(&one);
}

/* The set was loaded before the thread starts: wait first, then reload
 * (reloading at once did the start's work twice, and could drop an address
 * added meanwhile by enforce_on_suppress from a store read just before). */
static void *refresher(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&en.mu);
    while (!en.stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += ENFORCE_REFRESH;
        while (!en.stop && pthread_cond_timedwait(&en.cv, &en.mu, &ts) == 0)
            ;
        if (en.stop)
            break;
        pthread_mutex_unlock(&en.mu);
        refresh();
        pthread_mutex_lock(&en.mu);
    }
    pthread_mutex_unlock(&en.mu);
    return NULL;
}

/* What a reload will change, made ready without touching what runs. */
struct plan {
    int sm_changed;
    socketmap *sm; /* the new listener, serving already (its own path) */
    char *sm_spec;
    webhook **hooks; /* the new list: kept ones and opened (not running) ones */
    size_t nhooks;
    unsigned char *fresh; /* per new hook: opened here */
    unsigned char *kept;  /* per old hook: in the new list */
};

static int same(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int plan_socketmap(const mconf *c, struct plan *p, char *err, size_t errlen)
{
    const char *spec = c->sm.socketmap;
    if (same(spec, en.sm_spec))
        return 0; /* the listener and its connections stay */
    p->sm_changed = 1;
    if (spec == NULL)
        return 0;
    if ((p->sm_spec = strdup(spec)) == NULL) {
        snprintf(err, errlen, "socketmap: out of memory");
        return -1;
    }
    p->sm = socketmap_open(spec, c->socket_mode, en.set, err, errlen);
    if (p->sm == NULL)
        return -1;
    if (en.gid != (gid_t)-1 && chown(spec + 5, (uid_t)-1, en.gid) != 0)
        log_msg(LOG_WARNING, "socketmap: chgrp %s: %m", spec + 5);
    if (socketmap_start(p->sm) != 0) {
        snprintf(err, errlen, "socketmap: cannot start a thread");
        return -1;
    }
    return 0;
}

/* Each configured webhook: the running one that matches it, or one opened
 * now (its thread starts after the one it replaces has stopped). */
static int plan_webhooks(const mconf *c, const char *journal_path, struct plan *p, char *err,
                         size_t errlen)
{
    size_t n = c->sm.nwebhooks;
    p->kept = calloc(en.nhooks + 1, 1);
    p->hooks = calloc(n + 1, sizeof *p->hooks);
    p->fresh = calloc(n + 1, 1);
    if (p->kept == NULL || p->hooks == NULL || p->fresh == NULL) {
        snprintf(err, errlen, "webhook: out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const wh_conf *wc = &c->sm.webhooks[i];
        for (size_t j = 0; j < en.nhooks && p->hooks[i] == NULL; j++)
            if (!p->kept[j] && webhook_same(en.hooks[j], wc, journal_path)) {
                p->hooks[i] = en.hooks[j];
                p->kept[j] = 1;
            }
        if (p->hooks[i] == NULL) {
            if ((p->hooks[i] = webhook_open(wc, journal_path, err, errlen)) == NULL)
                return -1;
            p->fresh[i] = 1;
        }
        p->nhooks++;
    }
    return 0;
}

/* A plan given up: what it opened is closed, what runs is untouched. */
static void abandon(struct plan *p)
{
    socketmap_stop(p->sm);
    free(p->sm_spec);
    for (size_t i = 0; i < p->nhooks; i++)
        if (p->fresh[i])
            webhook_stop(p->hooks[i]);
    free(p->hooks);
    free(p->fresh);
    free(p->kept);
}

/* Under hlock's write side, as a service leaves the lists: its counts go
 * to the totals, so that they never fall (a lookup or POST that ends while
 * it stops is not counted). */
static void count_gone(socketmap *sm, webhook *w)
{
    if (sm != NULL) {
        en.gone.lookups += socketmap_lookups(sm);
        en.gone.found += socketmap_found(sm);
    }
    if (w != NULL) {
        en.gone.delivered += webhook_delivered(w);
        en.gone.failed += webhook_failed(w);
    }
}

/* Swap the planned services in, stop those that left, then start the new
 * webhooks' threads: a changed webhook's successor works on the same spool,
 * which must never have two senders. */
static void commit(struct plan *p)
{
    socketmap *old_sm = NULL;
    webhook **old = en.hooks;
    size_t nold = en.nhooks;
    pthread_rwlock_wrlock(&en.hlock);
    if (p->sm_changed) {
        old_sm = en.sm;
        count_gone(old_sm, NULL);
        if (en.sm_spec != NULL)
            log_msg(LOG_INFO, "socketmap: %s closed", en.sm_spec + 5);
        if (p->sm_spec != NULL)
            log_msg(LOG_INFO, "socketmap: serving on %s", p->sm_spec + 5);
        free(en.sm_spec);
        en.sm = p->sm;
        en.sm_spec = p->sm_spec;
    }
    for (size_t j = 0; j < nold; j++)
        if (!p->kept[j])
            count_gone(NULL, old[j]);
    en.hooks = p->hooks;
    en.nhooks = p->nhooks;
    pthread_rwlock_unlock(&en.hlock);
    socketmap_stop(old_sm);
    for (size_t j = 0; j < nold; j++)
        if (!p->kept[j]) {
            log_msg(LOG_INFO, "webhook %s: stopped; what it had not sent stays in its spool",
                    webhook_url(old[j]));
            webhook_stop(old[j]);
        }
    for (size_t i = 0; i < p->nhooks; i++) {
        if (!p->fresh[i])
            continue;
        if (webhook_run(p->hooks[i]) != 0)
            log_msg(LOG_ERR, "webhook %s: cannot start a thread; its bodies wait in the spool",
                    webhook_url(p->hooks[i]));
        else
            log_msg(LOG_INFO, "webhook %s: started", webhook_url(p->hooks[i]));
    }
    free(old);
    free(p->fresh);
    free(p->kept);
}

/* The set follows a changed store: read from the new one at once (before
 * a new socketmap answers), then by the refresher, started if there was
 * none.  Without a store the last list loaded stays. */
static void follow_store(const char *uri)
{
    pthread_mutex_lock(&en.mu);
    int changed = !same(uri, en.store_uri);
    if (changed) {
        free(en.store_uri);
        en.store_uri = uri != NULL ? strdup(uri) : NULL;
    }
    pthread_mutex_unlock(&en.mu);
    if (!changed || uri == NULL)
        return;
    refresh();
    if (!en.refreshing && pthread_create(&en.refresher, NULL, refresher, NULL) == 0)
        en.refreshing = 1;
}

int enforce_reload(const mconf *c, const char *store_uri, const char *journal_path, char *err,
                   size_t errlen)
{
    struct plan p = {0};
    if (plan_socketmap(c, &p, err, errlen) != 0 ||
        plan_webhooks(c, journal_path, &p, err, errlen) != 0) {
        abandon(&p);
        return -1;
    }
    follow_store(store_uri);
    commit(&p);
    return 0;
}

int enforce_start(const mconf *c, const char *store_uri, const char *journal_path, gid_t gid,
                  char *err, size_t errlen)
{
    en.stop = 0;
    en.gid = gid;
    if ((en.set = suppset_new()) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (enforce_reload(c, store_uri, journal_path, err, errlen) != 0) {
        enforce_stop();
        return -1;
    }
    return 0;
}

void enforce_on_event(const event *ev)
{
    pthread_rwlock_rdlock(&en.hlock);
    for (size_t i = 0; i < en.nhooks; i++)
        if (webhook_event(en.hooks[i], ev) < 0)
            log_msg(LOG_ERR, "webhook: cannot spool event %s", ev->f[EV_ID]);
    pthread_rwlock_unlock(&en.hlock);
}

void enforce_on_suppress(const suppression *sp)
{
    if (en.set != NULL && suppset_add(en.set, sp) != 0)
        log_msg(LOG_ERR, "suppression list: out of memory adding %s", sp->address);
    pthread_rwlock_rdlock(&en.hlock);
    for (size_t i = 0; i < en.nhooks; i++)
        if (webhook_suppression(en.hooks[i], sp) < 0)
            log_msg(LOG_ERR, "webhook: cannot spool the suppression of %s", sp->address);
    pthread_rwlock_unlock(&en.hlock);
}

void enforce_counters(struct enforce_counters *out)
{
    pthread_rwlock_rdlock(&en.hlock);
    *out = en.gone;
    if (en.sm != NULL) {
        out->lookups += socketmap_lookups(en.sm);
        out->found += socketmap_found(en.sm);
    }
    for (size_t i = 0; i < en.nhooks; i++) {
        out->delivered += webhook_delivered(en.hooks[i]);
        out->failed += webhook_failed(en.hooks[i]);
    }
    pthread_rwlock_unlock(&en.hlock);
    out->suppressed = en.set != NULL ? suppset_count(en.set) : 0;
}

void enforce_stop(void)
{
    pthread_rwlock_wrlock(&en.hlock);
    webhook **hooks = en.hooks;
    size_t n = en.nhooks;
    socketmap *sm = en.sm;
    count_gone(sm, NULL);
    for (size_t i = 0; i < n; i++)
        count_gone(NULL, hooks[i]);
    en.hooks = NULL;
    en.nhooks = 0;
    en.sm = NULL;
    free(en.sm_spec);
    en.sm_spec = NULL;
    pthread_rwlock_unlock(&en.hlock);
    for (size_t i = 0; i < n; i++)
        webhook_stop(hooks[i]);
    free(hooks);
    socketmap_stop(sm);
    if (en.refreshing) {
        pthread_mutex_lock(&en.mu);
        en.stop = 1;
        pthread_cond_signal(&en.cv);
        pthread_mutex_unlock(&en.mu);
        pthread_join(en.refresher, NULL);
        en.refreshing = 0;
    }
    free(en.store_uri);
    en.store_uri = NULL;
    suppset_free(en.set);
    en.set = NULL;
}
