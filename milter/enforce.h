/*
 * enforce.h - the daemon's enforcement and notification services: the
 * suppression set kept fresh from the store, the socketmap that serves it
 * to Postfix, and the webhooks.
 *
 * main.c starts them once the privileges are dropped, makes them follow
 * each reload's config before it installs it, and stops them at the end;
 * the writer (the events module) calls the two hooks for what it has
 * stored, before it confirms the journal, so that a crash replays rather
 * than loses a webhook.
 *
 *     enforce_start(conf, store_uri, journal_path, socket_gid, err, sizeof err);
 *     enforce_on_event(ev);            (each event the store did not hold)
 *     enforce_on_suppress(sp);         (each suppression the policy recorded)
 *     enforce_reload(new_conf, store_uri, journal_path, err, sizeof err);   (SIGUSR1)
 *     enforce_stop();
 *
 * A reload moves the socketmap only when its setting changed, restarts
 * only the webhooks whose settings changed, and reads the suppression set
 * from a changed store; the sockets' group stays as at start.
 */
#ifndef MILTER_ENFORCE_H
#define MILTER_ENFORCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "event.h"
#include "store.h"

#define ENFORCE_REFRESH 60 /* seconds between reloads of the suppression set */

/* Start what c asks for (as enforce_reload).  store_uri (NULL: none) feeds the suppression
 * set; the webhooks' spools go next to journal_path; the socketmap's
 * socket gets c's socket_mode and group gid ((gid_t)-1: unchanged).  0, or
 * -1 with a message in err (nothing left running). */
int enforce_start(const mconf *c, const char *store_uri, const char *journal_path, gid_t gid,
                  char *err, size_t errlen);

/* Follow c: a changed socketmap is opened on its new path (c's
 * socket_mode, the start's group) before the old one is closed and
 * removed; removed and changed webhooks are stopped (their spools stay),
 * new and changed ones started on the spools beside journal_path; a
 * changed store_uri is read into the set at once.  0, or -1 with a
 * message in err when a new socket or spool cannot be opened: then
 * nothing changed. */
int enforce_reload(const mconf *c, const char *store_uri, const char *journal_path, char *err,
                   size_t errlen);

/* Hooks for the writer (any thread); harmless when nothing was started. */
void enforce_on_event(const event *ev);
void enforce_on_suppress(const suppression *sp);

struct enforce_counters {
    uint64_t lookups, found;    /* socketmap */
    uint64_t delivered, failed; /* webhooks, all of them */
    size_t suppressed;          /* addresses in the set */
};

void enforce_counters(struct enforce_counters *out);

void enforce_stop(void);

#endif
