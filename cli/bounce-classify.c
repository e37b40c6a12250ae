/*
 * bounce-classify - command-line front end of libbounce.
 *
 *     bounce-classify [--json|--csv|--tsv|--table] [--explain] [--rules FILE]
 *                     [--local-rules FILE] [--lang en|zh-TW|zh-CN]
 *                     [--max-size BYTES] [-j N] [PATH...]
 *
 * Each PATH is a message file, an mbox (several messages: sources "path:N"),
 * a directory (maildir cur/ and new/, or any folder of files, walked
 * recursively in name order), or "-" for standard input (also the default).
 * One rule set serves every message; files are read with one read() into a
 * reused buffer (mmap for big ones), output is buffered.  JSON Lines
 * (INTERFACES.md section 2) is the default when standard output is not a
 * terminal, a readable table when it is: as wide as $COLUMNS, or the
 * terminal, or 80 columns, its widest cells cut with an ellipsis.
 *
 * With -j N (default: the online CPUs, at most 8) and more than one input,
 * the inputs are listed while the rules load and classified by N threads
 * (pool.c), printed in input order.  The formats are output.c's; the
 * directory walk is walk.c's.
 */
#include "bounce.h"
#include "mbox.h"
#include "output.h"
#include "paths.h" /* generated: BC_SYSCONFDIR */
#include "pool.h"
#include "walk.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MMAP_MIN (16u * 1024 * 1024) /* files this big are mapped, not read */
#define MAX_JOBS 1024                /* most threads -j accepts */
#define DEFAULT_JOBS_MAX 8           /* the CPU count is taken up to this many */

/* ---------------------------------------------------------------- messages */

static void classify_one(struct ctx *x, const char *source, const char *msg, size_t len,
                         int unescape)
{
    bc_classifier_reset(x->clf);
    mbox_feed(x->clf, msg, len, unescape);
    bc_result *r = bc_classifier_finish(x->clf);
    if (r == NULL) {
        output_error(x, source, "out of memory");
        return;
    }
    output_result(x, source, r);
    bc_result_free(r);
}

/* Classify the data of one input: a message, or an mbox of several. */
static void classify_data(struct ctx *x, const char *source, const char *data, size_t len)
{
    mbox_reader m;
    const char *msg;
    size_t n;
    mbox_open(&m, data, len);
    if (!m.multi) {
        if (mbox_next(&m, &msg, &n))
            classify_one(x, source, msg, n, m.is_mbox);
        return;
    }
    size_t srclen = strlen(source) + 24;
    char *name = malloc(srclen);
    if (name == NULL) {
        output_error(x, source, "out of memory");
        return;
    }
    for (unsigned long i = 1; mbox_next(&m, &msg, &n); i++) {
        snprintf(name, srclen, "%s:%lu", source, i);
        classify_one(x, name, msg, n, 1);
    }
    free(name);
}

/* Read all of fd into the reused buffer; -1 with errno on failure.  size is
 * a regular file's size (0 for a pipe): once that much is read, the file
 * is taken as complete without a second read() to see the end. */
static ssize_t read_all(struct ctx *x, int fd, size_t size)
{
    size_t len = 0;
    for (;;) {
        if (x->cap - len < 4096 || x->cap < size + 1) {
            size_t cap = x->cap ? x->cap : 65536;
            while (cap < size + 1 || cap - len < 4096)
                cap *= 2;
            char *nb = realloc(x->buf, cap);
            if (nb == NULL) {
                errno = ENOMEM;
                return -1;
            }
            x->buf = nb;
            x->cap = cap;
        }
        ssize_t n = read(fd, x->buf + len, x->cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return (ssize_t)len;
        len += (size_t)n;
        if (size > 0 && len == size)
            return (ssize_t)len;
    }
}

/* Classify what fd holds; st is its fstat, or NULL when unknown. */
static void classify_fd(struct ctx *x, const char *source, int fd, const struct stat *st)
{
    size_t size = st != NULL && S_ISREG(st->st_mode) ? (size_t)st->st_size : 0;
    if (size >= MMAP_MIN) {
        void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map != MAP_FAILED) {
            classify_data(x, source, map, size);
            munmap(map, size);
            return;
        }
    }
    ssize_t n = read_all(x, fd, size);
    if (n < 0) {
        output_error(x, source, strerror(errno));
        return;
    }
    classify_data(x, source, x->buf, (size_t)n);
}

static void classify_path(struct ctx *x, const char *path, int depth);

static void classify_visit(void *arg, const char *path, int depth, unsigned char type)
{
    classify_path(arg, path, depth);
}

static void classify_path(struct ctx *x, const char *path, int depth)
{
    struct stat st;
    if (strcmp(path, "-") == 0) {
        classify_fd(x, "-", STDIN_FILENO, fstat(STDIN_FILENO, &st) == 0 ? &st : NULL);
        return;
    }
    /* Open first and ask the descriptor: one call fewer per file.  In a
     * directory walk, O_NONBLOCK keeps a FIFO from blocking the open. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | (depth > 0 ? O_NONBLOCK : 0));
    if (fd < 0 || fstat(fd, &st) != 0) {
        output_error(x, path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        int err = depth < WALK_MAX_DEPTH ? walk_dir(path, depth, classify_visit, x) : 0;
        if (err != 0)
            output_error(x, path, strerror(err));
        return;
    }
    /* inside a directory walk only regular files are messages */
    if (depth == 0 || S_ISREG(st.st_mode))
        classify_fd(x, path, fd, &st);
    close(fd);
}

/* The paths named on the command line. */
struct args {
    char **v;
    int n;
};

/* List the inputs the command line names (beside the rules load). */
static void *list_args(void *arg)
{
    const struct args *a = arg;
    for (int i = 0; i < a->n; i++)
        pool_add(a->v[i]);
    return NULL;
}

static void print_line(const char *text, void *arg)
{
    fprintf(arg, "%s\n", text);
}

/* --check-rules: 0 when every example is decided by its rule, no overlap
 * is unsettled and every shipped rule is documented; 1 otherwise; 2 when
 * the rules do not load. */
static int run_check_rules(const char *rules_path, const char *local_path)
{
    char err[1024] = "";
    bc_rules *rules = bc_rules_load(rules_path, local_path, err, sizeof err);
    if (rules == NULL) {
        fprintf(stderr, "bounce-classify: %s\n", err);
        return 2;
    }
    bc_rules_check_counts c;
    int rc = bc_rules_check(rules, print_line, stdout, &c);
    bc_rules_free(rules);
    if (rc != 0) {
        fprintf(stderr, "bounce-classify: out of memory\n");
        return 2;
    }
    printf("%zu rules, %zu examples, %zu failed, %zu overlaps unsettled, %zu without source\n",
           c.rules, c.examples, c.failed, c.overlaps, c.unsourced);
    return c.failed == 0 && c.overlaps == 0 && c.unsourced == 0 ? 0 : 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: bounce-classify [options] [PATH...]\n"
            "Classify bounces: .eml files, mbox files, directories (maildir or folders\n"
            "of files), or - for standard input (the default).\n"
            "\n"
            "  --json               JSON Lines, one object per message (default on a pipe)\n"
            "  --table              readable table (default on a terminal)\n"
            "  --csv, --tsv         one row per recipient, with a header line\n"
            "  --explain            show which rules fired and why\n"
            "  --check-rules        classify every rule's examples alone and report\n"
            "                       failures, unsettled overlaps and undocumented rules\n"
            "  --rules FILE         rules file (default: the shipped rules, or $BOUNCE_RULES)\n"
            "  --local-rules FILE   local rules read before the shipped ones\n"
            "  --lang LANG          descriptions in en, zh-TW or zh-CN (table)\n"
            "  --max-size BYTES     read at most BYTES of each message (default 8 MiB)\n"
            "  -j, --jobs N         classify with N threads (default: the CPUs, at most 8)\n"
            "  -V, --version        print the version and the default rules files\n"
            "  -h, --help           this help\n"
            "\n"
            "Exit status: 0 all read, 1 some input could not be read, 2 usage or rules error.\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'J'},        {"csv", no_argument, NULL, 'c'},
        {"tsv", no_argument, NULL, 't'},         {"table", no_argument, NULL, 'T'},
        {"explain", no_argument, NULL, 'e'},     {"check-rules", no_argument, NULL, 'C'},
        {"rules", required_argument, NULL, 'r'}, {"local-rules", required_argument, NULL, 'l'},
        {"lang", required_argument, NULL, 'L'},  {"max-size", required_argument, NULL, 'm'},
        {"jobs", required_argument, NULL, 'j'},  {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    const char *rules_path = NULL, *local_path = NULL;
    size_t max_size = 0;
    long jobs = 0;
    int opt, check_rules = 0;

    struct output_opts o = {.lang = "en"};
    while ((opt = getopt_long(argc, argv, "Vhj:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'J':
            o.fmt = FMT_JSON;
            break;
        case 'c':
            o.fmt = FMT_CSV;
            break;
        case 't':
            o.fmt = FMT_TSV;
            break;
        case 'T':
            o.fmt = FMT_TABLE;
            break;
        case 'e':
            o.explain = 1;
            break;
        case 'C':
            check_rules = 1;
            break;
        case 'r':
            rules_path = optarg;
            break;
        case 'l':
            local_path = optarg;
            break;
        case 'L':
            if (strcmp(optarg, "en") != 0 && strcmp(optarg, "zh-TW") != 0 &&
                strcmp(optarg, "zh-CN") != 0) {
                fprintf(stderr, "bounce-classify: --lang must be en, zh-TW or zh-CN\n");
                return 2;
            }
            o.lang = optarg;
            break;
        case 'm': {
            char *e;
            errno = 0;
            unsigned long long v = strtoull(optarg, &e, 10);
            if (errno != 0 || e == optarg || *e != '\0' || v == 0 || *optarg == '-') {
                fprintf(stderr, "bounce-classify: --max-size needs a positive number of bytes\n");
                return 2;
            }
            max_size = (size_t)v;
            break;
        }
        case 'j': {
            char *e;
            errno = 0;
            jobs = strtol(optarg, &e, 10);
            if (errno != 0 || e == optarg || *e != '\0' || jobs < 1 || jobs > MAX_JOBS) {
                fprintf(stderr, "bounce-classify: -j needs a number of threads from 1 to %d\n",
                        MAX_JOBS);
                return 2;
            }
            break;
        }
        case 'V': {
            /* The paths show where an installed copy looks for its rules. */
            char rules[4096];
            printf("bounce-classify %s\nrules: %s\nlocal rules: %s/local-rules.conf\n", BC_VERSION,
                   bc_rules_default_path(rules, sizeof rules), BC_SYSCONFDIR);
            return 0;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (check_rules)
        return run_check_rules(rules_path, local_path);
    if (o.fmt == FMT_AUTO)
        o.fmt = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_JSON;
    o.width = output_terminal_width();

    if (jobs == 0) {
        jobs = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = jobs < 1 ? 1 : jobs > DEFAULT_JOBS_MAX ? DEFAULT_JOBS_MAX : jobs;
    }
    /* standard input is one stream: it is read alone, in order */
    for (int i = optind; i < argc && jobs > 1; i++)
        if (strcmp(argv[i], "-") == 0)
            jobs = 1;
    /* Several paths are listed (a stat each, directories walked) by a
     * thread while the rules load, one path after. */
    struct args args = {argv + optind, argc - optind};
    pthread_t lister;
    int listing = jobs > 1 && args.n > 1 && pthread_create(&lister, NULL, list_args, &args) == 0;

    char err[1024] = "";
    bc_rules *rules = bc_rules_load(rules_path, local_path, err, sizeof err);
    unsigned flags = o.explain ? BC_EXPLAIN : 0;
    struct ctx x = {.out = stdout, .err = stderr};
    if (rules != NULL)
        x.clf = bc_classifier_new(rules, max_size, flags);
    if (listing)
        pthread_join(lister, NULL);
    if (rules == NULL || x.clf == NULL) {
        fprintf(stderr, "bounce-classify: %s\n", rules == NULL ? err : "out of memory");
        pool_free();
        bc_rules_free(rules);
        return 2;
    }
    o.rules = rules;
    output_init(&o);
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    if (jobs > 1 && args.n == 1)
        list_args(&args);
    if (pool_count() < 2)
        pool_free();

    if (o.fmt == FMT_CSV || o.fmt == FMT_TSV)
        output_csv_header(stdout);
    size_t n = pool_count();
    if (n > 1)
        pool_run(&x, n < (size_t)jobs ? (int)n : (int)jobs, rules, max_size, flags, classify_path);
    else if (optind == argc)
        classify_path(&x, "-", 0);
    else
        for (int i = optind; i < argc; i++)
            classify_path(&x, argv[i], 0);
    output_finish(stdout);

    int werr = fflush(stdout) != 0 || ferror(stdout);
    pool_free();
    bc_classifier_free(x.clf);
    bc_rules_free(rules);
    free(x.buf);
    if (werr) {
        fprintf(stderr, "bounce-classify: write error: %s\n", strerror(errno));
        return 1;
    }
    return x.failed ? 1 : 0;
}
