/*
 * summary.h - counting events by a key (class, domain, provider, day) for
 * bounce-report's summary and its HTML page.
 *
 *     summary s = {0};
 *     summary_add(&s, summary_key(ev, SUM_PROVIDER, buf, sizeof buf), ev->f[EV_SEVERITY]);
 *     summary_sort(&s, 1);
 *     ... s.rows[i].key, .events, .hard, .soft ...
 *     summary_free(&s);
 */
#ifndef STORE_SUMMARY_H
#define STORE_SUMMARY_H

#include <stddef.h>

#include "event.h"

enum sum_by { SUM_CLASS, SUM_DOMAIN, SUM_PROVIDER, SUM_DAY };

typedef struct sum_row {
    char *key;
    long events, hard, soft;
} sum_row;

typedef struct summary {
    sum_row *rows;
    size_t n, cap;
    /* open-addressing index of rows by key */
    size_t *slots;
    size_t nslots;
} summary;

/* "class", "domain", "provider", "day" → *by: 0, or -1 if none of them. */
int summary_by_name(const char *name, enum sum_by *by);

/* The key of ev when grouping by `by`, written into buf. */
const char *summary_key(const event *ev, enum sum_by by, char *buf, size_t len);

/* The registrable domain of a host name, approximated without the public
 * suffix list: the last two labels, or three when the second-level label
 * is one of the generic ones under a country code (co.jp, com.tw, ...). */
const char *summary_registrable(const char *host, char *buf, size_t len);

/* Count one event of severity under key; 0, or -1 on memory exhaustion. */
int summary_add(summary *s, const char *key, const char *severity);

/* Sort rows by events, most first (by_count), or by key. */
void summary_sort(summary *s, int by_count);

void summary_free(summary *s);

#endif
