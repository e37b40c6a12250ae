/*
 * sconf.c - the event store's settings in milter.conf (see sconf.h and
 * milter.conf(5)).
 *
 *   store = "sqlite:/var/lib/bounce-milter/bounces.db";
 *   journal = "/var/lib/bounce-milter/journal"; journal_max = 67108864;
 *   retention_days = 365;
 *   suppression = {
 *       enforce = true; unauthenticated = false;
 *       soft = { count = 5; days = 30; };
 *       expire_days = { hard = 0; soft = 30; complaint = 0; };
 *       classes = { mailboxfull = { count = 10; days = 30; }; blocked = { suppress = "never"; }; };
 *       domains = { big = { match = [ "gmail.com" ]; count = 3; days = 7; }; };
 *       never = [ "postmaster@example.com", "example.org" ];
 *   };
 */
#include "sconf.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct ctx {
    const char *file;
    sbuf *err;
    int n;
};

__attribute__((format(printf, 3, 4))) static void bad(struct ctx *x, const config_setting_t *s,
                                                      const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sbuf_printf(x->err, "%s:%d: %s\n", x->file, config_setting_source_line(s), msg);
    x->n++;
}

int sconf_defaults(sconf *c)
{
    *c = (sconf){.journal = strdup(SCONF_JOURNAL),
                 .journal_max = SCONF_JOURNAL_MAX,
                 .retention_days = SCONF_RETENTION_DAYS};
    policy_defaults(&c->policy);
    return c->journal ? 0 : -1;
}

int sconf_owns(const char *name)
{
    static const char *const names[] = {"store", "journal", "journal_max", "retention_days",
                                        "suppression"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

static int get_str(struct ctx *x, const config_setting_t *s, char **out)
{
    const char *v = config_setting_get_string(s);
    if (v == NULL) {
        bad(x, s, "%s: expected a string", config_setting_name(s));
        return -1;
    }
    char *d = strdup(v);
    if (d == NULL) {
        bad(x, s, "out of memory");
        return -1;
    }
    free(*out);
    *out = d;
    return 0;
}

static int get_int(struct ctx *x, const config_setting_t *s, long long min, long long max,
                   long long *out)
{
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
        bad(x, s, "%s: expected a number", config_setting_name(s));
        return -1;
    }
    long long v = config_setting_get_int64(s);
    if (v < min || v > max) {
        bad(x, s, "%s: %lld is out of range (%lld to %lld)", config_setting_name(s), v, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

static int get_bool(struct ctx *x, const config_setting_t *s, int *out)
{
    if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
        bad(x, s, "%s: expected true or false", config_setting_name(s));
        return -1;
    }
    *out = config_setting_get_bool(s);
    return 0;
}

/* A string or a list of strings, appended to *v. */
static void get_strings(struct ctx *x, const config_setting_t *s, char ***v, size_t *n)
{
    int single = config_setting_type(s) == CONFIG_TYPE_STRING;
    if (!single && !config_setting_is_array(s) && !config_setting_is_list(s)) {
        bad(x, s, "%s: expected a string or a list of strings", config_setting_name(s));
        return;
    }
    int len = single ? 1 : config_setting_length(s);
    for (int i = 0; i < len; i++) {
        const config_setting_t *el = single ? s : config_setting_get_elem(s, (unsigned)i);
        const char *str = config_setting_get_string(el);
        if (str == NULL || str[0] == '\0') {
            bad(x, el, "%s: element %d is not a non-empty string", config_setting_name(s), i + 1);
            continue;
        }
        char **nv = realloc(*v, (*n + 1) * sizeof *nv);
        char *d = strdup(str);
        if (nv == NULL || d == NULL) {
            free(d);
            if (nv)
                *v = nv;
            bad(x, el, "out of memory");
            return;
        }
        *v = nv;
        (*v)[(*n)++] = d;
    }
}

static int is_group(struct ctx *x, const config_setting_t *s)
{
    if (config_setting_is_group(s))
        return 1;
    bad(x, s, "%s: expected a group { ... }", config_setting_name(s));
    return 0;
}

/* One override group of classes or domains. */
static void read_override(struct ctx *x, const config_setting_t *g, int domains,
                          struct sup_override *o)
{
    o->rule = (struct sup_rule){SUP_INHERIT, -1, -1, -1};
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        long long v;
        if (strcmp(name, "suppress") == 0) {
            const char *m = config_setting_get_string(s);
            static const char *const modes[] = {"", "now", "count", "never"};
            o->rule.mode = SUP_INHERIT;
            for (int k = 1; m && k < 4; k++)
                if (strcmp(m, modes[k]) == 0)
                    o->rule.mode = (enum sup_mode)k;
            if (o->rule.mode == SUP_INHERIT)
                bad(x, s, "suppress: expected \"now\", \"count\" or \"never\"");
        } else if (strcmp(name, "count") == 0) {
            if (get_int(x, s, 1, 1000000, &v) == 0)
                o->rule.count = (int)v;
        } else if (strcmp(name, "days") == 0) {
            if (get_int(x, s, 1, 36500, &v) == 0)
                o->rule.days = (int)v;
        } else if (strcmp(name, "expire_days") == 0) {
            if (get_int(x, s, 0, 36500, &v) == 0)
                o->rule.expire_days = (int)v;
        } else if (domains && strcmp(name, "match") == 0) {
            get_strings(x, s, &o->domains, &o->ndomains);
        } else {
            bad(x, s, "%s.%s: unknown setting \"%s\" (%ssuppress, count, days, expire_days)",
                config_setting_name(g), name, name, domains ? "match, " : "");
        }
    }
    if (domains && o->ndomains == 0)
        bad(x, g, "%s: a domain override needs match = [ \"domain\", ... ]",
            config_setting_name(g));
}

static void read_overrides(struct ctx *x, const config_setting_t *g, int domains,
                           struct sup_override **v, size_t *n)
{
    if (!is_group(x, g))
        return;
    int len = config_setting_length(g);
    struct sup_override *o = calloc((size_t)len + 1, sizeof *o);
    if (o == NULL) {
        bad(x, g, "out of memory");
        return;
    }
    *v = o;
    for (int i = 0; i < len; i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        o[i].name = strdup(config_setting_name(s));
        *n = (size_t)i + 1;
        if (o[i].name == NULL)
            bad(x, s, "out of memory");
        else if (is_group(x, s))
            read_override(x, s, domains, &o[i]);
    }
}

/* soft = { count; days; } and expire_days = { hard; soft; complaint; }. */
static void read_numbers(struct ctx *x, const config_setting_t *g, const char *const *names,
                         int *const *fields, int n, long long min)
{
    if (!is_group(x, g))
        return;
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        int k = 0;
        while (k < n && strcmp(names[k], config_setting_name(s)) != 0)
            k++;
        long long v;
        if (k == n)
            bad(x, s, "%s: unknown setting \"%s\"", config_setting_name(g), config_setting_name(s));
        else if (get_int(x, s, min, 36500, &v) == 0)
            *fields[k] = (int)v;
    }
}

static void read_suppression(struct ctx *x, const config_setting_t *g, policy *p)
{
    if (!is_group(x, g))
        return;
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        if (strcmp(name, "enforce") == 0) {
            get_bool(x, s, &p->enforce);
        } else if (strcmp(name, "unauthenticated") == 0) {
            get_bool(x, s, &p->unauthenticated);
        } else if (strcmp(name, "soft") == 0) {
            static const char *const names[] = {"count", "days"};
            int *const fields[] = {&p->soft_count, &p->soft_days};
            read_numbers(x, s, names, fields, 2, 1);
        } else if (strcmp(name, "expire_days") == 0) {
            static const char *const names[] = {"hard", "soft", "complaint"};
            int *const fields[] = {&p->expire_hard, &p->expire_soft, &p->expire_complaint};
            read_numbers(x, s, names, fields, 3, 0);
        } else if (strcmp(name, "classes") == 0) {
            read_overrides(x, s, 0, &p->classes, &p->nclasses);
        } else if (strcmp(name, "domains") == 0) {
            read_overrides(x, s, 1, &p->domains, &p->ndomains);
        } else if (strcmp(name, "never") == 0) {
            get_strings(x, s, &p->never, &p->nnever);
        } else {
            bad(x, s,
                "suppression: unknown setting \"%s\" (enforce, unauthenticated, soft, "
                "expire_days, classes, domains, never)",
                name);
        }
    }
}

int sconf_setting(sconf *c, const config_setting_t *s, const char *file, sbuf *err)
{
    struct ctx x = {file, err, 0};
    const char *name = config_setting_name(s);
    long long v;
    if (strcmp(name, "store") == 0) {
        if (get_str(&x, s, &c->store) == 0) {
            const char *problem = store_uri_problem(c->store);
            if (problem)
                bad(&x, s, "store: %s", problem);
        }
    } else if (strcmp(name, "journal") == 0) {
        if (get_str(&x, s, &c->journal) == 0 && c->journal[0] != '/')
            bad(&x, s, "journal: needs an absolute path");
    } else if (strcmp(name, "journal_max") == 0) {
        if (get_int(&x, s, 4096, 1LL << 40, &v) == 0)
            c->journal_max = (uint64_t)v;
    } else if (strcmp(name, "retention_days") == 0) {
        if (get_int(&x, s, 1, 36500, &v) == 0)
            c->retention_days = (int)v;
    } else if (strcmp(name, "suppression") == 0) {
        read_suppression(&x, s, &c->policy);
    }
    return x.n;
}

int sconf_load(sconf *c, const char *path, sbuf *err)
{
    if (sconf_defaults(c) < 0) {
        sbuf_printf(err, "%s: out of memory\n", path);
        return -1;
    }
    config_t cf;
    config_init(&cf);
    if (config_read_file(&cf, path) != CONFIG_TRUE) {
        if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
            sbuf_printf(err, "%s: cannot read file\n", path);
        else
            sbuf_printf(err, "%s:%d: %s\n", config_error_file(&cf) ? config_error_file(&cf) : path,
                        config_error_line(&cf), config_error_text(&cf));
        config_destroy(&cf);
        sconf_free(c);
        return -1;
    }
    const config_setting_t *root = config_root_setting(&cf);
    int n = 0;
    for (int i = 0; i < config_setting_length(root); i++) {
        const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        if (sconf_owns(config_setting_name(s)))
            n += sconf_setting(c, s, path, err);
    }
    config_destroy(&cf);
    if (n > 0) {
        sconf_free(c);
        return -1;
    }
    return 0;
}

void sconf_free(sconf *c)
{
    free(c->store);
    free(c->journal);
    policy_free(&c->policy);
    *c = (sconf){0};
}
