#include "parsers/entities.h"

#include <stdlib.h>
#include <string.h>

struct entity_row {
    const char *name;
    uint32_t cp1;
    uint32_t cp2;
};

#include "parsers/entities_table.h"

struct entity_key {
    const char *name;
    size_t len;
};

static int entity_cmp(const void *k, const void *r)
{
    const struct entity_key *key = k;
    const struct entity_row *row = r;
    size_t rl = strlen(row->name);
    int c = memcmp(key->name, row->name, key->len < rl ? key->len : rl);
    if (c != 0)
        return c;
    return key->len < rl ? -1 : key->len > rl ? 1 : 0;
}

int entities_lookup(const char *name, size_t len, uint32_t cp[2])
{
    if (len == 0 || len > 40)
        return 0;
    struct entity_key key = {name, len};
    const struct entity_row *row =
        bsearch(&key, entity_rows, sizeof entity_rows / sizeof entity_rows[0], sizeof entity_rows[0], entity_cmp);
    if (row == NULL)
        return 0;
    cp[0] = row->cp1;
    cp[1] = row->cp2;
    return row->cp2 ? 2 : 1;
}

size_t entities_utf8(uint32_t cp, char u[4])
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0)
        cp = 0xFFFD;
    if (cp < 0x80) {
        u[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int entities_put_utf8(struct cw_buf *b, uint32_t cp)
{
    char u[4];
    size_t n = entities_utf8(cp, u);
    return cw_buf_append(b, u, n);
}

/* The code points HTML maps the C1 range to when written as numeric references (&#150; is a
 * dash in every browser because windows-1252 authors wrote it that way). */
static const uint16_t c1_map[32] = {
    0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
};

size_t entities_decode_ref(const char *s, size_t n, uint32_t cp[2], int *ncp)
{
    if (n < 3 || s[0] != '&')
        return 0;
    if (s[1] == '#') {
        size_t i = 2;
        int hex = 0;
        if (i < n && (s[i] == 'x' || s[i] == 'X')) {
            hex = 1;
            i++;
        }
        size_t start = i;
        uint32_t v = 0;
        while (i < n && i - start < 8) {
            char c = s[i];
            int d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (hex && c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            else
                break;
            v = v * (hex ? 16 : 10) + (uint32_t)d;
            i++;
        }
        if (i == start || i >= n || s[i] != ';')
            return 0;
        if (v >= 0x80 && v < 0xA0)
            v = c1_map[v - 0x80];
        cp[0] = v;
        *ncp = 1;
        return i + 1;
    }
    size_t i = 1;
    while (i < n && i < 42 && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                               (s[i] >= '0' && s[i] <= '9')))
        i++;
    if (i >= n || s[i] != ';')
        return 0;
    int k = entities_lookup(s + 1, i - 1, cp);
    if (k == 0)
        return 0;
    *ncp = k;
    return i + 1;
}

int entities_decode_append(struct cw_buf *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t run = amp ? (size_t)(amp - (s + i)) : n - i;
        int rc = cw_buf_append(b, s + i, run);
        if (rc != 0)
            return rc;
        i += run;
        if (i >= n)
            break;
        uint32_t cp[2];
        int ncp = 0;
        size_t used = entities_decode_ref(s + i, n - i, cp, &ncp);
        if (used == 0) {
            rc = cw_buf_putc(b, '&');
            i++;
        } else {
            for (int k = 0; k < ncp && rc == 0; k++)
                rc = entities_put_utf8(b, cp[k]);
            i += used;
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}
