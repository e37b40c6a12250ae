/*
 * smconf.h - the settings of milter.conf for enforcement and notification:
 * `socketmap = "unix:/path";` and `webhooks = ( { url; payload; key; auth; } );`.
 *
 * config.c hands each top-level setting whose name smconf_owns() to
 * smconf_setting(), which reports each problem through the caller's error
 * function (config.c's "file:line: message"), so that -n checks them.
 *
 *     smconf c = {0};
 *     if (smconf_owns(name))
 *         nerrors += smconf_setting(&c, setting, report, arg);
 *     ... c.socketmap, c.webhooks[i].url ...
 *     smconf_free(&c);
 */
#ifndef MILTER_SMCONF_H
#define MILTER_SMCONF_H

#include <stddef.h>

struct config_setting_t;

enum wh_payload { WH_EVENT, WH_LISTMONK };

typedef struct wh_conf {
    char *url;
    enum wh_payload payload;
    char *key;  /* HMAC key of X-Bounce-Signature, NULL: no signature */
    char *auth; /* "user:password" for HTTP Basic, NULL: none */
    int line;
} wh_conf;

typedef struct smconf {
    char *socketmap; /* NULL: no socketmap */
    wh_conf *webhooks;
    size_t nwebhooks;
} smconf;

/* 1 if name is a top-level setting read here. */
int smconf_owns(const char *name);

typedef void smconf_err_fn(void *arg, int line, const char *msg);

/* Read setting s into c; each problem goes to err(arg, line, message).
 * The number of problems. */
int smconf_setting(smconf *c, const struct config_setting_t *s, smconf_err_fn *err, void *arg);

/* What is wrong with a socketmap setting ("unix:/abs/path"), or NULL. */
const char *smconf_socketmap_problem(const char *spec);

/* What is wrong with a webhook URL, or NULL if it is a usable http(s) URL. */
const char *smconf_url_problem(const char *url);

void smconf_free(smconf *c);

#endif
