#include "daemon/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_log.h"

/* Each entry migrates from version i to i+1. Append only: never edit a released step. */
static const char *const store_migrations[] = {
    /* 0 -> 1: feeds, items seen, outbox */
    "CREATE TABLE feeds ("
    "  id INTEGER PRIMARY KEY,"
    "  url TEXT NOT NULL UNIQUE,"         /* the configured URL: the feed's identity */
    "  fetch_url TEXT,"                   /* where it lives now, after permanent redirects */
    "  title TEXT,"
    "  etag TEXT,"
    "  last_modified TEXT,"
    "  next_fetch_ms INTEGER NOT NULL DEFAULT 0," /* wall clock, so a restart resumes the schedule */
    "  failures INTEGER NOT NULL DEFAULT 0,"
    "  last_status INTEGER,"
    "  last_error TEXT,"
    "  last_fetch_ms INTEGER,"
    "  last_success_ms INTEGER,"
    "  redirect_url TEXT,"
    "  redirect_count INTEGER NOT NULL DEFAULT 0,"
    "  owner TEXT"                        /* the daemon instance that polls it, when shared */
    ");"
    "CREATE TABLE items ("
    "  id TEXT PRIMARY KEY,"
    "  feed_id INTEGER,"
    "  first_seen_ms INTEGER NOT NULL,"
    "  fingerprint INTEGER,"              /* SimHash of the text, for near-duplicates */
    "  url TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX items_first_seen ON items(first_seen_ms);"
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  sink TEXT NOT NULL,"               /* one row per event and sink */
    "  kind INTEGER NOT NULL,"            /* enum sink_kind */
    "  key TEXT NOT NULL,"
    "  event_id TEXT NOT NULL,"
    "  payload BLOB NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_ms INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT"
    ");"
    "CREATE INDEX outbox_pending ON outbox(sink, next_attempt_ms, id);",
    /* 1 -> 2: where a feed came from: "config" (config file or its OPML files) or "import"
     * (claimwatch feeds import), so a reload forgets removed config feeds but keeps imported ones. */
    "ALTER TABLE feeds ADD COLUMN source TEXT NOT NULL DEFAULT 'config';",
    /* 2 -> 3: the sender walks the outbox by rowid from a cursor and never used this index, yet
     * every event paid for it twice (insert, then delete on delivery): about 10% of the CPU per
     * event in bench/deliver. The rare queries that filter by sink now scan the table. */
    "DROP INDEX IF EXISTS outbox_pending;",
};
#define STORE_VERSION ((int)(sizeof store_migrations / sizeof store_migrations[0]))

struct store_cached {
    char *sql;
    sqlite3_stmt *stmt;
};

struct store {
    sqlite3 *db;
    char *path;
    struct store_cached *stmts;
    size_t nstmts;
};

int store_schema_version(void) { return STORE_VERSION; }

static int store_exec(struct store *st, const char *sql, char *errstr, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(errstr, errlen, "%s: %s", st->path, msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int store_migrate(struct store *st, char *errstr, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (version < 0) {
        /* Reading the header fails first on a file that is not a database. */
        snprintf(errstr, errlen, "%s: not a readable SQLite database: %s", st->path, sqlite3_errmsg(st->db));
        return -1;
    }
    if (version > STORE_VERSION) {
        snprintf(errstr, errlen, "%s: schema version %d is newer than this claimwatch (%d); refusing to touch it",
                 st->path, version, STORE_VERSION);
        return -1;
    }
    for (int v = version; v < STORE_VERSION; v++) {
        char sql[64];
        if (store_exec(st, "BEGIN IMMEDIATE", errstr, errlen) != 0)
            return -1;
        if (store_exec(st, store_migrations[v], errstr, errlen) != 0)
            goto rollback;
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if (store_exec(st, sql, errstr, errlen) != 0 || store_exec(st, "COMMIT", errstr, errlen) != 0)
            goto rollback;
        if (version > 0) /* a new database is created, not migrated */
            CW_NOTICE("store", "migrated database path=%s from=%d to=%d", st->path, v, v + 1);
    }
    return 0;
rollback:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int store_open(const char *path, struct store **out, char *errstr, size_t errlen)
{
    struct store *st = calloc(1, sizeof *st);
    if (st == NULL || (st->path = strdup(path)) == NULL) {
        snprintf(errstr, errlen, "%s: out of memory", path);
        free(st);
        return -1;
    }
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(errstr, errlen, "%s: cannot open database: %s", path,
                 st->db ? sqlite3_errmsg(st->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(st->db, 5000);
    sqlite3_extended_result_codes(st->db, 1);
    /* Page size first: it only takes effect on a new, empty database (an existing one keeps the
     * size it was created with; in WAL mode it cannot change). 8 KiB pages hold 7 outbox rows of
     * 1 KiB events where 4 KiB pages held 3 with a quarter of the page wasted, and halve the WAL
     * frames (two write syscalls each): measured with the next two settings, 8.9 -> 7.1 CPU
     * us/event in bench/deliver.
     * cache_size: 16 MiB (default 2 MiB), so the sender reads back rows accepted moments ago from
     * the page cache instead of the WAL (bench/deliver: 56,000 WAL page reads per 100,000 events
     * down to 3,000). It is an upper bound, reached only with that much outbox traffic.
     * secure_delete=FAST: Debian builds SQLite with SECURE_DELETE on, which zeroes and writes every
     * freed page; each delivered event frees its row, so that nearly doubled the WAL writes. FAST
     * still zeroes deleted content on pages that are written anyway; what is deleted is events
     * already delivered to the broker, no secret.
     * WAL: readers (claimwatch feeds list) never block the daemon; synchronous=FULL so a committed
     * transaction (an accepted item and its events) survives power loss. */
    if (store_exec(st, "PRAGMA page_size=8192", errstr, errlen) != 0 ||
        store_exec(st, "PRAGMA cache_size=-16384", errstr, errlen) != 0 ||
        store_exec(st, "PRAGMA secure_delete=FAST", errstr, errlen) != 0 ||
        store_exec(st, "PRAGMA journal_mode=WAL", errstr, errlen) != 0 ||
        store_exec(st, "PRAGMA synchronous=FULL", errstr, errlen) != 0 ||
        store_exec(st, "PRAGMA foreign_keys=ON", errstr, errlen) != 0)
        goto fail;
    if (store_exec(st, "SELECT count(*) FROM sqlite_master", errstr, errlen) != 0)
        goto fail;
    if (store_migrate(st, errstr, errlen) != 0)
        goto fail;
    *out = st;
    return 0;
fail:
    store_close(st);
    return -1;
}

sqlite3 *store_db(struct store *st) { return st->db; }
const char *store_path(const struct store *st) { return st->path; }

sqlite3_stmt *store_stmt(struct store *st, const char *sql)
{
    for (size_t i = 0; i < st->nstmts; i++) {
        if (st->stmts[i].sql == sql || strcmp(st->stmts[i].sql, sql) == 0) {
            sqlite3_reset(st->stmts[i].stmt);
            sqlite3_clear_bindings(st->stmts[i].stmt);
            return st->stmts[i].stmt;
        }
    }
    struct store_cached *v = realloc(st->stmts, (st->nstmts + 1) * sizeof *v);
    if (v == NULL)
        return NULL;
    st->stmts = v;
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
        CW_ERR("store", "cannot prepare statement: %s sql=\"%.80s\"", sqlite3_errmsg(st->db), sql);
        return NULL;
    }
    char *copy = strdup(sql);
    if (copy == NULL) {
        sqlite3_finalize(s);
        return NULL;
    }
    st->stmts[st->nstmts++] = (struct store_cached){copy, s};
    return s;
}

static int store_simple(struct store *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        CW_ERR("store", "%s failed: %s path=%s", sql, msg ? msg : sqlite3_errmsg(st->db), st->path);
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int store_begin(struct store *st) { return store_simple(st, "BEGIN IMMEDIATE"); }
int store_commit(struct store *st) { return store_simple(st, "COMMIT"); }

int store_rollback(struct store *st)
{
    if (sqlite3_get_autocommit(st->db))
        return 0; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
    return store_simple(st, "ROLLBACK");
}

int store_item_seen(struct store *st, const char *id)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT 1 FROM items WHERE id = ?1");
    if (s == NULL)
        return -1;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    CW_ERR("store", "item lookup failed: %s path=%s", sqlite3_errmsg(st->db), st->path);
    return -1;
}

void store_close(struct store *st)
{
    if (st == NULL)
        return;
    for (size_t i = 0; i < st->nstmts; i++) {
        sqlite3_finalize(st->stmts[i].stmt);
        free(st->stmts[i].sql);
    }
    free(st->stmts);
    if (st->db != NULL)
        sqlite3_close(st->db);
    free(st->path);
    free(st);
}
