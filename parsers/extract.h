/* Article extraction: the main text and metadata of a news page (HTML), without boilerplate. */
#ifndef CW_EXTRACT_H
#define CW_EXTRACT_H

#include <jansson.h>
#include <stddef.h>

#include "common/cw_strv.h"

struct article {
    char *url;            /* the URL the page was fetched from (as passed in) */
    char *canonical_url;
    char *title;
    struct cw_strv authors;
    char *published;      /* RFC 3339 UTC */
    char *lang;
    char *image;
    char *text;           /* plain text, paragraphs separated by blank lines */
    struct cw_strv paragraphs;
};

struct extract_opts {
    const char *url;          /* page URL, base for relative links; may be NULL */
    const char *content_type; /* HTTP Content-Type, for its charset; may be NULL */
};

/* Extracts the article from an HTML page. Returns 0 and an owned *out, or -1 with a reason in
 * errstr (e.g. "no main content found") so the caller can fall back to the feed's own text. */
int extract_article(const char *html, size_t len, const struct extract_opts *opts, struct article **out,
                    char *errstr, size_t errlen);
/* {"url","canonical_url","title","authors","published","lang","image","text","paragraphs"},
 * absent values omitted. New reference. */
json_t *article_to_json(const struct article *a);
void article_destroy(struct article *a);

#endif
