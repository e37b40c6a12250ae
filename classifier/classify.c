/*
 * classify.c - from an extracted report to the result: for every recipient
 * build the evidence (text, codes, hosts, report kind), let the rule set
 * pick the deciding rule (rules.h), and fill class, severity, advice,
 * return code and detail; with BC_EXPLAIN also one readable trace line per
 * recipient saying which rules matched in which tier and which won.
 *
 * Severity and advice come from the class, are replaced by the class's
 * temporary variants (severity4xx/advice4xx) when the recipient's status,
 * or without one its reply code, is 4xx, then by the detail's advice (and
 * code), then by what the rule itself says.  Nothing about particular
 * classes is known here except the two fallbacks of the taxonomy when no
 * rule matched: `onhold` when the recipient came with a diagnostic that says
 * too little to decide, `undefined` when it came with none at all (the
 * reference implementation draws the same line).
 */
#include "classify.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rules.h"

#define TEXT_CAP 8192  /* bytes of evidence text matched per recipient */
#define SNIPPET_CAP 60 /* bytes of matched text quoted in a trace line */

static const char *nz(const char *s)
{
    return s != NULL ? s : "";
}

/* diagnostic, the recipient's text and, when there is no diagnostic (or
 * with_body), the report's human-readable part: what text rules look at. */
static char *evidence_text(arena *a, const rpt_recipient *r, const rpt_report *rep, int with_body,
                           size_t *len)
{
    with_body |= *nz(r->diagnostic) == '\0';
    const char *parts[3] = {nz(r->diagnostic), nz(r->text), with_body ? nz(rep->body_text) : ""};
    size_t total = 0;
    for (int i = 0; i < 3; i++)
        total += strlen(parts[i]) + 1;
    if (total > TEXT_CAP)
        total = TEXT_CAP;
    char *buf = arena_alloc(a, total + 1);
    if (buf == NULL)
        return NULL;
    size_t n = 0;
    for (int i = 0; i < 3 && n < total; i++) {
        size_t l = strlen(parts[i]);
        if (l == 0)
            continue;
        if (n > 0)
            buf[n++] = '\n';
        if (l > total - n)
            l = total - n;
        memcpy(buf + n, parts[i], l);
        n += l;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static const char *domain_of(const char *address)
{
    const char *at = strrchr(address, '@');
    return at != NULL ? at + 1 : "";
}

/* The detail a rule names, with "{feedback}" standing for the report's
 * Feedback-Type (lower-cased). */
static const char *rule_detail_for(arena *a, const char *detail, const char *feedback)
{
    if (strcmp(detail, "{feedback}") != 0)
        return detail;
    char *d = arena_strdup(a, feedback);
    for (char *p = d; p != NULL && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
        else if ((unsigned char)*p <= 0x20 || *p == ';' || *p == '"' || *p == '\\')
            *p = '-';
    return d;
}

/* Printable excerpt of what a text rule matched. */
static const char *snippet(arena *a, const char *text, size_t at, size_t len)
{
    if (len > SNIPPET_CAP)
        len = SNIPPET_CAP;
    char *s = arena_strndup(a, text + at, len);
    for (char *p = s; p != NULL && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '"')
            *p = ' ';
    return s;
}

/* "id [tier] (evidence)" for one rule that matched. */
static const char *hit_text(arena *a, const rule_hit *h, const rule_evidence *ev)
{
    const rule_info *r = h->rule;
    const char *ex = h->text_len > 0 ? arena_printf(a, " (\"%s\")",
                                                    snippet(a, ev->text, h->text_at, h->text_len))
                     : r->tier == TIER_STATUS || r->tier == TIER_GENERIC_STATUS
                         ? arena_printf(a, " (%s)", ev->status)
                     : r->tier == TIER_REPLY ? arena_printf(a, " (%s)", ev->reply)
                                             : "";
    return arena_printf(a, "%s [%s%s]%s", r->id, r->override ? "override, " : "",
                        ruleset_tier_name(r->tier), ex != NULL ? ex : "");
}

/* One line per recipient: every rule that matched, the answer, and why the
 * winner won. */
static const char *trace_line(arena *a, const bc_recipient *out, const rule_evidence *ev,
                              const rule_trace *t, const rule_info *win, int nodiag, int with_body,
                              int guarded)
{
    const char *list = t->nhits == 0 ? "none" : "";
    for (size_t i = 0; i < t->nhits && list != NULL; i++)
        list = arena_printf(a, "%s%s%s", list, i > 0 ? ", " : "", hit_text(a, &t->hits[i], ev));
    const char *why;
    if (win == NULL)
        why = nodiag ? "no rule matched, no diagnostic" : "no rule matched, diagnostic too vague";
    else
        why = arena_printf(a, "%s tier wins, %s", ruleset_tier_name(win->tier), t->why);
    if (list == NULL || why == NULL)
        return NULL;
    return arena_printf(a, "%s: %smatched: %s -> %s%s%s %s/%s (rule %s: %s%s; %zu rules tried)",
                        out->address, with_body ? "(with the report's text) " : "", list,
                        out->class_name, *out->detail ? " detail " : "", out->detail,
                        rule_severity_name(out->severity), out->advice, out->rule, why,
                        guarded == 1   ? "; not hard: temporary failure"
                        : guarded == 2 ? "; not hard: the text says otherwise"
                                       : "",
                        t->ncandidates);
}

/* Class, severity, advice, code and detail of out from the winning rule;
 * returns 1 or 2 when the severity guard (TAXONOMY "Stage and severity")
 * kept a hard answer soft: 1 for a temporary failure, 2 when a status table
 * decided against what the text says. */
static int decide(const struct ruleset *rs, arena *a, const rule_info *win, const rule_evidence *ev,
                  const rule_verdict *verdict, int nodiag, bc_recipient *out)
{
    const rule_class *c =
        win != NULL ? win->cls : ruleset_class(rs, nodiag ? "undefined" : "onhold");
    const char *detail = win != NULL ? rule_detail_for(a, win->detail, ev->feedback) : "";
    const rule_detail *d = win == NULL               ? NULL
                           : win->detail_def != NULL ? win->detail_def
                                                     : ruleset_detail(rs, detail);
    int temp = rule_evidence_temporary(ev);

    out->class_name = c != NULL ? c->name : nodiag ? "undefined" : "onhold";
    out->severity = c != NULL ? c->severity : BC_SEV_SOFT;
    out->advice = c != NULL ? c->advice : "retry";
    out->code = c != NULL ? c->code : 0;
    if (c != NULL && temp && c->has_temp) {
        out->severity = c->temp_severity;
        out->advice = c->temp_advice;
    }
    if (d != NULL && d->advice != NULL)
        out->advice = d->advice;
    if (d != NULL && d->code >= 0)
        out->code = d->code;
    if (win != NULL && win->advice != NULL)
        out->advice = win->advice;
    if (win != NULL && win->severity >= 0)
        out->severity = (enum bc_severity)win->severity;
    if (win != NULL && win->code >= 0)
        out->code = win->code;
    out->detail = detail != NULL ? detail : "";
    out->rule = win != NULL ? win->id : "none";
    int guard = out->severity != BC_SEV_HARD ? 0 : temp ? 1 : verdict->text_disagrees ? 2 : 0;
    if (guard != 0) {
        out->severity = BC_SEV_SOFT;
        if (strcmp(out->advice, "suppress") == 0)
            out->advice = "retry";
    }
    return guard;
}

int classify_report(const struct ruleset *rs, const rpt_report *rep, struct rx_scratch *scratch,
                    arena *a, unsigned flags, bc_result *res)
{
    res->bounce = rep->kind != RPT_NONE && rep->nrecipients > 0;
    res->kind = res->bounce ? nz(rep->kind_name) : "";
    res->mta = nz(rep->mta);
    res->message_id = nz(rep->message_id);
    res->date = nz(rep->date);
    res->nrecipients = 0;
    res->recipients = NULL;
    res->ntrace = 0;
    res->trace = NULL;
    if (!res->bounce)
        return 0;

    size_t n = rep->nrecipients;
    bc_recipient *out = arena_calloc(a, n * sizeof *out);
    const char **trace = (flags & BC_EXPLAIN) ? arena_calloc(a, n * sizeof *trace) : NULL;
    /* recipients without a diagnostic of their own share the report's text */
    rule_memo *memo = n > 1 ? ruleset_memo(rs, a) : NULL;
    if (out == NULL || ((flags & BC_EXPLAIN) && trace == NULL) || (n > 1 && memo == NULL))
        return -1;

    for (size_t i = 0; i < n; i++) {
        const rpt_recipient *r = &rep->recipients[i];
        const char *addr = nz(r->address);
        /* one entry per distinct address: the first mention is kept */
        size_t k;
        for (k = 0; k < res->nrecipients && strcasecmp(out[k].address, addr) != 0; k++)
            ;
        if (k < res->nrecipients && *addr != '\0')
            continue;

        rule_evidence ev;
        ev.text = evidence_text(a, r, rep, 0, &ev.textlen);
        if (ev.text == NULL)
            return -1;
        ev.status = nz(r->status);
        ev.reply = nz(r->reply_code);
        ev.hosts[0] = nz(r->remote_mta);
        ev.hosts[1] = nz(rep->reporting_mta);
        ev.hosts[2] = domain_of(addr);
        ev.mta = nz(rep->mta);
        ev.kind = nz(rep->kind_name);
        ev.action = *nz(r->action) != '\0' ? r->action : "failed";
        ev.feedback = nz(rep->feedback_type);
        ev.command = nz(r->smtp_command);

        rule_trace t;
        rule_verdict v;
        int err;
        const rule_info *win =
            ruleset_match(rs, &ev, scratch, a, memo, trace ? &t : NULL, &v, &err);
        if (err != 0)
            return -1;
        int with_body = win == NULL && *nz(r->diagnostic) != '\0' && *nz(rep->body_text) != '\0';
        if (with_body) {
            /* nothing the recipient's own text says decided: the report's
             * explanation may (a diagnostic that only repeats the address) */
            if ((ev.text = evidence_text(a, r, rep, 1, &ev.textlen)) == NULL)
                return -1;
            win = ruleset_match(rs, &ev, scratch, a, memo, trace ? &t : NULL, &v, &err);
            if (err != 0)
                return -1;
        }
        int nodiag = *nz(r->diagnostic) == '\0' && *nz(r->text) == '\0';

        bc_recipient *o = &out[res->nrecipients];
        o->address = addr;
        o->action = ev.action;
        o->status = ev.status;
        o->reply_code = ev.reply;
        o->smtp_command = nz(r->smtp_command);
        o->diagnostic = nz(r->diagnostic);
        o->remote_mta = ev.hosts[0];
        int guarded = decide(rs, a, win, &ev, &v, nodiag, o);
        if (trace != NULL && (trace[res->ntrace++] = trace_line(a, o, &ev, &t, win, nodiag,
                                                                with_body, guarded)) == NULL)
            return -1;
        res->nrecipients++;
    }
    res->recipients = out;
    res->trace = trace;
    return 0;
}
