/*
 * summary.c - counting events by key (see summary.h).
 */
#include "summary.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int summary_by_name(const char *name, enum sum_by *by)
{
    static const char *const names[] = {"class", "domain", "provider", "day"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0) {
            *by = (enum sum_by)i;
            return 0;
        }
    return -1;
}

static int is_ip_literal(const char *h)
{
    return h[0] == '[' || strspn(h, "0123456789.") == strlen(h) || strchr(h, ':') != NULL;
}

const char *summary_registrable(const char *host, char *buf, size_t len)
{
    static const char *const generic[] = {"ac", "co", "com", "ed", "edu", "go", "gov", "gr",
                                          "lg", "ne", "net", "or", "org", "ad", "mil", NULL};
    size_t n = strlen(host);
    while (n && host[n - 1] == '.')
        n--;
    const char *dots[3] = {NULL, NULL, NULL}; /* the last three dots, last first */
    int k = 0;
    for (size_t i = n; i-- > 0 && k < 3;)
        if (host[i] == '.')
            dots[k++] = host + i;
    const char *start = host;
    if (k >= 2) {
        start = dots[1] + 1;
        size_t tld = (size_t)(host + n - dots[0] - 1), sld = (size_t)(dots[0] - dots[1] - 1);
        for (int g = 0; tld == 2 && generic[g]; g++)
            if (strlen(generic[g]) == sld && strncasecmp(dots[1] + 1, generic[g], sld) == 0)
                start = k == 3 ? dots[2] + 1 : host;
    }
    snprintf(buf, len, "%.*s", (int)(host + n - start), start);
    for (char *c = buf; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return buf;
}

const char *summary_key(const event *ev, enum sum_by by, char *buf, size_t len)
{
    switch (by) {
    case SUM_CLASS:
        return ev->f[EV_CLASS][0] ? ev->f[EV_CLASS] : "undefined";
    case SUM_DOMAIN:
        return event_domain(ev);
    case SUM_PROVIDER: {
        const char *mta = ev->f[EV_REMOTE_MTA];
        return summary_registrable(mta[0] && !is_ip_literal(mta) ? mta : event_domain(ev), buf,
                                   len);
    }
    case SUM_DAY:
        event_format_time(ev->time, buf);
        buf[10] = '\0';
        return buf;
    }
    return "";
}

static size_t hash(const char *s)
{
    size_t h = 5381;
    for (; *s; s++)
        h = h * 33 ^ (unsigned char)*s;
    return h;
}

/* Rebuild the index with room for twice the rows. */
static int reindex(summary *s)
{
    size_t n = s->nslots ? s->nslots * 2 : 64;
    size_t *slots = malloc(n * sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        slots[i] = (size_t)-1;
    for (size_t r = 0; r < s->n; r++) {
        size_t i = hash(s->rows[r].key) & (n - 1);
        while (slots[i] != (size_t)-1)
            i = (i + 1) & (n - 1);
        slots[i] = r;
    }
    free(s->slots);
    s->slots = slots;
    s->nslots = n;
    return 0;
}

int summary_add(summary *s, const char *key, const char *severity)
{
    if ((s->n + 1) * 2 > s->nslots && reindex(s) < 0)
        return -1;
    size_t i = hash(key) & (s->nslots - 1);
    while (s->slots[i] != (size_t)-1 && strcmp(s->rows[s->slots[i]].key, key) != 0)
        i = (i + 1) & (s->nslots - 1);
    if (s->slots[i] == (size_t)-1) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 16;
            sum_row *rows = realloc(s->rows, cap * sizeof *rows);
            if (rows == NULL)
                return -1;
            s->rows = rows;
            s->cap = cap;
        }
        char *k = strdup(key);
        if (k == NULL)
            return -1;
        s->rows[s->n] = (sum_row){k, 0, 0, 0};
        s->slots[i] = s->n++;
    }
    sum_row *r = &s->rows[s->slots[i]];
    r->events++;
    r->hard += strcmp(severity, "hard") == 0;
    r->soft += strcmp(severity, "soft") == 0;
    return 0;
}

static int by_count(const void *a, const void *b)
{
    const sum_row *x = a, *y = b;
    if (x->events != y->events)
        return x->events < y->events ? 1 : -1;
    return strcmp(x->key, y->key);
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const sum_row *)a)->key, ((const sum_row *)b)->key);
}

void summary_sort(summary *s, int count_first)
{
    if (s->n)
        qsort(s->rows, s->n, sizeof *s->rows, count_first ? by_count : by_key);
    free(s->slots); /* the order changed: the index is rebuilt when needed */
    s->slots = NULL;
    s->nslots = 0;
    if (s->n)
        reindex(s);
}

void summary_free(summary *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->rows[i].key);
    free(s->rows);
    free(s->slots);
    *s = (summary){0};
}
