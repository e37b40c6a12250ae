/*
 * test_mbox.c - mbox splitting (classifier/mbox.c): which data is one
 * message, where messages start, what is dropped.
 */
#include <string.h>

#include "mbox.h"
#include "tap.h"

/* Split data into at most 8 messages; their count. */
static int split(const char *data, const char *msgs[8], size_t lens[8], mbox_reader *m)
{
    int n = 0;
    const char *msg;
    size_t len;
    mbox_open(m, data, strlen(data));
    while (mbox_next(m, &msg, &len) && n < 8) {
        msgs[n] = msg;
        lens[n] = len;
        n++;
    }
    return n;
}

static int is(const char *msg, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(msg, want, len) == 0;
}

TEST(plain_message_is_one)
{
    const char *m[8];
    size_t l[8];
    mbox_reader r;
    const char *data = "From: a@example.com\nSubject: x\n\nFrom me\n";
    CHECK(split(data, m, l, &r) == 1);
    CHECK(!r.is_mbox && !r.multi);
    CHECK(is(m[0], l[0], data));
}

TEST(empty_data_is_one_empty_message)
{
    const char *m[8];
    size_t l[8];
    mbox_reader r;
    CHECK(split("", m, l, &r) == 1);
    CHECK(l[0] == 0);
}

TEST(single_mbox_message_drops_from_line)
{
    const char *m[8];
    size_t l[8];
    mbox_reader r;
    CHECK(split("From MAILER-DAEMON Mon Nov 23 10:00:00 2026\nSubject: x\n\nbody\n", m, l, &r) ==
          1);
    CHECK(r.is_mbox && !r.multi);
    char copy[64] = "";
    if (l[0] < sizeof copy)
        memcpy(copy, m[0], l[0]);
    CHECK_STR(copy, "Subject: x\n\nbody\n");
}

TEST(three_messages)
{
    const char *m[8];
    size_t l[8];
    mbox_reader r;
    const char *data = "From a@b Mon Nov 23 10:00:00 2026\nSubject: 1\n\none\n\n"
                       "From c@d Mon Nov 23 10:01:00 2026\nSubject: 2\n\ntwo\n\n"
                       "From - Mon Nov 23 10:02:00 2026\nSubject: 3\n\nthree\n";
    CHECK(split(data, m, l, &r) == 3);
    CHECK(r.multi);
    CHECK(is(m[0], l[0], "Subject: 1\n\none\n\n"));
    CHECK(is(m[1], l[1], "Subject: 2\n\ntwo\n\n"));
    CHECK(is(m[2], l[2], "Subject: 3\n\nthree\n"));
}

TEST(crlf_separators)
{
    const char *m[8];
    size_t l[8];
    mbox_reader r;
    const char *data = "From a@b Mon Nov 23 10:00:00 2026\r\nSubject: 1\r\n\r\none\r\n\r\n"
                       "From c@d Mon Nov 23 10:01:00 2026\r\nSubject: 2\r\n\r\ntwo\r\n";
    CHECK(split(data, m, l, &r) == 2);
    CHECK(is(m[1], l[1], "Subject: 2\r\n\r\ntwo\r\n"));
}

/* A CRLF mbox converted to CRLF once more ("\r\r\n"): one line end each. */
TEST(doubled_cr_separators)
{
    const char *m[8];
    size_t l[8];
    mbox_reader r;
    const char *data =
        "From a@b Mon Nov 23 10:00:00 2026\r\r\nSubject: 1\r\r\n\r\r\none\r\r\n\r\r\n"
        "From c@d Mon Nov 23 10:01:00 2026\r\r\nSubject: 2\r\r\n\r\r\ntwo\r\r\n";
    CHECK(split(data, m, l, &r) == 2);
    CHECK(is(m[0], l[0], "Subject: 1\r\r\n\r\r\none\r\r\n\r\r\n"));
    CHECK(is(m[1], l[1], "Subject: 2\r\r\n\r\r\ntwo\r\r\n"));
}

TEST(lone_cr_separators)
{
    const char *m[8];
    size_t l[8];
    mbox_reader r;
    const char *data = "From a@b Mon Nov 23 10:00:00 2026\rSubject: 1\r\rone\r\r"
                       "From c@d Mon Nov 23 10:01:00 2026\rSubject: 2\r\rtwo\r";
    CHECK(split(data, m, l, &r) == 2);
    CHECK(r.multi);
    CHECK(is(m[0], l[0], "Subject: 1\r\rone\r\r"));
    CHECK(is(m[1], l[1], "Subject: 2\r\rtwo\r"));
    /* one message: the From_ line ends at its CR, not at the end of the data */
    const char *one = "From a@b Mon Nov 23 10:00:00 2026\rSubject: 1\r\rone\r";
    CHECK(split(one, m, l, &r) == 1);
    CHECK(!r.multi);
    CHECK(is(m[0], l[0], "Subject: 1\r\rone\r"));
}

TEST(body_from_lines_do_not_split)
{
    const char *m[8];
    size_t l[8];
    mbox_reader r;
    /* not after an empty line; no date; ">From" escaped; "From " alone */
    const char *data = "From a@b Mon Nov 23 10:00:00 2026\nSubject: 1\n\ntext\n"
                       "From c@d Mon Nov 23 10:01:00 2026\n\nFrom here on we agree\n\n"
                       ">From x@y Mon Nov 23 10:01:00 2026\n\nFrom \n";
    CHECK(split(data, m, l, &r) == 1);
    CHECK(!r.multi);
}

TEST(separator_at_end_without_newline)
{
    const char *m[8];
    size_t l[8];
    mbox_reader r;
    const char *data = "From a@b Mon Nov 23 10:00:00 2026\nSubject: 1\n\none\n\n"
                       "From c@d Mon Nov 23 10:01:00 2026";
    CHECK(split(data, m, l, &r) == 2);
    CHECK(l[1] == 0);
}

TEST(feed_accepts_odd_escapes)
{
    char err[512];
    bc_rules *rules = bc_rules_load(NULL, NULL, err, sizeof err);
    CHECK(rules != NULL);
    bc_classifier *c = bc_classifier_new(rules, 0, 0);
    CHECK(c != NULL);
    CHECK(mbox_feed(c, ">", 1, 1) == 0);
    CHECK(mbox_feed(c, ">>>>From", 8, 1) == 0);
    CHECK(mbox_feed(c, "\n>From \n", 8, 1) == 0);
    CHECK(mbox_feed(c, "x", 1, 0) == 0);
    bc_result *res = bc_classifier_finish(c);
    CHECK(res != NULL);
    bc_result_free(res);
    bc_classifier_free(c);
    bc_rules_free(rules);
}

int main(void)
{
    RUN_TESTS();
}
