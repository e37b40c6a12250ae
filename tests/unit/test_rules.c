/*
 * test_rules.c - the rule engine: loading and validation of rules files,
 * local-over-shipped merging, descriptions, literal derivation, the
 * Aho-Corasick prefilter and rule precedence.  Rules files are written by
 * the tests into a temporary directory.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "literals.h"
#include "regex.h"
#include "rules.h"
#include "tap.h"

static const char *const all_classes[] = {
    "userunknown",   "hostunknown",     "hasmoved",        "notaccept",     "mailboxfull",
    "mesgtoobig",    "exceedlimit",     "suspend",         "filtered",      "rejected",
    "norelaying",    "blocked",         "requireptr",      "badreputation", "spamdetected",
    "virusdetected", "policyviolation", "authfailure",     "securityerror", "speeding",
    "toomanyconn",   "contenterror",    "notcompliantrfc", "syntaxerror",   "systemerror",
    "systemfull",    "networkerror",    "expired",         "mailererror",   "onhold",
    "undefined",     "vacation",        "feedback",        "delivered",
};

static char tmpdir[64];

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static void ensure_tmpdir(void)
{
    if (tmpdir[0] != '\0')
        return;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_rules.XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    atexit(remove_tmpdir);
}

/* Write name in the temp dir: the 34 classes (unless skip_classes) and then
 * the given text; returns its path (static buffer per call slot). */
static const char *write_rules(const char *name, int with_classes, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *write_rules(const char *name, int with_classes, const char *fmt, ...)
{
    static char paths[4][128];
    static int slot;
    char *path = paths[slot++ % 4];
    ensure_tmpdir();
    snprintf(path, 128, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return path;
    if (with_classes) {
        fputs("classes = (\n", f);
        for (size_t i = 0; i < sizeof all_classes / sizeof all_classes[0]; i++)
            fprintf(f,
                    "  { name = \"%s\"; severity = \"%s\"; advice = \"retry\"; code = %zu;\n"
                    "    en = \"%s in English\"; zh_TW = \"%s TW\"; }%s\n",
                    all_classes[i], i < 4 ? "hard" : "soft", 900 + i, all_classes[i],
                    all_classes[i], i + 1 < sizeof all_classes / sizeof all_classes[0] ? "," : "");
        fputs(");\n", f);
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
    return path;
}

static struct ruleset *load1(const char *path, char *err, size_t errlen)
{
    const char *paths[1] = {path};
    err[0] = '\0';
    return ruleset_load(paths, 1, err, errlen);
}

/* Load a file with the classes and one rules list; expect an error that
 * contains want (and the file name with a line number). */
static int load_fails(const char *rules, const char *want)
{
    char err[512];
    const char *path = write_rules("bad.conf", 1, "%s", rules);
    struct ruleset *rs = load1(path, err, sizeof err);
    int ok = rs == NULL && strstr(err, want) != NULL &&
             strstr(err, "bad.conf:") == err + strlen(tmpdir) + 1;
    if (!ok)
        printf("#   error was: %s\n", err);
    ruleset_free(rs);
    return ok;
}

static rule_evidence evidence(const char *text, const char *status, const char *reply)
{
    rule_evidence ev;
    memset(&ev, 0, sizeof ev);
    ev.text = text;
    ev.textlen = strlen(text);
    ev.status = status;
    ev.reply = reply;
    ev.hosts[0] = ev.hosts[1] = ev.hosts[2] = "";
    ev.mta = "";
    ev.kind = "dsn";
    ev.action = "failed";
    ev.feedback = "";
    ev.command = "";
    return ev;
}

static const char *match_id(const struct ruleset *rs, const rule_evidence *ev)
{
    rx_scratch *s = rx_scratch_new();
    arena *a = arena_new();
    int err;
    const rule_info *r = ruleset_match(rs, ev, s, a, NULL, NULL, NULL, &err);
    static char id[128];
    snprintf(id, sizeof id, "%s", r ? r->id : "none");
    arena_free(a);
    rx_scratch_free(s);
    return id;
}

TEST(loads_valid_file)
{
    char err[512];
    const char *p = write_rules(
        "ok.conf", 1,
        "details = ( { name = \"greylisted\"; advice = \"retry\"; en = \"Greylisted.\"; "
        "zh_CN = \"灰名单\"; } );\n"
        "rules = (\n"
        " { id = \"t1\"; tier = \"text\"; class = \"spamdetected\"; text = \"\\\\bDT:SPM\\\\b\"; "
        "   literal = [\"dt:spm\"]; detail = \"netease:DT:SPM\"; advice = \"fix-content\"; },\n"
        " { id = \"s1\"; tier = \"status\"; class = \"userunknown\"; status = \"5.1.1\"; },\n"
        " { id = \"r1\"; class = \"blocked\"; reply = \"55*\"; severity = \"soft\"; code = 917; "
        "},\n"
        " { id = \"h1\"; class = \"blocked\"; host = [\"163.com\", \"126.com\"]; status = "
        "\"5.7.*\"; "
        "   tier = \"host\"; },\n"
        " { id = \"k1\"; class = \"vacation\"; kind = \"autoreply\"; override = true; }\n"
        ");\n");
    struct ruleset *rs = load1(p, err, sizeof err);
    CHECK(rs != NULL);
    if (rs == NULL) {
        printf("#   %s\n", err);
        return;
    }
    CHECK(ruleset_count(rs) == 5);
    CHECK(ruleset_prefilter_states(rs) > 6);
    const rule_class *c = ruleset_class(rs, "userunknown");
    CHECK(c != NULL && c->severity == BC_SEV_HARD && c->code == 900);
    CHECK(ruleset_class(rs, "nosuchclass") == NULL);
    const rule_detail *d = ruleset_detail(rs, "greylisted");
    CHECK(d != NULL && strcmp(d->advice, "retry") == 0);
    CHECK_STR(ruleset_describe(rs, "userunknown", "", "en"), "userunknown in English");
    CHECK_STR(ruleset_describe(rs, "userunknown", "", "zh-TW"), "userunknown TW");
    CHECK_STR(ruleset_describe(rs, "userunknown", "", "zh-CN"), "userunknown in English");
    CHECK_STR(ruleset_describe(rs, "blocked", "greylisted", "zh-CN"), "灰名单");
    CHECK_STR(ruleset_describe(rs, "blocked", "greylisted", "zh-TW"), "blocked TW");
    CHECK_STR(ruleset_describe(rs, "blocked", "greylisted", "fr"), "Greylisted.");
    CHECK_STR(ruleset_describe(rs, "nosuch", "", "en"), "");
    ruleset_free(rs);
}

TEST(validation_errors)
{
    CHECK(
        load_fails("rules = ( { id = \"a\"; class = \"blocked\"; reply = \"550\"; colour = 1; } );",
                   "unknown key \"colour\""));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; reply = 550; } );",
                     "\"reply\" in rules must be a string"));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blockd\"; reply = \"550\"; } );",
                     "unknown class \"blockd\""));
    CHECK(load_fails(
        "rules = ( { id = \"a\"; tier = \"vendor\"; class = \"blocked\"; reply = \"550\"; } );",
        "unknown tier \"vendor\""));
    CHECK(load_fails(
        "rules = ( { id = \"a\"; class = \"blocked\"; reply = \"550\"; advice = \"later\"; } );",
        "unknown advice \"later\""));
    CHECK(load_fails(
        "rules = ( { id = \"a\"; class = \"blocked\"; reply = \"550\"; severity = \"bad\"; } );",
        "unknown severity \"bad\""));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; text = \"(unclosed\"; } );",
                     "missing closing parenthesis"));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; text = \"fine|bad\\\\\"; } );",
                     "rule \"a\": text: bad regex at offset"));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; text = \"fine|(bad\"; } );",
                     "missing closing parenthesis"));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; reply = \"550\"; },\n"
                     "          { id = \"a\"; class = \"blocked\"; reply = \"551\"; } );",
                     "duplicate rule id \"a\""));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; detail = \"x\"; } );",
                     "has no matcher"));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; status = \"5.1\"; } );",
                     "bad status \"5.1\""));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; reply = \"550\"; "
                     "unless_status = \"x.1\"; } );",
                     "bad unless_status \"x.1\""));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; reply = \"5x0\"; } );",
                     "bad reply \"5x0\""));
    CHECK(load_fails("rules = ( { id = \"A b\"; class = \"blocked\"; reply = \"550\"; } );",
                     "rule id \"A b\""));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; kind = \"mdn\"; } );",
                     "unknown kind \"mdn\""));
    CHECK(load_fails(
        "rules = ( { id = \"a\"; class = \"blocked\"; literal = \"x\"; reply = \"550\"; } );",
        "literal without text"));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; reply = \"550\" } ;",
                     "syntax error"));
    CHECK(load_fails("rulez = ();", "unknown setting \"rulez\""));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; command = \"QUIT\"; } );",
                     "unknown command \"QUIT\""));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; command = \"RCPT|QUIT\"; } );",
                     "unknown command \"QUIT\""));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; mta = \"x1||x2\"; } );",
                     "bad mta \"x1||x2\""));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; mta = \"\"; } );",
                     "bad mta \"\""));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; host = []; } );",
                     "\"host\" in rules must be a string or a list of strings"));
    CHECK(load_fails(
        "rules = ( { id = \"a\"; class = \"blocked\"; reply = \"550\"; override = 1; } );",
        "\"override\" in rules must be true or false"));

    /* the error names the line of the offending setting */
    char err[512];
    const char *p = write_rules("line.conf", 0,
                                "rules = (\n{ id = \"a\";\n  class = \"x\";\n"
                                "  reply = \"550\"; } );\n");
    struct ruleset *rs = load1(p, err, sizeof err);
    CHECK(rs == NULL);
    char want[128];
    snprintf(want, sizeof want, "line.conf:%d: rule \"a\": unknown class \"x\"", 3);
    CHECK(strstr(err, want) != NULL);
    if (strstr(err, want) == NULL)
        printf("#   %s\n", err);

    /* a shipped rule replaced by a local one is still checked */
    const char *loc = write_rules(
        "loc.conf", 0, "rules = ( { id = \"r\"; class = \"blocked\"; reply = \"550\"; } );\n");
    const char *shp = write_rules(
        "shp.conf", 1, "rules = ( { id = \"r\"; class = \"blocked\"; text = \"x|y\\\\\"; } );\n");
    const char *two[2] = {loc, shp};
    struct ruleset *rs2 = ruleset_load(two, 2, err, sizeof err);
    CHECK(rs2 == NULL && strstr(err, "shp.conf:") != NULL && strstr(err, "bad regex") != NULL);
    ruleset_free(rs2);

    /* every class must be defined */
    p = write_rules("noclasses.conf", 0,
                    "classes = ( { name = \"userunknown\"; severity = \"hard\"; advice = "
                    "\"suppress\"; en = \"x\"; } );\n");
    rs = load1(p, err, sizeof err);
    CHECK(rs == NULL &&
          strstr(err, "noclasses.conf:1: class \"hostunknown\" is not defined") != NULL);
    p = write_rules("dupclass.conf", 1, "details = ( { name = \"d\"; }, { name = \"d\"; } );\n");
    rs = load1(p, err, sizeof err);
    CHECK(rs == NULL && strstr(err, "detail \"d\" defined twice") != NULL);
    const char *missing = "/nonexistent/rules.conf";
    rs = load1(missing, err, sizeof err);
    CHECK(rs == NULL && strstr(err, "/nonexistent/rules.conf: cannot read") != NULL);
}

TEST(local_file_first_and_replaces)
{
    char err[512];
    const char *shipped = write_rules(
        "shipped.conf", 1,
        "rules = (\n"
        " { id = \"s-full\"; class = \"mailboxfull\"; text = \"mailbox (is )?full\"; },\n"
        " { id = \"s-550\"; class = \"userunknown\"; reply = \"550\"; },\n"
        " { id = \"s-quota\"; class = \"mailboxfull\"; text = \"quota\"; }\n"
        ");\n");
    const char *local = write_rules(
        "local.conf", 0,
        "classes = ( { name = \"blocked\"; en = \"Local blocked text\"; code = 999; } );\n"
        "rules = (\n"
        " { id = \"s-550\"; class = \"systemerror\"; reply = \"550\"; severity = \"soft\"; },\n"
        " { id = \"l-quota\"; class = \"exceedlimit\"; text = \"quota\"; }\n"
        ");\n");
    const char *paths[2] = {local, shipped};
    struct ruleset *rs = ruleset_load(paths, 2, err, sizeof err);
    CHECK(rs != NULL);
    if (rs == NULL) {
        printf("#   %s\n", err);
        return;
    }
    CHECK(ruleset_count(rs) == 4);
    rule_evidence ev = evidence("550 over quota", "", "550");
    CHECK_STR(match_id(rs, &ev), "l-quota");
    ev = evidence("550 something", "", "550");
    CHECK_STR(match_id(rs, &ev), "s-550");
    rx_scratch *s = rx_scratch_new();
    arena *a = arena_new();
    int e;
    const rule_info *r = ruleset_match(rs, &ev, s, a, NULL, NULL, NULL, &e);
    CHECK(r != NULL && strcmp(r->cls->name, "systemerror") == 0 && r->severity == BC_SEV_SOFT);
    arena_free(a);
    rx_scratch_free(s);
    /* the local file's class fields win, the rest come from the shipped file */
    CHECK_STR(ruleset_describe(rs, "blocked", "", "en"), "Local blocked text");
    CHECK(ruleset_class(rs, "blocked")->code == 999);
    CHECK_STR(ruleset_describe(rs, "blocked", "", "zh-TW"), "blocked TW");
    ruleset_free(rs);
}

TEST(precedence)
{
    char err[512];
    const char *p = write_rules(
        "prec.conf", 1,
        "rules = (\n"
        " { id = \"reply-550\"; tier = \"reply\"; class = \"userunknown\"; reply = \"550\"; },\n"
        " { id = \"reply-5xx\"; tier = \"reply\"; class = \"undefined\"; reply = \"5*\"; },\n"
        " { id = \"status-5.7.1\"; tier = \"status\"; class = \"filtered\"; status = \"5.7.1\"; "
        "},\n"
        " { id = \"status-5.7.x\"; tier = \"status\"; class = \"blocked\"; status = \"5.7.*\"; },\n"
        " { id = \"status-4\"; tier = \"status\"; class = \"expired\"; status = \"4.*\"; },\n"
        " { id = \"host-163\"; tier = \"host\"; class = \"rejected\"; host = \"163.com\"; },\n"
        " { id = \"text-spamhaus\"; class = \"blocked\"; text = \"blocked using \\\\S*spamhaus\"; "
        "},\n"
        " { id = \"text-spf\"; class = \"authfailure\"; text = \"SPF (check )?failed\"; },\n"
        " { id = \"user-soft\"; class = \"systemerror\"; host = \"odd.example\"; reply = \"550\"; "
        "   override = true; tier = \"reply\"; },\n"
        " { id = \"auto\"; class = \"vacation\"; kind = \"autoreply\"; },\n"
        " { id = \"delayed\"; tier = \"status\"; class = \"expired\"; action = \"delayed\"; },\n"
        " { id = \"cn\"; class = \"mailboxfull\"; text = \"用户空间已满\"; },\n"
        " { id = \"norx\"; class = \"networkerror\"; text = \"^.{0,3}$\"; },\n"
        " { id = \"data-unknown\"; class = \"filtered\"; text = \"unknown user\"; command = "
        "\"DATA\"; unless_status = \"*.1.*\"; },\n"
        " { id = \"unstaged-unknown\"; class = \"filtered\"; text = \"unknown user\"; command = "
        "\"-\"; mta = \"x1|-\"; },\n"
        " { id = \"gave-up\"; class = \"expired\"; text = \"timed out\"; temporary = true; },\n"
        " { id = \"unknown\"; class = \"userunknown\"; text = \"unknown user\"; }\n"
        ");\n");
    struct ruleset *rs = load1(p, err, sizeof err);
    CHECK(rs != NULL);
    if (rs == NULL) {
        printf("#   %s\n", err);
        return;
    }
    rule_evidence ev = evidence("550 No such user", "", "550");
    CHECK_STR(match_id(rs, &ev), "reply-550");
    ev = evidence("551 hmm", "", "551");
    CHECK_STR(match_id(rs, &ev), "reply-5xx");
    ev = evidence("550 5.7.1 denied", "5.7.1", "550");
    CHECK_STR(match_id(rs, &ev), "status-5.7.1");
    ev = evidence("550 5.7.9 denied", "5.7.9", "550");
    CHECK_STR(match_id(rs, &ev), "status-5.7.x");
    ev = evidence("450 4.2.0 try later", "4.2.0", "450");
    CHECK_STR(match_id(rs, &ev), "status-4");
    ev = evidence("550 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org",
                  "5.7.1", "550");
    CHECK_STR(match_id(rs, &ev), "text-spamhaus");
    ev = evidence("554 5.7.1 BLOCKED USING Spamhaus and SPF failed", "5.7.1", "554");
    CHECK_STR(match_id(rs, &ev), "text-spamhaus"); /* one rank: the longer match */
    ev = evidence("550 5.7.1 denied", "5.7.1", "550");
    ev.hosts[0] = "mx1.163.com";
    CHECK_STR(match_id(rs, &ev), "host-163");
    ev.hosts[0] = "mx1.x163.com";
    CHECK_STR(match_id(rs, &ev), "status-5.7.1");
    ev.hosts[0] = "";
    ev.hosts[2] = "163.com";
    CHECK_STR(match_id(rs, &ev), "host-163");
    ev = evidence("550 5.7.1 SPF check failed", "5.7.1", "550");
    ev.hosts[1] = "MX.ODD.EXAMPLE";
    CHECK_STR(match_id(rs, &ev), "user-soft");
    ev = evidence("I am on holiday until Monday", "", "");
    ev.kind = "autoreply";
    CHECK_STR(match_id(rs, &ev), "auto");
    ev = evidence("still trying", "4.4.1", "");
    ev.action = "delayed";
    CHECK_STR(match_id(rs, &ev), "status-4"); /* one rank, as narrow, no text: the earlier */
    ev = evidence("still trying", "", "");
    ev.action = "Delayed";
    CHECK_STR(match_id(rs, &ev), "delayed");
    ev = evidence("550 对不起，用户空间已满", "", "550");
    CHECK_STR(match_id(rs, &ev), "cn");
    ev = evidence("ab", "", "");
    CHECK_STR(match_id(rs, &ev), "norx");
    ev = evidence("nothing known here", "", "");
    CHECK_STR(match_id(rs, &ev), "none");
    ev = evidence("550 Unknown user kijitora", "", "");
    ev.mta = "postfix";
    CHECK_STR(match_id(rs, &ev), "unknown");
    /* "x1|-": format x1 or none; command "-": the report names none */
    ev.mta = "X1";
    CHECK_STR(match_id(rs, &ev), "unstaged-unknown");
    ev.mta = "";
    CHECK_STR(match_id(rs, &ev), "unstaged-unknown");
    ev.mta = "x12";
    CHECK_STR(match_id(rs, &ev), "unknown");
    ev.mta = "x";
    CHECK_STR(match_id(rs, &ev), "unknown");
    ev.mta = "";
    ev.command = "data";
    CHECK_STR(match_id(rs, &ev), "data-unknown");
    ev.command = "RCPT";
    CHECK_STR(match_id(rs, &ev), "unknown");
    /* unless_status: an X.1.x status keeps the DATA reading from matching */
    ev = evidence("550 5.1.1 Unknown user kijitora", "5.1.1", "550");
    ev.command = "DATA";
    CHECK_STR(match_id(rs, &ev), "unknown");
    ev = evidence("550 5.2.0 Unknown user kijitora", "5.2.0", "550");
    ev.command = "DATA";
    CHECK_STR(match_id(rs, &ev), "data-unknown");
    /* temporary: a 4.x.x status, a 4xx reply or a delay, nothing else */
    ev = evidence("connection timed out", "4.4.1", "");
    CHECK_STR(match_id(rs, &ev), "gave-up");
    ev = evidence("421 connection timed out", "5.0.0", "421");
    CHECK_STR(match_id(rs, &ev), "gave-up");
    ev = evidence("connection timed out", "", "");
    ev.action = "delayed";
    CHECK_STR(match_id(rs, &ev), "gave-up");
    ev = evidence("connection timed out", "5.4.1", "");
    CHECK_STR(match_id(rs, &ev), "none");

    /* a memo shared by evidences with the same text changes no decision */
    {
        static const char *const texts[] = {"550 5.7.1 blocked using zen.spamhaus.org",
                                            "550 5.7.1 blocked using zen.spamhaus.org", "ab",
                                            "550 Unknown user", "550 Unknown user"};
        static const char *const statuses[] = {"5.7.1", "", "", "", ""};
        static const char *const commands[] = {"", "", "", "DATA", "RCPT"};
        rx_scratch *ms = rx_scratch_new();
        arena *ma = arena_new();
        rule_memo *memo = ruleset_memo(rs, ma);
        int same = memo != NULL;
        for (int round = 0; round < 2; round++)
            for (size_t i = 0; i < 5; i++) {
                int e1, e2;
                ev = evidence(texts[i], statuses[i], "550");
                ev.command = commands[i];
                const rule_info *with = ruleset_match(rs, &ev, ms, ma, memo, NULL, NULL, &e1);
                const rule_info *without = ruleset_match(rs, &ev, ms, ma, NULL, NULL, NULL, &e2);
                same &= with == without && e1 == 0 && e2 == 0;
            }
        CHECK(same);
        arena_free(ma);
        rx_scratch_free(ms);
    }

    /* trace: every rule that matched, with what its text matched */
    rx_scratch *s = rx_scratch_new();
    arena *a = arena_new();
    rule_trace t;
    int e;
    ev = evidence("550 5.7.1 client host blocked using b.spamhaus.org", "5.7.1", "550");
    const rule_info *r = ruleset_match(rs, &ev, s, a, NULL, &t, NULL, &e);
    CHECK(r != NULL && strcmp(r->id, "text-spamhaus") == 0);
    CHECK(t.nhits == 5); /* reply-550, reply-5xx, status-5.7.1, status-5.7.x, text-spamhaus */
    size_t at = 0, len = 0, nstatus = 0;
    for (size_t i = 0; i < t.nhits; i++) {
        nstatus += t.hits[i].rule->tier == TIER_STATUS;
        if (t.hits[i].rule == r) {
            at = t.hits[i].text_at;
            len = t.hits[i].text_len;
        }
    }
    CHECK(nstatus == 2);
    CHECK(len > 0 && strncmp(ev.text + at, "blocked using b.spamhaus", len) == 0);
    CHECK(t.why != NULL && strcmp(t.why, "only match of its rank") == 0);
    arena_free(a);
    rx_scratch_free(s);
    ruleset_free(rs);
}

TEST(hostile_text_is_no_match)
{
    char err[512];
    const char *p = write_rules("hostile.conf", 1,
                                "rules = ( { id = \"slow\"; class = \"blocked\"; "
                                "text = \"^(a|aa)+$\"; literal = \"aaaa\"; } );\n");
    struct ruleset *rs = load1(p, err, sizeof err);
    CHECK(rs != NULL);
    if (rs == NULL)
        return;
    char text[20001];
    memset(text, 'a', sizeof text - 1);
    text[sizeof text - 2] = 'b';
    text[sizeof text - 1] = '\0';
    rule_evidence ev = evidence(text, "", "");
    CHECK_STR(match_id(rs, &ev), "none");
    ev = evidence("", "", "");
    CHECK_STR(match_id(rs, &ev), "none");
    ruleset_free(rs);
}

static int branches(const char *pattern, const char *want)
{
    size_t st[16], ln[16];
    size_t n = lit_branches(pattern, st, ln, 16);
    char got[512] = "";
    for (size_t i = 0; i < n && i < 16; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%.*s", i ? "|" : "", (int)ln[i],
                 pattern + st[i]);
    if (n == 0)
        snprintf(got, sizeof got, "(no split)");
    if (strcmp(got, want) != 0)
        printf("#   %s: got \"%s\", want \"%s\"\n", pattern, got, want);
    return strcmp(got, want) == 0;
}

TEST(top_level_alternatives)
{
    CHECK(branches("over quota|mailbox (?:is )?full|[|]x", "over quota|mailbox (?:is )?full|[|]x"));
    CHECK(branches("a\\|b|(c|d)", "a\\|b|(c|d)"));
    CHECK(branches("single", "single"));
    CHECK(branches("(a)\\1|b", "(no split)"));
    CHECK(branches("(?i)a|b", "(no split)"));
    CHECK(branches("(?<n>a)|b", "(no split)"));
    CHECK(branches("a(?=b)|c(?<!d)e", "a(?=b)|c(?<!d)e"));
    CHECK(lit_branches("x|y", NULL, NULL, 0) == 2);
}

TEST(split_rules_match_like_the_whole)
{
    char err[512];
    const char *p = write_rules(
        "split.conf", 1,
        "rules = (\n"
        " { id = \"full\"; class = \"mailboxfull\"; text = \"\\\\bover quota|mailbox (?:is )?full|"
        "ящик переполнен|^quota$\"; literal = [\"quota\", \"full\", \"переполнен\"]; },\n"
        " { id = \"cyr\"; class = \"userunknown\"; text = \"нет такого|no such user\"; }\n"
        ");\n");
    struct ruleset *rs = load1(p, err, sizeof err);
    CHECK(rs != NULL);
    if (rs == NULL) {
        printf("#   %s\n", err);
        return;
    }
    const char *full[] = {"452 user is over quota", "MAILBOX IS FULL", "Ваш ящик переполнен",
                          "quota"};
    for (size_t i = 0; i < 4; i++) {
        rule_evidence ev = evidence(full[i], "", "");
        CHECK_STR(match_id(rs, &ev), "full");
    }
    rule_evidence ev = evidence("the quota of something", "", "");
    CHECK_STR(match_id(rs, &ev), "none");
    ev = evidence("550 Нет такого пользователя", "", "");
    CHECK_STR(match_id(rs, &ev), "cyr"); /* a branch without literals always runs */
    ev = evidence("550 No Such User here", "", "");
    CHECK_STR(match_id(rs, &ev), "cyr");
    ruleset_free(rs);
}

TEST(status_and_reply_wildcards)
{
    /* the index is looked up only for the wildcard shapes rules use: each
     * shape here must still find its rule */
    char err[512];
    const char *p = write_rules(
        "shapes.conf", 1,
        "rules = (\n"
        " { id = \"s-exact\"; tier = \"status\"; class = \"userunknown\"; status = \"5.1.1\"; },\n"
        " { id = \"s-last\"; tier = \"status\"; class = \"mailboxfull\"; status = \"4.2.*\"; },\n"
        " { id = \"s-first\"; tier = \"status\"; class = \"securityerror\"; status = \"*.7.9\"; "
        "},\n"
        " { id = \"s-two\"; tier = \"status\"; class = \"systemerror\"; status = \"2.*.*\"; },\n"
        " { id = \"r-last\"; tier = \"reply\"; class = \"blocked\"; reply = \"57*\"; },\n"
        " { id = \"r-two\"; tier = \"reply\"; class = \"expired\"; reply = \"4*\"; }\n"
        ");\n");
    struct ruleset *rs = load1(p, err, sizeof err);
    CHECK(rs != NULL);
    if (rs == NULL) {
        printf("#   %s\n", err);
        return;
    }
    static const char *const cases[][3] = {
        {"5.1.1", "", "s-exact"}, {"4.2.2", "", "s-last"}, {"5.7.9", "", "s-first"},
        {"4.7.9", "", "s-first"}, {"2.0.0", "", "s-two"},  {"5.1.2", "", "none"},
        {"", "571", "r-last"},    {"", "450", "r-two"},    {"", "550", "none"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rule_evidence ev = evidence("", cases[i][0], cases[i][1]);
        CHECK_STR(match_id(rs, &ev), cases[i][2]);
    }
    ruleset_free(rs);
}

TEST(units_with_further_literal_sets)
{
    /* each alternative needs two literals here: the prefilter asks for both,
     * and what matches is unchanged, in a split rule and a whole one, with
     * and without the per-message memo */
    char err[512];
    const char *p =
        write_rules("more.conf", 1,
                    "rules = (\n"
                    " { id = \"spam\"; class = \"spamdetected\"; text = \"\\\\bspam\\\\b[^.]{0,30}"
                    "\\\\b(?:rejected|refused)|content filter (?:said|reports) junk\"; },\n"
                    " { id = \"ptr\"; class = \"requireptr\"; text = \"reverse "
                    "dns[^.]{0,40}(?:failed|missing)\"; }\n"
                    ");\n");
    struct ruleset *rs = load1(p, err, sizeof err);
    CHECK(rs != NULL);
    if (rs == NULL) {
        printf("#   %s\n", err);
        return;
    }
    static const char *const texts[][2] = {
        {"550 SPAM message Rejected", "spam"},
        {"our content filter reports junk", "spam"},
        {"the spam folder was refused", "spam"},
        {"spam folder", "none"},
        {"message rejected", "none"},
        {"content filter said fine; junk mail", "none"},
        {"Reverse DNS lookup failed", "ptr"},
        {"reverse dns is fine. lookup failed", "none"},
        {"failed: missing", "none"},
    };
    rx_scratch *s = rx_scratch_new();
    arena *a = arena_new();
    rule_memo *memo = ruleset_memo(rs, a);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        rule_evidence ev = evidence(texts[i][0], "", "");
        CHECK_STR(match_id(rs, &ev), texts[i][1]);
        int e;
        const rule_info *r = ruleset_match(rs, &ev, s, a, memo, NULL, NULL, &e);
        CHECK_STR(r ? r->id : "none", texts[i][1]);
    }
    arena_free(a);
    rx_scratch_free(s);
    ruleset_free(rs);
}

static int derives(const char *pattern, const char *want)
{
    char(*out)[LIT_MAXLEN + 1];
    size_t n = lit_derive(pattern, &out);
    char got[512] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "|" : "", out[i]);
    free(out);
    if (strcmp(got, want) != 0)
        printf("#   %s: got \"%s\", want \"%s\"\n", pattern, got, want);
    return strcmp(got, want) == 0;
}

TEST(literal_derivation)
{
    CHECK(derives("\\bDT:SPM\\b", "dt:spm"));
    CHECK(derives("mailbox\\s+(is\\s+)?full", "mailbox"));
    CHECK(derives("(?:over quota|quota exceeded)", "over quota|quota exceeded"));
    CHECK(derives("user (unknown|not found)", "unknown|not found"));
    CHECK(derives("no such (user|mailbox) here", "no such "));
    CHECK(derives("colou?r", "colour|color")); /* an optional character: both spellings */
    CHECK(derives("blocked using \\S+", "blocked using "));
    CHECK(derives("550[ -]5\\.1\\.1", "5.1.1"));
    CHECK(derives("user unknown|unknown user|\\bno such user",
                  "user unknown|unknown user|no such user"));
    CHECK(derives("用户不存在|帳號不存在", "用户不存在|帳號不存在"));
    CHECK(derives("ab+c", "ab"));
    CHECK(derives("x{2}yz", "yz"));
    CHECK(derives("(?i)Quota", "quota"));
    CHECK(derives("quota(?=\\s)", "quota"));
    CHECK(derives(".*", ""));
    CHECK(derives("a|bcd", ""));
    CHECK(derives("(?x) over quota", ""));
    CHECK(derives("\\QDT:SPM\\E", ""));
    CHECK(derives("[a-z]+@[a-z]+", ""));
    CHECK(derives("Überfüllt", "berf"));
    /* too deeply nested to analyse: the rule simply runs without prefilter */
    CHECK(derives("(a(b(c(d(e(f(g(h(i(j)))))))))) longer text", ""));
    CHECK(derives("(?<name>mailbox) full", "mailbox"));
    CHECK(derives("quota{,3}exceeded", "exceeded"));
    CHECK(derives("ꙁꙃ full", " full")); /* Cyrillic Extended-B has case */
    /* a class of a few plain characters is a set of alternatives, and the
     * run it is in has a spelling with each */
    CHECK(
        derives("[動动][態态] ?IP", "動態 ip|動態ip|動态 ip|動态ip|动態 ip|动態ip|动态 ip|动态ip"));
    CHECK(derives("[xyz]abc", "xabc|yabc|zabc"));
    CHECK(derives("\\bgr[ae]y-?list(?:ed|ing)?\\b", "gray-list|graylist|grey-list|greylist"));
    CHECK(derives("e-?mail address", "e-mail address|email address"));
    CHECK(derives("[a-z]bc", "bc"));       /* ranges are not read */
    CHECK(derives("[^動动]態態", "態態")); /* nor negated classes */
    CHECK(derives("[動动]?態態", "態態")); /* an optional one adds nothing here */
    CHECK(derives("[жЖ]ab", "ab"));        /* members with case are not used */
}

/* lit_derive_more's sets as "a|b & c" (sets in order, literals by '|'). */
static int derives_more(const char *pattern, const char *want)
{
    char(*out)[LIT_MAXLEN + 1];
    size_t setlen[4];
    size_t n = lit_derive_more(pattern, &out, setlen, 4);
    char got[512] = "";
    for (size_t k = 0, at = 0; k < n; k++)
        for (size_t i = 0; i < setlen[k]; i++, at++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s",
                     i   ? "|"
                     : k ? " & "
                         : "",
                     out[at]);
    free(out);
    if (strcmp(got, want) != 0)
        printf("#   %s: got \"%s\", want \"%s\"\n", pattern, got, want);
    return strcmp(got, want) == 0;
}

TEST(further_literal_sets)
{
    /* what lit_derive returns is not repeated; sets of short literals
     * ("ip") are left out, being everywhere */
    CHECK(derives_more("user (unknown|not found)", "user "));
    CHECK(derives_more("\\bspam\\b[^.]{0,30}\\b(?:reject|refus|block)", "spam"));
    CHECK(derives_more("reverse dns[^.]{0,40}(?:fail|missing) (?:here|there)",
                       "fail|missing & here|there"));
    CHECK(derives_more("dynamic (?:ip|address)", ""));
    CHECK(derives_more("(?:abcd)? efgh", ""));                       /* optional: not required */
    CHECK(derives_more("quota(?=exceeded)", ""));                    /* lookarounds do not count */
    CHECK(derives_more("abcd efgh|ijkl mnop", ""));                  /* one alternative suffices */
    CHECK(derives_more("(?:abcd|efgh) (?:ijkl|mnop)", "ijkl|mnop")); /* lit_derive has the first */
    CHECK(derives_more(".*", ""));
    CHECK(derives_more("[動动][態态] ?IP", "")); /* one run: lit_derive has it all */
    CHECK(derives_more("\\b(?:lpn|ofr)(?:_|[0-9]{3}[-_])(?:10[123]|401)\\b", "101|102|103|401"));
}

/* lit_derive_all (one walk) says what lit_derive and lit_derive_more say. */
static int derives_all_alike(const char *pattern)
{
    char(*one)[LIT_MAXLEN + 1], (*more)[LIT_MAXLEN + 1], (*all)[LIT_MAXLEN + 1],
        (*allmore)[LIT_MAXLEN + 1];
    size_t setlen[4], allsetlen[4], nall;
    size_t n = lit_derive(pattern, &one);
    size_t nsets = lit_derive_more(pattern, &more, setlen, 4);
    size_t na = lit_derive_all(pattern, &all, &allmore, allsetlen, 4, &nall);
    int same = n == na && nsets == nall;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(one[i], all[i]) == 0;
    size_t nlits = 0;
    for (size_t k = 0; same && k < nsets; k++) {
        same = setlen[k] == allsetlen[k];
        nlits += setlen[k];
    }
    for (size_t i = 0; same && i < nlits; i++)
        same = strcmp(more[i], allmore[i]) == 0;
    free(one);
    free(more);
    free(all);
    free(allmore);
    if (!same)
        printf("#   %s: lit_derive_all differs\n", pattern);
    return same;
}

TEST(derive_all_in_one_walk)
{
    CHECK(derives_all_alike("user (unknown|not found)"));
    CHECK(derives_all_alike("reverse dns[^.]{0,40}(?:fail|missing) (?:here|there)"));
    CHECK(derives_all_alike("(?:abcd|efgh) (?:ijkl|mnop)"));
    CHECK(derives_all_alike("abcd efgh|ijkl mnop"));
    CHECK(derives_all_alike("[動动][態态] ?IP"));
    CHECK(derives_all_alike(".*"));
    CHECK(derives_all_alike("a(b"));
    char(*lits)[LIT_MAXLEN + 1], (*more)[LIT_MAXLEN + 1];
    size_t nsets = 9;
    CHECK(lit_derive_all("mailbox (?:is )?full", &lits, &more, NULL, 0, &nsets) == 1);
    CHECK(nsets == 0 && more == NULL && strcmp(lits[0], "mailbox ") == 0);
    free(lits);
}

/* Soundness: whenever a pattern matches a text, one of the literals derived
 * from it (or from its alternative) occurs in the text, case-folded. */
TEST(derived_literals_are_sound)
{
    static const char *const patterns[] = {
        "\\bDT:SPM\\b",
        "mailbox\\s+(is\\s+)?full",
        "(?:over quota|quota exceeded)",
        "user (unknown|not found)",
        "no such (user|mailbox) here",
        "colou?r",
        "blocked using \\S+",
        "550[ -]5\\.1\\.1",
        "ab+c",
        "x{2}yz",
        "(?i)Quota",
        "quota(?=\\s)",
        "a{0}bcd",
        "(?:ab|cd)+ef",
        "(ab)?cd",
        "用户(不存在|无效)",
        "\\d+ days?",
        "n[o0]t found",
        "host (?:or domain name )?(?:not found|unknown)(?!, try again)",
        "a.c{1,2}de",
        "\\bspam\\b[^.]{0,30}\\b(?:rejected|refused)",
        "(?:mailbox|user) (?:is )?(?:full|over quota)",
        "[動动][態态] ?ip",
        "\\bgr[ae]y-?list(?:ed|ing)?\\b",
        "e-?mail address (?:is )?invalid",
        "[xyz]abc",
        "\\b(?:LPN|OFR)(?:_|[0-9]{3}[-_])(?:10[123]|401)\\b",
    };
    static const char *const texts[] = {
        "554 DT:SPM 163",
        "The MAILBOX  IS FULL",
        "Over Quota",
        "USER NOT FOUND",
        "no such mailbox here",
        "COLOR",
        "colour",
        "client host blocked using zen",
        "550-5.1.1 no",
        "ABBBC",
        "xxyz",
        "quota ",
        "bcd",
        "ababcdef",
        "cd",
        "用户不存在",
        "3 days",
        "n0t found",
        "Host or domain name not found",
        "abccde",
        "SPAM message Rejected",
        "spam folder",
        "User is over QUOTA",
        "mailbox full",
        "动态IP",
        "動態 ip",
        "GREY-LISTED",
        "graylisting",
        "Email Address is invalid",
        "e-mail address invalid",
        "YABC",
        "ofr_101",
        "LPN123-401",
        "nothing at all",
        "",
    };
    int sound = 1;
    rx_scratch *s = rx_scratch_new();
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        char err[256];
        rx *r = rx_compile(patterns[i], RX_CASELESS, err, sizeof err);
        char(*lits)[LIT_MAXLEN + 1];
        size_t n = lit_derive(patterns[i], &lits);
        for (size_t k = 0; r != NULL && k < sizeof texts / sizeof texts[0]; k++) {
            if (rx_search(r, s, texts[k], strlen(texts[k]), 0, NULL) != 1 || n == 0)
                continue;
            char low[256];
            size_t l;
            for (l = 0; texts[k][l] && l < sizeof low - 1; l++)
                low[l] = (char)(texts[k][l] >= 'A' && texts[k][l] <= 'Z' ? texts[k][l] + 32
                                                                         : texts[k][l]);
            low[l] = '\0';
            size_t j;
            for (j = 0; j < n && strstr(low, lits[j]) == NULL; j++)
                ;
            if (j == n) {
                sound = 0;
                printf("#   %s matches \"%s\" but no literal occurs\n", patterns[i], texts[k]);
            }
            /* and one of each further set */
            char(*more)[LIT_MAXLEN + 1];
            size_t setlen[4];
            size_t nsets = lit_derive_more(patterns[i], &more, setlen, 4);
            for (size_t g = 0, at = 0; g < nsets; at += setlen[g], g++) {
                for (j = 0; j < setlen[g] && strstr(low, more[at + j]) == NULL; j++)
                    ;
                if (j == setlen[g]) {
                    sound = 0;
                    printf("#   %s matches \"%s\" but not set %zu\n", patterns[i], texts[k], g);
                }
            }
            free(more);
        }
        free(lits);
        rx_free(r);
        CHECK(r != NULL);
    }
    rx_scratch_free(s);
    CHECK(sound);
}

TEST(prefilter_stays_bounded)
{
    /* 60,000 distinct 20-byte literals would need a ~100 MB table at full
     * length: they are shortened until it fits (a prefix of a required
     * literal is still required, so the needle is still found) */
    litset *ls = litset_new();
    char lit[21];
    unsigned seed = 12345;
    size_t n = 60000;
    int added = litset_add(ls, "needle-in-a-haystack", 20, 7) == 0;
    for (size_t i = 0; i < n && added; i++) {
        for (int k = 0; k < 20; k++) {
            seed = seed * 1103515245u + 12345u;
            lit[k] = (char)('a' + (seed >> 16) % 26);
        }
        added = i == 7 || litset_add(ls, lit, 20, (uint32_t)i) == 0;
    }
    CHECK(added);
    CHECK(litset_build(ls) == 0);
    CHECK(litset_states(ls) <= 6 * n + 1); /* unshortened: about 20 * n */
    uint64_t *bits = calloc((n + 63) / 64 + 1, sizeof *bits);
    litset_scan(ls, "a NEEDLE-IN-A-HAYSTACK here", 27, bits);
    CHECK(bits[0] >> 7 & 1);
    free(bits);
    litset_free(ls);
}

TEST(prefilter_automaton)
{
    litset *ls = litset_new();
    CHECK(ls != NULL);
    CHECK(litset_add(ls, "he", 2, 0) == 0);
    CHECK(litset_add(ls, "She", 3, 1) == 0);
    CHECK(litset_add(ls, "hers", 4, 2) == 0);
    CHECK(litset_add(ls, "his", 3, 70) == 0);
    CHECK(litset_add(ls, "满", strlen("满"), 3) == 0);
    CHECK(litset_build(ls) == 0);
    uint64_t bits[2] = {0, 0};
    litset_scan(ls, "USHERS", 6, bits);
    CHECK(bits[0] == 0x7 && bits[1] == 0);
    bits[0] = bits[1] = 0;
    litset_scan(ls, "this 已满", strlen("this 已满"), bits);
    CHECK(bits[0] == 0x8 && bits[1] == ((uint64_t)1 << 6));
    bits[0] = bits[1] = 0;
    litset_scan(ls, "nothing", 7, bits);
    CHECK(bits[0] == 0 && bits[1] == 0);
    litset_free(ls);
    litset_free(NULL);
    ruleset_free(NULL);
    CHECK(ruleset_count(NULL) == 0);
}

/* Does lit[0..n) occur in text[0..len), ASCII case ignored? */
static int occurs(const char *text, size_t len, const char *lit, size_t n)
{
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n && (text[i + k] | 0x20) == (lit[k] | 0x20))
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

TEST(prefilter_long_texts_against_a_naive_search)
{
    /* long texts are walked in two or four parts at once: every literal,
     * wherever it lies (across a cut too), is found, and none that is
     * absent */
    enum { NLIT = 40 };
    char lits[NLIT][8], text[301];
    unsigned seed = 777;
    litset *ls = litset_new();
    int added = ls != NULL;
    for (int i = 0; i < NLIT && added; i++) {
        size_t n = 2 + (size_t)i % 6;
        for (size_t k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            lits[i][k] = (char)('a' + (seed >> 16) % 4);
        }
        lits[i][n] = '\0';
        added = litset_add(ls, lits[i], n, (uint32_t)i) == 0;
    }
    CHECK(added);
    CHECK(litset_build(ls) == 0);
    int agree = 1;
    for (size_t len = 0; len < sizeof text; len += 7) {
        for (size_t k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            text[k] = (char)("abcdABCD"[(seed >> 16) % 8]);
        }
        uint64_t bits[1] = {0};
        litset_scan(ls, text, len, bits);
        for (int i = 0; i < NLIT; i++)
            agree &= (int)(bits[0] >> i & 1) == occurs(text, len, lits[i], strlen(lits[i]));
    }
    CHECK(agree);
    litset_free(ls);
}

TEST(prefilter_long_literals_compare_their_rest)
{
    /* literals longer than the automaton's prefix share it: where the
     * prefix is found, the bytes after it decide (up to 24 bytes exactly;
     * longer ones may be a maybe, never a miss) */
    enum { NLIT = 40 };
    static const char prefix[] = "Delivery to the "; /* 16 bytes */
    static const char *const pieces[] = {
        "delivery to the ", "DELIVERY TO THE ", "a", "b", "B", " "};
    char lits[NLIT][40], text[600];
    unsigned seed = 99;
    litset *ls = litset_new();
    int added = ls != NULL;
    for (int i = 0; i < NLIT && added; i++) {
        size_t n = 16 + 1 + (size_t)i % 12;
        memcpy(lits[i], prefix, 16);
        for (size_t k = 16; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            lits[i][k] = (char)("ab"[(seed >> 16) % 2]);
        }
        lits[i][n] = '\0';
        added = litset_add(ls, lits[i], n, (uint32_t)i) == 0;
    }
    CHECK(added);
    CHECK(litset_build(ls) == 0);
    int exact = 1, found = 1;
    for (int round = 0; round < 400; round++) {
        size_t len = 0;
        while (len + 16 < sizeof text && len < (size_t)round) {
            seed = seed * 1103515245u + 12345u;
            const char *c = pieces[(seed >> 16) % 6];
            memcpy(text + len, c, strlen(c));
            len += strlen(c);
        }
        uint64_t bits[1] = {0};
        litset_scan(ls, text, len, bits);
        for (int i = 0; i < NLIT; i++) {
            int there = occurs(text, len, lits[i], strlen(lits[i]));
            int hit = (int)(bits[0] >> i & 1);
            found &= hit || !there;
            exact &= strlen(lits[i]) > 24 || hit == there;
        }
    }
    CHECK(found);
    CHECK(exact);
    litset_free(ls);
}

TEST(prefilter_utf8_literals_never_missed)
{
    /* bytes >= 0x80 share a few classes: a UTF-8 literal may be reported
     * where another character stands (a maybe), never missed */
    static const char *const chars[] = {"满", "已", "用", "户", "é", "ж", "a", "b"};
    enum { NLIT = 48 };
    char lits[NLIT][32], text[400];
    size_t litlen[NLIT];
    unsigned seed = 4242;
    litset *ls = litset_new();
    int added = ls != NULL;
    for (int i = 0; i < NLIT && added; i++) {
        litlen[i] = 0;
        for (int k = 0; k < 1 + i % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *c = chars[(seed >> 16) % 8];
            memcpy(lits[i] + litlen[i], c, strlen(c));
            litlen[i] += strlen(c);
        }
        lits[i][litlen[i]] = '\0';
        added = litset_add(ls, lits[i], litlen[i], (uint32_t)i) == 0;
    }
    CHECK(added);
    CHECK(litset_build(ls) == 0);
    int found = 1, ascii_clean = 1;
    for (int round = 0; round < 60; round++) {
        size_t len = 0;
        while (len + 4 < sizeof text && len < (size_t)round * 6) {
            seed = seed * 1103515245u + 12345u;
            const char *c = chars[(seed >> 16) % 8];
            memcpy(text + len, c, strlen(c));
            len += strlen(c);
        }
        uint64_t bits[1] = {0};
        litset_scan(ls, text, len, bits);
        for (int i = 0; i < NLIT; i++)
            if (occurs(text, len, lits[i], litlen[i]) && !(bits[0] >> i & 1))
                found = 0;
    }
    uint64_t bits[1] = {0};
    litset_scan(ls, "plain ascii text, no such bytes", 31, bits);
    for (int i = 0; i < NLIT; i++)
        if ((unsigned char)lits[i][0] >= 0x80 && (bits[0] >> i & 1))
            ascii_clean = 0;
    CHECK(found);
    CHECK(ascii_clean);
    litset_free(ls);
}

/* A pattern is interpreted for its first matches and JIT-compiled after:
 * the answers (groups, offsets, misses) are the same before and after. */
TEST(regex_same_answers_before_and_after_the_jit)
{
    char err[256];
    rx *r = rx_compile("(?<code>[45]\\d\\d)[ -](?<st>[45]\\.\\d+\\.\\d+)", RX_CASELESS, err,
                       sizeof err);
    rx_scratch *s = rx_scratch_new();
    const char *t = "host said: 550 5.1.1 unknown user";
    int same = r != NULL && s != NULL;
    for (int i = 0; i < 64 && same; i++) {
        rx_match m;
        int g = rx_group(r, "st");
        same = rx_search(r, s, t, strlen(t), 0, &m) == 1 && m.start[0] == 11 && m.end[0] == 20 &&
               g > 0 && m.start[g] == 15 && m.end[g] == 20 &&
               rx_search(r, s, t, strlen(t), 12, NULL) == 0 &&
               rx_search(r, s, "no code", 7, 0, NULL) == 0;
    }
    CHECK(same);
    rx_scratch_free(s);
    rx_free(r);
}

/* The rank decides, never the order in the file; within a rank `beats`,
 * then more matchers, then the longer match. */
TEST(ranks_not_file_order)
{
    char err[512];
    const char *p = write_rules(
        "ranks.conf", 1,
        "rules = (\n"
        " { id = \"reply-550\"; tier = \"reply\"; class = \"onhold\"; reply = \"550\"; },\n"
        " { id = \"generic-status-5.7.1\"; tier = \"generic-status\"; class = \"blocked\"; "
        "status = \"5.7.1\"; },\n"
        " { id = \"addr-rejected\"; tier = \"generic\"; class = \"rejected\"; "
        "text = \"address rejected\"; },\n"
        " { id = \"spam\"; tier = \"cause\"; class = \"spamdetected\"; text = \"spam\"; },\n"
        " { id = \"virus\"; tier = \"cause\"; class = \"virusdetected\"; text = \"virus\"; "
        "beats = [\"spam\"]; },\n"
        " { id = \"status-5.1.1\"; tier = \"status\"; class = \"userunknown\"; status = "
        "\"5.1.1\"; },\n"
        " { id = \"old-text-tier\"; tier = \"text\"; class = \"mailboxfull\"; text = \"over "
        "quota\"; },\n"
        " { id = \"quota-at-data\"; class = \"exceedlimit\"; text = \"quota\"; command = "
        "\"DATA\"; }\n"
        ");\n");
    struct ruleset *rs = load1(p, err, sizeof err);
    CHECK(rs != NULL);
    if (rs == NULL) {
        printf("#   %s\n", err);
        return;
    }
    /* a specific status beats generic text written before it */
    rule_evidence ev =
        evidence("550 5.1.1 <a@example.org>: Recipient address rejected", "5.1.1", "550");
    CHECK_STR(match_id(rs, &ev), "status-5.1.1");
    /* generic text beats a generic status, a generic status the reply */
    ev = evidence("550 5.7.1 Sender address rejected", "5.7.1", "550");
    CHECK_STR(match_id(rs, &ev), "addr-rejected");
    ev = evidence("550 5.7.1 go away", "5.7.1", "550");
    CHECK_STR(match_id(rs, &ev), "generic-status-5.7.1");
    ev = evidence("550 go away", "", "550");
    CHECK_STR(match_id(rs, &ev), "reply-550");
    /* beats settles two causes, whichever comes first in the text */
    ev = evidence("554 virus found, and spam", "", "554");
    CHECK_STR(match_id(rs, &ev), "virus");
    ev = evidence("554 spam with a virus", "", "554");
    CHECK_STR(match_id(rs, &ev), "virus");
    /* tier "text" is read as cause; the narrower rule (a command) wins */
    ev = evidence("552 over quota", "", "552");
    CHECK_STR(match_id(rs, &ev), "old-text-tier");
    ev.command = "DATA";
    CHECK_STR(match_id(rs, &ev), "quota-at-data");
    CHECK(ruleset_beats(rs, ruleset_rule(rs, 4), ruleset_rule(rs, 3)));
    CHECK(!ruleset_beats(rs, ruleset_rule(rs, 3), ruleset_rule(rs, 4)));
    ruleset_free(rs);
}

TEST(documentation_keys)
{
    char err[512];
    const char *p = write_rules(
        "docs.conf", 1,
        "sources = ( { id = \"rfc-x\"; title = \"A document\"; url = \"https://example.org/\"; } "
        ");\n"
        "rules = (\n"
        " { id = \"a\"; class = \"blocked\"; text = \"blocked\"; source = \"rfc-x\";\n"
        "   examples = [\"550 blocked\", \"554 you are blocked\"]; },\n"
        " { id = \"b\"; class = \"userunknown\"; status = \"5.1.1\"; source = \"rfc-x\";\n"
        "   examples = ( { status = \"5.1.1\"; reply = \"550\"; command = \"RCPT\"; } ); }\n"
        ");\n");
    struct ruleset *rs = load1(p, err, sizeof err);
    CHECK(rs != NULL);
    if (rs == NULL) {
        printf("#   %s\n", err);
        return;
    }
    const rule_doc *d = ruleset_doc(rs, 0);
    CHECK(d->shipped && d->source != NULL && strcmp(d->source, "rfc-x") == 0);
    CHECK(d->nexamples == 2 && strcmp(d->examples[1].text, "554 you are blocked") == 0);
    d = ruleset_doc(rs, 1);
    CHECK(d->nexamples == 1 && d->examples[0].text == NULL &&
          strcmp(d->examples[0].status, "5.1.1") == 0 &&
          strcmp(d->examples[0].command, "RCPT") == 0);
    ruleset_free(rs);

    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; reply = \"550\"; source = "
                     "\"nowhere\"; } );",
                     "unknown source \"nowhere\""));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; reply = \"550\"; beats = "
                     "[\"zz\"]; } );",
                     "beats unknown rule \"zz\""));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; reply = \"550\"; beats = "
                     "[\"b\"]; },\n { id = \"b\"; class = \"blocked\"; text = \"x\"; } );",
                     "of another tier"));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; reply = \"550\"; examples = "
                     "( { colour = \"red\"; } ); } );",
                     "unknown key \"colour\" in examples"));
    CHECK(load_fails("rules = ( { id = \"a\"; class = \"blocked\"; reply = \"550\"; examples = "
                     "[1, 2]; } );",
                     "\"examples\" in rules must be a list of strings or groups"));
    CHECK(load_fails("sources = ( { id = \"s\"; title = \"t\"; }, { id = \"s\"; title = \"u\"; "
                     "} );",
                     "duplicate source id \"s\""));
    CHECK(load_fails("sources = ( { id = \"s\"; } );", "source \"s\" has no title"));
}

int main(void)
{
    RUN_TESTS();
}
