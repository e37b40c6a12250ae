/*
 * test_report.c - report_extract() on small hand-written messages: RFC 3464
 * DSNs, ARF, auto-replies, the kinds of mail that are not reports, dates,
 * Message-IDs and hostile structure.  Formats are loaded (the shipped
 * conf/formats.conf) only where report.c's own fallbacks depend on a
 * recognised layout; transcripts have their own tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "regex.h"
#include "report.h"
#include "tap.h"

static rpt_report extract(arena *a, const char *msg)
{
    rpt_report r;
    memset(&r, 0, sizeof r);
    CHECK(report_extract(msg, strlen(msg), NULL, NULL, a, &r) == 0);
    return r;
}

static const char postfix_dsn[] =
    "Return-Path: <>\r\n"
    "Date: Mon, 23 Nov 2026 19:00:00 +0900 (JST)\r\n"
    "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
    "Subject: =?UTF-8?Q?Undelivered_Mail?= Returned to Sender\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    "\tboundary=\"B1\"\r\n"
    "\r\n"
    "--B1\r\n"
    "Content-Description: Notification\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "I'm sorry to have to inform you that your message could not\r\n"
    "be delivered to one or more recipients.\r\n"
    "\r\n"
    "--B1\r\n"
    "Content-Description: Delivery report\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; mx.example.org\r\n"
    "X-Postfix-Queue-ID: 4F2A1\r\n"
    "\r\n"
    "Final-Recipient: rfc822; kijitora@Example.JP\r\n"
    "Action: failed\r\n"
    "Status: 5.0.0\r\n"
    "Remote-MTA: dns; mx.example.jp\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <kijitora@example.jp>... User Unknown\r\n"
    "\r\n"
    "Final-Recipient: rfc822; neko@example.com\r\n"
    "Action: delayed\r\n"
    "Status: 4.4.1\r\n"
    "\r\n"
    "--B1\r\n"
    "Content-Description: Undelivered Message\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Message-ID: <original@example.org>\r\n"
    "From: sender@example.org\r\n"
    "To: kijitora@example.jp\r\n"
    "Subject: hello\r\n"
    "\r\n"
    "Final-Recipient: rfc822; never-scanned@example.net\r\n"
    "--B1--\r\n";

TEST(rfc3464_dsn)
{
    arena *a = arena_new();
    rpt_report r = extract(a, postfix_dsn);
    CHECK(r.kind == RPT_DSN);
    CHECK_STR(r.kind_name, "dsn");
    CHECK_STR(r.mta, "postfix");
    CHECK_STR(r.reporting_mta, "mx.example.org");
    CHECK_STR(r.message_id, "<original@example.org>");
    CHECK_STR(r.date, "2026-11-23T19:00:00+09:00");
    CHECK_STR(r.subject, "Undelivered Mail Returned to Sender");
    CHECK(strstr(r.body_text, "could not\nbe delivered") != NULL);
    CHECK(r.nrecipients == 2);
    CHECK_STR(r.recipients[0].address, "kijitora@example.jp");
    CHECK_STR(r.recipients[0].status, "5.1.1");
    CHECK_STR(r.recipients[0].reply_code, "550");
    CHECK_STR(r.recipients[0].remote_mta, "mx.example.jp");
    CHECK_STR(r.recipients[1].address, "neko@example.com");
    CHECK_STR(r.recipients[1].action, "delayed");
    CHECK_STR(r.recipients[1].diagnostic, "");
    arena_free(a);
}

TEST(lone_cr_and_lf_line_endings)
{
    arena *a = arena_new();
    size_t n = strlen(postfix_dsn);
    char *lf = malloc(n + 1), *cr = malloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (postfix_dsn[i] != '\r')
            lf[o++] = postfix_dsn[i];
    lf[o] = '\0';
    for (size_t i = 0; i <= o; i++)
        cr[i] = lf[i] == '\n' ? '\r' : lf[i];
    rpt_report r1 = extract(a, lf), r2 = extract(a, cr);
    CHECK(r1.kind == RPT_DSN && r1.nrecipients == 2);
    CHECK(r2.kind == RPT_DSN && r2.nrecipients == 2);
    CHECK_STR(r2.recipients[0].status, "5.1.1");
    CHECK_STR(r2.message_id, "<original@example.org>");
    free(lf);
    free(cr);
    arena_free(a);
}

TEST(encoded_parts)
{
    arena *a = arena_new();
    /* base64 delivery-status, GB2312 quoted-printable text, text/rfc822-headers */
    rpt_report r = extract(a, "From: postmaster@example.cn\n"
                              "Content-Type: multipart/report; boundary=x\n"
                              "\n"
                              "--x\n"
                              "Content-Type: text/plain; charset=gb2312\n"
                              "Content-Transfer-Encoding: quoted-printable\n"
                              "\n"
                              "=D3=C3=BB=A7=B2=BB=B4=E6=D4=DA\n"
                              "--x\n"
                              "Content-Type: message/delivery-status\n"
                              "Content-Transfer-Encoding: base64\n"
                              "\n"
                              "RmluYWwtUmVjaXBpZW50OiByZmM4MjI7IGFAYi5jbgpBY3Rpb246IGZhaWxlZApTdGF0"
                              "dXM6IDUuMS4xCg==\n"
                              "--x\n"
                              "Content-Type: text/rfc822-headers\n"
                              "\n"
                              "Subject: hi\n"
                              "Message-Id:\n <folded@example.cn>\n"
                              "--x--\n");
    CHECK(r.kind == RPT_DSN && r.nrecipients == 1);
    CHECK_STR(r.recipients[0].address, "a@b.cn");
    CHECK_STR(r.recipients[0].status, "5.1.1");
    CHECK_STR(r.body_text, "\xe7\x94\xa8\xe6\x88\xb7\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8");
    CHECK_STR(r.message_id, "<folded@example.cn>");
    CHECK_STR(r.date, "");
    arena_free(a);
}

TEST(session_transcript_completes_a_weak_dsn)
{
    arena *a = arena_new();
    rpt_report r = extract(a, "Content-Type: multipart/report; report-type=delivery-status; "
                              "boundary=s\n\n--s\n\n"
                              "   ----- Transcript of session follows -----\n"
                              "<<< 550 5.1.1 first try\n"
                              "554 5.3.0 unknown mailer error 255\n"
                              "--s\nContent-Type: message/delivery-status\n\n"
                              "Final-Recipient: RFC822; u@example.jp\nAction: failed\n"
                              "Status: 5.0.0\nDiagnostic-Code: X-Unix; 255\n--s--\n");
    CHECK(r.kind == RPT_DSN && r.nrecipients == 1);
    CHECK_STR(r.recipients[0].status, "5.3.0");
    CHECK_STR(r.recipients[0].reply_code, "554");
    CHECK_STR(r.recipients[0].diagnostic, "554 5.3.0 unknown mailer error 255");
    arena_free(a);
}

static bc_formats *shipped_formats(void);

/* The wording that names them is the shipped formats.conf's. */
TEST(command_and_host_from_the_text)
{
    bc_formats *f = shipped_formats();
    rx_scratch *s = rx_scratch_new();
    arena *a = arena_new();
    const char *msg = "Content-Type: multipart/report; report-type=delivery-status; "
                      "boundary=s\n\n--s\n\nThe mail system\n\n"
                      "<A@example.net>: host mx.example.net[192.0.2.7] said: 550\n"
                      "    Unknown user (in reply to end of DATA command)\n\n"
                      "<b@example.net>: connect to mx.example.net[192.0.2.7]:25: "
                      "Connection refused\n"
                      "--s\nContent-Type: message/delivery-status\n\n"
                      "Final-Recipient: rfc822; a@example.net\nAction: failed\n"
                      "Status: 5.0.0\nDiagnostic-Code: smtp; 550 Unknown user\n\n"
                      "Final-Recipient: rfc822; b@example.net\nAction: delayed\n"
                      "Status: 4.4.1\nDiagnostic-Code: X-Postfix; connection refused\n"
                      "--s--\n";
    rpt_report r;
    memset(&r, 0, sizeof r);
    CHECK(report_extract(msg, strlen(msg), f, s, a, &r) == 0);
    CHECK(r.kind == RPT_DSN && r.nrecipients == 2);
    if (r.nrecipients == 2) {
        CHECK_STR(r.recipients[0].smtp_command, "DATA");
        CHECK_STR(r.recipients[0].remote_mta, "mx.example.net");
        CHECK_STR(r.recipients[1].smtp_command, "CONN");
        CHECK_STR(r.recipients[1].remote_mta, "");
    }
    arena_free(a);
    rx_scratch_free(s);
    formats_free(f);
}

TEST(delivery_status_labelled_as_text)
{
    arena *a = arena_new();
    rpt_report r = extract(a, "Content-Type: multipart/report; report-type=delivery-status; "
                              "boundary=t\n\n--t\nContent-Type: text/plain\n\nIt failed.\n"
                              "--t\nContent-Type: text/plain\n\nReporting-MTA: dns; m.example\n\n"
                              "Final-Recipient: rfc822; gone@example.org\nAction: failed\n"
                              "Status: 5.1.1\n--t--\n");
    CHECK(r.kind == RPT_DSN && r.nrecipients == 1);
    CHECK_STR(r.body_text, "It failed.");
    arena_free(a);
}

TEST(success_dsn_and_global)
{
    arena *a = arena_new();
    rpt_report r =
        extract(a, "Content-Type: multipart/report; report-type=delivery-status; "
                   "boundary=q\n\n--q\nContent-Type: message/global-delivery-status\n\n"
                   "Reporting-MTA: dns; a.example\n\nFinal-Recipient: rfc822; ok@a.example\n"
                   "Action: delivered\nStatus: 2.0.0\n--q--\n");
    CHECK(r.kind == RPT_DSN && r.nrecipients == 1);
    CHECK_STR(r.recipients[0].action, "delivered");
    CHECK_STR(r.recipients[0].status, "2.0.0");
    arena_free(a);
}

TEST(arf)
{
    arena *a = arena_new();
    const char *fmt1 = "From: abuse@isp.example\n"
                       "Date: 5 Jan 26 08:30 GMT\n"
                       "Content-Type: multipart/report; report-type=feedback-report; boundary=f\n"
                       "\n--f\nContent-Type: text/plain\n\nThis is an abuse report\n"
                       "--f\nContent-Type: message/feedback-report\n\n"
                       "Feedback-Type: Abuse\nUser-Agent: x/1\nVersion: 1\n"
                       "Original-Rcpt-To: <one@Example.com>\nOriginal-Rcpt-To: two@example.com\n"
                       "--f\nContent-Type: message/rfc822\n\nMessage-ID: <spam@s.example>\n"
                       "To: other@example.com\n\nbody\n--f--\n";
    rpt_report r = extract(a, fmt1);
    CHECK(r.kind == RPT_ARF);
    CHECK_STR(r.kind_name, "arf");
    CHECK_STR(r.feedback_type, "abuse");
    CHECK_STR(r.message_id, "<spam@s.example>");
    CHECK_STR(r.date, "2026-01-05T08:30:00+00:00");
    CHECK(r.nrecipients == 2);
    CHECK_STR(r.recipients[0].address, "one@example.com");
    CHECK_STR(r.recipients[1].address, "two@example.com");
    /* no Original-Rcpt-To: the To of the returned headers */
    r = extract(a, "Content-Type: multipart/report; report-type=feedback-report; boundary=f\n"
                   "\n--f\nContent-Type: message/feedback-report\n\nFeedback-Type: fraud\n"
                   "--f\nContent-Type: text/rfc822-headers\n\n"
                   "To: \"Neko, Nyaan\" <nyaan@Example.ORG>, b@example.org\n--f--\n");
    CHECK(r.kind == RPT_ARF && r.nrecipients == 2);
    CHECK_STR(r.recipients[0].address, "nyaan@example.org");
    CHECK_STR(r.recipients[1].address, "b@example.org");
    arena_free(a);
}

static rpt_report extract_with(const bc_formats *f, rx_scratch *s, arena *a, const char *msg)
{
    rpt_report r;
    arena_reset(a);
    CHECK(report_extract(msg, strlen(msg), f, s, a, &r) == 0);
    return r;
}

TEST(complaints_without_arf_part)
{
    arena *a = arena_new();
    /* the headers come from formats.conf's complaints table */
    bc_formats *f = shipped_formats();
    rx_scratch *s = rx_scratch_new();
    rpt_report r = extract_with(f, s, a,
                                "From: staff@mail.example\nSubject: complaint about message\n"
                                "Content-Type: multipart/mixed; boundary=j\n\n--j\n"
                                "Content-Type: message/rfc822\n\n"
                                "X-HmXmrOriginalRecipient: Victim@Example.com\n"
                                "Message-ID: <m@s.example>\n\nbuy\n--j--\n");
    CHECK(r.kind == RPT_ARF && r.nrecipients == 1);
    CHECK_STR(r.feedback_type, "abuse");
    CHECK(r.nrecipients == 1 && strcmp(r.recipients[0].address, "Victim@example.com") == 0);
    r = extract_with(f, s, a,
                     "From: someone@icloud.example\nSubject: unsubscribe\n"
                     "Auto-Submitted: auto-replied\nX-Apple-Unsubscribe: true\n\nbye\n");
    CHECK(r.kind == RPT_ARF && r.nrecipients == 1);
    CHECK_STR(r.feedback_type, "opt-out");
    /* the header must say true */
    r = extract_with(f, s, a,
                     "From: someone@icloud.example\nSubject: hi\n"
                     "X-Apple-Unsubscribe: false\n\nbye\n");
    CHECK(r.kind == RPT_NONE);
    /* without the table, neither is a complaint */
    r = extract(a, "From: someone@icloud.example\nSubject: unsubscribe\n"
                   "Auto-Submitted: auto-replied\nX-Apple-Unsubscribe: true\n\nbye\n");
    CHECK(r.kind != RPT_ARF && *r.feedback_type == '\0');
    rx_scratch_free(s);
    formats_free(f);
    arena_free(a);
}

TEST(autoreplies)
{
    arena *a = arena_new();
    rpt_report r = extract(a, "From: \"Kijitora\" <Kijitora@Example.NET>\n"
                              "Auto-Submitted: auto-replied\nSubject: Away until May 5\n\n"
                              "I am away.\n");
    CHECK(r.kind == RPT_AUTOREPLY);
    CHECK_STR(r.kind_name, "autoreply");
    CHECK(r.nrecipients == 1 && strcmp(r.recipients[0].address, "Kijitora@example.net") == 0);
    /* the subjects come from formats.conf's autoreply table */
    static const char by_subject[] =
        "Return-Path: <>\nFrom: a@example.org\nSubject: Automatic reply: hello\n\nAway.\n";
    static const char by_subject_cjk[] = "From: a@example.org\nX-Auto-Response-Suppress: All\n"
                                         "Subject: =?UTF-8?B?6Ieq5Yqo5Zue5aSNOiBoaQ==?=\n\nx\n";
    r = extract(a, by_subject);
    CHECK(r.kind == RPT_NONE);
    bc_formats *f = shipped_formats();
    rx_scratch *s = rx_scratch_new();
    CHECK(report_extract(by_subject, strlen(by_subject), f, s, a, &r) == 0);
    CHECK(r.kind == RPT_AUTOREPLY && r.nrecipients == 1);
    CHECK(report_extract(by_subject_cjk, strlen(by_subject_cjk), f, s, a, &r) == 0);
    CHECK(r.kind == RPT_AUTOREPLY);
    rx_scratch_free(s);
    formats_free(f);
    /* a person writing about being away is not an auto-reply */
    r = extract(a, "From: a@example.org\nSubject: Out of office on Friday\n\nSee you.\n");
    CHECK(r.kind == RPT_NONE && r.nrecipients == 0);
    r = extract(a, "Return-Path: <>\nFrom: a@example.org\nSubject: Re: Automatic reply: x\n\n.\n");
    CHECK(r.kind == RPT_NONE);
    /* Exim marks its bounces auto-replied: a bounce sender is not an auto-reply
     * when its text names recipients; with no formats loaded nothing is found
     * and the header alone decides */
    r = extract(a, "From: Mail Delivery System <Mailer-Daemon@x.example>\n"
                   "Auto-Submitted: auto-generated\nSubject: Mail delivery failed\n\ntext\n");
    CHECK(r.kind == RPT_NONE && r.nrecipients == 0);
    arena_free(a);
}

TEST(not_reports)
{
    arena *a = arena_new();
    const char *msgs[] = {
        "From: a@b.example\nSubject: lunch?\n\nSee you at noon.\n",
        "Content-Type: multipart/report; report-type=disposition-notification; boundary=m\n\n"
        "--m\n\nread\n--m\nContent-Type: message/disposition-notification\n\n"
        "Final-Recipient: rfc822; reader@example.com\nDisposition: manual-action/MDN-sent-manually;"
        " displayed\n--m--\n",
        "Content-Type: multipart/report; report-type=tlsrpt; boundary=t\n\n--t\n\ntls\n--t\n"
        "Content-Type: application/tlsrpt+gzip\n\nxx\n--t--\n",
        "Subject: Report Domain: example.com Submitter: google.com Report-ID: <1>\n"
        "Content-Type: application/zip\n\nUEsDBA==\n",
        "Content-Type: multipart/signed; boundary=s\n\n--s\n\nFinal-Recipient: rfc822; x@y\n"
        "--s--\n",
        "Content-Type: multipart/alternative; boundary=c\n\n--c\n\nFinal-Recipient: rfc822; "
        "x@y\nAction: failed\n--c\nContent-Type: text/calendar\n\nBEGIN:VCALENDAR\n--c--\n",
        "",
        "garbage without headers \x01\x02\xff",
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        rpt_report r = extract(a, msgs[i]);
        CHECK(r.kind == RPT_NONE && r.nrecipients == 0 && r.kind_name != NULL);
    }
    arena_free(a);
}

TEST(dsn_fields_in_plain_text)
{
    arena *a = arena_new();
    rpt_report r = extract(a, "From: MAILER-DAEMON\nSubject: failure notice\n\n"
                              "The following address failed:\n\n"
                              "Final-Recipient: RFC822; gone@example.net\nAction: failed\n"
                              "Status: 5.1.1\n\n"
                              "--- original message follows\nMessage-ID: <inline@example.org>\n");
    CHECK(r.kind == RPT_DSN && r.nrecipients == 1);
    CHECK_STR(r.recipients[0].address, "gone@example.net");
    CHECK_STR(r.message_id, "<inline@example.org>");
    CHECK_STR(r.recipients[0].diagnostic, "");
    /* a session transcript above the fields: its last reply is the detail */
    arena_reset(a);
    r = extract(a, "From: MAILER-DAEMON\nSubject: Returned mail\n\n"
                   "   ----- Transcript of session follows -----\n"
                   "554 \"|exec /usr/bin/procmail\"... Service unavailable\n\n"
                   "Reporting-MTA: dns; mx.example.net\n\n"
                   "Final-Recipient: RFC822; u@example.net\nAction: failed\nStatus: 5.5.0\n\n"
                   "From: s@example.org\nSubject: 550 5.1.1 in the original\n");
    CHECK(r.kind == RPT_DSN && r.nrecipients == 1);
    CHECK_STR(r.recipients[0].reply_code, "554");
    CHECK_STR(r.recipients[0].status, "5.5.0");
    CHECK(strstr(r.recipients[0].diagnostic, "Service unavailable") != NULL);
    arena_free(a);
}

TEST(dates)
{
    arena *a = arena_new();
    const char *in[] = {"Date: Tue, 1 Dec 2026 23:59:59 -0800\n\n",  "Date: 2 Jan 99 1:02 EST\n\n",
                        "Date: Sun, 32 Jan 2026 10:00:00 +0000\n\n", "Date: yesterday\n\n",
                        "Date: Wed, 25 Nov 2026 10:00:00 UT\n\n",    "Date: 29-04-2017 23:34\n\n"};
    const char *want[] = {"2026-12-01T23:59:59-08:00", "1999-01-02T01:02:00-05:00", "", "",
                          "2026-11-25T10:00:00+00:00", "2017-04-29T23:34:00+00:00"};
    for (size_t i = 0; i < 6; i++)
        CHECK_STR(extract(a, in[i]).date, want[i]);
    arena_free(a);
}

TEST(html_only_bounce_text)
{
    arena *a = arena_new();
    rpt_report r = extract(a, "Content-Type: multipart/alternative; boundary=h\n\n--h\n"
                              "Content-Type: text/html; charset=utf-8\n\n"
                              "<html><style>p{x:1}</style><p>Delivery&nbsp;failed<br>to "
                              "&lt;a@b&gt;&#33;</p></html>\n--h--\n");
    CHECK(strstr(r.body_text, "Delivery failed\nto <a@b>!") != NULL);
    CHECK(strstr(r.body_text, "x:1") == NULL);
    arena_free(a);
}

TEST(reply_of_another_class_than_the_status_is_dropped)
{
    arena *a = arena_new();
    rpt_report r = extract(a, "Content-Type: multipart/report; report-type=delivery-status; "
                              "boundary=w\n\n--w\n\nDelayed.\n"
                              "--w\nContent-Type: message/delivery-status\n\n"
                              "Final-Recipient: rfc822; a@example.net\nAction: failed\n"
                              "Status: 4.4.7\nDiagnostic-Code: smtp;550 4.4.7 QUEUE.Expired\n\n"
                              "Final-Recipient: rfc822; b@example.net\nAction: failed\n"
                              "Status: 5.1.1\nDiagnostic-Code: smtp;550 5.1.1 unknown\n--w--\n");
    CHECK(r.nrecipients == 2);
    if (r.nrecipients == 2) {
        CHECK_STR(r.recipients[0].status, "4.4.7");
        CHECK_STR(r.recipients[0].reply_code, "");
        CHECK_STR(r.recipients[1].reply_code, "550");
    }
    arena_free(a);
}

TEST(dsn_without_recipients_takes_the_originals_to)
{
    arena *a = arena_new();
    rpt_report r = extract(a, "Content-Type: multipart/report; report-type=delivery-status; "
                              "boundary=u\n\n--u\n\n--- Delivery report unavailable ---\n"
                              "--u\nContent-Type: message/delivery-status\n\n"
                              "Reporting-MTA: dns; mx.example.org\nX-Postfix-Queue-ID: 1A\n\n"
                              "--u\nContent-Type: message/rfc822\n\n"
                              "From: s@example.org\nTo: Neko <Neko@Example.NET>, b@example.com\n"
                              "Subject: hi\n\nTo: body-only@example.com\n--u--\n");
    CHECK(r.kind == RPT_DSN && r.nrecipients == 2);
    if (r.nrecipients == 2) {
        CHECK_STR(r.recipients[0].address, "Neko@example.net");
        CHECK_STR(r.recipients[1].address, "b@example.com");
    }
    CHECK_STR(r.mta, "postfix");
    /* no delivery-status part: an attached message alone is no bounce */
    arena_reset(a);
    r = extract(a, "Content-Type: multipart/mixed; boundary=v\n\n--v\n\nSee attached.\n"
                   "--v\nContent-Type: message/rfc822\n\nFrom: s@example.org\n"
                   "To: friend@example.net\nSubject: fwd\n\nhello\n--v--\n");
    CHECK(r.kind == RPT_NONE && r.nrecipients == 0);
    arena_free(a);
}

static bc_formats *shipped_formats(void)
{
    char err[256];
    const char *paths[] = {"conf/formats.conf"};
    bc_formats *f = formats_load(paths, 1, err, sizeof err);
    if (f == NULL)
        printf("# %s\n", err);
    return f;
}

TEST(transcript_without_recipients_takes_the_inline_originals_to)
{
    bc_formats *f = shipped_formats();
    rx_scratch *s = rx_scratch_new();
    arena *a = arena_new();
    CHECK(f != NULL && s != NULL);
    static const char sendmail[] = "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\n"
                                   "Subject: Returned mail: Cannot send message for 4 days\n"
                                   "To: sender@example.org\n\n"
                                   "   ----- Transcript of session follows -----\n"
                                   "421 example.com (smtp)... Deferred: Connection timed out\n\n"
                                   "   ----- Unsent message follows -----\n"
                                   "Received: by mx9.example.org; Thu, 29 Apr 1995 23:34:45 +0900\n"
                                   "From: sender@example.org\n"
                                   "To: kijitora@Example.com\n"
                                   "Subject: hello\n\n"
                                   "To: body-only@example.net\n";
    rpt_report r;
    CHECK(report_extract(sendmail, strlen(sendmail), f, s, a, &r) == 0);
    CHECK(r.kind == RPT_TRANSCRIPT && r.nrecipients == 1);
    CHECK_STR(r.mta, "sendmail");
    if (r.nrecipients == 1) {
        CHECK_STR(r.recipients[0].address, "kijitora@example.com");
        CHECK_STR(r.recipients[0].reply_code, "421");
        CHECK(strstr(r.recipients[0].diagnostic, "Connection timed out") != NULL);
    }
    /* a transcript's diagnostic quoting the remote reply: its status */
    static const char quoted[] =
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\n"
        "Subject: Returned mail: see transcript for details\n\n"
        "   ----- The following addresses had permanent fatal errors -----\n"
        "<neko@example.net>... 554 4.4.7 Message expired <421 4.4.2 Connection timed out>\n\n"
        "   ----- Original message follows -----\nTo: neko@example.net\n";
    arena_reset(a);
    CHECK(report_extract(quoted, strlen(quoted), f, s, a, &r) == 0 && r.nrecipients == 1);
    if (r.nrecipients == 1)
        CHECK_STR(r.recipients[0].status, "4.4.2");
    /* the same words from a person, quoting a message: not a bounce */
    static const char person[] = "From: Tora <tora@example.org>\nSubject: about your mail\n\n"
                                 "It never arrived, see below.\n\n"
                                 "-----Original Message-----\nFrom: a@example.org\n"
                                 "To: b@example.net\nSubject: hello\n\nhi\n";
    arena_reset(a);
    CHECK(report_extract(person, strlen(person), f, s, a, &r) == 0);
    CHECK(r.kind == RPT_NONE && r.nrecipients == 0);
    arena_free(a);
    rx_scratch_free(s);
    formats_free(f);
}

/* The addresses a report of the shipped formats names, space-separated. */
static const char *shipped_addresses(const bc_formats *f, rx_scratch *s, arena *a, const char *msg)
{
    rpt_report r;
    if (report_extract(msg, strlen(msg), f, s, a, &r) != 0)
        return "error";
    static char buf[512];
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r.nrecipients && o < sizeof buf; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? " " : "",
                              r.recipients[i].address);
    return buf;
}

TEST(notice_in_no_known_layout_is_read_near_its_failure_wording)
{
    bc_formats *f = shipped_formats();
    rx_scratch *s = rx_scratch_new();
    arena *a = arena_new();
    CHECK(f != NULL && s != NULL);
    /* a gateway's notice (null sender, a sender that names no mail
     * system): the recipient under its heading; not the sender, not the
     * quoted original, not the contact */
    static const char gateway[] =
        "Return-Path: <>\nFrom: Virus Wall <scanner@av.example.com>\n"
        "To: sender@example.org\nSubject: Your mail to bo.chan@example.com\n\n"
        "The scanner at av.example.com stopped a message you sent.\n\n"
        "  Sender:    sender@example.org\n  Recipient: bo.chan@example.com\n"
        "  Result:    554 5.7.1 message rejected, attachment type not allowed\n\n"
        "If you believe this is a mistake, please contact security@example.com.\n\n"
        "> To: bo.chan@example.com, quoted@example.com\n";
    rpt_report r;
    CHECK(report_extract(gateway, strlen(gateway), f, s, a, &r) == 0);
    CHECK(r.kind == RPT_TRANSCRIPT && r.nrecipients == 1);
    if (r.nrecipients == 1) {
        CHECK_STR(r.recipients[0].address, "bo.chan@example.com");
        CHECK_STR(r.recipients[0].reply_code, "554");
        CHECK_STR(r.recipients[0].status, "5.7.1");
        CHECK_STR(r.recipients[0].action, "failed");
    }
    /* a relay's notice read by the generic format: its help desk and the
     * returned original's To: are no recipients */
    arena_reset(a);
    CHECK_STR(shipped_addresses(f, s, a,
                                "From: MAILER-DAEMON@relay.example.edu\nSubject: Returned mail\n\n"
                                "The relay was unable to deliver your mail.\n"
                                "Delivery failed for <prof.mori@example.edu>: no such user.\n\n"
                                "Questions about this notice: mail helpdesk@example.edu\n\n"
                                "------ Original message ------\nTo: prof.mori@example.edu, "
                                "dean@example.edu\n"),
              "prof.mori@example.edu");
    /* per-recipient outcome lines: only the failed one; a signature's
     * address is not read */
    arena_reset(a);
    CHECK_STR(shipped_addresses(f, s, a,
                                "From: Postmaster <postmaster@lists.example.org>\n"
                                "Subject: Delivery problem\n\n"
                                "The message could not be delivered to some of its recipients.\n\n"
                                "  eva.lind@example.net  -  550 5.1.1 User unknown\n"
                                "  list-owner@example.org  -  delivered\n"
                                "-- \nmail team, noc@example.org, 550 Main St\n"),
              "eva.lind@example.net");
    /* the same words with no bounce signal: not read */
    arena_reset(a);
    CHECK_STR(shipped_addresses(f, s, a,
                                "From: Ann <ann@example.org>\nSubject: Re: the list\n\n"
                                "My mail could not be delivered to bob@example.net, 550 "
                                "user unknown.\n"),
              "");
    /* a signal but no failure wording near any address: nothing */
    arena_reset(a);
    CHECK_STR(shipped_addresses(f, s, a,
                                "Return-Path: <>\nFrom: Gateway <gw@example.com>\n"
                                "Subject: Notice\n\nYour mail was undeliverable.\n\n\n\n"
                                "More about our services: see the page of sales@example.com\n"
                                "or write to office@example.com and ask.\n"
                                "We answer within a day.\n"),
              "");
    arena_free(a);
    rx_scratch_free(s);
    formats_free(f);
}

/* A message of the given headers enclosing another as message/rfc822. */
static const char *enclose(char *buf, size_t size, const char *outer, const char *text,
                           const char *inner)
{
    snprintf(buf, size,
             "%sMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"w\"\n\n"
             "--w\nContent-Type: text/plain\n\n%s\n--w\nContent-Type: message/rfc822\n\n%s\n"
             "--w--\n",
             outer, text, inner);
    return buf;
}

TEST(bounce_in_a_forward_or_a_bounce_is_unwrapped)
{
    bc_formats *f = shipped_formats();
    rx_scratch *s = rx_scratch_new();
    arena *a = arena_new();
    CHECK(f != NULL && s != NULL);
    static const char bounce[] =
        "Return-Path: <>\nFrom: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n"
        "To: ann@example.org\nSubject: Undelivered Mail Returned to Sender\n\n"
        "This is the mail system at host mx.example.org.\n\n"
        "<carl@example.net>: host mx.example.net[192.0.2.7] said: 550 5.1.1\n"
        "    <carl@example.net>: User unknown (in reply to RCPT TO command)\n";
    static const char person[] = "From: Ann Lee <ann@example.org>\nTo: help@example.org\n";
    char m[4096];
    /* forwarded, with a failure subject kept: the enclosed report, not the
     * forward's text or the bounce's To: */
    CHECK_STR(shipped_addresses(f, s, a,
                                enclose(m, sizeof m,
                                        "From: Ann Lee <ann@example.org>\nTo: help@example.org\n"
                                        "Subject: Fwd: Undelivered Mail Returned to Sender\n",
                                        "Can you look? (ann@example.org, bo@example.org)", bounce)),
              "carl@example.net");
    rpt_report r;
    arena_reset(a);
    enclose(m, sizeof m, person, "FYI", bounce);
    CHECK(report_extract(m, strlen(m), f, s, a, &r) == 0 && r.nrecipients == 1);
    if (r.nrecipients == 1) {
        CHECK_STR(r.mta, "postfix");
        CHECK_STR(r.recipients[0].status, "5.1.1");
    }
    /* forwarded, the enclosed notice's only mark the null path a gateway
     * put in its From (no Return-Path survives a forward) */
    arena_reset(a);
    CHECK_STR(shipped_addresses(f, s, a,
                                enclose(m, sizeof m, person, "FYI",
                                        "From: <>\nTo: ann@example.org\nSubject: Status\n\n"
                                        "Your message could not be delivered.\n\n"
                                        "<dora@example.net>  (550 5.1.1 user unknown)\n")),
              "dora@example.net");
    /* a forward of ordinary mail stays ordinary */
    arena_reset(a);
    CHECK_STR(shipped_addresses(f, s, a,
                                enclose(m, sizeof m, person, "FYI",
                                        "From: Carl <carl@example.net>\nTo: ann@example.org\n"
                                        "Subject: lunch\n\nDelivery failed? No, lunch at one.\n")),
              "");
    /* a bounce that names nobody, returning a bounce: the enclosed one */
    arena_reset(a);
    CHECK_STR(
        shipped_addresses(f, s, a,
                          enclose(m, sizeof m,
                                  "Return-Path: <>\nFrom: postmaster@relay.example.com\n"
                                  "To: postmaster@example.org\nSubject: Returned mail\n",
                                  "A message could not be returned; it is enclosed.", bounce)),
        "carl@example.net");
    /* a double bounce that names its own failed recipient: that one */
    arena_reset(a);
    CHECK_STR(shipped_addresses(f, s, a,
                                enclose(m, sizeof m,
                                        "Return-Path: <>\nFrom: MAILER-DAEMON@relay.example.com\n"
                                        "To: postmaster@example.com\nSubject: Returned mail\n",
                                        "The bounce could not be delivered:\n\n"
                                        "   ann@example.org\n   550 5.1.1 unknown user\n",
                                        bounce)),
              "ann@example.org");
    arena_free(a);
    rx_scratch_free(s);
    formats_free(f);
}

TEST(hostile_sizes)
{
    arena *a = arena_new();
    /* a 10 MB bounce whose returned original is a huge attachment */
    size_t big = 10u * 1024 * 1024;
    char *m = malloc(big + 1024);
    size_t o = (size_t)sprintf(m, "%s", postfix_dsn);
    o -= strlen("--B1--\r\n");
    o += (size_t)sprintf(m + o, "--B1\r\nContent-Type: application/octet-stream\r\n"
                                "Content-Transfer-Encoding: base64\r\n\r\n");
    while (o < big) {
        memcpy(m + o, "QUJD\r\n", 6);
        o += 6;
    }
    o += (size_t)sprintf(m + o, "--B1--\r\n");
    rpt_report r;
    CHECK(report_extract(m, o, NULL, NULL, a, &r) == 0 && r.nrecipients == 2);
    CHECK(arena_used(a) < 3 * big);
    /* deep nesting: no crash, nothing found */
    arena_reset(a);
    o = 0;
    for (int i = 0; i < 500; i++)
        o += (size_t)sprintf(m + o, "Content-Type: multipart/mixed; boundary=n%d\n\n--n%d\n", i, i);
    CHECK(report_extract(m, o, NULL, NULL, a, &r) == 0 && r.kind == RPT_NONE);
    /* truncated in the middle of headers and boundaries */
    for (size_t cut = 0; cut < strlen(postfix_dsn); cut += 7) {
        arena_reset(a);
        CHECK(report_extract(postfix_dsn, cut, NULL, NULL, a, &r) == 0);
    }
    free(m);
    arena_free(a);
}

int main(void)
{
    RUN_TESTS();
}
