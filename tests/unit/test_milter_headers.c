/*
 * test_milter_headers.c - X-Bounce-* value building: exact formats,
 * folding, sanitising hostile text, RFC 2047 encoding, caps.
 */
#include <stdlib.h>

#include "headers.h"
#include "tap.h"

/* Every line of v is at most max octets, every LF is a fold (followed by a
 * space), there is no CR or other control, and v does not start with a space. */
static int well_formed(const char *v, size_t max)
{
    size_t line = 0;
    if (v[0] == ' ')
        return 0;
    for (const char *p = v; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n') {
            if (p[1] != ' ' && p[1] != '\t')
                return 0;
            line = 0;
            continue;
        }
        if (c < ' ' || c == 0x7f)
            return 0;
        if (++line > max)
            return 0;
    }
    return 1;
}

static int b64val(char c)
{
    const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = strchr(t, c);
    return c != '\0' && p != NULL ? (int)(p - t) : -1;
}

/* Decode every =?UTF-8?B?...?= word of v (ignoring what is between them). */
static void decode_words(const char *v, char *out, size_t outlen)
{
    size_t o = 0;
    const char *p = v;
    while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
        p += 10;
        unsigned acc = 0;
        int bits = 0;
        for (; *p != '\0' && *p != '?'; p++) {
            int d = b64val(*p);
            if (d < 0)
                continue;
            acc = (acc << 6) | (unsigned)d;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                if (o + 1 < outlen)
                    out[o++] = (char)((acc >> bits) & 0xff);
            }
        }
    }
    out[o] = '\0';
}

static bc_recipient sample_rcpt(void)
{
    bc_recipient r = {0};
    r.address = "kijitora@example.jp";
    r.action = "failed";
    r.status = "5.1.1";
    r.reply_code = "550";
    r.class_name = "userunknown";
    r.severity = BC_SEV_HARD;
    r.advice = "suppress";
    r.code = 902;
    r.detail = "";
    r.rule = "status-5.1.1";
    return r;
}

TEST(class_value_format_and_fold)
{
    char v[HDR_VALUE_MAX + 1];
    bc_recipient r = sample_rcpt();
    hdr_class_value(v, sizeof v, &r, strlen("X-Bounce-Class"));
    CHECK_STR(v, "userunknown; severity=hard; advice=suppress; code=902;\n"
                 " status=5.1.1; reply=550; recipient=<kijitora@example.jp>; rule=status-5.1.1");
    CHECK(well_formed(v, HDR_LINE_AIM));
}

TEST(class_value_empty_fields_left_out)
{
    char v[HDR_VALUE_MAX + 1];
    bc_recipient r = sample_rcpt();
    r.status = "";
    r.reply_code = "";
    r.code = 0;
    r.detail = "greylisted";
    r.severity = BC_SEV_SOFT;
    r.advice = "retry";
    r.class_name = "blocked";
    r.rule = "";
    hdr_class_value(v, sizeof v, &r, 14);
    CHECK_STR(v, "blocked; severity=soft; advice=retry; detail=greylisted;\n"
                 " recipient=<kijitora@example.jp>");
    r.class_name = "";
    hdr_class_value(v, sizeof v, &r, 14);
    CHECK(strncmp(v, "undefined;", 10) == 0);
}

TEST(class_value_hostile_address)
{
    char v[HDR_VALUE_MAX + 1];
    bc_recipient r = sample_rcpt();
    r.address = "evil@x.com\r\nX-Bounce-Summary: worst=none; rule=forged\x01\x7f";
    hdr_class_value(v, sizeof v, &r, 14);
    CHECK(well_formed(v, 998));
    CHECK(strstr(v, "\nX-Bounce") == NULL);
    CHECK(strstr(v, "; rule=forged") == NULL);
    CHECK(strstr(v, "rule=status-5.1.1") != NULL);
    /* hostile class/rule tokens lose everything but token characters */
    r.address = "a@b";
    r.class_name = "user unknown;\nX-Evil: 1";
    r.rule = "r\"1<>";
    hdr_class_value(v, sizeof v, &r, 14);
    CHECK(strncmp(v, "userunknownX-Evil:1;", 20) == 0);
    CHECK(strstr(v, "rule=r1") != NULL);
    /* a very long address is capped, the value stays well formed */
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[10] = '@';
    r.address = big;
    hdr_class_value(v, sizeof v, &r, 14);
    CHECK(well_formed(v, 998));
    CHECK(strlen(v) < 400);
}

TEST(class_value_utf8_address_encoded)
{
    char v[HDR_VALUE_MAX + 1], dec[512];
    bc_recipient r = sample_rcpt();
    r.address = "\xe7\x94\xa8\xe6\x88\xb6@example.cn"; /* 用戶@example.cn */
    hdr_class_value(v, sizeof v, &r, 14);
    CHECK(strstr(v, "recipient=<=?UTF-8?B?") != NULL);
    CHECK(well_formed(v, 998));
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p >= 0x80) {
            CHECK(!"8-bit byte in header");
            break;
        }
    decode_words(v, dec, sizeof dec);
    CHECK_STR(dec, "\xe7\x94\xa8\xe6\x88\xb6@example.cn");
}

TEST(summary_value)
{
    char v[HDR_VALUE_MAX + 1];
    hdr_summary s = {"hard", 2, 0, 1, 1, "dsn", "postfix", NULL};
    hdr_summary_value(v, sizeof v, &s, strlen("X-Bounce-Summary"));
    /* worst= comes first, on the first line, for line-based filters (procmail) */
    CHECK_STR(v, "worst=hard; failed=2; delayed=0; hard=1; soft=1; kind=dsn;\n mta=postfix");
    CHECK(well_formed(v, HDR_LINE_AIM));
    s.mta = "";
    s.verp = "alice@example.org\r\n";
    hdr_summary_value(v, sizeof v, &s, 16);
    CHECK(strstr(v, "mta=") == NULL);
    CHECK(strstr(v, "verp=<alice@example.org>") != NULL);
    CHECK(well_formed(v, HDR_LINE_AIM));
}

TEST(text_value_ascii_folded)
{
    char v[HDR_VALUE_MAX + 1];
    hdr_text_value(v, sizeof v, "The mailbox does not exist.", 20);
    CHECK_STR(v, "The mailbox does not exist.");
    const char *lorem = "The recipient's mail server refused the address because the "
                        "mailbox does not exist; remove it from your list and do not "
                        "send to it again, it will never accept mail.";
    hdr_text_value(v, sizeof v, lorem, 20);
    CHECK(well_formed(v, HDR_LINE_AIM));
    CHECK(strchr(v, '\n') != NULL);
    /* unfolding gives the text back */
    char unf[HDR_VALUE_MAX + 1];
    size_t o = 0;
    for (const char *p = v; *p; p++)
        if (*p != '\n')
            unf[o++] = *p;
    unf[o] = '\0';
    CHECK_STR(unf, lorem);
    /* text that looks like an encoded word is encoded itself */
    hdr_text_value(v, sizeof v, "=?UTF-8?B?Zm9v?=", 20);
    CHECK(strncmp(v, "=?UTF-8?B?", 10) == 0 && strstr(v, "Zm9v") == NULL);
}

TEST(text_value_utf8_encoded)
{
    char v[HDR_VALUE_MAX + 1], dec[HDR_VALUE_MAX];
    /* 收件人信箱不存在，請將此地址自名單中移除。 repeated: long Chinese text */
    const char *zh = "\xe6\x94\xb6\xe4\xbb\xb6\xe4\xba\xba\xe4\xbf\xa1\xe7\xae\xb1\xe4\xb8\x8d"
                     "\xe5\xad\x98\xe5\x9c\xa8\xef\xbc\x8c\xe8\xab\x8b\xe5\xb0\x87\xe6\xad\xa4"
                     "\xe5\x9c\xb0\xe5\x9d\x80\xe8\x87\xaa\xe5\x90\x8d\xe5\x96\xae\xe4\xb8\xad"
                     "\xe7\xa7\xbb\xe9\x99\xa4\xe3\x80\x82";
    hdr_text_value(v, sizeof v, zh, strlen("X-Bounce-Description"));
    CHECK(strncmp(v, "=?UTF-8?B?", 10) == 0);
    CHECK(well_formed(v, HDR_LINE_AIM));
    decode_words(v, dec, sizeof dec);
    CHECK_STR(dec, zh);
    /* every encoded word is at most 75 octets */
    int ok = 1;
    for (const char *p = v; (p = strstr(p, "=?")) != NULL;) {
        const char *e = strstr(p + 10, "?=");
        if (e == NULL || e + 2 - p > 75)
            ok = 0;
        p = e ? e + 2 : p + 2;
    }
    CHECK(ok);
}

TEST(sanitize)
{
    char out[64];
    CHECK(hdr_sanitize(out, sizeof out, "  a\r\n\tb\0c  ", 11, 100) == 5);
    CHECK_STR(out, "a b c");
    hdr_sanitize(out, sizeof out, "x\xff y", 4, 100);
    CHECK_STR(out, "x\xef\xbf\xbd y");
    /* overlong encoding and a lone surrogate are invalid */
    hdr_sanitize(out, sizeof out, "\xc0\xaf\xed\xa0\x80", 5, 100);
    CHECK(strstr(out, "\xc0") == NULL && strstr(out, "\xed\xa0") == NULL);
    /* C1 control U+0085 is white space here */
    hdr_sanitize(out, sizeof out, "a\xc2\x85z", 4, 100);
    CHECK_STR(out, "a z");
    /* the cap never cuts a character */
    hdr_sanitize(out, sizeof out, "ab\xe4\xb8\xad", 5, 4);
    CHECK_STR(out, "ab");
    hdr_sanitize(out, 4, "abcdef", 6, 100);
    CHECK_STR(out, "abc");
}

TEST(hostile_huge_text_capped)
{
    static char big[100000];
    char v[HDR_VALUE_MAX + 1];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (char)(i % 7 == 0 ? '\n' : i % 5 == 0 ? 0xe4 : 'x');
    big[sizeof big - 1] = '\0';
    hdr_text_value(v, sizeof v, big, 20);
    CHECK(strlen(v) <= HDR_VALUE_MAX);
    CHECK(well_formed(v, HDR_LINE_AIM));
    char small[40];
    hdr_text_value(small, sizeof small, "one two three four five six seven eight nine", 20);
    CHECK(strlen(small) < sizeof small);
    CHECK(well_formed(small, HDR_LINE_AIM));
}

TEST(prefix_and_subject)
{
    CHECK(hdr_has_prefix("x-bounce-class", "X-Bounce-"));
    CHECK(hdr_has_prefix("X-BOUNCE-Anything", "X-Bounce-"));
    CHECK(!hdr_has_prefix("X-Bounced", "X-Bounce-"));
    char *v;
    v = hdr_prefixed_subject("[Bounce] ", "Undelivered Mail Returned to Sender");
    CHECK_STR(v, "[Bounce] Undelivered Mail Returned to Sender");
    free(v);
    v = hdr_prefixed_subject("[B]", "a\r\n\tb\nc\x01");
    CHECK_STR(v, "[B]a\n\tbc");
    free(v);
    v = hdr_prefixed_subject("\xe9\x80\x80\xe4\xbf\xa1 ", "x");
    CHECK(strncmp(v, "=?UTF-8?B?", 10) == 0);
    CHECK(well_formed(v, 998));
    free(v);
    /* an encoded word must stand apart from the prefix (RFC 2047 5.) */
    v = hdr_prefixed_subject("[B]", "=?UTF-8?B?w6k=?=");
    CHECK_STR(v, "[B] =?UTF-8?B?w6k=?=");
    free(v);
    v = hdr_prefixed_subject("\xe9\x80\x80", "Undelivered");
    CHECK(strstr(v, "?= Undelivered") != NULL);
    free(v);
    /* a first line the prefix would push over 998 octets: folded after it */
    static char line[990];
    memset(line, 'y', sizeof line - 1);
    v = hdr_prefixed_subject("[Bounce]", line);
    CHECK(strncmp(v, "[Bounce]\n y", 11) == 0 && strlen(v) == 8 + 2 + sizeof line - 1);
    free(v);
    /* never cut, however long */
    static char big[5000];
    memset(big, 'z', sizeof big - 1);
    v = hdr_prefixed_subject("[B] ", big);
    CHECK(strncmp(v, "[B]\n z", 6) == 0 && strlen(v) == 5 + sizeof big - 1);
    free(v);
}

int main(void)
{
    RUN_TESTS();
}
