/*
 * actions.h - choosing what to do with a classified bounce, and the body
 * surgery of the "strip" action.
 *
 * actions_select() walks the config's action list and returns the first
 * whose match fits; actions_internal() says what an action becomes for
 * Postfix's own bounces; actions_strip() rebuilds a multipart body without
 * the returned original message.
 */
#ifndef MILTER_ACTIONS_H
#define MILTER_ACTIONS_H

#include <stddef.h>

#include "bounce.h"
#include "config.h"

/* A bounce as the actions see it: the recipients after VERP decoding. */
typedef struct bounce_view {
    const char *kind;
    const bc_recipient *rcpts;
    size_t n;
} bounce_view;

/* 1 if m fits v: one recipient matches every recipient field given, and
 * kind (if given) matches. */
int actions_match(const mc_match *m, const bounce_view *v);

/* First action of c whose match fits v; NULL when none does. */
const mc_action *actions_select(const mconf *c, const bounce_view *v);

/* The action carried out on Postfix's own bounces instead of t: reject,
 * discard, redirect and strip become headers (the bounce must reach its
 * sender); headers, subject, quarantine and copy stay. */
enum mc_action_type actions_internal(enum mc_action_type t);

/* Value of parameter name in a MIME header value such as a Content-Type
 * ("multipart/report; report-type=delivery-status; boundary=..."), quotes
 * removed; 1 if found. */
int ctype_param(const char *value, const char *name, char *out, size_t outlen);

/* 1 if the Content-Type value's media type is type ("multipart/report"). */
int ctype_is(const char *value, const char *type);

/* New body of a multipart message without the returned original: the
 * message/rfc822, message/global, text/rfc822-headers and
 * message/global-headers parts are left out.  truncated: body is only the first part
 * of the real one (then nothing after a removed part is kept).  Returns 1
 * and a malloc'ed *out, 0 when there is nothing to strip, -1 on error. */
int actions_strip(const char *body, size_t len, int truncated, const char *boundary, char **out,
                  size_t *outlen);

#endif
