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
 * terminal, a readable table when it is.
 *
 * With -j N (default: the online CPUs, at most 8) and more than one input,
 * the inputs are listed first (directories walked, while the rules load),
 * then N threads, the main one among them, take them from a shared counter,
 * each with its own classifier and read buffer, and write each input's
 * output into that input's own buffers.  Between its own inputs the main
 * thread prints the finished buffers in input order, so the output is the
 * same bytes as with -j 1; the others stay at most WINDOW inputs ahead.
 */
#include "bounce.h"
#include "mbox.h"
#include "paths.h" /* generated: BC_SYSCONFDIR */

#include <dirent.h>
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

#define MAX_DIR_DEPTH 32             /* stops symlink loops in directory walks */
#define MMAP_MIN (16u * 1024 * 1024) /* files this big are mapped, not read */
#define TABLE_BLOCK 512              /* table rows aligned and printed together */
#define MAX_JOBS 1024                /* most threads -j accepts */
#define DEFAULT_JOBS_MAX 8           /* the CPU count is taken up to this many */
#define WINDOW 256                   /* inputs classified ahead of the printer */

enum format { FMT_AUTO, FMT_JSON, FMT_CSV, FMT_TSV, FMT_TABLE };

/* A table row: cells, or (ncells == 0) one free line such as a trace. */
struct row {
    char *cell[8];
    int ncells;
    char *line;
};

/* One thread's working set and where its output goes: stdout and stderr
 * (one thread), or one input's buffers for the printer (several). */
struct ctx {
    bc_classifier *clf;
    char *buf; /* reused read buffer */
    size_t cap;
    FILE *out;        /* results */
    FILE *err;        /* CSV/TSV --explain trace lines */
    int keep_rows;    /* table rows go to rows[], not to the table */
    struct row *rows; /* this input's table rows, cells cleaned */
    size_t nrows, caprows;
    int failed; /* some input could not be read */
};

/* Options and the printed table: read-only for workers, written by main. */
static struct {
    enum format fmt;
    int explain;
    const char *lang;
    const bc_rules *rules;
    struct row rows[TABLE_BLOCK];
    int nrows;
} cli;

/* ---------------------------------------------------------------- text */

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* Write s as a JSON string: quotes, escapes, control characters as \u00XX,
 * invalid UTF-8 as U+FFFD. */
static void json_str(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s), *run = p;
    putc_unlocked('"', out);
    while (p < end) {
        unsigned c = *p;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            p++;
            continue;
        }
        size_t n = c >= 0x80 ? utf8_len(p, end) : 0;
        if (n > 1) {
            p += n;
            continue;
        }
        fwrite_unlocked(run, 1, (size_t)(p - run), out);
        if (c == '"' || c == '\\') {
            putc_unlocked('\\', out);
            putc_unlocked((int)c, out);
        } else if (c == '\n')
            fputs_unlocked("\\n", out);
        else if (c == '\r')
            fputs_unlocked("\\r", out);
        else if (c == '\t')
            fputs_unlocked("\\t", out);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\u%04x", c);
        else
            fputs_unlocked("\\ufffd", out);
        p++;
        run = p;
    }
    fwrite_unlocked(run, 1, (size_t)(p - run), out);
    putc_unlocked('"', out);
}

/* Is the n-byte character at p a bidirectional override or isolate (U+202A-
 * U+202E, U+2066-U+2069), which could make a terminal show text reordered? */
static int is_bidi_control(const unsigned char *p, size_t n)
{
    return n == 3 && p[0] == 0xe2 &&
           ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
            (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9));
}

/* A copy of s safe for a terminal or a spreadsheet: invalid UTF-8 becomes
 * U+FFFD; control characters (C0 with tab and newline, DEL, C1) and bidi
 * overrides become spaces.  NULL only when memory is exhausted. */
static char *clean_str(const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    char *out = malloc(3 * (size_t)(end - p) + 1), *o = out;
    if (out == NULL)
        return NULL;
    while (p < end) {
        size_t n = utf8_len(p, end);
        if (n == 0) {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            p++;
        } else if (n == 1) {
            *o++ = (*p < 0x20 || *p == 0x7f) ? ' ' : (char)*p;
            p++;
        } else if ((n == 2 && p[0] == 0xc2 && p[1] < 0xa0) || is_bidi_control(p, n)) {
            *o++ = ' ';
            p += n;
        } else {
            memcpy(o, p, n);
            o += n;
            p += n;
        }
    }
    *o = '\0';
    return out;
}

/* Display width of clean UTF-8 text, counted in code points. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

/* ---------------------------------------------------------------- JSON */

static void json_field(FILE *out, const char *name, const char *value, int first)
{
    if (!first)
        fputs_unlocked(", ", out);
    putc_unlocked('"', out);
    fputs_unlocked(name, out);
    fputs_unlocked("\": ", out);
    json_str(out, value ? value : "");
}

static void json_result(FILE *out, const char *source, const bc_result *r)
{
    json_field(out, "source", source, 1);
    fputs_unlocked(r->bounce ? ", \"bounce\": true" : ", \"bounce\": false", out);
    json_field(out, "kind", r->kind, 0);
    json_field(out, "mta", r->mta, 0);
    json_field(out, "message_id", r->message_id, 0);
    json_field(out, "date", r->date, 0);
    fputs_unlocked(", \"recipients\": [", out);
    for (size_t i = 0; i < r->nrecipients; i++) {
        const bc_recipient *p = &r->recipients[i];
        fputs_unlocked(i ? ", {" : "{", out);
        json_field(out, "address", p->address, 1);
        json_field(out, "action", p->action, 0);
        json_field(out, "status", p->status, 0);
        json_field(out, "reply_code", p->reply_code, 0);
        json_field(out, "class", p->class_name, 0);
        json_field(out, "severity", bc_severity_name(p->severity), 0);
        json_field(out, "advice", p->advice, 0);
        fprintf(out, ", \"code\": %d", p->code);
        json_field(out, "detail", p->detail, 0);
        json_field(out, "rule", p->rule, 0);
        json_field(out, "smtp_command", p->smtp_command, 0);
        json_field(out, "diagnostic", p->diagnostic, 0);
        json_field(out, "remote_mta", p->remote_mta, 0);
        putc_unlocked('}', out);
    }
    putc_unlocked(']', out);
    if (cli.explain) {
        fputs_unlocked(", \"explain\": [", out);
        for (size_t i = 0; i < r->ntrace; i++) {
            if (i)
                fputs_unlocked(", ", out);
            json_str(out, r->trace[i]);
        }
        putc_unlocked(']', out);
    }
}

/* ---------------------------------------------------------------- CSV/TSV */

static const char *const sv_header[] = {
    "source", "bounce", "kind",         "mta",        "message_id", "date",   "address",
    "action", "status", "reply_code",   "class",      "severity",   "advice", "code",
    "detail", "rule",   "smtp_command", "diagnostic", "remote_mta", "error"};
#define SV_COLS (sizeof sv_header / sizeof sv_header[0])

static void sv_cell(FILE *out, const char *s, int last)
{
    char *c = clean_str(s ? s : "");
    const char *t = c ? c : "";
    /* clean_str leaves no tab or newline, so TSV needs no quoting */
    if (cli.fmt == FMT_CSV && strpbrk(t, "\",") != NULL) {
        putc_unlocked('"', out);
        for (; *t; t++) {
            if (*t == '"')
                putc_unlocked('"', out);
            putc_unlocked(*t, out);
        }
        putc_unlocked('"', out);
    } else
        fputs_unlocked(t, out);
    free(c);
    putc_unlocked(last ? '\n' : (cli.fmt == FMT_TSV ? '\t' : ','), out);
}

static void sv_header_line(FILE *out)
{
    for (size_t i = 0; i < SV_COLS; i++)
        sv_cell(out, sv_header[i], i + 1 == SV_COLS);
}

static void sv_row(FILE *out, const char *const *v)
{
    for (size_t i = 0; i < SV_COLS; i++)
        sv_cell(out, v[i], i + 1 == SV_COLS);
}

static void sv_result(struct ctx *x, const char *source, const bc_result *r)
{
    FILE *out = x->out;
    const char *v[SV_COLS] = {source, r->bounce ? "true" : "false", r->kind, r->mta, r->message_id,
                              r->date};
    for (size_t i = 6; i < SV_COLS; i++)
        v[i] = "";
    if (r->nrecipients == 0)
        sv_row(out, v);
    for (size_t i = 0; i < r->nrecipients; i++) {
        const bc_recipient *p = &r->recipients[i];
        char code[16];
        snprintf(code, sizeof code, "%d", p->code);
        v[6] = p->address;
        v[7] = p->action;
        v[8] = p->status;
        v[9] = p->reply_code;
        v[10] = p->class_name;
        v[11] = bc_severity_name(p->severity);
        v[12] = p->advice;
        v[13] = code;
        v[14] = p->detail;
        v[15] = p->rule;
        v[16] = p->smtp_command;
        v[17] = p->diagnostic;
        v[18] = p->remote_mta;
        sv_row(out, v);
    }
    for (size_t i = 0; cli.explain && i < r->ntrace; i++)
        fprintf(x->err, "# %s: %s\n", source, r->trace[i]);
}

/* ---------------------------------------------------------------- table */

static const char *const table_header[] = {"SOURCE", "KIND",   "RECIPIENT", "CLASS",
                                           "SEV",    "STATUS", "REPLY",     "DESCRIPTION"};
#define TABLE_COLS 8

static void table_flush(FILE *out)
{
    size_t w[TABLE_COLS];
    for (int c = 0; c < TABLE_COLS; c++)
        w[c] = strlen(table_header[c]);
    for (int i = 0; i < cli.nrows; i++)
        for (int c = 0; c < cli.rows[i].ncells; c++) {
            size_t cw = text_width(cli.rows[i].cell[c]);
            if (cw > w[c])
                w[c] = cw;
        }
    for (int c = 0; c < TABLE_COLS; c++)
        fprintf(out, "%s%-*s", c ? "  " : "", c + 1 < TABLE_COLS ? (int)w[c] : 0, table_header[c]);
    putc_unlocked('\n', out);
    for (int i = 0; i < cli.nrows; i++) {
        struct row *r = &cli.rows[i];
        if (r->ncells == 0) {
            fprintf(out, "    %s\n", r->line);
            free(r->line);
            continue;
        }
        for (int c = 0; c < r->ncells; c++) {
            fputs_unlocked(c ? "  " : "", out);
            fputs_unlocked(r->cell[c], out);
            for (size_t k = text_width(r->cell[c]); c + 1 < r->ncells && k < w[c]; k++)
                putc_unlocked(' ', out);
            free(r->cell[c]);
        }
        putc_unlocked('\n', out);
    }
    cli.nrows = 0;
}

/* Append a made row to the table on standard output. */
static void table_push(const struct row *r)
{
    if (cli.nrows == TABLE_BLOCK)
        table_flush(stdout);
    cli.rows[cli.nrows++] = *r;
}

/* Add one table row from n values (cleaned copies are kept): to the table,
 * or to x's own rows for the printer to push in input order. */
static void table_add(struct ctx *x, const char *const *v, int n)
{
    struct row r = {.ncells = 0, .line = NULL};
    if (n == 0) {
        r.line = clean_str(v[0]);
        if (r.line == NULL)
            return;
    }
    for (int c = 0; c < n; c++) {
        r.cell[c] = clean_str(v[c] ? v[c] : "");
        if (r.cell[c] == NULL)
            r.cell[c] = strdup("");
        r.ncells++;
    }
    if (!x->keep_rows) {
        table_push(&r);
        return;
    }
    if (x->nrows == x->caprows) {
        size_t cap = x->caprows ? 2 * x->caprows : 16;
        struct row *nr = realloc(x->rows, cap * sizeof *nr);
        if (nr == NULL) {
            for (int c = 0; c < r.ncells; c++)
                free(r.cell[c]);
            free(r.line);
            return;
        }
        x->rows = nr;
        x->caprows = cap;
    }
    x->rows[x->nrows++] = r;
}

static void table_result(struct ctx *x, const char *source, const bc_result *r)
{
    if (!r->bounce || r->nrecipients == 0) {
        const char *v[TABLE_COLS] = {
            source, *r->kind ? r->kind : "-",
            "-",    "-",
            "-",    "-",
            "-",    r->bounce ? "report names no recipient" : "not a bounce"};
        table_add(x, v, TABLE_COLS);
    }
    for (size_t i = 0; r->bounce && i < r->nrecipients; i++) {
        const bc_recipient *p = &r->recipients[i];
        const char *v[TABLE_COLS] = {source,
                                     r->kind,
                                     p->address,
                                     p->class_name,
                                     bc_severity_name(p->severity),
                                     *p->status ? p->status : "-",
                                     *p->reply_code ? p->reply_code : "-",
                                     bc_describe(cli.rules, p->class_name, p->detail, cli.lang)};
        table_add(x, v, TABLE_COLS);
    }
    for (size_t i = 0; cli.explain && i < r->ntrace; i++)
        table_add(x, &r->trace[i], 0);
}

/* ---------------------------------------------------------------- output */

static void emit_result(struct ctx *x, const char *source, const bc_result *r)
{
    FILE *out = x->out;
    switch (cli.fmt) {
    case FMT_CSV:
    case FMT_TSV:
        sv_result(x, source, r);
        break;
    case FMT_TABLE:
        table_result(x, source, r);
        break;
    default:
        putc_unlocked('{', out);
        json_result(out, source, r);
        fputs_unlocked("}\n", out);
    }
}

static void emit_error(struct ctx *x, const char *source, const char *msg)
{
    FILE *out = x->out;
    x->failed = 1;
    if (cli.fmt == FMT_CSV || cli.fmt == FMT_TSV) {
        const char *v[SV_COLS] = {source, "false"};
        for (size_t i = 2; i < SV_COLS; i++)
            v[i] = "";
        v[SV_COLS - 1] = msg;
        sv_row(out, v);
    } else if (cli.fmt == FMT_TABLE) {
        const char *v[TABLE_COLS] = {source, "error", "-", "-", "-", "-", "-", msg};
        table_add(x, v, TABLE_COLS);
    } else {
        putc_unlocked('{', out);
        json_field(out, "source", source, 1);
        json_field(out, "error", msg, 0);
        fputs_unlocked("}\n", out);
    }
}

/* ---------------------------------------------------------------- messages */

static void classify_one(struct ctx *x, const char *source, const char *msg, size_t len,
                         int unescape)
{
    bc_classifier_reset(x->clf);
    mbox_feed(x->clf, msg, len, unescape);
    bc_result *r = bc_classifier_finish(x->clf);
    if (r == NULL) {
        emit_error(x, source, "out of memory");
        return;
    }
    emit_result(x, source, r);
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
        emit_error(x, source, "out of memory");
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
        emit_error(x, source, strerror(errno));
        return;
    }
    classify_data(x, source, x->buf, (size_t)n);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Names are kept with their dirent type in front: type byte, then name. */
static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

/* Called for each path a directory walk meets (type: a DT_* value). */
typedef void visit_fn(void *arg, const char *path, int depth, unsigned char type);

/* Visit every entry of dir in name order at depth + 1; a maildir's tmp/ and
 * names starting with a dot are skipped.  0, or opendir's errno. */
static int walk_dir(const char *dir, int depth, visit_fn *visit, void *arg)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (nn == NULL)
                break;
            names = nn;
        }
        size_t len = strlen(e->d_name);
        if ((names[n] = malloc(len + 2)) != NULL) {
            names[n][0] = (char)e->d_type;
            memcpy(names[n] + 1, e->d_name, len + 1);
            n++;
        }
    }
    closedir(d);
    if (names != NULL)
        qsort(names, n, sizeof *names, cmp_names);

    size_t plen = strlen(dir);
    int slash = plen > 0 && dir[plen - 1] == '/';
    char *buf = malloc(plen + 2 + 256);
    int maildir = 0;
    if (buf != NULL) {
        snprintf(buf, plen + 258, "%s%scur", dir, slash ? "" : "/");
        maildir = is_dir(buf);
        snprintf(buf, plen + 258, "%s%snew", dir, slash ? "" : "/");
        maildir = maildir && is_dir(buf);
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i] + 1;
        if (buf != NULL && !(maildir && strcmp(name, "tmp") == 0)) {
            snprintf(buf, plen + 258, "%s%s%s", dir, slash ? "" : "/", name);
            visit(arg, buf, depth + 1, (unsigned char)names[i][0]);
        }
        free(names[i]);
    }
    free(names);
    free(buf);
    return 0;
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
        emit_error(x, path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        int err = depth < MAX_DIR_DEPTH ? walk_dir(path, depth, classify_visit, x) : 0;
        if (err != 0)
            emit_error(x, path, strerror(err));
        return;
    }
    /* inside a directory walk only regular files are messages */
    if (depth == 0 || S_ISREG(st.st_mode))
        classify_fd(x, path, fd, &st);
    close(fd);
}

/* ---------------------------------------------------------------- threads */

/* One input for the workers, and its output once classified. */
struct item {
    char *path;
    int depth;
    int done;             /* output ready (atomic) */
    int oom;              /* no buffer could be made for the output */
    char *out, *err_text; /* its standard output and standard error bytes */
    size_t outlen, errlen;
    struct row *rows; /* its table rows */
    size_t nrows;
    int failed;
};

/* The list of inputs and what the threads share: the next input to take,
 * the done flags and the printed count (atomic; written under the lock,
 * which also guards who sleeps on which condition). */
static struct {
    struct item *items;
    size_t n, cap;
    int oom; /* the list could not grow */
    size_t next;
    size_t printed;
    pthread_mutex_t lock;
    pthread_cond_t done_cv, space_cv;
    int main_waits; /* the main thread sleeps on done_cv */
    int sleepers;   /* workers sleeping on space_cv */
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .done_cv = PTHREAD_COND_INITIALIZER,
          .space_cv = PTHREAD_COND_INITIALIZER};

static void list_add(const char *path, int depth)
{
    if (pool.n == pool.cap) {
        size_t cap = pool.cap ? 2 * pool.cap : 256;
        struct item *ni = realloc(pool.items, cap * sizeof *ni);
        if (ni == NULL) {
            pool.oom = 1;
            return;
        }
        pool.items = ni;
        pool.cap = cap;
    }
    struct item *it = &pool.items[pool.n];
    memset(it, 0, sizeof *it);
    if ((it->path = strdup(path)) == NULL) {
        pool.oom = 1;
        return;
    }
    it->depth = depth;
    pool.n++;
}

/* List the inputs path stands for, in the order classify_path meets them:
 * directories are walked here, anything else is one item.  A directory
 * that cannot be read is an item too: its worker reports the error. */
static void list_path(void *arg, const char *path, int depth, unsigned char type)
{
    struct stat st;
    if (type != DT_REG && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (depth < MAX_DIR_DEPTH && walk_dir(path, depth, list_path, NULL) != 0)
            list_add(path, depth);
        return;
    }
    list_add(path, depth);
}

/* Classify one item into buffers of its own. */
static void run_item(struct ctx *x, struct item *it)
{
    x->out = open_memstream(&it->out, &it->outlen);
    x->err = NULL;
    if (x->out != NULL && cli.explain && (cli.fmt == FMT_CSV || cli.fmt == FMT_TSV) &&
        (x->err = open_memstream(&it->err_text, &it->errlen)) == NULL) {
        fclose(x->out);
        x->out = NULL;
    }
    if (x->out == NULL) {
        free(it->out);
        it->out = NULL;
        it->outlen = 0;
        it->oom = 1;
        return;
    }
    x->rows = NULL;
    x->nrows = x->caprows = 0;
    x->failed = 0;
    classify_path(x, it->path, it->depth);
    fclose(x->out);
    if (x->err != NULL)
        fclose(x->err);
    it->rows = x->rows;
    it->nrows = x->nrows;
    it->failed = x->failed;
}

/* Take the next item; a worker then waits while it is WINDOW items ahead
 * of the printer.  pool.n when there is none left. */
static size_t take(int wait)
{
    size_t i = __atomic_fetch_add(&pool.next, 1, __ATOMIC_RELAXED);
    if (i >= pool.n)
        return pool.n;
    if (wait && i >= __atomic_load_n(&pool.printed, __ATOMIC_ACQUIRE) + WINDOW) {
        pthread_mutex_lock(&pool.lock);
        pool.sleepers++;
        while (i >= __atomic_load_n(&pool.printed, __ATOMIC_ACQUIRE) + WINDOW)
            pthread_cond_wait(&pool.space_cv, &pool.lock);
        pool.sleepers--;
        pthread_mutex_unlock(&pool.lock);
    }
    return i;
}

/* Mark item i done, waking the main thread if it waits for it. */
static void finish(size_t i)
{
    __atomic_store_n(&pool.items[i].done, 1, __ATOMIC_RELEASE);
    pthread_mutex_lock(&pool.lock);
    if (pool.main_waits)
        pthread_cond_signal(&pool.done_cv);
    pthread_mutex_unlock(&pool.lock);
}

static void *worker(void *arg)
{
    struct ctx *x = arg;
    for (size_t i; (i = take(1)) < pool.n;) {
        run_item(x, &pool.items[i]);
        finish(i);
    }
    return NULL;
}

/* Print the next item in input order, if it is done or (wait) once it is. */
static int print_next(struct ctx *x, int wait)
{
    size_t i = __atomic_load_n(&pool.printed, __ATOMIC_RELAXED);
    struct item *it = &pool.items[i];
    if (i >= pool.n)
        return 0;
    if (!__atomic_load_n(&it->done, __ATOMIC_ACQUIRE)) {
        if (!wait)
            return 0;
        pthread_mutex_lock(&pool.lock);
        pool.main_waits = 1;
        while (!__atomic_load_n(&it->done, __ATOMIC_ACQUIRE))
            pthread_cond_wait(&pool.done_cv, &pool.lock);
        pool.main_waits = 0;
        pthread_mutex_unlock(&pool.lock);
    }
    /* standard output first, as -j 1 buffers it before the trace */
    fwrite_unlocked(it->out, 1, it->outlen, stdout);
    if (it->errlen > 0)
        fwrite(it->err_text, 1, it->errlen, stderr);
    if (it->oom)
        emit_error(x, it->path, "out of memory");
    for (size_t r = 0; r < it->nrows; r++)
        table_push(&it->rows[r]);
    x->failed |= it->failed;
    free(it->out);
    free(it->err_text);
    free(it->rows);
    pthread_mutex_lock(&pool.lock);
    __atomic_store_n(&pool.printed, i + 1, __ATOMIC_RELEASE);
    if (pool.sleepers > 0)
        pthread_cond_broadcast(&pool.space_cv);
    pthread_mutex_unlock(&pool.lock);
    return 1;
}

/* Classify the listed items with jobs threads, the main thread one of them:
 * between its own items it prints those done, in input order, without
 * waiting; it waits only to keep within WINDOW and at the end.  x is the
 * main thread's context: standard output, its classifier. */
static void run_pool(struct ctx *x, int jobs, size_t max_size, unsigned flags)
{
    struct ctx *w = calloc((size_t)jobs, sizeof *w);
    pthread_t *tid = calloc((size_t)jobs, sizeof *tid);
    int started = 0;
    for (int k = 1; w != NULL && tid != NULL && k < jobs; k++) {
        w[k].keep_rows = 1;
        w[k].clf = bc_classifier_new(cli.rules, max_size, flags);
        if (w[k].clf == NULL || pthread_create(&tid[k], NULL, worker, &w[k]) != 0) {
            bc_classifier_free(w[k].clf);
            break;
        }
        started = k;
    }
    struct ctx self = {.clf = x->clf, .keep_rows = 1};
    for (size_t i; (i = take(0)) < pool.n;) {
        while (print_next(x, i >= __atomic_load_n(&pool.printed, __ATOMIC_RELAXED) + WINDOW))
            ;
        run_item(&self, &pool.items[i]);
        finish(i);
    }
    while (print_next(x, 1))
        ;
    for (int k = 1; k <= started; k++) {
        pthread_join(tid[k], NULL);
        bc_classifier_free(w[k].clf);
        free(w[k].buf);
    }
    free(self.buf);
    free(w);
    free(tid);
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
        list_path(NULL, a->v[i], 0, DT_UNKNOWN);
    return NULL;
}

static void list_free(void)
{
    for (size_t i = 0; i < pool.n; i++)
        free(pool.items[i].path);
    free(pool.items);
    pool.items = NULL;
    pool.n = pool.cap = 0;
}

/* ---------------------------------------------------------------- main */

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

    cli.lang = "en";
    while ((opt = getopt_long(argc, argv, "Vhj:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'J':
            cli.fmt = FMT_JSON;
            break;
        case 'c':
            cli.fmt = FMT_CSV;
            break;
        case 't':
            cli.fmt = FMT_TSV;
            break;
        case 'T':
            cli.fmt = FMT_TABLE;
            break;
        case 'e':
            cli.explain = 1;
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
            cli.lang = optarg;
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
    if (cli.fmt == FMT_AUTO)
        cli.fmt = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_JSON;

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
    unsigned flags = cli.explain ? BC_EXPLAIN : 0;
    struct ctx x = {.out = stdout, .err = stderr};
    if (rules != NULL)
        x.clf = bc_classifier_new(rules, max_size, flags);
    if (listing)
        pthread_join(lister, NULL);
    if (rules == NULL || x.clf == NULL) {
        fprintf(stderr, "bounce-classify: %s\n", rules == NULL ? err : "out of memory");
        list_free();
        bc_rules_free(rules);
        return 2;
    }
    cli.rules = rules;
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    if (jobs > 1 && args.n == 1)
        list_args(&args);
    if (pool.oom || pool.n < 2)
        list_free();

    if (cli.fmt == FMT_CSV || cli.fmt == FMT_TSV)
        sv_header_line(stdout);
    if (pool.n > 1)
        run_pool(&x, pool.n < (size_t)jobs ? (int)pool.n : (int)jobs, max_size, flags);
    else if (optind == argc)
        classify_path(&x, "-", 0);
    else
        for (int i = optind; i < argc; i++)
            classify_path(&x, argv[i], 0);
    if (cli.fmt == FMT_TABLE && cli.nrows > 0)
        table_flush(stdout);

    int werr = fflush(stdout) != 0 || ferror(stdout);
    list_free();
    bc_classifier_free(x.clf);
    bc_rules_free(rules);
    free(x.buf);
    if (werr) {
        fprintf(stderr, "bounce-classify: write error: %s\n", strerror(errno));
        return 1;
    }
    return x.failed ? 1 : 0;
}
