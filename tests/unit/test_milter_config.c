/*
 * test_milter_config.c - milter.conf parsing: defaults, every option, the
 * sample file, and every kind of error with its file:line.
 */
#include <libmilter/mfapi.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "runtime.h"
#include "tap.h"
#include "verp.h"

static char tmpfile_path[64];

/* Write text to a temporary file and load it; err gets the messages. */
static mconf *load_text(const char *text, char *err, size_t errlen)
{
    snprintf(tmpfile_path, sizeof tmpfile_path, "/tmp/test_milter_config.XXXXXX");
    int fd = mkstemp(tmpfile_path);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    mconf *c = mconf_load(tmpfile_path, err, errlen);
    unlink(tmpfile_path);
    return c;
}

/* 1 if loading text fails with an error on that line mentioning needle. */
static int fails_at(const char *text, int line, const char *needle)
{
    char err[4096], want[128];
    mconf *c = load_text(text, err, sizeof err);
    if (c != NULL) {
        mconf_free(c);
        printf("# loaded, expected error: %s\n", text);
        return 0;
    }
    snprintf(want, sizeof want, "%s:%d: ", tmpfile_path, line);
    int ok = strstr(err, want) != NULL && strstr(err, needle) != NULL;
    if (!ok)
        printf("# error was: %s", err);
    return ok;
}

TEST(defaults)
{
    mconf *c = mconf_defaults();
    CHECK(c != NULL);
    CHECK_STR(c->socket, "unix:/var/spool/postfix/bounce-milter/bounce-milter.sock");
    CHECK(c->socket_mode == 0660);
    CHECK(c->on_error == MC_ONERR_ACCEPT);
    CHECK_STR(c->header_prefix, "X-Bounce-");
    CHECK(c->max_class_headers == 50);
    CHECK(c->keep_forged_headers == 0);
    CHECK_STR(c->language, "en");
    CHECK(c->null_sender == 1);
    CHECK(mc_list_has(&c->report_types, "delivery-status"));
    CHECK(mc_list_has(&c->report_types, "Feedback-Report"));
    CHECK(mc_list_has(&c->auto_submitted, "auto-replied"));
    CHECK(c->nactions == 0);
    CHECK(mconf_required_actions(c) == (SMFIF_ADDHDRS | SMFIF_CHGHDRS));
    mconf_free(c);
    mconf_free(NULL);
}

TEST(empty_file_is_defaults)
{
    char err[512];
    mconf *c = load_text("# nothing\n", err, sizeof err);
    CHECK(c != NULL);
    if (c != NULL) {
        CHECK(c->max_body == 1024 * 1024);
        CHECK(c->stats_interval == 10);
        CHECK(c->drain_timeout == 20);
    }
    mconf_free(c);
}

TEST(sample_config_loads)
{
    char err[4096];
    mconf *c = mconf_load("conf/milter.conf", err, sizeof err);
    if (c == NULL)
        printf("# %s", err);
    CHECK(c != NULL);
    if (c != NULL) {
        CHECK_STR(c->socket_group, "postfix");
        CHECK(c->nactions == 3);
        CHECK(c->verp.n == 1);
        CHECK(mconf_recipient_match(c, "bounces+x@example.com"));
        CHECK(!mconf_recipient_match(c, "alice@example.com"));
        CHECK(mc_list_has(&c->internal_daemon_names, "bounce-internal"));
    }
    mconf_free(c);
}

TEST(every_option)
{
    char err[4096];
    mconf *c =
        load_text("socket = \"inet:8893@127.0.0.1\";\n"
                  "socket_group = \"mail\";\n"
                  "socket_mode = \"0600\";\n"
                  "user = \"nobody\";\n"
                  "pid_file = \"/run/bm.pid\";\n"
                  "on_error = \"tempfail\";\n"
                  "log_facility = \"local3\";\n"
                  "timeout = 60;\n"
                  "header_prefix = \"X-BM-\";\n"
                  "max_class_headers = 7;\n"
                  "keep_forged_headers = true;\n"
                  "language = \"zh-TW\";\n"
                  "rules = \"/x/rules.conf\";\n"
                  "local_rules = \"/x/local.conf\";\n"
                  "max_body = 65536;\n"
                  "stats_file = \"/var/lib/prom/bm.prom\";\n"
                  "stats_interval = 30;\n"
                  "verp = [ \"b-%l=%d@bounce.example.com\", \"v+%d+%l@example.org\" ];\n"
                  "inspect = { null_sender = false; report_types = \"delivery-status\";\n"
                  "  auto_submitted = [ \"auto-replied\", \"auto-notified\" ];\n"
                  "  auto_reply_headers = [ \"X-Autoreply\" ];\n"
                  "  recipients = [ \"^bounce@\", \"^dsn\\\\+.*@x\\\\.org$\" ]; };\n"
                  "internal = { daemon_names = [ \"pf-bounce\", \"pf-pickup\" ]; };\n"
                  "actions = (\n"
                  " { match = { class = [\"userunknown\", \"hostunknown\"]; severity = \"hard\";\n"
                  "             advice = \"suppress\"; detail = \"x\"; domain = \".example.com\";\n"
                  "             kind = \"dsn\"; }; action = \"quarantine\"; reason = \"dead\"; },\n"
                  " { action = \"subject\"; prefix = \"[B] \"; },\n"
                  " { action = \"redirect\"; address = \"postmaster@example.com\"; },\n"
                  " { action = \"copy\"; address = \"archive@example.com\"; },\n"
                  " { action = \"strip\"; },\n"
                  " { action = \"reject\"; reply = \"554 5.7.1 no bounces here\"; },\n"
                  " { action = \"reject\"; },\n"
                  " { action = \"discard\"; },\n"
                  " { action = \"headers\"; }\n"
                  ");\n",
                  err, sizeof err);
    if (c == NULL)
        printf("# %s", err);
    CHECK(c != NULL);
    if (c == NULL)
        return;
    CHECK_STR(c->socket, "inet:8893@127.0.0.1");
    CHECK_STR(c->socket_group, "mail");
    CHECK(c->socket_mode == 0600);
    CHECK_STR(c->user, "nobody");
    CHECK_STR(c->pid_file, "/run/bm.pid");
    CHECK(c->on_error == MC_ONERR_TEMPFAIL);
    CHECK_STR(c->log_facility, "local3");
    CHECK(c->timeout == 60);
    CHECK_STR(c->header_prefix, "X-BM-");
    CHECK(c->max_class_headers == 7);
    CHECK(c->keep_forged_headers == 1);
    CHECK_STR(c->language, "zh-TW");
    CHECK_STR(c->rules, "/x/rules.conf");
    CHECK_STR(c->local_rules, "/x/local.conf");
    CHECK(c->max_body == 65536);
    CHECK_STR(c->stats_file, "/var/lib/prom/bm.prom");
    CHECK(c->stats_interval == 30);
    CHECK(c->verp.n == 2);
    CHECK(c->null_sender == 0);
    CHECK(c->report_types.n == 1 && mc_list_has(&c->report_types, "delivery-status"));
    CHECK(mc_list_has(&c->auto_submitted, "auto-notified"));
    CHECK(c->auto_reply_headers.n == 1);
    CHECK(mconf_recipient_match(c, "BOUNCE@example.com"));
    CHECK(mconf_recipient_match(c, "dsn+42@x.org"));
    CHECK(!mconf_recipient_match(c, "dsn+42@x.org.evil"));
    CHECK(mc_list_has(&c->internal_daemon_names, "pf-pickup"));
    CHECK(c->nactions == 9);
    CHECK(c->actions[0].type == MC_ACT_QUARANTINE);
    CHECK_STR(c->actions[0].arg, "dead");
    CHECK(c->actions[0].match.class_name.n == 2);
    CHECK(mc_list_has(&c->actions[0].match.severity, "hard"));
    CHECK(mc_list_has(&c->actions[0].match.advice, "suppress"));
    CHECK(mc_list_has(&c->actions[0].match.detail, "x"));
    CHECK(mc_list_has(&c->actions[0].match.domain, ".example.com"));
    CHECK(mc_list_has(&c->actions[0].match.kind, "dsn"));
    CHECK(c->actions[0].line == 25);
    CHECK_STR(c->actions[1].arg, "[B] ");
    CHECK(c->actions[2].type == MC_ACT_REDIRECT);
    CHECK_STR(c->actions[3].arg, "archive@example.com");
    CHECK(c->actions[4].type == MC_ACT_STRIP);
    CHECK_STR(c->actions[5].reply_code, "554");
    CHECK_STR(c->actions[5].reply_status, "5.7.1");
    CHECK_STR(c->actions[5].arg, "no bounces here");
    CHECK_STR(c->actions[6].reply_code, "550");
    CHECK(c->actions[7].type == MC_ACT_DISCARD);
    CHECK(c->actions[8].type == MC_ACT_HEADERS);
    CHECK(mconf_required_actions(c) == (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE |
                                        SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_CHGBODY));
    CHECK_STR(mconf_action_name(MC_ACT_STRIP), "strip");
    mconf_free(c);
}

TEST(keep_forged_needs_no_chghdrs)
{
    char err[512];
    mconf *c = load_text("keep_forged_headers = true;\n", err, sizeof err);
    CHECK(c != NULL && mconf_required_actions(c) == SMFIF_ADDHDRS);
    mconf_free(c);
}

TEST(errors_with_file_and_line)
{
    CHECK(fails_at("socket = \"unix:/x\";\nuser = ;\n", 2, "syntax error"));
    CHECK(fails_at("\n\nbogus = 1;\n", 3, "unknown setting \"bogus\""));
    CHECK(fails_at("inspect = { nul_sender = true; };\n", 1,
                   "unknown setting \"inspect.nul_sender\""));
    CHECK(fails_at("inspect = 1;\n", 1, "expected a group"));
    CHECK(fails_at("internal = { daemon_names = [ 1 ]; };\n", 1, "not a string"));
    CHECK(fails_at("socket = 5;\n", 1, "expected a string"));
    CHECK(fails_at("socket = \"tcp:25\";\n", 1, "socket"));
    CHECK(fails_at("socket = \"unix:sock\";\n", 1, "absolute path"));
    CHECK(fails_at("socket = \"unix:run/sock\";\n", 1, "absolute path"));
    CHECK(fails_at("socket = \"local:./sock\";\n", 1, "absolute path"));
    CHECK(fails_at("socket_mode = \"0999\";\n", 1, "octal"));
    CHECK(fails_at("socket_mode = \"\";\n", 1, "octal"));
    CHECK(fails_at("on_error = \"reject\";\n", 1, "on_error"));
    CHECK(fails_at("timeout = 0;\n", 1, "outside"));
    CHECK(fails_at("timeout = \"5\";\n", 1, "expected an integer"));
    CHECK(fails_at("keep_forged_headers = 1;\n", 1, "true or false"));
    CHECK(fails_at("header_prefix = \"X Bounce\";\n", 1, "header_prefix"));
    CHECK(fails_at("header_prefix = \"\";\n", 1, "header_prefix"));
    CHECK(fails_at("max_class_headers = 5000;\n", 1, "outside"));
    CHECK(fails_at("language = \"fr\";\n", 1, "language"));
    CHECK(fails_at("\nlog_facility = \"kern\";\n", 2, "log_facility"));
    CHECK(fails_at("max_body = 10;\n", 1, "outside"));
    CHECK(fails_at("stats_interval = 0;\n", 1, "outside"));
    CHECK(fails_at("drain_timeout = 3601;\n", 1, "outside"));
    CHECK(fails_at("drain_timeout = -1;\n", 1, "outside"));
    CHECK(fails_at("user = \"a\\nb\";\n", 1, "control character"));
    CHECK(fails_at("verp = [ \"bounces@example.com\" ];\n", 1, "%l"));
    CHECK(fails_at("verp = [ \"b+%x@example.com\" ];\n", 1, "unknown escape"));
    CHECK(fails_at("inspect = {\n recipients = [ \"(unclosed\" ]; };\n", 2, "(unclosed"));
    CHECK(fails_at("inspect = { report_types = { a = 1; }; };\n", 1, "list of strings"));
}

/* Settings that load but could never work. */
TEST(unusable_values)
{
    char err[4096];
    CHECK(fails_at("socket = \"inet:99999@127.0.0.1\";\n", 1, "port outside 1..65535"));
    CHECK(fails_at("socket = \"inet:0@127.0.0.1\";\n", 1, "port outside 1..65535"));
    CHECK(fails_at("socket = \"inet:abc\";\n", 1, "neither a number nor a known service"));
    CHECK(fails_at("socket = \"inet:@127.0.0.1\";\n", 1, "needs a port"));
    CHECK(fails_at("socket = \"inet6:1@::1::1\";\n", 1, "not an IPv6 address"));
    CHECK(fails_at("socket = \"inet:1@1.2.3\";\n", 1, "not an IPv4 address"));
    CHECK(fails_at("socket = \"inet:1@a b\";\n", 1, "neither an address nor a host name"));
    char spec[160];
    snprintf(spec, sizeof spec, "socket = \"unix:/%0107d\";\n", 0); /* 108-byte path */
    CHECK(fails_at(spec, 1, "too long for a socket address"));
    snprintf(spec, sizeof spec, "socket = \"unix:/%0106d\";\n", 0); /* 107 bytes fit */
    mconf *c = load_text(spec, err, sizeof err);
    CHECK(c != NULL);
    mconf_free(c);
    static const char *const good[] = {"inet:8891@127.0.0.1", "inet:8891@localhost", "inet:8891",
                                       "inet6:8891@::1"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        CHECK(mconf_socket_problem(good[i]) == NULL);
    /* libconfig wraps 2^32 + 1 without the L suffix to 1 */
    CHECK(fails_at("timeout = 4294967297;\n", 1, "timeout: the number is outside"));
    CHECK(fails_at("\nmax_body = 18446744073709551616;\n", 2, "max_body"));
    CHECK(fails_at("timeout = 4294967297L;\n", 1, "4294967297 is outside"));
    c = load_text("timeout = 0x3c; stats_interval = 5;\n", err, sizeof err);
    CHECK(c != NULL && c->timeout == 60 && c->stats_interval == 5);
    mconf_free(c);
}

TEST(action_errors)
{
    CHECK(fails_at("actions = { a = 1; };\n", 1, "expected a list"));
    CHECK(fails_at("actions = ( \"x\" );\n", 1, "must be a group"));
    CHECK(fails_at("actions = (\n { match = { class = \"x\"; }; } );\n", 2, "without \"action\""));
    CHECK(fails_at("actions = ( { action = \"bounce\"; } );\n", 1, "unknown \"bounce\""));
    CHECK(fails_at("actions = ( { action = 3; } );\n", 1, "expected a string"));
    CHECK(fails_at("actions = ( { action = \"headers\"; colour = \"red\"; } );\n", 1,
                   "unknown setting \"colour\""));
    CHECK(fails_at("actions = ( { action = \"redirect\"; } );\n", 1, "needs \"address\""));
    CHECK(fails_at("actions = ( { action = \"copy\"; address = \"no-at-sign\"; } );\n", 1,
                   "not a plain"));
    CHECK(
        fails_at("actions = ( { action = \"copy\"; address = \"<a@b>\"; } );\n", 1, "not a plain"));
    CHECK(fails_at("actions = ( { action = \"strip\"; reason = \"x\"; } );\n", 1, "takes no"));
    CHECK(fails_at("actions = ( { action = \"subject\"; reason = \"x\"; } );\n", 1, "takes no"));
    CHECK(fails_at("actions = ( { action = \"quarantine\"; reason = \"\"; } );\n", 1, "1 to 200"));
    CHECK(
        fails_at("actions = ( { action = \"reject\"; reply = \"450 try later\"; } );\n", 1, "5XX"));
    CHECK(fails_at("actions = ( { action = \"reject\"; reply = \"550 100%\"; } );\n", 1, "5XX"));
    CHECK(fails_at("actions = ( { action = \"quarantine\"; reason = \"a\"; prefix = \"b\"; } );\n",
                   1, "in one action"));
    CHECK(fails_at("actions = (\n { match = { colour = \"x\"; }; action = \"headers\"; } );\n", 2,
                   "unknown field \"colour\""));
    CHECK(fails_at("actions = ( { match = { severity = \"fatal\"; }; action = \"headers\"; } );\n",
                   1, "not hard, soft or none"));
    CHECK(fails_at("actions = ( { match = \"x\"; action = \"headers\"; } );\n", 1,
                   "expected a group"));
}

TEST(all_errors_reported)
{
    char err[4096];
    mconf *c = load_text("bogus = 1;\nlanguage = \"fr\";\non_error = \"x\";\n", err, sizeof err);
    CHECK(c == NULL);
    CHECK(strstr(err, ":1: ") != NULL);
    CHECK(strstr(err, ":2: ") != NULL);
    CHECK(strstr(err, ":3: ") != NULL);
}

TEST(missing_file)
{
    char err[512];
    mconf *c = mconf_load("/nonexistent/milter.conf", err, sizeof err);
    CHECK(c == NULL);
    CHECK(strstr(err, "/nonexistent/milter.conf") != NULL);
}

TEST(verp_decode)
{
    char out[320], err[200];
    CHECK(verp_check("bounces+%l=%d@example.com", err, sizeof err) == 0);
    CHECK(verp_decode("bounces+%l=%d@example.com", "bounces+alice=example.org@example.com", out,
                      sizeof out));
    CHECK_STR(out, "alice@example.org");
    /* literal parts compare case-insensitively; the domain is lower-cased */
    CHECK(verp_decode("bounces+%l=%d@example.com", "Bounces+Bob=Example.NET@EXAMPLE.com", out,
                      sizeof out));
    CHECK_STR(out, "Bob@example.net");
    /* a local part containing the separator: the domain is what follows the last one */
    CHECK(
        verp_decode("bounces+%l=%d@example.com", "bounces+a=b=c.org@example.com", out, sizeof out));
    CHECK_STR(out, "a=b@c.org");
    CHECK(verp_decode("%d-%l@bounce.example.com", "example.org-carol@bounce.example.com", out,
                      sizeof out));
    CHECK_STR(out, "carol@example.org");
    CHECK(verp_decode("100%%+%l=%d@x.com", "100%+d=e.org@x.com", out, sizeof out));
    CHECK_STR(out, "d@e.org");
    CHECK(!verp_decode("bounces+%l=%d@example.com", "bounces+alice@example.com", out, sizeof out));
    CHECK(!verp_decode("bounces+%l=%d@example.com", "bounces+=x.org@example.com", out, sizeof out));
    CHECK(!verp_decode("bounces+%l=%d@example.com", "bounces+a=b@c@example.com", out, sizeof out));
    CHECK(!verp_decode("bounces+%l=%d@example.com", "other+a=b.org@example.com", out, sizeof out));
    CHECK(!verp_decode("bounces+%l=%d@example.com", "bounces+a=b.org@example.com.evil", out,
                       sizeof out));
    CHECK(
        !verp_decode("bounces+%l=%d@example.com", "bounces+alice=example.org@example.com", out, 8));
    /* hostile length: refused quickly, no crash */
    char big[2000];
    memset(big, '=', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK(!verp_decode("%l=%d@x", big, out, sizeof out));
    CHECK(verp_check("%l@%d", err, sizeof err) == 0);
    CHECK(verp_check("%l%l=%d@x", err, sizeof err) != 0);
    CHECK(verp_check("%l=%d", err, sizeof err) != 0);
}

TEST(command_line_socket_checked)
{
    char err[4096];
    snprintf(tmpfile_path, sizeof tmpfile_path, "/tmp/test_milter_config.XXXXXX");
    int fd = mkstemp(tmpfile_path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("rules = \"conf/rules.conf\";\n", f);
    fclose(f);
    /* -p is held to the same rules as the file's socket */
    runtime_set_overrides("unix:run/sock", NULL, NULL);
    mruntime *rt = runtime_load(tmpfile_path, err, sizeof err);
    CHECK(rt == NULL && strstr(err, "-p unix:run/sock: needs an absolute path") != NULL);
    runtime_release(rt);
    runtime_set_overrides("inet:8891@127.0.0.1", NULL, NULL);
    rt = runtime_load(tmpfile_path, err, sizeof err);
    CHECK(rt != NULL && strcmp(rt->conf->socket, "inet:8891@127.0.0.1") == 0);
    runtime_release(rt);
    runtime_set_overrides(NULL, NULL, NULL);
    unlink(tmpfile_path);
}

TEST(relative_paths_kept_after_chdir)
{
    char err[4096], cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(tmpfile_path, sizeof tmpfile_path, "/tmp/test_milter_config.XXXXXX");
    int fd = mkstemp(tmpfile_path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("rules = \"conf/rules.conf\";\nstats_file = \"s.prom\";\n", f);
    fclose(f);
    /* the daemon starts here and then changes to "/": a reload must still
     * find the same files */
    runtime_set_basedir(cwd);
    CHECK(chdir("/") == 0);
    mruntime *rt = runtime_load(tmpfile_path, err, sizeof err);
    CHECK(chdir(cwd) == 0);
    CHECK(rt != NULL);
    if (rt != NULL) {
        char want[4200];
        snprintf(want, sizeof want, "%s/s.prom", cwd);
        CHECK_STR(rt->conf->stats_file, want);
    }
    runtime_release(rt);
    runtime_set_basedir(NULL);
    unlink(tmpfile_path);
}

int main(void)
{
    RUN_TESTS();
}
