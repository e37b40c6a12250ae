/*
 * report.c - report_extract(): from the raw bytes of one message to an
 * rpt_report (see report.h).
 *
 * The message is split into a MIME tree once; the parts that matter are
 * picked by type (delivery-status, feedback-report, the human-readable text,
 * the returned original) and only those are decoded.  RFC 3464 and RFC 5965
 * reports are read here; everything else is handed to the transcript
 * parser (transcript.h) with the decoded text.  Auto-replies and the kinds
 * of mail that are not reports (read receipts, TLS and DMARC reports,
 * signed or encrypted mail) are recognised from headers and types.
 */
#include "report.h"

#include <string.h>
#include <strings.h>

#include "charset.h"
#include "dsn.h"
#include "htmltext.h"
#include "mime.h"
#include "rfcdate.h"
#include "smtpreply.h"
#include "transcript.h"

#define TEXT_CAP (128u * 1024)     /* human-readable text handed on */
#define BODY_TEXT_CAP (32u * 1024) /* body_text for message-level rules */
#define HEADER_CAP 2048            /* a decoded Subject or From */
#define HEADERS_CAP (64u * 1024)   /* the unfolded header block for transcripts */
#define DSN_CAP (1024u * 1024)     /* a delivery-status part */
#define ORIG_CAP (64u * 1024)      /* the returned original, for its headers */
#define ORIG_MAX_RECIPIENTS 16     /* addresses taken from the original's To: */
#define WRAP_MAX_DEPTH 3           /* bounces in forwards in bounces, at most */

/* Types of the part that carries the returned original. */
static const char *const original_types[] = {
    "message/rfc822",         "text/rfc822-headers", "message/global",
    "message/global-headers", "message/partial",
};

struct parts {
    const mime_part *dsn, *feedback, *original, *text, *html;
    int mdn, tlsrpt, calendar;
};

static int in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

/* The delivery-status fields of a report whose MTA labelled that part as
 * text (multipart/report; report-type=delivery-status, but no
 * message/delivery-status part): the first other text part that has them. */
static const mime_part *dsn_as_text(const mime_part *root, const mime_part *text, arena *a)
{
    if (strcmp(root->report_type, "delivery-status") != 0)
        return NULL;
    for (const mime_part *p = root; p != NULL; p = mime_next(p)) {
        if (p == text || strncmp(p->type, "text/", 5) != 0 || p->child != NULL)
            continue;
        size_t n;
        const char *b = mime_decode(p, DSN_CAP, a, &n);
        if (b != NULL && (mime_memcasemem(b, n, "final-recipient:", 16) != NULL ||
                          mime_memcasemem(b, n, "original-recipient:", 19) != NULL))
            return p;
    }
    return NULL;
}

static void find_parts(const mime_part *root, struct parts *ps)
{
    memset(ps, 0, sizeof *ps);
    for (const mime_part *p = root; p != NULL; p = mime_next(p)) {
        const char *t = p->type;
        if (strcmp(p->report_type, "disposition-notification") == 0 ||
            strcmp(t, "message/disposition-notification") == 0 ||
            strcmp(t, "message/global-disposition-notification") == 0)
            ps->mdn = 1;
        else if (strcmp(p->report_type, "tlsrpt") == 0 || strncmp(t, "application/tlsrpt", 18) == 0)
            ps->tlsrpt = 1;
        else if (strcmp(t, "text/calendar") == 0 || strcmp(t, "application/ics") == 0)
            ps->calendar = 1;
        if (strcmp(t, "message/delivery-status") == 0 ||
            strcmp(t, "message/global-delivery-status") == 0 ||
            strcmp(t, "message/x-delivery-status") == 0) {
            if (ps->dsn == NULL)
                ps->dsn = p;
        } else if (strcmp(t, "message/feedback-report") == 0) {
            if (ps->feedback == NULL)
                ps->feedback = p;
        } else if (in_list(t, original_types, sizeof original_types / sizeof original_types[0])) {
            if (ps->original == NULL)
                ps->original = p;
        } else if (strcmp(t, "text/plain") == 0 && p->child == NULL) {
            if (ps->text == NULL && p->blen > 0)
                ps->text = p;
        } else if (strcmp(t, "text/html") == 0) {
            if (ps->html == NULL)
                ps->html = p;
        }
    }
}

/* A part's body, transfer-decoded and turned into UTF-8. */
static const char *part_text(const mime_part *p, const char *charset, size_t cap, arena *a,
                             size_t *len)
{
    size_t n;
    const char *raw = mime_decode(p, cap, a, &n);
    if (raw == NULL)
        return NULL;
    return charset_to_utf8(*p->charset ? p->charset : charset, raw, n, cap, a, len);
}

/* The top-level header block, unfolded: one header per line. */
static char *header_block(const mime_part *root, arena *a, size_t *len)
{
    *len = 0;
    if (root->nheaders == 0)
        return "";
    const mime_header *last = &root->headers[root->nheaders - 1];
    const char *b = root->headers[0].name, *e = last->value + last->vlen;
    size_t n = (size_t)(e - b) < HEADERS_CAP ? (size_t)(e - b) : HEADERS_CAP;
    char *out = arena_alloc(a, n + 2);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (const char *p = b, *end = b + n; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        memcpy(out + o, p, (size_t)(le - p));
        o += (size_t)(le - p);
        if (nl == NULL)
            break;
        p = nl + 1;
        if (p < end && *p != ' ' && *p != '\t')
            out[o++] = '\n'; /* a new header; a fold is simply joined */
    }
    out[o++] = '\n';
    out[o] = '\0';
    *len = o;
    return out;
}

static const char *decoded_header(const mime_part *p, const char *name, arena *a)
{
    const mime_header *h = mime_header_find(p, name);
    if (h == NULL)
        return "";
    return charset_decode_header(h->value, h->vlen, HEADER_CAP, a);
}

/* "<id@host>" out of a Message-ID value. */
static char *message_id(const char *v, size_t n, arena *a)
{
    const char *lt = memchr(v, '<', n);
    if (lt != NULL) {
        const char *gt = memchr(lt, '>', (size_t)(v + n - lt));
        if (gt != NULL)
            return dsn_fold(lt, (size_t)(gt - lt) + 1, 512, a);
    }
    return dsn_fold(v, n, 512, a);
}

/* A "Message-ID:" line in text (perhaps indented or quoted). */
static char *inline_message_id(const char *t, size_t n, arena *a)
{
    const char *p = t, *e = t + n;
    while ((p = mime_memcasemem(p, (size_t)(e - p), "message-id:", 11)) != NULL) {
        const char *b = p;
        while (b > t && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '>'))
            b--;
        if (b == t || b[-1] == '\n') {
            const char *v = p + 11, *nl = memchr(v, '\n', (size_t)(e - v));
            size_t vl = nl ? (size_t)(nl - v) : (size_t)(e - v);
            if (nl && vl < 3 && nl + 1 < e && (nl[1] == ' ' || nl[1] == '\t')) {
                const char *nl2 = memchr(nl + 1, '\n', (size_t)(e - nl - 1));
                vl = nl2 ? (size_t)(nl2 - v) : (size_t)(e - v);
            }
            char *id = message_id(v, vl, a);
            if (id == NULL || *id)
                return id;
        }
        p += 11;
    }
    return "";
}

/* A bounce without a returned-original part may quote it inline. */
static int find_inline_message_id(const char *text, size_t tlen, arena *a, rpt_report *out)
{
    if (*out->message_id == '\0' && (out->message_id = inline_message_id(text, tlen, a)) == NULL)
        return -1;
    return 0;
}

/* The bytes of an enclosed message (decoded if it was wrongly encoded),
 * without the blank lines some MTAs put before its headers. */
static int original_bytes(const mime_part *orig, arena *a, const char **bp, size_t *np)
{
    const char *b = orig->body;
    size_t n = orig->blen;
    if (orig->enc != MIME_ENC_NONE) {
        const char *raw = mime_decode(orig, ORIG_CAP, a, &n);
        if (raw == NULL || (b = mime_lf(raw, n, a, &n)) == NULL)
            return -1;
    }
    while (n > 0 && (*b == '\n' || *b == ' ' || *b == '\t')) {
        b++;
        n--;
    }
    *bp = b;
    *np = n;
    return 0;
}

/* Headers of the returned original. */
static int original_headers(const mime_part *orig, arena *a, mime_part *hp)
{
    const char *b;
    size_t n;
    return original_bytes(orig, a, &b, &n) != 0 ? -1 : mime_parse_headers(b, n, a, hp);
}

/* Room for n more recipients in out (the array is the report's own). */
static int grow_recipients(rpt_report *out, size_t n, arena *a)
{
    rpt_recipient *r = arena_alloc(a, (out->nrecipients + n) * sizeof *r);
    if (r == NULL)
        return -1;
    if (out->nrecipients)
        memcpy(r, out->recipients, out->nrecipients * sizeof *r);
    out->recipients = r;
    return 0;
}

/* Add address (if it is one and not there yet); -1 on memory exhaustion. */
static int add_address(rpt_report *out, const char *v, size_t n, size_t room, arena *a)
{
    char *addr = dsn_address(v, n, a);
    if (addr == NULL || out->nrecipients >= room)
        return 0;
    for (size_t i = 0; i < out->nrecipients; i++)
        if (strcasecmp(out->recipients[i].address, addr) == 0)
            return 0;
    out->recipients[out->nrecipients++] = (rpt_recipient){addr, "", "", "", "", "", "", ""};
    return 0;
}

/* Each address of an address list ("A <a@x>, b@y") as a recipient. */
static int add_address_list(rpt_report *out, const char *v, size_t n, size_t room, arena *a)
{
    size_t start = 0;
    int quote = 0, angle = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? v[i] : ',';
        if (c == '"')
            quote = !quote;
        else if (c == '<' && !quote)
            angle = 1;
        else if (c == '>' && !quote)
            angle = 0;
        else if (c == ',' && !quote && !angle) {
            const char *s = v + start;
            size_t len = i - start;
            const char *lt = memchr(s, '<', len); /* prefer <addr> over the display name */
            if (lt != NULL) {
                len -= (size_t)(lt - s);
                s = lt;
            }
            if (add_address(out, s, len, room, a) != 0)
                return -1;
            start = i + 1;
        }
    }
    return 0;
}

static int extract_arf(const struct parts *ps, arena *a, rpt_report *out)
{
    size_t n;
    const char *t = part_text(ps->feedback, "utf-8", DSN_CAP, a, &n);
    if (t == NULL)
        return -1;
    mime_part fb;
    if (mime_parse_headers(t, n, a, &fb) != 0)
        return -1;
    char *v;
    if ((v = mime_header_value(&fb, "feedback-type", a)) != NULL) {
        for (char *c = v; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
        out->feedback_type = v;
    }
    if ((v = mime_header_value(&fb, "reporting-mta", a)) != NULL) {
        char *semi = strchr(v, ';');
        out->reporting_mta = semi ? semi + 1 + (semi[1] == ' ') : v;
    }
    size_t room = fb.nheaders;
    mime_part oh;
    int have_orig = ps->original != NULL && original_headers(ps->original, a, &oh) == 0;
    const mime_header *to = have_orig ? mime_header_find(&oh, "to") : NULL;
    if (to != NULL)
        room += 16;
    if (room == 0 || grow_recipients(out, room, a) != 0)
        return room == 0 ? 0 : -1;
    for (int pass = 0; pass < 2 && out->nrecipients == 0; pass++) {
        const char *want = pass == 0 ? "original-rcpt-to" : "removal-recipient";
        for (size_t i = 0; i < fb.nheaders; i++) {
            const mime_header *h = &fb.headers[i];
            if (h->nlen == strlen(want) && strncasecmp(h->name, want, h->nlen) == 0 &&
                add_address(out, h->value, h->vlen, room, a) != 0)
                return -1;
        }
    }
    if (out->nrecipients == 0 && to != NULL) {
        char *tv = mime_unfold(to->value, to->vlen, a);
        if (tv == NULL || add_address_list(out, tv, strlen(tv), room, a) != 0)
            return -1;
    }
    return 0;
}

/* The sender of an auto-reply as its one recipient. */
static int extract_autoreply(const mime_part *root, arena *a, rpt_report *out)
{
    const mime_header *h = mime_header_find(root, "from");
    if (h == NULL)
        h = mime_header_find(root, "reply-to");
    if (h == NULL)
        return 0;
    char *v = mime_unfold(h->value, h->vlen, a);
    if (v == NULL || grow_recipients(out, 1, a) != 0)
        return -1;
    size_t before = out->nrecipients;
    if (add_address_list(out, v, strlen(v), before + 1, a) != 0)
        return -1;
    return 0;
}

static void set_kind(rpt_report *out, rpt_kind k)
{
    static const char *const names[] = {"", "dsn", "transcript", "autoreply", "arf"};
    out->kind = k;
    out->kind_name = names[k];
}

/* The report is an RFC 3464 one: take its recipients and reporting MTA. */
static void adopt_dsn(rpt_report *out, const dsn_report *dr)
{
    set_kind(out, RPT_DSN);
    out->reporting_mta = dr->reporting_mta;
    out->recipients = dr->recipients;
    out->nrecipients = dr->nrecipients;
    out->mta = dr->mta;
}

/* 1 if root is such a complaint (out filled), 0 if not, -1 on memory
 * exhaustion. */
static int other_feedback(const bc_formats *formats, const mime_part *root, const struct parts *ps,
                          arena *a, rpt_report *out)
{
    mime_part oh;
    int have_orig = 0;
    size_t n;
    const fmt_complaint *c = formats_complaints(formats, &n);
    for (size_t i = 0; i < n; i++) {
        const mime_header *h;
        if (c[i].in_original) {
            if (ps->original == NULL)
                continue;
            if (!have_orig && original_headers(ps->original, a, &oh) != 0)
                return -1;
            have_orig = 1;
            h = mime_header_find(&oh, c[i].header);
        } else {
            h = mime_header_find(root, c[i].header);
        }
        if (h != NULL && c[i].value != NULL &&
            mime_memcasemem(h->value, h->vlen, c[i].value, strlen(c[i].value)) == NULL)
            h = NULL;
        /* at the top, the complaint is the sender's own */
        if (h != NULL && !c[i].in_original)
            h = mime_header_find(root, "from");
        if (h == NULL)
            continue;
        set_kind(out, RPT_ARF);
        out->feedback_type = c[i].type;
        char *v = mime_unfold(h->value, h->vlen, a);
        if (v == NULL || grow_recipients(out, 1, a) != 0 ||
            add_address_list(out, v, strlen(v), 1, a) != 0)
            return -1;
        return 1;
    }
    return 0;
}

static int header_says(const mime_part *root, const char *name, const char *value)
{
    const mime_header *h = mime_header_find(root, name);
    if (h == NULL)
        return 0;
    if (value == NULL) /* any value but "no" */
        return mime_memcasemem(h->value, h->vlen, "no", 2) == NULL || h->vlen > 4;
    return mime_memcasemem(h->value, h->vlen, value, strlen(value)) != NULL;
}

/* 2: headers say auto-reply; 1: only the Subject does; 0: neither. */
static int autoreply_signal(const bc_formats *formats, const mime_part *root, const char *subject)
{
    if (header_says(root, "auto-submitted", "auto-replied") ||
        header_says(root, "x-autoreply", NULL) || header_says(root, "x-autorespond", NULL) ||
        header_says(root, "precedence", "auto_reply") ||
        header_says(root, "x-apple-action", "vacation"))
        return 2;
    /* A subject alone could be a person writing "Out of office on Friday":
     * it counts when the headers also show the message was automatic. */
    if (!formats_autoreply_subject(formats, subject))
        return 0;
    const mime_header *rp = mime_header_find(root, "return-path");
    int null_sender = rp != NULL && memchr(rp->value, '<', rp->vlen) != NULL &&
                      mime_memcasemem(rp->value, rp->vlen, "<>", 2) != NULL;
    if (null_sender || mime_header_find(root, "x-auto-response-suppress") != NULL ||
        mime_header_find(root, "x-ms-exchange-inbox-rules-loop") != NULL ||
        (mime_header_find(root, "auto-submitted") != NULL &&
         !header_says(root, "auto-submitted", "no")) ||
        header_says(root, "precedence", "bulk") || header_says(root, "precedence", "junk"))
        return 1;
    return 0;
}

static int not_a_report(const mime_part *root, const struct parts *ps, const char *subject)
{
    if (ps->mdn || ps->tlsrpt || ps->calendar)
        return 1;
    const char *t = root->type;
    if (strcmp(t, "multipart/signed") == 0 || strcmp(t, "multipart/encrypted") == 0 ||
        strcmp(t, "application/pkcs7-mime") == 0)
        return 1;
    /* DMARC aggregate reports (RFC 7489 section 7.2.1.1 subject) */
    if (mime_memcasemem(subject, strlen(subject), "report domain:", 14) != NULL &&
        mime_memcasemem(subject, strlen(subject), "report-id:", 10) != NULL)
        return 1;
    return 0;
}

/* A diagnostic that says nothing: empty, one token (an address, an exit
 * status) or no letters at all. */
static int weak_diagnostic(const char *d)
{
    int letters = 0, space = 0;
    for (const char *p = d; *p && !(letters && space); p++) {
        letters |= ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || (unsigned char)*p >= 0x80;
        space |= *p == ' ';
    }
    return !space || !letters;
}

/* Did the DSN action say the message got through? */
static int delivered(const char *action)
{
    return strcmp(action, "delivered") == 0 || strcmp(action, "relayed") == 0 ||
           strcmp(action, "expanded") == 0;
}

/* Bounds of the paragraph (blank-line separated) around t[i]. */
static void paragraph(const char *t, size_t n, size_t i, size_t *b, size_t *e)
{
    size_t s = i;
    while (s > 0) {
        const char *p = memrchr(t, '\n', s); /* the last LF before s */
        if (p == NULL) {
            s = 0;
        } else if (p > t && p[-1] == '\n') {
            s = (size_t)(p - t) + 1;
            break;
        } else {
            s = (size_t)(p - t);
        }
    }
    *b = s;
    const char *q = memmem(t + i, n - i, "\n\n", 2);
    *e = q ? (size_t)(q - t) + 1 : n;
}

/* What the human-readable text says about each DSN recipient that its
 * fields did not: the SMTP command and the remote host.  One recipient
 * owns the whole text; several own the paragraphs naming them. */
static int context_from_text(const dsn_vocab *v, rpt_report *out, const char *text, size_t tlen,
                             arena *a)
{
    for (size_t i = 0; i < out->nrecipients; i++) {
        rpt_recipient *r = &out->recipients[i];
        if (*r->smtp_command && *r->remote_mta)
            continue;
        if (out->nrecipients == 1) {
            if (dsn_context(v, r, text, tlen, a) != 0)
                return -1;
            continue;
        }
        if (i >= 64) /* enough: the rest keep what their fields said */
            break;
        size_t alen = strlen(r->address);
        char *needle = arena_strdup(a, r->address);
        if (needle == NULL)
            return -1;
        for (char *c = needle; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
        const char *p = text, *e = text + tlen;
        while (alen > 0 && (p = mime_memcasemem(p, (size_t)(e - p), needle, alen)) != NULL) {
            size_t b, f;
            paragraph(text, tlen, (size_t)(p - text), &b, &f);
            if (dsn_context(v, r, text + b, f - b, a) != 0)
                return -1;
            if (*r->smtp_command && *r->remote_mta)
                break;
            p = text + f;
        }
    }
    return 0;
}

/* A bounce that names no failed recipient of its own (Postfix's "Delivery
 * report unavailable", an "Unsent message follows" with no address): the
 * returned original's To: names whom it was for.  Only those headers are
 * read, never the original's body.  oh may be an empty part. */
static int original_recipients(const mime_part *oh, arena *a, rpt_report *out)
{
    const mime_header *to = mime_header_find(oh, "to");
    if (to == NULL)
        return 0;
    char *v = mime_unfold(to->value, to->vlen, a);
    if (v == NULL || grow_recipients(out, ORIG_MAX_RECIPIENTS, a) != 0)
        return -1;
    return add_address_list(out, v, strlen(v), out->nrecipients + ORIG_MAX_RECIPIENTS, a);
}

/* The last line of t that opens with a 4xx/5xx server reply ("421 host...
 * Deferred", "<<< 550 ..."), or NULL.  With_status, only a reply whose text
 * opens with an enhanced status of the same class ("554 5.3.0 ...",
 * "<<< 550-5.1.1 ..."). */
static const char *last_failure_line(const char *t, size_t len, int with_status, size_t *n)
{
    const char *found = NULL;
    for (const char *p = t, *end = t + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end, *q = p;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '<'))
            q++;
        char st[16];
        if (e - q >= 5 && (q[0] == '4' || q[0] == '5') && (q[3] == ' ' || q[3] == '-') &&
            smtp_reply_registered(q) &&
            (!with_status ||
             (e - q >= 9 && q[4] == q[0] && dsn_find_status(q + 4, (size_t)(e - q - 4), st) &&
              strncmp(st, q + 4, strlen(st)) == 0))) {
            found = q;
            *n = (size_t)(e - q);
        }
        p = nl ? nl + 1 : end;
    }
    return found;
}

/* Pasted delivery-status fields for one recipient with no diagnostic: the
 * session transcript above them ("554 \"|procmail ...\"... Service
 * unavailable") has the server's last reply, which is about it. */
static int session_reply(const dsn_vocab *v, rpt_report *out, const char *text, size_t tlen,
                         arena *a)
{
    rpt_recipient *r = &out->recipients[0];
    if (out->nrecipients != 1 || !weak_diagnostic(r->diagnostic))
        return 0;
    const char *f = mime_memcasemem(text, tlen, "final-recipient:", 16);
    const char *rm = mime_memcasemem(text, tlen, "reporting-mta:", 14);
    size_t before = f ? (size_t)(f - text) : tlen, n;
    if (rm != NULL && (size_t)(rm - text) < before)
        before = (size_t)(rm - text);
    const char *line = last_failure_line(text, before, 0, &n);
    if (line == NULL)
        return 0;
    if ((r->diagnostic = dsn_fold(line, n, DSN_MAX_DIAGNOSTIC, a)) == NULL)
        return -1;
    return dsn_refine(v, r, a);
}

/* A bounce in a known (not generic) layout whose text named no recipient:
 * the returned original's headers (the MIME part oh, or the header block
 * after the layout's original-message marker) give them, and the last
 * server reply in the bounce's own text is their diagnostic. */
static int unnamed_recipients(const bc_formats *formats, struct rx_scratch *scratch,
                              const tr_input *in, const mime_part *oh, arena *a, rpt_report *out)
{
    fmt_hit hit;
    if (!formats_recognise(formats, scratch, in->subject, in->from, in->headers, in->hlen, in->text,
                           in->len, &hit) ||
        hit.format->generic)
        return 0;
    mime_part inline_oh = {0};
    if (oh == NULL && hit.end < in->len) {
        const char *p = in->text + hit.end, *e = in->text + in->len;
        while (p < e && *p == '\n')
            p++;
        /* the marker's own line, unless the marker is a header line */
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *colon = memchr(p, ':', nl ? (size_t)(nl - p) : (size_t)(e - p));
        if (nl != NULL && (colon == NULL || memchr(p, ' ', (size_t)(colon - p)) != NULL))
            p = nl + 1;
        while (p < e && (*p == '\n' || *p == ' ' || *p == '\t'))
            p++;
        if (mime_parse_headers(p, (size_t)(e - p), a, &inline_oh) != 0)
            return -1;
        oh = &inline_oh;
    }
    if (oh == NULL || original_recipients(oh, a, out) != 0)
        return oh == NULL ? 0 : -1;
    if (out->nrecipients == 0)
        return 0;
    set_kind(out, RPT_TRANSCRIPT);
    out->mta = hit.format->id;
    size_t b = hit.start < hit.end ? hit.start : 0, n;
    const char *line = last_failure_line(in->text + b, hit.end - b, 0, &n);
    for (size_t i = 0; line != NULL && i < out->nrecipients; i++) {
        rpt_recipient *r = &out->recipients[i];
        if ((r->diagnostic = dsn_fold(line, n, DSN_MAX_DIAGNOSTIC, a)) == NULL ||
            dsn_refine(formats_dsn_vocab(formats), r, a) != 0)
            return -1;
    }
    return 0;
}

#define NEAR_BEFORE 2 /* non-blank lines before a failure line that may name its recipient */
#define NEAR_AFTER 4  /* and after it (the list under "to the following recipients:") */
#define NEAR_MAX_LINES 2000

struct line {
    size_t b, e;
    int blank, wording, ignore;
};

/* Is addr (local@domain) in one of the bounce's own address headers? */
static int own_address(const tr_input *in, const char *addr, size_t alen)
{
    static const char *const names[] = {
        "from:", "to:", "cc:", "sender:", "reply-to:", "return-path:", "delivered-to:"};
    const char *h = in->headers, *end = in->headers + in->hlen;
    while (h < end) {
        const char *nl = memchr(h, '\n', (size_t)(end - h));
        const char *le = nl ? nl : end;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            size_t k = strlen(names[i]);
            if ((size_t)(le - h) > k && strncasecmp(h, names[i], k) == 0 &&
                mime_memcasemem(h + k, (size_t)(le - h - k), addr, alen) != NULL)
                return 1;
        }
        h = le + 1;
    }
    return 0;
}

static int addr_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c >= 0x80 || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

/* Does the line t[b..e) open with the address at t[at] (after blanks,
 * a bullet or a label such as "Recipient:")?  An address in the middle of
 * a sentence without failure wording is about something else. */
static int address_leads(const char *t, size_t b, size_t e, size_t at)
{
    size_t p = b;
    for (int label = 0; label < 2; label++) {
        while (p < e && t[p] != '\0' && strchr(" \t<\"'*-.:", t[p]) != NULL)
            p++;
        if (p == at)
            return 1;
        size_t q = p;
        while (q < e && q < p + 40 && t[q] != ':' && t[q] != '@')
            q++;
        if (q == e || t[q] != ':')
            return 0;
        p = q + 1;
    }
    return 0;
}

/* The addresses near failure wording in text[0..end), a notice in no known
 * layout: on a failure line ("could not be delivered", "550 ...", "unknown
 * user") or within a few non-blank lines of it, never on a quoted line
 * ("> ..."), a quoted header line, a line that names a contact or a link,
 * or after a signature's "-- ", and never the bounce's own.  Where failure
 * lines name their own addresses, only those lines are read.  Each goes into
 * out with the failure line through its own line as diagnostic, unless
 * keep is given: then only recipients already in out that are found so are
 * kept. */
static int near_wording(const bc_formats *f, const tr_input *in, size_t end, int keep, arena *a,
                        rpt_report *out)
{
    const char *t = in->text;
    struct line *ln = arena_alloc(a, NEAR_MAX_LINES * sizeof *ln);
    if (ln == NULL)
        return -1;
    size_t n = 0;
    for (size_t p = 0; p < end && n < NEAR_MAX_LINES;) {
        const char *nl = memchr(t + p, '\n', end - p);
        size_t e = nl ? (size_t)(nl - t) : end, q = p;
        while (q < e && (t[q] == ' ' || t[q] == '\t'))
            q++;
        if (e - p >= 2 && t[p] == '-' && t[p + 1] == '-' && (e - p == 2 || t[p + 2] == ' ') &&
            e - p <= 3)
            break; /* a signature follows */
        struct line *l = &ln[n++];
        *l = (struct line){p, e, q == e, 0, 0};
        l->ignore = q < e && (t[q] == '>' || t[q] == '|');
        if (!l->blank && !l->ignore) {
            l->ignore = formats_line_is(f, FMT_LINE_SKIP, t + p, e - p) ||
                        formats_line_is(f, FMT_LINE_QUOTED_HEADER, t + p, e - p);
            l->wording = formats_line_is(f, FMT_LINE_WORDING, t + p, e - p);
        }
        p = e + 1;
    }
    int *seen = keep ? arena_calloc(a, (out->nrecipients + 1) * sizeof *seen) : NULL;
    if (keep && seen == NULL)
        return -1;
    for (size_t w = 0; w < n; w++) {
        if (!ln[w].wording || ln[w].ignore)
            continue;
        /* the window crosses one blank line at most (a heading, a blank
         * line, the list under it) */
        size_t lo = w, hi = w;
        for (int k = 0, gaps = 0; k < NEAR_BEFORE && lo > 0 && !ln[lo - 1].ignore; lo--) {
            if (ln[lo - 1].blank && !ln[lo].blank && ++gaps > 1)
                break;
            k += !ln[lo - 1].blank;
        }
        for (int k = 0, gaps = 0; k < NEAR_AFTER && hi + 1 < n && !ln[hi + 1].ignore; hi++) {
            if (ln[hi + 1].blank && !ln[hi].blank && ++gaps > 1)
                break;
            k += !ln[hi + 1].blank;
        }
        /* a failure line that names its address ("addr: 550 ...") is about
         * that address alone: in a list of them, the lines that say no
         * failure ("addr: delivered") name no failed recipient */
        int own_lines = 0;
        for (size_t i = lo; i <= hi; i++)
            own_lines |= ln[i].wording && !ln[i].ignore &&
                         memchr(t + ln[i].b, '@', ln[i].e - ln[i].b) != NULL;
        for (size_t i = lo; i <= hi; i++) {
            if (own_lines && !ln[i].wording)
                continue;
            for (size_t p = ln[i].b; p < ln[i].e;) {
                const char *at = memchr(t + p, '@', ln[i].e - p);
                if (at == NULL)
                    break;
                size_t b = (size_t)(at - t), e = b + 1;
                while (b > ln[i].b && addr_byte((unsigned char)t[b - 1]))
                    b--;
                while (e < ln[i].e && addr_byte((unsigned char)t[e]))
                    e++;
                while (e > b && t[e - 1] == '.')
                    e--;
                p = e > (size_t)(at - t) + 1 ? e : (size_t)(at - t) + 1;
                if (!ln[i].wording && !address_leads(t, ln[i].b, ln[i].e, b))
                    continue;
                char *addr = dsn_address(t + b, e - b, a);
                if (addr == NULL || strchr(strchr(addr, '@'), '.') == NULL ||
                    own_address(in, addr, strlen(addr)))
                    continue;
                size_t r = 0;
                while (r < out->nrecipients && strcasecmp(out->recipients[r].address, addr) != 0)
                    r++;
                if (keep) {
                    if (r < out->nrecipients)
                        seen[r] = 1;
                    continue;
                }
                if (r < out->nrecipients || out->nrecipients >= ORIG_MAX_RECIPIENTS)
                    continue;
                /* the failure line through the address's line, and the
                 * reason under it ("Reason: 550 ...") */
                size_t from = w < i ? w : i, to = w > i ? w : i;
                if (to + 1 <= hi && !ln[to + 1].blank && ln[to + 1].wording)
                    to++;
                if (grow_recipients(out, 1, a) != 0)
                    return -1;
                rpt_recipient *rc = &out->recipients[out->nrecipients++];
                *rc = (rpt_recipient){addr, "failed", "", "", "", "", "", ""};
                if ((rc->diagnostic = dsn_fold(t + ln[from].b, ln[to].e - ln[from].b,
                                               DSN_MAX_DIAGNOSTIC, a)) == NULL ||
                    dsn_refine(formats_dsn_vocab(f), rc, a) != 0)
                    return -1;
            }
        }
    }
    if (keep) {
        size_t k = 0;
        for (size_t r = 0; r < out->nrecipients; r++)
            if (seen[r])
                out->recipients[k++] = out->recipients[r];
        out->nrecipients = k;
    }
    return 0;
}

/* A notice in no known layout: read by near_wording(), when the message
 * shows a bounce signal (a generic format's reading is narrowed to the
 * same addresses). */
static int fallback_recipients(const bc_formats *formats, struct rx_scratch *scratch,
                               const tr_input *in, arena *a, rpt_report *out)
{
    if (!formats_has_fallback(formats))
        return 0;
    /* the recognition is the one the caller made (remembered): asked
     * first, it spares the signal lookup where it decides alone */
    fmt_hit hit;
    int known = formats_recognise(formats, scratch, in->subject, in->from, in->headers, in->hlen,
                                  in->text, in->len, &hit);
    if (out->nrecipients > 0 && (!known || !hit.format->generic))
        return 0;
    if (!formats_bounce_signal(formats, in->subject, in->from, in->headers, in->hlen))
        return 0;
    if (out->nrecipients > 0)
        return near_wording(formats, in, hit.end, 1, a, out);
    if (near_wording(formats, in, hit.end, 0, a, out) != 0)
        return -1;
    if (out->nrecipients > 0)
        set_kind(out, RPT_TRANSCRIPT);
    return 0;
}

/* Let the transcript parser fill what the DSN fields left out, from the
 * human-readable part; the DSN's list of recipients stays as it is. */
static int enrich_dsn(const bc_formats *formats, struct rx_scratch *scratch, const tr_input *in,
                      arena *a, rpt_report *out)
{
    size_t keep = out->nrecipients;
    const char **saved = arena_alloc(a, keep * sizeof *saved);
    if (saved == NULL)
        return -1;
    int missing = 0;
    for (size_t i = 0; i < keep; i++) {
        saved[i] = out->recipients[i].diagnostic;
        if (weak_diagnostic(saved[i])) {
            out->recipients[i].diagnostic = "";
            missing = 1;
        }
    }
    if (!missing)
        return 0;
    const char *mta = out->mta;
    if (formats != NULL && transcript_extract(formats, scratch, in, a, out) < 0)
        return -1;
    out->nrecipients = keep;
    set_kind(out, RPT_DSN);
    if (*mta)
        out->mta = mta;
    for (size_t i = 0; i < keep; i++) {
        rpt_recipient *r = &out->recipients[i];
        if (*r->diagnostic == '\0')
            r->diagnostic = saved[i];
        else if (dsn_refine(formats_dsn_vocab(formats), r, a) != 0)
            return -1;
    }
    for (size_t i = 0; i < keep; i++) {
        rpt_recipient *r = &out->recipients[i];
        /* a 2xx (a greeting, an exit status) is not why delivery failed */
        if (*r->reply_code == '2' && !delivered(r->action))
            r->reply_code = "";
    }
    /* One recipient and still no reply or detail: the last server reply in
     * the session transcript ("554 5.3.0 unknown mailer error") is about it. */
    rpt_recipient *r = &out->recipients[0];
    if (keep == 1 && (weak_diagnostic(r->diagnostic) ||
                      (*r->reply_code == '\0' && strstr(r->status, ".0.0") != NULL))) {
        size_t n;
        const char *line = last_failure_line(in->text, in->len, 1, &n);
        if (line != NULL) {
            const char *d = r->diagnostic;
            if ((r->diagnostic = dsn_fold(line, n, DSN_MAX_DIAGNOSTIC, a)) == NULL ||
                dsn_refine(formats_dsn_vocab(formats), r, a) != 0)
                return -1;
            if (!weak_diagnostic(d))
                r->diagnostic = d;
        }
    }
    return 0;
}

static int extract(const char *msg, size_t len, const struct bc_formats *formats,
                   struct rx_scratch *scratch, arena *a, rpt_report *out, int depth);

/* A bounce wrapped in a message/rfc822 part: in a forward (the outer
 * message's sender and headers show no bounce, the enclosed one's sender,
 * headers or subject do: it is read first), or in another bounce that
 * names no recipient of its own (outer_read: the returned original is read
 * when its sender or headers show a bounce; a double bounce's own report is
 * about its own failure and comes first).  1 with the enclosed report in
 * out when it names recipients, 0 when the outer message is to be read, -1
 * on memory exhaustion. */
static int wrapped_report(const bc_formats *formats, struct rx_scratch *scratch,
                          const mime_part *orig, const mime_part *oh, const char *from,
                          const char *hb, size_t hl, int outer_read, int depth, arena *a,
                          rpt_report *out)
{
    if (formats == NULL || orig == NULL || depth >= WRAP_MAX_DEPTH || oh->nheaders == 0 ||
        (strcmp(orig->type, "message/rfc822") != 0 && strcmp(orig->type, "message/global") != 0))
        return 0;
    int outer = formats_bounce_signal(formats, "", from, hb, hl);
    if (outer != outer_read)
        return 0;
    size_t ihl;
    const char *ihb = header_block(oh, a, &ihl);
    const char *ifrom = decoded_header(oh, "from", a), *isubj = decoded_header(oh, "subject", a);
    if (ihb == NULL || ifrom == NULL || isubj == NULL)
        return -1;
    if (!formats_bounce_signal(formats, outer ? "" : isubj, ifrom, ihb, ihl))
        return 0;
    const char *b;
    size_t n;
    rpt_report inner;
    if (original_bytes(orig, a, &b, &n) != 0 ||
        extract(b, n, formats, scratch, a, &inner, depth + 1) != 0)
        return -1;
    if (inner.kind == RPT_NONE || inner.nrecipients == 0)
        return 0;
    *out = inner;
    return 1;
}

static int extract(const char *msg, size_t len, const struct bc_formats *formats,
                   struct rx_scratch *scratch, arena *a, rpt_report *out, int depth)
{
    *out = (rpt_report){RPT_NONE, "", "", "", "", "", "", "", "", "", 0, NULL};
    size_t n;
    const char *buf = mime_lf(msg, len, a, &n);
    mime_msg m;
    if (buf == NULL || mime_parse(buf, n, a, &m) != 0)
        return -1;
    const mime_part *root = m.root;
    struct parts ps;
    find_parts(root, &ps);

    const char *v;
    if ((out->subject = decoded_header(root, "subject", a)) == NULL ||
        (out->from = decoded_header(root, "from", a)) == NULL)
        return -1;
    if ((v = mime_header_value(root, "date", a)) != NULL && (out->date = rfcdate_iso(v, a)) == NULL)
        return -1;

    size_t hlen;
    const char *hb = header_block(root, a, &hlen);
    if (hb == NULL)
        return -1;

    /* The returned original: only its headers are read. */
    mime_part oh = {0};
    if (ps.original != NULL) {
        if (original_headers(ps.original, a, &oh) != 0)
            return -1;
        const mime_header *h = mime_header_find(&oh, "message-id");
        if (h != NULL && (out->message_id = message_id(h->value, h->vlen, a)) == NULL)
            return -1;
        int w = wrapped_report(formats, scratch, ps.original, &oh, out->from, hb, hlen, 0, depth, a,
                               out);
        if (w != 0)
            return w < 0 ? -1 : 0;
    }

    /* The human-readable text. */
    const char *text = "";
    size_t tlen = 0;
    if (ps.text != NULL) {
        text = part_text(ps.text, "", TEXT_CAP, a, &tlen);
    } else if (ps.html != NULL) {
        const char *h = part_text(ps.html, "", TEXT_CAP, a, &tlen);
        text = h ? html_text(h, tlen, a, &tlen) : NULL;
    } else if (root->child == NULL && (strncmp(root->type, "text/", 5) == 0 ||
                                       strncmp(root->type, "multipart/", 10) == 0)) {
        /* a plain bounce, or a multipart whose boundary never appears */
        text = part_text(root, "", TEXT_CAP, a, &tlen);
    }
    if (text == NULL)
        return -1;
    out->body_text = text;
    if (tlen > BODY_TEXT_CAP) {
        size_t cut = BODY_TEXT_CAP;
        while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
            cut--;
        if ((out->body_text = arena_strndup(a, text, cut)) == NULL)
            return -1;
    }
    /* designated: transcript.h may add fields (they start zeroed) */
    tr_input in = {.headers = hb,
                   .hlen = hlen,
                   .subject = out->subject,
                   .from = out->from,
                   .text = text,
                   .len = tlen};

    /* RFC 3464 */
    if (ps.dsn == NULL)
        ps.dsn = dsn_as_text(root, ps.text, a);
    if (ps.dsn != NULL) {
        size_t dl;
        const char *d = part_text(ps.dsn, "utf-8", DSN_CAP, a, &dl);
        dsn_report dr;
        if (d == NULL || dsn_parse(formats_dsn_vocab(formats), d, dl, a, &dr) != 0)
            return -1;
        /* a report that names no recipient: the original's To: does */
        if (dr.nrecipients == 0 && original_recipients(&oh, a, out) != 0)
            return -1;
        if (dr.nrecipients == 0 && out->nrecipients > 0) {
            dr.recipients = out->recipients;
            dr.nrecipients = out->nrecipients;
        }
        if (dr.nrecipients > 0) {
            adopt_dsn(out, &dr);
            if (*out->mta == '\0' && formats != NULL) {
                const char *id = transcript_identify(formats, scratch, &in);
                out->mta = id ? id : "";
            }
            if (tlen > 0 &&
                (enrich_dsn(formats, scratch, &in, a, out) != 0 ||
                 context_from_text(formats_dsn_vocab(formats), out, text, tlen, a) != 0))
                return -1;
            return 0;
        }
    }

    /* RFC 5965 */
    if (ps.feedback != NULL) {
        set_kind(out, RPT_ARF);
        return extract_arf(&ps, a, out);
    }

    if (not_a_report(root, &ps, out->subject))
        return 0;

    int fb = other_feedback(formats, root, &ps, a, out);
    if (fb != 0)
        return fb < 0 ? -1 : 0;

    /* Auto-replies: trusted before transcripts unless a bounce sender wrote
     * it or it carries a known bounce format's signature (Exim marks its
     * bounces auto-replied). */
    int auto_sig = autoreply_signal(formats, root, out->subject);
    int bounce_sender = formats_bounce_sender(formats, out->from);
    if (auto_sig && !bounce_sender && ps.dsn == NULL &&
        (formats == NULL || transcript_identify(formats, scratch, &in) == NULL)) {
        set_kind(out, RPT_AUTOREPLY);
        return extract_autoreply(root, a, out);
    }

    if (formats != NULL && tlen > 0) {
        int got = transcript_extract(formats, scratch, &in, a, out);
        if (got < 0 || (got > 0 && fallback_recipients(formats, scratch, &in, a, out) != 0))
            return -1;
        if (out->nrecipients > 0) {
            set_kind(out, out->kind != RPT_NONE ? out->kind : RPT_TRANSCRIPT);
            return find_inline_message_id(text, tlen, a, out);
        }
    }

    /* delivery-status fields pasted into a plain-text bounce */
    if (tlen > 0 && (mime_memcasemem(text, tlen, "final-recipient:", 16) != NULL ||
                     mime_memcasemem(text, tlen, "original-recipient:", 19) != NULL)) {
        dsn_report dr;
        if (dsn_parse(formats_dsn_vocab(formats), text, tlen, a, &dr) != 0)
            return -1;
        if (dr.nrecipients > 0) {
            adopt_dsn(out, &dr);
            if (session_reply(formats_dsn_vocab(formats), out, text, tlen, a) != 0)
                return -1;
            return find_inline_message_id(text, tlen, a, out);
        }
    }
    if (formats != NULL && tlen > 0) {
        if (unnamed_recipients(formats, scratch, &in, ps.original != NULL ? &oh : NULL, a, out) !=
            0)
            return -1;
        if (out->nrecipients > 0)
            return find_inline_message_id(text, tlen, a, out);
        if (fallback_recipients(formats, scratch, &in, a, out) != 0)
            return -1;
        if (out->nrecipients > 0)
            return find_inline_message_id(text, tlen, a, out);
    }
    if (ps.original != NULL) {
        int w = wrapped_report(formats, scratch, ps.original, &oh, out->from, hb, hlen, 1, depth, a,
                               out);
        if (w != 0)
            return w < 0 ? -1 : 0;
    }
    out->nrecipients = 0; /* nothing found: no half-filled report either */
    out->mta = "";
    set_kind(out, RPT_NONE);
    return 0;
}

int report_extract(const char *msg, size_t len, const struct bc_formats *formats,
                   struct rx_scratch *scratch, arena *a, rpt_report *out)
{
    if (extract(msg, len, formats, scratch, a, out, 0) != 0)
        return -1;
    /* A reply of another class than the status (a 554 greeting refused on
     * one host of a message the report says was deferred, 4.4.7) is about
     * something else than the outcome: the status is the report's verdict. */
    for (size_t i = 0; i < out->nrecipients; i++) {
        rpt_recipient *r = &out->recipients[i];
        if (dsn_quoted_status(r, a) != 0)
            return -1;
        if (*r->status && *r->reply_code && r->status[0] != r->reply_code[0])
            r->reply_code = "";
    }
    return 0;
}
