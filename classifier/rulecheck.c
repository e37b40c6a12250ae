/*
 * rulecheck.c - check a rule set against the examples its rules carry
 * (bounce-classify --check-rules; see rulecheck.h).
 *
 * Each example is classified alone: its text is read as a diagnostic (the
 * status, reply code and SMTP command it spells out are taken from it as
 * the classifier does for a real report), with the evidence a group
 * example adds, and nothing else.  An example passes when its own rule
 * decides it.  Two rules of one rank that both match an example and give
 * different answers (class or detail) are an unsettled overlap unless one
 * names the other in `beats`: only the length of their matches or their
 * position would decide between them.
 */
#include "rulecheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "regex.h"
#include "report.h"

static const char *nz(const char *s)
{
    return s != NULL ? s : "";
}

/* The evidence of one example, as classify.c builds it for a recipient. */
static int example_evidence(const dsn_vocab *v, const rule_example *x, arena *a, rule_evidence *ev)
{
    rpt_recipient r;
    memset(&r, 0, sizeof r);
    r.address = "";
    r.action = nz(x->action);
    r.status = nz(x->status);
    r.reply_code = nz(x->reply);
    r.smtp_command = nz(x->command);
    r.diagnostic = nz(x->text);
    r.remote_mta = nz(x->host);
    r.text = "";
    if (dsn_refine(v, &r, a) != 0)
        return -1;
    memset(ev, 0, sizeof *ev);
    ev->text = r.diagnostic;
    ev->textlen = strlen(r.diagnostic);
    ev->status = nz(r.status);
    ev->reply = nz(r.reply_code);
    ev->hosts[0] = nz(r.remote_mta);
    ev->hosts[1] = ev->hosts[2] = "";
    ev->mta = nz(x->mta);
    ev->kind = nz(x->kind);
    ev->action = *r.action != '\0' ? r.action : "failed";
    ev->feedback = nz(x->feedback);
    ev->command = nz(r.smtp_command);
    return 0;
}

static int same_answer(const rule_info *a, const rule_info *b)
{
    return a->cls == b->cls && strcmp(a->detail, b->detail) == 0;
}

/* An overlap between rules i < j is reported once: seen[i * n + j]. */
static int overlap_seen(unsigned char *seen, size_t n, size_t i, size_t j)
{
    size_t lo = i < j ? i : j, hi = i < j ? j : i;
    int was = seen[lo * n + hi];
    seen[lo * n + hi] = 1;
    return was;
}

/* Check every example of rule i. */
static int check_rule(const struct ruleset *rs, const dsn_vocab *v, size_t i, rx_scratch *s,
                      arena *a, unsigned char *seen, rulecheck_report report, void *arg,
                      rulecheck_counts *c)
{
    const rule_info *me = ruleset_rule(rs, i);
    const rule_doc *doc = ruleset_doc(rs, i);
    size_t n = ruleset_count(rs);
    char line[512];
    for (size_t k = 0; k < doc->nexamples; k++) {
        arena_reset(a);
        rule_evidence ev;
        rule_trace t;
        int err;
        if (example_evidence(v, &doc->examples[k], a, &ev) != 0)
            return -1;
        const rule_info *win = ruleset_match(rs, &ev, s, a, NULL, &t, NULL, &err);
        if (err != 0)
            return -1;
        c->examples++;
        if (win != me) {
            c->failed++;
            snprintf(line, sizeof line, "FAIL %s example %zu: decided by %s (%s:%d)", me->id, k + 1,
                     win != NULL ? win->id : "no rule", doc->file, doc->examples[k].line);
            report(line, arg);
        }
        for (size_t h = 0; h < t.nhits; h++) {
            const rule_info *o = t.hits[h].rule;
            if (o == me || o->tier != me->tier || o->override != me->override ||
                same_answer(o, me) || ruleset_beats(rs, me, o) || ruleset_beats(rs, o, me) ||
                overlap_seen(seen, n, me->index, o->index))
                continue;
            c->overlaps++;
            snprintf(line, sizeof line, "OVERLAP %s %s (%s example %zu, %s:%d)", me->id, o->id,
                     me->id, k + 1, doc->file, doc->examples[k].line);
            report(line, arg);
        }
    }
    return 0;
}

int rulecheck_run(const struct ruleset *rs, const dsn_vocab *v, rulecheck_report report, void *arg,
                  rulecheck_counts *c)
{
    memset(c, 0, sizeof *c);
    size_t n = ruleset_count(rs);
    c->rules = n;
    rx_scratch *s = rx_scratch_new();
    arena *a = arena_new();
    unsigned char *seen = n > 0 ? calloc(n, n) : NULL;
    int rc = s == NULL || a == NULL || (n > 0 && seen == NULL) ? -1 : 0;
    char line[512];
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const rule_doc *doc = ruleset_doc(rs, i);
        if (doc->shipped && (doc->source == NULL || doc->nexamples == 0)) {
            c->unsourced++;
            snprintf(line, sizeof line, "UNDOCUMENTED %s: no %s (%s:%d)", ruleset_rule(rs, i)->id,
                     doc->source == NULL ? "source" : "examples", doc->file, doc->line);
            report(line, arg);
        }
        rc = check_rule(rs, v, i, s, a, seen, report, arg, c);
    }
    free(seen);
    arena_free(a);
    rx_scratch_free(s);
    return rc;
}
