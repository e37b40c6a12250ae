/*
 * socketmap-serve.c - serve a suppression set given on the command line
 * through the daemon's socketmap code, for tests that need Postfix to ask
 * it without a store (tests/suites/47-enforce-e2e.sh).
 *
 *     socketmap-serve unix:/path/sm.sock ADDRESS=REASON... &
 *
 * Serves until SIGTERM or SIGINT, then removes the socket.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "socketmap.h"
#include "store.h"
#include "suppset.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: socketmap-serve unix:/path ADDRESS=REASON...\n", stderr);
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server thread inherits it */
    suppset *ss = suppset_new();
    for (int i = 2; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (eq == NULL || ss == NULL)
            return 2;
        *eq = '\0';
        suppression sp = {
            .address = argv[i], .reason = eq + 1, .since = (int64_t)time(NULL), .enforced = 1};
        suppset_add(ss, &sp);
    }
    char err[512];
    socketmap *sm = socketmap_open(argv[1], 0666, ss, err, sizeof err);
    if (sm == NULL || socketmap_start(sm) != 0) {
        fprintf(stderr, "socketmap-serve: %s\n", err);
        return 1;
    }
    int sig;
    sigwait(&set, &sig);
    socketmap_stop(sm);
    suppset_free(ss);
    return 0;
}
