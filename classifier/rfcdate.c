/*
 * rfcdate.c - an RFC 5322 Date header as ISO 8601 (see rfcdate.h).
 *
 * Tolerant of what mailers write: no day name, two- or three-digit years,
 * no seconds, zone names (GMT, EST, JST, ...) or no zone at all (read as
 * UTC), and numeric "29-04-2017 23:34".  Anything it cannot read gives "".
 */
#include "rfcdate.h"

#include <string.h>
#include <strings.h>

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                     "jul", "aug", "sep", "oct", "nov", "dec"};

static const struct {
    const char *name;
    int minutes;
} zones[] = {{"ut", 0},     {"utc", 0},    {"gmt", 0},    {"z", 0},      {"est", -300},
             {"edt", -240}, {"cst", -360}, {"cdt", -300}, {"mst", -420}, {"mdt", -360},
             {"pst", -480}, {"pdt", -420}, {"jst", 540},  {"cet", 60},   {"cest", 120},
             {"bst", 60},   {"kst", 540},  {"hkt", 480},  {"ist", 330},  {"eet", 120}};

static int read_num(const char **p, int maxdigits)
{
    int v = 0, d = 0;
    while (**p >= '0' && **p <= '9' && d < maxdigits) {
        v = v * 10 + (**p - '0');
        (*p)++;
        d++;
    }
    return d ? v : -1;
}

static void skip_sep(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == ',' || **p == '-')
        (*p)++;
}

/* RFC 5322 date ("Tue, 23 Nov 2026 10:00:00 +0000") as ISO 8601, or "". */
const char *rfcdate_iso(const char *v, arena *a)
{
    const char *p = v;
    skip_sep(&p);
    if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') { /* day name */
        while ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
            p++;
        skip_sep(&p);
    }
    int day = read_num(&p, 2);
    skip_sep(&p);
    int mon = -1;
    for (int i = 0; i < 12; i++)
        if (strncasecmp(p, months[i], 3) == 0)
            mon = i + 1;
    if (*p >= '0' && *p <= '9') /* "29-04-2017 23:34" */
        mon = read_num(&p, 2);
    while ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
        p++;
    skip_sep(&p);
    const char *ys = p;
    int year = read_num(&p, 4);
    if ((size_t)(p - ys) == 2)
        year += year < 50 ? 2000 : 1900;
    else if ((size_t)(p - ys) == 3)
        year += 1900;
    while (*p == ' ' || *p == '\t')
        p++;
    int hh = read_num(&p, 2), mm = -1, ss = 0;
    if (*p == ':') {
        p++;
        mm = read_num(&p, 2);
        if (*p == ':') {
            p++;
            ss = read_num(&p, 2);
        }
    }
    if (day < 1 || day > 31 || mon < 1 || mon > 12 || year < 1900 || year > 9999 || hh < 0 ||
        hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
        return "";
    while (*p == ' ' || *p == '\t')
        p++;
    int off = 0;
    if ((*p == '+' || *p == '-') && p[1] >= '0' && p[1] <= '9') {
        int sign = *p == '-' ? -1 : 1;
        p++;
        int z = read_num(&p, 4);
        if (z < 0 || z % 100 > 59 || z / 100 > 23)
            return "";
        off = sign * (z / 100 * 60 + z % 100);
    } else {
        for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
            size_t zl = strlen(zones[i].name);
            if (strncasecmp(p, zones[i].name, zl) == 0 &&
                !((p[zl] | 0x20) >= 'a' && (p[zl] | 0x20) <= 'z')) {
                off = zones[i].minutes;
                break;
            }
        }
    }
    int aoff = off < 0 ? -off : off;
    /* "YYYY-MM-DDTHH:MM:SS+HH:MM", every field range-checked above */
    char *out = arena_alloc(a, 26);
    if (out == NULL)
        return NULL;
    const int fields[] = {year / 100, year % 100, mon, day, hh, mm, ss, aoff / 60, aoff % 60};
    const char seps[] = {'\0', '-', '-', 'T', ':', ':', off < 0 ? '-' : '+', ':'};
    size_t o = 0;
    for (size_t i = 0; i < 9; i++) {
        if (i > 0 && seps[i - 1] != '\0')
            out[o++] = seps[i - 1];
        out[o++] = (char)('0' + fields[i] / 10);
        out[o++] = (char)('0' + fields[i] % 10);
    }
    out[o] = '\0';
    return out;
}
