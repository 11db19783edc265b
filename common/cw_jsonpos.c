#include "common/cw_jsonpos.h"

#include <stdlib.h>
#include <string.h>

#include "common/cw_buf.h"

struct jp_entry {
    char *pointer;
    int line;
    int col;
};

struct cw_jsonpos {
    struct jp_entry *v;
    size_t n, cap;
};

struct jp_scan {
    const char *s;
    size_t len, i;
    int line, col;
    struct cw_jsonpos *jp;
    int failed;
};

static void scan_adv(struct jp_scan *sc)
{
    if (sc->i >= sc->len)
        return;
    if (sc->s[sc->i] == '\n') {
        sc->line++;
        sc->col = 1;
    } else if (((unsigned char)sc->s[sc->i] & 0xC0) != 0x80) {
        sc->col++; /* columns count characters, not UTF-8 continuation bytes */
    }
    sc->i++;
}

static void scan_ws(struct jp_scan *sc)
{
    while (sc->i < sc->len && strchr(" \t\r\n", sc->s[sc->i]) != NULL)
        scan_adv(sc);
}

static void jp_add(struct jp_scan *sc, const char *pointer, int line, int col)
{
    struct cw_jsonpos *jp = sc->jp;
    if (jp->n == jp->cap) {
        size_t cap = jp->cap ? jp->cap * 2 : 64;
        struct jp_entry *v = realloc(jp->v, cap * sizeof *v);
        if (v == NULL) {
            sc->failed = 1;
            return;
        }
        jp->v = v;
        jp->cap = cap;
    }
    char *p = strdup(pointer);
    if (p == NULL) {
        sc->failed = 1;
        return;
    }
    jp->v[jp->n++] = (struct jp_entry){p, line, col};
}

/* Reads a JSON string at sc->i (on the quote) into out, escaped for use as a pointer token. */
static void scan_string(struct jp_scan *sc, struct cw_buf *out)
{
    scan_adv(sc);
    while (sc->i < sc->len && sc->s[sc->i] != '"') {
        char c = sc->s[sc->i];
        if (c == '\\' && sc->i + 1 < sc->len) {
            scan_adv(sc);
            c = sc->s[sc->i];
            static const char esc_from[] = "nrtbf", esc_to[] = "\n\r\t\b\f";
            const char *e = strchr(esc_from, c);
            if (e != NULL && c != '\0')
                c = esc_to[e - esc_from];
            /* \uXXXX stays literal in pointers; keys with escapes are rare in our files */
        }
        if (out != NULL) {
            if (c == '~')
                cw_buf_puts(out, "~0");
            else if (c == '/')
                cw_buf_puts(out, "~1");
            else
                cw_buf_putc(out, c);
        }
        scan_adv(sc);
    }
    scan_adv(sc);
}

static void scan_value(struct jp_scan *sc, struct cw_buf *path, int depth, int line, int col)
{
    jp_add(sc, path->len ? path->data : "", line, col);
    if (sc->failed || depth > 256 || sc->i >= sc->len)
        return;
    char c = sc->s[sc->i];
    size_t base = path->len;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        long index = 0;
        scan_adv(sc);
        for (;;) {
            scan_ws(sc);
            if (sc->i >= sc->len || sc->s[sc->i] == close) {
                scan_adv(sc);
                break;
            }
            path->len = base;
            path->data[base] = '\0';
            cw_buf_putc(path, '/');
            int kline = sc->line, kcol = sc->col;
            if (c == '{') {
                if (sc->s[sc->i] != '"')
                    return;
                scan_string(sc, path);
                scan_ws(sc);
                if (sc->i >= sc->len || sc->s[sc->i] != ':')
                    return;
                scan_adv(sc);
                scan_ws(sc);
            } else {
                cw_buf_printf(path, "%ld", index++);
            }
            scan_value(sc, path, depth + 1, c == '{' ? kline : sc->line, c == '{' ? kcol : sc->col);
            if (sc->failed)
                return;
            scan_ws(sc);
            if (sc->i < sc->len && sc->s[sc->i] == ',')
                scan_adv(sc);
        }
        path->len = base;
        if (path->data)
            path->data[base] = '\0';
    } else if (c == '"') {
        scan_string(sc, NULL);
    } else {
        while (sc->i < sc->len && strchr(",]} \t\r\n", sc->s[sc->i]) == NULL)
            scan_adv(sc);
    }
}

struct cw_jsonpos *cw_jsonpos_create(const char *text, size_t len)
{
    struct cw_jsonpos *jp = calloc(1, sizeof *jp);
    if (jp == NULL)
        return NULL;
    struct jp_scan sc = {.s = text, .len = len, .line = 1, .col = 1, .jp = jp};
    struct cw_buf path;
    cw_buf_init(&path, 1 << 20);
    cw_buf_puts(&path, "");
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        sc.i = 3;
    scan_ws(&sc);
    path.len = 0;
    scan_value(&sc, &path, 0, sc.line, sc.col);
    cw_buf_free(&path);
    if (sc.failed) {
        cw_jsonpos_destroy(jp);
        return NULL;
    }
    return jp;
}

int cw_jsonpos_find(const struct cw_jsonpos *jp, const char *pointer, int *line, int *col)
{
    if (jp == NULL)
        return -1;
    size_t plen = strlen(pointer);
    for (;;) {
        for (size_t i = 0; i < jp->n; i++) {
            if (strlen(jp->v[i].pointer) == plen && strncmp(jp->v[i].pointer, pointer, plen) == 0) {
                *line = jp->v[i].line;
                *col = jp->v[i].col;
                return 0;
            }
        }
        if (plen == 0)
            return -1;
        while (plen > 0 && pointer[plen - 1] != '/')
            plen--;
        if (plen > 0)
            plen--; /* drop the '/' too: the parent */
    }
}

void cw_jsonpos_destroy(struct cw_jsonpos *jp)
{
    if (jp == NULL)
        return;
    for (size_t i = 0; i < jp->n; i++)
        free(jp->v[i].pointer);
    free(jp->v);
    free(jp);
}
