/* OPML 1.0/2.0 feed lists (for `claimwatch feeds import` and the config's "opml" files). */
#ifndef CW_OPML_H
#define CW_OPML_H

#include <stddef.h>

struct opml_feed {
    char *url;      /* xmlUrl, absolute */
    char *title;    /* text or title attribute; may be NULL */
    char *html_url; /* htmlUrl; may be NULL */
    char *category; /* the enclosing outline's text, "/"-joined when nested; may be NULL */
};

/* Parses an OPML document. base_url (may be NULL) resolves relative xmlUrl values.
 * Returns 0 with an owned array in *out (*n entries; outlines without xmlUrl skipped), or -1 with
 * a reason in errstr. No I/O. */
int opml_parse(const char *data, size_t len, const char *base_url, struct opml_feed **out, size_t *n,
               char *errstr, size_t errlen);
void opml_feeds_free(struct opml_feed *feeds, size_t n);

#endif
