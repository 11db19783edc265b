/* Unit tests for parsers/feed.c: RSS, RDF, Atom, JSON Feed, sitemaps, ids, links, recovery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_util.h"
#include "parsers/feed.h"
#include "parsers/jsonout.h"
#include "parsers/url.h"

static struct feed_doc *parse(const char *s, const char *url)
{
    struct feed_parse_opts o = {.url = url};
    struct feed_doc *d = NULL;
    char err[256];
    int rc = feed_parse(s, strlen(s), &o, &d, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "parse failed: %s\n", err);
    assert_int_equal(rc, 0);
    return d;
}

static void test_rss2(void **state)
{
    (void)state;
    const char *x = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                    "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\""
                    " xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
                    "<channel><title>News &amp; more</title><link>https://example.org/</link>"
                    "<description>d</description><ttl>30</ttl>"
                    "<skipHours><hour>1</hour><hour>2</hour></skipHours>"
                    "<item><title>Caf&eacute;&nbsp;opens</title><link>articles/x.html?utm_source=rss#top</link>"
                    "<description><![CDATA[<p onclick=\"evil()\">Hello <b>world</b><script>alert(1)</script>"
                    "<a href=\"javascript:alert(1)\">x</a> <a href=\"/y\">y</a></p>]]></description>"
                    "<pubDate>Tue, 10 Sep 2024 14:05:00 +0200</pubDate><guid>g1</guid>"
                    "<dc:creator>Jo Doe</dc:creator><category>World</category>"
                    "<enclosure url=\"a.mp3\" type=\"audio/mpeg\" length=\"123\"/></item>"
                    "</channel></rss>";
    struct feed_doc *d = parse(x, "file:///srv/demo/feed.xml");
    assert_int_equal(d->format, FEED_FORMAT_RSS);
    assert_string_equal(d->version, "2.0");
    assert_string_equal(d->feed.title, "News & more");
    assert_int_equal(d->feed.ttl_seconds, 1800);
    assert_int_equal(d->feed.skip_hours, 6u);
    assert_int_equal(d->nitems, 1);
    struct feed_item *it = &d->items[0];
    assert_string_equal(it->title, "Caf\xc3\xa9 opens"); /* no-break space reads as a space */
    assert_string_equal(it->link, "file:///srv/demo/articles/x.html?utm_source=rss#top");
    assert_string_equal(it->published, "2024-09-10T12:05:00Z");
    assert_string_equal(it->guid, "g1");
    assert_string_equal(it->authors[0].name, "Jo Doe");
    assert_string_equal(it->categories.v[0], "World");
    assert_string_equal(it->enclosures[0].url, "file:///srv/demo/a.mp3");
    assert_int_equal(it->enclosures[0].length, 123);
    assert_null(strstr(it->summary, "script"));
    assert_null(strstr(it->summary, "onclick"));
    assert_null(strstr(it->summary, "javascript"));
    assert_non_null(strstr(it->summary, "<b>world</b>"));
    assert_non_null(strstr(it->summary, "href=\"file:///y\""));
    assert_string_equal(it->text, "Hello worldx y"); /* the script went, nothing stood between */
    /* id = hash of the canonical URL: tracking parameter and fragment dropped */
    char id[CW_ID_HEX_LEN + 1];
    const char *canon = "file:///srv/demo/articles/x.html";
    cw_id_hex(canon, strlen(canon), id);
    assert_string_equal(it->id, id);
    assert_int_equal(d->errors.n, 0);
    json_t *j = feed_doc_to_json(d);
    assert_string_equal(json_string_value(json_object_get(j, "format")), "rss");
    json_decref(j);
    feed_doc_destroy(d);
}

static void test_atom(void **state)
{
    (void)state;
    const char *x = "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\" xml:base=\"https://ex.org/blog/\">"
                    "<title type=\"html\">A &lt;b&gt;bold&lt;/b&gt; feed</title>"
                    "<link href=\"/\"/><link rel=\"self\" href=\"feed.atom\"/>"
                    "<author><name>Ann</name><email>ann@ex.org</email></author>"
                    "<entry><id>tag:ex.org,2024:1</id><title>One</title>"
                    "<link href=\"posts/1\"/><updated>2024-09-10T14:05:00Z</updated>"
                    "<published>2024-09-10T10:00:00-04:00</published>"
                    "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Para <i>one</i>.</p><p>Two.</p></div></content>"
                    "<category term=\"t1\"/></entry></feed>";
    struct feed_doc *d = parse(x, "https://ex.org/feed");
    assert_int_equal(d->format, FEED_FORMAT_ATOM);
    assert_string_equal(d->feed.title, "A bold feed");
    assert_string_equal(d->feed.link, "https://ex.org/");
    assert_string_equal(d->feed.language, "en");
    assert_int_equal(d->nitems, 1);
    struct feed_item *it = &d->items[0];
    assert_string_equal(it->link, "https://ex.org/blog/posts/1");
    assert_string_equal(it->guid, "tag:ex.org,2024:1");
    assert_string_equal(it->published, "2024-09-10T14:00:00Z");
    assert_string_equal(it->text, "Para one.\n\nTwo.");
    assert_non_null(strstr(it->content, "<i>one</i>"));
    assert_string_equal(it->language, "en");
    feed_doc_destroy(d);
}

static void test_duplicates(void **state)
{
    (void)state;
    const char *x = "<rss version=\"2.0\"><channel><title>t</title>"
                    "<item><title>A</title><guid isPermaLink=\"false\">same</guid></item>"
                    "<item><title>B</title><guid isPermaLink=\"false\">same</guid></item>"
                    "<item><title>A</title><guid isPermaLink=\"false\">same</guid></item>"
                    "<item><title>C</title><link>http://Ex.ORG:80/a</link></item>"
                    "<item><title>D</title><link>http://ex.org/a?utm_medium=x</link></item>"
                    "</channel></rss>";
    struct feed_doc *d = parse(x, NULL);
    assert_int_equal(d->nitems, 4); /* the exact repeat of A is dropped */
    for (size_t i = 0; i < d->nitems; i++)
        for (size_t j = i + 1; j < d->nitems; j++)
            assert_string_not_equal(d->items[i].id, d->items[j].id);
    assert_true(d->errors.n > 0);
    feed_doc_destroy(d);
}

static void test_recovery(void **state)
{
    (void)state;
    /* control characters, a bare ampersand, an undeclared entity, a truncated end */
    const char *x = "\n\n<rss version=\"0.91\"><channel><title>R\x01&amp;D & co &bogus;</title>"
                    "<item><title>t&hellip;</title><link>http://ex.org/1</link></item><item><title>cut";
    struct feed_doc *d = parse(x, NULL);
    assert_string_equal(d->version, "0.91");
    assert_string_equal(d->feed.title, "R&D & co &bogus;");
    assert_true(d->nitems >= 1);
    assert_string_equal(d->items[0].title, "t\xe2\x80\xa6");
    assert_true(d->errors.n > 0);
    feed_doc_destroy(d);
}

static void test_xxe_refused(void **state)
{
    (void)state;
    const char *x = "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">"
                    "<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
                    "<rss version=\"2.0\"><channel><title>&x;&b;</title></channel></rss>";
    struct feed_doc *d = parse(x, NULL);
    assert_null(d->feed.title ? strstr(d->feed.title, "root:") : NULL);
    assert_null(d->feed.title ? strstr(d->feed.title, "aaaa") : NULL);
    feed_doc_destroy(d);
}

static void test_json_feed(void **state)
{
    (void)state;
    const char *x = "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"J\",\"home_page_url\":\"https://j.org/\","
                    "\"items\":[{\"id\":\"1\",\"url\":\"/p/1\",\"title\":\"P1\",\"content_html\":\"<p>Hi</p>\","
                    "\"date_published\":\"2024-01-02T03:04:05+01:00\",\"tags\":[\"x\"],"
                    "\"authors\":[{\"name\":\"Z\"}]}]}";
    struct feed_doc *d = parse(x, "https://j.org/feed.json");
    assert_int_equal(d->format, FEED_FORMAT_JSON);
    assert_string_equal(d->version, "1.1");
    assert_string_equal(d->items[0].link, "https://j.org/p/1");
    assert_string_equal(d->items[0].text, "Hi");
    assert_string_equal(d->items[0].published, "2024-01-02T02:04:05Z");
    assert_string_equal(d->items[0].authors[0].name, "Z");
    feed_doc_destroy(d);
}

static void test_sitemap(void **state)
{
    (void)state;
    const char *x = "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" "
                    "xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"><url><loc>https://n.org/a</loc>"
                    "<news:news><news:publication><news:name>N</news:name><news:language>en</news:language></news:publication>"
                    "<news:publication_date>2024-09-10</news:publication_date><news:title>T</news:title>"
                    "</news:news></url></urlset>";
    struct feed_doc *d = parse(x, NULL);
    assert_int_equal(d->format, FEED_FORMAT_SITEMAP);
    assert_string_equal(d->items[0].title, "T");
    assert_string_equal(d->items[0].published, "2024-09-10T00:00:00Z");
    assert_string_equal(d->items[0].source_title, "N");
    feed_doc_destroy(d);
    const char *idx = "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap><loc>s1.xml</loc></sitemap></sitemapindex>";
    d = parse(idx, "https://n.org/sitemap.xml");
    assert_int_equal(d->sitemaps.n, 1);
    assert_string_equal(d->sitemaps.v[0], "https://n.org/s1.xml");
    feed_doc_destroy(d);
}

static void test_unparseable(void **state)
{
    (void)state;
    struct feed_doc *d = NULL;
    char err[256];
    assert_int_equal(feed_parse("hello", 5, NULL, &d, err, sizeof err), -1);
    assert_null(d);
    assert_int_equal(feed_parse("<html><body>x</body></html>", 27, NULL, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "html"));
    assert_int_equal(feed_detect("\xEF\xBB\xBF  <rss>", 11), FEED_FORMAT_RSS);
    assert_int_equal(feed_detect(" {\"a\":1}", 8), FEED_FORMAT_JSON);
}

static void test_max_items_and_hints(void **state)
{
    (void)state;
    const char *x = "<rss version=\"2.0\" xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\"><channel><title>t</title>"
                    "<sy:updateFrequency>4</sy:updateFrequency><sy:updatePeriod>daily</sy:updatePeriod>"
                    "<item><title>1</title></item><item><title>2</title></item><item><title>3</title></item>"
                    "</channel></rss>";
    struct feed_parse_opts o = {.max_items = 2};
    struct feed_doc *d = NULL;
    char err[256];
    assert_int_equal(feed_parse(x, strlen(x), &o, &d, err, sizeof err), 0);
    assert_int_equal(d->nitems, 2);
    assert_int_equal(d->feed.update_period_seconds, 21600); /* a day / 4, whatever the element order */
    feed_doc_destroy(d);
    feed_doc_destroy(NULL);
}

static void test_url_canonical(void **state)
{
    (void)state;
    char *c = url_canonical("HTTPS://Www.Ex.org:443?utm_source=a&id=3&fbclid=z#frag");
    assert_string_equal(c, "https://www.ex.org/?id=3");
    free(c);
    assert_null(url_canonical("javascript:alert(1)"));
    char *r = url_resolve(" ../b/c ", "file:///x/y/z.xml");
    assert_string_equal(r, "file:///x/b/c");
    free(r);
}

/* A document that looks clean but is not (an undeclared entity in the last item) is parsed
 * optimistically, then repaired and parsed again: nothing from the first attempt may survive. */
static void test_optimistic_fallback(void **state)
{
    (void)state;
    const char *x = "<rss version=\"2.0\"><channel><title>T</title>"
                    "<item><title>a</title><link>https://ex.org/a</link><pubDate>not a date</pubDate></item>"
                    "<item><title>b</title><link>https://ex.org/b</link></item>"
                    "<item><title>c&eacute;</title><link>https://ex.org/c</link></item>"
                    "</channel></rss>";
    struct feed_doc *d = parse(x, NULL);
    assert_int_equal(d->nitems, 3);
    assert_string_equal(d->items[2].title, "c\xc3\xa9");
    size_t date_errors = 0;
    for (size_t i = 0; i < d->errors.n; i++)
        if (strstr(d->errors.v[i], "unreadable date") != NULL)
            date_errors++;
    assert_int_equal(date_errors, 1);
    feed_doc_destroy(d);
    /* and a clean one keeps no error at all */
    d = parse("<rss version=\"2.0\"><channel><title>T</title><item><title>a &amp; b</title>"
              "<link>https://ex.org/a</link></item></channel></rss>", NULL);
    assert_int_equal(d->nitems, 1);
    assert_string_equal(d->items[0].title, "a & b");
    assert_int_equal(d->errors.n, 0);
    feed_doc_destroy(d);
}

/* Atom content out of line (src=) and in other media types (RFC 4287 4.1.3.2, 4.1.3.3). */
static void test_atom_content_kinds(void **state)
{
    (void)state;
    /* "<p>Hi</p><script>x()</script>" and "Plain & simple" in base64 */
    const char *x = "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"https://ex.org/blog/\">"
                    "<entry><id>1</id><title>src</title><link href=\"posts/1\"/>"
                    "<content type=\"video/mp4\" src=\"media/clip.mp4\"/></entry>"
                    "<entry><id>2</id><title>pdf</title><link href=\"posts/2\"/><summary>S</summary>"
                    "<content type=\"application/pdf\">JVBERi0xLjQK</content></entry>"
                    "<entry><id>3</id><title>xml</title><link href=\"posts/3\"/>"
                    "<content type=\"application/atom+xml\"><x/></content></entry>"
                    "<entry><id>4</id><title>inline text</title><link href=\"posts/4\"/>"
                    "<content type=\"text/plain\">a &lt;b&gt; c</content></entry>"
                    "</feed>";
    struct feed_doc *d = parse(x, "https://ex.org/feed");
    assert_int_equal(d->nitems, 4);
    struct feed_item *it = &d->items[0];
    assert_null(it->content);
    assert_null(it->text);
    int found = 0;
    for (size_t i = 0; i < it->nlinks; i++)
        if (it->links[i].rel && strcmp(it->links[i].rel, "content") == 0) {
            assert_string_equal(it->links[i].href, "https://ex.org/blog/media/clip.mp4");
            assert_string_equal(it->links[i].type, "video/mp4");
            found = 1;
        }
    assert_true(found);
    assert_string_equal(it->link, "https://ex.org/blog/posts/1");
    it = &d->items[1];
    assert_null(it->content);
    assert_string_equal(it->text, "S"); /* the summary still renders */
    assert_true(cw_strv_contains(&d->errors, "entry content of type application/pdf (base64) omitted: not text"));
    assert_null(d->items[2].content);
    assert_true(cw_strv_contains(&d->errors, "entry content of XML type application/atom+xml omitted"));
    assert_string_equal(d->items[3].content, "a &lt;b&gt; c");
    feed_doc_destroy(d);

    /* Atom 0.3 says base64 with mode="base64": text types are decoded, HTML sanitised. */
    x = "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\">"
        "<entry><id>1</id><title>t</title><link rel=\"alternate\" href=\"https://ex.org/1\"/>"
        "<content type=\"text/html\" mode=\"base64\">PHA+SGk8L3A+PHNjcmlwdD54KCk8L3NjcmlwdD4=</content></entry>"
        "<entry><id>2</id><title>t2</title><link rel=\"alternate\" href=\"https://ex.org/2\"/>"
        "<content type=\"text/plain\" mode=\"base64\">UGxhaW4g\nJiBzaW1wbGU=</content></entry>"
        "<entry><id>3</id><title>t3</title><link rel=\"alternate\" href=\"https://ex.org/3\"/>"
        "<content type=\"text/plain\" mode=\"base64\">not base64!</content></entry>"
        "</feed>";
    d = parse(x, NULL);
    assert_int_equal(d->nitems, 3);
    assert_string_equal(d->items[0].content, "<p>Hi</p>");
    assert_string_equal(d->items[0].text, "Hi");
    assert_string_equal(d->items[1].content, "Plain &amp; simple");
    assert_string_equal(d->items[1].text, "Plain & simple");
    assert_null(d->items[2].content);
    assert_true(cw_strv_contains(&d->errors, "entry content of type text/plain omitted: not valid base64 UTF-8 text"));
    feed_doc_destroy(d);
}

/* feed_doc_write_json writes exactly what the Jansson tree + jsonout_write gives. */
static void check_same_json(const struct feed_doc *d)
{
    for (int indent = 0; indent <= 2; indent += 2) {
        char *a = NULL, *b = NULL;
        size_t al = 0, bl = 0;
        FILE *fa = open_memstream(&a, &al), *fb = open_memstream(&b, &bl);
        assert_non_null(fa);
        assert_non_null(fb);
        json_t *j = feed_doc_to_json(d);
        assert_int_equal(jsonout_write(fa, j, indent), 0);
        json_decref(j);
        assert_int_equal(feed_doc_write_json(fb, d, indent), 0);
        fclose(fa);
        fclose(fb);
        assert_string_equal(b, a);
        free(a);
        free(b);
    }
}

static void test_write_json(void **state)
{
    (void)state;
    static const char *const names[] = {"atom03.xml", "atom10.xml", "broken.xml", "feed.json", "rdf10.xml",
                                        "rss091.xml", "rss20.xml", "sitemap_index.xml", "sitemap_news.xml"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512], err[256];
        snprintf(path, sizeof path, "%s/tests/fixtures/feeds/%s", CW_SOURCE_DIR, names[i]);
        char *data = NULL;
        size_t len = 0;
        assert_int_equal(cw_read_file(path, 1 << 24, &data, &len, err, sizeof err), 0);
        struct feed_parse_opts o = {.url = "https://ex.org/f"};
        struct feed_doc *d = NULL;
        assert_int_equal(feed_parse(data, len, &o, &d, err, sizeof err), 0);
        check_same_json(d);
        feed_doc_destroy(d);
        free(data);
    }
    /* Invalid UTF-8 (Jansson refuses such strings: the key goes) and empty lists. */
    struct feed_doc *d = parse("<rss><channel><title>t</title><item><title>a</title><category>x</category>"
                               "<category>y</category></item><item><title>b</title></item></channel></rss>",
                               NULL);
    free(d->items[0].title);
    d->items[0].title = strdup("bad \xff byte");
    free(d->items[0].categories.v[0]);
    d->items[0].categories.v[0] = strdup("\xc3");
    free(d->items[1].title);
    d->items[1].title = strdup("\xe2\x82");
    check_same_json(d);
    free(d->items[0].categories.v[1]);
    d->items[0].categories.v[1] = strdup("\xc3");
    check_same_json(d);
    feed_doc_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rss2),       cmocka_unit_test(test_atom),       cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_recovery),   cmocka_unit_test(test_xxe_refused), cmocka_unit_test(test_json_feed),
        cmocka_unit_test(test_sitemap),    cmocka_unit_test(test_unparseable), cmocka_unit_test(test_url_canonical), cmocka_unit_test(test_max_items_and_hints),
        cmocka_unit_test(test_write_json),
        cmocka_unit_test(test_atom_content_kinds),
        cmocka_unit_test(test_optimistic_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
