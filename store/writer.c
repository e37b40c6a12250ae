/*
 * writer.c - from the journal into the store (see writer.h).
 */
#include "writer.h"

#include <stdlib.h>
#include <string.h>

/* Apply the policy once per distinct address of evs. */
static int apply(store *s, const policy *p, event **evs, size_t n, int64_t now,
                 struct writer_stats *st, writer_suppressed_fn fn, void *arg)
{
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(evs[k]->f[EV_ADDRESS], evs[i]->f[EV_ADDRESS]) == 0;
        if (seen)
            continue;
        suppression made;
        int rc = store_apply_policy(s, p, evs[i]->f[EV_ADDRESS], now, &made);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            st->suppressed++;
            if (fn)
                fn(&made, arg);
            suppression_clear(&made);
        }
    }
    return 0;
}

long writer_drain(journal_reader *r, store *s, const policy *p, size_t max, int64_t now,
                  struct writer_stats *st, writer_suppressed_fn fn, void *arg)
{
    return writer_drain_each(r, s, p, max, now, st, fn, NULL, arg);
}

long writer_drain_each(journal_reader *r, store *s, const policy *p, size_t max, int64_t now,
                       struct writer_stats *st, writer_suppressed_fn fn, writer_stored_fn each,
                       void *arg)
{
    event **evs = calloc(max ? max : 1, sizeof *evs);
    sbuf rec = {0};
    size_t n = 0;
    long nread = 0, rc = 0;
    if (evs == NULL)
        return -1;
    while ((size_t)nread < max && (rc = journal_reader_next(r, &rec)) == 1) {
        nread++;
        event *e = event_decode(rec.s, rec.len);
        if (e == NULL)
            st->undecodable++;
        else
            evs[n++] = e;
    }
    long stored = rc < 0 ? -1 : n ? store_put(s, evs, n) : 0;
    for (size_t i = 0; stored >= 0 && each != NULL && i < n; i++)
        each(evs[i], arg);
    if (stored >= 0 && p && apply(s, p, evs, n, now, st, fn, arg) < 0)
        stored = -1;
    if (stored >= 0 && nread > 0 && journal_reader_confirm(r) < 0)
        stored = -1;
    if (stored < 0) {
        journal_reader_rewind(r);
        nread = -1;
    } else {
        st->read += (uint64_t)nread;
        st->stored += (uint64_t)stored;
    }
    for (size_t i = 0; i < n; i++)
        event_free(evs[i]);
    free(evs);
    sbuf_free(&rec);
    return nread;
}
