/*
 * test_store_sconf.c - the store's settings in milter.conf: every key
 * read, the daemon's own settings ignored, errors with file:line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sconf.h"
#include "tap.h"

static char path[64];

static void write_conf(const char *text)
{
    if (path[0] == '\0') {
        strcpy(path, "/tmp/test_sconf.XXXXXX");
        int fd = mkstemp(path);
        if (fd < 0)
            abort();
        close(fd);
    }
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

TEST(defaults_without_settings)
{
    write_conf("socket = \"unix:/tmp/x.sock\";\nuser = \"nobody\";\n");
    sconf c;
    sbuf err = {0};
    CHECK(sconf_load(&c, path, &err) == 0);
    CHECK(c.store == NULL);
    CHECK_STR(c.journal, SCONF_JOURNAL);
    CHECK(c.journal_max == SCONF_JOURNAL_MAX);
    CHECK(c.retention_days == SCONF_RETENTION_DAYS);
    CHECK(c.policy.enforce == 1 && c.policy.unauthenticated == 0);
    CHECK(c.policy.soft_count == 5 && c.policy.soft_days == 30);
    sconf_free(&c);
    sbuf_free(&err);
}

TEST(every_setting_is_read)
{
    write_conf("store = \"sqlite:/var/lib/bounce-milter/bounces.db\";\n"
               "journal = \"/var/tmp/j\";\njournal_max = 1048576;\nretention_days = 90;\n"
               "suppression = {\n"
               "  enforce = false; unauthenticated = true;\n"
               "  soft = { count = 3; days = 7; };\n"
               "  expire_days = { hard = 0; soft = 14; complaint = 365; };\n"
               "  classes = { mailboxfull = { count = 10; days = 30; expire_days = 5; };\n"
               "              blocked = { suppress = \"never\"; }; };\n"
               "  domains = { big = { match = [ \"gmail.com\", \".yahoo.com\" ]; count = 2; }; };\n"
               "  never = [ \"postmaster@example.com\", \"example.org\" ];\n"
               "};\n");
    sconf c;
    sbuf err = {0};
    CHECK(sconf_load(&c, path, &err) == 0);
    CHECK_STR(c.store, "sqlite:/var/lib/bounce-milter/bounces.db");
    CHECK_STR(c.journal, "/var/tmp/j");
    CHECK(c.journal_max == 1048576 && c.retention_days == 90);
    policy *p = &c.policy;
    CHECK(p->enforce == 0 && p->unauthenticated == 1);
    CHECK(p->soft_count == 3 && p->soft_days == 7);
    CHECK(p->expire_hard == 0 && p->expire_soft == 14 && p->expire_complaint == 365);
    CHECK(p->nclasses == 2 && p->ndomains == 1 && p->nnever == 2);
    if (p->nclasses == 2) {
        CHECK_STR(p->classes[0].name, "mailboxfull");
        CHECK(p->classes[0].rule.count == 10 && p->classes[0].rule.expire_days == 5);
        CHECK(p->classes[1].rule.mode == SUP_NEVER);
    }
    if (p->ndomains == 1) {
        CHECK(p->domains[0].ndomains == 2);
        CHECK(p->domains[0].rule.count == 2 && p->domains[0].rule.days == -1);
    }
    CHECK(policy_rule(p, "mailboxfull", "soft", "", "mx.yahoo.com").count == 2);
    CHECK(policy_never(p, "Postmaster@example.com"));
    sconf_free(&c);
    sbuf_free(&err);
}

TEST(mistakes_are_reported_with_file_and_line)
{
    write_conf("store = \"sqlite:relative.db\";\n"
               "journal_max = 10;\n"
               "suppression = {\n"
               "  enfroce = true;\n"
               "  soft = { count = 0; };\n"
               "  classes = { mailboxfull = { suppress = \"later\"; }; };\n"
               "  domains = { x = { count = 2; }; };\n"
               "};\n");
    sconf c;
    sbuf err = {0};
    CHECK(sconf_load(&c, path, &err) == -1);
    char want[128];
    snprintf(want, sizeof want, "%s:1: store: sqlite: needs an absolute path", path);
    CHECK(err.s && strstr(err.s, want) != NULL);
    snprintf(want, sizeof want, "%s:2: journal_max: 10 is out of range", path);
    CHECK(err.s && strstr(err.s, want) != NULL);
    snprintf(want, sizeof want, "%s:4: suppression: unknown setting \"enfroce\"", path);
    CHECK(err.s && strstr(err.s, want) != NULL);
    snprintf(want, sizeof want, "%s:5: count: 0 is out of range", path);
    CHECK(err.s && strstr(err.s, want) != NULL);
    snprintf(want, sizeof want, "%s:6: suppress: expected", path);
    CHECK(err.s && strstr(err.s, want) != NULL);
    snprintf(want, sizeof want, "%s:7: x: a domain override needs match", path);
    CHECK(err.s && strstr(err.s, want) != NULL);
    sbuf_free(&err);
}

TEST(a_syntax_error_and_a_missing_file)
{
    write_conf("store = \"sqlite:/x.db\"\njournal = ;\n");
    sconf c;
    sbuf err = {0};
    CHECK(sconf_load(&c, path, &err) == -1);
    CHECK(err.s && strstr(err.s, path) != NULL);
    sbuf_reset(&err);
    CHECK(sconf_load(&c, "/nonexistent/milter.conf", &err) == -1);
    CHECK(err.s && strstr(err.s, "/nonexistent/milter.conf: cannot read file") != NULL);
    sbuf_free(&err);
}

static void cleanup(void)
{
    if (path[0])
        unlink(path);
}

int main(void)
{
    atexit(cleanup);
    RUN_TESTS();
}
