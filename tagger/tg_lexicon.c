/* The background lexicon: the compiled-in table (tg_lexicon_params.c, generated) or, for the
 * trainer, one read from a JSON file, so each cross-validation fold can use a lexicon built
 * without its own documents. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tagger/tg_internal.h"

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t tg_lexicon_digest(const struct tg_lexicon *lx)
{
    uint64_t h = fnv(1469598103934665603ULL, (const unsigned char *)lx->words, lx->words_size);
    for (uint32_t i = 0; i < lx->n; i++) {
        uint32_t bits;
        memcpy(&bits, &lx->idf[i], sizeof bits);
        unsigned char le[4] = {(unsigned char)bits, (unsigned char)(bits >> 8), (unsigned char)(bits >> 16),
                               (unsigned char)(bits >> 24)};
        h = fnv(h, le, 4);
    }
    return fnv(h, (const unsigned char *)lx->vec, (size_t)lx->n * lx->dim);
}

void tg_lexicon_free(struct tg_lexicon *lx)
{
    if (lx == NULL)
        return;
    free(lx->owned);
    free(lx);
}

struct tg_lexicon *tg_lexicon_load(const char *path, char *err, size_t errsz)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (root == NULL) {
        snprintf(err, errsz, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    struct tg_lexicon *lx = tg_lexicon_from_json(root, path, err, errsz);
    json_decref(root);
    return lx;
}

struct tg_lexicon *tg_lexicon_from_json(const json_t *root, const char *path, char *err, size_t errsz)
{
    struct tg_lexicon *lx = NULL;
    json_t *words = json_object_get(root, "words");
    json_int_t dim = json_integer_value(json_object_get(root, "dim"));
    if (!json_is_object(root) || !json_is_array(words) || dim != TG_LEX_DIM ||
        !json_is_number(json_object_get(root, "scale")) ||
        !json_is_number(json_object_get(root, "idf_unknown"))) {
        snprintf(err, errsz, "%s: needs \"dim\" (%d), \"scale\", \"idf_unknown\" and \"words\"",
                 path, TG_LEX_DIM);
        goto fail;
    }
    size_t n = json_array_size(words), chars = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *w = json_array_get(words, i), *v = json_array_get(w, 2);
        if (!json_is_string(json_array_get(w, 0)) || !json_is_number(json_array_get(w, 1)) ||
            json_array_size(v) != (size_t)dim) {
            snprintf(err, errsz, "%s: words[%zu] must be [stem, idf, [%d numbers]]", path, i, (int)dim);
            goto fail;
        }
        chars += json_string_length(json_array_get(w, 0)) + 1;
    }
    /* one block: idf, vectors, then the words */
    size_t sz = n * sizeof(float) + n * (size_t)dim + chars;
    char *block = malloc(sz ? sz : 1);
    lx = calloc(1, sizeof *lx);
    if (block == NULL || lx == NULL) {
        free(block);
        snprintf(err, errsz, "%s: out of memory", path);
        goto fail;
    }
    lx->owned = block;
    float *idf = (float *)block;
    int8_t *vec = (int8_t *)(block + n * sizeof(float));
    char *wp = block + n * sizeof(float) + n * (size_t)dim;
    lx->n = (uint32_t)n;
    lx->dim = (uint32_t)dim;
    lx->idf = idf;
    lx->vec = vec;
    lx->words = wp;
    lx->words_size = chars;
    lx->scale = (float)json_number_value(json_object_get(root, "scale"));
    lx->idf_unknown = (float)json_number_value(json_object_get(root, "idf_unknown"));
    for (size_t i = 0; i < n; i++) {
        json_t *w = json_array_get(words, i), *v = json_array_get(w, 2);
        size_t len = json_string_length(json_array_get(w, 0));
        memcpy(wp, json_string_value(json_array_get(w, 0)), len + 1);
        if (memchr(wp, '\0', len) != NULL) {
            snprintf(err, errsz, "%s: words[%zu]: the stem holds a NUL byte", path, i);
            goto fail;
        }
        wp += len + 1;
        idf[i] = (float)json_number_value(json_array_get(w, 1));
        for (size_t k = 0; k < (size_t)dim; k++) {
            json_int_t q = json_integer_value(json_array_get(v, k));
            if (!json_is_integer(json_array_get(v, k)) || q < -127 || q > 127) {
                snprintf(err, errsz, "%s: words[%zu]: vector values are integers in -127..127", path, i);
                goto fail;
            }
            vec[i * (size_t)dim + k] = (int8_t)q;
        }
    }
    return lx;
fail:
    tg_lexicon_free(lx);
    return NULL;
}
