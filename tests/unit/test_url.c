/* Unit tests for parsers/url.c: resolution and canonical forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/url.h"

static void res(const char *ref, const char *base, const char *want)
{
    char *r = url_resolve(ref, base);
    if (want == NULL) {
        assert_null(r);
        return;
    }
    assert_non_null(r);
    assert_string_equal(r, want);
    free(r);
}

static void canon(const char *in, const char *want)
{
    char *c = url_canonical(in);
    if (want == NULL) {
        assert_null(c);
        return;
    }
    assert_non_null(c);
    assert_string_equal(c, want);
    free(c);
}

static void test_resolve(void **state)
{
    (void)state;
    res("articles/x.html", "file:///srv/demo/feed.xml", "file:///srv/demo/articles/x.html");
    res("../a", "https://h/b/c/d", "https://h/b/a");
    res("//cdn/x", "https://h/", "https://cdn/x");
    res("?q=1", "https://h/p", "https://h/p?q=1");
    res("https://other/x", "https://h/", "https://other/x");
    res("  https://h/\n  wrapped ", NULL, "https://h/  wrapped");
    res("", "https://h/", NULL);
    res(NULL, "https://h/", NULL);
    res("x", NULL, "x");
}

static void test_canonical(void **state)
{
    (void)state;
    canon("HTTP://WWW.Example.COM", "http://www.example.com/");
    canon("http://example.com:80/a", "http://example.com/a");
    canon("https://example.com:8443/a", "https://example.com:8443/a");
    canon("https://example.com/a?utm_source=x&utm_medium=y&id=7&fbclid=z&gclid=q#frag", "https://example.com/a?id=7");
    canon("https://example.com/a?utm_source=x", "https://example.com/a");
    canon("https://example.com./Path/?B=2&a=1", "https://example.com/Path/?B=2&a=1");
    canon("https://user@Example.com/", "https://user@example.com/");
    canon("mailto:a@b", NULL);
    canon("/relative", NULL);
    assert_true(url_is_safe("https://x"));
    assert_true(url_is_safe("rel/path"));
    assert_false(url_is_safe(" javascript:alert(1)"));
    assert_false(url_is_safe("data:text/html,x"));
    assert_false(url_is_safe("vbscript:x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
