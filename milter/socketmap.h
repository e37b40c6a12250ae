/*
 * socketmap.h - Postfix's socketmap protocol over the suppression set.
 *
 * Postfix asks "suppressed ADDRESS" as a netstring on a UNIX socket
 * (main.cf: check_recipient_access socketmap:unix:PATH:suppressed) and
 * gets "OK 550 5.7.1 recipient suppressed by bounce-milter: REASON since
 * DATE", "NOTFOUND " or "PERM reason" back, so smtpd refuses a suppressed
 * recipient at RCPT TO.  One thread serves every connection with poll();
 * a client may send any number of requests on one connection.  The thread
 * is named bm-socketmap.
 *
 *     socketmap *sm = socketmap_open("unix:/run/bounce-milter/socketmap", 0660, set, err, n);
 *     socketmap_start(sm);
 *     ...
 *     socketmap_stop(sm);                       (joins the thread, removes the socket)
 *
 * sm_answer() is the protocol without the sockets (tests, fuzzing).
 */
#ifndef MILTER_SOCKETMAP_H
#define MILTER_SOCKETMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "suppset.h"

#define SM_MAP_NAME "suppressed"
#define SM_MAX_REQUEST 1024 /* longer requests get PERM and the connection closes */

typedef struct socketmap socketmap;

/* Bind and listen on spec with the socket's mode (a stale socket file is
 * replaced); NULL with a message in err. */
socketmap *socketmap_open(const char *spec, mode_t mode, suppset *set, char *err, size_t errlen);

/* Serve in a thread of its own: 0, or -1. */
int socketmap_start(socketmap *sm);

/* Stop serving, close every connection (Postfix reconnects at its next
 * lookup), remove the socket file if it is still the one sm bound, free sm. */
void socketmap_stop(socketmap *sm);

/* Lookups answered and found since the start (counters file). */
uint64_t socketmap_lookups(socketmap *sm);
uint64_t socketmap_found(socketmap *sm);

/* Take the next netstring from in[0..len): 1 with *req and *reqlen set and
 * *used the bytes it took, 0 if more input is needed, -1 if the input is
 * no netstring or longer than SM_MAX_REQUEST. */
int sm_parse(const char *in, size_t len, size_t *used, const char **req, size_t *reqlen);

/* The reply to request req as a netstring in out (out must hold at least
 * SM_MAX_REPLY bytes): its length.  *found is set to 1 on a hit. */
#define SM_MAX_REPLY 512
size_t sm_answer(suppset *set, const char *req, size_t reqlen, int64_t now, char *out, int *found);

#endif
