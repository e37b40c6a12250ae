/*
 * testmode.c - the -t offline run (the OpenDKIM test.c idea): the message
 * file is cut into the events an MTA would send (MAIL, RCPT, DATA, each
 * header, end of headers, body chunks, end of message) and handed to the same
 * session code as the libmilter callbacks, with a struct mops that prints
 * each change instead of making it.
 */
#include "testmode.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "session.h"

#define TEST_MAX_FILE (64u * 1024 * 1024)
#define TEST_MAX_HEADERS 10000

struct tctx {
    FILE *out;
    const char *daemon_name;
};

static const char *t_getsymval(void *arg, const char *name)
{
    struct tctx *t = arg;
    if (strcmp(name, "i") == 0)
        return "TEST";
    if (strcmp(name, "{daemon_name}") == 0)
        return t->daemon_name;
    return NULL;
}

static int t_addheader(void *arg, const char *name, const char *value)
{
    fprintf(((struct tctx *)arg)->out, "%s: %s\n", name, value);
    return 0;
}

static int t_chgheader(void *arg, const char *name, int index, const char *value)
{
    struct tctx *t = arg;
    if (value == NULL)
        fprintf(t->out, "# delete header: %s (%d)\n", name, index);
    else
        fprintf(t->out, "# change header: %s (%d): %s\n", name, index, value);
    return 0;
}

static int t_addrcpt(void *arg, const char *rcpt)
{
    fprintf(((struct tctx *)arg)->out, "# add recipient: %s\n", rcpt);
    return 0;
}

static int t_delrcpt(void *arg, const char *rcpt)
{
    fprintf(((struct tctx *)arg)->out, "# delete recipient: %s\n", rcpt);
    return 0;
}

static int t_replacebody(void *arg, const char *body, size_t len)
{
    fprintf(((struct tctx *)arg)->out, "# replace body: %zu bytes\n", len);
    return 0;
}

static int t_quarantine(void *arg, const char *reason)
{
    fprintf(((struct tctx *)arg)->out, "# quarantine: %s\n", reason);
    return 0;
}

static int t_setreply(void *arg, const char *code, const char *status, const char *text)
{
    fprintf(((struct tctx *)arg)->out, "# reply: %s %s%s%s\n", code, status ? status : "",
            status ? " " : "", text);
    return 0;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0 || n == TEST_MAX_FILE)
            break;
        if (n == cap) {
            cap = cap * 2 > TEST_MAX_FILE ? TEST_MAX_FILE : cap * 2;
            char *nb = realloc(buf, cap + 1);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    int err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (buf == NULL || err) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

struct hdr {
    char *name, *value;
};

/* Split the header block into name/value pairs (folds kept as "\n"+WS,
 * CRs dropped); returns the offset of the body. */
static size_t parse_headers(char *msg, size_t len, struct hdr *h, size_t *nh)
{
    size_t pos = 0;
    *nh = 0;
    if (len >= 5 && strncmp(msg, "From ", 5) == 0) {
        char *nl = memchr(msg, '\n', len);
        pos = nl ? (size_t)(nl - msg) + 1 : len;
    }
    char *cur = NULL; /* value being extended by folds, in place */
    while (pos < len) {
        char *line = msg + pos;
        char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        size_t next = pos + ll + (nl ? 1 : 0);
        if (ll > 0 && line[ll - 1] == '\r')
            ll--;
        if (ll == 0)
            return next; /* the empty line ends the headers */
        if ((line[0] == ' ' || line[0] == '\t') && cur != NULL) {
            /* a fold: move it right after the value so far */
            size_t cl = strlen(cur);
            cur[cl] = '\n';
            memmove(cur + cl + 1, line, ll);
            cur[cl + 1 + ll] = '\0';
        } else {
            char *colon = memchr(line, ':', ll);
            line[ll] = '\0';
            cur = NULL;
            if (colon != NULL && *nh < TEST_MAX_HEADERS) {
                *colon = '\0';
                char *v = colon + 1;
                while (*v == ' ' || *v == '\t')
                    v++;
                h[*nh].name = line;
                h[*nh].value = v;
                cur = v;
                (*nh)++;
            }
        }
        pos = next;
    }
    return len;
}

/* First address in a header value: inside <...>, else the first word. */
static void first_address(const char *v, char *out, size_t outlen)
{
    const char *lt = strchr(v, '<');
    const char *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt) {
        snprintf(out, outlen, "<%.*s>", (int)(gt - lt - 1), lt + 1);
        return;
    }
    while (*v == ' ' || *v == '\t' || *v == '\n')
        v++;
    snprintf(out, outlen, "<%.*s>", (int)strcspn(v, " \t\n,;"), v);
}

static const char *verdict_name(enum sverdict v)
{
    static const char *const names[] = {"continue", "accept",  "skip",
                                        "reject",   "discard", "tempfail"};
    return names[v];
}

int testmode_run(const char *path, const char *sender, const char *const *rcpts, size_t nrcpts,
                 const char *daemon_name, FILE *out)
{
    size_t len;
    char *msg = read_file(path, &len);
    if (msg == NULL)
        return 1;
    /* Header values are extended in place by folds: never past the line. */
    struct hdr *h = calloc(TEST_MAX_HEADERS, sizeof *h);
    session *s = session_new();
    if (h == NULL || s == NULL) {
        free(msg);
        free(h);
        session_free(s);
        return 1;
    }
    size_t nh, body = parse_headers(msg, len, h, &nh);

    char from[512] = "<>", to[512] = "";
    for (size_t i = 0; sender == NULL && i < nh; i++)
        if (strcasecmp(h[i].name, "Return-Path") == 0) {
            first_address(h[i].value, from, sizeof from);
            break;
        }
    static const char *const rcpt_headers[] = {"X-Original-To", "Delivered-To", "To"};
    for (size_t k = 0; rcpts == NULL && k < 3 && to[0] == '\0'; k++)
        for (size_t i = 0; i < nh; i++)
            if (strcasecmp(h[i].name, rcpt_headers[k]) == 0) {
                first_address(h[i].value, to, sizeof to);
                break;
            }

    struct tctx t = {out, daemon_name};
    mops ops = {&t,        t_getsymval,   t_addheader,  t_chgheader, t_addrcpt,
                t_delrcpt, t_replacebody, t_quarantine, t_setreply};
    /* as an MTA that offers every step: the fast path may accept early */
    session_set_early(s, SE_AT_MAIL | SE_AT_DATA);
    const char *at = "MAIL FROM";
    enum sverdict v = session_envfrom(s, &ops, sender ? sender : from);
    if (v != SV_ACCEPT) {
        if (rcpts != NULL)
            for (size_t i = 0; i < nrcpts; i++)
                session_envrcpt(s, rcpts[i]);
        else if (to[0] != '\0')
            session_envrcpt(s, to);
        v = session_data(s);
        at = "DATA";
    }
    if (v != SV_ACCEPT) {
        for (size_t i = 0; i < nh; i++)
            session_header(s, h[i].name, h[i].value);
        v = session_eoh(s);
        at = "end of headers";
    }
    if (v == SV_ACCEPT) {
        fprintf(out, "# not inspected: accepted at %s\n# action: none\n# result: accept\n", at);
    } else {
        /* The MTA sends the body with CRLF line ends. */
        char chunk[65536 + 2];
        size_t n = 0;
        enum sverdict bv = SV_CONTINUE;
        for (size_t i = body; i < len && bv == SV_CONTINUE; i++) {
            if (msg[i] == '\n' && (i == body || msg[i - 1] != '\r'))
                chunk[n++] = '\r';
            chunk[n++] = msg[i];
            if (n >= 65536) {
                bv = session_body(s, chunk, n);
                n = 0;
            }
        }
        if (n > 0 && bv == SV_CONTINUE)
            session_body(s, chunk, n);
        v = session_eom(s, &ops);
        fprintf(out, "# action: %s\n# result: %s\n",
                *session_last_action(s) ? session_last_action(s) : "none", verdict_name(v));
    }
    session_free(s);
    free(h);
    free(msg);
    return 0;
}
