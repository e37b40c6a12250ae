/*
 * rules.c - read and check the rules files (libconfig) into a rule set
 * (see rules.h; its layout is ruleset.h).
 *
 * Loading reads each file in order (a user's local file first, then the
 * shipped rules.conf and rules.d files): its classes, details, sources and
 * rules are checked key by key, every error is fatal and reported as
 * "file:line: message".  A rule whose id a local file already used is the
 * shipped rule the user replaced: it is checked, then dropped; an id twice
 * among the shipped files is an error.  Each rule's text is handed to
 * rules_index.c as it is read; once every file is read, `beats` and
 * `source` are resolved and every rule is indexed.
 */
#include "rules.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "confutil.h"
#include "ruleset.h"

/* TAXONOMY.md: the classes every rule set must define. */
static const char *const class_names[] = {
    "userunknown",   "hostunknown",     "hasmoved",        "notaccept",     "mailboxfull",
    "mesgtoobig",    "exceedlimit",     "suspend",         "filtered",      "rejected",
    "norelaying",    "blocked",         "requireptr",      "badreputation", "spamdetected",
    "virusdetected", "policyviolation", "authfailure",     "securityerror", "speeding",
    "toomanyconn",   "contenterror",    "notcompliantrfc", "syntaxerror",   "systemerror",
    "systemfull",    "networkerror",    "expired",         "mailererror",   "onhold",
    "undefined",     "vacation",        "feedback",        "delivered",
};
_Static_assert(NELEM(class_names) == NCLASSES, "ruleset.h counts the classes");

/* The fixed words (INTERFACES.md): NULL-terminated, for rule_fixed_names(). */
static const char *const advices[] = {"suppress",   "retry",       "slow-down",
                                      "fix-sender", "fix-content", "contact-recipient",
                                      "none",       NULL};
/* enum rule_tier's names; "text" and "host" are the names of the tiers
 * that "cause" replaced, still read in local rules files. */
static const char *const tiers[] = {"cause", "status", "generic", "generic-status", "reply"};
static const char *const kinds[] = {"dsn", "transcript", "autoreply", "arf", NULL};
static const char *const actions[] = {"failed", "delayed", "delivered", "relayed", "expanded"};
static const char *const commands[] = {"CONN", "HELO", "EHLO", "MAIL", "RCPT", "DATA"};
static const char *const langs[] = {"en", "zh_TW", "zh_CN"};

/* What the loader knows about a class: which fields a file already set
 * (the first file that sets a field wins, so a local file can override). */
struct class_set {
    int severity, advice, code, temp_severity, temp_advice;
    int seen_in_file; /* index + 1 of the last file that listed it */
};

struct loader {
    struct ruleset *rs;
    const char *path;
    size_t file;
    char *err;
    size_t errlen;
    struct class_set cset[NCLASSES];
    struct strtab ids;  /* rule id -> number of the remembered id */
    struct strtab urls; /* a shipped source's url -> its file */
    size_t *id_file;    /* per remembered id: its file and line */
    int *id_line;
    size_t nid, idcap;
    char classes_at[4200]; /* "file:line" of the last classes list, for errors */
    const char *const *paths;
    size_t nfiles, nlocal; /* files, of which the first nlocal are local */
};

/* ---- small helpers ---- */

static int find_word(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return (int)i;
    return -1;
}

static int class_index(const char *name)
{
    return find_word(class_names, NCLASSES, name);
}

/* The names rules files give severities, by enum bc_severity. */
static const char *const severity_names[] = {
    [BC_SEV_NONE] = "none",
    [BC_SEV_SOFT] = "soft",
    [BC_SEV_HARD] = "hard",
};
/* The same in the documentation's order. */
static const char *const severity_words[] = {"hard", "soft", "none", NULL};

static int severity_of(const char *s)
{
    for (size_t i = 0; i < NELEM(severity_names); i++)
        if (severity_names[i] != NULL && strcmp(s, severity_names[i]) == 0)
            return (int)i;
    return -1;
}

const char *const *rule_fixed_names(int field)
{
    return field == BC_NAME_SEVERITY ? severity_words
           : field == BC_NAME_ADVICE ? advices
           : field == BC_NAME_KIND   ? kinds
                                     : NULL;
}

const char *rule_severity_name(enum bc_severity sev)
{
    return (size_t)sev < NELEM(severity_names) && severity_names[sev] != NULL ? severity_names[sev]
                                                                              : "none";
}

static int lang_index(const char *lang)
{
    if (lang == NULL)
        return 0;
    if (strcasecmp(lang, "zh-TW") == 0 || strcasecmp(lang, "zh_TW") == 0 ||
        strcasecmp(lang, "zh-Hant") == 0)
        return 1;
    if (strcasecmp(lang, "zh-CN") == 0 || strcasecmp(lang, "zh_CN") == 0 ||
        strcasecmp(lang, "zh-Hans") == 0 || strcasecmp(lang, "zh") == 0)
        return 2;
    return 0;
}

/* A detail token: printable ASCII without space, ';', '"' or '\'. */
static int valid_token(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7F || *s == ';' || *s == '"' ||
            *s == '\\')
            return 0;
    return 1;
}

static int valid_id(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
              *s == ':' || *s == '-'))
            return 0;
    return 1;
}

static int line_of(const config_setting_t *s)
{
    for (; s != NULL; s = config_setting_parent(s))
        if (config_setting_source_line(s) > 0)
            return config_setting_source_line(s);
    return 0;
}

static int fail(struct loader *L, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct loader *L, const config_setting_t *s, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *file = s ? config_setting_source_file(s) : NULL;
    snprintf(L->err, L->errlen, "%s:%d: %s", file ? file : L->path, line_of(s), msg);
    return -1;
}

static int oom(struct loader *L)
{
    snprintf(L->err, L->errlen, "%s: out of memory", L->path);
    return -1;
}

/* ---- key and type checking ---- */

enum ktype { K_STR, K_STRS, K_INT, K_BOOL, K_EXAMPLES };

struct key {
    const char *name;
    enum ktype type;
};

static const char *type_name(enum ktype t)
{
    return t == K_STR    ? "a string"
           : t == K_STRS ? "a string or a list of strings"
           : t == K_INT  ? "an integer"
           : t == K_BOOL ? "true or false"
                         : "a list of strings or groups { text; status; reply; ... }";
}

static int type_ok(const config_setting_t *s, enum ktype t)
{
    int ty = config_setting_type(s);
    switch (t) {
    case K_STR:
        return ty == CONFIG_TYPE_STRING;
    case K_INT:
        return ty == CONFIG_TYPE_INT || ty == CONFIG_TYPE_INT64;
    case K_BOOL:
        return ty == CONFIG_TYPE_BOOL;
    case K_STRS:
        if (ty == CONFIG_TYPE_STRING)
            return 1;
        if (ty != CONFIG_TYPE_ARRAY && ty != CONFIG_TYPE_LIST)
            return 0;
        for (int i = 0; i < config_setting_length(s); i++)
            if (config_setting_type(config_setting_get_elem(s, (unsigned)i)) != CONFIG_TYPE_STRING)
                return 0;
        return config_setting_length(s) > 0;
    case K_EXAMPLES:
        if (ty != CONFIG_TYPE_ARRAY && ty != CONFIG_TYPE_LIST)
            return ty == CONFIG_TYPE_STRING;
        for (int i = 0; i < config_setting_length(s); i++) {
            int et = config_setting_type(config_setting_get_elem(s, (unsigned)i));
            if (et != CONFIG_TYPE_STRING && et != CONFIG_TYPE_GROUP)
                return 0;
        }
        return config_setting_length(s) > 0;
    }
    return 0;
}

/* Every member of group g must be one of keys, with its type. */
static int check_keys(struct loader *L, const config_setting_t *g, const char *what,
                      const struct key *keys, size_t nkeys)
{
    if (!config_setting_is_group(g))
        return fail(L, g, "each entry of %s must be a group { ... }", what);
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        size_t k;
        for (k = 0; k < nkeys && strcmp(keys[k].name, name) != 0; k++)
            ;
        if (k == nkeys)
            return fail(L, m, "unknown key \"%s\" in %s", name, what);
        if (!type_ok(m, keys[k].type))
            return fail(L, m, "\"%s\" in %s must be %s", name, what, type_name(keys[k].type));
    }
    return 0;
}

static const char *get_str(const config_setting_t *g, const char *name)
{
    const config_setting_t *m = conf_member(g, name);
    return m ? config_setting_get_string(m) : NULL;
}

/* Copy of s into the set's arena, with ASCII lower-cased when lower. */
static const char *keep(struct ruleset *rs, const char *s, int lower)
{
    char *c = arena_strdup(rs->a, s);
    if (c != NULL && lower)
        for (char *p = c; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p + 32);
    return c;
}

/* ---- classes and details ---- */

static const struct key class_keys[] = {
    {"name", K_STR},  {"severity", K_STR},    {"advice", K_STR},
    {"code", K_INT},  {"en", K_STR},          {"zh_TW", K_STR},
    {"zh_CN", K_STR}, {"severity4xx", K_STR}, {"advice4xx", K_STR},
};

static int check_advice(struct loader *L, const config_setting_t *g, const char *key)
{
    const char *v = get_str(g, key);
    if (v != NULL && find_word(advices, NELEM(advices) - 1, v) < 0)
        return fail(L, conf_member(g, key), "unknown advice \"%s\"", v);
    return 0;
}

static int check_severity(struct loader *L, const config_setting_t *g, const char *key)
{
    const char *v = get_str(g, key);
    if (v != NULL && severity_of(v) < 0)
        return fail(L, conf_member(g, key), "unknown severity \"%s\" (hard, soft or none)", v);
    return 0;
}

static int load_descs(struct loader *L, const config_setting_t *g, const char **desc)
{
    for (size_t l = 0; l < NELEM(langs); l++) {
        const char *v = get_str(g, langs[l]);
        if (v != NULL && desc[l] == NULL && (desc[l] = keep(L->rs, v, 0)) == NULL)
            return oom(L);
    }
    return 0;
}

static int load_class(struct loader *L, const config_setting_t *g)
{
    if (check_keys(L, g, "classes", class_keys, NELEM(class_keys)) != 0)
        return -1;
    const char *name = get_str(g, "name");
    if (name == NULL)
        return fail(L, g, "class without a name");
    int ci = class_index(name);
    if (ci < 0)
        return fail(L, conf_member(g, "name"), "unknown class \"%s\"", name);
    struct class_set *cs = &L->cset[ci];
    if (cs->seen_in_file == (int)L->file + 1)
        return fail(L, g, "class \"%s\" defined twice", name);
    cs->seen_in_file = (int)L->file + 1;
    if (check_severity(L, g, "severity") || check_severity(L, g, "severity4xx") ||
        check_advice(L, g, "advice") || check_advice(L, g, "advice4xx"))
        return -1;

    rule_class *c = &L->rs->classes[ci];
    const char *v;
    const config_setting_t *m;
    if ((v = get_str(g, "severity")) != NULL && !cs->severity) {
        c->severity = (enum bc_severity)severity_of(v);
        cs->severity = 1;
    }
    if ((v = get_str(g, "severity4xx")) != NULL && !cs->temp_severity) {
        c->temp_severity = (enum bc_severity)severity_of(v);
        cs->temp_severity = 1;
    }
    if ((v = get_str(g, "advice")) != NULL && !cs->advice) {
        c->advice = keep(L->rs, v, 0);
        cs->advice = 1;
    }
    if ((v = get_str(g, "advice4xx")) != NULL && !cs->temp_advice) {
        c->temp_advice = keep(L->rs, v, 0);
        cs->temp_advice = 1;
    }
    if ((m = conf_member(g, "code")) != NULL && !cs->code) {
        long long code = config_setting_get_int64(m);
        if (config_setting_type(m) == CONFIG_TYPE_INT)
            code = config_setting_get_int(m);
        if (code < 0 || code > 999)
            return fail(L, m, "code %lld out of range 0-999", code);
        c->code = (int)code;
        cs->code = 1;
    }
    return load_descs(L, g, c->desc);
}

static const struct key detail_keys[] = {
    {"name", K_STR}, {"advice", K_STR}, {"code", K_INT},
    {"en", K_STR},   {"zh_TW", K_STR},  {"zh_CN", K_STR},
};

static int load_detail(struct loader *L, const config_setting_t *g, struct strtab *seen_here)
{
    if (check_keys(L, g, "details", detail_keys, NELEM(detail_keys)) != 0)
        return -1;
    const char *name = get_str(g, "name");
    if (name == NULL)
        return fail(L, g, "detail without a name");
    if (!valid_token(name))
        return fail(L, conf_member(g, "name"),
                    "detail \"%s\": printable ASCII without spaces, ';', '\"' or '\\'", name);
    if (check_advice(L, g, "advice") != 0)
        return -1;
    if (strtab_get(seen_here, name) >= 0)
        return fail(L, g, "detail \"%s\" defined twice", name);
    struct ruleset *rs = L->rs;
    long di = strtab_get(&rs->detail_tab, name);
    if (di < 0) {
        rule_detail *nd = realloc(rs->details, (rs->ndetails + 1) * sizeof *nd);
        if (nd == NULL)
            return oom(L);
        rs->details = nd;
        di = (long)rs->ndetails++;
        memset(&rs->details[di], 0, sizeof rs->details[di]);
        rs->details[di].code = -1;
        if ((rs->details[di].name = keep(rs, name, 0)) == NULL ||
            strtab_put(&rs->detail_tab, rs->details[di].name, (uint32_t)di) != 0)
            return oom(L);
    }
    if (strtab_put(seen_here, rs->details[di].name, (uint32_t)di) != 0)
        return oom(L);
    rule_detail *d = &rs->details[di];
    const char *adv = get_str(g, "advice");
    if (adv != NULL && d->advice == NULL && (d->advice = keep(rs, adv, 0)) == NULL)
        return oom(L);
    const config_setting_t *m = conf_member(g, "code");
    if (m != NULL) {
        long long code = config_setting_type(m) == CONFIG_TYPE_INT ? config_setting_get_int(m)
                                                                   : config_setting_get_int64(m);
        if (code < 0 || code > 999)
            return fail(L, m, "detail \"%s\": code %lld out of range 0-999", name, code);
        if (d->code < 0)
            d->code = (int)code;
    }
    return load_descs(L, g, d->desc);
}

/* ---- rules ---- */

static const struct key rule_keys[] = {
    {"id", K_STR},
    {"tier", K_STR},
    {"class", K_STR},
    {"text", K_STR},
    {"literal", K_STRS},
    {"status", K_STR},
    {"reply", K_STR},
    {"host", K_STRS},
    {"mta", K_STR},
    {"kind", K_STR},
    {"action", K_STR},
    {"feedback", K_STR},
    {"command", K_STR},
    {"detail", K_STR},
    {"advice", K_STR},
    {"severity", K_STR},
    {"code", K_INT},
    {"override", K_BOOL},
    {"beats", K_STRS},
    {"source", K_STR},
    {"examples", K_EXAMPLES},
    {"unless_status", K_STR},
    {"temporary", K_BOOL},
};

/* An example given as a group: the evidence besides (or instead of) text. */
static const struct key example_keys[] = {
    {"text", K_STR}, {"status", K_STR}, {"reply", K_STR}, {"command", K_STR},
    {"host", K_STR}, {"mta", K_STR},    {"kind", K_STR},  {"action", K_STR},
};

/* A top-level `sources` entry: a document rules are taken from. */
static const struct key source_keys[] = {
    {"id", K_STR},
    {"title", K_STR},
    {"url", K_STR},
};

/* "5.1.1", "5.7.*", "4.*.*", "5.*" (fields padded with "*") -> "5.1.*"
 * form into out; 0, or -1 when malformed. */
static int norm_status(const char *s, char *out, size_t outlen)
{
    char fields[3][4];
    int nf = 0;
    const char *p = s;
    for (;;) {
        size_t n = strcspn(p, ".");
        if (nf == 3 || n == 0 || n > 3)
            return -1;
        memcpy(fields[nf], p, n);
        fields[nf][n] = '\0';
        if (strcmp(fields[nf], "*") != 0 && strspn(fields[nf], "0123456789") != n)
            return -1;
        nf++;
        p += n;
        if (*p == '\0')
            break;
        p++;
    }
    if (nf < 3 && strcmp(fields[nf - 1], "*") != 0)
        return -1;
    for (; nf < 3; nf++)
        strcpy(fields[nf], "*");
    if (strchr("245*", fields[0][0]) == NULL || strlen(fields[0]) != 1)
        return -1;
    snprintf(out, outlen, "%s.%s.%s", fields[0], fields[1], fields[2]);
    return 0;
}

/* A rule's status key (status or unless_status), normalised into *out
 * (left NULL when the rule has none); 0, or -1 after reporting. */
static int load_status(struct loader *L, struct ruleset *rs, const config_setting_t *g,
                       const char *id, const char *key, const char **out)
{
    char buf[16];
    const char *v = get_str(g, key);
    if (v == NULL)
        return 0;
    if (norm_status(v, buf, sizeof buf) != 0)
        return fail(L, conf_member(g, key),
                    "rule \"%s\": bad %s \"%s\" (e.g. \"5.1.1\", \"5.7.*\", \"4.*.*\")", id, key,
                    v);
    if ((*out = keep(rs, buf, 0)) == NULL)
        return oom(L);
    return 0;
}

/* "550", "55*", "5*", "*" -> three characters with '?' for any digit. */
static int norm_reply(const char *s, char out[4])
{
    size_t n = strlen(s);
    if (n == 0 || n > 3 || strspn(s, "0123456789*") != n)
        return -1;
    if (n < 3 && s[n - 1] != '*')
        return -1;
    for (size_t i = 0; i < 3; i++)
        out[i] = i < n ? (s[i] == '*' ? '?' : s[i]) : '?';
    out[3] = '\0';
    return strchr("245?", out[0]) ? 0 : -1;
}

/* The strings of a K_STRS setting, copied (lower-cased when lower). */
static const char **keep_list(struct ruleset *rs, const config_setting_t *m, size_t *n, int lower)
{
    int one = config_setting_type(m) == CONFIG_TYPE_STRING;
    *n = one ? 1 : (size_t)config_setting_length(m);
    const char **v = arena_alloc(rs->a, *n * sizeof *v);
    for (size_t i = 0; v != NULL && i < *n; i++) {
        const char *s = one ? config_setting_get_string(m)
                            : config_setting_get_string(config_setting_get_elem(m, (unsigned)i));
        if ((v[i] = keep(rs, s, lower)) == NULL)
            return NULL;
    }
    return v;
}

/* A rule's `examples`: strings (a diagnostic alone) or groups of evidence. */
static int load_examples(struct loader *L, const config_setting_t *m, const char *id, rule_doc *doc)
{
    struct ruleset *rs = L->rs;
    int one = config_setting_type(m) == CONFIG_TYPE_STRING;
    size_t n = one ? 1 : (size_t)config_setting_length(m);
    rule_example *ex = arena_calloc(rs->a, n * sizeof *ex);
    if (ex == NULL)
        return oom(L);
    for (size_t i = 0; i < n; i++) {
        const config_setting_t *e = one ? m : config_setting_get_elem(m, (unsigned)i);
        ex[i].line = line_of(e);
        if (config_setting_type(e) == CONFIG_TYPE_STRING) {
            if ((ex[i].text = keep(rs, config_setting_get_string(e), 0)) == NULL)
                return oom(L);
            continue;
        }
        if (check_keys(L, e, "examples", example_keys, NELEM(example_keys)) != 0)
            return -1;
        const char **field[] = {&ex[i].text, &ex[i].status, &ex[i].reply, &ex[i].command,
                                &ex[i].host, &ex[i].mta,    &ex[i].kind,  &ex[i].action};
        for (size_t k = 0; k < NELEM(field); k++) {
            const char *v = get_str(e, example_keys[k].name);
            if (v != NULL && (*field[k] = keep(rs, v, 0)) == NULL)
                return oom(L);
        }
        if (config_setting_length(e) == 0)
            return fail(L, e, "rule \"%s\": empty example", id);
    }
    doc->examples = ex;
    doc->nexamples = n;
    return 0;
}

/* source, examples and beats of a rule. */
static int load_doc(struct loader *L, const config_setting_t *g, const char *id, struct rule *r)
{
    const config_setting_t *m;
    const char *v = get_str(g, "source");
    if (v != NULL && (r->doc.source = keep(L->rs, v, 0)) == NULL)
        return oom(L);
    if ((m = conf_member(g, "examples")) != NULL && load_examples(L, m, id, &r->doc) != 0)
        return -1;
    if ((m = conf_member(g, "beats")) != NULL) {
        if ((r->beats = keep_list(L->rs, m, &r->nbeats, 0)) == NULL)
            return oom(L);
        r->beat_line = line_of(m);
    }
    r->doc.line = line_of(g);
    return 0;
}

static int remember_id(struct loader *L, const char *id, int line)
{
    if (L->nid == L->idcap) {
        size_t cap = L->idcap ? 2 * L->idcap : 256;
        size_t *nf = realloc(L->id_file, cap * sizeof *nf);
        if (nf == NULL)
            return -1;
        L->id_file = nf;
        int *nl = realloc(L->id_line, cap * sizeof *nl);
        if (nl == NULL)
            return -1;
        L->id_line = nl;
        L->idcap = cap;
    }
    L->id_file[L->nid] = L->file;
    L->id_line[L->nid] = line;
    return strtab_put(&L->ids, id, (uint32_t)L->nid++);
}

/* A word matcher of the rule: alternatives split by '|', each one of list
 * (when given) or "-" for "the report gives none". */
static int check_word(struct loader *L, const config_setting_t *g, const char *key,
                      const char *const *list, size_t n, const char **out)
{
    const char *v = get_str(g, key);
    *out = NULL;
    if (v == NULL)
        return 0;
    for (const char *p = v;; p++) {
        size_t len = strcspn(p, "|");
        char word[32];
        if (len == 0 || len >= sizeof word)
            return fail(L, conf_member(g, key), "bad %s \"%s\"", key, v);
        memcpy(word, p, len);
        word[len] = '\0';
        if (list != NULL && strcmp(word, "-") != 0 && find_word(list, n, word) < 0)
            return fail(L, conf_member(g, key), "unknown %s \"%s\"", key, word);
        p += len;
        if (*p == '\0')
            break;
    }
    *out = keep(L->rs, v, 1);
    return *out ? 0 : oom(L);
}

static int load_rule(struct loader *L, const config_setting_t *g)
{
    struct ruleset *rs = L->rs;
    if (check_keys(L, g, "rules", rule_keys, NELEM(rule_keys)) != 0)
        return -1;
    struct rule r;
    memset(&r, 0, sizeof r);
    r.file = L->file;
    r.line = line_of(g);
    r.info.severity = -1;
    r.info.code = -1;

    const char *id = get_str(g, "id");
    if (id == NULL)
        return fail(L, g, "rule without an id");
    if (!valid_id(id))
        return fail(L, conf_member(g, "id"), "rule id \"%s\": use only a-z 0-9 . _ : -", id);
    const char *cls = get_str(g, "class");
    if (cls == NULL)
        return fail(L, g, "rule \"%s\" has no class", id);
    int ci = class_index(cls);
    if (ci < 0)
        return fail(L, conf_member(g, "class"), "rule \"%s\": unknown class \"%s\"", id, cls);
    r.info.cls = &rs->classes[ci];

    const char *v;
    const config_setting_t *m;
    if (load_status(L, rs, g, id, "status", &r.status) != 0 ||
        load_status(L, rs, g, id, "unless_status", &r.unless_status) != 0)
        return -1;
    m = conf_member(g, "temporary");
    r.temporary = m != NULL && config_setting_get_bool(m);
    if ((v = get_str(g, "reply")) != NULL && norm_reply(v, r.reply) != 0)
        return fail(L, conf_member(g, "reply"),
                    "rule \"%s\": bad reply \"%s\" (e.g. \"550\", \"55*\", \"4*\")", id, v);
    if ((m = conf_member(g, "host")) != NULL) {
        if ((r.hosts = keep_list(rs, m, &r.nhosts, 1)) == NULL)
            return oom(L);
        for (size_t i = 0; i < r.nhosts; i++) {
            while (*r.hosts[i] == '.')
                r.hosts[i]++;
            if (*r.hosts[i] == '\0' || strpbrk(r.hosts[i], " \t@") != NULL)
                return fail(L, m, "rule \"%s\": bad host \"%s\"", id, r.hosts[i]);
        }
    }
    if (check_word(L, g, "mta", NULL, 0, &r.mta) ||
        check_word(L, g, "feedback", NULL, 0, &r.feedback) ||
        check_word(L, g, "kind", kinds, NELEM(kinds) - 1, &r.kind) ||
        check_word(L, g, "action", actions, NELEM(actions), &r.action) ||
        check_word(L, g, "command", commands, NELEM(commands), &r.command))
        return -1;

    const char *text = get_str(g, "text");
    const config_setting_t *lit = conf_member(g, "literal");
    if (lit != NULL && text == NULL)
        return fail(L, lit, "rule \"%s\": literal without text", id);
    char rxerr[256];
    struct branches br;
    br.n = text != NULL ? lit_branches(text, br.start, br.len, BRANCHES_KEPT) : 0;
    int split = br.n >= 2;
    if (text != NULL) {
        if (*text == '\0')
            return fail(L, conf_member(g, "text"), "rule \"%s\": empty text", id);
        if (!split && (r.text = ruleset_index_compile(rs, text, rxerr, sizeof rxerr)) == NULL)
            return fail(L, conf_member(g, "text"), "rule \"%s\": text: %s", id, rxerr);
    }
    if (text == NULL && r.status == NULL && r.reply[0] == '\0' && r.nhosts == 0 && r.mta == NULL &&
        r.kind == NULL && r.action == NULL && r.feedback == NULL && r.command == NULL &&
        !r.temporary)
        return fail(L, g,
                    "rule \"%s\" has no matcher (text, status, reply, host, mta, kind, action, "
                    "feedback, command or temporary)",
                    id);

    int tier = -1;
    if ((v = get_str(g, "tier")) != NULL) {
        tier = strcmp(v, "text") == 0 || strcmp(v, "host") == 0 ? TIER_CAUSE
                                                                : find_word(tiers, NELEM(tiers), v);
        if (tier < 0) {
            rx_free(r.text);
            return fail(L, conf_member(g, "tier"),
                        "rule \"%s\": unknown tier \"%s\" (cause, status, generic, "
                        "generic-status or reply)",
                        id, v);
        }
    } else {
        tier = text || r.nhosts ? TIER_CAUSE
               : r.status       ? TIER_STATUS
               : r.reply[0]     ? TIER_REPLY
                                : TIER_CAUSE;
    }
    r.info.tier = (enum rule_tier)tier;
    r.specificity = (r.status != NULL) + (r.unless_status != NULL) + (r.reply[0] != '\0') +
                    (r.nhosts > 0) + (r.mta != NULL) + (r.kind != NULL) + (r.action != NULL) +
                    (r.feedback != NULL) + (r.command != NULL) + r.temporary;
    if (load_doc(L, g, id, &r) != 0) {
        rx_free(r.text);
        return -1;
    }

    int bad = check_severity(L, g, "severity") || check_advice(L, g, "advice");
    if (!bad && (v = get_str(g, "detail")) != NULL && !valid_token(v))
        bad = fail(L, conf_member(g, "detail"),
                   "rule \"%s\": detail \"%s\": printable ASCII without spaces, ';', '\"' or '\\'",
                   id, v);
    if (!bad && (m = conf_member(g, "code")) != NULL) {
        long long code = config_setting_type(m) == CONFIG_TYPE_INT ? config_setting_get_int(m)
                                                                   : config_setting_get_int64(m);
        if (code < 0 || code > 999)
            bad = fail(L, m, "rule \"%s\": code %lld out of range 0-999", id, code);
        r.info.code = (int)code;
    }
    if (bad) {
        rx_free(r.text);
        return -1;
    }
    r.info.detail = keep(rs, (v = get_str(g, "detail")) ? v : "", 0);
    r.info.advice = (v = get_str(g, "advice")) ? keep(rs, v, 0) : NULL;
    if ((v = get_str(g, "severity")) != NULL)
        r.info.severity = severity_of(v);
    m = conf_member(g, "override");
    r.info.override = m != NULL && config_setting_get_bool(m);
    r.info.id = keep(rs, id, 0);
    if (r.info.id == NULL || r.info.detail == NULL) {
        rx_free(r.text);
        return oom(L);
    }

    long prev = strtab_get(&L->ids, id);
    if (prev >= 0 && (L->id_file[prev] == L->file || L->id_file[prev] >= L->nlocal)) {
        rx_free(r.text); /* only a local file may replace a rule */
        return fail(L, conf_member(g, "id"), "duplicate rule id \"%s\" (first at %s:%d)", id,
                    L->paths[L->id_file[prev]], L->id_line[prev]);
    }
    if (prev >= 0) { /* replaced by the user's rule of an earlier file */
        if (split && (r.text = ruleset_index_compile(rs, text, rxerr, sizeof rxerr)) == NULL)
            return fail(L, conf_member(g, "text"), "rule \"%s\": text: %s", id, rxerr);
        rx_free(r.text);
        return 0;
    }
    if (remember_id(L, r.info.id, r.line) != 0) {
        rx_free(r.text);
        return oom(L);
    }

    if (rs->nrules == rs->cap) {
        size_t cap = rs->cap ? 2 * rs->cap : 256;
        struct rule *nr = realloc(rs->rules, cap * sizeof *nr);
        if (nr == NULL) {
            rx_free(r.text);
            return oom(L);
        }
        rs->rules = nr;
        rs->cap = cap;
    }
    uint32_t idx = (uint32_t)rs->nrules++;
    r.info.index = idx;
    /* libconfig's file names go with its config: keep one copy per file */
    const char *src = config_setting_source_file(g) ? config_setting_source_file(g) : L->path;
    r.doc.file = idx > 0 && strcmp(rs->rules[idx - 1].doc.file, src) == 0
                     ? rs->rules[idx - 1].doc.file
                     : keep(rs, src, 0);
    if (r.doc.file == NULL) {
        rs->nrules--;
        rx_free(r.text);
        return oom(L);
    }
    rs->rules[idx] = r;
    if (text == NULL)
        return 0;
    const char **given = NULL;
    size_t ngiven = 0;
    if (lit != NULL && (given = keep_list(rs, lit, &ngiven, 1)) == NULL)
        return oom(L);
    int rc = ruleset_index_text(rs, idx, text, &br, given, ngiven, rxerr, sizeof rxerr);
    if (rc < 0)
        return oom(L);
    if (rc == 2)
        return fail(L, lit, "rule \"%s\": empty literal", id);
    if (rc == 3)
        return fail(L, conf_member(g, "text"), "rule \"%s\": text: %s", id, rxerr);
    return rc; /* 1: indexed by the automaton */
}

/* ---- loading ---- */

/* One entry of `sources`; its id must be new in its file, and among the
 * shipped files each document is listed once: one id, one url (a document
 * several files cite goes in rules.conf). */
static int load_source(struct loader *L, const config_setting_t *g, struct strtab *seen_here)
{
    if (check_keys(L, g, "sources", source_keys, NELEM(source_keys)) != 0)
        return -1;
    const char *id = get_str(g, "id"), *title = get_str(g, "title");
    if (id == NULL || !valid_id(id))
        return fail(L, g, "source without a valid id (a-z 0-9 . _ : -)");
    if (title == NULL || *title == '\0')
        return fail(L, g, "source \"%s\" has no title", id);
    if (strtab_get(seen_here, id) >= 0)
        return fail(L, conf_member(g, "id"), "duplicate source id \"%s\"", id);
    int shipped = L->file >= L->nlocal;
    long prev = strtab_get(&L->rs->sources, id);
    if (shipped && prev >= (long)L->nlocal)
        return fail(L, conf_member(g, "id"),
                    "source \"%s\" is also listed in %s: list a document once (in rules.conf "
                    "when several files cite it)",
                    id, L->paths[prev]);
    const char *url = get_str(g, "url");
    long same = shipped && url != NULL ? strtab_get(&L->urls, url) : -1;
    if (same >= 0)
        return fail(L, conf_member(g, "url"),
                    "source \"%s\": %s is already a source in %s: one id per document", id, url,
                    L->paths[same]);
    const char *kept = keep(L->rs, id, 0);
    if (kept == NULL || strtab_put(seen_here, kept, 0) != 0 ||
        (prev < 0 && strtab_put(&L->rs->sources, kept, (uint32_t)L->file) != 0))
        return oom(L);
    if (shipped && url != NULL && *url != '\0') {
        const char *ku = keep(L->rs, url, 0);
        if (ku == NULL || strtab_put(&L->urls, ku, (uint32_t)L->file) != 0)
            return oom(L);
    }
    return 0;
}

static int load_list(struct loader *L, const config_setting_t *root, const char *name,
                     uint8_t **by_text)
{
    const config_setting_t *list = conf_member(root, name);
    if (list == NULL)
        return 0;
    if (!config_setting_is_list(list) && !config_setting_is_array(list))
        return fail(L, list, "%s must be a list ( {...}, {...} )", name);
    struct strtab seen = {0, 0, NULL, NULL};
    int rc = 0;
    for (int i = 0; rc == 0 && i < config_setting_length(list); i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        if (strcmp(name, "classes") == 0) {
            rc = load_class(L, g);
        } else if (strcmp(name, "details") == 0) {
            rc = load_detail(L, g, &seen);
        } else if (strcmp(name, "sources") == 0) {
            rc = load_source(L, g, &seen);
        } else {
            size_t before = L->rs->nrules;
            int t = load_rule(L, g);
            if (t < 0) {
                rc = -1;
            } else if (L->rs->nrules > before) {
                uint8_t *nb = realloc(*by_text, L->rs->nrules);
                if (nb == NULL)
                    rc = oom(L);
                else
                    (*by_text = nb)[before] = (uint8_t)t;
            }
        }
    }
    strtab_free(&seen);
    return rc;
}

int ruleset_parse(config_t *cfg, const char *path, char *err, size_t errlen)
{
    config_init(cfg);
    /* @include "rules.d/x.conf" is read beside the including file */
    char dir[4096];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash != NULL ? (int)(slash - path) : 1,
             slash != NULL ? path : ".");
    config_set_include_dir(cfg, dir);
    if (config_read_file(cfg, path))
        return 0;
    if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
        snprintf(err, errlen, "%s: cannot read file", path);
    else
        snprintf(err, errlen, "%s:%d: %s", config_error_file(cfg) ? config_error_file(cfg) : path,
                 config_error_line(cfg), config_error_text(cfg));
    return -1;
}

static int load_config(struct loader *L, const config_t *cfg, uint8_t **by_text)
{
    const config_setting_t *root = config_root_setting(cfg);
    static const char *const top[] = {"classes", "details", "sources", "rules", "formats"};
    int rc = 0;
    for (int i = 0; rc == 0 && i < config_setting_length(root); i++) {
        const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        if (find_word(top, NELEM(top), config_setting_name(s)) < 0)
            rc = fail(L, s, "unknown setting \"%s\" (classes, details, sources, rules or formats)",
                      config_setting_name(s));
    }
    if (rc == 0)
        rc = load_list(L, root, "classes", NULL);
    const config_setting_t *classes = conf_member(root, "classes");
    if (rc == 0 && classes != NULL)
        snprintf(L->classes_at, sizeof L->classes_at, "%s:%d", L->path, line_of(classes));
    if (rc == 0)
        rc = load_list(L, root, "details", NULL);
    if (rc == 0)
        rc = load_list(L, root, "sources", NULL);
    if (rc == 0)
        rc = load_list(L, root, "rules", by_text);
    return rc;
}

static int load_file(struct loader *L, uint8_t **by_text)
{
    config_t cfg;
    int rc = ruleset_parse(&cfg, L->path, L->err, L->errlen);
    if (rc == 0)
        rc = load_config(L, &cfg, by_text);
    config_destroy(&cfg);
    return rc;
}

/* Each rule's `beats` ids to rule indexes and its `source` checked against
 * the `sources` of all files; the rules of the last file are the shipped
 * ones. */
static int resolve_docs(struct loader *L)
{
    struct ruleset *rs = L->rs;
    struct strtab byid = {0, 0, NULL, NULL};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < rs->nrules; i++)
        if (strtab_put(&byid, rs->rules[i].info.id, (uint32_t)i) != 0)
            rc = oom(L);
    for (size_t i = 0; rc == 0 && i < rs->nrules; i++) {
        struct rule *r = &rs->rules[i];
        r->doc.shipped = r->file >= L->nlocal;
        if (r->doc.source != NULL && strtab_get(&rs->sources, r->doc.source) < 0) {
            snprintf(L->err, L->errlen,
                     "%s:%d: rule \"%s\": unknown source \"%s\" (not in sources)", r->doc.file,
                     r->doc.line, r->info.id, r->doc.source);
            rc = -1;
            break;
        }
        if (r->nbeats == 0)
            continue;
        if ((r->beaten = arena_alloc(rs->a, r->nbeats * sizeof *r->beaten)) == NULL) {
            rc = oom(L);
            break;
        }
        for (size_t k = 0; k < r->nbeats; k++) {
            long j = strtab_get(&byid, r->beats[k]);
            if (j < 0 || (size_t)j == i) {
                snprintf(L->err, L->errlen, "%s:%d: rule \"%s\": beats %s rule \"%s\"", r->doc.file,
                         r->beat_line, r->info.id, j < 0 ? "unknown" : "its own", r->beats[k]);
                rc = -1;
                break;
            }
            if (rs->rules[j].info.tier != r->info.tier) {
                snprintf(L->err, L->errlen,
                         "%s:%d: rule \"%s\": beats \"%s\" of another tier (%s, not %s): ranks "
                         "already order them",
                         r->doc.file, r->beat_line, r->info.id, r->beats[k],
                         tiers[rs->rules[j].info.tier], tiers[r->info.tier]);
                rc = -1;
                break;
            }
            r->beaten[k] = (uint32_t)j;
        }
    }
    strtab_free(&byid);
    return rc;
}

/* After all files: every class complete, rule details resolved, indexes. */
static int finish(struct loader *L, const uint8_t *by_text)
{
    struct ruleset *rs = L->rs;
    for (size_t c = 0; c < NCLASSES; c++) {
        rule_class *k = &rs->classes[c];
        const char *miss = !L->cset[c].seen_in_file ? "is not defined"
                           : !L->cset[c].severity   ? "has no severity"
                           : !L->cset[c].advice     ? "has no advice"
                           : k->desc[0] == NULL     ? "has no en description"
                                                    : NULL;
        if (miss != NULL) {
            if (*L->classes_at == '\0')
                snprintf(L->classes_at, sizeof L->classes_at, "%s:1", L->path);
            snprintf(L->err, L->errlen, "%s: class \"%s\" %s", L->classes_at, class_names[c], miss);
            return -1;
        }
        if (L->cset[c].temp_severity || L->cset[c].temp_advice) {
            k->has_temp = 1;
            if (!L->cset[c].temp_severity)
                k->temp_severity = k->severity;
            if (!L->cset[c].temp_advice)
                k->temp_advice = k->advice;
        }
    }
    if (resolve_docs(L) != 0)
        return -1;
    rs->nwords = (rs->nrules + 63) / 64 + 1;
    rs->nuwords = (rs->nunits + rs->ngroups + 63) / 64 + 1;
    rs->always = calloc(rs->nwords, sizeof *rs->always);
    if (rs->always == NULL)
        return oom(L);
    for (size_t i = 0; i < rs->nrules; i++) {
        struct rule *r = &rs->rules[i];
        long d = strtab_get(&rs->detail_tab, r->info.detail);
        r->info.detail_def = d >= 0 ? &rs->details[d] : NULL;
        if (ruleset_index_rule(rs, (uint32_t)i, by_text[i]) != 0)
            return oom(L);
    }
    for (size_t i = 0; i < rs->nmore; i++)
        if (litset_add(rs->lits, rs->more[i].lit, strlen(rs->more[i].lit),
                       (uint32_t)rs->nunits + rs->more[i].group) != 0)
            return oom(L);
    free(rs->more);
    rs->more = NULL;
    rs->nmore = rs->morecap = 0;
    if (litset_build(rs->lits) != 0)
        return oom(L);
    return 0;
}

struct ruleset *ruleset_load(const char *const *paths, size_t npaths, char *err, size_t errlen)
{
    return ruleset_load_parsed(NULL, paths, npaths, npaths > 0 ? npaths - 1 : 0, NULL, err, errlen);
}

struct ruleset *ruleset_load_parsed(const config_t *const *cfgs, const char *const *paths,
                                    size_t npaths, size_t nlocal, rxcache *cache, char *err,
                                    size_t errlen)
{
    struct ruleset *rs = calloc(1, sizeof *rs);
    struct loader L;
    memset(&L, 0, sizeof L);
    L.rs = rs;
    L.err = err;
    L.errlen = errlen;
    L.path = npaths ? paths[npaths - 1] : "rules";
    uint8_t *by_text = NULL;
    if (rs == NULL || (rs->a = arena_new()) == NULL || (rs->lits = litset_new()) == NULL) {
        snprintf(err, errlen, "out of memory");
        ruleset_free(rs);
        return NULL;
    }
    rs->cache = cache;
    L.nfiles = npaths;
    L.nlocal = nlocal;
    L.paths = paths;
    for (size_t c = 0; c < NCLASSES; c++)
        rs->classes[c].name = class_names[c];
    int rc = npaths == 0 ? (snprintf(err, errlen, "no rules file"), -1) : 0;
    for (size_t i = 0; rc == 0 && i < npaths; i++) {
        L.path = paths[i];
        L.file = i;
        rc = cfgs != NULL ? load_config(&L, cfgs[i], &by_text) : load_file(&L, &by_text);
    }
    if (rc == 0)
        rc = finish(&L, by_text);
    rs->cache = NULL;
    free(by_text);
    strtab_free(&L.ids);
    strtab_free(&L.urls);
    free(L.id_file);
    free(L.id_line);
    if (rc != 0) {
        ruleset_free(rs);
        return NULL;
    }
    return rs;
}

void ruleset_free(struct ruleset *rs)
{
    if (rs == NULL)
        return;
    for (size_t i = 0; i < rs->nrules; i++)
        rx_free(rs->rules[i].text);
    free(rs->rules);
    for (size_t i = 0; i < rs->nunits; i++)
        rx_free(rs->units[i].rx);
    free(rs->units);
    free(rs->more);
    free(rs->details);
    strtab_free(&rs->detail_tab);
    strtab_free(&rs->sources);
    strtab_free(&rs->keytab);
    for (size_t i = 0; i < rs->nposts; i++)
        free(rs->posts[i].v);
    free(rs->posts);
    free(rs->always);
    litset_free(rs->lits);
    arena_free(rs->a);
    free(rs);
}

size_t ruleset_count(const struct ruleset *rs)
{
    return rs == NULL ? 0 : rs->nrules;
}

size_t ruleset_prefilter_states(const struct ruleset *rs)
{
    return rs == NULL ? 0 : litset_states(rs->lits);
}

const rule_info *ruleset_rule(const struct ruleset *rs, size_t i)
{
    return &rs->rules[i].info;
}

const rule_doc *ruleset_doc(const struct ruleset *rs, size_t i)
{
    return &rs->rules[i].doc;
}

int ruleset_beats(const struct ruleset *rs, const rule_info *a, const rule_info *b)
{
    const struct rule *r = &rs->rules[a->index];
    for (size_t k = 0; k < r->nbeats; k++)
        if (r->beaten[k] == b->index)
            return 1;
    return 0;
}

const char *ruleset_tier_name(enum rule_tier t)
{
    return t < TIER_COUNT ? tiers[t] : "?";
}

const rule_class *ruleset_class(const struct ruleset *rs, const char *name)
{
    int c = name ? class_index(name) : -1;
    return rs == NULL || c < 0 ? NULL : &rs->classes[c];
}

const rule_detail *ruleset_detail(const struct ruleset *rs, const char *name)
{
    long d = rs && name && *name ? strtab_get(&rs->detail_tab, name) : -1;
    return d < 0 ? NULL : &rs->details[d];
}

const char *ruleset_describe(const struct ruleset *rs, const char *class_name, const char *detail,
                             const char *lang)
{
    int l = lang_index(lang);
    const rule_class *c = ruleset_class(rs, class_name);
    const rule_detail *d = ruleset_detail(rs, detail);
    const char *order[4] = {d ? d->desc[l] : NULL, c ? c->desc[l] : NULL, d ? d->desc[0] : NULL,
                            c ? c->desc[0] : NULL};
    for (size_t i = 0; i < 4; i++)
        if (order[i] != NULL)
            return order[i];
    return "";
}
