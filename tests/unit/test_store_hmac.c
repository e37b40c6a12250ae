/*
 * test_store_hmac.c - SHA-256 (FIPS 180-4 examples), HMAC-SHA256 (RFC 4231
 * test cases 1, 2, 3, 4, 6 and 7) and the VERP tag.
 */
#include <string.h>

#include "hmac.h"
#include "tap.h"

static const char *hex_of_sha(const char *msg)
{
    static char hex[2 * HMAC_LEN + 1];
    unsigned char d[HMAC_LEN];
    sha256(msg, strlen(msg), d);
    hmac_hex(d, HMAC_LEN, hex);
    return hex;
}

static const char *hex_of_hmac(const void *key, size_t klen, const void *data, size_t dlen)
{
    static char hex[2 * HMAC_LEN + 1];
    unsigned char d[HMAC_LEN];
    hmac_sha256(key, klen, data, dlen, d);
    hmac_hex(d, HMAC_LEN, hex);
    return hex;
}

TEST(sha256_fips_examples)
{
    CHECK_STR(hex_of_sha(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR(hex_of_sha("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_STR(hex_of_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(hmac_rfc4231)
{
    unsigned char k0b[20], kaa[131], d3[50], k4[25], d4[50];
    memset(k0b, 0x0b, sizeof k0b);
    memset(kaa, 0xaa, sizeof kaa);
    memset(d3, 0xdd, sizeof d3);
    for (int i = 0; i < 25; i++)
        k4[i] = (unsigned char)(i + 1);
    memset(d4, 0xcd, sizeof d4);
    CHECK_STR(hex_of_hmac(k0b, 20, "Hi There", 8),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK_STR(hex_of_hmac("Jefe", 4, "what do ya want for nothing?", 28),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK_STR(hex_of_hmac(kaa, 20, d3, sizeof d3),
              "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    CHECK_STR(hex_of_hmac(k4, sizeof k4, d4, sizeof d4),
              "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    const char *t6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    CHECK_STR(hex_of_hmac(kaa, sizeof kaa, t6, strlen(t6)),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    const char *t7 = "This is a test using a larger than block-size key and a larger than "
                     "block-size data. The key needs to be hashed before being used by the HMAC "
                     "algorithm.";
    CHECK_STR(hex_of_hmac(kaa, sizeof kaa, t7, strlen(t7)),
              "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(verp_sign_form)
{
    char out[128], tag[VERP_TAG_HEX + 1];
    CHECK(verp_sign("k1", "bounces+user=example.com@lists.example.org", out, sizeof out) == 0);
    CHECK(verp_tag("k1", "Bounces+User=Example.com@LISTS.example.org", tag) == 0);
    /* the tag ignores case, sits before the '@', and is 16 hex digits */
    CHECK(strlen(out) == strlen("bounces+user=example.com@lists.example.org") + 17);
    CHECK(strncmp(out, "bounces+user=example.com+", 25) == 0);
    CHECK(strncmp(out + 25, tag, VERP_TAG_HEX) == 0);
    CHECK_STR(out + 25 + VERP_TAG_HEX, "@lists.example.org");
    CHECK(verp_sign("k1", "no-at-sign", out, sizeof out) == -1);
    CHECK(verp_sign("k1", "a@b", out, 5) == -1);
}

int main(void)
{
    RUN_TESTS();
}
