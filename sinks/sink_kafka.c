/* The Kafka sink: a librdkafka producer (docs/delivery.md).
 *
 * Defaults favour not losing events over speed: acks=all, enable.idempotence=true, lz4, and a
 * small librdkafka queue so that a broker outage backs up in the outbox on disk rather than in
 * memory. Every produce() result is checked: a full queue is SINK_RETRY (the sender stops and
 * polls), a message that can never be accepted is SINK_ERROR (dead-lettered). Each delivery
 * report maps librdkafka's error to delivered / retriable / permanent. Logs, errors, statistics
 * and reports are all served on the caller's thread by rd_kafka_poll (log.queue=true). */
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_log.h"
#include "common/cw_metrics.h"
#include "common/cw_util.h"
#include "sinks/sink.h"
#include "sinks/sink_kafka.h"

#define KAFKA_SECRET_MAX 65536

struct kafka_sink {
    struct sink *s;
    rd_kafka_t *rk;
    rd_kafka_conf_t *tmpl; /* a copy of the validated conf, to rebuild the producer after a fatal error */
    rd_kafka_topic_t *rkt[SINK_KIND_COUNT];
    char *topics[SINK_KIND_COUNT];
    int64_t in_flight;  /* produced, not yet reported */
    int64_t served;     /* reports served (poll's return value) */
    int silent;         /* purging: drop the purged messages' reports */
    int fatal;          /* the producer hit a fatal error and must be rebuilt */
    int metadata_timeout_ms;
    int64_t retry_warned_ms; /* last "produce failed, will retry" warning (monotonic ms) */
    struct metric *m_queue_msgs, *m_queue_bytes, *m_txmsgs, *m_txerrs, *m_brokers_up, *m_rtt, *m_produce_errs;
};

static const char *const kafka_default_topics[SINK_KIND_COUNT] = {
    [SINK_KIND_ITEMS] = "claimwatch.items",
    [SINK_KIND_CLAIMS] = "claimwatch.claims",
    [SINK_KIND_ALERTS] = "claimwatch.alerts",
    [SINK_KIND_FEED_STATUS] = "claimwatch.feed-status",
    [SINK_KIND_DEAD_LETTER] = "claimwatch.dead-letter",
};

/* Our defaults, applied before the operator's rdkafka object so that any can be overridden. */
static const char *const kafka_defaults[][2] = {
    {"acks", "all"},
    {"enable.idempotence", "true"},
    {"compression.type", "lz4"},
    /* Small on purpose: during an outage events wait in the outbox, not in RAM. */
    {"queue.buffering.max.messages", "10000"},
    {"queue.buffering.max.kbytes", "32768"},
    {"linger.ms", "5"},
    {"client.id", "claimwatch"},
};

/* The delivery report errors that will never succeed on retry. Everything else (timeouts,
 * transport errors, leader changes, purges, not enough replicas...) is retriable. */
static int kafka_err_permanent(rd_kafka_resp_err_t err)
{
    switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__BAD_MSG:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE:
        return 1;
    default:
        return 0;
    }
}

/* Properties whose values are never echoed anywhere (we never log values, but say which). */
static int kafka_prop_secret(const char *name)
{
    return strstr(name, "password") != NULL || strstr(name, "secret") != NULL || strstr(name, ".pem") != NULL ||
           strstr(name, "key") != NULL || strstr(name, "jaas") != NULL;
}

/* How errors name a sink's properties: `kafka sink "name"`, into buf of KAFKA_WHERE_MAX. */
#define KAFKA_WHERE_MAX 300
static const char *kafka_where(char *buf, const char *sink)
{
    snprintf(buf, KAFKA_WHERE_MAX, "kafka sink \"%s\"", sink);
    return buf;
}

/* Resolves a property value: "@/path" reads the file (trailing newline dropped), "${VAR}" reads
 * the environment, "@@..." is a literal "@...". Owned string or NULL with errstr set, starting
 * with where (who owns the property). */
static char *kafka_resolve(const char *where, const char *prop, const char *val, char *errstr, size_t errlen)
{
    if (val[0] == '@' && val[1] == '@')
        return strdup(val + 1);
    if (val[0] == '@') {
        char *data = NULL;
        size_t len = 0;
        char why[256];
        if (cw_read_file(val + 1, KAFKA_SECRET_MAX, &data, &len, why, sizeof why) != 0) {
            snprintf(errstr, errlen, "%s: rdkafka property \"%s\": cannot read the value file: %s", where, prop,
                     why);
            return NULL;
        }
        while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
            data[--len] = '\0';
        return data;
    }
    size_t n = strlen(val);
    if (n > 3 && val[0] == '$' && val[1] == '{' && val[n - 1] == '}') {
        char var[256];
        snprintf(var, sizeof var, "%.*s", (int)(n - 3), val + 2);
        const char *e = getenv(var);
        if (e == NULL) {
            snprintf(errstr, errlen, "%s: rdkafka property \"%s\": environment variable %s is not set", where,
                     prop, var);
            return NULL;
        }
        return strdup(e);
    }
    return strdup(val);
}

static int kafka_conf_set(rd_kafka_conf_t *conf, const char *where, const char *prop, const char *val, char *errstr,
                          size_t errlen)
{
    char why[512];
    if (rd_kafka_conf_set(conf, prop, val, why, sizeof why) != RD_KAFKA_CONF_OK) {
        snprintf(errstr, errlen, "%s: rdkafka property \"%s\": %s", where, prop, why);
        return -1;
    }
    return 0;
}

int sink_kafka_conf_set_json(rd_kafka_conf_t *conf, const char *where, const char *prop, const json_t *pv,
                             char *errstr, size_t errlen)
{
    char num[64];
    const char *raw = NULL;
    if (json_is_string(pv))
        raw = json_string_value(pv);
    else if (json_is_integer(pv))
        raw = (snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(pv)), num);
    else if (json_is_boolean(pv))
        raw = json_is_true(pv) ? "true" : "false";
    if (raw == NULL) {
        snprintf(errstr, errlen, "%s: rdkafka property \"%s\": value must be a string, integer or boolean", where,
                 prop);
        return -1;
    }
    char *val = kafka_resolve(where, prop, raw, errstr, errlen);
    if (val == NULL)
        return -1;
    int rc = kafka_conf_set(conf, where, prop, val, errstr, errlen);
    /* Scrub secrets from the heap as soon as librdkafka has its copy. */
    if (kafka_prop_secret(prop))
        explicit_bzero(val, strlen(val));
    free(val);
    return rc;
}

int sink_kafka_conf_apply(rd_kafka_conf_t *conf, const char *sink, const json_t *rdkafka,
                          int (*want)(const char *prop), char *errstr, size_t errlen)
{
    char where[KAFKA_WHERE_MAX];
    const char *prop;
    json_t *pv;
    kafka_where(where, sink);
    json_object_foreach((json_t *)rdkafka, prop, pv) {
        if (want != NULL && !want(prop))
            continue;
        if (sink_kafka_conf_set_json(conf, where, prop, pv, errstr, errlen) != 0)
            return -1;
    }
    return 0;
}

int sink_kafka_log_level(int level)
{
    return level <= 4 ? CW_LOG_WARNING : level == 5 ? CW_LOG_NOTICE : level == 6 ? CW_LOG_INFO : CW_LOG_DEBUG;
}

static void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    cw_log(sink_kafka_log_level(level), "kafka", "%s: %s", fac, buf);
}

static void kafka_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct kafka_sink *ks = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof why);
        CW_ERR("kafka", "producer fatal error, rebuilding it (pending events are kept): %s: %s sink=%s",
               rd_kafka_err2name(orig), why, ks->s->name);
        ks->fatal = 1;
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        CW_WARN("kafka", "all brokers down; events back up in the outbox: %s sink=%s", reason, ks->s->name);
    else
        CW_WARN("kafka", "client error: %s: %s sink=%s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason,
                ks->s->name);
}

static void kafka_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    struct kafka_sink *ks = opaque;
    int64_t id = (int64_t)(intptr_t)m->_private;
    if (ks->in_flight > 0)
        ks->in_flight--;
    ks->served++;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ks->s->report(ks->s->report_ctx, id, SINK_DELIVERED, NULL);
        return;
    }
    if (ks->silent && (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT))
        return;
    char reason[256];
    snprintf(reason, sizeof reason, "kafka %s: %s (topic %s)", rd_kafka_err2name(m->err), rd_kafka_err2str(m->err),
             m->rkt ? rd_kafka_topic_name(m->rkt) : "?");
    ks->s->report(ks->s->report_ctx, id, kafka_err_permanent(m->err) ? SINK_FAILED_PERMANENT : SINK_FAILED_RETRIABLE,
                  reason);
}

static void kafka_stats_gauge(struct metric *m, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_number(v))
        metric_set(m, json_number_value(v));
}

static int kafka_stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    (void)rk;
    struct kafka_sink *ks = opaque;
    json_t *o = json_loadb(json, len, 0, NULL);
    if (o == NULL)
        return 0;
    kafka_stats_gauge(ks->m_queue_msgs, o, "msg_cnt");
    kafka_stats_gauge(ks->m_queue_bytes, o, "msg_size");
    kafka_stats_gauge(ks->m_txmsgs, o, "txmsgs");
    double up = 0, txerrs = 0, rtt = 0;
    const char *name;
    json_t *b;
    json_object_foreach(json_object_get(o, "brokers"), name, b) {
        if (json_integer_value(json_object_get(b, "nodeid")) < 0)
            continue; /* bootstrap placeholders */
        if (json_is_string(json_object_get(b, "state")) &&
            strcmp(json_string_value(json_object_get(b, "state")), "UP") == 0)
            up++;
        txerrs += json_number_value(json_object_get(b, "txerrs"));
        double r = json_number_value(json_object_get(json_object_get(b, "rtt"), "avg"));
        if (r > rtt)
            rtt = r;
    }
    metric_set(ks->m_brokers_up, up);
    metric_set(ks->m_txerrs, txerrs);
    metric_set(ks->m_rtt, rtt / 1e6);
    json_decref(o);
    return 0; /* librdkafka frees json */
}

static void kafka_topics_free(struct kafka_sink *ks)
{
    for (int k = 0; k < SINK_KIND_COUNT; k++) {
        if (ks->rkt[k] != NULL)
            rd_kafka_topic_destroy(ks->rkt[k]);
        ks->rkt[k] = NULL;
    }
}

/* Creates the producer from a copy of the template and, with warm, waits for the topics'
 * metadata (at start only: a rebuild inside the loop must not block it). */
static int kafka_start(struct kafka_sink *ks, int warm, char *errstr, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_dup(ks->tmpl);
    char why[512];
    /* rd_kafka_new takes the conf only when it succeeds. */
    ks->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why);
    if (ks->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        snprintf(errstr, errlen, "kafka sink \"%s\": cannot create the producer: %s", ks->s->name, why);
        return -1;
    }
    rd_kafka_set_log_queue(ks->rk, NULL); /* logs are served by rd_kafka_poll on our thread */
    for (int k = 0; k < SINK_KIND_COUNT; k++) {
        ks->rkt[k] = rd_kafka_topic_new(ks->rk, ks->topics[k], NULL);
        if (ks->rkt[k] == NULL) {
            snprintf(errstr, errlen, "kafka sink \"%s\": topic \"%s\": %s", ks->s->name, ks->topics[k],
                     rd_kafka_err2str(rd_kafka_last_error()));
            kafka_topics_free(ks);
            rd_kafka_destroy(ks->rk);
            ks->rk = NULL;
            return -1;
        }
    }
    /* Warm the metadata so the first events do not wait on it; a broker that is down now is not
     * an error (events wait in the outbox), only worth a warning. */
    if (warm && ks->metadata_timeout_ms > 0) {
        for (int k = 0; k < SINK_KIND_COUNT; k++) {
            const struct rd_kafka_metadata *md = NULL;
            rd_kafka_resp_err_t err = rd_kafka_metadata(ks->rk, 0, ks->rkt[k], &md, ks->metadata_timeout_ms);
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                CW_WARN("kafka", "cannot fetch topic metadata at start (will keep trying): %s topic=%s sink=%s",
                        rd_kafka_err2str(err), ks->topics[k], ks->s->name);
                break;
            }
            rd_kafka_metadata_destroy(md);
        }
    }
    return 0;
}

static void kafka_free(struct kafka_sink *ks)
{
    if (ks == NULL)
        return;
    kafka_topics_free(ks);
    if (ks->rk != NULL)
        rd_kafka_destroy(ks->rk);
    if (ks->tmpl != NULL)
        rd_kafka_conf_destroy(ks->tmpl);
    for (int k = 0; k < SINK_KIND_COUNT; k++)
        free(ks->topics[k]);
    free(ks);
}

static int kafka_init(struct sink *s, const json_t *conf, char *errstr, size_t errlen)
{
    struct kafka_sink *ks = calloc(1, sizeof *ks);
    if (ks == NULL) {
        snprintf(errstr, errlen, "out of memory");
        return -1;
    }
    ks->s = s;
    ks->metadata_timeout_ms = 5000;
    ks->tmpl = rd_kafka_conf_new();
    char where[KAFKA_WHERE_MAX];
    kafka_where(where, s->name);
    for (size_t i = 0; i < sizeof kafka_defaults / sizeof kafka_defaults[0]; i++)
        if (kafka_conf_set(ks->tmpl, where, kafka_defaults[i][0], kafka_defaults[i][1], errstr, errlen) != 0)
            goto fail;
    if (kafka_conf_set(ks->tmpl, where, "log.queue", "true", errstr, errlen) != 0)
        goto fail;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)conf, key, v) {
        if (strcmp(key, "type") == 0 || strcmp(key, "name") == 0)
            continue;
        if (strcmp(key, "metadata_timeout_ms") == 0 && json_is_integer(v) && json_integer_value(v) >= 0 &&
            json_integer_value(v) <= 600000) {
            ks->metadata_timeout_ms = (int)json_integer_value(v);
        } else if (strcmp(key, "topics") == 0 && json_is_object(v)) {
            const char *kind;
            json_t *t;
            json_object_foreach(v, kind, t) {
                int k = sink_kind_from_name(kind);
                if (k < 0 || !json_is_string(t) || json_string_length(t) == 0) {
                    snprintf(errstr, errlen, "kafka sink \"%s\": topics.%s: %s", s->name, kind,
                             k < 0 ? "unknown event kind (items, claims, alerts, feed-status, dead-letter)"
                                   : "must be a non-empty string");
                    goto fail;
                }
                free(ks->topics[k]);
                ks->topics[k] = strdup(json_string_value(t));
            }
        } else if (strcmp(key, "rdkafka") == 0 && json_is_object(v)) {
            if (sink_kafka_conf_apply(ks->tmpl, s->name, v, NULL, errstr, errlen) != 0)
                goto fail;
        } else {
            snprintf(errstr, errlen, "kafka sink \"%s\": unknown key or wrong type: \"%s\" (keys: rdkafka, topics, "
                     "metadata_timeout_ms)", s->name, key);
            goto fail;
        }
    }
    for (int k = 0; k < SINK_KIND_COUNT; k++)
        if (ks->topics[k] == NULL)
            ks->topics[k] = strdup(kafka_default_topics[k]);
    char val[64];
    size_t vlen = sizeof val;
    if (rd_kafka_conf_get(ks->tmpl, "enable.idempotence", val, &vlen) == RD_KAFKA_CONF_OK && strcmp(val, "true") != 0)
        CW_WARN("kafka", "enable.idempotence is off: retries may reorder or duplicate events sink=%s", s->name);
    vlen = sizeof val;
    if (rd_kafka_conf_get(ks->tmpl, "message.max.bytes", val, &vlen) == RD_KAFKA_CONF_OK) {
        long long mmb = atoll(val);
        /* Leave room for the key, headers and record framing librdkafka adds. */
        s->max_message_bytes = mmb > 4096 ? (size_t)(mmb - 1024) : (size_t)(mmb > 0 ? mmb : 0);
    }
    rd_kafka_conf_set_opaque(ks->tmpl, ks);
    rd_kafka_conf_set_dr_msg_cb(ks->tmpl, kafka_dr_cb);
    rd_kafka_conf_set_error_cb(ks->tmpl, kafka_error_cb);
    rd_kafka_conf_set_log_cb(ks->tmpl, kafka_log_cb);
    rd_kafka_conf_set_stats_cb(ks->tmpl, kafka_stats_cb);
    char labels[256];
    snprintf(labels, sizeof labels, "sink=\"%s\"", s->name);
    ks->m_queue_msgs = metric_gauge("claimwatch_kafka_queue_messages", labels, "Messages in librdkafka's queues");
    ks->m_queue_bytes = metric_gauge("claimwatch_kafka_queue_bytes", labels, "Bytes in librdkafka's queues");
    ks->m_txmsgs = metric_gauge("claimwatch_kafka_tx_messages", labels, "Messages sent to brokers (librdkafka stats)");
    ks->m_txerrs = metric_gauge("claimwatch_kafka_tx_errors", labels, "Transmission errors (librdkafka stats)");
    ks->m_brokers_up = metric_gauge("claimwatch_kafka_brokers_up", labels, "Brokers in state UP");
    ks->m_rtt = metric_gauge("claimwatch_kafka_rtt_seconds", labels, "Largest average broker round trip");
    ks->m_produce_errs = metric_counter("claimwatch_kafka_produce_refused_total", labels,
                                        "produce() calls refused (queue full or invalid message)");
    s->impl = ks;
    if (kafka_start(ks, 1, errstr, errlen) != 0)
        goto fail;
    return 0;
fail:
    s->impl = NULL;
    kafka_free(ks);
    return -1;
}

/* After a fatal error (idempotence state lost): report what is still queued as retriable (it
 * stays pending), then rebuild the producer from the same configuration. */
static void kafka_rebuild(struct kafka_sink *ks)
{
    rd_kafka_purge(ks->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(ks->rk, 2000);
    kafka_topics_free(ks);
    rd_kafka_destroy(ks->rk);
    ks->rk = NULL;
    ks->in_flight = 0;
    ks->fatal = 0;
    char err[512];
    if (kafka_start(ks, 0, err, sizeof err) != 0)
        CW_ERR("kafka", "cannot rebuild the producer, will try again: %s", err);
}

static enum sink_result kafka_publish(struct sink *s, const struct sink_msg *msg)
{
    struct kafka_sink *ks = s->impl;
    if (ks->rk == NULL || ks->fatal)
        return SINK_RETRY;
    ks->silent = 0;
    int kind = (unsigned)msg->kind < SINK_KIND_COUNT ? (int)msg->kind : SINK_KIND_DEAD_LETTER;
    const char *eid = msg->event_id ? msg->event_id : "";
    const char *schema = msg->schema ? msg->schema : "claimwatch.item.v1";
    rd_kafka_resp_err_t err = rd_kafka_producev(
        ks->rk, RD_KAFKA_V_RKT(ks->rkt[kind]), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE((void *)msg->payload, msg->len),
        RD_KAFKA_V_KEY(msg->key, msg->key ? msg->keylen : 0), RD_KAFKA_V_HEADER("schema", schema, -1),
        RD_KAFKA_V_HEADER("event_id", eid, -1), RD_KAFKA_V_HEADER("content-type", "application/json", -1),
        RD_KAFKA_V_OPAQUE((void *)(intptr_t)msg->opaque), RD_KAFKA_V_END);
    switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
        ks->in_flight++;
        return SINK_OK;
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
        metric_inc(ks->m_produce_errs);
        return SINK_RETRY; /* backpressure: the caller polls and tries again */
    case RD_KAFKA_RESP_ERR__FATAL:
        ks->fatal = 1;
        return SINK_RETRY;
    default:
        break;
    }
    metric_inc(ks->m_produce_errs);
    /* What this message can never be: dead-letter it. Anything else is retried, including a
     * topic's cached error (produce() repeats e.g. an authorisation failure the broker reported for
     * earlier messages until the next metadata refresh): those events wait in the outbox, bounded
     * and visible, rather than all be dead-lettered for a failure that may clear. */
    if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || err == RD_KAFKA_RESP_ERR__INVALID_ARG ||
        err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
        CW_WARN("kafka", "produce refused: %s event_id=%s bytes=%zu topic=%s sink=%s", rd_kafka_err2str(err), eid,
                msg->len, ks->topics[kind], s->name);
        snprintf(s->last_error, sizeof s->last_error, "kafka %s at produce: %s (topic %s)", rd_kafka_err2name(err),
                 rd_kafka_err2str(err), ks->topics[kind]);
        return SINK_ERROR;
    }
    /* Retried on every pump until it clears: say so once a second, not once a pump. */
    int64_t now = cw_now_ms();
    if (now - ks->retry_warned_ms >= 1000) {
        CW_WARN("kafka", "produce failed, will retry: %s event_id=%s topic=%s sink=%s", rd_kafka_err2str(err), eid,
                ks->topics[kind], s->name);
        ks->retry_warned_ms = now;
    }
    return SINK_RETRY;
}

static int kafka_poll(struct sink *s, int timeout_ms)
{
    struct kafka_sink *ks = s->impl;
    if (ks->rk == NULL) {
        char err[512];
        if (kafka_start(ks, 0, err, sizeof err) != 0)
            return 0;
    }
    int64_t before = ks->served;
    rd_kafka_poll(ks->rk, timeout_ms);
    if (ks->fatal)
        kafka_rebuild(ks);
    return (int)(ks->served - before);
}

static int kafka_flush(struct sink *s, int timeout_ms)
{
    struct kafka_sink *ks = s->impl;
    if (ks->rk == NULL)
        return 0;
    rd_kafka_flush(ks->rk, timeout_ms);
    return (int)ks->in_flight;
}

static void kafka_purge(struct sink *s)
{
    struct kafka_sink *ks = s->impl;
    if (ks->rk == NULL)
        return;
    ks->silent = 1;
    rd_kafka_purge(ks->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(ks->rk, 0);
    ks->in_flight = 0;
}

static void kafka_destroy(struct sink *s)
{
    struct kafka_sink *ks = s->impl;
    if (ks == NULL)
        return;
    if (ks->rk != NULL) {
        /* Whatever is left was purged or never reported: it stays pending in the outbox. */
        ks->silent = 1;
        rd_kafka_purge(ks->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(ks->rk, 0);
    }
    kafka_free(ks);
    s->impl = NULL;
}

const struct sink_ops sink_kafka_ops = {
    .name = "kafka",
    .init = kafka_init,
    .publish = kafka_publish,
    .poll = kafka_poll,
    .flush = kafka_flush,
    .purge = kafka_purge,
    .destroy = kafka_destroy,
};
