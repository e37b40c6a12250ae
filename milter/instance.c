/*
 * instance.c - one daemon per socket and pid file, and the start-up checks
 * made as the service user.
 *
 * libmilter removes an existing unix socket file before it binds, so a
 * second daemon started on the same socket would cut the first off its MTA
 * (and take the socket with it when it exits).  instance_other() is
 * therefore asked before anything is touched: a socket that accepts a
 * connection, or a pid file naming a live bounce-milter, means another
 * instance runs.  A socket file nobody answers on, or a pid file left by a
 * crash (its process gone, or the number reused by another program), is
 * stale and may be replaced.  The socket is tried as the service user, whose
 * it is: root under the shipped unit lacks CAP_DAC_OVERRIDE and would be
 * refused, which looks the same as a stale socket.
 *
 * The pid file is written as root into a directory the service user may
 * own: it is opened without following a symlink and must be a regular file
 * with no other hard link, so that user cannot aim the write elsewhere.
 *
 * The daemon reads its config and rules again as the service user at each
 * reload; instance_user_check() does so at start and for -n, in a child
 * that has become that user, so that start, reload and -n agree on files
 * only root can read, and on a stats file directory the user cannot write.
 */
#include "instance.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "runtime.h"

#define CONNECT_WAIT_MS 2000 /* a live daemon accepts at once */

static char as_who[300]; /* "as user NAME: " in a child that became NAME */

/* 1 if fd's non-blocking connect to sa completes. */
static int connects(int fd, const struct sockaddr *sa, socklen_t len)
{
    if (connect(fd, sa, len) == 0)
        return 1;
    if (errno != EINPROGRESS)
        return 0;
    struct pollfd p = {fd, POLLOUT, 0};
    int err = 0;
    socklen_t elen = sizeof err;
    return poll(&p, 1, CONNECT_WAIT_MS) == 1 &&
           getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0;
}

static int unix_answers(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sun.sun_path)
        return 0;
    memcpy(sun.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int yes = connects(fd, (struct sockaddr *)&sun, sizeof sun);
    close(fd);
    return yes;
}

/* "port@host" (host omitted: any address, reached through loopback). */
static int inet_answers(const char *portat, int family)
{
    char port[16], host[256];
    const char *at = strchr(portat, '@');
    size_t plen = at != NULL ? (size_t)(at - portat) : strlen(portat);
    if (plen == 0 || plen >= sizeof port)
        return 0;
    memcpy(port, portat, plen);
    port[plen] = '\0';
    snprintf(host, sizeof host, "%s", at != NULL ? at + 1 : "");
    if (*host == '\0' || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
        snprintf(host, sizeof host, "%s", family == AF_INET6 ? "::1" : "127.0.0.1");
    struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return 0;
    int yes = 0;
    for (struct addrinfo *ai = res; ai != NULL && !yes; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        yes = connects(fd, ai->ai_addr, ai->ai_addrlen);
        close(fd);
    }
    freeaddrinfo(res);
    return yes;
}

/* The live process a pid file names, or 0 when there is none. */
static long pid_file_owner(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[32];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *end;
    long pid = strtol(buf, &end, 10);
    if (pid <= 0 || pid == (long)getpid() || (*end != '\n' && *end != '\0'))
        return 0;
    if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
        return 0;
    /* a number reused by another program after a crash is no instance */
    char comm[64], name[32];
    snprintf(comm, sizeof comm, "/proc/%ld/comm", pid);
    FILE *f = fopen(comm, "re");
    if (f == NULL)
        return pid;
    int ours = fgets(name, sizeof name, f) != NULL && strncmp(name, "bounce-milter", 13) == 0;
    fclose(f);
    return ours ? pid : 0;
}

/* 1 when something accepts a connection on spec. */
static int answers(const void *spec_arg)
{
    const char *spec = spec_arg;
    if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0)
        return unix_answers(strchr(spec, ':') + 1);
    if (strncmp(spec, "inet:", 5) == 0)
        return inet_answers(spec + 5, AF_INET);
    if (strncmp(spec, "inet6:", 6) == 0)
        return inet_answers(spec + 6, AF_INET6);
    return 0;
}

/* fn(arg) as user (uid, gid) in a child when we are root and user is set,
 * else here: fn's result (0 or 1), or -1 when the child could not run it. */
static int as_user(const char *user, uid_t uid, gid_t gid, int (*fn)(const void *), const void *arg)
{
    if (geteuid() != 0 || *user == '\0')
        return fn(arg);
    fflush(NULL); /* the child must not write our buffers again */
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "bounce-milter: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (initgroups(user, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
            fprintf(stderr, "bounce-milter: cannot become user %s: %s\n", user, strerror(errno));
            _exit(2);
        }
        snprintf(as_who, sizeof as_who, "as user %s: ", user);
        int rc = fn(arg);
        fflush(NULL);
        _exit(rc == 0 ? 0 : 1);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return !WIFEXITED(status) || WEXITSTATUS(status) > 1 ? -1 : WEXITSTATUS(status);
}

int instance_other(const char *spec, const char *pid_file, const char *user, uid_t uid, gid_t gid)
{
    /* as the user the daemon runs as: the socket is that user's, and root
     * under the shipped unit has no CAP_DAC_OVERRIDE to connect to it */
    if (as_user(user, uid, gid, answers, spec) != 0) {
        fprintf(stderr, "bounce-milter: another instance answers on %s; not starting\n", spec);
        return 1;
    }
    long pid = *pid_file != '\0' ? pid_file_owner(pid_file) : 0;
    if (pid != 0) {
        fprintf(stderr,
                "bounce-milter: pid file %s names running process %ld; not starting (use -P for a "
                "second instance)\n",
                pid_file, pid);
        return 1;
    }
    return 0;
}

int instance_write_pid(const char *path, char *msg, size_t msglen)
{
    /* no O_TRUNC: a file that turns out not to be ours stays untouched */
    int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(msg, msglen, "cannot write pid file %s: %s", path,
                 errno == ELOOP ? "it is a symbolic link" : strerror(errno));
        return -1;
    }
    struct stat st;
    const char *why = fstat(fd, &st) != 0    ? strerror(errno)
                      : !S_ISREG(st.st_mode) ? "not a regular file"
                      : st.st_nlink != 1     ? "it has other hard links"
                                             : NULL;
    char line[32];
    int n = snprintf(line, sizeof line, "%ld\n", (long)getpid());
    if (why == NULL && (ftruncate(fd, 0) != 0 || write(fd, line, (size_t)n) != n))
        why = strerror(errno);
    if (close(fd) != 0 && why == NULL)
        why = strerror(errno);
    if (why != NULL) {
        snprintf(msg, msglen, "cannot write pid file %s: %s", path, why);
        return -1;
    }
    return 0;
}

/* What the service user must be able to do: 0 when all is well. */
static int user_checks(const void *config_path)
{
    char err[8192];
    const char *as = as_who;
    mruntime *rt = runtime_load(config_path, err, sizeof err);
    if (rt == NULL) {
        char *save = NULL;
        for (char *l = strtok_r(err, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save))
            fprintf(stderr, "bounce-milter: %s%s\n", as, l);
        return 1;
    }
    int bad = 0;
    const mconf *c = rt->conf;
    if (*c->stats_file != '\0') {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", c->stats_file);
        const char *d = dirname(dir);
        if (access(d, W_OK | X_OK) != 0) {
            fprintf(stderr,
                    "bounce-milter: %s:%d: stats_file: %sdirectory %s is not writable: %s\n",
                    c->path, mconf_line(c, "stats_file"), as, d, strerror(errno));
            bad = 1;
        }
    }
    runtime_release(rt);
    return bad;
}

int instance_user_check(const char *config_path, const char *user, uid_t uid, gid_t gid)
{
    return as_user(user, uid, gid, user_checks, config_path) == 0 ? 0 : -1;
}
