/* Unit tests for daemon/store.c: schema creation and forward migration (v2 databases written by
 * earlier builds lose the unused outbox_pending index in v3 and keep every row), refusal of
 * newer or foreign files. Includes store.c to build a v2 database from the released steps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../daemon/store.c"

static char dbpath[256];

static void unlink_db(void)
{
    char p[300];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dbpath, sizeof dbpath, "/tmp/cw-test-store-%d.db", (int)getpid());
    unlink_db();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink_db();
    return 0;
}

static int64_t query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return -1;
    int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    return n;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
}

/* A database as a v2 build left it: the released steps 0->1 and 1->2, some state in every table. */
static void make_v2(void)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    exec_ok(db, "PRAGMA journal_mode=WAL");
    exec_ok(db, store_migrations[0]);
    exec_ok(db, store_migrations[1]);
    exec_ok(db, "PRAGMA user_version = 2");
    exec_ok(db, "INSERT INTO feeds(url, source) VALUES('https://a.test/feed', 'import')");
    exec_ok(db, "INSERT INTO items(id, feed_id, first_seen_ms) VALUES('i1', 1, 1000), ('i2', 1, 2000)");
    exec_ok(db, "INSERT INTO outbox(sink, kind, key, event_id, payload, created_ms) VALUES"
                "('kafka', 0, 'i1', 'e1', x'7b7d', 1000), ('kafka', 0, 'i2', 'e2', x'7b7d', 2000),"
                "('file', 0, 'i2', 'e3', x'7b7d', 2000)");
    assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name='outbox_pending'"), 1);
    sqlite3_close(db);
}

static void test_fresh_is_current(void **state)
{
    (void)state;
    char err[256];
    struct store *st = NULL;
    assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
    assert_int_equal(store_schema_version(), 3);
    assert_int_equal(query_int(store_db(st), "PRAGMA user_version"), store_schema_version());
    assert_int_equal(query_int(store_db(st), "SELECT count(*) FROM sqlite_master WHERE name='outbox_pending'"), 0);
    assert_int_equal(query_int(store_db(st), "SELECT count(*) FROM sqlite_master WHERE name='items_first_seen'"), 1);
    /* New databases: 8 KiB pages, freed pages not rewritten (secure_delete=FAST is 2). */
    assert_int_equal(query_int(store_db(st), "PRAGMA page_size"), 8192);
    assert_int_equal(query_int(store_db(st), "PRAGMA secure_delete"), 2);
    assert_int_equal(query_int(store_db(st), "PRAGMA synchronous"), 2); /* FULL */
    store_close(st);
}

static void test_migrate_v2(void **state)
{
    (void)state;
    make_v2();
    char err[256];
    struct store *st = NULL;
    assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
    sqlite3 *db = store_db(st);
    assert_int_equal(query_int(db, "PRAGMA user_version"), 3);
    assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name='outbox_pending'"), 0);
    assert_int_equal(query_int(db, "PRAGMA page_size"), 4096); /* an existing database keeps its pages */
    /* Nothing pending is lost, the ids (the sender's cursor order) are unchanged. */
    assert_int_equal(query_int(db, "SELECT count(*) FROM outbox"), 3);
    assert_int_equal(query_int(db, "SELECT max(id) FROM outbox"), 3);
    assert_int_equal(query_int(db, "SELECT count(*) FROM outbox WHERE sink='kafka' AND next_attempt_ms < 1"), 2);
    assert_int_equal(query_int(db, "SELECT count(*) FROM items"), 2);
    assert_int_equal(query_int(db, "SELECT count(*) FROM feeds WHERE source='import'"), 1);
    assert_int_equal(store_item_seen(st, "i2"), 1);
    /* AUTOINCREMENT still hands out ids after the old ones. */
    exec_ok(db, "INSERT INTO outbox(sink, kind, key, event_id, payload, created_ms) VALUES('kafka', 0, 'i3', 'e4', x'7b7d', 3)");
    assert_int_equal(query_int(db, "SELECT max(id) FROM outbox"), 4);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
    sqlite3_finalize(s);
    store_close(st);
    /* Opening again is a no-op. */
    assert_int_equal(store_open(dbpath, &st, err, sizeof err), 0);
    assert_int_equal(query_int(store_db(st), "PRAGMA user_version"), 3);
    assert_int_equal(query_int(store_db(st), "SELECT count(*) FROM outbox"), 4);
    store_close(st);
}

static void test_newer_refused(void **state)
{
    (void)state;
    make_v2();
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    exec_ok(db, "PRAGMA user_version = 99");
    sqlite3_close(db);
    char err[256];
    struct store *st = NULL;
    assert_int_equal(store_open(dbpath, &st, err, sizeof err), -1);
    assert_non_null(strstr(err, "newer"));
    assert_non_null(strstr(err, dbpath));
    /* Untouched: still version 99, the index still there. */
    assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
    assert_int_equal(query_int(db, "PRAGMA user_version"), 99);
    assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name='outbox_pending'"), 1);
    sqlite3_close(db);
}

static void test_not_a_database(void **state)
{
    (void)state;
    FILE *f = fopen(dbpath, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not an SQLite database\n", f);
    fclose(f);
    char err[256];
    struct store *st = NULL;
    assert_int_equal(store_open(dbpath, &st, err, sizeof err), -1);
    assert_non_null(strstr(err, dbpath));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_is_current, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
