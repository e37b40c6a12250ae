/*
 * arena.h - per-message memory arena.
 *
 * Everything one message needs (decoded parts, extracted fields, the result's
 * strings) is carved out of one arena and released with one arena_free().
 * Allocation never fails silently: on memory exhaustion the functions return
 * NULL and the caller gives up on the message.
 */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>

typedef struct arena arena;

/* New empty arena; NULL on memory exhaustion. */
arena *arena_new(void);

/* Release an arena and everything allocated from it (NULL is fine). */
void arena_free(arena *a);

/* Forget every allocation but keep the first block for reuse. */
void arena_reset(arena *a);

/* n bytes, aligned for any type; NULL on memory exhaustion. */
void *arena_alloc(arena *a, size_t n);

/* n zeroed bytes. */
void *arena_calloc(arena *a, size_t n);

/* NUL-terminated copy of s[0..n). */
char *arena_strndup(arena *a, const char *s, size_t n);

/* NUL-terminated copy of s. */
char *arena_strdup(arena *a, const char *s);

/* printf into the arena. */
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bytes handed out so far (for limits and benchmarks). */
size_t arena_used(const arena *a);

#endif
