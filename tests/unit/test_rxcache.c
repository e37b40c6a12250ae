/*
 * test_rxcache.c - the cache of patterns known to compile (rxcache.h), the
 * patterns compiled when first used (regex.h rx_lazy), the JIT warm-up
 * (rx_scratch_warmup) and a rule set loaded with a cache: what was learnt
 * is kept, a damaged cache knows nothing, an invalid pattern is still
 * rejected at load with its file and line, answers never change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "regex.h"
#include "rules.h"
#include "rxcache.h"
#include "tap.h"

static char tmpdir[64];

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
}

/* A path in the test's temporary directory. */
static const char *tmp_path(const char *name)
{
    static char paths[4][128];
    static int slot;
    if (tmpdir[0] == '\0') {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/test_rxcache.XXXXXX");
        if (mkdtemp(tmpdir) == NULL) {
            perror("mkdtemp");
            exit(1);
        }
        atexit(remove_tmpdir);
    }
    char *p = paths[slot++ % 4];
    snprintf(p, 128, "%s/%s", tmpdir, name);
    return p;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int known(const char *path, const char *pattern, unsigned flags)
{
    rxcache *c = rxcache_open(path);
    int k = rxcache_known(c, pattern, flags);
    rxcache_close(c);
    return k;
}

TEST(remembers_what_compiled)
{
    const char *path = tmp_path("sub/dir/regex-ok"); /* directories made on save */
    rxcache *c = rxcache_open(path);
    CHECK(c != NULL);
    CHECK(!rxcache_known(c, "user unknown", RX_CASELESS));
    rxcache_add(c, "user unknown", RX_CASELESS);
    rxcache_add(c, "mailbox (is )?full", RX_CASELESS);
    rxcache_close(c);
    CHECK(file_size(path) == 32 + 2 * 8);
    CHECK(known(path, "user unknown", RX_CASELESS));
    CHECK(known(path, "mailbox (is )?full", RX_CASELESS));
    CHECK(!known(path, "user unknown", RX_CASELESS | RX_MULTILINE)); /* other flags */
    CHECK(!known(path, "user unknow", RX_CASELESS));

    /* a later load keeps its own patterns and the older ones */
    c = rxcache_open(path);
    CHECK(rxcache_known(c, "user unknown", RX_CASELESS));
    rxcache_add(c, "quota exceeded", RX_CASELESS);
    rxcache_close(c);
    CHECK(known(path, "quota exceeded", RX_CASELESS));
    CHECK(known(path, "mailbox (is )?full", RX_CASELESS));

    /* no path: nothing is kept */
    c = rxcache_open(NULL);
    rxcache_add(c, "abc", 0);
    CHECK(!rxcache_known(c, "abc", 0));
    rxcache_close(c);
    CHECK(!rxcache_known(NULL, "abc", 0));
    rxcache_add(NULL, "abc", 0);
    rxcache_close(NULL);
}

/* Copy src to dst changing byte at (or truncating to it when cut). */
static void damage(const char *src, const char *dst, long at, int cut)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    int ch;
    for (long i = 0; in != NULL && out != NULL && (ch = getc(in)) != EOF; i++) {
        if (i == at && cut)
            break;
        putc(i == at ? ch ^ 0x10 : ch, out);
    }
    if (in != NULL)
        fclose(in);
    if (out != NULL)
        fclose(out);
}

TEST(damaged_cache_knows_nothing)
{
    const char *good = tmp_path("good");
    rxcache *c = rxcache_open(good);
    rxcache_add(c, "user unknown", RX_CASELESS);
    rxcache_add(c, "no such user", RX_CASELESS);
    rxcache_close(c);
    CHECK(known(good, "no such user", RX_CASELESS));
    long size = file_size(good);
    for (long at = 0; at < size; at += 3) {
        const char *bad = tmp_path("bad");
        damage(good, bad, at, 0);
        int k = known(bad, "user unknown", RX_CASELESS) + known(bad, "no such user", RX_CASELESS);
        damage(good, bad, at, 1);
        k += known(bad, "user unknown", RX_CASELESS) + known(bad, "no such user", RX_CASELESS);
        if (k != 0)
            printf("#   damage at %ld: still known\n", at);
        CHECK(k == 0);
    }
    FILE *f = fopen(tmp_path("garbage"), "w");
    if (f != NULL) {
        fputs("BCRXOK2\nnot a cache at all, but long enough to be read", f);
        fclose(f);
    }
    CHECK(!known(tmp_path("garbage"), "user unknown", RX_CASELESS));
    CHECK(!known(tmpdir, "user unknown", RX_CASELESS)); /* a directory */
    CHECK(!known(tmp_path("missing"), "user unknown", RX_CASELESS));
}

TEST(lazy_patterns_match_like_compiled_ones)
{
    char err[256];
    const char *pat = "(?<code>[45]\\d\\d)[ -](?<st>[45]\\.\\d+\\.\\d+)";
    const char *text = "host said: 550 5.1.1 <a@b>: user unknown";
    rx *eager = rx_compile(pat, RX_CASELESS, err, sizeof err), *lazy = rx_lazy(pat, RX_CASELESS);
    rx_scratch *s = rx_scratch_new();
    CHECK(eager != NULL && lazy != NULL && s != NULL);
    CHECK(rx_group(lazy, "st") == rx_group(eager, "st") && rx_group(lazy, "st") > 0);
    for (int i = 0; i < 5; i++) { /* interpreted, then JIT-compiled */
        rx_match me, ml;
        CHECK(rx_search(lazy, s, text, strlen(text), 0, &ml) == 1 &&
              rx_search(eager, s, text, strlen(text), 0, &me) == 1);
        CHECK(ml.start[0] == me.start[0] && ml.end[2] == me.end[2] && ml.end[2] == 20);
        CHECK(rx_search(lazy, s, text, 10, 0, NULL) == 0);
    }
    /* a lazy pattern that does not compile after all is an error, no crash */
    rx *bad = rx_lazy("user (unknown", RX_CASELESS);
    CHECK(bad != NULL && rx_search(bad, s, text, strlen(text), 0, NULL) == -1);
    CHECK(rx_group(bad, "x") == -1 && rx_search(bad, s, text, strlen(text), 0, NULL) == -1);
    rx_free(bad);
    rx_free(rx_lazy("never used", 0));
    rx_free(eager);
    rx_free(lazy);
    rx_scratch_free(s);
}

TEST(warm_up_keeps_the_answers)
{
    /* interpreted during a warm-up, JIT-compiled once matched often or
     * once the warm-up count is reached: the same answers throughout */
    char err[256];
    const char *text = "host said: 550 5.1.1 <a@b>: user unknown";
    size_t count = 0;
    rx_scratch *s = rx_scratch_new();
    rx *often = rx_compile("5\\.1\\.1", RX_CASELESS, err, sizeof err);
    rx *later = rx_lazy("user (\\w+)", RX_CASELESS);
    rx_scratch_warmup(s, &count);
    int same = s != NULL && often != NULL && later != NULL;
    for (int i = 0; same && i < 40; i++) {
        rx_match m;
        same = rx_search(often, s, text, strlen(text), 0, &m) == 1 && m.start[0] == 15 &&
               rx_search(later, s, text, strlen(text), 0, &m) == 1 && m.start[1] == 33 &&
               rx_search(later, s, text, 20, 0, NULL) == 0;
        if (i == 5)
            count = 1000000; /* a long run by now */
    }
    CHECK(same);
    rx_scratch_warmup(s, NULL);
    CHECK(s == NULL || rx_search(often, s, text, strlen(text), 16, NULL) == 0);
    rx_scratch_warmup(NULL, &count);
    rx_free(often);
    rx_free(later);
    rx_scratch_free(s);
}

static const char *const all_classes[] = {
    "userunknown",   "hostunknown",     "hasmoved",        "notaccept",     "mailboxfull",
    "mesgtoobig",    "exceedlimit",     "suspend",         "filtered",      "rejected",
    "norelaying",    "blocked",         "requireptr",      "badreputation", "spamdetected",
    "virusdetected", "policyviolation", "authfailure",     "securityerror", "speeding",
    "toomanyconn",   "contenterror",    "notcompliantrfc", "syntaxerror",   "systemerror",
    "systemfull",    "networkerror",    "expired",         "mailererror",   "onhold",
    "undefined",     "vacation",        "feedback",        "delivered",
};

/* A rules file with every class and the given rules list. */
static const char *write_rules(const char *name, const char *rules)
{
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return path;
    fputs("classes = (\n", f);
    for (size_t i = 0; i < sizeof all_classes / sizeof all_classes[0]; i++)
        fprintf(f,
                "  { name = \"%s\"; severity = \"hard\"; advice = \"suppress\"; en = \"x\"; }%s\n",
                all_classes[i], i + 1 < sizeof all_classes / sizeof all_classes[0] ? "," : "");
    fprintf(f, ");\nrules = (\n%s\n);\n", rules);
    fclose(f);
    return path;
}

static const char *decide(const struct ruleset *rs, const char *text)
{
    rule_evidence ev = {text, strlen(text), "", "", {"", "", ""}, "", "", "", "", ""};
    arena *a = arena_new();
    rx_scratch *s = rx_scratch_new();
    int err;
    const rule_info *ri = ruleset_match(rs, &ev, s, a, NULL, NULL, NULL, &err);
    static char id[64];
    snprintf(id, sizeof id, "%s", ri ? ri->id : "-");
    rx_scratch_free(s);
    arena_free(a);
    return id;
}

TEST(rule_set_with_a_cache)
{
    const char *rules =
        "{ id = \"full\"; class = \"mailboxfull\"; text = \"mailbox (is )?full|over quota\"; },\n"
        "{ id = \"unknown\"; class = \"userunknown\"; text = \"user (\\\\S+ )?unknown\"; }";
    const char *path = write_rules("rules.conf", rules), *paths[1] = {path};
    const char *cpath = tmp_path("rules-cache");
    char err[512];
    for (int round = 0; round < 2; round++) { /* learns, then uses what it learnt */
        rxcache *c = rxcache_open(cpath);
        CHECK(rxcache_known(c, "over quota", RX_CASELESS) == round);
        struct ruleset *rs = ruleset_load_parsed(NULL, paths, 1, 0, c, err, sizeof err);
        rxcache_close(c);
        CHECK(rs != NULL);
        CHECK_STR(decide(rs, "the mailbox is full"), "full");
        CHECK_STR(decide(rs, "Over Quota"), "full");
        CHECK_STR(decide(rs, "user bob unknown"), "unknown");
        CHECK_STR(decide(rs, "all is well"), "-");
        ruleset_free(rs);
    }
    /* an invalid pattern is never cached: rejected at load every time */
    const char *bad = write_rules(
        "bad.conf", "{ id = \"full\"; class = \"mailboxfull\"; text = \"over quota\"; },\n"
                    "{ id = \"broken\"; class = \"userunknown\"; text = \"user (unknown\"; }");
    const char *badpaths[1] = {bad};
    for (int round = 0; round < 2; round++) {
        rxcache *c = rxcache_open(cpath);
        err[0] = '\0';
        struct ruleset *rs = ruleset_load_parsed(NULL, badpaths, 1, 0, c, err, sizeof err);
        rxcache_close(c);
        CHECK(rs == NULL && strstr(err, "bad.conf:") != NULL &&
              strstr(err, "rule \"broken\": text: bad regex") != NULL);
        ruleset_free(rs);
    }
    CHECK(known(cpath, "over quota", RX_CASELESS));
    CHECK(!known(cpath, "user (unknown", RX_CASELESS));
}

/* What rxcache_default_path gives with HOME set to home (no other
 * variable): 1 a path under it, 0 none. */
static int default_path_in(const char *home)
{
    char buf[256];
    unsetenv("BOUNCE_CACHE");
    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", home, 1);
    const char *p = rxcache_default_path(buf, sizeof buf);
    return p != NULL && strncmp(p, home, strlen(home)) == 0;
}

TEST(no_default_cache_as_root_or_in_an_unwritable_home)
{
    const char *home = tmp_path("home"), *ro = tmp_path("ro-home");
    CHECK(mkdir(home, 0755) == 0 && mkdir(ro, 0555) == 0);
    if (geteuid() != 0) {
        CHECK(default_path_in(home));
        CHECK(!default_path_in(ro));
        return;
    }
    CHECK(!default_path_in(home)); /* root: never */
    /* the same as an ordinary user: a cache in a home it owns, none in one
     * it cannot write (mkdtemp made their directory 0700) */
    CHECK(chmod(tmpdir, 0755) == 0 && chown(home, 65534, 65534) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(3);
        _exit(default_path_in(home) && !default_path_in(ro) ? 0 : 1);
    }
    int status = -1;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* an explicit BOUNCE_CACHE is still honoured, also as root */
    char buf[256];
    setenv("BOUNCE_CACHE", tmp_path("explicit"), 1);
    CHECK(rxcache_default_path(buf, sizeof buf) != NULL);
    unsetenv("BOUNCE_CACHE");
}

int main(void)
{
    RUN_TESTS();
}
