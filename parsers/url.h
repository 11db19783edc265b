/* URLs as feeds write them: resolution against a base (xml:base, the document URL) and the
 * canonical form that item ids hash (DESIGN.md "Identity"). */
#ifndef CW_URL_H
#define CW_URL_H

#include <stddef.h>

/* Resolves ref against base (either may be NULL; file:// bases work). Returns an owned string
 * (ref copied, whitespace-trimmed, when it cannot be resolved), or NULL when ref is NULL/empty. */
char *url_resolve(const char *ref, const char *base);
/* The canonical form of an absolute http(s) URL: scheme and host lowercased, default port and
 * fragment dropped, tracking parameters (utm_*, fbclid, gclid, ...) removed, empty path = "/".
 * Returns an owned string, or NULL when url is not an absolute http(s)/file URL. */
char *url_canonical(const char *url);
/* 1 when the URL's scheme is one we let through into sanitised HTML (http, https, mailto, or a
 * relative reference), 0 for javascript:, data:, vbscript: and anything else. */
int url_is_safe(const char *url);

#endif
