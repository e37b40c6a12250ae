/*
 * milter-floor - the do-nothing milter that sets the throughput floor for
 * tests/bench/milter: it reads every header of every message (as
 * bounce-milter must, to strip forged X-Bounce-* headers), asks the MTA for
 * no replies to headers (SMFIP_NR_HDR) and for no other step, and accepts
 * each message at the end of its headers without changing it.
 *
 * With "connect" after the socket it is the connection floor instead: it
 * accepts at the connect step (Postfix then leaves it alone for the whole
 * SMTP session), so what remains is the cost of a milter connection itself
 * (socket, negotiation, libmilter's thread), which no per-message decision
 * can go under.
 *
 *   cc -O2 -o build/milter-floor tests/bench/milter-floor.c -lmilter -lpthread
 *   build/milter-floor unix:/path/to/socket [connect]
 */
#include <stdio.h>
#include <string.h>
#include <libmilter/mfapi.h>

static int at_connect; /* accept at connect: the connection floor */

/* Turn off every step but headers and end-of-headers; no reply per header. */
static sfsistat floor_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                                unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                                unsigned long *pf2, unsigned long *pf3)
{
    unsigned long off = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT |
                        SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NODATA;

    if (at_connect)
        off = (off & ~SMFIP_NOCONNECT) | SMFIP_NOHDRS | SMFIP_NOEOH;

    *pf0 = 0;
    *pf1 = (off | SMFIP_NR_HDR) & f1;
    *pf2 = 0;
    *pf3 = 0;
    return SMFIS_CONTINUE;
}

/* Every header crosses the milter socket; the floor answers none of them. */
static sfsistat floor_header(SMFICTX *ctx, char *name, char *value)
{
    return SMFIS_NOREPLY;
}

static sfsistat floor_eoh(SMFICTX *ctx)
{
    return SMFIS_ACCEPT;
}

static sfsistat floor_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    return SMFIS_ACCEPT;
}

int main(int argc, char **argv)
{
    struct smfiDesc desc = {
        .xxfi_name = "milter-floor",
        .xxfi_version = SMFI_VERSION,
        .xxfi_flags = 0,
        .xxfi_header = floor_header,
        .xxfi_eoh = floor_eoh,
        .xxfi_negotiate = floor_negotiate,
    };

    if (argc == 3 && strcmp(argv[2], "connect") == 0) {
        at_connect = 1;
        desc.xxfi_connect = floor_connect;
    } else if (argc != 2) {
        fprintf(stderr, "usage: %s unix:/path/to/socket [connect]\n", argv[0]);
        return 2;
    }
    if (smfi_setconn(argv[1]) == MI_FAILURE || smfi_register(desc) == MI_FAILURE ||
        smfi_opensocket(1) == MI_FAILURE) {
        fprintf(stderr, "%s: cannot open %s\n", argv[0], argv[1]);
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
