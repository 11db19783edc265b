/* The share consumer: group membership only. The partitions of share_topic are the shares; the
 * eager round-robin assignor is pinned (every rebalance hands out the whole assignment, and one
 * topic's partitions spread evenly over the members), but the cooperative protocol is handled
 * too, should librdkafka report it. Partitions are paused as soon as they are assigned: nothing is
 * ever fetched from them, so the topic may stay empty. */
#include "daemon/share.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_log.h"
#include "common/cw_metrics.h"
#include "common/cw_util.h"
#include "config/cfg.h"
#include "sinks/sink_kafka.h"

/* Messages (there should be none) and events served per share_serve call: bounded so a full topic
 * could not hold up the loop. */
#define SHARE_SERVE_MAX 64
/* How long an assignment waits for the partition count when it was not known yet. */
#define SHARE_METADATA_MS 5000

struct share {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;    /* for metadata lookups */
    char *group, *topic;
    int32_t nparts;           /* the topic's partition count; 0 = unknown */
    unsigned char *owned;     /* owned[p] for p < cap */
    int32_t cap;
    size_t nowned;
    int stopped;
    void (*on_change)(void *ctx, enum share_change what);
    void *ctx;
    struct metric *m_parts;
};

int32_t share_partition(const char *url, int32_t nparts)
{
    /* Kafka's murmur2 (seed 0x9747b28c), as the Java client's default partitioner applies it to keys. */
    const uint32_t m = 0x5bd1e995u;
    const unsigned char *b = (const unsigned char *)url;
    size_t len = strlen(url);
    uint32_t h = 0x9747b28cu ^ (uint32_t)len;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t k = (uint32_t)b[i] | (uint32_t)b[i + 1] << 8 | (uint32_t)b[i + 2] << 16 | (uint32_t)b[i + 3] << 24;
        k *= m;
        k ^= k >> 24;
        k *= m;
        h *= m;
        h ^= k;
    }
    switch (len & 3) {
    case 3: h ^= (uint32_t)b[i + 2] << 16; /* fall through */
    case 2: h ^= (uint32_t)b[i + 1] << 8;  /* fall through */
    case 1:
        h ^= (uint32_t)b[i];
        h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return nparts > 0 ? (int32_t)((h & 0x7fffffffu) % (uint32_t)nparts) : 0;
}

/* Only what reaches the brokers: the sink's producer settings (acks, queue sizes...) mean nothing
 * to a consumer and librdkafka would warn about each. */
static int share_want_prop(const char *prop)
{
    static const char *const prefixes[] = {"bootstrap.servers", "metadata.broker.list", "security.protocol", "sasl.",
                                           "ssl.", "ssl_", "enable.ssl.", "broker.address.", "socket.",
                                           "reconnect.", "client.dns.lookup", "api.version.",
                                           "broker.version.fallback", "client.rack"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(prop, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

static void share_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    cw_log(sink_kafka_log_level(level), "share", "%s: %s", fac, buf);
}

static void share_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct share *s = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof why);
        CW_ERR("share", "group consumer fatal error: %s: %s group=%s", rd_kafka_err2name(orig), why, s->group);
        return;
    }
    CW_WARN("share", "group consumer error: %s: %s group=%s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason,
            s->group);
}

/* The topic's partition count from the brokers, waiting up to timeout_ms. 0 and *n set, 1 when the
 * topic does not exist, -1 when the brokers did not answer (errstr says why). */
static int share_lookup_partitions(struct share *s, int timeout_ms, int32_t *n, char *errstr, size_t errlen)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(s->rk, 0, s->rkt, &md, timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(errstr, errlen, "%s", rd_kafka_err2str(err));
        return -1;
    }
    int rc = 1;
    for (int i = 0; i < md->topic_cnt; i++) {
        if (strcmp(md->topics[i].topic, s->topic) != 0)
            continue;
        if (md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[i].partition_cnt > 0) {
            *n = md->topics[i].partition_cnt;
            rc = 0;
        } else {
            snprintf(errstr, errlen, "%s", rd_kafka_err2str(md->topics[i].err));
            rc = md->topics[i].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ? 1 : -1;
        }
    }
    if (rc == 1 && errstr[0] == '\0')
        snprintf(errstr, errlen, "not in the brokers' metadata");
    rd_kafka_metadata_destroy(md);
    return rc;
}

static int share_grow(struct share *s, int32_t need)
{
    if (need <= s->cap)
        return 0;
    unsigned char *v = realloc(s->owned, (size_t)need);
    if (v == NULL)
        return -1;
    memset(v + s->cap, 0, (size_t)(need - s->cap));
    s->owned = v;
    s->cap = need;
    return 0;
}

static void share_clear(struct share *s)
{
    if (s->owned != NULL)
        memset(s->owned, 0, (size_t)s->cap);
    s->nowned = 0;
}

/* Marks (on) or unmarks the partitions of our topic in parts. */
static void share_mark(struct share *s, const rd_kafka_topic_partition_list_t *parts, int on)
{
    for (int i = 0; parts != NULL && i < parts->cnt; i++) {
        int32_t p = parts->elems[i].partition;
        if (p < 0 || strcmp(parts->elems[i].topic, s->topic) != 0)
            continue;
        if (share_grow(s, p + 1) != 0) {
            CW_ERR("share", "out of memory recording partition %d group=%s", (int)p, s->group);
            continue;
        }
        if (s->owned[p] != on) {
            s->owned[p] = (unsigned char)on;
            if (on)
                s->nowned++;
            else
                s->nowned--;
        }
    }
}

/* A partition beyond the count we know means partitions were added: the count (and with it the
 * feed split) is looked up again. The other members see the same count after their rebalance. */
static void share_refresh_count(struct share *s, const rd_kafka_topic_partition_list_t *parts)
{
    int32_t top = -1;
    for (int i = 0; i < parts->cnt; i++)
        if (strcmp(parts->elems[i].topic, s->topic) == 0 && parts->elems[i].partition > top)
            top = parts->elems[i].partition;
    if (s->nparts > 0 && top < s->nparts)
        return;
    char why[256] = "";
    int32_t n = 0;
    if (share_lookup_partitions(s, SHARE_METADATA_MS, &n, why, sizeof why) == 0) {
        if (s->nparts != 0 && s->nparts != n)
            CW_NOTICE("share", "partition count changed, feeds move group=%s topic=%s from=%d to=%d", s->group,
                      s->topic, (int)s->nparts, (int)n);
        s->nparts = n;
    } else {
        CW_ERR("share", "cannot read the partition count; polling none of the assigned feeds until the next "
               "rebalance group=%s topic=%s error=\"%s\"", s->group, s->topic, why);
    }
}

static void share_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                               void *opaque)
{
    struct share *s = opaque;
    int coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    rd_kafka_error_t *e = NULL;
    enum share_change what;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (coop)
            e = rd_kafka_incremental_assign(rk, parts);
        else
            rd_kafka_assign(rk, parts);
        /* Membership is all we use: fetching from the partitions would only cost traffic. */
        rd_kafka_pause_partitions(rk, parts);
        share_refresh_count(s, parts);
        if (!coop)
            share_clear(s); /* eager: parts is the whole new assignment */
        share_mark(s, parts, 1);
        what = SHARE_ASSIGNED;
    } else {
        /* Revoked (a handover) or lost (the group moved on without us: session timeout, fenced).
         * Either way another member may poll these feeds now, so we stop at once. */
        int lost = err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS ? rd_kafka_assignment_lost(rk) : 1;
        if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
            CW_ERR("share", "rebalance failed: %s group=%s", rd_kafka_err2str(err), s->group);
        if (coop)
            e = rd_kafka_incremental_unassign(rk, parts);
        else
            rd_kafka_assign(rk, NULL);
        if (coop)
            share_mark(s, parts, 0);
        else
            share_clear(s);
        what = lost ? SHARE_LOST : SHARE_REVOKED;
    }
    if (e != NULL) {
        CW_ERR("share", "incremental assignment failed: %s group=%s", rd_kafka_error_string(e), s->group);
        rd_kafka_error_destroy(e);
    }
    metric_set(s->m_parts, (double)s->nowned);
    if (s->on_change)
        s->on_change(s->ctx, what);
}

/* Fixed settings: no offsets are committed or even stored (nothing is consumed), and the
 * assignor is pinned so every member of a group agrees on it. */
static const char *const share_settings[][2] = {
    {"partition.assignment.strategy", "roundrobin"},
    {"enable.auto.commit", "false"},
    {"enable.auto.offset.store", "false"},
    {"auto.offset.reset", "latest"},
    {"allow.auto.create.topics", "false"},
    {"log.queue", "true"},
};

/* Besides share_settings, what share_rdkafka may not set: our identity in the group, the legacy
 * names of the settings above, and static membership (a static member does not leave on close,
 * so SIGTERM would no longer hand its feeds over at once). */
static const char *const share_fixed_more[] = {
    "group.id", "client.id", "group.instance.id", "group.protocol.type", "auto.commit.enable", "offset.store.method",
};

int share_prop_fixed(const char *prop)
{
    for (size_t i = 0; i < sizeof share_settings / sizeof share_settings[0]; i++)
        if (strcmp(prop, share_settings[i][0]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof share_fixed_more / sizeof share_fixed_more[0]; i++)
        if (strcmp(prop, share_fixed_more[i]) == 0)
            return 1;
    return 0;
}

/* The operator's share_rdkafka (group timing and the like; cfg_load checked it), then ours. */
static int share_conf_set(rd_kafka_conf_t *conf, const struct share *s, const struct cfg *cfg, char *errstr,
                          size_t errlen)
{
    char why[512];
    const char *prop;
    json_t *v;
    json_object_foreach((json_t *)cfg->share_rdkafka, prop, v) {
        if (sink_kafka_conf_set_json(conf, "share_rdkafka", prop, v, errstr, errlen) != 0)
            return -1;
    }
    for (size_t i = 0; i < sizeof share_settings / sizeof share_settings[0]; i++) {
        if (rd_kafka_conf_set(conf, share_settings[i][0], share_settings[i][1], why, sizeof why) != RD_KAFKA_CONF_OK)
            goto fail;
    }
    if (rd_kafka_conf_set(conf, "group.id", s->group, why, sizeof why) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "client.id", cfg->instance, why, sizeof why) != RD_KAFKA_CONF_OK)
        goto fail;
    return 0;
fail:
    snprintf(errstr, errlen, "share_group \"%s\": %s", s->group, why);
    return -1;
}

int share_create(const struct cfg *cfg, int timeout_ms, void (*on_change)(void *ctx, enum share_change what),
                 void *ctx, struct share **out, char *errstr, size_t errlen)
{
    rd_kafka_conf_t *conf = NULL;
    rd_kafka_topic_partition_list_t *sub = NULL;
    const char *sink = NULL;
    const json_t *brokers = cfg_kafka_brokers(cfg, &sink);
    char why[512] = "";
    *out = NULL;
    struct share *s = calloc(1, sizeof *s);
    if (s == NULL || (s->group = strdup(cfg->share_group)) == NULL || (s->topic = strdup(cfg->share_topic)) == NULL) {
        snprintf(errstr, errlen, "share: out of memory");
        goto fail;
    }
    s->on_change = on_change;
    s->ctx = ctx;
    s->m_parts = metric_gauge("claimwatch_share_partitions", NULL,
                              "Partitions of the share topic this daemon holds (several daemons)");
    if (brokers == NULL) {
        snprintf(errstr, errlen, "share_group \"%s\": no kafka sink names the brokers", s->group);
        goto fail;
    }
    conf = rd_kafka_conf_new();
    if (sink_kafka_conf_apply(conf, sink, brokers, share_want_prop, errstr, errlen) != 0 ||
        share_conf_set(conf, s, cfg, errstr, errlen) != 0)
        goto fail;
    char session_ms[32] = "?";
    size_t n = sizeof session_ms;
    rd_kafka_conf_get(conf, "session.timeout.ms", session_ms, &n);
    rd_kafka_conf_set_opaque(conf, s);
    rd_kafka_conf_set_rebalance_cb(conf, share_rebalance_cb);
    rd_kafka_conf_set_error_cb(conf, share_error_cb);
    rd_kafka_conf_set_log_cb(conf, share_log_cb);
    /* rd_kafka_new takes the conf only when it succeeds. */
    s->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    if (s->rk == NULL) {
        snprintf(errstr, errlen, "share_group \"%s\": cannot create the group consumer: %s", s->group, why);
        goto fail;
    }
    conf = NULL;
    /* Logs, errors and rebalances all come out of share_serve's consumer poll, on our thread. */
    rd_kafka_set_log_queue(s->rk, NULL);
    rd_kafka_poll_set_consumer(s->rk);
    s->rkt = rd_kafka_topic_new(s->rk, s->topic, NULL);
    if (s->rkt == NULL) {
        snprintf(errstr, errlen, "share_topic \"%s\": %s", s->topic, rd_kafka_err2str(rd_kafka_last_error()));
        goto fail;
    }
    why[0] = '\0';
    int rc = share_lookup_partitions(s, timeout_ms, &s->nparts, why, sizeof why);
    if (rc == 1) {
        snprintf(errstr, errlen, "share_topic \"%s\" does not exist (%s): create it with as many partitions as the "
                 "feeds should be split into (docs/operations.md, \"Several daemons\")", s->topic, why);
        goto fail;
    }
    if (rc < 0)
        CW_WARN("share", "cannot read the share topic's partition count yet; nothing is polled until the group "
                "assigns partitions group=%s topic=%s error=\"%s\"", s->group, s->topic, why);
    sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, s->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(s->rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(errstr, errlen, "share_group \"%s\": cannot subscribe to %s: %s", s->group, s->topic,
                 rd_kafka_err2str(err));
        goto fail;
    }
    metric_set(s->m_parts, 0);
    CW_NOTICE("share", "joining group=%s topic=%s partitions=%d instance=%s session_timeout_ms=%s", s->group,
              s->topic, (int)s->nparts, cfg->instance, session_ms);
    *out = s;
    return 0;
fail:
    if (conf != NULL)
        rd_kafka_conf_destroy(conf);
    if (s != NULL)
        s->stopped = 1; /* never joined: nothing to leave */
    share_destroy(s);
    return -1;
}

void share_serve(struct share *s)
{
    if (s == NULL || s->stopped)
        return;
    for (int i = 0; i < SHARE_SERVE_MAX; i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(s->rk, 0);
        if (m == NULL)
            return;
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            CW_WARN("share", "group consumer: %s group=%s", rd_kafka_message_errstr(m), s->group);
        rd_kafka_message_destroy(m);
    }
}

int share_owns(const struct share *s, const char *url)
{
    if (s == NULL || s->nparts <= 0 || s->nowned == 0)
        return 0;
    int32_t p = share_partition(url, s->nparts);
    return p < s->cap && s->owned[p];
}

const char *share_describe(const struct share *s, char *out, size_t len)
{
    size_t n = 0;
    out[0] = '\0';
    for (int32_t p = 0; p < s->cap && n < len; p++) {
        if (!s->owned[p])
            continue;
        int w = snprintf(out + n, len - n, "%s%d", n ? "," : "", (int)p);
        n += w > 0 ? (size_t)w : 0;
    }
    if (n >= len && len > 4)
        memcpy(out + len - 4, "...", 4);
    if (n == 0)
        snprintf(out, len, "none");
    n = strlen(out);
    if (n + 1 < len)
        snprintf(out + n, len - n, " of %d", (int)s->nparts);
    return out;
}

size_t share_owned_count(const struct share *s) { return s ? s->nowned : 0; }

const char *share_group(const struct share *s) { return s ? s->group : ""; }

void share_stop(struct share *s, int timeout_ms)
{
    if (s == NULL || s->stopped)
        return;
    s->stopped = 1;
    /* Leave the group now: the others get our partitions in their next rebalance instead of after
     * the session timeout. The revoke comes through the rebalance callback on this queue. */
    rd_kafka_queue_t *q = rd_kafka_queue_new(s->rk);
    rd_kafka_error_t *e = rd_kafka_consumer_close_queue(s->rk, q);
    if (e != NULL) {
        CW_WARN("share", "cannot leave the group cleanly: %s group=%s", rd_kafka_error_string(e), s->group);
        rd_kafka_error_destroy(e);
    } else {
        int64_t end = cw_now_ms() + timeout_ms;
        while (!rd_kafka_consumer_closed(s->rk) && cw_now_ms() < end)
            rd_kafka_queue_poll_callback(q, 100);
        if (!rd_kafka_consumer_closed(s->rk))
            CW_WARN("share", "left the group without waiting for the brokers group=%s timeout_ms=%d", s->group,
                    timeout_ms);
    }
    rd_kafka_queue_destroy(q);
    if (s->nowned > 0) { /* no revoke came: we hold nothing from now on anyway */
        share_clear(s);
        metric_set(s->m_parts, 0);
        if (s->on_change)
            s->on_change(s->ctx, SHARE_REVOKED);
    }
}

void share_destroy(struct share *s)
{
    if (s == NULL)
        return;
    share_stop(s, 5000);
    if (s->rkt != NULL)
        rd_kafka_topic_destroy(s->rkt);
    /* Closed above (or never joined): destroy must not try to close it again. */
    if (s->rk != NULL)
        rd_kafka_destroy_flags(s->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    free(s->owned);
    free(s->group);
    free(s->topic);
    free(s);
}
