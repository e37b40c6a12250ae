/*
 * walk.c - the directory walk of bounce-classify: entries in name order, a
 * maildir's tmp/ and dot files skipped.
 */
#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int walk_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Names are kept with their dirent type in front: type byte, then name. */
static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

int walk_dir(const char *dir, int depth, walk_visit_fn *visit, void *arg)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (nn == NULL)
                break;
            names = nn;
        }
        size_t len = strlen(e->d_name);
        if ((names[n] = malloc(len + 2)) != NULL) {
            names[n][0] = (char)e->d_type;
            memcpy(names[n] + 1, e->d_name, len + 1);
            n++;
        }
    }
    closedir(d);
    if (names != NULL)
        qsort(names, n, sizeof *names, cmp_names);

    size_t plen = strlen(dir);
    int slash = plen > 0 && dir[plen - 1] == '/';
    char *buf = malloc(plen + 2 + 256);
    int maildir = 0;
    if (buf != NULL) {
        snprintf(buf, plen + 258, "%s%scur", dir, slash ? "" : "/");
        maildir = walk_is_dir(buf);
        snprintf(buf, plen + 258, "%s%snew", dir, slash ? "" : "/");
        maildir = maildir && walk_is_dir(buf);
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i] + 1;
        if (buf != NULL && !(maildir && strcmp(name, "tmp") == 0)) {
            snprintf(buf, plen + 258, "%s%s%s", dir, slash ? "" : "/", name);
            visit(arg, buf, depth + 1, (unsigned char)names[i][0]);
        }
        free(names[i]);
    }
    free(names);
    free(buf);
    return 0;
}
