/*
 * callbacks.c - libmilter glue: one session per connection (smfi_setpriv),
 * negotiation, and a struct mops whose functions are the smfi_* calls.
 *
 * Negotiation asks for the actions the current config needs (and takes
 * what the MTA grants: an action it refuses is replaced by "headers" and
 * logged), drops the steps the milter never uses (HELO, DATA, unknown
 * commands; connect when {daemon_name} can come with MAIL) and asks for
 * no replies where it always continues (connect, MAIL, RCPT, each header).
 * RCPT always stays: the log names the bounce's envelope recipients.
 *
 * Messages in flight (from MAIL to their end) are counted for the drain at
 * a stop (callbacks_drain): once it has begun, a message that starts is not
 * counted but answered 451 at its end of headers (MAIL and RCPT are
 * negotiated without replies), so the count only falls.
 */
#include "callbacks.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "runtime.h"
#include "session.h"

/* Per connection: the session and the negotiated protocol steps. */
struct conn {
    session *s;
    unsigned long steps;
    int counted; /* its message is in the in-flight count */
    int refused; /* its message began during the drain */
};

static pthread_mutex_t flight_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flight_done = PTHREAD_COND_INITIALIZER;
static long in_flight;
static int draining;

static void flight_end(struct conn *c)
{
    if (!c->counted)
        return;
    c->counted = 0;
    pthread_mutex_lock(&flight_lock);
    if (--in_flight == 0 && draining)
        pthread_cond_broadcast(&flight_done);
    pthread_mutex_unlock(&flight_lock);
}

static void flight_begin(struct conn *c)
{
    flight_end(c); /* a message left without end of message or abort */
    pthread_mutex_lock(&flight_lock);
    c->refused = draining;
    c->counted = !draining;
    in_flight += c->counted;
    pthread_mutex_unlock(&flight_lock);
}

/* A verdict before end of message that ends the message for the milter
 * (accept, reject, ...) ends its flight: no end of message will come. */
static sfsistat settled(struct conn *c, sfsistat st)
{
    if (st != SMFIS_CONTINUE && st != SMFIS_SKIP)
        flight_end(c);
    return st;
}

long callbacks_drain(unsigned seconds)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)seconds;
    pthread_mutex_lock(&flight_lock);
    draining = 1;
    int waited = in_flight > 0;
    while (in_flight > 0 && pthread_cond_timedwait(&flight_done, &flight_lock, &until) != ETIMEDOUT)
        ;
    long left = in_flight;
    pthread_mutex_unlock(&flight_lock);
    if (waited && left == 0) {
        /* libmilter writes the reply to the last end of message only once
         * our callback has returned: give its thread the moment it needs */
        struct timespec grace = {0, 200 * 1000 * 1000};
        nanosleep(&grace, NULL);
    }
    return left;
}

long callbacks_in_flight(void)
{
    pthread_mutex_lock(&flight_lock);
    long n = in_flight;
    pthread_mutex_unlock(&flight_lock);
    return n;
}

static const char *op_getsymval(void *arg, const char *name)
{
    return smfi_getsymval((SMFICTX *)arg, (char *)name);
}

static int op_addheader(void *arg, const char *name, const char *value)
{
    return smfi_addheader((SMFICTX *)arg, (char *)name, (char *)value) == MI_SUCCESS ? 0 : -1;
}

static int op_chgheader(void *arg, const char *name, int index, const char *value)
{
    return smfi_chgheader((SMFICTX *)arg, (char *)name, index, (char *)value) == MI_SUCCESS ? 0
                                                                                            : -1;
}

static int op_addrcpt(void *arg, const char *rcpt)
{
    return smfi_addrcpt((SMFICTX *)arg, (char *)rcpt) == MI_SUCCESS ? 0 : -1;
}

static int op_delrcpt(void *arg, const char *rcpt)
{
    return smfi_delrcpt((SMFICTX *)arg, (char *)rcpt) == MI_SUCCESS ? 0 : -1;
}

static int op_replacebody(void *arg, const char *body, size_t len)
{
    /* libmilter takes an int length: hand it over in pieces */
    while (len > 0) {
        int n = len > 65536 ? 65536 : (int)len;
        if (smfi_replacebody((SMFICTX *)arg, (unsigned char *)body, n) != MI_SUCCESS)
            return -1;
        body += n;
        len -= (size_t)n;
    }
    return 0;
}

static int op_quarantine(void *arg, const char *reason)
{
    return smfi_quarantine((SMFICTX *)arg, (char *)reason) == MI_SUCCESS ? 0 : -1;
}

static int op_setreply(void *arg, const char *code, const char *status, const char *text)
{
    return smfi_setreply((SMFICTX *)arg, (char *)code, (char *)status, (char *)text) == MI_SUCCESS
               ? 0
               : -1;
}

static mops ops_for(SMFICTX *ctx)
{
    mops o = {ctx,        op_getsymval,   op_addheader,  op_chgheader, op_addrcpt,
              op_delrcpt, op_replacebody, op_quarantine, op_setreply};
    return o;
}

static sfsistat map(enum sverdict v, const struct conn *c)
{
    switch (v) {
    case SV_ACCEPT:
        return SMFIS_ACCEPT;
    case SV_SKIP:
        return (c->steps & SMFIP_SKIP) ? SMFIS_SKIP : SMFIS_CONTINUE;
    case SV_REJECT:
        return SMFIS_REJECT;
    case SV_DISCARD:
        return SMFIS_DISCARD;
    case SV_TEMPFAIL:
        return SMFIS_TEMPFAIL;
    default:
        return SMFIS_CONTINUE;
    }
}

/* Continue, or no reply at all when the MTA agreed to expect none. */
static sfsistat cont(const struct conn *c, unsigned long nr_flag)
{
    return (c->steps & nr_flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static struct conn *conn_get(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c != NULL)
        return c;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->s = session_new();
    if (c->s == NULL) {
        free(c);
        return NULL;
    }
    smfi_setpriv(ctx, c);
    return c;
}

unsigned long callbacks_steps(unsigned long offered, int no_connect)
{
    unsigned long want = SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOUNKNOWN | SMFIP_SKIP |
                         SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
                         SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_HDR;
    if (no_connect)
        want |= SMFIP_NOCONNECT;
    return want & offered;
}

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
    struct conn *c = conn_get(ctx);
    mruntime *rt = runtime_acquire();
    if (c == NULL || rt == NULL) {
        runtime_release(rt);
        log_msg(LOG_ERR, "negotiate: out of memory; connection not filtered");
        return SMFIS_ALL_OPTS; /* accept everything libmilter's defaults allow */
    }
    unsigned long need = mconf_required_actions(rt->conf);
    runtime_release(rt);
    if ((f0 & need) != need)
        log_msg(LOG_WARNING,
                "MTA offers milter actions 0x%lx, config needs 0x%lx: actions that need the "
                "missing ones fall back to headers",
                f0, need);
    *pf0 = need & f0;
    /* Ask for exactly the macros used, whatever the MTA's defaults say:
     * {daemon_name} (tells Postfix's own bounces apart) with MAIL, so the
     * connect step can go, and {i} (the queue id for the log) at the end.
     * Every step left out is a round of socket traffic saved per message. */
    int symlist = (f0 & SMFIF_SETSYMLIST) &&
                  smfi_setsymlist(ctx, SMFIM_ENVFROM, "{daemon_name}") == MI_SUCCESS &&
                  smfi_setsymlist(ctx, SMFIM_EOM, "i") == MI_SUCCESS;
    if (symlist)
        *pf0 |= SMFIF_SETSYMLIST;
    *pf1 = callbacks_steps(f1, symlist);
    *pf2 = *pf3 = 0;
    c->steps = *pf1;
    session_set_granted(c->s, *pf0);
    return SMFIS_CONTINUE;
}

static sfsistat cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    struct conn *c = conn_get(ctx);
    if (c == NULL)
        return SMFIS_ACCEPT;
    return cont(c, SMFIP_NR_CONN);
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
    struct conn *c = conn_get(ctx); /* the first callback when connect is left out */
    if (c == NULL)
        return SMFIS_ACCEPT;
    mops o = ops_for(ctx);
    flight_begin(c);
    session_envfrom(c->s, &o, argv[0]);
    return cont(c, SMFIP_NR_MAIL);
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c == NULL)
        return SMFIS_ACCEPT;
    session_envrcpt(c->s, argv[0]);
    return cont(c, SMFIP_NR_RCPT);
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c == NULL)
        return SMFIS_ACCEPT;
    session_header(c->s, name, value);
    return cont(c, SMFIP_NR_HDR);
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c == NULL)
        return SMFIS_ACCEPT;
    if (c->refused) {
        smfi_setreply(ctx, "451", "4.3.2", "bounce-milter is restarting, try again later");
        return SMFIS_TEMPFAIL;
    }
    return settled(c, map(session_eoh(c->s), c));
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c == NULL)
        return SMFIS_ACCEPT;
    return settled(c, map(session_body(c->s, (const char *)chunk, len), c));
}

static sfsistat cb_eom(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c == NULL)
        return SMFIS_ACCEPT;
    mops o = ops_for(ctx);
    sfsistat st = map(session_eom(c->s, &o), c);
    flight_end(c);
    return st;
}

static sfsistat cb_abort(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c != NULL) {
        session_abort(c->s);
        flight_end(c);
    }
    return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c != NULL) {
        flight_end(c);
        session_free(c->s);
        free(c);
        smfi_setpriv(ctx, NULL);
    }
    return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
    "bounce-milter",
    SMFI_VERSION,
    SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_ADDRCPT | SMFIF_DELRCPT |
        SMFIF_CHGBODY,
    cb_connect,
    NULL, /* helo */
    cb_envfrom,
    cb_envrcpt,
    cb_header,
    cb_eoh,
    cb_body,
    cb_eom,
    cb_abort,
    cb_close,
    NULL, /* unknown */
    NULL, /* data */
    cb_negotiate,
};

struct smfiDesc *callbacks_desc(void)
{
    return &desc;
}
