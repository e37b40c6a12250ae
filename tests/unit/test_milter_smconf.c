/*
 * test_milter_smconf.c - socketmap and webhooks in milter.conf: what is
 * read, and each mistake reported with its file and line (bounce-milter -n
 * prints the same messages).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"

static char path[64];
static char err[4096];

static mconf *load(const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        abort();
    fputs(text, f);
    fclose(f);
    return mconf_load(path, err, sizeof err);
}

static int says(const char *line_and_msg)
{
    char want[512];
    snprintf(want, sizeof want, "%s:%s", path, line_and_msg);
    return strstr(err, want) != NULL;
}

TEST(settings_read)
{
    mconf *c =
        load("socketmap = \"unix:/run/bounce-milter/socketmap\";\n"
             "webhooks = ( { url = \"https://hooks.example.com/bounce\"; key = \"s3cret\"; },\n"
             "  { url = \"http://listmonk.example.com:9000/webhooks/bounce\";\n"
             "    payload = \"listmonk\"; auth = \"api:token\"; } );\n");
    CHECK(c != NULL);
    if (c == NULL)
        return;
    CHECK_STR(c->sm.socketmap, "unix:/run/bounce-milter/socketmap");
    CHECK(c->sm.nwebhooks == 2);
    CHECK(c->sm.webhooks[0].payload == WH_EVENT);
    CHECK_STR(c->sm.webhooks[0].key, "s3cret");
    CHECK(c->sm.webhooks[0].auth == NULL);
    CHECK(c->sm.webhooks[1].payload == WH_LISTMONK);
    CHECK_STR(c->sm.webhooks[1].auth, "api:token");
    CHECK(c->sm.webhooks[1].key == NULL);
    mconf_free(c);
    c = load("");
    CHECK(c != NULL && c->sm.socketmap == NULL && c->sm.nwebhooks == 0);
    mconf_free(c);
}

TEST(mistakes_reported_with_lines)
{
    CHECK(load("socketmap = \"/no/scheme\";\n") == NULL);
    CHECK(says("1: socketmap: \"/no/scheme\" must be unix:/absolute/path"));
    CHECK(load("\nsocketmap = \"unix:rel\";\n") == NULL);
    CHECK(says("2: socketmap: \"unix:rel\" needs an absolute path"));
    CHECK(load("socketmap = 5;\n") == NULL);
    CHECK(says("1: socketmap: expected a string"));
    CHECK(load("webhooks = ( { url = \"ftp://x/\"; } );\n") == NULL);
    CHECK(says("1: webhooks: url \"ftp://x/\" must start with http:// or https://"));
    CHECK(load("webhooks = ( { url = \"https:///path\"; } );\n") == NULL);
    CHECK(says("1: webhooks: url \"https:///path\" names no host"));
    CHECK(load("webhooks = ( { url = \"https://a b/\"; } );\n") == NULL);
    CHECK(says("1: webhooks: url \"https://a b/\" contains a space"));
    CHECK(load("webhooks = ( { payload = \"event\"; } );\n") == NULL);
    CHECK(says("1: webhooks: each webhook needs a url"));
    CHECK(load("webhooks = (\n { url = \"https://h/\"; payload = \"xml\"; } );\n") == NULL);
    CHECK(says("2: webhooks: payload \"xml\" is not event or listmonk"));
    CHECK(load("webhooks = ( { url = \"https://h/\"; key = \"\"; } );\n") == NULL);
    CHECK(says("1: webhooks: key must be non-empty"));
    CHECK(load("webhooks = ( { url = \"https://h/\"; key = \"a\\tb\"; } );\n") == NULL);
    CHECK(says("1: webhooks: key must be non-empty, without control characters"));
    mconf *c = load("webhooks = ( { url = \"https://h/\"; key = \"a long secret\"; } );\n");
    CHECK(c != NULL); /* spaces are fine in a key */
    mconf_free(c);
    CHECK(load("webhooks = ( { url = \"https://h/\"; auth = \"token\"; } );\n") == NULL);
    CHECK(says("1: webhooks: auth must be \"user:password\""));
    CHECK(load("webhooks = ( { url = \"https://h/\"; secret = \"x\"; } );\n") == NULL);
    CHECK(says("1: webhooks: unknown setting \"secret\""));
    CHECK(load("webhooks = { url = \"https://h/\"; };\n") == NULL);
    CHECK(says("1: webhooks: expected a list"));
    CHECK(load("webhooks = ( \"https://h/\" );\n") == NULL);
    CHECK(says("1: webhooks: expected ( { url"));
    CHECK(load("webhooks = ( { url = \"https://h/a\"; },\n { url = \"https://h/b\"; },\n"
               " { url = \"https://h/a\"; key = \"k\"; } );\n") == NULL);
    CHECK(says("3: webhooks: url \"https://h/a\" is listed twice (line 1)"));
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/test_smconf.%ld.conf", (long)getpid());
    int rc;
    tap_current = "";
    for (int i = 0; i < tap_ntests; i++) {
        tap_current = tap_tests[i].name;
        tap_tests[i].fn();
    }
    printf("1..%d\n", tap_n);
    rc = tap_failed != 0;
    unlink(path);
    return rc;
}
