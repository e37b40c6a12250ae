/*
 * webhook.h - POST each stored event, or each new suppression, to an HTTP
 * endpoint: the project's event JSON, or listmonk's bounce webhook.
 *
 * Each configured webhook has a spool, a journal (store/journal.c) of the
 * bodies still to send, next to the milter's journal.  webhook_event() and
 * webhook_suppression() append to it (durably) and return; the webhook's
 * own thread POSTs the oldest body, confirms it in the spool once the
 * endpoint answered 2xx, and retries with a growing pause (1 s doubling to
 * 5 min) while the endpoint is down, so nothing is lost across an outage or
 * a restart.  A 4xx answer other than 408 and 429 means the endpoint will
 * never take that body: it is dropped, logged and counted as a failure.
 * A spool holds at most 64 MB (SCONF_JOURNAL_MAX); past that, new bodies
 * are dropped and logged while the endpoint stays down.
 *
 *     webhook *w = webhook_start(&conf->sm.webhooks[i], "/var/lib/bounce-milter/journal", err, n);
 *     webhook_event(w, ev);          (the writer, after storing ev)
 *     webhook_stop(w);
 *
 * Every POST carries Content-Type: application/json, X-Bounce-Type: event
 * or suppression, and with a key X-Bounce-Signature: t=UNIX,v1=HEX where
 * HEX is HMAC-SHA256(key, UNIX "." body); with auth, HTTP Basic
 * credentials.  The thread is named bm-webhook.
 */
#ifndef MILTER_WEBHOOK_H
#define MILTER_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "sbuf.h"
#include "smconf.h"
#include "store.h"

typedef struct webhook webhook;

/* Open the spool (journal path + ".webhook-" + 8 hex digits of the URL's
 * SHA-256) and start the thread; NULL with a message in err. */
webhook *webhook_start(const wh_conf *wc, const char *journal_path, char *err, size_t errlen);

/* webhook_start in two steps, for a reload that must be able to give up
 * before anything changed: open the spool (bodies queued now wait in it),
 * then start the thread (0, or -1).  Two webhooks must not run on one
 * spool at once: each would send its bodies. */
webhook *webhook_open(const wh_conf *wc, const char *journal_path, char *err, size_t errlen);
int webhook_run(webhook *w);

/* 1 if w runs for exactly wc (url, payload, key, auth) beside
 * journal_path: a reload leaves it running. */
int webhook_same(const webhook *w, const wh_conf *wc, const char *journal_path);

/* Queue ev (listmonk: only authenticated hard, soft and complaint events):
 * 0 queued, 1 not for this webhook, -1 the spool failed. */
int webhook_event(webhook *w, const event *ev);

/* Queue a new suppression (event payload only): as webhook_event. */
int webhook_suppression(webhook *w, const suppression *sp);

/* The URL it posts to (logs). */
const char *webhook_url(const webhook *w);

/* Bodies delivered, and attempts that failed, since the start. */
uint64_t webhook_delivered(webhook *w);
uint64_t webhook_failed(webhook *w);

/* Stop the thread if it runs (an attempt in progress ends within its
 * timeout), close the spool (what is not sent stays in it), free w. */
void webhook_stop(webhook *w);

/* The body for ev under payload p into b: 1, or 0 if p does not send ev. */
int webhook_event_body(enum wh_payload p, const event *ev, sbuf *b);

/* The suppression as JSON: address, reason, since, until, note, events. */
void webhook_suppression_body(const suppression *sp, sbuf *b);

/* "t=UNIX,v1=HEX" for body at time t. */
void webhook_signature(const char *key, int64_t t, const char *body, size_t len, char *out,
                       size_t outlen);

/* The pause after n failed attempts in a row, in milliseconds; tests
 * shorten the base. */
extern unsigned webhook_retry_base_ms;

#endif
