/*
 * bounce.c - the public face of libbounce: rule-set loading (finding the
 * shipped files without any configuration), the streaming per-message
 * classifier, and result ownership.  The work itself is done by report.c
 * (extraction) and classify.c (decisions).
 */
#include "bounce.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "arena.h"
#include "classify.h"
#include "formats.h"
#include "paths.h" /* generated: BC_RULESDIR, BC_SYSCONFDIR */
#include "regex.h"
#include "report.h"
#include "rulecheck.h"
#include "rules.h"
#include "rxcache.h"

#define BC_DEFAULT_MAX_BYTES (8u * 1024 * 1024)
#define BC_MAX_RULE_FILES 64 /* rules.d/NAME.conf files read */

struct bc_rules {
    struct ruleset *rs;
    bc_formats *formats;
    size_t *classified; /* messages classified with these rules (regex JIT warm-up) */
};

struct bc_result_priv {
    arena *a;
};

struct bc_classifier {
    const bc_rules *rules;
    unsigned flags;
    size_t max_bytes;
    char *buf;
    size_t len, cap;
    rx_scratch *scratch;
};

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

const char *bc_rules_default_path(char *buf, size_t buflen)
{
    const char *env = getenv("BOUNCE_RULES");
    if (env != NULL && *env != '\0') {
        snprintf(buf, buflen, "%s", env);
        return buf;
    }
    /* Running from the build tree: build/<prog> -> conf/rules.conf. */
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        for (int up = 0; up < 4; up++) {
            char *slash = strrchr(exe, '/');
            if (slash == NULL)
                break;
            *slash = '\0';
            snprintf(buf, buflen, "%s/conf/rules.conf", exe);
            if (file_exists(buf))
                return buf;
        }
    }
    snprintf(buf, buflen, "%s/rules.conf", BC_RULESDIR);
    return buf;
}

/* formats.conf lives beside the shipped rules.conf. */
static void sibling_path(const char *path, const char *name, char *out, size_t outlen)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(out, outlen, "%s", name);
    else
        snprintf(out, outlen, "%.*s/%s", (int)(slash - path), path, name);
}

bc_rules *bc_rules_load(const char *rules_path, const char *local_path, char *err, size_t errlen)
{
    char shipped[4096], formats_path[4096], local_default[4096];
    if (rules_path == NULL)
        rules_path = bc_rules_default_path(shipped, sizeof shipped);
    if (local_path == NULL) {
        const char *env = getenv("BOUNCE_LOCAL_RULES");
        if (env != NULL && *env != '\0')
            snprintf(local_default, sizeof local_default, "%s", env);
        else
            snprintf(local_default, sizeof local_default, "%s/local-rules.conf", BC_SYSCONFDIR);
        /* Optional, but never skipped when it is there and unreadable: a
         * daemon reloading as its own user would silently lose the rules
         * it read at start as root. */
        local_path = access(local_default, F_OK) == 0 || (errno != ENOENT && errno != ENOTDIR)
                         ? local_default
                         : "";
    }
    if (!file_exists(rules_path)) {
        snprintf(err, errlen, "%s: cannot read rules file", rules_path);
        return NULL;
    }
    if (*local_path != '\0' && !file_exists(local_path)) {
        snprintf(err, errlen, "%s: cannot read local rules file", local_path);
        return NULL;
    }
    sibling_path(rules_path, "formats.conf", formats_path, sizeof formats_path);

    /* the shipped rules: rules.conf, then rules.d/NAME.conf beside it, in
     * name order */
    char pattern[4200], dir[4200];
    sibling_path(rules_path, "rules.d", dir, sizeof dir);
    if (access(dir, F_OK) == 0 && access(dir, R_OK | X_OK) != 0) {
        snprintf(err, errlen, "%s: cannot read the rules directory", dir);
        return NULL;
    }
    sibling_path(rules_path, "rules.d/*.conf", pattern, sizeof pattern);
    glob_t more;
    int grc = glob(pattern, 0, NULL, &more);
    if (grc != 0 && grc != GLOB_NOMATCH) {
        snprintf(err, errlen, "%s: cannot read the rules directory", dir);
        return NULL;
    }
    size_t nmore = grc == 0 ? more.gl_pathc : 0;
    if (nmore > BC_MAX_RULE_FILES) {
        snprintf(err, errlen, "%s: more than %d rules files", pattern, BC_MAX_RULE_FILES);
        globfree(&more);
        return NULL;
    }

    const char *rpaths[2 + BC_MAX_RULE_FILES], *fpaths[3 + BC_MAX_RULE_FILES];
    size_t nr = 0, nf = 0, nlocal = 0;
    if (*local_path != '\0') {
        rpaths[nr++] = local_path;
        fpaths[nf++] = local_path;
        nlocal = 1;
    }
    rpaths[nr++] = rules_path;
    fpaths[nf++] = rules_path;
    for (size_t i = 0; i < nmore; i++)
        rpaths[nr++] = fpaths[nf++] = more.gl_pathv[i];
    if (file_exists(formats_path))
        fpaths[nf++] = formats_path;

    bc_rules *r = calloc(1, sizeof *r);
    if (r == NULL || (r->classified = calloc(1, sizeof *r->classified)) == NULL) {
        free(r);
        if (grc == 0)
            globfree(&more);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* Each file is parsed once: the rules files may hold formats too. */
    config_t cfg[2 + BC_MAX_RULE_FILES];
    const config_t *cfgs[3 + BC_MAX_RULE_FILES] = {NULL};
    size_t nparsed = 0;
    int rc = 0;
    for (; nparsed < nr && rc == 0; nparsed++) {
        rc = ruleset_parse(&cfg[nparsed], rpaths[nparsed], err, errlen);
        cfgs[nparsed] = &cfg[nparsed];
    }
    if (rc == 0) {
        /* patterns that compiled in an earlier run are compiled when used */
        char cache_path[4096];
        rxcache *cache = rxcache_open(rxcache_default_path(cache_path, sizeof cache_path));
        r->rs = ruleset_load_parsed(cfgs, rpaths, nr, nlocal, cache, err, errlen);
        rxcache_close(cache);
    }
    if (r->rs != NULL)
        r->formats = formats_load_parsed(cfgs, fpaths, nf, err, errlen);
    for (size_t i = 0; i < nparsed; i++)
        config_destroy(&cfg[i]);
    if (grc == 0)
        globfree(&more);
    if (r->rs == NULL || r->formats == NULL) {
        bc_rules_free(r);
        return NULL;
    }
    return r;
}

void bc_rules_free(bc_rules *r)
{
    if (r == NULL)
        return;
    ruleset_free(r->rs);
    formats_free(r->formats);
    free(r->classified);
    free(r);
}

/* Edit distance of a and b ignoring case, or 3 when above 2 (or too long
 * to bother): only near misses are worth suggesting. */
static int near_distance(const char *a, const char *b)
{
    enum { MAXLEN = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAXLEN || lb > MAXLEN || (la > lb ? la - lb : lb - la) > 2)
        return 3;
    int prev[MAXLEN + 1], cur[MAXLEN + 1];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int sub = prev[j - 1] +
                      (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb] > 2 ? 3 : prev[lb];
}

/* Keep cand as *best when it is nearer to name than *dist. */
static void consider(const char *name, const char *cand, const char **best, int *dist)
{
    int d = cand != NULL && *cand != '\0' ? near_distance(name, cand) : 3;
    if (d < *dist) {
        *dist = d;
        *best = cand;
    }
}

const char *const *bc_fixed_names(enum bc_name_field field)
{
    return rule_fixed_names((int)field);
}

int bc_rules_knows(const bc_rules *r, enum bc_name_field field, const char *name,
                   const char **closest)
{
    *closest = NULL;
    if (r == NULL || name == NULL || *name == '\0')
        return 0;
    /* The classes every rule set defines are lower case; a detail may be
     * given in the details table without any rule naming it ({feedback}). */
    char lower[64];
    size_t n = 0;
    for (; name[n] != '\0' && n < sizeof lower - 1; n++)
        lower[n] = (char)tolower((unsigned char)name[n]);
    lower[n] = '\0';
    if (field == BC_NAME_CLASS ? ruleset_class(r->rs, lower) != NULL
                               : ruleset_detail(r->rs, name) != NULL)
        return 1;
    int dist = 3;
    if (field == BC_NAME_CLASS) {
        /* what the classifier answers when no rule decides */
        consider(name, "undefined", closest, &dist);
        consider(name, "onhold", closest, &dist);
    }
    for (size_t i = 0; i < ruleset_count(r->rs); i++) {
        const rule_info *ri = ruleset_rule(r->rs, i);
        const char *cand = field == BC_NAME_DETAIL ? ri->detail : ri->cls ? ri->cls->name : "";
        if (field == BC_NAME_DETAIL && strcmp(cand, "{feedback}") == 0)
            continue;
        if (strcasecmp(cand, name) == 0 && *cand != '\0')
            return 1;
        consider(name, cand, closest, &dist);
    }
    return 0;
}

size_t bc_rules_count(const bc_rules *r)
{
    return r == NULL ? 0 : ruleset_count(r->rs);
}

int bc_rules_check(const bc_rules *r, void (*line)(const char *text, void *arg), void *arg,
                   bc_rules_check_counts *counts)
{
    rulecheck_counts c;
    if (rulecheck_run(r->rs, formats_dsn_vocab(r->formats), line, arg, &c) != 0)
        return -1;
    counts->rules = c.rules;
    counts->examples = c.examples;
    counts->failed = c.failed;
    counts->overlaps = c.overlaps;
    counts->unsourced = c.unsourced;
    return 0;
}

const char *bc_describe(const bc_rules *r, const char *class_name, const char *detail,
                        const char *lang)
{
    if (r == NULL || class_name == NULL)
        return "";
    return ruleset_describe(r->rs, class_name, detail, lang);
}

const char *bc_severity_name(enum bc_severity sev)
{
    return rule_severity_name(sev);
}

bc_classifier *bc_classifier_new(const bc_rules *rules, size_t max_bytes, unsigned flags)
{
    bc_classifier *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->rules = rules;
    c->flags = flags;
    c->max_bytes = max_bytes ? max_bytes : BC_DEFAULT_MAX_BYTES;
    c->scratch = rx_scratch_new();
    if (c->scratch == NULL) {
        free(c);
        return NULL;
    }
    if (rules != NULL)
        rx_scratch_warmup(c->scratch, rules->classified);
    return c;
}

int bc_classifier_feed(bc_classifier *c, const char *data, size_t len)
{
    if (c == NULL)
        return -1;
    /* Past the cap the rest is dropped: the report is near the top, and what
     * follows is the returned original, which is never scanned. */
    if (len > c->max_bytes - c->len)
        len = c->max_bytes - c->len;
    if (len == 0)
        return 0;
    if (c->len + len > c->cap) {
        size_t cap = c->cap ? c->cap : 65536;
        while (cap < c->len + len)
            cap *= 2;
        if (cap > c->max_bytes)
            cap = c->max_bytes;
        char *nb = realloc(c->buf, cap);
        if (nb == NULL)
            return -1;
        c->buf = nb;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, data, len);
    c->len += len;
    return 0;
}

static bc_result *classify_buffer(const bc_rules *rules, rx_scratch *scratch, const char *msg,
                                  size_t len, unsigned flags)
{
    arena *a = arena_new();
    if (a == NULL)
        return NULL;
    bc_result *res = arena_calloc(a, sizeof *res);
    struct bc_result_priv *priv = arena_calloc(a, sizeof *priv);
    rpt_report rep;
    if (res == NULL || priv == NULL ||
        report_extract(msg, len, rules ? rules->formats : NULL, scratch, a, &rep) != 0 ||
        classify_report(rules ? rules->rs : NULL, &rep, scratch, a, flags, res) != 0) {
        arena_free(a);
        return NULL;
    }
    priv->a = a;
    res->priv_ = priv;
    if (rules != NULL)
        __atomic_add_fetch(rules->classified, 1, __ATOMIC_RELAXED);
    return res;
}

bc_result *bc_classifier_finish(bc_classifier *c)
{
    if (c == NULL)
        return NULL;
    return classify_buffer(c->rules, c->scratch, c->buf ? c->buf : "", c->len, c->flags);
}

void bc_classifier_reset(bc_classifier *c)
{
    if (c != NULL)
        c->len = 0;
}

void bc_classifier_free(bc_classifier *c)
{
    if (c == NULL)
        return;
    rx_scratch_free(c->scratch);
    free(c->buf);
    free(c);
}

bc_result *bc_classify(const bc_rules *rules, const char *msg, size_t len, unsigned flags)
{
    rx_scratch *s = rx_scratch_new();
    if (s == NULL)
        return NULL;
    if (rules != NULL)
        rx_scratch_warmup(s, rules->classified);
    bc_result *res = classify_buffer(rules, s, msg, len, flags);
    rx_scratch_free(s);
    return res;
}

void bc_result_free(bc_result *res)
{
    if (res == NULL)
        return;
    /* the result itself lives in its arena */
    arena_free(res->priv_->a);
}
