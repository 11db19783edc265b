#include "parsers/jsonout.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* 1 when one of the eight bytes of v needs escaping: below 0x20, '"' or '\\'. Bytes of 0x80 and
 * up never match (the borrow tricks only flag bytes whose high bit is clear). */
static int word_needs_escape(uint64_t v)
{
    uint64_t lt = (v - ONES * 0x20) & ~v & HIGHS;
    uint64_t q = v ^ (ONES * '"'), bs = v ^ (ONES * '\\');
    uint64_t eq = ((q - ONES) & ~q & HIGHS) | ((bs - ONES) & ~bs & HIGHS);
    return (lt | eq) != 0;
}

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 when invalid (Jansson's rules:
 * no overlong forms, surrogates or code points past U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

#define JSONOUT_EBADUTF8 (-100)

/* Escapes s[0..n). With check set, non-ASCII bytes are validated on the way (one pass instead of
 * a separate UTF-8 scan) and invalid text returns JSONOUT_EBADUTF8 with partial output. */
static int put_string_check(struct cw_buf *b, const char *s, size_t n, int check)
{
    static const char hex[] = "0123456789abcdef";
    int rc = cw_buf_putc_fast(b, '"');
    size_t start = 0;
    uint64_t stop = check ? HIGHS : 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        /* Text is mostly plain: skip eight clean bytes at a time. */
        while (i + 8 <= n) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            if (word_needs_escape(v) || (v & stop))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 && check) {
            size_t k = utf8_len((const unsigned char *)s + i, n - i);
            if (k == 0)
                return JSONOUT_EBADUTF8;
            i += k - 1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = cw_buf_append_fast(b, s + start, i - start);
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
            rc = cw_buf_append_fast(b, esc, el);
    }
    if (rc == 0)
        rc = cw_buf_append_fast(b, s + start, n - start);
    if (rc == 0)
        rc = cw_buf_putc_fast(b, '"');
    return rc;
}

static int put_string(struct cw_buf *b, const char *s, size_t n) { return put_string_check(b, s, n, 0); }

static int newline(struct cw_buf *b, int indent, int depth)
{
    if (indent == 0)
        return 0;
    int rc = cw_buf_putc_fast(b, '\n');
    for (int i = 0; i < indent * depth && rc == 0; i++)
        rc = cw_buf_putc_fast(b, ' ');
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
            return cw_buf_append_fast(b, "{}", 2);
        rc = cw_buf_putc_fast(b, '{');
        int first = 1;
        for (void *it = json_object_iter((json_t *)j); it && rc == 0; it = json_object_iter_next((json_t *)j, it)) {
            if (!first)
                rc = cw_buf_putc_fast(b, ',');
            first = 0;
            if (rc == 0)
                rc = newline(b, indent, depth + 1);
            const char *k = json_object_iter_key(it);
            if (rc == 0)
                rc = put_string(b, k, strlen(k));
            if (rc == 0)
                rc = indent ? cw_buf_append_fast(b, ": ", 2) : cw_buf_putc_fast(b, ':');
            if (rc == 0)
                rc = put_value(b, json_object_iter_value(it), indent, depth + 1);
        }
        if (rc == 0)
            rc = newline(b, indent, depth);
        return rc ? rc : cw_buf_putc_fast(b, '}');
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        if (n == 0)
            return cw_buf_append_fast(b, "[]", 2);
        rc = cw_buf_putc_fast(b, '[');
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (i > 0)
                rc = cw_buf_putc_fast(b, ',');
            if (rc == 0)
                rc = newline(b, indent, depth + 1);
            if (rc == 0)
                rc = put_value(b, json_array_get(j, i), indent, depth + 1);
        }
        if (rc == 0)
            rc = newline(b, indent, depth);
        return rc ? rc : cw_buf_putc_fast(b, ']');
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
    case JSON_TRUE: return cw_buf_append_fast(b, "true", 4);
    case JSON_FALSE: return cw_buf_append_fast(b, "false", 5);
    case JSON_NULL: return cw_buf_append_fast(b, "null", 4);
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
        rc = cw_buf_putc_fast(&b, '\n');
    if (rc == 0 && fwrite(b.data, 1, b.len, f) != b.len)
        rc = -1;
    cw_buf_free(&b);
    return rc == 0 ? 0 : -1;
}

/* ---- streaming writer ---- */

void jsonout_w_init(struct jsonout_w *w, FILE *f, int indent)
{
    memset(w, 0, sizeof *w);
    cw_buf_init(&w->b, 0);
    w->f = f;
    w->indent = indent;
}

static void w_flush(struct jsonout_w *w)
{
    if (w->b.len > 0 && !w->err && fwrite(w->b.data, 1, w->b.len, w->f) != w->b.len)
        w->err = 1;
    cw_buf_reset(&w->b);
}

void jsonout_w_next(struct jsonout_w *w, const char *key)
{
    if (w->err)
        return;
    /* Chunks leave between members only, so a member can still be taken back. */
    if (w->b.len >= JSONOUT_CHUNK)
        w_flush(w);
    w->mark = w->b.len;
    w->mark_nonempty = w->nonempty[w->depth];
    int rc = 0;
    if (w->nonempty[w->depth])
        rc = cw_buf_putc_fast(&w->b, ',');
    w->nonempty[w->depth] = 1;
    if (rc == 0)
        rc = newline(&w->b, w->indent, w->depth);
    if (key != NULL) {
        if (rc == 0)
            rc = put_string(&w->b, key, strlen(key));
        if (rc == 0)
            rc = w->indent ? cw_buf_append_fast(&w->b, ": ", 2) : cw_buf_putc_fast(&w->b, ':');
    }
    if (rc != 0)
        w->err = 1;
}

void jsonout_w_str(struct jsonout_w *w, const char *s)
{
    if (w->err)
        return;
    int rc = s ? put_string_check(&w->b, s, strlen(s), 1) : JSONOUT_EBADUTF8;
    if (rc == JSONOUT_EBADUTF8) {
        w->b.len = w->mark;
        if (w->b.data)
            w->b.data[w->b.len] = '\0';
        w->nonempty[w->depth] = w->mark_nonempty;
        return;
    }
    if (rc != 0)
        w->err = 1;
}

void jsonout_w_int(struct jsonout_w *w, long long v)
{
    if (!w->err && cw_buf_printf(&w->b, "%lld", v) != 0)
        w->err = 1;
}

void jsonout_w_open(struct jsonout_w *w, char c)
{
    if (w->err)
        return;
    if (w->depth >= JSONOUT_MAX_DEPTH || cw_buf_putc_fast(&w->b, c) != 0) {
        w->err = 1;
        return;
    }
    w->depth++;
    w->nonempty[w->depth] = 0;
}

void jsonout_w_close(struct jsonout_w *w, char c)
{
    if (w->err || w->depth == 0)
        return;
    int rc = 0;
    if (w->nonempty[w->depth])
        rc = newline(&w->b, w->indent, w->depth - 1);
    w->depth--;
    if (rc == 0)
        rc = cw_buf_putc_fast(&w->b, c);
    if (rc != 0)
        w->err = 1;
}

int jsonout_w_finish(struct jsonout_w *w)
{
    if (!w->err && cw_buf_putc_fast(&w->b, '\n') != 0)
        w->err = 1;
    w_flush(w);
    cw_buf_free(&w->b);
    return w->err ? -1 : 0;
}
