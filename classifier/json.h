/*
 * json.h - JSON string output and UTF-8 sequence checks, shared by the CLI's
 * output, the event store's JSON and the webhooks (bc_json_string() in
 * bounce.h is the public entry; json.c).
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p (1-4; overlong forms, surrogates
 * and code points above U+10FFFF are not valid), or 0 if it is not one. */
size_t utf8_seq_len(const unsigned char *p, const unsigned char *end);

#endif
