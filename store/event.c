/*
 * event.c - bounce events: construction, JSON, the journal's binary form
 * (see event.h).
 */
#include "event.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "bounce.h"
#include "hmac.h"

static const char *const field_names[EV_NFIELDS] = {
    [EV_ID] = "id",
    [EV_QUEUE_ID] = "queue_id",
    [EV_HOST] = "host",
    [EV_KIND] = "kind",
    [EV_MTA] = "mta",
    [EV_ADDRESS] = "address",
    [EV_ORIGINAL_RECIPIENT] = "original_recipient",
    [EV_ACTION] = "action",
    [EV_STATUS] = "status",
    [EV_REPLY_CODE] = "reply_code",
    [EV_CLASS] = "class",
    [EV_SEVERITY] = "severity",
    [EV_ADVICE] = "advice",
    [EV_DETAIL] = "detail",
    [EV_RULE] = "rule",
    [EV_SMTP_COMMAND] = "smtp_command",
    [EV_DIAGNOSTIC] = "diagnostic",
    [EV_REMOTE_MTA] = "remote_mta",
    [EV_MESSAGE_ID] = "message_id",
};

event *event_new(void)
{
    event *ev = calloc(1, sizeof *ev);
    if (ev == NULL)
        return NULL;
    for (int i = 0; i < EV_NFIELDS; i++)
        if ((ev->f[i] = strdup("")) == NULL) {
            event_free(ev);
            return NULL;
        }
    return ev;
}

int event_set(event *ev, enum event_field f, const char *value)
{
    char *s = strdup(value ? value : "");
    if (s == NULL)
        return -1;
    free(ev->f[f]);
    ev->f[f] = s;
    return 0;
}

void event_new_id(char buf[EVENT_ID_LEN + 1])
{
    static atomic_uint counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    unsigned char r[10];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        /* No entropy source: pid, nanoseconds and a counter still differ
         * between any two events of this host. */
        uint64_t x =
            (uint64_t)getpid() << 40 ^ (uint64_t)ts.tv_nsec << 8 ^ atomic_fetch_add(&counter, 1);
        memcpy(r, &x, 8);
        r[8] = (unsigned char)(atomic_fetch_add(&counter, 1) & 0xff);
        r[9] = (unsigned char)(ts.tv_nsec & 0xff);
    }
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 12; i++)
        buf[i] = hex[(ms >> (4 * (11 - i))) & 0xf];
    hmac_hex(r, sizeof r, buf + 12); /* 20 digits and the NUL: EVENT_ID_LEN in all */
}

int event_is_own_refusal(const bc_recipient *r)
{
    return strstr(r->diagnostic, EVENT_SUPPRESSED_TEXT) != NULL;
}

static char *host_name(void)
{
    char h[256];
    if (gethostname(h, sizeof h) != 0)
        return strdup("");
    h[sizeof h - 1] = '\0';
    return strdup(h);
}

event *event_from_recipient(const bc_result *res, const bc_recipient *r,
                            const struct event_ctx *ctx)
{
    event *ev = event_new();
    if (ev == NULL)
        return NULL;
    char id[EVENT_ID_LEN + 1];
    event_new_id(id);
    const char *v[EV_NFIELDS] = {
        [EV_ID] = id,
        [EV_QUEUE_ID] = ctx->queue_id,
        [EV_HOST] = ctx->host,
        [EV_KIND] = res->kind,
        [EV_MTA] = res->mta,
        [EV_ADDRESS] = r->address,
        [EV_ORIGINAL_RECIPIENT] = ctx->original_recipient,
        [EV_ACTION] = r->action,
        [EV_STATUS] = r->status,
        [EV_REPLY_CODE] = r->reply_code,
        [EV_CLASS] = r->class_name,
        [EV_SEVERITY] = bc_severity_name(r->severity),
        [EV_ADVICE] = r->advice,
        [EV_DETAIL] = r->detail,
        [EV_RULE] = r->rule,
        [EV_SMTP_COMMAND] = r->smtp_command,
        [EV_DIAGNOSTIC] = r->diagnostic,
        [EV_REMOTE_MTA] = r->remote_mta,
        [EV_MESSAGE_ID] = res->message_id,
    };
    for (int i = 0; i < EV_NFIELDS; i++)
        if (event_set(ev, (enum event_field)i, v[i]) < 0)
            goto fail;
    if (ctx->host == NULL) {
        char *h = host_name();
        if (h == NULL)
            goto fail;
        free(ev->f[EV_HOST]);
        ev->f[EV_HOST] = h;
    }
    ev->time = ctx->time ? ctx->time : (int64_t)time(NULL);
    ev->code = r->code;
    ev->authenticated = ctx->authenticated != 0;
    return ev;
fail:
    event_free(ev);
    return NULL;
}

void event_format_time(int64_t t, char buf[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        strcpy(buf, "1970-01-01T00:00:00Z");
}

static void json_field(sbuf *b, const event *ev, enum event_field f)
{
    sbuf_puts(b, ", \"");
    sbuf_puts(b, field_names[f]);
    sbuf_puts(b, "\": ");
    sbuf_json_str(b, ev->f[f]);
}

void event_json(sbuf *b, const event *ev)
{
    static const enum event_field head[] = {
        EV_QUEUE_ID, EV_HOST,   EV_KIND,       EV_MTA,   EV_ADDRESS,  EV_ORIGINAL_RECIPIENT,
        EV_ACTION,   EV_STATUS, EV_REPLY_CODE, EV_CLASS, EV_SEVERITY, EV_ADVICE};
    static const enum event_field tail[] = {EV_DETAIL,     EV_RULE,       EV_SMTP_COMMAND,
                                            EV_DIAGNOSTIC, EV_REMOTE_MTA, EV_MESSAGE_ID};
    char t[32];
    event_format_time(ev->time, t);
    sbuf_puts(b, "{\"id\": ");
    sbuf_json_str(b, ev->f[EV_ID]);
    sbuf_printf(b, ", \"time\": \"%s\"", t);
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        json_field(b, ev, head[i]);
    sbuf_printf(b, ", \"code\": %d", ev->code);
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
        json_field(b, ev, tail[i]);
    sbuf_printf(b, ", \"authenticated\": %s}", ev->authenticated ? "true" : "false");
}

/* The binary form: "E1", time (8 bytes), code (4), authenticated (1), then
 * each field as a 4-byte length and its bytes; integers little-endian. */
static void put_u(sbuf *b, uint64_t v, int n)
{
    unsigned char c[8];
    for (int i = 0; i < n; i++)
        c[i] = (unsigned char)(v >> (8 * i));
    sbuf_put(b, (const char *)c, (size_t)n);
}

static uint64_t get_u(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void event_encode(sbuf *b, const event *ev)
{
    sbuf_put(b, "E1", 2);
    put_u(b, (uint64_t)ev->time, 8);
    put_u(b, (uint32_t)ev->code, 4);
    put_u(b, ev->authenticated ? 1 : 0, 1);
    for (int i = 0; i < EV_NFIELDS; i++) {
        size_t n = strlen(ev->f[i]);
        put_u(b, n, 4);
        sbuf_put(b, ev->f[i], n);
    }
}

event *event_decode(const char *p, size_t len)
{
    const unsigned char *u = (const unsigned char *)p, *end = u + len;
    if (len < 15 || memcmp(p, "E1", 2) != 0 || u[14] > 1)
        return NULL;
    event *ev = calloc(1, sizeof *ev);
    if (ev == NULL)
        return NULL;
    ev->time = (int64_t)get_u(u + 2, 8);
    ev->code = (int)(int32_t)get_u(u + 10, 4);
    ev->authenticated = u[14];
    u += 15;
    for (int i = 0; i < EV_NFIELDS; i++) {
        if (end - u < 4)
            goto bad;
        uint64_t n = get_u(u, 4);
        u += 4;
        if ((uint64_t)(end - u) < n || memchr(u, '\0', n) != NULL)
            goto bad;
        if ((ev->f[i] = strndup((const char *)u, n)) == NULL)
            goto bad;
        u += n;
    }
    if (u != end || strlen(ev->f[EV_ID]) == 0)
        goto bad;
    return ev;
bad:
    event_free(ev);
    return NULL;
}

const char *event_domain(const event *ev)
{
    const char *at = strrchr(ev->f[EV_ADDRESS], '@');
    return at ? at + 1 : "";
}

void event_free(event *ev)
{
    if (ev == NULL)
        return;
    for (int i = 0; i < EV_NFIELDS; i++)
        free(ev->f[i]);
    free(ev);
}
