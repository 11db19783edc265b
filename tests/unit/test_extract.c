/* Unit tests for the article extractor: one hand-written page per rule (metadata sources,
 * charsets, scoring, sibling merging, boilerplate rules), the fixture pages in
 * tests/fixtures/pages/ with their must-appear / must-not-appear lists, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/cw_util.h"
#include "parsers/extract_internal.h"
/* statics: strip_raw_text */
#include "../../parsers/extract.c"

static struct article *extract_ok(const char *html, const char *url, const char *ct)
{
    struct extract_opts o = {.url = url, .content_type = ct};
    struct article *a = NULL;
    char err[256] = "";
    int rc = extract_article(html, strlen(html), &o, &a, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "extract failed: %s\n", err);
    assert_int_equal(rc, 0);
    assert_non_null(a);
    assert_non_null(a->text);
    return a;
}

static void assert_has(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL)
        fail_msg("missing \"%s\" in:\n%s", needle, text);
}

static void assert_lacks(const char *text, const char *needle)
{
    if (strstr(text, needle) != NULL)
        fail_msg("unexpected \"%s\" in:\n%s", needle, text);
}

/* A page with lines "+ must appear" / "- must not appear" in an HTML comment at its top. */
static void check_fixture(const char *name)
{
    char path[1024], err[256];
    char *html = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/tests/fixtures/pages/%s", CW_SOURCE_DIR, name);
    assert_int_equal(cw_read_file(path, 1u << 24, &html, &len, err, sizeof err), 0);
    struct extract_opts o = {.url = "https://example.org/page"};
    struct article *a = NULL;
    int rc = extract_article(html, len, &o, &a, err, sizeof err);
    if (rc != 0)
        fail_msg("%s: %s", name, err);
    const char *c = strstr(html, "<!--");
    const char *end = c ? strstr(c, "-->") : NULL;
    assert_non_null(end);
    int checks = 0;
    for (const char *p = c + 4; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            nl = end;
        if ((*p == '+' || *p == '-') && p[1] == ' ') {
            char *s = strndup(p + 2, (size_t)(nl - p - 2));
            if (*p == '+')
                assert_has(a->text, s);
            else
                assert_lacks(a->text, s);
            free(s);
            checks++;
        }
        p = nl + 1;
    }
    assert_true(checks > 0);
    article_destroy(a);
    free(html);
}

static void test_basic_page(void **state)
{
    (void)state;
    check_fixture("news_basic.html");
    char path[1024], err[256];
    char *html = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/tests/fixtures/pages/news_basic.html", CW_SOURCE_DIR);
    assert_int_equal(cw_read_file(path, 1u << 20, &html, &len, err, sizeof err), 0);
    struct article *a = extract_ok(html, "https://gazette.example/x", NULL);
    assert_string_equal(a->title, "Council approves new bridge plan");
    assert_string_equal(a->canonical_url, "https://gazette.example/news/bridge-plan");
    assert_string_equal(a->image, "https://gazette.example/img/bridge.jpg");
    assert_string_equal(a->published, "2024-03-05T08:30:00Z");
    assert_string_equal(a->lang, "en-GB");
    assert_int_equal(a->authors.n, 1);
    assert_string_equal(a->authors.v[0], "Maria Lopez");
    /* reading order: heading, quote and list items keep their place */
    const char *h = strstr(a->text, "Opposition from residents");
    const char *q = strstr(a->text, "We have waited");
    const char *li = strstr(a->text, "separate cycle lane");
    assert_true(h && q && li && h < q && q < li);
    /* paragraphs are separated by blank lines and mirror the array */
    assert_string_equal(a->paragraphs.v[0], "The city council voted on Tuesday to approve a new pedestrian bridge "
                                            "across the river, ending a debate that has lasted nearly a decade.");
    json_t *j = article_to_json(a);
    assert_int_equal(json_array_size(json_object_get(j, "paragraphs")), a->paragraphs.n);
    assert_string_equal(json_string_value(json_object_get(j, "url")), "https://gazette.example/x");
    json_decref(j);
    article_destroy(a);
    free(html);
}

static const char *const filler =
    "<p>Officials said the measure, which passed with a large majority, would take effect at the start of the next "
    "fiscal year, and that the details would be worked out by a joint committee.</p>"
    "<p>Critics of the plan, including several regional governors, argued that it had been rushed through without "
    "proper consultation, and they promised to challenge it in court.</p>";

/* The demo pages (config/demo/articles) against tests/fixtures/demo/expected.json. */
static void test_demo_pages(void **state)
{
    (void)state;
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/tests/fixtures/demo/expected.json", CW_SOURCE_DIR);
    json_t *exp = json_load_file(path, 0, NULL);
    if (exp == NULL)
        skip();
    const char *page;
    json_t *e;
    int pages = 0;
    json_object_foreach(json_object_get(exp, "articles"), page, e)
    {
        char *html = NULL;
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s", CW_SOURCE_DIR, page);
        assert_int_equal(cw_read_file(path, 1u << 24, &html, &len, err, sizeof err), 0);
        struct article *a = NULL;
        if (extract_article(html, len, NULL, &a, err, sizeof err) != 0)
            fail_msg("%s: %s", page, err);
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(e, "must_contain"), i, s) assert_has(a->text, json_string_value(s));
        json_array_foreach(json_object_get(e, "must_not_contain"), i, s) assert_lacks(a->text, json_string_value(s));
        json_array_foreach(json_object_get(e, "must_not_contain_lines"), i, s)
        {
            for (size_t k = 0; k < a->paragraphs.n; k++)
                if (strcmp(a->paragraphs.v[k], json_string_value(s)) == 0)
                    fail_msg("%s: furniture line kept: %s", page, json_string_value(s));
        }
        if (json_string_value(json_object_get(e, "title")))
            assert_string_equal(a->title, json_string_value(json_object_get(e, "title")));
        if (json_string_value(json_object_get(e, "published")))
            assert_string_equal(a->published, json_string_value(json_object_get(e, "published")));
        if (json_string_value(json_object_get(e, "canonical")))
            assert_string_equal(a->canonical_url, json_string_value(json_object_get(e, "canonical")));
        article_destroy(a);
        free(html);
        pages++;
    }
    assert_true(pages >= 5);
    json_decref(exp);
}

static void test_jsonld_graph(void **state)
{
    (void)state;
    char html[8192];
    snprintf(html, sizeof html,
             "<html><head><title>x</title><script type=\"application/ld+json\">"
             "{\"@context\":\"https://schema.org\",\"@graph\":[{\"@type\":\"WebSite\",\"name\":\"Site\"},"
             "{\"@type\":[\"NewsArticle\"],\"headline\":\"Graph headline\",\"datePublished\":\"2024-09-10T14:05:00Z\","
             "\"author\":[{\"@type\":\"Person\",\"name\":\"Jane Roe\"},{\"@type\":\"Person\",\"name\":\"John Doe\"}],"
             "\"image\":{\"@type\":\"ImageObject\",\"url\":\"https://cdn.example/lead.jpg\"},\"inLanguage\":\"fr\"}]}"
             "</script></head><body><article>%s</article></body></html>",
             filler);
    struct article *a = extract_ok(html, NULL, NULL);
    assert_string_equal(a->title, "Graph headline");
    assert_string_equal(a->published, "2024-09-10T14:05:00Z");
    assert_int_equal(a->authors.n, 2);
    assert_string_equal(a->authors.v[1], "John Doe");
    assert_string_equal(a->image, "https://cdn.example/lead.jpg");
    assert_string_equal(a->lang, "fr");
    assert_null(a->canonical_url);
    article_destroy(a);
}

static void test_jsonld_article_body(void **state)
{
    (void)state;
    /* a script-rendered page: the DOM has only a shell, the full text sits in articleBody */
    const char *html =
        "<html><head><script type=\"application/ld+json\">{\"@type\":\"Article\",\"headline\":\"H\","
        "\"author\":\"By Sam Poe\",\"articleBody\":\"First paragraph of the article body, long enough to count "
        "as text for sure.\\nSecond paragraph, which also carries a claim that the tagger will want to see later.\\n"
        "Third paragraph closes the story with a quote from an official spokesperson.\"}</script></head>"
        "<body><div id=\"app\">Loading...</div></body></html>";
    struct article *a = extract_ok(html, NULL, NULL);
    assert_int_equal(a->paragraphs.n, 3);
    assert_string_equal(a->authors.v[0], "Sam Poe");
    assert_has(a->text, "Second paragraph, which also carries a claim");
    article_destroy(a);
    /* the same with raw newlines and a tab inside the JSON string (invalid JSON, common in the wild) */
    const char *raw =
        "<html><head><script type=\"application/ld+json\">\n{\"@type\": \"NewsArticle\", \"headline\": \"Raw\",\n"
        "\"articleBody\": \"First paragraph of the article body, long enough to count as text for sure.\n"
        "Second paragraph, with a\ttab and an escaped \\\"quote\\\" inside it, and more words.\n"
        "Third paragraph closes the story with a quote from an official spokesperson.\"}\n</script></head>"
        "<body><div id=\"app\"></div></body></html>";
    a = extract_ok(raw, NULL, NULL);
    assert_string_equal(a->title, "Raw");
    assert_int_equal(a->paragraphs.n, 3);
    assert_has(a->text, "with a tab and an escaped \"quote\" inside");
    article_destroy(a);
}

static void test_charsets_and_entities(void **state)
{
    (void)state;
    char html[8192];
    /* Latin-1 bytes declared by meta charset; named and numeric entities */
    snprintf(html, sizeof html,
             "<html><head><meta charset=\"iso-8859-1\"></head><body><div class=\"content\">"
             "<p>Le minist\xe8re a annonc\xe9 mardi une r\xe9" "forme, caf\xe9 &amp; th\xe9, &eacute;t&eacute; "
             "&mdash; &#8220;quoted&#8221; words&nbsp;here, and more words to pass the length threshold.</p>%s</div>"
             "</body></html>",
             filler);
    struct article *a = extract_ok(html, NULL, NULL);
    assert_has(a->text, "minist\xc3\xa8re a annonc\xc3\xa9 mardi");
    assert_has(a->text, "caf\xc3\xa9 & th\xc3\xa9, \xc3\xa9t\xc3\xa9 \xe2\x80\x94 \xe2\x80\x9cquoted\xe2\x80\x9d words here");
    article_destroy(a);
    /* the HTTP charset applies when the page declares none */
    snprintf(html, sizeof html, "<html><body><article><p>Gr\xfc\xdf" "e aus M\xfcnchen, sagte der B\xfcrgermeister am "
                                "Montag vor der Presse.</p>%s</article></body></html>", filler);
    a = extract_ok(html, NULL, "text/html; charset=ISO-8859-1");
    assert_has(a->text, "Gr\xc3\xbc\xc3\x9f" "e aus M\xc3\xbcnchen");
    article_destroy(a);
    /* windows-1252 through <meta http-equiv>: curly quotes live in 0x80-0x9f */
    snprintf(html, sizeof html, "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">"
                                "</head><body><article><p>The minister called it \x93" "a fair deal\x94 \x96 twice, on the "
                                "record, in front of the press.</p>%s</article></body></html>", filler);
    a = extract_ok(html, NULL, NULL);
    assert_has(a->text, "\xe2\x80\x9c" "a fair deal\xe2\x80\x9d \xe2\x80\x93 twice");
    article_destroy(a);
    /* a charset from the HTTP header wins over the page's own <meta charset> */
    snprintf(html, sizeof html, "<html><head><meta charset=\"iso-8859-1\"></head><body><article><p>Caf\xc3\xa9 "
                                "owners met the mayor on Monday, the third meeting this year.</p>%s</article></body></html>", filler);
    a = extract_ok(html, NULL, "text/html; charset=utf-8");
    assert_has(a->text, "Caf\xc3\xa9 owners");
    article_destroy(a);
}

static void test_scoring_picks_article_over_sidebar(void **state)
{
    (void)state;
    char html[16384];
    /* the sidebar has more text than any single article paragraph, but its links and class lose */
    snprintf(html, sizeof html,
             "<html><body><div class=\"sidebar\"><p>Sidebar blurb with plenty of words, commas, and more, commas, "
             "again, and again, to tempt a naive extractor into picking it as the main text of the page.</p></div>"
             "<div id=\"story-body\"><p>The harbour authority said on Monday that cargo volumes rose by four percent "
             "in the third quarter, helped by grain exports.</p>%s</div>"
             "<div class=\"promo\"><p>Get 50%% off your first year of unlimited access, a limited offer for new readers "
             "only, today.</p></div></body></html>",
             filler);
    struct article *a = extract_ok(html, NULL, NULL);
    assert_has(a->text, "cargo volumes rose by four percent");
    assert_has(a->text, "joint committee");
    assert_lacks(a->text, "Sidebar blurb");
    assert_lacks(a->text, "50% off");
    article_destroy(a);
}

static void test_sibling_merging(void **state)
{
    (void)state;
    char html[16384];
    /* the story is split over sibling containers (an ad slot in between) */
    snprintf(html, sizeof html,
             "<html><body><div><div class=\"article-part\">%s</div><div class=\"ad-slot\">Advertisement</div>"
             "<div class=\"article-part\"><p>Later in the day, the minister told reporters that the decision was "
             "final, and that no further talks were planned.</p><p>Another paragraph follows here, with details, "
             "figures, and dates.</p></div><p>A short closing note.</p></div>"
             "<div class=\"footer-links\"><a href=\"/a\">About us and our team</a></div></body></html>",
             filler);
    struct article *a = extract_ok(html, NULL, NULL);
    assert_has(a->text, "joint committee");
    assert_has(a->text, "no further talks were planned");
    assert_has(a->text, "A short closing note.");
    assert_lacks(a->text, "Advertisement");
    assert_lacks(a->text, "About us");
    article_destroy(a);
}

/* Quotes carry claims: a pull quote that repeats a body sentence is dropped as a repeat, one that
 * is the only copy of a quote stays. */
static void test_pull_quotes(void **state)
{
    (void)state;
    char html[16384];
    snprintf(html, sizeof html,
             "<html><body><article class=\"story\">%s"
             "<blockquote class=\"pull-quote\"><p>The decision is final and no talks are planned.</p></blockquote>"
             "<p>Officials met on Monday. The decision is final and no talks are planned. They left at noon, "
             "and the press was told to wait for a written statement.</p>"
             "<blockquote class=\"pullquote\"><p>\"We will answer within days,\" the spokesman said of the "
             "offer.</p></blockquote><p>The statement came later that evening, with few details.</p>"
             "</article></body></html>",
             filler);
    struct article *a = extract_ok(html, NULL, NULL);
    assert_has(a->text, "\"We will answer within days,\" the spokesman said");
    const char *first = strstr(a->text, "The decision is final");
    assert_non_null(first);
    assert_null(strstr(first + 1, "The decision is final")); /* the repeat is gone */
    assert_has(a->text, "Officials met on Monday. The decision is final");
    article_destroy(a);
}

static void test_furniture_headings_and_prose_siblings(void **state)
{
    (void)state;
    char html[16384];
    /* no helpful classes: a teaser grid introduced by "More from ..." (sentences, few links) and a
     * comment block introduced by "3 Comments"; the story itself is cut into sibling sections */
    snprintf(html, sizeof html,
             "<html><body><div class=\"x1\"><div class=\"x2\"><div class=\"x3\"><section>%s</section></div></div>"
             "<div class=\"x2\"><div class=\"x3\"><section><p>The second part of the story continues after an "
             "embedded photo, with more detail on the vote and its aftermath.</p><p>It ends with a paragraph about "
             "what happens next, when the committee meets again in the spring.</p></section></div></div>"
             "<div class=\"x4\"><h3>More from the newsroom</h3><div><a href=\"/a\"><h4>Teaser one</h4></a><p>A teaser "
             "sentence that reads like prose, long enough to be scored as a paragraph.</p></div></div>"
             "<div class=\"x5\"><h3>3 Comments</h3><p>I disagree with this decision entirely, and I will say so at "
             "the next meeting, loudly.</p></div></div></body></html>",
             filler);
    struct article *a = extract_ok(html, NULL, NULL);
    assert_has(a->text, "joint committee");
    assert_has(a->text, "embedded photo");
    assert_has(a->text, "meets again in the spring");
    assert_lacks(a->text, "teaser sentence");
    assert_lacks(a->text, "I disagree");
    article_destroy(a);
}

static void test_text_shapes(void **state)
{
    (void)state;
    /* <br><br>-separated text, <pre> with blank lines, and list items: each becomes paragraphs */
    const char *html =
        "<html><body><div class=\"txt\">First paragraph of the story, with a comma, and a claim.<br><br>Second "
        "paragraph of the story, again with commas, and details.<br><br>Third, and last, paragraph here.</div>"
        "<pre>A preformatted first paragraph, as some wire services send it,\nwrapped over two lines.\n\n"
        "A second preformatted paragraph, after a blank line.</pre></body></html>";
    struct article *a = extract_ok(html, NULL, NULL);
    assert_has(a->text, "First paragraph of the story, with a comma, and a claim.\n\nSecond paragraph");
    assert_has(a->text, "as some wire services send it, wrapped over two lines.\n\nA second preformatted");
    article_destroy(a);
}

static void test_hidden_and_link_heavy(void **state)
{
    (void)state;
    char html[16384];
    snprintf(html, sizeof html,
             "<html><body><article>%s<p style=\"display: none\">Hidden tracking text that nobody sees on the page at "
             "all.</p><div aria-hidden=\"true\">Screen decoration text, not for readers, not for extraction.</div>"
             "<ul><li><a href=\"/1\">First related article title with many words</a></li>"
             "<li><a href=\"/2\">Second related article title with many words</a></li></ul>"
             "<p>Read the <a href=\"/r\">full report</a> on the agency's website, officials added.</p>"
             "<p>Officials said the measure, which passed with a large majority, would take effect at the start of the "
             "next fiscal year, and that the details would be worked out by a joint committee.</p>"
             "<script>var x = 'script text must never appear';</script></article></body></html>",
             filler);
    struct article *a = extract_ok(html, NULL, NULL);
    assert_lacks(a->text, "Hidden tracking");
    assert_lacks(a->text, "Screen decoration");
    assert_lacks(a->text, "related article title");
    assert_lacks(a->text, "script text");
    assert_has(a->text, "Read the full report on the agency's website"); /* some links are fine */
    /* the first paragraph appears once, although the page repeats it further down */
    const char *first = strstr(a->text, "Officials said the measure");
    assert_non_null(first);
    assert_null(strstr(first + 1, "Officials said the measure"));
    article_destroy(a);
}

static void test_boilerplate_rules(void **state)
{
    (void)state;
    static const char *const junk[] = {
        "Sign In", "Skip to content", "1,234 views", "12K reads", "Image", "Photo", "Advertisement",
        "This post is for paying subscribers only", "Subscribe to continue reading", "Photo: Reuters",
        "We use cookies to give you the best experience.", "By Jane Doe", "5 min read", "Share this article",
        "2024-09-10T14:05:00Z", "Published 10 September 2024", "\xc2\xa9 AFP", "Read more \xc2\xbb",
        "September 10 2024 , 12:31 PM \xe2\x80\xa2 838 views", "Author: Dave Example",
        "Already have an account? Sign In", "2 hours ago", "September 10, 2024", NULL};
    for (int i = 0; junk[i]; i++)
        if (!extract__boilerplate(junk[i], strlen(junk[i]), 0, NULL))
            fail_msg("not boilerplate: %s", junk[i]);
    static const char *const real[] = {
        "By the end of the year, the ministry expects the deficit to shrink.", "The minister signed in person.",
        "Shares fell 3% on Tuesday.", "The video reached 2 million viewers within a day, the company said.", "Image rights have long been disputed in the courts, lawyers said.", NULL};
    for (int i = 0; real[i]; i++)
        if (extract__boilerplate(real[i], strlen(real[i]), 0, NULL))
            fail_msg("dropped real text: %s", real[i]);
    /* link-heavy */
    assert_true(extract__boilerplate("Some words in a link", 20, 15, NULL));
    struct cw_strv au = {0};
    cw_strv_push(&au, "Jane Doe");
    assert_true(extract__boilerplate("Jane Doe", 8, 0, &au));
    cw_strv_free(&au);
}

static int hints_of(const char *cls)
{
    return extract__value_hints(cls);
}

static void test_class_hints(void **state)
{
    (void)state;
    assert_int_equal(hints_of("article-body"), XH_POS);
    assert_true(hints_of("social-share") & XH_STRONG);
    assert_true(hints_of("ad") & XH_STRONG);
    assert_true(hints_of("ads-slot") & XH_STRONG);
    assert_true(hints_of("sr-only") & XH_STRONG);
    assert_true(hints_of("site-nav") & XH_NEG);
    /* utility and lookalike classes are not hints */
    assert_int_equal(hints_of("overflow-hidden flex"), 0);
    assert_int_equal(hints_of("comment-threads") & XH_POS, 0);
    assert_int_equal(hints_of("thread uploads heads"), 0);
    assert_int_equal(hints_of("unavailable canvas"), 0);
    assert_int_equal(hints_of("commentary"), XH_POS);
}

static void test_tag_table(void **state)
{
    (void)state;
    /* bsearch needs the table sorted; every entry must be found */
    size_t n = sizeof tag_table / sizeof tag_table[0];
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            assert_true(strcmp(tag_table[i - 1].name, tag_table[i].name) < 0);
        assert_int_equal(extract__tag_flags(tag_table[i].name), tag_table[i].flags);
    }
    assert_int_equal(extract__tag_flags("custom-element"), 0);
    assert_true(extract__tag_flags("p") & TF_PARALIKE);
    assert_int_equal(extract__tag_flags("meta") & TF_KIND, TK_META);
}

static void test_utf8_output(void **state)
{
    (void)state;
    /* one 200 KB "word" of multi-byte characters: split into paragraphs between characters */
    size_t n = 200000;
    char *html = malloc(n * 2 + 64);
    assert_non_null(html);
    size_t k = (size_t)sprintf(html, "<html><body><p>");
    for (size_t i = 0; i < n / 2; i++) {
        html[k++] = '\xc3';
        html[k++] = '\xa9';
    }
    strcpy(html + k, "</p></body></html>");
    struct article *a = extract_ok(html, NULL, "text/html; charset=utf-8");
    assert_true(a->paragraphs.n >= 2);
    json_t *j = article_to_json(a);
    assert_int_equal(json_array_size(json_object_get(j, "paragraphs")), a->paragraphs.n);
    json_decref(j);
    article_destroy(a);
    free(html);
    /* invalid bytes that reach the JSON step become U+FFFD, not a missing field */
    struct article bad = {.title = (char *)"caf\xe9 \xc3\xa9", .text = (char *)"ok"};
    j = article_to_json(&bad);
    assert_string_equal(json_string_value(json_object_get(j, "title")), "caf\xef\xbf\xbd \xc3\xa9");
    json_decref(j);
}

static void test_microdata_body(void **state)
{
    (void)state;
    char html[16384];
    /* the body is marked with itemprop=articleBody, the longer comment-like block is not */
    snprintf(html, sizeof html,
             "<html><body><div class=\"overflow-hidden\"><div class=\"x\"><p>An unrelated block of prose, with commas, "
             "many commas, and yet more commas, that is long, and that goes on, and on, and on, and on, and on, "
             "for a while.</p><p>And another one, with commas, here, there, everywhere, and more, more, more.</p></div>"
             "<div itemprop=\"articleBody\"><p>The marked article body begins here, with the news of the day.</p>"
             "<p>It continues with a second paragraph that gives the details of the decision.</p></div></div></body></html>");
    struct article *a = extract_ok(html, NULL, NULL);
    assert_has(a->text, "marked article body begins here");
    assert_has(a->text, "details of the decision");
    article_destroy(a);
}

static void test_title_fallbacks(void **state)
{
    (void)state;
    char html[8192];
    snprintf(html, sizeof html,
             "<html><head><title>Storm closes schools across the region - Daily Example</title>"
             "<meta property=\"og:locale\" content=\"de_DE\"><meta property=\"og:url\" content=\"/s/1\">"
             "<meta name=\"twitter:image\" content=\"https://img.example/t.png\"></head><body><div class=\"post\">"
             "<time pubdate datetime=\"2023-01-02T03:04:05+00:00\">2 Jan</time>%s</div></body></html>",
             filler);
    struct article *a = extract_ok(html, "https://daily.example/news/storm", NULL);
    assert_string_equal(a->title, "Storm closes schools across the region");
    assert_string_equal(a->lang, "de-DE");
    assert_string_equal(a->canonical_url, "https://daily.example/s/1");
    assert_string_equal(a->image, "https://img.example/t.png");
    assert_string_equal(a->published, "2023-01-02T03:04:05Z");
    assert_null(a->authors.v);
    article_destroy(a);
    /* the page's h1 is a longer form of og:title: it is the title, not a paragraph */
    snprintf(html, sizeof html,
             "<html><head><meta property=\"og:title\" content=\"Storm closes schools\"></head><body><article>"
             "<h1>Storm closes schools across the region</h1>%s<h2>Storm closes schools: what parents need to know "
             "and do next week</h2><p>Schools will reopen on Thursday if the roads are clear, the education office "
             "said in a statement, and buses will run on their usual routes.</p></article></body></html>",
             filler);
    a = extract_ok(html, NULL, NULL);
    assert_lacks(a->text, "across the region");
    assert_has(a->text, "what parents need to know"); /* a later, different subheading stays */
    article_destroy(a);
}

static void test_no_content(void **state)
{
    (void)state;
    static const char *const pages[] = {
        "", "<html><body><nav><a href=/>Home</a></nav><p>Sign In</p></body></html>", "\x00\x01\x02 not html",
        "<html><body><ul><li><a href=/a>one link</a></li><li><a href=/b>two link</a></li></ul></body></html>",
        NULL};
    for (int i = 0; pages[i]; i++) {
        struct article *a = (struct article *)1;
        char err[256] = "";
        assert_int_equal(extract_article(pages[i], strlen(pages[i]), NULL, &a, err, sizeof err), -1);
        assert_null(a);
        assert_true(err[0] != '\0');
    }
}

static void strip_case(const char *in, const char *want)
{
    size_t n = 0;
    char *out = strip_raw_text(NULL, in, strlen(in), &n);
    assert_non_null(out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
    free(out);
}

static void test_strip_raw_text(void **state)
{
    (void)state;
    strip_case("<p>a</p><script>var s = '<p>x</p>';</script><p>b</p>", "<p>a</p><script></script><p>b</p>");
    strip_case("<STYLE type=text/css>p{}</Style>x", "<STYLE type=text/css></Style>x");
    strip_case("<script type=\"application/ld+json\">{\"a\":1}</script>", "<script type=\"application/ld+json\">{\"a\":1}</script>");
    /* a <script> inside a comment starts no cut; an unterminated one keeps the rest */
    strip_case("<!-- <script> --><p>kept</p></script>", "<!-- <script> --><p>kept</p></script>");
    strip_case("<p>t</p><script>never closed <p>x", "<p>t</p><script>never closed <p>x");
    strip_case("<scripts>not a script</scripts><style", "<scripts>not a script</scripts><style");
    /* inline SVG goes whole; an unterminated one keeps the rest */
    strip_case("<a><svg viewBox=\"0 0 9 9\"><path d=\"M1\"/><title>x</title></svg>Home</a>", "<a>Home</a>");
    strip_case("<SVG/><p>kept</p></svg >", "<p>kept</p></svg >");
    strip_case("<p>a</p><svg><p>x", "<p>a</p><svg><p>x");
    strip_case("<p>a</p><svgx>b</svgx>", "<p>a</p><svgx>b</svgx>");
    /* attributes no rule reads go; quoted values may hold '>' and '<'; odd tags stay as written */
    strip_case("<div data-x=\"a>b\" class=\"c d\"  srcset='1x, 2x' id=main>t</div>", "<div class=\"c d\" id=main>t</div>");
    strip_case("<a href=\"/x\" rel=author>A</a><link rel=canonical href=\"/c\"><BASE HREF=/b/>", "<a rel=author>A</a><link rel=canonical href=\"/c\"><BASE HREF=/b/>");
    strip_case("<meta charset=utf-8><p hidden aria-label=\"x\">h</p>", "<meta charset=utf-8><p hidden>h</p>");
    strip_case("<img src=a.jpg alt=\"x\" /><br/>", "<img/><br/>");
    strip_case("<p a=\"unterminated>x</p>", "<p a=\"unterminated>x</p>");
    strip_case("<p \"odd\" class=x>y</p><p x=\"1\"class=z>w</p>", "<p \"odd\" class=x>y</p><p x=\"1\"class=z>w</p>");
    strip_case("<div class=x", "<div class=x");
    strip_case("<picture><source media=\"(min-width: 9px)\" srcset=\"a.jpg\"><SOURCE srcset=b><img src=c></picture>",
               "<picture><img></picture>");
    strip_case("<sources class=x>", "<sources class=x>");
    strip_case("", "");
}

/* ASan's redzones and quarantine roughly triple the heap */
#if defined(__SANITIZE_ADDRESS__)
#define MAX_RSS_GROWTH_MB 1200
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAX_RSS_GROWTH_MB 1200
#endif
#endif
#ifndef MAX_RSS_GROWTH_MB
#define MAX_RSS_GROWTH_MB 400
#endif

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void run_hostile(const char *html, size_t len)
{
    struct article *a = NULL;
    char err[256];
    if (extract_article(html, len, NULL, &a, err, sizeof err) == 0) {
        assert_true(strlen(a->text) <= EXTRACT_MAX_TEXT + 16);
        assert_true(a->paragraphs.n <= EXTRACT_MAX_PARAS);
        for (size_t i = 0; i < a->paragraphs.n; i++)
            assert_true(strlen(a->paragraphs.v[i]) <= EXTRACT_MAX_BLOCK);
        article_destroy(a);
    }
}

static void test_class_side_table(void **state)
{
    (void)state;
    /* with a tree, long plain class lists go to the side table and libxml2 sees a stand-in */
    struct etree *t = extract__tree_create();
    assert_non_null(t);
    const char *in = "<div class=\"article-body prose lg:prose-xl\" id=a><p class=short>x</p>"
                     "<p class=\"caf&eacute; latte list\">y</p><p class='single quoted list'>z</p></div>";
    size_t n = 0;
    char *out = strip_raw_text(t, in, strlen(in), &n);
    assert_non_null(out);
    assert_string_equal(out, "<div c=\x7f" "0 id=a><p class=short>x</p>"
                             "<p class=\"caf&eacute; latte list\">y</p><p c=\x7f" "1>z</p></div>");
    assert_int_equal(t->nclasses, 2);
    assert_int_equal(extract__tree_parse(t, out, n, NULL), 0);
    /* the tree sees the original values */
    struct enode *body = find_body(t);
    assert_non_null(body);
    struct enode *div = extract__first_element(body);
    assert_string_equal(div->cls, "article-body prose lg:prose-xl");
    assert_int_equal(extract__hints(t, div) & XH_POS, XH_POS);
    struct enode *p1 = extract__first_element(div);
    assert_string_equal(p1->cls, "short");
    assert_string_equal(p1->next->cls, "caf\xc3\xa9 latte list");
    assert_string_equal(p1->next->next->cls, "single quoted list");
    free(out);
    extract__tree_destroy(t);

    /* a page's own look-alike of a stand-in is a class like any other when out of range */
    t = extract__tree_create();
    const char *fake = "<div class=\"\x7f" "12\">q</div>";
    assert_int_equal(extract__tree_parse(t, fake, strlen(fake), NULL), 0);
    div = extract__first_element(find_body(t));
    assert_string_equal(div->cls, "\x7f" "12");
    extract__tree_destroy(t);

    /* a stand-in before "/>" keeps the slash out of its unquoted value; index 64 is two
     * base-64 digits; a later class attribute does not override the first */
    t = extract__tree_create();
    char many[4096];
    size_t m = 0;
    for (int i = 0; i < 65; i++)
        m += (size_t)snprintf(many + m, sizeof many - m, "<b class=\"long class %d\"/>", i);
    snprintf(many + m, sizeof many - m, "<i class=\"last long one\" class=\"second long one\">x</i>");
    out = strip_raw_text(t, many, strlen(many), &n);
    assert_non_null(out);
    assert_non_null(strstr(out, "<b c=\x7f" "10 />"));
    assert_int_equal(extract__tree_parse(t, out, n, NULL), 0);
    body = find_body(t);
    struct enode *last = NULL;
    size_t count = 0;
    for (struct enode *c = body->children; c; c = c->next, count++)
        last = c;
    assert_int_equal(count, 66);
    assert_string_equal(body->children->next->next->cls, "long class 2");
    assert_string_equal(last->cls, "last long one");
    free(out);
    extract__tree_destroy(t);

    /* same long class on siblings still reads as the same class: the sibling bonus takes a
     * short block that nothing else would */
    char html[8192];
#define SIBLING_PAGE "<html><body><div class=\"story-block flex gap-4 px-2\"><p>%s</p></div><div class=\"%s\">" \
                     "<p>A short tail of the story without a final stop</p></div></body></html>"
    snprintf(html, sizeof html, SIBLING_PAGE, filler, "story-block flex gap-4 px-2");
    struct article *a = extract_ok(html, NULL, NULL);
    assert_has(a->text, "A short tail of the story without a final stop");
    article_destroy(a);
    snprintf(html, sizeof html, SIBLING_PAGE, filler, "other-block flex gap-4 px-2");
    a = extract_ok(html, NULL, NULL);
    assert_lacks(a->text, "A short tail of the story");
    article_destroy(a);
}

static void test_hostile_input(void **state)
{
    (void)state;
    size_t cap = 60u << 20;
    char *buf = malloc(cap);
    assert_non_null(buf);
    long before = maxrss_kb();
    /* 100,000 nested divs */
    size_t n = 0;
    n += (size_t)sprintf(buf + n, "<html><body>");
    for (int i = 0; i < 100000; i++)
        n += (size_t)sprintf(buf + n, "<div>");
    n += (size_t)sprintf(buf + n, "<p>Deep text, with commas, in the middle of the page, to be found or not.</p>");
    for (int i = 0; i < 100000; i++)
        n += (size_t)sprintf(buf + n, "</div>");
    run_hostile(buf, n);
    /* 50 MB of text in one paragraph */
    n = (size_t)sprintf(buf, "<html><body><p>");
    while (n < (50u << 20))
        n += (size_t)sprintf(buf + n, "word and more words, ");
    run_hostile(buf, n);
    /* unclosed tags everywhere */
    n = 0;
    for (int i = 0; i < 60000; i++)
        n += (size_t)sprintf(buf + n, "<div><p><b><i><span><table><tr><td><a href=x>text %d, ", i);
    run_hostile(buf, n);
    /* 8 MB of unclosed <p> (2.8 million tags): the tag budget bounds the tree */
    n = (size_t)sprintf(buf, "<html><body>");
    while (n < (8u << 20))
        n += (size_t)sprintf(buf + n, "<p>");
    run_hostile(buf, n);
    /* 200,000 sibling paragraphs (node and paragraph caps) */
    n = 0;
    for (int i = 0; i < 200000; i++)
        n += (size_t)sprintf(buf + n, "<p>Paragraph %d has a sentence, with commas.</p>", i);
    run_hostile(buf, n);
    free(buf);
    /* memory stays bounded: the parse is capped at EXTRACT_MAX_HTML, whatever the input size */
    long grew_mb = (maxrss_kb() - before) / 1024;
    print_message("max RSS growth %ld MB\n", grew_mb);
    assert_true(grew_mb < MAX_RSS_GROWTH_MB);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_page),
        cmocka_unit_test(test_demo_pages),
        cmocka_unit_test(test_jsonld_graph),
        cmocka_unit_test(test_jsonld_article_body),
        cmocka_unit_test(test_charsets_and_entities),
        cmocka_unit_test(test_scoring_picks_article_over_sidebar),
        cmocka_unit_test(test_sibling_merging),
        cmocka_unit_test(test_pull_quotes),
        cmocka_unit_test(test_furniture_headings_and_prose_siblings),
        cmocka_unit_test(test_text_shapes),
        cmocka_unit_test(test_hidden_and_link_heavy),
        cmocka_unit_test(test_boilerplate_rules),
        cmocka_unit_test(test_class_hints),
        cmocka_unit_test(test_tag_table),
        cmocka_unit_test(test_utf8_output),
        cmocka_unit_test(test_microdata_body),
        cmocka_unit_test(test_title_fallbacks),
        cmocka_unit_test(test_no_content),
        cmocka_unit_test(test_strip_raw_text),
        cmocka_unit_test(test_class_side_table),
        cmocka_unit_test(test_hostile_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
