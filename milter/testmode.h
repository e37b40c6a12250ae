/*
 * testmode.h - bounce-milter -t: run one message file through the session
 * code the callbacks use, offline, and print what the milter would do.
 */
#ifndef MILTER_TESTMODE_H
#define MILTER_TESTMODE_H

#include <stdio.h>

/* Run path through the current runtime's config; sender/rcpts NULL: take
 * them from the message (Return-Path; X-Original-To, Delivered-To or To).
 * daemon_name plays the {daemon_name} macro (NULL: none).  Prints the
 * headers added (as header lines) and "# ..." lines for everything else to
 * out.  Returns 0, or 1 if the file cannot be read. */
int testmode_run(const char *path, const char *sender, const char *const *rcpts, size_t nrcpts,
                 const char *daemon_name, FILE *out);

#endif
