/*
 * main.c - bounce-milter: options, daemon start-up, privileges, signals.
 *
 * Start-up order matters: block the signals we take before anything else
 * (libmilter blocks its own only in the thread that calls smfi_main), load
 * and check the config as root, make sure no other instance runs
 * (instance.c), load it again as the service user as a reload will, become
 * a daemon, write the pid file, drop
 * privileges, and only then create the socket, so that it belongs to the
 * unprivileged user.
 *
 * Threads: libmilter's accept loop (smfi_main) runs in a thread of its own;
 * the main thread takes every signal with sigtimedwait: SIGUSR1 (reload),
 * SIGUSR2 (counters to the log), and writes the Prometheus file and gives
 * freed memory back to the system between signals.  SIGINT stays
 * libmilter's (abort), but libmilter's accept loop looks at its stop flag
 * only between polls of up to 5 seconds (MI_CHK_TIME): the main thread,
 * which the kernel prefers for a signal sent to the process while it waits
 * for it, passes the signal on to libmilter's signal thread and interrupts
 * the accept loop's poll until it returns.
 *
 * A stop (SIGTERM, SIGHUP) drains instead: the main thread waits, for at
 * most drain_timeout seconds, until the messages in flight have ended
 * (callbacks_drain), then removes the socket and returns from main, which
 * ends the process with its idle sessions.  libmilter never sees that
 * signal: Debian's libmilter serves sessions from a pool of workers that
 * quit as soon as its stop flag is set, cutting every session off, and
 * its pool controller frees the workers' lock under them.  Meanwhile
 * connections are still accepted, but each message that begins is
 * answered 451 (callbacks.c), so the count only falls.  A stop signal that
 * comes while the main thread is reloading may reach libmilter's own
 * signal thread instead: that stop is libmilter's, not drained.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "callbacks.h"
#include "enforce.h"
#include "events.h"
#include "instance.h"
#include "log.h"
#include "paths.h" /* generated: BC_SYSCONFDIR */
#include "runtime.h"
#include "sconf.h" /* SCONF_JOURNAL */
#include "stats.h"
#include "testmode.h"

#define EX_USAGE 64
#define EX_NOINPUT 66
#define EX_UNAVAILABLE 69
#define EX_SOFTWARE 70
#define EX_OSERR 71
#define EX_CONFIG 78

#define MAX_TEST_RCPTS 100

static int user_from_option; /* -u given: the config's user line does not apply */
/* Interrupts the accept loop's poll (a handler that does nothing). */
#define WAKE_SIGNAL SIGALRM

static char config_path[PATH_MAX];
static pthread_t main_thread, listener_thread;
static int listener_done, listener_rc; /* set by the listener thread */

static void usage(FILE *out, int status)
{
    fprintf(out,
            "usage: bounce-milter [-f] [-e] [-c FILE] [-p SOCKET] [-P PIDFILE] [-u USER]\n"
            "       bounce-milter -n [-c FILE]            check the configuration\n"
            "       bounce-milter -t MSGFILE [-c FILE] [-F SENDER] [-R RCPT]... [-D DAEMON]\n"
            "       bounce-milter -V                      print the version\n"
            "       bounce-milter -h, --help              this help\n"
            "  -c FILE    configuration (default %s/milter.conf)\n"
            "  -f         stay in the foreground (still logging to syslog)\n"
            "  -e         log to standard error instead of syslog (implies -f)\n"
            "  -p SOCKET  listen here instead of the config's socket\n"
            "  -P FILE    write the process id here instead of the config's pid_file\n"
            "  -u USER    run as USER instead of the config's user\n"
            "  -t MSGFILE run one message offline and print what would be done\n"
            "  -F, -R, -D with -t: envelope sender, recipient(s), {daemon_name}\n",
            BC_SYSCONFDIR);
    exit(status);
}

/* Path of a unix socket spec, or NULL for inet sockets. */
static const char *socket_path(const char *spec)
{
    if (strncmp(spec, "unix:", 5) == 0)
        return spec + 5;
    if (strncmp(spec, "local:", 6) == 0)
        return spec + 6;
    return NULL;
}

/* Users and groups named in the config must exist. */
static int check_identities(const mconf *c, uid_t *uid, gid_t *gid, gid_t *sock_gid)
{
    int bad = 0;
    *uid = geteuid();
    *gid = getegid();
    *sock_gid = (gid_t)-1;
    struct passwd *pw = *c->user != '\0' ? getpwnam(c->user) : NULL;
    if (pw != NULL) {
        *uid = pw->pw_uid;
        *gid = pw->pw_gid;
    } else if (*c->user != '\0' && user_from_option) {
        fprintf(stderr, "bounce-milter: -u %s: user does not exist\n", c->user);
        bad = 1;
    } else if (*c->user != '\0') {
        fprintf(stderr, "bounce-milter: %s:%d: user: \"%s\" does not exist\n", c->path,
                mconf_line(c, "user"), c->user);
        bad = 1;
    }
    struct group *gr = *c->socket_group != '\0' ? getgrnam(c->socket_group) : NULL;
    if (gr != NULL) {
        *sock_gid = gr->gr_gid;
    } else if (*c->socket_group != '\0') {
        fprintf(stderr, "bounce-milter: %s:%d: socket_group: \"%s\" does not exist\n", c->path,
                mconf_line(c, "socket_group"), c->socket_group);
        bad = 1;
    }
    return bad ? -1 : 0;
}

/* As root: create the socket's directory for the user if it is missing.
 * A directory that exists is only given to the user when it is systemd's
 * RuntimeDirectory (made for this service, root-owned). */
static void make_socket_dir(const char *path, uid_t uid, gid_t gid)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return;
    *slash = '\0';
    const char *rtdir = getenv("RUNTIME_DIRECTORY");
    int ours = mkdir(dir, 0750) == 0;
    if (!ours && errno != EEXIST)
        log_msg(LOG_WARNING, "mkdir %s: %s", dir, strerror(errno));
    if ((ours || (rtdir != NULL && strcmp(rtdir, dir) == 0)) && chown(dir, uid, gid) != 0)
        log_msg(LOG_WARNING, "chown %s: %s", dir, strerror(errno));
}

/* Become uid/gid, keeping the socket group as a supplementary group so the
 * socket can be given to it. */
static int drop_privileges(const mconf *c, uid_t uid, gid_t gid, gid_t sock_gid)
{
    if (geteuid() != 0)
        return 0;
    if (*c->user == '\0') {
        log_msg(LOG_ERR, "refusing to run as root: set user in %s or use -u", c->path);
        return -1;
    }
    gid_t groups[NGROUPS_MAX];
    int n = NGROUPS_MAX - 1;
    if (getgrouplist(c->user, gid, groups, &n) < 0)
        n = 0;
    if (sock_gid != (gid_t)-1)
        groups[n++] = sock_gid;
    if (setgroups((size_t)n, groups) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        log_msg(LOG_ERR, "cannot become user %s: %s", c->user, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0) {
        log_msg(LOG_ERR, "privileges were not dropped");
        return -1;
    }
    return 0;
}

static void enforce_event_hook(const struct event *ev, void *arg)
{
    (void)arg;
    enforce_on_event(ev);
}

static void enforce_suppress_hook(const struct suppression *sp, void *arg)
{
    (void)arg;
    enforce_on_suppress(sp);
}

/* The socketmap's and webhooks' own counts, added to the daemon's since
 * the last file (main thread only). */
static void take_enforce_counters(void)
{
    static struct enforce_counters last;
    struct enforce_counters k;
    enforce_counters(&k);
    stats_add(ST_LOOKUPS, (unsigned long)(k.lookups - last.lookups));
    stats_add(ST_WEBHOOK_DELIVERIES, (unsigned long)(k.delivered - last.delivered));
    stats_add(ST_WEBHOOK_FAILURES, (unsigned long)(k.failed - last.failed));
    last = k;
}

static void write_stats_file(void)
{
    take_enforce_counters();
    mruntime *rt = runtime_acquire();
    if (rt != NULL && *rt->conf->stats_file != '\0' && stats_write_file(rt->conf->stats_file) != 0)
        log_msg(LOG_WARNING, "cannot write %s: %s", rt->conf->stats_file, strerror(errno));
    runtime_release(rt);
}

static void reload(void)
{
    char err[4096];
    mruntime *cur = runtime_acquire();
    mruntime *rt = runtime_load(config_path, err, sizeof err);
    if (rt == NULL) {
        /* one log line per error, then keep the old config */
        char *save = NULL;
        for (char *line = strtok_r(err, "\n", &save); line != NULL;
             line = strtok_r(NULL, "\n", &save))
            log_msg(LOG_ERR, "reload: %s", line);
        log_msg(LOG_ERR, "reload refused; the previous configuration stays in force");
        runtime_release(cur);
        return;
    }
    /* before the new config is in force: a socket or spool it names that
     * cannot be opened refuses it, as an error in the file does */
    if (enforce_reload(rt->conf, rt->conf->store->store, rt->conf->store->journal, err,
                       sizeof err) != 0) {
        log_msg(LOG_ERR, "reload: %s", err);
        log_msg(LOG_ERR, "reload refused; the previous configuration stays in force");
        runtime_release(rt);
        runtime_release(cur);
        return;
    }
    if (cur != NULL && (strcmp(cur->conf->socket, rt->conf->socket) != 0 ||
                        strcmp(cur->conf->user, rt->conf->user) != 0))
        log_msg(LOG_WARNING, "reload: socket and user changes take effect at restart");
    runtime_release(cur);
    runtime_install(rt);
    log_msg(LOG_INFO, "configuration reloaded from %s (%zu rules; %d rule sets in memory)",
            config_path, bc_rules_count(rt->rules), runtime_live());
    /* a changed store or journal: the old journal is drained first */
    cur = runtime_acquire();
    events_configure(cur->conf, 1);
    runtime_release(cur);
}

static void wake_handler(int sig)
{
    (void)sig; /* only there to make the accept loop's poll return EINTR */
}

/* libmilter's accept loop, with the wake-up signal unblocked here only. */
static void *listener(void *arg)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, WAKE_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    int rc = smfi_main();
    __atomic_store_n(&listener_rc, rc, __ATOMIC_RELEASE);
    __atomic_store_n(&listener_done, 1, __ATOMIC_RELEASE);
    pthread_kill(main_thread, WAKE_SIGNAL); /* tell the main thread */
    return NULL;
}

/* Stop (SIGTERM, SIGHUP) or abort (SIGINT) the way libmilter does: its
 * signal thread is now the only one waiting for sig and takes it; then the
 * accept loop is interrupted until it sees the stop flag and returns. */
static void stop_listener(int sig)
{
    struct timespec pause = {0, 20 * 1000 * 1000};
    kill(getpid(), sig);
    while (!__atomic_load_n(&listener_done, __ATOMIC_ACQUIRE)) {
        pthread_kill(listener_thread, WAKE_SIGNAL);
        nanosleep(&pause, NULL);
    }
}

/* Let the messages in flight end, within drain_timeout. */
static void drain(void)
{
    mruntime *rt = runtime_acquire();
    unsigned secs = rt != NULL ? rt->conf->drain_timeout : 0;
    runtime_release(rt);
    long n = callbacks_in_flight();
    if (n > 0)
        log_msg(LOG_INFO, "stopping: %ld messages in flight, waiting up to %u s", n, secs);
    n = callbacks_drain(secs);
    if (n > 0)
        log_msg(LOG_WARNING, "drain_timeout (%u s) reached: %ld messages in flight cut off", secs,
                n);
}

/* The main thread until the listener returns or a stop has drained:
 * signals, and the counters file every stats_interval.  Returns 1 after a
 * drained stop (the listener still runs), else 0. */
static int signal_loop(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGINT);
    sigaddset(&set, WAKE_SIGNAL);
    while (!__atomic_load_n(&listener_done, __ATOMIC_ACQUIRE)) {
        mruntime *rt = runtime_acquire();
        struct timespec ts = {rt ? (time_t)rt->conf->stats_interval : 10, 0};
        runtime_release(rt);
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig == SIGUSR1)
            reload();
        else if (sig == SIGUSR2)
            stats_log();
        else if (sig == SIGTERM || sig == SIGHUP) {
            drain();
            return 1;
        } else if (sig == SIGINT) {
            stop_listener(sig);
            break;
        }
        write_stats_file();
        /* What messages freed since the last wake-up goes back to the
         * system: glibc gives back only the top of its heaps by itself, so
         * RSS would keep the high-water mark of the busiest moment. */
        malloc_trim(0);
    }
    return 0;
}

static int run_daemon(int foreground, int to_stderr)
{
    mruntime *rt = runtime_acquire();
    const mconf *c = rt->conf;
    uid_t uid;
    gid_t gid, sock_gid;
    if (check_identities(c, &uid, &gid, &sock_gid) != 0)
        return EX_CONFIG;
    if (geteuid() == 0 && *c->user == '\0') {
        fprintf(stderr, "bounce-milter: refusing to run as root: set user in %s or use -u\n",
                c->path);
        return EX_CONFIG;
    }
    /* before the socket or pid file is touched: never another's */
    if (instance_other(c->socket, c->pid_file, c->user, uid, gid))
        return EX_UNAVAILABLE;
    if (instance_user_check(config_path, c->user, uid, gid) != 0)
        return EX_CONFIG;
    const char *spath = socket_path(c->socket);
    if (!foreground && daemon(0, 0) != 0) {
        fprintf(stderr, "bounce-milter: daemon: %s\n", strerror(errno));
        return EX_OSERR;
    }
    /* Opened before libmilter starts, so that its own messages (it calls
     * syslog itself) go to the configured facility too. */
    log_init("bounce-milter", to_stderr, c->log_facility);
    /* Memory stays flat under load: large message buffers always come from
     * mmap and go back to the system when freed (glibc would otherwise
     * raise the threshold and keep them in its per-thread arenas). */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    mallopt(M_ARENA_MAX, 4);
    if (spath != NULL && geteuid() == 0)
        make_socket_dir(spath, uid, sock_gid != (gid_t)-1 ? sock_gid : gid);
    char msg[PATH_MAX + 200];
    if (*c->pid_file != '\0' && instance_write_pid(c->pid_file, msg, sizeof msg) != 0) {
        log_msg(LOG_ERR, "%s", msg);
        return EX_OSERR;
    }

    if (drop_privileges(c, uid, gid, sock_gid) != 0)
        return EX_OSERR;
    umask(0077);
    /* the journal and the SQLite file belong to the service user; the
     * suppression set and the webhooks hear of what the writer stores */
    events_subscribe(enforce_event_hook, enforce_suppress_hook, NULL);
    events_configure(c, 1);
    if (smfi_register(*callbacks_desc()) != MI_SUCCESS || smfi_setconn(c->socket) != MI_SUCCESS ||
        smfi_settimeout(c->timeout) != MI_SUCCESS) {
        log_msg(LOG_ERR, "libmilter set-up failed for %s", c->socket);
        return EX_SOFTWARE;
    }
    if (smfi_opensocket(1) != MI_SUCCESS) {
        log_msg(LOG_ERR, "cannot open socket %s (as uid %ld)", c->socket, (long)geteuid());
        return EX_OSERR;
    }
    if (spath != NULL) {
        if (sock_gid != (gid_t)-1 && chown(spath, (uid_t)-1, sock_gid) != 0)
            log_msg(LOG_WARNING, "chgrp %s %s: %s", c->socket_group, spath, strerror(errno));
        if (chmod(spath, c->socket_mode) != 0)
            log_msg(LOG_WARNING, "chmod %s: %s", spath, strerror(errno));
    }
    char enf_err[512];
    if (enforce_start(c, c->store->store, c->store->journal, sock_gid, enf_err, sizeof enf_err) !=
        0) {
        log_msg(LOG_ERR, "%s", enf_err);
        return EX_OSERR;
    }
    log_msg(LOG_INFO, "bounce-milter %s started on %s as uid %ld, %zu rules, config %s", BC_VERSION,
            c->socket, (long)geteuid(), bc_rules_count(rt->rules), config_path);
    char pid_file[PATH_MAX], sock_path[PATH_MAX];
    snprintf(pid_file, sizeof pid_file, "%s", c->pid_file);
    snprintf(sock_path, sizeof sock_path, "%s", spath != NULL ? spath : "");
    runtime_release(rt);

    main_thread = pthread_self();
    struct sigaction sa = {.sa_handler = wake_handler};
    sigemptyset(&sa.sa_mask);
    sigaction(WAKE_SIGNAL, &sa, NULL);
    if (pthread_create(&listener_thread, NULL, listener, NULL) != 0) {
        log_msg(LOG_ERR, "cannot start the listener thread");
        return EX_OSERR;
    }
    int rc = MI_SUCCESS;
    if (signal_loop()) {
        /* what libmilter would do at its stop: the socket goes */
        struct stat st;
        if (*sock_path != '\0' && lstat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode))
            unlink(sock_path);
    } else {
        pthread_join(listener_thread, NULL);
        rc = listener_rc;
    }
    events_stop(); /* what the store has not taken stays in the journal */
    enforce_stop();
    write_stats_file();
    stats_log();
    log_msg(LOG_INFO, "stopped");
    if (*pid_file != '\0')
        unlink(pid_file); /* may fail after the privilege drop; harmless */
    return rc == MI_SUCCESS ? 0 : EX_SOFTWARE;
}

int main(int argc, char **argv)
{
    const char *conf = BC_SYSCONFDIR "/milter.conf", *test_file = NULL;
    const char *sock = NULL, *user = NULL, *pid_file = NULL, *test_from = NULL, *test_daemon = NULL;
    const char *test_rcpts[MAX_TEST_RCPTS];
    size_t ntest_rcpts = 0;
    int foreground = 0, to_stderr = 0, check_only = 0, opt;
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    while ((opt = getopt_long(argc, argv, "c:efnt:p:P:u:VF:R:D:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            conf = optarg;
            break;
        case 'e':
            to_stderr = foreground = 1; /* a daemon's stderr is /dev/null */
            break;
        case 'f':
            foreground = 1;
            break;
        case 'n':
            check_only = 1;
            break;
        case 't':
            test_file = optarg;
            break;
        case 'p':
            sock = optarg;
            break;
        case 'P':
            pid_file = optarg;
            break;
        case 'u':
            user = optarg;
            user_from_option = 1;
            break;
        case 'V':
            printf("bounce-milter %s (libmilter %u.%u.%u)\n", BC_VERSION,
                   SM_LM_VRS_MAJOR(SMFI_VERSION), SM_LM_VRS_MINOR(SMFI_VERSION),
                   SM_LM_VRS_PLVL(SMFI_VERSION));
            return 0;
        case 'F':
            test_from = optarg;
            break;
        case 'R':
            if (ntest_rcpts < MAX_TEST_RCPTS)
                test_rcpts[ntest_rcpts++] = optarg;
            break;
        case 'D':
            test_daemon = optarg;
            break;
        case 'h':
            usage(stdout, 0);
            break;
        default:
            usage(stderr, EX_USAGE);
        }
    }
    if (optind != argc)
        usage(stderr, EX_USAGE);
    /* The rules' regex cache (a file under the user's home) only shortens
     * the start-up of short command-line runs: a daemon writes nothing
     * there and checks every pattern when it loads or reloads its rules. */
    setenv("BOUNCE_CACHE", "", 1);
    if (!check_only && test_file == NULL) {
        /* The daemon blocks the signals it takes before anything else: a
         * reload (SIGUSR1) sent while the rules compile at start-up would
         * otherwise kill it, and every thread inherits this mask. */
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigaddset(&set, SIGUSR2);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, WAKE_SIGNAL);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);
    }
    if (realpath(conf, config_path) == NULL)
        snprintf(config_path, sizeof config_path, "%s", conf);

    runtime_set_overrides(sock, user, pid_file);
    char cwd[PATH_MAX];
    runtime_set_basedir(getcwd(cwd, sizeof cwd));
    char err[8192];
    mruntime *rt = runtime_load(config_path, err, sizeof err);
    if (rt == NULL) {
        fputs(err, stderr);
        return EX_CONFIG;
    }
    runtime_install(rt);
    if (check_only) {
        uid_t uid;
        gid_t gid, sock_gid;
        rt = runtime_acquire();
        int bad = check_identities(rt->conf, &uid, &gid, &sock_gid) != 0 ||
                  instance_user_check(config_path, rt->conf->user, uid, gid) != 0;
        if (!bad)
            printf("%s: configuration OK (%zu actions, %zu rules)\n", config_path,
                   rt->conf->nactions, bc_rules_count(rt->rules));
        runtime_release(rt);
        return bad ? EX_CONFIG : 0;
    }
    if (test_file != NULL) {
        /* the same journal as the daemon's, then the store, no thread */
        events_configure(rt->conf, 0);
        int rc = testmode_run(test_file, test_from, ntest_rcpts ? test_rcpts : NULL, ntest_rcpts,
                              test_daemon, stdout);
        if (rc != 0)
            fprintf(stderr, "bounce-milter: cannot read %s\n", test_file);
        int unrecorded = events_flush(rt->conf) != 0;
        events_stop();
        return rc ? EX_NOINPUT : unrecorded ? 1 : 0;
    }
    return run_daemon(foreground, to_stderr);
}
