/*
 * hmac.h - SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104), and the tag of a
 * signed VERP address.
 *
 * The webhooks sign their bodies with hmac_sha256(); bounce-report sign and
 * the milter's verp_signed_ok() make and check VERP tags with verp_tag().
 * Written here so that neither program needs a crypto library.
 *
 *     unsigned char mac[HMAC_LEN];
 *     hmac_sha256(key, strlen(key), body, len, mac);
 *     char hex[2 * HMAC_LEN + 1];
 *     hmac_hex(mac, HMAC_LEN, hex);
 */
#ifndef STORE_HMAC_H
#define STORE_HMAC_H

#include <stddef.h>

#define HMAC_LEN 32     /* bytes of a SHA-256 digest */
#define VERP_TAG_HEX 16 /* hex digits of a VERP tag: 64 bits of the HMAC */

void sha256(const void *data, size_t len, unsigned char out[HMAC_LEN]);

void hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                 unsigned char out[HMAC_LEN]);

/* n bytes as 2n lower-case hex digits and a NUL. */
void hmac_hex(const unsigned char *p, size_t n, char *out);

/* The tag of a signed VERP address: the first 8 bytes of
 * HMAC-SHA256(key, lower-cased addr) in hex.  addr is the address without
 * its tag.  0, or -1 if addr is longer than an address can be. */
int verp_tag(const char *key, const char *addr, char out[VERP_TAG_HEX + 1]);

/* The signed form of addr ("local@domain" -> "local+TAG@domain"), in out:
 * 0, or -1 if addr has no '@' or out is too small. */
int verp_sign(const char *key, const char *addr, char *out, size_t outlen);

#endif
