/*
 * test_charset.c - charsets to UTF-8 (Chinese, Japanese, Korean, Latin,
 * Cyrillic, mislabelled) and RFC 2047 encoded words.
 */
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "tap.h"

static const char *conv(arena *a, const char *cs, const char *in)
{
    size_t n;
    const char *s = charset_to_utf8(cs, in, strlen(in), 4096, a, &n);
    return s && strlen(s) == n ? s : "(bad length)";
}

TEST(ascii_and_utf8_pass_through)
{
    arena *a = arena_new();
    CHECK_STR(conv(a, "us-ascii", "plain\r\ntext\r"), "plain\ntext\n");
    CHECK_STR(conv(a, "utf-8", "caf\xc3\xa9"), "caf\xc3\xa9");
    /* mislabelled: valid UTF-8 under a legacy label stays UTF-8 */
    CHECK_STR(conv(a, "iso-8859-1", "caf\xc3\xa9"), "caf\xc3\xa9");
    arena_free(a);
}

TEST(chinese)
{
    arena *a = arena_new();
    /* "用户不存在" (user does not exist) in GB2312 */
    const char gb[] = "\xd3\xc3\xbb\xa7\xb2\xbb\xb4\xe6\xd4\xda";
    const char *want = "\xe7\x94\xa8\xe6\x88\xb7\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8";
    CHECK_STR(conv(a, "gb2312", gb), want);
    CHECK_STR(conv(a, "GBK", gb), want);
    CHECK_STR(conv(a, "gb18030", gb), want);
    /* "信箱" (mailbox) in Big5 */
    CHECK_STR(conv(a, "big5", "\xab\x48\xbd\x63"), "\xe4\xbf\xa1\xe7\xae\xb1");
    arena_free(a);
}

TEST(japanese_korean)
{
    arena *a = arena_new();
    /* "宛先" in ISO-2022-JP, Shift_JIS */
    CHECK_STR(conv(a, "ISO-2022-JP", "\x1b$B08@h\x1b(B ok"), "\xe5\xae\x9b\xe5\x85\x88 ok");
    CHECK_STR(conv(a, "shift_jis", "\x88\xb6\x90\xe6"), "\xe5\xae\x9b\xe5\x85\x88");
    /* labelled ISO-2022-JP but 8-bit: UTF-8 (or Windows-1252), not iconv */
    CHECK_STR(conv(a, "iso-2022-jp", "\xe5\xae\x9b\xe5\x85\x88"), "\xe5\xae\x9b\xe5\x85\x88");
    CHECK_STR(conv(a, "iso-2022-jp", "caf\xe9"), "caf\xc3\xa9");
    /* "사용자" (user) in EUC-KR */
    CHECK_STR(conv(a, "ks_c_5601-1987", "\xbb\xe7\xbf\xeb\xc0\xda"),
              "\xec\x82\xac\xec\x9a\xa9\xec\x9e\x90");
    arena_free(a);
}

TEST(latin_cyrillic_fallback)
{
    arena *a = arena_new();
    CHECK_STR(conv(a, "iso-8859-1", "caf\xe9"), "caf\xc3\xa9");
    CHECK_STR(conv(a, "windows-1252", "\x93quoted\x94"), "\xe2\x80\x9cquoted\xe2\x80\x9d");
    CHECK_STR(conv(a, "iso-8859-2", "\xb1"), "\xc4\x85");
    CHECK_STR(conv(a, "koi8-r", "\xf0\xd2\xc9"), "\xd0\x9f\xd1\x80\xd0\xb8");
    /* unknown label, invalid UTF-8: Windows-1252 */
    CHECK_STR(conv(a, "x-no-such-charset", "caf\xe9"), "caf\xc3\xa9");
    CHECK_STR(conv(a, NULL, "a\xe9 \xc3\xa9"), "a\xc3\xa9 \xc3\xa9");
    /* bad bytes in a real multi-byte charset never stop the conversion */
    const char *s = conv(a, "gb2312", "ok \xff\xff end");
    CHECK(strstr(s, "ok ") == s && strstr(s, " end") != NULL);
    CHECK(charset_valid_utf8(s, strlen(s)));
    arena_free(a);
}

TEST(output_cap)
{
    arena *a = arena_new();
    size_t n;
    const char *s = charset_to_utf8("utf-8", "abc\xc3\xa9xyz", 8, 4, a, &n);
    CHECK(n == 3 && charset_valid_utf8(s, n));
    s = charset_to_utf8("utf-8", "abc\xc3\xa9xyz", 8, 5, a, &n);
    CHECK(n == 5 && strcmp(s, "abc\xc3\xa9") == 0);
    s = charset_to_utf8("us-ascii", "abcdef", 6, 4, a, &n);
    CHECK(n == 4 && strcmp(s, "abcd") == 0);
    s = charset_to_utf8("gb2312", "\xd3\xc3\xbb\xa7\xb2\xbb", 6, 4, a, &n);
    CHECK(n <= 4 && charset_valid_utf8(s, n));
    arena_free(a);
}

static const char *hdr(arena *a, const char *in)
{
    const char *s = charset_decode_header(in, strlen(in), 1024, a);
    return s ? s : "(null)";
}

TEST(encoded_words)
{
    arena *a = arena_new();
    CHECK_STR(hdr(a, "=?UTF-8?B?5pyq6YWN6YCB?="), "\xe6\x9c\xaa\xe9\x85\x8d\xe9\x80\x81");
    CHECK_STR(hdr(a, "=?iso-8859-1?q?caf=E9_ok?= tail"), "caf\xc3\xa9 ok tail");
    /* adjacent words are joined, even when a character is split between them */
    CHECK_STR(hdr(a, "=?utf-8?B?5pyq?=\n =?utf-8?B?6YWN?="), "\xe6\x9c\xaa\xe9\x85\x8d");
    CHECK_STR(hdr(a, "=?utf-8?Q?=E6=9C?= =?utf-8?Q?=AA?="), "\xe6\x9c\xaa");
    CHECK_STR(hdr(a, "=?gb2312?B?08O7p7K7tObU2g==?="),
              "\xe7\x94\xa8\xe6\x88\xb7\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8");
    CHECK_STR(hdr(a, "=?utf-8*en?Q?hi?="), "hi");
    CHECK_STR(hdr(a, "Re: =?bogus"), "Re: =?bogus");
    CHECK_STR(hdr(a, "=?utf-8?X?abc?="), "=?utf-8?X?abc?=");
    CHECK_STR(hdr(a, "raw \xe9t\xe9"), "raw \xc3\xa9t\xc3\xa9");
    CHECK_STR(hdr(a, "  folded\n\tvalue  "), "folded value");
    arena_free(a);
}

TEST(hostile_header)
{
    arena *a = arena_new();
    /* a megabyte of unterminated "=?" starts: bounded output, no blow-up */
    size_t n = 1 << 20;
    char *h = malloc(n + 1);
    for (size_t i = 0; i < n; i += 4)
        memcpy(h + i, "=?x?", 4);
    h[n] = '\0';
    const char *s = charset_decode_header(h, n, 1024, a);
    CHECK(s != NULL && strlen(s) <= 1024);
    free(h);
    arena_free(a);
}

int main(void)
{
    RUN_TESTS();
}
