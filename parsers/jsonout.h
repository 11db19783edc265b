/* A fast writer for the JSON trees the parsers build (objects, arrays, strings, integers, reals,
 * booleans, null). Jansson's own dump escapes through a per-character callback, which costs more
 * than parsing a large feed; this writer produces the same bytes as json_dumps with
 * JSON_PRESERVE_ORDER (and JSON_COMPACT, or JSON_INDENT(n)). */
#ifndef CW_JSONOUT_H
#define CW_JSONOUT_H

#include <jansson.h>
#include <stdio.h>

#include "common/cw_buf.h"

/* Appends j to out; indent 0 = compact. 0, or a cw_buf error. */
int jsonout_append(struct cw_buf *out, const json_t *j, int indent);
/* Writes j and a newline to f. 0 or -1. */
int jsonout_write(FILE *f, const json_t *j, int indent);

#endif
