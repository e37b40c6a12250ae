/*
 * test_dsn.c - RFC 3464 / RFC 6533 delivery-status fields to recipients.
 */
#include <stdio.h>
#include <string.h>

#include "dsn.h"
#include "formats.h"
#include "tap.h"

/* The shipped wording (conf/formats.conf), loaded once for every test. */
static const dsn_vocab *vocab(void)
{
    static bc_formats *f;
    if (f == NULL) {
        const char *paths[] = {"conf/formats.conf"};
        char err[256];
        f = formats_load(paths, 1, err, sizeof err);
        if (f == NULL)
            fprintf(stderr, "# %s\n", err);
    }
    return formats_dsn_vocab(f);
}

static dsn_report parse(arena *a, const char *s)
{
    dsn_report d;
    memset(&d, 0, sizeof d);
    CHECK(dsn_parse(vocab(), s, strlen(s), a, &d) == 0);
    return d;
}

TEST(only_registered_reply_codes)
{
    arena *a = arena_new();
    /* a vendor's own three-digit code is not an SMTP reply */
    dsn_report d = parse(a, "Final-Recipient: rfc822; a@example.jp\n"
                            "Action: failed\nStatus: 5.7.1\n"
                            "Diagnostic-Code: smtp; 571 Delivery not authorized\n"
                            "\n"
                            "Final-Recipient: rfc822; b@example.jp\n"
                            "Action: failed\nStatus: 5.1.1\n"
                            "Diagnostic-Code: smtp; 525 5.7.13 User account disabled\n");
    CHECK(d.nrecipients == 2);
    CHECK_STR(d.recipients[0].reply_code, "");
    CHECK_STR(d.recipients[1].reply_code, "525");
    arena_free(a);
}

TEST(postfix_style)
{
    arena *a = arena_new();
    dsn_report d = parse(a, "Reporting-MTA: dns; MX.Example.ORG\n"
                            "X-Postfix-Queue-ID: 4F2A\n"
                            "Arrival-Date: Mon, 23 Nov 2026 10:00:00 +0000\n"
                            "\n"
                            "Final-Recipient: rfc822; Kijitora@Example.JP\n"
                            "Original-Recipient: rfc822;kijitora@example.jp\n"
                            "Action: failed\n"
                            "Status: 5.0.0\n"
                            "Remote-MTA: dns; MX1.example.jp\n"
                            "Diagnostic-Code: smtp; 550 5.1.1 <kijitora@example.jp>... User\n"
                            "    Unknown (in reply to RCPT TO command)\n");
    CHECK_STR(d.reporting_mta, "mx.example.org");
    CHECK_STR(d.mta, "postfix");
    CHECK(d.nrecipients == 1);
    rpt_recipient *r = &d.recipients[0];
    CHECK_STR(r->address, "Kijitora@example.jp");
    CHECK_STR(r->action, "failed");
    CHECK_STR(r->status, "5.1.1");
    CHECK_STR(r->reply_code, "550");
    CHECK_STR(r->smtp_command, "RCPT");
    CHECK_STR(r->remote_mta, "mx1.example.jp");
    CHECK_STR(r->diagnostic,
              "550 5.1.1 <kijitora@example.jp>... User Unknown (in reply to RCPT TO command)");
    arena_free(a);
}

TEST(several_recipients_odd_blank_lines)
{
    arena *a = arena_new();
    /* no blank line after the per-message group nor between recipients,
     * extra blank lines elsewhere, one address repeated */
    dsn_report d = parse(a, "Reporting-MTA: dns; mx.example.org\n"
                            "Final-Recipient: rfc822; <one@a.example>\n"
                            "Action: failed\n"
                            "Status: 5.2.2\n"
                            "Diagnostic-Code: smtp; 552 mailbox full\n"
                            "Final-Recipient: rfc822; \"two\"@B.example\n"
                            "Action: delayed\n"
                            "Status: 4.4.1\n"
                            "Diagnostic-Code: X-Postfix; connect to b.example[192.0.2.1]:25:\n"
                            " Connection timed out\n"
                            "\n\n\n"
                            "Original-Recipient: rfc822; ONE@A.example\n"
                            "Final-Recipient: rfc822; one@a.example\n"
                            "Action: failed\n"
                            "Status: 5.0.0\n");
    CHECK_STR(d.reporting_mta, "mx.example.org");
    CHECK(d.nrecipients == 2);
    CHECK_STR(d.recipients[0].address, "one@a.example");
    CHECK_STR(d.recipients[0].status, "5.2.2");
    CHECK_STR(d.recipients[0].reply_code, "552");
    CHECK_STR(d.recipients[1].address, "two@b.example");
    CHECK_STR(d.recipients[1].action, "delayed");
    CHECK_STR(d.recipients[1].status, "4.4.1");
    CHECK_STR(d.recipients[1].reply_code, "");
    CHECK_STR(d.recipients[1].smtp_command, "CONN");
    CHECK_STR(d.recipients[1].diagnostic,
              "connect to b.example[192.0.2.1]:25: Connection timed out");
    arena_free(a);
}

TEST(global_dsn_utf8)
{
    arena *a = arena_new();
    dsn_report d = parse(a, "Reporting-MTA: dns; mx.example.cn\n\n"
                            "Original-Recipient: utf-8; \xe7\x94\xa8\xe6\x88\xb7@Example.CN\n"
                            "Action: failed\n"
                            "Status: 5.1.1\n"
                            "Diagnostic-Code: smtp; 550 \xe7\x94\xa8\xe6\x88\xb7\xe4\xb8\x8d"
                            "\xe5\xad\x98\xe5\x9c\xa8\n");
    CHECK(d.nrecipients == 1);
    CHECK_STR(d.recipients[0].address, "\xe7\x94\xa8\xe6\x88\xb7@example.cn");
    CHECK_STR(d.recipients[0].diagnostic,
              "550 \xe7\x94\xa8\xe6\x88\xb7\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8");
    arena_free(a);
}

TEST(fields_out_of_order)
{
    arena *a = arena_new();
    /* diagnostic before the recipient, continued on unindented "550-" lines;
     * an X-Unix diagnostic is an exit status, not a reply; a source route */
    dsn_report d = parse(a, "Reporting-MTA: dns; relay.example\n\n"
                            "Diagnostic-Code: smtp; 550-Please authenticate.\n"
                            "550 relay denied\n"
                            "Status: 5.0.0\nAction: failed\n"
                            "Final-Recipient: rfc822; a@example.org\n\n"
                            "Final-Recipient: rfc822;@relay.example:b@Example.NET\n"
                            "Action: failed\nStatus: 5.3.0\nDiagnostic-Code: X-Unix; 255\n");
    CHECK(d.nrecipients == 2);
    CHECK_STR(d.recipients[0].diagnostic, "550-Please authenticate. 550 relay denied");
    CHECK_STR(d.recipients[0].reply_code, "550");
    CHECK_STR(d.recipients[1].address, "b@example.net");
    CHECK_STR(d.recipients[1].reply_code, "");
    CHECK_STR(d.recipients[1].diagnostic, "255");
    arena_free(a);
}

TEST(last_line_without_newline)
{
    arena *a = arena_new();
    dsn_report d = parse(a, "Final-Recipient: rfc822; a@b\nAction: failed\nStatus: 5.1.1");
    CHECK(d.nrecipients == 1);
    arena_free(a);
}

TEST(fields_written_loosely)
{
    arena *a = arena_new();
    /* blanks before colons and semicolons, odd case, a folded diagnostic,
     * CRLF and LF lines mixed, a CRLF blank line between the groups */
    dsn_report d = parse(a, "reporting-mta : DNS ; Relay.Example.NET\r\n"
                            "\r\n"
                            "FINAL-RECIPIENT : RFC822 ; <Ann@Example.ORG>\r\n"
                            "action :Failed\n"
                            "STATUS:\t5.2.2\r\n"
                            "remote-mta\t: dns ; MX.Example.ORG\r\n"
                            "diagnostic-code : SMTP ; 552-5.2.2 mailbox\r\n"
                            "\tfull (in reply to RCPT TO\r\n"
                            "  command)\r\n"
                            "\r\n"
                            "Final-recipient: rfc822;bob@example.org\n"
                            "ACTION: DELAYED\r\n"
                            "Status: 4.4.1\r\n");
    CHECK_STR(d.reporting_mta, "relay.example.net");
    CHECK(d.nrecipients == 2);
    if (d.nrecipients == 2) {
        rpt_recipient *r = &d.recipients[0];
        CHECK_STR(r->address, "Ann@example.org");
        CHECK_STR(r->action, "failed");
        CHECK_STR(r->status, "5.2.2");
        CHECK_STR(r->reply_code, "552");
        CHECK_STR(r->remote_mta, "mx.example.org");
        CHECK_STR(r->smtp_command, "RCPT");
        CHECK_STR(r->diagnostic, "552-5.2.2 mailbox full (in reply to RCPT TO command)");
        CHECK_STR(d.recipients[1].address, "bob@example.org");
        CHECK_STR(d.recipients[1].action, "delayed");
        CHECK_STR(d.recipients[1].status, "4.4.1");
    }
    /* text with a colon after several words is no field */
    d = parse(a, "Final-Recipient: rfc822; c@example.org\nAction: failed\n"
                 "Diagnostic-Code: smtp; 550 5.1.1 unknown\n550 5.1.1 User : gone\n");
    CHECK(d.nrecipients == 1);
    if (d.nrecipients == 1)
        CHECK_STR(d.recipients[0].diagnostic, "550 5.1.1 unknown 550 5.1.1 User : gone");
    arena_free(a);
}

TEST(original_recipient_is_the_address_the_sender_knows)
{
    arena *a = arena_new();
    const char *cases[][3] = {
        /* Final-Recipient, Original-Recipient, the address wanted */
        {"x400; /C=JP/ADMD=NONE/PRMD=EX/O=MAIL/S=TANAKA/", "rfc822; tanaka@example.jp",
         "tanaka@example.jp"},
        {"local; mailbox-channel", "rfc822;<ren@example.org>", "ren@example.org"},
        {"rfc822; mbox17", "rfc822; ren@example.org", "ren@example.org"},
        /* an alias the receiving side rewrote */
        {"rfc822; ren.k@inbox.example.net", "rfc822; ren@example.org", "ren@example.org"},
        {"rfc822; @relay.example:ren@host", "rfc822;ren@example.org", "ren@example.org"},
        /* only the case differs: the final one, as written */
        {"rfc822; Ren@Example.ORG", "rfc822; ren@example.org", "Ren@example.org"},
        /* an original that is no Internet address, or an Exchange encapsulation */
        {"rfc822; ren@example.org", "x400; /C=JP/S=REN/", "ren@example.org"},
        {"rfc822; ren@example.org", "rfc822; IMCEAEX-_O=EX_CN=REN@example.org", "ren@example.org"},
        /* RFC 6533 */
        {"rfc822; ren@example.org", "utf-8; \xe8\x93\xae@example.org", "\xe8\x93\xae@example.org"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: %s\n"
                 "Original-Recipient: %s\nAction: failed\nStatus: 5.1.1\n",
                 cases[i][0], cases[i][1]);
        dsn_report d = parse(a, body);
        CHECK(d.nrecipients == 1);
        if (d.nrecipients == 1)
            CHECK_STR(d.recipients[0].address, cases[i][2]);
    }
    /* without an Original-Recipient, whatever Final-Recipient holds */
    dsn_report d = parse(a, "Final-Recipient: x400; /C=JP/S=REN/\nAction: failed\n");
    CHECK(d.nrecipients == 1);
    arena_free(a);
}

TEST(no_recipients)
{
    arena *a = arena_new();
    dsn_report d = parse(a, "Reporting-MTA: dns; x\n\nAction: failed\nStatus: 5.0.0\n");
    CHECK(d.nrecipients == 0);
    d = parse(a, "");
    CHECK(d.nrecipients == 0);
    arena_free(a);
}

static rpt_recipient refined(arena *a, const char *status, const char *diag)
{
    rpt_recipient r = {"x@y", "failed", status, "", "", diag, "", ""};
    CHECK(dsn_refine(vocab(), &r, a) == 0);
    return r;
}

TEST(refine_from_diagnostic)
{
    arena *a = arena_new();
    rpt_recipient r = refined(a, "5.0.0",
                              "host mx.Example.com[192.0.2.9] said: 550-5.7.1 blocked "
                              "(in reply to end of DATA command)");
    CHECK_STR(r.status, "5.7.1");
    CHECK_STR(r.reply_code, "550");
    CHECK_STR(r.smtp_command, "DATA");
    CHECK_STR(r.remote_mta, "mx.example.com");
    r = refined(a, "5.1.1", "550 5.0.0 generic");
    CHECK_STR(r.status, "5.1.1");
    r = refined(a, "",
                "SMTP error from remote mail server after MAIL FROM:<a@b> SIZE=10: "
                "553 sender rejected");
    CHECK_STR(r.reply_code, "553");
    CHECK_STR(r.smtp_command, "MAIL");
    CHECK_STR(r.status, "");
    r = refined(a, "", "mailbox quota of 500 MB reached at 10.5.1.2");
    CHECK_STR(r.reply_code, "");
    CHECK_STR(r.status, "");
    /* the remote server's code beats an equally specific field */
    r = refined(a, "4.4.7", "450 4.7.1 Access denied");
    CHECK_STR(r.status, "4.7.1");
    /* a greeting's 220 is not the failure's reply */
    r = refined(a, "", "220-mx.example 421 4.2.1 Service refused");
    CHECK_STR(r.reply_code, "421");
    r = refined(a, "4.0.0", "421 4.7.0 try later; lost connection while sending HELO");
    CHECK_STR(r.status, "4.7.0");
    CHECK_STR(r.reply_code, "421");
    CHECK_STR(r.smtp_command, "HELO");
    arena_free(a);
}

TEST(powermta_bounce_category)
{
    arena *a = arena_new();
    dsn_report d =
        parse(a, "Reporting-MTA: dns;mta.example.net\nX-PowerMTA-VirtualMTA: v1\n\n"
                 "Final-Recipient: rfc822;a@example.jp\nAction: failed\n"
                 "Status: 5.0.0\nDiagnostic-Code: smtp;550 rejected\n"
                 "X-PowerMTA-BounceCategory:  bad-mailbox\n\n"
                 "Final-Recipient: rfc822;b@example.jp\nAction: failed\nStatus: 5.0.0\n");
    CHECK(d.nrecipients == 2);
    if (d.nrecipients == 2) {
        CHECK_STR(d.recipients[0].text, "X-PowerMTA-BounceCategory: bad-mailbox");
        CHECK_STR(d.recipients[0].diagnostic, "550 rejected");
        CHECK_STR(d.recipients[1].text, "");
    }
    arena_free(a);
}

TEST(quoted_remote_reply_status)
{
    arena *a = arena_new();
    /* the reporter's generic expiry quotes the remote server's reply */
    rpt_recipient r = refined(a, "4.4.7",
                              "554 4.4.7 Message expired: unable to deliver in 840 minutes."
                              "<421 4.4.2 Connection timed out>");
    CHECK_STR(r.status, "4.4.2");
    CHECK_STR(r.reply_code, "421"); /* the remote server's reply is the evidence */
    /* a multi-line reply repeats its own status: nothing quoted */
    r = refined(a, "5.0.0", "550-5.1.1 The email account does not exist. 550 5.1.1 Try again");
    CHECK_STR(r.status, "5.1.1");
    /* a quoted reply that is less specific does not win */
    r = refined(a, "5.1.1", "550 5.1.1 unknown user (remote said: 550 5.0.0 rejected)");
    CHECK_STR(r.status, "5.1.1");
    /* the same for a recipient another extractor filled */
    r = (rpt_recipient){"x@y", "failed", "4.4.7", "", "", "550 4.4.7 expired (421 4.4.2 timeout)",
                        "",    ""};
    CHECK(dsn_quoted_status(&r, a) == 0);
    CHECK_STR(r.status, "4.4.2");
    r.diagnostic = "550 5.1.1 unknown";
    CHECK(dsn_quoted_status(&r, a) == 0);
    CHECK_STR(r.status, "4.4.2");
    /* the quoted reply at every offset of a long diagnostic, after
     * near-misses ("4.5", "550 x.") that must not stop the search */
    char d[160];
    for (size_t off = 0; off < 48; off++) {
        memset(d, ' ', sizeof d);
        memcpy(d, "554 4.4.7 expired", 17);
        memcpy(d + 20 + off, "4.5 550 x. 5", 12);
        memcpy(d + 40 + off, "421 4.4.2 timed out", 19);
        d[40 + off + 19] = '\0';
        r.status = "4.4.7";
        r.diagnostic = d;
        CHECK(dsn_quoted_status(&r, a) == 0);
        CHECK_STR(r.status, "4.4.2");
    }
    arena_free(a);
}

TEST(the_remote_servers_reply_is_the_evidence)
{
    arena *a = arena_new();
    /* a reply wrapped in another: the innermost one */
    rpt_recipient r = refined(a, "5.0.0",
                              "550 5.7.1 Message refused <mx.example.org said: 554 5.7.1 "
                              "Client host 192.0.2.7 blocked>");
    CHECK_STR(r.reply_code, "554");
    CHECK_STR(r.status, "5.7.1");
    r = refined(a, "5.0.0",
                "Remote Server returned '550 5.4.0 Relay failed <mx said: 552 5.2.2 over quota>'");
    CHECK_STR(r.reply_code, "552");
    CHECK_STR(r.status, "5.2.2");
    /* a local MTA's summary after the transcript's reply */
    r = refined(a, "",
                ">>> RCPT To:<a@b>\n<<< 550 no such user here\n554 5.0.0 Service unavailable");
    CHECK_STR(r.reply_code, "550");
    CHECK_STR(r.smtp_command, "RCPT");
    /* Exchange's "#" wrapper and a diagnostic type glued to the reply */
    r = refined(a, "", "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##");
    CHECK_STR(r.reply_code, "550");
    CHECK_STR(r.status, "5.1.1");
    r = refined(a, "5.0.0", "#< #5.0.0 smtp;554 5.7.1 Access denied> #SMTP#");
    CHECK_STR(r.reply_code, "554");
    CHECK_STR(r.status, "5.7.1");
    /* at one depth the more specific; a number in brackets is no reply */
    r = refined(a, "", "Remote protocol error: <<< 550 5.1.1 unknown\n<<< 503 5.0.0 Need RCPT");
    CHECK_STR(r.reply_code, "550");
    CHECK_STR(r.status, "5.1.1");
    char rc[4], st[16];
    const char *size = "554 5.3.4 message too big (552 bytes over)";
    CHECK(dsn_inner_reply(size, strlen(size), rc, st) == 0);
    r = refined(a, "", size);
    CHECK_STR(r.reply_code, "554");
    const char *plain = "550 5.1.1 unknown user";
    CHECK(dsn_inner_reply(plain, strlen(plain), rc, st) == 0);
    /* long runs of other text between the brackets and the replies, an
     * arrow of dots next to a bracket, a reply across sixteen-byte blocks */
    const char *runs = "Delivery to the following recipient failed permanently....<mx.example.org "
                       "said: 550 5.1.1 user unknown (in reply to RCPT TO command)> and "
                       "afterwards nothing more: 554 5.0.0 done";
    CHECK(dsn_inner_reply(runs, strlen(runs), rc, st) == 1);
    CHECK_STR(rc, "550");
    CHECK_STR(st, "5.1.1");
    const char *deeper = "the host was contacted xxxxxxxx: 451 4.3.0 later [relay said: <mx said: "
                         "452 4.2.2 over quota>]";
    CHECK(dsn_inner_reply(deeper, strlen(deeper), rc, st) == 1);
    CHECK_STR(rc, "452");
    CHECK_STR(st, "4.2.2");
    /* a bracket inside an arrow is no nesting: the reply stays at depth 0 */
    const char *arrow = "remote server replied <<< 550 5.7.1 refused, then said: 421 4.4.2 bye";
    CHECK(dsn_inner_reply(arrow, strlen(arrow), rc, st) == 1);
    CHECK_STR(rc, "550");
    /* a quoted reply less specific than the field keeps the field */
    r = refined(a, "5.2.2", "552 mailbox full <mx said: 452 4.0.0 try later>");
    CHECK_STR(r.status, "5.2.2");
    CHECK_STR(r.reply_code, "552");
    arena_free(a);
}

TEST(command_per_recipient)
{
    arena *a = arena_new();
    /* one text, two recipients: each one's own paragraph names its command */
    const char *text = "<ana@example.org>: host mx.example.org[192.0.2.5] said: 550 5.1.1\n"
                       "    unknown user (in reply to RCPT TO command)\n\n"
                       "<ben@example.net>: host mx.example.net[192.0.2.6] said: 552 5.3.4\n"
                       "    message too big (in reply to end of DATA command)\n";
    rpt_recipient ana = {"ana@example.org", "failed", "5.1.1", "", "", "", "", ""};
    rpt_recipient ben = {"Ben@Example.NET", "failed", "5.3.4", "", "", "", "", ""};
    CHECK(dsn_context(vocab(), &ana, text, strlen(text), a) == 0);
    CHECK(dsn_context(vocab(), &ben, text, strlen(text), a) == 0);
    CHECK_STR(ana.smtp_command, "RCPT");
    CHECK_STR(ben.smtp_command, "DATA");
    CHECK_STR(ana.remote_mta, "mx.example.org");
    CHECK_STR(ben.remote_mta, "mx.example.net");
    /* a transcript drawn with the arrows the other way */
    const char *rev = "<<< MAIL FROM:<s@example.com>\n>>> 250 ok\n<<< RCPT TO:<ana@example.org>\n"
                      ">>> 550 5.1.1 unknown\n";
    CHECK_STR(dsn_command(vocab(), rev, strlen(rev)), "RCPT");
    /* a recipient the text does not name: the whole text */
    rpt_recipient cy = {"cy@example.com", "failed", "5.0.0", "", "", "", "", ""};
    CHECK(dsn_context(vocab(), &cy, text, strlen(text), a) == 0);
    CHECK_STR(cy.smtp_command, "RCPT");
    arena_free(a);
}

TEST(command_from_session_transcript)
{
    const char *rcpt = "... while talking to mx.example:\n>>> MAIL From:<a@b>\n"
                       "<<< 250 ok\n>>> RCPT To:<c@d>\n<<< 550 5.1.1 unknown\n";
    CHECK_STR(dsn_command(vocab(), rcpt, strlen(rcpt)), "RCPT");
    const char *data = ">>> DATA\n<<< 554 5.7.1 rejected as spam\n";
    CHECK_STR(dsn_command(vocab(), data, strlen(data)), "DATA");
    /* with PIPELINING the RCPT replies come after ">>> DATA": the command is
     * what the transcript shows, as the reference implementation reads it */
    const char *piped = ">>> DATA\n<<< 550 5.1.1 <c@d>... User unknown\n"
                        "<<< 503 5.0.0 Need RCPT (recipient)\n";
    CHECK_STR(dsn_command(vocab(), piped, strlen(piped)), "DATA");
    const char *said = "host mx[192.0.2.1] said: 550 no (in reply to end of DATA command)";
    CHECK_STR(dsn_command(vocab(), said, strlen(said)), "DATA");
    CHECK_STR(dsn_command(vocab(), ">>> DATA\n", 9), "");
    /* Postfix wraps its text: the phrase may break across lines */
    const char *wrapped = "host mx[192.0.2.1] said: 550\n    <c@d>: Recipient address rejected. "
                          "(in reply to RCPT\n    TO command)\n";
    CHECK_STR(dsn_command(vocab(), wrapped, strlen(wrapped)), "RCPT");
    const char *wrapped_data = "said: 554 rejected (in reply\n\tto end of DATA command)";
    CHECK_STR(dsn_command(vocab(), wrapped_data, strlen(wrapped_data)), "DATA");
    /* a phrase as it is wins over a more specific one only found joined */
    const char *both = "550 (in reply to RCPT\n TO command) ... in reply to DATA command";
    CHECK_STR(dsn_command(vocab(), both, strlen(both)), "DATA");
    /* without lines, spaces are not joined: "rcpt  to" is no phrase */
    CHECK_STR(dsn_command(vocab(), "in reply to RCPT  TO", 20), "");
    const char *runs = "in reply to RCPT \r\n\t TO";
    CHECK_STR(dsn_command(vocab(), runs, strlen(runs)), "RCPT");
    /* phrases at every offset of a block, cut at every length */
    char buf[64];
    for (size_t off = 0; off < 40; off++) {
        memset(buf, 'x', sizeof buf);
        memcpy(buf + off, "After Data", 10);
        CHECK_STR(dsn_command(vocab(), buf, off + 10), "DATA");
        CHECK_STR(dsn_command(vocab(), buf, off + 9), "");
    }
}

TEST(address_and_fold)
{
    arena *a = arena_new();
    CHECK_STR(dsn_address("rfc822; <User.Name@Mail.EXAMPLE.com>", 36, a),
              "User.Name@mail.example.com");
    CHECK_STR(dsn_address(" \"John\" <john@X.org>", 20, a), "john@x.org");
    CHECK(dsn_address("rfc822; ", 8, a) == NULL);
    CHECK(dsn_address("rfc822; @x", 10, a) == NULL);
    CHECK_STR(dsn_fold("a\t\n  b\x01\x7f c  ", 13, 100, a), "a b c");
    const char *cut = dsn_fold("ab\xc3\xa9", 4, 3, a);
    CHECK_STR(cut, "ab");
    char st[16];
    CHECK(dsn_find_status("at 192.168.5.1.1 x", 18, st) == 0);
    CHECK(dsn_find_status("code 4.2.2,", 11, st) == 1 && strcmp(st, "4.2.2") == 0);
    arena_free(a);
}

TEST(status_in_rfc3463_shape)
{
    char st[16];
    /* an Exchange-style wrapper number is no status: subject out of range */
    CHECK(dsn_find_status("error #4.16.1 while routing", 27, st) == 0);
    CHECK(dsn_find_status("code 5.8.1 here", 15, st) == 0);
    CHECK(dsn_find_status("5.1.1000", 8, st) == 0);
    /* glued to a word, a version number or an address */
    CHECK(dsn_find_status("ERR#5.1.1 x", 11, st) == 0);
    CHECK(dsn_find_status("v2.4.1 released", 15, st) == 0);
    CHECK(dsn_find_status("at 10.5.1.2 now", 15, st) == 0);
    CHECK(dsn_find_status("rel 5.1.1.3 now", 15, st) == 0);
    CHECK(dsn_find_status("x_4.4.1 y", 9, st) == 0);
    /* qmail's "(#5.1.1)" and Exchange's "<host #5.0.0>" are statuses */
    CHECK(dsn_find_status("no mailbox (#5.1.1)", 19, st) == 1 && strcmp(st, "5.1.1") == 0);
    CHECK(dsn_find_status("<mx.example #5.4.4>", 19, st) == 1 && strcmp(st, "5.4.4") == 0);
    /* the first well-formed one after near-misses; detail up to 999 */
    CHECK(dsn_find_status("4.16.1 then 5.7.510.", 20, st) == 1 && strcmp(st, "5.7.510") == 0);
    CHECK(dsn_find_status("550-5.1.10 x", 12, st) == 1 && strcmp(st, "5.1.10") == 0);
    CHECK(dsn_status_at("2.0.0", 5, 0) == 5);
    CHECK(dsn_status_at("3.0.0", 5, 0) == 0);
    CHECK(dsn_status_at("5.0.", 4, 0) == 0);
    /* a diagnostic whose only dotted number is a wrapper code keeps the field */
    arena *a = arena_new();
    rpt_recipient r = {"x@y", "failed", "4.4.7", "", "", "Delivery failed #4.16.1 (retry)", "", ""};
    CHECK(dsn_refine(vocab(), &r, a) == 0);
    CHECK_STR(r.status, "4.4.7");
    arena_free(a);
}

/* dsn_fold one byte at a time. */
static void naive_fold(const char *s, size_t n, size_t cap, char *out)
{
    size_t room = n < cap ? n : cap, o = 0;
    for (size_t i = 0; i < n && o < room; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            if (c != '\t' && c != '\n' && c != '\r')
                continue;
            c = ' ';
        }
        if (c == ' ' && (o == 0 || out[o - 1] == ' '))
            continue;
        out[o++] = (char)c;
    }
    if (o == room && room < n)
        while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
            o--;
    if (o > 0 && (unsigned char)out[o - 1] >= 0xc0)
        o--;
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

TEST(fold_agrees_with_a_naive_one)
{
    /* texts of every length up to 120, over blanks, controls, UTF-8 and
     * letters, folded under caps that cut them anywhere */
    static const char alphabet[] = "ab  \t\n\x01\x7f\xc3\xa9xyz.";
    arena *a = arena_new();
    unsigned seed = 777;
    int bad = 0;
    for (int round = 0; round < 600; round++) {
        char v[121], want[121];
        size_t n = (size_t)round % 121, cap = round % 4 == 0 ? (size_t)round % 37 : 1000;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 16;
            v[i] = round % 3 == 0 ? (r % 9 ? 'q' : alphabet[r % (sizeof alphabet - 1)])
                                  : alphabet[r % (sizeof alphabet - 1)];
        }
        naive_fold(v, n, cap, want);
        const char *got = dsn_fold(v, n, cap, a);
        bad += got == NULL || strcmp(got, want) != 0;
    }
    CHECK(bad == 0);
    arena_free(a);
}

int main(void)
{
    RUN_TESTS();
}
