/*
 * stats.c - counters kept with atomic adds; per-class counts in a small
 * table of names under a mutex (touched once per failed recipient, so the
 * lock is never hot).  Class names come from the classifier's rule data;
 * past STATS_MAX_CLASSES distinct names the rest count as "other".
 */
#include "stats.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define STATS_MAX_CLASSES 64

static unsigned long counters[ST_N];
static unsigned long actions[MC_ACT_DISCARD + 1];
static unsigned long cpu_ns;
static unsigned long backlog;

static pthread_mutex_t class_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char name[32];
    unsigned long n;
} classes[STATS_MAX_CLASSES];
static size_t nclasses;

static const char *const counter_names[ST_N] = {"messages",
                                                "inspected",
                                                "bounces",
                                                "not_bounces",
                                                "forged_headers_removed",
                                                "internal",
                                                "errors",
                                                "events_journaled",
                                                "events_written",
                                                "events_dropped",
                                                "suppressions",
                                                "suppression_lookups",
                                                "webhook_deliveries",
                                                "webhook_failures"};

void stats_inc(enum stat_id id)
{
    __atomic_add_fetch(&counters[id], 1, __ATOMIC_RELAXED);
}

void stats_add(enum stat_id id, unsigned long n)
{
    __atomic_add_fetch(&counters[id], n, __ATOMIC_RELAXED);
}

void stats_action(enum mc_action_type t)
{
    __atomic_add_fetch(&actions[t], 1, __ATOMIC_RELAXED);
}

void stats_set_backlog(unsigned long bytes)
{
    __atomic_store_n(&backlog, bytes, __ATOMIC_RELAXED);
}

void stats_cpu(long ns)
{
    if (ns > 0)
        __atomic_add_fetch(&cpu_ns, (unsigned long)ns, __ATOMIC_RELAXED);
}

void stats_class(const char *class_name)
{
    char name[32];
    size_t o = 0;
    /* Label values: keep them to [a-z0-9_-]; anything else is dropped. */
    for (const char *p = class_name; *p != '\0' && o < sizeof name - 1; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
            name[o++] = *p;
    name[o] = '\0';
    if (o == 0)
        strcpy(name, "other");
    pthread_mutex_lock(&class_lock);
    size_t i;
    for (i = 0; i < nclasses; i++)
        if (strcmp(classes[i].name, name) == 0)
            break;
    if (i == nclasses) {
        if (nclasses == STATS_MAX_CLASSES) {
            for (i = 0; i < nclasses && strcmp(classes[i].name, "other") != 0; i++)
                ;
            if (i == nclasses)
                i = nclasses - 1; /* the last slot doubles as "other" */
        } else {
            strcpy(classes[nclasses].name, name);
            nclasses++;
        }
    }
    classes[i].n++;
    pthread_mutex_unlock(&class_lock);
}

void stats_print(FILE *f)
{
    for (int i = 0; i < ST_N; i++) {
        fprintf(f, "# TYPE bounce_milter_%s_total counter\n", counter_names[i]);
        fprintf(f, "bounce_milter_%s_total %lu\n", counter_names[i],
                __atomic_load_n(&counters[i], __ATOMIC_RELAXED));
    }
    fprintf(f, "# TYPE bounce_milter_recipients_total counter\n");
    pthread_mutex_lock(&class_lock);
    for (size_t i = 0; i < nclasses; i++)
        fprintf(f, "bounce_milter_recipients_total{class=\"%s\"} %lu\n", classes[i].name,
                classes[i].n);
    pthread_mutex_unlock(&class_lock);
    fprintf(f, "# TYPE bounce_milter_actions_total counter\n");
    for (int t = 0; t <= MC_ACT_DISCARD; t++)
        fprintf(f, "bounce_milter_actions_total{action=\"%s\"} %lu\n",
                mconf_action_name((enum mc_action_type)t),
                __atomic_load_n(&actions[t], __ATOMIC_RELAXED));
    fprintf(f, "# TYPE bounce_milter_journal_backlog_bytes gauge\n");
    fprintf(f, "bounce_milter_journal_backlog_bytes %lu\n",
            __atomic_load_n(&backlog, __ATOMIC_RELAXED));
    fprintf(f, "# TYPE bounce_milter_bounce_cpu_seconds_total counter\n");
    fprintf(f, "bounce_milter_bounce_cpu_seconds_total %.6f\n",
            (double)__atomic_load_n(&cpu_ns, __ATOMIC_RELAXED) / 1e9);
}

int stats_write_file(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    /* 0644 whatever the daemon's umask: node_exporter runs as another user */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    FILE *f = fchmod(fd, 0644) == 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    stats_print(f);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

void stats_log(void)
{
    char line[2048];
    size_t o = 0;
    for (int i = 0; i < ST_N && o < sizeof line; i++)
        o += (size_t)snprintf(line + o, sizeof line - o, "%s=%lu ", counter_names[i],
                              __atomic_load_n(&counters[i], __ATOMIC_RELAXED));
    for (int t = 0; t <= MC_ACT_DISCARD && o < sizeof line; t++)
        o += (size_t)snprintf(line + o, sizeof line - o, "action.%s=%lu ",
                              mconf_action_name((enum mc_action_type)t),
                              __atomic_load_n(&actions[t], __ATOMIC_RELAXED));
    pthread_mutex_lock(&class_lock);
    for (size_t i = 0; i < nclasses && o < sizeof line; i++)
        o += (size_t)snprintf(line + o, sizeof line - o, "class.%s=%lu ", classes[i].name,
                              classes[i].n);
    pthread_mutex_unlock(&class_lock);
    if (o < sizeof line)
        snprintf(line + o, sizeof line - o, "bounce_cpu_seconds=%.6f",
                 (double)__atomic_load_n(&cpu_ns, __ATOMIC_RELAXED) / 1e9);
    log_msg(LOG_INFO, "stats: %s", line);
}
