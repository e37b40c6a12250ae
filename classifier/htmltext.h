/*
 * htmltext.h - plain text out of HTML (UTF-8 in, UTF-8 out).
 */
#ifndef HTMLTEXT_H
#define HTMLTEXT_H

#include <stddef.h>

#include "arena.h"

/* The text of s[0..n) with tags, style and script dropped and entities
 * decoded, NUL-terminated, length in *outlen; NULL on memory exhaustion. */
char *html_text(const char *s, size_t n, arena *a, size_t *outlen);

#endif
