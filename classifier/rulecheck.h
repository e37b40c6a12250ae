/*
 * rulecheck.h - check a loaded rule set against its own documentation:
 * every example a rule carries must be decided by that rule, no two rules
 * of one rank may disagree on an example unless `beats` settles which
 * wins, and every shipped rule names its source and carries examples.
 *
 *     rulecheck_counts c;
 *     if (rulecheck_run(rs, vocab, print_line, stdout, &c) != 0) ... out of memory
 *     ok = c.failed == 0 && c.overlaps == 0 && c.unsourced == 0;
 */
#ifndef RULECHECK_H
#define RULECHECK_H

#include <stddef.h>

#include "dsn.h"
#include "rules.h"

typedef struct rulecheck_counts {
    size_t rules, examples;
    size_t failed;    /* examples decided by another rule, or by none */
    size_t overlaps;  /* same-rank pairs with different answers, unsettled */
    size_t unsourced; /* shipped rules without a source or without examples */
} rulecheck_counts;

/* Called once per finding with one line: "FAIL ...", "OVERLAP ...",
 * "UNDOCUMENTED ...". */
typedef void (*rulecheck_report)(const char *line, void *arg);

/* v: the wording an example's text is read with (as a bounce's would be).
 * 0, or -1 on memory exhaustion. */
int rulecheck_run(const struct ruleset *rs, const dsn_vocab *v, rulecheck_report report, void *arg,
                  rulecheck_counts *c);

#endif
