/*
 * bench-classify - in-process speed and memory of libbounce.
 *
 *     bench-classify [--passes N] [--hostile DIR] FILE...
 *
 * Loads the rules (timed: the start-up cost), reads every FILE into memory,
 * then classifies them all N times (default 7) on one thread with one
 * reused classifier and reports the median pass as emails/s and ns/email,
 * plus the peak RSS (getrusage).  With --hostile, each file in DIR is timed
 * on its own (median of 3, in ms).  Prints a readable report; no pass/fail.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"

struct msg {
    char *data;
    size_t len;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(const char *path, struct msg *m)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    m->data = malloc((size_t)st.st_size + 1);
    m->len = 0;
    while (m->data != NULL && m->len < (size_t)st.st_size) {
        ssize_t n = read(fd, m->data + m->len, (size_t)st.st_size - m->len);
        if (n <= 0)
            break;
        m->len += (size_t)n;
    }
    close(fd);
    return m->data == NULL ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Seconds to classify msgs once with classifier c. */
static double one_pass(bc_classifier *c, const struct msg *msgs, size_t n, size_t *bounces)
{
    double t0 = now_s();
    *bounces = 0;
    for (size_t i = 0; i < n; i++) {
        bc_classifier_reset(c);
        bc_classifier_feed(c, msgs[i].data, msgs[i].len);
        bc_result *r = bc_classifier_finish(c);
        *bounces += r != NULL && r->bounce;
        bc_result_free(r);
    }
    return now_s() - t0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void hostile(bc_classifier *c, const char *dir)
{
    DIR *d = opendir(dir);
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL && n < 256)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_str);
    printf("hostile input (median of 3, ms):\n");
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct msg m;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (load(path, &m) == 0) {
            double t[3];
            size_t b;
            for (int k = 0; k < 3; k++)
                t[k] = one_pass(c, &m, 1, &b);
            qsort(t, 3, sizeof t[0], cmp_double);
            printf("  %-32s %9zu bytes  %8.2f ms\n", names[i], m.len, t[1] * 1e3);
            free(m.data);
        }
        free(names[i]);
    }
}

int main(int argc, char **argv)
{
    int passes = 7, i = 1;
    const char *hostile_dir = NULL;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--passes") == 0 && i + 1 < argc)
            passes = atoi(argv[++i]);
        else if (strcmp(argv[i], "--hostile") == 0 && i + 1 < argc)
            hostile_dir = argv[++i];
        else {
            fprintf(stderr, "usage: bench-classify [--passes N] [--hostile DIR] FILE...\n");
            return 2;
        }
    }
    if (passes < 1)
        passes = 1;

    char err[1024];
    double t0 = now_s();
    bc_rules *rules = bc_rules_load(NULL, NULL, err, sizeof err);
    double startup = now_s() - t0;
    if (rules == NULL) {
        fprintf(stderr, "bench-classify: %s\n", err);
        return 1;
    }
    struct msg *msgs = calloc((size_t)argc, sizeof *msgs);
    size_t n = 0, bytes = 0;
    for (; i < argc; i++)
        if (load(argv[i], &msgs[n]) == 0)
            bytes += msgs[n++].len;
    bc_classifier *c = bc_classifier_new(rules, 0, 0);
    if (c == NULL || n == 0) {
        fprintf(stderr, "bench-classify: nothing to classify\n");
        return 1;
    }

    size_t bounces;
    one_pass(c, msgs, n, &bounces); /* warm caches and JIT stacks */
    double *t = calloc((size_t)passes, sizeof *t);
    for (int p = 0; p < passes; p++)
        t[p] = one_pass(c, msgs, n, &bounces);
    qsort(t, (size_t)passes, sizeof *t, cmp_double);
    double med = t[passes / 2];
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);

    printf("in-process, one thread: %zu emails (%.1f MB), %zu bounces, %d passes\n", n,
           (double)bytes / 1e6, bounces, passes);
    printf("  rules load (start-up)  %10.2f ms (%zu rules)\n", startup * 1e3,
           bc_rules_count(rules));
    printf("  median pass            %10.2f ms (min %.2f, max %.2f)\n", med * 1e3, t[0] * 1e3,
           t[passes - 1] * 1e3);
    printf("  emails/s               %10.0f   (target >= 100000: %s)\n", (double)n / med,
           (double)n / med >= 100000 ? "met" : "NOT met");
    printf("  ns/email               %10.0f\n", med * 1e9 / (double)n);
    printf("  MB/s                   %10.1f\n", (double)bytes / 1e6 / med);
    printf("  peak RSS               %10.1f MB\n", (double)ru.ru_maxrss / 1024);
    if (hostile_dir != NULL)
        hostile(c, hostile_dir);

    for (size_t k = 0; k < n; k++)
        free(msgs[k].data);
    free(msgs);
    free(t);
    bc_classifier_free(c);
    bc_rules_free(rules);
    return 0;
}
