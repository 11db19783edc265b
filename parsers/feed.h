/* Feed documents: detection and parsing of RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.0/1.1 and
 * news sitemaps into one neutral model. Parsers take bytes plus length and do no I/O.
 * The JSON rendering of this model is what `claimwatch parse` prints (docs/parse.md). */
#ifndef CW_FEED_H
#define CW_FEED_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "common/cw_strv.h"

enum feed_format {
    FEED_FORMAT_UNKNOWN = 0,
    FEED_FORMAT_RSS,
    FEED_FORMAT_RDF,
    FEED_FORMAT_ATOM,
    FEED_FORMAT_JSON,
    FEED_FORMAT_SITEMAP,
};

struct feed_person {
    char *name;
    char *email;
    char *uri;
};

struct feed_link {
    char *href;
    char *rel;
    char *type;
    char *title;
};

struct feed_enclosure {
    char *url;
    char *type;
    long long length; /* -1 when unknown */
};

/* Every string is owned UTF-8 or NULL when absent. Dates are RFC 3339 UTC. */
struct feed_item {
    char *id;        /* stable id: hash of canonical URL, else GUID, else title + date (DESIGN.md) */
    char *guid;
    char *title;     /* plain text */
    char *link;      /* absolute */
    struct feed_link *links;
    size_t nlinks;
    char *summary;   /* sanitised HTML */
    char *content;   /* sanitised HTML */
    char *text;      /* plain-text rendering of content (else summary), for the tagger */
    char *published;
    char *updated;
    struct feed_person *authors;
    size_t nauthors;
    struct cw_strv categories;
    struct feed_enclosure *enclosures;
    size_t nenclosures;
    char *comments;
    char *source_title;
    char *source_url;
    char *language;
    char *image;
};

struct feed_meta {
    char *title;
    char *subtitle;
    char *link;
    struct feed_link *links;
    size_t nlinks;
    char *language;
    char *rights;
    char *generator;
    char *updated;
    char *published;
    struct feed_person *authors;
    size_t nauthors;
    char *image_url;
    char *image_title;
    struct cw_strv categories;
    /* Scheduling hints the feed gives (0 = absent): RSS <ttl> and sy:updatePeriod/Frequency in
     * seconds, and RSS <skipHours> as a bit mask of UTC hours. */
    long ttl_seconds;
    long update_period_seconds;
    unsigned int skip_hours;
};

struct feed_doc {
    enum feed_format format;
    char *version;           /* "2.0", "1.0", "0.91", ... */
    char *encoding;          /* the source encoding, lowercase ("utf-8", "windows-1251") */
    struct cw_strv errors;   /* what was recovered from; empty for a clean document */
    struct feed_meta feed;
    struct feed_item *items;
    size_t nitems;
    struct cw_strv sitemaps; /* for a sitemap index: the child sitemap URLs */
};

struct feed_parse_opts {
    const char *url;          /* the document's URL, base for relative links; may be NULL */
    const char *content_type; /* HTTP Content-Type (charset used if the document has none); may be NULL */
    size_t max_items;         /* 0 = no limit */
};

/* Parses a feed document of any supported format, detected from the bytes.
 * Returns 0 and an owned *out (check (*out)->errors for recoveries), or -1 with a one-line reason
 * in errstr when nothing usable could be read. Never touches files or the network. */
int feed_parse(const char *data, size_t len, const struct feed_parse_opts *opts, struct feed_doc **out,
               char *errstr, size_t errlen);
/* Detects the format from the bytes alone. */
enum feed_format feed_detect(const char *data, size_t len);
const char *feed_format_name(enum feed_format f);
/* The normalised JSON model (docs/parse.md); absent values omitted. Returns a new reference. */
json_t *feed_doc_to_json(const struct feed_doc *doc);
json_t *feed_item_to_json(const struct feed_item *item);
/* Writes the same JSON as jsonout_write(f, feed_doc_to_json(doc), indent), newline included, but
 * straight from the model in bounded chunks: no Jansson tree and no whole-document buffer, which
 * for a large feed cost more than parsing it. 0, or -1 (write error, out of memory). */
int feed_doc_write_json(FILE *f, const struct feed_doc *doc, int indent);
void feed_doc_destroy(struct feed_doc *doc);

#endif
