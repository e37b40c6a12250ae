/*
 * confutil.c - libconfig helpers shared by the rule set and formats loaders
 * (see confutil.h).
 *
 * conf_member() is config_setting_get_member() without libconfig's
 * path-aware name comparison, which calls strchr() for every character and
 * was a tenth of the start-up.
 */
#include "confutil.h"

#include <string.h>

config_setting_t *conf_member(const config_setting_t *g, const char *name)
{
    if (g == NULL || !config_setting_is_group(g))
        return NULL;
    for (int i = 0, n = config_setting_length(g); i < n; i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        if (strcmp(config_setting_name(m), name) == 0)
            return m;
    }
    return NULL;
}
