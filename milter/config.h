/*
 * config.h - milter.conf, the daemon's configuration (libconfig syntax).
 *
 * mconf_load() reads and checks a whole file and returns an immutable
 * struct mconf, or NULL with one "file:line: message" per error in err.
 * mconf_defaults() gives the built-in defaults (what an empty file means).
 * A loaded config is never changed; a reload loads a new one.
 */
#ifndef MILTER_CONFIG_H
#define MILTER_CONFIG_H

#include <stddef.h>

#include "smconf.h"

enum mc_on_error { MC_ONERR_ACCEPT, MC_ONERR_TEMPFAIL };

#define MC_NOPTS 32 /* room for the settings' lines; config.c checks it */

struct bc_rules;
struct sconf;

/* Action types, in the order the man page lists them. */
enum mc_action_type {
    MC_ACT_HEADERS,    /* add the X-Bounce-* headers only */
    MC_ACT_SUBJECT,    /* ... and prefix the Subject */
    MC_ACT_QUARANTINE, /* ... and put the message on hold */
    MC_ACT_REDIRECT,   /* ... and replace all recipients by one address */
    MC_ACT_COPY,       /* ... and add one recipient */
    MC_ACT_STRIP,      /* ... and drop the returned original message */
    MC_ACT_REJECT,     /* refuse the message */
    MC_ACT_DISCARD,    /* accept and drop the message */
};

typedef struct mc_list {
    char **v;
    size_t n;
    int line; /* where it was set, 0: a default */
} mc_list;

/* Every list given must contain the recipient's value (domain: the failed
 * recipient's domain or a subdomain of an entry that starts with "."). */
typedef struct mc_match {
    mc_list class_name, severity, advice, detail, domain, kind;
} mc_match;

typedef struct mc_action {
    enum mc_action_type type;
    mc_match match;
    char *arg;             /* subject prefix, quarantine reason, address, or reply text */
    char reply_code[4];    /* reject: "550" */
    char reply_status[16]; /* reject: "5.7.1" or "" */
    int line;              /* where it was defined, for logs */
} mc_action;

typedef struct mconf {
    char *path; /* the file it came from, "" for the defaults */
    char *socket;
    char *socket_group;
    unsigned socket_mode;
    char *user;
    char *pid_file;
    enum mc_on_error on_error;
    char *log_facility;
    int timeout;
    unsigned drain_timeout; /* seconds the messages in flight get at SIGTERM */
    char *header_prefix;
    unsigned max_class_headers;
    int keep_forged_headers;
    char *language;
    char *rules;
    char *local_rules;
    size_t max_body;
    char *stats_file;
    unsigned stats_interval;
    /* inspect = { ... } */
    int envelope_only; /* decide by the envelope alone: the fast path */
    int null_sender;
    mc_list senders;
    struct pcre2_real_code_8 **sender_rx; /* senders.n compiled PCRE2 patterns */
    mc_list report_types;
    mc_list auto_submitted;
    mc_list auto_reply_headers;
    mc_list recipients;
    struct pcre2_real_code_8 **recipient_rx; /* recipients.n compiled PCRE2 patterns */
    /* verp = [ ... ] */
    mc_list verp;
    /* internal = { ... } */
    mc_list internal_daemon_names;
    /* The event store: store, journal, journal_max, retention_days and
     * suppression = { ... }, read by store/sconf.c. */
    struct sconf *store;  /* never NULL in a loaded config */
    int sup_classes_line; /* where suppression.classes was set, for names */
    /* verp_key = [ "current", "previous" ]: HMAC keys of signed VERP
     * addresses, the first signs, all verify. */
    mc_list verp_key;
    /* authenticated_message_ids = [ "regex", ... ]: a bounce whose returned
     * original's Message-ID matches answers our own mail. */
    mc_list msgid_patterns;
    struct pcre2_real_code_8 **msgid_rx; /* msgid_patterns.n compiled */
    mc_action *actions;
    size_t nactions;
    smconf sm;           /* socketmap, webhooks (smconf.c) */
    int lines[MC_NOPTS]; /* where each scalar setting was set: mconf_line() */
} mconf;

/* Load and check path; NULL with "file:line: message" lines in err. */
mconf *mconf_load(const char *path, char *err, size_t errlen);

/* The built-in defaults; NULL only on memory exhaustion. */
mconf *mconf_defaults(void);

/* Check the class and detail names of the actions' matches against what
 * rules can give: 0, or -1 with "file:line: message" lines in err. */
int mconf_check_names(const mconf *c, const struct bc_rules *rules, char *err, size_t errlen);

/* Line of c's file that set the setting name ("stats_file",
 * "inspect.recipients"), or 0 when it kept its default. */
int mconf_line(const mconf *c, const char *name);

/* Release a config (NULL is fine). */
void mconf_free(mconf *c);

/* Name of an action type ("headers", "quarantine", ...). */
const char *mconf_action_name(enum mc_action_type t);

/* 1 if s (case-insensitive) is in the list. */
int mc_list_has(const mc_list *l, const char *s);

/* 1 if addr (no angle brackets) matches one of the recipient patterns. */
int mconf_recipient_match(const mconf *c, const char *addr);

/* 1 if message_id matches one of authenticated_message_ids. */
int mconf_message_id_match(const mconf *c, const char *message_id);

/* 1 if addr (no angle brackets) matches one of the sender patterns. */
int mconf_sender_match(const mconf *c, const char *addr);

/* 1 if the envelope recipients can mark a message (recipient patterns or
 * VERP): then the fast path can decide only after the last RCPT. */
int mconf_rcpt_marks(const mconf *c);

/* What is wrong with a socket spec ("needs an absolute path", ...), or
 * NULL when it is usable. */
const char *mconf_socket_problem(const char *spec);

/* libmilter SMFIF_* action flags the config's actions may need. */
unsigned long mconf_required_actions(const mconf *c);

#endif
