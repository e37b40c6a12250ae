/*
 * test_milter_verp_sign.c - verp_signed_ok() and verp_unsign(): signed VERP
 * addresses pass with the current or the previous key and fail with any
 * change.
 */
#include <string.h>

#include "hmac.h"
#include "tap.h"
#include "verp.h"

static const char *const keys[] = {"current-key", "previous-key"};
static const char base[] = "bounces+user=example.com@lists.example.org";

TEST(signed_ok_with_either_key)
{
    char a[128];
    CHECK(verp_sign("current-key", base, a, sizeof a) == 0);
    CHECK(verp_signed_ok(a, keys, 2) == 1);
    CHECK(verp_sign("previous-key", base, a, sizeof a) == 0);
    CHECK(verp_signed_ok(a, keys, 2) == 1);
    CHECK(verp_signed_ok(a, keys, 1) == 0); /* the previous key dropped */
    CHECK(verp_sign("other-key", base, a, sizeof a) == 0);
    CHECK(verp_signed_ok(a, keys, 2) == 0);
}

TEST(signed_ok_ignores_case_but_not_changes)
{
    char a[128];
    CHECK(verp_sign("current-key", base, a, sizeof a) == 0);
    for (char *p = a; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 32);
    CHECK(verp_signed_ok(a, keys, 2) == 1);
    CHECK(verp_sign("current-key", base, a, sizeof a) == 0);
    a[9] = 'X'; /* the original recipient changed: user -> Xser */
    CHECK(verp_signed_ok(a, keys, 2) == 0);
    CHECK(verp_sign("current-key", base, a, sizeof a) == 0);
    char *tag = strchr(a, '@') - 1;
    *tag = *tag == '0' ? '1' : '0';
    CHECK(verp_signed_ok(a, keys, 2) == 0);
    CHECK(verp_signed_ok(base, keys, 2) == 0); /* unsigned */
    CHECK(verp_signed_ok("", keys, 2) == 0);
    CHECK(verp_signed_ok("+0123456789abcdef@x", keys, 2) == 0);
    const char *const empty[] = {""};
    CHECK(verp_signed_ok(a, empty, 1) == 0);
}

TEST(unsign_gives_the_verp_address)
{
    char a[128], out[128];
    CHECK(verp_sign("current-key", base, a, sizeof a) == 0);
    CHECK(verp_unsign(a, out, sizeof out) == 1);
    CHECK_STR(out, base);
    CHECK(verp_unsign(base, out, sizeof out) == 0);
    CHECK_STR(out, base);
    CHECK(verp_unsign("x+0123456789abcdeg@y", out, sizeof out) == 0); /* not hex */
    CHECK(verp_unsign(a, out, 10) == -1);
    char dec[128];
    CHECK(verp_unsign(a, out, sizeof out) == 1 &&
          verp_decode("bounces+%l=%d@lists.example.org", out, dec, sizeof dec) == 1);
    CHECK_STR(dec, "user@example.com");
}

int main(void)
{
    RUN_TESTS();
}
