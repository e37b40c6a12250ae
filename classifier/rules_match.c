/*
 * rules_match.c - find the deciding rule for one recipient's evidence
 * (ruleset_match, see rules.h).  The indexes mark the candidates in a
 * bitmap (the prefilter's units, the status, reply and host keys); they are
 * evaluated in rule order, skipping ranks below the best match so far, and
 * without running any regex whose literals did not occur.  A memo keeps
 * each unit's answer for recipients that share one text.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ruleset.h"

static int status_match(const char *pat, const char *st)
{
    while (*pat != '\0') {
        size_t pn = strcspn(pat, "."), sn = strcspn(st, ".");
        if (sn == 0 || (!(pn == 1 && *pat == '*') && (pn != sn || memcmp(pat, st, pn) != 0)))
            return 0;
        pat += pn;
        st += sn;
        if (*pat == '.')
            pat++;
        if (*st == '.')
            st++;
    }
    return *st == '\0';
}

static int reply_match(const char *pat, const char *reply)
{
    if (strlen(reply) != 3)
        return 0;
    for (int i = 0; i < 3; i++)
        if (pat[i] != '?' && pat[i] != reply[i])
            return 0;
    return 1;
}

static int host_is(const char *host, const char *suffix)
{
    size_t h = strlen(host), s = strlen(suffix);
    if (h < s || strcasecmp(host + h - s, suffix) != 0)
        return 0;
    return h == s || host[h - s - 1] == '.';
}

/* Does have ("" when the report gives none) match word matcher want? */
static int same(const char *want, const char *have)
{
    if (want == NULL)
        return 1;
    for (const char *p = want;; p++) {
        size_t len = strcspn(p, "|");
        if (len == 1 && *p == '-' ? *have == '\0'
                                  : strncasecmp(p, have, len) == 0 && have[len] == '\0')
            return 1;
        p += len;
        if (*p == '\0')
            return 0;
    }
}

struct rule_memo {
    const char *text; /* the text it is about, or NULL */
    size_t textlen;
    uint64_t *ubits;      /* units the prefilter let through */
    unsigned char *found; /* per unit: 0 not run yet, 1 matched, 2 did not */
    uint32_t *at, *len;   /* per matched unit: where and how long its match was */
};

rule_memo *ruleset_memo(const struct ruleset *rs, arena *a)
{
    rule_memo *m = arena_calloc(a, sizeof *m);
    if (m == NULL || rs == NULL)
        return m;
    m->ubits = arena_alloc(a, rs->nuwords * sizeof *m->ubits);
    m->found = arena_alloc(a, rs->nunits + 1);
    m->at = arena_alloc(a, (rs->nunits + 1) * sizeof *m->at);
    m->len = arena_alloc(a, (rs->nunits + 1) * sizeof *m->len);
    return m->ubits != NULL && m->found != NULL && m->at != NULL && m->len != NULL ? m : NULL;
}

/* Did the prefilter see a literal of each further set of unit un? */
static int groups_seen(const struct ruleset *rs, const struct unit *un, const uint64_t *ubits)
{
    for (uint32_t g = un->more0; g < un->more0 + un->nmore; g++) {
        size_t v = rs->nunits + g;
        if (!(ubits[v >> 6] >> (v & 63) & 1))
            return 0;
    }
    return 1;
}

/* 1 if any text unit of r that the prefilter let through (ubits) matches,
 * with where in *at and *len; memo (may be NULL) remembers each unit's
 * answer for this text. */
static int text_matches(const struct ruleset *rs, const struct rule *r, const rule_evidence *ev,
                        const uint64_t *ubits, rule_memo *memo, rx_scratch *s, size_t *at,
                        size_t *len)
{
    for (uint32_t u = r->unit0; u < r->unit0 + r->nunit; u++) {
        if (!rs->units[u].always && !(ubits[u >> 6] >> (u & 63) & 1))
            continue;
        if (!groups_seen(rs, &rs->units[u], ubits))
            continue;
        if (memo != NULL && memo->found[u] != 0) {
            if (memo->found[u] == 1) {
                *at = memo->at[u];
                *len = memo->len[u];
                return 1;
            }
            continue;
        }
        rx_match m;
        int hit = rx_search(rs->units[u].rx, s, ev->text, ev->textlen, 0, &m) == 1;
        if (hit) {
            *at = m.start[0];
            *len = m.end[0] - m.start[0];
        }
        if (memo != NULL) {
            memo->found[u] = hit ? 1 : 2;
            memo->at[u] = hit ? (uint32_t)*at : 0;
            memo->len[u] = hit ? (uint32_t)*len : 0;
        }
        if (hit)
            return 1;
    }
    return 0;
}

int rule_evidence_temporary(const rule_evidence *ev)
{
    return ev->status[0] == '4' || ev->reply[0] == '4' || strcmp(ev->action, "delayed") == 0;
}

/* 1 if every matcher of r holds for ev (regex errors count as no match);
 * *at and *len say what its text matched (0, 0 without text). */
static int rule_matches(const struct ruleset *rs, const struct rule *r, const rule_evidence *ev,
                        const uint64_t *ubits, rule_memo *memo, rx_scratch *s, size_t *at,
                        size_t *len)
{
    *at = *len = 0;
    if (!same(r->kind, ev->kind) || !same(r->mta, ev->mta) || !same(r->action, ev->action) ||
        !same(r->feedback, ev->feedback) || !same(r->command, ev->command))
        return 0;
    if (r->status != NULL && !status_match(r->status, ev->status))
        return 0;
    if (r->unless_status != NULL && status_match(r->unless_status, ev->status))
        return 0;
    if (r->temporary && !rule_evidence_temporary(ev))
        return 0;
    if (r->reply[0] != '\0' && !reply_match(r->reply, ev->reply))
        return 0;
    if (r->nhosts > 0) {
        int hit = 0;
        for (size_t i = 0; !hit && i < r->nhosts; i++)
            for (size_t k = 0; !hit && k < 3; k++)
                hit = *ev->hosts[k] != '\0' && host_is(ev->hosts[k], r->hosts[i]);
        if (!hit)
            return 0;
    }
    return r->nunit == 0 || text_matches(rs, r, ev, ubits, memo, s, at, len);
}

/* The three fields of an enhanced status "X.Y.Z" (1-3 digits each, X one
 * of 2, 4, 5); 0 if st is not one. */
static int status_fields(const char *st, const char *f[3], size_t fl[3])
{
    if (st[0] != '2' && st[0] != '4' && st[0] != '5')
        return 0;
    for (int i = 0; i < 3; i++) {
        f[i] = st;
        fl[i] = strspn(st, "0123456789");
        if (fl[i] == 0 || fl[i] > 3 || st[fl[i]] != (i < 2 ? '.' : '\0'))
            return 0;
        st += fl[i] + 1;
    }
    return 1;
}

static void mark_key(const struct ruleset *rs, const char *key, uint64_t *bits)
{
    long p = strtab_get(&rs->keytab, key);
    if (p < 0)
        return;
    const struct postings *ps = &rs->posts[p];
    for (size_t i = 0; i < ps->n; i++)
        bits[ps->v[i] >> 6] |= (uint64_t)1 << (ps->v[i] & 63);
}

/* Mark every rule an index says may match ev (ubits: the units the
 * prefilter let through). */
static void candidates(const struct ruleset *rs, const rule_evidence *ev, uint64_t *bits,
                       const uint64_t *ubits)
{
    char key[300];
    memcpy(bits, rs->always, rs->nwords * sizeof *bits);
    for (size_t w = 0; w * 64 < rs->nunits; w++) {
        uint64_t b = ubits[w]; /* the units' bits, not the groups' after them */
        if (rs->nunits - w * 64 < 64)
            b &= ((uint64_t)1 << (rs->nunits - w * 64)) - 1;
        for (; b != 0; b &= b - 1) {
            uint32_t r = rs->units[w * 64 + (size_t)__builtin_ctzll(b)].rule;
            bits[r >> 6] |= (uint64_t)1 << (r & 63);
        }
    }
    const char *f[3];
    size_t fl[3];
    if (rs->have_status && status_fields(ev->status, f, fl))
        for (int mask = 0; mask < 8; mask++) {
            if (!(rs->status_shapes >> mask & 1))
                continue;
            char *p = key;
            *p++ = 's';
            *p++ = ':';
            for (int i = 0; i < 3; i++) {
                if (mask & 1 << i)
                    *p++ = '*';
                else
                    p = (char *)memcpy(p, f[i], fl[i]) + fl[i];
                *p++ = i < 2 ? '.' : '\0';
            }
            mark_key(rs, key, bits);
        }
    if (rs->have_reply && strlen(ev->reply) == 3 && strspn(ev->reply, "0123456789") == 3)
        for (int mask = 0; mask < 8; mask++) {
            if (!(rs->reply_shapes >> mask & 1))
                continue;
            key[0] = 'r';
            key[1] = ':';
            for (int i = 0; i < 3; i++)
                key[2 + i] = mask & 1 << i ? '?' : ev->reply[i];
            key[5] = '\0';
            mark_key(rs, key, bits);
        }
    if (rs->have_host)
        for (int k = 0; k < 3; k++) {
            const char *h = ev->hosts[k];
            if (*h == '\0' || strlen(h) > 253 || (k > 0 && strcmp(h, ev->hosts[k - 1]) == 0))
                continue;
            for (const char *p = h; p != NULL; p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL) {
                size_t n = 2; /* "h:" and the suffix lower-cased (h fits key) */
                for (const char *c = p; *c; c++)
                    key[n++] = *c >= 'A' && *c <= 'Z' ? (char)(*c + 32) : *c;
                key[n] = '\0';
                key[0] = 'h';
                key[1] = ':';
                mark_key(rs, key, bits);
            }
        }
}

/* Which of two matching rules of one rank decides, and why (see rules.h):
 * 1 if a (matched len_a bytes of text) wins over b. */
static int wins_over(const struct ruleset *rs, const struct rule *a, size_t len_a,
                     const struct rule *b, size_t len_b, const char **why)
{
    if (ruleset_beats(rs, &a->info, &b->info) || ruleset_beats(rs, &b->info, &a->info)) {
        *why = "named in beats";
        return ruleset_beats(rs, &a->info, &b->info);
    }
    if (a->specificity != b->specificity) {
        *why = "more matchers";
        return a->specificity > b->specificity;
    }
    if (len_a != len_b) {
        *why = "longer text match";
        return len_a > len_b;
    }
    *why = "earlier rule";
    return a->info.index < b->info.index;
}

/* Does a rule's answer say hard?  A text of another hard class (an
 * "address rejected" wrapper under a 5.3.2) does not contradict a hard
 * status; a soft one does. */
static int reads_hard(const rule_info *r)
{
    return (r->severity >= 0 ? r->severity : (int)r->cls->severity) == BC_SEV_HARD;
}

/* Does a text rule of a rank below the winner's match ev with a soft
 * reading?  Asked only when a status table's hard answer would decide. */
static int text_disagrees(const struct ruleset *rs, const rule_evidence *ev, const uint64_t *bits,
                          const uint64_t *ubits, rule_memo *memo, rx_scratch *scratch,
                          const rule_info *win)
{
    for (size_t w = 0; w < rs->nwords; w++)
        for (uint64_t b = bits[w]; b != 0; b &= b - 1) {
            size_t i = w * 64 + (size_t)__builtin_ctzll(b);
            if (i >= rs->nrules)
                return 0;
            const struct rule *r = &rs->rules[i];
            size_t at, len;
            if (r->info.tier > win->tier && r->nunit > 0 && r->info.cls != win->cls &&
                !reads_hard(&r->info) && rule_matches(rs, r, ev, ubits, memo, scratch, &at, &len))
                return 1;
        }
    return 0;
}

const rule_info *ruleset_match(const struct ruleset *rs, const rule_evidence *ev,
                               rx_scratch *scratch, arena *a, rule_memo *memo, rule_trace *trace,
                               rule_verdict *verdict, int *err)
{
    *err = 0;
    if (trace != NULL)
        memset(trace, 0, sizeof *trace);
    if (verdict != NULL)
        memset(verdict, 0, sizeof *verdict);
    if (rs == NULL || rs->nrules == 0)
        return NULL;
    uint64_t *bits = arena_alloc(a, (rs->nwords + rs->nuwords) * sizeof *bits);
    if (bits == NULL || (trace != NULL && (trace->hits = arena_alloc(
                                               a, rs->nrules * sizeof *trace->hits)) == NULL)) {
        *err = -1;
        return NULL;
    }
    uint64_t *ubits = memo != NULL ? memo->ubits : bits + rs->nwords;
    if (memo == NULL || memo->text == NULL || memo->textlen != ev->textlen ||
        memcmp(memo->text, ev->text, ev->textlen) != 0) {
        memset(ubits, 0, rs->nuwords * sizeof *ubits);
        litset_scan(rs->lits, ev->text, ev->textlen, ubits);
        if (memo != NULL) {
            memo->text = ev->text;
            memo->textlen = ev->textlen;
            memset(memo->found, 0, rs->nunits + 1);
        }
    }
    candidates(rs, ev, bits, ubits);

    const struct rule *best = NULL;
    size_t best_len = 0;
    int best_rank = TIER_COUNT + 1; /* 0: override, 1 + tier otherwise */
    const char *why = NULL;
    for (size_t w = 0; w < rs->nwords; w++) {
        for (uint64_t b = bits[w]; b != 0; b &= b - 1) {
            size_t i = w * 64 + (size_t)__builtin_ctzll(b);
            if (i >= rs->nrules)
                break;
            const struct rule *r = &rs->rules[i];
            int rank = r->info.override ? 0 : 1 + (int)r->info.tier;
            if (trace == NULL && rank > best_rank)
                continue;
            if (trace != NULL)
                trace->ncandidates++;
            size_t at, len;
            if (!rule_matches(rs, r, ev, ubits, memo, scratch, &at, &len))
                continue;
            if (trace != NULL)
                trace->hits[trace->nhits++] = (rule_hit){&r->info, at, len};
            const char *how = "only match of its rank";
            if (rank < best_rank ||
                (rank == best_rank && wins_over(rs, r, len, best, best_len, &how))) {
                if (rank < best_rank)
                    why = "only match of its rank";
                else
                    why = how;
                best = r;
                best_len = len;
                best_rank = rank;
                if (trace == NULL && rank == 0)
                    return &best->info;
            } else if (rank == best_rank) {
                why = how;
            }
        }
    }
    if (best == NULL)
        return NULL;
    if (trace != NULL)
        trace->why = best->info.override ? "override rule" : why;
    if (verdict != NULL && best->info.tier == TIER_STATUS && !best->info.override &&
        best->info.cls->severity == BC_SEV_HARD)
        verdict->text_disagrees = text_disagrees(rs, ev, bits, ubits, memo, scratch, &best->info);
    return &best->info;
}
