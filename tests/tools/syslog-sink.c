/*
 * syslog-sink - a stand-in for syslogd's /dev/log, for the tests.
 *
 *     syslog-sink SOCKET OUTFILE
 *
 * Binds a unix datagram socket at SOCKET (mode 0666: the daemon under test
 * writes to it after dropping to an unprivileged user) and appends every
 * datagram it receives to OUTFILE as one line, exactly as sent
 * ("<PRI>timestamp ident[pid]: message"), flushed at once so a test can
 * read it while the sink runs.  Runs until SIGTERM or SIGINT, then removes
 * SOCKET.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: syslog-sink SOCKET OUTFILE\n");
        return 2;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof sa.sun_path) {
        fprintf(stderr, "syslog-sink: %s: path too long\n", argv[1]);
        return 2;
    }
    strcpy(sa.sun_path, argv[1]);
    FILE *out = fopen(argv[2], "a");
    if (out == NULL) {
        fprintf(stderr, "syslog-sink: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    /* no SA_RESTART: recv returns EINTR and the loop sees stop */
    struct sigaction act = {.sa_handler = on_signal};
    sigemptyset(&act.sa_mask);
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    unlink(sa.sun_path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        chmod(sa.sun_path, 0666) != 0) {
        fprintf(stderr, "syslog-sink: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    char buf[8192];
    while (!stop) {
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "syslog-sink: recv: %s\n", strerror(errno));
            break;
        }
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
            n--; /* some clients end the datagram with a newline or NUL */
        fprintf(out, "%.*s\n", (int)n, buf);
        fflush(out);
    }
    unlink(sa.sun_path);
    return fclose(out) == 0 ? 0 : 1;
}
