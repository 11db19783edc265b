/* Unit tests for daemon/sched.c: hints within bounds, jitter, skipHours, backoff and its cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/sched.h"

static const struct sched_bounds B = {60, 86400, 21600};
#define NOW 1700000000000LL /* 2023-11-14T22:13:20Z */

static void test_interval_jitter(void **state)
{
    (void)state;
    struct sched_hints h = {0, 0, -1, 0};
    assert_int_equal(sched_next_success(NOW, 900, &h, &B, 0.5), NOW + 900000);
    assert_int_equal(sched_next_success(NOW, 900, &h, &B, 0.0), NOW + 810000);
    int64_t hi = sched_next_success(NOW, 900, &h, &B, 0.999999);
    assert_true(hi > NOW + 989000 && hi < NOW + 990000);
}

static void test_hints_bounded(void **state)
{
    (void)state;
    struct sched_hints h = {.ttl_s = 3600, .max_age_s = -1};
    assert_int_equal(sched_next_success(NOW, 900, &h, &B, 0.5), NOW + 3600000); /* ttl lengthens */
    h.ttl_s = 30;
    assert_int_equal(sched_next_success(NOW, 900, &h, &B, 0.5), NOW + 900000); /* never shortens */
    h = (struct sched_hints){.update_period_s = 7 * 86400, .max_age_s = -1};
    assert_int_equal(sched_next_success(NOW, 900, &h, &B, 0.5), NOW + 86400000LL); /* clamped to max */
    h = (struct sched_hints){.max_age_s = 1800};
    assert_int_equal(sched_next_success(NOW, 900, &h, &B, 0.5), NOW + 1800000); /* Cache-Control */
}

static void test_skip_hours(void **state)
{
    (void)state;
    /* NOW + 900 s is 22:28Z; skipping hours 22 and 23 moves it to 00:00Z next day */
    struct sched_hints h = {.max_age_s = -1, .skip_hours = (1u << 22) | (1u << 23)};
    int64_t t = sched_next_success(NOW, 900, &h, &B, 0.5);
    assert_int_equal(t % 86400000, 0);
    assert_true(t > NOW && t < NOW + 2 * 3600000);
    assert_int_equal(sched_skip_hours(NOW, 0xffffff), NOW); /* all skipped: ignored */
    assert_int_equal(sched_skip_hours(NOW, 1u << 3), NOW);
}

static void test_backoff(void **state)
{
    (void)state;
    int64_t prev = 0;
    for (int n = 1; n <= 10; n++) {
        int64_t d = sched_next_failure(NOW, n, -1, &B, 0.999) - NOW;
        assert_true(d >= prev);
        prev = d;
    }
    assert_int_equal(sched_next_failure(NOW, 1, -1, &B, 0.0) - NOW, 45000); /* 60 s, 75% jitter floor */
    /* days of failures: still retried, at the cap */
    int64_t d = sched_next_failure(NOW, 500, -1, &B, 0.999999) - NOW;
    assert_true(d <= 21600000 && d > 21590000);
    d = sched_next_failure(NOW, 500, -1, &B, 0.0) - NOW;
    assert_int_equal(d, 21600000 * 3 / 4);
}

static void test_retry_after(void **state)
{
    (void)state;
    assert_int_equal(sched_next_failure(NOW, 1, 3600, &B, 0.5) - NOW, 3600000);
    assert_true(sched_next_failure(NOW, 1, 1, &B, 0.5) - NOW >= 45000); /* floor, not a ceiling */
    /* a hostile Retry-After cannot park the feed beyond max(backoff_max, max_interval) */
    assert_int_equal(sched_next_failure(NOW, 1, 100LL * 86400 * 365, &B, 0.5) - NOW, 86400000LL);
}

static void test_rand(void **state)
{
    (void)state;
    uint64_t s = 42;
    for (int i = 0; i < 1000; i++) {
        double r = sched_rand(&s);
        assert_true(r >= 0.0 && r < 1.0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interval_jitter), cmocka_unit_test(test_hints_bounded),
        cmocka_unit_test(test_skip_hours),      cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_retry_after),     cmocka_unit_test(test_rand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
