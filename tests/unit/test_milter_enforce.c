/*
 * test_milter_enforce.c - the services as the daemon starts them: the
 * suppression set loaded from the store before the socketmap answers, a
 * suppression the writer reports served at once, the counters, and a
 * clean stop (socket removed).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "enforce.h"
#include "store.h"
#include "tap.h"

static char dir[64];

/* Ask the socketmap at path about addr; the reply netstring's data. */
static const char *ask(const char *path, const char *addr)
{
    static char buf[600];
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return "no connection";
    }
    char req[300];
    int n = snprintf(req, sizeof req, "%zu:suppressed %s,", strlen(addr) + 11, addr);
    ssize_t got = -1;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (write(fd, req, (size_t)n) == n && poll(&p, 1, 10000) == 1)
        got = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[got > 0 ? got : 0] = '\0';
    char *colon = strchr(buf, ':');
    if (colon && got > 0 && buf[got - 1] == ',')
        buf[got - 1] = '\0';
    return colon ? colon + 1 : buf;
}

TEST(services_from_the_store)
{
    char uri[128], sock[128], spec[140], err[512];
    snprintf(uri, sizeof uri, "sqlite:%s/b.db", dir);
    snprintf(sock, sizeof sock, "%s/sm.sock", dir);
    snprintf(spec, sizeof spec, "unix:%s", sock);
    store *s = store_open(uri, err, sizeof err);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    time_t now = time(NULL);
    CHECK(store_suppress(s, "gone@example.com", "closed account", (int64_t)now) == 0);
    store_close(s);
    mconf *c = mconf_defaults();
    c->sm.socketmap = strdup(spec);
    char journal[128];
    snprintf(journal, sizeof journal, "%s/journal", dir);
    CHECK(enforce_start(c, uri, journal, (gid_t)-1, err, sizeof err) == 0);
    mconf_free(c); /* the services keep their own copies */
    const char *r = ask(sock, "Gone@Example.com");
    CHECK(strncmp(r, "OK 550 5.7.1 recipient suppressed by bounce-milter: manual since ", 65) == 0);
    CHECK_STR(ask(sock, "new@example.com"), "NOTFOUND ");
    suppression sp = {.address = "new@example.com",
                      .reason = "userunknown",
                      .since = (int64_t)now,
                      .enforced = 1,
                      .note = "",
                      .evidence = ""};
    enforce_on_suppress(&sp);
    CHECK(strncmp(ask(sock, "new@example.com"),
                  "OK 550 5.7.1 recipient suppressed by bounce-milter: userunknown since ",
                  70) == 0);
    struct enforce_counters k;
    enforce_counters(&k);
    CHECK(k.lookups == 3 && k.found == 2 && k.suppressed == 2);
    enforce_stop();
    CHECK(access(sock, F_OK) != 0);
    enforce_on_suppress(&sp); /* after stop: harmless */
    c = mconf_defaults();
    c->sm.socketmap = strdup("unix:/nonexistent-dir/sm.sock");
    CHECK(enforce_start(c, NULL, journal, (gid_t)-1, err, sizeof err) == -1);
    CHECK(strstr(err, "/nonexistent-dir/sm.sock: No such file or directory") != NULL);
    mconf_free(c);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int main(void)
{
    strcpy(dir, "/tmp/test_enf.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    atexit(cleanup);
    RUN_TESTS();
}
