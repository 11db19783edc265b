/* The transactional outbox: see outbox.h and docs/delivery.md. */
#include "daemon/outbox.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "common/cw_log.h"
#include "common/cw_util.h"

/* Takes back what outbox_accept wrote for one item inside the caller's transaction: its outbox
 * rows (ids first..last: nothing else inserts on this connection meanwhile) and its seen mark.
 * If that fails too, the caller's whole transaction is rolled back, so that no item is ever
 * committed marked seen without its events. */
static void outbox_undo(struct store *st, const char *item_id, int64_t first, int64_t last)
{
    sqlite3 *db = store_db(st);
    if (sqlite3_get_autocommit(db))
        return; /* SQLite already rolled the whole transaction back (e.g. after SQLITE_FULL) */
    int ok = 1;
    if (first > 0) {
        sqlite3_stmt *s = store_stmt(st, "DELETE FROM outbox WHERE id >= ?1 AND id <= ?2");
        ok = s != NULL;
        if (ok) {
            sqlite3_bind_int64(s, 1, first);
            sqlite3_bind_int64(s, 2, last);
            ok = sqlite3_step(s) == SQLITE_DONE;
            sqlite3_reset(s);
        }
    }
    if (ok && item_id != NULL) {
        sqlite3_stmt *s = store_stmt(st, "DELETE FROM items WHERE id = ?1");
        ok = s != NULL;
        if (ok) {
            sqlite3_bind_text(s, 1, item_id, -1, SQLITE_STATIC);
            ok = sqlite3_step(s) == SQLITE_DONE;
            sqlite3_reset(s);
        }
    }
    if (!ok) {
        CW_ERR("outbox", "cannot take back a half-written item, rolling back the whole transaction: %s item=%s path=%s",
               sqlite3_errmsg(db), item_id ? item_id : "", store_path(st));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
}

/* Runs inside the caller's transaction when one is open (a batch of items), else in its own
 * BEGIN IMMEDIATE. The item and its events are all-or-nothing either way: in our own transaction
 * a failure rolls it back; in the caller's, the rows this call wrote are deleted again. (A
 * SAVEPOINT per item did the same but copied every page it touched into the statement journal
 * first: 13% of the CPU per event in bench/deliver, for a failure that is almost always a full
 * disk or I/O error, after which SQLite rolls back the whole transaction anyway.) */
int outbox_accept(struct store *st, const struct outbox_item *item, const struct outbox_event *events,
                  size_t nevents, const char *const *sinks, size_t nsinks)
{
    sqlite3 *db = store_db(st);
    int own_txn = sqlite3_get_autocommit(db);
    int rc = -1;
    const char *marked = NULL; /* the item id, once its seen mark is written */
    int64_t first = 0, last = 0; /* outbox rows written */
    if (own_txn && store_begin(st) != 0)
        return -1;
    int64_t now = cw_wall_ms();
    if (item != NULL) {
        sqlite3_stmt *s = store_stmt(
            st, "INSERT OR IGNORE INTO items(id, feed_id, first_seen_ms, fingerprint, url) VALUES(?1,?2,?3,?4,?5)");
        if (s == NULL)
            goto undo;
        sqlite3_bind_text(s, 1, item->id, -1, SQLITE_STATIC);
        if (item->feed_id > 0)
            sqlite3_bind_int64(s, 2, item->feed_id);
        sqlite3_bind_int64(s, 3, now);
        sqlite3_bind_int64(s, 4, (int64_t)item->fingerprint);
        if (item->url != NULL)
            sqlite3_bind_text(s, 5, item->url, -1, SQLITE_STATIC);
        int step = sqlite3_step(s);
        sqlite3_reset(s);
        if (step != SQLITE_DONE) {
            CW_ERR("outbox", "cannot mark item seen: %s item=%s path=%s", sqlite3_errmsg(db), item->id,
                   store_path(st));
            goto undo;
        }
        if (sqlite3_changes(db) == 0) {
            rc = 1; /* seen before: its events were queued then */
            goto done;
        }
        marked = item->id;
    }
    sqlite3_stmt *ins = store_stmt(
        st, "INSERT INTO outbox(sink, kind, key, event_id, payload, created_ms) VALUES(?1,?2,?3,?4,?5,?6)");
    if (ins == NULL)
        goto undo;
    for (size_t e = 0; e < nevents; e++) {
        for (size_t k = 0; k < nsinks; k++) {
            sqlite3_reset(ins);
            sqlite3_bind_text(ins, 1, sinks[k], -1, SQLITE_STATIC);
            sqlite3_bind_int(ins, 2, (int)events[e].kind);
            sqlite3_bind_text(ins, 3, events[e].key ? events[e].key : "", -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, events[e].event_id ? events[e].event_id : "", -1, SQLITE_STATIC);
            sqlite3_bind_blob64(ins, 5, events[e].payload ? events[e].payload : "", events[e].len, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 6, now);
            int step = sqlite3_step(ins);
            sqlite3_reset(ins);
            if (step != SQLITE_DONE) {
                CW_ERR("outbox", "cannot queue event: %s event_id=%s sink=%s path=%s", sqlite3_errmsg(db),
                       events[e].event_id ? events[e].event_id : "", sinks[k], store_path(st));
                goto undo;
            }
            last = sqlite3_last_insert_rowid(db);
            if (first == 0)
                first = last;
        }
    }
    rc = 0;
    goto done;
undo:
    if (!own_txn)
        outbox_undo(st, marked, first, last);
done:
    if (own_txn && !sqlite3_get_autocommit(db)) {
        if (rc == 0) {
            if (store_commit(st) != 0) {
                store_rollback(st);
                rc = -1;
            }
        } else {
            store_rollback(st);
        }
    }
    return rc;
}

int64_t outbox_backlog(struct store *st, int64_t *oldest_age_ms)
{
    /* Row ids grow with acceptance time, so the oldest pending row is the first by id: a lookup,
     * not the scan min(created_ms) would be (this runs every second). */
    sqlite3_stmt *s = store_stmt(st, "SELECT count(*), (SELECT created_ms FROM outbox ORDER BY id LIMIT 1) FROM outbox");
    if (s == NULL)
        return -1;
    int64_t n = -1;
    if (sqlite3_step(s) == SQLITE_ROW) {
        n = sqlite3_column_int64(s, 0);
        if (oldest_age_ms != NULL) {
            int64_t oldest = sqlite3_column_type(s, 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, 1);
            int64_t age = oldest > 0 ? cw_wall_ms() - oldest : 0;
            *oldest_age_ms = age > 0 ? age : 0;
        }
    } else {
        CW_ERR("outbox", "cannot count backlog: %s path=%s", sqlite3_errmsg(store_db(st)), store_path(st));
    }
    sqlite3_reset(s);
    return n;
}

int64_t outbox_backlog_bytes(struct store *st)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT coalesce(sum(length(payload)), 0) FROM outbox");
    if (s == NULL)
        return -1;
    int64_t n = -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    else
        CW_ERR("outbox", "cannot sum backlog bytes: %s path=%s", sqlite3_errmsg(store_db(st)), store_path(st));
    sqlite3_reset(s);
    return n;
}

int outbox_full(struct store *st, int64_t max_rows, int64_t max_bytes)
{
    if (max_rows > 0) {
        int64_t n = outbox_backlog(st, NULL);
        if (n < 0 || n >= max_rows)
            return 1;
    }
    if (max_bytes > 0) {
        int64_t b = outbox_backlog_bytes(st);
        if (b < 0 || b >= max_bytes)
            return 1;
    }
    return 0;
}
