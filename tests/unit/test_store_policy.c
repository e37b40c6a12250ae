/*
 * test_store_policy.c - the suppression policy (policy_decide) over a table
 * of cases: each an address's events, the configuration, and the verdict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "tap.h"

#define DAY 86400
#define T0 1796601600

/* Events as "DAY:CLASS:SEVERITY[:DETAIL][:u]" separated by spaces (u:
 * unauthenticated); the address is the case's. */
struct pcase {
    const char *name;
    void (*conf)(policy *p);
    const char *address;
    const char *events;
    int reset_day; /* -1: no manual unsuppress */
    int now_day;
    int suppress;
    const char *reason;
    const char *evidence; /* indices of the events */
    int until_day;        /* -1: never */
};

static char *never_list[] = {"vip@example.jp", "partner.example", ".trusted.example"};
static char *jp_domains[] = {"example.jp"};
static char *corp_domains[] = {".corp.example"};

static void soft3(policy *p)
{
    p->soft_count = 3;
    p->soft_days = 7;
}
static void unauth_ok(policy *p)
{
    p->unauthenticated = 1;
}
static void observe(policy *p)
{
    p->enforce = 0;
}
static void with_never(policy *p)
{
    p->never = never_list;
    p->nnever = 3;
}
static void hard_expires(policy *p)
{
    p->expire_hard = 10;
}
static struct sup_override classes_o[2];
static void class_overrides(policy *p)
{
    classes_o[0] = (struct sup_override){"mailboxfull", NULL, 0, {SUP_COUNT, 2, 3, 5}};
    classes_o[1] = (struct sup_override){"blocked", NULL, 0, {SUP_NOW, -1, -1, -1}};
    p->classes = classes_o;
    p->nclasses = 2;
}
static void class_never(policy *p)
{
    classes_o[0] = (struct sup_override){"mailboxfull", NULL, 0, {SUP_NEVER, -1, -1, -1}};
    p->classes = classes_o;
    p->nclasses = 1;
}
static struct sup_override domains_o[2];
static void domain_overrides(policy *p)
{
    class_overrides(p); /* a domain override wins over the class one */
    domains_o[0] = (struct sup_override){"jp", jp_domains, 1, {SUP_INHERIT, 4, 3, -1}};
    domains_o[1] = (struct sup_override){"corp", corp_domains, 1, {SUP_NEVER, -1, -1, -1}};
    p->domains = domains_o;
    p->ndomains = 2;
}

static const struct pcase cases[] = {
    {"hard suppresses at once", NULL, "a@example.com", "0:userunknown:hard", -1, 1, 1,
     "userunknown", "0", -1},
    {"an abuse complaint suppresses at once", NULL, "a@example.com", "0:feedback:none:abuse", -1, 1,
     1, "complaint", "0", -1},
    {"another feedback type does not", NULL, "a@example.com", "0:feedback:none:fraud", -1, 1, 0, "",
     "", 0},
    {"four soft bounces are not five", NULL, "a@example.com",
     "0:mailboxfull:soft 1:mailboxfull:soft 2:mailboxfull:soft 3:mailboxfull:soft", -1, 4, 0, "",
     "", 0},
    {"five soft bounces within 30 days", NULL, "a@example.com",
     "0:mailboxfull:soft 1:mailboxfull:soft 2:mailboxfull:soft 3:mailboxfull:soft "
     "20:mailboxfull:soft",
     -1, 21, 1, "mailboxfull", "0 1 2 3 4", 50},
    {"five soft bounces spread over 60 days", NULL, "a@example.com",
     "0:mailboxfull:soft 15:mailboxfull:soft 30:mailboxfull:soft 45:mailboxfull:soft "
     "60:mailboxfull:soft",
     -1, 61, 0, "", "", 0},
    {"soft bounces of several classes count together", soft3, "a@example.com",
     "0:mailboxfull:soft 1:suspend:soft 2:onhold:soft", -1, 3, 1, "onhold", "0 1 2", 32},
    {"a delivered event restarts the count", soft3, "a@example.com",
     "0:mailboxfull:soft 1:mailboxfull:soft 2:delivered:none 3:mailboxfull:soft", -1, 4, 0, "", "",
     0},
    {"a manual unsuppress restarts the count", soft3, "a@example.com",
     "0:mailboxfull:soft 1:mailboxfull:soft 3:mailboxfull:soft", 2, 4, 0, "", "", 0},
    {"a hard bounce before a manual unsuppress is forgiven", NULL, "a@example.com",
     "0:userunknown:hard", 1, 2, 0, "", "", 0},
    {"a hard bounce after a manual unsuppress counts", NULL, "a@example.com",
     "0:userunknown:hard 2:userunknown:hard", 1, 3, 1, "userunknown", "1", -1},
    {"vacation never suppresses", soft3, "a@example.com",
     "0:vacation:none 0:vacation:none 0:vacation:none 0:vacation:none", -1, 1, 0, "", "", 0},
    {"unauthenticated bounces do not count", NULL, "a@example.com", "0:userunknown:hard::u", -1, 1,
     0, "", "", 0},
    {"unless unauthenticated = true", unauth_ok, "a@example.com", "0:userunknown:hard::u", -1, 1, 1,
     "userunknown", "0", -1},
    {"enforce = false still decides", observe, "a@example.com", "0:userunknown:hard", -1, 1, 1,
     "userunknown", "0", -1},
    {"an address on the never list", with_never, "vip@example.jp", "0:userunknown:hard", -1, 1, 0,
     "", "", 0},
    {"a domain on the never list", with_never, "x@partner.example", "0:userunknown:hard", -1, 1, 0,
     "", "", 0},
    {"a subdomain entry on the never list", with_never, "x@mx.trusted.example",
     "0:userunknown:hard", -1, 1, 0, "", "", 0},
    {"a subdomain entry is not the domain itself", with_never, "x@trusted.example",
     "0:userunknown:hard", -1, 1, 1, "userunknown", "0", -1},
    {"a hard suppression expires", hard_expires, "a@example.com", "0:userunknown:hard", -1, 11, 0,
     "", "", 0},
    {"and lasts until then", hard_expires, "a@example.com", "0:userunknown:hard", -1, 9, 1,
     "userunknown", "0", 10},
    {"a permanent suppression outlives a later expiring one", soft3, "a@example.com",
     "0:userunknown:hard 1:mailboxfull:soft 2:mailboxfull:soft 3:mailboxfull:soft", -1, 4, 1,
     "userunknown", "0", -1},
    {"a class override counts differently", class_overrides, "a@example.com",
     "0:mailboxfull:soft 2:mailboxfull:soft", -1, 3, 1, "mailboxfull", "0 1", 7},
    {"and has its own window", class_overrides, "a@example.com",
     "0:mailboxfull:soft 4:mailboxfull:soft", -1, 5, 0, "", "", 0},
    {"a class override can suppress a soft class at once", class_overrides, "a@example.com",
     "0:blocked:soft", -1, 1, 1, "blocked", "0", 30},
    {"a class override can exempt a class", class_never, "a@example.com",
     "0:mailboxfull:soft 0:mailboxfull:soft 0:mailboxfull:soft 0:mailboxfull:soft "
     "0:mailboxfull:soft 0:mailboxfull:soft",
     -1, 1, 0, "", "", 0},
    {"a domain override wins over a class override", domain_overrides, "a@example.jp",
     "0:mailboxfull:soft 1:mailboxfull:soft 2:mailboxfull:soft", -1, 3, 0, "", "", 0},
    {"the domain's count reached", domain_overrides, "a@example.jp",
     "0:mailboxfull:soft 1:mailboxfull:soft 2:mailboxfull:soft 2:mailboxfull:soft", -1, 3, 1,
     "mailboxfull", "0 1 2 3", 7},
    {"a domain override can exempt a whole domain", domain_overrides, "a@mx.corp.example",
     "0:userunknown:hard", -1, 1, 0, "", "", 0},
};

static event *parse_event(const char *spec, const char *address, int i)
{
    char buf[128], id[16];
    snprintf(buf, sizeof buf, "%s", spec);
    char *f[5] = {0};
    int n = 0;
    for (char *p = buf, *c; n < 5 && p; p = c ? c + 1 : NULL) {
        c = strchr(p, ':');
        if (c)
            *c = '\0';
        f[n++] = p;
    }
    event *e = event_new();
    snprintf(id, sizeof id, "e%d", i);
    event_set(e, EV_ID, id);
    event_set(e, EV_ADDRESS, address);
    event_set(e, EV_CLASS, f[1]);
    event_set(e, EV_SEVERITY, f[2]);
    event_set(e, EV_DETAIL, f[3] ? f[3] : "");
    event_set(e, EV_ACTION, strcmp(f[1], "delivered") == 0 ? "delivered" : "failed");
    e->time = T0 + (int64_t)atoi(f[0]) * DAY;
    e->authenticated = !(f[4] && strcmp(f[4], "u") == 0);
    return e;
}

TEST(policy_table)
{
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const struct pcase *k = &cases[c];
        tap_current = k->name;
        policy p;
        policy_defaults(&p);
        if (k->conf)
            k->conf(&p);
        event *evs[16];
        size_t n = 0, idx[16];
        char buf[512];
        snprintf(buf, sizeof buf, "%s", k->events);
        for (char *save, *t = strtok_r(buf, " ", &save); t && n < 16;
             t = strtok_r(NULL, " ", &save), n++)
            evs[n] = parse_event(t, k->address, (int)n);
        verdict v;
        int64_t reset = k->reset_day < 0 ? 0 : T0 + (int64_t)k->reset_day * DAY;
        int got = policy_decide(&p, k->address, (const event *const *)evs, n, reset,
                                T0 + (int64_t)k->now_day * DAY, &v, idx);
        CHECK(got == k->suppress);
        CHECK_STR(got ? v.reason : "", k->reason);
        char ev[128] = "";
        for (size_t i = 0; got && i < v.nevidence; i++)
            snprintf(ev + strlen(ev), sizeof ev - strlen(ev), "%s%zu", i ? " " : "", idx[i]);
        CHECK_STR(ev, k->evidence);
        if (got) {
            int64_t until = k->until_day < 0 ? 0 : T0 + (int64_t)k->until_day * DAY;
            CHECK(v.until == until);
            CHECK(v.enforced == (k->conf != observe));
        }
        for (size_t i = 0; i < n; i++)
            event_free(evs[i]);
    }
}

TEST(rules_by_class_and_severity)
{
    policy p;
    policy_defaults(&p);
    CHECK(policy_rule(&p, "userunknown", "hard", "", "example.com").mode == SUP_NOW);
    CHECK(policy_rule(&p, "mailboxfull", "soft", "", "example.com").mode == SUP_COUNT);
    CHECK(policy_rule(&p, "feedback", "none", "abuse", "example.com").mode == SUP_NOW);
    CHECK(policy_rule(&p, "delivered", "none", "", "example.com").mode == SUP_NEVER);
    CHECK(policy_domain_match(".example.com", "a.example.com"));
    CHECK(!policy_domain_match(".example.com", "example.com"));
    CHECK(policy_domain_match("Example.COM", "example.com"));
}

int main(void)
{
    RUN_TESTS();
}
