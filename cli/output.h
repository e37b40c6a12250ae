/*
 * output.h - bounce-classify's output formats (output.c).
 */
#ifndef CLI_OUTPUT_H
#define CLI_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "bounce.h"

enum format { FMT_AUTO, FMT_JSON, FMT_CSV, FMT_TSV, FMT_TABLE };

/* A table row: cells, or (ncells == 0) one free line such as a trace. */
struct row {
    char *cell[9];
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

struct output_opts {
    enum format fmt; /* not FMT_AUTO */
    int explain;
    const char *lang; /* en, zh-TW or zh-CN */
    size_t width;     /* of the table, in terminal columns */
    const bc_rules *rules;
};

/* Set the options; before any output and any thread. */
void output_init(const struct output_opts *o);

/* $COLUMNS, else the terminal's width, else 80. */
size_t output_terminal_width(void);

/* Do --explain traces go to the context's err stream (CSV and TSV)? */
int output_trace_to_err(void);

/* The CSV/TSV header line. */
void output_csv_header(FILE *out);

/* One message's result, or an input that could not be read (x->failed). */
void output_result(struct ctx *x, const char *source, const bc_result *r);
void output_error(struct ctx *x, const char *source, const char *msg);

/* A table row another thread made (keep_rows), in input order; main only. */
void output_push_row(const struct row *r);

/* Print what the table still holds. */
void output_finish(FILE *out);

#endif
