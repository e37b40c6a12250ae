/*
 * test_milter_webhook.c - webhook bodies (the event JSON, listmonk's
 * /webhooks/bounce fields, a suppression), the signature, and delivery to
 * an HTTP receiver run by this test on loopback: retries after 503s, an
 * outage across a restart of the webhook (nothing lost, order kept), a 400
 * that drops one body, HTTP Basic credentials, and every signature checked
 * against the body received.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event.h"
#include "hmac.h"
#include "http_request.h"
#include "tap.h"
#include "webhook.h"

#define T0 1796601600

static event *mk(const char *addr, const char *orig, const char *cls, const char *sev,
                 const char *detail, int auth)
{
    event *ev = event_new();
    char id[EVENT_ID_LEN + 1];
    event_new_id(id);
    event_set(ev, EV_ID, id);
    event_set(ev, EV_ADDRESS, addr);
    event_set(ev, EV_ORIGINAL_RECIPIENT, orig);
    event_set(ev, EV_CLASS, cls);
    event_set(ev, EV_SEVERITY, sev);
    event_set(ev, EV_DETAIL, detail);
    ev->time = T0;
    ev->authenticated = auth;
    return ev;
}

TEST(bodies)
{
    sbuf b = {0}, want = {0};
    event *ev = mk("bounces+u=example.com@lists.example.org", "u@example.com", "userunknown",
                   "hard", "", 1);
    CHECK(webhook_event_body(WH_EVENT, ev, &b) == 1);
    event_json(&want, ev);
    CHECK_STR(b.s, want.s);
    sbuf_reset(&b);
    CHECK(webhook_event_body(WH_LISTMONK, ev, &b) == 1);
    CHECK(strncmp(b.s, "{\"email\": \"u@example.com\", \"source\": \"bounce-milter\", ", 54) == 0);
    CHECK(strstr(b.s, ", \"type\": \"hard\", \"meta\": \"{\\\"id\\\": ") != NULL);
    event_free(ev);
    sbuf_reset(&b);
    ev = mk("x@example.com", "", "feedback", "none", "abuse", 1);
    CHECK(webhook_event_body(WH_LISTMONK, ev, &b) == 1);
    CHECK(strstr(b.s, "\"email\": \"x@example.com\"") && strstr(b.s, "\"type\": \"complaint\""));
    event_free(ev);
    sbuf_reset(&b);
    ev = mk("x@example.com", "", "mailboxfull", "soft", "", 0); /* forged or unproven */
    CHECK(webhook_event_body(WH_LISTMONK, ev, &b) == 0);
    CHECK(webhook_event_body(WH_EVENT, ev, &b) == 1);
    event_free(ev);
    sbuf_reset(&b);
    ev = mk("x@example.com", "", "vacation", "none", "", 1);
    CHECK(webhook_event_body(WH_LISTMONK, ev, &b) == 0);
    event_free(ev);
    sbuf_reset(&b);
    suppression sp = {.address = "u@example.com",
                      .reason = "userunknown",
                      .since = T0,
                      .note = "hard bounce",
                      .evidence = "0a1b 2c3d",
                      .enforced = 1};
    webhook_suppression_body(&sp, &b);
    CHECK_STR(b.s, "{\"address\": \"u@example.com\", \"reason\": \"userunknown\", \"since\": "
                   "\"2026-12-07T00:00:00Z\", \"until\": \"\", \"note\": \"hard bounce\", "
                   "\"events\": [\"0a1b\", \"2c3d\"]}");
    sbuf_free(&b);
    sbuf_free(&want);
}

TEST(signature)
{
    char sig[128];
    webhook_signature("whsec", T0, "{\"a\": 1}", 8, sig, sizeof sig);
    /* computed independently (Python's hmac module) */
    CHECK_STR(sig,
              "t=1796601600,v1=d124b243db185e38d666a0736ab07e61896ae469f2c172ad725ec061a0473dc0");
}

/* ------------------------------------------------ the receiver */

#define MAXREQ 64
static struct {
    pthread_mutex_t mu;
    int lfd, port, stop;
    pthread_t th;
    int script[MAXREQ], nscript; /* statuses to answer, in turn; then 200 */
    int answered;
    char *req[MAXREQ]; /* headers and body of each request answered 200 */
    int nreq;
} rx = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void *receiver(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(rx.lfd, NULL, NULL);
        if (fd < 0)
            return NULL;
        char buf[65536];
        http_read_request(fd, buf, sizeof buf);
        pthread_mutex_lock(&rx.mu);
        int status = rx.answered < rx.nscript ? rx.script[rx.answered] : 200;
        rx.answered++;
        if (status == 200 && rx.nreq < MAXREQ)
            rx.req[rx.nreq++] = strdup(buf);
        pthread_mutex_unlock(&rx.mu);
        char resp[128];
        int n =
            snprintf(resp, sizeof resp,
                     "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", status);
        (void)!write(fd, resp, (size_t)n);
        close(fd);
    }
}

static void rx_start(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)rx.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rx.lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(rx.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(rx.lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(rx.lfd, 16) != 0)
        abort();
    socklen_t sl = sizeof sa;
    getsockname(rx.lfd, (struct sockaddr *)&sa, &sl);
    rx.port = ntohs(sa.sin_port);
    pthread_create(&rx.th, NULL, receiver, NULL);
}

static void rx_stop(void)
{
    shutdown(rx.lfd, SHUT_RDWR);
    close(rx.lfd);
    pthread_join(rx.th, NULL);
}

/* Wait (up to 60 s: a slow machine, never a timing assertion) for n
 * accepted requests. */
static int rx_wait(int n)
{
    for (int i = 0; i < 6000; i++) {
        pthread_mutex_lock(&rx.mu);
        int got = rx.nreq;
        pthread_mutex_unlock(&rx.mu);
        if (got >= n)
            return got;
        usleep(10000);
    }
    return rx.nreq;
}

/* Wait (as rx_wait) until the webhook has counted n deliveries and more
 * than f failures. */
static int counted(webhook *w, uint64_t n, uint64_t f)
{
    for (int i = 0; i < 6000; i++) {
        if (webhook_delivered(w) >= n && webhook_failed(w) > f)
            return 1;
        usleep(10000);
    }
    return 0;
}

static const char *body_of(const char *req)
{
    const char *e = strstr(req, "\r\n\r\n");
    return e ? e + 4 : "";
}

/* The request's signature checks out against its body. */
static int signed_ok(const char *req, const char *key)
{
    const char *h = strcasestr(req, "\r\nX-Bounce-Signature: t=");
    if (h == NULL)
        return 0;
    long long t = atoll(h + 24);
    char want[128];
    const char *body = body_of(req);
    webhook_signature(key, t, body, strlen(body), want, sizeof want);
    return strncmp(h + 22, want, strlen(want)) == 0;
}

TEST(delivery_retries_outage_restart)
{
    char dir[] = "/tmp/test_wh.XXXXXX", journal[64], url[64], err[256];
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(journal, sizeof journal, "%s/journal", dir);
    webhook_retry_base_ms = 20;
    rx.script[0] = rx.script[1] = 503; /* the first two attempts fail */
    rx.script[2] = 200;
    rx.script[3] = 400; /* this body is refused for good */
    rx.nscript = 4;
    rx_start();
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", rx.port);
    wh_conf wc = {.url = url, .payload = WH_EVENT, .key = "whsec", .auth = "api:token"};
    webhook *w = webhook_start(&wc, journal, err, sizeof err);
    CHECK(w != NULL);
    if (w == NULL)
        return;
    event *e1 = mk("a@example.com", "", "userunknown", "hard", "", 1);
    event *e2 = mk("b@example.com", "", "userunknown", "hard", "", 0);
    event *e3 = mk("c@example.com", "", "mailboxfull", "soft", "", 1);
    CHECK(webhook_event(w, e1) == 0);
    CHECK(webhook_event(w, e2) == 0); /* answered 400: dropped */
    CHECK(webhook_event(w, e3) == 0);
    CHECK(rx_wait(2) == 2);
    CHECK(strstr(body_of(rx.req[0]), "\"address\": \"a@example.com\"") != NULL);
    CHECK(strstr(body_of(rx.req[1]), "\"address\": \"c@example.com\"") != NULL);
    CHECK(strncmp(rx.req[0], "POST /hook HTTP/1.1\r\n", 21) == 0);
    CHECK(strcasestr(rx.req[0], "\r\nAuthorization: Basic YXBpOnRva2Vu\r\n") != NULL);
    CHECK(strcasestr(rx.req[0], "\r\nContent-Type: application/json\r\n") != NULL);
    CHECK(strcasestr(rx.req[0], "\r\nX-Bounce-Type: event\r\n") != NULL);
    CHECK(signed_ok(rx.req[0], "whsec") && signed_ok(rx.req[1], "whsec"));
    CHECK(!signed_ok(rx.req[0], "other"));
    CHECK(counted(w, 2, 2) && webhook_delivered(w) == 2 && webhook_failed(w) == 3);

    /* Outage: the receiver is gone; two more bodies wait in the spool
     * while the daemon restarts. */
    rx_stop();
    suppression sp = {.address = "a@example.com",
                      .reason = "userunknown",
                      .since = T0,
                      .note = "",
                      .evidence = "",
                      .enforced = 1};
    event *e4 = mk("d@example.com", "", "userunknown", "hard", "", 1);
    CHECK(webhook_event(w, e4) == 0);
    CHECK(webhook_suppression(w, &sp) == 0);
    CHECK(counted(w, 2, 3)); /* it tried: connection refused */
    webhook_stop(w);
    rx_start();
    w = webhook_start(&wc, journal, err, sizeof err);
    CHECK(rx_wait(4) == 4);
    CHECK(strstr(body_of(rx.req[2]), "\"address\": \"d@example.com\"") != NULL);
    CHECK(strcasestr(rx.req[3], "\r\nX-Bounce-Type: suppression\r\n") != NULL);
    CHECK(strncmp(body_of(rx.req[3]), "{\"address\": \"a@example.com\", \"reason\"", 37) == 0);
    CHECK(signed_ok(rx.req[2], "whsec") && signed_ok(rx.req[3], "whsec"));
    webhook_stop(w);
    /* Nothing more was sent after a second restart: every body confirmed. */
    w = webhook_start(&wc, journal, err, sizeof err);
    usleep(100000);
    webhook_stop(w);
    CHECK(rx.nreq == 4 && rx.answered == 7);
    rx_stop();
    event_free(e1);
    event_free(e2);
    event_free(e3);
    event_free(e4);
    for (int i = 0; i < rx.nreq; i++)
        free(rx.req[i]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

TEST(listmonk_delivery)
{
    char dir[] = "/tmp/test_wh.XXXXXX", journal[64], url[80], err[256];
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(journal, sizeof journal, "%s/journal", dir);
    rx.nreq = rx.answered = rx.nscript = 0;
    rx.port = 0;
    rx_start();
    snprintf(url, sizeof url, "http://127.0.0.1:%d/webhooks/bounce", rx.port);
    wh_conf wc = {.url = url, .payload = WH_LISTMONK, .auth = "listmonk:apitoken"};
    webhook *w = webhook_start(&wc, journal, err, sizeof err);
    event *forged = mk("s@example.com", "", "userunknown", "hard", "", 0);
    event *real = mk("bounces+s=example.com@lists.example.org", "s@example.com", "userunknown",
                     "hard", "", 1);
    CHECK(webhook_event(w, forged) == 1);
    CHECK(webhook_event(w, real) == 0);
    suppression sp = {.address = "s@example.com", .reason = "userunknown", .enforced = 1};
    CHECK(webhook_suppression(w, &sp) == 1);
    CHECK(rx_wait(1) == 1);
    CHECK(strncmp(rx.req[0], "POST /webhooks/bounce HTTP/1.1\r\n", 32) == 0);
    CHECK(
        strncmp(body_of(rx.req[0]),
                "{\"email\": \"s@example.com\", \"source\": \"bounce-milter\", \"type\": \"hard\"",
                68) == 0);
    CHECK(strcasestr(rx.req[0], "\r\nX-Bounce-Signature:") == NULL); /* no key */
    webhook_stop(w);
    rx_stop();
    CHECK(rx.nreq == 1);
    free(rx.req[0]);
    event_free(forged);
    event_free(real);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN_TESTS();
}
