/*
 * session.c - one MTA connection: decide cheaply which messages to read,
 * read those, and at end of message classify, tag and act.
 *
 * Cheap decision: the envelope (null sender, bounce-mailbox senders and
 * recipients, VERP addresses) and a few headers (Content-Type
 * multipart/report, Auto-Submitted, auto-reply markers) mark a message for
 * inspection; a message that is not marked and carries no forged
 * X-Bounce-* header is accepted at end of headers, before its body is
 * sent.  Headers are kept in a per-connection buffer (reused from message
 * to message) because the marker may be the last header.
 *
 * Fast path (inspect.envelope_only): only the envelope marks, so an
 * unmarked message is accepted at MAIL FROM, or at DATA when recipients
 * can mark it, and the MTA sends it no headers at all; Postfix's
 * header_checks remove forged headers instead.  Where the connection's
 * negotiation allows neither (a reload turned the fast path on), the
 * message goes on to the end of headers as without it.
 *
 * Failure policy: any internal failure ends in fail(), which logs, counts
 * and answers with on_error (accept or tempfail; always accept for
 * Postfix's own bounces).  Nothing is discarded unless an action says so.
 */
#include "session.h"

#include <libmilter/mfapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "actions.h"
#include "event.h"
#include "events.h"
#include "headers.h"
#include "log.h"
#include "runtime.h"
#include "stats.h"
#include "verp.h"

#define MAX_RCPTS 1000          /* envelope recipients remembered (redirect) */
#define MAX_HEADER_BYTES 262144 /* header block kept for classification */
#define MAX_FORGED 64           /* distinct forged header names tracked */
#define N_OWN 4                 /* names the milter writes: always tracked */
#define MAX_CTYPE 2048          /* top-level Content-Type value kept */
#define MAX_SUBJECT 65536       /* longer: the subject action is not done */
#define MAX_LOG_RCPTS 10

struct forged {
    char *name;
    int count;
};

struct session {
    unsigned long granted; /* SMFIF_* the MTA allows on this connection */
    unsigned early;        /* SE_AT_*: where the fast path may accept */
    mruntime *rt;          /* config of the message in progress */
    bc_classifier *clf;    /* reused for every message of the connection */
    mruntime *clf_rt;      /* the runtime whose rules clf was made for */

    int in_message, inspect, internal, error, null_sender;
    const char *why; /* what marked the message for inspection */
    char sender[256];
    char verp[320];
    char verp_addr[512]; /* the VERP address verp was decoded from */
    char **rcpts;
    size_t nrcpts;
    int rcpts_overflow;

    char *hdr, *body;
    size_t hdr_len, hdr_cap, body_len, body_cap;
    int body_truncated;
    char ctype[MAX_CTYPE];
    char *subject;
    int subject_too_long;
    struct forged forged[MAX_FORGED + N_OWN];
    size_t nforged;
    int forged_overflow;

    char last_action[64];
};

session *session_new(void)
{
    session *s = calloc(1, sizeof *s);
    if (s != NULL)
        s->granted = ~0ul;
    return s;
}

void session_set_granted(session *s, unsigned long actions)
{
    s->granted = actions;
}

void session_set_early(session *s, unsigned where)
{
    s->early = where;
}

static void end_message(session *s)
{
    for (size_t i = 0; i < s->nrcpts; i++)
        free(s->rcpts[i]);
    s->nrcpts = 0;
    s->rcpts_overflow = 0;
    for (size_t i = 0; i < s->nforged; i++)
        free(s->forged[i].name);
    s->nforged = 0;
    s->forged_overflow = 0;
    free(s->subject);
    s->subject = NULL;
    s->subject_too_long = 0;
    s->hdr_len = s->body_len = 0;
    s->body_truncated = 0;
    s->ctype[0] = '\0';
    s->inspect = s->internal = s->error = s->null_sender = 0;
    s->why = "";
    s->verp[0] = s->verp_addr[0] = s->sender[0] = '\0';
    s->in_message = 0;
    runtime_release(s->rt);
    s->rt = NULL;
}

void session_free(session *s)
{
    if (s == NULL)
        return;
    end_message(s);
    bc_classifier_free(s->clf);
    runtime_release(s->clf_rt);
    free(s->rcpts);
    free(s->hdr);
    free(s->body);
    free(s);
}

const char *session_last_action(const session *s)
{
    return s->last_action;
}

int session_inspecting(const session *s)
{
    return s->inspect;
}

/* Append to a growable buffer up to max bytes; -1 if it would not fit. */
static int buf_append(char **buf, size_t *len, size_t *cap, size_t max, const char *p, size_t n)
{
    if (n > max - *len)
        return -1;
    if (n == 0)
        return 0;
    if (*len + n > *cap) {
        size_t nc = *cap ? *cap : 8192;
        while (nc < *len + n)
            nc *= 2;
        if (nc > max)
            nc = max;
        char *nb = realloc(*buf, nc);
        if (nb == NULL)
            return -1;
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *len, p, n);
    *len += n;
    return 0;
}

/* "<a@b>" -> "a@b" into out. */
static void strip_brackets(char *out, size_t outlen, const char *addr)
{
    while (*addr == ' ')
        addr++;
    size_t n = strlen(addr);
    if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>') {
        addr++;
        n -= 2;
    }
    snprintf(out, outlen, "%.*s", (int)n, addr);
}

static void mark(session *s, const char *why)
{
    if (!s->inspect) {
        s->inspect = 1;
        s->why = why;
    }
}

/* The fast path: done with a message the envelope did not mark. */
static enum sverdict accept_early(session *s)
{
    strcpy(s->last_action, "none");
    end_message(s);
    return SV_ACCEPT;
}

enum sverdict session_envfrom(session *s, const mops *ops, const char *sender)
{
    if (s->in_message)
        end_message(s);
    s->last_action[0] = '\0';
    s->rt = runtime_acquire();
    if (s->rt == NULL)
        return SV_ACCEPT; /* no config yet: nothing to do */
    if (s->clf_rt != NULL && s->clf_rt != s->rt) {
        /* made for rules a reload replaced: do not keep them in memory
         * for as long as the connection lasts */
        bc_classifier_free(s->clf);
        s->clf = NULL;
        runtime_release(s->clf_rt);
        s->clf_rt = NULL;
    }
    s->in_message = 1;
    stats_inc(ST_MESSAGES);
    const mconf *c = s->rt->conf;
    char addr[256];
    strip_brackets(addr, sizeof addr, sender ? sender : "");
    hdr_sanitize(s->sender, sizeof s->sender, addr, strlen(addr), 200);
    s->null_sender = addr[0] == '\0';
    if (c->null_sender && s->null_sender)
        mark(s, "null-sender");
    else if (!s->null_sender && mconf_sender_match(c, addr))
        mark(s, "sender");
    const char *dn = ops->getsymval ? ops->getsymval(ops->arg, "{daemon_name}") : NULL;
    if (dn != NULL && mc_list_has(&c->internal_daemon_names, dn)) {
        s->internal = 1;
        stats_inc(ST_INTERNAL);
    }
    if (c->envelope_only && !s->inspect && !mconf_rcpt_marks(c) && (s->early & SE_AT_MAIL))
        return accept_early(s);
    return SV_CONTINUE;
}

enum sverdict session_data(session *s)
{
    if (s->in_message && s->rt->conf->envelope_only && !s->inspect && (s->early & SE_AT_DATA))
        return accept_early(s);
    return SV_CONTINUE;
}

enum sverdict session_envrcpt(session *s, const char *rcpt)
{
    if (!s->in_message)
        return SV_CONTINUE;
    const mconf *c = s->rt->conf;
    char addr[512], plain[512];
    strip_brackets(addr, sizeof addr, rcpt);
    /* a signed address (bounce-report sign) is decoded without its tag */
    if (verp_unsign(addr, plain, sizeof plain) < 0)
        snprintf(plain, sizeof plain, "%s", addr);
    if (s->verp[0] == '\0')
        for (size_t i = 0; i < c->verp.n; i++)
            if (verp_decode(c->verp.v[i], plain, s->verp, sizeof s->verp)) {
                snprintf(s->verp_addr, sizeof s->verp_addr, "%s", addr);
                mark(s, "verp");
                break;
            }
    if (c->recipients.n > 0 && mconf_recipient_match(c, addr))
        mark(s, "recipient");
    if (s->nrcpts == MAX_RCPTS) {
        s->rcpts_overflow = 1;
        return SV_CONTINUE;
    }
    if (s->rcpts == NULL && (s->rcpts = calloc(MAX_RCPTS, sizeof *s->rcpts)) == NULL) {
        s->error = 1;
        return SV_CONTINUE;
    }
    if ((s->rcpts[s->nrcpts] = strdup(rcpt)) == NULL)
        s->error = 1;
    else
        s->nrcpts++;
    return SV_CONTINUE;
}

/* 1 if name (which starts with the prefix) is one the milter writes. */
static int own_name(const char *name, const char *prefix)
{
    static const char *const own[N_OWN] = {"Class", "Summary", "Description", "Quarantine"};
    for (size_t i = 0; i < N_OWN; i++)
        if (strcasecmp(name + strlen(prefix), own[i]) == 0)
            return 1;
    return 0;
}

static void note_forged(session *s, const char *name)
{
    for (size_t i = 0; i < s->nforged; i++)
        if (strcasecmp(s->forged[i].name, name) == 0) {
            s->forged[i].count++;
            return;
        }
    /* Past the cap only the names the milter writes are still tracked:
     * junk X-Bounce-* names first must not let a forged class through. */
    if (s->nforged >= MAX_FORGED && !own_name(name, s->rt->conf->header_prefix)) {
        s->forged_overflow = 1;
        return;
    }
    if ((s->forged[s->nforged].name = strdup(name)) == NULL) {
        s->error = 1;
        return;
    }
    s->forged[s->nforged++].count = 1;
}

/* Keep the header for the classifier: "Name: value\r\n", bare LF made CRLF. */
static void keep_header(session *s, const char *name, const char *value)
{
    size_t need = strlen(name) + 2 + strlen(value) * 2 + 2;
    if (need > MAX_HEADER_BYTES - s->hdr_len)
        return; /* too big for what is left: skip it, keep the later ones */
    /* Relays stack Received fields above the ones that say what the message
     * is (From, Subject, Content-Type): a long trace gets a quarter. */
    if (strcasecmp(name, "Received") == 0 && s->hdr_len > MAX_HEADER_BYTES / 4)
        return;
    int rc = buf_append(&s->hdr, &s->hdr_len, &s->hdr_cap, MAX_HEADER_BYTES, name, strlen(name));
    rc |= buf_append(&s->hdr, &s->hdr_len, &s->hdr_cap, MAX_HEADER_BYTES, ": ", 2);
    for (const char *p = value; rc == 0 && *p != '\0';) {
        size_t n = strcspn(p, "\n");
        rc |= buf_append(&s->hdr, &s->hdr_len, &s->hdr_cap, MAX_HEADER_BYTES, p, n);
        p += n;
        if (*p == '\n') {
            int cr = n > 0 && p[-1] == '\r';
            rc |= buf_append(&s->hdr, &s->hdr_len, &s->hdr_cap, MAX_HEADER_BYTES,
                             cr ? "\n" : "\r\n", cr ? 1 : 2);
            p++;
        }
    }
    rc |= buf_append(&s->hdr, &s->hdr_len, &s->hdr_cap, MAX_HEADER_BYTES, "\r\n", 2);
    if (rc != 0)
        s->error = 1;
}

enum sverdict session_header(session *s, const char *name, const char *value)
{
    if (!s->in_message)
        return SV_CONTINUE;
    const mconf *c = s->rt->conf;
    if (value == NULL)
        value = "";
    keep_header(s, name, value);
    if (!c->keep_forged_headers && hdr_has_prefix(name, c->header_prefix))
        note_forged(s, name);
    if (strcasecmp(name, "Content-Type") == 0 && s->ctype[0] == '\0') {
        snprintf(s->ctype, sizeof s->ctype, "%s", value);
        char rt[64];
        if (ctype_is(value, "multipart/report") &&
            ctype_param(value, "report-type", rt, sizeof rt) && mc_list_has(&c->report_types, rt))
            mark(s, "report-type");
    } else if (strcasecmp(name, "Auto-Submitted") == 0) {
        char tok[64];
        const char *v = value + strspn(value, " \t");
        size_t n = strcspn(v, ";( \t\r\n");
        snprintf(tok, sizeof tok, "%.*s", (int)n, v);
        if (mc_list_has(&c->auto_submitted, tok))
            mark(s, "auto-submitted");
    } else if (strcasecmp(name, "Subject") == 0 && s->subject == NULL && !s->subject_too_long) {
        /* kept whole or not at all: a cut subject must never be written back */
        if (strlen(value) > MAX_SUBJECT)
            s->subject_too_long = 1;
        else if ((s->subject = strdup(value)) == NULL)
            s->error = 1;
    }
    if (mc_list_has(&c->auto_reply_headers, name))
        mark(s, "auto-reply");
    return SV_CONTINUE;
}

enum sverdict session_eoh(session *s)
{
    if (!s->in_message)
        return SV_ACCEPT;
    if (s->inspect || s->nforged > 0)
        return SV_CONTINUE;
    end_message(s);
    return SV_ACCEPT;
}

enum sverdict session_body(session *s, const char *chunk, size_t len)
{
    if (!s->in_message || !s->inspect || s->body_truncated)
        return SV_SKIP;
    size_t max = s->rt->conf->max_body;
    size_t take = len < max - s->body_len ? len : max - s->body_len;
    if (buf_append(&s->body, &s->body_len, &s->body_cap, max, chunk, take) != 0) {
        s->error = 1;
        return SV_SKIP;
    }
    if (take < len) {
        s->body_truncated = 1; /* enough for the report; the rest is not needed */
        return SV_SKIP;
    }
    return SV_CONTINUE;
}

void session_abort(session *s)
{
    end_message(s);
}

static enum sverdict fail(session *s, const char *qid, const char *what)
{
    const mconf *c = s->rt->conf;
    int tempfail = c->on_error == MC_ONERR_TEMPFAIL && !s->internal;
    stats_inc(ST_ERRORS);
    log_msg(LOG_ERR, "%s: error: %s; on_error: %s, message unmodified", qid, what,
            tempfail ? "tempfail" : "accept");
    snprintf(s->last_action, sizeof s->last_action, "error:%s", tempfail ? "tempfail" : "accept");
    return tempfail ? SV_TEMPFAIL : SV_ACCEPT;
}

static int remove_forged(session *s, const mops *ops, const char *qid)
{
    int removed = 0;
    if (s->nforged == 0)
        return 0;
    if (!(s->granted & SMFIF_CHGHDRS)) {
        /* Forged classifications must not pass: a failure like any other. */
        log_msg(LOG_WARNING, "%s: cannot remove forged %s* headers: MTA refused CHGHDRS", qid,
                s->rt->conf->header_prefix);
        return -1;
    }
    for (size_t i = 0; i < s->nforged; i++)
        for (int k = s->forged[i].count; k >= 1; k--) {
            if (ops->chgheader(ops->arg, s->forged[i].name, k, NULL) != 0)
                return -1;
            removed++;
        }
    stats_add(ST_FORGED_REMOVED, (unsigned long)removed);
    log_msg(LOG_NOTICE, "%s: removed %d forged %s* header(s)%s", qid, removed,
            s->rt->conf->header_prefix, s->forged_overflow ? " (more names than tracked)" : "");
    return 0;
}

static unsigned long flags_for(enum mc_action_type t)
{
    switch (t) {
    case MC_ACT_SUBJECT:
        return SMFIF_CHGHDRS;
    case MC_ACT_QUARANTINE:
        return SMFIF_QUARANTINE;
    case MC_ACT_REDIRECT:
        return SMFIF_ADDRCPT | SMFIF_DELRCPT;
    case MC_ACT_COPY:
        return SMFIF_ADDRCPT;
    case MC_ACT_STRIP:
        return SMFIF_CHGBODY;
    default:
        return 0;
    }
}

static int add_header(session *s, const mops *ops, const char *suffix, const char *value)
{
    char name[80];
    snprintf(name, sizeof name, "%s%s", s->rt->conf->header_prefix, suffix);
    return ops->addheader(ops->arg, name, value);
}

/* The X-Bounce-Class / Summary / Description headers. */
static int add_bounce_headers(session *s, const mops *ops, const bc_result *res,
                              const bounce_view *v)
{
    const mconf *c = s->rt->conf;
    char val[HDR_VALUE_MAX + 1];
    size_t plen = strlen(c->header_prefix);
    hdr_summary sum = {"none", 0, 0, 0, 0, res->kind, res->mta, s->verp[0] ? s->verp : NULL};
    for (size_t i = 0; i < v->n; i++) {
        const bc_recipient *r = &v->rcpts[i];
        /* auto-replies and complaints are reported, but nothing failed */
        if (strcmp(r->action, "failed") == 0 && r->severity != BC_SEV_NONE)
            sum.failed++;
        else if (strcmp(r->action, "delayed") == 0)
            sum.delayed++;
        if (r->severity == BC_SEV_HARD)
            sum.hard++, sum.worst = "hard";
        else if (r->severity == BC_SEV_SOFT) {
            sum.soft++;
            if (strcmp(sum.worst, "none") == 0)
                sum.worst = "soft";
        }
        if (i < c->max_class_headers) {
            hdr_class_value(val, sizeof val, r, plen + 5);
            if (add_header(s, ops, "Class", val) != 0)
                return -1;
        }
    }
    hdr_summary_value(val, sizeof val, &sum, plen + 7);
    if (add_header(s, ops, "Summary", val) != 0)
        return -1;
    if (v->n > 0) {
        const char *d =
            bc_describe(s->rt->rules, v->rcpts[0].class_name, v->rcpts[0].detail, c->language);
        if (d != NULL && *d != '\0') {
            hdr_text_value(val, sizeof val, d, plen + 11);
            if (add_header(s, ops, "Description", val) != 0)
                return -1;
        }
    }
    return 0;
}

/* The body of the strip action, made before the message is touched:
 * 1 and a malloc'ed *out, 0 when there is nothing to strip, -1 on error. */
static int strip_body(session *s, char **out, size_t *outlen)
{
    char boundary[128];
    if ((ctype_is(s->ctype, "multipart/report") || ctype_is(s->ctype, "multipart/mixed")) &&
        ctype_param(s->ctype, "boundary", boundary, sizeof boundary))
        return actions_strip(s->body, s->body_len, s->body_truncated, boundary, out, outlen);
    return 0;
}

/* What the action needs beyond the headers; -1 on an MTA failure.
 * made: the new subject or the stripped body, prepared beforehand (NULL:
 * no subject to change, nothing to strip). */
static int carry_out(session *s, const mops *ops, const mc_action *a, enum mc_action_type t,
                     const char *qid, const char *made, size_t madelen)
{
    const mconf *c = s->rt->conf;
    char val[HDR_VALUE_MAX + 1];
    switch (t) {
    case MC_ACT_SUBJECT:
        if (made != NULL)
            return ops->chgheader(ops->arg, "Subject", 1, made);
        hdr_text_value(val, sizeof val, a->arg, 7);
        return ops->addheader(ops->arg, "Subject", val);
    case MC_ACT_QUARANTINE:
        hdr_text_value(val, sizeof val, a->arg, strlen(c->header_prefix) + 10);
        if (add_header(s, ops, "Quarantine", val) != 0)
            return -1;
        return ops->quarantine(ops->arg, a->arg);
    case MC_ACT_REDIRECT: {
        char to[300];
        snprintf(to, sizeof to, "<%s>", a->arg);
        for (size_t i = 0; i < s->nrcpts; i++)
            if (ops->delrcpt(ops->arg, s->rcpts[i]) != 0)
                return -1;
        return ops->addrcpt(ops->arg, to);
    }
    case MC_ACT_COPY: {
        char to[300];
        snprintf(to, sizeof to, "<%s>", a->arg);
        return ops->addrcpt(ops->arg, to);
    }
    case MC_ACT_STRIP:
        if (made == NULL) {
            log_msg(LOG_INFO, "%s: strip: no returned original message found", qid);
            return 0;
        }
        return ops->replacebody(ops->arg, made, madelen);
    default:
        return 0;
    }
}

/* The envelope recipients as "<a>,<b>" (the first MAX_LOG_RCPTS). */
static void envelope_list(const session *s, char *out, size_t outlen)
{
    char addr[512], clean[200];
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < s->nrcpts && i < MAX_LOG_RCPTS && o < outlen; i++) {
        strip_brackets(addr, sizeof addr, s->rcpts[i]);
        hdr_sanitize(clean, sizeof clean, addr, strlen(addr), 100);
        o += (size_t)snprintf(out + o, outlen - o, "%s<%s>", i ? "," : "", clean);
    }
    if ((s->nrcpts > MAX_LOG_RCPTS || s->rcpts_overflow) && o < outlen)
        snprintf(out + o, outlen - o, ",...");
}

/* Delivery changes (hold, reroute, refuse, drop, cut) are notices; tags
 * are information. */
static int action_priority(enum mc_action_type t)
{
    switch (t) {
    case MC_ACT_QUARANTINE:
    case MC_ACT_REDIRECT:
    case MC_ACT_STRIP:
    case MC_ACT_REJECT:
    case MC_ACT_DISCARD:
        return LOG_NOTICE;
    default:
        return LOG_INFO;
    }
}

/* One log line: who got the bounce, who failed and how, what was done. */
static void log_bounce(session *s, const char *qid, const bc_result *res, const bounce_view *v,
                       enum mc_action_type t, const char *action)
{
    char list[1400], clean[200], to[1200];
    size_t o = 0;
    list[0] = '\0';
    envelope_list(s, to, sizeof to);
    for (size_t i = 0; i < v->n && i < MAX_LOG_RCPTS && o < sizeof list; i++) {
        const bc_recipient *r = &v->rcpts[i];
        hdr_sanitize(clean, sizeof clean, r->address, strlen(r->address), 100);
        o += (size_t)snprintf(list + o, sizeof list - o, "%s<%s> %s/%s/%s", i ? ", " : "", clean,
                              r->class_name, bc_severity_name(r->severity), r->rule);
    }
    if (v->n > MAX_LOG_RCPTS && o < sizeof list)
        snprintf(list + o, sizeof list - o, ", ... (%zu in all)", v->n);
    log_msg(action_priority(t),
            "%s: bounce from=<%s> to=%s kind=%s mta=%s recipients: %s; action=%s%s", qid, s->sender,
            *to ? to : "(unknown)", res->kind, res->mta, v->n ? list : "(none)", action,
            s->internal ? " (postfix-internal)" : "");
}

/* Journal the bounce's events before the MTA gets its answer.  It answers
 * our own mail when Postfix made it (internal), when it came to a signed
 * VERP address, or when the returned original's Message-ID is ours. */
static void record_events(session *s, const char *qid, const bc_result *res, const bounce_view *v)
{
    const mconf *c = s->rt->conf;
    struct event_ctx ctx = {
        .queue_id = qid,
        .original_recipient = s->verp,
        .authenticated =
            s->internal ||
            (s->verp_addr[0] != '\0' &&
             verp_signed_ok(s->verp_addr, (const char *const *)c->verp_key.v, c->verp_key.n)) ||
            mconf_message_id_match(c, res->message_id),
    };
    events_record(c, res, &ctx, v->rcpts, v->n);
}

static enum sverdict handle_bounce(session *s, const mops *ops, const char *qid)
{
    const mconf *c = s->rt->conf;
    stats_inc(ST_INSPECTED);
    if (s->error)
        return fail(s, qid, "out of memory while reading the message");
    if (s->clf == NULL || s->clf_rt->rules != s->rt->rules) {
        bc_classifier_free(s->clf);
        runtime_release(s->clf_rt);
        s->clf_rt = NULL;
        s->clf = bc_classifier_new(s->rt->rules, MAX_HEADER_BYTES + c->max_body + 2, 0);
        if (s->clf == NULL)
            return fail(s, qid, "cannot create a classifier");
        s->clf_rt = runtime_acquire();
        if (s->clf_rt == NULL || s->clf_rt->rules != s->rt->rules) {
            /* a reload in between: tie the classifier to this message's runtime */
            runtime_release(s->clf_rt);
            __atomic_add_fetch(&s->rt->refs, 1, __ATOMIC_RELAXED);
            s->clf_rt = s->rt;
        }
    }
    bc_classifier_reset(s->clf);
    if (bc_classifier_feed(s->clf, s->hdr ? s->hdr : "", s->hdr_len) != 0 ||
        bc_classifier_feed(s->clf, "\r\n", 2) != 0 ||
        bc_classifier_feed(s->clf, s->body ? s->body : "", s->body_len) != 0)
        return fail(s, qid, "out of memory feeding the classifier");
    bc_result *res = bc_classifier_finish(s->clf);
    if (res == NULL)
        return fail(s, qid, "classifier failed (out of memory)");

    /* A null-sender message to a VERP address is a bounce even when the
     * classifier finds nobody in it: the address says who failed.  A report
     * of another type (a read receipt) is not. */
    char rtype[64];
    int other_report = ctype_is(s->ctype, "multipart/report") &&
                       ctype_param(s->ctype, "report-type", rtype, sizeof rtype) &&
                       !mc_list_has(&c->report_types, rtype);
    int verp_only = !res->bounce && s->verp[0] != '\0' && s->null_sender && !other_report;
    bounce_view v = {res->kind, res->recipients, res->nrecipients};
    bc_recipient synth = {0};
    if ((res->bounce || verp_only) && v.n == 0 && s->verp[0] != '\0') {
        /* The report names nobody, the VERP address does. */
        synth.address = s->verp;
        synth.action = "failed";
        synth.status = synth.reply_code = synth.detail = synth.smtp_command = "";
        synth.diagnostic = synth.remote_mta = "";
        /* too little to decide: onhold, with its defaults from the rules */
        synth.class_name = "onhold";
        synth.severity = BC_SEV_SOFT;
        synth.advice = "retry";
        bc_class_defaults(s->rt->rules, "onhold", &synth.severity, &synth.advice, &synth.code);
        synth.rule = "verp";
        v.rcpts = &synth;
        v.n = 1;
    }
    if (!res->bounce && !verp_only) {
        stats_inc(ST_NOT_BOUNCES);
        log_msg(LOG_DEBUG, "%s: inspected (%s), not a bounce", qid, s->why);
        bc_result_free(res);
        strcpy(s->last_action, "none");
        return remove_forged(s, ops, qid) == 0 ? SV_ACCEPT
                                               : fail(s, qid, "removing forged headers failed");
    }
    stats_inc(ST_BOUNCES);
    for (size_t i = 0; i < v.n; i++)
        stats_class(v.rcpts[i].class_name);

    const mc_action *a = actions_select(c, &v);
    enum mc_action_type t = a ? a->type : MC_ACT_HEADERS;
    char note[160] = "";
    if (s->internal && actions_internal(t) != t) {
        snprintf(note, sizeof note, " (%s not done on Postfix's own bounce)", mconf_action_name(t));
        t = actions_internal(t);
    }
    if ((s->granted & flags_for(t)) != flags_for(t)) {
        snprintf(note, sizeof note, " (%s not allowed by the MTA on this connection)",
                 mconf_action_name(t));
        t = MC_ACT_HEADERS;
    }
    if (t == MC_ACT_REDIRECT && s->rcpts_overflow) {
        snprintf(note, sizeof note, " (redirect: more than %d recipients)", MAX_RCPTS);
        t = MC_ACT_HEADERS;
    }
    if (t == MC_ACT_SUBJECT && s->subject_too_long) {
        snprintf(note, sizeof note, " (subject: over %d bytes, left alone)", MAX_SUBJECT);
        t = MC_ACT_HEADERS;
    }
    /* No recipients seen (an MTA that sent no RCPT): adding the address
     * without removing the others would make a copy, not a redirect. */
    if (t == MC_ACT_REDIRECT && s->nrcpts == 0) {
        snprintf(note, sizeof note, " (redirect: envelope recipients not known)");
        t = MC_ACT_HEADERS;
    }
    /* The log names what was done and to what: Postfix's hold queue keeps
     * no quarantine reason, so the log has to. */
    char action[512], what[300] = "", reply[32] = "";
    if (a != NULL && a->arg != NULL && t != MC_ACT_HEADERS && t == a->type)
        hdr_sanitize(what, sizeof what, a->arg, strlen(a->arg), 200);
    if (t == MC_ACT_REJECT)
        snprintf(reply, sizeof reply, " %s%s%s", a->reply_code, *a->reply_status ? " " : "",
                 a->reply_status);
    snprintf(action, sizeof action, "%s%s%s%s%s%s", mconf_action_name(t), reply, *what ? " \"" : "",
             what, *what ? "\"" : "", note);

    /* Everything that can fail is settled before the first change: a
     * failure must leave the message as it came, never half modified.
     * (Past this point only the MTA can refuse a change, which means the
     * connection is broken and the MTA's own failure policy applies.) */
    char *made = NULL;
    size_t madelen = 0;
    const char *cannot = NULL;
    if (t != MC_ACT_REJECT && t != MC_ACT_DISCARD) {
        if (!(s->granted & SMFIF_ADDHDRS))
            cannot = "the MTA does not allow adding headers";
        else if (s->nforged > 0 && !(s->granted & SMFIF_CHGHDRS))
            cannot = "the MTA does not allow removing forged headers";
        else if (t == MC_ACT_STRIP && strip_body(s, &made, &madelen) < 0)
            cannot = "out of memory stripping the returned message";
        else if (t == MC_ACT_SUBJECT && s->subject != NULL &&
                 (made = hdr_prefixed_subject(a->arg, s->subject)) == NULL)
            cannot = "out of memory prefixing the subject";
    }
    if (cannot != NULL) {
        log_bounce(s, qid, res, &v, MC_ACT_HEADERS, "none (error)");
        bc_result_free(res);
        return fail(s, qid, cannot);
    }

    enum sverdict verdict = SV_ACCEPT;
    if (t == MC_ACT_REJECT) {
        if (ops->setreply(ops->arg, a->reply_code, a->reply_status[0] ? a->reply_status : NULL,
                          a->arg) != 0)
            log_msg(LOG_WARNING, "%s: could not set the reject text", qid);
        verdict = SV_REJECT;
    } else if (t == MC_ACT_DISCARD) {
        verdict = SV_DISCARD;
    } else {
        int rc = remove_forged(s, ops, qid) != 0 || add_bounce_headers(s, ops, res, &v) != 0 ||
                 carry_out(s, ops, a, t, qid, made, madelen) != 0;
        free(made);
        if (rc) {
            log_bounce(s, qid, res, &v, MC_ACT_HEADERS, "none (error)");
            bc_result_free(res);
            return fail(s, qid, "the MTA refused a change to the message");
        }
    }
    record_events(s, qid, res, &v);
    stats_action(t);
    log_bounce(s, qid, res, &v, t, action);
    snprintf(s->last_action, sizeof s->last_action, "%s", mconf_action_name(t));
    bc_result_free(res);
    return verdict;
}

enum sverdict session_eom(session *s, const mops *ops)
{
    if (!s->in_message)
        return SV_CONTINUE;
    const char *qid = ops->getsymval ? ops->getsymval(ops->arg, "i") : NULL;
    char qbuf[64];
    hdr_sanitize(qbuf, sizeof qbuf, qid && *qid ? qid : "NOQUEUE",
                 strlen(qid && *qid ? qid : "NOQUEUE"), 40);
    enum sverdict v;
    if (!s->inspect) {
        strcpy(s->last_action, "none");
        v = remove_forged(s, ops, qbuf) == 0 ? SV_ACCEPT
                                             : fail(s, qbuf, "removing forged headers failed");
    } else {
        struct timespec t0, t1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        v = handle_bounce(s, ops, qbuf);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
        stats_cpu((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec));
    }
    end_message(s);
    return v;
}
