/*
 * test_classify.c - classify_report() on hand-built reports: bounce flag,
 * evidence precedence, severity/advice/code from class, 4xx variants,
 * detail and rule, the undefined/onhold fallbacks, report kinds, distinct
 * recipients and the explain trace.  The rules file is written by the test.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
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

static const char *rules_text =
    "details = ( { name = \"greylisted\"; advice = \"retry\"; code = 939; en = \"Greylisted.\"; "
    "},\n"
    "            { name = \"abuse\"; advice = \"suppress\"; en = \"Complaint.\"; } );\n"
    "rules = (\n"
    " { id = \"vacation\"; class = \"vacation\"; kind = \"autoreply\"; },\n"
    " { id = \"arf\"; class = \"feedback\"; kind = \"arf\"; detail = \"{feedback}\"; },\n"
    " { id = \"delivered\"; class = \"delivered\"; action = \"delivered\"; },\n"
    " { id = \"netease-dt-spm\"; class = \"spamdetected\"; text = \"\\\\bDT:SPM\\\\b\";\n"
    "   detail = \"netease:DT:SPM\"; },\n"
    " { id = \"greylist\"; class = \"blocked\"; text = \"greylist\"; detail = \"greylisted\"; },\n"
    " { id = \"yahoo-dd\"; class = \"userunknown\"; text = \"delivery error: dd\"; advice = "
    "\"suppress\"; code = 950; },\n"
    " { id = \"no-mail\"; class = \"notaccept\"; text = \"does not accept mail\"; },\n"
    " { id = \"odd-provider\"; class = \"systemerror\"; host = \"odd.example\"; status = "
    "\"5.1.1\";\n"
    "   override = true; severity = \"soft\"; },\n"
    " { id = \"status-5.1.1\"; class = \"userunknown\"; status = \"5.1.1\"; },\n"
    " { id = \"status-5.7.1\"; class = \"blocked\"; status = \"5.7.1\"; },\n"
    " { id = \"status-4.1.1\"; class = \"userunknown\"; status = \"4.1.1\"; },\n"
    " { id = \"generic-unavailable\"; tier = \"generic\"; class = \"filtered\";\n"
    "   text = \"mailbox unavailable\"; },\n"
    " { id = \"generic-rejected\"; tier = \"generic\"; class = \"hasmoved\";\n"
    "   text = \"address rejected\"; },\n"
    " { id = \"delayed\"; tier = \"status\"; class = \"expired\"; action = \"delayed\"; },\n"
    " { id = \"reply-550\"; class = \"filtered\"; reply = \"550\"; }\n"
    ");\n";

static struct ruleset *rs;
static char path[64];

static void free_rules(void)
{
    ruleset_free(rs);
}

static void load(void)
{
    snprintf(path, sizeof path, "/tmp/test_classify.XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        perror("mkstemp");
        exit(1);
    }
    fputs("classes = (\n", f);
    size_t n = sizeof all_classes / sizeof all_classes[0];
    for (size_t i = 0; i < n; i++) {
        const char *name = all_classes[i];
        int hard = i < 4, none = strcmp(name, "vacation") == 0 || strcmp(name, "feedback") == 0 ||
                                 strcmp(name, "delivered") == 0;
        fprintf(f,
                "  { name = \"%s\"; severity = \"%s\"; advice = \"%s\"; code = %d; en = \"%s.\";%s "
                "}%s\n",
                name,
                hard   ? "hard"
                : none ? "none"
                       : "soft",
                hard   ? "suppress"
                : none ? "none"
                       : "fix-sender",
                none ? 0 : (int)(900 + i), name,
                strcmp(name, "notaccept") == 0 ? " severity4xx = \"soft\"; advice4xx = \"retry\";"
                                               : "",
                i + 1 < n ? "," : "");
    }
    fputs(");\n", f);
    fputs(rules_text, f);
    fclose(f);
    const char *paths[1] = {path};
    char err[512];
    rs = ruleset_load(paths, 1, err, sizeof err);
    unlink(path);
    atexit(free_rules);
    if (rs == NULL) {
        printf("# %s\n", err);
        exit(1);
    }
}

static rpt_recipient rcpt(const char *address, const char *status, const char *reply,
                          const char *diagnostic)
{
    rpt_recipient r = {address, "", status, reply, "RCPT", diagnostic, "", ""};
    return r;
}

static rpt_report report(rpt_kind kind, const char *kind_name, rpt_recipient *r, size_t n)
{
    rpt_report rep = {kind,
                      kind_name,
                      "postfix",
                      "<orig@example.org>",
                      "2026-11-23T10:00:00+00:00",
                      "Undelivered Mail",
                      "MAILER-DAEMON",
                      "mx.example.net",
                      "",
                      "",
                      n,
                      r};
    return rep;
}

/* Classify rep into res (arena a); 0 on success. */
static int run(const rpt_report *rep, unsigned flags, arena *a, bc_result *res)
{
    if (rs == NULL)
        load();
    rx_scratch *s = rx_scratch_new();
    memset(res, 0, sizeof *res);
    int rc = classify_report(rs, rep, s, a, flags, res);
    rx_scratch_free(s);
    return rc;
}

TEST(dsn_recipients_and_precedence)
{
    rpt_recipient r[4] = {
        rcpt("kijitora@example.jp", "5.1.1", "550",
             "550 5.1.1 <kijitora@example.jp>... User Unknown"),
        rcpt("neko@163.com", "5.7.1", "554", "554 DT:SPM 163 mx14,QM..., please see ..."),
        rcpt("tora@example.com", "", "550", "550 sorry"),
        rcpt("Kijitora@example.jp", "5.2.2", "552", "duplicate mention"),
    };
    r[0].remote_mta = "mx.example.jp";
    rpt_report rep = report(RPT_DSN, "dsn", r, 4);
    arena *a = arena_new();
    bc_result res;
    CHECK(run(&rep, 0, a, &res) == 0);
    CHECK(res.bounce == 1);
    CHECK_STR(res.kind, "dsn");
    CHECK_STR(res.mta, "postfix");
    CHECK_STR(res.message_id, "<orig@example.org>");
    CHECK_STR(res.date, "2026-11-23T10:00:00+00:00");
    CHECK(res.nrecipients == 3);
    CHECK(res.ntrace == 0 && res.trace == NULL);
    bc_recipient *o = res.recipients;
    CHECK_STR(o[0].address, "kijitora@example.jp");
    CHECK_STR(o[0].class_name, "userunknown");
    CHECK(o[0].severity == BC_SEV_HARD);
    CHECK_STR(o[0].advice, "suppress");
    CHECK(o[0].code == 900);
    CHECK_STR(o[0].rule, "status-5.1.1");
    CHECK_STR(o[0].action, "failed");
    CHECK_STR(o[0].status, "5.1.1");
    CHECK_STR(o[0].reply_code, "550");
    CHECK_STR(o[0].smtp_command, "RCPT");
    CHECK_STR(o[0].remote_mta, "mx.example.jp");
    CHECK_STR(o[0].detail, "");
    /* the vendor code beats the generic 5.7.1 */
    CHECK_STR(o[1].class_name, "spamdetected");
    CHECK_STR(o[1].rule, "netease-dt-spm");
    CHECK_STR(o[1].detail, "netease:DT:SPM");
    CHECK(o[1].severity == BC_SEV_SOFT);
    CHECK(o[1].code == 914);
    /* only a reply code */
    CHECK_STR(o[2].class_name, "filtered");
    CHECK_STR(o[2].rule, "reply-550");
    CHECK_STR(o[2].status, "");
    arena_free(a);
}

TEST(severity_advice_and_overrides)
{
    rpt_recipient r[6] = {
        rcpt("a@example.com", "5.0.0", "550", "550 example.com does not accept mail"),
        rcpt("b@example.com", "4.0.0", "450", "450 example.com does not accept mail"),
        rcpt("c@example.com", "", "421", "421 does not accept mail (now)"),
        rcpt("d@yahoo.com", "5.0.0", "554",
             "554 delivery error: dd This user doesn't have a "
             "yahoo.com account"),
        rcpt("e@example.com", "4.7.1", "451", "451 4.7.1 Greylisting in action, please come back"),
        rcpt("f@odd.example", "5.1.1", "550", "550 5.1.1 mailbox temporarily unknown"),
    };
    rpt_report rep = report(RPT_DSN, "dsn", r, 6);
    arena *a = arena_new();
    bc_result res;
    CHECK(run(&rep, 0, a, &res) == 0);
    CHECK(res.nrecipients == 6);
    bc_recipient *o = res.recipients;
    CHECK_STR(o[0].class_name, "notaccept");
    CHECK(o[0].severity == BC_SEV_HARD);
    CHECK_STR(o[0].advice, "suppress");
    CHECK_STR(o[1].class_name, "notaccept");
    CHECK(o[1].severity == BC_SEV_SOFT);
    CHECK_STR(o[1].advice, "retry");
    CHECK(o[2].severity == BC_SEV_SOFT); /* no status: the 4xx reply decides */
    CHECK_STR(o[3].class_name, "userunknown");
    CHECK(o[3].code == 950);
    CHECK_STR(o[3].advice, "suppress");
    CHECK_STR(o[4].class_name, "blocked");
    CHECK_STR(o[4].detail, "greylisted");
    CHECK_STR(o[4].advice, "retry"); /* the detail's advice and code */
    CHECK(o[4].code == 939);
    CHECK_STR(o[5].class_name, "systemerror");
    CHECK_STR(o[5].rule, "odd-provider");
    CHECK(o[5].severity == BC_SEV_SOFT);
    arena_free(a);
}

/* TAXONOMY "Stage and severity": never hard for a temporary failure, nor
 * when a status table decided against what a text rule says. */
TEST(severity_guard)
{
    rpt_recipient r[4] = {
        rcpt("a@example.com", "4.1.1", "452", "452 4.1.1 <a@example.com>: try again later"),
        rcpt("b@example.com", "5.1.1", "550", "550 5.1.1 mailbox unavailable"),
        rcpt("c@example.com", "5.1.1", "550", "550 5.1.1 no such mailbox"),
        rcpt("d@example.com", "5.1.1", "550", "550 5.1.1 Recipient address rejected"),
    };
    rpt_report rep = report(RPT_DSN, "dsn", r, 4);
    arena *a = arena_new();
    bc_result res;
    CHECK(run(&rep, BC_EXPLAIN, a, &res) == 0);
    CHECK(res.nrecipients == 4);
    bc_recipient *o = res.recipients;
    CHECK_STR(o[0].class_name, "userunknown");
    CHECK(o[0].severity == BC_SEV_SOFT);
    CHECK_STR(o[0].advice, "retry");
    CHECK(res.ntrace == 4 && strstr(res.trace[0], "not hard: temporary failure") != NULL);
    CHECK_STR(o[1].class_name, "userunknown"); /* the specific status outranks generic text */
    CHECK_STR(o[1].rule, "status-5.1.1");
    CHECK(o[1].severity == BC_SEV_SOFT);
    CHECK(res.ntrace == 4 && strstr(res.trace[1], "not hard: the text says otherwise") != NULL);
    CHECK(o[2].severity == BC_SEV_HARD); /* a bare status keeps its class's severity */
    CHECK(o[3].severity == BC_SEV_HARD); /* a wrapper text of a hard class is no contradiction */
    arena_free(a);
}

TEST(fallbacks_undefined_and_onhold)
{
    rpt_recipient r[3] = {
        rcpt("a@example.com", "5.9.9", "", "something strange happened"),
        rcpt("b@example.com", "", "", ""),
        rcpt("c@example.com", "", "", ""),
    };
    r[2].text = "The message could not be delivered for mysterious reasons";
    rpt_report rep = report(RPT_TRANSCRIPT, "transcript", r, 3);
    arena *a = arena_new();
    bc_result res;
    CHECK(run(&rep, 0, a, &res) == 0);
    CHECK(res.bounce == 1 && res.nrecipients == 3);
    CHECK_STR(res.kind, "transcript");
    /* a diagnostic no rule understands says too little: onhold; none at all: undefined */
    CHECK_STR(res.recipients[0].class_name, "onhold");
    CHECK_STR(res.recipients[0].rule, "none");
    CHECK(res.recipients[0].severity == BC_SEV_SOFT);
    CHECK_STR(res.recipients[1].class_name, "undefined");
    CHECK_STR(res.recipients[1].rule, "none");
    CHECK_STR(res.recipients[2].class_name, "onhold");
    arena_free(a);
}

TEST(body_text_when_no_diagnostic)
{
    rpt_recipient r[2] = {rcpt("a@163.com", "", "", ""), rcpt("b@163.com", "", "550", "550 sorry")};
    rpt_report rep = report(RPT_TRANSCRIPT, "transcript", r, 2);
    rep.body_text = "Your message was rejected: 554 DT:SPM";
    arena *a = arena_new();
    bc_result res;
    CHECK(run(&rep, 0, a, &res) == 0);
    CHECK_STR(res.recipients[0].class_name, "spamdetected");
    /* its own diagnostic decides; only when nothing matched it is the report's text read */
    CHECK_STR(res.recipients[1].class_name, "filtered");
    CHECK_STR(res.recipients[1].rule, "reply-550");
    r[1].reply_code = "";
    CHECK(run(&rep, BC_EXPLAIN, a, &res) == 0);
    CHECK_STR(res.recipients[1].class_name, "spamdetected");
    CHECK(res.ntrace == 2 && strstr(res.trace[1], "(with the report's text)") != NULL);
    rep.body_text = "Nothing useful";
    CHECK(run(&rep, 0, a, &res) == 0);
    CHECK_STR(res.recipients[1].class_name, "onhold");
    arena_free(a);
}

TEST(report_kinds)
{
    arena *a = arena_new();
    bc_result res;
    rpt_recipient v = rcpt("me@example.org", "", "", "");
    rpt_report rep = report(RPT_AUTOREPLY, "autoreply", &v, 1);
    rep.body_text = "I am out of the office until Monday; your mail was not read.";
    CHECK(run(&rep, 0, a, &res) == 0);
    CHECK(res.bounce == 1 && res.nrecipients == 1);
    CHECK_STR(res.recipients[0].class_name, "vacation");
    CHECK(res.recipients[0].severity == BC_SEV_NONE);
    CHECK_STR(res.recipients[0].advice, "none");

    rpt_recipient f = rcpt("victim@example.net", "", "", "");
    rep = report(RPT_ARF, "arf", &f, 1);
    rep.feedback_type = "Abuse";
    CHECK(run(&rep, 0, a, &res) == 0);
    CHECK_STR(res.recipients[0].class_name, "feedback");
    CHECK_STR(res.recipients[0].detail, "abuse");
    CHECK_STR(res.recipients[0].advice, "suppress");
    rep.feedback_type = "not-spam";
    CHECK(run(&rep, 0, a, &res) == 0);
    CHECK_STR(res.recipients[0].detail, "not-spam");
    CHECK_STR(res.recipients[0].advice, "none");

    rpt_recipient d[2] = {rcpt("ok@example.net", "2.0.0", "250", "250 2.0.0 OK"),
                          rcpt("late@example.net", "4.4.7", "", "")};
    d[0].action = "delivered";
    d[1].action = "delayed";
    rep = report(RPT_DSN, "dsn", d, 2);
    CHECK(run(&rep, 0, a, &res) == 0);
    CHECK_STR(res.recipients[0].class_name, "delivered");
    CHECK_STR(res.recipients[0].action, "delivered");
    CHECK_STR(res.recipients[1].class_name, "expired");
    CHECK_STR(res.recipients[1].action, "delayed");

    /* not a report, or a report without recipients: no bounce */
    rep = report(RPT_NONE, "", NULL, 0);
    CHECK(run(&rep, 0, a, &res) == 0);
    CHECK(res.bounce == 0 && res.nrecipients == 0);
    CHECK_STR(res.kind, "");
    rep = report(RPT_DSN, "dsn", NULL, 0);
    CHECK(run(&rep, 0, a, &res) == 0);
    CHECK(res.bounce == 0 && res.nrecipients == 0 && res.recipients == NULL);
    CHECK(res.mta != NULL && res.message_id != NULL && res.date != NULL);
    arena_free(a);
}

TEST(explain_trace)
{
    rpt_recipient r[2] = {
        rcpt("kijitora@example.jp", "5.1.1", "550", "550 5.1.1 User Unknown"),
        rcpt("neko@163.com", "5.7.1", "554", "554 DT:SPM 163 mx14"),
    };
    rpt_report rep = report(RPT_DSN, "dsn", r, 2);
    arena *a = arena_new();
    bc_result res;
    CHECK(run(&rep, BC_EXPLAIN, a, &res) == 0);
    CHECK(res.ntrace == 2);
    const char *t0 = res.ntrace > 0 ? res.trace[0] : "";
    const char *t1 = res.ntrace > 1 ? res.trace[1] : "";
    printf("# %s\n# %s\n", t0, t1);
    CHECK(strncmp(t0, "kijitora@example.jp: matched: ", 30) == 0);
    CHECK(strstr(t0, "status-5.1.1 [status] (5.1.1)") != NULL);
    CHECK(strstr(t0, "reply-550 [cause] (550)") == NULL && strstr(t0, "reply-550 [reply] (550)"));
    CHECK(strstr(t0, "-> userunknown hard/suppress (rule status-5.1.1: status tier wins, only "
                     "match of its rank") != NULL);
    CHECK(strstr(t1, "netease-dt-spm [cause] (\"DT:SPM\")") != NULL);
    CHECK(strstr(t1, "status-5.7.1 [status] (5.7.1)") != NULL);
    CHECK(strstr(t1, "-> spamdetected detail netease:DT:SPM") != NULL);
    CHECK(strstr(t1, "cause tier wins") != NULL);
    /* the same decisions as without the trace */
    CHECK_STR(res.recipients[0].rule, "status-5.1.1");
    CHECK_STR(res.recipients[1].rule, "netease-dt-spm");
    arena_free(a);
}

TEST(no_ruleset)
{
    rpt_recipient r = rcpt("a@example.com", "5.1.1", "550", "550 5.1.1 unknown");
    rpt_report rep = report(RPT_DSN, "dsn", &r, 1);
    arena *a = arena_new();
    rx_scratch *s = rx_scratch_new();
    bc_result res;
    CHECK(classify_report(NULL, &rep, s, a, BC_EXPLAIN, &res) == 0);
    CHECK(res.nrecipients == 1);
    CHECK_STR(res.recipients[0].class_name, "onhold");
    CHECK_STR(res.recipients[0].rule, "none");
    CHECK_STR(res.recipients[0].advice, "retry");
    CHECK(res.ntrace == 1);
    rx_scratch_free(s);
    arena_free(a);
}

TEST(hostile_recipient_text)
{
    size_t n = 100000;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(i % 7 == 0 ? 0xE6 : 'a' + i % 26);
    big[n] = '\0';
    rpt_recipient r = rcpt("a@example.com", "", "", big);
    r.text = big;
    rpt_report rep = report(RPT_DSN, "dsn", &r, 1);
    rep.body_text = big;
    arena *a = arena_new();
    bc_result res;
    CHECK(run(&rep, BC_EXPLAIN, a, &res) == 0);
    CHECK(res.nrecipients == 1);
    CHECK_STR(res.recipients[0].class_name, "onhold");
    arena_free(a);
    free(big);
}

/* One rule set, several threads each with its own scratch and arena: the
 * same decisions as on one thread. */
static void *classify_many(void *arg)
{
    int *ok = arg;
    rpt_recipient r[3] = {
        rcpt("a@example.jp", "5.1.1", "550", "550 5.1.1 User Unknown"),
        rcpt("b@163.com", "5.7.1", "554", "554 DT:SPM 163 mx14"),
        rcpt("c@example.com", "4.7.1", "451", "451 4.7.1 Greylisting in action"),
    };
    rpt_report rep = report(RPT_DSN, "dsn", r, 3);
    rx_scratch *s = rx_scratch_new();
    *ok = s != NULL;
    for (int i = 0; i < 2000 && *ok; i++) {
        arena *a = arena_new();
        bc_result res;
        *ok = a != NULL && classify_report(rs, &rep, s, a, i % 2 ? BC_EXPLAIN : 0, &res) == 0 &&
              res.nrecipients == 3 && strcmp(res.recipients[0].rule, "status-5.1.1") == 0 &&
              strcmp(res.recipients[1].rule, "netease-dt-spm") == 0 &&
              strcmp(res.recipients[2].rule, "greylist") == 0;
        arena_free(a);
    }
    rx_scratch_free(s);
    return NULL;
}

TEST(threads_share_one_ruleset)
{
    if (rs == NULL)
        load();
    pthread_t th[4];
    int ok[4] = {0, 0, 0, 0}, started = 0;
    for (int i = 0; i < 4; i++)
        started += pthread_create(&th[i], NULL, classify_many, &ok[i]) == 0;
    CHECK(started == 4);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    CHECK(ok[0] && ok[1] && ok[2] && ok[3]);
}

/* The public UTF-8 check the milter cuts header values with. */
TEST(utf8_sequences)
{
    const unsigned char ok2[] = {0xc3, 0xa9}, ok3[] = {0xe7, 0x94, 0xa8},
                        ok4[] = {0xf0, 0x9f, 0x98, 0x80}, overlong[] = {0xc0, 0xaf},
                        surrogate[] = {0xed, 0xa0, 0x80}, above[] = {0xf4, 0x90, 0x80, 0x80},
                        cont[] = {0x80};
    CHECK(bc_utf8_len((const unsigned char *)"a", 1) == 1);
    CHECK(bc_utf8_len(ok2, 2) == 2 && bc_utf8_len(ok3, 3) == 3 && bc_utf8_len(ok4, 4) == 4);
    CHECK(bc_utf8_len(ok3, 2) == 0); /* cut short */
    CHECK(bc_utf8_len(ok2, 0) == 0);
    CHECK(bc_utf8_len(overlong, 2) == 0 && bc_utf8_len(surrogate, 3) == 0);
    CHECK(bc_utf8_len(above, 4) == 0 && bc_utf8_len(cont, 1) == 0);
}

int main(void)
{
    RUN_TESTS();
}
