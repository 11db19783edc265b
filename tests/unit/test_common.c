/* Unit tests for common/: capped buffers, string vectors, ids, JSON positions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_buf.h"
#include "common/cw_jsonpos.h"
#include "common/cw_strv.h"
#include "common/cw_util.h"

static void test_buf_cap(void **state)
{
    (void)state;
    struct cw_buf b;
    cw_buf_init(&b, 8);
    assert_int_equal(cw_buf_puts(&b, "12345"), 0);
    assert_int_equal(cw_buf_puts(&b, "6789"), CW_BUF_ETOOBIG);
    assert_string_equal(b.data, "12345"); /* a refused append leaves the buffer as it was */
    assert_int_equal(cw_buf_printf(&b, "%d", 678), 0);
    assert_string_equal(b.data, "12345678");
    assert_int_equal(cw_buf_putc(&b, 'x'), CW_BUF_ETOOBIG);
    char *s = cw_buf_steal(&b);
    assert_string_equal(s, "12345678");
    assert_null(b.data);
    free(s);
    cw_buf_free(&b);
}

static void test_strv(void **state)
{
    (void)state;
    struct cw_strv sv = {0};
    for (int i = 0; i < 100; i++)
        assert_int_equal(cw_strv_pushf(&sv, "item %d", i), 0);
    assert_int_equal(sv.n, 100);
    assert_true(cw_strv_contains(&sv, "item 99"));
    assert_false(cw_strv_contains(&sv, "item 100"));
    cw_strv_free(&sv);
    assert_int_equal(sv.n, 0);
}

static void test_id_hex(void **state)
{
    (void)state;
    char id[CW_ID_HEX_LEN + 1];
    /* SHA-256("abc") starts ba7816bf8f01cfea414140de5dae2223 */
    cw_id_hex("abc", 3, id);
    assert_string_equal(id, "ba7816bf8f01cfea414140de5dae2223");
}

static void test_rfc3339(void **state)
{
    (void)state;
    char out[CW_RFC3339_LEN];
    cw_time_rfc3339(1725976800, out, sizeof out);
    assert_string_equal(out, "2024-09-10T14:00:00Z");
}

static void test_jsonpos(void **state)
{
    (void)state;
    const char *text = "{\n  \"feeds\": [\n    {\"url\": \"a\"},\n    {\"url\": \"b\", \"bogus\": 1}\n  ],\n"
                       "  \"a/b\": {\"x~y\": [true, null]}\n}\n";
    struct cw_jsonpos *jp = cw_jsonpos_create(text, strlen(text));
    assert_non_null(jp);
    int line = 0, col = 0;
    assert_int_equal(cw_jsonpos_find(jp, "/feeds/1/bogus", &line, &col), 0);
    assert_int_equal(line, 4);
    assert_int_equal(col, 18);
    assert_int_equal(cw_jsonpos_find(jp, "/feeds/0", &line, &col), 0);
    assert_int_equal(line, 3);
    assert_int_equal(col, 5);
    assert_int_equal(cw_jsonpos_find(jp, "/a~1b/x~0y/1", &line, &col), 0);
    assert_int_equal(line, 6);
    /* Unknown pointers fall back to the nearest known ancestor. */
    assert_int_equal(cw_jsonpos_find(jp, "/feeds/1/missing", &line, &col), 0);
    assert_int_equal(line, 4);
    assert_int_equal(col, 5);
    cw_jsonpos_destroy(jp);
}

static void test_read_file_limit(void **state)
{
    (void)state;
    char *data = NULL, err[256];
    size_t len = 0;
    assert_int_equal(cw_read_file("/nonexistent/x", 100, &data, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/x"));
    assert_int_equal(cw_read_file(CW_SOURCE_DIR "/LICENSE", 100, &data, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "limit"));
    assert_int_equal(cw_read_file(CW_SOURCE_DIR "/LICENSE", 1 << 20, &data, &len, err, sizeof err), 0);
    assert_true(len > 1000);
    assert_int_equal(data[len], '\0');
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_cap),       cmocka_unit_test(test_strv),
        cmocka_unit_test(test_id_hex),        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_jsonpos),       cmocka_unit_test(test_read_file_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
