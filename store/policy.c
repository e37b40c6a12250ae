/*
 * policy.c - the suppression policy as a pure function (see policy.h).
 *
 * Soft bounces: an event whose rule counts suppresses when at least
 * `count` counted events (itself included) lie within the `days` days up
 * to it, `count` and `days` being the rule of that event.  Of several
 * suppressions an address's history triggers, the one still in force that
 * lasts longest is the verdict (a hard bounce's "never" outlives a soft
 * one's 30 days).
 */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DAY 86400

void policy_defaults(policy *p)
{
    *p = (policy){
        .enforce = 1,
        .unauthenticated = 0,
        .soft_count = 5,
        .soft_days = 30,
        .expire_hard = 0,
        .expire_soft = 30,
        .expire_complaint = 0,
    };
}

int policy_domain_match(const char *entry, const char *domain)
{
    if (entry[0] != '.')
        return strcasecmp(entry, domain) == 0;
    size_t le = strlen(entry), ld = strlen(domain);
    return ld > le && strcasecmp(domain + ld - le, entry) == 0;
}

static const char *domain_of(const char *address)
{
    const char *at = strrchr(address, '@');
    return at ? at + 1 : "";
}

int policy_never(const policy *p, const char *address)
{
    for (size_t i = 0; i < p->nnever; i++) {
        const char *e = p->never[i];
        if (strchr(e, '@') ? strcasecmp(e, address) == 0
                           : policy_domain_match(e, domain_of(address)))
            return 1;
    }
    return 0;
}

static int is_complaint(const char *class_name, const char *detail)
{
    return strcmp(class_name, "feedback") == 0 && strcasecmp(detail, "abuse") == 0;
}

static void apply(struct sup_rule *r, const struct sup_rule *o)
{
    if (o->mode != SUP_INHERIT)
        r->mode = o->mode;
    if (o->count >= 0)
        r->count = o->count;
    if (o->days >= 0)
        r->days = o->days;
    if (o->expire_days >= 0)
        r->expire_days = o->expire_days;
}

struct sup_rule policy_rule(const policy *p, const char *class_name, const char *severity,
                            const char *detail, const char *domain)
{
    struct sup_rule r = {SUP_NEVER, p->soft_count, p->soft_days, p->expire_soft};
    if (is_complaint(class_name, detail))
        r = (struct sup_rule){SUP_NOW, 0, 0, p->expire_complaint};
    else if (strcmp(severity, "hard") == 0)
        r = (struct sup_rule){SUP_NOW, 0, 0, p->expire_hard};
    else if (strcmp(severity, "soft") == 0)
        r.mode = SUP_COUNT;
    for (size_t i = 0; i < p->nclasses; i++)
        if (strcasecmp(p->classes[i].name, class_name) == 0)
            apply(&r, &p->classes[i].rule);
    for (size_t i = 0; i < p->ndomains; i++)
        for (size_t k = 0; k < p->domains[i].ndomains; k++)
            if (policy_domain_match(p->domains[i].domains[k], domain))
                apply(&r, &p->domains[i].rule);
    /* An auto-reply or a success says the address is alive. */
    if (strcmp(class_name, "vacation") == 0 || strcmp(class_name, "delivered") == 0)
        r.mode = SUP_NEVER;
    if (r.mode == SUP_COUNT && r.count <= 1)
        r.mode = SUP_NOW;
    return r;
}

static int delivered(const event *e)
{
    return strcmp(e->f[EV_CLASS], "delivered") == 0 || strcmp(e->f[EV_ACTION], "delivered") == 0;
}

/* 1 if a suppression lasting until `until` (0: never) beats the current one. */
static int better(const verdict *v, int64_t since, int64_t until)
{
    if (!v->suppress)
        return 1;
    if (v->until == 0 || until == 0)
        return until == 0 && (v->until != 0 || since > v->since);
    return until > v->until || (until == v->until && since > v->since);
}

/* 1 if o takes part in soft counting. */
static int counts(const policy *p, const event *o)
{
    return (o->authenticated || p->unauthenticated) && !delivered(o) &&
           policy_rule(p, o->f[EV_CLASS], o->f[EV_SEVERITY], o->f[EV_DETAIL], event_domain(o))
                   .mode == SUP_COUNT;
}

/* Counted events from first to i within days before evs[i]; *from gets the
 * oldest of them. */
static size_t count_window(const policy *p, const event *const *evs, size_t first, size_t i,
                           int days, size_t *from)
{
    size_t counted = 0;
    *from = i;
    for (size_t k = i + 1; k-- > first;) {
        if (evs[k]->time < evs[i]->time - (int64_t)days * DAY)
            break;
        if (counts(p, evs[k])) {
            counted++;
            *from = k;
        }
    }
    return counted;
}

/* Make evs[i] (with the counted events from `from`) the verdict. */
static void take(const policy *p, const event *const *evs, size_t from, size_t i, int64_t until,
                 verdict *v, size_t *evidence)
{
    const event *e = evs[i];
    v->suppress = 1;
    v->since = e->time;
    v->until = until;
    snprintf(v->reason, sizeof v->reason, "%s",
             is_complaint(e->f[EV_CLASS], e->f[EV_DETAIL]) ? "complaint" : e->f[EV_CLASS]);
    v->nevidence = 0;
    for (size_t k = from; k <= i; k++)
        if (k == i || counts(p, evs[k]))
            evidence[v->nevidence++] = k;
}

int policy_decide(const policy *p, const char *address, const event *const *evs, size_t n,
                  int64_t reset, int64_t now, verdict *v, size_t *evidence)
{
    *v = (verdict){.enforced = p->enforce};
    if (policy_never(p, address))
        return 0;
    size_t first = 0; /* counting starts here */
    for (size_t i = 0; i < n; i++) {
        const event *e = evs[i];
        if (e->time <= reset) {
            first = i + 1;
            continue;
        }
        if (!e->authenticated && !p->unauthenticated)
            continue;
        if (delivered(e)) {
            first = i + 1;
            continue;
        }
        struct sup_rule r =
            policy_rule(p, e->f[EV_CLASS], e->f[EV_SEVERITY], e->f[EV_DETAIL], event_domain(e));
        size_t from = i;
        if (r.mode != SUP_NOW && r.mode != SUP_COUNT)
            continue;
        if (r.mode == SUP_COUNT && count_window(p, evs, first, i, r.days, &from) < (size_t)r.count)
            continue;
        int64_t until = r.expire_days ? e->time + (int64_t)r.expire_days * DAY : 0;
        if ((until == 0 || until > now) && better(v, e->time, until))
            take(p, evs, from, i, until, v, evidence);
    }
    return v->suppress;
}

static void free_overrides(struct sup_override *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(o[i].name);
        for (size_t k = 0; k < o[i].ndomains; k++)
            free(o[i].domains[k]);
        free(o[i].domains);
    }
    free(o);
}

void policy_free(policy *p)
{
    if (p == NULL)
        return;
    free_overrides(p->classes, p->nclasses);
    free_overrides(p->domains, p->ndomains);
    for (size_t i = 0; i < p->nnever; i++)
        free(p->never[i]);
    free(p->never);
    policy_defaults(p);
}
