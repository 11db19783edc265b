/* Unit tests for parsers/jsonout.c: byte-identical to Jansson's dump, compact and indented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/jsonout.h"

static void same(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    assert_non_null(j);
    int flags[] = {JSON_COMPACT, JSON_INDENT(2), JSON_INDENT(4)};
    int indents[] = {0, 2, 4};
    for (int i = 0; i < 3; i++) {
        char *want = json_dumps(j, flags[i] | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
        struct cw_buf b;
        cw_buf_init(&b, 0);
        assert_int_equal(jsonout_append(&b, j, indents[i]), 0);
        assert_string_equal(b.data, want);
        cw_buf_free(&b);
        free(want);
    }
    json_decref(j);
}

static void test_same_as_jansson(void **state)
{
    (void)state;
    same("{\"a\": [1, -2, {\"b\": \"x\\u0001\\\"\\\\\\n\\t\\r\\b\\f/\"}, [], {}], \"c\": \"caf\\u00e9 \\u20ac \\ud83d\\ude00\","
         " \"d\": null, \"e\": true, \"f\": false, \"g\": 9007199254740993}");
    same("[]");
    same("{}");
    same("\"just a string\\u007f\"");
    same("[[[[1]]], {\"k\": {\"k\": {\"k\": []}}}]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
