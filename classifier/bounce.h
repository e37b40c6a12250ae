/*
 * bounce.h - public API of libbounce, the bounce classifier.
 *
 * Load a rule set once (bc_rules_load) and share it read-only between any
 * number of threads.  For each message make a classifier (bc_classifier_new),
 * feed it the raw message in chunks as they arrive (bc_classifier_feed), then
 * take the result (bc_classifier_finish).  bc_classify() does all three for a
 * message that is already in memory.  A result owns all its strings and is
 * released with one bc_result_free().  Nothing here keeps global mutable
 * state; every free function accepts NULL.
 *
 *     char err[512];
 *     bc_rules *rules = bc_rules_load(NULL, NULL, err, sizeof err);
 *     bc_result *res = bc_classify(rules, msg, len, 0);
 *     for (size_t i = 0; i < res->nrecipients; i++)
 *         printf("%s %s\n", res->recipients[i].address, res->recipients[i].class_name);
 *     bc_result_free(res);
 *     bc_rules_free(rules);
 */
#ifndef BOUNCE_H
#define BOUNCE_H

#include <stddef.h>

#define BC_VERSION "0.1.0"

typedef struct bc_rules bc_rules;
typedef struct bc_classifier bc_classifier;

enum bc_severity { BC_SEV_NONE = 0, BC_SEV_SOFT = 1, BC_SEV_HARD = 2 };

/* Options for bc_classify / bc_classifier_new (bit flags). */
enum bc_flags {
    BC_EXPLAIN = 1 << 0, /* record in result->trace which rules fired and why */
};

/* One recipient named by a report.  Strings are never NULL ("" when absent). */
typedef struct bc_recipient {
    const char *address;    /* local@domain, domain lower-cased */
    const char *action;     /* failed, delayed, delivered, relayed, expanded */
    const char *status;     /* most specific enhanced status "X.Y.Z", or "" */
    const char *reply_code; /* three-digit SMTP reply, or "" */
    const char *class_name; /* TAXONOMY.md class, e.g. "userunknown" */
    enum bc_severity severity;
    const char *advice;       /* suppress, retry, slow-down, fix-sender, ... */
    int code;                 /* return code 900-950, 0 when the class has none */
    const char *detail;       /* finer cause token (e.g. "greylisted"), or "" */
    const char *rule;         /* id of the rule that decided */
    const char *smtp_command; /* CONN, HELO, MAIL, RCPT, DATA, or "" */
    const char *diagnostic;   /* diagnostic text, UTF-8, one line */
    const char *remote_mta;   /* remote MTA host name, or "" */
} bc_recipient;

/* The classification of one message. */
typedef struct bc_result {
    int bounce;             /* 1: a report the classifier understands */
    const char *kind;       /* dsn, transcript, autoreply, arf, or "" */
    const char *mta;        /* reporting MTA/format (postfix, exim, ...), or "" */
    const char *message_id; /* Message-ID of the returned original, or "" */
    const char *date;       /* report date, ISO 8601, or "" */
    size_t nrecipients;
    bc_recipient *recipients; /* in the order the report names them */
    size_t ntrace;
    const char *const *trace;     /* with BC_EXPLAIN: one line per decision */
    struct bc_result_priv *priv_; /* owns the memory; not for callers */
} bc_result;

/* Load the shipped rules (NULL: found automatically) and an optional local
 * rules file read before them; NULL with a "file:line: message" in err.
 * Without a local file, $BOUNCE_LOCAL_RULES or else
 * SYSCONFDIR/local-rules.conf is read when it exists (one that exists but
 * cannot be read is an error, never skipped).
 * Patterns listed in the regex cache ($BOUNCE_CACHE, empty: off) as having
 * compiled before are compiled when first used. */
bc_rules *bc_rules_load(const char *rules_path, const char *local_path, char *err, size_t errlen);

/* Release a rule set (NULL is fine). */
void bc_rules_free(bc_rules *rules);

/* Path of the shipped rules file that bc_rules_load(NULL, ...) would read. */
const char *bc_rules_default_path(char *buf, size_t buflen);

/* What bc_rules_knows() looks a name up as; bc_fixed_names() lists the
 * last three. */
enum bc_name_field {
    BC_NAME_CLASS,
    BC_NAME_DETAIL,
    BC_NAME_SEVERITY,
    BC_NAME_ADVICE,
    BC_NAME_KIND
};

/* The words a recipient's severity, advice or a report's kind can be (in
 * the order of the documentation), NULL-terminated; NULL for the class and
 * the detail, which come from a rule set (bc_rules_knows()). */
const char *const *bc_fixed_names(enum bc_name_field field);

/* 1 if the rule set can give name (in any case) as a recipient's class or
 * detail; else 0, with *closest set to the nearest name it can give (at most
 * two edits away) or to NULL.  For a configuration's match lists, where a
 * typo would otherwise never match. */
int bc_rules_knows(const bc_rules *rules, enum bc_name_field field, const char *name,
                   const char **closest);

/* A class's defaults in a rule set (rules.conf `classes`): severity,
 * advice and return code, for a recipient a caller makes up itself (the
 * milter's VERP address when a report names nobody).  0, or -1 when the set
 * has no such class (the outputs are then left alone). */
int bc_class_defaults(const bc_rules *rules, const char *class_name, enum bc_severity *severity,
                      const char **advice, int *code);

/* Number of classification rules in a loaded set. */
size_t bc_rules_count(const bc_rules *rules);

/* What bc_rules_check() found. */
typedef struct bc_rules_check_counts {
    size_t rules, examples;
    size_t failed;    /* examples another rule (or none) decided */
    size_t overlaps;  /* same-rank rules that disagree on an example, unsettled by `beats` */
    size_t unsourced; /* shipped rules without a source or without examples */
} bc_rules_check_counts;

/* Classify every rule's examples alone and check that the rule itself
 * decides each; line() gets one line per finding ("FAIL RULE example N:
 * decided by OTHER", "OVERLAP RULE OTHER", "UNDOCUMENTED RULE: ...").
 * 0, or -1 on memory exhaustion. */
int bc_rules_check(const bc_rules *rules, void (*line)(const char *text, void *arg), void *arg,
                   bc_rules_check_counts *counts);

/* Description of a class (and detail, if it has its own) in lang "en",
 * "zh-TW" or "zh-CN"; falls back to "en"; never NULL. */
const char *bc_describe(const bc_rules *rules, const char *class_name, const char *detail,
                        const char *lang);

/* Start a per-message classifier; max_bytes caps what is kept (0: default). */
bc_classifier *bc_classifier_new(const bc_rules *rules, size_t max_bytes, unsigned flags);

/* Append a chunk of the raw message (headers and body, any line ending). */
int bc_classifier_feed(bc_classifier *c, const char *buf, size_t len);

/* Classify what was fed; the classifier may then be freed or reused after
 * bc_classifier_reset().  NULL only on memory exhaustion. */
bc_result *bc_classifier_finish(bc_classifier *c);

/* Forget the fed message so the classifier can take the next one. */
void bc_classifier_reset(bc_classifier *c);

/* Release a classifier (NULL is fine). */
void bc_classifier_free(bc_classifier *c);

/* Classify a whole message in memory; NULL only on memory exhaustion. */
bc_result *bc_classify(const bc_rules *rules, const char *msg, size_t len, unsigned flags);

/* Release a result (NULL is fine). */
void bc_result_free(bc_result *res);

/* "hard", "soft" or "none". */
const char *bc_severity_name(enum bc_severity sev);

/* Where bc_json_string() writes: n bytes at p (a run, not NUL-terminated). */
typedef void (*bc_put_fn)(void *arg, const char *p, size_t n);

/* Write s (NUL-terminated) as a JSON string, quotes included: control
 * characters escaped, invalid UTF-8 as U+FFFD, so any input gives valid
 * JSON.  The CLI's output, the event JSON and the webhooks use it. */
void bc_json_string(const char *s, bc_put_fn put, void *arg);

/* Length of the valid UTF-8 sequence at s, of the n bytes there (1-4), or 0
 * when it is not one (overlong forms, surrogates and code points above
 * U+10FFFF are not valid): the check bc_json_string() makes, for callers
 * that cut or clean text themselves (the milter's header values). */
size_t bc_utf8_len(const unsigned char *s, size_t n);

#endif
