/* The feeds table of the state store: registration, validators, schedule, failures, status, and
 * the permanent-redirect rule. Statements are prepared once (store_stmt); callers batch writes in
 * transactions (store_begin/commit). */
#ifndef CW_FEEDSTORE_H
#define CW_FEEDSTORE_H

#include <stdint.h>

#include "daemon/store.h"

/* One row; every string owned (NULL when absent). */
struct feedstore_feed {
    int64_t id;
    char *url;           /* configured URL: the identity */
    char *fetch_url;     /* where it is fetched now (after a permanent redirect), NULL = url */
    char *title;
    char *etag;
    char *last_modified;
    int64_t next_fetch_ms; /* wall clock */
    int64_t failures;      /* consecutive */
    int64_t last_status;   /* HTTP status of the last attempt, 0 = none */
    char *last_error;      /* NULL after a success */
    int64_t last_fetch_ms;
    int64_t last_success_ms;
    char *redirect_url;    /* permanent redirect target seen on the last redirect_count fetches */
    int64_t redirect_count;
    char *source;          /* "config" or "import" */
    char *owner;           /* instance polling it when daemons share the feeds; NULL = not shared or
                            * not ours now. Read only: feedstore_save leaves it alone */
};

/* Registers url (no-op if known; a known feed keeps its state) and returns its id in *id. New feeds
 * are due now. title may be NULL. source: "config" or "import". 0 or -1 (logged). */
int feedstore_register(struct store *st, const char *url, const char *title, const char *source, int64_t *id);
/* Loads one row into *out (owned strings; free with feedstore_feed_clear). 0, 1 if absent, -1. */
int feedstore_get(struct store *st, int64_t id, struct feedstore_feed *out);
/* Calls fn for every feed ordered by id; fn's row is borrowed. Stops when fn returns non-zero.
 * 0 or -1. */
int feedstore_list(struct store *st, int (*fn)(const struct feedstore_feed *f, void *ctx), void *ctx);
/* Writes the mutable columns of f (by id). 0 or -1. */
int feedstore_save(struct store *st, const struct feedstore_feed *f);
/* Applies one successful fetch's redirect outcome: perm_url is the permanent target or NULL. After
 * `after` consecutive fetches with the same target, fetch_url moves there and 1 is returned. */
int feedstore_note_redirect(struct feedstore_feed *f, const char *perm_url, int64_t after);
/* Sets (owner = the instance name) or clears (NULL) the owner column of one feed. 0 or -1. */
int feedstore_set_owner(struct store *st, int64_t id, const char *owner);
/* Clears every owner (at start: a previous run's ownership is stale). 0 or -1. */
int feedstore_clear_owners(struct store *st);
/* The URL to fetch: fetch_url if set, else url. */
const char *feedstore_fetch_url(const struct feedstore_feed *f);
int feedstore_copy(struct feedstore_feed *dst, const struct feedstore_feed *src);
void feedstore_feed_clear(struct feedstore_feed *f);

#endif
