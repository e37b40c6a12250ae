/*
 * session.h - what bounce-milter does with one MTA connection, free of
 * libmilter.
 *
 * callbacks.c feeds it libmilter's events and testmode.c feeds it a message
 * file; both hand it a struct mops through which every change to the
 * message goes (smfi_* calls, or printing), so -t runs the same code as the
 * daemon.  Per message: session_envfrom, session_envrcpt (each),
 * session_data, then session_header (each), session_eoh, session_body
 * (chunks), session_eom; session_abort whenever the message ends early.
 * A message can be accepted at MAIL FROM, DATA or end of headers: no more
 * events come for it.
 */
#ifndef MILTER_SESSION_H
#define MILTER_SESSION_H

#include <stddef.h>

/* How the MTA side carries out changes; each returns 0 or -1. */
typedef struct mops {
    void *arg;
    const char *(*getsymval)(void *arg, const char *name); /* macro or NULL */
    int (*addheader)(void *arg, const char *name, const char *value);
    int (*chgheader)(void *arg, const char *name, int index, const char *value);
    int (*addrcpt)(void *arg, const char *rcpt);
    int (*delrcpt)(void *arg, const char *rcpt);
    int (*replacebody)(void *arg, const char *body, size_t len);
    int (*quarantine)(void *arg, const char *reason);
    int (*setreply)(void *arg, const char *code, const char *status, const char *text);
} mops;

enum sverdict {
    SV_CONTINUE, /* go on */
    SV_ACCEPT,   /* done with this message, deliver it */
    SV_SKIP,     /* send no more body (SMFIS_SKIP when the MTA allows it) */
    SV_REJECT,
    SV_DISCARD,
    SV_TEMPFAIL
};

typedef struct session session;

/* A session for one connection; NULL on memory exhaustion. */
session *session_new(void);

/* Release a session and anything its message holds (NULL is fine). */
void session_free(session *s);

/* The SMFIF_* actions the MTA granted for this connection. */
void session_set_granted(session *s, unsigned long actions);

/* Where this connection lets the fast path (inspect.envelope_only) accept
 * a message: MAIL FROM has a reply, the DATA step is sent and answered.
 * Default: neither, and ordinary mail is accepted at end of headers. */
enum { SE_AT_MAIL = 1, SE_AT_DATA = 2 };
void session_set_early(session *s, unsigned where);

/* MAIL FROM (argument as the MTA gave it, with or without <>); SV_ACCEPT
 * on the fast path when the envelope so far settles it. */
enum sverdict session_envfrom(session *s, const mops *ops, const char *sender);

/* RCPT TO, one call per recipient. */
enum sverdict session_envrcpt(session *s, const char *rcpt);

/* DATA, after the last RCPT; SV_ACCEPT on the fast path for a message no
 * envelope address marked. */
enum sverdict session_data(session *s);

/* One header; value as the MTA gave it (folds as "\n" or "\r\n"). */
enum sverdict session_header(session *s, const char *name, const char *value);

/* End of headers: SV_ACCEPT for a message the milter has no business with. */
enum sverdict session_eoh(session *s);

/* A chunk of the body. */
enum sverdict session_body(session *s, const char *chunk, size_t len);

/* End of message: classify, add headers, carry out the action. */
enum sverdict session_eom(session *s, const mops *ops);

/* The message ended without eom (or after it): forget it. */
void session_abort(session *s);

/* Name of the action carried out on the last message ("" if none). */
const char *session_last_action(const session *s);

/* Whether the current message is being inspected (read to the end). */
int session_inspecting(const session *s);

#endif
