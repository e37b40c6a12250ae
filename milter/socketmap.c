/*
 * socketmap.c - serve the suppression set to Postfix (socketmap_table(5)).
 *
 * Each request and reply is one netstring, "LEN:DATA,".  The request is
 * "NAME KEY"; only the map "suppressed" exists.  A connection's input is
 * kept in a fixed buffer of SM_MAX_REQUEST plus room for the netstring's
 * frame, and anything that is not a well-formed netstring within it closes
 * the connection after a PERM reply: hostile input costs a connection,
 * never memory or the thread.  Replies are written with MSG_DONTWAIT; a
 * client that reads nothing and fills its socket buffer is dropped.
 */
#include "socketmap.h"

#include "smconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SM_MAX_CLIENTS 256
#define SM_BUF (SM_MAX_REQUEST + 16)

struct client {
    int fd;
    size_t len;
    char buf[SM_BUF];
};

struct socketmap {
    int lfd, wake[2];
    char path[108];
    dev_t dev; /* the socket file we bound: only that one is removed */
    ino_t ino;
    suppset *set;
    pthread_t thread;
    int started;
    struct client *clients[SM_MAX_CLIENTS];
    size_t nclients;
    uint64_t lookups, found; /* atomic */
};

int sm_parse(const char *in, size_t len, size_t *used, const char **req, size_t *reqlen)
{
    size_t n = 0, i = 0;
    for (; i < len && in[i] >= '0' && in[i] <= '9'; i++) {
        n = n * 10 + (size_t)(in[i] - '0');
        if (n > SM_MAX_REQUEST)
            return -1;
    }
    if (i == len)
        return i > 5 ? -1 : 0; /* digits so far, or nothing yet */
    if (i == 0 || in[i] != ':')
        return -1;
    if (len < i + 1 + n + 1)
        return 0;
    if (in[i + 1 + n] != ',')
        return -1;
    *req = in + i + 1;
    *reqlen = n;
    *used = i + 1 + n + 1;
    return 1;
}

static size_t netstring(char *out, const char *data)
{
    size_t n = strlen(data);
    int k = snprintf(out, SM_MAX_REPLY, "%zu:%s,", n, data);
    return k > 0 && (size_t)k < SM_MAX_REPLY ? (size_t)k : 0;
}

size_t sm_answer(suppset *set, const char *req, size_t reqlen, int64_t now, char *out, int *found)
{
    char key[SM_MAX_REQUEST + 1], reply[SM_MAX_REPLY - 16];
    static const char name[] = SM_MAP_NAME " ";
    *found = 0;
    if (reqlen < sizeof name || memcmp(req, name, sizeof name - 1) != 0)
        return netstring(out, "PERM unknown map (only \"" SM_MAP_NAME "\")");
    size_t klen = reqlen - (sizeof name - 1);
    memcpy(key, req + sizeof name - 1, klen);
    key[klen] = '\0';
    if (memchr(key, '\0', klen) != NULL || strchr(key, '@') == NULL)
        return netstring(out, "NOTFOUND "); /* a domain or "user@" key: never suppressed */
    if (suppset_lookup(set, key, now, reply + 3, sizeof reply - 3) != 1)
        return netstring(out, "NOTFOUND ");
    *found = 1;
    memcpy(reply, "OK ", 3);
    return netstring(out, reply);
}

static int listen_unix(socketmap *sm, mode_t mode, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sm->path);
    sm->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (sm->lfd < 0) {
        snprintf(err, errlen, "socketmap: socket: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (lstat(sm->path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(sm->path); /* left by a daemon that did not stop cleanly */
    if (bind(sm->lfd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        snprintf(err, errlen, "socketmap: %s: %s", sm->path, strerror(errno));
        close(sm->lfd);
        sm->lfd = -1; /* not bound: the file there is not ours to remove */
        return -1;
    }
    if (lstat(sm->path, &st) == 0) {
        sm->dev = st.st_dev;
        sm->ino = st.st_ino;
    }
    if (chmod(sm->path, mode) != 0 || listen(sm->lfd, 128) != 0) {
        snprintf(err, errlen, "socketmap: %s: %s", sm->path, strerror(errno));
        return -1;
    }
    return 0;
}

socketmap *socketmap_open(const char *spec, mode_t mode, suppset *set, char *err, size_t errlen)
{
    const char *why = smconf_socketmap_problem(spec);
    if (why != NULL) {
        snprintf(err, errlen, "socketmap: \"%s\" %s", spec, why);
        return NULL;
    }
    socketmap *sm = calloc(1, sizeof *sm);
    if (sm == NULL) {
        snprintf(err, errlen, "socketmap: out of memory");
        return NULL;
    }
    sm->lfd = sm->wake[0] = sm->wake[1] = -1;
    sm->set = set;
    snprintf(sm->path, sizeof sm->path, "%s", spec + 5);
    if (listen_unix(sm, mode, err, errlen) != 0) {
        socketmap_stop(sm);
        return NULL;
    }
    if (pipe2(sm->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "socketmap: %s", strerror(errno));
        socketmap_stop(sm);
        return NULL;
    }
    return sm;
}

static void drop(socketmap *sm, size_t i)
{
    close(sm->clients[i]->fd);
    free(sm->clients[i]);
    sm->clients[i] = sm->clients[--sm->nclients];
}

static void accept_all(socketmap *sm)
{
    int fd;
    while ((fd = accept4(sm->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
        struct client *c = sm->nclients < SM_MAX_CLIENTS ? malloc(sizeof *c) : NULL;
        if (c == NULL) {
            close(fd); /* Postfix retries; better than unbounded memory */
            continue;
        }
        c->fd = fd;
        c->len = 0;
        sm->clients[sm->nclients++] = c;
    }
}

/* Answer every complete request in c's buffer: 0, or -1 to drop c. */
static int serve(socketmap *sm, struct client *c)
{
    size_t off = 0, used, reqlen;
    const char *req;
    char out[SM_MAX_REPLY];
    int rc, found;
    while ((rc = sm_parse(c->buf + off, c->len - off, &used, &req, &reqlen)) == 1) {
        size_t n = sm_answer(sm->set, req, reqlen, (int64_t)time(NULL), out, &found);
        __atomic_add_fetch(&sm->lookups, 1, __ATOMIC_RELAXED);
        if (found)
            __atomic_add_fetch(&sm->found, 1, __ATOMIC_RELAXED);
        if (send(c->fd, out, n, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)n)
            return -1;
        off += used;
    }
    if (rc < 0) {
        size_t n = netstring(out, "PERM bad request");
        (void)!send(c->fd, out, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        return -1;
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
    return 0;
}

static int readable(socketmap *sm, struct client *c)
{
    ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0)
        return -1;
    c->len += (size_t)n;
    return serve(sm, c);
}

static void *loop(void *arg)
{
    socketmap *sm = arg;
    struct pollfd pfd[SM_MAX_CLIENTS + 2];
    for (;;) {
        size_t n = sm->nclients;
        pfd[0] = (struct pollfd){.fd = sm->wake[0], .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = sm->lfd, .events = POLLIN};
        for (size_t i = 0; i < n; i++)
            pfd[i + 2] = (struct pollfd){.fd = sm->clients[i]->fd, .events = POLLIN};
        if (poll(pfd, n + 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[0].revents != 0)
            break;
        /* Backwards, so that dropping (which moves the last client into
         * slot i) never skips one that poll marked. */
        for (size_t i = n; i-- > 0;)
            if (pfd[i + 2].revents != 0 && readable(sm, sm->clients[i]) != 0)
                drop(sm, i);
        if (pfd[1].revents != 0)
            accept_all(sm);
    }
    return NULL;
}

int socketmap_start(socketmap *sm)
{
    if (pthread_create(&sm->thread, NULL, loop, sm) != 0)
        return -1;
    pthread_setname_np(sm->thread, "bm-socketmap"); /* ps -L, and the reload tests */
    sm->started = 1;
    return 0;
}

uint64_t socketmap_lookups(socketmap *sm)
{
    return __atomic_load_n(&sm->lookups, __ATOMIC_RELAXED);
}

uint64_t socketmap_found(socketmap *sm)
{
    return __atomic_load_n(&sm->found, __ATOMIC_RELAXED);
}

void socketmap_stop(socketmap *sm)
{
    if (sm == NULL)
        return;
    if (sm->started) {
        (void)!write(sm->wake[1], "x", 1);
        pthread_join(sm->thread, NULL);
    }
    while (sm->nclients > 0)
        drop(sm, sm->nclients - 1);
    if (sm->lfd >= 0) {
        close(sm->lfd);
        /* A daemon started meanwhile on the same path owns the file now. */
        struct stat st;
        if (lstat(sm->path, &st) == 0 && st.st_dev == sm->dev && st.st_ino == sm->ino)
            unlink(sm->path);
    }
    if (sm->wake[0] >= 0) {
        close(sm->wake[0]);
        close(sm->wake[1]);
    }
    free(sm);
}
