/*
 * test_milter_session.c - the callback logic without libmilter: events in,
 * recorded smfi-style calls and verdicts out.  Uses the shipped rules
 * (conf/rules.conf, tests run from the source tree).
 */
#include <libmilter/mfapi.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime.h"
#include "session.h"
#include "tap.h"

/* Every call the session makes, one line each. */
static char calls[65536];
static size_t ncalls;
static const char *daemon_name;

__attribute__((format(printf, 1, 2))) static void rec(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(calls + ncalls, sizeof calls - ncalls, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof calls - ncalls)
        ncalls += (size_t)n;
}

static const char *m_getsymval(void *arg, const char *name)
{
    if (strcmp(name, "i") == 0)
        return "QID1";
    if (strcmp(name, "{daemon_name}") == 0)
        return daemon_name;
    return NULL;
}

static int m_addheader(void *arg, const char *name, const char *value)
{
    rec("add %s: %s\n", name, value);
    return 0;
}

static int m_chgheader(void *arg, const char *name, int index, const char *value)
{
    if (value == NULL)
        rec("del %s %d\n", name, index);
    else
        rec("chg %s: %s [%d]\n", name, value, index);
    return 0;
}

static int m_addrcpt(void *arg, const char *r)
{
    rec("addrcpt %s\n", r);
    return 0;
}

static int m_delrcpt(void *arg, const char *r)
{
    rec("delrcpt %s\n", r);
    return 0;
}

static int m_replacebody(void *arg, const char *body, size_t len)
{
    rec("body %zu\n", len);
    return 0;
}

static int m_quarantine(void *arg, const char *reason)
{
    rec("quarantine %s\n", reason);
    return 0;
}

static int m_setreply(void *arg, const char *code, const char *status, const char *text)
{
    rec("reply %s %s\n", code, text);
    return 0;
}

static const mops ops = {NULL,      m_getsymval,   m_addheader,  m_chgheader, m_addrcpt,
                         m_delrcpt, m_replacebody, m_quarantine, m_setreply};

static int use_config(const char *text)
{
    char path[] = "/tmp/test_milter_session.XXXXXX", err[4096];
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    fprintf(f, "rules = \"conf/rules.conf\";\n%s", text);
    fclose(f);
    mruntime *rt = runtime_load(path, err, sizeof err);
    unlink(path);
    if (rt == NULL) {
        printf("# %s", err);
        return -1;
    }
    runtime_install(rt);
    return 0;
}

static const char *dsn_headers[][2] = {
    {"From", "MAILER-DAEMON@mx.sender.test (Mail Delivery System)"},
    {"To", "sender@sender.test"},
    {"Subject", "Undelivered Mail Returned to Sender"},
    {"MIME-Version", "1.0"},
    {"Content-Type", "multipart/report; report-type=delivery-status;\n\tboundary=\"BB\""},
};

/* A DSN with n failed recipients r0@dom, r1@dom, ... */
static char *dsn_body(int n, const char *dom)
{
    static char b[16384];
    size_t o = 0;
    o += (size_t)snprintf(b + o, sizeof b - o,
                          "--BB\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n\r\n"
                          "--BB\r\nContent-Type: message/delivery-status\r\n\r\n"
                          "Reporting-MTA: dns; mx.sender.test\r\n");
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(b + o, sizeof b - o,
                              "\r\nFinal-Recipient: rfc822; r%d@%s\r\nAction: failed\r\n"
                              "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <r%d@%s>: "
                              "Recipient address rejected: User unknown\r\n",
                              i, dom, i, dom);
    snprintf(b + o, sizeof b - o,
             "\r\n--BB\r\nContent-Type: message/rfc822\r\n\r\nSubject: hi\r\n\r\norig\r\n"
             "--BB--\r\n");
    return b;
}

/* Run one message; returns the EOM verdict (or the EOH one if it ended there). */
static enum sverdict run(session *s, const char *from, const char *to, const char *extra_name,
                         const char *extra_value, const char *body)
{
    ncalls = 0;
    calls[0] = '\0';
    session_envfrom(s, &ops, from);
    session_envrcpt(s, to);
    for (size_t i = 0; i < sizeof dsn_headers / sizeof *dsn_headers; i++)
        if (body != NULL || strcmp(dsn_headers[i][0], "Content-Type") != 0)
            session_header(s, dsn_headers[i][0], dsn_headers[i][1]);
    if (extra_name != NULL)
        session_header(s, extra_name, extra_value);
    enum sverdict v = session_eoh(s);
    if (v != SV_CONTINUE)
        return v;
    if (body != NULL && session_body(s, body, strlen(body)) == SV_CONTINUE)
        session_body(s, "", 0);
    return session_eom(s, &ops);
}

TEST(plain_mail_accepted_at_eoh)
{
    CHECK(use_config("") == 0);
    session *s = session_new();
    CHECK(run(s, "<alice@sender.test>", "<bob@example.com>", NULL, NULL, NULL) == SV_ACCEPT);
    CHECK(ncalls == 0);
    CHECK(!session_inspecting(s));
    /* auto-generated is not an auto-reply by default */
    CHECK(run(s, "<alice@sender.test>", "<bob@example.com>", "Auto-Submitted", "auto-generated",
              NULL) == SV_ACCEPT);
    session_free(s);
}

TEST(forged_headers_removed_from_plain_mail)
{
    CHECK(use_config("") == 0);
    session *s = session_new();
    ncalls = 0;
    session_envfrom(s, &ops, "<alice@sender.test>");
    session_envrcpt(s, "<bob@example.com>");
    session_header(s, "X-Bounce-Class", "a");
    session_header(s, "Subject", "x");
    session_header(s, "x-bounce-class", "b");
    session_header(s, "X-Bounce-Summary", "c");
    CHECK(session_eoh(s) == SV_CONTINUE);
    CHECK(session_body(s, "hello\r\n", 7) == SV_SKIP); /* the body is not needed */
    CHECK(session_eom(s, &ops) == SV_ACCEPT);
    /* highest index first, so the indices stay valid */
    CHECK_STR(calls, "del X-Bounce-Class 2\ndel X-Bounce-Class 1\ndel X-Bounce-Summary 1\n");
    session_free(s);
}

TEST(bounce_gets_headers)
{
    CHECK(use_config("") == 0);
    session *s = session_new();
    CHECK(run(s, "<>", "<sender@sender.test>", "X-Bounce-Class", "forged",
              dsn_body(2, "plain.test")) == SV_ACCEPT);
    CHECK(strncmp(calls, "del X-Bounce-Class 1\nadd X-Bounce-Class: userunknown; severity=hard;",
                  68) == 0);
    CHECK(strstr(calls, "recipient=<r0@plain.test>") != NULL);
    CHECK(strstr(calls, "recipient=<r1@plain.test>") != NULL);
    CHECK(strstr(calls, "recipient=<r0@plain.test>") < strstr(calls, "recipient=<r1@plain.test>"));
    CHECK(strstr(calls, "add X-Bounce-Summary: worst=hard; failed=2; delayed=0; hard=2; soft=0;") !=
          NULL);
    CHECK(strstr(calls, "add X-Bounce-Description: ") != NULL);
    CHECK_STR(session_last_action(s), "headers");
    session_free(s);
}

TEST(long_trace_keeps_report_headers)
{
    /* 4,000 Received fields (over the header budget) above the report's own */
    CHECK(use_config("") == 0);
    session *s = session_new();
    ncalls = 0;
    calls[0] = '\0';
    session_envfrom(s, &ops, "<>");
    session_envrcpt(s, "<sender@sender.test>");
    char rcv[128];
    for (int i = 0; i < 4000; i++) {
        snprintf(rcv, sizeof rcv,
                 "from relay%d.example.org (relay%d.example.org [192.0.2.1]) by mx", i, i);
        session_header(s, "Received", rcv);
    }
    for (size_t i = 0; i < sizeof dsn_headers / sizeof *dsn_headers; i++)
        session_header(s, dsn_headers[i][0], dsn_headers[i][1]);
    CHECK(session_eoh(s) == SV_CONTINUE);
    const char *body = dsn_body(1, "plain.test");
    if (session_body(s, body, strlen(body)) == SV_CONTINUE)
        session_body(s, "", 0);
    CHECK(session_eom(s, &ops) == SV_ACCEPT);
    CHECK(strstr(calls, "mta=postfix") != NULL); /* read from From and Subject */
    session_free(s);
}

TEST(autoreply_counts_no_failure)
{
    CHECK(use_config("") == 0);
    session *s = session_new();
    ncalls = 0;
    calls[0] = '\0';
    session_envfrom(s, &ops, "<bob@example.com>");
    session_envrcpt(s, "<alice@sender.test>");
    session_header(s, "From", "Bob <bob@example.com>");
    session_header(s, "Subject", "Out of office: hello");
    session_header(s, "Auto-Submitted", "auto-replied");
    CHECK(session_eoh(s) == SV_CONTINUE);
    const char *body = "I am away until Monday.\r\n";
    if (session_body(s, body, strlen(body)) == SV_CONTINUE)
        session_body(s, "", 0);
    CHECK(session_eom(s, &ops) == SV_ACCEPT);
    CHECK(strstr(calls, "add X-Bounce-Class: vacation; severity=none;") != NULL);
    /* an auto-reply is reported, but it is no failed delivery */
    CHECK(strstr(calls, "add X-Bounce-Summary: worst=none; failed=0; delayed=0;") != NULL);
    session_free(s);
}

TEST(class_header_cap_and_prefix)
{
    CHECK(use_config("max_class_headers = 2;\nheader_prefix = \"X-BM-\";\n") == 0);
    session *s = session_new();
    run(s, "<>", "<sender@sender.test>", "X-Bounce-Class", "not ours any more",
        dsn_body(5, "p.test"));
    int n = 0;
    for (const char *p = calls; (p = strstr(p, "add X-BM-Class:")) != NULL; p++)
        n++;
    CHECK(n == 2);
    CHECK(strstr(calls, "add X-BM-Summary: worst=hard; failed=5;") != NULL);
    CHECK(strstr(calls, "del ") == NULL); /* X-Bounce-* is not this prefix */
    session_free(s);
}

TEST(inspection_markers)
{
    CHECK(use_config("inspect = { null_sender = false; recipients = [ \"^dsn@bm\\\\.test$\" ]; };\n"
                     "verp = [ \"b+%l=%d@bm.test\" ];\n") == 0);
    session *s = session_new();
    /* null sender no longer enough, but the report type is */
    CHECK(run(s, "<>", "<x@example.com>", NULL, NULL, NULL) == SV_ACCEPT);
    CHECK(run(s, "<a@b.test>", "<x@example.com>", NULL, NULL, dsn_body(1, "p.test")) == SV_ACCEPT);
    CHECK(strstr(calls, "add X-Bounce-Class") != NULL);
    /* recipient pattern */
    session_envfrom(s, &ops, "<a@b.test>");
    session_envrcpt(s, "<DSN@bm.test>");
    CHECK(session_eoh(s) == SV_CONTINUE);
    session_abort(s);
    /* VERP recipient: inspected, decoded address reported */
    CHECK(run(s, "<a@b.test>", "<b+carol=example.org@bm.test>", NULL, NULL,
              dsn_body(1, "p.test")) == SV_ACCEPT);
    CHECK(strstr(calls, "verp=<carol@example.org>") != NULL);
    /* a null-sender bounce that names nobody: the VERP address is its recipient */
    ncalls = 0;
    calls[0] = '\0';
    session_envfrom(s, &ops, "<>");
    session_envrcpt(s, "<b+dave=example.net@bm.test>");
    session_header(s, "Subject", "Delivery failure");
    CHECK(session_eoh(s) == SV_CONTINUE);
    session_body(s, "Your message could not be delivered.\r\n", 38);
    CHECK(session_eom(s, &ops) == SV_ACCEPT);
    CHECK(strstr(calls, "add X-Bounce-Class: onhold; severity=soft; advice=retry; code=900;") !=
          NULL);
    CHECK(strstr(calls, "recipient=<dave@example.net>; rule=verp") != NULL);
    /* ... but a read receipt to a VERP address is no bounce */
    ncalls = 0;
    calls[0] = '\0';
    session_envfrom(s, &ops, "<>");
    session_envrcpt(s, "<b+dave=example.net@bm.test>");
    session_header(s, "Content-Type",
                   "multipart/report; report-type=disposition-notification; boundary=x");
    session_eoh(s);
    const char *rr = "--x\r\n\r\nread\r\n--x--\r\n";
    session_body(s, rr, strlen(rr));
    CHECK(session_eom(s, &ops) == SV_ACCEPT);
    CHECK(ncalls == 0);
    session_free(s);
}

TEST(actions_and_own_bounces)
{
    CHECK(use_config(
              "internal = { daemon_names = [ \"bounce-internal\" ]; };\n"
              "actions = (\n"
              " { match = { domain = \"q.test\"; }; action = \"quarantine\"; reason = \"r q\"; },\n"
              " { match = { domain = \"s.test\"; }; action = \"subject\"; },\n"
              " { match = { domain = \"d.test\"; }; action = \"redirect\"; address = "
              "\"pm@x.test\"; },\n"
              " { match = { domain = \"x.test\"; }; action = \"strip\"; },\n"
              " { match = { domain = \"r.test\"; }; action = \"reject\"; reply = \"550 5.7.1 no\"; "
              "}\n"
              ");\n") == 0);
    session *s = session_new();
    CHECK(run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "q.test")) == SV_ACCEPT);
    CHECK(strstr(calls, "add X-Bounce-Quarantine: r q\nquarantine r q\n") != NULL);
    run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "s.test"));
    CHECK(strstr(calls, "chg Subject: [Bounce] Undelivered Mail Returned to Sender [1]") != NULL);
    run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "d.test"));
    CHECK(strstr(calls, "delrcpt <a@sender.test>\naddrcpt <pm@x.test>\n") != NULL);
    run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "x.test"));
    CHECK(strstr(calls, "body ") != NULL);
    CHECK(run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "r.test")) == SV_REJECT);
    CHECK_STR(calls, "reply 550 no\n");
    /* Postfix's own bounce: no reject, no strip, no redirect; quarantine stays */
    daemon_name = "bounce-internal";
    CHECK(run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "r.test")) == SV_ACCEPT);
    CHECK(strstr(calls, "reply 550") == NULL && strstr(calls, "add X-Bounce-Class") != NULL);
    run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "x.test"));
    CHECK(strstr(calls, "body ") == NULL);
    run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "d.test"));
    CHECK(strstr(calls, "delrcpt") == NULL);
    run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "q.test"));
    CHECK(strstr(calls, "quarantine r q") != NULL);
    daemon_name = NULL;
    /* an MTA that did not grant QUARANTINE: headers only */
    session_set_granted(s, SMFIF_ADDHDRS | SMFIF_CHGHDRS);
    CHECK(run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "q.test")) == SV_ACCEPT);
    CHECK(strstr(calls, "quarantine") == NULL && strstr(calls, "add X-Bounce-Class") != NULL);
    session_free(s);
}

TEST(on_error_policy)
{
    CHECK(use_config("on_error = \"tempfail\";\n") == 0);
    session *s = session_new();
    /* no ADDHDRS granted: the headers cannot be added -> on_error */
    session_set_granted(s, SMFIF_CHGHDRS);
    CHECK(run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "p.test")) == SV_TEMPFAIL);
    CHECK(ncalls == 0);
    daemon_name = "bounce-internal";
    CHECK(use_config(
              "on_error = \"tempfail\";\ninternal = { daemon_names = \"bounce-internal\"; };\n") ==
          0);
    CHECK(run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "p.test")) == SV_ACCEPT);
    daemon_name = NULL;
    CHECK(use_config("on_error = \"accept\";\n") == 0);
    CHECK(run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "p.test")) == SV_ACCEPT);
    CHECK(ncalls == 0);
    session_free(s);
}

TEST(error_leaves_message_unmodified)
{
    CHECK(use_config("on_error = \"tempfail\";\n") == 0);
    session *s = session_new();
    /* forged headers could go, but ours cannot be added: nothing may change,
     * not even the removal of the forged ones */
    session_set_granted(s, SMFIF_CHGHDRS);
    CHECK(run(s, "<>", "<a@sender.test>", "X-Bounce-Class", "forged", dsn_body(1, "p.test")) ==
          SV_TEMPFAIL);
    CHECK_STR(calls, "");
    /* the other way round: headers could be added, forged ones not removed */
    session_set_granted(s, SMFIF_ADDHDRS);
    CHECK(run(s, "<>", "<a@sender.test>", "X-Bounce-Class", "forged", dsn_body(1, "p.test")) ==
          SV_TEMPFAIL);
    CHECK_STR(calls, "");
    session_free(s);
}

TEST(redirect_needs_the_recipients)
{
    CHECK(use_config("actions = ( { action = \"redirect\"; address = \"pm@x.test\"; } );\n") == 0);
    session *s = session_new();
    ncalls = 0;
    calls[0] = '\0';
    /* no RCPT step (negotiated away on this connection) */
    session_envfrom(s, &ops, "<>");
    for (size_t i = 0; i < sizeof dsn_headers / sizeof *dsn_headers; i++)
        session_header(s, dsn_headers[i][0], dsn_headers[i][1]);
    CHECK(session_eoh(s) == SV_CONTINUE);
    const char *b = dsn_body(1, "p.test");
    session_body(s, b, strlen(b));
    CHECK(session_eom(s, &ops) == SV_ACCEPT);
    CHECK(strstr(calls, "add X-Bounce-Class") != NULL);
    CHECK(strstr(calls, "addrcpt") == NULL); /* a copy would go out, not a redirect */
    CHECK_STR(session_last_action(s), "headers");
    session_free(s);
}

/* One bounce with the given Subject value under the subject action. */
static void run_subject(session *s, const char *subject)
{
    ncalls = 0;
    calls[0] = '\0';
    session_envfrom(s, &ops, "<>");
    session_envrcpt(s, "<a@sender.test>");
    for (size_t i = 0; i < sizeof dsn_headers / sizeof *dsn_headers; i++)
        if (strcmp(dsn_headers[i][0], "Subject") != 0)
            session_header(s, dsn_headers[i][0], dsn_headers[i][1]);
    session_header(s, "Subject", subject);
    session_eoh(s);
    const char *b = dsn_body(1, "p.test");
    session_body(s, b, strlen(b));
    session_eom(s, &ops);
}

TEST(subject_never_cut)
{
    CHECK(use_config("actions = ( { action = \"subject\"; } );\n") == 0);
    session *s = session_new();
    static char subj[70000], want[70100];
    /* a long subject keeps every byte behind the prefix (folded after it) */
    memset(subj, 'w', 3000);
    strcpy(subj + 3000, " end");
    run_subject(s, subj);
    snprintf(want, sizeof want, "chg Subject: [Bounce]\n %s [1]\n", subj);
    CHECK(strstr(calls, want) != NULL);
    /* over the cap: left alone, and no second Subject either */
    memset(subj, 'w', sizeof subj - 1);
    subj[sizeof subj - 1] = '\0';
    run_subject(s, subj);
    CHECK(strstr(calls, "Subject") == NULL);
    CHECK(strstr(calls, "add X-Bounce-Class") != NULL);
    CHECK_STR(session_last_action(s), "headers");
    session_free(s);
}

TEST(body_cap_and_reuse)
{
    CHECK(use_config("max_body = 1024;\nactions = ( { action = \"strip\"; } );\n") == 0);
    session *s = session_new();
    /* 30 recipients: the body is far over 1024 bytes and gets cut */
    run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(30, "p.test"));
    CHECK(strstr(calls, "add X-Bounce-Summary") != NULL);
    CHECK(strstr(calls, "body ") == NULL); /* the original was never reached: no strip */
    /* the same session takes the next message cleanly */
    CHECK(run(s, "<alice@sender.test>", "<bob@example.com>", NULL, NULL, NULL) == SV_ACCEPT);
    session_free(s);
}

TEST(reload_keeps_message_config)
{
    CHECK(use_config("header_prefix = \"X-Old-\";\n") == 0);
    session *s = session_new();
    ncalls = 0;
    session_envfrom(s, &ops, "<>");
    session_envrcpt(s, "<a@sender.test>");
    for (size_t i = 0; i < sizeof dsn_headers / sizeof *dsn_headers; i++)
        session_header(s, dsn_headers[i][0], dsn_headers[i][1]);
    session_eoh(s);
    const char *b = dsn_body(1, "p.test");
    session_body(s, b, strlen(b));
    /* a reload in the middle of the message */
    CHECK(use_config("header_prefix = \"X-New-\";\n") == 0);
    session_eom(s, &ops);
    CHECK(strstr(calls, "add X-Old-Class") != NULL);
    run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "p.test"));
    CHECK(strstr(calls, "add X-New-Class") != NULL);
    session_free(s);
    runtime_install(NULL);
}

/* Rules a reload replaced are freed once no message uses them, even while
 * a connection whose last bounce used them stays open. */
TEST(reload_frees_old_rules_of_open_connection)
{
    CHECK(use_config("") == 0);
    session *s = session_new();
    run(s, "<>", "<a@sender.test>", NULL, NULL, dsn_body(1, "p.test"));
    CHECK(strstr(calls, "add X-Bounce-Class") != NULL);
    CHECK(runtime_live() == 1);
    CHECK(use_config("") == 0);
    /* the connection's next message is plain mail: no classifier needed */
    CHECK(run(s, "<alice@sender.test>", "<bob@example.com>", NULL, NULL, NULL) == SV_ACCEPT);
    CHECK(runtime_live() == 1);
    session_free(s);
    runtime_install(NULL);
    CHECK(runtime_live() == 0);
}

TEST(hostile_input)
{
    CHECK(use_config("actions = ( { action = \"redirect\"; address = \"pm@x.test\"; } );\n") == 0);
    session *s = session_new();
    ncalls = 0;
    calls[0] = '\0';
    session_envfrom(s, &ops, "<>");
    char name[64];
    /* more recipients than remembered: redirect cannot remove them all */
    for (int i = 0; i < 1500; i++) {
        snprintf(name, sizeof name, "<r%d@sender.test>", i);
        session_envrcpt(s, name);
    }
    /* more distinct forged names than tracked, and a 1 MB header value */
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "X-Bounce-F%d", i);
        session_header(s, name, "x");
    }
    static char big[1 << 20];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    session_header(s, "X-Big", big);
    /* forged classifications after the junk names: still removed */
    session_header(s, "x-bounce-class", "forged");
    session_header(s, "X-Bounce-Summary", "worst=none");
    session_header(s, "X-Bounce-Class", "forged too");
    for (size_t i = 0; i < sizeof dsn_headers / sizeof *dsn_headers; i++)
        session_header(s, dsn_headers[i][0], dsn_headers[i][1]);
    CHECK(session_eoh(s) == SV_CONTINUE);
    /* binary junk with NULs, then the report */
    char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 7);
    session_body(s, junk, sizeof junk);
    const char *b = dsn_body(1, "p.test");
    session_body(s, b, strlen(b));
    enum sverdict v = session_eom(s, &ops);
    CHECK(v == SV_ACCEPT);
    /* the headers after the huge one still reached the classifier */
    CHECK(strstr(calls, "add X-Bounce-Class: userunknown") != NULL);
    CHECK(strstr(calls, "delrcpt") == NULL); /* redirect refused: too many recipients */
    int dels = 0;
    for (const char *p = calls; (p = strstr(p, "del X-Bounce-F")) != NULL; p++)
        dels++;
    CHECK(dels == 64);
    CHECK(strstr(calls, "del x-bounce-class 2\ndel x-bounce-class 1\n") != NULL);
    CHECK(strstr(calls, "del X-Bounce-Summary 1\n") != NULL);
    session_free(s);
}

int main(void)
{
    /* the session logs to stderr: keep TAP lines whole */
    setvbuf(stdout, NULL, _IOLBF, 0);
    RUN_TESTS();
}
