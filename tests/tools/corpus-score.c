/*
 * corpus-score - accuracy of libbounce on a corpus with known answers.
 *
 *     corpus-score [--class F] [--status F] [--reply F] [--hard F] [--count F]
 *                  [--not DIR]... [--misses] [--rules FILE] DIR
 *
 * Classifies every file DIR/truth.tsv lists (columns file, idx, status,
 * reply, reason, hard) and scores each truth row as the project's scorer
 * does: class (any of "a|b"), status (an empty status is right where the
 * truth holds a Sisimai pseudo code X.0.9NN or X.9.NNN), reply code, hard
 * or not, and per file whether the recipient count is right.  An mbox file
 * holding several messages contributes their recipients in order.  Each
 * --not DIR must hold only messages classified bounce:false (every *.eml
 * file there).  Prints TAP lines and a SCORE line; each figure below its
 * floor (0..1) is a "not ok".  Exit status 1 if any check failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounce.h"
#include "mbox.h"

#define MAX_PARTS 64 /* messages of one mbox file that are scored */

struct truth_row {
    char *file;
    int idx;
    char *status, *reply, *reason;
    int hard;
};

struct scored {
    bc_result *res[MAX_PARTS];
    int n;
    int error;
};

static bc_classifier *clf;
static char *buf;
static size_t bufcap;
static int tap_n, tap_failed;

static void tap(int ok, const char *what)
{
    tap_n++;
    tap_failed += !ok;
    printf("%sok %d - %s\n", ok ? "" : "not ", tap_n, what);
}

/* Read a whole file into the reused buffer; -1 on error. */
static ssize_t slurp(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    for (;;) {
        if (bufcap - len < 4096) {
            size_t cap = bufcap ? 2 * bufcap : 1 << 20;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                close(fd);
                return -1;
            }
            buf = nb;
            bufcap = cap;
        }
        ssize_t n = read(fd, buf + len, bufcap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return n < 0 ? -1 : (ssize_t)len;
        }
        len += (size_t)n;
    }
}

/* Classify every message of a file (as bounce-classify splits it). */
static void score_file(const char *path, struct scored *s)
{
    memset(s, 0, sizeof *s);
    ssize_t len = slurp(path);
    if (len < 0) {
        s->error = 1;
        return;
    }
    mbox_reader m;
    const char *msg;
    size_t n;
    mbox_open(&m, buf, (size_t)len);
    while (s->n < MAX_PARTS && mbox_next(&m, &msg, &n)) {
        bc_classifier_reset(clf);
        mbox_feed(clf, msg, n, m.is_mbox);
        s->res[s->n] = bc_classifier_finish(clf);
        if (s->res[s->n] == NULL) {
            s->error = 1;
            return;
        }
        s->n++;
    }
}

static void scored_free(struct scored *s)
{
    for (int i = 0; i < s->n; i++)
        bc_result_free(s->res[i]);
    s->n = 0;
}

static size_t scored_count(const struct scored *s)
{
    size_t n = 0;
    for (int i = 0; i < s->n; i++)
        n += s->res[i]->nrecipients;
    return n;
}

static const bc_recipient *scored_rcpt(const struct scored *s, size_t idx)
{
    for (int i = 0; i < s->n; i++) {
        if (idx < s->res[i]->nrecipients)
            return &s->res[i]->recipients[idx];
        idx -= s->res[i]->nrecipients;
    }
    return NULL;
}

/* Sisimai's pseudo status X.0.9NN / X.9.NNN: "no status given". */
static int pseudo_status(const char *s)
{
    if ((s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
        return 0;
    s += 2;
    if (s[0] == '0' && s[1] == '.' && s[2] == '9') {
        s += 3;
        return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] == '\0';
    }
    if (s[0] == '9' && s[1] == '.') {
        size_t n = strspn(s + 2, "0123456789");
        return n >= 1 && n <= 3 && s[2 + n] == '\0';
    }
    return 0;
}

static int hard_class(const char *c)
{
    return strcmp(c, "userunknown") == 0 || strcmp(c, "hostunknown") == 0 ||
           strcmp(c, "hasmoved") == 0 || strcmp(c, "notaccept") == 0;
}

/* Is cls one of the '|'-separated alternatives? */
static int class_in(const char *cls, const char *alts, int *nalts)
{
    int found = 0;
    size_t len = strlen(cls);
    *nalts = 0;
    for (const char *p = alts;; p++) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        (*nalts)++;
        if (n == len && strncmp(p, cls, n) == 0)
            found = 1;
        if (bar == NULL)
            return found;
        p = bar;
    }
}

static char *dupfield(char **line)
{
    char *tab = strchr(*line, '\t');
    char *f = *line;
    if (tab != NULL) {
        *tab = '\0';
        *line = tab + 1;
    } else
        *line += strlen(*line);
    return strdup(f);
}

static struct truth_row *read_truth(const char *dir, size_t *nrows)
{
    char path[4096], line[8192];
    snprintf(path, sizeof path, "%s/truth.tsv", dir);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "corpus-score: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    struct truth_row *rows = NULL;
    size_t n = 0, cap = 0;
    int first = 1;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (first || line[0] == '\0') {
            first = 0;
            continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 512;
            rows = realloc(rows, cap * sizeof *rows);
            if (rows == NULL)
                exit(2);
        }
        char *p = line;
        struct truth_row *r = &rows[n++];
        r->file = dupfield(&p);
        char *idx = dupfield(&p);
        r->idx = atoi(idx);
        free(idx);
        r->status = dupfield(&p);
        r->reply = dupfield(&p);
        r->reason = dupfield(&p);
        char *hard = dupfield(&p);
        r->hard = strcmp(hard, "1") == 0;
        free(hard);
    }
    fclose(f);
    *nrows = n;
    return rows;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.eml under dir must be bounce:false. */
static void check_not(const char *dir)
{
    DIR *d = opendir(dir);
    char what[4200];
    if (d == NULL) {
        snprintf(what, sizeof what, "not-bounce: %s: cannot open", dir);
        tap(0, what);
        return;
    }
    char *names[4096];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < sizeof names / sizeof names[0]) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".eml") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_str);
    size_t good = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct scored s;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        score_file(path, &s);
        int fp = s.error;
        for (int k = 0; k < s.n; k++)
            fp |= s.res[k]->bounce;
        if (fp)
            printf("# false positive: %s kind=%s class=%s\n", path,
                   s.n ? s.res[0]->kind : "(error)",
                   s.n && s.res[0]->nrecipients ? s.res[0]->recipients[0].class_name : "-");
        good += !fp;
        scored_free(&s);
        free(names[i]);
    }
    printf("NOT %s ok=%zu/%zu\n", dir, good, n);
    snprintf(what, sizeof what, "not-bounce: %s: every message bounce:false", dir);
    tap(n > 0 && good == n, what);
}

int main(int argc, char **argv)
{
    const char *names[] = {"class", "status", "reply", "hard", "count"};
    double floor[5] = {0, 0, 0, 0, 0};
    const char *notdirs[16], *rules_path = NULL, *local_path = NULL, *dir = NULL;
    int nnot = 0, misses = 0;

    for (int i = 1; i < argc; i++) {
        int matched = 0;
        for (int k = 0; k < 5; k++) {
            if (argv[i][0] == '-' && argv[i][1] == '-' && strcmp(argv[i] + 2, names[k]) == 0 &&
                i + 1 < argc) {
                floor[k] = atof(argv[++i]);
                matched = 1;
            }
        }
        if (matched)
            continue;
        if (strcmp(argv[i], "--not") == 0 && i + 1 < argc && nnot < 16)
            notdirs[nnot++] = argv[++i];
        else if (strcmp(argv[i], "--misses") == 0)
            misses = 1;
        else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
            rules_path = argv[++i];
        else if (strcmp(argv[i], "--local-rules") == 0 && i + 1 < argc)
            local_path = argv[++i];
        else if (argv[i][0] != '-' && dir == NULL)
            dir = argv[i];
        else {
            fprintf(stderr, "usage: corpus-score [--class F] [--status F] [--reply F] [--hard F] "
                            "[--count F] [--not DIR]... [--misses] [--rules FILE] DIR\n");
            return 2;
        }
    }
    char err[1024];
    bc_rules *rules = bc_rules_load(rules_path, local_path, err, sizeof err);
    if (rules == NULL) {
        fprintf(stderr, "corpus-score: %s\n", err);
        printf("not ok 1 - rules load: %s\n", err);
        return 1;
    }
    clf = bc_classifier_new(rules, 0, 0);
    if (clf == NULL)
        return 2;

    if (dir != NULL) {
        size_t nrows, ok[4] = {0, 0, 0, 0}, files = 0, count_ok = 0;
        struct truth_row *rows = read_truth(dir, &nrows);
        for (size_t i = 0; i < nrows;) {
            size_t j = i, want = 0;
            while (j < nrows && strcmp(rows[j].file, rows[i].file) == 0)
                j++;
            want = j - i;
            char path[4096];
            struct scored s;
            snprintf(path, sizeof path, "%s/%s", dir, rows[i].file);
            score_file(path, &s);
            files++;
            count_ok += scored_count(&s) == want;
            for (size_t k = i; k < j; k++) {
                const struct truth_row *t = &rows[k];
                const bc_recipient *g = scored_rcpt(&s, (size_t)t->idx);
                const char *cls = g ? g->class_name : "", *st = g ? g->status : "";
                const char *rc = g ? g->reply_code : "";
                const char *want_reply = strcmp(t->reply, "0") == 0 ? "" : t->reply;
                int nalts, hard = t->hard;
                int c_ok = class_in(cls, t->reason, &nalts);
                if (nalts > 1 && c_ok)
                    hard = hard_class(cls);
                int s_ok = strcmp(st, t->status) == 0 || (*st == '\0' && pseudo_status(t->status));
                int r_ok = strcmp(rc, want_reply) == 0;
                int h_ok = g != NULL && (g->severity == BC_SEV_HARD) == hard;
                ok[0] += c_ok;
                ok[1] += s_ok;
                ok[2] += r_ok;
                ok[3] += h_ok;
                if (misses && !(c_ok && s_ok && r_ok && h_ok))
                    printf("# miss %s %d want %s %s %s hard=%d got %s %s %s %s\n", t->file, t->idx,
                           t->reason, *t->status ? t->status : "-", *t->reply ? t->reply : "-",
                           t->hard, g ? cls : "(none)", *st ? st : "-", *rc ? rc : "-",
                           g ? bc_severity_name(g->severity) : "-");
            }
            scored_free(&s);
            i = j;
        }
        double fig[5];
        for (int k = 0; k < 4; k++)
            fig[k] = nrows ? (double)ok[k] / (double)nrows : 0;
        fig[4] = files ? (double)count_ok / (double)files : 0;
        printf("SCORE class=%.3f status=%.3f reply=%.3f hard=%.3f count=%.3f files=%zu rows=%zu\n",
               fig[0], fig[1], fig[2], fig[3], fig[4], files, nrows);
        for (int k = 0; k < 5; k++) {
            char what[128];
            snprintf(what, sizeof what, "%s %.3f >= floor %.3f", names[k], fig[k], floor[k]);
            tap(nrows > 0 && fig[k] >= floor[k], what);
        }
        for (size_t i = 0; i < nrows; i++) {
            free(rows[i].file);
            free(rows[i].status);
            free(rows[i].reply);
            free(rows[i].reason);
        }
        free(rows);
    }
    for (int i = 0; i < nnot; i++)
        check_not(notdirs[i]);

    bc_classifier_free(clf);
    bc_rules_free(rules);
    free(buf);
    return tap_failed ? 1 : 0;
}
