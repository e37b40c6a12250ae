/*
 * verp.c - decode VERP bounce addresses with a "%l"/"%d" pattern.
 *
 * The matcher walks the pattern and the address together; a variable takes
 * the longest text that lets the rest match (so a local part may itself
 * contain the separator), which needs backtracking over at most two
 * variables and is bounded by the address length squared.
 *
 * Signed addresses: the tag is the last "+" and 16 hex digits of the local
 * part; its HMAC (store/hmac.c) is compared in constant time against each
 * key in turn, so rotating keys costs one HMAC per listed key.
 */
#include "verp.h"

#include "hmac.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define VERP_MAX_ADDR 320

struct capture {
    const char *s;
    size_t n;
};

/* Match pattern p against s; vars[0] = %l, vars[1] = %d. */
static int match(const char *p, const char *s, struct capture *vars)
{
    while (*p != '\0') {
        if (p[0] == '%' && (p[1] == 'l' || p[1] == 'd')) {
            struct capture *v = &vars[p[1] == 'd'];
            size_t avail = strlen(s);
            char next = p[2];
            if (next == '%' && p[3] == '%')
                next = '%';
            else if (next == '%')
                next = 0; /* two variables in a row: no pruning */
            for (size_t n = avail; n >= 1; n--) {
                /* Only split where the next literal can match. */
                if (p[2] == '\0'
                        ? n != avail
                        : next && tolower((unsigned char)s[n]) != tolower((unsigned char)next))
                    continue;
                v->s = s;
                v->n = n;
                if (match(p + 2, s + n, vars))
                    return 1;
            }
            return 0;
        }
        char want = (p[0] == '%' && p[1] == '%') ? '%' : p[0];
        if (tolower((unsigned char)*s) != tolower((unsigned char)want))
            return 0;
        p += (p[0] == '%') ? 2 : 1;
        s++;
    }
    return *s == '\0';
}

int verp_check(const char *pattern, char *err, size_t errlen)
{
    int nl = 0, nd = 0;
    for (const char *p = pattern; *p != '\0'; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == 'l')
            nl++;
        else if (*p == 'd')
            nd++;
        else if (*p != '%') {
            snprintf(err, errlen, "VERP pattern \"%s\": unknown escape %%%c (use %%l, %%d, %%%%)",
                     pattern, *p ? *p : ' ');
            return -1;
        }
        if (*p == '\0')
            break;
    }
    if (nl != 1 || nd != 1 || strchr(pattern, '@') == NULL) {
        snprintf(err, errlen, "VERP pattern \"%s\" needs exactly one %%l, one %%d and an '@'",
                 pattern);
        return -1;
    }
    return 0;
}

int verp_decode(const char *pattern, const char *addr, char *out, size_t outlen)
{
    struct capture vars[2] = {{NULL, 0}, {NULL, 0}};
    if (strlen(addr) > VERP_MAX_ADDR || !match(pattern, addr, vars))
        return 0;
    if (vars[0].s == NULL || vars[1].s == NULL)
        return 0;
    /* A decoded domain is a host name: no '@', no spaces, has no empty label. */
    for (size_t i = 0; i < vars[1].n; i++) {
        unsigned char c = (unsigned char)vars[1].s[i];
        if (c == '@' || c <= ' ' || c == 0x7f)
            return 0;
    }
    for (size_t i = 0; i < vars[0].n; i++) {
        unsigned char c = (unsigned char)vars[0].s[i];
        if (c < ' ' || c == 0x7f)
            return 0;
    }
    int n =
        snprintf(out, outlen, "%.*s@%.*s", (int)vars[0].n, vars[0].s, (int)vars[1].n, vars[1].s);
    if (n < 0 || (size_t)n >= outlen)
        return 0;
    for (char *d = out + vars[0].n + 1; *d != '\0'; d++)
        *d = (char)tolower((unsigned char)*d);
    return 1;
}

int verp_unsign(const char *addr, char *out, size_t outlen)
{
    size_t n = strlen(addr);
    if (n + 1 > outlen)
        return -1;
    const char *at = strrchr(addr, '@');
    size_t local = at != NULL ? (size_t)(at - addr) : 0;
    int tagged = local > VERP_TAG_HEX + 1 && addr[local - VERP_TAG_HEX - 1] == '+';
    for (size_t i = local - VERP_TAG_HEX; tagged && i < local; i++)
        tagged = isxdigit((unsigned char)addr[i]) != 0;
    if (!tagged) {
        memcpy(out, addr, n + 1);
        return 0;
    }
    memcpy(out, addr, local - VERP_TAG_HEX - 1);
    memcpy(out + local - VERP_TAG_HEX - 1, at, n - local + 1);
    return 1;
}

int verp_signed_ok(const char *addr, const char *const *keys, size_t nkeys)
{
    char plain[VERP_MAX_ADDR], tag[VERP_TAG_HEX + 1];
    if (verp_unsign(addr, plain, sizeof plain) != 1)
        return 0;
    const char *given = strrchr(addr, '@') - VERP_TAG_HEX;
    for (size_t k = 0; k < nkeys; k++) {
        if (keys[k] == NULL || keys[k][0] == '\0' || verp_tag(keys[k], plain, tag) != 0)
            continue;
        /* Compared in full whatever differs, so timing tells nothing. */
        unsigned diff = 0;
        for (size_t i = 0; i < VERP_TAG_HEX; i++)
            diff |= (unsigned)(tolower((unsigned char)given[i]) ^ tag[i]);
        if (diff == 0)
            return 1;
    }
    return 0;
}
