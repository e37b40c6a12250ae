/*
 * stats.h - the daemon's counters: cheap to bump from any thread, written
 * as a Prometheus text-format file (node_exporter textfile collector) and
 * to the log on SIGUSR2.
 */
#ifndef MILTER_STATS_H
#define MILTER_STATS_H

#include <stdio.h>

#include "config.h"

enum stat_id {
    ST_MESSAGES,           /* messages seen (MAIL FROM) */
    ST_INSPECTED,          /* messages whose body was read */
    ST_BOUNCES,            /* inspected messages the classifier called a report */
    ST_NOT_BOUNCES,        /* inspected messages that were not */
    ST_FORGED_REMOVED,     /* X-Bounce-* headers removed */
    ST_INTERNAL,           /* Postfix's own bounces (internal daemon name) */
    ST_ERRORS,             /* internal failures (on_error applied) */
    ST_EVENTS_JOURNALED,   /* bounce events appended to the journal */
    ST_EVENTS_WRITTEN,     /* events the store did not hold yet */
    ST_EVENTS_DROPPED,     /* events lost: journal full or failing */
    ST_SUPPRESSIONS,       /* suppressions the policy recorded */
    ST_LOOKUPS,            /* socketmap lookups (socketmap.c) */
    ST_WEBHOOK_DELIVERIES, /* webhook POSTs answered 2xx (webhook.c) */
    ST_WEBHOOK_FAILURES,   /* webhook POSTs that failed (webhook.c) */
    ST_N
};

/* Add one to a counter. */
void stats_inc(enum stat_id id);

/* Add n to a counter. */
void stats_add(enum stat_id id, unsigned long n);

/* Count one failed recipient of this class. */
void stats_class(const char *class_name);

/* Count one action carried out. */
void stats_action(enum mc_action_type t);

/* Add CPU time spent classifying and acting on one bounce. */
void stats_cpu(long nanoseconds);

/* The journal's backlog in bytes (a gauge, set by the writer thread). */
void stats_set_backlog(unsigned long bytes);

/* Write the Prometheus text format to f. */
void stats_print(FILE *f);

/* Write the counters to path atomically (temp file + rename); 0 on success. */
int stats_write_file(const char *path);

/* Write the counters to the log, one line. */
void stats_log(void);

#endif
