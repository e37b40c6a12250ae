/*
 * walk.h - walk a directory in name order (walk.c).
 */
#ifndef CLI_WALK_H
#define CLI_WALK_H

#define WALK_MAX_DEPTH 32 /* stops symlink loops in directory walks */

/* Called for each path a directory walk meets (type: a DT_* value). */
typedef void walk_visit_fn(void *arg, const char *path, int depth, unsigned char type);

/* Visit every entry of dir in name order at depth + 1; a maildir's tmp/ and
 * names starting with a dot are skipped.  0, or opendir's errno. */
int walk_dir(const char *dir, int depth, walk_visit_fn *visit, void *arg);

/* Is path a directory (following links)? */
int walk_is_dir(const char *path);

#endif
