/*
 * runtime.h - the configuration and rule set in force, shared by all
 * sessions and swapped on reload.
 *
 * runtime_load() builds a new config + rules pair; runtime_install() makes
 * it current.  A session takes a reference for each message
 * (runtime_acquire) and drops it at the end (runtime_release), so a reload
 * never changes the config under a message in flight; the old pair is
 * freed by whoever drops the last reference.
 */
#ifndef MILTER_RUNTIME_H
#define MILTER_RUNTIME_H

#include <stddef.h>

#include "bounce.h"
#include "config.h"

typedef struct mruntime {
    mconf *conf;
    bc_rules *rules;
    int refs; /* atomic */
} mruntime;

/* Command-line values that override the file's, on every (re)load (NULL:
 * the file's). */
void runtime_set_overrides(const char *socket, const char *user, const char *pid_file);

/* Directory that relative file names in the config are taken from (the
 * start directory), on every (re)load; NULL: as they are. */
void runtime_set_basedir(const char *dir);

/* Load config file path and its rules; NULL with error lines in err. */
mruntime *runtime_load(const char *path, char *err, size_t errlen);

/* Make rt current (taking over the caller's reference); drop the old one. */
void runtime_install(mruntime *rt);

/* The current runtime with one more reference, or NULL if none. */
mruntime *runtime_acquire(void);

/* Drop a reference (NULL is fine); frees at zero. */
void runtime_release(mruntime *rt);

/* How many runtimes are loaded and not yet freed: the current one and
 * those that messages or connections still hold. */
int runtime_live(void);

#endif
