/* Unit tests for common/cw_metrics: label escaping, HELP escaping, families grouped with one
 * HELP/TYPE, cumulative histogram buckets, type clashes refused, values rendered exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_buf.h"
#include "common/cw_metrics.h"

static char *render(void)
{
    struct cw_buf b;
    cw_buf_init(&b, 1 << 20);
    assert_int_equal(cw_metrics_render(&b), 0);
    return cw_buf_steal(&b);
}

static void test_labels(void **state)
{
    (void)state;
    char b[128];
    assert_string_equal(metric_labels(b, sizeof b, "claim", "c1", "stance", "supports", NULL),
                        "claim=\"c1\",stance=\"supports\"");
    assert_string_equal(metric_labels(b, sizeof b, "path", "C:\\x\"y\"\nz", NULL), "path=\"C:\\\\x\\\"y\\\"\\nz\"");
    assert_string_equal(metric_labels(b, sizeof b, "empty", NULL, NULL), "empty=\"\"");
    char small[24];
    /* The second pair does not fit: dropped whole, the text stays well-formed. */
    assert_string_equal(metric_labels(small, sizeof small, "a", "1", "bbbbbbbb", "2222222222", NULL), "a=\"1\"");
    assert_string_equal(metric_labels(b, sizeof b, NULL), "");
}

static void test_render(void **state)
{
    (void)state;
    cw_metrics_reset();
    char lab[64];
    struct metric *ok = metric_counter("cw_fetches_total", metric_labels(lab, sizeof lab, "result", "ok", NULL),
                                       "Fetches\nby \\ result.");
    struct metric *gauge = metric_gauge("cw_backlog", NULL, "Outbox rows.");
    struct metric *err = metric_counter("cw_fetches_total", "result=\"error\"", "ignored second help");
    assert_ptr_equal(metric_counter("cw_fetches_total", "result=\"ok\"", NULL), ok); /* found again */
    metric_inc(ok);
    metric_add(ok, 2);
    metric_inc(err);
    metric_set(gauge, 1.5);
    char *out = render();
    assert_string_equal(out, "# HELP cw_fetches_total Fetches\\nby \\\\ result.\n"
                             "# TYPE cw_fetches_total counter\n"
                             "cw_fetches_total{result=\"ok\"} 3\n"
                             "cw_fetches_total{result=\"error\"} 1\n"
                             "# HELP cw_backlog Outbox rows.\n"
                             "# TYPE cw_backlog gauge\n"
                             "cw_backlog 1.5\n");
    free(out);
    cw_metrics_reset();
}

static void test_histogram(void **state)
{
    (void)state;
    cw_metrics_reset();
    static const double bounds[] = {0.1, 1, 10};
    struct metric *h = metric_histogram("cw_latency_seconds", "feed=\"a\"", "Latency.", bounds, 3);
    metric_observe(h, 0.05);
    metric_observe(h, 0.5);
    metric_observe(h, 0.5);
    metric_observe(h, 100);
    char *out = render();
    assert_non_null(strstr(out, "cw_latency_seconds_bucket{feed=\"a\",le=\"0.1\"} 1\n"
                                "cw_latency_seconds_bucket{feed=\"a\",le=\"1\"} 3\n"
                                "cw_latency_seconds_bucket{feed=\"a\",le=\"10\"} 3\n"
                                "cw_latency_seconds_bucket{feed=\"a\",le=\"+Inf\"} 4\n"
                                "cw_latency_seconds_sum{feed=\"a\"} 101.05\n"
                                "cw_latency_seconds_count{feed=\"a\"} 4\n"));
    free(out);
    cw_metrics_reset();
}

static void test_families_contiguous(void **state)
{
    (void)state;
    cw_metrics_reset();
    metric_counter("cw_a_total", "x=\"1\"", NULL); /* no help yet */
    metric_gauge("cw_b", NULL, "B.");
    metric_counter("cw_a_total", "x=\"2\"", "A, supplied later.");
    metric_gauge("cw_c", NULL, "C.");
    metric_counter("cw_a_total", "x=\"3\"", NULL);
    char *out = render();
    assert_string_equal(out, "# HELP cw_a_total A, supplied later.\n# TYPE cw_a_total counter\n"
                             "cw_a_total{x=\"1\"} 0\ncw_a_total{x=\"2\"} 0\ncw_a_total{x=\"3\"} 0\n"
                             "# HELP cw_b B.\n# TYPE cw_b gauge\ncw_b 0\n"
                             "# HELP cw_c C.\n# TYPE cw_c gauge\ncw_c 0\n");
    free(out);
    cw_metrics_reset();
}

static void test_type_clash(void **state)
{
    (void)state;
    cw_metrics_reset();
    struct metric *c = metric_counter("cw_x_total", NULL, "x");
    struct metric *g = metric_gauge("cw_x_total", "a=\"1\"", "x");
    assert_ptr_not_equal(c, g);
    metric_set(g, 5); /* goes to the sink series, not rendered */
    char *out = render();
    assert_null(strstr(out, "a=\"1\""));
    assert_non_null(strstr(out, "# TYPE cw_x_total counter\n"));
    free(out);
    cw_metrics_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_families_contiguous),
        cmocka_unit_test(test_type_clash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
