/* Unit tests for daemon/fetch.c statics: the address policy, CIDR parsing, Retry-After and
 * max-age parsing, and the fetcher on file:// through the real loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../daemon/fetch.c"

static int allowed(const struct fetcher *f, const char *ip)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    char text[INET6_ADDRSTRLEN];
    if (strchr(ip, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        assert_int_equal(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
    }
    return fetch_addr_allowed(f, (struct sockaddr *)&ss, text, sizeof text);
}

static void test_address_policy(void **state)
{
    (void)state;
    struct fetcher f;
    memset(&f, 0, sizeof f);
    const char *blocked[] = {"127.0.0.1", "127.9.9.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                             "169.254.169.254", "100.64.0.1", "100.127.255.254", "0.0.0.0", "224.0.0.1",
                             "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
                             "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "64:ff9b::a00:1",
                             "2002:a00:1::1", "::127.0.0.1"};
    const char *public_[] = {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "169.255.0.1", "2001:db8::1",
                             "2606:4700::1111", "::ffff:8.8.8.8", "93.184.216.34"};
    for (size_t i = 0; i < sizeof blocked / sizeof *blocked; i++) {
        if (allowed(&f, blocked[i]))
            fail_msg("%s should be blocked", blocked[i]);
    }
    for (size_t i = 0; i < sizeof public_ / sizeof *public_; i++) {
        if (!allowed(&f, public_[i]))
            fail_msg("%s should be allowed", public_[i]);
    }
    struct fetch_cidr c[3];
    assert_int_equal(fetch_parse_cidr("127.0.0.1/32", &c[0]), 0);
    assert_int_equal(fetch_parse_cidr("10.0.0.0/8", &c[1]), 0);
    assert_int_equal(fetch_parse_cidr("fd00::/8", &c[2]), 0);
    f.allow = c;
    f.nallow = 3;
    assert_true(allowed(&f, "127.0.0.1"));
    assert_true(allowed(&f, "::ffff:127.0.0.1")); /* the mapped form of an allowed address */
    assert_false(allowed(&f, "127.0.0.2"));
    assert_true(allowed(&f, "10.200.1.1"));
    assert_true(allowed(&f, "fd12::1"));
    assert_false(allowed(&f, "fc12::1"));
    assert_false(allowed(&f, "169.254.169.254"));
    struct fetch_cidr bad;
    assert_int_equal(fetch_parse_cidr("10.0.0.0/33", &bad), -1);
    assert_int_equal(fetch_parse_cidr("nonsense", &bad), -1);
    assert_int_equal(fetch_parse_cidr("10.0.0.0/x", &bad), -1);
    assert_int_equal(fetch_parse_cidr("::/129", &bad), -1);
}

static void test_retry_after_parse(void **state)
{
    (void)state;
    time_t now = 1700000000; /* Tue, 14 Nov 2023 22:13:20 GMT */
    assert_int_equal(fetch_parse_retry_after("120", now), 120);
    assert_int_equal(fetch_parse_retry_after(" 7", now), -1);
    assert_int_equal(fetch_parse_retry_after("Tue, 14 Nov 2023 23:13:20 GMT", now), 3600);
    assert_int_equal(fetch_parse_retry_after("Tue, 14 Nov 2023 20:00:00 GMT", now), 0); /* past */
    assert_int_equal(fetch_parse_retry_after("soon", now), -1);
    assert_int_equal(fetch_parse_retry_after(NULL, now), -1);
    assert_int_equal(fetch_parse_max_age("public, max-age=300", NULL, now), 300);
    assert_int_equal(fetch_parse_max_age("s-maxage=50, max-age=60", NULL, now), 60);
    assert_int_equal(fetch_parse_max_age(NULL, "Tue, 14 Nov 2023 22:23:20 GMT", now), 600);
    assert_int_equal(fetch_parse_max_age("max-age=5", "Tue, 14 Nov 2023 22:23:20 GMT", now), 5);
    assert_int_equal(fetch_parse_max_age(NULL, "0", now), 0);
    assert_int_equal(fetch_parse_max_age("no-cache", NULL, now), -1);
}

struct file_ctx {
    int calls;
    enum fetch_error err;
    long status;
    size_t len;
};

static void file_done(const struct fetch_result *r, void *ctx)
{
    struct file_ctx *c = ctx;
    c->calls++;
    c->err = r->error;
    c->status = r->status;
    c->len = r->len;
}

static void test_file_fetch_and_caps(void **state)
{
    (void)state;
    struct cfg_fetch o = {.connect_timeout_ms = 2000, .timeout_ms = 5000, .max_body_bytes = 1 << 20,
                          .max_redirects = 5, .concurrency = 4, .per_host = 2, .allow_file = 1};
    struct loop *l = loop_create();
    char err[256];
    struct fetcher *f = fetcher_create(l, &o, err, sizeof err);
    assert_non_null(f);
    struct file_ctx a = {0}, b = {0}, c = {0};
    struct fetch_request ra = {.url = "file://" CW_SOURCE_DIR "/CMakeLists.txt"};
    struct fetch_request rb = {.url = "file://" CW_SOURCE_DIR "/CMakeLists.txt", .max_bytes = 100};
    struct fetch_request rc = {.url = "file://" CW_SOURCE_DIR "/no/such/file"};
    assert_int_equal(fetcher_submit(f, &ra, file_done, &a), 0);
    assert_int_equal(fetcher_submit(f, &rb, file_done, &b), 0);
    assert_int_equal(fetcher_submit(f, &rc, file_done, &c), 0);
    assert_int_equal(fetcher_pending(f), 3);
    for (int i = 0; i < 500 && fetcher_pending(f) > 0; i++)
        loop_run_once(l, 20);
    assert_int_equal(fetcher_pending(f), 0);
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.err, FETCH_OK);
    assert_int_equal(a.status, 200);
    assert_true(a.len > 500);
    assert_int_equal(b.err, FETCH_ERR_TOO_BIG);
    assert_int_equal(c.calls, 1);
    assert_int_not_equal(c.err, FETCH_OK);
    /* cancel: queued and running transfers vanish without callbacks */
    struct file_ctx d = {0};
    for (int i = 0; i < 10; i++)
        assert_int_equal(fetcher_submit(f, &ra, file_done, &d), 0);
    fetcher_cancel_all(f);
    assert_int_equal(fetcher_pending(f), 0);
    for (int i = 0; i < 5; i++)
        loop_run_once(l, 1);
    assert_int_equal(d.calls, 0);
    fetcher_destroy(f);
    fetcher_destroy(NULL);
    loop_destroy(l);
}

static void test_bad_cidr_config(void **state)
{
    (void)state;
    struct cfg_fetch o = {.concurrency = 4, .per_host = 2};
    cw_strv_push(&o.allow_cidrs, "10.0.0.0/8");
    cw_strv_push(&o.allow_cidrs, "bogus/99");
    struct loop *l = loop_create();
    char err[256] = "";
    assert_null(fetcher_create(l, &o, err, sizeof err));
    assert_non_null(strstr(err, "allow_cidrs[1]"));
    cw_strv_free(&o.allow_cidrs);
    loop_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address_policy),
        cmocka_unit_test(test_retry_after_parse),
        cmocka_unit_test(test_file_fetch_and_caps),
        cmocka_unit_test(test_bad_cidr_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
