/*
 * html.h - bounce-report's HTML page: one self-contained file with four
 * inline SVG charts (bounces per day by class, the hard/soft share, the
 * top failing domains, the top providers), no script, no external
 * reference.
 *
 *     html_data d = {0};
 *     for each event: html_add(&d, ev);
 *     html_write(&out, &d, time(NULL));
 *     html_data_free(&d);
 *
 * Every bar and segment carries data-key and data-count attributes and a
 * <title> with its count, so that a test (or a person hovering) reads the
 * numbers the chart draws.
 */
#ifndef STORE_HTML_H
#define STORE_HTML_H

#include <stdint.h>

#include "event.h"
#include "sbuf.h"
#include "summary.h"

#define HTML_MAX_DAYS 92 /* the daily chart shows at most the last 92 days */
#define HTML_TOP 10      /* rows of the top domains and providers */

typedef struct html_data {
    summary daily;   /* "YYYY-MM-DD class" */
    summary classes; /* class totals: the legend and the stacking order */
    summary domains, providers;
    long hard, soft, other;
    int64_t first, last; /* times of the oldest and newest events */
} html_data;

/* Count one event; 0, or -1 on memory exhaustion. */
int html_add(html_data *d, const event *ev);

/* The page; generated is the time it names. */
void html_write(sbuf *out, html_data *d, int64_t generated);

void html_data_free(html_data *d);

#endif
