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

/* A streaming writer for documents too large to hold twice (claimwatch parse on a big feed): the
 * caller emits members and values in order, output goes to f in chunks of JSONOUT_CHUNK bytes.
 * The bytes are the same as building the Jansson tree and calling jsonout_write, including
 * Jansson's refusal of invalid UTF-8: such a string value is left out, with its key. */
#define JSONOUT_CHUNK (64 * 1024)
#define JSONOUT_MAX_DEPTH 64

struct jsonout_w {
    struct cw_buf b;
    FILE *f;
    int indent;
    int depth;
    int err;
    size_t mark;           /* start of the member being written (for taking it back) */
    unsigned char mark_nonempty;
    unsigned char nonempty[JSONOUT_MAX_DEPTH + 2];
};

void jsonout_w_init(struct jsonout_w *w, FILE *f, int indent);
/* Starts the next member of the open object (key) or element of the open array (key NULL). */
void jsonout_w_next(struct jsonout_w *w, const char *key);
/* Values: a string (NULL or invalid UTF-8 takes back the member just started), an integer, and
 * opening / closing an object ('{' '}') or array ('[' ']'). */
void jsonout_w_str(struct jsonout_w *w, const char *s);
void jsonout_w_int(struct jsonout_w *w, long long v);
void jsonout_w_open(struct jsonout_w *w, char c);
void jsonout_w_close(struct jsonout_w *w, char c);
/* Writes the final newline and the rest of the output; frees the buffer. 0, or -1 when anything
 * failed (allocation, depth, write). */
int jsonout_w_finish(struct jsonout_w *w);

#endif
