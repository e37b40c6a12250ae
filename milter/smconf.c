/*
 * smconf.c - read `socketmap` and `webhooks` (see smconf.h).
 *
 * Values are checked here, not when they are used: a URL that libcurl
 * would refuse, a webhook without a url, an empty key or an auth without
 * "user:" are configuration errors that -n reports with their line.
 */
#include "smconf.h"

#include "config.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_URL 2000

int smconf_owns(const char *name)
{
    return strcmp(name, "socketmap") == 0 || strcmp(name, "webhooks") == 0;
}

/* 1 if s has a control character (or, with space, a space). */
static int has_ctl(const char *s, int space)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < ' ' || *s == 0x7f || (space && *s == ' '))
            return 1;
    return 0;
}

const char *smconf_socketmap_problem(const char *spec)
{
    if (strncmp(spec, "unix:", 5) != 0)
        return "must be unix:/absolute/path";
    return mconf_socket_problem(spec); /* the milter socket's checks of a unix path */
}

const char *smconf_url_problem(const char *url)
{
    const char *host;
    if (strncasecmp(url, "http://", 7) == 0)
        host = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        host = url + 8;
    else
        return "must start with http:// or https://";
    if (strlen(url) > MAX_URL)
        return "is longer than 2000 characters";
    if (has_ctl(url, 1))
        return "contains a space or a control character";
    if (*host == '\0' || *host == '/' || *host == ':' || *host == '?' || *host == '#')
        return "names no host";
    return NULL;
}

__attribute__((format(printf, 5, 6))) static void problem(smconf_err_fn *err, void *arg, int line,
                                                          int *n, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err(arg, line, msg);
    (*n)++;
}

/* A string member of a webhook group: 1 and *out set, 0 if absent. */
static int member(const config_setting_t *g, const char *name, char **out, smconf_err_fn *err,
                  void *arg, int *n)
{
    config_setting_t *m = config_setting_get_member(g, name);
    if (m == NULL)
        return 0;
    int line = config_setting_source_line(m);
    if (config_setting_type(m) != CONFIG_TYPE_STRING) {
        problem(err, arg, line, n, "webhooks: %s: expected a string", name);
        return 0;
    }
    free(*out);
    *out = strdup(config_setting_get_string(m));
    return *out != NULL;
}

static void read_webhook(wh_conf *w, const config_setting_t *g, smconf_err_fn *err, void *arg,
                         int *n)
{
    w->line = config_setting_source_line(g);
    if (!config_setting_is_group(g)) {
        problem(err, arg, w->line, n, "webhooks: expected ( { url = \"...\"; ... }, ... )");
        return;
    }
    for (int i = 0; i < config_setting_length(g); i++) {
        const char *name = config_setting_name(config_setting_get_elem(g, (unsigned)i));
        if (strcmp(name, "url") != 0 && strcmp(name, "payload") != 0 && strcmp(name, "key") != 0 &&
            strcmp(name, "auth") != 0)
            problem(err, arg, w->line, n, "webhooks: unknown setting \"%s\"", name);
    }
    char *payload = NULL;
    const char *why;
    if (!member(g, "url", &w->url, err, arg, n))
        problem(err, arg, w->line, n, "webhooks: each webhook needs a url");
    else if ((why = smconf_url_problem(w->url)) != NULL) {
        char msg[300];
        snprintf(msg, sizeof msg, "webhooks: url \"%.200s\" %s", w->url, why);
        problem(err, arg, w->line, n, "%s", msg);
    }
    if (member(g, "payload", &payload, err, arg, n) && strcmp(payload, "event") != 0) {
        if (strcmp(payload, "listmonk") == 0)
            w->payload = WH_LISTMONK;
        else
            problem(err, arg, w->line, n, "webhooks: payload \"%s\" is not event or listmonk",
                    payload);
    }
    free(payload);
    if (member(g, "key", &w->key, err, arg, n) && (*w->key == '\0' || has_ctl(w->key, 0)))
        problem(err, arg, w->line, n,
                "webhooks: key must be non-empty, without control characters");
    if (member(g, "auth", &w->auth, err, arg, n) &&
        (strchr(w->auth, ':') == NULL || *w->auth == ':' || has_ctl(w->auth, 0)))
        problem(err, arg, w->line, n, "webhooks: auth must be \"user:password\"");
}

static int read_webhooks(smconf *c, const config_setting_t *s, smconf_err_fn *err, void *arg)
{
    int n = 0, len = config_setting_length(s);
    if (config_setting_type(s) != CONFIG_TYPE_LIST) {
        problem(err, arg, config_setting_source_line(s), &n,
                "webhooks: expected a list ( { url = \"...\"; ... }, ... )");
        return n;
    }
    for (size_t i = 0; i < c->nwebhooks; i++) {
        free(c->webhooks[i].url);
        free(c->webhooks[i].key);
        free(c->webhooks[i].auth);
    }
    free(c->webhooks);
    c->nwebhooks = 0;
    c->webhooks = len > 0 ? calloc((size_t)len, sizeof *c->webhooks) : NULL;
    if (len > 0 && c->webhooks == NULL) {
        problem(err, arg, config_setting_source_line(s), &n, "webhooks: out of memory");
        return n;
    }
    for (int i = 0; i < len; i++, c->nwebhooks++) {
        wh_conf *w = &c->webhooks[i];
        read_webhook(w, config_setting_get_elem(s, (unsigned)i), err, arg, &n);
        /* a webhook's spool is named by its url: two would send one spool */
        for (int k = 0; k < i && w->url != NULL; k++)
            if (c->webhooks[k].url != NULL && strcmp(c->webhooks[k].url, w->url) == 0) {
                char msg[300];
                snprintf(msg, sizeof msg, "webhooks: url \"%.200s\" is listed twice (line %d)",
                         w->url, c->webhooks[k].line);
                problem(err, arg, w->line, &n, "%s", msg);
                break;
            }
    }
    return n;
}

int smconf_setting(smconf *c, const config_setting_t *s, smconf_err_fn *err, void *arg)
{
    int n = 0, line = config_setting_source_line(s);
    if (strcmp(config_setting_name(s), "webhooks") == 0)
        return read_webhooks(c, s, err, arg);
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        problem(err, arg, line, &n, "socketmap: expected a string \"unix:/path\"");
        return n;
    }
    const char *v = config_setting_get_string(s), *why = smconf_socketmap_problem(v);
    if (why != NULL) {
        char msg[300];
        snprintf(msg, sizeof msg, "socketmap: \"%.200s\" %s", v, why);
        problem(err, arg, line, &n, "%s", msg);
        return n;
    }
    free(c->socketmap);
    c->socketmap = strdup(v);
    return n;
}

void smconf_free(smconf *c)
{
    for (size_t i = 0; i < c->nwebhooks; i++) {
        free(c->webhooks[i].url);
        free(c->webhooks[i].key);
        free(c->webhooks[i].auth);
    }
    free(c->webhooks);
    free(c->socketmap);
    memset(c, 0, sizeof *c);
}
