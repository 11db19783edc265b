/* The transactional outbox (docs/delivery.md): an item's "seen" mark and its events are written in
 * one SQLite transaction; rows leave the outbox only when a sink reports their delivery. */
#ifndef CW_OUTBOX_H
#define CW_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/store.h"
#include "sinks/sink.h"

struct outbox_event {
    enum sink_kind kind;
    const char *key;      /* item id, or claim id for per-claim events */
    const char *event_id; /* unique per event; consumers dedupe on it */
    const char *payload;  /* JSON */
    size_t len;
};

struct outbox_item {
    const char *id; /* item id: its seen mark */
    int64_t feed_id;
    uint64_t fingerprint;
    const char *url;
};

/* Marks item seen and queues its events, one row per event and sink, in one transaction.
 * sinks names the active sinks. item may be NULL (feed-status events). Returns 0, 1 if the item
 * was already seen (nothing written), or -1 on error (nothing written; logged). */
int outbox_accept(struct store *st, const struct outbox_item *item, const struct outbox_event *events,
                  size_t nevents, const char *const *sinks, size_t nsinks);
/* Rows pending (all sinks) and the age in ms of the oldest; -1 on error. */
int64_t outbox_backlog(struct store *st, int64_t *oldest_age_ms);
/* Bytes of payload pending; -1 on error. */
int64_t outbox_backlog_bytes(struct store *st);
/* The bound: 1 when the backlog has reached max_rows or max_bytes (0 = no bound), or on a store
 * error (fail closed: pausing fetching loses nothing); 0 when there is room. The loop pauses
 * fetching while this is 1 and resumes when the sender has drained below the bound. */
int outbox_full(struct store *st, int64_t max_rows, int64_t max_bytes);

#endif
