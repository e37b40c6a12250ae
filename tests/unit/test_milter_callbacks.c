/*
 * test_milter_callbacks.c - what bounce-milter asks of the MTA in
 * negotiation: steps left out, no-reply stages, SMFIS_SKIP only when the
 * MTA understands it.
 */
#include <libmilter/mfapi.h>

#include "callbacks.h"
#include "tap.h"

/* Every protocol step flag an MTA (with libmilter's faked NR_*) may offer. */
#define ALL_STEPS 0x3fffffUL

TEST(steps_left_out)
{
    unsigned long st = callbacks_steps(ALL_STEPS, 1);
    CHECK((st & SMFIP_NOHELO) && (st & SMFIP_NODATA) && (st & SMFIP_NOUNKNOWN));
    CHECK(st & SMFIP_NOCONNECT); /* {daemon_name} comes with MAIL */
    /* RCPT stays, unanswered: the log names the envelope recipients */
    CHECK(!(st & SMFIP_NORCPT) && (st & SMFIP_NR_RCPT));
    /* headers, end of headers and the body are needed */
    CHECK(!(st & SMFIP_NOHDRS) && !(st & SMFIP_NOEOH) && !(st & SMFIP_NOBODY));
    /* the connect step stays when the macro list could not be set */
    st = callbacks_steps(ALL_STEPS, 0);
    CHECK(!(st & SMFIP_NOCONNECT));
}

TEST(no_reply_only_where_always_continuing)
{
    unsigned long st = callbacks_steps(ALL_STEPS, 1);
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
    CHECK(callbacks_steps(ALL_STEPS & ~SMFIP_SKIP, 1) ==
          (callbacks_steps(ALL_STEPS, 1) & ~SMFIP_SKIP));
    CHECK(!(callbacks_steps(ALL_STEPS & ~SMFIP_SKIP, 1) & SMFIP_SKIP));
    CHECK(callbacks_steps(SMFIP_NOHELO, 1) == SMFIP_NOHELO);
    CHECK(callbacks_steps(0, 1) == 0);
}

TEST(filter_description)
{
    struct smfiDesc *d = callbacks_desc();
    CHECK_STR(d->xxfi_name, "bounce-milter");
    /* steps never used have no callback (libmilter then leaves them out) */
    CHECK(d->xxfi_helo == NULL && d->xxfi_unknown == NULL && d->xxfi_data == NULL);
    CHECK(d->xxfi_negotiate != NULL && d->xxfi_close != NULL && d->xxfi_abort != NULL);
}

int main(void)
{
    RUN_TESTS();
}
