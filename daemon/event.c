#include "daemon/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_buf.h"
#include "common/cw_util.h"

void event_truncate_utf8(char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max)
        return;
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--; /* never split a multi-byte character */
    s[cut] = '\0';
}

void event_id(const char *item_id, const char *kind, const char *claim_id, char out[33])
{
    struct cw_buf b;
    cw_buf_init(&b, 4096);
    cw_buf_printf(&b, "%s\n%s\n%s", item_id, kind, claim_id ? claim_id : "");
    cw_id_hex(b.data ? b.data : "", b.len, out);
    cw_buf_free(&b);
}

static void set_str(json_t *o, const char *k, const char *v)
{
    if (v != NULL && v[0] != '\0')
        json_object_set_new(o, k, json_string(v));
}

json_t *event_item(const struct event_input *in)
{
    char when[CW_RFC3339_LEN], eid[33];
    json_t *ev = json_object();
    if (ev == NULL)
        return NULL;
    event_id(in->id, "items", NULL, eid);
    json_object_set_new(ev, "schema", json_string(EVENT_SCHEMA_ITEM));
    json_object_set_new(ev, "id", json_string(in->id));
    json_object_set_new(ev, "event_id", json_string(eid));
    json_t *feed = json_object();
    set_str(feed, "url", in->feed_url);
    set_str(feed, "title", in->feed_title);
    json_object_set_new(ev, "feed", feed);
    set_str(ev, "url", in->url);
    set_str(ev, "title", in->title);
    set_str(ev, "author", in->author);
    set_str(ev, "published", in->published);
    cw_time_rfc3339((time_t)in->fetched_at, when, sizeof when);
    json_object_set_new(ev, "fetched_at", json_string(when));
    set_str(ev, "lang", in->lang);
    set_str(ev, "summary", in->summary);
    if (in->text != NULL) {
        char *t = strdup(in->text);
        if (t != NULL) {
            event_truncate_utf8(t, in->max_text_bytes);
            json_object_set_new(ev, "text", json_string(t));
            free(t);
        }
    }
    set_str(ev, "text_source", in->text_source);
    set_str(ev, "extract_error", in->extract_error);
    json_object_set_new(ev, "duplicate_of", in->duplicate_of ? json_string(in->duplicate_of) : json_null());
    json_t *ents = json_object_get(in->tags, "entities"), *claims = json_object_get(in->tags, "claims");
    if (ents)
        json_object_set(ev, "entities", ents);
    else
        json_object_set_new(ev, "entities", json_array());
    if (claims)
        json_object_set(ev, "claims", claims);
    else
        json_object_set_new(ev, "claims", json_array());
    set_str(ev, "claimset", in->claimset_version);
    return ev;
}
