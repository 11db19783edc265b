/* Unit tests for parsers/entities.c: the full HTML5 table and reference decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/entities.c"

static void test_table(void **state)
{
    (void)state;
    size_t n = sizeof entity_rows / sizeof entity_rows[0];
    assert_true(n > 2000); /* the whole WHATWG list, not the HTML 4 subset */
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(entity_rows[i - 1].name, entity_rows[i].name) < 0); /* sorted for bsearch */
    uint32_t cp[2];
    assert_int_equal(entities_lookup("nbsp", 4, cp), 1);
    assert_int_equal(cp[0], 0xA0);
    assert_int_equal(entities_lookup("eacute", 6, cp), 1);
    assert_int_equal(cp[0], 0xE9);
    assert_int_equal(entities_lookup("NotNestedLessLess", 17, cp), 2);
    assert_int_equal(entities_lookup("nbs", 3, cp), 0);
    assert_int_equal(entities_lookup("", 0, cp), 0);
}

static void test_decode(void **state)
{
    (void)state;
    struct cw_buf b;
    cw_buf_init(&b, 1024);
    const char *in = "a&amp;b &eacute;&#233;&#xE9; &#150; &bogus; &#xZZ; & &hellip;&#0;";
    assert_int_equal(entities_decode_append(&b, in, strlen(in)), 0);
    assert_string_equal(b.data, "a&b \xc3\xa9\xc3\xa9\xc3\xa9 \xe2\x80\x93 &bogus; &#xZZ; & \xe2\x80\xa6\xef\xbf\xbd");
    cw_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
