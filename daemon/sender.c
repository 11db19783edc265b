/* The sender: drains the outbox into the sinks (see sender.h and docs/delivery.md).
 *
 * Rows are published in id order from a per-sink cursor, so a pump costs one range scan of what
 * is new, not a scan of the backlog. Rows handed to a sink and not yet reported are remembered in
 * memory only (an id -> sink map): nothing is written when a row is published, so a crash simply
 * leaves it pending and the next start sends it again (at-least-once). A row leaves the outbox
 * only in a DELIVERED report; a retriable failure sets its next attempt time and rewinds the
 * cursor when that time comes; a permanent failure rewrites the row in place into a dead-letter
 * event (the original, its reason, its attempts) that goes out on the same sink's dead-letter
 * topic. Reports are applied inside one transaction per pump, so deleting delivered rows costs
 * one commit per batch, not one fsync per message. */
#include "daemon/sender.h"

#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cw_log.h"
#include "common/cw_metrics.h"
#include "common/cw_util.h"
#include "daemon/outbox.h"

#define SENDER_MAX_SINKS 16
#define SENDER_BATCH 256
/* next_attempt_ms of a row no sink can ever take (its dead-letter event was itself refused and
 * there is no dead-letter file): kept for the operator, never retried, logged as an error. */
#define SENDER_PARKED INT64_C(4000000000000000000)
/* How much of an oversized event the dead-letter envelope carries. */
#define SENDER_DL_PREFIX 1024

struct sender_sink {
    struct sink *sink;
    int64_t cursor;    /* rows with id <= cursor were considered in this sweep */
    int64_t rewind_at; /* wall ms at which to restart the sweep from 0 (a retried row is due) */
    int64_t next_full_sweep; /* wall ms of the next sweep from 0 regardless */
    size_t in_flight;
    int64_t paused_until; /* backpressure after a retriable failure (monotonic ms) */
    int64_t backoff_ms;
    struct metric *m_delivered, *m_retried, *m_dead, *m_in_flight;
};

struct sender_slot {
    int64_t id; /* 0 = empty (row ids start at 1) */
    int sink;
};

struct sender {
    struct store *st;
    struct sender_opts opts;
    struct sender_sink sinks[SENDER_MAX_SINKS];
    size_t nsinks;
    struct sender_slot *map; /* in-flight row id -> sink index, open addressing */
    size_t mapcap;           /* power of two */
    size_t mapn;
    int64_t *done; /* delivered row ids not yet deleted (deleted in runs by sender_reap) */
    size_t ndone, donecap;
    int reap_failed;
    int orphans_checked;
    uint64_t delivered, retried, dead;
    int64_t next_metrics_ms;
    struct metric *m_backlog, *m_oldest;
};

static size_t map_hash(int64_t id, size_t cap) { return ((uint64_t)id * UINT64_C(0x9E3779B97F4A7C15)) >> 17 & (cap - 1); }

static int map_grow(struct sender *s)
{
    size_t cap = s->mapcap ? s->mapcap * 2 : 1024;
    struct sender_slot *m = calloc(cap, sizeof *m);
    if (m == NULL)
        return -1;
    for (size_t i = 0; i < s->mapcap; i++) {
        if (s->map[i].id == 0)
            continue;
        size_t j = map_hash(s->map[i].id, cap);
        while (m[j].id != 0)
            j = (j + 1) & (cap - 1);
        m[j] = s->map[i];
    }
    free(s->map);
    s->map = m;
    s->mapcap = cap;
    return 0;
}

static int map_put(struct sender *s, int64_t id, int sink)
{
    if ((s->mapn + 1) * 2 > s->mapcap && map_grow(s) != 0)
        return -1;
    size_t j = map_hash(id, s->mapcap);
    while (s->map[j].id != 0 && s->map[j].id != id)
        j = (j + 1) & (s->mapcap - 1);
    if (s->map[j].id == 0)
        s->mapn++;
    s->map[j] = (struct sender_slot){id, sink};
    return 0;
}

static size_t map_find(const struct sender *s, int64_t id)
{
    if (s->mapcap == 0)
        return SIZE_MAX;
    size_t j = map_hash(id, s->mapcap);
    while (s->map[j].id != 0) {
        if (s->map[j].id == id)
            return j;
        j = (j + 1) & (s->mapcap - 1);
    }
    return SIZE_MAX;
}

/* Removes slot j, shifting later entries of the probe run back so lookups stay correct. */
static void map_del(struct sender *s, size_t j)
{
    size_t mask = s->mapcap - 1;
    s->map[j].id = 0;
    s->mapn--;
    for (size_t k = (j + 1) & mask; s->map[k].id != 0; k = (k + 1) & mask) {
        size_t home = map_hash(s->map[k].id, s->mapcap);
        /* Move k into the hole j if its home is not in the cyclic range (j, k]. */
        if ((j <= k) ? (home <= j || home > k) : (home <= j && home > k)) {
            s->map[j] = s->map[k];
            s->map[k].id = 0;
            j = k;
        }
    }
}

struct sender *sender_create(struct store *st, const struct sender_opts *opts)
{
    struct sender *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->st = st;
    if (opts != NULL)
        s->opts = *opts;
    /* 4000 rows of 1 KiB: about 4 MiB held in librdkafka during an outage. With 1000 the sender
     * fell behind a burst (one pump per accepted batch waits for the reports of the last one) and
     * the backlog it left took 200-360 ms to drain after 100,000 events; with 4000, 6-60 ms
     * (bench/deliver, 1.18-1.32 s -> 0.91-0.97 s for the whole path). */
    if (s->opts.max_in_flight == 0)
        s->opts.max_in_flight = 4000;
    if (s->opts.retry_min_ms <= 0)
        s->opts.retry_min_ms = 500;
    if (s->opts.retry_max_ms < s->opts.retry_min_ms)
        s->opts.retry_max_ms = s->opts.retry_min_ms > 30000 ? s->opts.retry_min_ms : 30000;
    /* Every event is written twice (insert, then delete on delivery) and rows are small, so the
     * default checkpoint every 1000 WAL pages (4 MiB with 4 KiB pages) fsyncs the database file
     * several times a second during a burst. Checkpointing every 32 MiB of WAL writes each
     * churned page once instead of several times: measured 1.4x the throughput in bench/deliver.
     * In pages, since databases created before schema v3 keep 4 KiB pages (new ones: 8 KiB). */
    sqlite3_stmt *ps = NULL;
    int64_t page = 4096;
    if (sqlite3_prepare_v2(store_db(st), "PRAGMA page_size", -1, &ps, NULL) == SQLITE_OK && sqlite3_step(ps) == SQLITE_ROW)
        page = sqlite3_column_int64(ps, 0);
    sqlite3_finalize(ps);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA wal_autocheckpoint=%lld", (long long)((32 << 20) / (page > 512 ? page : 4096)));
    sqlite3_exec(store_db(st), sql, NULL, NULL, NULL);
    s->m_backlog = metric_gauge("claimwatch_outbox_pending_rows", NULL, "Outbox rows not yet delivered (all sinks)");
    s->m_oldest = metric_gauge("claimwatch_outbox_oldest_pending_seconds", NULL,
                               "Age of the oldest outbox row not yet delivered");
    return s;
}

int sender_attach(struct sender *s, struct sink *sink)
{
    if (s->nsinks == SENDER_MAX_SINKS) {
        CW_ERR("sender", "too many sinks (at most %d) sink=%s", SENDER_MAX_SINKS, sink->name);
        return -1;
    }
    struct sender_sink *ss = &s->sinks[s->nsinks];
    memset(ss, 0, sizeof *ss);
    ss->sink = sink;
    ss->rewind_at = INT64_MAX;
    char labels[256];
    snprintf(labels, sizeof labels, "sink=\"%s\"", sink->name);
    ss->m_delivered = metric_counter("claimwatch_events_delivered_total", labels, "Events delivered per sink");
    ss->m_retried = metric_counter("claimwatch_delivery_retries_total", labels,
                                   "Retriable delivery failures (the event stays pending)");
    ss->m_dead = metric_counter("claimwatch_dead_letter_total", labels, "Events refused for good and dead-lettered");
    ss->m_in_flight = metric_gauge("claimwatch_sink_in_flight", labels, "Events handed to the sink, not yet reported");
    s->nsinks++;
    return 0;
}

static int64_t sender_backoff(const struct sender *s, int attempts)
{
    int64_t b = s->opts.retry_min_ms;
    for (int i = 1; i < attempts && b < s->opts.retry_max_ms; i++)
        b *= 2;
    return b < s->opts.retry_max_ms ? b : s->opts.retry_max_ms;
}

static void sender_rewind(struct sender_sink *ss, int64_t at)
{
    if (at < ss->rewind_at)
        ss->rewind_at = at;
}

static int sender_step(struct sender *s, sqlite3_stmt *q, const char *what, int64_t id)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        CW_ERR("sender", "cannot %s outbox row: %s row=%lld path=%s", what, sqlite3_errmsg(store_db(s->st)),
               (long long)id, store_path(s->st));
        return -1;
    }
    return 0;
}

/* A JSON string of n bytes of p; invalid UTF-8 or control bytes become '?' rather than making
 * the envelope impossible to build (a dead letter must always be writable). */
static json_t *sender_json_str(const char *p, size_t n)
{
    /* NUL is valid JSON (\u0000) but many consumers' parsers refuse it: sanitise it too. */
    json_t *j = memchr(p, '\0', n) == NULL ? json_stringn(p, n) : NULL;
    if (j != NULL)
        return j;
    char *c = malloc(n + 1);
    if (c == NULL)
        return json_string("?");
    for (size_t i = 0; i < n; i++)
        c[i] = (unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x80 ? '?' : p[i];
    j = json_stringn(c, n);
    free(c);
    return j;
}

/* Builds the dead-letter envelope for an event refused for good. Owned string or NULL (out of
 * memory only). Not static: the fuzz target calls it (double underscore: internal). */
char *sender__dl_envelope(const struct sink *sink, int kind, const char *key, const char *event_id,
                          const char *payload, size_t len, int attempts, const char *reason);
char *sender__dl_envelope(const struct sink *sink, int kind, const char *key, const char *event_id,
                                const char *payload, size_t len, int attempts, const char *reason)
{
    char ts[CW_RFC3339_LEN];
    cw_time_rfc3339(cw_wall_ms() / 1000, ts, sizeof ts);
    json_t *o = json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:s, s:i, s:I}", "schema", "claimwatch.dead-letter.v1",
                          "event_id", sender_json_str(event_id, strlen(event_id)), "kind",
                          sink_kind_name((enum sink_kind)kind), "key", sender_json_str(key, strlen(key)), "sink",
                          sender_json_str(sink->name, strlen(sink->name)), "reason",
                          sender_json_str(reason, strlen(reason)), "failed_at", ts, "attempts", attempts,
                          "event_bytes", (json_int_t)len);
    if (o == NULL)
        return NULL;
    size_t limit = sink->max_message_bytes;
    json_t *ev = NULL;
    if (limit == 0 || len + 2048 < limit)
        ev = json_loadb(payload, len, JSON_DECODE_ANY, NULL);
    if (ev != NULL) {
        json_object_set_new(o, "event", ev);
    } else {
        /* Too large or not JSON: carry a prefix that always fits; the full original stays
         * reachable through the event id in the producer's logs and any dead-letter file. */
        size_t n = len < SENDER_DL_PREFIX ? len : SENDER_DL_PREFIX;
        while (n > 0 && n < len && ((unsigned char)payload[n] & 0xC0) == 0x80)
            n--; /* do not cut a UTF-8 sequence */
        json_object_set_new(o, "event_prefix", sender_json_str(payload, n));
    }
    char *out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return out;
}

static int sender_dl_file(const struct sender *s, const char *env, size_t len)
{
    if (s->opts.dead_letter_path == NULL)
        return -1;
    FILE *f = fopen(s->opts.dead_letter_path, "a");
    if (f == NULL) {
        CW_ERR("sender", "cannot open dead-letter file: %s path=%s", strerror(errno), s->opts.dead_letter_path);
        return -1;
    }
    int ok = fwrite(env, 1, len, f) == len && fputc('\n', f) != EOF && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        CW_ERR("sender", "cannot write dead-letter file: %s path=%s", strerror(errno), s->opts.dead_letter_path);
    return ok ? 0 : -1;
}

/* A permanent failure: the row becomes its dead-letter event (same sink, dead-letter kind), or,
 * when it already was one, goes to the dead-letter file (or is parked, logged). */
static void sender_dead_letter(struct sender *s, struct sender_sink *ss, int64_t id, const char *reason)
{
    sqlite3_stmt *q = store_stmt(s->st, "SELECT kind, key, event_id, payload, attempts FROM outbox WHERE id=?1");
    if (q == NULL)
        return;
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_reset(q);
        return; /* already gone (a duplicate report) */
    }
    int kind = sqlite3_column_int(q, 0);
    char *key = cw_strdup0((const char *)sqlite3_column_text(q, 1));
    char *event_id = cw_strdup0((const char *)sqlite3_column_text(q, 2));
    const void *p = sqlite3_column_blob(q, 3);
    size_t len = (size_t)sqlite3_column_bytes(q, 3);
    int attempts = sqlite3_column_int(q, 4) + 1;
    char *env = sender__dl_envelope(ss->sink, kind, key ? key : "", event_id ? event_id : "", p ? p : "", len,
                                   attempts, reason);
    sqlite3_reset(q);
    if (env == NULL)
        goto out;
    s->dead++;
    metric_inc(ss->m_dead);
    if (kind != SINK_KIND_DEAD_LETTER) {
        CW_WARN("sender", "event refused for good, dead-lettered: %s event_id=%s key=%s sink=%s", reason,
                event_id ? event_id : "", key ? key : "", ss->sink->name);
        q = store_stmt(s->st, "UPDATE outbox SET kind=?2, payload=?3, attempts=?4, next_attempt_ms=0, last_error=?5 "
                              "WHERE id=?1");
        if (q == NULL)
            goto out;
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int(q, 2, SINK_KIND_DEAD_LETTER);
        sqlite3_bind_blob64(q, 3, env, strlen(env), SQLITE_STATIC);
        sqlite3_bind_int(q, 4, attempts);
        sqlite3_bind_text(q, 5, reason, -1, SQLITE_STATIC);
        if (sender_step(s, q, "dead-letter", id) == 0)
            sender_rewind(ss, 0);
    } else if (sender_dl_file(s, env, strlen(env)) == 0) {
        q = store_stmt(s->st, "DELETE FROM outbox WHERE id=?1");
        if (q != NULL) {
            sqlite3_bind_int64(q, 1, id);
            sender_step(s, q, "delete", id);
        }
    } else {
        CW_ERR("sender", "dead-letter event refused too, parked in the outbox: %s event_id=%s row=%lld sink=%s",
               reason, event_id ? event_id : "", (long long)id, ss->sink->name);
        q = store_stmt(s->st, "UPDATE outbox SET next_attempt_ms=?2, last_error=?3 WHERE id=?1");
        if (q == NULL)
            goto out;
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int64(q, 2, SENDER_PARKED);
        sqlite3_bind_text(q, 3, reason, -1, SQLITE_STATIC);
        sender_step(s, q, "park", id);
    }
out:
    free(env);
    free(key);
    free(event_id);
}

void sender_report(void *ctx, int64_t opaque, enum sink_status status, const char *reason)
{
    struct sender *s = ctx;
    size_t j = map_find(s, opaque);
    if (j == SIZE_MAX) {
        /* Not in flight (purged, or reported twice): the row's state in the outbox is the truth;
         * a late success still deletes it, anything else leaves it pending. */
        if (status == SINK_DELIVERED) {
            sqlite3_stmt *q = store_stmt(s->st, "DELETE FROM outbox WHERE id=?1");
            if (q != NULL) {
                sqlite3_bind_int64(q, 1, opaque);
                sender_step(s, q, "delete", opaque);
            }
        }
        return;
    }
    struct sender_sink *ss = &s->sinks[s->map[j].sink];
    map_del(s, j);
    if (ss->in_flight > 0)
        ss->in_flight--;
    if (status == SINK_DELIVERED) {
        if (s->ndone == s->donecap) {
            size_t cap = s->donecap ? s->donecap * 2 : 1024;
            int64_t *v = realloc(s->done, cap * sizeof *v);
            if (v == NULL) {
                sqlite3_stmt *q = store_stmt(s->st, "DELETE FROM outbox WHERE id=?1");
                if (q != NULL) {
                    sqlite3_bind_int64(q, 1, opaque);
                    sender_step(s, q, "delete", opaque);
                }
                return;
            }
            s->done = v;
            s->donecap = cap;
        }
        s->done[s->ndone++] = opaque;
        s->delivered++;
        metric_inc(ss->m_delivered);
        ss->backoff_ms = 0;
        return;
    }
    if (status == SINK_FAILED_PERMANENT) {
        sender_dead_letter(s, ss, opaque, reason ? reason : "refused by the sink");
        return;
    }
    /* Retriable: back to pending with a growing delay, and slow the whole sink down a little. */
    s->retried++;
    metric_inc(ss->m_retried);
    sqlite3_stmt *q = store_stmt(s->st, "SELECT attempts FROM outbox WHERE id=?1");
    if (q == NULL)
        return;
    sqlite3_bind_int64(q, 1, opaque);
    int attempts = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) + 1 : 1;
    sqlite3_reset(q);
    int64_t next = cw_wall_ms() + sender_backoff(s, attempts);
    q = store_stmt(s->st, "UPDATE outbox SET attempts=attempts+1, next_attempt_ms=?2, last_error=?3 WHERE id=?1");
    if (q == NULL)
        return;
    sqlite3_bind_int64(q, 1, opaque);
    sqlite3_bind_int64(q, 2, next);
    sqlite3_bind_text(q, 3, reason ? reason : "retriable failure", -1, SQLITE_STATIC);
    if (sender_step(s, q, "reschedule", opaque) == 0)
        sender_rewind(ss, next);
    ss->backoff_ms = ss->backoff_ms ? ss->backoff_ms * 2 : s->opts.retry_min_ms / 4 + 1;
    if (ss->backoff_ms > s->opts.retry_max_ms)
        ss->backoff_ms = s->opts.retry_max_ms;
    ss->paused_until = cw_now_ms() + ss->backoff_ms;
    CW_DEBUG("sender", "delivery failed, will retry: %s row=%lld attempts=%d sink=%s",
             reason ? reason : "", (long long)opaque, attempts, ss->sink->name);
}

static int sender_cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Deletes the delivered rows. Sorted, they mostly form runs of consecutive ids, and a run in
 * which every id was delivered is deleted with one range statement instead of one per row.
 * Called after every poll, before anything can publish again (a delivered row must be gone
 * before a rewound sweep could see it). */
static void sender_reap(struct sender *s)
{
    if (s->ndone == 0)
        return;
    qsort(s->done, s->ndone, sizeof *s->done, sender_cmp_id);
    for (size_t i = 0; i < s->ndone;) {
        size_t k = i;
        while (k + 1 < s->ndone && s->done[k + 1] == s->done[k] + 1)
            k++;
        sqlite3_stmt *q = store_stmt(s->st, "DELETE FROM outbox WHERE id >= ?1 AND id <= ?2");
        if (q == NULL) {
            s->reap_failed = 1;
            break;
        }
        sqlite3_bind_int64(q, 1, s->done[i]);
        sqlite3_bind_int64(q, 2, s->done[k]);
        if (sender_step(s, q, "delete", s->done[i]) != 0)
            s->reap_failed = 1;
        i = k + 1;
    }
    s->ndone = 0;
}

/* Publishes due rows of one sink until its window is full or it pushes back. Returns the number
 * published, or -1 on a store error. */
static int sender_publish_sink(struct sender *s, int idx)
{
    struct sender_sink *ss = &s->sinks[idx];
    int64_t now = cw_wall_ms();
    if (cw_now_ms() < ss->paused_until)
        return 0;
    if (now >= ss->rewind_at || now >= ss->next_full_sweep) {
        /* The periodic sweep is a safety net only: every path that makes a row behind the
         * cursor due again also sets rewind_at. */
        ss->cursor = 0;
        ss->rewind_at = INT64_MAX;
        ss->next_full_sweep = now + s->opts.retry_max_ms;
    }
    int published = 0, wrapped = 0;
    /* The "+" keeps SQLite on the rowid range scan: a pump reads only rows past the cursor. */
    static const char sql[] = "SELECT id, kind, key, event_id, payload FROM outbox "
                              "WHERE id > ?1 AND +sink = ?2 AND +next_attempt_ms <= ?3 ORDER BY id LIMIT ?4";
    while (ss->in_flight < s->opts.max_in_flight) {
        size_t room = s->opts.max_in_flight - ss->in_flight;
        int limit = room < SENDER_BATCH ? (int)room : SENDER_BATCH;
        sqlite3_stmt *q = store_stmt(s->st, sql);
        if (q == NULL)
            return -1;
        sqlite3_bind_int64(q, 1, ss->cursor);
        sqlite3_bind_text(q, 2, ss->sink->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, now);
        sqlite3_bind_int(q, 4, limit);
        int rows = 0, rc, pushback = 0;
        int64_t refused[SENDER_BATCH];
        char why[SENDER_BATCH][sizeof ss->sink->last_error]; /* the sink's reason for each refused row */
        int nrefused = 0;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            rows++;
            int64_t id = sqlite3_column_int64(q, 0);
            if (map_find(s, id) != SIZE_MAX) {
                ss->cursor = id;
                continue;
            }
            struct sink_msg m = {
                .kind = (enum sink_kind)sqlite3_column_int(q, 1),
                .key = (const char *)sqlite3_column_text(q, 2),
                .keylen = (size_t)sqlite3_column_bytes(q, 2),
                .event_id = (const char *)sqlite3_column_text(q, 3),
                .payload = sqlite3_column_blob(q, 4),
                .len = (size_t)sqlite3_column_bytes(q, 4),
                .schema = NULL,
                .opaque = id,
            };
            if (m.payload == NULL)
                m.payload = "";
            m.schema = m.kind == SINK_KIND_DEAD_LETTER ? "claimwatch.dead-letter.v1" : "claimwatch.item.v1";
            enum sink_result r = sink_publish(ss->sink, &m);
            if (r == SINK_RETRY) {
                pushback = 1;
                break;
            }
            ss->cursor = id;
            if (r == SINK_ERROR) {
                /* dead-lettered after the scan: it rewrites the row */
                if (ss->sink->last_error[0])
                    snprintf(why[nrefused], sizeof why[nrefused], "%s", ss->sink->last_error);
                else
                    snprintf(why[nrefused], sizeof why[nrefused],
                             "refused by the %s sink before sending (too large or invalid; limit %zu bytes)",
                             ss->sink->ops->name, ss->sink->max_message_bytes);
                ss->sink->last_error[0] = '\0';
                refused[nrefused++] = id;
                continue;
            }
            if (map_put(s, id, idx) != 0) {
                /* Cannot track it: its report will find it unknown and a success still deletes
                 * it; on failure it is simply sent again after the next rewind. */
                sender_rewind(ss, now + s->opts.retry_min_ms);
            } else {
                ss->in_flight++;
            }
            published++;
        }
        sqlite3_reset(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            CW_ERR("sender", "cannot read the outbox: %s path=%s", sqlite3_errmsg(store_db(s->st)), store_path(s->st));
            return -1;
        }
        for (int i = 0; i < nrefused; i++)
            sender_dead_letter(s, ss, refused[i], why[i]);
        if (pushback)
            break;
        if (rows < limit) {
            /* End of the outbox. Rows behind the cursor come due again only through a rewind
             * (retry time, dead-letter rewrite, lost commit); a refused row was just rewritten,
             * so sweep once more from the start in this pump. */
            if (nrefused == 0 || wrapped)
                break;
            ss->cursor = 0;
            ss->rewind_at = INT64_MAX;
            wrapped = 1;
        }
    }
    metric_set(ss->m_in_flight, (double)ss->in_flight);
    return published;
}

static void sender_metrics(struct sender *s)
{
    int64_t now = cw_now_ms();
    if (now < s->next_metrics_ms)
        return;
    s->next_metrics_ms = now + 1000;
    int64_t age = 0;
    int64_t n = outbox_backlog(s->st, &age);
    if (n >= 0) {
        metric_set(s->m_backlog, (double)n);
        metric_set(s->m_oldest, (double)age / 1000.0);
    }
}

/* The sender's own transactions only delete delivered rows and reschedule failed ones: losing
 * one to a power failure means duplicates, never losses. So they commit without an fsync of their
 * own (synchronous=NORMAL in WAL mode); the next accept (synchronous=FULL) fsyncs the WAL and with
 * it every earlier commit. This halves the fsyncs on the busy path. */
static int sender_begin(struct sender *s)
{
    sqlite3_exec(store_db(s->st), "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    if (store_begin(s->st) != 0) {
        sqlite3_exec(store_db(s->st), "PRAGMA synchronous=FULL", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

/* Commits (or rolls back on failure) and restores synchronous=FULL for everything else. */
static int sender_commit(struct sender *s)
{
    int rc = 0;
    if (!sqlite3_get_autocommit(store_db(s->st)) && store_commit(s->st) != 0) {
        store_rollback(s->st);
        rc = -1;
    }
    sqlite3_exec(store_db(s->st), "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    return rc;
}

/* Rows queued for a sink that is no longer configured (renamed or removed) are never sent and
 * count against the outbox bound: say so once, loudly, with what to do. */
static void sender_check_orphans(struct sender *s)
{
    s->orphans_checked = 1;
    sqlite3_stmt *q = store_stmt(s->st, "SELECT sink, count(*) FROM outbox GROUP BY sink");
    if (q == NULL)
        return;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        int known = 0;
        for (size_t i = 0; i < s->nsinks && name != NULL; i++)
            known |= strcmp(s->sinks[i].sink->name, name) == 0;
        if (!known)
            CW_WARN("sender", "outbox rows wait for a sink that is not configured; they are not sent and count "
                    "against the outbox bound (configure the sink again, or delete them: DELETE FROM outbox WHERE "
                    "sink='%s') sink=%s rows=%lld path=%s", name ? name : "", name ? name : "",
                    (long long)sqlite3_column_int64(q, 1), store_path(s->st));
    }
    sqlite3_reset(q);
}

int sender_pump(struct sender *s, int timeout_ms)
{
    if (!s->orphans_checked)
        sender_check_orphans(s);
    sqlite3 *db = store_db(s->st);
    int own_txn = sqlite3_get_autocommit(db);
    if (own_txn && sender_begin(s) != 0)
        return -1;
    int published = 0, failed = 0;
    for (size_t i = 0; i < s->nsinks; i++)
        sink_poll(s->sinks[i].sink, 0);
    sender_reap(s);
    for (size_t i = 0; i < s->nsinks; i++) {
        int n = sender_publish_sink(s, (int)i);
        if (n < 0)
            failed = 1;
        else
            published += n;
    }
    if (timeout_ms > 0 && s->nsinks > 0) {
        /* Wait on the first sink; the others are served without waiting. */
        sink_poll(s->sinks[0].sink, timeout_ms);
        for (size_t i = 1; i < s->nsinks; i++)
            sink_poll(s->sinks[i].sink, 0);
    } else {
        for (size_t i = 0; i < s->nsinks; i++)
            sink_poll(s->sinks[i].sink, 0);
    }
    sender_reap(s);
    if (s->reap_failed)
        failed = 1;
    s->reap_failed = 0;
    if (own_txn && sender_commit(s) != 0) {
        /* Full disk or I/O error: the deletes are lost, so those rows are sent again later
         * (duplicates, never losses). */
        for (size_t i = 0; i < s->nsinks; i++)
            sender_rewind(&s->sinks[i], 0);
        failed = 1;
    }
    sender_metrics(s);
    return failed ? -1 : published;
}

/* Rows the attached sinks still have to send (parked rows and rows of sinks not configured
 * excluded). A scan of the outbox (no index by sink since schema v3: only the drain asks, and only
 * when nothing moves). */
static int64_t sender_pending(struct sender *s)
{
    int64_t total = 0;
    for (size_t i = 0; i < s->nsinks; i++) {
        sqlite3_stmt *q = store_stmt(s->st, "SELECT count(*) FROM outbox WHERE sink = ?1 AND next_attempt_ms < ?2");
        if (q == NULL)
            return -1;
        sqlite3_bind_text(q, 1, s->sinks[i].sink->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, SENDER_PARKED);
        int64_t n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
        sqlite3_reset(q);
        if (n < 0)
            return -1;
        total += n;
    }
    return total;
}

int64_t sender_drain(struct sender *s, int64_t deadline_ms)
{
    int64_t end = deadline_ms; /* absolute, on cw_now_ms()'s monotonic clock */
    int64_t pending = -1;
    for (;;) {
        int64_t left = end - cw_now_ms();
        int n = sender_pump(s, left <= 0 ? 0 : left < 50 ? (int)left : 50);
        /* Counting the outbox is a scan: only when nothing moves (all sent, or all waiting for
         * a retry time) is it worth asking whether anything is left. */
        if (n <= 0 && sender_in_flight(s) == 0) {
            pending = sender_pending(s);
            if (pending <= 0)
                break;
        }
        if (left <= 0)
            break;
    }
    return pending < 0 && s->mapn == 0 ? sender_pending(s) : pending < 0 ? (int64_t)s->mapn : pending;
}

void sender_stop(struct sender *s, int64_t deadline_ms)
{
    if (s == NULL)
        return;
    int64_t end = deadline_ms; /* absolute, on cw_now_ms()'s monotonic clock */
    sqlite3 *db = store_db(s->st);
    int own_txn = sqlite3_get_autocommit(db);
    if (own_txn && sender_begin(s) != 0)
        own_txn = 0;
    for (size_t i = 0; i < s->nsinks; i++) {
        int64_t left = end - cw_now_ms();
        int still = sink_flush(s->sinks[i].sink, left <= 0 ? 0 : left > 600000 ? 600000 : (int)left);
        if (still > 0)
            CW_NOTICE("sender", "stopping with events in flight; they stay pending for the next start "
                                "in_flight=%d sink=%s", still, s->sinks[i].sink->name);
        sender_reap(s);
        sink_purge(s->sinks[i].sink);
        s->sinks[i].in_flight = 0;
        s->sinks[i].cursor = 0;
        metric_set(s->sinks[i].m_in_flight, 0);
    }
    if (own_txn && sender_commit(s) != 0)
        CW_WARN("sender", "cannot record the last delivery reports; those events will be sent again path=%s",
                store_path(s->st));
    if (s->map != NULL)
        memset(s->map, 0, s->mapcap * sizeof *s->map);
    s->mapn = 0;
}

void sender_stats(const struct sender *s, uint64_t *delivered, uint64_t *retried, uint64_t *dead)
{
    if (delivered)
        *delivered = s->delivered;
    if (retried)
        *retried = s->retried;
    if (dead)
        *dead = s->dead;
}

size_t sender_in_flight(const struct sender *s) { return s->mapn; }

void sender_destroy(struct sender *s)
{
    if (s == NULL)
        return;
    free(s->map);
    free(s->done);
    free(s);
}
