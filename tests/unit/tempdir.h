/*
 * tempdir.h - the unit tests' scratch directory: made on first use,
 * removed with everything in it when the test program exits.
 *
 *     const char *dir = test_tempdir("test_enf");   -- /tmp/test_enf.XXXXXX
 */
#ifndef TEMPDIR_H
#define TEMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char test_tempdir_path[96];

static void test_tempdir_remove(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", test_tempdir_path);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", test_tempdir_path);
}

static const char *test_tempdir(const char *prefix)
{
    if (test_tempdir_path[0] == '\0') {
        snprintf(test_tempdir_path, sizeof test_tempdir_path, "/tmp/%s.XXXXXX", prefix);
        if (mkdtemp(test_tempdir_path) == NULL)
            abort();
        atexit(test_tempdir_remove);
    }
    return test_tempdir_path;
}

#endif
