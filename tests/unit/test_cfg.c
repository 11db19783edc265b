/* Unit tests for config/cfg.c: defaults, relative paths, and errors that name file:line:column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/cfg.h"

static char tmpdir[] = "/tmp/cw-cfg-XXXXXX";

static char *write_cfg(const char *name, const char *text)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Each of want[] is in some error about path (they start "path:line:column: "). */
static void assert_errors(const struct cw_strv *errors, const char *path, const char *const *want, size_t nwant)
{
    for (size_t w = 0; w < nwant; w++) {
        int found = 0;
        for (size_t i = 0; i < errors->n; i++)
            if (strstr(errors->v[i], want[w]) && strncmp(errors->v[i], path, strlen(path)) == 0)
                found = 1;
        if (!found) {
            for (size_t i = 0; i < errors->n; i++)
                fprintf(stderr, "got: %s\n", errors->v[i]);
            fail_msg("missing error %s", want[w]);
        }
    }
}

/* A config that fails to load with exactly one error, which contains want. */
static void assert_one_error(const char *name, const char *text, const char *want)
{
    char *path = write_cfg(name, text);
    struct cfg *c = NULL;
    struct cw_strv errors = {0};
    assert_int_equal(cfg_load(path, &c, &errors), -1);
    assert_int_equal(errors.n, 1);
    if (strstr(errors.v[0], want) == NULL)
        fail_msg("got \"%s\", want \"%s\"", errors.v[0], want);
    cw_strv_free(&errors);
    free(path);
}

static void test_defaults_and_paths(void **state)
{
    (void)state;
    char *claims = write_cfg("claims.json", "[]");
    char *path = write_cfg("ok.json", "{\"state_dir\": \"state\", \"claims\": [\"claims.json\"],\n"
                                      " \"feeds\": [\"https://example.org/rss\", {\"url\": \"feed.xml\","
                                      " \"fetch_articles\": true}],\n \"fetch\": {\"allow_file\": true}}\n");
    struct cfg *c = NULL;
    struct cw_strv errors = {0};
    assert_int_equal(cfg_load(path, &c, &errors), 0);
    assert_int_equal(errors.n, 0);
    assert_int_equal(c->nfeeds, 2);
    assert_string_equal(c->feeds[0].url, "https://example.org/rss");
    assert_int_equal(c->feeds[0].fetch_articles, 0);
    assert_non_null(strstr(c->feeds[1].url, "file:///"));
    assert_non_null(strstr(c->feeds[1].url, "/feed.xml"));
    assert_int_equal(c->feeds[1].fetch_articles, 1);
    assert_int_equal(c->fetch.interval_s, 900);
    assert_int_equal(c->fetch.per_host, 2);
    assert_int_equal(c->fetch.max_redirects, 5);
    assert_int_equal(c->nsinks, 1); /* no sinks: stdout */
    assert_string_equal(c->sinks[0].type, "stdout");
    assert_string_equal(c->topics[SINK_KIND_ITEMS], "claimwatch.items");
    assert_true(c->claims_min_score == 0);
    assert_string_equal(c->share_group, ""); /* not shared: every feed is this daemon's */
    assert_string_equal(c->share_topic, "claimwatch.feeds");
    assert_int_equal(c->claims.n, 1);
    assert_string_equal(c->claims.v[0], claims);
    assert_non_null(strstr(c->state_dir, tmpdir));
    json_t *dump = cfg_dump(c);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(dump, "fetch"), "per_host")), 2);
    json_decref(dump);
    cfg_destroy(c);
    free(path);
    char *scored = write_cfg("scored.json", "{\"claims_min_score\": 0.6}");
    assert_int_equal(cfg_load(scored, &c, &errors), 0);
    assert_true(c->claims_min_score == 0.6);
    dump = cfg_dump(c);
    assert_true(json_real_value(json_object_get(dump, "claims_min_score")) == 0.6);
    json_decref(dump);
    cfg_destroy(c);
    free(scored);
    free(claims);
}

static void test_errors_name_positions(void **state)
{
    (void)state;
    char *path = write_cfg("bad.json", "{\n  \"feeds\": [{\"url\": \"https://a.example/\", \"intervl\": 5}],\n"
                                       "  \"fetch\": {\"per_host\": \"two\", \"timeout_ms\": 1},\n"
                                       "  \"sinks\": [{\"type\": \"carrier-pigeon\"}],\n"
                                       "  \"topics\": {\"itemz\": \"x\"},\n"
                                       "  \"claims\": [\"missing.json\"],\n  \"bogus\": true,\n"
                                       "  \"claims_min_score\": 1.5\n}\n");
    struct cfg *c = NULL;
    struct cw_strv errors = {0};
    assert_int_equal(cfg_load(path, &c, &errors), -1);
    assert_null(c);
    const char *want[] = {":2:43: unknown key \"intervl\"", ":3:13: \"per_host\" must be an integer",
                          ":3:32: \"timeout_ms\" must be between", ":4:14: unknown sink type \"carrier-pigeon\"",
                          ":5:14: unknown event kind \"itemz\"", ":6:14: claim-set file",
                          ":7:3: unknown key \"bogus\"",
                          ":8:3: \"claims_min_score\" must be a number from 0 to 1"};
    assert_errors(&errors, path, want, sizeof want / sizeof want[0]);
    cw_strv_free(&errors);
    free(path);
}

static void test_syntax_error_and_file_feed_guard(void **state)
{
    (void)state;
    struct cfg *c = NULL;
    struct cw_strv errors = {0};
    assert_one_error("syntax.json", "{\n  \"feeds\": [\n", "syntax.json:");
    assert_one_error("file.json", "{\"feeds\": [\"feed.xml\"]}", "allow_file");

    assert_int_equal(cfg_load("/nonexistent/claimwatch.json", &c, &errors), -1);
    assert_non_null(strstr(errors.v[0], "/nonexistent/claimwatch.json"));
    cw_strv_free(&errors);
}

/* share_group needs brokers, and they come from a kafka sink's rdkafka object. */
static void test_share_keys(void **state)
{
    (void)state;
    struct cfg *c = NULL;
    struct cw_strv errors = {0};
    char *ok = write_cfg("share.json", "{\"instance\": \"cw-a\", \"share_group\": \"news\",\n"
                                       " \"share_topic\": \"cw.shares\",\n"
                                       " \"sinks\": [{\"type\": \"stdout\"}, {\"type\": \"kafka\", \"name\": \"k1\","
                                       " \"rdkafka\": {\"bootstrap.servers\": \"b1:9092\"}}]}\n");
    assert_int_equal(cfg_load(ok, &c, &errors), 0);
    assert_string_equal(c->share_group, "news");
    assert_string_equal(c->share_topic, "cw.shares");
    const char *sink = NULL;
    const json_t *rk = cfg_kafka_brokers(c, &sink);
    assert_non_null(rk);
    assert_string_equal(sink, "k1");
    assert_string_equal(json_string_value(json_object_get(rk, "bootstrap.servers")), "b1:9092");
    json_t *dump = cfg_dump(c);
    assert_string_equal(json_string_value(json_object_get(dump, "share_group")), "news");
    json_decref(dump);
    cfg_destroy(c);
    free(ok);

    char *nobrokers = write_cfg("share-bad.json", "{\"share_group\": \"news\",\n"
                                                  " \"sinks\": [{\"type\": \"kafka\", \"rdkafka\": {\"bootstrap.servers\": \"\"}}],\n"
                                                  " \"share_topic\": \"\", \"instance\": \"\"}\n");
    assert_int_equal(cfg_load(nobrokers, &c, &errors), -1);
    const char *want[] = {":1:2: \"share_group\" is set but no kafka sink names its brokers",
                          ":3:2: \"share_topic\" must name a topic", ":3:21: \"instance\" must not be empty"};
    assert_errors(&errors, nobrokers, want, sizeof want / sizeof want[0]);
    cw_strv_free(&errors);
    free(nobrokers);

    char *wrongtype = write_cfg("share-type.json", "{\"share_group\": 7}");
    assert_int_equal(cfg_load(wrongtype, &c, &errors), -1);
    assert_non_null(strstr(errors.v[0], "\"share_group\" must be a string"));
    cw_strv_free(&errors);
    free(wrongtype);
}

/* share_rdkafka: the share consumer's own librdkafka properties (group timing). Each is checked
 * by librdkafka at load, and what share.c sets itself is refused, with file:line:column. */
static void test_share_rdkafka(void **state)
{
    (void)state;
    struct cfg *c = NULL;
    struct cw_strv errors = {0};
    char *def = write_cfg("share-rk-default.json", "{}");
    assert_int_equal(cfg_load(def, &c, &errors), 0);
    assert_true(json_is_object(c->share_rdkafka));
    assert_int_equal(json_object_size(c->share_rdkafka), 0);
    json_t *dump = cfg_dump(c);
    assert_true(json_is_object(json_object_get(dump, "share_rdkafka")));
    json_decref(dump);
    cfg_destroy(c);
    free(def);

    char *ok = write_cfg("share-rk.json", "{\"share_rdkafka\": {\"session.timeout.ms\": 6000,\n"
                                          " \"heartbeat.interval.ms\": \"1500\", \"debug\": \"cgrp\"}}\n");
    assert_int_equal(cfg_load(ok, &c, &errors), 0);
    assert_int_equal(json_integer_value(json_object_get(c->share_rdkafka, "session.timeout.ms")), 6000);
    assert_string_equal(json_string_value(json_object_get(c->share_rdkafka, "heartbeat.interval.ms")), "1500");
    dump = cfg_dump(c);
    assert_true(json_equal(json_object_get(dump, "share_rdkafka"), c->share_rdkafka));
    json_decref(dump);
    cfg_destroy(c);
    free(ok);

    char *bad = write_cfg("share-rk-bad.json", "{\"share_rdkafka\": {\n"
                                               "  \"group.id\": \"other\",\n"
                                               "  \"partition.assignment.strategy\": \"range\",\n"
                                               "  \"group.instance.id\": \"cw-a\",\n"
                                               "  \"enable.auto.commit\": true,\n"
                                               "  \"sesion.timeout.ms\": 6000,\n"
                                               "  \"session.timeout.ms\": \"soon\",\n"
                                               "  \"heartbeat.interval.ms\": [1000],\n"
                                               "  \"sasl.password\": \"${CW_TEST_NO_SUCH_VAR}\"}}\n");
    c = NULL;
    assert_int_equal(cfg_load(bad, &c, &errors), -1);
    assert_null(c);
    const char *want[] = {
        ":2:3: share_rdkafka: \"group.id\" is set by the share group itself",
        ":3:3: share_rdkafka: \"partition.assignment.strategy\" is set by the share group itself",
        ":4:3: share_rdkafka: \"group.instance.id\" is set by the share group itself",
        ":5:3: share_rdkafka: \"enable.auto.commit\" is set by the share group itself",
        ":6:3: share_rdkafka: rdkafka property \"sesion.timeout.ms\": No such configuration property",
        ":7:3: share_rdkafka: rdkafka property \"session.timeout.ms\": Invalid value",
        ":8:3: share_rdkafka: rdkafka property \"heartbeat.interval.ms\": value must be a string, integer or boolean",
        ":9:3: share_rdkafka: rdkafka property \"sasl.password\": environment variable CW_TEST_NO_SUCH_VAR is not set",
    };
    assert_errors(&errors, bad, want, sizeof want / sizeof want[0]);
    assert_int_equal(errors.n, sizeof want / sizeof want[0]);
    cw_strv_free(&errors);
    free(bad);

    /* A heartbeat no shorter than the session: against the session set, or librdkafka's 45 s. */
    assert_one_error("share-rk-slow.json",
                     "{\"share_rdkafka\": {\"session.timeout.ms\": 6000,\n  \"heartbeat.interval.ms\": 6000}}\n",
                     ":2:3: share_rdkafka: heartbeat.interval.ms (6000) must be lower than session.timeout.ms (6000)");
    assert_one_error("share-rk-slow2.json", "{\"share_rdkafka\": {\"heartbeat.interval.ms\": 50000}}",
                     "must be lower than session.timeout.ms (45000)");

    assert_one_error("share-rk-type.json", "{\"share_rdkafka\": \"session.timeout.ms=6000\"}",
                     ":1:2: \"share_rdkafka\" must be an object");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_paths),
        cmocka_unit_test(test_errors_name_positions),
        cmocka_unit_test(test_syntax_error_and_file_feed_guard),
        cmocka_unit_test(test_share_keys),
        cmocka_unit_test(test_share_rdkafka),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
