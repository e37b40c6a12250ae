/*
 * actions.c - match a classified bounce against the configured actions,
 * and strip the returned original from a multipart body.
 *
 * The strip works on the raw body as the MTA sent it (CRLF lines): it finds
 * the top-level boundary lines, reads each part's Content-Type and copies
 * every part except the returned original (message/rfc822, message/global)
 * or its headers (text/rfc822-headers, message/global-headers), then closes
 * the multipart.  Nested multiparts are copied whole (the original is a direct
 * child of multipart/report, RFC 6522).
 */
#include "actions.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int domain_matches(const mc_list *l, const char *address)
{
    const char *at = strrchr(address, '@');
    if (at == NULL)
        return 0;
    const char *dom = at + 1;
    size_t dl = strlen(dom);
    for (size_t i = 0; i < l->n; i++) {
        const char *e = l->v[i];
        if (e[0] == '.') {
            size_t el = strlen(e);
            /* ".example.com" matches example.com and any subdomain */
            if (strcasecmp(dom, e + 1) == 0 || (dl > el && strcasecmp(dom + dl - el, e) == 0))
                return 1;
        } else if (strcasecmp(dom, e) == 0) {
            return 1;
        }
    }
    return 0;
}

static int recipient_fits(const mc_match *m, const bc_recipient *r)
{
    if (m->class_name.n && !mc_list_has(&m->class_name, r->class_name))
        return 0;
    if (m->severity.n && !mc_list_has(&m->severity, bc_severity_name(r->severity)))
        return 0;
    if (m->advice.n && !mc_list_has(&m->advice, r->advice))
        return 0;
    if (m->detail.n && !mc_list_has(&m->detail, r->detail))
        return 0;
    if (m->domain.n && !domain_matches(&m->domain, r->address))
        return 0;
    return 1;
}

int actions_match(const mc_match *m, const bounce_view *v)
{
    if (m->kind.n && !mc_list_has(&m->kind, v->kind ? v->kind : ""))
        return 0;
    int per_rcpt = m->class_name.n || m->severity.n || m->advice.n || m->detail.n || m->domain.n;
    if (!per_rcpt)
        return 1;
    for (size_t i = 0; i < v->n; i++)
        if (recipient_fits(m, &v->rcpts[i]))
            return 1;
    return 0;
}

const mc_action *actions_select(const mconf *c, const bounce_view *v)
{
    for (size_t i = 0; i < c->nactions; i++)
        if (actions_match(&c->actions[i].match, v))
            return &c->actions[i];
    return NULL;
}

enum mc_action_type actions_internal(enum mc_action_type t)
{
    switch (t) {
    case MC_ACT_HEADERS:
    case MC_ACT_SUBJECT:
    case MC_ACT_QUARANTINE:
    case MC_ACT_COPY:
        return t;
    default:
        return MC_ACT_HEADERS;
    }
}

int ctype_is(const char *value, const char *type)
{
    while (*value == ' ' || *value == '\t' || *value == '\r' || *value == '\n')
        value++;
    size_t n = strlen(type);
    if (strncasecmp(value, type, n) != 0)
        return 0;
    char c = value[n];
    return c == '\0' || c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int ctype_param(const char *value, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    const char *p = value;
    if (outlen == 0)
        return 0;
    while ((p = strchr(p, ';')) != NULL) {
        p++;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (strncasecmp(p, name, nl) != 0)
            continue;
        const char *q = p + nl;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != '=')
            continue;
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        size_t o = 0;
        if (*q == '"') {
            for (q++; *q != '\0' && *q != '"'; q++) {
                if (*q == '\\' && q[1] != '\0')
                    q++;
                if (o + 1 < outlen)
                    out[o++] = *q;
            }
        } else {
            for (; *q != '\0' && *q != ';' && !isspace((unsigned char)*q); q++)
                if (o + 1 < outlen)
                    out[o++] = *q;
        }
        out[o] = '\0';
        return o > 0;
    }
    return 0;
}

/* Offset of the next line at or after pos that starts with delim, or len. */
static size_t find_delim(const char *b, size_t len, size_t pos, const char *delim, size_t dl)
{
    while (pos < len) {
        /* RFC 2046: "--" boundary, then "--" (the close) or white space
         * to the line end; "--B-inner" is a nested part's, not ours */
        if (len - pos >= dl && memcmp(b + pos, delim, dl) == 0 &&
            (len - pos == dl || strchr(" \t\r\n", b[pos + dl]) != NULL ||
             (len - pos > dl + 1 && b[pos + dl] == '-' && b[pos + dl + 1] == '-')))
            return pos;
        const char *nl = memchr(b + pos, '\n', len - pos);
        if (nl == NULL)
            return len;
        pos = (size_t)(nl - b) + 1;
    }
    return len;
}

/* 1 if the part starting at b[start] (its delimiter line) is the returned
 * original or its headers (the third part of RFC 6522): message/rfc822,
 * message/global, text/rfc822-headers or message/global-headers. */
static int part_is_original(const char *b, size_t start, size_t end)
{
    const char *nl = memchr(b + start, '\n', end - start);
    size_t pos = nl ? (size_t)(nl - b) + 1 : end;
    while (pos < end) {
        const char *e = memchr(b + pos, '\n', end - pos);
        size_t le = e ? (size_t)(e - b) : end;
        size_t n = le - pos;
        if (n > 0 && b[pos + n - 1] == '\r')
            n--;
        if (n == 0)
            break; /* end of the part's headers */
        if (n >= 13 && strncasecmp(b + pos, "content-type:", 13) == 0) {
            /* the value, with its folded continuation lines */
            char v[128];
            size_t vn = 0, p = pos + 13, lend = pos + n;
            for (;;) {
                for (; p < lend && vn < sizeof v - 1; p++)
                    v[vn++] = b[p];
                if (le + 1 >= end || (b[le + 1] != ' ' && b[le + 1] != '\t'))
                    break;
                p = le + 1;
                e = memchr(b + p, '\n', end - p);
                le = e ? (size_t)(e - b) : end;
                lend = le > p && b[le - 1] == '\r' ? le - 1 : le;
            }
            v[vn] = '\0';
            return ctype_is(v, "message/rfc822") || ctype_is(v, "message/global") ||
                   ctype_is(v, "text/rfc822-headers") || ctype_is(v, "message/global-headers");
        }
        pos = le + 1;
    }
    return 0;
}

int actions_strip(const char *b, size_t len, int truncated, const char *boundary, char **out,
                  size_t *outlen)
{
    char delim[80];
    size_t bl = strlen(boundary);
    if (bl == 0 || bl > 70)
        return 0;
    delim[0] = delim[1] = '-';
    memcpy(delim + 2, boundary, bl);
    size_t dl = bl + 2;
    const char *first_nl = memchr(b, '\n', len);
    const char *eol = first_nl != NULL && first_nl > b && first_nl[-1] == '\r' ? "\r\n" : "\n";

    char *o = malloc(len + dl + 8);
    if (o == NULL)
        return -1;
    size_t on = 0, pos = find_delim(b, len, 0, delim, dl);
    int removed = 0;
    if (pos == len) {
        free(o);
        return 0; /* no boundary at all: not the multipart we were told */
    }
    memcpy(o, b, pos); /* the preamble */
    on = pos;
    while (pos < len) {
        /* the closing delimiter ends the parts */
        if (len - pos >= dl + 2 && memcmp(b + pos + dl, "--", 2) == 0)
            break;
        size_t next = find_delim(b, len, pos + dl, delim, dl);
        if (part_is_original(b, pos, next)) {
            removed = 1;
            if (truncated)
                break; /* what follows may be cut: keep nothing after it */
        } else {
            memcpy(o + on, b + pos, next - pos);
            on += next - pos;
        }
        pos = next;
    }
    if (!removed) {
        free(o);
        return 0;
    }
    memcpy(o + on, delim, dl);
    on += dl;
    memcpy(o + on, "--", 2);
    on += 2;
    memcpy(o + on, eol, strlen(eol));
    on += strlen(eol);
    *out = o;
    *outlen = on;
    return 1;
}
