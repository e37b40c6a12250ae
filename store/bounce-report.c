/*
 * bounce-report.c - read and manage the bounce event store: list events,
 * summarise them, show, change and export the suppression list, prune,
 * forget an address, and write an HTML page with charts.
 *
 *     bounce-report [-c FILE] [--store URI] COMMAND [options] [--json]
 *
 * The store comes from milter.conf's `store` setting (-c, default
 * SYSCONFDIR/milter.conf) unless --store names one.  Exit status: 0 ok,
 * 1 the store is unreachable or the address not found, 2 usage or config
 * error.  See bounce-report(1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libconfig.h>

#include "bounce.h"
#include "hmac.h"
#include "html.h"
#include "paths.h"
#include "sconf.h"
#include "store.h"
#include "summary.h"

#define DAY 86400

enum { EXIT_STORE = 1, EXIT_USAGE = 2 };

struct opts {
    const char *conf, *store, *address, *domain, *class_name, *severity, *since, *before, *by,
        *note, *format;
    int json, conf_given;
    int64_t now;
    sconf cf;
};

static const char usage_text[] =
    "usage: bounce-report [-c FILE] [--store URI] COMMAND [options] [--json]\n"
    "commands:\n"
    "  events [--address A] [--domain D] [--class C] [--severity S] [--since YYYY-MM-DD]\n"
    "  summary [--by class|domain|provider|day] [--since YYYY-MM-DD]\n"
    "  suppressed\n"
    "  suppress ADDR --note TEXT\n"
    "  unsuppress ADDR --note TEXT\n"
    "  forget ADDR\n"
    "  prune [--before YYYY-MM-DD]\n"
    "  export --format csv|json|postfix\n"
    "  html FILE\n"
    "  sign ADDR          (a VERP address signed with the config's verp_key)\n"
    "-c FILE defaults to " BC_SYSCONFDIR "/milter.conf; --store URI overrides its store.\n";

__attribute__((format(printf, 1, 2))) static int usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bounce-report: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fputs(usage_text, stderr);
    return EXIT_USAGE;
}

/* YYYY-MM-DD as seconds since the epoch (UTC midnight); -1 if malformed. */
static int64_t parse_date(const char *s)
{
    struct tm tm = {0};
    const char *end = strptime(s, "%Y-%m-%d", &tm);
    if (end == NULL || *end != '\0')
        return -1;
    return (int64_t)timegm(&tm);
}

static void put(sbuf *b)
{
    if (sbuf_ok(b))
        fwrite(b->s, 1, b->len, stdout);
    sbuf_reset(b);
}

/* --------------------------------------------------------- events */

static const char *dash(const char *s)
{
    return s[0] ? s : "-";
}

static int print_event(const event *e, void *arg)
{
    struct opts *o = arg;
    sbuf b = {0};
    if (o->json) {
        event_json(&b, e);
        sbuf_puts(&b, "\n");
    } else {
        char t[32];
        event_format_time(e->time, t);
        sbuf_printf(&b, "%s %s %s/%s %s %s %s %s id=%s\n", t, e->f[EV_ADDRESS], e->f[EV_CLASS],
                    e->f[EV_SEVERITY], dash(e->f[EV_STATUS]), dash(e->f[EV_KIND]),
                    e->authenticated ? "auth" : "unauth", dash(e->f[EV_QUEUE_ID]), e->f[EV_ID]);
    }
    put(&b);
    sbuf_free(&b);
    return 0;
}

static int since_opt(struct opts *o, int64_t *since)
{
    *since = 0;
    if (o->since && (*since = parse_date(o->since)) < 0)
        return usage("--since: expected YYYY-MM-DD, not \"%s\"", o->since);
    return 0;
}

static int cmd_events(store *s, struct opts *o)
{
    struct event_filter f = {.address = o->address,
                             .domain = o->domain,
                             .class_name = o->class_name,
                             .severity = o->severity};
    if (since_opt(o, &f.since))
        return EXIT_USAGE;
    return store_events(s, &f, print_event, o) < 0 ? EXIT_STORE : 0;
}

/* -------------------------------------------------------- summary */

struct sum_ctx {
    summary s;
    enum sum_by by;
    int oom;
};

static int sum_event(const event *e, void *arg)
{
    struct sum_ctx *c = arg;
    char buf[256];
    if (summary_add(&c->s, summary_key(e, c->by, buf, sizeof buf), e->f[EV_SEVERITY]) < 0) {
        c->oom = 1;
        return 1;
    }
    return 0;
}

static int cmd_summary(store *s, struct opts *o)
{
    struct sum_ctx c = {.by = SUM_CLASS};
    if (o->by && summary_by_name(o->by, &c.by) < 0)
        return usage("--by: expected class, domain, provider or day, not \"%s\"", o->by);
    struct event_filter f = {0};
    if (since_opt(o, &f.since))
        return EXIT_USAGE;
    if (store_events(s, &f, sum_event, &c) < 0 || c.oom) {
        summary_free(&c.s);
        return EXIT_STORE;
    }
    summary_sort(&c.s, c.by != SUM_DAY);
    sbuf b = {0};
    if (!o->json && c.s.n)
        printf("%-40s %8s %8s %8s\n", o->by ? o->by : "class", "events", "hard", "soft");
    for (size_t i = 0; i < c.s.n; i++) {
        const sum_row *r = &c.s.rows[i];
        if (o->json) {
            sbuf_puts(&b, "{\"key\": ");
            sbuf_json_str(&b, r->key);
            sbuf_printf(&b, ", \"events\": %ld, \"hard\": %ld, \"soft\": %ld}\n", r->events,
                        r->hard, r->soft);
        } else {
            sbuf_printf(&b, "%-40s %8ld %8ld %8ld\n", r->key, r->events, r->hard, r->soft);
        }
        put(&b);
    }
    sbuf_free(&b);
    summary_free(&c.s);
    return 0;
}

/* --------------------------------------------------- suppressions */

static void sup_json(sbuf *b, const suppression *sp)
{
    char since[32], until[32] = "";
    event_format_time(sp->since, since);
    if (sp->until)
        event_format_time(sp->until, until);
    sbuf_puts(b, "{\"address\": ");
    sbuf_json_str(b, sp->address);
    sbuf_puts(b, ", \"reason\": ");
    sbuf_json_str(b, sp->reason);
    sbuf_printf(b, ", \"since\": \"%s\", \"until\": \"%s\", \"note\": ", since, until);
    sbuf_json_str(b, sp->note);
    sbuf_puts(b, ", \"events\": [");
    int first = 1;
    for (const char *p = sp->evidence; *p;) {
        size_t n = strcspn(p, " ");
        if (n) {
            sbuf_puts(b, first ? "\"" : ", \"");
            sbuf_put(b, p, n); /* ids are hex digits: nothing to escape */
            sbuf_puts(b, "\"");
            first = 0;
        }
        p += n;
        p += *p == ' ';
    }
    sbuf_puts(b, "]}\n");
}

static void csv_field(sbuf *b, const char *s, int last)
{
    sbuf_puts(b, "\"");
    for (; *s; s++)
        sbuf_put(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
    sbuf_puts(b, last ? "\"\r\n" : "\",");
}

static int print_sup(const suppression *sp, void *arg)
{
    const struct opts *o = arg;
    sbuf b = {0};
    char since[32], until[32] = "never";
    event_format_time(sp->since, since);
    if (sp->until)
        event_format_time(sp->until, until);
    const char *fmt = o->format ? o->format : o->json ? "json" : "text";
    if (o->format && !sp->enforced)
        return 0; /* observe-only: recorded, never enforced */
    if (strcmp(fmt, "json") == 0) {
        sup_json(&b, sp);
    } else if (strcmp(fmt, "csv") == 0) {
        csv_field(&b, sp->address, 0);
        csv_field(&b, sp->reason, 0);
        csv_field(&b, since, 0);
        csv_field(&b, sp->until ? until : "", 0);
        csv_field(&b, sp->note, 0);
        csv_field(&b, sp->evidence, 1);
    } else if (strcmp(fmt, "postfix") == 0) {
        since[10] = '\0';
        sbuf_printf(&b, "%s\tREJECT " EVENT_SUPPRESSED_TEXT ": %s since %s\n", sp->address,
                    sp->reason, since);
    } else {
        sbuf_printf(&b, "%s %s since %s until %s%s%s\n", sp->address, sp->reason, since, until,
                    sp->note[0] ? " note: " : "", sp->note);
    }
    put(&b);
    sbuf_free(&b);
    return 0;
}

static int cmd_suppressed(store *s, struct opts *o)
{
    return store_suppressions(s, o->now, 0, print_sup, o) < 0 ? EXIT_STORE : 0;
}

static int cmd_export(store *s, struct opts *o)
{
    if (o->format == NULL ||
        (strcmp(o->format, "csv") && strcmp(o->format, "json") && strcmp(o->format, "postfix")))
        return usage("export: --format csv, json or postfix");
    if (strcmp(o->format, "csv") == 0)
        fputs("address,reason,since,until,note,events\r\n", stdout);
    return store_suppressions(s, o->now, 0, print_sup, o) < 0 ? EXIT_STORE : 0;
}

static int cmd_suppress(store *s, struct opts *o, const char *addr, int lift)
{
    if (o->note == NULL || o->note[0] == '\0')
        return usage("%s: --note TEXT is required", lift ? "unsuppress" : "suppress");
    if (strchr(addr, '@') == NULL)
        return usage("not an address: \"%s\"", addr);
    if (!lift)
        return store_suppress(s, addr, o->note, o->now) < 0 ? EXIT_STORE : 0;
    int rc = store_unsuppress(s, addr, o->note, o->now);
    if (rc == 0)
        fprintf(stderr, "bounce-report: %s is not suppressed\n", addr);
    return rc == 1 ? 0 : EXIT_STORE;
}

static int cmd_forget(store *s, struct opts *o, const char *addr)
{
    long ne = 0, ns = 0;
    if (store_forget(s, addr, &ne, &ns) < 0)
        return EXIT_STORE;
    printf("%s: %ld events and %ld suppressions erased\n", addr, ne, ns);
    return 0;
}

static int cmd_prune(store *s, struct opts *o)
{
    int64_t before = o->now - (int64_t)o->cf.retention_days * DAY;
    if (o->before && (before = parse_date(o->before)) < 0)
        return usage("--before: expected YYYY-MM-DD, not \"%s\"", o->before);
    long ne = 0, ns = 0;
    if (store_prune(s, before, o->now, &ne, &ns) < 0)
        return EXIT_STORE;
    char t[32];
    event_format_time(before, t);
    printf("pruned %ld events before %s and %ld suppressions\n", ne, t, ns);
    return 0;
}

/* ----------------------------------------------------------- html */

static int html_event(const event *e, void *arg)
{
    return html_add(arg, e) < 0;
}

static int cmd_html(store *s, struct opts *o, const char *file)
{
    html_data d = {0};
    struct event_filter f = {0};
    if (since_opt(o, &f.since))
        return EXIT_USAGE;
    if (store_events(s, &f, html_event, &d) < 0) {
        html_data_free(&d);
        return EXIT_STORE;
    }
    sbuf b = {0};
    html_write(&b, &d, o->now);
    html_data_free(&d);
    FILE *out = strcmp(file, "-") == 0 ? stdout : fopen(file, "w");
    int ok = out && sbuf_ok(&b) && fwrite(b.s, 1, b.len, out) == b.len;
    if (out && out != stdout)
        ok = fclose(out) == 0 && ok;
    if (!ok)
        fprintf(stderr, "bounce-report: %s: %s\n", file, strerror(errno));
    sbuf_free(&b);
    return ok ? 0 : EXIT_USAGE;
}

/* ----------------------------------------------------------- main */

/* Options each command takes besides -c, --store and --json. */
struct command {
    const char *name;
    int nargs;          /* positional arguments after the name */
    const char *allows; /* option letters it accepts */
};

static const struct command commands[] = {
    {"events", 0, "adkes"}, {"summary", 0, "bs"}, {"suppressed", 0, ""}, {"suppress", 1, "n"},
    {"unsuppress", 1, "n"}, {"forget", 1, ""},    {"prune", 0, "B"},     {"export", 0, "f"},
    {"html", 1, "s"},       {"sign", 1, ""},
};

static int run_command(store *s, struct opts *o, const struct command *c, char **args)
{
    const char *n = c->name;
    if (strcmp(n, "events") == 0)
        return cmd_events(s, o);
    if (strcmp(n, "summary") == 0)
        return cmd_summary(s, o);
    if (strcmp(n, "suppressed") == 0)
        return cmd_suppressed(s, o);
    if (strcmp(n, "suppress") == 0 || strcmp(n, "unsuppress") == 0)
        return cmd_suppress(s, o, args[0], n[0] == 'u');
    if (strcmp(n, "forget") == 0)
        return cmd_forget(s, o, args[0]);
    if (strcmp(n, "prune") == 0)
        return cmd_prune(s, o);
    if (strcmp(n, "export") == 0)
        return cmd_export(s, o);
    return cmd_html(s, o, args[0]);
}

/* The config: -c FILE must load; the default file only when it exists. */
static int load_config(struct opts *o)
{
    sbuf err = {0};
    if (!o->conf_given && access(o->conf, F_OK) != 0)
        return sconf_defaults(&o->cf) < 0 ? EXIT_USAGE : 0;
    if (sconf_load(&o->cf, o->conf, &err) < 0) {
        fputs(err.s ? err.s : "out of memory\n", stderr);
        sbuf_free(&err);
        return EXIT_USAGE;
    }
    return 0;
}

/* Options and command: -1 to go on, else the exit status (0 after --help). */
static int parse_args(int argc, char **argv, struct opts *o, const struct command **cmd)
{
    static const struct option longopts[] = {
        {"store", required_argument, NULL, 'S'},   {"json", no_argument, NULL, 'j'},
        {"address", required_argument, NULL, 'a'}, {"domain", required_argument, NULL, 'd'},
        {"class", required_argument, NULL, 'k'},   {"severity", required_argument, NULL, 'e'},
        {"since", required_argument, NULL, 's'},   {"before", required_argument, NULL, 'B'},
        {"by", required_argument, NULL, 'b'},      {"note", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},  {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0}};
    const char **slot[128] = {
        ['S'] = &o->store,    ['a'] = &o->address, ['d'] = &o->domain, ['k'] = &o->class_name,
        ['e'] = &o->severity, ['s'] = &o->since,   ['B'] = &o->before, ['b'] = &o->by,
        ['n'] = &o->note,     ['f'] = &o->format,  ['c'] = &o->conf};
    char given[16] = ""; /* the command's own options, to check against allows */
    int c;
    while ((c = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage_text, stdout);
            return 0;
        }
        if (c == 'V') {
            printf("bounce-report %s (store schema %d)\n", BC_VERSION, STORE_SCHEMA_VERSION);
            return 0;
        }
        if (c == 'j') {
            o->json = 1;
        } else if (c > 0 && c < 128 && slot[c]) {
            *slot[c] = optarg;
            o->conf_given |= c == 'c';
            size_t n = strlen(given);
            if (c != 'S' && c != 'c' && n < sizeof given - 1) {
                given[n] = (char)c;
                given[n + 1] = '\0';
            }
        } else {
            fputs(usage_text, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return usage("no command given");
    *cmd = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[optind], commands[i].name) == 0)
            *cmd = &commands[i];
    if (*cmd == NULL)
        return usage("unknown command \"%s\"", argv[optind]);
    if (argc - optind - 1 != (*cmd)->nargs)
        return usage("%s: wrong number of arguments", (*cmd)->name);
    for (const char *g = given; *g; g++)
        if (strchr((*cmd)->allows, *g) == NULL)
            return usage("%s: an option it does not take was given", (*cmd)->name);
    return -1;
}

/* sign ADDR: the first (current) key of the config's verp_key, which the
 * store's settings do not include, read here; no store is opened. */
static int cmd_sign(struct opts *o, const char *addr)
{
    config_t cf;
    config_init(&cf);
    int rc = EXIT_USAGE;
    const char *key = NULL;
    if (config_read_file(&cf, o->conf) != CONFIG_TRUE) {
        fprintf(stderr, "bounce-report: %s:%d: %s\n", o->conf, config_error_line(&cf),
                config_error_text(&cf) ? config_error_text(&cf) : "cannot read file");
        config_destroy(&cf);
        return rc;
    }
    config_setting_t *k = config_lookup(&cf, "verp_key");
    if (k != NULL && config_setting_type(k) == CONFIG_TYPE_STRING)
        key = config_setting_get_string(k);
    else if (k != NULL && config_setting_length(k) > 0)
        key = config_setting_get_string_elem(k, 0);
    char out[600];
    if (key == NULL || *key == '\0')
        fprintf(stderr, "bounce-report: %s sets no verp_key\n", o->conf);
    else if (verp_sign(key, addr, out, sizeof out) != 0)
        fprintf(stderr, "bounce-report: sign: not an address: \"%s\"\n", addr);
    else {
        puts(out);
        rc = 0;
    }
    config_destroy(&cf);
    return rc;
}

/* The store of --store or the config; NULL with the exit status in *rc. */
static store *open_store(struct opts *o, int *rc)
{
    if ((*rc = load_config(o)) != 0)
        return NULL;
    const char *uri = o->store ? o->store : o->cf.store;
    *rc = EXIT_USAGE;
    if (uri == NULL) {
        fprintf(stderr,
                "bounce-report: %s sets no store (store = \"sqlite:/path\"), and no --store\n",
                o->conf);
        return NULL;
    }
    const char *problem = store_uri_problem(uri);
    if (problem) {
        fprintf(stderr, "bounce-report: %s: %s\n", uri, problem);
        return NULL;
    }
    char err[1024];
    store *s = store_open(uri, err, sizeof err);
    if (s == NULL)
        fprintf(stderr, "bounce-report: %s\n", err);
    *rc = s ? 0 : EXIT_STORE;
    return s;
}

int main(int argc, char **argv)
{
    struct opts o = {.conf = BC_SYSCONFDIR "/milter.conf", .now = (int64_t)time(NULL)};
    const struct command *cmd = NULL;
    int rc = parse_args(argc, argv, &o, &cmd);
    if (rc >= 0)
        return rc;
    if (strcmp(cmd->name, "sign") == 0)
        return cmd_sign(&o, argv[optind + 1]);
    store *s = open_store(&o, &rc);
    if (s) {
        rc = run_command(s, &o, cmd, argv + optind + 1);
        if (rc == EXIT_STORE && store_error(s)[0])
            fprintf(stderr, "bounce-report: %s\n", store_error(s));
        if (fflush(stdout) != 0 && rc == 0)
            rc = EXIT_STORE;
        store_close(s);
    }
    sconf_free(&o.cf);
    return rc;
}
