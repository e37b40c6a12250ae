/*
 * output.c - what bounce-classify prints: JSON Lines (INTERFACES.md section
 * 2), CSV and TSV rows, and the readable table, as wide as the terminal.
 *
 * output_init() takes the options once, before any thread starts; then each
 * thread calls output_result() and output_error() with its own struct ctx
 * (its own FILE and, for the table, its own rows).  Table rows are printed
 * in blocks aligned together: output_push_row() adds a finished row (from
 * the main thread only) and output_finish() prints the last block.
 */
#include "output.h"

#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define TABLE_BLOCK 512 /* table rows aligned and printed together */

/* The options (read-only once set) and the table block being filled. */
static struct output_opts opt;
static struct {
    struct row rows[TABLE_BLOCK];
    int nrows;
} table;

void output_init(const struct output_opts *o)
{
    opt = *o;
}

int output_trace_to_err(void)
{
    return opt.explain && (opt.fmt == FMT_CSV || opt.fmt == FMT_TSV);
}

/* ---------------------------------------------------------------- text */

static void put_file(void *arg, const char *p, size_t n)
{
    fwrite_unlocked(p, 1, n, arg);
}

static void json_str(FILE *out, const char *s)
{
    bc_json_string(s, put_file, out);
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
        size_t n = utf8_seq_len(p, end);
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

/* Terminal columns of code point cp: 2 for East Asian wide and fullwidth
 * characters (CJK, Hangul, fullwidth forms), else 1. */
static size_t cp_width(unsigned cp)
{
    return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
                   (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                   (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                   (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd)
               ? 2
               : 1;
}

/* The code point of the (valid) UTF-8 sequence at *p; *p moves past it. */
static unsigned next_cp(const char **p)
{
    const unsigned char *s = (const unsigned char *)*p;
    unsigned cp = s[0];
    size_t n = cp < 0x80 ? 1 : cp < 0xe0 ? 2 : cp < 0xf0 ? 3 : 4;
    if (n > 1)
        cp &= 0x3fu >> (n - 1);
    for (size_t i = 1; i < n && s[i] != '\0'; i++)
        cp = cp << 6 | (s[i] & 0x3fu);
    *p += n;
    return cp;
}

/* Display width of clean UTF-8 text in terminal columns. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    while (*s)
        w += cp_width(next_cp(&s));
    return w;
}

/* Write clean text s in at most w columns: whole, or cut with an
 * ellipsis; returns the columns written. */
static size_t put_cut(FILE *out, const char *s, size_t w)
{
    if (text_width(s) <= w) {
        fputs_unlocked(s, out);
        return text_width(s);
    }
    size_t used = 0;
    const char *p = s;
    while (*p) {
        const char *q = p;
        size_t cw = cp_width(next_cp(&q));
        if (used + cw + 1 > w)
            break;
        used += cw;
        p = q;
    }
    fwrite_unlocked(s, 1, (size_t)(p - s), out);
    if (w > 0) {
        fputs_unlocked("\xe2\x80\xa6", out); /* U+2026 HORIZONTAL ELLIPSIS */
        used++;
    }
    return used;
}

/* The table's width: $COLUMNS, else the terminal's, else 80. */
size_t output_terminal_width(void)
{
    const char *env = getenv("COLUMNS");
    if (env != NULL && *env != '\0') {
        char *e;
        long v = strtol(env, &e, 10);
        if (*e == '\0' && v > 0 && v <= 100000)
            return (size_t)v;
    }
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/* The table's own words in the --lang languages (the class descriptions
 * come from the rules file). */
enum ui_word { UI_NOT_A_BOUNCE, UI_NO_RECIPIENT };
static const struct {
    const char *en, *zh_tw, *zh_cn;
} ui_words[] = {
    [UI_NOT_A_BOUNCE] = {"not a bounce", "不是退信", "不是退信"},
    [UI_NO_RECIPIENT] = {"report names no recipient", "報告未列出收件人", "报告未列出收件人"},
};

static const char *ui(enum ui_word w)
{
    if (strcmp(opt.lang, "zh-TW") == 0)
        return ui_words[w].zh_tw;
    if (strcmp(opt.lang, "zh-CN") == 0)
        return ui_words[w].zh_cn;
    return ui_words[w].en;
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
    if (opt.explain) {
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
    if (opt.fmt == FMT_CSV && strpbrk(t, "\",") != NULL) {
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
    putc_unlocked(last ? '\n' : (opt.fmt == FMT_TSV ? '\t' : ','), out);
}

void output_csv_header(FILE *out)
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
    for (size_t i = 0; opt.explain && i < r->ntrace; i++)
        fprintf(x->err, "# %s: %s\n", source, r->trace[i]);
}

/* ---------------------------------------------------------------- table */

static const char *const table_header[] = {"SOURCE", "KIND",  "RECIPIENT", "CLASS",      "SEV",
                                           "STATUS", "REPLY", "ADVICE",    "DESCRIPTION"};
#define TABLE_COLS 9

/* Narrow the columns w[] until the table fits opt.width, the widest
 * first: the free text (source, recipient, description: the least lost by
 * a cut) down to its header's width, then down to 4 columns, then any
 * column down to its header's width. */
static void fit_widths(size_t *w)
{
    static const struct {
        int all;    /* every column, or only the free text */
        size_t min; /* 0: the header's width */
    } pass[] = {{0, 0}, {0, 4}, {1, 0}};
    static const int free_text[] = {0, 2, 8};
    size_t total = 2 * (TABLE_COLS - 1);
    for (int c = 0; c < TABLE_COLS; c++)
        total += w[c];
    for (size_t p = 0; p < sizeof pass / sizeof *pass; p++)
        while (total > opt.width) {
            int widest = -1;
            for (int k = 0; k < (pass[p].all ? TABLE_COLS : 3); k++) {
                int c = pass[p].all ? k : free_text[k];
                size_t min = pass[p].min ? pass[p].min : strlen(table_header[c]);
                if (w[c] > min && (widest < 0 || w[c] > w[widest]))
                    widest = c;
            }
            if (widest < 0)
                break;
            w[widest]--;
            total--;
        }
}

static void table_flush(FILE *out)
{
    size_t w[TABLE_COLS];
    for (int c = 0; c < TABLE_COLS; c++)
        w[c] = strlen(table_header[c]);
    for (int i = 0; i < table.nrows; i++)
        for (int c = 0; c < table.rows[i].ncells; c++) {
            size_t cw = text_width(table.rows[i].cell[c]);
            if (cw > w[c])
                w[c] = cw;
        }
    fit_widths(w);
    for (int c = 0; c < TABLE_COLS; c++) {
        fputs_unlocked(c ? "  " : "", out);
        for (size_t k = put_cut(out, table_header[c], w[c]); c + 1 < TABLE_COLS && k < w[c]; k++)
            putc_unlocked(' ', out);
    }
    putc_unlocked('\n', out);
    for (int i = 0; i < table.nrows; i++) {
        struct row *r = &table.rows[i];
        if (r->ncells == 0) {
            fprintf(out, "    %s\n", r->line);
            free(r->line);
            continue;
        }
        for (int c = 0; c < r->ncells; c++) {
            fputs_unlocked(c ? "  " : "", out);
            for (size_t k = put_cut(out, r->cell[c], w[c]); c + 1 < r->ncells && k < w[c]; k++)
                putc_unlocked(' ', out);
            free(r->cell[c]);
        }
        putc_unlocked('\n', out);
    }
    table.nrows = 0;
}

/* Append a made row to the table on standard output. */
void output_push_row(const struct row *r)
{
    if (table.nrows == TABLE_BLOCK)
        table_flush(stdout);
    table.rows[table.nrows++] = *r;
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
        output_push_row(&r);
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
        const char *v[TABLE_COLS] = {source,
                                     *r->kind ? r->kind : "-",
                                     "-",
                                     "-",
                                     "-",
                                     "-",
                                     "-",
                                     "-",
                                     ui(r->bounce ? UI_NO_RECIPIENT : UI_NOT_A_BOUNCE)};
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
                                     *p->advice ? p->advice : "-",
                                     bc_describe(opt.rules, p->class_name, p->detail, opt.lang)};
        table_add(x, v, TABLE_COLS);
    }
    for (size_t i = 0; opt.explain && i < r->ntrace; i++)
        table_add(x, &r->trace[i], 0);
}

/* ---------------------------------------------------------------- output */

void output_result(struct ctx *x, const char *source, const bc_result *r)
{
    FILE *out = x->out;
    switch (opt.fmt) {
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

void output_error(struct ctx *x, const char *source, const char *msg)
{
    FILE *out = x->out;
    x->failed = 1;
    if (opt.fmt == FMT_CSV || opt.fmt == FMT_TSV) {
        const char *v[SV_COLS] = {source, "false"};
        for (size_t i = 2; i < SV_COLS; i++)
            v[i] = "";
        v[SV_COLS - 1] = msg;
        sv_row(out, v);
    } else if (opt.fmt == FMT_TABLE) {
        const char *v[TABLE_COLS] = {source, "error", "-", "-", "-", "-", "-", "-", msg};
        table_add(x, v, TABLE_COLS);
    } else {
        putc_unlocked('{', out);
        json_field(out, "source", source, 1);
        json_field(out, "error", msg, 0);
        fputs_unlocked("}\n", out);
    }
}

void output_finish(FILE *out)
{
    if (opt.fmt == FMT_TABLE && table.nrows > 0)
        table_flush(out);
}
