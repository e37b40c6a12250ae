/*
 * test_transcript.c - recipients, diagnostics and codes read from
 * human-readable bounces, with the shipped conf/formats.conf (hand-written
 * texts in the style of each MTA) and with small formats of the tests' own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regex.h"
#include "tap.h"
#include "transcript.h"

static bc_formats *shipped(void)
{
    char err[256];
    const char *paths[] = {"conf/formats.conf"};
    bc_formats *f = formats_load(paths, 1, err, sizeof err);
    if (f == NULL)
        printf("# %s\n", err);
    return f;
}

static bc_formats *own(const char *text)
{
    char path[] = "/tmp/test_transcript.XXXXXX", err[256];
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        close(fd);
        return NULL;
    }
    close(fd);
    const char *paths[] = {path};
    bc_formats *f = formats_load(paths, 1, err, sizeof err);
    unlink(path);
    if (f == NULL)
        printf("# %s\n", err);
    return f;
}

/* One extraction: the report lives in the arena *a. */
static int run(const bc_formats *f, const char *headers, const char *subject, const char *from,
               const char *text, size_t len, arena **a, rpt_report *rep)
{
    rx_scratch *s = rx_scratch_new();
    *a = arena_new();
    memset(rep, 0, sizeof *rep);
    rep->mta = "";
    rep->kind_name = "";
    tr_input in = {headers, strlen(headers), subject, from, text, len};
    int n = transcript_extract(f, s, &in, *a, rep);
    rx_scratch_free(s);
    return n;
}

static const char exim_text[] =
    "This message was created automatically by mail delivery software.\n"
    "\n"
    "A message that you sent could not be delivered to one or more of its\n"
    "recipients. This is a permanent error. The following address(es) failed:\n"
    "\n"
    "  tama@example.net\n"
    "    SMTP error from remote mail server after RCPT TO:<tama@example.net>:\n"
    "    host mx1.example.net [198.51.100.7]: 550 5.1.1 <tama@example.net>: no such user\n"
    "  mike@Example.ORG\n"
    "    SMTP error from remote mail server after end of data:\n"
    "    host smtp.example.org [203.0.113.9]: 552 5.2.2 Mailbox over quota\n"
    "\n"
    "------ This is a copy of the message, including all the headers. ------\n"
    "\n"
    "Return-path: <sender@example.com>\n"
    "To: tama@example.net, other@example.net\n"
    "Cc: hidden@example.net\n";

TEST(exim_recipients_and_fields)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    const char *hdr = "From: Mail Delivery System <Mailer-Daemon@relay.example.com>\n"
                      "To: sender@example.com\nX-Failed-Recipients: tama@example.net, "
                      "mike@example.org\n";
    int n = run(f, hdr, "Mail delivery failed: returning message to sender",
                "Mail Delivery System <Mailer-Daemon@relay.example.com>", exim_text,
                strlen(exim_text), &a, &rep);
    CHECK(n == 2);
    CHECK(rep.nrecipients == 2);
    CHECK(rep.kind == RPT_TRANSCRIPT);
    CHECK_STR(rep.kind_name, "transcript");
    CHECK_STR(rep.mta, "exim");
    if (rep.nrecipients == 2) {
        rpt_recipient *r = &rep.recipients[0];
        CHECK_STR(r->address, "tama@example.net");
        CHECK_STR(r->status, "5.1.1");
        CHECK_STR(r->reply_code, "550");
        CHECK_STR(r->smtp_command, "RCPT");
        CHECK_STR(r->remote_mta, "mx1.example.net");
        CHECK_STR(r->diagnostic, "SMTP error from remote mail server after RCPT "
                                 "TO:<tama@example.net>: host mx1.example.net [198.51.100.7]: "
                                 "550 5.1.1 <tama@example.net>: no such user");
        r = &rep.recipients[1];
        CHECK_STR(r->address, "mike@example.org");
        CHECK_STR(r->status, "5.2.2");
        CHECK_STR(r->reply_code, "552");
        CHECK_STR(r->smtp_command, "DATA");
        CHECK_STR(r->remote_mta, "smtp.example.org");
    }
    arena_free(a);
    formats_free(f);
}

TEST(never_reads_the_returned_original)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    run(f, "From: MAILER-DAEMON\n", "Mail delivery failed", "MAILER-DAEMON", exim_text,
        strlen(exim_text), &a, &rep);
    for (size_t i = 0; i < rep.nrecipients; i++) {
        CHECK(strcmp(rep.recipients[i].address, "other@example.net") != 0);
        CHECK(strcmp(rep.recipients[i].address, "hidden@example.net") != 0);
        CHECK(strcmp(rep.recipients[i].address, "sender@example.com") != 0);
    }
    arena_free(a);
    formats_free(f);
}

static const char qmail_text[] =
    "Hi. This is the qmail-send program at mail.example.net.\n"
    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
    "This is a permanent error; I've given up. Sorry it didn't work out.\n"
    "\n"
    "<kuro@example.jp>:\n"
    "203.0.113.5 does not like recipient.\n"
    "Remote host said: 550 5.1.1 <kuro@example.jp>: Recipient address rejected\n"
    "Giving up on 203.0.113.5.\n"
    "\n"
    "<shiro@example.jp>:\n"
    "This address no longer accepts mail. (#5.1.1)\n"
    "\n"
    "<kuro@example.jp>:\n"
    "listed twice\n"
    "\n"
    "--- Below this line is a copy of the message.\n"
    "\n"
    "To: <inoriginal@example.jp>\n"
    "\n"
    "<inoriginal@example.jp>:\n";

TEST(qmail_paragraphs_one_entry_per_address)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    int n = run(f, "From: MAILER-DAEMON@mail.example.net\n", "failure notice",
                "MAILER-DAEMON@mail.example.net", qmail_text, strlen(qmail_text), &a, &rep);
    CHECK(n == 2);
    CHECK_STR(rep.mta, "qmail");
    if (rep.nrecipients == 2) {
        CHECK_STR(rep.recipients[0].address, "kuro@example.jp");
        CHECK_STR(rep.recipients[0].status, "5.1.1");
        CHECK_STR(rep.recipients[0].reply_code, "550");
        CHECK_STR(rep.recipients[0].smtp_command, "RCPT");
        CHECK_STR(rep.recipients[0].remote_mta, "203.0.113.5");
        CHECK_STR(rep.recipients[1].address, "shiro@example.jp");
        CHECK_STR(rep.recipients[1].status, "5.1.1");
        CHECK_STR(rep.recipients[1].reply_code, "");
        CHECK_STR(rep.recipients[1].diagnostic, "This address no longer accepts mail. (#5.1.1)");
    }
    arena_free(a);
    formats_free(f);
}

TEST(identify_names_the_format)
{
    bc_formats *f = shipped();
    rx_scratch *s = rx_scratch_new();
    tr_input in = {"", 0, "failure notice", "MAILER-DAEMON", qmail_text, strlen(qmail_text)};
    CHECK_STR(transcript_identify(f, s, &in), "qmail");
    tr_input plain = {"", 0, "Lunch?", "friend@example.org", "See you at noon.\n", 17};
    CHECK(transcript_identify(f, s, &plain) == NULL);
    rx_scratch_free(s);
    formats_free(f);
}

TEST(ordinary_mail_gives_nothing)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    const char *text = "Hi Bob,\nplease write to carol@example.org about the 550 boxes.\n";
    CHECK(run(f, "From: alice@example.com\n", "Boxes", "alice@example.com", text, strlen(text), &a,
              &rep) == 0);
    CHECK(rep.nrecipients == 0);
    CHECK(rep.kind == RPT_NONE);
    arena_free(a);
    formats_free(f);
}

TEST(generic_fallback_reads_addresses_with_their_paragraph)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    const char *hdr = "From: postmaster@mx.example.biz\nTo: owner@example.com\n";
    const char *text = "Your message to owner@example.com's contact could not be handled.\n"
                       "\n"
                       "Delivery failed for neko@example.biz:\n"
                       "  mailbox unavailable (554 5.2.1)\n"
                       "\n"
                       "Message-ID: <abc123@example.com>\n"
                       "\n"
                       "----- Original message -----\n"
                       "To: nobody@example.biz\n";
    int n = run(f, hdr, "Undeliverable: hello", "postmaster@mx.example.biz", text, strlen(text), &a,
                &rep);
    CHECK(n == 1);
    CHECK_STR(rep.mta, "");
    CHECK(rep.kind == RPT_TRANSCRIPT);
    if (rep.nrecipients == 1) {
        CHECK_STR(rep.recipients[0].address, "neko@example.biz");
        CHECK_STR(rep.recipients[0].status, "5.2.1");
        CHECK_STR(rep.recipients[0].reply_code, "554");
        CHECK_STR(rep.recipients[0].diagnostic,
                  "Delivery failed for neko@example.biz: mailbox unavailable (554 5.2.1)");
    }
    arena_free(a);
    formats_free(f);
}

/* A delivery program's output that names a file path ending in an address
 * gives no recipient; an X.400 address written as a local part does. */
TEST(generic_reader_skips_file_paths)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    const char *hdr = "From: postmaster@mx.example.biz\nTo: owner@example.com\n";
    const char *text = "Delivery to the following recipients failed.\n"
                       "\n"
                       "  pipe to |/usr/local/bin/filter tama@example.biz\n"
                       "    generated by tama@example.biz\n"
                       "\n"
                       "filter: cannot open /var/spool/filter/tama@example.biz: No such file\n"
                       "\n"
                       "Gateway could not deliver to /C=DE/ADMD=X/S=Smith/@x400.example.net\n";
    int n = run(f, hdr, "Undeliverable: hello", "postmaster@mx.example.biz", text, strlen(text), &a,
                &rep);
    CHECK(n == 2);
    if (rep.nrecipients == 2) {
        CHECK_STR(rep.recipients[0].address, "tama@example.biz");
        CHECK(strchr(rep.recipients[1].address, '=') != NULL);
    }
    arena_free(a);
    formats_free(f);
}

static const char *mini = "formats = (\n"
                          " { id = \"mini\"; body = \"MiniMTA failure report\";\n"
                          "   start = \"Failed:\"; original = \"=== original ===\";\n"
                          "   recipient = \"^\\\\* (?<addr>\\\\S+@\\\\S+)(?: -- (?<diag>.*))?$\";\n"
                          "   block = \"line\"; },\n"
                          " { id = \"shared\"; body = \"SharedMTA\";\n"
                          "   recipient = \"^rcpt: (?<addr>\\\\S+)\"; block = \"line\";\n"
                          "   diag = \"^Reason: (?<diag>.*)$\"; },\n"
                          " { id = \"hdr\"; body = \"HdrMTA\"; recipients_header = \"X-Bad\";\n"
                          "   diag = \"^Why: (?<diag>.*)$\"; }\n"
                          ");\n"
                          "smtp_commands = ( { command = \"MAIL\"; match = \"MAIL FROM\"; } );\n";

TEST(layout_line_with_diag_group)
{
    bc_formats *f = own(mini);
    arena *a;
    rpt_report rep;
    const char *text = "MiniMTA failure report\n* before@example.com -- not in section\nFailed:\n"
                       "* one@example.com -- 421 4.7.0 try later after MAIL FROM\n"
                       "* two@example.com\n"
                       "next line is not two's\n"
                       "=== original ===\n* three@example.com -- x\n";
    int n = run(f, "", "", "", text, strlen(text), &a, &rep);
    CHECK(n == 2);
    CHECK_STR(rep.mta, "mini");
    if (rep.nrecipients == 2) {
        CHECK_STR(rep.recipients[0].address, "one@example.com");
        CHECK_STR(rep.recipients[0].diagnostic, "421 4.7.0 try later after MAIL FROM");
        CHECK_STR(rep.recipients[0].status, "4.7.0");
        CHECK_STR(rep.recipients[0].reply_code, "421");
        CHECK_STR(rep.recipients[0].smtp_command, "MAIL");
        CHECK_STR(rep.recipients[1].address, "two@example.com");
        CHECK_STR(rep.recipients[1].diagnostic, "");
    }
    arena_free(a);
    formats_free(f);
}

TEST(layout_shared_reason_and_header_list)
{
    bc_formats *f = own(mini);
    arena *a;
    rpt_report rep;
    const char *text = "SharedMTA\nReason: 550 5.7.1 relaying denied\n\nrcpt: a@example.com\n"
                       "rcpt: <b@example.com>\n";
    CHECK(run(f, "", "", "", text, strlen(text), &a, &rep) == 2);
    if (rep.nrecipients == 2) {
        CHECK_STR(rep.recipients[1].address, "b@example.com");
        CHECK_STR(rep.recipients[0].diagnostic, "550 5.7.1 relaying denied");
        CHECK_STR(rep.recipients[1].diagnostic, "550 5.7.1 relaying denied");
    }
    arena_free(a);
    const char *htext = "HdrMTA could not deliver.\n\nFor y@example.com:\nWhy: 5.4.4 no route\n";
    CHECK(run(f, "Subject: x\nX-Bad: x@example.com, <y@example.com>\n", "", "", htext,
              strlen(htext), &a, &rep) == 2);
    if (rep.nrecipients == 2) {
        CHECK_STR(rep.recipients[0].address, "x@example.com");
        CHECK_STR(rep.recipients[1].address, "y@example.com");
        CHECK_STR(rep.recipients[1].status, "5.4.4");
        CHECK_STR(rep.recipients[0].diagnostic, "5.4.4 no route");
    }
    arena_free(a);
    formats_free(f);
}

TEST(enriches_existing_recipients_instead_of_duplicating)
{
    bc_formats *f = shipped();
    rx_scratch *s = rx_scratch_new();
    arena *a = arena_new();
    rpt_report rep;
    memset(&rep, 0, sizeof rep);
    rpt_recipient dsn[1] = {{"tama@example.net", "failed", "5.0.0", "", "", "", "", ""}};
    rep.recipients = dsn;
    rep.nrecipients = 1;
    rep.kind = RPT_DSN;
    rep.kind_name = "dsn";
    rep.mta = "";
    tr_input in = {"", 0, "Mail delivery failed", "Mailer-Daemon", exim_text, strlen(exim_text)};
    CHECK(transcript_extract(f, s, &in, a, &rep) == 1);
    CHECK(rep.nrecipients == 2);
    CHECK(rep.kind == RPT_DSN);
    CHECK_STR(rep.recipients[0].status, "5.0.0");
    CHECK_STR(rep.recipients[0].reply_code, "550");
    CHECK_STR(rep.recipients[0].smtp_command, "RCPT");
    if (rep.nrecipients == 2)
        CHECK_STR(rep.recipients[1].address, "mike@example.org");
    arena_free(a);
    rx_scratch_free(s);
    formats_free(f);
}

TEST(status_and_reply_are_not_taken_from_addresses_or_sizes)
{
    bc_formats *f = own(mini);
    arena *a;
    rpt_report rep;
    const char *text = "MiniMTA failure report\nFailed:\n"
                       "* a@example.com -- host 192.0.2.5 version 5.1.10.2 refused, size 5500\n";
    CHECK(run(f, "", "", "", text, strlen(text), &a, &rep) == 1);
    if (rep.nrecipients == 1) {
        CHECK_STR(rep.recipients[0].status, "");
        CHECK_STR(rep.recipients[0].reply_code, "");
    }
    arena_free(a);
    formats_free(f);
}

TEST(hostile_text_is_bounded)
{
    bc_formats *f = own(mini);
    size_t cap = 3u << 20, n = 0;
    char *t = malloc(cap);
    CHECK(t != NULL);
    n += (size_t)sprintf(t, "MiniMTA failure report\nFailed:\n");
    for (int i = 0; n + 64 < cap / 2; i++)
        n += (size_t)sprintf(t + n, "* u%d@example.com -- 550 no\n", i);
    /* A huge line with NULs and no newline. */
    while (n < cap - 1) {
        t[n] = (n % 7) ? 'x' : '\0';
        n++;
    }
    arena *a;
    rpt_report rep;
    int got = run(f, "", "", "", t, n, &a, &rep);
    CHECK(got > 0 && got <= 500);
    CHECK(rep.nrecipients <= 500);
    arena_free(a);
    /* Thousands of addresses for the generic reader. */
    bc_formats *g = shipped();
    n = (size_t)sprintf(t, "Delivery has failed to these addresses: ");
    for (int i = 0; n + 64 < cap - 1; i++)
        n += (size_t)sprintf(t + n, "x%d@a.example @@ <@> a@ @b ", i);
    got = run(g, "", "Undeliverable", "postmaster", t, n, &a, &rep);
    CHECK(got > 0 && got <= 500);
    arena_free(a);
    CHECK(run(g, "", "", "", "", 0, &a, &rep) == 0);
    arena_free(a);
    free(t);
    formats_free(f);
    formats_free(g);
}

/* Several formats, each a small hand-written text in that MTA's style:
 * format id, address, status, reply, command, remote MTA expected. */
struct sample {
    const char *headers, *subject, *from, *text;
    const char *mta, *addr, *status, *reply, *command, *remote;
};

static const struct sample samples[] = {
    {"From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.org>\n",
     "Returned mail: see transcript for details",
     "Mail Delivery Subsystem <MAILER-DAEMON@relay.example.org>",
     "The original message was received at Mon, 2 Mar 2026 10:00:00 +0100\n"
     "from client.example.org [192.0.2.9]\n\n"
     "   ----- The following addresses had permanent fatal errors -----\n"
     "<hana@example.net>\n"
     "    (reason: 550 Mailbox does not exist)\n\n"
     "   ----- Transcript of session follows -----\n"
     "... while talking to mx2.example.net.:\n"
     ">>> DATA\n"
     "<<< 550 5.1.1 <hana@example.net>... Mailbox does not exist\n"
     "554 5.0.0 Service unavailable\n\n"
     "   ----- Original message follows -----\n"
     "To: someone@example.com\n",
     "sendmail", "hana@example.net", "5.1.1", "550", "DATA", "mx2.example.net"},
    {"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n",
     "Delivery Status Notification (Failure)",
     "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
     "\n** Address not found **\n\n"
     "Your message wasn't delivered to sora@example.org because the address couldn't be found.\n\n"
     "The response from the remote server was:\n"
     "550 5.1.1 <sora@example.org>: user unknown\n\n"
     "----- Original message -----\n\nTo: cc@example.com\n",
     "gsuite", "sora@example.org", "5.1.1", "550", "", ""},
    {"From: postmaster@corp.example.com\nContent-Language: en-US\n", "Undeliverable: Budget",
     "postmaster@corp.example.com",
     "Delivery has failed to these recipients or groups:\n\n"
     "riku@example.com\n"
     "The e-mail address you entered couldn't be found.\n\n"
     "Diagnostic information for administrators:\n\n"
     "Generating server: EX01.corp.example.com\n\n"
     "riku@example.com\n"
     "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n\n"
     "Original message headers:\n\nTo: <other@example.com>\n",
     "exchange2007", "riku@example.com", "5.1.1", "550", "", ""},
    {"From: Postmaster@example.jp\n", "DELIVERY FAILURE: User umi (umi@example.jp) not listed",
     "Postmaster@example.jp",
     "Your message\n\n  Subject: Hello\n\nwas not delivered to:\n\n  umi@example.jp\n\n"
     "because:\n\n  User umi (umi@example.jp) not listed in Domino Directory\n",
     "domino", "umi@example.jp", "", "", "", ""},
    {"From: MAILER-DAEMON@mx.example.com\n", "Delivery status notification: error",
     "Mailer Daemon <MAILER-DAEMON@mx.example.com>",
     "    Hi!\n\n    This is the MAILER-DAEMON, please DO NOT REPLY to this email.\n\n"
     "    An error has occurred while attempting to deliver a message for\n"
     "    the following list of recipients:\n\n"
     "kai@example.net: 552 5.2.2 Mailbox full\n\n"
     "    Below is a copy of the original message:\n\nTo: x@example.net\n",
     "opensmtpd", "kai@example.net", "5.2.2", "552", "", ""},
    {"From: postmaster@163.com\n", "系统退信", "postmaster@163.com",
     "抱歉，您的邮件被退回来了……\n\n"
     "收件人：yuki@example.cn\n"
     "退信原因：550 User not found: yuki@example.cn\n\n"
     "----- 原始邮件 -----\n收件人：other@example.cn\n",
     "coremail", "yuki@example.cn", "", "550", "", ""},
    {"From: MDaemon@mail.example.com\n", "Permanent Delivery Failure", "MDaemon@mail.example.com",
     "The attached message had PERMANENT fatal delivery errors!\n\n"
     "YOUR MESSAGE WAS NOT DELIVERED TO ONE OR MORE RECIPIENTS!\n\n"
     "--- Session Transcript ---\n"
     " Mon 2026-03-02 10:00:01.100: --> MAIL From:<me@example.com>\n"
     " Mon 2026-03-02 10:00:01.200: <-- 250 2.1.0 Ok\n"
     " Mon 2026-03-02 10:00:01.300: --> RCPT To:<nagi@example.org>\n"
     " Mon 2026-03-02 10:00:01.400: <-- 550 5.1.1 <nagi@example.org>: User unknown\n"
     "--- End Transcript ---\n",
     "mdaemon", "nagi@example.org", "5.1.1", "550", "RCPT", ""},
    {"From: postmaster@example.net\n", "Message undeliverable: Hello", "postmaster@example.net",
     "Your message did not reach some or all of the intended recipients.\n\n"
     "   Sent: Mon, 2 Mar 2026 10:00:00 +0100\n   Subject: Hello\n\n"
     "The following recipient(s) could not be reached:\n\n"
     "aoi@example.org\n"
     "   Error Type: SMTP\n"
     "   Remote server (198.51.100.4) issued an error.\n"
     "   hMailServer sent: RCPT TO:<aoi@example.org>\n"
     "   Remote server replied: 550 5.7.1 Relaying denied\n",
     "hmailserver", "aoi@example.org", "5.7.1", "550", "RCPT", ""},
    {"From: Microsoft Outlook <postmaster@corp.example>\nX-MS-Exchange-Message-Is-Ndr:\n",
     "Undeliverable: Budget", "Microsoft Outlook <postmaster@corp.example>",
     "Your message to kaze@corp.example couldn't be delivered.\n"
     "kaze wasn't found at corp.example.\n\n"
     "More Info for Email Admins\nStatus code: 550 5.1.10\n\n"
     "Original Message Details\nSender Address:    me@example.com\n"
     "Recipient Address:    kaze@corp.example\n\n"
     "Error Details\n"
     "Reported error:    550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found\n\n"
     "Message Hops\nHOP 1 me@example.com\n",
     "office365", "kaze@corp.example", "5.1.10", "550", "", ""},
    {"From: MAILER-DAEMON@mail.example.org (Mail Delivery System)\n",
     "Undelivered Mail Returned to Sender", "MAILER-DAEMON@mail.example.org (Mail Delivery System)",
     "This is the mail system at host mail.example.org.\n\n"
     "I'm sorry to have to inform you that your message could not\n"
     "be delivered to one or more recipients. It's attached below.\n\n"
     "                   The mail system\n\n"
     "<riku@example.net> (expanded from <team@example.org>): host\n"
     "    mx.example.net[198.51.100.25] said: 452 4.2.2 <riku@example.net>: Mailbox\n"
     "    full (in reply to RCPT TO command)\n",
     "postfix", "riku@example.net", "4.2.2", "452", "RCPT", "mx.example.net"},
    {"From: postmaster@mx.example.org\n", "NOTICE: mail delivery status.",
     "postmaster@mx.example.org",
     "This is a delivery status notification from mx.example.org,\n"
     "running the Courier mail server, version 1.1.\n\n"
     "Your message to the following recipients cannot be delivered:\n\n"
     "<yuu@example.net>:\n"
     "    mail.example.net [203.0.113.40]:\n"
     ">>> RCPT TO:<yuu@example.net>\n"
     "<<< 550 5.1.1 <yuu@example.net>: no such user\n",
     "courier", "yuu@example.net", "5.1.1", "550", "RCPT", "mail.example.net"},
    {"From: MAILER-DAEMON@yahoo.example\n", "Failure Notice", "MAILER-DAEMON@yahoo.example",
     "Sorry, we were unable to deliver your message to the following address.\n\n"
     "<mei@example.net>:\n"
     "Remote host said: 554 5.7.1 Message rejected as spam [BODY]\n\n"
     "--- Below this line is a copy of the message.\n\nTo: x@example.net\n",
     "yahoo", "mei@example.net", "5.7.1", "554", "", ""},
    {"From: postmaster@notes.example.jp\n", "Undeliverable message", "postmaster@notes.example.jp",
     "------- Failure Reasons  --------\n\n"
     "User not listed in public Name & Address Book\n"
     "shin@notes.example.jp\n\n"
     "------- Returned Message --------\nTo: shin@notes.example.jp\n",
     "notes", "shin@notes.example.jp", "", "", "", ""},
    {"From: PMDF e-Mail Interconnect <MAILER-DAEMON@pmdf.example.com>\n",
     "Delivery Notification: Delivery has failed",
     "PMDF e-Mail Interconnect <MAILER-DAEMON@pmdf.example.com>",
     "This report relates to a message you sent with the following header fields:\n\n"
     "  Subject: Minutes\n\n"
     "Your message cannot be delivered to the following recipients:\n\n"
     "  Recipient address: jun@example.org\n"
     "  Reason: Remote SMTP server has rejected address\n"
     "  Diagnostic code: smtp;550 5.1.1 unknown user\n",
     "messagingserver", "jun@example.org", "5.1.1", "550", "", ""},
    {"From: PostMaster@qq.com\n", "退信通知", "PostMaster@qq.com",
     "很抱歉您发送的邮件被退回，以下是该邮件的相关信息：\n"
     "主　　题：测试\n"
     "收　件　人：lin@example.com\n\n"
     "退信原因\n"
     "550 Mailbox not found or access denied\n",
     "qq", "lin@example.com", "", "550", "", ""},
};

/* One bounce text that must give exactly one recipient with these fields;
 * remote and action are not checked when NULL. */
static void expect_one(bc_formats *f, const char *headers, const char *subject, const char *from,
                       const char *text, const char *mta, const char *addr, const char *status,
                       const char *reply, const char *command, const char *remote,
                       const char *action)
{
    arena *a;
    rpt_report rep;
    int n = run(f, headers, subject, from, text, strlen(text), &a, &rep);
    CHECK(n == 1);
    CHECK_STR(rep.mta, mta);
    if (rep.nrecipients == 1) {
        rpt_recipient *r = &rep.recipients[0];
        CHECK_STR(r->address, addr);
        CHECK_STR(r->status, status);
        CHECK_STR(r->reply_code, reply);
        CHECK_STR(r->smtp_command, command);
        if (remote != NULL)
            CHECK_STR(r->remote_mta, remote);
        if (action != NULL)
            CHECK_STR(r->action, action);
        CHECK(*r->diagnostic != '\0');
    }
    arena_free(a);
}

TEST(formats_in_their_own_words)
{
    bc_formats *f = shipped();
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        const struct sample *x = &samples[i];
        printf("# sample %s\n", x->mta);
        expect_one(f, x->headers, x->subject, x->from, x->text, x->mta, x->addr, x->status,
                   x->reply, x->command, x->remote, NULL);
    }
    formats_free(f);
}

TEST(generic_reader_leaves_pasted_dsn_fields_and_help_addresses)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    const char *pasted = "Your message could not be delivered.\n\n"
                         "Reporting-MTA: dns; mx.example.org\n\n"
                         "Final-Recipient: rfc822; mio@example.org\n"
                         "Action: failed\nStatus: 5.1.1\n";
    CHECK(run(f, "From: MAILER-DAEMON@mx.example.org\n", "Undeliverable: hi",
              "MAILER-DAEMON@mx.example.org", pasted, strlen(pasted), &a, &rep) == 0);
    arena_free(a);
    /* the same fields written loosely are left to the DSN parser too */
    const char *loose = "Your message could not be delivered.\n\n"
                        "FINAL-RECIPIENT : rfc822; mio@example.org\n"
                        "Action : failed\nStatus: 5.1.1\n";
    CHECK(run(f, "From: MAILER-DAEMON@mx.example.org\n", "Undeliverable: hi",
              "MAILER-DAEMON@mx.example.org", loose, strlen(loose), &a, &rep) == 0);
    arena_free(a);
    const char *help =
        "Delivery failed for ren@example.org: 550 5.1.1 unknown user\n\n"
        "For help, contact <helpdesk@example.net> or\n<desk@example.net> へご連絡ください。\n";
    CHECK(run(f, "From: MAILER-DAEMON@mx.example.org\n", "Undeliverable: hi",
              "MAILER-DAEMON@mx.example.org", help, strlen(help), &a, &rep) == 1);
    if (rep.nrecipients == 1)
        CHECK_STR(rep.recipients[0].address, "ren@example.org");
    arena_free(a);
    formats_free(f);
}

TEST(session_transcript_codes_go_to_the_right_recipient)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    const char *text = "   ----- Transcript of session follows -----\n"
                       "554 <one@example.edu>... Connection reset by peer\n"
                       "While talking to relay.example.com:\n"
                       ">>> QUIT\n"
                       "<<< 421 Sorry, unable to contact destination\n"
                       "While talking to mx.example.net:\n"
                       ">>> RCPT To:<two@example.net>\n"
                       "<<< 550 Requested mailbox not found\n"
                       "550 <two@example.net>... User unknown\n\n"
                       "   ----- Unsent message follows -----\n"
                       "To: one@example.edu\n";
    CHECK(run(f, "From: Mail Delivery Subsystem <MAILER-DAEMON@example.com>\n",
              "Returned mail: User unknown", "Mail Delivery Subsystem <MAILER-DAEMON@example.com>",
              text, strlen(text), &a, &rep) == 2);
    if (rep.nrecipients == 2) {
        CHECK_STR(rep.recipients[0].address, "one@example.edu");
        CHECK_STR(rep.recipients[0].reply_code, "554");
        CHECK_STR(rep.recipients[0].remote_mta, "");
        CHECK_STR(rep.recipients[0].diagnostic, "Connection reset by peer");
        CHECK_STR(rep.recipients[1].address, "two@example.net");
        CHECK_STR(rep.recipients[1].reply_code, "550");
        CHECK_STR(rep.recipients[1].smtp_command, "RCPT");
        CHECK_STR(rep.recipients[1].diagnostic, "User unknown");
    }
    arena_free(a);
    formats_free(f);
}

TEST(the_remote_servers_reply_beats_the_local_summary)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    /* Sendmail's own summary line follows the remote server's reply */
    const char *text = "   ----- Transcript of session follows -----\n"
                       "... while talking to mx.example.net.:\n"
                       ">>> RCPT To:<sora@example.net>\n"
                       "<<< 550 Mailbox is disabled\n"
                       "554 5.0.0 Service unavailable\n\n"
                       "   ----- Unsent message follows -----\n"
                       "To: sora@example.net\n";
    CHECK(run(f, "From: Mail Delivery Subsystem <MAILER-DAEMON@example.com>\n",
              "Returned mail: see transcript for details",
              "Mail Delivery Subsystem <MAILER-DAEMON@example.com>", text, strlen(text), &a,
              &rep) == 1);
    if (rep.nrecipients == 1) {
        CHECK_STR(rep.recipients[0].address, "sora@example.net");
        CHECK_STR(rep.recipients[0].reply_code, "550");
        CHECK_STR(rep.recipients[0].smtp_command, "RCPT");
    }
    arena_free(a);
    /* a provider's wrapper around the receiving server's reply */
    const char *wrapped =
        "Delivery has failed to these recipients or groups:\n\n"
        "kai@example.org\n"
        "Remote Server returned '550 5.4.0 Relay refused <mx2.example.org said: 552 5.2.2 "
        "Mailbox over quota>'\n";
    CHECK(run(f, "From: postmaster@relay.example.com\n", "Undeliverable: hello",
              "postmaster@relay.example.com", wrapped, strlen(wrapped), &a, &rep) == 1);
    if (rep.nrecipients == 1) {
        CHECK_STR(rep.recipients[0].address, "kai@example.org");
        CHECK_STR(rep.recipients[0].reply_code, "552");
        CHECK_STR(rep.recipients[0].status, "5.2.2");
    }
    arena_free(a);
    formats_free(f);
}

TEST(each_recipient_of_a_shared_paragraph_gets_its_own_reason)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    const char *hdr = "From: Mail Delivery System <MAILER-DAEMON@mail.example.com>\n";
    const char *lines = "Your message could not be delivered to the following recipients.\n\n"
                        "ana@example.org: 550 5.1.1 No such user here\n"
                        "ben@example.net: 552 5.2.2 Mailbox is over its storage limit\n";
    CHECK(run(f, hdr, "Undeliverable: notes", "MAILER-DAEMON@mail.example.com", lines,
              strlen(lines), &a, &rep) == 2);
    if (rep.nrecipients == 2) {
        CHECK_STR(rep.recipients[0].diagnostic, "550 5.1.1 No such user here");
        CHECK_STR(rep.recipients[0].status, "5.1.1");
        CHECK_STR(rep.recipients[1].diagnostic, "552 5.2.2 Mailbox is over its storage limit");
        CHECK_STR(rep.recipients[1].reply_code, "552");
    }
    arena_free(a);
    /* in sentences, the address inside the line; a reason on the next line */
    const char *prose = "Your message could not be delivered.\n"
                        "Delivery to ana@example.org failed: no such mailbox (550 5.1.1).\n"
                        "The mailbox of\n<ben@example.net>\n  is full (552 5.2.2).\n";
    CHECK(run(f, hdr, "Undeliverable: notes", "MAILER-DAEMON@mail.example.com", prose,
              strlen(prose), &a, &rep) == 2);
    if (rep.nrecipients == 2) {
        CHECK_STR(rep.recipients[0].status, "5.1.1");
        CHECK_STR(rep.recipients[1].status, "5.2.2");
        CHECK_STR(rep.recipients[1].diagnostic, "is full (552 5.2.2).");
    }
    arena_free(a);
    /* two recipients on one line share its reason */
    const char *one = "Delivery to ana@example.org and ben@example.net failed:\n"
                      "550 5.7.1 Message rejected as spam\n";
    CHECK(run(f, hdr, "Undeliverable: notes", "MAILER-DAEMON@mail.example.com", one, strlen(one),
              &a, &rep) == 2);
    if (rep.nrecipients == 2) {
        CHECK_STR(rep.recipients[0].status, "5.7.1");
        CHECK_STR(rep.recipients[1].status, "5.7.1");
    }
    arena_free(a);
    formats_free(f);
}

TEST(delay_warnings_give_delayed_recipients)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    const char *text = "This message was created automatically by mail delivery software.\n"
                       "A message that you sent has not yet been delivered to one or more of its\n"
                       "recipients after more than 24 hours on the queue on mail.example.com.\n\n"
                       "The address to which the message has not yet been delivered is:\n\n"
                       "  sumi@example.net\n"
                       "    host mx.example.net [203.0.113.5]\n"
                       "    Delay reason: SMTP error from remote mail server after RCPT "
                       "TO:<sumi@example.net>:\n"
                       "    451 4.7.1 Greylisted, try again later\n\n"
                       "No action is required on your part. Delivery attempts will continue for\n"
                       "some time.\n";
    CHECK(run(f, "From: Mail Delivery System <Mailer-Daemon@mail.example.com>\n",
              "Warning: message 1abcde-000123-AB delayed 24 hours",
              "Mail Delivery System <Mailer-Daemon@mail.example.com>", text, strlen(text), &a,
              &rep) == 1);
    CHECK_STR(rep.mta, "exim");
    if (rep.nrecipients == 1) {
        CHECK_STR(rep.recipients[0].action, "delayed");
        CHECK_STR(rep.recipients[0].status, "4.7.1");
        CHECK_STR(rep.recipients[0].reply_code, "451");
        CHECK_STR(rep.recipients[0].smtp_command, "RCPT");
        CHECK_STR(rep.recipients[0].remote_mta, "mx.example.net");
    }
    arena_free(a);
    CHECK(run(f, "From: MAILER-DAEMON\n", "failure notice", "MAILER-DAEMON", qmail_text,
              strlen(qmail_text), &a, &rep) == 2);
    if (rep.nrecipients > 0)
        CHECK_STR(rep.recipients[0].action, "failed");
    arena_free(a);
    formats_free(f);
}

TEST(diagnostic_keeps_brackets_and_drops_separators)
{
    bc_formats *f = own(mini);
    arena *a;
    rpt_report rep;
    const char *text = "MiniMTA failure report\nFailed:\n"
                       "* one@example.com -- 550 unknown user <one@example.com>\n"
                       "* two@example.com -- 550 no such user ------\n";
    CHECK(run(f, "", "", "", text, strlen(text), &a, &rep) == 2);
    if (rep.nrecipients == 2) {
        CHECK_STR(rep.recipients[0].diagnostic, "550 unknown user <one@example.com>");
        CHECK_STR(rep.recipients[1].diagnostic, "550 no such user");
    }
    arena_free(a);
    formats_free(f);
}

TEST(diagnostic_white_space_and_control_runs_become_one_space)
{
    bc_formats *f = own(mini);
    arena *a;
    rpt_report rep;
    /* long enough for whole blocks of sixteen, with runs of every kind at
     * many offsets, one that starts where a plain run ends */
    const char *text = "MiniMTA failure report\nFailed:\n"
                       "* one@example.com -- 550 5.2.2  mailbox\tof the\x01user is  \x7f full, "
                       "try again later  please;\x0b the quota was exceeded a b  c   d\t \te \n";
    CHECK(run(f, "", "", "", text, strlen(text), &a, &rep) == 1);
    if (rep.nrecipients == 1)
        CHECK_STR(rep.recipients[0].diagnostic, "550 5.2.2 mailbox of the user is full, try again "
                                                "later please; the quota was exceeded a b c d e");
    arena_free(a);
    formats_free(f);
}

TEST(generic_reason_after_a_leading_address_leaves_the_address_out)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    const char *text = "Your message could not be delivered.\n\n"
                       "<spam@example.org>: 550 5.1.1 mailbox unavailable\n";
    CHECK(run(f, "From: postmaster@example.org\n", "Undeliverable: hello", "postmaster@example.org",
              text, strlen(text), &a, &rep) == 1);
    if (rep.nrecipients == 1) {
        CHECK_STR(rep.recipients[0].address, "spam@example.org");
        CHECK_STR(rep.recipients[0].diagnostic, "550 5.1.1 mailbox unavailable");
        CHECK_STR(rep.recipients[0].reply_code, "550");
    }
    arena_free(a);
    formats_free(f);
}

TEST(exim_reason_on_the_address_line)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    const char *text =
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  hana@example.net: Unrouteable address\n"
        "  ken@example.net\n"
        "    retry timeout exceeded\n\n"
        "------ This is a copy of the message, including all the headers. ------\n";
    CHECK(run(f, "From: Mailer-Daemon@mx.example.com\n", "Mail delivery failed",
              "Mailer-Daemon@mx.example.com", text, strlen(text), &a, &rep) == 2);
    if (rep.nrecipients == 2) {
        CHECK_STR(rep.recipients[0].diagnostic, "Unrouteable address");
        CHECK_STR(rep.recipients[1].diagnostic, "retry timeout exceeded");
    }
    arena_free(a);
    formats_free(f);
}

static unsigned rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 16;
}

/* Random texts stitched from bounce fragments (deterministic): every result
 * stays within its bounds; the sanitizer build checks the reads. */
TEST(stitched_fragments_stay_in_bounds)
{
    static const char *const pieces[] = {
        "<a@b.example>:",
        "\n",
        "From: ",
        "To: x@y.example",
        "@",
        "  u@v.example\n",
        "\n\n",
        "> ",
        "X-Failed-Recipients: q@w.example, r@t.example\n",
        "Hi. This is the qmail-send program",
        "--- Below this line is a copy of the message.",
        "550 5.1.1 ",
        "contact ",
        "(#5.1.1)",
        "Final-Recipient: rfc822; z@z.example\n",
        "Recipient address: k@l.example\n",
        "This message was created automatically by mail delivery software",
        "------ This is a copy of the message, including all the headers.",
        "while talking to x.y.example.:\n",
        ">>> RCPT To:<a@b.example>\n",
        "<<< 550 no\n"};
    const int np = (int)(sizeof pieces / sizeof pieces[0]);
    bc_formats *f = shipped();
    rx_scratch *s = rx_scratch_new();
    unsigned seed = 12345;
    int ok = 1;
    size_t total = 0;
    for (int it = 0; it < 2000; it++) {
        char t[3000], h[400];
        size_t tn = 0, hn = 0, tcap = 1 + rnd(&seed) % sizeof t, hcap = 1 + rnd(&seed) % sizeof h;
        while (tn < tcap) {
            const char *p = pieces[rnd(&seed) % (unsigned)np];
            size_t l = strlen(p) < tcap - tn ? strlen(p) : tcap - tn;
            memcpy(t + tn, p, l);
            tn += l;
        }
        while (hn < hcap) {
            const char *p = pieces[rnd(&seed) % (unsigned)np];
            size_t l = strlen(p) < hcap - hn ? strlen(p) : hcap - hn;
            memcpy(h + hn, p, l);
            hn += l;
        }
        tr_input in = {h, hn, "Undeliverable", "MAILER-DAEMON", t, tn};
        arena *a = arena_new();
        rpt_report rep;
        memset(&rep, 0, sizeof rep);
        rep.mta = "";
        transcript_identify(f, s, &in);
        int n = transcript_extract(f, s, &in, a, &rep);
        ok &= n >= 0 && n <= 500 && rep.nrecipients == (size_t)n;
        total += rep.nrecipients;
        for (size_t i = 0; i < rep.nrecipients; i++)
            ok &= strchr(rep.recipients[i].address, '@') != NULL &&
                  strlen(rep.recipients[i].diagnostic) <= 1024;
        arena_free(a);
    }
    CHECK(ok);
    CHECK(total > 100); /* the fragments do make bounces */
    rx_scratch_free(s);
    formats_free(f);
}

TEST(recipients_header_adds_what_the_text_names_no_address_for)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    const char *text =
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  pipe to |/usr/local/bin/filter\n"
        "    generated by tako@example.org\n"
        "    Child process of filter transport returned 75\n\n"
        "  ika@example.org\n"
        "    mailbox is full\n\n"
        "------ This is a copy of the message, including all the headers. ------\n";
    const char *hdr = "From: Mailer-Daemon@mx.example.org\n"
                      "X-Failed-Recipients: ika@example.org, tako@example.org\n";
    CHECK(run(f, hdr, "Mail delivery failed", "Mailer-Daemon@mx.example.org", text, strlen(text),
              &a, &rep) == 2);
    if (rep.nrecipients == 2) {
        CHECK_STR(rep.recipients[0].address, "ika@example.org");
        CHECK_STR(rep.recipients[0].diagnostic, "mailbox is full");
        CHECK_STR(rep.recipients[1].address, "tako@example.org");
        CHECK(strstr(rep.recipients[1].diagnostic, "returned 75") != NULL);
    }
    arena_free(a);
    /* a header that names no more than the text adds nothing */
    CHECK(run(f, "X-Failed-Recipients: other@example.org\n", "Mail delivery failed",
              "Mailer-Daemon@mx.example.org", exim_text, strlen(exim_text), &a, &rep) == 2);
    arena_free(a);
    formats_free(f);
}

/* Layouts and wordings of the formats that the dev corpus does not show
 * (other versions, languages, renamed programs): recognised by the right
 * format, one recipient each. */
struct variant {
    const char *headers, *subject, *from, *text;
    const char *mta, *addr, *status, *reply, *command, *action;
};

static const struct variant variants[] = {
    /* x6 rejected */
    {"From: MAILER-DAEMON@mail.example.jp\n"
     "To: me@example.com\n"
     "Subject: There was an error sending your mail\n",
     "There was an error sending your mail", "MAILER-DAEMON@mail.example.jp",
     "We had trouble delivering your message. Full details follow:\n"
     "\n"
     "1 error(s):\n"
     "\n"
     "SMTP Server <mx9.example.net> rejected recipient <tomo@example.net>\n"
     "  (Error following RCPT command). It responded as follows: [550 5.1.1 No such mailbox]\n"
     "\n"
     "The attachment contains the original mail headers.\n",
     "x6", "tomo@example.net", "5.1.1", "550", "RCPT", "failed"},
    /* vtext */
    {"From: post_master@vtext.com\n"
     "To: me@example.com\n"
     "Subject: Undeliverable Message\n",
     "Undeliverable Message", "post_master@vtext.com",
     "Error: Message could not be delivered\n"
     "\n"
     "Message details:\n"
     "  Subject: Pickup time\n"
     "  Sent date: Mon Mar 02 09:00:00 GMT 2026\n"
     "  MAIL FROM: me@example.com\n"
     "  RCPT TO: 5550001111@vtext.com\n"
     "550 - Requested action not taken: no such user here\n",
     "verizon", "5550001111@vtext.com", "", "550", "", "failed"},
    /* courier delay */
    {"From: Courier mail server at mx.example.org <@>\n"
     "To: me@example.com\n"
     "Subject: WARNING: delayed mail.\n",
     "WARNING: delayed mail.", "Courier mail server at mx.example.org <@>",
     "This is a delivery status notification from mx.example.org,\n"
     "running the Courier mail server, version 1.1.\n"
     "\n"
     "DELAYS IN DELIVERING YOUR MESSAGE\n"
     "\n"
     "This is an automatically-generated message.  There's a delay in\n"
     "delivering your message to the following recipients:\n"
     "\n"
     "<saki@example.net>:\n"
     "    mx.example.net [198.51.100.50]:\n"
     ">>> RCPT TO:<saki@example.net>\n"
     "<<< 451 4.3.0 Temporary lookup failure\n"
     "\n",
     "courier", "saki@example.net", "4.3.0", "451", "RCPT", "delayed"},
    /* postfix custom */
    {"From: MAILER-DAEMON@mail.example.org (Mail Delivery System)\n"
     "To: me@example.com\n"
     "Subject: Nachricht unzustellbar\n",
     "Nachricht unzustellbar", "MAILER-DAEMON@mail.example.org (Mail Delivery System)",
     "This is the ACME Postfix program at host mail.example.org.\n"
     "\n"
     "I'm sorry to have to inform you that your message could not\n"
     "be delivered to one or more recipients.\n"
     "\n"
     "                   The ACME Postfix program\n"
     "\n"
     "<kenta@example.net>: host mx.example.net[203.0.113.8] said: 550 5.1.1\n"
     "    <kenta@example.net>: Recipient address rejected: User unknown (in reply to\n"
     "    RCPT TO command)\n",
     "postfix", "kenta@example.net", "5.1.1", "550", "RCPT", "failed"},
    /* ses following */
    {"From: MAILER-DAEMON@email-bounces.amazonses.com\n"
     "To: me@example.com\n"
     "Subject: Delivery Status Notification (Failure)\n"
     "X-SES-Outgoing: 2026.03.02-54.240.0.1\n",
     "Delivery Status Notification (Failure)", "MAILER-DAEMON@email-bounces.amazonses.com",
     "The following message to <mami@example.net> was undeliverable.\n"
     "The reason for the problem:\n"
     "5.1.0 - Unknown address error 550-'5.1.1 <mami@example.net>: Recipient address rejected: "
     "User unknown'\n",
     "amazonses", "mami@example.net", "5.1.0", "550", "", "failed"},
    /* gsuite blocked */
    {"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
     "To: me@example.com\n"
     "Subject: Delivery Status Notification (Failure)\n",
     "Delivery Status Notification (Failure)",
     "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
     "** Message blocked **\n"
     "\n"
     "Your message to rina@example.org has been blocked. See technical details below for more "
     "information.\n"
     "\n"
     "The response from the remote server was:\n"
     "552 5.7.0 This message was blocked because its content presents a potential security "
     "issue.\n",
     "gsuite", "rina@example.org", "5.7.0", "552", "", "failed"},
    /* gsuite delay */
    {"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
     "To: me@example.com\n"
     "Subject: Delivery Status Notification (Delay)\n",
     "Delivery Status Notification (Delay)",
     "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
     "** Delivery incomplete **\n"
     "\n"
     "There was a temporary problem delivering your message to nao@example.org. Gmail will retry "
     "for 45 more hours. You'll be notified if the delivery fails permanently.\n"
     "\n"
     "The response from the remote server was:\n"
     "451 4.4.2 Timeout - closing connection\n",
     "gsuite", "nao@example.org", "4.4.2", "451", "", "delayed"},
    /* exchange2003 smtp */
    {"From: System Administrator <postmaster@corp.example>\n"
     "To: me@example.com\n"
     "Subject: Undeliverable: Plans\n"
     "X-MS-Embedded-Report:\n",
     "Undeliverable: Plans", "System Administrator <postmaster@corp.example>",
     "Your message\n"
     "\n"
     "  To:      Sato Ken\n"
     "  Subject: Plans\n"
     "  Sent:    Mon, 2 Mar 2026 10:00:00 +0100\n"
     "\n"
     "did not reach the following recipient(s):\n"
     "\n"
     "Sato Ken (SMTP=ken@corp.example) on Mon, 2 Mar 2026 10:00:05 +0100\n"
     "    The e-mail account does not exist at the organization this message was sent to.\n"
     "    <mail.corp.example #5.1.1>\n",
     "exchange2003", "ken@corp.example", "5.1.1", "", "", "failed"},
    /* qmail custom */
    {"From: MAILER-DAEMON@mail.example.net\n"
     "To: me@example.com\n"
     "Subject: failure notice\n"
     "Received: (qmail 4242 invoked for bounce); 2 Mar 2026 09:00:00 -0000\n",
     "failure notice", "MAILER-DAEMON@mail.example.net",
     "Hallo. Dies ist das Zustellprogramm von mail.example.net.\n"
     "Ihre Nachricht konnte nicht an folgende Adresse zugestellt werden.\n"
     "\n"
     "<emi@example.net>:\n"
     "Sorry, no mailbox here by that name. (#5.1.1)\n"
     "\n"
     "--- Below this line is a copy of the message.\n",
     "qmail", "emi@example.net", "5.1.1", "", "", "failed"},
    /* kddi attempted */
    {"From: no-reply@app.auone-net.jp\n"
     "To: me@example.com\n"
     "Subject: Mail delivery failed\n",
     "Mail delivery failed", "no-reply@app.auone-net.jp",
     "Your mail attempted to be delivered on: Mon, 2 Mar 2026 10:00:00 +0900\n"
     "    Could not be delivered to: <koji@ezweb.ne.jp>\n"
     "    As their mailbox is full.\n",
     "kddi", "koji@ezweb.ne.jp", "", "", "", "failed"},
    /* imail generic */
    {"From: IMail Server <postmaster@mail.example.com>\n"
     "To: me@example.com\n"
     "Subject: Undeliverable Mail\n",
     "Undeliverable Mail", "IMail Server <postmaster@mail.example.com>",
     "Unknown user: taro@example.com\n"
     "\n"
     "Original message follows.\n"
     "\n"
     "To: taro@example.com\n",
     "imailserver", "taro@example.com", "", "", "", "failed"},
    /* amavis from */
    {"From: \"Content-filter at mx.example.org\" <postmaster@mx.example.org>\n"
     "To: me@example.com\n"
     "Subject: BANNED contents from you (.exe)\n",
     "BANNED contents from you (.exe)",
     "\"Content-filter at mx.example.org\" <postmaster@mx.example.org>",
     "BANNED CONTENTS ALERT\n"
     "\n"
     "Our content checker found\n"
     "    banned name: .exe\n"
     "\n"
     "in email presumably from you <me@example.com>\n"
     "to the following recipient:\n"
     "-> hiro@example.org\n"
     "\n"
     "Our internal reference code for your message is 12345-07/AbCdEf\n"
     "\n"
     "The message WAS NOT relayed to:\n"
     "<hiro@example.org>:\n"
     "   554 5.7.0 Reject, id=12345-07 - BANNED: invoice.exe\n",
     "amavis", "hiro@example.org", "5.7.0", "554", "", "failed"},
    /* surfcontrol */
    {"From: postmaster@gw.example.com\n"
     "To: me@example.com\n"
     "Subject: Delivery failure\n",
     "Delivery failure", "postmaster@gw.example.com",
     "Your message could not be sent.\n"
     "A transcript of the attempts to send the message follows.\n"
     "The number of attempts made: 1\n"
     "Addressed To: mio@example.com\n"
     "\n"
     "Mon, 2 Mar 2026 10:00:00 +0100\n"
     "Failed to send to identified host,\n"
     "mio@example.com: [192.0.2.5], 550 5.1.1 User unknown\n"
     "--- Message non-deliverable.\n",
     "surfcontrol", "mio@example.com", "5.1.1", "550", "", "failed"},
    /* exchange ru */
    {"From: postmaster@corp.example.ru\n"
     "To: me@example.com\n"
     "Subject: Недоставленное сообщение: Отчет\n"
     "Content-Language: ru-RU\n",
     "Недоставленное сообщение: Отчет", "postmaster@corp.example.ru",
     "Доставка не выполнена для следующих получателей или групп:\n"
     "\n"
     "ivan@corp.example.ru\n"
     "Адрес электронной почты не найден.\n"
     "\n"
     "Диагностические сведения для администраторов:\n"
     "\n"
     "Создающий сервер: EX01.corp.example.ru\n"
     "\n"
     "ivan@corp.example.ru\n"
     "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n"
     "\n"
     "Исходные заголовки сообщения:\n"
     "\n"
     "To: other@corp.example.ru\n",
     "exchange2007", "ivan@corp.example.ru", "5.1.1", "550", "", "failed"},
    /* mfilter info */
    {"From: MAILER-DAEMON@mf.example.jp\n"
     "To: me@example.com\n"
     "Subject: failure notice\n",
     "failure notice", "MAILER-DAEMON@mf.example.jp",
     "この電子メールは「m-FILTER」から自動送信されています。\n"
     "以下のメールアドレスへの送信に失敗しました。\n"
     "ken@example.jp\n"
     "\n"
     "-------server message\n"
     "550 5.1.1 <ken@example.jp>: user unknown\n"
     "\n"
     "-------original mail info\n"
     "From: me@example.com\n"
     "To: ken@example.jp\n",
     "mfilter", "ken@example.jp", "5.1.1", "550", "", "failed"},
    /* barracuda */
    {"From: mailer-daemon@spam.example.com\n"
     "To: me@example.com\n"
     "Subject: Message you sent blocked by our bulk email filter\n",
     "Message you sent blocked by our bulk email filter", "mailer-daemon@spam.example.com",
     "Your message to: hayato@example.com\n"
     "was blocked by our Spam Firewall. The email you sent with the following subject has NOT BEEN "
     "DELIVERED:\n"
     "\n"
     "Subject: Offer\n"
     "\n"
     "Reason: Message content rejected\n",
     "barracuda", "hayato@example.com", "", "", "", "failed"},
    /* biglobe full */
    {"From: postmaster@biglobe.ne.jp\n"
     "To: me@example.com\n"
     "Subject: Returned mail: Delivery failure\n",
     "Returned mail: Delivery failure", "postmaster@biglobe.ne.jp",
     "   ----- The following addresses had delivery problems -----\n"
     "hikari@biglobe.ne.jp\n"
     "\n"
     "   ----- Non-delivered information -----\n"
     "The number of messages in recipient's mailbox exceeded the local limit.\n",
     "biglobe", "hikari@biglobe.ne.jp", "", "", "", "failed"},
    /* einsundeins */
    {"From: \"Mail Delivery System\" <mailer-daemon@kundenserver.de>\n"
     "To: me@example.com\n"
     "Subject: Mail delivery failed: returning message to sender\n",
     "Mail delivery failed: returning message to sender",
     "\"Mail Delivery System\" <mailer-daemon@kundenserver.de>",
     "This message was created automatically by mail delivery software.\n"
     "\n"
     "A message that you sent could not be delivered to one or more of\n"
     "its recipients. This is a permanent error. The following address\n"
     "failed:\n"
     "\n"
     "\"ulrich@example.de\":\n"
     "\n"
     "SMTP error from remote server for RCPT TO command, host: mx.example.de (192.0.2.31) reason: "
     "550 5.1.1 Unknown user\n"
     "\n"
     "--- The header of the original message is following. ---\n",
     "einsundeins", "ulrich@example.de", "5.1.1", "550", "RCPT", "failed"},
    /* exim sentby */
    {"From: Mail Delivery System <Mailer-Daemon@lists.example.org>\n"
     "To: owner-team@lists.example.org\n"
     "Subject: Mail delivery failed\n",
     "Mail delivery failed", "Mail Delivery System <Mailer-Daemon@lists.example.org>",
     "This message was created automatically by mail delivery software.\n"
     "\n"
     "A message sent by\n"
     "\n"
     "  <me@example.com>\n"
     "\n"
     "could not be delivered to one or more of its recipients. The following\n"
     "address(es) failed:\n"
     "\n"
     "  yoko@example.net\n"
     "    SMTP error from remote mail server after MAIL FROM:<me@example.com> SIZE=2048:\n"
     "    host mx.example.net [198.51.100.77]: 553 5.7.1 Sender address rejected\n"
     "\n"
     "------ This is a copy of the message's headers. ------\n",
     "exim", "yoko@example.net", "5.7.1", "553", "MAIL", "failed"},
    /* interscan jp */
    {"From: \"InterScan MSS\" <postmaster@gw.example.jp>\n"
     "To: me@example.com\n"
     "Subject: メール配信に失敗しました\n",
     "メール配信に失敗しました", "\"InterScan MSS\" <postmaster@gw.example.jp>",
     "送信したメールは配信できませんでした。\n"
     "\n"
     "Sent <<< RCPT TO:<daichi@example.jp>\n"
     "Received >>> 550 5.1.1 <daichi@example.jp>... User unknown\n"
     "\n"
     "Unable to deliver message to <daichi@example.jp> (and other recipients in the same "
     "domain).\n",
     "interscanmss", "daichi@example.jp", "5.1.1", "550", "RCPT", "failed"},
    /* mailmarshal */
    {"From: postmaster@mm.example.com\n"
     "To: me@example.com\n"
     "Subject: Undeliverable Mail: \"Order 42\"\n",
     "Undeliverable Mail: \"Order 42\"", "postmaster@mm.example.com",
     "Your message:\n"
     "   From:    me@example.com\n"
     "   Subject: Order 42\n"
     "\n"
     "Could not be delivered because of\n"
     "\n"
     "552 5.2.2 Mailbox over quota\n"
     "\n"
     "The following recipients were affected:\n"
     "    goro@mm.example.com\n"
     "\n"
     "Additional Information\n"
     "======================\n"
     "Original Sender:    <me@example.com>\n",
     "mailmarshalsmtp", "goro@mm.example.com", "5.2.2", "552", "", "failed"},
    /* mcafee paren */
    {"From: postmaster@gw.example.com\n"
     "To: me@example.com\n"
     "Subject: Delivery Status\n"
     "X-NAI-Header: Modified by McAfee Email Gateway\n",
     "Delivery Status", "postmaster@gw.example.com",
     "   --- The following addresses had delivery problems ---\n"
     "\n"
     "<tetsu@example.com>   (User unknown tetsu@example.com)\n",
     "mcafee", "tetsu@example.com", "", "", "", "failed"},
    /* notes ja */
    {"From: postmaster@notes.example.jp\n"
     "To: me@example.com\n"
     "Subject: Undeliverable message\n",
     "Undeliverable message", "postmaster@notes.example.jp",
     "------- Failure Reasons  --------\n"
     "\n"
     "ディレクトリのリストにありません\n"
     "satomi@notes.example.jp\n"
     "\n"
     "------- Returned Message --------\n",
     "notes", "satomi@notes.example.jp", "", "", "", "failed"},
    /* powermta */
    {"From: postmaster@mta.example.org\n"
     "To: me@example.com\n"
     "Subject: Delivery report\n",
     "Delivery report", "postmaster@mta.example.org",
     "Hello, this is the mail server on mta.example.org.\n"
     "\n"
     "I am sending you this message to inform you on the delivery status of a\n"
     "message you previously sent.  Immediately below you will find a list of\n"
     "the affected recipients;  also attached is a Delivery Status Notification\n"
     "(DSN) report in standard format, as well as the headers of the original\n"
     "message.\n"
     "\n"
     "  <jiro@example.jp>  delivery failed; will not continue trying\n",
     "powermta", "jiro@example.jp", "", "", "", "failed"},
    /* qmail data */
    {"From: MAILER-DAEMON@mail.example.net\n"
     "To: me@example.com\n"
     "Subject: failure notice\n",
     "failure notice", "MAILER-DAEMON@mail.example.net",
     "Hi. This is the qmail-send program at mail.example.net.\n"
     "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
     "This is a permanent error; I've given up. Sorry it didn't work out.\n"
     "\n"
     "<rin@example.org>:\n"
     "Connected to 198.51.100.9 but sender was rejected.\n"
     "Remote host said: 553 5.7.1 Sender domain has no MX\n"
     "\n"
     "--- Below this line is a copy of the message.\n",
     "qmail", "rin@example.org", "5.7.1", "553", "MAIL", "failed"},
    /* v5sendmail */
    {"From: Mail Delivery Subsystem <MAILER-DAEMON@old.example.edu>\n"
     "To: me@example.com\n"
     "Subject: Returned mail: Host unknown\n",
     "Returned mail: Host unknown", "Mail Delivery Subsystem <MAILER-DAEMON@old.example.edu>",
     "   ----- Transcript of session follows -----\n"
     "550 <shun@nowhere.example>... Host unknown (Name server: nowhere.example: host not found)\n"
     "\n"
     "   ----- Unsent message follows -----\n"
     "To: shun@nowhere.example\n",
     "sendmail", "shun@nowhere.example", "", "550", "", "failed"},
    /* x2 failed */
    {"From: MAILER-DAEMON@mail.example.com\n"
     "To: me@example.com\n"
     "Subject: failed delivery\n",
     "failed delivery", "MAILER-DAEMON@mail.example.com",
     "Message from example.com.\n"
     "Unable to deliver message to the following address(es).\n"
     "\n"
     "<kumi@example.com>:\n"
     "This user doesn't have a example.com account (kumi@example.com) [0]\n"
     "\n"
     "--- Original message follows.\n",
     "x2", "kumi@example.com", "", "", "", "failed"},
    /* x3 star */
    {"From: Mail Delivery System <postmaster@gw.example.jp>\n"
     "To: me@example.com\n"
     "Subject: Delivery status notification\n",
     "Delivery status notification", "Mail Delivery System <postmaster@gw.example.jp>",
     "============================================================================\n"
     "      This is an automatically generated Delivery Status Notification.\n"
     "\n"
     "Delivery to the following recipients failed permanently:\n"
     "\n"
     "  * ayu@example.jp\n"
     "\n"
     "============================================================================\n"
     "                            Technical details:\n"
     "\n"
     "SMTP:RCPT host 192.0.2.8: 553 5.3.0 <ayu@example.jp>... No such user here\n"
     "\n"
     "============================================================================\n",
     "x3", "ayu@example.jp", "5.3.0", "553", "RCPT", "failed"},
    /* x4 es */
    {"From: MAILER-DAEMON@correo.example.es\n"
     "To: me@example.com\n"
     "Subject: failure notice\n",
     "failure notice", "MAILER-DAEMON@correo.example.es",
     "Hola. Este es el programa qmail-send en correo.example.es.\n"
     "Su mensaje no pudo ser entregado a las siguientes direcciones.\n"
     "\n"
     "<pablo@example.es>:\n"
     "192.0.2.44 does not like recipient.\n"
     "Remote host said: 550 5.1.1 <pablo@example.es>: Recipient address rejected\n"
     "Giving up on 192.0.2.44.\n",
     "x4", "pablo@example.es", "5.1.1", "550", "RCPT", "failed"},
    /* zoho status */
    {"From: mailer-daemon@zoho.com\n"
     "To: me@example.com\n"
     "Subject: Undelivered Mail Returned to Sender\n",
     "Undelivered Mail Returned to Sender", "mailer-daemon@zoho.com",
     "This message was created automatically by mail delivery software.\n"
     "A message that you sent could not be delivered to one or more of its recipients. This is a "
     "temporary error.\n"
     "\n"
     "[Status: Error, Address: <sachi@example.co.jp>, ResponseCode 421, , Host not reachable.]\n",
     "zoho", "sachi@example.co.jp", "", "421", "", "failed"},
    /* activehunter */
    {"From: \"MAILER-DAEMON\" <postmaster@ah.example.jp>\n"
     "To: me@example.com\n"
     "Subject: FAILURE NOTICE :\n"
     "X-AHMAILID: 20260302100000-0001\n",
     "FAILURE NOTICE :", "\"MAILER-DAEMON\" <postmaster@ah.example.jp>",
     "  ----- The following addresses had permanent fatal errors -----\n"
     "\n"
     ">>> koh@example.jp <koh@example.jp>\n"
     "\n"
     "  ----- Transcript of session follows -----\n"
     "550 5.1.1 <koh@example.jp>... User unknown\n",
     "activehunter", "koh@example.jp", "5.1.1", "550", "", "failed"},
    /* apachejames */
    {"From: postmaster@james.example.org\n"
     "To: me@example.com\n"
     "Subject: [BOUNCE]\n",
     "[BOUNCE]", "postmaster@james.example.org",
     "Hi. This is the James mail server at james.example.org.\n"
     "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
     "This is a permanent error; I've given up. Sorry it didn't work out.  Below\n"
     "I include the list of recipients and the reason why I was unable to deliver\n"
     "your message.\n"
     "\n"
     "Original email subject: Plans\n"
     "\n"
     "Message details:\n"
     "  Subject: Plans\n"
     "  Sent date: Mon Mar 02 10:00:00 CET 2026\n"
     "  MAIL FROM: me@example.com\n"
     "  RCPT TO: tsubasa@example.org\n"
     "  Size (in bytes): 1024\n"
     "  Number of lines: 12\n"
     "\n"
     "Error message below:\n"
     "550 5.1.1 Requested action not taken: mailbox unavailable\n",
     "apachejames", "tsubasa@example.org", "5.1.1", "550", "", "failed"},
    /* domino fr */
    {"From: Postmaster@domino.example.fr\n"
     "To: me@example.com\n"
     "Subject: DELIVERY FAILURE: Utilisateur pierre non répertorié\n",
     "DELIVERY FAILURE: Utilisateur pierre non répertorié", "Postmaster@domino.example.fr",
     "Votre message\n"
     "\n"
     "  Objet : Réunion\n"
     "\n"
     "n'a pas été remis à :\n"
     "\n"
     "  pierre@domino.example.fr\n"
     "\n"
     "parce que :\n"
     "\n"
     "  Utilisateur pierre (pierre@domino.example.fr) non répertorié dans l'annuaire Domino\n",
     "domino", "pierre@domino.example.fr", "", "", "", "failed"},
    /* dragonfly */
    {"From: MAILER-DAEMON@box.example.org\n"
     "To: me@example.com\n"
     "Subject: Mail delivery failed\n",
     "Mail delivery failed", "MAILER-DAEMON@box.example.org",
     "This is the DragonFly Mail Agent v0.11 at box.example.org.\n"
     "\n"
     "There was an error delivering your mail to <mika@example.net>.\n"
     "\n"
     "mx.example.net [192.0.2.61] did not like our RCPT TO:\n"
     "550 5.1.1 <mika@example.net>: Recipient address rejected\n"
     "\n"
     "Message headers follow.\n",
     "dragonfly", "mika@example.net", "5.1.1", "550", "RCPT", "failed"},
    /* ezweb disabled */
    {"From: Postmaster@ezweb.ne.jp\n"
     "To: me@example.com\n"
     "Subject: Mail System Error - Returned Mail\n",
     "Mail System Error - Returned Mail", "Postmaster@ezweb.ne.jp",
     "The user(s) account is disabled.\n"
     "\n"
     "<yui@ezweb.ne.jp>: 550 #5.1.1 User unknown\n",
     "ezweb", "yui@ezweb.ne.jp", "5.1.1", "550", "", "failed"},
    /* gmail delay old */
    {"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
     "To: me@example.com\n"
     "Subject: Delivery Status Notification (Delay)\n",
     "Delivery Status Notification (Delay)",
     "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
     "This is an automatically generated Delivery Status Notification\n"
     "\n"
     "THIS IS A WARNING MESSAGE ONLY.\n"
     "\n"
     "YOU DO NOT NEED TO RESEND YOUR MESSAGE.\n"
     "\n"
     "Delivery to the following recipient has been delayed:\n"
     "\n"
     "     kiyo@example.org\n"
     "\n"
     "Message will be retried for 2 more day(s)\n"
     "\n"
     "Technical details of temporary failure:\n"
     "The recipient server did not accept our requests to connect. [mx.example.org. (10): "
     "Connection timed out]\n"
     "\n"
     "----- Original message -----\n",
     "gmail", "kiyo@example.org", "", "", "CONN", "delayed"},
    /* gmx host */
    {"From: \"Mail Delivery System\" <mailer-daemon@gmx.net>\n"
     "To: me@example.com\n"
     "Subject: Mail delivery failed: returning message to sender\n"
     "X-GMX-Antispam: 0\n",
     "Mail delivery failed: returning message to sender",
     "\"Mail Delivery System\" <mailer-daemon@gmx.net>",
     "This message was created automatically by mail delivery software.\n"
     "\n"
     "A message that you sent could not be delivered to one or more of\n"
     "its recipients. This is a permanent error. The following address\n"
     "failed:\n"
     "\n"
     "\"lena@example.de\":\n"
     "\n"
     "SMTP error from remote server after RCPT command:\n"
     "host: mx.example.de\n"
     "5.1.1 <lena@example.de>... User unknown\n"
     "\n"
     "--- The header of the original message is following. ---\n",
     "gmx", "lena@example.de", "5.1.1", "", "RCPT", "failed"},
    /* googlegroups */
    {"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
     "To: me@example.com\n"
     "Subject: Delivery Status Notification (Failure)\n"
     "X-Failed-Recipients: staff@groups.example.com\n",
     "Delivery Status Notification (Failure)",
     "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
     "Hello me@example.com,\n"
     "\n"
     "We're writing to let you know that the group you tried to contact (staff) may not exist, or "
     "you may not have permission to post messages to the group. A few more details on why you "
     "weren't able to post:\n"
     "\n"
     " * You might have spelled or formatted the group name incorrectly.\n"
     " * The owner of the group may have removed this group.\n"
     "\n"
     "If you have questions related to this or any other Google Group, visit the Help Center at "
     "https://groups.google.com/support/.\n"
     "\n"
     "Thanks,\n"
     "\n"
     "Google Groups\n",
     "googlegroups", "staff@groups.example.com", "", "", "", "failed"},
    /* groupwise */
    {"From: postmaster@gw.example.com\n"
     "To: me@example.com\n"
     "Subject: Message status - undeliverable\n",
     "Message status - undeliverable", "postmaster@gw.example.com",
     "The message that you sent was undeliverable to the following:\n"
     "	hana@gw.example.com (user not found)\n"
     "\n"
     "Possibly truncated original message follows:\n",
     "groupwise", "hana@gw.example.com", "", "", "", "failed"},
    /* mailfoundry */
    {"From: MAILER-DAEMON@mf.example.com\n"
     "To: me@example.com\n"
     "Subject: Message delivery has failed\n",
     "Message delivery has failed", "MAILER-DAEMON@mf.example.com",
     "Unable to deliver message to: <toru@example.com>\n"
     "Delivery failed for the following reason:\n"
     "Server mx.example.com[192.0.2.14] failed with: 550 5.1.1 <toru@example.com>: No such user\n",
     "mailfoundry", "toru@example.com", "5.1.1", "550", "", "failed"},
    /* mailru ru */
    {"From: Mail Delivery System <mailer-daemon@corp.mail.ru>\n"
     "To: me@example.com\n"
     "Subject: Mail delivery failed: returning message to sender\n",
     "Mail delivery failed: returning message to sender",
     "Mail Delivery System <mailer-daemon@corp.mail.ru>",
     "Это письмо создано автоматически\n"
     "сервером Mail.Ru, отвечать на него не\n"
     "нужно.\n"
     "\n"
     "К сожалению, Ваше письмо не может\n"
     "быть доставлено одному или нескольким\n"
     "получателям:\n"
     "\n"
     "  sasha@example.ru\n"
     "    SMTP error from remote mail server after RCPT TO:<sasha@example.ru>:\n"
     "    host mx.example.ru [192.0.2.70]: 550 5.1.1 Mailbox not found\n",
     "mailru", "sasha@example.ru", "5.1.1", "550", "RCPT", "failed"},
    /* mdaemon data */
    {"From: MDaemon@mail.example.com\n"
     "To: me@example.com\n"
     "Subject: Permanent Delivery Failure\n",
     "Permanent Delivery Failure", "MDaemon@mail.example.com",
     "The attached message had PERMANENT fatal delivery errors!\n"
     "\n"
     "After one or more unsuccessful delivery attempts the attached message has\n"
     "been removed from the mail queue on this server.\n"
     "\n"
     "YOUR MESSAGE WAS NOT DELIVERED TO ONE OR MORE RECIPIENTS!\n"
     "\n"
     "--- Session Transcript ---\n"
     " Mon 2026-03-02 10:00:01.100: --> MAIL From:<me@example.com>\n"
     " Mon 2026-03-02 10:00:01.200: <-- 250 2.1.0 Ok\n"
     " Mon 2026-03-02 10:00:01.300: --> RCPT To:<tae@example.org>\n"
     " Mon 2026-03-02 10:00:01.400: <-- 250 2.1.5 Ok\n"
     " Mon 2026-03-02 10:00:01.500: --> DATA\n"
     " Mon 2026-03-02 10:00:01.600: <-- 552 5.3.4 Message size exceeds fixed limit\n"
     "--- End Transcript ---\n",
     "mdaemon", "tae@example.org", "5.3.4", "552", "DATA", "failed"},
    /* messagingserver delay */
    {"From: Internet Mail Delivery <postmaster@ms.example.com>\n"
     "To: me@example.com\n"
     "Subject: Delivery Notification: Delivery has been delayed\n",
     "Delivery Notification: Delivery has been delayed",
     "Internet Mail Delivery <postmaster@ms.example.com>",
     "This report relates to a message you sent with the following header fields:\n"
     "\n"
     "  Subject: Minutes\n"
     "\n"
     "Your message has been delayed and is still awaiting delivery\n"
     "to the following recipient(s):\n"
     "\n"
     "  Recipient address: nori@example.org\n"
     "  Delivery last attempted: Mon, 2 Mar 2026 11:00:00 +0100\n"
     "  Reason: Host mx.example.org not responding\n",
     "messagingserver", "nori@example.org", "", "", "", "delayed"},
    /* mxlogic */
    {"From: Mail Delivery System <MAILER-DAEMON@mxl.example.net>\n"
     "To: me@example.com\n"
     "Subject: Mail delivery failed: returning message to sender\n"
     "X-MXL-Hash: 0123456789abcdef\n",
     "Mail delivery failed: returning message to sender",
     "Mail Delivery System <MAILER-DAEMON@mxl.example.net>",
     "This message was created automatically by mail delivery software.\n"
     "\n"
     "A message that you sent could not be delivered to one or more of its\n"
     "recipients. This is a permanent error. The following address(es) failed:\n"
     "\n"
     "  <akira@example.com>: 550 5.1.1 <akira@example.com>... User unknown\n"
     "\n"
     "Included is a copy of the message header:\n",
     "mxlogic", "akira@example.com", "5.1.1", "550", "", "failed"},
    /* qq en */
    {"From: PostMaster@exmail.qq.com\n"
     "To: me@example.com\n"
     "Subject: Undelivered Mail Returned to Sender\n",
     "Undelivered Mail Returned to Sender", "PostMaster@exmail.qq.com",
     "Sorry, your message could not be delivered.\n"
     "\n"
     "Recipient: mark@example.com\n"
     "Reason: 550 5.7.1 Mail content denied\n",
     "qq", "mark@example.com", "5.7.1", "550", "", "failed"},
    /* sendmail delay */
    {"From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.org>\n"
     "To: me@example.com\n"
     "Subject: Warning: could not send message for past 4 hours\n",
     "Warning: could not send message for past 4 hours",
     "Mail Delivery Subsystem <MAILER-DAEMON@relay.example.org>",
     "    **********************************************\n"
     "    **      THIS IS A WARNING MESSAGE ONLY      **\n"
     "    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n"
     "    **********************************************\n"
     "\n"
     "The original message was received at Mon, 2 Mar 2026 06:00:00 +0100\n"
     "from client.example.org [192.0.2.9]\n"
     "\n"
     "   ----- The following addresses had transient non-fatal errors -----\n"
     "<nana@example.net>\n"
     "\n"
     "   ----- Transcript of session follows -----\n"
     "<nana@example.net>... Deferred: Connection timed out with mx.example.net.\n"
     "Warning: message still undelivered after 4 hours\n"
     "Will keep trying until message is 5 days old\n"
     "\n"
     "   ----- Original message headers follow -----\n",
     "sendmail", "nana@example.net", "", "", "CONN", "delayed"},
    /* sina zh */
    {"From: MAILER-DAEMON@sina.com\n"
     "To: me@example.com\n"
     "Subject: 系统退信\n",
     "系统退信", "MAILER-DAEMON@sina.com",
     "您好，这是系统自动发送的退信通知。\n"
     "\n"
     "收件人地址：wei@example.cn\n"
     "退信原因：550 5.1.1 收件人邮箱不存在 (mailbox not found)\n",
     "sina", "wei@example.cn", "5.1.1", "550", "", "failed"},
    /* x1 errors */
    {"From: MAILER-DAEMON@mail.example.com\n"
     "To: me@example.com\n"
     "Subject: Returned Mail: Error During Delivery\n",
     "Returned Mail: Error During Delivery", "MAILER-DAEMON@mail.example.com",
     "The original message was received at Mon, 2 Mar 2026 10:00:00 +0100\n"
     "from [192.0.2.5]\n"
     "\n"
     "---The following addresses had delivery errors---\n"
     "\n"
     "kaoru@example.com [550 5.1.1 User unknown]\n",
     "x1", "kaoru@example.com", "5.1.1", "550", "", "failed"},
    /* yahoo rcpt */
    {"From: MAILER-DAEMON@yahoo.com\n"
     "To: me@example.com\n"
     "Subject: Failure Notice\n",
     "Failure Notice", "MAILER-DAEMON@yahoo.com",
     "Sorry, we were unable to deliver your message to the following address.\n"
     "\n"
     "<kei@example.org>:\n"
     "Remote host said: 550 5.1.1 <kei@example.org>: Recipient address rejected: User unknown in "
     "virtual alias table [RCPT_TO]\n"
     "\n"
     "--- Below this line is a copy of the message.\n",
     "yahoo", "kei@example.org", "5.1.1", "550", "RCPT", "failed"},
    /* yandex data */
    {"From: mailer-daemon@yandex.ru\n"
     "To: me@example.com\n"
     "Subject: Недоставленное сообщение\n",
     "Недоставленное сообщение", "mailer-daemon@yandex.ru",
     "This is the mail system at host forward2.mail.yandex.net.\n"
     "\n"
     "I'm sorry to have to inform you that your message could not\n"
     "be delivered to one or more recipients. It's attached below.\n"
     "\n"
     "<olga@example.ru>: host mx.example.ru[192.0.2.91] said: 552 5.2.2 Mailbox\n"
     "    size limit exceeded (in reply to end of DATA command)\n",
     "yandex", "olga@example.ru", "5.2.2", "552", "DATA", "failed"},
    /* ses delivery */
    {"From: AWS Notifications <no-reply@sns.amazonaws.com>\n"
     "To: me@example.com\n"
     "Subject: AWS Notification Message\n"
     "x-amz-sns-message-id: 11111111-2222-3333-4444-555555555555\n",
     "AWS Notification Message", "AWS Notifications <no-reply@sns.amazonaws.com>",
     "{\"notificationType\":\"Delivery\",\"mail\":{\"timestamp\":\"2026-03-02T09:00:00.000Z\","
     "\"source\":\"me@example.com\",\"messageId\":\"0100017abc\",\"destination\":[\"akane@example."
     "net\"]},\"delivery\":{\"timestamp\":\"2026-03-02T09:00:01.000Z\",\"processingTimeMillis\":"
     "900,\"recipients\":[\"akane@example.net\"],\"smtpResponse\":\"250 2.6.0 Message "
     "received\",\"reportingMTA\":\"a8-1.smtp-out.amazonses.com\"}}\n"
     "\n"
     "--\n"
     "If you wish to stop receiving notifications from this topic, please click or visit the link "
     "below to unsubscribe:\n",
     "amazonses", "akane@example.net", "2.6.0", "250", "", "delivered"},
    /* ses transient */
    {"From: AWS Notifications <no-reply@sns.amazonaws.com>\n"
     "To: me@example.com\n"
     "Subject: AWS Notification Message\n"
     "x-amz-sns-message-id: 11111111-2222-3333-4444-555555555556\n",
     "AWS Notification Message", "AWS Notifications <no-reply@sns.amazonaws.com>",
     "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Transient\",\"bounceSubType\":"
     "\"MailboxFull\",\"bouncedRecipients\":[{\"emailAddress\":\"sora@example.org\",\"action\":"
     "\"failed\",\"status\":\"5.2.2\",\"diagnosticCode\":\"smtp; 552 5.2.2 Mailbox "
     "full\"}],\"timestamp\":\"2026-03-02T09:00:01.000Z\",\"feedbackId\":\"0100017abd\","
     "\"reportingMTA\":\"dsn; "
     "a8-2.smtp-out.amazonses.com\"},\"mail\":{\"timestamp\":\"2026-03-02T09:00:00.000Z\","
     "\"source\":\"me@example.com\",\"messageId\":\"0100017abc\",\"destination\":[\"sora@example."
     "org\"]}}\n",
     "amazonses", "sora@example.org", "5.2.2", "552", "", "failed"},
    /* ses sqs escaped */
    {"From: AWS Notifications <no-reply@sns.amazonaws.com>\n"
     "To: me@example.com\n"
     "Subject: AWS Notification Message\n",
     "AWS Notification Message", "AWS Notifications <no-reply@sns.amazonaws.com>",
     "{\n"
     "  \"Type\" : \"Notification\",\n"
     "  \"MessageId\" : \"aaaa\",\n"
     "  \"TopicArn\" : \"arn:aws:sns:us-east-1:123456789012:ses-bounces\",\n"
     "  \"Message\" : "
     "\"{\\\"notificationType\\\":\\\"Bounce\\\",\\\"bounce\\\":{\\\"bounceType\\\":"
     "\\\"Permanent\\\",\\\"bounceSubType\\\":\\\"General\\\",\\\"bouncedRecipients\\\":[{"
     "\\\"emailAddress\\\":\\\"kohei@example.com\\\",\\\"action\\\":\\\"failed\\\",\\\"status\\\":"
     "\\\"5.1.1\\\",\\\"diagnosticCode\\\":\\\"smtp; 550 5.1.1 user unknown\\\"}]}}\"\n"
     "}\n",
     "amazonses", "kohei@example.com", "5.1.1", "550", "", "failed"},
    /* bigfoot */
    {"From: MAILER-DAEMON@mx.bigfoot.com\n"
     "To: me@example.com\n"
     "Subject: Returned mail: User unknown\n"
     "Received: from mx.bigfoot.com (mx.bigfoot.com [192.0.2.10]) by mail.example.com\n",
     "Returned mail: User unknown", "MAILER-DAEMON@mx.bigfoot.com",
     "   ----- Transcript of session follows -----\n"
     "<haruka@bigfoot.com>\n"
     "550 5.1.1 <haruka@bigfoot.com>... User unknown\n",
     "bigfoot", "haruka@bigfoot.com", "5.1.1", "550", "", "failed"},
    /* coremail en */
    {"From: postmaster@126.com\n"
     "To: me@example.com\n"
     "Subject: Undelivered Mail Returned to Sender\n",
     "Undelivered Mail Returned to Sender", "postmaster@126.com",
     "Sorry, your message could not be delivered.\n"
     "\n"
     "Recipient: lei@example.cn\n"
     "Reason: 550 5.1.1 Mailbox not found\n"
     "\n"
     "----- Original message -----\n",
     "coremail", "lei@example.cn", "5.1.1", "550", "", "failed"},
    /* exim3 */
    {"From: Mail Delivery System <MAILER-DAEMON@old.example.org>\n"
     "To: me@example.com\n"
     "Subject: Mail delivery failed: returning message to sender\n",
     "Mail delivery failed: returning message to sender",
     "Mail Delivery System <MAILER-DAEMON@old.example.org>",
     "This message was created automatically by mail delivery software.\n"
     "\n"
     "A message that you sent could not be delivered to all of its recipients. The\n"
     "following address(es) failed:\n"
     "\n"
     "Failed addresses follow:\n"
     "---------------------------------------------------------------------\n"
     " tomoko@example.net ... unknown user\n"
     "---------------------------------------------------------------------\n"
     "Message text follows:\n",
     "exim", "tomoko@example.net", "", "", "", "failed"},
    /* hmailserver kerio */
    {"From: postmaster@mail.example.net\n"
     "To: me@example.com\n"
     "Subject: Undeliverable: Quote\n",
     "Undeliverable: Quote", "postmaster@mail.example.net",
     "Your message did not reach some or all of the intended recipients.\n"
     "\n"
     "   Sent: Mon, 2 Mar 2026 10:00:00 +0100\n"
     "   Subject: Quote\n"
     "\n"
     "The following recipients could not be reached:\n"
     "\n"
     "masa@example.org\n"
     "   Error Type: SMTP\n"
     "   Remote server (198.51.100.4) issued an error.\n"
     "   hMailServer sent: DATA\n"
     "   Remote server replied: 554 5.7.1 Message rejected as spam\n",
     "hmailserver", "masa@example.org", "5.7.1", "554", "DATA", "failed"},
    /* office365 2013 */
    {"From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@corp.example>\n"
     "To: me@example.com\n"
     "Subject: Undeliverable: Budget\n"
     "X-MS-Exchange-CrossTenant-Id: 00000000-0000-0000-0000-000000000000\n",
     "Undeliverable: Budget",
     "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@corp.example>",
     "Delivery has failed to these recipients or groups:\n"
     "\n"
     "hiroshi@partner.example\n"
     "The email address you entered couldn't be found. Please check the recipient's email address "
     "and try to resend the message.\n"
     "\n"
     "Diagnostic information for administrators:\n"
     "\n"
     "Generating server: AM5PR0101MB0001.eurprd01.prod.outlook.com\n"
     "\n"
     "hiroshi@partner.example\n"
     "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by "
     "SMTP address lookup'\n"
     "\n"
     "Original message headers:\n"
     "\n"
     "To: hiroshi@partner.example\n",
     "office365", "hiroshi@partner.example", "5.1.10", "550", "", "failed"},
    /* opensmtpd multi */
    {"From: Mailer Daemon <MAILER-DAEMON@smtpd.example.org>\n"
     "To: me@example.com\n"
     "Subject: Delivery status notification: error\n",
     "Delivery status notification: error", "Mailer Daemon <MAILER-DAEMON@smtpd.example.org>",
     "Hi!\n"
     "\n"
     "This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.\n"
     "\n"
     "An error has occurred while attempting to deliver a message for\n"
     "the following list of recipients:\n"
     "\n"
     "aki@example.net: 550 5.1.1 <aki@example.net>: Recipient address rejected\n"
     "\n"
     "Below is a copy of the original message:\n",
     "opensmtpd", "aki@example.net", "5.1.1", "550", "", "failed"},
    /* sendgrid */
    {"From: MAILER-DAEMON@sendgrid.net\n"
     "To: me@example.com\n"
     "Subject: Undelivered Mail Returned to Sender\n",
     "Undelivered Mail Returned to Sender", "MAILER-DAEMON@sendgrid.net",
     "This is an automatically generated message from SendGrid.\n"
     "\n"
     "I'm sorry to have to tell you that your message was not able to be\n"
     "delivered to one of its intended recipients.\n"
     "\n"
     "If you require assistance with this, please contact SendGrid support.\n"
     "\n"
     "tatsuya@example.com:<tatsuya@example.com> : 550 5.1.1 The email account that you tried to "
     "reach does not exist\n",
     "sendgrid", "tatsuya@example.com", "5.1.1", "550", "", "failed"},
    /* verizon vzwpix */
    {"From: sysadmin@vzwpix.com\n"
     "To: me@example.com\n"
     "Subject: Returned mail: see transcript for details\n",
     "Returned mail: see transcript for details", "sysadmin@vzwpix.com",
     "Message could not be delivered to mobile.\n"
     "Addressed To: 5550002222@vzwpix.com\n"
     "Error Code: No valid recipients for this MM\n"
     "\n"
     "Original Message:\n",
     "verizon", "5550002222@vzwpix.com", "", "", "", "failed"},
    /* sendmail bare */
    {"From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.org>\n"
     "To: me@example.com\n"
     "Subject: Returned mail: see transcript for details\n",
     "Returned mail: see transcript for details",
     "Mail Delivery Subsystem <MAILER-DAEMON@relay.example.org>",
     "The original message was received at Mon, 2 Mar 2026 10:00:00 +0100\n"
     "from client.example.org [192.0.2.9]\n"
     "\n"
     "   ----- The following addresses had permanent fatal errors -----\n"
     "kaz@example.net\n"
     "    (reason: 550 5.1.1 <kaz@example.net>... User unknown)\n"
     "\n"
     "   ----- Transcript of session follows -----\n"
     "... while talking to mx.example.net.:\n"
     ">>> RCPT To:<kaz@example.net>\n"
     "<<< 550 5.1.1 <kaz@example.net>... User unknown\n"
     "550 5.1.1 kaz@example.net... User unknown\n"
     "\n"
     "   ----- Original message follows -----\n",
     "sendmail", "kaz@example.net", "5.1.1", "550", "RCPT", "failed"},
    /* sendmail local */
    {"From: Mail Delivery Subsystem <MAILER-DAEMON@host.example.org>\n"
     "To: me@example.com\n"
     "Subject: Returned mail: see transcript for details\n",
     "Returned mail: see transcript for details",
     "Mail Delivery Subsystem <MAILER-DAEMON@host.example.org>",
     "The original message was received at Mon, 2 Mar 2026 10:00:00 +0100\n"
     "from localhost [127.0.0.1]\n"
     "\n"
     "   ----- The following addresses had permanent fatal errors -----\n"
     "\"|/usr/local/bin/procmail\"\n"
     "    (reason: Service unavailable)\n"
     "    (expanded from: <yuko@host.example.org>)\n"
     "\n"
     "   ----- Transcript of session follows -----\n"
     "procmail: Quota exceeded while writing \"/var/mail/yuko\"\n"
     "554 5.3.0 unknown mailer error 1\n",
     "sendmail", "yuko@host.example.org", "", "", "", "failed"},
    /* postfix local */
    {"From: MAILER-DAEMON@mail.example.org (Mail Delivery System)\n"
     "To: me@example.com\n"
     "Subject: Undelivered Mail Returned to Sender\n",
     "Undelivered Mail Returned to Sender", "MAILER-DAEMON@mail.example.org (Mail Delivery System)",
     "This is the mail system at host mail.example.org.\n"
     "\n"
     "I'm sorry to have to inform you that your message could not\n"
     "be delivered to one or more recipients. It's attached below.\n"
     "\n"
     "                   The mail system\n"
     "\n"
     "<ken@mail.example.org>: cannot update mailbox /var/mail/ken for user ken.\n"
     "    error writing message: Disk quota exceeded\n",
     "postfix", "ken@mail.example.org", "", "", "", "failed"},
    /* exim pipe */
    {"From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n"
     "To: me@example.com\n"
     "Subject: Mail delivery failed: returning message to sender\n",
     "Mail delivery failed: returning message to sender",
     "Mail Delivery System <Mailer-Daemon@mx.example.org>",
     "This message was created automatically by mail delivery software.\n"
     "\n"
     "A message that you sent could not be delivered to one or more of its\n"
     "recipients. This is a permanent error. The following address(es) failed:\n"
     "\n"
     "  save to /home/rei/mail/inbox\n"
     "    generated by rei@example.org\n"
     "    mailbox is full: retry timeout exceeded\n",
     "exim", "rei@example.org", "", "", "", "failed"},
};

TEST(format_variants_beyond_the_dev_samples)
{
    bc_formats *f = shipped();
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        const struct variant *x = &variants[i];
        printf("# variant %zu (%s)\n", i, x->mta);
        expect_one(f, x->headers, x->subject, x->from, x->text, x->mta, x->addr, x->status,
                   x->reply, x->command, NULL, x->action);
    }
    formats_free(f);
}

/* Hotmail's delay notice says nothing but the address: still a delayed
 * recipient of the outlook format. */
TEST(outlook_delay_without_reason)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    const char *text = "This is an automatically generated Delivery Status Notification.\n\n"
                       "Delivery to the following recipients has been delayed.\n\n"
                       "       fumi@example.net\n";
    CHECK(run(f, "From: postmaster@hotmail.com\nTo: me@example.com\n",
              "Delivery Status Notification (Delay)", "postmaster@hotmail.com", text, strlen(text),
              &a, &rep) == 1);
    CHECK_STR(rep.mta, "outlook");
    if (rep.nrecipients == 1) {
        CHECK_STR(rep.recipients[0].address, "fumi@example.net");
        CHECK_STR(rep.recipients[0].action, "delayed");
    }
    arena_free(a);
    formats_free(f);
}

/* Formats known by their sender or headers (their details come as a DSN):
 * the regional domains and header stamps the providers use. */
TEST(identify_by_provider_domains_and_stamps)
{
    static const struct {
        const char *headers, *subject, *from, *text, *id;
    } cases[] = {
        {"", "Mail delivery failed: returning message to sender",
         "Mail Delivery System <mailer-daemon@corp.mail.ru>",
         "This message was created automatically by mail delivery software.\n\n"
         "A message that you sent could not be delivered to one or more of its\n"
         "recipients. This is a permanent error. The following address(es) failed:\n\n"
         "  ivan@example.ru\n    retry timeout exceeded\n",
         "mailru"},
        {"", "Undelivered Mail Returned to Sender",
         "MAILER-DAEMON@relay9.mail.ru (Mail Delivery System)",
         "This is the mail system at host relay9.mail.ru.\n\n"
         "<dima@example.org>: host mx.example.org[192.0.2.8] said: 452 4.2.2 Mailbox full\n",
         "postfix"},
        {"", "Failed delivery", "mailer-daemon@yandex.ua",
         "This is the mail system at host mx.yandex.ua.\n\n"
         "<oksana@example.ua>: host mx.example.ua[192.0.2.3] said: 550 5.1.1 no such user\n",
         "yandex"},
        {"X-Mailer: Amazon WorkMail\n", "Delivery Status Notification (Failure)",
         "MAILER-DAEMON@us-west-2.amazonses.com",
         "An error occurred while trying to deliver the mail to the following recipients:\n"
         "kana@example.org\n",
         "amazonworkmail"},
        {"X-SES-Outgoing: 2026.03.02-54.240.8.1\n", "Delivery Status Notification (Failure)",
         "MAILER-DAEMON@example.org", "This message could not be delivered.\n", "receivingses"},
        {"", "Sorry, your message could not be delivered",
         "Facebook <mailer-daemon@mx.facebook.com>",
         "This message was created automatically by Facebook.\n\n"
         "Your message could not be delivered.\n",
         "facebook"},
        {"", "Mail delivery failed: returning message to sender", "mailer-daemon@gmx.at",
         "This message was created automatically by mail delivery software.\n", "gmx"},
        {"", "Undelivered Mail Returned to Sender", "mailer-daemon@mail.zoho.eu",
         "This message was created automatically by mail delivery software.\n", "zoho"},
    };
    bc_formats *f = shipped();
    rx_scratch *s = rx_scratch_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tr_input in = {cases[i].headers, strlen(cases[i].headers), cases[i].subject, cases[i].from,
                       cases[i].text,    strlen(cases[i].text)};
        const char *id = transcript_identify(f, s, &in);
        printf("# identify %s\n", cases[i].id);
        CHECK_STR(id ? id : "(none)", cases[i].id);
    }
    rx_scratch_free(s);
    formats_free(f);
}

/* Bounces of unknown origin in other languages, with no status code to
 * lean on: the generic reader knows their wording. */
TEST(generic_reader_other_languages)
{
    static const struct {
        const char *subject, *text, *addr;
    } cases[] = {
        {"Unzustellbar: Angebot",
         "Ihre Nachricht konnte nicht an folgende Empfänger zugestellt werden:\n\n  "
         "jonas@example.de\n  Benutzer unbekannt\n",
         "jonas@example.de"},
        {"Olevererbart: Offert",
         "Ditt meddelande kunde inte levereras till följande mottagare:\n\n  erik@example.se\n  "
         "Okänd användare\n",
         "erik@example.se"},
        {"Ikke leveret: Tilbud",
         "Din meddelelse kunne ikke leveres til følgende modtagere:\n\n  mads@example.dk\n  Ukendt "
         "bruger\n",
         "mads@example.dk"},
        {"Kan ikke leveres: Tilbud",
         "Meldingen din kunne ikke leveres til følgende mottakere:\n\n  ola@example.no\n  Ukjent "
         "bruker\n",
         "ola@example.no"},
        {"Ei voitu toimittaa: Tarjous",
         "Viestiäsi ei voitu toimittaa seuraaville vastaanottajille:\n\n  aino@example.fi\n  "
         "Tuntematon käyttäjä\n",
         "aino@example.fi"},
        {"Kézbesíthetetlen: Ajánlat",
         "Az üzenetet nem sikerült kézbesíteni a következő címzetteknek:\n\n  anna@example.hu\n  "
         "Ismeretlen felhasználó\n",
         "anna@example.hu"},
        {"Nedoručitelná zpráva: Nabídka",
         "Vaši zprávu nebylo možné doručit následujícím příjemcům:\n\n  petr@example.cz\n  Neznámý "
         "uživatel\n",
         "petr@example.cz"},
    };
    bc_formats *f = shipped();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena *a;
        rpt_report rep;
        int n = run(f, "From: MAILER-DAEMON@mx.example.org\nTo: me@example.com\n", cases[i].subject,
                    "MAILER-DAEMON@mx.example.org", cases[i].text, strlen(cases[i].text), &a, &rep);
        printf("# %s\n", cases[i].subject);
        CHECK(n == 1);
        if (rep.nrecipients == 1)
            CHECK_STR(rep.recipients[0].address, cases[i].addr);
        arena_free(a);
    }
    formats_free(f);
}

/* A bounce subject alone does not make a shop's notice a bounce: the sender
 * must look like a mail system. */
TEST(generic_subject_needs_a_system_sender)
{
    bc_formats *f = shipped();
    arena *a;
    rpt_report rep;
    const char *text = "Hello,\n\nYour package could not be delivered today. We will try again "
                       "tomorrow.\n\nQuestions? Write to help@shop.example.com.\n";
    CHECK(run(f, "From: Shop <info@shop.example.com>\nTo: me@example.com\n",
              "Your package was not delivered", "Shop <info@shop.example.com>", text, strlen(text),
              &a, &rep) == 0);
    arena_free(a);
    const char *bounce = "Your message could not be delivered to the following address:\n\n"
                         "  rui@example.net\n  Mailbox unavailable\n";
    CHECK(run(f, "From: ISP <no-reply@isp.example>\n", "Message not delivered",
              "ISP <no-reply@isp.example>", bounce, strlen(bounce), &a, &rep) == 1);
    arena_free(a);
    CHECK(run(f, "From: Support <support@isp.example>\n", "Message not delivered",
              "Support <support@isp.example>", bounce, strlen(bounce), &a, &rep) == 0);
    arena_free(a);
    formats_free(f);
}

int main(void)
{
    RUN_TESTS();
}
