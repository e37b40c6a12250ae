/*
 * rules.h - the classification rule set, loaded from conf/rules.conf (and a
 * user's local rules file before it): the class table (severity, advice,
 * return code, descriptions in en/zh-TW/zh-CN) and the rules, each with an
 * id, an evidence tier, its matchers and the class/detail it assigns.
 * Patterns are compiled once with PCRE2 JIT; the set is read-only after
 * loading and shared by all threads.
 */
#ifndef RULES_H
#define RULES_H

#include <stddef.h>

struct ruleset;

/* Load classes and rules from the files in order (local file first: its
 * rules come before the shipped ones in each tier, and a rule with the same
 * id replaces the shipped one).  NULL with "file:line: message" in err. */
struct ruleset *ruleset_load(const char *const *paths, size_t npaths, char *err, size_t errlen);

/* Release a rule set (NULL is fine). */
void ruleset_free(struct ruleset *rs);

/* Number of rules. */
size_t ruleset_count(const struct ruleset *rs);

/* Class (or class+detail) description in lang, falling back to en; never NULL. */
const char *ruleset_describe(const struct ruleset *rs, const char *class_name, const char *detail,
                             const char *lang);

#endif
