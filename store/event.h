/*
 * event.h - a bounce event: one classified recipient of one report.
 *
 * The milter makes one event per recipient of a classified bounce
 * (event_from_recipient), appends it to the journal (event_encode), and the
 * writer copies it into the store.  event_json() writes the object that
 * bounce-report --json and the webhooks show; its field names are a
 * contract (INTERFACES.md section 4).
 *
 *     struct event_ctx ctx = {.time = time(NULL), .queue_id = qid, .host = host,
 *                             .original_recipient = verp, .authenticated = 1};
 *     event *ev = event_from_recipient(res, &res->recipients[i], &ctx);
 *     sbuf b = {0};
 *     event_json(&b, ev);
 *     event_free(ev);
 *
 * Every string of an event is owned by it and never NULL ("" when absent).
 */
#ifndef STORE_EVENT_H
#define STORE_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sbuf.h"

struct bc_result;
struct bc_recipient;

#define EVENT_ID_LEN 32 /* hex digits of an id */

/* The text of the MTA's refusal of a suppressed recipient (the socketmap's
 * reply, bounce-report export --format postfix). */
#define EVENT_SUPPRESSED_TEXT "recipient suppressed by bounce-milter"

/* The string fields, in the order of the journal encoding and the schema. */
enum event_field {
    EV_ID,
    EV_QUEUE_ID,
    EV_HOST,
    EV_KIND,
    EV_MTA,
    EV_ADDRESS,
    EV_ORIGINAL_RECIPIENT,
    EV_ACTION,
    EV_STATUS,
    EV_REPLY_CODE,
    EV_CLASS,
    EV_SEVERITY,
    EV_ADVICE,
    EV_DETAIL,
    EV_RULE,
    EV_SMTP_COMMAND,
    EV_DIAGNOSTIC,
    EV_REMOTE_MTA,
    EV_MESSAGE_ID,
    EV_NFIELDS
};

typedef struct event {
    char *f[EV_NFIELDS]; /* indexed by enum event_field */
    int64_t time;        /* seconds since the epoch, UTC */
    int code;            /* 900-950, 0 when the class has none */
    int authenticated;   /* 1: the bounce answers our own mail (see INTERFACES.md) */
} event;

/* What the milter knows about a bounce besides the classifier's result. */
struct event_ctx {
    int64_t time;                   /* 0: now */
    const char *queue_id;           /* MTA queue id, or NULL */
    const char *host;               /* this host's name, or NULL: gethostname() */
    const char *original_recipient; /* VERP-decoded original recipient, or NULL */
    int authenticated;
};

/* An event for recipient r of result res with a new unique id; NULL only
 * on memory exhaustion. */
event *event_from_recipient(const struct bc_result *res, const struct bc_recipient *r,
                            const struct event_ctx *ctx);

/* 1 if r failed because we refused it as suppressed: a bounce of our own
 * making, never recorded (it would feed the list it comes from). */
int event_is_own_refusal(const struct bc_recipient *r);

/* An empty event (all strings ""); NULL on memory exhaustion. */
event *event_new(void);

/* Replace field f by a copy of value (NULL: ""); 0, or -1 on memory exhaustion. */
int event_set(event *ev, enum event_field f, const char *value);

/* Write a new unique id into buf (EVENT_ID_LEN hex digits and a NUL):
 * milliseconds since the epoch then 80 random bits, so ids sort by time. */
void event_new_id(char buf[EVENT_ID_LEN + 1]);

/* The event as one JSON object (no newline). */
void event_json(sbuf *b, const event *ev);

/* time as ISO 8601 UTC, "2026-12-07T23:05:00Z". */
void event_format_time(int64_t t, char buf[32]);

/* The journal's binary form: appended to b. */
void event_encode(sbuf *b, const event *ev);

/* Decode what event_encode wrote; NULL if the bytes are not an event. */
event *event_decode(const char *p, size_t len);

/* The failed recipient's domain (after the last '@'), or "". */
const char *event_domain(const event *ev);

void event_free(event *ev);

#endif
