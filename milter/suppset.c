/*
 * suppset.c - an open-addressing hash set of suppressed addresses.
 *
 * A table is an array of slots (a 32-bit hash and a 32-bit offset into one
 * arena of records) kept at most half full, so a probe touches one or two
 * slots.  A record is the suppression's end and start (32-bit seconds,
 * enough until 2106), the index of its reason in the table's list of
 * reasons (a class name, "complaint" or "manual": a few dozen), and the
 * address; about 40 bytes for a typical address.  One lock guards the
 * current table; suppset_load builds the next table without it.
 */
#include "suppset.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "store.h"

#define EMPTY UINT32_MAX
#define MAX_KEY 320
#define MAX_REASONS 255
#define REC_HEAD 9 /* until, since, reason index */

struct slot {
    uint32_t hash, off;
};

/* Arena record: uint32 until, uint32 since, reason index, address NUL. */
struct table {
    struct slot *slots;
    size_t nslots, count;
    char *arena;
    size_t used, cap;
    char *reasons[MAX_REASONS];
    size_t nreasons;
};

struct suppset {
    pthread_rwlock_t lock;
    struct table t;
};

static uint32_t hash_key(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a over the lower-cased key */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)tolower((unsigned char)*s)) * 16777619u;
    return h == EMPTY ? 0 : h;
}

static const char *rec_addr(const struct table *t, uint32_t off)
{
    return t->arena + off + REC_HEAD;
}

/* The index of reason in t's list, added when new; -1 on memory
 * exhaustion.  Past MAX_REASONS distinct reasons, the last one stands in. */
static int reason_index(struct table *t, const char *reason)
{
    for (size_t i = 0; i < t->nreasons; i++)
        if (strcmp(t->reasons[i], reason) == 0)
            return (int)i;
    if (t->nreasons == MAX_REASONS)
        return MAX_REASONS - 1;
    if ((t->reasons[t->nreasons] = strdup(reason)) == NULL)
        return -1;
    return (int)t->nreasons++;
}

static int table_init(struct table *t, size_t nslots)
{
    memset(t, 0, sizeof *t);
    t->slots = malloc(nslots * sizeof *t->slots);
    if (t->slots == NULL)
        return -1;
    for (size_t i = 0; i < nslots; i++)
        t->slots[i].hash = EMPTY;
    t->nslots = nslots;
    return 0;
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->nreasons; i++)
        free(t->reasons[i]);
    free(t->slots);
    free(t->arena);
    memset(t, 0, sizeof *t);
}

/* The slot holding key, or the empty slot where it would go. */
static struct slot *probe(const struct table *t, const char *key, uint32_t h)
{
    size_t mask = t->nslots - 1, i = h & mask;
    for (;; i = (i + 1) & mask) {
        struct slot *sl = &t->slots[i];
        if (sl->hash == EMPTY || (sl->hash == h && strcasecmp(rec_addr(t, sl->off), key) == 0))
            return sl;
    }
}

static int grow_slots(struct table *t)
{
    size_t nslots = t->nslots * 2, mask = nslots - 1;
    struct slot *slots = malloc(nslots * sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < nslots; i++)
        slots[i].hash = EMPTY;
    /* The keys are distinct already: each goes to the first free slot. */
    for (size_t i = 0; i < t->nslots; i++) {
        struct slot *sl = &t->slots[i];
        if (sl->hash == EMPTY)
            continue;
        size_t j = sl->hash & mask;
        while (slots[j].hash != EMPTY)
            j = (j + 1) & mask;
        slots[j] = *sl;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return 0;
}

static int table_put(struct table *t, const char *addr, const char *reason, int64_t since,
                     int64_t until)
{
    size_t alen = strlen(addr);
    if (alen == 0 || alen > MAX_KEY)
        return 0; /* no address Postfix could ask for */
    int ri = reason_index(t, reason);
    if (ri < 0 || ((t->count + 1) * 2 > t->nslots && grow_slots(t) != 0))
        return -1;
    size_t need = REC_HEAD + alen + 1;
    if (t->used + need > t->cap) {
        size_t cap = t->cap ? t->cap + t->cap / 2 : 4096;
        while (cap < t->used + need)
            cap += cap / 2;
        if (cap >= EMPTY)
            return -1;
        char *a = realloc(t->arena, cap);
        if (a == NULL)
            return -1;
        t->arena = a;
        t->cap = cap;
    }
    uint32_t h = hash_key(addr);
    struct slot *sl = probe(t, addr, h);
    if (sl->hash == EMPTY)
        t->count++;
    /* A replaced record stays in the arena until the next load. */
    sl->hash = h;
    sl->off = (uint32_t)t->used;
    char *p = t->arena + t->used;
    uint32_t u = (uint32_t)until, b = (uint32_t)since;
    memcpy(p, &u, 4);
    memcpy(p + 4, &b, 4);
    p[8] = (char)ri;
    memcpy(p + REC_HEAD, addr, alen + 1);
    t->used += need;
    return 0;
}

suppset *suppset_new(void)
{
    suppset *ss = calloc(1, sizeof *ss);
    if (ss == NULL)
        return NULL;
    if (table_init(&ss->t, 64) != 0) {
        free(ss);
        return NULL;
    }
    pthread_rwlock_init(&ss->lock, NULL);
    return ss;
}

static int load_one(const suppression *sp, void *arg)
{
    if (!sp->enforced)
        return 0;
    return table_put(arg, sp->address, sp->reason, sp->since, sp->until);
}

int suppset_load(suppset *ss, store *s, int64_t now)
{
    struct table n;
    if (table_init(&n, 64) != 0)
        return -1;
    if (store_suppressions(s, now, 0, load_one, &n) != 0) {
        table_free(&n);
        return -1;
    }
    pthread_rwlock_wrlock(&ss->lock);
    struct table old = ss->t;
    ss->t = n;
    pthread_rwlock_unlock(&ss->lock);
    table_free(&old);
    return 0;
}

int suppset_add(suppset *ss, const suppression *sp)
{
    if (!sp->enforced)
        return 0;
    char *key = store_address_key(sp->address);
    if (key == NULL)
        return -1;
    pthread_rwlock_wrlock(&ss->lock);
    int rc = table_put(&ss->t, key, sp->reason, sp->since, sp->until);
    pthread_rwlock_unlock(&ss->lock);
    free(key);
    return rc;
}

static void format_reply(const char *reason, int64_t since, char *reply, size_t replylen)
{
    char when[32];
    event_format_time(since, when);
    when[10] = '\0'; /* the day is enough for a person reading the refusal */
    snprintf(reply, replylen, "550 5.7.1 %s: %s since %s", EVENT_SUPPRESSED_TEXT, reason, when);
}

int suppset_lookup(suppset *ss, const char *addr, int64_t now, char *reply, size_t replylen)
{
    if (strlen(addr) > MAX_KEY)
        return 0;
    int found = 0;
    pthread_rwlock_rdlock(&ss->lock);
    const struct table *t = &ss->t;
    struct slot *sl = probe(t, addr, hash_key(addr));
    if (sl->hash != EMPTY) {
        const char *p = t->arena + sl->off;
        uint32_t until, since;
        memcpy(&until, p, 4);
        memcpy(&since, p + 4, 4);
        if (until == 0 || until > now) {
            found = 1;
            format_reply(t->reasons[(unsigned char)p[8]], since, reply, replylen);
        }
    }
    pthread_rwlock_unlock(&ss->lock);
    return found;
}

size_t suppset_count(suppset *ss)
{
    pthread_rwlock_rdlock(&ss->lock);
    size_t n = ss->t.count;
    pthread_rwlock_unlock(&ss->lock);
    return n;
}

size_t suppset_bytes(suppset *ss)
{
    pthread_rwlock_rdlock(&ss->lock);
    size_t n = ss->t.nslots * sizeof(struct slot) + ss->t.cap;
    pthread_rwlock_unlock(&ss->lock);
    return n;
}

void suppset_free(suppset *ss)
{
    if (ss == NULL)
        return;
    table_free(&ss->t);
    pthread_rwlock_destroy(&ss->lock);
    free(ss);
}
