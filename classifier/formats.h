/*
 * formats.h - knowledge of bounce formats, loaded from conf/formats.conf:
 * how to recognise who wrote a report (Postfix, Exim, qmail, Exchange, 163,
 * ...) and how its human-readable layout names recipients, diagnostics and
 * where the returned original message starts.  Loaded once, compiled once,
 * read-only afterwards and shared by all threads.
 */
#ifndef FORMATS_H
#define FORMATS_H

#include <stddef.h>

typedef struct bc_formats bc_formats;

/* Load the `formats` lists of the given libconfig files, in order (a user's
 * local file first, so its formats are tried first).  A file without a
 * `formats` setting contributes nothing.  NULL with "file:line: message" in
 * err on any error. */
bc_formats *formats_load(const char *const *paths, size_t npaths, char *err, size_t errlen);

/* Release loaded formats (NULL is fine). */
void formats_free(bc_formats *f);

/* Number of formats loaded. */
size_t formats_count(const bc_formats *f);

#endif
