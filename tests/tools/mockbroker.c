/* A Kafka protocol peer for tests: librdkafka's mock cluster in its own process on loopback.
 * Prints the bootstrap address on the first line of stdout, then reads commands on stdin, one per
 * line, answering "ok" or "error: ..." on stdout:
 *   down N|all      broker N (1-based) or every broker stops serving (connections closed)
 *   up N|all        serves again
 *   err [TOPIC] CODE COUNT   the next COUNT produce requests fail with Kafka error CODE
 *                   (numeric, e.g. 7 REQUEST_TIMED_OUT, 10 MESSAGE_TOO_LARGE, 29 TOPIC_AUTHORIZATION_FAILED);
 *                   the mock cluster pushes errors per request type, so TOPIC is accepted but
 *                   the errors hit whichever produce requests come next
 *   rtt N|all MS    adds MS milliseconds of latency to broker N's responses
 *   quit            exits (so does end of input)
 * Usage: mockbroker [--brokers N] [--partitions P] */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRODUCE_API 0 /* Kafka ApiKey of Produce */

static int each_broker(rd_kafka_mock_cluster_t *mc, int nbrokers, const char *which,
                       rd_kafka_resp_err_t (*fn)(rd_kafka_mock_cluster_t *, int32_t, void *), void *arg)
{
    int from = 1, to = nbrokers;
    if (strcmp(which, "all") != 0) {
        from = to = atoi(which);
        if (from < 1 || from > nbrokers)
            return -1;
    }
    for (int b = from; b <= to; b++)
        if (fn(mc, b, arg) != RD_KAFKA_RESP_ERR_NO_ERROR)
            return -1;
    return 0;
}

static rd_kafka_resp_err_t do_down(rd_kafka_mock_cluster_t *mc, int32_t b, void *arg)
{
    (void)arg;
    return rd_kafka_mock_broker_set_down(mc, b);
}

static rd_kafka_resp_err_t do_up(rd_kafka_mock_cluster_t *mc, int32_t b, void *arg)
{
    (void)arg;
    return rd_kafka_mock_broker_set_up(mc, b);
}

static rd_kafka_resp_err_t do_rtt(rd_kafka_mock_cluster_t *mc, int32_t b, void *arg)
{
    return rd_kafka_mock_broker_set_rtt(mc, b, *(int *)arg);
}

int main(int argc, char **argv)
{
    int nbrokers = 3, partitions = 4;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--brokers") == 0 && i + 1 < argc)
            nbrokers = atoi(argv[++i]);
        else if (strcmp(argv[i], "--partitions") == 0 && i + 1 < argc)
            partitions = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: mockbroker [--brokers N] [--partitions P]\n");
            return 2;
        }
    }
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "mockbroker: %s\n", err);
        return 1;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk == NULL) {
        fprintf(stderr, "mockbroker: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, nbrokers);
    if (mc == NULL) {
        fprintf(stderr, "mockbroker: cannot create the mock cluster\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    static const char *const topics[] = {"claimwatch.items", "claimwatch.claims", "claimwatch.alerts",
                                         "claimwatch.feed-status", "claimwatch.dead-letter"};
    for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++)
        rd_kafka_mock_topic_create(mc, topics[i], partitions, nbrokers < 3 ? nbrokers : 3);
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    char line[512];
    while (fgets(line, sizeof line, stdin) != NULL) {
        char a[128] = "", b[128] = "", c[128] = "", d[128] = "";
        int n = sscanf(line, "%127s %127s %127s %127s", a, b, c, d);
        int rc = 0;
        if (n <= 0)
            continue;
        if (strcmp(a, "quit") == 0) {
            printf("ok\n");
            fflush(stdout);
            break;
        } else if (strcmp(a, "down") == 0 && n == 2) {
            rc = each_broker(mc, nbrokers, b, do_down, NULL);
        } else if (strcmp(a, "up") == 0 && n == 2) {
            rc = each_broker(mc, nbrokers, b, do_up, NULL);
        } else if (strcmp(a, "rtt") == 0 && n == 3) {
            int ms = atoi(c);
            rc = each_broker(mc, nbrokers, b, do_rtt, &ms);
        } else if (strcmp(a, "topic") == 0 && n >= 2) {
            rc = rd_kafka_mock_topic_create(mc, b, n >= 3 ? atoi(c) : partitions, nbrokers < 3 ? nbrokers : 3) ==
                         RD_KAFKA_RESP_ERR_NO_ERROR
                     ? 0
                     : -1;
        } else if (strcmp(a, "err") == 0 && (n == 3 || n == 4)) {
            const char *code = n == 4 ? c : b, *count = n == 4 ? d : c;
            int cnt = atoi(count);
            if (cnt <= 0 || cnt > 100000) {
                rc = -1;
            } else {
                rd_kafka_resp_err_t *errs = malloc((size_t)cnt * sizeof *errs);
                if (errs == NULL) {
                    rc = -1;
                } else {
                    for (int i = 0; i < cnt; i++)
                        errs[i] = (rd_kafka_resp_err_t)atoi(code);
                    rd_kafka_mock_push_request_errors_array(mc, PRODUCE_API, (size_t)cnt, errs);
                    free(errs);
                }
            }
        } else {
            rc = -1;
        }
        printf(rc == 0 ? "ok\n" : "error: bad command: %s", rc == 0 ? "" : line);
        if (rc != 0 && strchr(line, '\n') == NULL)
            printf("\n");
        fflush(stdout);
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
