#include "parsers/jsonout.h"

#include <stdlib.h>
#include <string.h>

/* Inline fast path for capped-buffer appends that fit the current allocation (the common case in
 * this hot loop); anything else goes through cw_buf_append and its cap and growth rules. */
static inline int fast_append(struct cw_buf *b, const void *p, size_t n)
{
    if (b->data != NULL && n < b->cap - b->len && n <= b->max - b->len) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
    }
    return cw_buf_append(b, p, n);
}

static inline int fast_putc(struct cw_buf *b, char c) { return fast_append(b, &c, 1); }

#define JSONOUT_MAX_DEPTH 64

static int put_string(struct cw_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    int rc = fast_putc(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = fast_append(b, s + start, i - start);
        start = i + 1;
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t el = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            el = 6;
        }
        if (rc == 0)
            rc = fast_append(b, esc, el);
    }
    if (rc == 0)
        rc = fast_append(b, s + start, n - start);
    if (rc == 0)
        rc = fast_putc(b, '"');
    return rc;
}

static int newline(struct cw_buf *b, int indent, int depth)
{
    if (indent == 0)
        return 0;
    int rc = fast_putc(b, '\n');
    for (int i = 0; i < indent * depth && rc == 0; i++)
        rc = fast_putc(b, ' ');
    return rc;
}

static int put_value(struct cw_buf *b, const json_t *j, int indent, int depth)
{
    if (depth > JSONOUT_MAX_DEPTH)
        return CW_BUF_ETOOBIG;
    int rc = 0;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        if (json_object_size(j) == 0)
            return fast_append(b, "{}", 2);
        rc = fast_putc(b, '{');
        int first = 1;
        for (void *it = json_object_iter((json_t *)j); it && rc == 0; it = json_object_iter_next((json_t *)j, it)) {
            if (!first)
                rc = fast_putc(b, ',');
            first = 0;
            if (rc == 0)
                rc = newline(b, indent, depth + 1);
            const char *k = json_object_iter_key(it);
            if (rc == 0)
                rc = put_string(b, k, strlen(k));
            if (rc == 0)
                rc = indent ? fast_append(b, ": ", 2) : fast_putc(b, ':');
            if (rc == 0)
                rc = put_value(b, json_object_iter_value(it), indent, depth + 1);
        }
        if (rc == 0)
            rc = newline(b, indent, depth);
        return rc ? rc : fast_putc(b, '}');
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        if (n == 0)
            return fast_append(b, "[]", 2);
        rc = fast_putc(b, '[');
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (i > 0)
                rc = fast_putc(b, ',');
            if (rc == 0)
                rc = newline(b, indent, depth + 1);
            if (rc == 0)
                rc = put_value(b, json_array_get(j, i), indent, depth + 1);
        }
        if (rc == 0)
            rc = newline(b, indent, depth);
        return rc ? rc : fast_putc(b, ']');
    }
    case JSON_STRING:
        return put_string(b, json_string_value(j), json_string_length(j));
    case JSON_INTEGER:
        return cw_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
    case JSON_REAL: {
        /* Rare in our trees: let Jansson format reals exactly as it would. */
        char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
        rc = s ? cw_buf_puts(b, s) : CW_BUF_ENOMEM;
        free(s);
        return rc;
    }
    case JSON_TRUE: return fast_append(b, "true", 4);
    case JSON_FALSE: return fast_append(b, "false", 5);
    case JSON_NULL: return fast_append(b, "null", 4);
    }
    return 0;
}

int jsonout_append(struct cw_buf *out, const json_t *j, int indent)
{
    return put_value(out, j, indent, 0);
}

int jsonout_write(FILE *f, const json_t *j, int indent)
{
    struct cw_buf b;
    cw_buf_init(&b, 0);
    int rc = put_value(&b, j, indent, 0);
    if (rc == 0)
        rc = fast_putc(&b, '\n');
    if (rc == 0 && fwrite(b.data, 1, b.len, f) != b.len)
        rc = -1;
    cw_buf_free(&b);
    return rc == 0 ? 0 : -1;
}
