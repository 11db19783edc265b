/* Sinks: where events go. A sink is a const table of operations plus a name; all sinks are listed
 * in one static table (sink.c). Sinks know nothing of SQLite: they take an event and later report
 * its delivery through the callback with the opaque they were given (the outbox row id). */
#ifndef CW_SINK_H
#define CW_SINK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum sink_result {
    SINK_OK = 0,     /* accepted: a delivery report will follow */
    SINK_RETRY = 1,  /* not accepted now (queue full, transport down): try again later */
    SINK_ERROR = -1, /* this message can never be accepted (too large, invalid): dead-letter it */
};

/* Delivery report status. */
enum sink_status {
    SINK_DELIVERED = 0,
    SINK_FAILED_RETRIABLE = 1, /* timed out, broker down...: stays pending, sent again later */
    SINK_FAILED_PERMANENT = 2, /* rejected for good: dead-letter with the reason */
};

/* The event kinds, each with its own configurable topic. */
enum sink_kind {
    SINK_KIND_ITEMS = 0,
    SINK_KIND_CLAIMS,
    SINK_KIND_ALERTS,
    SINK_KIND_FEED_STATUS,
    SINK_KIND_DEAD_LETTER,
    SINK_KIND_COUNT
};
const char *sink_kind_name(enum sink_kind k);
int sink_kind_from_name(const char *name); /* -1 if unknown */

struct sink_msg {
    enum sink_kind kind;
    const char *key; /* item id, or claim id for per-claim events */
    size_t keylen;
    const char *payload; /* the event JSON */
    size_t len;
    const char *event_id;
    const char *schema; /* "claimwatch.item.v1" */
    int64_t opaque;     /* returned in the delivery report */
};

/* Called from sink_poll/sink_flush (never from publish) once per accepted message. */
typedef void (*sink_report_fn)(void *ctx, int64_t opaque, enum sink_status status, const char *reason);

struct sink;

struct sink_ops {
    const char *name; /* "kafka", "file", "stdout" */
    /* conf is the sink's config object (borrowed); on failure errstr says why. */
    int (*init)(struct sink *s, const json_t *conf, char *errstr, size_t errlen);
    enum sink_result (*publish)(struct sink *s, const struct sink_msg *msg);
    /* Serve delivery reports; wait at most timeout_ms. Returns the number of reports served. */
    int (*poll)(struct sink *s, int timeout_ms);
    /* Wait until everything accepted is reported, or timeout_ms passes. Returns what is still
     * in flight (0 = all reported). */
    int (*flush)(struct sink *s, int timeout_ms);
    /* Drop what is still in flight without reporting it (it stays pending in the outbox). */
    void (*purge)(struct sink *s);
    void (*destroy)(struct sink *s);
};

struct sink {
    const struct sink_ops *ops;
    char *name;      /* instance name from the config */
    void *impl;      /* the transport's state */
    sink_report_fn report;
    void *report_ctx;
    size_t max_message_bytes; /* 0 = unlimited; set by init when the transport has a limit */
    /* Why the last publish returned SINK_ERROR, set by the transport (empty: too large or
     * invalid for max_message_bytes). The sender copies it into the dead letter's reason. */
    char last_error[200];
};

/* Creates a sink of the given type ("kafka", "file", "stdout"). Returns 0 and an owned *out, or
 * -1 with errstr naming the problem (unknown type, bad property...). */
int sink_create(const char *type, const char *name, const json_t *conf, sink_report_fn report, void *ctx,
                struct sink **out, char *errstr, size_t errlen);
enum sink_result sink_publish(struct sink *s, const struct sink_msg *msg);
int sink_poll(struct sink *s, int timeout_ms);
int sink_flush(struct sink *s, int timeout_ms);
void sink_purge(struct sink *s);
void sink_destroy(struct sink *s);
/* The registered sink types, NULL-terminated. */
extern const struct sink_ops *const sink_types[];

#endif
