/*
 * verp.h - decode VERP bounce addresses.
 *
 * A pattern such as "bounces+%l=%d@example.com" describes how a sender
 * encoded the original recipient local@domain into its envelope sender;
 * bounces come back to that address, and verp_decode() recovers
 * local@domain from it.  "%%" is a literal percent sign.
 *
 * A signed VERP address carries a tag made with verp_key (bounce-report
 * sign): "local+TAG@domain", TAG the first 16 hex digits of
 * HMAC-SHA256(key, lower-cased "local@domain").  verp_signed_ok() checks it
 * against the current and previous keys; verp_unsign() gives the address
 * without its tag, for verp_decode().
 */
#ifndef MILTER_VERP_H
#define MILTER_VERP_H

#include <stddef.h>

/* 0 if pattern is usable (one %l, one %d, an '@'); else -1 and a reason. */
int verp_check(const char *pattern, char *err, size_t errlen);

/* 1 and "local@domain" in out if addr (no angle brackets) matches pattern
 * (literal parts compared case-insensitively); 0 if not. */
int verp_decode(const char *pattern, const char *addr, char *out, size_t outlen);

/* 1 if addr ends its local part with "+TAG" and TAG is the tag of the
 * rest under one of keys (the current key, then older ones); 0 if not. */
int verp_signed_ok(const char *addr, const char *const *keys, size_t nkeys);

/* addr without a trailing "+TAG" of 16 hex digits in its local part, in
 * out: 1 if there was one, 0 if not (out is then addr), -1 if out is too
 * small. */
int verp_unsign(const char *addr, char *out, size_t outlen);

#endif
