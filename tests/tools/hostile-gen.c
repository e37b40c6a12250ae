/*
 * hostile-gen - write hostile test messages into a directory.
 *
 *     hostile-gen DIR
 *
 * Writes one file per case (names below): huge, deeply nested, malformed
 * and hostile messages that the classifier must survive with bounded time
 * and memory.  The output is deterministic.  Files whose name starts with
 * "bounce-" hold a readable DSN near the top for <victim@example.org>; the
 * others promise nothing about their classification.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *outdir;

static FILE *create(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "hostile-gen: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    return f;
}

static void finish(FILE *f)
{
    if (ferror(f) || fclose(f) != 0) {
        fprintf(stderr, "hostile-gen: write error\n");
        exit(2);
    }
}

/* Headers and the DSN parts of a Postfix-like bounce; the caller appends the
 * returned message (or not) and closes the boundary. */
static void dsn_head(FILE *f, const char *boundary)
{
    fprintf(f,
            "Return-Path: <>\n"
            "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
            "To: sender@example.com\n"
            "Subject: Undelivered Mail Returned to Sender\n"
            "Date: Mon, 23 Nov 2026 10:00:00 +0000\n"
            "MIME-Version: 1.0\n"
            "Content-Type: multipart/report; report-type=delivery-status;\n"
            "\tboundary=\"%s\"\n\n"
            "--%s\nContent-Type: text/plain\n\n"
            "I'm sorry to have to inform you that your message could not\n"
            "be delivered to one or more recipients.\n\n"
            "<victim@example.org>: host mx.example.org said: 550 5.1.1 <victim@example.org>:\n"
            "    Recipient address rejected: User unknown (in reply to RCPT TO command)\n\n"
            "--%s\nContent-Type: message/delivery-status\n\n"
            "Reporting-MTA: dns; mx.example.net\n\n"
            "Final-Recipient: rfc822; victim@example.org\n"
            "Action: failed\nStatus: 5.1.1\n"
            "Remote-MTA: dns; mx.example.org\n"
            "Diagnostic-Code: smtp; 550 5.1.1 <victim@example.org>: User unknown\n\n",
            boundary, boundary, boundary);
}

/* 10 MB bounce: the DSN, then a returned message with a 10 MB attachment. */
static void big_bounce(void)
{
    FILE *f = create("bounce-10mb.eml");
    dsn_head(f, "B1");
    fputs("--B1\nContent-Type: message/rfc822\n\n"
          "From: sender@example.com\nTo: victim@example.org\nSubject: big\n"
          "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B2\"\n\n"
          "--B2\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n",
          f);
    for (int i = 0; i < 10 * 1024 * 1024 / 77; i++)
        fputs("QmFkIGRhdGEgZm9yIGEgdGVzdCBvZiBhIGJpZyBib3VuY2UgbWVzc2FnZSAxMjM0NTY3ODkwYWJj\n", f);
    fputs("--B2--\n--B1--\n", f);
    finish(f);
}

/* 100,000 header lines (many of them folded), then a DSN-looking body. */
static void many_headers(void)
{
    FILE *f = create("headers-100k.eml");
    for (int i = 0; i < 50000; i++)
        fprintf(f, "X-Filler-%d: value %d\n\tcontinued %d\n", i, i, i);
    fputs("From: MAILER-DAEMON@example.net\nSubject: Delivery Status Notification\n"
          "Content-Type: text/plain\n\n550 5.1.1 <victim@example.org>: User unknown\n",
          f);
    finish(f);
}

/* A multipart with 1,000 parts, the DSN last. */
static void many_parts(void)
{
    FILE *f = create("parts-1000.eml");
    fputs("From: MAILER-DAEMON@example.net\nSubject: Returned mail\nMIME-Version: 1.0\n"
          "Content-Type: multipart/report; report-type=delivery-status; boundary=\"P\"\n\n",
          f);
    for (int i = 0; i < 999; i++)
        fprintf(f, "--P\nContent-Type: text/plain\n\npart %d: 550 5.1.1 unknown user\n", i);
    fputs("--P\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n"
          "Final-Recipient: rfc822; victim@example.org\nAction: failed\nStatus: 5.1.1\n\n"
          "--P--\n",
          f);
    finish(f);
}

/* 200 levels of nested multiparts, and 200 levels of message/rfc822. */
static void deep_nesting(void)
{
    FILE *f = create("nest-multipart-200.eml");
    fputs("From: MAILER-DAEMON@example.net\nMIME-Version: 1.0\n", f);
    for (int i = 0; i < 200; i++)
        fprintf(f, "Content-Type: multipart/mixed; boundary=\"n%d\"\n\n--n%d\n", i, i);
    fputs("Content-Type: message/delivery-status\n\n"
          "Final-Recipient: rfc822; victim@example.org\nAction: failed\nStatus: 5.1.1\n\n",
          f);
    for (int i = 199; i >= 0; i--)
        fprintf(f, "--n%d--\n", i);
    finish(f);

    f = create("nest-rfc822-200.eml");
    for (int i = 0; i < 200; i++)
        fprintf(f,
                "From: MAILER-DAEMON@example.net\nSubject: Undelivered %d\nMIME-Version: 1.0\n"
                "Content-Type: message/rfc822\n\n",
                i);
    fputs("Subject: end\n\n550 5.1.1 user unknown\n", f);
    finish(f);
}

/* Broken base64 and quoted-printable in the parts that matter. */
static void broken_encodings(void)
{
    FILE *f = create("broken-encodings.eml");
    fputs(
        "From: MAILER-DAEMON@example.net\nSubject: =?utf-8?B?!!!notbase64===?= =?utf-8?Q?=ZZ=?=\n"
        "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; "
        "boundary=\"E\"\n\n"
        "--E\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        "NTUwIDUuMS4xIHVzZXIgdW5rbm93bg=\n====\n*&^%$#@!\nQUJD\x01\x02\xff\nQQ\n\n"
        "--E\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: quoted-printable\n"
        "\nFinal-Recipient: rfc822; victim@=\n=\n=4\n=G1example.org=\nAction: fai=\nled=\n"
        "Status: 5.=31.=3\n=\n\n"
        "--E\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n",
        f);
    for (int i = 0; i < 1000; i++)
        fputs("====", f);
    fputs("\n--E--\n", f);
    finish(f);
}

/* Invalid UTF-8, unknown and lying charsets, bad ISO-2022-JP escapes. */
static void bad_charsets(void)
{
    FILE *f = create("bad-charsets.eml");
    fputs(
        "From: =?x-unknown?B?w7bDtg==?= <MAILER-DAEMON@example.net>\n"
        "Subject: =?gb2312?B?/v7+/v7+?= \xc3\x28 \xe2\x82 \xf0\x28\x8c\xbc \xed\xa0\x80\n"
        "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; "
        "boundary=\"C\"\n\n"
        "--C\nContent-Type: text/plain; charset=\"utf-7\"\n\n+AGEAYgBj- +ZZZZ- +\n\n"
        "--C\nContent-Type: text/plain; charset=iso-2022-jp\n\n\x1b$B\x1b(\x1b$\x1b\x1b(B\x0e\x0f\n"
        "--C\nContent-Type: text/plain; charset=big5\n\n\xff\xff\xa4\xa1\xa4\n"
        "--C\nContent-Type: text/plain; charset=gb18030\n\n\x81\x30\x81\x81\x30\xff\n"
        "--C\nContent-Type: text/plain; charset=\"\"\n\n\xfe\xfe\xc0\xaf\xc1\xbf\n"
        "--C\nContent-Type: text/plain; charset="
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\n\xff\n"
        "--C\nContent-Type: message/delivery-status; charset=shift_jis\n\n"
        "Final-Recipient: rfc822; \xff\xfe@\xc3\x28.example\nAction: failed\xff\nStatus: 5.\xff.1\n"
        "Diagnostic-Code: smtp; 550 \x82\xa0\x82 \xed\xbf\xbf \xf4\x90\x80\x80\n\n--C--\n",
        f);
    finish(f);
}

/* NULs in headers, in the DSN and in the body. */
static void nuls(void)
{
    static const char msg[] =
        "From: MAILER-DAEMON@exa\0mple.net\nSub\0ject: Undeliv\0ered\nMIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"Z\0Z\"\n\n"
        "--Z\0Z\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; vic\0tim@"
        "example.org\nAction: failed\nStatus: 5.1.1\0\nDiagnostic-Code: smtp; 550 \0\0\0\n\n"
        "--Z\0Z--\n\0\0\0\0";
    FILE *f = create("nuls.eml");
    fwrite(msg, 1, sizeof msg - 1, f);
    finish(f);
}

/* A 1 MB line in the header block and another in the report. */
static void long_lines(void)
{
    FILE *f = create("bounce-long-lines.eml");
    fputs("X-Long: ", f);
    for (int i = 0; i < 1024 * 1024 / 8; i++)
        fputs("abcdefg ", f);
    fputc('\n', f);
    dsn_head(f, "L");
    fputs("--L\nContent-Type: text/plain\n\n", f);
    for (int i = 0; i < 1024 * 1024 / 16; i++)
        fputs("550 5.1.1 user  ", f);
    fputs("\n--L--\n", f);
    finish(f);

    f = create("one-line-1mb.eml");
    for (int i = 0; i < 1024 * 1024 / 16; i++)
        fputs("From: a@b.c 550 ", f);
    finish(f);
}

/* Hostile header syntax: unterminated quotes, comments and encoded words,
 * empty or absurd boundaries, lines without a colon, a leading fold. */
static void hostile_headers(void)
{
    FILE *f = create("hostile-headers.eml");
    fputs("\tleading continuation\nno colon here\n: empty name\n"
          "From: \"unterminated <MAILER-DAEMON@example.net\n"
          "Subject: =?utf-8?B?",
          f);
    for (int i = 0; i < 20000; i++)
        fputs("=?utf-8?q?", f);
    fputs("\nContent-Type: multipart/report; ((((((((((((((((( report-type=\"delivery-status;"
          " boundary=\nContent-Type: multipart/mixed; boundary=\"\"\n"
          "Content-Type: multipart/mixed; boundary=\"-\"; boundary=\"--\"; charset*=''%ff%fe\n"
          "Content-Transfer-Encoding: base64; base64\n"
          "Message-ID: <<<<<<<<<<<<<<>>>>>\nDate: Mon, 99 Foo 99999 99:99:99 +9999\n\n"
          "---\n----\n--\n-- \n---\n",
          f);
    for (int i = 0; i < 50000; i++)
        fputs("--\n", f);
    finish(f);

    f = create("bounce-many-recipients.eml");
    fputs("From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
          "Content-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\n\n"
          "--R\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
          "Final-Recipient: rfc822; victim@example.org\nAction: failed\nStatus: 5.1.1\n\n",
          f);
    for (int i = 0; i < 20000; i++)
        fprintf(f, "Final-Recipient: rfc822; user%d@example.org\nAction: failed\nStatus: 5.1.1\n\n",
                i);
    fputs("--R--\n", f);
    finish(f);

    f = create("cr-only.eml");
    fputs("From: MAILER-DAEMON@example.net\rContent-Type: multipart/report; "
          "report-type=delivery-status; boundary=\"Q\"\r\r--Q\rContent-Type: "
          "message/delivery-status\r\rFinal-Recipient: rfc822; victim@example.org\rAction: "
          "failed\rStatus: 5.1.1\r\r--Q--\r",
          f);
    for (int i = 0; i < 100000; i++)
        fputs("\r\n\r", f);
    finish(f);

    f = create("empty.eml");
    finish(f);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hostile-gen DIR\n");
        return 2;
    }
    outdir = argv[1];
    mkdir(outdir, 0755);
    big_bounce();
    many_headers();
    many_parts();
    deep_nesting();
    broken_encodings();
    bad_charsets();
    nuls();
    long_lines();
    hostile_headers();
    return 0;
}
