/* A growable byte buffer with a hard cap, for bodies and texts from untrusted input. */
#ifndef CW_BUF_H
#define CW_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#define CW_BUF_ENOMEM (-1)
#define CW_BUF_ETOOBIG (-2)

struct cw_buf {
    char *data;    /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    size_t max;    /* appends that would pass this many bytes fail with CW_BUF_ETOOBIG */
};

void cw_buf_init(struct cw_buf *b, size_t max);
/* 0, CW_BUF_ENOMEM, or CW_BUF_ETOOBIG (nothing appended). */
int cw_buf_append(struct cw_buf *b, const void *p, size_t n);
int cw_buf_puts(struct cw_buf *b, const char *s);
int cw_buf_putc(struct cw_buf *b, char c);
/* Inline fast path for appends that fit the current allocation (the common case in the parsers'
 * hot loops); anything else goes through cw_buf_append and its cap and growth rules. */
static inline int cw_buf_append_fast(struct cw_buf *b, const void *p, size_t n)
{
    if (b->data != NULL && n < b->cap - b->len && n <= b->max - b->len) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
    }
    return cw_buf_append(b, p, n);
}

static inline int cw_buf_putc_fast(struct cw_buf *b, char c) { return cw_buf_append_fast(b, &c, 1); }

int cw_buf_printf(struct cw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cw_buf_reset(struct cw_buf *b);
/* Returns the owned, NUL-terminated data (an empty string if nothing was appended) and
 * leaves the buffer empty; NULL only on allocation failure. */
char *cw_buf_steal(struct cw_buf *b);
void cw_buf_free(struct cw_buf *b);

#endif
