/*
 * test_store_event.c - the event: built from a classifier recipient, its
 * JSON object (the contract of INTERFACES.md section 4), its journal form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "event.h"
#include "summary.h"
#include "tap.h"

static bc_recipient rcpt = {
    .address = "user@example.jp",
    .action = "failed",
    .status = "5.1.1",
    .reply_code = "550",
    .class_name = "userunknown",
    .severity = BC_SEV_HARD,
    .advice = "suppress",
    .code = 902,
    .detail = "",
    .rule = "status-5.1.1",
    .smtp_command = "RCPT",
    .diagnostic = "550 5.1.1 <user@example.jp>: \"no\" such\tuser \xe3\x81\x82",
    .remote_mta = "mx.example.jp",
};

static bc_result res = {
    .bounce = 1,
    .kind = "dsn",
    .mta = "postfix",
    .message_id = "<orig@example.com>",
    .date = "",
    .nrecipients = 1,
    .recipients = &rcpt,
};

static event *make(void)
{
    struct event_ctx ctx = {.time = 1796601600,
                            .queue_id = "4XyZ1",
                            .host = "mx1.example.com",
                            .original_recipient = "User@Example.jp",
                            .authenticated = 1};
    return event_from_recipient(&res, &rcpt, &ctx);
}

TEST(json_carries_every_field_under_its_contract_name)
{
    event *e = make();
    CHECK(e != NULL);
    CHECK(strlen(e->f[EV_ID]) == EVENT_ID_LEN);
    event_set(e, EV_ID, "0123456789abcdef0123456789abcdef");
    sbuf b = {0};
    event_json(&b, e);
    CHECK_STR(b.s, "{\"id\": \"0123456789abcdef0123456789abcdef\", "
                   "\"time\": \"2026-12-07T00:00:00Z\", \"queue_id\": \"4XyZ1\", "
                   "\"host\": \"mx1.example.com\", \"kind\": \"dsn\", \"mta\": \"postfix\", "
                   "\"address\": \"user@example.jp\", \"original_recipient\": \"User@Example.jp\", "
                   "\"action\": \"failed\", \"status\": \"5.1.1\", \"reply_code\": \"550\", "
                   "\"class\": \"userunknown\", \"severity\": \"hard\", \"advice\": \"suppress\", "
                   "\"code\": 902, \"detail\": \"\", \"rule\": \"status-5.1.1\", "
                   "\"smtp_command\": \"RCPT\", "
                   "\"diagnostic\": \"550 5.1.1 <user@example.jp>: \\\"no\\\" such\\tuser "
                   "\xe3\x81\x82\", "
                   "\"remote_mta\": \"mx.example.jp\", \"message_id\": \"<orig@example.com>\", "
                   "\"authenticated\": true}");
    sbuf_free(&b);
    event_free(e);
}

TEST(the_journal_form_round_trips)
{
    event *e = make(), *d;
    sbuf a = {0}, b = {0}, enc = {0};
    event_encode(&enc, e);
    d = event_decode(enc.s, enc.len);
    CHECK(d != NULL);
    if (d) {
        event_json(&a, e);
        event_json(&b, d);
        CHECK_STR(b.s, a.s);
        event_free(d);
    }
    /* Cut short or with a byte changed in a length, it is no event. */
    CHECK(event_decode(enc.s, enc.len - 1) == NULL);
    enc.s[16] = (char)0x7f; /* the id's length */
    CHECK(event_decode(enc.s, enc.len) == NULL);
    CHECK(event_decode("E1", 2) == NULL);
    sbuf_free(&a);
    sbuf_free(&b);
    sbuf_free(&enc);
    event_free(e);
}

TEST(ids_are_unique_and_sort_by_time)
{
    char a[EVENT_ID_LEN + 1], b[EVENT_ID_LEN + 1];
    int dup = 0, backwards = 0;
    event_new_id(a);
    for (int i = 0; i < 1000; i++) {
        event_new_id(b);
        dup += strcmp(a, b) == 0;
        backwards += strncmp(a, b, 12) > 0; /* the millisecond part */
    }
    CHECK(dup == 0);
    CHECK(backwards == 0);
    CHECK(strspn(a, "0123456789abcdef") == EVENT_ID_LEN);
}

TEST(missing_context_gives_empty_fields_and_the_host_name)
{
    struct event_ctx ctx = {0};
    event *e = event_from_recipient(&res, &rcpt, &ctx);
    CHECK(e != NULL);
    CHECK_STR(e->f[EV_QUEUE_ID], "");
    CHECK_STR(e->f[EV_ORIGINAL_RECIPIENT], "");
    CHECK(e->f[EV_HOST][0] != '\0');
    CHECK(e->time > 1700000000);
    CHECK(e->authenticated == 0);
    CHECK_STR(event_domain(e), "example.jp");
    event_free(e);
}

TEST(our_own_refusals_are_recognised)
{
    CHECK(!event_is_own_refusal(&rcpt));
    bc_recipient r = rcpt;
    r.diagnostic = "550 5.7.1 <a@example.jp>: Recipient address rejected: recipient suppressed "
                   "by bounce-milter: userunknown since 2026-12-01";
    CHECK(event_is_own_refusal(&r));
}

TEST(providers_are_registrable_domains)
{
    char b[128];
    CHECK_STR(summary_registrable("gmail-smtp-in.l.google.com", b, sizeof b), "google.com");
    CHECK_STR(summary_registrable("mx01.mail.Example.CO.JP.", b, sizeof b), "example.co.jp");
    CHECK_STR(summary_registrable("example.co.jp", b, sizeof b), "example.co.jp");
    CHECK_STR(summary_registrable("mta7.am0.yahoodns.net", b, sizeof b), "yahoodns.net");
    CHECK_STR(summary_registrable("mx.example.com.tw", b, sizeof b), "example.com.tw");
    CHECK_STR(summary_registrable("mx.example.de", b, sizeof b), "example.de");
    CHECK_STR(summary_registrable("localhost", b, sizeof b), "localhost");
    event *e = event_new();
    event_set(e, EV_ADDRESS, "a@sub.example.ne.jp");
    event_set(e, EV_REMOTE_MTA, "[192.0.2.1]");
    CHECK_STR(summary_key(e, SUM_PROVIDER, b, sizeof b), "example.ne.jp"); /* not an IP */
    e->time = 1796601600 + 3600;
    CHECK_STR(summary_key(e, SUM_DAY, b, sizeof b), "2026-12-07");
    event_free(e);
}

int main(void)
{
    RUN_TESTS();
}
