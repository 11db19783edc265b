/* Claim-set loader: JSON files (an array of claims or {"claims": [...]}), validated field by
 * field with file:line:column positions; all files load or none does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_buf.h"
#include "common/cw_jsonpos.h"
#include "common/cw_util.h"
#include "tagger/tagger.h"
#include "tagger/tg_internal.h"

#define CLAIMSET_FILE_MAX (64u << 20)
#define CLAIM_TEXT_MAX 4096

struct load_ctx {
    const char *name;
    struct cw_jsonpos *pos;
    struct cw_strv *errors;
    const char *prefix; /* "" or "/claims" */
    int nerr;
};

static void errat(struct load_ctx *lc, const char *pointer, const char *fmt, const char *a,
                  const char *b)
{
    int line = 1, col = 1;
    if (lc->pos)
        cw_jsonpos_find(lc->pos, pointer, &line, &col);
    char msg[512];
    /* fmt is always one of this file's literals with two %s slots */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(msg, sizeof msg, fmt, a, b);
#pragma GCC diagnostic pop
    cw_strv_pushf(lc->errors, "%s:%d:%d: %s", lc->name, line, col, msg);
    lc->nerr++;
}

static void free_entity(struct tg_entity *e)
{
    free(e->id);
    free(e->name);
    for (size_t i = 0; i < e->naliases; i++)
        free(e->aliases[i]);
    free(e->aliases);
}

static void free_claim(struct tg_claim *c)
{
    free(c->id);
    free(c->text);
    free(c->lang);
    free(c->notes);
    free(c->since);
    free(c->until);
    for (size_t i = 0; i < c->nentities; i++)
        free_entity(&c->entities[i]);
    free(c->entities);
    for (size_t i = 0; i < c->nkeyphrases; i++)
        free(c->keyphrases[i]);
    free(c->keyphrases);
}

void claimset_destroy(struct claimset *cs)
{
    if (cs == NULL)
        return;
    for (size_t i = 0; i < cs->n; i++)
        free_claim(&cs->claims[i]);
    free(cs->claims);
    tg_map_free(&cs->ids);
    free(cs);
}

const char *claimset_version(const struct claimset *cs) { return cs->version; }
size_t claimset_count(const struct claimset *cs) { return cs->n; }

/* Optional string member: 0 ok (out stays NULL when absent), -1 error reported. */
static int opt_string(struct load_ctx *lc, json_t *obj, const char *key, const char *ptr,
                      const char *label, char **out)
{
    json_t *v = json_object_get(obj, key);
    char p[800];
    *out = NULL;
    if (v == NULL)
        return 0;
    snprintf(p, sizeof p, "%s/%s", ptr, key);
    if (!json_is_string(v)) {
        errat(lc, p, "%s: \"%s\" must be a string", label, key);
        return -1;
    }
    *out = strdup(json_string_value(v));
    return *out ? 0 : -1;
}

static int string_list(struct load_ctx *lc, json_t *arr, const char *ptr, const char *label,
                       const char *field, char ***out, size_t *nout)
{
    if (!json_is_array(arr)) {
        errat(lc, ptr, "%s: \"%s\" must be an array of strings", label, field);
        return -1;
    }
    size_t n = json_array_size(arr);
    *out = calloc(n ? n : 1, sizeof **out);
    if (*out == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_string(s) || json_string_length(s) == 0) {
            char p[800];
            snprintf(p, sizeof p, "%s/%zu", ptr, i);
            errat(lc, p, "%s: \"%s\" entries must be non-empty strings", label, field);
            return -1;
        }
        (*out)[i] = strdup(json_string_value(s));
        if ((*out)[i] == NULL)
            return -1;
        (*nout)++;
    }
    return 0;
}

static int load_entity(struct load_ctx *lc, json_t *e, const char *ptr, const char *label,
                       struct tg_entity *out)
{
    if (!json_is_object(e)) {
        errat(lc, ptr, "%s: an entity must be an object with \"id\" and \"name\"%s", label, "");
        return -1;
    }
    const char *key;
    json_t *v;
    int bad = 0;
    json_object_foreach(e, key, v) {
        if (strcmp(key, "id") && strcmp(key, "name") && strcmp(key, "aliases")) {
            char p[800];
            snprintf(p, sizeof p, "%s/%s", ptr, key);
            errat(lc, p, "%s: unknown entity field \"%s\" (known: id, name, aliases)", label, key);
            bad = 1;
        }
    }
    if (bad)
        return -1;
    json_t *id = json_object_get(e, "id"), *name = json_object_get(e, "name");
    if (!json_is_string(id) || json_string_length(id) == 0) {
        errat(lc, ptr, "%s: entity \"id\" is required and must be a non-empty string%s", label, "");
        return -1;
    }
    if (!json_is_string(name) || json_string_length(name) == 0) {
        errat(lc, ptr, "%s: entity \"name\" is required and must be a non-empty string%s", label, "");
        return -1;
    }
    out->id = strdup(json_string_value(id));
    out->name = strdup(json_string_value(name));
    if (!out->id || !out->name)
        return -1;
    json_t *al = json_object_get(e, "aliases");
    if (al) {
        char p[800];
        snprintf(p, sizeof p, "%s/aliases", ptr);
        if (string_list(lc, al, p, label, "aliases", &out->aliases, &out->naliases))
            return -1;
    }
    return 0;
}

static const char *const claim_fields[] = {"id", "text", "entities", "keyphrases", "lang",
                                           "notes", "since", "until", NULL};

static int load_claim(struct load_ctx *lc, json_t *c, size_t idx, struct tg_claim *out)
{
    char ptr[64], label[300], p[600];
    snprintf(ptr, sizeof ptr, "%s/%zu", lc->prefix, idx);
    if (!json_is_object(c)) {
        snprintf(label, sizeof label, "claim #%zu", idx);
        errat(lc, ptr, "%s: a claim must be an object with \"id\" and \"text\"%s", label, "");
        return -1;
    }
    json_t *id = json_object_get(c, "id");
    if (json_is_string(id) && json_string_length(id) > 0 && json_string_length(id) < 200)
        snprintf(label, sizeof label, "claim \"%s\" (#%zu)", json_string_value(id), idx);
    else
        snprintf(label, sizeof label, "claim #%zu", idx);
    int bad = 0;
    const char *key;
    json_t *v;
    json_object_foreach(c, key, v) {
        int known = 0;
        for (size_t i = 0; claim_fields[i]; i++)
            known |= strcmp(key, claim_fields[i]) == 0;
        if (!known) {
            snprintf(p, sizeof p, "%s/%s", ptr, key);
            errat(lc, p, "%s: unknown field \"%s\" (known: id, text, entities, keyphrases, lang, "
                         "notes, since, until)", label, key);
            bad = 1;
        }
    }
    if (!json_is_string(id) || json_string_length(id) == 0) {
        snprintf(p, sizeof p, "%s/id", ptr);
        errat(lc, id ? p : ptr, "%s: \"id\" is required and must be a non-empty string%s", label, "");
        bad = 1;
    }
    json_t *text = json_object_get(c, "text");
    if (!json_is_string(text) || json_string_length(text) == 0) {
        snprintf(p, sizeof p, "%s/text", ptr);
        errat(lc, text ? p : ptr, "%s: \"text\" is required and must be a non-empty string%s", label, "");
        bad = 1;
    } else if (json_string_length(text) > CLAIM_TEXT_MAX) {
        snprintf(p, sizeof p, "%s/text", ptr);
        errat(lc, p, "%s: \"text\" is longer than 4096 bytes%s", label, "");
        bad = 1;
    }
    if (bad)
        return -1;
    out->id = strdup(json_string_value(id));
    out->text = strdup(json_string_value(text));
    if (!out->id || !out->text)
        return -1;
    if (opt_string(lc, c, "lang", ptr, label, &out->lang) ||
        opt_string(lc, c, "notes", ptr, label, &out->notes) ||
        opt_string(lc, c, "since", ptr, label, &out->since) ||
        opt_string(lc, c, "until", ptr, label, &out->until))
        return -1;
    json_t *kp = json_object_get(c, "keyphrases");
    if (kp) {
        snprintf(p, sizeof p, "%s/keyphrases", ptr);
        if (string_list(lc, kp, p, label, "keyphrases", &out->keyphrases, &out->nkeyphrases))
            return -1;
    }
    json_t *ents = json_object_get(c, "entities");
    if (ents) {
        snprintf(p, sizeof p, "%s/entities", ptr);
        if (!json_is_array(ents)) {
            errat(lc, p, "%s: \"entities\" must be an array%s", label, "");
            return -1;
        }
        size_t n = json_array_size(ents);
        out->entities = calloc(n ? n : 1, sizeof *out->entities);
        if (out->entities == NULL)
            return -1;
        for (size_t i = 0; i < n; i++) {
            char ep[700];
            snprintf(ep, sizeof ep, "%.600s/%zu", p, i);
            out->nentities++;
            if (load_entity(lc, json_array_get(ents, i), ep, label, &out->entities[i]))
                return -1;
        }
    }
    return 0;
}

static int cmp_claim(const void *a, const void *b)
{
    return strcmp(((const struct tg_claim *)a)->id, ((const struct tg_claim *)b)->id);
}

/* Appends the claims of one JSON text to cs. Returns the number of errors reported (0 = ok). */
static int load_one(const char *name, const char *json, size_t len, struct claimset *cs,
                    struct cw_strv *errors)
{
    struct load_ctx lc = {.name = name, .errors = errors, .prefix = ""};
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        cw_strv_pushf(errors, "%s:%d:%d: %s", name, jerr.line > 0 ? jerr.line : 1,
                      jerr.column > 0 ? jerr.column : 1, jerr.text);
        return 1;
    }
    lc.pos = cw_jsonpos_create(json, len);
    json_t *arr = root;
    if (json_is_object(root)) {
        const char *key;
        json_t *v;
        json_object_foreach(root, key, v) {
            if (strcmp(key, "claims") != 0) {
                char p[300];
                snprintf(p, sizeof p, "/%s", key);
                errat(&lc, p, "unknown top-level field \"%s\" (expected \"claims\")%s", key, "");
            }
        }
        arr = json_object_get(root, "claims");
        lc.prefix = "/claims";
        if (!json_is_array(arr)) {
            errat(&lc, arr ? "/claims" : "", "\"claims\" must be an array of claims%s%s", "", "");
            arr = NULL;
        }
    } else if (!json_is_array(root)) {
        errat(&lc, "", "a claim set must be an array of claims or an object with \"claims\"%s%s", "", "");
        arr = NULL;
    }
    if (arr) {
        size_t n = json_array_size(arr);
        struct tg_claim *nc = realloc(cs->claims, (cs->n + n + 1) * sizeof *nc);
        if (nc == NULL) {
            lc.nerr++;
            cw_strv_pushf(errors, "%s: out of memory", name);
        } else {
            cs->claims = nc;
            for (size_t i = 0; i < n; i++) {
                struct tg_claim *c = &cs->claims[cs->n];
                memset(c, 0, sizeof *c);
                int rc = load_claim(&lc, json_array_get(arr, i), i, c);
                if (rc != 0) {
                    free_claim(c);
                    if (lc.nerr == 0) {
                        lc.nerr++;
                        cw_strv_pushf(errors, "%s: out of memory", name);
                    }
                    continue;
                }
                if (tg_map_get(&cs->ids, c->id, strlen(c->id), -1) >= 0) {
                    char p[64], idx[24];
                    snprintf(p, sizeof p, "%s/%zu/id", lc.prefix, i);
                    snprintf(idx, sizeof idx, "%zu", i);
                    errat(&lc, p, "claim \"%s\" (#%s): duplicate id", c->id, idx);
                    rc = -1;
                } else if (tg_map_put(&cs->ids, c->id, strlen(c->id), (int32_t)cs->n) != 0) {
                    lc.nerr++;
                    cw_strv_pushf(errors, "%s: out of memory", name);
                    rc = -1;
                }
                if (rc != 0) {
                    free_claim(c);
                    continue;
                }
                cs->n++;
            }
        }
    }
    cw_jsonpos_destroy(lc.pos);
    json_decref(root);
    return lc.nerr;
}

/* The version: SHA-256 over the claims sorted by id, each dumped with sorted keys, so it does
 * not depend on key order, file order or how the claims are split over files. */
static int compute_version(struct claimset *cs)
{
    struct cw_buf b;
    cw_buf_init(&b, (size_t)1 << 30);
    for (size_t i = 0; i < cs->n; i++) {
        const struct tg_claim *c = &cs->claims[i];
        json_t *o = json_pack("{s:s,s:s}", "id", c->id, "text", c->text);
        if (o == NULL)
            goto fail;
        if (c->lang)
            json_object_set_new(o, "lang", json_string(c->lang));
        if (c->notes)
            json_object_set_new(o, "notes", json_string(c->notes));
        if (c->since)
            json_object_set_new(o, "since", json_string(c->since));
        if (c->until)
            json_object_set_new(o, "until", json_string(c->until));
        if (c->nkeyphrases) {
            json_t *k = json_array();
            for (size_t j = 0; j < c->nkeyphrases; j++)
                json_array_append_new(k, json_string(c->keyphrases[j]));
            json_object_set_new(o, "keyphrases", k);
        }
        if (c->nentities) {
            json_t *es = json_array();
            for (size_t j = 0; j < c->nentities; j++) {
                json_t *al = json_array();
                for (size_t k = 0; k < c->entities[j].naliases; k++)
                    json_array_append_new(al, json_string(c->entities[j].aliases[k]));
                json_array_append_new(es, json_pack("{s:s,s:s,s:o}", "id", c->entities[j].id, "name",
                                                    c->entities[j].name, "aliases", al));
            }
            json_object_set_new(o, "entities", es);
        }
        char *d = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(o);
        if (d == NULL)
            goto fail;
        int rc = cw_buf_puts(&b, d);
        free(d);
        if (rc != 0 || cw_buf_putc(&b, '\n') != 0)
            goto fail;
    }
    cw_id_hex(b.data ? b.data : "", b.len, cs->version);
    cw_buf_free(&b);
    return 0;
fail:
    cw_buf_free(&b);
    return -1;
}

static int finish(struct claimset *cs, struct cw_strv *errors, struct claimset **out)
{
    if (cs->n > 1)
        qsort(cs->claims, cs->n, sizeof *cs->claims, cmp_claim);
    if (compute_version(cs) != 0) {
        cw_strv_push(errors, "claim set: out of memory");
        claimset_destroy(cs);
        return -1;
    }
    *out = cs;
    return 0;
}

int claimset_load_buffer(const char *name, const char *json, size_t len, struct claimset **out,
                         struct cw_strv *errors)
{
    *out = NULL;
    struct claimset *cs = calloc(1, sizeof *cs);
    if (cs == NULL)
        return -1;
    if (load_one(name, json, len, cs, errors) != 0) {
        claimset_destroy(cs);
        return -1;
    }
    return finish(cs, errors, out);
}

int claimset_load(const char *const *paths, size_t npaths, struct claimset **out, struct cw_strv *errors)
{
    *out = NULL;
    struct claimset *cs = calloc(1, sizeof *cs);
    int nerr = 0;
    if (cs == NULL)
        return -1;
    for (size_t i = 0; i < npaths; i++) {
        char *buf = NULL, err[512];
        size_t len = 0;
        if (cw_read_file(paths[i], CLAIMSET_FILE_MAX, &buf, &len, err, sizeof err) != 0) {
            cw_strv_push(errors, err);
            nerr++;
            continue;
        }
        /* duplicates across files are caught by load_one's scan of cs, which spans files */
        nerr += load_one(paths[i], buf, len, cs, errors);
        free(buf);
    }
    if (nerr) {
        claimset_destroy(cs);
        return -1;
    }
    return finish(cs, errors, out);
}
