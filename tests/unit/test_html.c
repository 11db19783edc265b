/* Unit tests for parsers/html.c: the allow-list sanitiser and the text rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/html.h"

static void check(const char *in, const char *base, const char *want_html, const char *want_text)
{
    char *h = NULL, *t = NULL;
    assert_int_equal(html_sanitize(in, strlen(in), base, &h, &t), 0);
    if (want_html)
        assert_string_equal(h, want_html);
    if (want_text)
        assert_string_equal(t, want_text);
    free(h);
    free(t);
}

static void test_sanitise(void **state)
{
    (void)state;
    /* unknown tags go, their content stays; br and hr still break the text */
    check("<font color=red>a</font><br><blink>b</blink><hr/><x-y>c</x-y>", NULL, "a<br />b<hr />c", "a\nb\n\nc");
    check("<p class=x onclick='a()'>Hi <B>there</B></p><script>evil()</script><style>p{}</style>", NULL,
          "<p>Hi <b>there</b></p>", "Hi there");
    check("<a href='JaVaScRiPt:alert(1)'>x</a><a href=' data:text/html,x'>y</a><img src=x onerror=alert(1)>",
          "https://ex.org/d/", "<a>x</a><a>y</a><img src=\"https://ex.org/d/x\" />", "xy");
    check("<iframe src=//evil></iframe><object><param></object>after", NULL, "after", "after");
    check("<b><i>unclosed", NULL, "<b><i>unclosed</i></b>", "unclosed");
    check("stray </div></b> end", NULL, "stray  end", "stray\n\nend"); /* a block end still breaks the text */
    check("a < b &amp; c > d", NULL, "a &lt; b &amp; c &gt; d", "a < b & c > d");
    check("<p>one</p><p>two<br>three</p><ul><li>x</li><li>y</li></ul>", NULL, NULL, "one\n\ntwo\nthree\n\nx\n\ny");
    check("<pre>a\n  b</pre>", NULL, "<pre>a\n  b</pre>", "a\nb");
    check("<a href=\"/p?a=1&amp;b=&quot;2&quot;\" title='t\"q'>l</a>", "http://h/", "<a href=\"http://h/p?a=1&amp;b=%222%22\" title=\"t&quot;q\">l</a>", "l");
    check("<!-- c --><![CDATA[x<y]]>&nbsp;&eacute;", NULL, "x&lt;y\xc2\xa0\xc3\xa9", "x<y \xc3\xa9");
    check("<scrIPT>x</SCRIPT >y<script>never closed", NULL, "y", "y");
}

static void test_depth(void **state)
{
    (void)state;
    size_t n = 20000;
    char *in = malloc(n * 5 + 10);
    char *p = in;
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "<b>");
    strcpy(p, "deep");
    char *h = NULL, *t = NULL;
    assert_int_equal(html_sanitize(in, strlen(in), NULL, &h, &t), 0);
    assert_string_equal(t, "deep");
    assert_true(strlen(h) < 64 * 8 + 10); /* nesting beyond the cap is flattened */
    free(h);
    free(t);
    free(in);
}

static void test_plain(void **state)
{
    (void)state;
    char *s = html_plain("  A <b>bold</b>\n title &amp; more&hellip; ");
    assert_string_equal(s, "A bold title & more\xe2\x80\xa6");
    free(s);
    assert_null(html_plain("   "));
    assert_null(html_plain(NULL));
    s = html_escape("<a & \"b\">");
    assert_string_equal(s, "&lt;a &amp; &quot;b&quot;&gt;");
    free(s);
}

/* The text rendering's word-at-a-time path against a byte-at-a-time model of the same rules:
 * whitespace runs collapse to one space, U+00A0 counts as space, leading space dropped. Inputs mix
 * the bytes that matter at every offset of an 8-byte word. */
static char *model_text(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;
    int pend = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            pend = 1;
            continue;
        }
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
            pend = 1;
            i++;
            continue;
        }
        if (pend && o > 0)
            out[o++] = ' ';
        pend = 0;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

static void test_text_words(void **state)
{
    (void)state;
    static const char alphabet[] = {'a', 'b', ' ', ' ', ' ', '\n', '\t', '\x0b', (char)0xC2, (char)0xA0, 'z', '.'};
    unsigned int seed = 12345;
    for (int round = 0; round < 3000; round++) {
        char in[64];
        size_t n = (size_t)(round % 60);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = alphabet[(seed >> 16) % sizeof alphabet];
        }
        in[n] = '\0';
        if (memchr(in, '\0', n) != NULL)
            continue;
        char *t = NULL;
        assert_int_equal(html_sanitize(in, n, NULL, NULL, &t), 0);
        char *want = model_text(in, n);
        /* the sanitiser's output is trimmed at the end as the model's is not */
        size_t wl = strlen(want);
        while (wl > 0 && want[wl - 1] == ' ')
            want[--wl] = '\0';
        assert_string_equal(t, want);
        free(t);
        free(want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitise),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_text_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
