/*
 * test_milter_stats.c - the counters and their Prometheus text format.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stats.h"
#include "tap.h"

static char *printed(void)
{
    static char buf[8192];
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    stats_print(f);
    fclose(f);
    return buf;
}

TEST(counters_and_format)
{
    stats_inc(ST_MESSAGES);
    stats_add(ST_MESSAGES, 4);
    stats_inc(ST_BOUNCES);
    stats_class("userunknown");
    stats_class("userunknown");
    stats_class("mailbox full\"} 99\n"); /* hostile label text */
    stats_action(MC_ACT_QUARANTINE);
    stats_cpu(2500000);
    char *s = printed();
    CHECK(strstr(s,
                 "# TYPE bounce_milter_messages_total counter\nbounce_milter_messages_total 5\n") !=
          NULL);
    CHECK(strstr(s, "bounce_milter_bounces_total 1\n") != NULL);
    CHECK(strstr(s, "bounce_milter_errors_total 0\n") != NULL);
    CHECK(strstr(s, "bounce_milter_recipients_total{class=\"userunknown\"} 2\n") != NULL);
    CHECK(strstr(s, "bounce_milter_recipients_total{class=\"mailboxfull99\"} 1\n") != NULL);
    CHECK(strstr(s, "bounce_milter_actions_total{action=\"quarantine\"} 1\n") != NULL);
    CHECK(strstr(s, "bounce_milter_actions_total{action=\"discard\"} 0\n") != NULL);
    CHECK(strstr(s, "bounce_milter_bounce_cpu_seconds_total 0.002500\n") != NULL);
    /* every line is a comment or "name[{labels}] value" */
    int ok = 1;
    for (char *line = s; *line != '\0';) {
        char *nl = strchr(line, '\n');
        if (nl == NULL) {
            ok = 0;
            break;
        }
        if (line[0] != '#' && strncmp(line, "bounce_milter_", 14) != 0)
            ok = 0;
        line = nl + 1;
    }
    CHECK(ok);
}

TEST(store_counters)
{
    stats_add(ST_EVENTS_WRITTEN, 7);
    stats_inc(ST_EVENTS_DROPPED);
    stats_inc(ST_SUPPRESSIONS);
    stats_set_backlog(4096);
    stats_set_backlog(1234); /* a gauge: the last value, not a sum */
    char *s = printed();
    CHECK(strstr(s, "bounce_milter_events_written_total 7\n") != NULL);
    CHECK(strstr(s, "bounce_milter_events_dropped_total 1\n") != NULL);
    CHECK(strstr(s, "bounce_milter_suppressions_total 1\n") != NULL);
    CHECK(strstr(s, "bounce_milter_events_journaled_total 0\n") != NULL);
    CHECK(strstr(s, "bounce_milter_suppression_lookups_total 0\n") != NULL);
    CHECK(strstr(s, "bounce_milter_webhook_deliveries_total 0\n") != NULL);
    CHECK(strstr(s, "bounce_milter_webhook_failures_total 0\n") != NULL);
    CHECK(strstr(s, "# TYPE bounce_milter_journal_backlog_bytes gauge\n"
                    "bounce_milter_journal_backlog_bytes 1234\n") != NULL);
}

TEST(many_classes_bounded)
{
    char name[32];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "class%d", i);
        stats_class(name);
    }
    char *s = printed();
    int n = 0;
    for (char *p = s; (p = strstr(p, "bounce_milter_recipients_total{")) != NULL; p++)
        n++;
    CHECK(n <= 64);
}

TEST(file_written_atomically)
{
    char dir[] = "/tmp/test_milter_stats.XXXXXX", path[128], other[160];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/bm.prom", dir);
    CHECK(stats_write_file(path) == 0);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    char line[256];
    if (f == NULL || fgets(line, sizeof line, f) == NULL)
        line[0] = '\0';
    CHECK_STR(line, "# TYPE bounce_milter_messages_total counter\n");
    if (f != NULL)
        fclose(f);
    snprintf(other, sizeof other, "%s/bm.prom.%ld.tmp", dir, (long)getpid());
    CHECK(access(other, F_OK) != 0); /* no temporary file left behind */
    CHECK(stats_write_file("/nonexistent/dir/bm.prom") != 0);
    unlink(path);
    rmdir(dir);
}

/* node_exporter reads the file as another user: 0644 even under the
 * daemon's umask 077 */
TEST(file_readable_by_all)
{
    char dir[] = "/tmp/test_milter_stats.XXXXXX", path[128];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/bm.prom", dir);
    mode_t old = umask(0077);
    CHECK(stats_write_file(path) == 0);
    umask(old);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    RUN_TESTS();
}
