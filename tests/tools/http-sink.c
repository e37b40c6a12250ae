/*
 * http-sink - a webhook receiver on loopback, for the tests.
 *
 *     http-sink PORTFILE OUTFILE
 *
 * Listens on 127.0.0.1 on a port the system chooses and writes the port
 * number to PORTFILE once it accepts connections.  Each HTTP request is
 * answered "200 OK" and its body appended to OUTFILE as one line (a JSON
 * body has no raw newline), flushed at once so a test can read it while
 * the sink runs.  One request per connection, one connection at a time,
 * bodies up to 64 kB (longer ones are cut).  Runs until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../unit/http_request.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: http-sink PORTFILE OUTFILE\n");
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: accept returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in in = {.sin_family = AF_INET};
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof in;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&in, sizeof in) != 0 || listen(lfd, 16) != 0 ||
        getsockname(lfd, (struct sockaddr *)&in, &sl) != 0) {
        fprintf(stderr, "http-sink: %s\n", strerror(errno));
        return 1;
    }
    FILE *out = fopen(argv[2], "a");
    FILE *pf = fopen(argv[1], "w");
    if (out == NULL || pf == NULL) {
        fprintf(stderr, "http-sink: %s\n", strerror(errno));
        return 1;
    }
    fprintf(pf, "%d\n", ntohs(in.sin_port));
    fclose(pf);
    static char buf[65536];
    while (!stop) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        const char *body = http_read_request(fd, buf, sizeof buf);
        if (body != NULL) {
            fprintf(out, "%s\n", body);
            fflush(out);
        }
        static const char ok[] =
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        (void)!write(fd, ok, sizeof ok - 1);
        close(fd);
    }
    fclose(out);
    close(lfd);
    return 0;
}
