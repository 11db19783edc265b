/* Unit tests for daemon/pipeline.c internals (the .c is included to reach its statics): an item's
 * event list keeps every event however many claims match, and a failed event fails the item. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../daemon/pipeline.c"

static void test_events_grow_past_any_fixed_size(void **state)
{
    (void)state;
    struct pipe_events evs = {0};
    json_t *item = json_pack("{s:s}", "schema", EVENT_SCHEMA_ITEM);
    events_add(&evs, SINK_KIND_ITEMS, "item-1", "item-1", NULL, item);
    /* 1 item event + 40 claims x (claim + alert) = 81: more than the old fixed array of 64 held. */
    for (int c = 0; c < 40; c++) {
        char cid[32];
        snprintf(cid, sizeof cid, "claim-%d", c);
        json_t *ce = json_pack("{s:s, s:s}", "schema", EVENT_SCHEMA_CLAIM, "item_id", "item-1");
        events_add(&evs, SINK_KIND_CLAIMS, cid, "item-1", cid, ce);
        events_add(&evs, SINK_KIND_ALERTS, cid, "item-1", cid, ce);
        json_decref(ce);
    }
    json_decref(item);
    assert_false(evs.failed);
    assert_int_equal(evs.n, 81);
    /* Every event is whole and its id deterministic and distinct (kind and claim are in the id). */
    for (size_t i = 0; i < evs.n; i++) {
        assert_string_equal(evs.ev[i].payload, evs.own[i].payload);
        assert_int_equal(evs.ev[i].len, strlen(evs.ev[i].payload));
        assert_int_equal(strlen(evs.ev[i].event_id), 32);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(evs.ev[i].event_id, evs.ev[j].event_id);
    }
    assert_string_equal(evs.ev[80].key, "claim-39");
    assert_int_equal(evs.ev[80].kind, SINK_KIND_ALERTS);
    assert_non_null(strstr(evs.ev[80].payload, evs.ev[80].event_id));
    char again[33];
    event_id("item-1", "alerts", "claim-39", again);
    assert_string_equal(evs.ev[80].event_id, again);
    events_free(&evs);
    assert_int_equal(evs.n, 0);
}

static void test_missing_event_fails_the_item(void **state)
{
    (void)state;
    struct pipe_events evs = {0};
    json_t *item = json_pack("{s:s}", "schema", EVENT_SCHEMA_ITEM);
    events_add(&evs, SINK_KIND_ITEMS, "item-2", "item-2", NULL, item);
    events_add(&evs, SINK_KIND_CLAIMS, "claim-x", "item-2", "claim-x", NULL); /* could not be built */
    assert_true(evs.failed);
    assert_int_equal(evs.n, 1);
    json_decref(item);
    events_free(&evs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_grow_past_any_fixed_size),
        cmocka_unit_test(test_missing_event_fails_the_item),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
