/*
 * rules.h - the classification rule set, loaded from conf/rules.conf (and a
 * user's local rules file before it): the class table (severity, advice,
 * return code, descriptions in en/zh-TW/zh-CN) and the rules, each with an
 * id, an evidence tier, its matchers and the class/detail it assigns.
 * Patterns are compiled once with PCRE2 JIT; the set is read-only after
 * loading and shared by all threads.
 *
 * Matching (ruleset_match) finds, for one recipient's evidence, the rule
 * that decides by the precedence of TAXONOMY "Which evidence wins": an
 * override rule, else a matching rule of the highest rank (cause > status >
 * generic > generic-status > reply).  Within a rank a rule that names
 * another in its `beats` list wins over it; otherwise the rule with more
 * matchers besides its text, then the longer text match (the more specific
 * phrase), then the earlier rule.  `bounce-classify --check-rules` reports
 * every pair of same-rank rules that only the last two steps separate, so
 * no shipped answer hangs on file order.  Candidates come from indexes,
 * never from a walk over all rules: text rules through a literal prefilter
 * (literals.h), host rules through a table of domain suffixes, status and
 * reply rules through tables of their (glob) codes.
 */
#ifndef RULES_H
#define RULES_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "bounce.h"

struct config_t;
struct ruleset;
struct rx_scratch;
struct rxcache;

/* Ranks, most specific first: a text (or vendor code, or a host's own
 * table) that names a cause; a specific enhanced status; generic or
 * wrapper text; a generic status (X.0.0, X.7.1 ...); the reply code. */
enum rule_tier {
    TIER_CAUSE,
    TIER_STATUS,
    TIER_GENERIC,
    TIER_GENERIC_STATUS,
    TIER_REPLY,
    TIER_COUNT
};

/* Name of a tier as the rules files spell it. */
const char *ruleset_tier_name(enum rule_tier t);

/* A class of TAXONOMY.md as the rules files define it. */
typedef struct rule_class {
    const char *name;
    enum bc_severity severity;
    const char *advice;
    int code;                       /* 0 when the class has none */
    int has_temp;                   /* severity4xx/advice4xx were given */
    enum bc_severity temp_severity; /* used when the status (or reply) is 4xx */
    const char *temp_advice;
    const char *desc[3]; /* en, zh-TW, zh-CN; NULL when not given */
} rule_class;

/* A finer cause with an optional advice of its own. */
typedef struct rule_detail {
    const char *name;
    const char *advice; /* NULL: the class's */
    int code;           /* -1: the class's */
    const char *desc[3];
} rule_detail;

/* What a rule decides, as the classifier needs it. */
typedef struct rule_info {
    const char *id;
    uint32_t index; /* position in the set: ruleset_doc(), ruleset_beats() */
    enum rule_tier tier;
    int override;
    const rule_class *cls;
    const char *detail;            /* "" if none; "{feedback}" stands for the Feedback-Type */
    const rule_detail *detail_def; /* NULL when the detail has no entry */
    const char *advice;            /* NULL: class/detail default */
    int severity;                  /* -1: class default, else enum bc_severity */
    int code;                      /* -1: class default */
} rule_info;

/* What is known about one recipient: the input of matching.  Strings are
 * never NULL ("" when unknown). */
typedef struct rule_evidence {
    const char *text; /* diagnostic + text (+ body), capped */
    size_t textlen;
    const char *status;   /* X.Y.Z */
    const char *reply;    /* three digits */
    const char *hosts[3]; /* remote MTA, reporting MTA, recipient domain */
    const char *mta;      /* format id */
    const char *kind;     /* dsn, transcript, autoreply, arf */
    const char *action;   /* failed, delayed, ... */
    const char *feedback; /* ARF Feedback-Type */
    const char *command;  /* SMTP command that failed: CONN, HELO, MAIL, RCPT, DATA */
} rule_evidence;

/* One rule that matched, for a trace. */
typedef struct rule_hit {
    const rule_info *rule;
    size_t text_at, text_len; /* what its text matched (0, 0 without text) */
} rule_hit;

/* Why a rule won: every rule that matched, in rule order, and why the
 * winner beat the others of its rank (filled only when asked for, as it
 * costs evaluating every candidate). */
typedef struct rule_trace {
    rule_hit *hits; /* in the arena given to ruleset_match */
    size_t nhits;
    size_t ncandidates; /* rules whose matchers were evaluated */
    const char *why;    /* how the winner was chosen in its rank */
} rule_trace;

/* What a match found besides the winner. */
typedef struct rule_verdict {
    /* the winner is a status or reply rule and a text rule of a lower rank
     * matched with another class: the text disagrees with the table */
    int text_disagrees;
} rule_verdict;

/* A rule's documentation: the document it comes from and the wordings it
 * is meant to decide (each classified alone by --check-rules). */
typedef struct rule_example {
    const char *text, *status, *reply, *command, *host, *mta, *kind, *action,
        *feedback; /* NULL: none */
    int line;
} rule_example;

typedef struct rule_doc {
    const char *file; /* the file it was read from */
    int line;
    int shipped; /* read from the last (shipped) file, where source and examples are required */
    const char *source; /* id of an entry of `sources`, or NULL */
    const rule_example *examples;
    size_t nexamples;
} rule_doc;

/* Load classes and rules from the files in order: the last one is the
 * shipped file, those before it local files (their rules come first, and
 * a rule with the id of a shipped one replaces it).  NULL with
 * "file:line: message" in err. */
struct ruleset *ruleset_load(const char *const *paths, size_t npaths, char *err, size_t errlen);

/* Parse one libconfig file into *cfg (config_destroy it either way): 0, or
 * -1 with "file: cannot read file" or "file:line: message" in err. */
int ruleset_parse(struct config_t *cfg, const char *path, char *err, size_t errlen);

/* ruleset_load() on files already parsed (cfgs[i] is paths[i]), so that
 * they need not be read again for their formats; the first nlocal files
 * are local, the others shipped (an id may appear in one shipped file
 * only); the text patterns that cache (may be NULL) knows to compile are
 * compiled when first matched. */
struct ruleset *ruleset_load_parsed(const struct config_t *const *cfgs, const char *const *paths,
                                    size_t npaths, size_t nlocal, struct rxcache *cache, char *err,
                                    size_t errlen);

/* Release a rule set (NULL is fine). */
void ruleset_free(struct ruleset *rs);

/* Number of rules. */
size_t ruleset_count(const struct ruleset *rs);

/* Rule i (i < ruleset_count) and its documentation. */
const rule_info *ruleset_rule(const struct ruleset *rs, size_t i);
const rule_doc *ruleset_doc(const struct ruleset *rs, size_t i);

/* Does rule a name rule b in its `beats` list? */
int ruleset_beats(const struct ruleset *rs, const rule_info *a, const rule_info *b);

/* bc_fixed_names(): the words of a fixed field (enum bc_name_field). */
const char *const *rule_fixed_names(int field);

/* "hard", "soft" or "none": the word rules files use for sev. */
const char *rule_severity_name(enum bc_severity sev);

/* Class (or class+detail) description in lang, falling back to en; never NULL. */
const char *ruleset_describe(const struct ruleset *rs, const char *class_name, const char *detail,
                             const char *lang);

/* The class called name, or NULL. */
const rule_class *ruleset_class(const struct ruleset *rs, const char *name);

/* The detail called name, or NULL. */
const rule_detail *ruleset_detail(const struct ruleset *rs, const char *name);

/* Did ev report a temporary failure: a 4.x.x status, a 4xx reply or the DSN
 * action "delayed" (TAXONOMY "Stage and severity": never hard)?  The rule
 * matcher "temporary" and the severity guard both ask this. */
int rule_evidence_temporary(const rule_evidence *ev);

/* What matching learnt about one evidence text, reused by the next
 * ruleset_match whose text is the same (recipients sharing a report's body):
 * one per message, from ruleset_memo(). */
typedef struct rule_memo rule_memo;

/* A memo for one message, in its arena a; NULL on memory exhaustion. */
rule_memo *ruleset_memo(const struct ruleset *rs, arena *a);

/* The deciding rule for ev, or NULL when none matches; scratch memory from
 * a; memo (may be NULL) saves repeated work; trace (may be NULL) says why;
 * verdict (may be NULL) what else the evidence said.  -1 in *err on
 * memory exhaustion. */
const rule_info *ruleset_match(const struct ruleset *rs, const rule_evidence *ev,
                               struct rx_scratch *scratch, arena *a, rule_memo *memo,
                               rule_trace *trace, rule_verdict *verdict, int *err);

/* Number of literal-prefilter automaton states (benchmarks, tests). */
size_t ruleset_prefilter_states(const struct ruleset *rs);

#endif
