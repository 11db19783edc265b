/* Sharing the feed list between daemons (docs/operations.md, "Several daemons"): every daemon
 * with the same share_group joins one Kafka consumer group subscribed to share_topic. The group
 * assigns the topic's partitions among its members; a feed belongs to the partition of its URL
 * (share_partition), and a daemon polls the feeds of the partitions it holds. No message is ever
 * read: only the group membership is used. */
#ifndef CW_SHARE_H
#define CW_SHARE_H

#include <stddef.h>
#include <stdint.h>

struct cfg;
struct share;

/* What the group just did, for the change callback's log line. */
enum share_change {
    SHARE_ASSIGNED, /* partitions added (or, eager protocol, the whole new assignment) */
    SHARE_REVOKED,  /* partitions handed back in a rebalance */
    SHARE_LOST,     /* partitions taken away without a handover (session timed out, fenced) */
};

/* The partition of a feed among nparts (> 0): Kafka's murmur2 hash of the URL's bytes, made
 * positive, mod nparts: the partition the Java client's default partitioner (librdkafka's
 * murmur2_random) gives a message keyed by the URL. The same on every machine and in every
 * version: it decides who polls what. */
int32_t share_partition(const char *url, int32_t nparts);

/* Joins cfg->share_group as cfg->instance through the brokers of the first kafka sink (its
 * connection properties only, then cfg->share_rdkafka) and subscribes to cfg->share_topic. Looks up the topic's partition
 * count, waiting up to timeout_ms: a topic that does not exist is an error; brokers that do not
 * answer are only a warning (nothing is owned until the group assigns partitions). on_change is
 * called from share_serve (and share_stop) after each change of the owned set. Returns 0 and an
 * owned *out, or -1 with errstr set. cfg is borrowed for the call only. */
int share_create(const struct cfg *cfg, int timeout_ms, void (*on_change)(void *ctx, enum share_change what),
                 void *ctx, struct share **out, char *errstr, size_t errlen);
/* 1 when share_create sets prop itself (group.id, the assignor, offset handling...) or it would
 * break the handover on stop (group.instance.id): the config's share_rdkafka must not set it. */
int share_prop_fixed(const char *prop);
/* Serves the group without blocking (heartbeats run on librdkafka's threads, but rebalances,
 * logs and errors are served here): call it often, e.g. from a loop timer. */
void share_serve(struct share *s);
/* 1 when the feed with this URL is in one of the partitions held now; 0 before the first
 * assignment, after a revoke, and while the partition count is unknown. */
int share_owns(const struct share *s, const char *url);
/* "0,2 of 4" (or "none of 4") into out: the partitions held now. Returns out. */
const char *share_describe(const struct share *s, char *out, size_t len);
/* Partitions held now. */
size_t share_owned_count(const struct share *s);
/* The group's name (borrowed). */
const char *share_group(const struct share *s);
/* Leaves the group (revokes everything, calling on_change) so the others take over at once
 * rather than after the session timeout; waits at most timeout_ms. Idempotent. */
void share_stop(struct share *s, int timeout_ms);
/* Stops (if not yet) and frees. NULL is fine. */
void share_destroy(struct share *s);

#endif
