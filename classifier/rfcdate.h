/*
 * rfcdate.h - RFC 5322 dates to ISO 8601.
 */
#ifndef RFCDATE_H
#define RFCDATE_H

#include "arena.h"

/* v ("Tue, 23 Nov 2026 10:00:00 +0000") as "2026-11-23T10:00:00+00:00" in
 * the arena, "" if it is not a date; NULL on memory exhaustion. */
const char *rfcdate_iso(const char *v, arena *a);

#endif
