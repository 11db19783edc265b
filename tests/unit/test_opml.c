/* Unit tests for parsers/opml.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/opml.h"

static void test_opml(void **state)
{
    (void)state;
    const char *x = "<?xml version=\"1.0\"?><opml version=\"1.0\"><head/><body>"
                    "<outline text=\"News\"><outline text=\"A &amp; B\" xmlUrl=\"a.xml\" htmlUrl=\"/\"/>"
                    "<outline title=\"World\"><outline text=\"W\" xmlUrl=\"https://w.example/rss\"/></outline></outline>"
                    "<outline text=\"Top\" type=\"rss\" xmlUrl=\"https://t.example/feed\"/>"
                    "<outline text=\"empty folder\"/></body></opml>";
    struct opml_feed *f = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(opml_parse(x, strlen(x), "https://lists.example/my/list.opml", &f, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(f[0].url, "https://lists.example/my/a.xml");
    assert_string_equal(f[0].title, "A & B");
    assert_string_equal(f[0].html_url, "https://lists.example/");
    assert_string_equal(f[0].category, "News");
    assert_string_equal(f[1].category, "News/World");
    assert_null(f[2].category);
    assert_null(f[2].html_url);
    opml_feeds_free(f, n);
    opml_feeds_free(NULL, 0);
}

static void test_not_opml(void **state)
{
    (void)state;
    struct opml_feed *f = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(opml_parse("<rss/>", 6, NULL, &f, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "rss"));
    assert_int_equal(opml_parse("", 0, NULL, &f, &n, err, sizeof err), -1);
    const char *xxe = "<!DOCTYPE opml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><opml><body>"
                      "<outline text=\"&x;\" xmlUrl=\"https://e/x\"/></body></opml>";
    assert_int_equal(opml_parse(xxe, strlen(xxe), NULL, &f, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_true(f[0].title == NULL || strstr(f[0].title, "root") == NULL);
    opml_feeds_free(f, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opml),
        cmocka_unit_test(test_not_opml),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
