/* HTML named character references (the full WHATWG list) and entity decoding for text that
 * feeds carry: libxml2 in recover mode drops undeclared entities such as &nbsp; and &eacute;, so
 * the feed parser rewrites them to numeric references before parsing, and plain-text titles are
 * decoded here. */
#ifndef CW_ENTITIES_H
#define CW_ENTITIES_H

#include <stddef.h>
#include <stdint.h>

#include "common/cw_buf.h"

/* Looks up name (without '&' and ';', len bytes). Returns the number of code points (1 or 2)
 * written to cp, or 0 when the name is unknown. */
int entities_lookup(const char *name, size_t len, uint32_t cp[2]);
/* Writes the UTF-8 encoding of cp (invalid code points: U+FFFD) into out; returns its length. */
size_t entities_utf8(uint32_t cp, char out[4]);
/* Appends the UTF-8 encoding of cp (invalid code points become U+FFFD). 0 or a cw_buf error. */
int entities_put_utf8(struct cw_buf *b, uint32_t cp);
/* Decodes one reference at s (s[0] == '&', n bytes available): named, &#NNN; or &#xHH;.
 * Returns the bytes consumed (0 when s does not start a reference we know) and the code points. */
size_t entities_decode_ref(const char *s, size_t n, uint32_t cp[2], int *ncp);
/* Appends s[0..n) with every reference decoded (unknown ones kept literally). */
int entities_decode_append(struct cw_buf *b, const char *s, size_t n);

#endif
