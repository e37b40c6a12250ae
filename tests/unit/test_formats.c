/*
 * test_formats.c - loading formats files (errors with file:line, local files
 * first) and recognising formats by their literals and regexes.
 */
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dsn.h"
#include "formats.h"
#include "regex.h"
#include "rules.h"
#include "tap.h"

static char tmp_path[64];

/* Write text to a fresh temporary file; its path is in tmp_path. */
static const char *write_conf(const char *text)
{
    snprintf(tmp_path, sizeof tmp_path, "/tmp/test_formats.XXXXXX");
    int fd = mkstemp(tmp_path);
    if (fd < 0)
        return NULL;
    size_t n = strlen(text);
    if (write(fd, text, n) != (ssize_t)n) {
        close(fd);
        return NULL;
    }
    close(fd);
    return tmp_path;
}

static bc_formats *load_text(const char *text, char *err, size_t errlen)
{
    const char *p = write_conf(text);
    if (p == NULL)
        return NULL;
    const char *paths[] = {p};
    bc_formats *f = formats_load(paths, 1, err, errlen);
    unlink(p);
    return f;
}

static const char *recognise(const bc_formats *f, const char *subject, const char *from,
                             const char *headers, const char *text, fmt_hit *hit)
{
    rx_scratch *s = rx_scratch_new();
    fmt_hit h;
    int ok = formats_recognise(f, s, subject, from, headers, headers ? strlen(headers) : 0, text,
                               text ? strlen(text) : 0, &h);
    rx_scratch_free(s);
    if (hit != NULL)
        *hit = h;
    return ok ? h.format->id : NULL;
}

static const char *two_formats =
    "formats = (\n"
    "  { id = \"alpha\"; body = [\"alpha mailer here\", \"AlphaMTA\"];\n"
    "    start = \"failed:\"; original = \"--- original ---\"; },\n"
    "  { id = \"beta\"; subject = \"beta failure\";\n"
    "    body_re = \"^code [0-9]+$\"; },\n"
    "  { id = \"gamma\"; header = \"X-Gamma-Failed:\"; }\n"
    ");\n";

TEST(loads_and_counts)
{
    char err[256] = "";
    bc_formats *f = load_text(two_formats, err, sizeof err);
    CHECK(f != NULL);
    CHECK(formats_count(f) == 3);
    formats_free(f);
    formats_free(NULL);
}

TEST(file_without_formats_contributes_nothing)
{
    char err[256] = "";
    bc_formats *f = load_text("rules = ();\n", err, sizeof err);
    CHECK(f != NULL);
    CHECK(formats_count(f) == 0);
    CHECK(recognise(f, "x", "y", "", "alpha mailer here", NULL) == NULL);
    formats_free(f);
}

TEST(unknown_key_is_an_error_with_line)
{
    char err[256] = "";
    bc_formats *f = load_text(
        "formats = (\n { id = \"a\";\n   body = \"xy\";\n   bdy = \"y\"; }\n);\n", err, sizeof err);
    CHECK(f == NULL);
    CHECK(strstr(err, ":4: ") != NULL);
    CHECK(strstr(err, "bdy") != NULL);
}

TEST(bad_regex_is_an_error_with_line)
{
    char err[256] = "";
    bc_formats *f = load_text("formats = (\n { id = \"a\"; body = \"xy\";\n"
                              "   recipient = \"^<(?<addr>[^>]+\"; }\n);\n",
                              err, sizeof err);
    CHECK(f == NULL);
    CHECK(strstr(err, ":3: ") != NULL);
    CHECK(strstr(err, "recipient") != NULL);
}

TEST(wrong_types_and_missing_pieces_are_errors)
{
    char err[256] = "";
    CHECK(load_text("formats = ( { id = \"a\"; body = 5; } );\n", err, sizeof err) == NULL);
    CHECK(strstr(err, ":1: ") != NULL);
    CHECK(load_text("formats = ( { body = \"xy\"; } );\n", err, sizeof err) == NULL);
    CHECK(strstr(err, "id") != NULL);
    CHECK(load_text("formats = ( { id = \"a\"; } );\n", err, sizeof err) == NULL);
    CHECK(strstr(err, "literal") != NULL);
    CHECK(load_text("formats = ( { id = \"a\"; body = \"\"; } );\n", err, sizeof err) == NULL);
    CHECK(load_text("formats = ( { id = \"a\"; body = \"x\"; } );\n", err, sizeof err) == NULL);
    CHECK(strstr(err, "2..256") != NULL);
    CHECK(load_text("formats = ( { id = \"a\"; body = \"xy\"; block = \"page\"; } );\n", err,
                    sizeof err) == NULL);
    CHECK(load_text("formats = ( { id = \"a\"; body = \"xy\"; recipient = \"^<(.*)>\"; } );\n", err,
                    sizeof err) == NULL);
    CHECK(strstr(err, "addr") != NULL);
    CHECK(load_text("formats = { id = \"a\"; };\n", err, sizeof err) == NULL);
    CHECK(load_text("smtp_commands = ( { command = \"QUIT\"; match = \"x\"; } );\n", err,
                    sizeof err) == NULL);
    CHECK(load_text("remote_hosts = ( \"host (\\\\S+)\" );\n", err, sizeof err) == NULL);
    CHECK(strstr(err, "host") != NULL);
}

TEST(syntax_error_names_file_and_line)
{
    char err[256] = "";
    CHECK(load_text("formats = (\n { id = = \"a\"; }\n);\n", err, sizeof err) == NULL);
    CHECK(strstr(err, "/tmp/test_formats.") != NULL);
    CHECK(strstr(err, ":2: ") != NULL);
}

TEST(missing_file_is_an_error)
{
    char err[256] = "";
    const char *paths[] = {"/nonexistent/formats.conf"};
    CHECK(formats_load(paths, 1, err, sizeof err) == NULL);
    CHECK(strstr(err, "/nonexistent/formats.conf") != NULL);
}

TEST(recognises_by_body_subject_and_header)
{
    char err[256] = "";
    bc_formats *f = load_text(two_formats, err, sizeof err);
    CHECK_STR(recognise(f, "x", "y", "", "Hello\nThis is the ALPHA MAILER HERE.\n", NULL), "alpha");
    CHECK_STR(recognise(f, "", "", "", "sent by alphamta v1", NULL), "alpha");
    /* beta needs its subject literal and its body regex. */
    CHECK_STR(recognise(f, "Beta failure notice", "", "", "x\ncode 550\n", NULL), "beta");
    CHECK(recognise(f, "Beta failure notice", "", "", "x\ncode 550 and more\n", NULL) == NULL);
    CHECK(recognise(f, "Other", "", "", "code 550\n", NULL) == NULL);
    CHECK_STR(recognise(f, "", "", "From: a@b\nX-Gamma-Failed: c@d\n", "text", NULL), "gamma");
    /* A header literal is not looked for in the body. */
    CHECK(recognise(f, "", "", "From: a@b\n", "X-Gamma-Failed: c@d\n", NULL) == NULL);
    formats_free(f);
}

TEST(first_format_in_order_wins)
{
    char err[256] = "";
    bc_formats *f = load_text(two_formats, err, sizeof err);
    CHECK_STR(
        recognise(f, "beta failure", "", "X-Gamma-Failed: x", "alpha mailer here\ncode 1\n", NULL),
        "alpha");
    formats_free(f);
}

/* Candidates are tried in load order whatever the order their literals
 * were found in; one whose regex fails gives way to the next, and a body
 * literal inside the returned original makes no candidate. */
TEST(candidates_in_load_order_and_fall_through)
{
    char err[256] = "";
    bc_formats *f = load_text(two_formats, err, sizeof err);
    CHECK_STR(recognise(f, "beta failure", "", "X-Gamma-Failed: x", "code 550 and more\n", NULL),
              "gamma");
    CHECK_STR(recognise(f, "beta failure", "", "X-Gamma-Failed: x", "x\ncode 7\n", NULL), "beta");
    CHECK_STR(
        recognise(f, "", "", "X-Gamma-Failed: x", "--- original ---\nalpha mailer here\n", NULL),
        "gamma");
    CHECK(recognise(f, "", "", "", "--- original ---\nalpha mailer here\n", NULL) == NULL);
    formats_free(f);
}

TEST(start_and_original_markers)
{
    char err[256] = "";
    bc_formats *f = load_text(two_formats, err, sizeof err);
    const char *text = "AlphaMTA report\nfailed:\n<a@b.c>\n--- original ---\nTo: x@y.z\n";
    fmt_hit hit;
    CHECK_STR(recognise(f, "", "", "", text, &hit), "alpha");
    CHECK(hit.start == (size_t)(strstr(text, "failed:") - text) + 7);
    CHECK(hit.end == (size_t)(strstr(text, "--- original") - text));
    /* A signature that only appears in the returned original does not count. */
    CHECK(recognise(f, "", "", "", "Sorry.\n--- ORIGINAL ---\nalpha mailer here\n", &hit) == NULL);
    CHECK(hit.end == 7);
    formats_free(f);
}

TEST(overlapping_literals_are_all_found)
{
    char err[256] = "";
    bc_formats *f = load_text("formats = (\n"
                              " { id = \"long\"; body = \"mail delivery failed permanently\"; },\n"
                              " { id = \"short\"; body = \"delivery fail\"; },\n"
                              " { id = \"shorter\"; body = \"ail\"; }\n);\n",
                              err, sizeof err);
    CHECK(f != NULL);
    CHECK_STR(recognise(f, "", "", "", "mail delivery failed temporarily", NULL), "short");
    CHECK_STR(recognise(f, "", "", "", "MAIL DELIVERY FAILED PERMANENTLY", NULL), "long");
    CHECK_STR(recognise(f, "", "", "", "mail", NULL), "shorter");
    CHECK(recognise(f, "", "", "", "mai", NULL) == NULL);
    formats_free(f);
}

TEST(local_file_comes_first)
{
    char err[256] = "";
    char local[64];
    const char *p = write_conf("formats = ( { id = \"mine\"; body = \"AlphaMTA\"; } );\n");
    CHECK(p != NULL);
    snprintf(local, sizeof local, "%s", p);
    p = write_conf(two_formats);
    const char *paths[] = {local, tmp_path};
    bc_formats *f = formats_load(paths, 2, err, sizeof err);
    unlink(local);
    unlink(tmp_path);
    CHECK(f != NULL);
    CHECK(formats_count(f) == 4);
    CHECK_STR(recognise(f, "", "", "", "AlphaMTA says", NULL), "mine");
    CHECK_STR(recognise(f, "", "", "", "alpha mailer here", NULL), "alpha");
    formats_free(f);
}

TEST(commands_and_hosts_tables)
{
    char err[256] = "";
    bc_formats *f =
        load_text("smtp_commands = ( { command = \"RCPT\"; match = \"after RCPT TO\"; },\n"
                  "  { command = \"DATA\"; match = \"end of data\"; } );\n"
                  "remote_hosts = ( \"host (?<host>[a-z.]+) ?\\\\[\" );\n",
                  err, sizeof err);
    CHECK(f != NULL);
    rx_scratch *s = rx_scratch_new();
    const char *t = "SMTP error after end of data: host mx.example.jp [192.0.2.1]: 554";
    CHECK_STR(formats_smtp_command(f, s, t, strlen(t)), "DATA");
    CHECK_STR(formats_smtp_command(f, s, "nothing", 7), "");
    size_t b = 0, e = 0;
    CHECK(formats_remote_mta(f, s, t, strlen(t), &b, &e) == 1);
    CHECK(e - b == 13 && strncmp(t + b, "mx.example.jp", 13) == 0);
    CHECK(formats_remote_mta(f, s, "no host", 7, &b, &e) == 0);
    rx_scratch_free(s);
    formats_free(f);
}

TEST(shipped_formats_file_loads)
{
    char err[256] = "";
    const char *paths[] = {"conf/formats.conf"};
    bc_formats *f = formats_load(paths, 1, err, sizeof err);
    CHECK(f != NULL);
    if (f == NULL)
        printf("# %s\n", err);
    CHECK(formats_count(f) >= 5);
    CHECK_STR(recognise(f, "failure notice", "MAILER-DAEMON@example.org", "",
                        "Hi. This is the qmail-send program at mx.example.org.\n", NULL),
              "qmail");
    formats_free(f);
}

TEST(hostile_input_is_bounded)
{
    char err[256] = "";
    bc_formats *f = load_text(two_formats, err, sizeof err);
    size_t n = 4u << 20;
    char *big = malloc(n + 1);
    CHECK(big != NULL);
    memset(big, 'a', n);
    big[n] = '\0';
    memcpy(big + n - 20, "alpha mailer here", 17);
    fmt_hit hit;
    /* Far beyond the scan limit: not seen. */
    CHECK(recognise(f, big, big, big, big, &hit) == NULL);
    CHECK(hit.end < n);
    /* NUL bytes inside the text are just bytes. */
    char nul[] = "x\0y\0alpha mailer here";
    rx_scratch *s = rx_scratch_new();
    CHECK(formats_recognise(f, s, "", "", "", 0, nul, sizeof nul - 1, &hit) == 1);
    CHECK(formats_recognise(f, s, NULL, NULL, NULL, 5, NULL, 5, &hit) == 0);
    CHECK(formats_recognise(NULL, s, "", "", "", 0, "x", 1, &hit) == 0);
    rx_scratch_free(s);
    free(big);
    formats_free(f);
}

TEST(command_literals_and_host_prefilters)
{
    char err[256] = "";
    bc_formats *f = load_text(
        "smtp_commands = ( { command = \"CONN\"; text = [\"Connection refused\"]; },\n"
        "  { command = \"RCPT\"; text = \"after rcpt to\"; match = \"rcpt_to\"; } );\n"
        "remote_hosts = ( { text = [\"talking to\"]; match = \"to (?<host>[a-z.]+):\"; },\n"
        "  \"^(?<host>[a-z.]+) said\" );\n",
        err, sizeof err);
    CHECK(f != NULL);
    rx_scratch *s = rx_scratch_new();
    const char *t1 = "550 5.1.1 unknown user (AFTER RCPT TO command)";
    CHECK_STR(formats_smtp_command(f, s, t1, strlen(t1)), "RCPT");
    CHECK_STR(formats_smtp_command(f, s, "[RCPT_TO]", 9), "RCPT");
    /* table order, not text order, decides */
    const char *t2 = "after RCPT TO: connection refused";
    CHECK_STR(formats_smtp_command(f, s, t2, strlen(t2)), "CONN");
    size_t b = 0, e = 0;
    const char *h1 = "while talking to mx.example.org:";
    CHECK(formats_remote_mta(f, s, h1, strlen(h1), &b, &e) == 1);
    CHECK(e - b == 14 && strncmp(h1 + b, "mx.example.org", 14) == 0);
    /* the regex alone would match, but its literal is missing */
    CHECK(formats_remote_mta(f, s, "went to mx.example.org:", 23, &b, &e) == 0);
    CHECK(formats_remote_mta(f, s, "relay.example.org said no", 25, &b, &e) == 1);
    rx_scratch_free(s);
    formats_free(f);
    CHECK(load_text("smtp_commands = ( { command = \"RCPT\"; } );\n", err, sizeof err) == NULL);
    CHECK(strstr(err, ":1: ") != NULL);
    CHECK(load_text("remote_hosts = ( { text = \"x\"; } );\n", err, sizeof err) == NULL);
    CHECK(load_text("remote_hosts = ( { txt = \"x\"; match = \"(?<host>x)\"; } );\n", err,
                    sizeof err) == NULL);
    CHECK(strstr(err, "txt") != NULL);
}

/* One scratch for several messages: the remembered recognition is only
 * reused for the same input, even when a new message sits in the same
 * buffer; a message recognised twice gets the same answer. */
TEST(one_scratch_many_messages)
{
    char err[256] = "";
    bc_formats *f = load_text(two_formats, err, sizeof err);
    rx_scratch *s = rx_scratch_new();
    char text[64];
    fmt_hit hit;
    CHECK(f != NULL && s != NULL);
    snprintf(text, sizeof text, "AlphaMTA report\nfailed:\n<a@b.c>\n");
    CHECK(formats_recognise(f, s, "", "", "", 0, text, strlen(text), &hit) == 1);
    CHECK_STR(hit.format->id, "alpha");
    CHECK(hit.start == (size_t)(strstr(text, "failed:") - text) + 7);
    CHECK(formats_recognise(f, s, "", "", "", 0, text, strlen(text), &hit) == 1);
    CHECK_STR(hit.format->id, "alpha");
    CHECK(hit.start == (size_t)(strstr(text, "failed:") - text) + 7);
    snprintf(text, sizeof text, "AlphaMTB report\nfailed:\n<a@b.c>\n");
    CHECK(formats_recognise(f, s, "", "", "", 0, text, strlen(text), &hit) == 0);
    CHECK(formats_recognise(f, s, "beta failure", "", "", 0, text, strlen(text), &hit) == 0);
    snprintf(text, sizeof text, "code 42\n");
    CHECK(formats_recognise(f, s, "beta failure", "", "", 0, text, strlen(text), &hit) == 1);
    CHECK_STR(hit.format->id, "beta");
    CHECK(formats_recognise(f, s, "beta failure", "", "X-Gamma-Failed: 1", 17, text, 2, &hit) == 1);
    CHECK_STR(hit.format->id, "gamma");
    /* a larger input than any before: the memo grows */
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big + 4000, "AlphaMTA", 8);
    CHECK(formats_recognise(f, s, "", "", "", 0, big, strlen(big), &hit) == 1);
    CHECK_STR(hit.format->id, "alpha");
    CHECK(formats_recognise(f, s, "", "", "", 0, text, strlen(text), &hit) == 0);
    rx_scratch_free(s);
    formats_free(f);
}

/* The header block is scanned in two halves side by side: a header
 * literal is found wherever it lies, across the middle too. */
TEST(header_literal_anywhere)
{
    char err[256] = "";
    bc_formats *f = load_text(two_formats, err, sizeof err);
    rx_scratch *s = rx_scratch_new();
    char h[80];
    const char *lit = "x-gamma-failed:";
    size_t n = strlen(lit);
    int all = f != NULL && s != NULL;
    for (size_t len = n; len < sizeof h && all; len++)
        for (size_t at = 0; at + n <= len && all; at++) {
            memset(h, 'y', len);
            memcpy(h + at, lit, n);
            fmt_hit hit;
            all = formats_recognise(f, s, "", "", h, len, "", 0, &hit) == 1 &&
                  strcmp(hit.format->id, "gamma") == 0;
            /* one byte less of the literal: not found */
            all &= formats_recognise(f, s, "", "", h, at + n - 1, "", 0, &hit) == 0;
        }
    CHECK(all);
    rx_scratch_free(s);
    formats_free(f);
}

/* Files already parsed (the rules files, which may hold formats) are not
 * read again: a parsed file and a file read here load as both read here. */
TEST(parsed_and_unparsed_files)
{
    char err[256] = "", p1[64], p2[64];
    const char *w = write_conf("formats = ( { id = \"first\"; body = \"first mailer\"; } );\n");
    CHECK(w != NULL);
    snprintf(p1, sizeof p1, "%s", w ? w : "");
    w = write_conf(two_formats);
    CHECK(w != NULL);
    snprintf(p2, sizeof p2, "%s", w ? w : "");
    config_t cfg;
    CHECK(ruleset_parse(&cfg, p1, err, sizeof err) == 0);
    const config_t *cfgs[2] = {&cfg, NULL};
    const char *paths[2] = {p1, p2};
    bc_formats *f = formats_load_parsed(cfgs, paths, 2, err, sizeof err);
    config_destroy(&cfg);
    CHECK(f != NULL && formats_count(f) == 4);
    CHECK_STR(recognise(f, "", "", "", "the first mailer, AlphaMTA", NULL), "first");
    CHECK_STR(recognise(f, "", "", "X-Gamma-Failed: 1", "", NULL), "gamma");
    formats_free(f);
    unlink(p1);
    unlink(p2);
    /* the parse errors name the file (and line) as formats_load's do */
    CHECK(ruleset_parse(&cfg, "/nonexistent/rules.conf", err, sizeof err) == -1);
    config_destroy(&cfg);
    CHECK_STR(err, "/nonexistent/rules.conf: cannot read file");
    w = write_conf("formats = (\n{ id = ; }\n);\n");
    CHECK(w != NULL && ruleset_parse(&cfg, w, err, sizeof err) == -1);
    config_destroy(&cfg);
    CHECK(strstr(err, ":2: ") != NULL);
    if (w != NULL)
        unlink(w);
}

/* Case-insensitive: does lit occur in t[0..n)? */
static int occurs(const char *t, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp(t + i, lit, m) == 0)
            return 1;
    return 0;
}

/* The next number of a small linear congruential generator. */
static unsigned next_rand(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed / 65536;
}

/* nlit random literals over alpha (5 letters) of minlen + 0..span-1 bytes
 * into lits, each the key of format "fN"; the loaded formats. */
static bc_formats *random_formats(const char *key, const char *alpha, int nlit, size_t minlen,
                                  unsigned span, char (*lits)[24], unsigned *seed)
{
    char conf[8192], err[256] = "";
    size_t used = (size_t)snprintf(conf, sizeof conf, "formats = (\n");
    for (int i = 0; i < nlit; i++) {
        size_t len = minlen + next_rand(seed) % span;
        for (size_t j = 0; j < len; j++)
            lits[i][j] = alpha[next_rand(seed) % 5];
        lits[i][len] = '\0';
        used += (size_t)snprintf(conf + used, sizeof conf - used,
                                 "{ id = \"f%d\"; %s = \"%s\"; },\n", i, key, lits[i]);
    }
    snprintf(conf + used - 2, sizeof conf - (used - 2), "\n);\n");
    return load_text(conf, err, sizeof err);
}

/* A random text of 0..cap-1 bytes over alpha in both cases; its length. */
static size_t random_text(char *t, size_t cap, const char *alpha, unsigned *seed)
{
    size_t n = next_rand(seed) % cap;
    for (size_t j = 0; j < n; j++) {
        unsigned r = next_rand(seed);
        t[j] = alpha[r % 5];
        if (r / 8 % 2 && t[j] >= 'a' && t[j] <= 'z')
            t[j] = (char)(t[j] - 32);
    }
    return n;
}

/* Does the format recognise() finds in t[0..n) (as a header or as the
 * text) equal the first one whose literal a plain search finds? */
static int first_found(const bc_formats *f, rx_scratch *s, char (*lits)[24], int nlit,
                       const char *t, size_t n, int as_header)
{
    char want[8] = "";
    for (int i = 0; i < nlit && want[0] == '\0'; i++)
        if (occurs(t, n, lits[i]))
            snprintf(want, sizeof want, "f%d", i);
    fmt_hit hit;
    int rc = as_header ? formats_recognise(f, s, "", "", t, n, "", 0, &hit)
                       : formats_recognise(f, s, "", "", "", 0, t, n, &hit);
    return want[0] == '\0' ? rc == 0 : rc == 1 && strcmp(hit.format->id, want) == 0;
}

/* Many header literals sharing prefixes (the scanner's groups), in random
 * headers of both cases and every length: the format found is the first
 * whose literal a plain search finds. */
TEST(header_literals_match_a_plain_search)
{
    enum { NLIT = 60 };
    static const char alpha[] = "abx-:";
    char lits[NLIT][24];
    unsigned seed = 12345;
    bc_formats *f = random_formats("header", alpha, NLIT, 3, 18, lits, &seed);
    rx_scratch *s = rx_scratch_new();
    CHECK(f != NULL && s != NULL && formats_count(f) == NLIT);
    int all = f != NULL && s != NULL;
    char h[200];
    for (int round = 0; round < 3000 && all; round++) {
        size_t n = random_text(h, sizeof h, alpha, &seed);
        all = first_found(f, s, lits, NLIT, h, n, 1);
    }
    CHECK(all);
    rx_scratch_free(s);
    formats_free(f);
}

/* Body literals of 8-20 bytes sharing blocks (the text's Wu-Manber walk
 * with blocks of four and its shifts after a compare), in random texts:
 * the format found is the first whose literal a plain search finds. */
TEST(body_literals_match_a_plain_search)
{
    enum { NLIT = 40 };
    static const char alpha[] = "ab x-";
    char lits[NLIT][24];
    unsigned seed = 777;
    bc_formats *f = random_formats("body", alpha, NLIT, 8, 13, lits, &seed);
    rx_scratch *s = rx_scratch_new();
    CHECK(f != NULL && s != NULL && formats_count(f) == NLIT);
    int all = f != NULL && s != NULL;
    char t[400];
    for (int round = 0; round < 3000 && all; round++) {
        size_t n = random_text(t, sizeof t, alpha, &seed);
        /* and one of the literals somewhere, most of the time */
        unsigned r = next_rand(&seed);
        size_t l = strlen(lits[r % NLIT]);
        if (r / NLIT % 4 != 0 && l <= n)
            memcpy(t + (r / NLIT / 4) % (n - l + 1), lits[r % NLIT], l);
        all = first_found(f, s, lits, NLIT, t, n, 0);
    }
    CHECK(all);
    rx_scratch_free(s);
    formats_free(f);
}

/* With bounce_signals loaded, a format is named only for a message that
 * shows one: a mailer's header (or a format's wording) alone is not a
 * bounce. */
static const char *signal_conf =
    "formats = (\n"
    "  { id = \"gateway\"; header = [ \"X-Mailer: Gateway Mail Service\" ]; },\n"
    "  { id = \"wording\"; body = [ \"did not reach the following recipients\" ]; }\n"
    ");\n"
    "bounce_signals = {\n"
    "  subject = [ \"undeliverable\" ];\n"
    "  from = [ \"mailer-daemon\", \"postmaster\" ];\n"
    "  header = [ \"Return-Path: <>\", \"multipart/report\" ];\n"
    "};\n";

TEST(a_format_needs_a_bounce_signal)
{
    char err[256] = "";
    bc_formats *f = load_text(signal_conf, err, sizeof err);
    CHECK(f != NULL);
    const char *gw = "From: Ann <ann@example.org>\nX-Mailer: Gateway Mail Service 5.5\n";
    const char *words = "Your message did not reach the following recipients: bob@example.net\n";
    /* list mail sent through the gateway, quoting a bounce's wording */
    CHECK(recognise(f, "Re: weekly notes", "Ann <ann@example.org>", gw, "Hi all\n", NULL) == NULL);
    CHECK(recognise(f, "Re: weekly notes", "Ann <ann@example.org>", "", words, NULL) == NULL);
    /* each signal alone makes either a bounce */
    CHECK_STR(recognise(f, "Undeliverable: notes", "Ann <ann@example.org>", gw, "x\n", NULL),
              "gateway");
    CHECK_STR(recognise(f, "notes", "MAILER-DAEMON@example.org", "", words, NULL), "wording");
    CHECK_STR(recognise(f, "notes", "System Administrator <Postmaster@example.org>", gw, "x", NULL),
              "gateway");
    char hdr[256];
    snprintf(hdr, sizeof hdr, "Return-Path: <>\n%s", gw);
    CHECK_STR(recognise(f, "notes", "Ann <ann@example.org>", hdr, "x\n", NULL), "gateway");
    CHECK_STR(recognise(f, "notes", "a@example.org",
                        "Content-Type: multipart/report; report-type=delivery-status\n", words,
                        NULL),
              "wording");
    /* a sender's address is not the null one */
    snprintf(hdr, sizeof hdr, "Return-Path: <owner@example.org>\n%s", gw);
    CHECK(recognise(f, "notes", "Ann <ann@example.org>", hdr, "x\n", NULL) == NULL);

    CHECK(formats_bounce_signal(f, "Undeliverable", "a@example.org", "", 0));
    CHECK(formats_bounce_signal(f, "", "Mailer-Daemon@example.org", "", 0));
    CHECK(formats_bounce_signal(f, "", "", "X: 1\nReturn-Path: <>\n", 22));
    CHECK(!formats_bounce_signal(f, "Re: notes", "ann@example.org", gw, strlen(gw)));
    CHECK(!formats_bounce_signal(NULL, "Undeliverable", "", "", 0));
    /* a signal in capitals, ending the text; one cut short by the length */
    CHECK(formats_bounce_signal(f, "", "", "X: 1\nMULTIPART/REPORT", 21));
    CHECK(!formats_bounce_signal(f, "", "", "X: 1\nmultipart/report", 20));
    CHECK(!formats_bounce_signal(f, "UNDELIVERABL", "", "", 0));
    CHECK(formats_bounce_sender(f, "\"Postmaster\" <postmaster@example.org>"));
    CHECK(!formats_bounce_sender(f, "Ann <ann@example.org>"));
    formats_free(f);

    /* files without bounce_signals keep recognition as it was */
    f = load_text(two_formats, err, sizeof err);
    CHECK_STR(recognise(f, "", "", "", "sent by alphamta v1", NULL), "alpha");
    CHECK(!formats_bounce_signal(f, "Undeliverable", "MAILER-DAEMON", "", 0));
    formats_free(f);
    /* a wrong type or key is an error with its line */
    CHECK(load_text("bounce_signals = [ \"x\" ];\n", err, sizeof err) == NULL);
    CHECK(strstr(err, ":1: bounce_signals: expected a group") != NULL);
    CHECK(load_text("bounce_signals = {\n body = [ \"xy\" ];\n};\n", err, sizeof err) == NULL);
    CHECK(strstr(err, ":2: unknown bounce_signals setting: body") != NULL);
}

TEST(fallback_lines)
{
    char err[256] = "";
    bc_formats *f = load_text("fallback = {\n wording = [ \"could not be delivered\", \"550 \" ];\n"
                              " skip = [ \"contact\" ];\n headers = [ \"to:\" ];\n};\n",
                              err, sizeof err);
    CHECK(f != NULL && formats_has_fallback(f));
    const char *l = "Mail to a@example.com COULD NOT BE DELIVERED.";
    CHECK(formats_line_is(f, FMT_LINE_WORDING, l, strlen(l)));
    CHECK(!formats_line_is(f, FMT_LINE_SKIP, l, strlen(l)));
    l = "Please contact help@example.com";
    CHECK(formats_line_is(f, FMT_LINE_SKIP, l, strlen(l)));
    CHECK(!formats_line_is(f, FMT_LINE_WORDING, l, strlen(l)));
    /* a quoted header name only where the line starts */
    CHECK(formats_line_is(f, FMT_LINE_QUOTED_HEADER, "  To: b@example.com", 19));
    CHECK(!formats_line_is(f, FMT_LINE_QUOTED_HEADER, "delivered to: b@example.com", 27));
    /* a literal is not found past the line's end */
    CHECK(!formats_line_is(f, FMT_LINE_WORDING, "code 550 x", 8));
    formats_free(f);
    f = load_text(two_formats, err, sizeof err);
    CHECK(!formats_has_fallback(f) && !formats_has_fallback(NULL));
    formats_free(f);
    CHECK(load_text("fallback = {\n words = [ \"xy\" ];\n};\n", err, sizeof err) == NULL);
    CHECK(strstr(err, ":2: unknown fallback setting: words") != NULL);
}

TEST(autoreply_subjects_start_the_subject)
{
    char err[256] = "";
    bc_formats *f = load_text("autoreply = { subject = [ \"out of office\", \"自動返信\" ]; };\n",
                              err, sizeof err);
    CHECK(f != NULL);
    CHECK(formats_autoreply_subject(f, "  Out Of Office: back Monday"));
    CHECK(formats_autoreply_subject(f, "自動返信: hello"));
    CHECK(!formats_autoreply_subject(f, "Re: out of office"));
    CHECK(!formats_autoreply_subject(f, "out of"));
    CHECK(!formats_autoreply_subject(NULL, "out of office"));
    formats_free(f);
    CHECK(load_text("autoreply = { body = [ \"xy\" ]; };\n", err, sizeof err) == NULL);
    CHECK(strstr(err, ":1: unknown autoreply setting: body") != NULL);
}

TEST(complaints_table)
{
    char err[256] = "";
    bc_formats *f =
        load_text("complaints = (\n { header = \"X-Report-Abuse-To\"; in = \"original\";"
                  " feedback_type = \"Abuse\"; },\n { header = \"X-Optout\";"
                  " value = \"Yes\"; feedback_type = \"opt-out\"; }\n);\n",
                  err, sizeof err);
    size_t n = 0;
    const fmt_complaint *c = formats_complaints(f, &n);
    CHECK(f != NULL && n == 2 && c != NULL);
    if (n == 2) {
        CHECK_STR(c[0].header, "x-report-abuse-to");
        CHECK(c[0].in_original && c[0].value == NULL);
        CHECK_STR(c[0].type, "abuse");
        CHECK(!c[1].in_original);
        CHECK_STR(c[1].value, "yes");
    }
    formats_free(f);
    CHECK(formats_complaints(NULL, &n) == NULL && n == 0);
    CHECK(
        load_text("complaints = (\n { header = \"X-A\"; in = \"top\"; feedback_type = \"abuse\"; }"
                  "\n);\n",
                  err, sizeof err) == NULL);
    CHECK(strstr(err, ":2: complaints: needs header") != NULL);
    CHECK(load_text("complaints = ( { header = \"X-A\"; } );\n", err, sizeof err) == NULL);
}

/* command_phrases, transcript_verbs and remote_said: what dsn.c reads the
 * failed command and the answering host by comes from the file. */
TEST(dsn_vocabulary_is_loaded)
{
    char err[256] = "";
    bc_formats *f =
        load_text("command_phrases = ( { command = \"RCPT\"; text = [ \"upon Recipient\" ]; },\n"
                  "  { command = \"DATA\"; text = [ \"upon recipient body\" ]; } );\n"
                  "transcript_verbs = ( { command = \"MAIL\"; text = [ \"sender\" ]; } );\n"
                  "remote_said = { before = [ \"peer \" ]; after = [ \"answered\" ]; };\n"
                  "contact_words = [ \"write to\" ];\n",
                  err, sizeof err);
    CHECK(f != NULL);
    const dsn_vocab *v = formats_dsn_vocab(f);
    CHECK(v != NULL && v->nphrases == 2 && v->nverbs == 1);
    /* phrases are lower-cased, tried in file order, and a wrapped one counts */
    const char *t = "rejected upon recipient\n  body";
    CHECK_STR(dsn_command(v, t, strlen(t)), "RCPT");
    CHECK_STR(dsn_command(v, "in reply to RCPT TO command", 27), "");
    t = ">>> SENDER <a@example.org>\n<<< 550 no\n";
    CHECK_STR(dsn_command(v, t, strlen(t)), "MAIL");
    arena *a = arena_new();
    rpt_recipient r = {"a@example.org", "", "", "", "", "", "", ""};
    r.diagnostic = "peer mx.example.net[192.0.2.7] answered: 550 no such user";
    CHECK(dsn_refine(v, &r, a) == 0);
    CHECK_STR(r.remote_mta, "mx.example.net");
    rpt_recipient q = {"a@example.org", "", "", "", "", "", "", ""};
    q.diagnostic = "host mx.example.net[192.0.2.7] said: 550 no such user";
    CHECK(dsn_refine(v, &q, a) == 0);
    CHECK_STR(q.remote_mta, "");
    arena_free(a);
    CHECK(formats_line_is(f, FMT_LINE_CONTACT, "or WRITE TO help@example.org", 28) == 1);
    CHECK(formats_line_is(f, FMT_LINE_CONTACT, "please contact help@example.org", 31) == 0);
    formats_free(f);
}

/* Without the keys, nothing is found (the shipped file gives them). */
TEST(dsn_vocabulary_missing)
{
    char err[256] = "";
    bc_formats *f = load_text("delayed = { subject = [ \"delayed mail\" ]; };\n", err, sizeof err);
    CHECK(f != NULL);
    const dsn_vocab *v = formats_dsn_vocab(f);
    const char *t = "550 unknown (in reply to RCPT TO command)";
    CHECK_STR(dsn_command(v, t, strlen(t)), "");
    CHECK(formats_line_is(f, FMT_LINE_CONTACT, "contact help@example.org", 24) == 0);
    formats_free(f);
    CHECK_STR(dsn_command(NULL, t, strlen(t)), "");
}

/* An empty or malformed list stops loading with file:line. */
TEST(dsn_vocabulary_errors)
{
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"x = 1;\ncommand_phrases = ( );\n", ":2: command_phrases: expected a non-empty list"},
        {"command_phrases = (\n { command = \"RCPT\"; text = [ ]; } );\n",
         ":2: command_phrases: text must be"},
        {"command_phrases = (\n { command = \"QUIT\"; text = [ \"after quit\" ]; } );\n",
         ":2: command must be"},
        {"command_phrases = ( { command = \"RCPT\";\n text = [ \"ok\", \"after  rcpt\" ]; } );\n",
         ":2: command_phrases: a phrase opens with two letters"},
        {"command_phrases = ( { command = \"RCPT\"; text = [\n \"> rcpt to\" ]; } );\n",
         ":2: command_phrases: a phrase opens with two letters"},
        {"command_phrases = ( { command = \"RCPT\";\n texts = [ \"after rcpt\" ]; } );\n",
         ":2: unknown setting: texts"},
        {"transcript_verbs = ( { command = \"RCPT\"; text = [\n \"rcpt to\" ]; } );\n",
         ":2: transcript_verbs: a verb is"},
        {"transcript_verbs = \"rcpt\";\n", ":1: transcript_verbs: expected a non-empty list"},
        {"remote_said = {\n before = [ \"host \" ]; };\n", ":1: after: expected a non-empty list"},
        {"remote_said = { before = [ \"host \" ];\n after = [ \"\" ]; };\n",
         ":2: after: each entry is a string"},
        {"remote_said = [ \"host \" ];\n", ":1: remote_said: expected a group"},
        {"contact_words = [ ];\n", ":1: contact_words: expected a non-empty list"},
        {"contact_words = [\n \"x\" ];\n", ":2: literal must be"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        bc_formats *f = load_text(bad[i].text, err, sizeof err);
        CHECK(f == NULL);
        formats_free(f);
        CHECK(strstr(err, "/tmp/test_formats.") != NULL);
        if (strstr(err, bad[i].want) == NULL)
            printf("# case %zu: %s\n", i, err);
        CHECK(strstr(err, bad[i].want) != NULL);
    }
}

/* More phrases than dsn.c matches in one pass are refused. */
TEST(dsn_vocabulary_phrase_cap)
{
    char text[4096], err[256] = "";
    int n = snprintf(text, sizeof text, "command_phrases = ( { command = \"RCPT\"; text = [ ");
    for (int i = 0; i < 65; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%s\"ab%d\"", i ? ", " : "", i);
    snprintf(text + n, sizeof text - (size_t)n, " ]; } );\n");
    CHECK(load_text(text, err, sizeof err) == NULL);
    CHECK(strstr(err, "too many phrases") != NULL);
}

int main(void)
{
    RUN_TESTS();
}
