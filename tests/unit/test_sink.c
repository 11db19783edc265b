/* Unit tests for sinks/: the type table, the file sink (lines, fsync policies, rotation, config
 * errors), the Kafka sink's configuration (property errors name the property, secrets from a
 * file or the environment, topics per kind, the size limit) and its error classification. */
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

#include "../../sinks/sink_kafka.c"

struct reports {
    int delivered, retriable, permanent;
    int64_t last;
};

static void on_report(void *ctx, int64_t opaque, enum sink_status st, const char *reason)
{
    (void)reason;
    struct reports *r = ctx;
    r->last = opaque;
    if (st == SINK_DELIVERED)
        r->delivered++;
    else if (st == SINK_FAILED_RETRIABLE)
        r->retriable++;
    else
        r->permanent++;
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static void test_kinds(void **state)
{
    (void)state;
    for (int k = 0; k < SINK_KIND_COUNT; k++)
        assert_int_equal(sink_kind_from_name(sink_kind_name((enum sink_kind)k)), k);
    assert_int_equal(sink_kind_from_name("nope"), -1);
    int found = 0;
    for (size_t i = 0; sink_types[i] != NULL; i++)
        found += strcmp(sink_types[i]->name, "kafka") == 0 || strcmp(sink_types[i]->name, "file") == 0 ||
                 strcmp(sink_types[i]->name, "stdout") == 0;
    assert_int_equal(found, 3);
    char err[256];
    struct sink *s = NULL;
    assert_int_equal(sink_create("carrier-pigeon", "x", NULL, on_report, NULL, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "carrier-pigeon"));
}

static void test_file_sink(void **state)
{
    (void)state;
    char path[128], p1[160], p2[160];
    snprintf(path, sizeof path, "/tmp/cw-test-sink-%d.jsonl", (int)getpid());
    snprintf(p1, sizeof p1, "%s.1", path);
    snprintf(p2, sizeof p2, "%s.2", path);
    unlink(path);
    unlink(p1);
    unlink(p2);
    json_t *conf = json_pack("{s:s, s:s, s:s, s:i, s:i}", "type", "file", "path", path, "fsync", "batch",
                             "rotate_bytes", 250, "rotate_keep", 2);
    struct reports r = {0};
    struct sink *s = NULL;
    char err[256];
    assert_int_equal(sink_create("file", "f", conf, on_report, &r, &s, err, sizeof err), 0);
    char line[100];
    memset(line, 'a', sizeof line);
    for (int i = 0; i < 7; i++) {
        struct sink_msg m = {.kind = SINK_KIND_ITEMS, .key = "k", .keylen = 1, .payload = line, .len = 99,
                             .event_id = "e", .opaque = i + 1};
        assert_int_equal(sink_publish(s, &m), SINK_OK);
    }
    assert_int_equal(sink_poll(s, 0), 7);
    assert_int_equal(r.delivered, 7);
    assert_int_equal(r.last, 7);
    assert_int_equal(sink_flush(s, 10), 0);
    sink_destroy(s);
    json_decref(conf);
    /* 100-byte lines, 250-byte files: two per file; the oldest beyond rotate_keep is gone. */
    assert_int_equal(count_lines(path), 1);
    assert_int_equal(count_lines(p1), 2);
    assert_int_equal(count_lines(p2), 2);
    unlink(path);
    unlink(p1);
    unlink(p2);
}

static void test_file_sink_errors(void **state)
{
    (void)state;
    char err[256];
    struct sink *s = NULL;
    json_t *c1 = json_pack("{s:s}", "fsync", "always");
    assert_int_equal(sink_create("file", "f", c1, on_report, NULL, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "\"path\" is required"));
    json_t *c2 = json_pack("{s:s, s:s}", "path", "/tmp/x", "fsync", "sometimes");
    assert_int_equal(sink_create("file", "f", c2, on_report, NULL, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "sometimes"));
    json_t *c3 = json_pack("{s:s, s:i}", "path", "/tmp/x", "rotate_size", 5);
    assert_int_equal(sink_create("file", "f", c3, on_report, NULL, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "rotate_size"));
    json_t *c4 = json_pack("{s:s}", "path", "/nonexistent-dir/x.jsonl");
    assert_int_equal(sink_create("file", "f", c4, on_report, NULL, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent-dir/x.jsonl"));
    json_decref(c1);
    json_decref(c2);
    json_decref(c3);
    json_decref(c4);
}

static void test_kafka_resolve(void **state)
{
    (void)state;
    char err[256];
    setenv("CW_TEST_SECRET", "hunter2", 1);
    char *v = kafka_resolve("k", "sasl.password", "${CW_TEST_SECRET}", err, sizeof err);
    assert_string_equal(v, "hunter2");
    free(v);
    v = kafka_resolve("k", "sasl.password", "${CW_TEST_NO_SUCH_VAR}", err, sizeof err);
    assert_null(v);
    assert_non_null(strstr(err, "CW_TEST_NO_SUCH_VAR"));
    assert_non_null(strstr(err, "sasl.password"));
    char path[128];
    snprintf(path, sizeof path, "/tmp/cw-test-secret-%d", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs("s3cret\n", f);
    fclose(f);
    char ref[160];
    snprintf(ref, sizeof ref, "@%s", path);
    v = kafka_resolve("k", "ssl.key.password", ref, err, sizeof err);
    assert_string_equal(v, "s3cret");
    free(v);
    unlink(path);
    v = kafka_resolve("k", "ssl.key.password", ref, err, sizeof err);
    assert_null(v);
    assert_non_null(strstr(err, "ssl.key.password"));
    assert_null(strstr(err, "s3cret"));
    v = kafka_resolve("k", "client.id", "@@literal", err, sizeof err);
    assert_string_equal(v, "@literal");
    free(v);
}

static void test_kafka_config(void **state)
{
    (void)state;
    char err[512];
    struct sink *s = NULL;
    json_t *bad = json_pack("{s:s, s:{s:s, s:s}}", "type", "kafka", "rdkafka", "bootstrap.servers", "127.0.0.1:1",
                            "no.such.property", "1");
    assert_int_equal(sink_create("kafka", "k", bad, on_report, NULL, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "\"no.such.property\""));
    json_decref(bad);
    bad = json_pack("{s:{s:s}}", "rdkafka", "acks", "sometimes");
    assert_int_equal(sink_create("kafka", "k", bad, on_report, NULL, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "\"acks\""));
    json_decref(bad);
    bad = json_pack("{s:{s:s}}", "topics", "gossip", "x");
    assert_int_equal(sink_create("kafka", "k", bad, on_report, NULL, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "topics.gossip"));
    json_decref(bad);

    setenv("CW_TEST_SECRET", "hunter2", 1);
    json_t *good = json_pack("{s:s, s:i, s:{s:s, s:i, s:s, s:b, s:i}, s:{s:s}}", "type", "kafka",
                             "metadata_timeout_ms", 0, "rdkafka", "bootstrap.servers", "127.0.0.1:1",
                             "message.max.bytes", 100000, "sasl.password", "${CW_TEST_SECRET}", "enable.idempotence",
                             1, "statistics.interval.ms", 100, "topics", "claims", "my.claims");
    struct reports r = {0};
    assert_int_equal(sink_create("kafka", "k", good, on_report, &r, &s, err, sizeof err), 0);
    struct kafka_sink *ks = s->impl;
    assert_string_equal(ks->topics[SINK_KIND_CLAIMS], "my.claims");
    assert_string_equal(ks->topics[SINK_KIND_ITEMS], "claimwatch.items");
    char val[64];
    size_t vlen = sizeof val;
    assert_int_equal(rd_kafka_conf_get(ks->tmpl, "sasl.password", val, &vlen), RD_KAFKA_CONF_OK);
    assert_string_equal(val, "hunter2");
    vlen = sizeof val;
    assert_int_equal(rd_kafka_conf_get(ks->tmpl, "compression.type", val, &vlen), RD_KAFKA_CONF_OK);
    assert_string_equal(val, "lz4");
    assert_true(s->max_message_bytes > 90000 && s->max_message_bytes < 100000);
    /* Too large: refused before librdkafka sees it. */
    static char big[100000];
    struct sink_msg m = {.kind = SINK_KIND_ITEMS, .key = "k", .keylen = 1, .payload = big, .len = sizeof big,
                         .event_id = "e", .opaque = 1};
    assert_int_equal(sink_publish(s, &m), SINK_ERROR);
    /* A small one is queued (no broker: it stays in flight) and purged without a report. */
    m.len = 10;
    assert_int_equal(sink_publish(s, &m), SINK_OK);
    /* librdkafka's statistics reach the metrics: one message waiting in its queue. */
    struct metric *queued = metric_gauge("claimwatch_kafka_queue_messages", "sink=\"k\"", NULL);
    for (int i = 0; i < 40 && metric_value(queued) != 1; i++)
        sink_poll(s, 50);
    assert_true(metric_value(queued) == 1);
    assert_int_equal(sink_flush(s, 10), 1);
    sink_purge(s);
    sink_poll(s, 0);
    assert_int_equal(r.delivered + r.retriable + r.permanent, 0);
    sink_destroy(s);
    json_decref(good);
}

static void test_kafka_errors(void **state)
{
    (void)state;
    assert_true(kafka_err_permanent(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE));
    assert_true(kafka_err_permanent(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED));
    assert_true(kafka_err_permanent(RD_KAFKA_RESP_ERR_INVALID_RECORD));
    assert_true(kafka_err_permanent(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC));
    assert_false(kafka_err_permanent(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT));
    assert_false(kafka_err_permanent(RD_KAFKA_RESP_ERR__TRANSPORT));
    assert_false(kafka_err_permanent(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS));
    assert_false(kafka_err_permanent(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT));
    assert_false(kafka_err_permanent(RD_KAFKA_RESP_ERR__PURGE_QUEUE));
    assert_true(kafka_prop_secret("sasl.password"));
    assert_true(kafka_prop_secret("sasl.oauthbearer.client.secret"));
    assert_false(kafka_prop_secret("bootstrap.servers"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_file_sink),
        cmocka_unit_test(test_file_sink_errors),
        cmocka_unit_test(test_kafka_resolve),
        cmocka_unit_test(test_kafka_config),
        cmocka_unit_test(test_kafka_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
