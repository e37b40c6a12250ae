/*
 * runtime.c - the refcounted config + rules pair in force.
 *
 * The current pointer is guarded by a mutex only for the instant of taking
 * a reference; the reference count itself is atomic, so releasing never
 * locks.  Loading (slow: rules compile) happens outside any lock.
 */
#include "runtime.h"

#include <errno.h>
#include <malloc.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static mruntime *current;
static int live; /* runtimes loaded and not yet freed, atomic */
static char *override_socket, *override_user, *override_pid_file;
static char *base_dir;

void runtime_set_overrides(const char *socket, const char *user, const char *pid_file)
{
    free(override_socket);
    free(override_user);
    free(override_pid_file);
    override_socket = socket ? strdup(socket) : NULL;
    override_user = user ? strdup(user) : NULL;
    override_pid_file = pid_file ? strdup(pid_file) : NULL;
}

static int replace(char **dst, const char *v)
{
    char *s = strdup(v);
    if (s == NULL)
        return -1;
    free(*dst);
    *dst = s;
    return 0;
}

void runtime_set_basedir(const char *dir)
{
    free(base_dir);
    base_dir = dir ? strdup(dir) : NULL;
}

/* A relative file name made absolute under base_dir, so that it names
 * the same file at a reload as at start (the daemon changes to "/"). */
static int anchor(char **path)
{
    if (base_dir == NULL || **path == '\0' || **path == '/')
        return 0;
    size_t n = strlen(base_dir) + 1 + strlen(*path) + 1;
    char *p = malloc(n);
    if (p == NULL)
        return -1;
    snprintf(p, n, "%s/%s", base_dir, *path);
    free(*path);
    *path = p;
    return 0;
}

/* A rules file the config names that cannot be read: say which setting
 * named it, and where.  0 when it can be read (or none is named). */
static int named_file_problem(const mconf *c, const char *setting, const char *file, char *err,
                              size_t errlen)
{
    if (*file == '\0' || access(file, R_OK) == 0)
        return 0;
    snprintf(err, errlen, "%s:%d: %s: cannot read %s: %s\n", c->path, mconf_line(c, setting),
             setting, file, strerror(errno));
    return -1;
}

mruntime *runtime_load(const char *path, char *err, size_t errlen)
{
    mconf *c = mconf_load(path, err, errlen);
    if (c == NULL)
        return NULL;
    if ((override_socket && replace(&c->socket, override_socket)) ||
        (override_user && replace(&c->user, override_user)) ||
        (override_pid_file && replace(&c->pid_file, override_pid_file)) || anchor(&c->rules) ||
        anchor(&c->local_rules) || anchor(&c->stats_file) || anchor(&c->pid_file)) {
        snprintf(err, errlen, "out of memory\n");
        mconf_free(c);
        return NULL;
    }
    const char *why = override_socket ? mconf_socket_problem(override_socket) : NULL;
    if (why != NULL) {
        snprintf(err, errlen, "-p %s: %s\n", override_socket, why);
        mconf_free(c);
        return NULL;
    }
    if (named_file_problem(c, "rules", c->rules, err, errlen) != 0 ||
        named_file_problem(c, "local_rules", c->local_rules, err, errlen) != 0) {
        mconf_free(c);
        return NULL;
    }
    char rerr[1024];
    bc_rules *rules = bc_rules_load(*c->rules ? c->rules : NULL,
                                    *c->local_rules ? c->local_rules : NULL, rerr, sizeof rerr);
    if (rules == NULL) {
        snprintf(err, errlen, "%s\n", rerr);
        mconf_free(c);
        return NULL;
    }
    if (mconf_check_names(c, rules, err, errlen) != 0) {
        bc_rules_free(rules);
        mconf_free(c);
        return NULL;
    }
    mruntime *rt = calloc(1, sizeof *rt);
    if (rt == NULL) {
        snprintf(err, errlen, "out of memory\n");
        bc_rules_free(rules);
        mconf_free(c);
        return NULL;
    }
    rt->conf = c;
    rt->rules = rules;
    rt->refs = 1;
    __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
    return rt;
}

void runtime_install(mruntime *rt)
{
    pthread_mutex_lock(&current_lock);
    mruntime *old = current;
    current = rt;
    pthread_mutex_unlock(&current_lock);
    runtime_release(old);
}

mruntime *runtime_acquire(void)
{
    pthread_mutex_lock(&current_lock);
    mruntime *rt = current;
    if (rt != NULL)
        __atomic_add_fetch(&rt->refs, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&current_lock);
    return rt;
}

void runtime_release(mruntime *rt)
{
    if (rt == NULL || __atomic_sub_fetch(&rt->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    bc_rules_free(rt->rules);
    mconf_free(rt->conf);
    free(rt);
    __atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
    /* A rule set is megabytes in many small blocks, and the next ones were
     * allocated around it: glibc keeps the freed pages (in RSS) until it
     * is told to give back what it can; PCRE2's JIT keeps the executable
     * memory of freed patterns for later ones likewise. */
    malloc_trim(0);
    pcre2_jit_free_unused_memory(NULL);
}

int runtime_live(void)
{
    return __atomic_load_n(&live, __ATOMIC_RELAXED);
}
