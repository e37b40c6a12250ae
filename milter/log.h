/*
 * log.h - the daemon's log: syslog with the configured facility (LOG_PID),
 * or standard error (-e, and before the configuration is read).  Call
 * log_init() before any thread starts.
 */
#ifndef MILTER_LOG_H
#define MILTER_LOG_H

#include <syslog.h>

/* Open syslog with the named facility ("mail" when NULL or unknown), so
 * that libmilter's own syslog calls use it too; this module's lines go to
 * syslog, or to stderr when to_stderr is set. */
void log_init(const char *ident, int to_stderr, const char *facility);

/* Write one line at priority prio (LOG_ERR, LOG_WARNING, LOG_NOTICE,
 * LOG_INFO, LOG_DEBUG). */
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* syslog facility number for a name ("mail", "local0", ...), or -1. */
int log_facility(const char *name);

#endif
