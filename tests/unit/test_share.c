/* Unit tests for daemon/share.c: the partition function (it decides which daemon polls a feed, so
 * its values must never change: every daemon of a group, on any machine or version, must agree),
 * and the consumer's configuration (share_rdkafka reaches it, our own settings cannot be changed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/share.c"

/* Kafka's own reference values for its murmur2 (the Java client's tests), as the default
 * partitioner makes them positive (& 0x7fffffff). With INT32_MAX partitions the modulo keeps the
 * hash itself, so these pin the hash, not only the split. */
static void test_kafka_reference_values(void **state)
{
    (void)state;
    static const struct {
        const char *key;
        int32_t positive;
    } ref[] = {
        {"21", 1173551340},                     /* -973932308 */
        {"foobar", 1357151166},                 /* -790332482 */
        {"a-little-bit-long-string", 1161502112},   /* -985981536 */
        {"a-little-bit-longer-string", 661178819},  /* -1486304829 */
        {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 2088585677}, /* -58897971 */
        {"abc", 479470107},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++)
        assert_int_equal(share_partition(ref[i].key, INT32_MAX), ref[i].positive);
}

/* Fixed feeds, fixed partitions: a change here moves feeds between daemons on upgrade. */
static void test_stable_values(void **state)
{
    (void)state;
    assert_int_equal(share_partition("https://www.reuters.com/world/rss", 12), 10);
    assert_int_equal(share_partition("https://feeds.bbci.co.uk/news/world/rss.xml", 12), 2);
    assert_int_equal(share_partition("http://127.0.0.1:8080/feed/0.xml", 12), 3);
    assert_int_equal(share_partition("https://example.org/a", 12), 8);
    assert_int_equal(share_partition("https://www.reuters.com/world/rss", 4), 2);
    assert_int_equal(share_partition("https://example.org/a", 4), 0);
    assert_int_equal(share_partition("https://example.org/a", 1), 0);
}

/* The same function as librdkafka's murmur2 partitioner (written independently of it), on the
 * kind of keys we hash: so "the partition Kafka gives a message keyed by the URL" holds. */
static void test_same_as_librdkafka(void **state)
{
    (void)state;
    char url[128];
    for (int i = 0; i < 2000; i++) {
        snprintf(url, sizeof url, "https://site%d.example/%.*s/feed.xml?x=%d", i % 37, i % 9 + 1, "abcdefghij", i);
        for (int32_t n = 1; n <= 64; n *= 4)
            assert_int_equal(share_partition(url, n),
                             rd_kafka_msg_partitioner_murmur2(NULL, url, strlen(url), n, NULL, NULL));
    }
}

/* Every feed lands in exactly one partition in [0, P), always the same, and the feeds spread
 * roughly evenly (each of 12 partitions gets 60% to 140% of its fair share of 2400 URLs). */
static void test_range_and_spread(void **state)
{
    (void)state;
    enum { P = 12, N = 2400 };
    int count[P] = {0};
    char url[128];
    for (int i = 0; i < N; i++) {
        snprintf(url, sizeof url, "https://news%d.example.org/rss/section-%d.xml", i / 10, i % 10);
        int32_t p = share_partition(url, P);
        assert_true(p >= 0 && p < P);
        assert_int_equal(share_partition(url, P), p);
        count[p]++;
    }
    int total = 0;
    for (int p = 0; p < P; p++) {
        assert_in_range(count[p], N / P * 6 / 10, N / P * 14 / 10);
        total += count[p];
    }
    assert_int_equal(total, N);
}

/* No share (not shared, or not created): share_owns never claims a feed. */
static void test_owns_without_share(void **state)
{
    (void)state;
    assert_int_equal(share_owns(NULL, "https://example.org/a"), 0);
    assert_int_equal(share_owned_count(NULL), 0);
    share_destroy(NULL);
}

/* What share_rdkafka may not set: share.c's own settings, our identity, static membership. */
static void test_prop_fixed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof share_settings / sizeof share_settings[0]; i++)
        assert_true(share_prop_fixed(share_settings[i][0]));
    assert_true(share_prop_fixed("group.id"));
    assert_true(share_prop_fixed("client.id"));
    assert_true(share_prop_fixed("group.instance.id"));
    assert_true(share_prop_fixed("auto.commit.enable"));
    assert_false(share_prop_fixed("session.timeout.ms"));
    assert_false(share_prop_fixed("heartbeat.interval.ms"));
    assert_false(share_prop_fixed("group.id.x"));
    assert_false(share_prop_fixed("bootstrap.servers"));
}

/* A shared config whose kafka sink reaches bootstraps, with rk as its share_rdkafka (taken). */
static struct cfg *share_cfg(const char *bootstraps, json_t *rk)
{
    struct cfg *c = cfg_default();
    assert_non_null(c);
    free(c->share_group);
    c->share_group = strdup("cw-unit");
    free(c->sinks[0].type);
    c->sinks[0].type = strdup("kafka");
    json_decref(c->sinks[0].conf);
    c->sinks[0].conf = json_pack("{s:s, s:{s:s}}", "type", "kafka", "rdkafka", "bootstrap.servers", bootstraps);
    json_decref(c->share_rdkafka);
    c->share_rdkafka = rk;
    return c;
}

static void assert_prop(rd_kafka_t *rk, const char *prop, const char *want)
{
    char v[256];
    size_t n = sizeof v;
    assert_int_equal(rd_kafka_conf_get(rd_kafka_conf(rk), prop, v, &n), RD_KAFKA_CONF_OK);
    assert_string_equal(v, want);
}

/* The consumer gets the operator's group timing on top of the sink's connection, and our own
 * settings after it. A value only resolvable at start (an unset ${VAR}) fails share_create with
 * the property named. Runs against librdkafka's mock cluster in this process. */
static void test_share_rdkafka_reaches_consumer(void **state)
{
    (void)state;
    char err[512];
    rd_kafka_conf_t *mconf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(mconf, "log_level", "3", err, sizeof err), RD_KAFKA_CONF_OK);
    rd_kafka_t *mrk = rd_kafka_new(RD_KAFKA_PRODUCER, mconf, err, sizeof err);
    assert_non_null(mrk);
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(mrk, 1);
    assert_non_null(mc);
    assert_int_equal(rd_kafka_mock_topic_create(mc, "claimwatch.feeds", 3, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    const char *boot = rd_kafka_mock_cluster_bootstraps(mc);

    struct cfg *c = share_cfg(boot, json_pack("{s:i, s:s}", "session.timeout.ms", 6000, "heartbeat.interval.ms",
                                              "1500"));
    struct share *s = NULL;
    assert_int_equal(share_create(c, 10000, NULL, NULL, &s, err, sizeof err), 0);
    assert_prop(s->rk, "session.timeout.ms", "6000");
    assert_prop(s->rk, "heartbeat.interval.ms", "1500");
    assert_prop(s->rk, "group.id", "cw-unit");
    assert_prop(s->rk, "client.id", "claimwatch");
    assert_prop(s->rk, "partition.assignment.strategy", "roundrobin");
    assert_prop(s->rk, "enable.auto.commit", "false");
    assert_int_equal(s->nparts, 3);
    share_destroy(s);
    cfg_destroy(c);

    c = share_cfg(boot, json_pack("{s:s}", "sasl.username", "${CW_TEST_NO_SUCH_VAR}"));
    s = NULL;
    assert_int_equal(share_create(c, 10000, NULL, NULL, &s, err, sizeof err), -1);
    assert_null(s);
    assert_non_null(strstr(err, "share_rdkafka: rdkafka property \"sasl.username\""));
    cfg_destroy(c);

    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(mrk);
    assert_int_equal(rd_kafka_wait_destroyed(10000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kafka_reference_values),
        cmocka_unit_test(test_stable_values),
        cmocka_unit_test(test_same_as_librdkafka),
        cmocka_unit_test(test_range_and_spread),
        cmocka_unit_test(test_owns_without_share),
        cmocka_unit_test(test_prop_fixed),
        cmocka_unit_test(test_share_rdkafka_reaches_consumer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
