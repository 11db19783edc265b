/* The sender drains the outbox into the sinks: it publishes pending rows (row id as the opaque),
 * deletes a row only on a successful delivery report, returns retriable failures to pending with
 * a backoff, and moves permanent failures to the dead-letter sink/topic with the reason. */
#ifndef CW_SENDER_H
#define CW_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/store.h"
#include "sinks/sink.h"

struct sender;

struct sender_opts {
    size_t max_in_flight;   /* rows handed to one sink and not yet reported (default 4000) */
    int64_t retry_min_ms;   /* backoff after a retriable failure (default 500) */
    int64_t retry_max_ms;   /* (default 30000) */
    /* JSONL file for dead-letter events that the sink refused too (e.g. larger than the
     * dead-letter topic accepts); NULL: such rows are parked in the outbox and logged. */
    const char *dead_letter_path;
};

/* sinks are borrowed and must outlive the sender; the sender installs itself as their report
 * callback context, so create sinks with sender_report as their callback and the sender as ctx
 * via sender_attach. NULL on allocation failure. */
struct sender *sender_create(struct store *st, const struct sender_opts *opts);
/* The report callback to give to sink_create, with the sender as its ctx. */
void sender_report(void *ctx, int64_t opaque, enum sink_status status, const char *reason);
/* Adds a sink the sender publishes to (rows whose sink column equals the sink's name). */
int sender_attach(struct sender *s, struct sink *sink);
/* Publishes what is pending and due, serves delivery reports; waits at most timeout_ms in the
 * sinks' polls. Non-blocking with 0. Returns rows published, or -1 on a store error. */
int sender_pump(struct sender *s, int timeout_ms);
/* Pumps until the attached sinks have nothing left to send or the monotonic clock (cw_now_ms())
 * reaches deadline_ms (absolute: pass cw_now_ms() + timeout). Returns rows still pending for them
 * (parked rows and rows of sinks that are not attached excluded; both are logged), or -1 on a
 * store error. */
int64_t sender_drain(struct sender *s, int64_t deadline_ms);
/* Stops: flushes the sinks until cw_now_ms() reaches deadline_ms (absolute), purges what is
 * still in flight (it stays pending). */
void sender_stop(struct sender *s, int64_t deadline_ms);
/* Delivered, failed-retriable, dead-lettered counts since creation. */
void sender_stats(const struct sender *s, uint64_t *delivered, uint64_t *retried, uint64_t *dead);
/* Rows handed to the sinks and not yet reported. */
size_t sender_in_flight(const struct sender *s);
void sender_destroy(struct sender *s);

#endif
