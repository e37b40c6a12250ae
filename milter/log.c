/*
 * log.c - one-line log messages to syslog or standard error.
 *
 * syslog is opened with the configured facility whichever way lines go:
 * libmilter logs its own errors with syslog(3), and they belong next to
 * ours.  With -e this module's lines go to stderr as "ident[pid]: message"
 * (one fprintf per line, so lines from different threads never interleave)
 * and libmilter's to both (LOG_PERROR).  Until log_init() every line goes
 * to stderr: configuration errors at start-up, -n and -t.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int use_stderr = 1;
static char log_ident[32] = "bounce-milter";

static const struct {
    const char *name;
    int value;
} facilities[] = {
    {"auth", LOG_AUTH},     {"daemon", LOG_DAEMON}, {"mail", LOG_MAIL},     {"user", LOG_USER},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
    {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

int log_facility(const char *name)
{
    for (size_t i = 0; i < sizeof facilities / sizeof *facilities; i++)
        if (strcasecmp(facilities[i].name, name) == 0)
            return facilities[i].value;
    return -1;
}

void log_init(const char *ident, int to_stderr, const char *facility)
{
    snprintf(log_ident, sizeof log_ident, "%s", ident);
    use_stderr = to_stderr;
    int f = facility ? log_facility(facility) : -1;
    openlog(log_ident, LOG_PID | LOG_NDELAY | (to_stderr ? LOG_PERROR : 0), f >= 0 ? f : LOG_MAIL);
}

void log_msg(int prio, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (use_stderr)
        fprintf(stderr, "%s[%ld]: %s\n", log_ident, (long)getpid(), line);
    else
        syslog(prio, "%s", line);
}
