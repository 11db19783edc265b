/* The stdout sink: one event per line. Delivered once written and flushed to the pipe;
 * a write error (closed pipe, full disk behind a redirect) is retriable. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/sink.h"

struct stdout_pending {
    int64_t opaque;
    enum sink_status status;
};

struct stdout_sink {
    struct stdout_pending *v;
    size_t n, cap;
};

static int stdout_init(struct sink *s, const json_t *conf, char *errstr, size_t errlen)
{
    (void)conf;
    s->impl = calloc(1, sizeof(struct stdout_sink));
    if (s->impl == NULL) {
        snprintf(errstr, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static enum sink_result stdout_publish(struct sink *s, const struct sink_msg *msg)
{
    struct stdout_sink *ss = s->impl;
    if (ss->n == ss->cap) {
        size_t cap = ss->cap ? ss->cap * 2 : 64;
        struct stdout_pending *v = realloc(ss->v, cap * sizeof *v);
        if (v == NULL)
            return SINK_RETRY;
        ss->v = v;
        ss->cap = cap;
    }
    int ok = fwrite(msg->payload, 1, msg->len, stdout) == msg->len && fputc('\n', stdout) != EOF &&
             fflush(stdout) == 0;
    ss->v[ss->n++] = (struct stdout_pending){msg->opaque, ok ? SINK_DELIVERED : SINK_FAILED_RETRIABLE};
    return SINK_OK;
}

static int stdout_poll(struct sink *s, int timeout_ms)
{
    (void)timeout_ms;
    struct stdout_sink *ss = s->impl;
    size_t n = ss->n;
    /* Reports may publish again (re-queue), so detach the batch first. */
    struct stdout_pending *batch = ss->v;
    ss->v = NULL;
    ss->n = ss->cap = 0;
    for (size_t i = 0; i < n; i++)
        s->report(s->report_ctx, batch[i].opaque, batch[i].status,
                  batch[i].status == SINK_DELIVERED ? NULL : "write to stdout failed");
    free(batch);
    return (int)n;
}

static int stdout_flush(struct sink *s, int timeout_ms)
{
    stdout_poll(s, timeout_ms);
    return 0;
}

static void stdout_purge(struct sink *s)
{
    struct stdout_sink *ss = s->impl;
    ss->n = 0;
}

static void stdout_destroy(struct sink *s)
{
    struct stdout_sink *ss = s->impl;
    if (ss == NULL)
        return;
    free(ss->v);
    free(ss);
}

const struct sink_ops sink_stdout_ops = {
    .name = "stdout",
    .init = stdout_init,
    .publish = stdout_publish,
    .poll = stdout_poll,
    .flush = stdout_flush,
    .purge = stdout_purge,
    .destroy = stdout_destroy,
};
