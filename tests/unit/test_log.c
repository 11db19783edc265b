/* Unit tests for common/cw_log: secret redaction, logfmt quoting, the text and JSON formats,
 * journald priority prefixes, level filtering and librdkafka routing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cw_log.h"
#include "sinks/sink_kafka.h"

static char *capture(void (*fn)(void))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    cw_log_set_stream(f);
    fn();
    cw_log_set_stream(NULL);
    fclose(f);
    return buf;
}

static void redact_case(const char *in, const char *want, int nwant)
{
    char s[512];
    snprintf(s, sizeof s, "%s", in);
    int n = cw_log_redact(s);
    assert_string_equal(s, want);
    assert_int_equal(n, nwant);
}

static void test_redact(void **state)
{
    (void)state;
    redact_case("connect sasl.password=hunter22 broker=b1:9092", "connect sasl.password=*** broker=b1:9092", 1);
    redact_case("sasl.username=bob", "sasl.username=***", 1); /* "sasl" matches: over-redact */
    redact_case("{\"api_token\":\"abc def\",\"n\":1}", "{\"api_token\":\"***\",\"n\":1}", 1);
    redact_case("Client_Secret: s3cr3t next", "Client_Secret: *** next", 1);
    redact_case("{'password'=abcd}", "{'password'=***}", 1);
    redact_case("ssl.key.password='a b c' x=1", "ssl.key.password='***' x=1", 1);
    redact_case("fetch url=https://user:pa55@example.org/feed status=200",
                "fetch url=https://user:***@example.org/feed status=200", 1);
    redact_case("feeds=3 backlog=0 url=https://example.org/a:b", "feeds=3 backlog=0 url=https://example.org/a:b", 0);
    redact_case("password=ab", "password=**", 1); /* never grows the string */
    redact_case("u=https://bob:p@ss@host/x", "u=https://bob:***@host/x", 1);
    redact_case("token=", "token=", 0);
    redact_case("time 02:15:00 key=val1,secret=val2", "time 02:15:00 key=***,secret=***", 2);
    /* Idempotent: redacting twice changes nothing. */
    redact_case("password=***", "password=***", 0);
}

static void test_quote(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(cw_log_quote("plain", b, sizeof b), "plain");
    assert_string_equal(cw_log_quote("two words", b, sizeof b), "\"two words\"");
    assert_string_equal(cw_log_quote("a\"b\\c", b, sizeof b), "\"a\\\"b\\\\c\"");
    assert_string_equal(cw_log_quote("", b, sizeof b), "\"\"");
    assert_string_equal(cw_log_quote(NULL, b, sizeof b), "\"\"");
    char small[6];
    cw_log_quote("a long value", small, sizeof small);
    assert_true(strlen(small) < sizeof small);
    assert_int_equal(small[strlen(small) - 1], '"'); /* still closed */
}

static void emit_text(void)
{
    cw_log_set_format(CW_LOG_FORMAT_TEXT);
    cw_log_set_prefix(1);
    cw_log_set_level(CW_LOG_INFO);
    CW_WARN("kafka", "broker down broker=%s sasl.password=%s", "b1", "topsecret");
    CW_DEBUG("kafka", "hidden at info");
    cw_log(CW_LOG_INFO, "fetch", "two\nlines");
    cw_log_set_prefix(0);
    CW_ERR("store", "disk full path=/var/lib/claimwatch");
}

static void test_text(void **state)
{
    (void)state;
    char *out = capture(emit_text);
    assert_string_equal(out, "<4>kafka: broker down broker=b1 sasl.password=***\n"
                             "<6>fetch: two lines\n"
                             "claimwatch error store: disk full path=/var/lib/claimwatch\n");
    assert_null(strstr(out, "topsecret"));
    free(out);
}

static void emit_json(void)
{
    cw_log_set_format(CW_LOG_FORMAT_JSON);
    cw_log_set_level(CW_LOG_INFO);
    CW_NOTICE("fetch", "feed fetched url=%s status=%d title=\"%s\" token=%s level=x", "https://e.org/f", 200,
              "A b", "t0k3n");
    cw_log_set_format(CW_LOG_FORMAT_TEXT);
}

static void test_json(void **state)
{
    (void)state;
    char *out = capture(emit_json);
    json_error_t e;
    json_t *o = json_loads(out, 0, &e);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "level")), "notice");
    assert_string_equal(json_string_value(json_object_get(o, "module")), "fetch");
    assert_string_equal(json_string_value(json_object_get(o, "msg")), "feed fetched");
    assert_string_equal(json_string_value(json_object_get(o, "url")), "https://e.org/f");
    assert_int_equal(json_integer_value(json_object_get(o, "status")), 200);
    assert_string_equal(json_string_value(json_object_get(o, "title")), "A b");
    assert_string_equal(json_string_value(json_object_get(o, "token")), "***");
    assert_string_equal(json_string_value(json_object_get(o, "_level")), "x"); /* never overwrites */
    assert_non_null(json_object_get(o, "ts"));
    json_decref(o);
    assert_null(strstr(out, "t0k3n"));
    free(out);
}

static void emit_kafka(void)
{
    cw_log_set_format(CW_LOG_FORMAT_TEXT);
    cw_log_set_prefix(1);
    cw_log_set_level(CW_LOG_INFO);
    /* as the Kafka sink's log callback writes librdkafka's lines */
    cw_log(sink_kafka_log_level(0), "kafka", "%s: %s", "FAIL", "conf sasl.password=x1y2z3 failed");
    cw_log(sink_kafka_log_level(7), "kafka", "%s: %s", "BROKER", "debug chatter");
    cw_log_attach_curl(NULL);
}

static void test_rdkafka(void **state)
{
    (void)state;
    char *out = capture(emit_kafka);
    assert_string_equal(out, "<4>kafka: FAIL: conf sasl.password=*** failed\n");
    free(out);
}

static void emit_auto(void)
{
    cw_log_set_format(CW_LOG_FORMAT_TEXT);
    cw_log_set_level(CW_LOG_INFO);
    struct stat st;
    assert_int_equal(fstat(STDERR_FILENO, &st), 0);
    char js[64];
    snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", js, 1); /* what systemd sets when stderr is the journal */
    cw_log_set_prefix(-1);
    CW_NOTICE("run", "ready feeds=2");
    setenv("JOURNAL_STREAM", "1:2", 1); /* stderr redirected elsewhere since */
    cw_log_set_prefix(-1);
    CW_NOTICE("run", "ready feeds=2");
    unsetenv("JOURNAL_STREAM");
    cw_log_set_prefix(-1);
    CW_NOTICE("run", "ready feeds=2");
}

static void test_journal_auto(void **state)
{
    (void)state;
    char *out = capture(emit_auto);
    assert_string_equal(out, "<5>run: ready feeds=2\nclaimwatch notice run: ready feeds=2\n"
                             "claimwatch notice run: ready feeds=2\n");
    free(out);
}

static void test_levels(void **state)
{
    (void)state;
    assert_int_equal(cw_log_level_from_name("warn"), CW_LOG_WARNING);
    assert_int_equal(cw_log_level_from_name("debug"), CW_LOG_DEBUG);
    assert_int_equal(cw_log_level_from_name("loud"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redact), cmocka_unit_test(test_quote),   cmocka_unit_test(test_text),
        cmocka_unit_test(test_json),   cmocka_unit_test(test_rdkafka), cmocka_unit_test(test_levels),
        cmocka_unit_test(test_journal_auto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
