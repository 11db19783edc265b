/* Unit tests for daemon/feedstore.c: registration, round trip, permanent-redirect rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/feedstore.h"

static char db_path[128];

static struct store *open_tmp(void)
{
    snprintf(db_path, sizeof db_path, "/tmp/cw_test_feedstore_%d.db", (int)getpid());
    unlink(db_path);
    struct store *st = NULL;
    char err[256];
    assert_int_equal(store_open(db_path, &st, err, sizeof err), 0);
    return st;
}

static void close_tmp(struct store *st)
{
    char p[160];
    store_close(st);
    unlink(db_path);
    snprintf(p, sizeof p, "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db_path);
    unlink(p);
}

static void test_register_roundtrip(void **state)
{
    (void)state;
    struct store *st = open_tmp();
    int64_t a = 0, b = 0, a2 = 0;
    assert_int_equal(feedstore_register(st, "http://a.example/feed", "A", "config", &a), 0);
    assert_int_equal(feedstore_register(st, "http://b.example/feed", NULL, "import", &b), 0);
    assert_int_equal(feedstore_register(st, "http://a.example/feed", "A again", "config", &a2), 0);
    assert_true(a > 0 && b > 0 && a != b);
    assert_int_equal(a, a2);
    struct feedstore_feed f;
    assert_int_equal(feedstore_get(st, a, &f), 0);
    assert_string_equal(f.url, "http://a.example/feed");
    assert_string_equal(f.title, "A");
    assert_int_equal(f.next_fetch_ms, 0); /* new feeds are due now */
    free(f.etag);
    f.etag = strdup("\"x\"");
    f.last_modified = strdup("Sat, 01 Nov 2025 10:00:00 GMT");
    f.failures = 3;
    f.last_status = 503;
    f.last_error = strdup("HTTP 503");
    f.next_fetch_ms = 1234567;
    assert_int_equal(feedstore_save(st, &f), 0);
    feedstore_feed_clear(&f);
    assert_int_equal(feedstore_get(st, a, &f), 0);
    assert_string_equal(f.etag, "\"x\"");
    assert_string_equal(f.last_modified, "Sat, 01 Nov 2025 10:00:00 GMT");
    assert_int_equal(f.failures, 3);
    assert_int_equal(f.last_status, 503);
    assert_string_equal(f.last_error, "HTTP 503");
    assert_int_equal(f.next_fetch_ms, 1234567);
    assert_string_equal(f.source, "config");
    feedstore_feed_clear(&f);
    assert_int_equal(feedstore_get(st, b, &f), 0);
    assert_string_equal(f.source, "import");
    feedstore_feed_clear(&f);
    assert_int_equal(feedstore_get(st, 999, &f), 1);
    close_tmp(st);
}

static int count_cb(const struct feedstore_feed *f, void *ctx)
{
    (void)f;
    (*(int *)ctx)++;
    return 0;
}

static void test_list(void **state)
{
    (void)state;
    struct store *st = open_tmp();
    int64_t id;
    char url[64];
    for (int i = 0; i < 50; i++) {
        snprintf(url, sizeof url, "http://h%d.example/", i);
        assert_int_equal(feedstore_register(st, url, NULL, "config", &id), 0);
    }
    int n = 0;
    assert_int_equal(feedstore_list(st, count_cb, &n), 0);
    assert_int_equal(n, 50);
    close_tmp(st);
}

static void test_permanent_redirect(void **state)
{
    (void)state;
    struct feedstore_feed f = {.id = 1, .url = strdup("http://old.example/feed")};
    assert_int_equal(feedstore_note_redirect(&f, "http://new.example/feed", 3), 0);
    assert_int_equal(feedstore_note_redirect(&f, "http://new.example/feed", 3), 0);
    /* a fetch without the redirect breaks the streak */
    assert_int_equal(feedstore_note_redirect(&f, NULL, 3), 0);
    assert_int_equal(f.redirect_count, 0);
    assert_int_equal(feedstore_note_redirect(&f, "http://new.example/feed", 3), 0);
    assert_int_equal(feedstore_note_redirect(&f, "http://other.example/feed", 3), 0); /* changed target */
    assert_int_equal(f.redirect_count, 1);
    assert_int_equal(feedstore_note_redirect(&f, "http://other.example/feed", 3), 0);
    assert_int_equal(feedstore_note_redirect(&f, "http://other.example/feed", 3), 1);
    assert_string_equal(feedstore_fetch_url(&f), "http://other.example/feed");
    assert_string_equal(f.url, "http://old.example/feed"); /* identity unchanged */
    assert_int_equal(f.redirect_count, 0);
    feedstore_feed_clear(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_roundtrip),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_permanent_redirect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
