/* Where things are in a JSON text. Jansson reports positions only for syntax errors; config and
 * claim-set errors must name file:line:column of the offending key or value, so this scanner
 * records the position of every value by its JSON Pointer (RFC 6901), e.g. "/claims/3/text". */
#ifndef CW_JSONPOS_H
#define CW_JSONPOS_H

#include <stddef.h>

struct cw_jsonpos;

/* Scans text (which Jansson has already accepted; the scanner stops quietly at anything odd).
 * Returns an owned index or NULL on allocation failure. Nesting deeper than 256 is not indexed. */
struct cw_jsonpos *cw_jsonpos_create(const char *text, size_t len);
/* Line and column (1-based) of the value at pointer; for object members, of the member's key.
 * Falls back to the nearest indexed ancestor. Returns 0, or -1 if nothing matches. */
int cw_jsonpos_find(const struct cw_jsonpos *jp, const char *pointer, int *line, int *col);
void cw_jsonpos_destroy(struct cw_jsonpos *jp);

#endif
