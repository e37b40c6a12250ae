/*
 * mbox.c - split an mbox into messages (see mbox.h).  Separators are only
 * recognised after an empty line and must look like "From sender date"
 * (a digit and a colon after the sender), so that an unescaped "From " in
 * a message body does not cut it in two.
 */
#include "mbox.h"

#include <string.h>

/* End of the line at p: its LF, CR or CRLF (lone CR ends a line too, as in
 * old Mac files), or end. */
static const char *line_end(const char *p, const char *end)
{
    while (p < end && *p != '\n' && *p != '\r')
        p++;
    return p;
}

/* Start of the line after p, or end.  CRs before an LF end one line, as
 * in mime_lf(). */
static const char *next_line(const char *p, const char *end)
{
    const char *e = line_end(p, end), *q = e;
    if (e == end)
        return end;
    while (q < end && *q == '\r')
        q++;
    return q < end && *q == '\n' ? q + 1 : e + 1;
}

/* Does the line at p look like an mbox separator ("From sender date")? */
static int is_from_line(const char *p, const char *end)
{
    if (end - p < 7 || memcmp(p, "From ", 5) != 0 || p[5] == ' ')
        return 0;
    const char *eol = line_end(p, end);
    if (eol < p + 6)
        return 0;
    const char *sp = memchr(p + 5, ' ', (size_t)(eol - p - 5));
    if (sp == NULL)
        return 0;
    int digit = 0, colon = 0;
    for (const char *q = sp; q < eol; q++) {
        digit |= *q >= '0' && *q <= '9';
        colon |= *q == ':';
    }
    return digit && colon;
}

/* The next separator line at or after p, or end. */
static const char *next_separator(const char *p, const char *end)
{
    while (p < end) {
        const char *e = line_end(p, end);
        if (e == end)
            return end;
        const char *line = next_line(p, end);
        if (e == p && is_from_line(line, end))
            return line;
        p = line;
    }
    return end;
}

void mbox_open(mbox_reader *m, const char *data, size_t len)
{
    m->p = data;
    m->end = data + len;
    m->done = 0;
    m->is_mbox = len >= 5 && memcmp(data, "From ", 5) == 0;
    m->multi = m->is_mbox && next_separator(next_line(data, m->end), m->end) != m->end;
}

int mbox_next(mbox_reader *m, const char **msg, size_t *len)
{
    if (m->done)
        return 0;
    if (!m->is_mbox) {
        *msg = m->p;
        *len = (size_t)(m->end - m->p);
        m->done = 1;
        return 1;
    }
    if (m->p >= m->end) {
        m->done = 1;
        return 0;
    }
    const char *body = next_line(m->p, m->end);
    const char *sep = next_separator(body, m->end);
    *msg = body;
    *len = (size_t)(sep - body);
    m->p = sep;
    return 1;
}

int mbox_feed(bc_classifier *c, const char *p, size_t len, int unescape)
{
    const char *end = p + len, *run = p;
    if (!unescape)
        return bc_classifier_feed(c, p, len);
    for (; p < end; p = next_line(p, end)) {
        if (*p != '>')
            continue;
        const char *q = p;
        while (q < end && *q == '>')
            q++;
        if (end - q >= 5 && memcmp(q, "From ", 5) == 0) {
            if (bc_classifier_feed(c, run, (size_t)(p - run)) != 0)
                return -1;
            run = p + 1;
        }
    }
    return bc_classifier_feed(c, run, (size_t)(end - run));
}
