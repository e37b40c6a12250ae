/*
 * test_milter_actions.c - action matching (class, severity, advice, detail,
 * domain, kind), first-match order, the own-bounce downgrade, Content-Type
 * parameters and the strip surgery.
 */
#include <stdlib.h>

#include "actions.h"
#include "tap.h"

static bc_recipient rcpt(const char *addr, const char *cls, enum bc_severity sev,
                         const char *advice, const char *detail)
{
    bc_recipient r = {0};
    r.address = addr;
    r.action = "failed";
    r.status = r.reply_code = r.rule = r.smtp_command = r.diagnostic = r.remote_mta = "";
    r.class_name = cls;
    r.severity = sev;
    r.advice = advice;
    r.detail = detail;
    return r;
}

static mc_list list1(const char *a)
{
    mc_list l;
    l.v = malloc(sizeof *l.v);
    l.v[0] = (char *)a;
    l.n = 1;
    return l;
}

static mc_list list2(const char *a, const char *b)
{
    mc_list l;
    l.v = malloc(2 * sizeof *l.v);
    l.v[0] = (char *)a;
    l.v[1] = (char *)b;
    l.n = 2;
    return l;
}

TEST(match_fields)
{
    bc_recipient rs[2] = {rcpt("a@mx.example.com", "mailboxfull", BC_SEV_SOFT, "retry", ""),
                          rcpt("b@other.org", "userunknown", BC_SEV_HARD, "suppress", "x")};
    bounce_view v = {"dsn", rs, 2};
    mc_match m = {0};
    CHECK(actions_match(&m, &v)); /* empty match: every bounce */
    m.class_name = list1("userunknown");
    CHECK(actions_match(&m, &v));
    m.severity = list1("soft");
    /* class and severity must hold for the same recipient */
    CHECK(!actions_match(&m, &v));
    free(m.severity.v);
    m.severity = list2("soft", "HARD");
    CHECK(actions_match(&m, &v));
    m.advice = list1("suppress");
    m.detail = list1("x");
    CHECK(actions_match(&m, &v));
    m.domain = list1("other.org");
    CHECK(actions_match(&m, &v));
    free(m.domain.v);
    m.domain = list1("example.com");
    CHECK(!actions_match(&m, &v));
    free(m.class_name.v);
    free(m.severity.v);
    free(m.advice.v);
    free(m.detail.v);
    free(m.domain.v);
    mc_match d = {0};
    /* ".example.com": the domain and its subdomains; plain: exact only */
    d.domain = list1(".example.com");
    CHECK(actions_match(&d, &v));
    free(d.domain.v);
    d.domain = list1("mx.example.com");
    CHECK(actions_match(&d, &v));
    free(d.domain.v);
    d.domain = list1("ample.com");
    CHECK(!actions_match(&d, &v));
    free(d.domain.v);
    d.domain = list1(".ample.com");
    CHECK(!actions_match(&d, &v));
    free(d.domain.v);
    d.domain.v = NULL;
    d.domain.n = 0;
    d.kind = list1("arf");
    CHECK(!actions_match(&d, &v));
    free(d.kind.v);
    d.kind = list1("DSN");
    CHECK(actions_match(&d, &v));
    free(d.kind.v);
    /* a per-recipient field never matches a bounce that names nobody */
    bounce_view none = {"dsn", NULL, 0};
    mc_match c = {0};
    c.class_name = list1("userunknown");
    CHECK(!actions_match(&c, &none));
    free(c.class_name.v);
}

TEST(first_match_wins)
{
    bc_recipient r = rcpt("a@x.org", "userunknown", BC_SEV_HARD, "suppress", "");
    bounce_view v = {"dsn", &r, 1};
    mc_action acts[3] = {{0}};
    acts[0].type = MC_ACT_REJECT;
    acts[0].match.class_name = list1("spamdetected");
    acts[1].type = MC_ACT_QUARANTINE;
    acts[1].match.severity = list1("hard");
    acts[2].type = MC_ACT_DISCARD;
    mconf c = {0};
    c.actions = acts;
    c.nactions = 3;
    const mc_action *a = actions_select(&c, &v);
    CHECK(a != NULL && a->type == MC_ACT_QUARANTINE);
    c.nactions = 1;
    CHECK(actions_select(&c, &v) == NULL);
    free(acts[0].match.class_name.v);
    free(acts[1].match.severity.v);
}

TEST(own_bounce_downgrade)
{
    CHECK(actions_internal(MC_ACT_REJECT) == MC_ACT_HEADERS);
    CHECK(actions_internal(MC_ACT_DISCARD) == MC_ACT_HEADERS);
    CHECK(actions_internal(MC_ACT_REDIRECT) == MC_ACT_HEADERS);
    CHECK(actions_internal(MC_ACT_STRIP) == MC_ACT_HEADERS);
    CHECK(actions_internal(MC_ACT_QUARANTINE) == MC_ACT_QUARANTINE);
    CHECK(actions_internal(MC_ACT_SUBJECT) == MC_ACT_SUBJECT);
    CHECK(actions_internal(MC_ACT_COPY) == MC_ACT_COPY);
    CHECK(actions_internal(MC_ACT_HEADERS) == MC_ACT_HEADERS);
}

TEST(content_type_params)
{
    char v[64];
    const char *ct = "Multipart/Report; report-type=\"delivery-status\";\n\tboundary=\"a\\\"b; c\"";
    CHECK(ctype_is(ct, "multipart/report"));
    CHECK(!ctype_is(ct, "multipart/rep"));
    CHECK(!ctype_is("multipart/reports", "multipart/report"));
    CHECK(ctype_param(ct, "report-type", v, sizeof v) && strcmp(v, "delivery-status") == 0);
    CHECK(ctype_param(ct, "BOUNDARY", v, sizeof v) && strcmp(v, "a\"b; c") == 0);
    CHECK(ctype_param("multipart/report; report-type = feedback-report ; x=y", "report-type", v,
                      sizeof v) &&
          strcmp(v, "feedback-report") == 0);
    CHECK(!ctype_param("multipart/report; xreport-type=a", "report-type", v, sizeof v));
    CHECK(!ctype_param("text/plain", "boundary", v, sizeof v));
    CHECK(!ctype_param("multipart/mixed; boundary=", "boundary", v, sizeof v));
    /* an overlong value is cut to the buffer, never overrun */
    char small[4];
    CHECK(ctype_param("a/b; boundary=abcdefgh", "boundary", small, sizeof small));
    CHECK_STR(small, "abc");
}

static const char report_body[] = "preamble\r\n"
                                  "--B1\r\n"
                                  "Content-Type: text/plain\r\n"
                                  "\r\n"
                                  "human part\r\n"
                                  "--B1x not a delimiter\r\n"
                                  "\r\n"
                                  "--B1\r\n"
                                  "Content-Type: message/delivery-status\r\n"
                                  "\r\n"
                                  "Final-Recipient: rfc822; a@b\r\n"
                                  "\r\n"
                                  "--B1\r\n"
                                  "Content-Type: Message/RFC822; x=y\r\n"
                                  "\r\n"
                                  "Subject: original\r\n"
                                  "\r\n"
                                  "original body\r\n"
                                  "--B1\r\n"
                                  "Content-Type: text/plain\r\n"
                                  "\r\n"
                                  "trailer part\r\n"
                                  "--B1--\r\n"
                                  "epilogue\r\n";

TEST(strip_removes_the_original)
{
    char *out = NULL;
    size_t n = 0;
    int rc = actions_strip(report_body, strlen(report_body), 0, "B1", &out, &n);
    CHECK(rc == 1);
    if (rc != 1)
        return;
    char *s = strndup(out, n);
    CHECK(strstr(s, "original body") == NULL);
    CHECK(strstr(s, "Subject: original") == NULL);
    CHECK(strstr(s, "preamble\r\n--B1\r\nContent-Type: text/plain") == s);
    CHECK(strstr(s, "--B1x not a delimiter") != NULL);
    CHECK(strstr(s, "Final-Recipient: rfc822; a@b\r\n") != NULL);
    CHECK(strstr(s, "trailer part") != NULL); /* whole body: later parts kept */
    size_t sl = strlen(s);
    CHECK(sl > 8 && strcmp(s + sl - 8, "--B1--\r\n") == 0);
    free(s);
    free(out);
}

TEST(strip_truncated_body)
{
    char *out = NULL;
    size_t n = 0;
    /* cut inside the original: parts before it kept, nothing after */
    size_t cut = (size_t)(strstr(report_body, "original body") - report_body);
    CHECK(actions_strip(report_body, cut, 1, "B1", &out, &n) == 1);
    char *s = strndup(out, n);
    CHECK(strstr(s, "trailer part") == NULL);
    CHECK(strstr(s, "Final-Recipient") != NULL);
    CHECK(strcmp(s + strlen(s) - 8, "--B1--\r\n") == 0);
    free(s);
    free(out);
    /* cut before the original was seen: nothing can be stripped safely */
    cut = (size_t)(strstr(report_body, "Final-Recipient") - report_body);
    CHECK(actions_strip(report_body, cut, 1, "B1", &out, &n) == 0);
}

TEST(strip_nothing_to_do)
{
    char *out = NULL;
    size_t n = 0;
    const char *no_orig = "--B\nContent-Type: text/plain\n\nx\n--B--\n";
    /* the returned headers alone count as the original too */
    const char *hdrs = "--B\r\nContent-Type: message/delivery-status\r\n\r\nx\r\n"
                       "--B\r\nContent-Type: text/rfc822-headers\r\n\r\nSubject: y\r\n--B--\r\n";
    CHECK(actions_strip(hdrs, strlen(hdrs), 0, "B", &out, &n) == 1);
    CHECK(n == 56 && memcmp(out, hdrs, 49) == 0 && memcmp(out + 49, "--B--\r\n", 7) == 0);
    free(out);
    CHECK(actions_strip(no_orig, strlen(no_orig), 0, "B", &out, &n) == 0);
    CHECK(actions_strip(no_orig, strlen(no_orig), 0, "Q", &out, &n) == 0);
    CHECK(actions_strip(no_orig, strlen(no_orig), 0, "", &out, &n) == 0);
    /* LF-only body: the closing delimiter uses LF too */
    const char *lf = "--B\nContent-Type: text/plain\n\nx\n--B\nContent-Type: message/global\n\n"
                     "y\n--B--\n";
    CHECK(actions_strip(lf, strlen(lf), 0, "B", &out, &n) == 1);
    char *s = strndup(out, n);
    CHECK_STR(s, "--B\nContent-Type: text/plain\n\nx\n--B--\n");
    free(s);
    free(out);
    CHECK(actions_strip("", 0, 0, "B", &out, &n) == 0);
}

TEST(strip_folded_content_type)
{
    char *out = NULL;
    size_t n = 0;
    const char *b = "--B\r\nContent-Type: text/plain\r\n\r\nx\r\n"
                    "--B\r\nContent-Type:\r\n\tmessage/rfc822\r\n\r\nSubject: orig\r\n\r\no\r\n"
                    "--B--\r\n";
    CHECK(actions_strip(b, strlen(b), 0, "B", &out, &n) == 1);
    char *s = strndup(out, n);
    CHECK_STR(s, "--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--\r\n");
    free(s);
    free(out);
}

TEST(strip_nested_boundary_with_our_prefix)
{
    char *out = NULL;
    size_t n = 0;
    /* a nested multipart whose boundary starts with ours: its forwarded
     * message is not the returned original and stays */
    const char *b = "--B\r\nContent-Type: multipart/mixed; boundary=\"B-in\"\r\n\r\n"
                    "--B-in\r\nContent-Type: message/rfc822\r\n\r\nSubject: fwd\r\n\r\nf\r\n"
                    "--B-in--\r\n"
                    "--B\r\nContent-Type: message/rfc822\r\n\r\nSubject: orig\r\n\r\no\r\n"
                    "--B--\r\n";
    CHECK(actions_strip(b, strlen(b), 0, "B", &out, &n) == 1);
    char *s = strndup(out, n);
    CHECK(s != NULL && strstr(s, "Subject: fwd") != NULL && strstr(s, "--B-in--") != NULL);
    CHECK(s != NULL && strstr(s, "Subject: orig") == NULL);
    free(s);
    free(out);
}

int main(void)
{
    RUN_TESTS();
}
