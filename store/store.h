/*
 * store.h - the bounce event store: events and the suppression list in
 * SQLite (one host) or PostgreSQL (a fleet), behind one interface.
 *
 *     store *s = store_open("sqlite:/var/lib/bounce-milter/bounces.db", err, sizeof err);
 *     store_put(s, events, n);                  (ids it holds already are skipped)
 *     store_apply_policy(s, &policy, address, time(NULL), NULL);
 *     store_close(s);
 *
 * A store handle belongs to one thread at a time.  Opening creates the
 * schema or migrates an older one (see the schema in bounce-report(1));
 * several processes may open one database at once.  Every function that
 * can fail returns -1 and leaves the database's message in store_error().
 * Addresses are compared as given, with the domain lower-cased
 * (store_address_key).
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "policy.h"

#define STORE_SCHEMA_VERSION 2

typedef struct store store;

/* What is wrong with a store URI ("sqlite: needs an absolute path"), or
 * NULL when it names a usable kind of store. */
const char *store_uri_problem(const char *uri);

/* Open uri ("sqlite:/abs/path", "postgresql://..." or "postgres://..."),
 * creating or migrating the schema; NULL with a message in err. */
store *store_open(const char *uri, char *err, size_t errlen);

/* The same, migrating no further than version (tests make old schemas). */
store *store_open_version(const char *uri, int version, char *err, size_t errlen);

/* The schema version the database is at. */
int store_schema_version(store *s);

/* The last error's message. */
const char *store_error(const store *s);

/* Run one SQL statement without parameters (maintenance, tests): rows
 * changed, or -1. */
long store_exec(store *s, const char *sql);

/* Insert events in one transaction; an id the store holds is skipped, so
 * replaying a journal never doubles an event.  The number inserted, or -1
 * (and nothing inserted). */
long store_put(store *s, event *const *evs, size_t n);

/* Which events store_events() lists; NULL or 0 fields do not filter. */
struct event_filter {
    const char *address; /* failed recipient, exact */
    const char *domain;  /* the failed recipient's domain */
    const char *class_name;
    const char *severity;
    int64_t since, before; /* time >= since, time < before */
};

/* Call fn for each matching event, oldest first (ties by id); a non-zero
 * return stops.  0, or -1. */
int store_events(store *s, const struct event_filter *f, int (*fn)(const event *ev, void *arg),
                 void *arg);

typedef struct suppression {
    char *address;
    char *reason;   /* a class, "complaint" or "manual" */
    int64_t since;  /* when it began */
    int64_t until;  /* when it ends, 0: never */
    char *note;     /* why (manual), or what the policy said */
    char *evidence; /* event ids, space-separated */
    int manual;
    int enforced;      /* 0: observe-only (enforce = false) */
    int64_t lifted;    /* the last manual unsuppress (0: none); it ended this
                          suppression when lifted >= since */
    char *lifted_note; /* that unsuppress's note */
} suppression;

/* 1 if the suppression is in force at now (not lifted since it began,
 * not expired). */
int suppression_active(const suppression *sp, int64_t now);

/* The suppression row of address (active or not): 1 and *out filled (free
 * with suppression_clear), 0 if none, -1. */
int store_suppression_get(store *s, const char *address, suppression *out);

/* Each suppression in force at now (with all, also lifted and expired
 * ones), by address; a non-zero return stops.  0, or -1. */
int store_suppressions(store *s, int64_t now, int all, int (*fn)(const suppression *sp, void *arg),
                       void *arg);

/* Suppress by hand: reason "manual", never expires, note required.  Any
 * earlier evidence of the address stays.  0, or -1. */
int store_suppress(store *s, const char *address, const char *note, int64_t now);

/* Lift the address's suppression: the row stays with its evidence, marked
 * lifted at now with the note, and counting restarts there (events up to
 * now no longer suppress).  1 if one was in force, 0 if none, -1. */
int store_unsuppress(store *s, const char *address, const char *note, int64_t now);

/* Run the policy for address over its stored events; record a new
 * suppression when it says so and none is in force.  1 if one was
 * recorded (copied to *made when made is not NULL), 0 if not, -1. */
int store_apply_policy(store *s, const policy *p, const char *address, int64_t now,
                       suppression *made);

/* Delete events older than before and suppressions expired at now or lifted
 * before `before`; the counts to *events and *suppressions.  0, or -1. */
int store_prune(store *s, int64_t before, int64_t now, long *events, long *suppressions);

/* Erase every event of address (as failed or original recipient) and its
 * suppression; the counts as in store_prune.  0, or -1. */
int store_forget(store *s, const char *address, long *events, long *suppressions);

/* address with its domain lower-cased, in a new string (NULL: no memory). */
char *store_address_key(const char *address);

void suppression_clear(suppression *sp);

void store_close(store *s);

#endif
