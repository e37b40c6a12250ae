/*
 * http_request.h - the tests' webhook receivers read one HTTP request
 * (test_milter_webhook, test_milter_enforce, tools/http-sink).
 *
 *     const char *body = http_read_request(fd, buf, sizeof buf);
 *
 * Reads from fd until the headers and Content-Length bytes of body are in,
 * the peer closes, or buf is full; buf is NUL-terminated.  Returns the body
 * (inside buf), or NULL when the headers never ended.
 */
#ifndef HTTP_REQUEST_H
#define HTTP_REQUEST_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline const char *http_read_request(int fd, char *buf, size_t size)
{
    size_t len = 0;
    const char *end = NULL;
    long clen = 0;
    ssize_t n;
    buf[0] = '\0';
    while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0) {
        len += (size_t)n;
        buf[len] = '\0';
        if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
            const char *cl = strcasestr(buf, "\r\nContent-Length:");
            clen = cl ? atol(cl + 17) : 0;
        }
        if (end != NULL && (long)len >= end + 4 - buf + clen)
            break;
    }
    return end != NULL ? end + 4 : NULL;
}

#endif
