/*
 * json-check - validate bounce-classify --json output against the contract.
 *
 *     bounce-classify --json FILES... | json-check [--min N]
 *
 * Every input line must be one strict RFC 8259 JSON object in valid UTF-8,
 * shaped as INTERFACES.md section 2 says: either {"source", "error"} or the
 * message object with its keys in the documented order and types (bounce a
 * boolean, recipients an array of objects whose "code" is a number and the
 * rest strings).  Prints TAP lines (one per failing line, then a summary);
 * exit status 1 on any failure or when fewer than N objects were read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum jtype { J_BAD, J_OBJ, J_ARR, J_STR, J_NUM, J_BOOL, J_NULL };

static const char *const msg_keys[] = {"source",     "bounce", "kind",      "mta",
                                       "message_id", "date",   "recipients"};
static const char *const rcpt_keys[] = {
    "address", "action", "status", "reply_code",   "class",      "severity",  "advice",
    "code",    "detail", "rule",   "smtp_command", "diagnostic", "remote_mta"};

struct parser {
    const unsigned char *p, *end;
    const char *why;
};

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r'))
        ps->p++;
}

static int fail(struct parser *ps, const char *why)
{
    if (ps->why == NULL)
        ps->why = why;
    return 0;
}

/* Parse a string; copy up to keylen-1 bytes of it into key if given. */
static int parse_string(struct parser *ps, char *key, size_t keylen)
{
    size_t k = 0;
    if (ps->p >= ps->end || *ps->p != '"')
        return fail(ps, "string expected");
    ps->p++;
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned c = *ps->p;
        if (c < 0x20)
            return fail(ps, "raw control character in string");
        if (c == '\\') {
            ps->p++;
            if (ps->p >= ps->end)
                return fail(ps, "truncated escape");
            c = *ps->p;
            if (c == 'u') {
                if (ps->end - ps->p < 5)
                    return fail(ps, "truncated \\u escape");
                for (int i = 1; i <= 4; i++)
                    if (strchr("0123456789abcdefABCDEF", ps->p[i]) == NULL || ps->p[i] == 0)
                        return fail(ps, "bad \\u escape");
                ps->p += 5;
                continue;
            }
            if (strchr("\"\\/bfnrt", (int)c) == NULL || c == 0)
                return fail(ps, "bad escape");
            ps->p++;
            if (key != NULL && k + 1 < keylen)
                key[k++] = (char)c;
            continue;
        }
        size_t n = 1;
        if (c >= 0x80) {
            unsigned lo = 0x80, hi = 0xbf;
            if (c >= 0xc2 && c <= 0xdf)
                n = 2;
            else if (c >= 0xe0 && c <= 0xef) {
                n = 3;
                lo = c == 0xe0 ? 0xa0 : 0x80;
                hi = c == 0xed ? 0x9f : 0xbf;
            } else if (c >= 0xf0 && c <= 0xf4) {
                n = 4;
                lo = c == 0xf0 ? 0x90 : 0x80;
                hi = c == 0xf4 ? 0x8f : 0xbf;
            } else
                return fail(ps, "invalid UTF-8");
            if ((size_t)(ps->end - ps->p) < n || ps->p[1] < lo || ps->p[1] > hi)
                return fail(ps, "invalid UTF-8");
            for (size_t i = 2; i < n; i++)
                if ((ps->p[i] & 0xc0) != 0x80)
                    return fail(ps, "invalid UTF-8");
        }
        for (size_t i = 0; i < n; i++) {
            if (key != NULL && k + 1 < keylen)
                key[k++] = (char)ps->p[i];
        }
        ps->p += n;
    }
    if (ps->p >= ps->end)
        return fail(ps, "unterminated string");
    ps->p++;
    if (key != NULL)
        key[k] = '\0';
    return 1;
}

static int parse_number(struct parser *ps)
{
    const unsigned char *s = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p < ps->end && *ps->p == '0')
        ps->p++;
    else if (ps->p < ps->end && *ps->p >= '1' && *ps->p <= '9')
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    else
        return fail(ps, "bad number");
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return fail(ps, "bad fraction");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return fail(ps, "bad exponent");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    return ps->p > s;
}

static int parse_word(struct parser *ps, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
        return fail(ps, "bad literal");
    ps->p += n;
    return 1;
}

/* Parse any value; returns its type (J_BAD on error). */
static enum jtype parse_value(struct parser *ps, int depth);

/* An object whose keys must be exactly want[0..nwant) in order, optionally
 * followed by "explain".  types[i] is the type each key's value must have. */
static int parse_object(struct parser *ps, int depth, const char *const *want, size_t nwant,
                        const enum jtype *types, int rcpt_level)
{
    char key[64];
    size_t i = 0;
    ps->p++; /* '{' */
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return nwant == 0 ? 1 : fail(ps, "empty object");
    }
    for (;;) {
        skip_ws(ps);
        if (!parse_string(ps, key, sizeof key))
            return 0;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':')
            return fail(ps, "':' expected");
        ps->p++;
        skip_ws(ps);
        int is_rcpts = !rcpt_level && want != NULL && strcmp(key, "recipients") == 0;
        enum jtype t;
        if (is_rcpts) {
            if (ps->p >= ps->end || *ps->p != '[')
                return fail(ps, "recipients is not an array");
            ps->p++;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ']')
                ps->p++;
            else
                for (;;) {
                    skip_ws(ps);
                    static const enum jtype rt[13] = {J_STR, J_STR, J_STR, J_STR, J_STR,
                                                      J_STR, J_STR, J_NUM, J_STR, J_STR,
                                                      J_STR, J_STR, J_STR};
                    if (ps->p >= ps->end || *ps->p != '{')
                        return fail(ps, "recipient is not an object");
                    if (!parse_object(ps, depth + 1, rcpt_keys, 13, rt, 1))
                        return 0;
                    skip_ws(ps);
                    if (ps->p < ps->end && *ps->p == ',') {
                        ps->p++;
                        continue;
                    }
                    if (ps->p < ps->end && *ps->p == ']') {
                        ps->p++;
                        break;
                    }
                    return fail(ps, "',' or ']' expected in recipients");
                }
            t = J_ARR;
        } else {
            t = parse_value(ps, depth + 1);
            if (t == J_BAD)
                return 0;
        }
        if (want != NULL) {
            if (i < nwant) {
                if (strcmp(key, want[i]) != 0)
                    return fail(ps, "key out of order or unexpected");
                if (t != types[i])
                    return fail(ps, "value of wrong type");
            } else if (rcpt_level || i > nwant || strcmp(key, "explain") != 0 || t != J_ARR)
                return fail(ps, "extra key");
        }
        i++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            break;
        }
        return fail(ps, "',' or '}' expected");
    }
    if (want != NULL && i < nwant)
        return fail(ps, "missing keys");
    return 1;
}

static enum jtype parse_value(struct parser *ps, int depth)
{
    if (depth > 64)
        return fail(ps, "too deep"), J_BAD;
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "value expected"), J_BAD;
    switch (*ps->p) {
    case '{':
        return parse_object(ps, depth, NULL, 0, NULL, 1) ? J_OBJ : J_BAD;
    case '[':
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return J_ARR;
        }
        for (;;) {
            if (parse_value(ps, depth + 1) == J_BAD)
                return J_BAD;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == ']') {
                ps->p++;
                return J_ARR;
            }
            return fail(ps, "',' or ']' expected"), J_BAD;
        }
    case '"':
        return parse_string(ps, NULL, 0) ? J_STR : J_BAD;
    case 't':
        return parse_word(ps, "true") ? J_BOOL : J_BAD;
    case 'f':
        return parse_word(ps, "false") ? J_BOOL : J_BAD;
    case 'n':
        return parse_word(ps, "null") ? J_NULL : J_BAD;
    default:
        return parse_number(ps) ? J_NUM : J_BAD;
    }
}

/* Check one output line; NULL if it is right, else why not. */
static const char *check_line(const char *line, size_t len)
{
    static const enum jtype mt[7] = {J_STR, J_BOOL, J_STR, J_STR, J_STR, J_STR, J_ARR};
    static const char *const err_keys[] = {"source", "error"};
    static const enum jtype et[2] = {J_STR, J_STR};
    struct parser ps = {(const unsigned char *)line, (const unsigned char *)line + len, NULL};
    skip_ws(&ps);
    if (ps.p >= ps.end || *ps.p != '{')
        return "not an object";
    int is_error = memmem(line, len, "\"error\": ", 9) != NULL &&
                   memmem(line, len, "\"bounce\": ", 10) == NULL;
    int ok = is_error ? parse_object(&ps, 0, err_keys, 2, et, 0)
                      : parse_object(&ps, 0, msg_keys, 7, mt, 0);
    if (!ok)
        return ps.why ? ps.why : "invalid";
    skip_ws(&ps);
    return ps.p == ps.end ? NULL : "trailing text";
}

int main(int argc, char **argv)
{
    long min = 1;
    if (argc == 3 && strcmp(argv[1], "--min") == 0)
        min = atol(argv[2]);
    else if (argc != 1) {
        fprintf(stderr, "usage: json-check [--min N] < json-lines\n");
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lines = 0, bad = 0, tap_n = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] != '\n') {
            printf("not ok %ld - line %ld: no final newline\n", ++tap_n, lines + 1);
            bad++;
        } else
            line[--n] = '\0';
        lines++;
        const char *why = check_line(line, (size_t)n);
        if (why != NULL) {
            bad++;
            printf("not ok %ld - line %ld: %s: %.120s\n", ++tap_n, lines, why, line);
        }
    }
    free(line);
    printf("%sok %ld - %ld JSON lines, %ld invalid (at least %ld expected)\n",
           bad == 0 && lines >= min ? "" : "not ", ++tap_n, lines, bad, min);
    return bad == 0 && lines >= min ? 0 : 1;
}
