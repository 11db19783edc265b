#include "sinks/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct sink_ops sink_stdout_ops;
extern const struct sink_ops sink_file_ops;
extern const struct sink_ops sink_kafka_ops;

/* Every sink type claimwatch knows, by config name. */
const struct sink_ops *const sink_types[] = {
    &sink_kafka_ops,
    &sink_file_ops,
    &sink_stdout_ops,
    NULL,
};

static const char *const kind_names[SINK_KIND_COUNT] = {
    [SINK_KIND_ITEMS] = "items",
    [SINK_KIND_CLAIMS] = "claims",
    [SINK_KIND_ALERTS] = "alerts",
    [SINK_KIND_FEED_STATUS] = "feed-status",
    [SINK_KIND_DEAD_LETTER] = "dead-letter",
};

const char *sink_kind_name(enum sink_kind k)
{
    return (unsigned)k < SINK_KIND_COUNT ? kind_names[k] : "unknown";
}

int sink_kind_from_name(const char *name)
{
    for (int i = 0; i < SINK_KIND_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return -1;
}

int sink_create(const char *type, const char *name, const json_t *conf, sink_report_fn report, void *ctx,
                struct sink **out, char *errstr, size_t errlen)
{
    const struct sink_ops *ops = NULL;
    for (size_t i = 0; sink_types[i] != NULL; i++)
        if (strcmp(sink_types[i]->name, type) == 0)
            ops = sink_types[i];
    if (ops == NULL) {
        snprintf(errstr, errlen, "unknown sink type \"%s\"", type);
        return -1;
    }
    struct sink *s = calloc(1, sizeof *s);
    if (s == NULL || (s->name = strdup(name ? name : type)) == NULL) {
        free(s);
        snprintf(errstr, errlen, "out of memory");
        return -1;
    }
    s->ops = ops;
    s->report = report;
    s->report_ctx = ctx;
    if (ops->init(s, conf, errstr, errlen) != 0) {
        free(s->name);
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

enum sink_result sink_publish(struct sink *s, const struct sink_msg *msg)
{
    if (s->max_message_bytes > 0 && msg->len > s->max_message_bytes)
        return SINK_ERROR; /* caught before the transport sees it */
    return s->ops->publish(s, msg);
}

int sink_poll(struct sink *s, int timeout_ms) { return s->ops->poll ? s->ops->poll(s, timeout_ms) : 0; }
int sink_flush(struct sink *s, int timeout_ms) { return s->ops->flush ? s->ops->flush(s, timeout_ms) : 0; }

void sink_purge(struct sink *s)
{
    if (s->ops->purge)
        s->ops->purge(s);
}

void sink_destroy(struct sink *s)
{
    if (s == NULL)
        return;
    if (s->ops->destroy)
        s->ops->destroy(s);
    free(s->name);
    free(s);
}
