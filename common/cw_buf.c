#include "common/cw_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cw_buf_init(struct cw_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : (size_t)-1 / 2;
}

static int buf_reserve(struct cw_buf *b, size_t n)
{
    if (n > b->max - b->len)
        return CW_BUF_ETOOBIG;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (d == NULL)
        return CW_BUF_ENOMEM;
    b->data = d;
    b->cap = cap;
    return 0;
}

int cw_buf_append(struct cw_buf *b, const void *p, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc != 0)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int cw_buf_puts(struct cw_buf *b, const char *s) { return cw_buf_append(b, s, strlen(s)); }
int cw_buf_putc(struct cw_buf *b, char c) { return cw_buf_append(b, &c, 1); }

int cw_buf_printf(struct cw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return CW_BUF_ENOMEM;
    int rc = buf_reserve(b, (size_t)n);
    if (rc != 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void cw_buf_reset(struct cw_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *cw_buf_steal(struct cw_buf *b)
{
    char *d = b->data;
    if (d == NULL)
        d = calloc(1, 1);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return d;
}

void cw_buf_free(struct cw_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}
