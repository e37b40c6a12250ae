/*
 * htmltext.c - the text of an HTML part (see htmltext.h), for bounces
 * whose only human-readable part is HTML.  A linear scan: tags are dropped,
 * block ends become line breaks, style and script content is skipped and
 * the common entities are decoded.  Not a renderer: enough for matching.
 */
#include "htmltext.h"

#include <string.h>
#include <strings.h>

#include "mime.h"

/* HTML to plain text: tags dropped (block ends become line breaks), style
 * and script content skipped, the common entities decoded. */
char *html_text(const char *s, size_t n, arena *a, size_t *outlen)
{
    static const struct {
        const char *name, *text;
    } entities[] = {{"nbsp;", " "}, {"amp;", "&"},   {"lt;", "<"},
                    {"gt;", ">"},   {"quot;", "\""}, {"apos;", "'"}};
    char *out = arena_alloc(a, n + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '<') {
            const char *gt = memchr(s + i, '>', n - i);
            size_t tl = gt ? (size_t)(gt - (s + i)) + 1 : n - i;
            const char *tag = s + i + 1;
            size_t left = tl > 1 ? tl - 1 : 0;
            int t0 = left > 0 ? tag[0] | 0x20 : 0; /* most tags are ruled out by it */
            if (left >= 5 && t0 == 's' &&
                (strncasecmp(tag, "style", 5) == 0 ||
                 strncasecmp(tag, "script", 6 < left ? 6 : left) == 0)) {
                const char *close = mime_memcasemem(s + i + tl, n - i - tl, "</", 2);
                while (close != NULL && !(strncasecmp(close + 2, "style", 5) == 0 ||
                                          strncasecmp(close + 2, "script", 6) == 0))
                    close = mime_memcasemem(close + 2, (size_t)(s + n - close - 2), "</", 2);
                i = close ? (size_t)(close - s) : n;
                continue;
            }
            int block = left >= 2 && (t0 == 'b' || t0 == '/' || t0 == 'p') &&
                        (strncasecmp(tag, "br", 2) == 0 || strncasecmp(tag, "/p", 2) == 0 ||
                         strncasecmp(tag, "/div", 4 < left ? 4 : left) == 0 ||
                         strncasecmp(tag, "/tr", 3 < left ? 3 : left) == 0 ||
                         strncasecmp(tag, "/li", 3 < left ? 3 : left) == 0 ||
                         strncasecmp(tag, "p>", 2) == 0 || strncasecmp(tag, "p ", 2) == 0);
            if (block && o > 0 && out[o - 1] != '\n')
                out[o++] = '\n';
            i += tl;
            continue;
        }
        if (s[i] == '&') {
            size_t k;
            for (k = 0; k < sizeof entities / sizeof entities[0]; k++) {
                size_t el = strlen(entities[k].name);
                if (n - i - 1 >= el && strncasecmp(s + i + 1, entities[k].name, el) == 0) {
                    out[o++] = entities[k].text[0];
                    i += el + 1;
                    break;
                }
            }
            if (k < sizeof entities / sizeof entities[0])
                continue;
            if (i + 2 < n && s[i + 1] == '#') {
                unsigned cp = 0;
                size_t j = i + 2;
                int hex = j < n && (s[j] == 'x' || s[j] == 'X');
                j += hex;
                size_t start = j;
                while (j < n && j - start < 7 &&
                       ((s[j] >= '0' && s[j] <= '9') ||
                        (hex && ((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'f')))) {
                    int c = s[j] | 0x20;
                    cp = cp * (hex ? 16 : 10) + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
                    j++;
                }
                if (j > start && j < n && s[j] == ';' && cp > 0 && cp < 0x80) {
                    out[o++] = (char)cp; /* room: the entity is longer than one byte */
                    i = j + 1;
                    continue;
                }
            }
        }
        out[o++] = s[i++];
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}
