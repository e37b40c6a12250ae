/*
 * test_store_journal.c - the event journal: order, replay from the saved
 * offset, torn tails, a full journal, group commit across threads.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal.h"
#include "tap.h"
#include "tempdir.h"

static const char *jpath(const char *name)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/%s", test_tempdir("test_journal"), name);
    unlink(p);
    return p;
}

static off_t size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void append_n(journal *j, int from, int to)
{
    for (int i = from; i < to; i++) {
        char rec[32];
        int n = snprintf(rec, sizeof rec, "record %d", i);
        if (journal_append(j, rec, (size_t)n) != 0)
            abort();
    }
}

/* Read every available record; 1 if they are "record from" .. "record to-1". */
static int read_expect(journal_reader *r, int from, int to)
{
    sbuf rec = {0};
    int ok = 1, i = from;
    while (journal_reader_next(r, &rec) == 1) {
        char want[32];
        snprintf(want, sizeof want, "record %d", i++);
        if (strcmp(rec.s, want) != 0)
            ok = 0;
    }
    sbuf_free(&rec);
    return ok && i == to;
}

TEST(records_come_back_in_order_and_confirm_empties)
{
    char err[256];
    const char *p = jpath("order");
    journal *j = journal_open(p, 0, err, sizeof err);
    CHECK(j != NULL);
    CHECK(size_of(p) == JOURNAL_HEADER);
    append_n(j, 0, 5);
    journal_reader *r = journal_reader_open(p, err, sizeof err);
    CHECK(read_expect(r, 0, 5));
    CHECK(journal_reader_backlog(r) > 0);
    CHECK(journal_reader_confirm(r) == 0);
    CHECK(size_of(p) == JOURNAL_HEADER);
    CHECK(journal_reader_backlog(r) == 0);
    append_n(j, 5, 7);
    CHECK(read_expect(r, 5, 7));
    journal_reader_close(r);
    journal_close(j);
}

TEST(a_new_reader_starts_at_the_saved_offset)
{
    char err[256];
    const char *p = jpath("offset");
    journal *j = journal_open(p, 0, err, sizeof err);
    append_n(j, 0, 3);
    journal_reader *r = journal_reader_open(p, err, sizeof err);
    sbuf rec = {0};
    CHECK(journal_reader_next(r, &rec) == 1);
    CHECK_STR(rec.s, "record 0");
    CHECK(journal_reader_next(r, &rec) == 1);
    CHECK_STR(rec.s, "record 1");
    CHECK(journal_reader_confirm(r) == 0); /* two confirmed, one left */
    journal_reader_close(r);
    append_n(j, 3, 4);
    r = journal_reader_open(p, err, sizeof err);
    CHECK(read_expect(r, 2, 4));
    /* Not confirmed: a third reader replays the same records. */
    journal_reader *r2 = journal_reader_open(p, err, sizeof err);
    CHECK(read_expect(r2, 2, 4));
    journal_reader_close(r2);
    journal_reader_close(r);
    sbuf_free(&rec);
    journal_close(j);
}

/* What a writer killed inside write() leaves: a record cut short. */
static void write_torn(const char *p, const char *payload)
{
    unsigned char hdr[12] = {0x42, 0x4d, 0x4a, 0x52};
    size_t n = strlen(payload);
    hdr[4] = (unsigned char)n;
    int fd = open(p, O_WRONLY | O_APPEND);
    if (write(fd, hdr, sizeof hdr) != (ssize_t)sizeof hdr || write(fd, payload, n / 2) < 0)
        abort();
    close(fd);
}

TEST(a_torn_tail_is_ignored_and_cut_off)
{
    char err[256];
    const char *p = jpath("torn");
    journal *j = journal_open(p, 0, err, sizeof err);
    append_n(j, 0, 3);
    journal_close(j);
    off_t good = size_of(p);
    write_torn(p, "record 3 that never finished");
    CHECK(size_of(p) > good);

    journal_reader *r = journal_reader_open(p, err, sizeof err);
    CHECK(read_expect(r, 0, 3)); /* the torn record is not returned */
    j = journal_open(p, 0, err, sizeof err);
    CHECK(j != NULL);
    CHECK(size_of(p) == good); /* reopening for append cut it off */
    append_n(j, 3, 5);
    CHECK(read_expect(r, 3, 5));
    CHECK(journal_reader_skipped(r) == 0);
    journal_reader_close(r);
    journal_close(j);
}

TEST(garbage_between_records_is_skipped)
{
    char err[256];
    const char *p = jpath("middle");
    journal *j = journal_open(p, 0, err, sizeof err);
    append_n(j, 0, 2);
    /* Another process died inside its write; this one keeps appending. */
    write_torn(p, "a record from a writer that died");
    append_n(j, 2, 4);
    journal_reader *r = journal_reader_open(p, err, sizeof err);
    CHECK(read_expect(r, 0, 4));
    CHECK(journal_reader_skipped(r) > 0);
    journal_reader_close(r);
    journal_close(j);
}

TEST(a_flipped_byte_fails_the_checksum)
{
    char err[256];
    const char *p = jpath("flip");
    journal *j = journal_open(p, 0, err, sizeof err);
    append_n(j, 0, 1);
    off_t first = size_of(p);
    append_n(j, 1, 2);
    journal_close(j);
    int fd = open(p, O_RDWR);
    char c = 'X';
    CHECK(pwrite(fd, &c, 1, first + JOURNAL_RECORD_OVERHEAD + 2) == 1);
    close(fd);
    journal_reader *r = journal_reader_open(p, err, sizeof err);
    CHECK(read_expect(r, 0, 1));
    journal_reader_close(r);
}

TEST(a_torn_header_replays_everything)
{
    char err[256];
    const char *p = jpath("header");
    journal *j = journal_open(p, 0, err, sizeof err);
    append_n(j, 0, 3);
    journal_reader *r = journal_reader_open(p, err, sizeof err);
    sbuf rec = {0};
    CHECK(journal_reader_next(r, &rec) == 1);
    CHECK(journal_reader_confirm(r) == 0);
    journal_reader_close(r);
    int fd = open(p, O_RDWR);
    char c = 0x7f;
    CHECK(pwrite(fd, &c, 1, 17) == 1); /* inside the saved offset */
    close(fd);
    r = journal_reader_open(p, err, sizeof err);
    CHECK(read_expect(r, 0, 3)); /* from the start: the store drops what it has */
    journal_reader_close(r);
    sbuf_free(&rec);
    journal_close(j);
}

TEST(a_full_journal_drops_and_counts)
{
    char err[256];
    const char *p = jpath("full");
    uint64_t max = JOURNAL_HEADER + 3 * (JOURNAL_RECORD_OVERHEAD + 8);
    journal *j = journal_open(p, max, err, sizeof err);
    int rc[5];
    for (int i = 0; i < 5; i++) {
        char rec[16];
        snprintf(rec, sizeof rec, "record %d", i);
        rc[i] = journal_append(j, rec, 8);
    }
    CHECK(rc[0] == 0 && rc[1] == 0 && rc[2] == 0);
    CHECK(rc[3] == 1 && rc[4] == 1);
    CHECK(journal_dropped(j) == 2);
    CHECK((uint64_t)size_of(p) <= max);
    journal_reader *r = journal_reader_open(p, err, sizeof err);
    CHECK(read_expect(r, 0, 3));
    CHECK(journal_reader_confirm(r) == 0);
    /* Once the store has them, there is room again. */
    CHECK(journal_append(j, "record 3", 8) == 0);
    CHECK(read_expect(r, 3, 4));
    CHECK(journal_dropped(j) == 2);
    journal_reader_close(r);
    journal_close(j);
}

TEST(a_file_that_is_no_directory_entry_fails_cleanly)
{
    char err[256] = "";
    journal *j = journal_open("/nonexistent-dir/journal", 0, err, sizeof err);
    CHECK(j == NULL);
    CHECK(strstr(err, "/nonexistent-dir/journal") != NULL);
    CHECK(journal_reader_open("/nonexistent-dir/journal", err, sizeof err) == NULL);
}

/* A writer killed with SIGKILL at an arbitrary point: every record whose
 * append had returned is there, in order, and nothing after them is garbage
 * that a reader returns. */
TEST(kill_9_loses_no_acknowledged_record)
{
    char err[256];
    const char *p = jpath("kill9");
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        journal *j = journal_open(p, 0, err, sizeof err);
        if (j == NULL)
            _exit(1);
        for (int i = 0;; i++) {
            char rec[32];
            int n = snprintf(rec, sizeof rec, "record %d", i);
            if (journal_append(j, rec, (size_t)n) != 0 || write(fds[1], &i, sizeof i) < 0)
                _exit(1);
        }
    }
    close(fds[1]);
    int last = -1, i;
    while (last < 300 && read(fds[0], &i, sizeof i) == (ssize_t)sizeof i)
        last = i;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    while (read(fds[0], &i, sizeof i) == (ssize_t)sizeof i)
        last = i; /* acknowledged before the kill */
    close(fds[0]);
    CHECK(last >= 300);

    journal_reader *r = journal_reader_open(p, err, sizeof err);
    sbuf rec = {0};
    int n = 0, bad = 0;
    while (journal_reader_next(r, &rec) == 1) {
        char want[32];
        snprintf(want, sizeof want, "record %d", n++);
        bad += strcmp(rec.s, want) != 0;
    }
    CHECK(bad == 0);
    CHECK(n - 1 >= last); /* at most one more: appended, not yet acknowledged */
    CHECK(n - 1 <= last + 1);
    printf("# acknowledged %d, journaled %d, lost 0\n", last + 1, n);
    journal *j = journal_open(p, 0, err, sizeof err);
    CHECK(j != NULL && journal_append(j, "after", 5) == 0);
    CHECK(journal_reader_next(r, &rec) == 1);
    CHECK_STR(rec.s, "after");
    sbuf_free(&rec);
    journal_reader_close(r);
    journal_close(j);
}

#define THREADS 8
#define PER_THREAD 200

static journal *shared;

static void *appender(void *arg)
{
    int t = (int)(long)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char rec[32];
        int n = snprintf(rec, sizeof rec, "%d:%d", t, i);
        if (journal_append(shared, rec, (size_t)n) != 0)
            return (void *)1;
    }
    return NULL;
}

TEST(threads_appending_together_lose_nothing)
{
    char err[256];
    const char *p = jpath("threads");
    shared = journal_open(p, 0, err, sizeof err);
    pthread_t th[THREADS];
    for (long t = 0; t < THREADS; t++)
        pthread_create(&th[t], NULL, appender, (void *)t);
    int failed = 0;
    for (int t = 0; t < THREADS; t++) {
        void *rv;
        pthread_join(th[t], &rv);
        failed += rv != NULL;
    }
    CHECK(failed == 0);
    /* Each thread's records in its own order, all of them. */
    int next[THREADS] = {0}, bad = 0, total = 0;
    journal_reader *r = journal_reader_open(p, err, sizeof err);
    sbuf rec = {0};
    while (journal_reader_next(r, &rec) == 1) {
        int t, i;
        if (sscanf(rec.s, "%d:%d", &t, &i) != 2 || t < 0 || t >= THREADS || next[t] != i)
            bad++;
        else
            next[t]++;
        total++;
    }
    CHECK(bad == 0);
    CHECK(total == THREADS * PER_THREAD);
    sbuf_free(&rec);
    journal_reader_close(r);
    journal_close(shared);
}

int main(void)
{
    RUN_TESTS();
}
