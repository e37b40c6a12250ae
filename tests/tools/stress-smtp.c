/*
 * stress-smtp - the SMTP client and the delivery sink of tests/stress.
 *
 *     stress-smtp send [-s SESSIONS] [-m MESSAGES] [-n PER_CONNECTION] [-b EVERY]
 *                      [-i ID_PREFIX] [-l LOG] [-w SECONDS] [-H] HOST:PORT PLAIN BOUNCE...
 *     stress-smtp sink -l LOG HOST:PORT
 *
 * send: SESSIONS threads send MESSAGES messages between them, each over a
 * connection it keeps for PER_CONNECTION messages (default 20).  Message i
 * is a bounce (null sender, one of the BOUNCE files in turn) when i is a
 * multiple of EVERY (default 5), else the PLAIN file; an "X-Stress-Id:
 * ID_PREFIX-i" header goes first.  A message refused for the moment (4xx,
 * or a connection that breaks) is sent again over a new connection, as an
 * MTA would retry it, for at most SECONDS (default 120) per message.  Each
 * accepted message is a line "ID CONNECT_MS" in LOG: the time its SMTP
 * connection was opened (ms since the epoch).  -H: every session stops in
 * the middle of its first message's DATA; once all have, "held" is printed
 * on standard output and the sessions go on at SIGUSR1.  Prints "sent N
 * accepted N failed N retries N" at the end; exit 1 when a message failed.
 *
 * sink: an SMTP server (one thread a connection) that accepts every
 * message and appends "ID TAGGED" to LOG, flushed at once, where ID is the
 * X-Stress-Id value and TAGGED is 1 when the header section holds an
 * X-Bounce-* header.  Runs until SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_LEN 8192

static struct sockaddr_in server;
static FILE *log_out;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* HOST:PORT, an IPv4 address, into server. */
static int parse_server(const char *hp)
{
    char host[64];
    const char *colon = strrchr(hp, ':');
    if (colon == NULL || (size_t)(colon - hp) >= sizeof host)
        return -1;
    memcpy(host, hp, (size_t)(colon - hp));
    host[colon - hp] = '\0';
    server.sin_family = AF_INET;
    server.sin_port = htons((unsigned short)atoi(colon + 1));
    return inet_pton(AF_INET, host, &server.sin_addr) == 1 ? 0 : -1;
}

/* --- the sending side --- */

struct file {
    char *data;
    size_t len;
};

static struct file plain, *bounces;
static size_t nbounces;
static long nmessages, per_conn = 20, every = 5, wait_secs = 120;
static const char *id_prefix = "m";
static long next_message, accepted, failed, retries; /* atomic */
static int hold, nsessions = 50, nheld;
static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cond = PTHREAD_COND_INITIALIZER;
static int released;

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The file, without an mbox "From " line, dot-stuffed, with CRLF line ends. */
static int read_message(const char *path, struct file *f)
{
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, n = 0;
    char *out = malloc(cap), line[LINE_MAX_LEN];
    int first = 1;
    while (out != NULL && fgets(line, sizeof line, in) != NULL) {
        size_t l = strcspn(line, "\r\n");
        line[l] = '\0';
        if (first && strncmp(line, "From ", 5) == 0) {
            first = 0;
            continue;
        }
        first = 0;
        if (n + l + 4 > cap) {
            while (n + l + 4 > cap)
                cap *= 2;
            char *o = realloc(out, cap);
            if (o == NULL) {
                free(out);
                out = NULL;
                break;
            }
            out = o;
        }
        if (line[0] == '.')
            out[n++] = '.';
        memcpy(out + n, line, l);
        n += l;
        out[n++] = '\r';
        out[n++] = '\n';
    }
    fclose(in);
    if (out == NULL)
        return -1;
    f->data = out;
    f->len = n;
    return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

struct conn {
    int fd;
    char buf[LINE_MAX_LEN];
    size_t have;
    long opened_ms;
};

/* One line into line (without CRLF); -1 at EOF or error. */
static int read_line(int fd, char *buf, size_t *have, char *line, size_t size)
{
    for (;;) {
        char *nl = memchr(buf, '\n', *have);
        if (nl != NULL) {
            size_t l = (size_t)(nl - buf);
            size_t c = l < size - 1 ? l : size - 1;
            memcpy(line, buf, c);
            line[c] = '\0';
            if (c > 0 && line[c - 1] == '\r')
                line[c - 1] = '\0';
            memmove(buf, nl + 1, *have - l - 1);
            *have -= l + 1;
            return 0;
        }
        if (*have == LINE_MAX_LEN)
            *have = 0; /* an endless line: drop it */
        ssize_t r = read(fd, buf + *have, LINE_MAX_LEN - *have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        *have += (size_t)r;
    }
}

/* The reply's code (its last line's), or -1 when the connection broke. */
static int reply(struct conn *c)
{
    char line[LINE_MAX_LEN];
    do {
        if (read_line(c->fd, c->buf, &c->have, line, sizeof line) != 0 || strlen(line) < 3)
            return -1;
    } while (line[3] == '-');
    return atoi(line);
}

static int command(struct conn *c, const char *cmd)
{
    return write_all(c->fd, cmd, strlen(cmd)) == 0 ? reply(c) : -1;
}

static void hang_up(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->have = 0;
}

static int open_conn(struct conn *c)
{
    struct timeval tv = {60, 0};
    c->have = 0;
    c->opened_ms = now_ms();
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0)
        return -1;
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(c->fd, (struct sockaddr *)&server, sizeof server) != 0 || reply(c) != 220 ||
        command(c, "EHLO client.stress.test\r\n") != 250) {
        hang_up(c);
        return -1;
    }
    return 0;
}

static void wait_for_release(void)
{
    pthread_mutex_lock(&hold_lock);
    if (++nheld == nsessions) {
        printf("held\n");
        fflush(stdout);
    }
    while (!released)
        pthread_cond_wait(&hold_cond, &hold_lock);
    pthread_mutex_unlock(&hold_lock);
}

/* One attempt at message i: 0 accepted, 1 refused for now, -1 broken. */
static int send_one(struct conn *c, long i, int *first)
{
    const struct file *f = i % every == 0 ? &bounces[(i / every) % nbounces] : &plain;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "MAIL FROM:<%s>\r\n", i % every == 0 ? "" : "alice@sender.test");
    int code = command(c, cmd);
    if (code == 250)
        code = command(c, "RCPT TO:<rcpt@example.test>\r\n");
    if (code == 250)
        code = command(c, "DATA\r\n");
    if (code != 354 && code != 250)
        return code < 0 ? -1 : (command(c, "RSET\r\n") == 250 ? 1 : -1);
    if (code == 250)
        return -1; /* DATA said 250: not SMTP as we know it */
    int n = snprintf(cmd, sizeof cmd, "X-Stress-Id: %s-%ld\r\n", id_prefix, i);
    size_t half = hold && *first ? f->len / 2 : f->len;
    if (write_all(c->fd, cmd, (size_t)n) != 0 || write_all(c->fd, f->data, half) != 0)
        return -1;
    if (half < f->len) {
        *first = 0;
        wait_for_release();
        if (write_all(c->fd, f->data + half, f->len - half) != 0)
            return -1;
    }
    code = command(c, ".\r\n");
    if (code == 250) {
        pthread_mutex_lock(&log_lock);
        fprintf(log_out, "%s-%ld %ld\n", id_prefix, i, c->opened_ms);
        fflush(log_out); /* tests/stress follows the count */
        pthread_mutex_unlock(&log_lock);
        return 0;
    }
    return code < 0 ? -1 : 1;
}

static void *sender(void *arg)
{
    struct conn c = {.fd = -1};
    int first = 1;
    long on_conn = 0, i;
    while ((i = __atomic_fetch_add(&next_message, 1, __ATOMIC_RELAXED)) < nmessages) {
        long deadline = now_ms() + wait_secs * 1000;
        int rc = -1;
        for (;;) {
            if (c.fd < 0 && open_conn(&c) == 0)
                on_conn = 0;
            rc = c.fd >= 0 ? send_one(&c, i, &first) : -1;
            if (rc == 0 || now_ms() > deadline)
                break;
            /* refused or broken: a new connection, a little later */
            __atomic_add_fetch(&retries, 1, __ATOMIC_RELAXED);
            hang_up(&c);
            usleep(200 * 1000);
        }
        __atomic_add_fetch(rc == 0 ? &accepted : &failed, 1, __ATOMIC_RELAXED);
        if (rc != 0 || ++on_conn >= per_conn) {
            if (c.fd >= 0)
                command(&c, "QUIT\r\n");
            hang_up(&c);
        }
    }
    if (c.fd >= 0)
        command(&c, "QUIT\r\n");
    hang_up(&c);
    if (hold && first)
        wait_for_release(); /* no message of its own: the count must still be reached */
    return NULL;
}

static void *releaser(void *arg)
{
    sigset_t *set = arg;
    int sig;
    sigwait(set, &sig);
    pthread_mutex_lock(&hold_lock);
    released = 1;
    pthread_cond_broadcast(&hold_cond);
    pthread_mutex_unlock(&hold_lock);
    return NULL;
}

static int run_send(int argc, char **argv)
{
    const char *log = "/dev/null";
    int opt;
    while ((opt = getopt(argc, argv, "s:m:n:b:i:l:w:H")) != -1) {
        switch (opt) {
        case 's':
            nsessions = atoi(optarg);
            break;
        case 'm':
            nmessages = atol(optarg);
            break;
        case 'n':
            per_conn = atol(optarg);
            break;
        case 'b':
            every = atol(optarg);
            break;
        case 'i':
            id_prefix = optarg;
            break;
        case 'l':
            log = optarg;
            break;
        case 'w':
            wait_secs = atol(optarg);
            break;
        case 'H':
            hold = 1;
            break;
        default:
            return 2;
        }
    }
    if (argc - optind < 3 || nsessions < 1 || every < 1 || per_conn < 1 ||
        parse_server(argv[optind]) != 0)
        return 2;
    if (read_message(argv[optind + 1], &plain) != 0)
        return 1;
    nbounces = (size_t)(argc - optind - 2);
    bounces = calloc(nbounces, sizeof *bounces);
    for (size_t k = 0; bounces != NULL && k < nbounces; k++)
        if (read_message(argv[optind + 2 + k], &bounces[k]) != 0)
            return 1;
    if ((log_out = fopen(log, "a")) == NULL) {
        perror(log);
        return 1;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    pthread_t rel, *t = calloc((size_t)nsessions, sizeof *t);
    if (t == NULL)
        return 1;
    if (hold)
        pthread_create(&rel, NULL, releaser, &set);
    for (int k = 0; k < nsessions; k++)
        pthread_create(&t[k], NULL, sender, NULL);
    for (int k = 0; k < nsessions; k++)
        pthread_join(t[k], NULL);
    fclose(log_out);
    printf("sent %ld accepted %ld failed %ld retries %ld\n", nmessages, accepted, failed, retries);
    return failed ? 1 : 0;
}

/* --- the sink --- */

static void *sink_session(void *arg)
{
    struct conn c = {.fd = (int)(long)arg};
    char line[LINE_MAX_LEN], id[256];
    const char *hello = "220 sink.stress.test ESMTP\r\n";
    if (write_all(c.fd, hello, strlen(hello)) != 0)
        goto done;
    while (read_line(c.fd, c.buf, &c.have, line, sizeof line) == 0) {
        const char *r = "250 ok\r\n";
        if (strncasecmp(line, "DATA", 4) == 0) {
            if (write_all(c.fd, "354 go on\r\n", 11) != 0)
                goto done;
            int in_headers = 1, tagged = 0;
            id[0] = '\0';
            while (read_line(c.fd, c.buf, &c.have, line, sizeof line) == 0 &&
                   strcmp(line, ".") != 0) {
                if (line[0] == '\0')
                    in_headers = 0;
                else if (in_headers && strncasecmp(line, "X-Stress-Id: ", 13) == 0)
                    snprintf(id, sizeof id, "%.200s", line + 13);
                else if (in_headers && strncasecmp(line, "X-Bounce-", 9) == 0)
                    tagged = 1;
            }
            pthread_mutex_lock(&log_lock);
            fprintf(log_out, "%s %d\n", *id ? id : "-", tagged);
            fflush(log_out);
            pthread_mutex_unlock(&log_lock);
        } else if (strncasecmp(line, "QUIT", 4) == 0) {
            write_all(c.fd, "221 bye\r\n", 9);
            break;
        } else if (strncasecmp(line, "EHLO", 4) == 0) {
            r = "250 sink.stress.test\r\n";
        }
        if (write_all(c.fd, r, strlen(r)) != 0)
            break;
    }
done:
    close(c.fd);
    return NULL;
}

static int run_sink(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[1], "-l") != 0)
        return 2;
    if ((log_out = fopen(argv[2], "a")) == NULL) {
        perror(argv[2]);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&server, sizeof server) != 0 || listen(fd, 256)) {
        perror("sink: bind");
        return 1;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (;;) {
        int c = accept(fd, NULL, NULL);
        pthread_t t;
        if (c >= 0 && pthread_create(&t, &attr, sink_session, (void *)(long)c) != 0)
            close(c);
    }
}

int main(int argc, char **argv)
{
    int rc = 2;
    if (argc > 2 && strcmp(argv[1], "send") == 0)
        rc = run_send(argc - 1, argv + 1);
    else if (argc == 5 && strcmp(argv[1], "sink") == 0 && parse_server(argv[4]) == 0)
        rc = run_sink(argc - 1, argv + 1);
    if (rc == 2)
        fprintf(stderr, "usage: stress-smtp send [-s N] [-m N] [-n N] [-b N] [-i ID] [-l LOG] "
                        "[-w SECS] [-H] HOST:PORT PLAIN BOUNCE...\n"
                        "       stress-smtp sink -l LOG HOST:PORT\n");
    return rc;
}
