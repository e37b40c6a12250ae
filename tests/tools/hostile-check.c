/*
 * hostile-check - classify hostile messages safely and with bounded memory.
 *
 *     hostile-check [--max-rss-mb N] FILE...
 *
 * Each FILE is classified in a child process of its own, twice: fed in
 * small uneven chunks (as libmilter hands a message over) and whole with
 * bc_classify.  The child checks that both succeed, agree, and return sane
 * results (strings set, one-line diagnostics, known severities); a file
 * whose name starts with "bounce-" must also come out as a bounce whose
 * first recipient is victim@example.org (its report is near the top).  The
 * parent prints one TAP line per file and fails it when the child crashed,
 * failed a check, or its peak RSS (getrusage) exceeded N MB (default 256).
 * Timings are printed as comments, never asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf != NULL && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    *len = got;
    return buf;
}

static int bad(const char *file, const char *why)
{
    printf("# %s: %s\n", file, why);
    return 1;
}

/* Sanity of one result; 0 if fine. */
static int check_result(const char *file, const bc_result *r)
{
    if (r->kind == NULL || r->mta == NULL || r->message_id == NULL || r->date == NULL)
        return bad(file, "NULL message field");
    if (!r->bounce && r->nrecipients != 0)
        return bad(file, "recipients on a non-bounce");
    for (size_t i = 0; i < r->nrecipients; i++) {
        const bc_recipient *p = &r->recipients[i];
        const char *s[] = {p->address,      p->action,     p->status,    p->reply_code,
                           p->class_name,   p->advice,     p->detail,    p->rule,
                           p->smtp_command, p->diagnostic, p->remote_mta};
        for (size_t k = 0; k < sizeof s / sizeof s[0]; k++) {
            if (s[k] == NULL)
                return bad(file, "NULL recipient field");
            if (strpbrk(s[k], "\r\n") != NULL)
                return bad(file, "line break in a recipient field");
        }
        if (*p->class_name == '\0')
            return bad(file, "recipient without a class");
        if (p->severity != BC_SEV_NONE && p->severity != BC_SEV_SOFT && p->severity != BC_SEV_HARD)
            return bad(file, "unknown severity");
    }
    return 0;
}

static int same_result(const bc_result *a, const bc_result *b)
{
    if (a->bounce != b->bounce || a->nrecipients != b->nrecipients || strcmp(a->kind, b->kind))
        return 0;
    for (size_t i = 0; i < a->nrecipients; i++)
        if (strcmp(a->recipients[i].address, b->recipients[i].address) != 0 ||
            strcmp(a->recipients[i].class_name, b->recipients[i].class_name) != 0)
            return 0;
    return 1;
}

/* The child's work for one file; its exit status. */
static int check_file(const char *file)
{
    char err[1024];
    size_t len;
    bc_rules *rules = bc_rules_load(NULL, NULL, err, sizeof err);
    if (rules == NULL)
        return bad(file, err);
    char *msg = slurp(file, &len);
    if (msg == NULL)
        return bad(file, "cannot read");

    double t0 = now_ms();
    bc_classifier *c = bc_classifier_new(rules, 0, BC_EXPLAIN);
    if (c == NULL)
        return bad(file, "bc_classifier_new failed");
    /* uneven chunks, so that no line or boundary lands on a chunk edge by luck */
    static const size_t chunk[] = {1, 7, 4096, 65536, 13, 1 << 20};
    for (size_t off = 0, k = 0; off < len; k++) {
        size_t n = chunk[k % 6] < len - off ? chunk[k % 6] : len - off;
        bc_classifier_feed(c, msg + off, n);
        off += n;
    }
    bc_result *streamed = bc_classifier_finish(c);
    double t1 = now_ms();
    bc_result *whole = bc_classify(rules, msg, len, 0);
    double t2 = now_ms();
    int rc = 0;
    if (streamed == NULL || whole == NULL)
        rc = bad(file, "classification returned NULL");
    else if (check_result(file, streamed) || check_result(file, whole))
        rc = 1;
    else if (!same_result(streamed, whole))
        rc = bad(file, "streamed and whole results differ");
    else if (strncmp(strrchr(file, '/') ? strrchr(file, '/') + 1 : file, "bounce-", 7) == 0 &&
             (!whole->bounce || whole->nrecipients == 0 ||
              strcmp(whole->recipients[0].address, "victim@example.org") != 0))
        rc = bad(file, "the report near the top was not found");
    if (whole != NULL)
        printf("# %s: %zu bytes, bounce=%d recipients=%zu class=%s, %.1f ms streamed, %.1f ms "
               "whole\n",
               file, len, whole->bounce, whole->nrecipients,
               whole->nrecipients ? whole->recipients[0].class_name : "-", t1 - t0, t2 - t1);
    bc_result_free(streamed);
    bc_result_free(whole);
    bc_classifier_free(c);
    bc_rules_free(rules);
    free(msg);
    return rc;
}

int main(int argc, char **argv)
{
    long max_mb = 256;
    int i = 1, n = 0, failed = 0;
    if (argc > 2 && strcmp(argv[1], "--max-rss-mb") == 0) {
        max_mb = atol(argv[2]);
        i = 3;
    }
    for (; i < argc; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 2;
        }
        if (pid == 0) {
            int rc = check_file(argv[i]);
            fflush(stdout);
            _exit(rc);
        }
        int st;
        struct rusage ru;
        if (wait4(pid, &st, 0, &ru) < 0) {
            perror("wait4");
            return 2;
        }
        long mb = ru.ru_maxrss / 1024;
        int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && mb <= max_mb;
        failed += !ok;
        printf("%sok %d - %s: ", ok ? "" : "not ", ++n, argv[i]);
        if (WIFSIGNALED(st))
            printf("killed by signal %d", WTERMSIG(st));
        else if (WEXITSTATUS(st) != 0)
            printf("check failed (exit %d)", WEXITSTATUS(st));
        else
            printf("classified");
        printf(", peak RSS %ld MB (limit %ld)\n", mb, max_mb);
    }
    return failed ? 1 : 0;
}
