/*
 * events.h - the daemon's bounce events: from end of message through the
 * journal into the store, and the hooks that other modules hang on it.
 *
 * Sessions call events_record() at end of message, before the milter
 * answers: each event is in the journal (fdatasync) when it returns, and
 * the writer thread copies it into the store later, so a callback never
 * waits on the database.  main.c calls events_configure() after the
 * privilege drop and again after each reload (a changed store or journal
 * is switched after the old journal is drained), and events_stop() at the
 * end.  bounce-milter -t uses events_configure(c, 0) and events_flush()
 * instead of a thread.
 *
 * Hooks: the socketmap's lookup set and the webhooks subscribe with
 * events_subscribe() before events_configure(); the writer thread calls
 *   on_event(ev, arg)     for each event the store committed (a replay
 *                         after a failure calls it again for the same id);
 *   on_suppress(sp, arg)  for each suppression the policy recorded.
 * Both run in the writer thread, must not block for long (queue the work)
 * and see their argument only during the call.  -t calls neither.
 *
 *     events_subscribe(my_event, my_suppress, state);
 *     events_configure(conf, 1);            (thread; after each reload too)
 *     events_record(conf, res, &ctx, rcpts, n);
 *     events_stop();
 */
#ifndef MILTER_EVENTS_H
#define MILTER_EVENTS_H

#include <stddef.h>

#include "config.h"

struct bc_result;
struct bc_recipient;
struct event;
struct event_ctx;
struct suppression;

typedef void (*events_event_fn)(const struct event *ev, void *arg);
typedef void (*events_suppress_fn)(const struct suppression *sp, void *arg);

/* Add a subscriber (either function may be NULL); 0, or -1 when full. */
int events_subscribe(events_event_fn on_event, events_suppress_fn on_suppress, void *arg);

/* Make the pipeline follow c's store and journal: nothing without a
 * store; else open the journal and (thread = 1) start the writer thread.
 * A change of store, journal or journal_max drains and closes the old
 * ones first.  0, or -1 (logged) when the journal cannot be opened. */
int events_configure(const mconf *c, int thread);

/* Journal one event per recipient of rcpts (not those the MTA refused as
 * suppressed); nothing when c has no store.  0 if each was journaled,
 * -1 if any was dropped (journal full or failing: counted, logged once a
 * minute; -t keeps it to store directly in events_flush). */
int events_record(const mconf *c, const struct bc_result *res, const struct event_ctx *ctx,
                  const struct bc_recipient *rcpts, size_t n);

/* -t: copy the journal into the store now and apply the policy.  0, or -1
 * if an event could be neither stored nor journaled. */
int events_flush(const mconf *c);

/* Drain what the store takes, stop the writer thread, close the journal. */
void events_stop(void);

#endif
