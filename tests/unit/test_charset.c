/* Unit tests for parsers/charset.c: detection, conversion, XML repair; real snapshots from
 * ../shared/feeds/miniflux when present. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_util.h"
#include "parsers/charset.h"
#include "parsers/feed.h"

static void test_detect(void **state)
{
    (void)state;
    char enc[48];
    charset_detect("\xEF\xBB\xBF<rss/>", 9, 1, "text/xml; charset=latin1", enc, sizeof enc);
    assert_string_equal(enc, "utf-8");
    charset_detect("\xFF\xFE<\0r\0", 6, 1, NULL, enc, sizeof enc);
    assert_string_equal(enc, "utf-16le");
    const char *x = "<?xml version='1.0' encoding='Windows-1251'?><rss/>";
    charset_detect(x, strlen(x), 1, "text/xml; charset=utf-8", enc, sizeof enc);
    assert_string_equal(enc, "windows-1251"); /* the document's own declaration wins */
    charset_detect("<rss/>", 6, 1, "application/rss+xml; charset=\"ISO-8859-1\"", enc, sizeof enc);
    assert_string_equal(enc, "iso-8859-1");
    charset_detect("<rss/>", 6, 1, NULL, enc, sizeof enc);
    assert_string_equal(enc, "utf-8");
}

static char *conv(const char *in, size_t n, const char *enc, struct cw_strv *errs)
{
    struct cw_buf b;
    cw_buf_init(&b, 1 << 20);
    assert_int_equal(charset_to_utf8(in, n, enc, &b, errs), 0);
    char *s = cw_buf_steal(&b);
    return s;
}

static void test_convert(void **state)
{
    (void)state;
    struct cw_strv errs = {0};
    char *s = conv("caf\xe9 \x93q\x94", 8, "iso-8859-1", &errs);
    assert_string_equal(s, "caf\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d"); /* latin-1 labels read as windows-1252 */
    free(s);
    s = conv("\xcf\xf0\xe8", 3, "windows-1251", &errs);
    assert_string_equal(s, "\xd0\x9f\xd1\x80\xd0\xb8"); /* При */
    free(s);
    s = conv("\xFF\xFE" "a\0\xe9\0", 6, "utf-16le", &errs);
    assert_string_equal(s, "a\xc3\xa9");
    free(s);
    assert_int_equal(errs.n, 0);
    s = conv("ok \xe9t\xe9 \xc3\xa9", 9, "utf-8", &errs);
    assert_string_equal(s, "ok \xc3\xa9t\xc3\xa9 \xc3\xa9"); /* invalid bytes read as windows-1252 */
    free(s);
    assert_int_equal(errs.n, 1);
    s = conv("x", 1, "x-no-such-charset", &errs);
    assert_string_equal(s, "x");
    free(s);
    assert_int_equal(errs.n, 2);
    cw_strv_free(&errs);
}

static char *clean(const char *in, struct cw_strv *errs)
{
    struct cw_buf b;
    cw_buf_init(&b, 1 << 20);
    assert_int_equal(charset_clean_xml(in, strlen(in), &b, errs), 0);
    return cw_buf_steal(&b);
}

static void test_clean(void **state)
{
    (void)state;
    struct cw_strv errs = {0};
    char *s = clean("junk\n<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"x\">]><r a=\"&eacute;\">"
                    "A&nbsp;&amp;&bogus; & \x01<![CDATA[&nbsp;\x02]]><!-- &x; --></r>",
                    &errs);
    assert_string_equal(s, "<r a=\"&#xE9;\">A&#xA0;&amp;&amp;bogus; &amp; <![CDATA[&nbsp;]]><!-- &x; --></r>");
    free(s);
    assert_true(cw_strv_contains(&errs, "junk before the first tag skipped"));
    assert_true(cw_strv_contains(&errs, "control characters stripped"));
    assert_true(cw_strv_contains(&errs, "DTD internal subset ignored (entities are never expanded)"));
    cw_strv_free(&errs);
    s = clean("<r>&#0;&#x1F;&#150;&#x10FFFF;&#xD800;</r>", &errs);
    assert_string_equal(s, "<r>&#x2013;&#x10FFFF;</r>");
    free(s);
    cw_strv_free(&errs);
}

/* A document that needs no repair is returned as a view into the input, without a copy; the
 * first repair switches to the copy, with everything before it kept. */
static void test_clean_view(void **state)
{
    (void)state;
    struct cw_strv errs = {0};
    struct cw_buf b;
    cw_buf_init(&b, 1 << 20);
    const char *res = NULL;
    size_t rl = 0;
    const char *in = "\n <?xml version=\"1.0\" encoding=\"windows-1251\"?><r a=\"&amp;&#65;\">x&#x263A;&lt;"
                     "<![CDATA[&nbsp; & ]]><!-- &x; --><?pi &y; ?></r>";
    assert_int_equal(charset_clean_xml_view(in, strlen(in), &b, &errs, &res, &rl), 0);
    assert_ptr_equal(res, in + 2);
    assert_int_equal(rl, strlen(in) - 2);
    assert_null(b.data);
    assert_int_equal(errs.n, 0);
    in = "<?xml version=\"1.0\"?><r>&#65;&#150;&nbsp;&#X41;\x01</r>";
    assert_int_equal(charset_clean_xml_view(in, strlen(in), &b, &errs, &res, &rl), 0);
    assert_ptr_equal(res, b.data);
    assert_int_equal(rl, b.len);
    assert_string_equal(res, "<?xml version=\"1.0\"?><r>&#65;&#x2013;&#xA0;&#x41;</r>");
    assert_true(cw_strv_contains(&errs, "control characters stripped"));
    cw_buf_free(&b);
    /* A declaration that is not the first thing, or not well formed, goes. */
    cw_buf_init(&b, 1 << 20);
    in = "<?xml encoding=\"utf-8\"?><r/>";
    assert_int_equal(charset_clean_xml_view(in, strlen(in), &b, &errs, &res, &rl), 0);
    assert_string_equal(res, "<r/>");
    cw_buf_free(&b);
    cw_strv_free(&errs);
}

static void test_maybe_clean(void **state)
{
    (void)state;
    const char *res = NULL;
    size_t rl = 0;
    const char *ok = " \n<?xml version=\"1.0\"?><r a=\"&#65;\">&lt;p&gt; Hi! &#x263A; &amp; <![CDATA[&nbsp;]]></r>";
    assert_int_equal(charset_xml_maybe_clean(ok, strlen(ok), &res, &rl), 1);
    assert_ptr_equal(res, ok + 2);
    assert_int_equal(rl, strlen(ok) - 2);
    static const char *const no[] = {
        "junk<r/>",                               /* junk before the first tag */
        "<?xml encoding=\"utf-8\"?><r/>",         /* a declaration the repairs drop */
        "<!DOCTYPE r [<!ENTITY a \"x\">]><r/>",    /* a DTD */
        "<!doctype r><r/>",
        "<r>&#150;</r>",                           /* C1: read as windows-1252 */
        "<r>&#X41;</r>",                           /* HTML-only form */
        "<r>&#0000000065;</r>",                    /* longer than the repairs read */
        "",
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_int_equal(charset_xml_maybe_clean(no[i], strlen(no[i]), &res, &rl), 0);
}

static void test_miniflux(void **state)
{
    (void)state;
    const char *shared = getenv("CW_SHARED_DIR");
    char path[4096];
    static const struct {
        const char *file, *enc, *needle;
    } cases[] = {
        {"encoding_ISO-8859-1.xml", "iso-8859-1", "\xc3\xa4"},   /* ä */
        {"encoding_WINDOWS-1251.xml", "windows-1251", "\xd0\xa6\xd0\xb8\xd1\x82\xd0\xb0\xd1\x82\xd0\xb0"}, /* Цитата */
        {"no_encoding_ISO-8859-1.xml", "utf-8", "\xc3\xa9"}, /* é recovered through the 1252 fallback */
        {"urdu_UTF8.xml", "utf-8", "\xd8\xa7\xd9\x85\xd8\xb1\xdb\x8c\xda\xa9\xdb\x8c"}, /* امریکی */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s/feeds/miniflux/internal/reader/parser/testdata/%s", shared ? shared : "../shared",
                 cases[i].file);
        char *data = NULL;
        size_t len = 0;
        char err[256];
        if (cw_read_file(path, 1 << 26, &data, &len, err, sizeof err) != 0) {
            skip();
            return;
        }
        struct feed_doc *d = NULL;
        assert_int_equal(feed_parse(data, len, NULL, &d, err, sizeof err), 0);
        assert_string_equal(d->encoding, cases[i].enc);
        assert_true(d->nitems > 0);
        int found = 0;
        for (size_t k = 0; k < d->nitems && !found; k++)
            found = (d->items[k].title && strstr(d->items[k].title, cases[i].needle)) ||
                    (d->items[k].text && strstr(d->items[k].text, cases[i].needle));
        if (!found)
            fprintf(stderr, "%s: no \"%s\"\n", cases[i].file, cases[i].needle);
        assert_true(found);
        feed_doc_destroy(d);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_convert),
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_clean_view),
        cmocka_unit_test(test_maybe_clean),
        cmocka_unit_test(test_miniflux),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
