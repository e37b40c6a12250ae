/*
 * pool.h - classify many inputs with several threads, output in input order
 * (pool.c).
 */
#ifndef CLI_POOL_H
#define CLI_POOL_H

#include <stddef.h>

#include "output.h"

/* Classify path (depth: of a directory walk, 0 on the command line) into
 * x's output. */
typedef void pool_classify_fn(struct ctx *x, const char *path, int depth);

/* List the inputs path stands for: directories are walked here. */
void pool_add(const char *path);

/* Inputs listed; 0 when the list could not be made (classify one by one). */
size_t pool_count(void);

/* Classify the listed inputs with jobs threads (the caller's one of them, x
 * its context) and print their output in order. */
void pool_run(struct ctx *x, int jobs, const bc_rules *rules, size_t max_size, unsigned flags,
              pool_classify_fn *classify);

/* Forget the list. */
void pool_free(void);

#endif
