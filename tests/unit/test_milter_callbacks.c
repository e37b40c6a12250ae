/*
 * test_milter_callbacks.c - what bounce-milter asks of the MTA in
 * negotiation: steps left out, no-reply stages, SMFIS_SKIP only when the
 * MTA understands it, replies where the fast path accepts.
 */
#include <libmilter/mfapi.h>

#include "callbacks.h"
#include "session.h"
#include "tap.h"

/* Every protocol step flag an MTA (with libmilter's faked NR_*) may offer. */
#define ALL_STEPS 0x3fffffUL

TEST(steps_left_out)
{
    unsigned long st = callbacks_steps(ALL_STEPS, 1, NULL);
    CHECK((st & SMFIP_NOHELO) && (st & SMFIP_NODATA) && (st & SMFIP_NOUNKNOWN));
    CHECK(st & SMFIP_NOCONNECT); /* {daemon_name} comes with MAIL */
    /* RCPT stays, unanswered: the log names the envelope recipients */
    CHECK(!(st & SMFIP_NORCPT) && (st & SMFIP_NR_RCPT));
    /* headers, end of headers and the body are needed */
    CHECK(!(st & SMFIP_NOHDRS) && !(st & SMFIP_NOEOH) && !(st & SMFIP_NOBODY));
    /* the connect step stays when the macro list could not be set */
    st = callbacks_steps(ALL_STEPS, 0, NULL);
    CHECK(!(st & SMFIP_NOCONNECT));
}

TEST(no_reply_only_where_always_continuing)
{
    unsigned long st = callbacks_steps(ALL_STEPS, 1, NULL);
    CHECK((st & SMFIP_NR_CONN) && (st & SMFIP_NR_MAIL) && (st & SMFIP_NR_RCPT));
    CHECK(st & SMFIP_NR_HDR);
    /* end of headers accepts non-bounces, the body skips: they must reply */
    CHECK(!(st & SMFIP_NR_EOH) && !(st & SMFIP_NR_BODY));
    /* values without the leading space, ours written without one */
    CHECK(!(st & SMFIP_HDR_LEADSPC));
    CHECK(!(st & SMFIP_RCPT_REJ));
}

TEST(never_more_than_offered)
{
    CHECK(callbacks_steps(ALL_STEPS & ~SMFIP_SKIP, 1, NULL) ==
          (callbacks_steps(ALL_STEPS, 1, NULL) & ~SMFIP_SKIP));
    CHECK(!(callbacks_steps(ALL_STEPS & ~SMFIP_SKIP, 1, NULL) & SMFIP_SKIP));
    CHECK(callbacks_steps(SMFIP_NOHELO, 1, NULL) == SMFIP_NOHELO);
    CHECK(callbacks_steps(0, 1, NULL) == 0);
}

TEST(fast_path_replies_where_it_accepts)
{
    /* accept at MAIL: MAIL must be answered, the rest as before */
    unsigned early = SE_AT_MAIL;
    unsigned long st = callbacks_steps(ALL_STEPS, 1, &early);
    CHECK(early == SE_AT_MAIL);
    CHECK(!(st & SMFIP_NR_MAIL) && (st & SMFIP_NR_RCPT) && (st & SMFIP_NODATA));
    CHECK(st == (callbacks_steps(ALL_STEPS, 1, NULL) & ~SMFIP_NR_MAIL));
    /* accept at DATA: the DATA step is kept and answered, MAIL and RCPT not */
    early = SE_AT_DATA;
    st = callbacks_steps(ALL_STEPS, 1, &early);
    CHECK(early == SE_AT_DATA);
    CHECK(!(st & SMFIP_NODATA) && !(st & SMFIP_NR_DATA));
    CHECK((st & SMFIP_NR_MAIL) && (st & SMFIP_NR_RCPT));
    /* headers stay for the bounces of the same connection */
    CHECK(!(st & SMFIP_NOHDRS) && !(st & SMFIP_NOBODY));
    /* an MTA without the DATA step: no accept at DATA (end of headers) */
    early = SE_AT_DATA;
    st = callbacks_steps(ALL_STEPS & ~SMFIP_NODATA, 1, &early);
    CHECK(early == 0);
}

TEST(filter_description)
{
    struct smfiDesc *d = callbacks_desc();
    CHECK_STR(d->xxfi_name, "bounce-milter");
    /* steps never used have no callback (libmilter then leaves them out) */
    CHECK(d->xxfi_helo == NULL && d->xxfi_unknown == NULL);
    CHECK(d->xxfi_data != NULL); /* the fast path's accept after the last RCPT */
    CHECK(d->xxfi_negotiate != NULL && d->xxfi_close != NULL && d->xxfi_abort != NULL);
}

int main(void)
{
    RUN_TESTS();
}
