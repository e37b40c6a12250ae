/*
 * webhook.c - deliver events and suppressions over HTTP (see webhook.h).
 *
 * A spool record is one byte ('e' event, 's' suppression) and the body.
 * The thread holds the only reader of its spool; appenders (the writer
 * thread) share it through the journal's locks.  Bodies go out in spool
 * order, one at a time: an endpoint that is down holds back the later
 * ones, so a receiver sees a suppression after the events behind it.
 */
#include "webhook.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "bounce.h"
#include "hmac.h"
#include "journal.h"
#include "log.h"
#include "sconf.h" /* SCONF_JOURNAL_MAX bounds a spool as it does the journal */

#define WH_TIMEOUT 10       /* seconds for one POST */
#define WH_MAX_PAUSE 300000 /* ms between attempts, at most */

unsigned webhook_retry_base_ms = 1000;

struct webhook {
    wh_conf conf; /* copies: a reload frees the config it came from */
    char *spool;
    journal *j;
    journal_reader *r; /* the thread's once it runs; opened with the spool */
    pthread_t thread;
    int running; /* the thread was started (webhook_run) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, pending;
    uint64_t delivered, failed; /* atomic */
};

void webhook_signature(const char *key, int64_t t, const char *body, size_t len, char *out,
                       size_t outlen)
{
    sbuf m = {0};
    unsigned char mac[HMAC_LEN];
    char hex[2 * HMAC_LEN + 1] = "";
    sbuf_printf(&m, "%lld.", (long long)t);
    sbuf_put(&m, body, len);
    if (sbuf_ok(&m)) {
        hmac_sha256(key, strlen(key), m.s, m.len, mac);
        hmac_hex(mac, HMAC_LEN, hex);
    }
    sbuf_free(&m);
    snprintf(out, outlen, "t=%lld,v1=%s", (long long)t, hex);
}

/* listmonk's type for ev, or NULL if listmonk should not hear of it. */
static const char *listmonk_type(const event *ev)
{
    if (!ev->authenticated)
        return NULL; /* a forged bounce must not blocklist a subscriber there either */
    if (strcmp(ev->f[EV_CLASS], "feedback") == 0 && strcasecmp(ev->f[EV_DETAIL], "abuse") == 0)
        return "complaint";
    if (strcmp(ev->f[EV_SEVERITY], "hard") == 0 || strcmp(ev->f[EV_SEVERITY], "soft") == 0)
        return ev->f[EV_SEVERITY];
    return NULL;
}

int webhook_event_body(enum wh_payload p, const event *ev, sbuf *b)
{
    if (p == WH_EVENT) {
        event_json(b, ev);
        return 1;
    }
    const char *type = listmonk_type(ev);
    if (type == NULL)
        return 0;
    /* POST /webhooks/bounce: email, source and type required; meta is a
     * JSON document in a string. */
    sbuf meta = {0};
    event_json(&meta, ev);
    const char *email =
        *ev->f[EV_ORIGINAL_RECIPIENT] ? ev->f[EV_ORIGINAL_RECIPIENT] : ev->f[EV_ADDRESS];
    sbuf_puts(b, "{\"email\": ");
    sbuf_json_str(b, email);
    sbuf_printf(b, ", \"source\": \"bounce-milter\", \"type\": \"%s\", \"meta\": ", type);
    sbuf_json_str(b, sbuf_ok(&meta) ? meta.s : "{}");
    sbuf_puts(b, "}");
    sbuf_free(&meta);
    return 1;
}

void webhook_suppression_body(const suppression *sp, sbuf *b)
{
    char since[32], until[32] = "";
    event_format_time(sp->since, since);
    if (sp->until)
        event_format_time(sp->until, until);
    sbuf_puts(b, "{\"address\": ");
    sbuf_json_str(b, sp->address ? sp->address : "");
    sbuf_puts(b, ", \"reason\": ");
    sbuf_json_str(b, sp->reason ? sp->reason : "");
    sbuf_printf(b, ", \"since\": \"%s\", \"until\": \"%s\", \"note\": ", since, until);
    sbuf_json_str(b, sp->note ? sp->note : "");
    sbuf_puts(b, ", \"events\": [");
    const char *p = sp->evidence ? sp->evidence : "";
    for (int first = 1; *p;) {
        size_t n = strcspn(p, " ");
        if (n) {
            sbuf_puts(b, first ? "" : ", ");
            sbuf_put(b, "\"", 1);
            sbuf_put(b, p, n); /* event ids: hex digits */
            sbuf_put(b, "\"", 1);
            first = 0;
        }
        p += n + (p[n] == ' ');
    }
    sbuf_puts(b, "]}");
}

static int queue(webhook *w, char kind, sbuf *body)
{
    sbuf rec = {0};
    sbuf_put(&rec, &kind, 1);
    sbuf_put(&rec, body->s, body->len);
    int rc = sbuf_ok(&rec) && sbuf_ok(body) ? journal_append(w->j, rec.s, rec.len) : -1;
    sbuf_free(&rec);
    if (rc == 1)
        log_msg(LOG_WARNING, "webhook %s: spool %s full, a %s was dropped", w->conf.url, w->spool,
                kind == 'e' ? "event" : "suppression");
    pthread_mutex_lock(&w->mu);
    w->pending = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return rc == 0 ? 0 : -1;
}

int webhook_event(webhook *w, const event *ev)
{
    sbuf b = {0};
    if (!webhook_event_body(w->conf.payload, ev, &b)) {
        sbuf_free(&b);
        return 1;
    }
    int rc = queue(w, 'e', &b);
    sbuf_free(&b);
    return rc;
}

int webhook_suppression(webhook *w, const suppression *sp)
{
    if (w->conf.payload != WH_EVENT)
        return 1; /* listmonk keeps its own counts from the events */
    sbuf b = {0};
    webhook_suppression_body(sp, &b);
    int rc = queue(w, 's', &b);
    sbuf_free(&b);
    return rc;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

/* POST one spool record: 1 delivered, 0 retry later, -1 refused for good. */
static int post(webhook *w, CURL *curl, const char *rec, size_t len)
{
    const char *body = rec + 1;
    size_t blen = len - 1;
    char sig[128], hdr[160];
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, rec[0] == 's' ? "X-Bounce-Type: suppression" : "X-Bounce-Type: event");
    if (w->conf.key != NULL) {
        webhook_signature(w->conf.key, (int64_t)time(NULL), body, blen, sig, sizeof sig);
        snprintf(hdr, sizeof hdr, "X-Bounce-Signature: %s", sig);
        h = curl_slist_append(h, hdr);
    }
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, w->conf.url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)blen);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)WH_TIMEOUT);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "bounce-milter/" BC_VERSION);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    if (w->conf.auth != NULL) {
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(curl, CURLOPT_USERPWD, w->conf.auth);
    }
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    if (rc == CURLE_OK && status >= 200 && status < 300)
        return 1;
    if (rc == CURLE_OK && status >= 400 && status < 500 && status != 408 && status != 429) {
        log_msg(LOG_ERR, "webhook %s: HTTP %ld: the %s is dropped", w->conf.url, status,
                rec[0] == 's' ? "suppression" : "event");
        return -1;
    }
    if (rc != CURLE_OK)
        log_msg(LOG_WARNING, "webhook %s: %s; will retry", w->conf.url, curl_easy_strerror(rc));
    else
        log_msg(LOG_WARNING, "webhook %s: HTTP %ld; will retry", w->conf.url, status);
    return 0;
}

/* Wait up to ms or until stopped (1) or new work (0). */
static int pause_ms(webhook *w, unsigned ms, int wake_on_work)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->stop && !(wake_on_work && w->pending))
        if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) != 0)
            break;
    w->pending = 0;
    int stop = w->stop;
    pthread_mutex_unlock(&w->mu);
    return stop;
}

static void *run(void *arg)
{
    webhook *w = arg;
    journal_reader *r = w->r;
    CURL *curl = curl_easy_init();
    sbuf rec = {0};
    unsigned pause = webhook_retry_base_ms;
    while (curl != NULL) {
        int got = journal_reader_next(r, &rec);
        if (got <= 0 || rec.len < 2) {
            if (got == 1 && journal_reader_confirm(r) == 0)
                continue; /* an empty record: nothing to send */
            if (pause_ms(w, got < 0 ? pause : 1000, got == 0))
                break;
            continue;
        }
        int sent = post(w, curl, rec.s, rec.len);
        if (sent != 0 && journal_reader_confirm(r) == 0) {
            __atomic_add_fetch(sent > 0 ? &w->delivered : &w->failed, 1, __ATOMIC_RELAXED);
            pause = webhook_retry_base_ms;
            continue;
        }
        journal_reader_rewind(r);
        __atomic_add_fetch(&w->failed, 1, __ATOMIC_RELAXED);
        if (pause_ms(w, pause, 0))
            break;
        pause = pause >= WH_MAX_PAUSE / 2 ? WH_MAX_PAUSE : pause * 2;
    }
    sbuf_free(&rec);
    journal_reader_close(r);
    w->r = NULL;
    curl_easy_cleanup(curl);
    return NULL;
}

/* The spool of url's webhook beside journal_path: a webhook that comes
 * back after a reload or restart finds what it had not sent. */
static void spool_path(const char *url, const char *journal_path, sbuf *out)
{
    unsigned char d[HMAC_LEN];
    char hex[2 * HMAC_LEN + 1];
    sha256(url, strlen(url), d);
    hmac_hex(d, 4, hex);
    sbuf_printf(out, "%s.webhook-%s", journal_path, hex);
}

static void free_webhook(webhook *w)
{
    free(w->conf.url);
    free(w->conf.key);
    free(w->conf.auth);
    free(w->spool);
    free(w);
}

static void curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

webhook *webhook_open(const wh_conf *wc, const char *journal_path, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_init);
    webhook *w = calloc(1, sizeof *w);
    sbuf p = {0};
    spool_path(wc->url, journal_path, &p);
    if (w == NULL || !sbuf_ok(&p)) {
        snprintf(err, errlen, "webhook: out of memory");
        free(w);
        sbuf_free(&p);
        return NULL;
    }
    w->spool = p.s;
    w->conf.payload = wc->payload;
    w->conf.line = wc->line;
    w->conf.url = strdup(wc->url);
    w->conf.key = wc->key ? strdup(wc->key) : NULL;
    w->conf.auth = wc->auth ? strdup(wc->auth) : NULL;
    if (w->conf.url == NULL || (wc->key && !w->conf.key) || (wc->auth && !w->conf.auth))
        snprintf(err, errlen, "webhook: out of memory");
    else
        w->j = journal_open(w->spool, SCONF_JOURNAL_MAX, err, errlen);
    /* the reader too, so that a spool that cannot be read refuses a reload */
    if (w->j != NULL && (w->r = journal_reader_open(w->spool, err, errlen)) == NULL)
        journal_close(w->j);
    if (w->j == NULL || w->r == NULL) {
        free_webhook(w);
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    return w;
}

int webhook_run(webhook *w)
{
    if (pthread_create(&w->thread, NULL, run, w) != 0)
        return -1;
    pthread_setname_np(w->thread, "bm-webhook"); /* ps -L, and the reload tests */
    w->running = 1;
    return 0;
}

webhook *webhook_start(const wh_conf *wc, const char *journal_path, char *err, size_t errlen)
{
    webhook *w = webhook_open(wc, journal_path, err, errlen);
    if (w != NULL && webhook_run(w) != 0) {
        snprintf(err, errlen, "webhook: cannot start a thread");
        webhook_stop(w);
        return NULL;
    }
    return w;
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int webhook_same(const webhook *w, const wh_conf *wc, const char *journal_path)
{
    sbuf p = {0};
    spool_path(wc->url, journal_path, &p);
    /* one whose thread could not start is replaced at the next reload */
    int same = w->running && sbuf_ok(&p) && strcmp(p.s, w->spool) == 0 &&
               strcmp(wc->url, w->conf.url) == 0 && wc->payload == w->conf.payload &&
               same_str(wc->key, w->conf.key) && same_str(wc->auth, w->conf.auth);
    sbuf_free(&p);
    return same;
}

const char *webhook_url(const webhook *w)
{
    return w->conf.url;
}

uint64_t webhook_delivered(webhook *w)
{
    return __atomic_load_n(&w->delivered, __ATOMIC_RELAXED);
}

uint64_t webhook_failed(webhook *w)
{
    return __atomic_load_n(&w->failed, __ATOMIC_RELAXED);
}

void webhook_stop(webhook *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (w->running)
        pthread_join(w->thread, NULL);
    journal_reader_close(w->r); /* never ran: still ours */
    journal_close(w->j);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free_webhook(w);
}
