/*
 * fuzz_classify.c - libFuzzer harness for libbounce.
 *
 * Each input is classified whole (bc_classify) and again fed in two chunks
 * split at a point taken from the input, with BC_EXPLAIN; both must succeed
 * and agree on the recipients, and every string of both results is read so
 * that the sanitizers see it.  The input is also split as an mbox, as
 * bounce-classify does, and its first message fed un-escaped.  The rules
 * are loaded once from $BOUNCE_RULES or the shipped path.  Built and run by
 * tests/fuzz/run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "mbox.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bc_rules *rules;
static bc_classifier *clf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[1024];
    rules = bc_rules_load(NULL, NULL, err, sizeof err);
    if (rules == NULL) {
        fprintf(stderr, "fuzz_classify: %s\n", err);
        exit(1);
    }
    clf = bc_classifier_new(rules, 0, BC_EXPLAIN);
    if (clf == NULL)
        exit(1);
    return 0;
}

/* Touch every byte of every string (strlen), so a bad pointer is caught. */
static size_t touch(const bc_result *r)
{
    size_t n = strlen(r->kind) + strlen(r->mta) + strlen(r->message_id) + strlen(r->date);
    for (size_t i = 0; i < r->nrecipients; i++) {
        const bc_recipient *p = &r->recipients[i];
        n += strlen(p->address) + strlen(p->action) + strlen(p->status) + strlen(p->reply_code) +
             strlen(p->class_name) + strlen(p->advice) + strlen(p->detail) + strlen(p->rule) +
             strlen(p->smtp_command) + strlen(p->diagnostic) + strlen(p->remote_mta) +
             strlen(bc_severity_name(p->severity)) +
             strlen(bc_describe(rules, p->class_name, p->detail, "zh-TW"));
    }
    for (size_t i = 0; i < r->ntrace; i++)
        n += strlen(r->trace[i]);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *msg = (const char *)data;
    bc_result *whole = bc_classify(rules, msg, size, 0);
    if (whole == NULL)
        abort();
    touch(whole);

    size_t cut = size ? data[0] * size / 256 : 0;
    bc_classifier_reset(clf);
    bc_classifier_feed(clf, msg, cut);
    bc_classifier_feed(clf, msg + cut, size - cut);
    bc_result *streamed = bc_classifier_finish(clf);
    if (streamed == NULL)
        abort();
    touch(streamed);
    if (streamed->bounce != whole->bounce || streamed->nrecipients != whole->nrecipients)
        abort();
    for (size_t i = 0; i < whole->nrecipients; i++)
        if (strcmp(whole->recipients[i].address, streamed->recipients[i].address) != 0 ||
            strcmp(whole->recipients[i].class_name, streamed->recipients[i].class_name) != 0)
            abort();
    bc_result_free(whole);
    bc_result_free(streamed);

    mbox_reader m;
    const char *part;
    size_t len, parts = 0;
    mbox_open(&m, msg, size);
    while (mbox_next(&m, &part, &len)) {
        if (part < msg || part + len > msg + size)
            abort();
        if (parts++ == 0) {
            bc_classifier_reset(clf);
            mbox_feed(clf, part, len, m.is_mbox);
            bc_result_free(bc_classifier_finish(clf));
        }
    }
    return 0;
}
