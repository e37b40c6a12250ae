/*
 * test_milter_socketmap.c - the suppression set (loaded from a SQLite
 * store, enforced suppressions only, case, expiry, additions) and the
 * socketmap: the netstring parser (cases and a seeded fuzz loop), the
 * replies, and a real socket with several requests per connection and a
 * hostile client.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "event.h"
#include "smconf.h"
#include "socketmap.h"
#include "store.h"
#include "suppset.h"
#include "tap.h"
#include "tempdir.h"

#define T0 1796601600 /* 2026-12-07T00:00:00Z */

static const char *dir; /* test_tempdir(), set by main() */

static suppset *loaded_set(void)
{
    char uri[128], err[256];
    snprintf(uri, sizeof uri, "sqlite:%s/b.db", dir);
    store *s = store_open(uri, err, sizeof err);
    if (s == NULL)
        abort();
    store_suppress(s, "Dead@Example.COM", "bounced", T0);
    store_suppress(s, "watch@example.com", "observe only", T0);
    store_suppress(s, "old@example.com", "expired", T0 - 100 * 86400);
    store_suppress(s, "lifted@example.com", "lifted later", T0);
    store_exec(s, "UPDATE suppressions SET enforced = 0 WHERE address = 'watch@example.com'");
    store_exec(s, "UPDATE suppressions SET expires = 1796601000 WHERE address = 'old@example.com'");
    store_unsuppress(s, "lifted@example.com", "fixed", T0 + 10);
    suppset *ss = suppset_new();
    CHECK(suppset_load(ss, s, T0 + 20) == 0);
    store_close(s);
    return ss;
}

TEST(set_holds_enforced_suppressions)
{
    suppset *ss = loaded_set();
    char r[256] = "";
    CHECK(suppset_count(ss) == 1);
    CHECK(suppset_lookup(ss, "dead@example.com", T0 + 30, r, sizeof r) == 1);
    CHECK_STR(r, "550 5.7.1 " EVENT_SUPPRESSED_TEXT ": manual since 2026-12-07");
    CHECK(suppset_lookup(ss, "DEAD@EXAMPLE.COM", T0 + 30, r, sizeof r) == 1);
    CHECK(suppset_lookup(ss, "watch@example.com", T0 + 30, r, sizeof r) == 0);
    CHECK(suppset_lookup(ss, "old@example.com", T0 + 30, r, sizeof r) == 0);
    CHECK(suppset_lookup(ss, "lifted@example.com", T0 + 30, r, sizeof r) == 0);
    CHECK(suppset_lookup(ss, "nobody@example.com", T0 + 30, r, sizeof r) == 0);
    suppset_free(ss);
}

TEST(set_add_and_expiry)
{
    suppset *ss = suppset_new();
    char r[256];
    suppression sp = {.address = "new@Example.org",
                      .reason = "userunknown",
                      .since = T0,
                      .until = T0 + 86400,
                      .enforced = 1};
    CHECK(suppset_add(ss, &sp) == 0);
    sp.address = "observed@example.org";
    sp.enforced = 0;
    CHECK(suppset_add(ss, &sp) == 0);
    CHECK(suppset_lookup(ss, "new@example.org", T0 + 5, r, sizeof r) == 1);
    CHECK_STR(r, "550 5.7.1 " EVENT_SUPPRESSED_TEXT ": userunknown since 2026-12-07");
    CHECK(suppset_lookup(ss, "new@example.org", T0 + 86400, r, sizeof r) == 0);
    CHECK(suppset_lookup(ss, "observed@example.org", T0 + 5, r, sizeof r) == 0);
    /* growth keeps every key */
    char a[64];
    sp.enforced = 1;
    sp.until = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(a, sizeof a, "user%d@example.net", i);
        sp.address = a;
        suppset_add(ss, &sp);
    }
    int found = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(a, sizeof a, "USER%d@example.net", i);
        found += suppset_lookup(ss, a, T0, r, sizeof r);
    }
    CHECK(found == 5000);
    CHECK(suppset_count(ss) == 5001);
    suppset_free(ss);
}

static int parse(const char *in, const char **req, size_t *n, size_t *used)
{
    return sm_parse(in, strlen(in), used, req, n);
}

TEST(netstring_parser)
{
    const char *req;
    size_t n, used;
    CHECK(parse("10:suppressed,", &req, &n, &used) == 1 && n == 10 && used == 14);
    CHECK(parse("3:abc,3:def,", &req, &n, &used) == 1 && used == 6 && memcmp(req, "abc", 3) == 0);
    CHECK(parse("", &req, &n, &used) == 0);
    CHECK(parse("12", &req, &n, &used) == 0);
    CHECK(parse("3:ab", &req, &n, &used) == 0);
    CHECK(parse("3:abcd", &req, &n, &used) == -1);
    CHECK(parse(":abc,", &req, &n, &used) == -1);
    CHECK(parse("x:abc,", &req, &n, &used) == -1);
    CHECK(parse("99999999999999999999:", &req, &n, &used) == -1);
    CHECK(parse("1025:", &req, &n, &used) == -1);
    CHECK(parse("0000001", &req, &n, &used) == -1);
}

TEST(netstring_fuzz)
{
    /* Random and mutated netstrings: the parser stays within its input and
     * a parsed request lies inside it. */
    unsigned seed = 12345;
    char buf[64];
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        size_t len = (size_t)(rand_r(&seed) % sizeof buf);
        for (size_t k = 0; k < len; k++) {
            int r = rand_r(&seed) % 16;
            buf[k] = r < 6 ? (char)('0' + r) : r < 8 ? ':' : r < 10 ? ',' : (char)rand_r(&seed);
        }
        const char *req = NULL;
        size_t n = 0, used = 0;
        int rc = sm_parse(buf, len, &used, &req, &n);
        if (rc == 1 && (used > len || req < buf || req + n > buf + len || buf[used - 1] != ','))
            bad++;
        if (rc == 1) {
            char out[SM_MAX_REPLY];
            int found;
            if (n < 11 || memcmp(req, "suppressed ", 11) != 0)
                bad += sm_answer(NULL, req, n, T0, out, &found) == 0;
        }
    }
    CHECK(bad == 0);
}

TEST(replies)
{
    suppset *ss = loaded_set();
    char out[SM_MAX_REPLY];
    int found;
    size_t n = sm_answer(ss, "suppressed dead@example.com", 27, T0 + 30, out, &found);
    out[n] = '\0';
    CHECK_STR(out, "75:OK 550 5.7.1 " EVENT_SUPPRESSED_TEXT ": manual since 2026-12-07,");
    CHECK(found == 1);
    n = sm_answer(ss, "suppressed alive@example.com", 28, T0 + 30, out, &found);
    out[n] = '\0';
    CHECK_STR(out, "9:NOTFOUND ,");
    n = sm_answer(ss, "suppressed example.com", 22, T0 + 30, out, &found);
    out[n] = '\0';
    CHECK_STR(out, "9:NOTFOUND ,");
    n = sm_answer(ss, "other dead@example.com", 22, T0 + 30, out, &found);
    out[n] = '\0';
    CHECK(strstr(out, ":PERM unknown map") != NULL && found == 0);
    n = sm_answer(ss, "suppressed dead@example.com\0x", 29, T0 + 30, out, &found);
    out[n] = '\0';
    CHECK_STR(out, "9:NOTFOUND ,");
    suppset_free(ss);
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        return -1;
    return fd;
}

/* Read until want bytes came or the peer closed; NUL-terminated. */
static size_t read_all(int fd, char *buf, size_t cap, size_t want)
{
    size_t got = 0;
    while (got < want && got < cap - 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 5000) <= 0)
            break;
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return got;
}

TEST(socket_round_trip)
{
    suppset *ss = loaded_set();
    char spec[128], err[256], buf[1024];
    snprintf(spec, sizeof spec, "unix:%s/sm.sock", dir);
    socketmap *sm = socketmap_open(spec, 0660, ss, err, sizeof err);
    CHECK(sm != NULL);
    if (sm == NULL)
        return;
    CHECK(socketmap_start(sm) == 0);
    struct stat st;
    CHECK(stat(spec + 5, &st) == 0 && (st.st_mode & 0777) == 0660);
    int fd = connect_to(spec + 5);
    /* two requests in one write, the second split across writes */
    const char *q = "27:suppressed dead@example.com,28:suppressed alive";
    CHECK(write(fd, q, strlen(q)) == (ssize_t)strlen(q));
    usleep(20000);
    CHECK(write(fd, "@example.com,", 13) == 13);
    const char *want = "75:OK 550 5.7.1 " EVENT_SUPPRESSED_TEXT ": manual since 2026-12-07,"
                       "9:NOTFOUND ,";
    read_all(fd, buf, sizeof buf, strlen(want));
    CHECK_STR(buf, want);
    close(fd);
    /* hostile: garbage gets PERM and the connection closes; the server lives */
    fd = connect_to(spec + 5);
    CHECK(write(fd, "hello\r\n", 7) == 7);
    read_all(fd, buf, sizeof buf, 1000);
    CHECK_STR(buf, "16:PERM bad request,");
    close(fd);
    fd = connect_to(spec + 5);
    char big[4000];
    memset(big, '9', sizeof big);
    CHECK(write(fd, big, sizeof big) > 0);
    read_all(fd, buf, sizeof buf, 1000);
    CHECK_STR(buf, "16:PERM bad request,");
    close(fd);
    fd = connect_to(spec + 5);
    CHECK(write(fd, "27:suppressed dead@example.com,", 31) == 31);
    read_all(fd, buf, sizeof buf, 78);
    CHECK(strncmp(buf, "75:OK ", 6) == 0);
    close(fd);
    CHECK(socketmap_lookups(sm) == 3 && socketmap_found(sm) == 2);
    socketmap_stop(sm);
    CHECK(access(spec + 5, F_OK) != 0);
    CHECK(socketmap_open("unix:relative", 0660, ss, err, sizeof err) == NULL);
    CHECK(strstr(err, "absolute") != NULL);
    CHECK(smconf_socketmap_problem("inet:127.0.0.1:1") != NULL);
    suppset_free(ss);
}

int main(void)
{
    dir = test_tempdir("test_sm");
    RUN_TESTS();
}
