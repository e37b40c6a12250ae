/*
 * classify.h - turn an extracted report into classes: evidence precedence
 * (vendor code or specific text > remote-host rule > enhanced status > reply
 * code), class, severity, advice, return code, detail and deciding rule for
 * every recipient.  The rule set comes from rules.h.
 */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include "arena.h"
#include "bounce.h"
#include "report.h"

struct rx_scratch;
struct ruleset;

/* Fill res (bounce, kind, mta, message_id, date, recipients and, with
 * BC_EXPLAIN, trace) from rep; strings go into a.  0, or -1 on memory
 * exhaustion. */
int classify_report(const struct ruleset *rs, const rpt_report *rep, struct rx_scratch *scratch,
                    arena *a, unsigned flags, bc_result *res);

#endif
