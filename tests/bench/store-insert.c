/*
 * store-insert - the event store's insert rate (tests/bench/store, make
 * bench): N events written with store_put() in batches, as the writer
 * thread copies them from the journal, then the same N again (a replay,
 * all skipped); and the journal's append rate, one thread and eight.
 *
 *   build/tests/store-insert URI [N [BATCH]]
 *   build/tests/store-insert --journal PATH [N]
 *
 * Prints one line per figure; the target (>= 5,000 events/s) is checked
 * by the script.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "store.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static event *make_event(long i)
{
    static const char *const classes[] = {"userunknown", "mailboxfull", "hostunknown", "filtered"};
    char addr[64], id[EVENT_ID_LEN + 1];
    event *e = event_new();
    event_new_id(id);
    snprintf(addr, sizeof addr, "user%ld@example%ld.jp", i % 50000, i % 97);
    event_set(e, EV_ID, id);
    event_set(e, EV_ADDRESS, addr);
    event_set(e, EV_QUEUE_ID, "4dXyZ12abc");
    event_set(e, EV_HOST, "mx1.example.com");
    event_set(e, EV_KIND, "dsn");
    event_set(e, EV_MTA, "postfix");
    event_set(e, EV_ACTION, "failed");
    event_set(e, EV_STATUS, "5.1.1");
    event_set(e, EV_REPLY_CODE, "550");
    event_set(e, EV_CLASS, classes[i % 4]);
    event_set(e, EV_SEVERITY, i % 2 ? "soft" : "hard");
    event_set(e, EV_ADVICE, "suppress");
    event_set(e, EV_RULE, "status-5.1.1");
    event_set(e, EV_SMTP_COMMAND, "RCPT");
    event_set(e, EV_DIAGNOSTIC,
              "550 5.1.1 <user@example.jp>: Recipient address rejected: User "
              "unknown in virtual mailbox table");
    event_set(e, EV_REMOTE_MTA, "mx.example.jp");
    event_set(e, EV_MESSAGE_ID, "<20261207.abcdef@example.com>");
    e->time = 1796601600 + i;
    e->authenticated = 1;
    return e;
}

static int bench_store(const char *uri, long n, long batch)
{
    char err[512];
    store *s = store_open(uri, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "store-insert: %s\n", err);
        return 1;
    }
    event **evs = malloc((size_t)n * sizeof *evs);
    for (long i = 0; i < n; i++)
        evs[i] = make_event(i);
    for (int pass = 0; pass < 2; pass++) {
        double t0 = now();
        long stored = 0;
        for (long i = 0; i < n; i += batch) {
            long rc = store_put(s, evs + i, (size_t)(i + batch <= n ? batch : n - i));
            if (rc < 0) {
                fprintf(stderr, "store-insert: %s\n", store_error(s));
                return 1;
            }
            stored += rc;
        }
        double dt = now() - t0;
        printf("%s %ld events in batches of %ld: %.2f s, %.0f events/s (%ld stored)\n",
               pass ? "replay" : "insert", n, batch, dt, (double)n / dt, stored);
    }
    for (long i = 0; i < n; i++)
        event_free(evs[i]);
    free(evs);
    store_close(s);
    return 0;
}

static journal *shared;
static long per_thread;

static void *appender(void *arg)
{
    sbuf b = {0};
    for (long i = 0; i < per_thread; i++) {
        event *e = make_event(i);
        sbuf_reset(&b);
        event_encode(&b, e);
        event_free(e);
        if (journal_append(shared, b.s, b.len) != 0)
            return (void *)1;
    }
    sbuf_free(&b);
    return NULL;
}

static int bench_journal(const char *path, long n)
{
    char err[512];
    for (int threads = 1; threads <= 8; threads *= 8) {
        unlink(path);
        shared = journal_open(path, 0, err, sizeof err);
        if (shared == NULL) {
            fprintf(stderr, "store-insert: %s\n", err);
            return 1;
        }
        per_thread = n / threads;
        pthread_t th[8];
        double t0 = now();
        for (int t = 0; t < threads; t++)
            pthread_create(&th[t], NULL, appender, NULL);
        int failed = 0;
        for (int t = 0; t < threads; t++) {
            void *rv;
            pthread_join(th[t], &rv);
            failed |= rv != NULL;
        }
        double dt = now() - t0;
        journal_close(shared);
        if (failed) {
            fprintf(stderr, "store-insert: journal append failed\n");
            return 1;
        }
        printf("journal %d thread%s, %ld appends with fdatasync: %.2f s, %.0f appends/s\n", threads,
               threads > 1 ? "s" : "", per_thread * threads, dt,
               (double)(per_thread * threads) / dt);
    }
    unlink(path);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--journal") == 0)
        return bench_journal(argv[2], argc > 3 ? atol(argv[3]) : 2000);
    if (argc < 2) {
        fputs("usage: store-insert URI [N [BATCH]] | --journal PATH [N]\n", stderr);
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 20000, batch = argc > 3 ? atol(argv[3]) : 100;
    if (n < 1 || batch < 1)
        return 2;
    return bench_store(argv[1], n, batch);
}
