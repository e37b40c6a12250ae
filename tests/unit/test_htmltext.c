/*
 * test_htmltext.c - text out of HTML bounce parts.
 */
#include <string.h>

#include "htmltext.h"
#include "tap.h"

static const char *text(arena *a, const char *html)
{
    size_t n;
    const char *t = html_text(html, strlen(html), a, &n);
    return t && strlen(t) == n ? t : "(bad)";
}

TEST(tags_entities_blocks)
{
    arena *a = arena_new();
    CHECK_STR(text(a, "<p>Delivery&nbsp;failed<br>to &lt;a@b&gt;&#33;&#x3f;</p>"),
              "Delivery failed\nto <a@b>!?\n");
    CHECK_STR(text(a, "<div>one</div><div>two</div>"), "one\ntwo\n");
    CHECK_STR(text(a, "a<STYLE type=x>p{color:red}</STYLE>b<script>x<y</script>c"), "abc");
    CHECK_STR(text(a, "keep &unknown; and &#1234; as is"), "keep &unknown; and &#1234; as is");
    arena_free(a);
}

TEST(broken_html)
{
    arena *a = arena_new();
    CHECK_STR(text(a, "text <unclosed tag"), "text ");
    CHECK_STR(text(a, "<style>never closed"), "");
    CHECK_STR(text(a, "& &# &#x; <"), "& &# &#x; ");
    arena_free(a);
}

int main(void)
{
    RUN_TESTS();
}
