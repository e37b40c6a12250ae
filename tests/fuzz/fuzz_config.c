/*
 * fuzz_config.c - libFuzzer harness for the loaders of milter.conf and of
 * the rules files, which read what an administrator (or a hostile
 * package) writes.
 *
 * The first byte of an input says what the rest is: 0 a milter.conf
 * (mconf_load), 1 a rules file (bc_rules_load, with no formats.conf or
 * rules.d beside it), 2 a formats.conf beside an empty rules file, 3 a
 * local rules file read before an empty rules file.  The rest is written
 * to that file in a private directory and loaded; a load may fail (with a
 * message), never crash, leak or read out of bounds.  Built and run by
 * tests/fuzz/run with FUZZ_TARGET=config.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounce.h"
#include "config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], milter_conf[128], rules_conf[128], formats_conf[128], local_conf[128];

static int put(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t n = size ? fwrite(data, 1, size, f) : 0;
    return fclose(f) == 0 && n == size ? 0 : -1;
}

static void cleanup(void)
{
    unlink(milter_conf);
    unlink(rules_conf);
    unlink(formats_conf);
    unlink(local_conf);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(dir, sizeof dir, "/tmp/fuzz_config.XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("fuzz_config: mkdtemp");
        exit(1);
    }
    snprintf(milter_conf, sizeof milter_conf, "%s/milter.conf", dir);
    snprintf(rules_conf, sizeof rules_conf, "%s/rules.conf", dir);
    snprintf(formats_conf, sizeof formats_conf, "%s/formats.conf", dir);
    snprintf(local_conf, sizeof local_conf, "%s/local.conf", dir);
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[8192];
    if (size == 0)
        return 0;
    int kind = data[0] % 4;
    data++;
    size--;
    unlink(formats_conf);
    if (kind == 0) {
        if (put(milter_conf, data, size) != 0)
            abort();
        mconf_free(mconf_load(milter_conf, err, sizeof err));
        return 0;
    }
    const char *local = "";
    if (put(rules_conf, data, kind == 1 ? size : 0) != 0 ||
        (kind == 2 && put(formats_conf, data, size) != 0) ||
        (kind == 3 && put(local_conf, data, size) != 0))
        abort();
    if (kind == 3)
        local = local_conf;
    bc_rules *r = bc_rules_load(rules_conf, local, err, sizeof err);
    if (r != NULL)
        (void)bc_rules_count(r);
    bc_rules_free(r);
    return 0;
}
