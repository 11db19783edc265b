/* A vector of owned strings (authors, categories, error lists). */
#ifndef CW_STRV_H
#define CW_STRV_H

#include <stddef.h>

struct cw_strv {
    char **v;
    size_t n;
    size_t cap;
};

/* Appends a copy of s. 0 or -1 on allocation failure. */
int cw_strv_push(struct cw_strv *sv, const char *s);
/* Appends s, taking ownership (freed on failure too). */
int cw_strv_push_take(struct cw_strv *sv, char *s);
int cw_strv_pushf(struct cw_strv *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cw_strv_contains(const struct cw_strv *sv, const char *s);
void cw_strv_free(struct cw_strv *sv);

#endif
