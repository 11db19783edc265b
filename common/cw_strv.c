#include "common/cw_strv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cw_strv_push_take(struct cw_strv *sv, char *s)
{
    if (s == NULL)
        return -1;
    if (sv->n == sv->cap) {
        size_t cap = sv->cap ? sv->cap * 2 : 4;
        char **v = realloc(sv->v, cap * sizeof *v);
        if (v == NULL) {
            free(s);
            return -1;
        }
        sv->v = v;
        sv->cap = cap;
    }
    sv->v[sv->n++] = s;
    return 0;
}

int cw_strv_push(struct cw_strv *sv, const char *s) { return cw_strv_push_take(sv, strdup(s)); }

int cw_strv_pushf(struct cw_strv *sv, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    return cw_strv_push_take(sv, s);
}

int cw_strv_contains(const struct cw_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return 1;
    return 0;
}

void cw_strv_free(struct cw_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = 0;
    sv->cap = 0;
}
