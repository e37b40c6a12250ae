/*
 * policy.h - the suppression policy: when an address's bounces mean that
 * mail to it should stop.
 *
 * policy_decide() is a pure function of one address's events, the time of
 * its last manual unsuppress and the configuration (milter.conf's
 * `suppression = { ... }`, read by sconf.c): it says whether the address
 * is suppressed now, why, since when, until when, and on which events.
 *
 *   - hard bounce: suppressed at once (reason: its class);
 *   - ARF complaint (class feedback, detail abuse): at once ("complaint");
 *   - soft bounce: once `count` counted bounces fall within `days` days
 *     (counting restarts after a delivered event or a manual unsuppress);
 *   - vacation and delivered never suppress; nor does an address on the
 *     `never` list; unauthenticated bounces count only with
 *     `unauthenticated = true`;
 *   - `classes` and `domains` override the rule per class and per domain
 *     of the failed recipient (a domain override wins over a class one);
 *   - each reason expires after its `expire_days` (0: never).
 *
 * With enforce = false the verdict is the same but marked not enforced:
 * recorded, not applied.
 */
#ifndef STORE_POLICY_H
#define STORE_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum sup_mode { SUP_INHERIT = 0, SUP_NOW, SUP_COUNT, SUP_NEVER };

/* A rule; in an override, SUP_INHERIT and -1 keep what the base says. */
struct sup_rule {
    enum sup_mode mode;
    int count, days;
    int expire_days; /* 0: never expires */
};

struct sup_override {
    char *name;     /* a class name, or the override's label for domains */
    char **domains; /* domains: "example.com", ".example.com" for subdomains */
    size_t ndomains;
    struct sup_rule rule;
};

typedef struct policy {
    int enforce;
    int unauthenticated; /* 1: unauthenticated bounces count too */
    int soft_count, soft_days;
    int expire_hard, expire_soft, expire_complaint; /* days, 0: never */
    struct sup_override *classes;
    size_t nclasses;
    struct sup_override *domains;
    size_t ndomains;
    char **never; /* addresses, or domains as in overrides */
    size_t nnever;
} policy;

typedef struct verdict {
    int suppress;
    int enforced;
    char reason[64];      /* a class, or "complaint" */
    int64_t since, until; /* until 0: never */
    size_t nevidence;     /* indices into the events given */
} verdict;

/* The built-in defaults (what an empty `suppression` group means). */
void policy_defaults(policy *p);

/* The rule for an event of class_name/severity/detail at domain. */
struct sup_rule policy_rule(const policy *p, const char *class_name, const char *severity,
                            const char *detail, const char *domain);

/* Decide for address from its events (sorted by time), ignoring any at or
 * before reset (its last manual unsuppress, 0: none), at time now.
 * evidence must have room for n indices.  Returns v->suppress. */
int policy_decide(const policy *p, const char *address, const event *const *evs, size_t n,
                  int64_t reset, int64_t now, verdict *v, size_t *evidence);

/* 1 if address is on the never list. */
int policy_never(const policy *p, const char *address);

/* 1 if domain is entry or, for ".example.com", one of its subdomains. */
int policy_domain_match(const char *entry, const char *domain);

void policy_free(policy *p);

#endif
