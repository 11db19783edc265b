/* The state store: one SQLite database (WAL) holding the feeds and their HTTP validators and
 * schedule, every item id accepted, and the outbox of events not yet delivered. Opened once;
 * the schema is versioned (PRAGMA user_version) and migrated forward on open. */
#ifndef CW_STORE_H
#define CW_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* Opens (creating if needed) the database at path and migrates it. A file that is not a
 * claimwatch database, is corrupt, or comes from a newer claimwatch is an error, never replaced.
 * Returns 0 and an owned *out, or -1 with errstr naming the file and the problem. */
int store_open(const char *path, struct store **out, char *errstr, size_t errlen);
/* The connection, for the modules that own their queries (feedstore.c, outbox.c). Borrowed. */
sqlite3 *store_db(struct store *st);
const char *store_path(const struct store *st);
/* Prepares a statement once and caches it by its SQL text for the store's lifetime. Borrowed;
 * reset before returning. NULL on error (logged). */
sqlite3_stmt *store_stmt(struct store *st, const char *sql);
/* Transactions: BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or -1 (logged). */
int store_begin(struct store *st);
int store_commit(struct store *st);
int store_rollback(struct store *st);
/* Has this item id been accepted before? 1 yes, 0 no, -1 error. */
int store_item_seen(struct store *st, const char *id);
/* The schema version this build writes. */
int store_schema_version(void);
void store_close(struct store *st);

#endif
