/*
 * log.h - the daemon's log: syslog (LOG_PID), or standard error when
 * running in the foreground.  Call log_init() once before any thread.
 */
#ifndef MILTER_LOG_H
#define MILTER_LOG_H

#include <syslog.h>

/* Log to stderr (to_stderr) or to syslog with the named facility. */
void log_init(const char *ident, int to_stderr, const char *facility);

/* Write one line at priority prio (LOG_ERR, LOG_WARNING, LOG_INFO, ...). */
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* syslog facility number for a name ("mail", "local0", ...), or -1. */
int log_facility(const char *name);

#endif
