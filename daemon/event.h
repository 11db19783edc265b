/* Event building: the claimwatch.item.v1 JSON (docs/events.md) and the per-claim and alert events
 * derived from it. Pure functions: no I/O. */
#ifndef CW_EVENT_H
#define CW_EVENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>


#define EVENT_SCHEMA_ITEM "claimwatch.item.v1"
#define EVENT_SCHEMA_CLAIM "claimwatch.claim.v1"
#define EVENT_SCHEMA_ALERT "claimwatch.alert.v1"
#define EVENT_SCHEMA_FEED_STATUS "claimwatch.feed-status.v1"
/* A claim match this strong, with a stance other than "discusses", is also an alert. */
#define EVENT_ALERT_MIN_SCORE 0.5

struct event_input {
    const char *feed_url;
    const char *feed_title;
    const char *id;                /* item id */
    const char *url;               /* canonical article URL, else the item link */
    const char *title;
    const char *author;
    const char *published;         /* RFC 3339 UTC */
    const char *lang;
    const char *summary;           /* sanitised HTML from the feed */
    const char *text;              /* the text that was tagged (article's, else the item's) */
    const char *text_source;       /* "article" | "feed" */
    const char *extract_error;     /* why the article was not used, or NULL */
    json_t *tags;                  /* tagger_tag() result, borrowed */
    const char *claimset_version;
    const char *duplicate_of;      /* id of the earlier copy, or NULL */
    int64_t fetched_at;            /* unix seconds */
    size_t max_text_bytes;
};

/* The item event. New reference, NULL on allocation failure. */
json_t *event_item(const struct event_input *in);
/* Cuts s to at most max bytes on a UTF-8 character boundary (in place). */
void event_truncate_utf8(char *s, size_t max);
/* A deterministic event id: the same event re-built after a crash gets the same id. */
void event_id(const char *item_id, const char *kind, const char *claim_id, char out[33]);

#endif
