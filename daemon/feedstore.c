#include "daemon/feedstore.h"

#include <stdlib.h>
#include <string.h>

#include "common/cw_log.h"
#include "common/cw_util.h"

#define FEEDSTORE_COLS                                                                                       \
    "id, url, fetch_url, title, etag, last_modified, next_fetch_ms, failures, last_status, last_error, " \
    "last_fetch_ms, last_success_ms, redirect_url, redirect_count, source, owner"

static int feedstore_fail(struct store *st, const char *what)
{
    CW_ERR("feedstore", "%s failed: %s path=%s", what, sqlite3_errmsg(store_db(st)), store_path(st));
    return -1;
}

int feedstore_register(struct store *st, const char *url, const char *title, const char *source, int64_t *id)
{
    sqlite3_stmt *ins = store_stmt(st, "INSERT OR IGNORE INTO feeds(url, title, source, next_fetch_ms) "
                                       "VALUES (?1, ?2, ?3, 0)");
    if (ins == NULL)
        return -1;
    sqlite3_bind_text(ins, 1, url, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, title, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 3, source ? source : "config", -1, SQLITE_STATIC);
    int rc = sqlite3_step(ins);
    sqlite3_reset(ins);
    if (rc != SQLITE_DONE)
        return feedstore_fail(st, "feed insert");
    sqlite3_stmt *sel = store_stmt(st, "SELECT id FROM feeds WHERE url = ?1");
    if (sel == NULL)
        return -1;
    sqlite3_bind_text(sel, 1, url, -1, SQLITE_STATIC);
    rc = sqlite3_step(sel);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(sel, 0);
    sqlite3_reset(sel);
    return rc == SQLITE_ROW ? 0 : feedstore_fail(st, "feed lookup");
}

static char *feedstore_col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? strdup((const char *)t) : NULL;
}

static void feedstore_row(sqlite3_stmt *s, struct feedstore_feed *f)
{
    memset(f, 0, sizeof *f);
    f->id = sqlite3_column_int64(s, 0);
    f->url = feedstore_col_text(s, 1);
    f->fetch_url = feedstore_col_text(s, 2);
    f->title = feedstore_col_text(s, 3);
    f->etag = feedstore_col_text(s, 4);
    f->last_modified = feedstore_col_text(s, 5);
    f->next_fetch_ms = sqlite3_column_int64(s, 6);
    f->failures = sqlite3_column_int64(s, 7);
    f->last_status = sqlite3_column_int64(s, 8);
    f->last_error = feedstore_col_text(s, 9);
    f->last_fetch_ms = sqlite3_column_int64(s, 10);
    f->last_success_ms = sqlite3_column_int64(s, 11);
    f->redirect_url = feedstore_col_text(s, 12);
    f->redirect_count = sqlite3_column_int64(s, 13);
    f->source = feedstore_col_text(s, 14);
    f->owner = feedstore_col_text(s, 15);
}

int feedstore_get(struct store *st, int64_t id, struct feedstore_feed *out)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT " FEEDSTORE_COLS " FROM feeds WHERE id = ?1");
    if (s == NULL)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        feedstore_row(s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return out->url ? 0 : -1;
    return rc == SQLITE_DONE ? 1 : feedstore_fail(st, "feed read");
}

int feedstore_list(struct store *st, int (*fn)(const struct feedstore_feed *f, void *ctx), void *ctx)
{
    /* Not the cached statement: fn may call back into the store (feedstore_get, ...). */
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(store_db(st), "SELECT " FEEDSTORE_COLS " FROM feeds ORDER BY id", -1, &s, NULL) !=
        SQLITE_OK)
        return feedstore_fail(st, "feed list");
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct feedstore_feed f;
        feedstore_row(s, &f);
        stop = fn(&f, ctx);
        feedstore_feed_clear(&f);
    }
    int ok = stop || rc == SQLITE_DONE;
    if (!ok)
        feedstore_fail(st, "feed list");
    sqlite3_finalize(s);
    return ok ? 0 : -1;
}

int feedstore_save(struct store *st, const struct feedstore_feed *f)
{
    sqlite3_stmt *s = store_stmt(st, "UPDATE feeds SET fetch_url = ?2, etag = ?3, last_modified = ?4, "
                                     "next_fetch_ms = ?5, failures = ?6, last_status = ?7, last_error = ?8, "
                                     "last_fetch_ms = ?9, last_success_ms = ?10, redirect_url = ?11, "
                                     "redirect_count = ?12 WHERE id = ?1");
    if (s == NULL)
        return -1;
    sqlite3_bind_int64(s, 1, f->id);
    sqlite3_bind_text(s, 2, f->fetch_url, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, f->etag, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, f->last_modified, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, f->next_fetch_ms);
    sqlite3_bind_int64(s, 6, f->failures);
    if (f->last_status)
        sqlite3_bind_int64(s, 7, f->last_status);
    sqlite3_bind_text(s, 8, f->last_error, -1, SQLITE_STATIC);
    if (f->last_fetch_ms)
        sqlite3_bind_int64(s, 9, f->last_fetch_ms);
    if (f->last_success_ms)
        sqlite3_bind_int64(s, 10, f->last_success_ms);
    sqlite3_bind_text(s, 11, f->redirect_url, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 12, f->redirect_count);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : feedstore_fail(st, "feed update");
}

int feedstore_set_owner(struct store *st, int64_t id, const char *owner)
{
    sqlite3_stmt *s = store_stmt(st, "UPDATE feeds SET owner = ?2 WHERE id = ?1");
    if (s == NULL)
        return -1;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, owner, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : feedstore_fail(st, "feed owner update");
}

int feedstore_clear_owners(struct store *st)
{
    sqlite3_stmt *s = store_stmt(st, "UPDATE feeds SET owner = NULL WHERE owner IS NOT NULL");
    if (s == NULL)
        return -1;
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : feedstore_fail(st, "feed owner reset");
}

static int feedstore_set(char **slot, const char *v)
{
    char *c = cw_strdup0(v);
    if (v != NULL && c == NULL)
        return -1;
    free(*slot);
    *slot = c;
    return 0;
}

int feedstore_note_redirect(struct feedstore_feed *f, const char *perm_url, int64_t after)
{
    if (perm_url == NULL || strcmp(perm_url, feedstore_fetch_url(f)) == 0) {
        /* A temporary redirect or none breaks the streak: only consistent moves are trusted. */
        feedstore_set(&f->redirect_url, NULL);
        f->redirect_count = 0;
        return 0;
    }
    if (f->redirect_url != NULL && strcmp(f->redirect_url, perm_url) == 0) {
        f->redirect_count++;
    } else {
        if (feedstore_set(&f->redirect_url, perm_url) != 0)
            return 0;
        f->redirect_count = 1;
    }
    if (f->redirect_count < (after > 0 ? after : 1))
        return 0;
    if (feedstore_set(&f->fetch_url, perm_url) != 0)
        return 0;
    CW_NOTICE("feedstore", "feed moved permanently url=%s fetch_url=%s after=%lld", f->url, perm_url,
              (long long)f->redirect_count);
    feedstore_set(&f->redirect_url, NULL);
    f->redirect_count = 0;
    return 1;
}

const char *feedstore_fetch_url(const struct feedstore_feed *f)
{
    return f->fetch_url && *f->fetch_url ? f->fetch_url : f->url;
}

int feedstore_copy(struct feedstore_feed *dst, const struct feedstore_feed *src)
{
    *dst = *src;
    dst->url = cw_strdup0(src->url);
    dst->fetch_url = cw_strdup0(src->fetch_url);
    dst->title = cw_strdup0(src->title);
    dst->etag = cw_strdup0(src->etag);
    dst->last_modified = cw_strdup0(src->last_modified);
    dst->last_error = cw_strdup0(src->last_error);
    dst->redirect_url = cw_strdup0(src->redirect_url);
    dst->source = cw_strdup0(src->source);
    dst->owner = cw_strdup0(src->owner);
    if (!dst->url || (src->fetch_url && !dst->fetch_url) || (src->title && !dst->title) ||
        (src->etag && !dst->etag) || (src->last_modified && !dst->last_modified) ||
        (src->last_error && !dst->last_error) || (src->redirect_url && !dst->redirect_url) ||
        (src->source && !dst->source) || (src->owner && !dst->owner)) {
        feedstore_feed_clear(dst);
        return -1;
    }
    return 0;
}

void feedstore_feed_clear(struct feedstore_feed *f)
{
    if (f == NULL)
        return;
    free(f->url);
    free(f->fetch_url);
    free(f->title);
    free(f->etag);
    free(f->last_modified);
    free(f->last_error);
    free(f->redirect_url);
    free(f->source);
    free(f->owner);
    memset(f, 0, sizeof *f);
}
