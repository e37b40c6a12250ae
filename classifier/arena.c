/*
 * arena.c - per-message memory arena: a chain of blocks, bump allocation,
 * one free.  Large requests get a block of their own so that a 10 MB part
 * does not waste a 10 MB tail.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 16384
#define ARENA_ALIGN 16

struct block {
    struct block *next;
    size_t size, used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
    struct block *head;  /* newest block; allocation happens here */
    struct block *first; /* kept across arena_reset() */
    size_t total;
};

static struct block *block_new(size_t size)
{
    struct block *b = malloc(sizeof *b + size);
    if (b == NULL)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

arena *arena_new(void)
{
    arena *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->head = a->first = block_new(ARENA_BLOCK);
    if (a->head == NULL) {
        free(a);
        return NULL;
    }
    return a;
}

void arena_free(arena *a)
{
    if (a == NULL)
        return;
    struct block *b = a->head;
    while (b != NULL) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void arena_reset(arena *a)
{
    if (a == NULL)
        return;
    struct block *b = a->head;
    while (b != NULL) {
        struct block *next = b->next;
        if (b != a->first)
            free(b);
        b = next;
    }
    a->first->next = NULL;
    a->first->used = 0;
    a->head = a->first;
    a->total = 0;
}

void *arena_alloc(arena *a, size_t n)
{
    if (a == NULL || n > SIZE_MAX / 2)
        return NULL;
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (n == 0)
        n = ARENA_ALIGN;
    struct block *b = a->head;
    if (b->size - b->used < n) {
        if (n > ARENA_BLOCK / 4) {
            /* big request: own block, linked behind the current one */
            struct block *big = block_new(n);
            if (big == NULL)
                return NULL;
            big->used = n;
            big->next = b->next;
            b->next = big;
            a->total += n;
            return big->data;
        }
        b = block_new(ARENA_BLOCK);
        if (b == NULL)
            return NULL;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    return p;
}

void *arena_calloc(arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p == NULL)
        return NULL;
    if (n > 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = arena_alloc(a, (size_t)n + 1);
    if (p == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t arena_used(const arena *a)
{
    return a == NULL ? 0 : a->total;
}
