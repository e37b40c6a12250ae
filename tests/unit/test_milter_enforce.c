/*
 * test_milter_enforce.c - the services as the daemon starts them: the
 * suppression set loaded from the store before the socketmap answers, a
 * suppression the writer reports served at once, the counters, and a
 * clean stop (socket removed).  Then reloads: a moved socketmap (old path
 * gone, new one answers, a bad one refused, an unchanged one keeps its
 * connections), webhooks added, removed, changed and kept (receivers run
 * by this test on loopback; threads told apart by their ids in
 * /proc/self/task), a removed webhook's spool resumed when it comes back,
 * and no thread or file descriptor left behind by 100 reloads.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "enforce.h"
#include "store.h"
#include "http_request.h"
#include "tap.h"
#include "tempdir.h"
#include "webhook.h"

static const char *dir; /* test_tempdir(), set by main() */

/* Ask the socketmap at path about addr; the reply netstring's data. */
static const char *ask(const char *path, const char *addr)
{
    static char buf[600];
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return "no connection";
    }
    char req[300];
    int n = snprintf(req, sizeof req, "%zu:suppressed %s,", strlen(addr) + 11, addr);
    ssize_t got = -1;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (write(fd, req, (size_t)n) == n && poll(&p, 1, 10000) == 1)
        got = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[got > 0 ? got : 0] = '\0';
    char *colon = strchr(buf, ':');
    if (colon && got > 0 && buf[got - 1] == ',')
        buf[got - 1] = '\0';
    return colon ? colon + 1 : buf;
}

TEST(services_from_the_store)
{
    char uri[128], sock[128], spec[140], err[512];
    snprintf(uri, sizeof uri, "sqlite:%s/b.db", dir);
    snprintf(sock, sizeof sock, "%s/sm.sock", dir);
    snprintf(spec, sizeof spec, "unix:%s", sock);
    store *s = store_open(uri, err, sizeof err);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    time_t now = time(NULL);
    CHECK(store_suppress(s, "gone@example.com", "closed account", (int64_t)now) == 0);
    store_close(s);
    mconf *c = mconf_defaults();
    c->sm.socketmap = strdup(spec);
    char journal[128];
    snprintf(journal, sizeof journal, "%s/journal", dir);
    CHECK(enforce_start(c, uri, journal, (gid_t)-1, err, sizeof err) == 0);
    mconf_free(c); /* the services keep their own copies */
    const char *r = ask(sock, "Gone@Example.com");
    CHECK(strncmp(r, "OK 550 5.7.1 recipient suppressed by bounce-milter: manual since ", 65) == 0);
    CHECK_STR(ask(sock, "new@example.com"), "NOTFOUND ");
    suppression sp = {.address = "new@example.com",
                      .reason = "userunknown",
                      .since = (int64_t)now,
                      .enforced = 1,
                      .note = "",
                      .evidence = ""};
    enforce_on_suppress(&sp);
    CHECK(strncmp(ask(sock, "new@example.com"),
                  "OK 550 5.7.1 recipient suppressed by bounce-milter: userunknown since ",
                  70) == 0);
    struct enforce_counters k;
    enforce_counters(&k);
    CHECK(k.lookups == 3 && k.found == 2 && k.suppressed == 2);
    enforce_stop();
    CHECK(access(sock, F_OK) != 0);
    enforce_on_suppress(&sp); /* after stop: harmless */
    c = mconf_defaults();
    c->sm.socketmap = strdup("unix:/nonexistent-dir/sm.sock");
    CHECK(enforce_start(c, NULL, journal, (gid_t)-1, err, sizeof err) == -1);
    CHECK(strstr(err, "/nonexistent-dir/sm.sock: No such file or directory") != NULL);
    mconf_free(c);
}

/* ------------------------------------------------ reloads */

/* A config with socketmap spec (NULL: none) and the webhooks urls[i]
 * (keys[i] may be NULL), n of them. */
static mconf *conf_with(const char *spec, size_t n, char **urls, char **keys)
{
    mconf *c = mconf_defaults();
    c->sm.socketmap = spec ? strdup(spec) : NULL;
    c->sm.webhooks = calloc(n + 1, sizeof *c->sm.webhooks);
    for (size_t i = 0; i < n; i++) {
        c->sm.webhooks[i].url = strdup(urls[i]);
        c->sm.webhooks[i].key = keys && keys[i] ? strdup(keys[i]) : NULL;
    }
    c->sm.nwebhooks = n;
    return c;
}

/* enforce_reload(conf_with(...)) with the spools beside dir/journal. */
static int reload_to(const char *spec, size_t n, char **urls, char **keys, char *err, size_t len)
{
    char journal[128];
    snprintf(journal, sizeof journal, "%s/journal", dir);
    mconf *c = conf_with(spec, n, urls, keys);
    int rc = enforce_reload(c, NULL, journal, err, len);
    mconf_free(c); /* the services keep their own copies */
    return rc;
}

/* The ids of this process's threads named name, sorted; how many. */
static int tids_now(const char *name, long *out, int max)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;
    while (d != NULL && (e = readdir(d)) != NULL && n < max) {
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        if (fgets(comm, sizeof comm, f) != NULL && strncmp(comm, name, strlen(name)) == 0 &&
            comm[strlen(name)] == '\n')
            out[n++] = atol(e->d_name);
        fclose(f);
    }
    if (d != NULL)
        closedir(d);
    for (int i = 1; i < n; i++) /* insertion sort: a handful */
        for (int j = i; j > 0 && out[j - 1] > out[j]; j--) {
            long t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* The threads called name, once there are want of them (at most 2 s): a
 * thread just joined can still be listed in /proc for a moment. */
static int tids(const char *name, long *out, int max, int want)
{
    int n = tids_now(name, out, max);
    for (int i = 0; i < 200 && n != want; i++) {
        usleep(10000);
        n = tids_now(name, out, max);
    }
    return n;
}

/* How many ids a[0..na) and b[0..nb) (sorted) share. */
static int common(const long *a, int na, const long *b, int nb)
{
    int n = 0;
    for (int i = 0, j = 0; i < na && j < nb;)
        if (a[i] == b[j])
            n++, i++, j++;
        else if (a[i] < b[j])
            i++;
        else
            j++;
    return n;
}

static int entries(const char *path)
{
    DIR *d = opendir(path);
    int n = 0;
    while (d != NULL && readdir(d) != NULL)
        n++;
    if (d != NULL)
        closedir(d);
    return n;
}

/* One HTTP receiver per port on loopback: it counts the requests and
 * keeps the bodies; while status is not 200 it answers that (and keeps
 * nothing). */
#define NRX 3
#define MAXBODY 64
static struct rx {
    int lfd, port, status, n;
    char *body[MAXBODY];
    pthread_t th;
} rxs[NRX];
static pthread_mutex_t rxmu = PTHREAD_MUTEX_INITIALIZER;

static void *receive(void *arg)
{
    struct rx *r = arg;
    int fd;
    while ((fd = accept(r->lfd, NULL, NULL)) >= 0) {
        char buf[16384];
        const char *body = http_read_request(fd, buf, sizeof buf);
        pthread_mutex_lock(&rxmu);
        int status = r->status;
        if (status == 200 && body != NULL && r->n < MAXBODY)
            r->body[r->n++] = strdup(buf);
        pthread_mutex_unlock(&rxmu);
        char resp[128];
        int n = snprintf(resp, sizeof resp,
                         "HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);
        (void)!write(fd, resp, (size_t)n);
        close(fd);
    }
    return NULL;
}

static void rx_start(struct rx *r, char *url, size_t len)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (bind(r->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(r->lfd, 16) != 0)
        abort();
    socklen_t sl = sizeof sa;
    getsockname(r->lfd, (struct sockaddr *)&sa, &sl);
    r->port = ntohs(sa.sin_port);
    r->status = 200;
    snprintf(url, len, "http://127.0.0.1:%d/hook", r->port);
    pthread_create(&r->th, NULL, receive, r);
}

static void rx_stop(struct rx *r)
{
    shutdown(r->lfd, SHUT_RDWR);
    close(r->lfd);
    pthread_join(r->th, NULL);
    for (int i = 0; i < r->n; i++)
        free(r->body[i]);
}

static int rx_count(struct rx *r)
{
    pthread_mutex_lock(&rxmu);
    int n = r->n;
    pthread_mutex_unlock(&rxmu);
    return n;
}

/* Wait (up to 60 s: a slow machine, never a timing assertion) until r
 * kept n bodies; whether the last one names addr. */
static int rx_got(struct rx *r, int n, const char *addr)
{
    for (int i = 0; i < 6000 && rx_count(r) < n; i++)
        usleep(10000);
    pthread_mutex_lock(&rxmu);
    int ok = r->n == n && strstr(r->body[n - 1], addr) != NULL;
    pthread_mutex_unlock(&rxmu);
    return ok;
}

static event *mk_event(const char *addr)
{
    event *ev = event_new();
    char id[EVENT_ID_LEN + 1];
    event_new_id(id);
    event_set(ev, EV_ID, id);
    event_set(ev, EV_ADDRESS, addr);
    event_set(ev, EV_CLASS, "userunknown");
    event_set(ev, EV_SEVERITY, "hard");
    ev->time = time(NULL);
    ev->authenticated = 1;
    return ev;
}

static void send_event(const char *addr)
{
    event *ev = mk_event(addr);
    enforce_on_event(ev);
    event_free(ev);
}

#define MANY 25
static void *send_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < MANY; i++)
        send_event("many@example.com");
    return NULL;
}

/* A connection to the socketmap at path, or -1. */
static int sm_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Ask on an open connection: 1 NOTFOUND, 0 connection closed, -1 else. */
static int sm_ask_on(int fd, const char *addr)
{
    char req[300], buf[600];
    int n = snprintf(req, sizeof req, "%zu:suppressed %s,", strlen(addr) + 11, addr);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
        return 0;
    if (poll(&p, 1, 10000) != 1)
        return -1;
    ssize_t got = read(fd, buf, sizeof buf - 1);
    if (got <= 0)
        return 0;
    buf[got] = '\0';
    return strcmp(buf, "9:NOTFOUND ,") == 0 ? 1 : -1;
}

TEST(reload_moves_the_socketmap)
{
    char a[128], b[128], spec_a[140], spec_b[140], err[512];
    snprintf(a, sizeof a, "%s/a.sock", dir);
    snprintf(b, sizeof b, "%s/b.sock", dir);
    snprintf(spec_a, sizeof spec_a, "unix:%s", a);
    snprintf(spec_b, sizeof spec_b, "unix:%s", b);
    char journal[128];
    snprintf(journal, sizeof journal, "%s/journal", dir);
    mconf *c = conf_with(spec_a, 0, NULL, NULL);
    CHECK(enforce_start(c, NULL, journal, (gid_t)-1, err, sizeof err) == 0);
    mconf_free(c);
    long t0[4], t1[4];
    int fd = sm_connect(a);
    CHECK(sm_ask_on(fd, "x@example.com") == 1);
    int n0 = tids("bm-socketmap", t0, 4, 1);
    /* unchanged: the same listener and thread, the connection still served */
    CHECK(reload_to(spec_a, 0, NULL, NULL, err, sizeof err) == 0);
    int n1 = tids("bm-socketmap", t1, 4, 1);
    CHECK(n0 == 1 && n1 == 1 && t0[0] == t1[0]);
    CHECK(sm_ask_on(fd, "x@example.com") == 1);
    /* moved: the new path answers, the old one is gone, its connection closed */
    CHECK(reload_to(spec_b, 0, NULL, NULL, err, sizeof err) == 0);
    CHECK(access(a, F_OK) != 0);
    CHECK(sm_ask_on(fd, "x@example.com") == 0);
    close(fd);
    CHECK_STR(ask(b, "x@example.com"), "NOTFOUND ");
    CHECK(tids("bm-socketmap", t1, 4, 1) == 1 && t1[0] != t0[0]);
    /* a socket that cannot be opened: refused, the old one still answers */
    CHECK(reload_to("unix:/nonexistent-dir/sm.sock", 0, NULL, NULL, err, sizeof err) == -1);
    CHECK(strstr(err, "/nonexistent-dir/sm.sock: No such file or directory") != NULL);
    CHECK_STR(ask(b, "x@example.com"), "NOTFOUND ");
    struct enforce_counters k;
    enforce_counters(&k);
    CHECK(k.lookups >= 4); /* those of the closed socketmap count too */
    /* removed: the socket goes; the file of another is left alone */
    CHECK(reload_to(NULL, 0, NULL, NULL, err, sizeof err) == 0);
    CHECK(access(b, F_OK) != 0 && tids("bm-socketmap", t1, 4, 0) == 0);
    CHECK(reload_to(spec_a, 0, NULL, NULL, err, sizeof err) == 0);
    CHECK(rename(a, b) == 0 && sm_connect(b) >= 0);
    CHECK(reload_to(NULL, 0, NULL, NULL, err, sizeof err) == 0);
    CHECK(access(b, F_OK) == 0);
    unlink(b);
    enforce_counters(&k);
    enforce_stop();
    struct enforce_counters after;
    enforce_counters(&after);
    CHECK(after.lookups == k.lookups); /* the final counters file does not fall to 0 */
}

TEST(reload_follows_the_store)
{
    char uri1[128], uri2[128], sock[128], spec[140], journal[128], err[512];
    snprintf(uri1, sizeof uri1, "sqlite:%s/one.db", dir);
    snprintf(uri2, sizeof uri2, "sqlite:%s/two.db", dir);
    snprintf(sock, sizeof sock, "%s/st.sock", dir);
    snprintf(spec, sizeof spec, "unix:%s", sock);
    snprintf(journal, sizeof journal, "%s/journal", dir);
    store *s1 = store_open(uri1, err, sizeof err), *s2 = store_open(uri2, err, sizeof err);
    CHECK(s1 != NULL && s2 != NULL);
    if (s1 == NULL || s2 == NULL)
        return;
    CHECK(store_suppress(s1, "old@example.com", "first store", (int64_t)time(NULL)) == 0);
    CHECK(store_suppress(s2, "new@example.com", "second store", (int64_t)time(NULL)) == 0);
    store_close(s1);
    store_close(s2);
    mconf *c = conf_with(spec, 0, NULL, NULL);
    CHECK(enforce_start(c, uri1, journal, (gid_t)-1, err, sizeof err) == 0);
    CHECK(strncmp(ask(sock, "old@example.com"), "OK ", 3) == 0);
    /* the reload reads the new store before it returns */
    CHECK(enforce_reload(c, uri2, journal, err, sizeof err) == 0);
    CHECK(strncmp(ask(sock, "new@example.com"), "OK ", 3) == 0);
    CHECK_STR(ask(sock, "old@example.com"), "NOTFOUND ");
    mconf_free(c);
    enforce_stop();
}

TEST(reload_webhooks)
{
    char u[NRX][80], err[512], journal[128];
    for (int i = 0; i < NRX; i++)
        rx_start(&rxs[i], u[i], sizeof u[i]);
    webhook_retry_base_ms = 20;
    snprintf(journal, sizeof journal, "%s/journal", dir);
    char *both[] = {u[0], u[1]}, *keys[] = {NULL, NULL};
    mconf *c = conf_with(NULL, 2, both, keys);
    CHECK(enforce_start(c, NULL, journal, (gid_t)-1, err, sizeof err) == 0);
    mconf_free(c);
    long t0[8], t1[8], t2[8];
    int n0 = tids("bm-webhook", t0, 8, 2);
    send_event("one@example.com");
    CHECK(rx_got(&rxs[0], 1, "one@example.com") && rx_got(&rxs[1], 1, "one@example.com"));

    /* 1 removed, 2 added, 0 unchanged: 0 keeps its thread */
    char *swap[] = {u[0], u[2]};
    CHECK(reload_to(NULL, 2, swap, keys, err, sizeof err) == 0);
    int n1 = tids("bm-webhook", t1, 8, 2);
    CHECK(n0 == 2 && n1 == 2 && common(t0, n0, t1, n1) == 1);
    send_event("two@example.com");
    CHECK(rx_got(&rxs[0], 2, "two@example.com") && rx_got(&rxs[2], 1, "two@example.com"));
    CHECK(rx_count(&rxs[1]) == 1); /* its thread is gone and nothing was spooled for it */

    /* 0's key changed: restarted, and its next body is signed with it */
    char *newkeys[] = {"k2", NULL};
    CHECK(reload_to(NULL, 2, swap, newkeys, err, sizeof err) == 0);
    int n2 = tids("bm-webhook", t2, 8, 2);
    CHECK(n2 == 2 && common(t1, n1, t2, n2) == 1);
    send_event("three@example.com");
    CHECK(rx_got(&rxs[0], 3, "three@example.com") && rx_got(&rxs[2], 2, "three@example.com"));
    CHECK(strstr(rxs[0].body[2], "X-Bounce-Signature: t=") != NULL);

    /* 2's receiver is down when it is removed: the body waits in its spool
     * and is sent when the webhook comes back */
    pthread_mutex_lock(&rxmu);
    rxs[2].status = 503;
    pthread_mutex_unlock(&rxmu);
    send_event("four@example.com");
    CHECK(rx_got(&rxs[0], 4, "four@example.com"));
    char *only0[] = {u[0]};
    CHECK(reload_to(NULL, 1, only0, newkeys, err, sizeof err) == 0);
    CHECK(tids("bm-webhook", t1, 8, 1) == 1);
    pthread_mutex_lock(&rxmu);
    rxs[2].status = 200;
    pthread_mutex_unlock(&rxmu);
    CHECK(reload_to(NULL, 2, swap, newkeys, err, sizeof err) == 0);
    CHECK(rx_got(&rxs[2], 3, "four@example.com"));

    /* a spool that cannot be opened: refused, nothing restarted */
    n0 = tids("bm-webhook", t0, 8, 2);
    mconf *bad = conf_with(NULL, 3, (char *[]){u[0], u[2], u[1]}, NULL);
    CHECK(enforce_reload(bad, NULL, "/nonexistent-dir/journal", err, sizeof err) == -1);
    CHECK(strstr(err, "/nonexistent-dir/journal.webhook-") != NULL);
    mconf_free(bad);
    n1 = tids("bm-webhook", t1, 8, 2);
    CHECK(n0 == 2 && n1 == 2 && common(t0, n0, t1, n1) == 2);
    send_event("five@example.com");
    CHECK(rx_got(&rxs[0], 5, "five@example.com") && rx_got(&rxs[2], 4, "five@example.com"));
    CHECK(rx_count(&rxs[1]) == 1);

    /* events queued while reloads come and go: the unchanged webhook gets
     * every one of them, once */
    pthread_t sender;
    pthread_create(&sender, NULL, send_many, NULL);
    int refused = 0;
    for (int i = 0; i < 20; i++)
        refused += reload_to(NULL, i % 2 ? 2 : 1, swap, newkeys, err, sizeof err) != 0;
    pthread_join(sender, NULL);
    CHECK(refused == 0 && rx_got(&rxs[0], 5 + MANY, "many@example.com"));
    enforce_stop();
    CHECK(tids("bm-webhook", t0, 8, 0) == 0);
    for (int i = 0; i < NRX; i++)
        rx_stop(&rxs[i]);
}

TEST(reloads_leave_no_thread_or_fd)
{
    char spec_a[140], spec_b[140], err[512], journal[128];
    snprintf(spec_a, sizeof spec_a, "unix:%s/a.sock", dir);
    snprintf(spec_b, sizeof spec_b, "unix:%s/b.sock", dir);
    snprintf(journal, sizeof journal, "%s/journal", dir);
    /* nothing listens there: the webhooks stay idle without events */
    char *urls[] = {"http://127.0.0.1:9/a", "http://127.0.0.1:9/b"};
    char *keys[] = {"k1", NULL}, *keys2[] = {"k2", NULL};
    mconf *c = conf_with(spec_a, 1, urls, keys);
    CHECK(enforce_start(c, NULL, journal, (gid_t)-1, err, sizeof err) == 0);
    mconf_free(c);
    int fds = entries("/proc/self/fd"), threads = entries("/proc/self/task"), bad = 0;
    for (int i = 0; i < 100; i++)
        switch (i % 4) {
        case 0:
            bad += reload_to(spec_b, 2, urls, keys, err, sizeof err) != 0;
            break;
        case 1:
            bad += reload_to(NULL, 2, urls, keys2, err, sizeof err) != 0;
            break;
        case 2:
            bad += reload_to("unix:/nonexistent-dir/x", 0, NULL, NULL, err, sizeof err) != -1;
            break;
        default:
            bad += reload_to(spec_a, 1, urls, keys, err, sizeof err) != 0;
        }
    CHECK(bad == 0);
    int fds2 = entries("/proc/self/fd"), threads2 = entries("/proc/self/task");
    printf("# 100 reloads: %d fds before, %d after; %d threads before, %d after\n", fds, fds2,
           threads, threads2);
    CHECK(fds2 == fds && threads2 == threads);
    enforce_stop();
}

int main(void)
{
    dir = test_tempdir("test_enf");
    RUN_TESTS();
}
