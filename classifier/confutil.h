/*
 * confutil.h - libconfig helpers shared by the loaders of the rule set
 * (rules.c) and of the formats (formats.c).
 */
#ifndef CONFUTIL_H
#define CONFUTIL_H

#include <libconfig.h>

/* Member name of group g, or NULL (also when g is NULL or no group). */
config_setting_t *conf_member(const config_setting_t *g, const char *name);

#endif
