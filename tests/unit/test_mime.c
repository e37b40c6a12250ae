/*
 * test_mime.c - the MIME part tree: line endings, folding, boundaries,
 * nesting, caps and transfer decoding.
 */
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "tap.h"

static mime_msg parse(arena *a, const char *s)
{
    size_t n;
    const char *b = mime_lf(s, strlen(s), a, &n);
    mime_msg m = {0};
    CHECK(b != NULL && mime_parse(b, n, a, &m) == 0);
    return m;
}

TEST(line_endings)
{
    arena *a = arena_new();
    size_t n;
    const char *b = mime_lf("a\r\nb\rc\n", 7, a, &n);
    CHECK(n == 6 && memcmp(b, "a\nb\nc\n", 6) == 0);
    b = mime_lf("a\r\r\nb\r\r\r\n\r\r\nc\r\rd", 16, a, &n);
    CHECK(n == 9 && memcmp(b, "a\nb\n\nc\n\nd", 9) == 0);
    const char *same = "no cr\n";
    CHECK(mime_lf(same, 6, a, &n) == same);
    mime_msg m = parse(a, "Subject: x\r\n y\r\nFrom: a@b\r\n\r\nbody\r\n");
    CHECK_STR(mime_header_value(m.root, "subject", a), "x y");
    CHECK_STR(mime_header_value(m.root, "FROM", a), "a@b");
    CHECK(m.root->blen == 5 && memcmp(m.root->body, "body\n", 5) == 0);
    arena_free(a);
}

/* Random mixes of CR, LF, CRLF and text, lines of every length (sixteen
 * bytes are converted at a time): the same as a byte-by-byte conversion. */
TEST(line_endings_random)
{
    arena *a = arena_new();
    static const char *const pieces[] = {"\r\n", "\r", "\n", "x", "yz", "0123456789abcdef"};
    char in[600], want[600];
    unsigned seed = 4711;
    int same = 1;
    for (int round = 0; round < 2000 && same; round++) {
        size_t len = 0, target = (size_t)round % 500;
        while (len < target) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % 6];
            memcpy(in + len, p, strlen(p));
            len += strlen(p);
        }
        size_t w = 0;
        for (size_t i = 0; i < len; i++) {
            size_t j = i;
            while (j < len && in[j] == '\r')
                j++;
            if (in[i] != '\r')
                want[w++] = in[i];
            else if (j < len && in[j] == '\n')
                continue; /* the LF after the CRs stands */
            else
                want[w++] = '\n';
        }
        size_t n;
        const char *b = mime_lf(in, len, a, &n);
        same = b != NULL && n == w && memcmp(b, want, w) == 0 && (b == in || b[n] == '\0');
        arena_reset(a);
    }
    CHECK(same);
    arena_free(a);
}

TEST(headers)
{
    arena *a = arena_new();
    mime_msg m = parse(a, "From sender Mon Jan  1 00:00:00 2026\nSubject :  spaced \n\tfolded\n"
                          "X-Empty:\nnot a header line\nmore\n");
    CHECK_STR(mime_header_value(m.root, "subject", a), "spaced folded");
    CHECK_STR(mime_header_value(m.root, "x-empty", a), "");
    CHECK(mime_header_find(m.root, "missing") == NULL);
    CHECK(m.root->blen > 0 && strncmp(m.root->body, "not a header", 12) == 0);
    CHECK_STR(m.root->type, "text/plain");
    arena_free(a);
}

TEST(unindented_parameter_line)
{
    arena *a = arena_new();
    mime_msg m = parse(a, "Content-Type: multipart/alternative;\nboundary=\"b1\"\n\n--b1\n\n"
                          "text\n--b1--\n");
    CHECK_STR(m.root->boundary, "b1");
    CHECK(m.nparts == 2);
    arena_free(a);
}

TEST(content_type_params)
{
    arena *a = arena_new();
    CHECK_STR(mime_param("multipart/report; report-type=Delivery-Status;\n boundary=\"a;b\"",
                         "boundary", 0, a),
              "a;b");
    CHECK_STR(mime_param("multipart/report; REPORT-TYPE=Delivery-Status", "report-type", 1, a),
              "delivery-status");
    CHECK_STR(mime_param("multipart/mixed boundary=xyz", "boundary", 0, a), "xyz");
    CHECK(mime_param("text/plain", "charset", 1, a) == NULL);
    /* a multipart's boundary and report type come from one walk: the first
     * of each counts, quoting and case as for mime_param */
    mime_msg m = parse(a, "Content-Type: Multipart/Report; boundary=\"q\\\"b\";\n"
                          " Report-Type=Delivery-Status; boundary=second;"
                          " report-type=other\n\nbody\n");
    CHECK_STR(m.root->type, "multipart/report");
    CHECK_STR(m.root->boundary, "q\"b");
    CHECK_STR(m.root->report_type, "delivery-status");
    CHECK_STR(m.root->charset, "");
    m = parse(a, "Content-Type: text/plain; boundary=x; charset=\"ISO-8859-1\"\n\nbody\n");
    CHECK_STR(m.root->charset, "iso-8859-1");
    CHECK_STR(m.root->boundary, "");
    arena_free(a);
}

TEST(long_header_names)
{
    /* names longer than sixteen bytes, ending at each kind of byte */
    arena *a = arena_new();
    mime_msg m = parse(a, "X-A-Rather-Long-Header-Name-Here: one\n"
                          "X-Another-Quite-Long-Name-That-Goes-On : two\n"
                          "X-Sixteen-Bytes-:three\n\nbody\n");
    CHECK_STR(mime_header_value(m.root, "x-a-rather-long-header-name-here", a), "one");
    CHECK_STR(mime_header_value(m.root, "x-another-quite-long-name-that-goes-on", a), "two");
    CHECK_STR(mime_header_value(m.root, "x-sixteen-bytes-", a), "three");
    m = parse(a, "X-Name-With-A-Byte-\x80-Inside-It: v\nSubject: s\n\nbody\n");
    CHECK(mime_header_find(m.root, "subject") == NULL); /* not a header: the body starts */
    CHECK(m.root->blen > 0 && strncmp(m.root->body, "X-Name-With", 11) == 0);
    arena_free(a);
}

static const char nested[] =
    "Content-Type: multipart/mixed; boundary=\"outer\"\n"
    "\n"
    "preamble\n"
    "--outer\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=inner\n"
    "\n"
    "--inner\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "\n"
    "first\n"
    "--inner\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Final-Recipient: rfc822; a@b\n"
    "--inner--\n"
    "--outer\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Message-ID: <x@y>\n"
    "Content-Type: multipart/mixed; boundary=never-split\n"
    "\n"
    "--never-split\n"
    "--outer--\n"
    "epilogue\n";

TEST(nesting)
{
    arena *a = arena_new();
    mime_msg m = parse(a, nested);
    const char *want[] = {"multipart/mixed", "multipart/report", "text/plain",
                          "message/delivery-status", "message/rfc822"};
    size_t i = 0;
    for (mime_part *p = m.root; p; p = mime_next(p), i++)
        CHECK(i < 5 && strcmp(p->type, want[i]) == 0);
    CHECK(i == 5 && m.nparts == 5);
    mime_part *rep = m.root->child;
    CHECK_STR(rep->report_type, "delivery-status");
    CHECK(rep->child->blen == 5 && memcmp(rep->child->body, "first", 5) == 0);
    CHECK_STR(rep->child->charset, "utf-8");
    mime_part *orig = rep->next;
    mime_part oh;
    CHECK(mime_parse_headers(orig->body, orig->blen, a, &oh) == 0);
    CHECK_STR(mime_header_value(&oh, "message-id", a), "<x@y>");
    arena_free(a);
}

TEST(missing_close_and_garbage_boundary)
{
    arena *a = arena_new();
    mime_msg m = parse(a, "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--bx\n--b\n"
                          "Content-Type: text/html\n\ntwo");
    CHECK(m.nparts == 3);
    mime_part *c = m.root->child;
    CHECK(c && c->blen == 8 && memcmp(c->body, "one\n--bx", 8) == 0);
    CHECK(c && c->next && strcmp(c->next->type, "text/html") == 0 && c->next->blen == 3);
    mime_msg none = parse(a, "Content-Type: multipart/mixed; boundary=zz\n\nno parts here\n");
    CHECK(none.nparts == 1 && none.root->child == NULL);
    arena_free(a);
}

TEST(caps_on_parts_and_depth)
{
    arena *a = arena_new();
    /* 2000 parts: only MIME_MAX_PARTS are built */
    size_t cap = 2000 * 40 + 200, o = 0;
    char *big = malloc(cap);
    o += (size_t)snprintf(big + o, cap - o, "Content-Type: multipart/mixed; boundary=q\n\n");
    for (int i = 0; i < 2000; i++)
        o += (size_t)snprintf(big + o, cap - o, "--q\n\npart %d\n", i);
    o += (size_t)snprintf(big + o, cap - o, "--q--\n");
    mime_msg m = {0};
    CHECK(mime_parse(big, o, a, &m) == 0);
    CHECK(m.nparts == MIME_MAX_PARTS);
    /* 100 levels of nesting: capped at MIME_MAX_DEPTH */
    o = 0;
    for (int i = 0; i < 100; i++)
        o += (size_t)snprintf(big + o, cap - o,
                              "Content-Type: multipart/mixed; boundary=d%d\n\n--d%d\n", i, i);
    arena_reset(a);
    CHECK(mime_parse(big, o, a, &m) == 0);
    int depth = 0;
    for (mime_part *p = m.root; p; p = mime_next(p))
        depth = p->depth > depth ? p->depth : depth;
    CHECK(depth == MIME_MAX_DEPTH);
    free(big);
    arena_free(a);
}

TEST(many_headers)
{
    arena *a = arena_new();
    size_t cap = 100000 * 12 + 64, o = 0;
    char *big = malloc(cap);
    for (int i = 0; i < 100000; i++)
        o += (size_t)snprintf(big + o, cap - o, "X-H: %d\n", i % 1000);
    o += (size_t)snprintf(big + o, cap - o, "\nbody");
    mime_msg m = {0};
    CHECK(mime_parse(big, o, a, &m) == 0);
    CHECK(m.root->nheaders == MIME_MAX_HEADERS);
    CHECK(m.root->blen == 4);
    free(big);
    arena_free(a);
}

TEST(long_trace_keeps_later_fields)
{
    /* a relay chain of 2,000 Received fields above From and Subject */
    arena *a = arena_new();
    size_t cap = 2000 * 64 + 256, o = 0;
    char *big = malloc(cap);
    for (int i = 0; i < 2000; i++)
        o += (size_t)snprintf(big + o, cap - o, "Received: from r%d.example.org\n\tby x;\n", i);
    o += (size_t)snprintf(big + o, cap - o,
                          "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\n\nbody");
    mime_msg m = {0};
    CHECK(mime_parse(big, o, a, &m) == 0);
    CHECK(m.root->nheaders == MIME_MAX_TRACE + 2);
    CHECK_STR(mime_header_value(m.root, "subject", a), "Undelivered Mail");
    CHECK_STR(mime_header_value(m.root, "received", a), "from r0.example.org by x;");
    CHECK(m.root->blen == 4);
    free(big);
    arena_free(a);
}

TEST(base64_and_qp)
{
    arena *a = arena_new();
    mime_msg m = parse(a, "Content-Transfer-Encoding: BASE64\n\naGVs\nbG8g!!d29y\nbGQ=\n");
    size_t n;
    const char *d = mime_decode(m.root, 1000, a, &n);
    CHECK(n == 11 && strcmp(d, "hello world") == 0);
    d = mime_decode(m.root, 4, a, &n);
    CHECK(n == 4 && strcmp(d, "hell") == 0);
    m = parse(a, "Content-Transfer-Encoding: quoted-printable\n\n"
                 "caf=C3=A9 soft=\nbreak =ZZ bad=\nend=3d  =  \nx");
    d = mime_decode(m.root, 1000, a, &n);
    CHECK_STR(d, "caf\xc3\xa9 softbreak =ZZ badend=  x");
    m = parse(a, "\n=7bit body=41");
    d = mime_decode(m.root, 1000, a, &n);
    CHECK(d == m.root->body && n == 13 && memcmp(d, "=7bit body=41", 13) == 0);
    d = mime_decode(m.root, 5, a, &n);
    CHECK(n == 5);
    arena_free(a);
}

TEST(memcasemem)
{
    const char *h = "Final-RECIPIENT: x";
    CHECK(mime_memcasemem(h, strlen(h), "recipient:", 10) == h + 6);
    CHECK(mime_memcasemem(h, strlen(h), "recipients", 10) == NULL);
    CHECK(mime_memcasemem(h, 3, "final", 5) == NULL);
}

/* Leftmost case-insensitive match, one position at a time. */
static const char *naive_casemem(const char *h, size_t n, const char *nd, size_t nl)
{
    for (size_t i = 0; i + nl <= n; i++) {
        size_t k = 0;
        while (k < nl && (h[i + k] >= 'A' && h[i + k] <= 'Z' ? h[i + k] + 32 : h[i + k]) == nd[k])
            k++;
        if (k == nl)
            return h + i;
    }
    return NULL;
}

/* mime_unfold one byte at a time. */
static void naive_unfold(const char *v, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = v[i] == '\t' ? ' ' : v[i];
        if (c == '\n' || c == '\r' || (c == ' ' && (o == 0 || out[o - 1] == ' ')))
            continue;
        out[o++] = c;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

TEST(unfold_agrees_with_a_naive_one)
{
    /* values of every length up to 100 over blanks, line breaks and
     * letters, so that runs start, end and break at every offset */
    static const char alphabet[] = "ab  \t\r\nxyz";
    arena *a = arena_new();
    unsigned seed = 12345;
    int bad = 0;
    for (int round = 0; round < 400; round++) {
        char v[101], want[101];
        size_t n = (size_t)round % 101;
        int dense = round % 3 == 0; /* mostly letters, or mostly blanks */
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 16;
            v[i] = dense ? (r % 8 ? 'q' : alphabet[r % (sizeof alphabet - 1)])
                         : alphabet[r % (sizeof alphabet - 1)];
        }
        naive_unfold(v, n, want);
        const char *got = mime_unfold(v, n, a);
        bad += got == NULL || strcmp(got, want) != 0;
    }
    CHECK(bad == 0);
    const char *ct = " multipart/mixed;\r\n\tboundary=\"0123456789abcdef0123\"  ";
    CHECK_STR(mime_unfold(ct, strlen(ct), a), "multipart/mixed; boundary=\"0123456789abcdef0123\"");
    arena_free(a);
}

TEST(memcasemem_agrees_with_a_naive_search)
{
    /* needles at every offset and every haystack length, so that matches
     * fall inside, across and after the 16-byte blocks; only letters fold */
    static const char *const needles[] = {"ab", "b@", "rcpt to", "x`", "user unknown", "\xc3\xa9t"};
    char h[80];
    int bad = 0;
    for (size_t ni = 0; ni < sizeof needles / sizeof needles[0]; ni++) {
        const char *nd = needles[ni];
        size_t nl = strlen(nd);
        for (size_t at = 0; at + nl <= sizeof h; at++) {
            memset(h, '.', sizeof h);
            for (size_t k = 0; k < nl; k++) /* upper-case letters, other bytes as is */
                h[at + k] = nd[k] >= 'a' && nd[k] <= 'z' ? (char)(nd[k] - 32) : nd[k];
            h[at / 2] = 'A'; /* near misses before the match */
            h[at / 2 + 1] = '`';
            for (size_t n = 0; n <= sizeof h; n += 7)
                bad += mime_memcasemem(h, n, nd, nl) != naive_casemem(h, n, nd, nl);
            bad += mime_memcasemem(h, sizeof h, nd, nl) != naive_casemem(h, sizeof h, nd, nl);
        }
    }
    CHECK(bad == 0);
    const char *g = "X`B x@b";
    CHECK(mime_memcasemem(g, strlen(g), "x@b", 3) == g + 4); /* '`' is not '@' */
}

/* Delimiters at every alignment, after text that nearly matches them (the
 * boundary's first and last characters, a longer boundary, "--" lines):
 * each part is cut exactly where its delimiter is. */
TEST(delimiters_at_every_offset)
{
    int all = 1;
    for (size_t pad = 0; pad < 40 && all; pad++) {
        arena *a = arena_new();
        char msg[512], fill[64];
        memset(fill, 'q', pad);
        fill[pad] = '\0';
        snprintf(msg, sizeof msg,
                 "Content-Type: multipart/mixed; boundary=\"b7\"\n\n"
                 "pre%s\n--b8\n--bx7\n--b7x\n"
                 "--b7\n\n%sone\n--b77\n--b7\n\ntwo%s\n--b7--\n",
                 fill, fill, fill);
        size_t n;
        const char *b = mime_lf(msg, strlen(msg), a, &n);
        mime_msg m = {0};
        all = b != NULL && mime_parse(b, n, a, &m) == 0 && m.nparts == 3;
        mime_part *one = all ? m.root->child : NULL, *two = one ? one->next : NULL;
        all = all && two != NULL && one->blen == pad + 9 &&
              memcmp(one->body + pad, "one\n--b77", 9) == 0 && two->blen == pad + 3 &&
              memcmp(two->body, "two", 3) == 0;
        arena_free(a);
    }
    CHECK(all);
}

int main(void)
{
    RUN_TESTS();
}
