/*
 * verp.h - decode VERP bounce addresses.
 *
 * A pattern such as "bounces+%l=%d@example.com" describes how a sender
 * encoded the original recipient local@domain into its envelope sender;
 * bounces come back to that address, and verp_decode() recovers
 * local@domain from it.  "%%" is a literal percent sign.
 */
#ifndef MILTER_VERP_H
#define MILTER_VERP_H

#include <stddef.h>

/* 0 if pattern is usable (one %l, one %d, an '@'); else -1 and a reason. */
int verp_check(const char *pattern, char *err, size_t errlen);

/* 1 and "local@domain" in out if addr (no angle brackets) matches pattern
 * (literal parts compared case-insensitively); 0 if not. */
int verp_decode(const char *pattern, const char *addr, char *out, size_t outlen);

/* 1 if addr (the VERP address a bounce came to) carries a valid signature
 * made with one of the nkeys keys (verp_key; `bounce-report sign`), else 0. */
int verp_signature_ok(const char *const *keys, size_t nkeys, const char *addr);

#endif
