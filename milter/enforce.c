/*
 * enforce.c - start, feed and stop the suppression set, the socketmap and
 * the webhooks (see enforce.h).
 *
 * The refresher thread owns its store handle (a handle belongs to one
 * thread) and reloads the whole set every ENFORCE_REFRESH seconds, which
 * also drops unsuppressed and expired addresses and picks up what other
 * hosts of a fleet or bounce-report suppress; enforce_on_suppress() adds a
 * new suppression at once.  The services live from start to stop, so the
 * hooks read them without a lock after start.
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
    webhook **hooks;
    size_t nhooks;
    char *store_uri;
    pthread_t refresher;
    int refreshing, stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} en = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void refresh(void)
{
    char err[512];
    store *s = store_open(en.store_uri, err, sizeof err);
    if (s == NULL) {
        log_msg(LOG_WARNING, "suppression list: %s; the last one loaded stays in force", err);
        return;
    }
    if (suppset_load(en.set, s, (int64_t)time(NULL)) != 0)
        log_msg(LOG_WARNING, "suppression list: %s; the last one loaded stays in force",
                store_error(s));
    store_close(s);
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

static int start_socketmap(const mconf *c, gid_t gid, char *err, size_t errlen)
{
    en.sm = socketmap_open(c->sm.socketmap, c->socket_mode, en.set, err, errlen);
    if (en.sm == NULL)
        return -1;
    if (gid != (gid_t)-1 && chown(c->sm.socketmap + 5, (uid_t)-1, gid) != 0)
        log_msg(LOG_WARNING, "socketmap: chgrp %s: %m", c->sm.socketmap + 5);
    return socketmap_start(en.sm);
}

int enforce_start(const mconf *c, const char *store_uri, const char *journal_path, gid_t gid,
                  char *err, size_t errlen)
{
    en.stop = 0;
    if ((en.set = suppset_new()) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (store_uri != NULL && (en.store_uri = strdup(store_uri)) != NULL) {
        refresh(); /* before the socket answers: no window of empty answers */
        if (pthread_create(&en.refresher, NULL, refresher, NULL) == 0)
            en.refreshing = 1;
    }
    if (c->sm.socketmap != NULL && start_socketmap(c, gid, err, errlen) != 0) {
        enforce_stop();
        return -1;
    }
    en.hooks = c->sm.nwebhooks ? calloc(c->sm.nwebhooks, sizeof *en.hooks) : NULL;
    for (size_t i = 0; i < c->sm.nwebhooks; i++) {
        /* The runtime's config outlives the webhooks: main stops them first. */
        en.hooks[i] =
            en.hooks ? webhook_start(&c->sm.webhooks[i], journal_path, err, errlen) : NULL;
        if (en.hooks[i] == NULL) {
            enforce_stop();
            return -1;
        }
        en.nhooks++;
    }
    return 0;
}

void enforce_on_event(const event *ev)
{
    for (size_t i = 0; i < en.nhooks; i++)
        if (webhook_event(en.hooks[i], ev) < 0)
            log_msg(LOG_ERR, "webhook: cannot spool event %s", ev->f[EV_ID]);
}

void enforce_on_suppress(const suppression *sp)
{
    if (en.set != NULL && suppset_add(en.set, sp) != 0)
        log_msg(LOG_ERR, "suppression list: out of memory adding %s", sp->address);
    for (size_t i = 0; i < en.nhooks; i++)
        if (webhook_suppression(en.hooks[i], sp) < 0)
            log_msg(LOG_ERR, "webhook: cannot spool the suppression of %s", sp->address);
}

void enforce_counters(struct enforce_counters *out)
{
    memset(out, 0, sizeof *out);
    if (en.sm != NULL) {
        out->lookups = socketmap_lookups(en.sm);
        out->found = socketmap_found(en.sm);
    }
    for (size_t i = 0; i < en.nhooks; i++) {
        out->delivered += webhook_delivered(en.hooks[i]);
        out->failed += webhook_failed(en.hooks[i]);
    }
    if (en.set != NULL)
        out->suppressed = suppset_count(en.set);
}

void enforce_stop(void)
{
    for (size_t i = 0; i < en.nhooks; i++)
        webhook_stop(en.hooks[i]);
    free(en.hooks);
    en.hooks = NULL;
    en.nhooks = 0;
    socketmap_stop(en.sm);
    en.sm = NULL;
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
