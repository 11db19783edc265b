/* A small open-addressing string map (keys copied in), for the vocabulary and the surface cache. */
#include <stdlib.h>
#include <string.h>

#include "tagger/tg_internal.h"

uint64_t tg_hash(const char *s, size_t len)
{
    /* FNV-1a: short keys, no adversarial pressure beyond a capped table */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void tg_map_init(struct tg_map *m) { memset(m, 0, sizeof *m); }

void tg_map_free(struct tg_map *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->klen);
    free(m->vals);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static size_t map_find(const struct tg_map *m, const char *key, size_t len, uint64_t h)
{
    size_t mask = m->nslots - 1;
    size_t i = (size_t)h & mask;
    for (;;) {
        uint32_t e = m->slots[i];
        if (e == 0)
            return i;
        if (m->klen[e - 1] == len && memcmp(m->keys[e - 1], key, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

int32_t tg_map_get(const struct tg_map *m, const char *key, size_t len, int32_t def)
{
    if (m->nslots == 0)
        return def;
    size_t i = map_find(m, key, len, tg_hash(key, len));
    return m->slots[i] ? m->vals[m->slots[i] - 1] : def;
}

int32_t tg_map_index(const struct tg_map *m, const char *key, size_t len)
{
    if (m->nslots == 0)
        return -1;
    size_t i = map_find(m, key, len, tg_hash(key, len));
    return m->slots[i] ? (int32_t)m->slots[i] - 1 : -1;
}

static int map_grow(struct tg_map *m)
{
    size_t ns = m->nslots ? m->nslots * 2 : 64;
    uint32_t *slots = calloc(ns, sizeof *slots);
    if (slots == NULL)
        return -1;
    free(m->slots);
    m->slots = slots;
    m->nslots = ns;
    for (size_t e = 0; e < m->n; e++) {
        size_t i = map_find(m, m->keys[e], m->klen[e], tg_hash(m->keys[e], m->klen[e]));
        m->slots[i] = (uint32_t)(e + 1);
    }
    return 0;
}

int tg_map_put(struct tg_map *m, const char *key, size_t len, int32_t val)
{
    if ((m->n + 1) * 2 > m->nslots && map_grow(m) != 0)
        return -1;
    size_t i = map_find(m, key, len, tg_hash(key, len));
    if (m->slots[i]) {
        m->vals[m->slots[i] - 1] = val;
        return 0;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        char **k = realloc(m->keys, cap * sizeof *k);
        if (k == NULL)
            return -1;
        m->keys = k;
        uint32_t *kl = realloc(m->klen, cap * sizeof *kl);
        if (kl == NULL)
            return -1;
        m->klen = kl;
        int32_t *v = realloc(m->vals, cap * sizeof *v);
        if (v == NULL)
            return -1;
        m->vals = v;
        m->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, key, len);
    copy[len] = '\0';
    m->keys[m->n] = copy;
    m->klen[m->n] = (uint32_t)len;
    m->vals[m->n] = val;
    m->n++;
    m->slots[i] = (uint32_t)m->n;
    return 0;
}
