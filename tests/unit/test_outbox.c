/* Unit tests for daemon/outbox.c: one transaction per item, seen items write nothing, the bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/outbox.h"
#include "daemon/store.h"

static char dbpath[256];

static int setup(void **state)
{
    snprintf(dbpath, sizeof dbpath, "/tmp/cw-test-outbox-%d.db", (int)getpid());
    unlink(dbpath);
    char err[256];
    struct store *st = NULL;
    if (store_open(dbpath, &st, err, sizeof err) != 0)
        return -1;
    *state = st;
    return 0;
}

static int teardown(void **state)
{
    store_close(*state);
    char p[300];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
    return 0;
}

static int64_t count(struct store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL);
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    return n;
}

static const char *const two_sinks[] = {"kafka", "file"};

static void test_accept_once(void **state)
{
    struct store *st = *state;
    struct outbox_item it = {.id = "i1", .feed_id = 0, .fingerprint = UINT64_MAX, .url = "https://x/1"};
    struct outbox_event ev[2] = {
        {SINK_KIND_ITEMS, "i1", "e1", "{\"a\":1}", 7},
        {SINK_KIND_CLAIMS, "claim-9", "e2", "{\"b\":2}", 7},
    };
    assert_int_equal(outbox_accept(st, &it, ev, 2, two_sinks, 2), 0);
    assert_int_equal(count(st, "SELECT count(*) FROM outbox"), 4);
    assert_int_equal(count(st, "SELECT count(*) FROM outbox WHERE sink='file' AND kind=1 AND key='claim-9'"), 1);
    assert_int_equal(store_item_seen(st, "i1"), 1);
    /* Seen: nothing written again. */
    assert_int_equal(outbox_accept(st, &it, ev, 2, two_sinks, 2), 1);
    assert_int_equal(count(st, "SELECT count(*) FROM outbox"), 4);
    int64_t age = -1;
    assert_int_equal(outbox_backlog(st, &age), 4);
    assert_true(age >= 0 && age < 60000);
    assert_int_equal(outbox_backlog_bytes(st), 28);
    /* Feed-status events have no item. */
    struct outbox_event fs = {SINK_KIND_FEED_STATUS, "feed-1", "e3", "{}", 2};
    assert_int_equal(outbox_accept(st, NULL, &fs, 1, two_sinks, 1), 0);
    assert_int_equal(outbox_backlog(st, NULL), 5);
}

static void test_bound(void **state)
{
    struct store *st = *state;
    struct outbox_event ev = {SINK_KIND_ITEMS, "k", "e", "0123456789", 10};
    char id[32];
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "b%d", i);
        struct outbox_item it = {.id = id};
        assert_int_equal(outbox_accept(st, &it, &ev, 1, two_sinks, 1), 0);
    }
    assert_int_equal(outbox_full(st, 10, 0), 1);
    assert_int_equal(outbox_full(st, 11, 0), 0);
    assert_int_equal(outbox_full(st, 0, 100), 1);
    assert_int_equal(outbox_full(st, 0, 101), 0);
    assert_int_equal(outbox_full(st, 0, 0), 0);
}

/* Inside the caller's transaction the item is all-or-nothing with it. */
static void test_caller_transaction(void **state)
{
    struct store *st = *state;
    struct outbox_event ev = {SINK_KIND_ITEMS, "t1", "e", "{}", 2};
    struct outbox_item it = {.id = "t1"};
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(outbox_accept(st, &it, &ev, 1, two_sinks, 2), 0);
    assert_int_equal(outbox_accept(st, &it, &ev, 1, two_sinks, 2), 1);
    assert_int_equal(store_rollback(st), 0);
    assert_int_equal(store_item_seen(st, "t1"), 0);
    assert_int_equal(outbox_backlog(st, NULL), 0);
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(outbox_accept(st, &it, &ev, 1, two_sinks, 2), 0);
    assert_int_equal(store_commit(st), 0);
    assert_int_equal(outbox_backlog(st, NULL), 2);
}

static void exec_sql(struct store *st, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(store_db(st), sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
}

/* A failure after the seen mark and some events, inside the caller's transaction: the item's rows
 * are taken back, the caller's other items stay, the transaction stays usable. */
static void test_caller_transaction_failure(void **state)
{
    struct store *st = *state;
    exec_sql(st, "CREATE TEMP TRIGGER refuse AFTER INSERT ON main.outbox WHEN new.event_id = 'bad' "
                 "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    struct outbox_event good = {SINK_KIND_ITEMS, "a", "ea", "{}", 2};
    struct outbox_event two[] = {{SINK_KIND_ITEMS, "b", "eb", "{}", 2}, {SINK_KIND_CLAIMS, "c1", "bad", "{}", 2}};
    struct outbox_item a = {.id = "a"}, b = {.id = "b"}, c = {.id = "c"};
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(outbox_accept(st, &a, &good, 1, two_sinks, 2), 0);
    assert_int_equal(outbox_accept(st, &b, two, 2, two_sinks, 2), -1); /* 2 of its rows written, then refused */
    good.key = "c";
    good.event_id = "ec";
    assert_int_equal(outbox_accept(st, &c, &good, 1, two_sinks, 2), 0);
    assert_int_equal(store_commit(st), 0);
    assert_int_equal(store_item_seen(st, "a"), 1);
    assert_int_equal(store_item_seen(st, "b"), 0);
    assert_int_equal(store_item_seen(st, "c"), 1);
    assert_int_equal(count(st, "SELECT count(*) FROM outbox WHERE key = 'b' OR event_id = 'bad'"), 0);
    assert_int_equal(count(st, "SELECT count(*) FROM outbox"), 4);
    /* Offered again later (the trigger gone), b is accepted whole. */
    exec_sql(st, "DROP TRIGGER refuse");
    assert_int_equal(outbox_accept(st, &b, two, 2, two_sinks, 2), 0);
    assert_int_equal(count(st, "SELECT count(*) FROM outbox"), 8);
}

/* When even taking the rows back fails, the whole caller's transaction is rolled back rather
 * than commit an item marked seen without its events. */
static void test_caller_transaction_undo_fails(void **state)
{
    struct store *st = *state;
    exec_sql(st, "CREATE TEMP TRIGGER refuse AFTER INSERT ON main.outbox WHEN new.event_id = 'bad' "
                 "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    exec_sql(st, "CREATE TEMP TRIGGER keep BEFORE DELETE ON main.items "
                 "BEGIN SELECT RAISE(ABORT, 'undo refused by the test'); END");
    struct outbox_event good = {SINK_KIND_ITEMS, "a", "ea", "{}", 2};
    struct outbox_event bad = {SINK_KIND_ITEMS, "b", "bad", "{}", 2};
    struct outbox_item a = {.id = "a"}, b = {.id = "b"};
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(outbox_accept(st, &a, &good, 1, two_sinks, 2), 0);
    assert_int_equal(outbox_accept(st, &b, &bad, 1, two_sinks, 2), -1);
    assert_int_equal(sqlite3_get_autocommit(store_db(st)), 1); /* rolled back */
    assert_int_not_equal(store_commit(st), 0);
    assert_int_equal(store_rollback(st), 0);
    assert_int_equal(store_item_seen(st, "a"), 0);
    assert_int_equal(store_item_seen(st, "b"), 0);
    assert_int_equal(count(st, "SELECT count(*) FROM outbox"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_accept_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caller_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caller_transaction_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caller_transaction_undo_fails, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
