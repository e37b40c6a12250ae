/*
 * test_rfcdate.c - RFC 5322 dates as ISO 8601, and what is not a date.
 */
#include "rfcdate.h"
#include "tap.h"

TEST(dates)
{
    arena *a = arena_new();
    CHECK_STR(rfcdate_iso("Mon, 23 Nov 2026 10:00:00 +0000", a), "2026-11-23T10:00:00+00:00");
    CHECK_STR(rfcdate_iso("Tue, 1 Dec 2026 23:59:59 -0800 (PST)", a), "2026-12-01T23:59:59-08:00");
    CHECK_STR(rfcdate_iso("2 Jan 99 1:02 EST", a), "1999-01-02T01:02:00-05:00");
    CHECK_STR(rfcdate_iso("29 Apr 2013 23:45:22 +0530", a), "2013-04-29T23:45:22+05:30");
    CHECK_STR(rfcdate_iso("Wed, 25 Nov 2026 10:00:00 UT", a), "2026-11-25T10:00:00+00:00");
    CHECK_STR(rfcdate_iso("Thu, 29 Apr 2010 23:34:45", a), "2010-04-29T23:34:45+00:00");
    CHECK_STR(rfcdate_iso("29-04-2017 23:34", a), "2017-04-29T23:34:00+00:00");
    arena_free(a);
}

TEST(not_dates)
{
    arena *a = arena_new();
    const char *bad[] = {"",
                         "yesterday",
                         "Sun, 32 Jan 2026 10:00:00 +0000",
                         "1 Foo 2026 10:00",
                         "1 Jan 2026 25:00:00 +0000",
                         "1 Jan 2026 10:00:00 +9999",
                         "13-13-2026 10:00",
                         "1 Jan 2026"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_STR(rfcdate_iso(bad[i], a), "");
    arena_free(a);
}

int main(void)
{
    RUN_TESTS();
}
