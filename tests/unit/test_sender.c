/* Unit tests for daemon/sender.c against a scriptable in-memory sink: delete only on success,
 * backpressure, retriable failures back to pending, permanent failures and oversized events to
 * dead-letter with the reason, purge on stop leaves rows pending. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cw_util.h"
#include "daemon/outbox.h"
#include "daemon/sender.h"
#include "daemon/store.h"

#define MEM_MAX 4096

/* What the memory sink does; reset per test. */
struct mem {
    int accept_per_pump;   /* publish returns RETRY after this many per poll cycle (0 = unlimited) */
    int fail_first;        /* first report of each row is retriable */
    const char *permanent_key; /* rows with this key are refused for good */
    const char *refuse_key; /* rows with this key are refused at publish, with a reason */
    int hold;              /* do not report (in flight until purge) */
    int64_t pending[MEM_MAX];
    int npending, accepted_cycle;
    int64_t seen[MEM_MAX]; /* opaques that already failed once */
    int nseen;
    int published, dead_letters;
    char last_dl[8192];
    char keys[MEM_MAX][32];
};
static struct mem mem;

static enum sink_result mem_publish(struct sink *s, const struct sink_msg *m)
{
    if (mem.accept_per_pump && mem.accepted_cycle >= mem.accept_per_pump)
        return SINK_RETRY;
    if (mem.refuse_key && m->kind != SINK_KIND_DEAD_LETTER && m->keylen == strlen(mem.refuse_key) &&
        memcmp(m->key, mem.refuse_key, m->keylen) == 0) {
        snprintf(s->last_error, sizeof s->last_error, "test: refused at publish");
        return SINK_ERROR;
    }
    assert_true(mem.npending < MEM_MAX);
    snprintf(mem.keys[mem.npending], sizeof mem.keys[0], "%.*s", (int)m->keylen, m->key);
    mem.pending[mem.npending++] = m->opaque;
    mem.accepted_cycle++;
    mem.published++;
    if (m->kind == SINK_KIND_DEAD_LETTER) {
        mem.dead_letters++;
        snprintf(mem.last_dl, sizeof mem.last_dl, "%.*s", (int)m->len, m->payload);
        assert_string_equal(m->schema, "claimwatch.dead-letter.v1");
    }
    return SINK_OK;
}

static int mem_poll(struct sink *s, int timeout_ms)
{
    (void)timeout_ms;
    mem.accepted_cycle = 0;
    if (mem.hold)
        return 0;
    int n = mem.npending;
    int64_t ids[MEM_MAX];
    char keys[MEM_MAX][32];
    memcpy(ids, mem.pending, (size_t)n * sizeof ids[0]);
    memcpy(keys, mem.keys, (size_t)n * sizeof keys[0]);
    mem.npending = 0;
    for (int i = 0; i < n; i++) {
        int failed_before = 0;
        for (int k = 0; k < mem.nseen; k++)
            failed_before |= mem.seen[k] == ids[i];
        if (mem.permanent_key && strcmp(keys[i], mem.permanent_key) == 0 && !failed_before) {
            mem.seen[mem.nseen++] = ids[i];
            s->report(s->report_ctx, ids[i], SINK_FAILED_PERMANENT, "test: refused for good");
        } else if (mem.fail_first && !failed_before) {
            mem.seen[mem.nseen++] = ids[i];
            s->report(s->report_ctx, ids[i], SINK_FAILED_RETRIABLE, "test: timed out");
        } else {
            s->report(s->report_ctx, ids[i], SINK_DELIVERED, NULL);
        }
    }
    return n;
}

static int mem_flush(struct sink *s, int timeout_ms)
{
    mem_poll(s, timeout_ms);
    return mem.npending;
}

static void mem_purge(struct sink *s)
{
    (void)s;
    mem.npending = 0;
}

static const struct sink_ops mem_ops = {
    .name = "mem", .publish = mem_publish, .poll = mem_poll, .flush = mem_flush, .purge = mem_purge,
};

struct fixture {
    struct store *st;
    struct sender *snd;
    struct sink sink;
    char path[256];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    memset(&mem, 0, sizeof mem);
    snprintf(f->path, sizeof f->path, "/tmp/cw-test-sender-%d.db", (int)getpid());
    unlink(f->path);
    char err[256];
    if (store_open(f->path, &f->st, err, sizeof err) != 0)
        return -1;
    struct sender_opts o = {.max_in_flight = 50, .retry_min_ms = 10, .retry_max_ms = 40};
    f->snd = sender_create(f->st, &o);
    f->sink = (struct sink){.ops = &mem_ops, .name = "mem", .report = sender_report, .report_ctx = f->snd};
    sender_attach(f->snd, &f->sink);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sender_destroy(f->snd);
    store_close(f->st);
    char p[300];
    unlink(f->path);
    snprintf(p, sizeof p, "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", f->path);
    unlink(p);
    free(f);
    return 0;
}

static void accept_n(struct store *st, int n, size_t size)
{
    static const char *const sinks[] = {"mem"};
    char *payload = malloc(size + 1);
    memset(payload, 'x', size);
    payload[0] = '"';
    payload[size - 1] = '"';
    payload[size] = '\0';
    for (int i = 0; i < n; i++) {
        char id[32], ev[32];
        snprintf(id, sizeof id, "item-%d", i);
        snprintf(ev, sizeof ev, "ev-%d", i);
        struct outbox_item it = {.id = id};
        struct outbox_event e = {SINK_KIND_ITEMS, id, ev, payload, size};
        assert_int_equal(outbox_accept(st, &it, &e, 1, sinks, 1), 0);
    }
    free(payload);
}

static void test_delivers_and_deletes(void **state)
{
    struct fixture *f = *state;
    accept_n(f->st, 120, 16);
    /* Window of 50: the first pump publishes at most 50. */
    int n = sender_pump(f->snd, 0);
    assert_true(n > 0 && n <= 50);
    assert_int_equal(sender_drain(f->snd, cw_now_ms() + 5000), 0);
    uint64_t d, r, x;
    sender_stats(f->snd, &d, &r, &x);
    assert_int_equal(d, 120);
    assert_int_equal(r, 0);
    assert_int_equal(x, 0);
    assert_int_equal(mem.published, 120); /* each exactly once */
    assert_int_equal(outbox_backlog(f->st, NULL), 0);
}

static void test_backpressure(void **state)
{
    struct fixture *f = *state;
    mem.accept_per_pump = 7;
    accept_n(f->st, 100, 16);
    assert_int_equal(sender_pump(f->snd, 0), 7);
    assert_int_equal(sender_drain(f->snd, cw_now_ms() + 5000), 0);
    assert_int_equal(mem.published, 100);
}

static void test_retriable(void **state)
{
    struct fixture *f = *state;
    mem.fail_first = 1;
    accept_n(f->st, 30, 16);
    sender_pump(f->snd, 0);
    sender_pump(f->snd, 0); /* reports: all failed once */
    sqlite3_stmt *s = NULL;
    sqlite3_prepare_v2(store_db(f->st), "SELECT count(*) FROM outbox WHERE attempts=1 AND last_error LIKE 'test:%'", -1,
                       &s, NULL);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 30);
    sqlite3_finalize(s);
    assert_int_equal(sender_drain(f->snd, cw_now_ms() + 5000), 0);
    uint64_t d, r, x;
    sender_stats(f->snd, &d, &r, &x);
    assert_int_equal(d, 30);
    assert_int_equal(r, 30);
    assert_int_equal(mem.published, 60);
}

static void test_permanent_dead_letter(void **state)
{
    struct fixture *f = *state;
    mem.permanent_key = "item-3";
    accept_n(f->st, 10, 16);
    assert_int_equal(sender_drain(f->snd, cw_now_ms() + 5000), 0);
    uint64_t d, r, x;
    sender_stats(f->snd, &d, &r, &x);
    assert_int_equal(x, 1);
    assert_int_equal(d, 10); /* 9 items + the dead letter */
    assert_int_equal(mem.dead_letters, 1);
    json_t *o = json_loads(mem.last_dl, 0, NULL);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "test: refused for good");
    assert_string_equal(json_string_value(json_object_get(o, "event_id")), "ev-3");
    assert_string_equal(json_string_value(json_object_get(o, "key")), "item-3");
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "items");
    assert_non_null(json_object_get(o, "event"));
    json_decref(o);
}

static void test_too_large(void **state)
{
    struct fixture *f = *state;
    f->sink.max_message_bytes = 4096;
    accept_n(f->st, 3, 10000);
    assert_int_equal(sender_drain(f->snd, cw_now_ms() + 5000), 0);
    assert_int_equal(mem.dead_letters, 3);
    json_t *o = json_loads(mem.last_dl, 0, NULL);
    assert_non_null(o);
    assert_non_null(strstr(json_string_value(json_object_get(o, "reason")), "before sending"));
    assert_int_equal(json_integer_value(json_object_get(o, "event_bytes")), 10000);
    assert_int_equal(json_string_length(json_object_get(o, "event_prefix")), 1024);
    assert_true(strlen(mem.last_dl) < 4096);
    json_decref(o);
}

/* A sink that refuses a message at publish says why; the dead letter carries that reason and
 * the next refusal without one falls back to the generic reason. */
static void test_refused_with_reason(void **state)
{
    struct fixture *f = *state;
    mem.refuse_key = "item-2";
    accept_n(f->st, 5, 16);
    assert_int_equal(sender_drain(f->snd, cw_now_ms() + 5000), 0);
    assert_int_equal(mem.dead_letters, 1);
    json_t *o = json_loads(mem.last_dl, 0, NULL);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "test: refused at publish");
    assert_string_equal(json_string_value(json_object_get(o, "key")), "item-2");
    json_decref(o);
    assert_string_equal(f->sink.last_error, "");
}

static void test_stop_keeps_pending(void **state)
{
    struct fixture *f = *state;
    mem.hold = 1;
    accept_n(f->st, 20, 16);
    assert_int_equal(sender_pump(f->snd, 0), 20);
    assert_int_equal(sender_in_flight(f->snd), 20);
    sender_stop(f->snd, cw_now_ms() + 10);
    assert_int_equal(sender_in_flight(f->snd), 0);
    assert_int_equal(outbox_backlog(f->st, NULL), 20);
    /* The next start sends them. */
    mem.hold = 0;
    assert_int_equal(sender_drain(f->snd, cw_now_ms() + 5000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delivers_and_deletes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retriable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permanent_dead_letter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_with_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_keeps_pending, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
