/*
 * socketmap-bench.c - the suppression set's memory and the socketmap's
 * lookup rate (make bench, through tests/bench/socketmap).
 *
 *     socketmap-bench N CLIENTS SECONDS
 *
 * Fills a set with N addresses, prints its bytes per million addresses (the
 * table and its strings) and the process's RSS growth, the in-process
 * lookup time, then serves it on a private socket to CLIENTS threads that
 * each ask one question at a time on their own connection, as Postfix's
 * smtpd processes do, for SECONDS, half of the keys suppressed, and prints
 * lookups/s.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "socketmap.h"
#include "store.h"
#include "suppset.h"

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct client {
    const char *path;
    long n, seed;
    double until;
    int errors;
};

static void *client(void *arg)
{
    struct client *c = arg;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", c->path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        c->errors++;
        return NULL;
    }
    char req[128], key[96], rep[600];
    unsigned seed = (unsigned)c->seed;
    while ((c->n & 1023) != 0 || now() < c->until) {
        long i = rand_r(&seed) % 2000000; /* half of them in the set */
        snprintf(key, sizeof key, "suppressed subscriber%ld@Example%ld.com", i, i % 97);
        int len = snprintf(req, sizeof req, "%zu:%s,", strlen(key), key);
        if (write(fd, req, (size_t)len) != len || read(fd, rep, sizeof rep) <= 0) {
            c->errors++;
            break;
        }
        c->n++;
    }
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int nclients = argc > 2 ? atoi(argv[2]) : 4;
    double secs = argc > 3 ? atof(argv[3]) : 3;
    if (n <= 0 || nclients <= 0 || nclients > 64)
        return 2;
    long rss0 = rss_kb();
    suppset *ss = suppset_new();
    char a[96];
    suppression sp = {.address = a, .reason = "userunknown", .since = 1796601600, .enforced = 1};
    double t0 = now();
    for (long i = 0; i < n; i++) {
        snprintf(a, sizeof a, "subscriber%ld@example%ld.com", i, i % 97);
        if (suppset_add(ss, &sp) != 0)
            return 1;
    }
    double t1 = now();
    printf("  %ld addresses added in %.2f s; the set: %.1f MB per million addresses "
           "(RSS grew %.1f MB per million)\n",
           n, t1 - t0, (double)suppset_bytes(ss) / 1048576.0 * 1e6 / (double)n,
           (double)(rss_kb() - rss0) / 1024.0 * 1e6 / (double)n);
    char reply[256];
    long hits = 0, probes = 2000000;
    t0 = now();
    for (long i = 0; i < probes; i++) {
        snprintf(a, sizeof a, "subscriber%ld@example%ld.com", (i * 7919) % (2 * n),
                 (i * 7919) % (2 * n) % 97);
        hits += suppset_lookup(ss, a, 1796601600, reply, sizeof reply);
    }
    t1 = now();
    printf("  in process: %.0f ns per lookup (key formatting included), %ld of %ld found\n",
           (t1 - t0) * 1e9 / (double)probes, hits, probes);

    char dir[] = "/tmp/sm-bench.XXXXXX", spec[128], err[256];
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(spec, sizeof spec, "unix:%s/sm.sock", dir);
    socketmap *sm = socketmap_open(spec, 0600, ss, err, sizeof err);
    if (sm == NULL || socketmap_start(sm) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    pthread_t th[64];
    struct client cl[64];
    t0 = now();
    for (int i = 0; i < nclients; i++) {
        cl[i] = (struct client){.path = spec + 5, .seed = i + 1, .until = t0 + secs};
        pthread_create(&th[i], NULL, client, &cl[i]);
    }
    long total = 0;
    int errors = 0;
    for (int i = 0; i < nclients; i++) {
        pthread_join(th[i], NULL);
        total += cl[i].n;
        errors += cl[i].errors;
    }
    t1 = now();
    double rate = (double)total / (t1 - t0);
    printf("  socketmap: %.0f lookups/s (%d connections, one request at a time each, %ld lookups, "
           "%ld found, %d errors) (target >= 100000/s: %s)\n",
           rate, nclients, total, (long)socketmap_found(sm), errors,
           rate >= 100000 ? "met" : "NOT met");
    socketmap_stop(sm);
    suppset_free(ss);
    rmdir(dir);
    return errors != 0;
}
