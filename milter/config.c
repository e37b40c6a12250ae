/*
 * config.c - read and check milter.conf (libconfig syntax).
 *
 * Scalar options are described by one table (name, group, type, field) so
 * that parsing, unknown-name detection and the man page stay in step; the
 * action list is parsed by hand.  Every problem found is reported as
 * "file:line: message" (all of them, not just the first), and a file with
 * any problem gives no config at all, so a reload never half-applies.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <libconfig.h>
#include <libmilter/mfapi.h>
#include <netdb.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "bounce.h"
#include "sbuf.h"
#include "sconf.h"
#include "verp.h"

#define MC_MAX_ERRORS 20
#define MC_MIN_VERP_KEY 16 /* bytes: a shorter HMAC key is guessable */

enum opt_type { T_STR, T_BOOL, T_UINT, T_LIST };

struct opt {
    const char *group; /* NULL: top level */
    const char *name;
    enum opt_type type;
    size_t off;
    long min, max; /* T_UINT bounds */
};

#define F(x) offsetof(mconf, x)
static const struct opt opts[] = {
    {NULL, "socket", T_STR, F(socket), 0, 0},
    {NULL, "socket_group", T_STR, F(socket_group), 0, 0},
    {NULL, "socket_mode", T_STR, 0, 0, 0}, /* octal string, checked by hand */
    {NULL, "user", T_STR, F(user), 0, 0},
    {NULL, "pid_file", T_STR, F(pid_file), 0, 0},
    {NULL, "on_error", T_STR, 0, 0, 0}, /* "accept" or "tempfail" */
    {NULL, "log_facility", T_STR, F(log_facility), 0, 0},
    {NULL, "timeout", T_UINT, F(timeout), 1, 86400},
    {NULL, "drain_timeout", T_UINT, F(drain_timeout), 0, 3600},
    {NULL, "header_prefix", T_STR, F(header_prefix), 0, 0},
    {NULL, "max_class_headers", T_UINT, F(max_class_headers), 0, 1000},
    {NULL, "keep_forged_headers", T_BOOL, F(keep_forged_headers), 0, 0},
    {NULL, "language", T_STR, F(language), 0, 0},
    {NULL, "rules", T_STR, F(rules), 0, 0},
    {NULL, "local_rules", T_STR, F(local_rules), 0, 0},
    {NULL, "max_body", T_UINT, F(max_body), 1024, 64L * 1024 * 1024},
    {NULL, "stats_file", T_STR, F(stats_file), 0, 0},
    {NULL, "stats_interval", T_UINT, F(stats_interval), 1, 3600},
    {NULL, "verp", T_LIST, F(verp), 0, 0},
    {NULL, "verp_key", T_LIST, F(verp_key), 0, 0},
    {NULL, "authenticated_message_ids", T_LIST, F(msgid_patterns), 0, 0},
    {"inspect", "envelope_only", T_BOOL, F(envelope_only), 0, 0},
    {"inspect", "null_sender", T_BOOL, F(null_sender), 0, 0},
    {"inspect", "senders", T_LIST, F(senders), 0, 0},
    {"inspect", "report_types", T_LIST, F(report_types), 0, 0},
    {"inspect", "auto_submitted", T_LIST, F(auto_submitted), 0, 0},
    {"inspect", "auto_reply_headers", T_LIST, F(auto_reply_headers), 0, 0},
    {"inspect", "recipients", T_LIST, F(recipients), 0, 0},
    {"internal", "daemon_names", T_LIST, F(internal_daemon_names), 0, 0},
};
#undef F
_Static_assert(sizeof opts / sizeof *opts <= MC_NOPTS, "config.h: MC_NOPTS too small");

/* The values a match can name besides classes and details (TAXONOMY.md,
 * INTERFACES.md section 2): anything else would never match. */

static const char *const action_names[] = {"headers", "subject", "quarantine", "redirect",
                                           "copy",    "strip",   "reject",     "discard"};

/* Collected errors: "file:line: message\n" each. */
struct errs {
    char *buf;
    size_t len, cap;
    int n;
    const char *file;
};

__attribute__((format(printf, 3, 4))) static void err_at(struct errs *e, int line, const char *fmt,
                                                         ...)
{
    if (e->n++ >= MC_MAX_ERRORS || e->cap == 0)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int n = snprintf(e->buf + e->len, e->cap - e->len, "%s:%d: %s\n", e->file, line, msg);
    if (n > 0)
        e->len = (size_t)n < e->cap - e->len ? e->len + (size_t)n : e->cap - 1;
}

static void list_free(mc_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int list_set(mc_list *l, const char *const *items, size_t n)
{
    list_free(l);
    if (n == 0)
        return 0;
    l->v = calloc(n, sizeof *l->v);
    if (l->v == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        l->v[i] = strdup(items[i]);
        if (l->v[i] == NULL)
            return -1;
        l->n++;
    }
    return 0;
}

int mc_list_has(const mc_list *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcasecmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

const char *mconf_action_name(enum mc_action_type t)
{
    return (unsigned)t < sizeof action_names / sizeof *action_names ? action_names[t] : "?";
}

static int set_str(char **dst, const char *v)
{
    char *s = strdup(v);
    if (s == NULL)
        return -1;
    free(*dst);
    *dst = s;
    return 0;
}

static void patterns_free(const mc_list *l, struct pcre2_real_code_8 ***rx)
{
    if (*rx != NULL)
        for (size_t i = 0; i < l->n; i++)
            pcre2_code_free((*rx)[i]);
    free(*rx);
    *rx = NULL;
}

/* Compile the PCRE2 patterns of l (case-insensitive) into *rx; -1 with the
 * errors reported at line as setting name (e NULL: the defaults). */
static int compile_patterns(const mc_list *l, struct pcre2_real_code_8 ***rx, struct errs *e,
                            int line, const char *name)
{
    if (l->n == 0)
        return 0;
    if ((*rx = calloc(l->n, sizeof **rx)) == NULL) {
        /* refused, not loaded without its patterns (matching would crash) */
        if (e != NULL)
            err_at(e, line, "%s: out of memory", name);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < l->n; i++) {
        int code;
        PCRE2_SIZE off;
        (*rx)[i] =
            pcre2_compile((PCRE2_SPTR)l->v[i], PCRE2_ZERO_TERMINATED,
                          PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
        if ((*rx)[i] == NULL) {
            PCRE2_UCHAR msg[200];
            pcre2_get_error_message(code, msg, sizeof msg);
            if (e != NULL)
                err_at(e, line, "%s: \"%s\": %s at %zu", name, l->v[i], (const char *)msg,
                       (size_t)off);
            rc = -1;
        }
    }
    return rc;
}

/* What an empty file means, the patterns not yet compiled. */
static mconf *defaults(void)
{
    static const char *const types[] = {"delivery-status", "feedback-report"};
    static const char *const autosub[] = {"auto-replied"};
    static const char *const arh[] = {"X-Autoreply", "X-Autorespond"};
    /* the mailboxes MTAs that do not use the null sender send bounces from */
    static const char *const senders[] = {"^(mailer-daemon|postmaster)(@|$)"};
    mconf *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->socket_mode = 0660;
    c->on_error = MC_ONERR_ACCEPT;
    c->timeout = 300;
    c->drain_timeout = 20;
    c->max_class_headers = 50;
    c->max_body = 1024 * 1024;
    c->stats_interval = 10;
    c->null_sender = 1;
    if ((c->store = calloc(1, sizeof *c->store)) == NULL || sconf_defaults(c->store) != 0 ||
        set_str(&c->path, "") ||
        set_str(&c->socket, "unix:/var/spool/postfix/bounce-milter/"
                            "bounce-milter.sock") ||
        set_str(&c->socket_group, "") || set_str(&c->user, "") || set_str(&c->pid_file, "") ||
        set_str(&c->log_facility, "mail") || set_str(&c->header_prefix, "X-Bounce-") ||
        set_str(&c->language, "en") || set_str(&c->rules, "") || set_str(&c->local_rules, "") ||
        set_str(&c->stats_file, "") || list_set(&c->report_types, types, 2) ||
        list_set(&c->auto_submitted, autosub, 1) || list_set(&c->auto_reply_headers, arh, 2) ||
        list_set(&c->senders, senders, 1)) {
        mconf_free(c);
        return NULL;
    }
    return c;
}

mconf *mconf_defaults(void)
{
    mconf *c = defaults();
    if (c != NULL && compile_patterns(&c->senders, &c->sender_rx, NULL, 0, "") != 0) {
        mconf_free(c);
        return NULL;
    }
    return c;
}

static void match_free(mc_match *m)
{
    list_free(&m->class_name);
    list_free(&m->severity);
    list_free(&m->advice);
    list_free(&m->detail);
    list_free(&m->domain);
    list_free(&m->kind);
}

void mconf_free(mconf *c)
{
    if (c == NULL)
        return;
    free(c->path);
    free(c->socket);
    free(c->socket_group);
    free(c->user);
    free(c->pid_file);
    free(c->log_facility);
    free(c->header_prefix);
    free(c->language);
    free(c->rules);
    free(c->local_rules);
    free(c->stats_file);
    list_free(&c->report_types);
    list_free(&c->auto_submitted);
    list_free(&c->auto_reply_headers);
    patterns_free(&c->recipients, &c->recipient_rx);
    list_free(&c->recipients);
    patterns_free(&c->senders, &c->sender_rx);
    list_free(&c->senders);
    list_free(&c->verp);
    list_free(&c->internal_daemon_names);
    if (c->store != NULL)
        sconf_free(c->store);
    free(c->store);
    list_free(&c->verp_key);
    patterns_free(&c->msgid_patterns, &c->msgid_rx);
    list_free(&c->msgid_patterns);
    for (size_t i = 0; i < c->nactions; i++) {
        match_free(&c->actions[i].match);
        free(c->actions[i].arg);
    }
    free(c->actions);
    smconf_free(&c->sm);
    free(c);
}

static int has_ctl(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < ' ' || *s == 0x7f)
            return 1;
    return 0;
}

/* A string or a list/array of strings -> l.  Returns -1 on a type error. */
static int read_list(config_setting_t *s, mc_list *l, struct errs *e)
{
    const char *one;
    list_free(l);
    l->line = config_setting_source_line(s);
    if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        one = config_setting_get_string(s);
        return list_set(l, &one, 1);
    }
    if (config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST) {
        err_at(e, config_setting_source_line(s), "%s: expected a string or a list of strings",
               config_setting_name(s));
        return -1;
    }
    int n = config_setting_length(s);
    if (n == 0)
        return 0;
    l->v = calloc((size_t)n, sizeof *l->v);
    if (l->v == NULL)
        return -1;
    for (int i = 0; i < n; i++) {
        config_setting_t *el = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(el) != CONFIG_TYPE_STRING) {
            err_at(e, config_setting_source_line(el), "%s: element %d is not a string",
                   config_setting_name(s), i + 1);
            return -1;
        }
        const char *v = config_setting_get_string(el);
        if (has_ctl(v)) {
            err_at(e, config_setting_source_line(el), "%s: control character in \"%s\"",
                   config_setting_name(s), v);
            return -1;
        }
        l->v[l->n] = strdup(v);
        if (l->v[l->n] == NULL)
            return -1;
        l->n++;
    }
    return 0;
}

/* libconfig 1.5 wraps an integer literal past 32 bits that lacks the L
 * suffix (4294967297 reads as 1): the number as written on the setting's
 * line must be the value read.  1 when it is (or the line is not found). */
static int literal_is(const config_setting_t *s, long long v)
{
    const char *file = config_setting_source_file(s), *name = config_setting_name(s);
    int line = config_setting_source_line(s);
    FILE *f = file != NULL ? fopen(file, "r") : NULL;
    if (f == NULL)
        return 1;
    char *buf = NULL;
    size_t cap = 0;
    int n = 0, same = 1;
    while (n < line && getline(&buf, &cap, f) >= 0)
        n++;
    for (const char *p = n == line ? buf : NULL; p != NULL && (p = strstr(p, name)) != NULL; p++) {
        const char *q = p + strlen(name) + strspn(p + strlen(name), " \t");
        if (*q != '=' && *q != ':')
            continue;
        q++;
        char *end;
        errno = 0;
        long long lit = strtoll(q, &end, 0);
        same = end != q && errno == 0 && lit == v;
        break;
    }
    free(buf);
    fclose(f);
    return same;
}

static int read_opt(mconf *c, const struct opt *o, config_setting_t *s, struct errs *e)
{
    int line = config_setting_source_line(s);
    int t = config_setting_type(s);
    char *base = (char *)c;
    c->lines[o - opts] = line;
    switch (o->type) {
    case T_STR: {
        if (t != CONFIG_TYPE_STRING) {
            err_at(e, line, "%s: expected a string", o->name);
            return 0;
        }
        const char *v = config_setting_get_string(s);
        if (has_ctl(v)) {
            err_at(e, line, "%s: control character in value", o->name);
            return 0;
        }
        if (strcmp(o->name, "on_error") == 0) {
            if (strcmp(v, "accept") == 0)
                c->on_error = MC_ONERR_ACCEPT;
            else if (strcmp(v, "tempfail") == 0)
                c->on_error = MC_ONERR_TEMPFAIL;
            else
                err_at(e, line, "on_error: \"%s\" is neither \"accept\" nor \"tempfail\"", v);
            return 0;
        }
        if (strcmp(o->name, "socket_mode") == 0) {
            char *end;
            unsigned long m = strtoul(v, &end, 8);
            if (*v == '\0' || *end != '\0' || m > 0777)
                err_at(e, line, "socket_mode: \"%s\" is not an octal mode such as \"0660\"", v);
            else
                c->socket_mode = (unsigned)m;
            return 0;
        }
        return set_str((char **)(base + o->off), v);
    }
    case T_BOOL:
        if (t != CONFIG_TYPE_BOOL) {
            err_at(e, line, "%s: expected true or false", o->name);
            return 0;
        }
        *(int *)(base + o->off) = config_setting_get_bool(s);
        return 0;
    case T_UINT: {
        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
            err_at(e, line, "%s: expected an integer", o->name);
            return 0;
        }
        long long v = config_setting_get_int64(s);
        if (!literal_is(s, v)) {
            err_at(e, line, "%s: the number is outside %ld..%ld", o->name, o->min, o->max);
            return 0;
        }
        if (v < o->min || v > o->max) {
            err_at(e, line, "%s: %lld is outside %ld..%ld", o->name, v, o->min, o->max);
            return 0;
        }
        if (o->off == offsetof(mconf, max_body))
            c->max_body = (size_t)v;
        else if (o->off == offsetof(mconf, timeout))
            c->timeout = (int)v;
        else
            *(unsigned *)(base + o->off) = (unsigned)v;
        return 0;
    }
    case T_LIST:
        read_list(s, (mc_list *)(base + o->off), e);
        return 0;
    }
    return 0;
}

static const struct opt *find_opt(const char *group, const char *name)
{
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++) {
        int same_group = group == NULL ? opts[i].group == NULL
                                       : opts[i].group != NULL && strcmp(opts[i].group, group) == 0;
        if (same_group && strcmp(opts[i].name, name) == 0)
            return &opts[i];
    }
    return NULL;
}

/* An envelope address: something@something, printable, no spaces or <>. */
static int address_ok(const char *a)
{
    const char *at = strrchr(a, '@');
    if (at == NULL || at == a || at[1] == '\0' || strlen(a) > 254)
        return 0;
    for (; *a != '\0'; a++)
        if ((unsigned char)*a <= ' ' || *a == '<' || *a == '>' || *a == 0x7f)
            return 0;
    return 1;
}

/* Each value of l must be one of words (any case, as matching compares). */
/* Every value of l must be one of the library's words for field. */
static void check_words(const mc_list *l, const char *name, enum bc_name_field field,
                        struct errs *e)
{
    const char *const *words = bc_fixed_names(field);
    for (size_t k = 0; k < l->n; k++) {
        size_t w = 0;
        while (words[w] != NULL && strcasecmp(l->v[k], words[w]) != 0)
            w++;
        if (words[w] != NULL)
            continue;
        char valid[160] = "";
        for (size_t i = 0; words[i] != NULL; i++)
            snprintf(valid + strlen(valid), sizeof valid - strlen(valid), "%s%s",
                     i == 0                 ? ""
                     : words[i + 1] == NULL ? " or "
                                            : ", ",
                     words[i]);
        err_at(e, l->line, "match: %s \"%s\" is not %s", name, l->v[k], valid);
    }
}

static void read_match(mc_match *m, config_setting_t *g, struct errs *e)
{
    if (!config_setting_is_group(g)) {
        err_at(e, config_setting_source_line(g), "match: expected a group { ... }");
        return;
    }
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        mc_list *l = strcmp(name, "class") == 0      ? &m->class_name
                     : strcmp(name, "severity") == 0 ? &m->severity
                     : strcmp(name, "advice") == 0   ? &m->advice
                     : strcmp(name, "detail") == 0   ? &m->detail
                     : strcmp(name, "domain") == 0   ? &m->domain
                     : strcmp(name, "kind") == 0     ? &m->kind
                                                     : NULL;
        if (l == NULL) {
            err_at(e, config_setting_source_line(s),
                   "match: unknown field \"%s\" (class, severity, advice, detail, domain, kind)",
                   name);
            continue;
        }
        if (read_list(s, l, e) != 0)
            continue;
        if (l == &m->severity)
            check_words(l, name, BC_NAME_SEVERITY, e);
        else if (l == &m->advice)
            check_words(l, name, BC_NAME_ADVICE, e);
        else if (l == &m->kind)
            check_words(l, name, BC_NAME_KIND, e);
    }
}

/* "550 5.7.1 text" -> code, status, text.  0 on success. */
static int parse_reply(mc_action *a, const char *v)
{
    if (!(v[0] == '5' && isdigit((unsigned char)v[1]) && isdigit((unsigned char)v[2]) &&
          v[3] == ' '))
        return -1;
    memcpy(a->reply_code, v, 3);
    a->reply_code[3] = '\0';
    v += 4;
    size_t n = strspn(v, "0123456789.");
    if (n > 0 && n < sizeof a->reply_status && v[0] == '5' && v[1] == '.' && v[n] == ' ') {
        memcpy(a->reply_status, v, n);
        a->reply_status[n] = '\0';
        v += n + 1;
    }
    if (*v == '\0' || strchr(v, '%') != NULL)
        return -1; /* libmilter treats % specially in reply text */
    return set_str(&a->arg, v) == 0 ? 0 : -1;
}

static void read_action(mc_action *a, config_setting_t *g, struct errs *e)
{
    int line = config_setting_source_line(g);
    const char *type = NULL, *arg = NULL, *argname = NULL;
    a->line = line;
    if (!config_setting_is_group(g)) {
        err_at(e, line, "actions: each entry must be a group { ... }");
        return;
    }
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        int sl = config_setting_source_line(s);
        if (strcmp(name, "match") == 0) {
            read_match(&a->match, s, e);
        } else if (strcmp(name, "action") == 0 || strcmp(name, "prefix") == 0 ||
                   strcmp(name, "reason") == 0 || strcmp(name, "address") == 0 ||
                   strcmp(name, "reply") == 0) {
            if (config_setting_type(s) != CONFIG_TYPE_STRING) {
                err_at(e, sl, "%s: expected a string", name);
                continue;
            }
            const char *v = config_setting_get_string(s);
            if (has_ctl(v)) {
                err_at(e, sl, "%s: control character in value", name);
                continue;
            }
            if (strcmp(name, "action") == 0) {
                type = v;
            } else {
                if (arg != NULL)
                    err_at(e, sl, "\"%s\" and \"%s\" in one action", argname, name);
                arg = v;
                argname = name;
            }
        } else {
            err_at(
                e, sl,
                "actions: unknown setting \"%s\" (match, action, prefix, reason, address, reply)",
                name);
        }
    }
    if (type == NULL) {
        err_at(e, line, "actions: entry without \"action\"");
        return;
    }
    size_t t;
    for (t = 0; t < sizeof action_names / sizeof *action_names; t++)
        if (strcmp(type, action_names[t]) == 0)
            break;
    if (t == sizeof action_names / sizeof *action_names) {
        err_at(e, line,
               "action: unknown \"%s\" (headers, subject, quarantine, redirect, copy, strip, "
               "reject, discard)",
               type);
        return;
    }
    a->type = (enum mc_action_type)t;
    /* Which argument each type takes, and its default. */
    static const char *const argfor[] = {NULL,      "prefix", "reason", "address",
                                         "address", NULL,     "reply",  NULL};
    static const char *const argdef[] = {
        NULL, "[Bounce] ", "bounce held by bounce-milter",     NULL,
        NULL, NULL,        "550 5.7.1 Bounce message refused", NULL};
    if (arg != NULL && (argfor[t] == NULL || strcmp(argfor[t], argname) != 0)) {
        err_at(e, line, "action \"%s\" takes no \"%s\"", type, argname);
        return;
    }
    if (arg == NULL && argfor[t] != NULL && argdef[t] == NULL) {
        err_at(e, line, "action \"%s\" needs \"%s\"", type, argfor[t]);
        return;
    }
    if (arg == NULL)
        arg = argdef[t];
    if (arg == NULL)
        return;
    if (a->type == MC_ACT_REJECT) {
        if (parse_reply(a, arg) != 0)
            err_at(e, line, "reply: \"%s\" is not \"5XX [5.X.Y] text\" (no %%)", arg);
        return;
    }
    if (a->type == MC_ACT_REDIRECT || a->type == MC_ACT_COPY) {
        if (!address_ok(arg)) {
            err_at(e, line, "address: \"%s\" is not a plain local@domain address", arg);
            return;
        }
    } else if (*arg == '\0' || strlen(arg) > 200) {
        err_at(e, line, "%s: must be 1 to 200 characters", argname ? argname : argfor[t]);
        return;
    }
    set_str(&a->arg, arg);
}

static void read_actions(mconf *c, config_setting_t *s, struct errs *e)
{
    if (config_setting_type(s) != CONFIG_TYPE_LIST) {
        err_at(e, config_setting_source_line(s), "actions: expected a list ( { ... }, ... )");
        return;
    }
    int n = config_setting_length(s);
    if (n == 0)
        return;
    c->actions = calloc((size_t)n, sizeof *c->actions);
    if (c->actions == NULL)
        return;
    for (int i = 0; i < n; i++) {
        read_action(&c->actions[i], config_setting_get_elem(s, (unsigned)i), e);
        c->nactions++;
    }
}

static void read_group(mconf *c, const char *group, config_setting_t *g, struct errs *e)
{
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const struct opt *o = find_opt(group, config_setting_name(s));
        if (o == NULL)
            err_at(e, config_setting_source_line(s), "unknown setting \"%s%s%s\"",
                   group ? group : "", group ? "." : "", config_setting_name(s));
        else
            read_opt(c, o, s, e);
    }
}

/* A setting of the event store: sconf.c reads it, its errors join ours. */
static void read_store_setting(mconf *c, config_setting_t *s, struct errs *e)
{
    sbuf msgs = {0};
    int n = sconf_setting(c->store, s, e->file, &msgs);
    if (strcmp(config_setting_name(s), "suppression") == 0) {
        config_setting_t *cl = config_setting_get_member(s, "classes");
        c->sup_classes_line = config_setting_source_line(cl ? cl : s);
    }
    if (n > 0 && !sbuf_ok(&msgs))
        err_at(e, config_setting_source_line(s), "out of memory");
    for (const char *p = n > 0 && msgs.s ? msgs.s : ""; *p != '\0';) {
        size_t len = strcspn(p, "\n");
        if (e->n++ < MC_MAX_ERRORS && e->cap > e->len) {
            int w = snprintf(e->buf + e->len, e->cap - e->len, "%.*s\n", (int)len, p);
            if (w > 0)
                e->len = (size_t)w < e->cap - e->len ? e->len + (size_t)w : e->cap - 1;
        }
        p += len + (p[len] == '\n');
    }
    sbuf_free(&msgs);
}

static int line_of(config_t *cf, const char *name)
{
    config_setting_t *s = config_lookup(cf, name);
    return s != NULL ? config_setting_source_line(s) : 0;
}

/* Checks that need several values or more than the type. */
static void check_values(mconf *c, config_t *cf, struct errs *e)
{
#define LINE(name) line_of(cf, name)
    const char *why = mconf_socket_problem(c->socket);
    if (why != NULL)
        err_at(e, LINE("socket"), "socket: \"%s\" %s", c->socket, why);
    if (strcmp(c->language, "en") != 0 && strcmp(c->language, "zh-TW") != 0 &&
        strcmp(c->language, "zh-CN") != 0)
        err_at(e, LINE("language"), "language: \"%s\" is not en, zh-TW or zh-CN", c->language);
    static const char *const facilities[] = {"auth",   "daemon", "mail",   "user",
                                             "local0", "local1", "local2", "local3",
                                             "local4", "local5", "local6", "local7"};
    size_t f;
    for (f = 0; f < sizeof facilities / sizeof *facilities; f++)
        if (strcasecmp(c->log_facility, facilities[f]) == 0)
            break;
    if (f == sizeof facilities / sizeof *facilities)
        err_at(e, LINE("log_facility"),
               "log_facility: \"%s\" is not auth, daemon, mail, user or local0..local7",
               c->log_facility);
    size_t plen = strlen(c->header_prefix);
    if (plen == 0 || plen > 40 ||
        strspn(c->header_prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                 "0123456789-") != plen)
        err_at(e, LINE("header_prefix"),
               "header_prefix: \"%s\" must be 1-40 letters, digits or '-'", c->header_prefix);
    for (size_t i = 0; i < c->verp.n; i++) {
        char msg[256];
        if (verp_check(c->verp.v[i], msg, sizeof msg) != 0)
            err_at(e, LINE("verp"), "verp: %s", msg);
    }
    compile_patterns(&c->recipients, &c->recipient_rx, e, LINE("inspect.recipients"),
                     "inspect.recipients");
    compile_patterns(&c->senders, &c->sender_rx, e, LINE("inspect.senders"), "inspect.senders");
    compile_patterns(&c->msgid_patterns, &c->msgid_rx, e, LINE("authenticated_message_ids"),
                     "authenticated_message_ids");
    for (size_t i = 0; i < c->verp_key.n; i++)
        if (strlen(c->verp_key.v[i]) < MC_MIN_VERP_KEY)
            err_at(e, LINE("verp_key"), "verp_key: key %zu is shorter than %d bytes", i + 1,
                   MC_MIN_VERP_KEY);
    /* The fast path accepts what the envelope does not mark: with nothing
     * that can mark, every message would pass uninspected. */
    if (c->envelope_only && !c->null_sender && c->senders.n == 0 && !mconf_rcpt_marks(c))
        err_at(e, LINE("inspect.envelope_only"),
               "inspect.envelope_only: nothing in the envelope can mark a bounce (null_sender "
               "is false; senders, recipients and verp are empty)");
#undef LINE
}

/* Each value of l must be a class (detail) the rules can give. */
static void check_rule_names(const mc_list *l, const struct bc_rules *rules,
                             enum bc_name_field field, struct errs *e)
{
    const char *what = field == BC_NAME_CLASS ? "class" : "detail";
    for (size_t k = 0; k < l->n; k++) {
        const char *near;
        if (bc_rules_knows(rules, field, l->v[k], &near))
            continue;
        if (near != NULL)
            err_at(e, l->line,
                   "match: %s \"%s\" is not a %s of the loaded rules; did you mean \"%s\"?", what,
                   l->v[k], what, near);
        else
            err_at(e, l->line, "match: %s \"%s\" is not a %s of the loaded rules", what, l->v[k],
                   what);
    }
}

int mconf_check_names(const mconf *c, const struct bc_rules *rules, char *err, size_t errlen)
{
    struct errs e = {err, 0, errlen, 0, c->path};
    if (errlen > 0)
        err[0] = '\0';
    for (size_t i = 0; i < c->nactions; i++) {
        check_rule_names(&c->actions[i].match.class_name, rules, BC_NAME_CLASS, &e);
        check_rule_names(&c->actions[i].match.detail, rules, BC_NAME_DETAIL, &e);
    }
    for (size_t i = 0; i < c->store->policy.nclasses; i++) {
        const char *name = c->store->policy.classes[i].name, *near;
        if (!bc_rules_knows(rules, BC_NAME_CLASS, name, &near))
            err_at(&e, c->sup_classes_line,
                   "suppression.classes: \"%s\" is not a class of the loaded rules%s%s%s", name,
                   near ? "; did you mean \"" : "", near ? near : "", near ? "\"?" : "");
    }
    return e.n > 0 ? -1 : 0;
}

int mconf_line(const mconf *c, const char *name)
{
    const char *dot = strchr(name, '.');
    char group[32];
    const struct opt *o;
    if (dot != NULL) {
        snprintf(group, sizeof group, "%.*s", (int)(dot - name), name);
        o = find_opt(group, dot + 1);
    } else {
        o = find_opt(NULL, name);
    }
    return o != NULL ? c->lines[o - opts] : 0;
}

static int patterns_match(struct pcre2_real_code_8 *const *rx, size_t n, const char *addr)
{
    int found = 0;
    for (size_t i = 0; i < n && !found; i++) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(rx[i], NULL);
        if (md == NULL)
            return 0;
        found = pcre2_match(rx[i], (PCRE2_SPTR)addr, strlen(addr), 0, 0, md, NULL) >= 0;
        pcre2_match_data_free(md);
    }
    return found;
}

int mconf_recipient_match(const mconf *c, const char *addr)
{
    return patterns_match(c->recipient_rx, c->recipients.n, addr);
}

int mconf_message_id_match(const mconf *c, const char *message_id)
{
    return *message_id != '\0' && patterns_match(c->msgid_rx, c->msgid_patterns.n, message_id);
}

int mconf_sender_match(const mconf *c, const char *addr)
{
    return patterns_match(c->sender_rx, c->senders.n, addr);
}

int mconf_rcpt_marks(const mconf *c)
{
    return c->recipients.n > 0 || c->verp.n > 0;
}

/* "port[@host]" of an inet (family AF_INET) or inet6 socket: what is
 * wrong, or NULL.  Host names are not looked up here (no DNS at a check). */
static const char *inet_problem(const char *portat, int family)
{
    const char *at = strchr(portat, '@');
    size_t plen = at != NULL ? (size_t)(at - portat) : strlen(portat);
    char port[64], host[256];
    if (plen == 0 || plen >= sizeof port)
        return "needs a port: inet:port@host";
    memcpy(port, portat, plen);
    port[plen] = '\0';
    if (strspn(port, "0123456789") == plen) {
        if (plen > 5 || atoi(port) < 1 || atoi(port) > 65535)
            return "has a port outside 1..65535";
    } else if (getservbyname(port, "tcp") == NULL) {
        return "has a port that is neither a number nor a known service";
    }
    if (at == NULL)
        return NULL;
    if (strlen(at + 1) == 0 || strlen(at + 1) >= sizeof host)
        return "has an empty or overlong host after @";
    snprintf(host, sizeof host, "%s", at + 1);
    unsigned char addr[sizeof(struct in6_addr)];
    if (family == AF_INET6) {
        if (strchr(host, ':') != NULL && inet_pton(AF_INET6, host, addr) != 1)
            return "has a host that is not an IPv6 address";
    } else if (strspn(host, "0123456789.") == strlen(host) && inet_pton(AF_INET, host, addr) != 1) {
        return "has a host that is not an IPv4 address";
    }
    if (strchr(host, ':') == NULL &&
        strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-") !=
            strlen(host))
        return "has a host that is neither an address nor a host name";
    return NULL;
}

const char *mconf_socket_problem(const char *spec)
{
    if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
        const char *path = strchr(spec, ':') + 1;
        /* the daemon changes directory: a relative path would move */
        if (*path != '/')
            return "needs an absolute path";
        if (strlen(path) >= sizeof((struct sockaddr_un *)NULL)->sun_path)
            return "has a path too long for a socket address (at most 107 bytes)";
        return NULL;
    }
    if (strncmp(spec, "inet:", 5) == 0)
        return inet_problem(spec + 5, AF_INET);
    if (strncmp(spec, "inet6:", 6) == 0)
        return inet_problem(spec + 6, AF_INET6);
    return "is not unix:/path, local:/path, inet:port@host or inet6:port@host";
}

unsigned long mconf_required_actions(const mconf *c)
{
    unsigned long f = SMFIF_ADDHDRS;
    if (!c->keep_forged_headers)
        f |= SMFIF_CHGHDRS;
    for (size_t i = 0; i < c->nactions; i++) {
        switch (c->actions[i].type) {
        case MC_ACT_SUBJECT:
            f |= SMFIF_CHGHDRS;
            break;
        case MC_ACT_QUARANTINE:
            f |= SMFIF_QUARANTINE;
            break;
        case MC_ACT_REDIRECT:
            f |= SMFIF_ADDRCPT | SMFIF_DELRCPT;
            break;
        case MC_ACT_COPY:
            f |= SMFIF_ADDRCPT;
            break;
        case MC_ACT_STRIP:
            f |= SMFIF_CHGBODY;
            break;
        default:
            break;
        }
    }
    return f;
}

/* smconf.c's problems, as this file's errors. */
static void sm_err(void *arg, int line, const char *msg)
{
    err_at(arg, line, "%s", msg);
}

mconf *mconf_load(const char *path, char *err, size_t errlen)
{
    struct errs e = {err, 0, errlen, 0, path};
    if (errlen > 0)
        err[0] = '\0';
    mconf *c = defaults();
    if (c == NULL) {
        snprintf(err, errlen, "%s: out of memory\n", path);
        return NULL;
    }
    set_str(&c->path, path);
    config_t cf;
    config_init(&cf);
    if (config_read_file(&cf, path) != CONFIG_TRUE) {
        if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
            snprintf(err, errlen, "%s: cannot read file\n", path);
        else
            snprintf(err, errlen, "%s:%d: %s\n",
                     config_error_file(&cf) ? config_error_file(&cf) : path, config_error_line(&cf),
                     config_error_text(&cf));
        config_destroy(&cf);
        mconf_free(c);
        return NULL;
    }
    config_setting_t *root = config_root_setting(&cf);
    for (int i = 0; i < config_setting_length(root); i++) {
        config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(s);
        if (strcmp(name, "inspect") == 0 || strcmp(name, "internal") == 0) {
            if (!config_setting_is_group(s))
                err_at(&e, config_setting_source_line(s), "%s: expected a group { ... }", name);
            else
                read_group(c, name, s, &e);
        } else if (strcmp(name, "actions") == 0) {
            read_actions(c, s, &e);
        } else if (sconf_owns(name)) {
            read_store_setting(c, s, &e);
        } else if (smconf_owns(name)) {
            smconf_setting(&c->sm, s, sm_err, &e);
        } else {
            const struct opt *o = find_opt(NULL, name);
            if (o == NULL)
                err_at(&e, config_setting_source_line(s), "unknown setting \"%s\"", name);
            else
                read_opt(c, o, s, &e);
        }
    }
    check_values(c, &cf, &e);
    config_destroy(&cf);
    if (e.n > 0) {
        if (e.n > MC_MAX_ERRORS && e.cap > e.len)
            snprintf(e.buf + e.len, e.cap - e.len, "%s: %d more errors\n", path,
                     e.n - MC_MAX_ERRORS);
        mconf_free(c);
        return NULL;
    }
    return c;
}
