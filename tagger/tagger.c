/* The tagger: indexes over the claim set (postings from term to claims, entity and key-phrase
 * matcher), per-document analysis, candidate claims, features, the model, evidence and
 * entities. See docs/claims.md for the method. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_log.h"
#include "tagger/tagger.h"
#include "tagger/tg_internal.h"

#define TG_MAX_CLAIM_TERMS 64
#define TG_CAND_MIN_COVER 0.1  /* below this share of a claim's weight, the pair is unrelated */
#define TG_MAX_EVIDENCE 5
#define TG_MAX_CAND 60 /* candidates per document that get full features */
#define TG_NB_MAX 16     /* neighbours kept per claim (the claims whose words are most like its own) */
#define TG_NB_MIN 0.1    /* cosine below which a claim is no neighbour */

struct tg_phrase {
    int32_t *terms;
    size_t n;
    /* key phrases: the words as written (a copy of the phrase, and each word's byte span in it),
     * which a document's word must begin with (see phrase_word_ok) */
    char *surf;
    uint32_t *span;
    uint32_t owner; /* entity index, or claim index for key phrases */
    int keyphrase;
};

struct tg_ent {
    char *id;   /* borrowed from the claim set, or owned when derived (owned flag) */
    char *name;
    int owned;
};

struct tg_cl {
    int32_t terms[TG_MAX_CLAIM_TERMS]; /* distinct content terms */
    float w[TG_MAX_CLAIM_TERMS];
    size_t nterms;
    double wsum, norm;
    uint16_t bigram[TG_MAX_CLAIM_TERMS]; /* pairs of local indices (a << 8 | b) */
    size_t nbigram;
    int neg;
    int hedge; /* the claim itself is hedged ("reportedly", "may") */
    uint64_t namemask; /* terms written as names or numbers (capitalised mid-sentence, digits) */
    uint32_t *ents; /* global entity indices */
    size_t nents;
    float bgw[TG_MAX_CLAIM_TERMS]; /* background IDF of each term */
    double bgnorm;
};

struct tagger {
    struct claimset *cs;
    struct tg_vocab v;
    struct tg_cl *cl;
    float *idf;         /* per term */
    uint32_t *post_off; /* CSR postings: term -> claims */
    uint32_t *post;
    struct tg_phrase *ph;
    size_t nph;
    uint32_t *ph_off; /* CSR: first term -> phrases */
    uint32_t *ph_idx;
    struct tg_ent *ents;
    size_t nents;
    struct tg_map ent_ids; /* entity id -> index */
    const struct tg_model *model;
    const struct tg_lexicon *lex;
    double min_score;   /* tagger_set_min_score */
    int32_t *term_lex;  /* per term: its lexicon index, or -1 */
    float *clvec;       /* per claim: its unit latent-semantic vector (TG_LEX_DIM floats) */
    /* per-document scratch, sized once */
    double *acc;          /* per claim */
    double *cwsum;        /* per claim: its weight + 1e-9, apart from the large struct tg_cl so
                           * the candidate pass reads one cache line per eight claims */
    double *cover;        /* per candidate */
    uint32_t *cand;       /* touched claims */
    uint32_t *tstamp;     /* per term: doc stamp */
    uint16_t *tf;         /* per term */
    uint32_t *dterm;      /* per term: index among the document's distinct terms */
    uint32_t *ent_count;  /* per entity */
    uint32_t *kp_hits;    /* per claim */
    uint32_t stamp;
    uint32_t *tmark; /* per term: == stamp2 when the document's best candidate has it */
    uint32_t *lstamp;   /* per lexicon word: == stamp when the document has it */
    uint32_t *llead;    /* per lexicon word: == stamp when the document's lead has it */
    uint16_t *ltf;      /* per lexicon word: its count in the document */
    uint32_t *luniq;    /* the document's distinct lexicon words */
    size_t capluniq;
    uint32_t stamp2;
    /* candidate feature rows, kept from one document to the next: a fresh block of this size
     * per document made the allocator consolidate its free lists every time */
    double *featbuf;
    double *p1buf;  /* per row: the first relatedness stage's probability (in featbuf's block) */
    double *p2buf;  /* per row: the second's, for the rows in rowbuf (the same block) */
    uint32_t *rowbuf;
    size_t featcap; /* rows */
    /* each claim's neighbours (CSR, most alike first) and their cosine over the claims' words */
    uint32_t *nb_off;
    uint32_t *nb_idx;
    float *nb_sim;
    uint32_t *crow; /* per claim: its candidate row + 1 in the current document, else 0 */
};

const struct claimset *tagger_claimset(const struct tagger *t) { return t->cs; }

void tagger_set_min_score(struct tagger *t, double min) { t->min_score = min; }

double tagger_model_threshold(void) { return tg_model_default.rel_threshold; }

struct tg_alike {
    float sim;
    uint32_t a, b;
};

static int cmp_alike(const void *x, const void *y)
{
    const struct tg_alike *p = x, *q = y;
    if (p->sim != q->sim)
        return p->sim < q->sim ? 1 : -1;
    return p->a != q->a ? (p->a > q->a) - (p->a < q->a) : (p->b > q->b) - (p->b < q->b);
}

int tagger_alike(const struct tagger *t, double min, struct cw_strv *out)
{
    size_t n = 0, cap = 0;
    struct tg_alike *v = NULL;
    int rc = -1;
    for (uint32_t i = 0; i < t->cs->n; i++)
        for (uint32_t q = t->nb_off[i]; q < t->nb_off[i + 1]; q++) {
            if (t->nb_sim[q] < min)
                continue;
            if (n == cap) {
                size_t nc = cap ? 2 * cap : 16;
                struct tg_alike *nv = realloc(v, nc * sizeof *nv);
                if (nv == NULL)
                    goto out;
                v = nv;
                cap = nc;
            }
            uint32_t j = t->nb_idx[q];
            v[n++] = (struct tg_alike){t->nb_sim[q], i < j ? i : j, i < j ? j : i};
        }
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_alike);
    /* a pair is in both claims' lists unless one has 16 more alike: once each */
    size_t u = 0;
    for (size_t k = 0; k < n; k++)
        if (u == 0 || cmp_alike(&v[u - 1], &v[k]) != 0)
            v[u++] = v[k];
    n = u;
    for (size_t k = 0; k < n; k++)
        if (cw_strv_pushf(out, "claims \"%s\" and \"%s\" read alike (cosine %.2f over their words): a report "
                               "on one is likely to be tagged with both; key phrases tell them apart "
                               "(docs/claims.md)",
                          t->cs->claims[v[k].a].id, t->cs->claims[v[k].b].id, (double)v[k].sim) != 0)
            goto out;
    rc = (int)n;
out:
    free(v);
    return rc;
}

void tagger_destroy(struct tagger *t)
{
    if (t == NULL)
        return;
    if (t->cl)
        for (size_t i = 0; i < t->cs->n; i++)
            free(t->cl[i].ents);
    free(t->cl);
    for (size_t i = 0; i < t->nph; i++) {
        free(t->ph[i].terms);
        free(t->ph[i].surf);
        free(t->ph[i].span);
    }
    free(t->ph);
    free(t->ph_off);
    free(t->ph_idx);
    for (size_t i = 0; i < t->nents; i++)
        if (t->ents[i].owned) {
            free(t->ents[i].id);
            free(t->ents[i].name);
        }
    free(t->ents);
    tg_map_free(&t->ent_ids);
    free(t->idf);
    free(t->post_off);
    free(t->post);
    free(t->acc);
    free(t->cwsum);
    free(t->cover);
    free(t->cand);
    free(t->tstamp);
    free(t->tmark);
    free(t->featbuf);
    free(t->nb_off);
    free(t->nb_idx);
    free(t->nb_sim);
    free(t->crow);
    free(t->term_lex);
    free(t->clvec);
    free(t->lstamp);
    free(t->llead);
    free(t->ltf);
    free(t->luniq);
    free(t->tf);
    free(t->dterm);
    free(t->ent_count);
    free(t->kp_hits);
    tg_vocab_free(&t->v);
    claimset_destroy(t->cs);
    free(t);
}

/* Tokenises a phrase into term ids (stop words kept: "Islamic Republic of Iran"). */
static int add_phrase(struct tagger *t, const char *s, uint32_t owner, int keyphrase)
{
    struct tg_text tx;
    if (tg_text_analyse(&t->v, s, strlen(s), &tx))
        return -1;
    int rc = 0;
    if (tx.ntok > 0) {
        struct tg_phrase *np = realloc(t->ph, (t->nph + 1) * sizeof *np);
        if (np == NULL) {
            rc = -1;
            goto out;
        }
        t->ph = np;
        struct tg_phrase *p = &t->ph[t->nph];
        p->terms = malloc(tx.ntok * sizeof *p->terms);
        if (p->terms == NULL) {
            rc = -1;
            goto out;
        }
        p->surf = NULL;
        p->span = NULL;
        if (keyphrase) {
            p->surf = strdup(s);
            p->span = malloc(2 * tx.ntok * sizeof *p->span);
            if (p->surf == NULL || p->span == NULL) {
                free(p->terms);
                free(p->surf);
                free(p->span);
                rc = -1;
                goto out;
            }
            for (size_t i = 0; i < tx.ntok; i++) {
                p->span[2 * i] = tx.toks[i].start;
                p->span[2 * i + 1] = tx.toks[i].end;
            }
        }
        for (size_t i = 0; i < tx.ntok; i++)
            p->terms[i] = tx.toks[i].term;
        p->n = tx.ntok;
        p->owner = owner;
        p->keyphrase = keyphrase;
        t->nph++;
    }
out:
    tg_text_free(&tx);
    return rc;
}

static int find_entity(struct tagger *t, const char *id)
{
    return (int)tg_map_get(&t->ent_ids, id, strlen(id), -1);
}

static int push_entity(struct tagger *t, char *id, char *name, int owned)
{
    struct tg_ent *ne = realloc(t->ents, (t->nents + 1) * sizeof *ne);
    if (ne == NULL)
        return -1;
    t->ents = ne;
    t->ents[t->nents].id = id;
    t->ents[t->nents].name = name;
    t->ents[t->nents].owned = owned;
    if (tg_map_put(&t->ent_ids, id, strlen(id), (int32_t)t->nents) != 0)
        return -1;
    return (int)t->nents++;
}

static int claim_add_ent(struct tg_cl *c, uint32_t e)
{
    for (size_t i = 0; i < c->nents; i++)
        if (c->ents[i] == e)
            return 0;
    uint32_t *n = realloc(c->ents, (c->nents + 1) * sizeof *n);
    if (n == NULL)
        return -1;
    c->ents = n;
    c->ents[c->nents++] = e;
    return 0;
}

/* Capitalised names in a claim without declared entities become its entities ("Iran",
 * "Vladimir Putin"), so entity overlap works from the text alone. */
static int derive_entities(struct tagger *t, size_t ci, const char *text)
{
    struct tg_text tx;
    int rc = 0;
    if (tg_text_analyse(&t->v, text, strlen(text), &tx))
        return -1;
    for (size_t i = 0; i < tx.ntok && rc == 0; i++) {
        const struct tg_tok *tk = &tx.toks[i];
        if (!(tk->flags & TG_TOK_CAP) || (tk->cue & (TG_CUE_STOP | TG_CUE_TITLE | TG_CUE_TIME)) ||
            tk->term < 0)
            continue;
        size_t j = i;
        while (j + 1 < tx.ntok && (tx.toks[j + 1].flags & TG_TOK_CAP) &&
               !(tx.toks[j + 1].cue & TG_CUE_STOP) && tx.toks[j + 1].start - tx.toks[j].end <= 1)
            j++;
        size_t len = tx.toks[j].end - tk->start;
        /* "Iran's" names Iran */
        if (len > 2 && text[tk->start + len - 1] == 's' && text[tk->start + len - 2] == '\'')
            len -= 2;
        else if (len > 4 && text[tk->start + len - 1] == 's' &&
                 (unsigned char)text[tk->start + len - 2] == 0x99)
            len -= 4;
        char *name = strndup(text + tk->start, len);
        char *id = malloc(len + 3);
        if (name == NULL || id == NULL) {
            free(name);
            free(id);
            rc = -1;
            break;
        }
        /* derived ids are the folded name with a marker, so they never clash with declared ones */
        id[0] = '~';
        for (size_t k = 0; k < len; k++)
            id[k + 1] = (name[k] >= 'A' && name[k] <= 'Z') ? (char)(name[k] + 32) : (name[k] == ' ' ? '-' : name[k]);
        id[len + 1] = '\0';
        int e = find_entity(t, id);
        if (e < 0) {
            e = push_entity(t, id, name, 1);
            if (e < 0) {
                free(id);
                free(name);
                rc = -1;
                break;
            }
            if (add_phrase(t, name, (uint32_t)e, 0))
                rc = -1;
        } else {
            free(id);
            free(name);
        }
        if (rc == 0 && claim_add_ent(&t->cl[ci], (uint32_t)e))
            rc = -1;
        i = j;
    }
    tg_text_free(&tx);
    return rc;
}

/* v += w * q for a lexicon vector q */
static inline void vec_add(float *restrict v, float w, const int8_t *restrict q)
{
    for (uint32_t j = 0; j < TG_LEX_DIM; j++)
        v[j] += w * (float)q[j];
}

static void unit_vector(float *v)
{
    double n = 0;
    for (uint32_t k = 0; k < TG_LEX_DIM; k++)
        n += (double)v[k] * v[k];
    if (n <= 0)
        return;
    float inv = (float)(1.0 / sqrt(n));
    for (uint32_t k = 0; k < TG_LEX_DIM; k++)
        v[k] *= inv;
}

static int build_claim_terms(struct tagger *t, size_t ci)
{
    const struct tg_claim *c = &t->cs->claims[ci];
    struct tg_cl *cl = &t->cl[ci];
    struct tg_text tx;
    if (tg_text_analyse(&t->v, c->text, strlen(c->text), &tx))
        return -1;
    int prev = -1;
    uint64_t capmask = 0, nummask = 0;
    size_t ncontent = 0, ncap = 0;
    for (size_t i = 0; i < tx.ntok; i++) {
        const struct tg_tok *tk = &tx.toks[i];
        if (tk->cue & (TG_CUE_NEG | TG_CUE_REFUTE))
            cl->neg = 1;
        if (tk->cue & TG_CUE_HEDGE)
            cl->hedge = 1;
        if (tk->term < 0 || (tk->cue & TG_CUE_STOP))
            continue;
        size_t k;
        for (k = 0; k < cl->nterms; k++)
            if (cl->terms[k] == tk->term)
                break;
        if (k == cl->nterms) {
            if (cl->nterms == TG_MAX_CLAIM_TERMS)
                continue;
            cl->terms[cl->nterms++] = tk->term;
        }
        if ((tk->flags & (TG_TOK_NUM | TG_TOK_UPPER)) || ((tk->flags & TG_TOK_CAP) && i > 0))
            capmask |= 1ULL << k;
        if (tk->flags & TG_TOK_NUM)
            nummask |= 1ULL << k;
        ncontent++;
        ncap += (tk->flags & TG_TOK_CAP) != 0;
        if (prev >= 0 && prev != (int)k && cl->nbigram < TG_MAX_CLAIM_TERMS)
            cl->bigram[cl->nbigram++] = (uint16_t)(prev << 8 | (int)k);
        prev = (int)k;
    }
    /* in a Title Case headline capitals say nothing: only numbers count as names there */
    cl->namemask = ncap * 10 > ncontent * 6 ? nummask : capmask;
    /* its latent-semantic vector: the lexicon vectors of its words, weighed by their IDF */
    const struct tg_lexicon *lx = t->lex;
    float *cv = t->clvec + ci * TG_LEX_DIM;
    for (size_t i = 0; i < tx.ntok; i++) {
        const struct tg_tok *tk = &tx.toks[i];
        if (tk->lex < 0 || (tk->cue & TG_CUE_STOP))
            continue;
        vec_add(cv, lx->idf[tk->lex], lx->vec + (size_t)tk->lex * TG_LEX_DIM);
    }
    unit_vector(cv);
    tg_text_free(&tx);
    return 0;
}

struct tagger *tagger_create(struct claimset *cs) { return tagger_create_lex(cs, &tg_lexicon_default); }

/* Keeps claim j at sim in the list (idx, sim, n entries, best first) if it is among the best
 * TG_NB_MAX; ties go to the lower index, so the lists do not depend on the order of the calls. */
static void nb_insert(uint32_t *idx, float *sim, uint32_t *n, uint32_t j, float c)
{
    if (*n == TG_NB_MAX && (c < sim[*n - 1] || (c == sim[*n - 1] && j > idx[*n - 1])))
        return;
    uint32_t at = *n < TG_NB_MAX ? (*n)++ : *n - 1;
    while (at > 0 && (sim[at - 1] < c || (sim[at - 1] == c && idx[at - 1] > j))) {
        sim[at] = sim[at - 1];
        idx[at] = idx[at - 1];
        at--;
    }
    sim[at] = c;
    idx[at] = j;
}

/* Each claim's TG_NB_MAX nearest claims by cosine over their words (a word weighs its claim-set
 * IDF in every claim, so a dot product is the sum of the shared words' squared IDF), through the
 * postings: the cost is that of the words claims share, not of all pairs, and each pair is
 * scored once (from its lower index; postings are in claim order). acc and cand are the
 * per-claim scratch arrays, zero on entry and on return. */
static int claim_neighbours(struct tagger *t)
{
    size_t nc = t->cs->n;
    t->nb_off = calloc(nc + 1, sizeof *t->nb_off);
    t->nb_idx = malloc((nc ? nc : 1) * TG_NB_MAX * sizeof *t->nb_idx);
    t->nb_sim = malloc((nc ? nc : 1) * TG_NB_MAX * sizeof *t->nb_sim);
    t->crow = calloc(nc ? nc : 1, sizeof *t->crow);
    if (!t->nb_off || !t->nb_idx || !t->nb_sim || !t->crow)
        return -1;
    /* fixed slots of TG_NB_MAX per claim while scoring (counts in crow), packed at the end */
    for (size_t i = 0; i < nc; i++) {
        const struct tg_cl *cl = &t->cl[i];
        size_t ntouch = 0;
        for (size_t k = 0; k < cl->nterms; k++) {
            int32_t term = cl->terms[k];
            double w2 = (double)t->idf[term] * t->idf[term];
            uint32_t lo = t->post_off[term], hi = t->post_off[term + 1];
            while (lo < hi) { /* the first posting after i */
                uint32_t mid = lo + (hi - lo) / 2;
                if (t->post[mid] <= i)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (uint32_t q = lo; q < t->post_off[term + 1]; q++) {
                uint32_t j = t->post[q];
                if (t->acc[j] == 0)
                    t->cand[ntouch++] = j;
                t->acc[j] += w2;
            }
        }
        for (size_t q = 0; q < ntouch; q++) {
            uint32_t j = t->cand[q];
            float c = (float)(t->acc[j] / (cl->norm * t->cl[j].norm + 1e-9));
            t->acc[j] = 0;
            if (c < TG_NB_MIN)
                continue;
            nb_insert(t->nb_idx + i * TG_NB_MAX, t->nb_sim + i * TG_NB_MAX, &t->crow[i], j, c);
            nb_insert(t->nb_idx + (size_t)j * TG_NB_MAX, t->nb_sim + (size_t)j * TG_NB_MAX, &t->crow[j],
                      (uint32_t)i, c);
        }
    }
    size_t total = 0;
    for (size_t i = 0; i < nc; i++) {
        memmove(t->nb_idx + total, t->nb_idx + i * TG_NB_MAX, t->crow[i] * sizeof *t->nb_idx);
        memmove(t->nb_sim + total, t->nb_sim + i * TG_NB_MAX, t->crow[i] * sizeof *t->nb_sim);
        total += t->crow[i];
        t->nb_off[i + 1] = (uint32_t)total;
        t->crow[i] = 0;
    }
    return 0;
}

struct tagger *tagger_create_lex(struct claimset *cs, const struct tg_lexicon *lx)
{
    struct tagger *t = calloc(1, sizeof *t);
    if (t == NULL) {
        claimset_destroy(cs);
        return NULL;
    }
    t->cs = cs;
    t->lex = lx;
    if (lx->dim != TG_LEX_DIM) {
        CW_ERR("tagger", "background lexicon has %u dimensions, the code uses %d: rebuild it "
                 "(docs/quality.md)", lx->dim, TG_LEX_DIM);
        goto fail;
    }
    t->model = &tg_model_default;
    if (t->model->nfeat != TG_NFEAT)
        CW_ERR("tagger", "model parameters are for %d features, the code computes %d: retrain "
                 "(docs/quality.md); nothing will be tagged", t->model->nfeat, TG_NFEAT);
    /* the background lexicon first: every word looked up from here on gets its index */
    if (tg_vocab_init(&t->v))
        goto fail;
    int lrc = tg_vocab_set_lexicon(&t->v, lx);
    if (lrc == -2)
        CW_ERR("tagger", "background lexicon: its words do not match its %u entries: rebuild it "
                 "(docs/quality.md)", lx->n);
    if (lrc != 0 || tg_vocab_add_lexicons(&t->v))
        goto fail;
    size_t nc = cs->n;
    t->cl = calloc(nc ? nc : 1, sizeof *t->cl);
    t->clvec = calloc((nc ? nc : 1) * TG_LEX_DIM, sizeof *t->clvec);
    if (t->cl == NULL || t->clvec == NULL)
        goto fail;
    for (size_t i = 0; i < nc; i++) {
        const struct tg_claim *c = &cs->claims[i];
        if (build_claim_terms(t, i))
            goto fail;
        for (size_t j = 0; j < c->nentities; j++) {
            const struct tg_entity *e = &c->entities[j];
            int ei = find_entity(t, e->id);
            if (ei < 0) {
                ei = push_entity(t, e->id, e->name, 0);
                if (ei < 0 || add_phrase(t, e->name, (uint32_t)ei, 0))
                    goto fail;
                for (size_t k = 0; k < e->naliases; k++)
                    if (add_phrase(t, e->aliases[k], (uint32_t)ei, 0))
                        goto fail;
            }
            if (claim_add_ent(&t->cl[i], (uint32_t)ei))
                goto fail;
        }
        if (c->nentities == 0 && derive_entities(t, i, c->text))
            goto fail;
        for (size_t j = 0; j < c->nkeyphrases; j++)
            if (add_phrase(t, c->keyphrases[j], (uint32_t)i, 1))
                goto fail;
    }
    t->v.frozen = 1;
    size_t nt = t->v.nterms;
    /* document frequencies over the claims, then the postings in CSR form */
    t->post_off = calloc(nt + 1, sizeof *t->post_off);
    t->idf = calloc(nt ? nt : 1, sizeof *t->idf);
    if (!t->post_off || !t->idf)
        goto fail;
    size_t total = 0;
    for (size_t i = 0; i < nc; i++)
        for (size_t k = 0; k < t->cl[i].nterms; k++) {
            t->post_off[t->cl[i].terms[k] + 1]++;
            total++;
        }
    for (size_t i = 0; i < nt; i++)
        t->post_off[i + 1] += t->post_off[i];
    t->post = malloc((total ? total : 1) * sizeof *t->post);
    uint32_t *fill = calloc(nt ? nt : 1, sizeof *fill);
    if (!t->post || !fill) {
        free(fill);
        goto fail;
    }
    for (size_t i = 0; i < nc; i++)
        for (size_t k = 0; k < t->cl[i].nterms; k++) {
            int32_t term = t->cl[i].terms[k];
            t->post[t->post_off[term] + fill[term]++] = (uint32_t)i;
        }
    free(fill);
    for (size_t i = 0; i < nt; i++) {
        double df = t->post_off[i + 1] - t->post_off[i];
        /* smoothed so a tiny claim set still weighs rare words above common ones */
        t->idf[i] = (float)log((nc + 10.0) / (df + 0.5));
    }
    /* each term's lexicon index (term ids are the stems map's entries, in order) */
    t->term_lex = malloc((nt ? nt : 1) * sizeof *t->term_lex);
    if (t->term_lex == NULL)
        goto fail;
    for (size_t i = 0; i < nt; i++)
        t->term_lex[i] = tg_map_get(&t->v.lexmap, t->v.stems.keys[i], t->v.stems.klen[i], -1);
    for (size_t i = 0; i < nc; i++) {
        struct tg_cl *cl = &t->cl[i];
        for (size_t k = 0; k < cl->nterms; k++) {
            cl->w[k] = t->idf[cl->terms[k]];
            cl->wsum += cl->w[k];
            cl->norm += (double)cl->w[k] * cl->w[k];
            int32_t l = t->term_lex[cl->terms[k]];
            cl->bgw[k] = l >= 0 ? lx->idf[l] : lx->idf_unknown;
            cl->bgnorm += (double)cl->bgw[k] * cl->bgw[k];
        }
        cl->norm = sqrt(cl->norm);
        cl->bgnorm = sqrt(cl->bgnorm);
    }
    /* phrase index by first term */
    t->ph_off = calloc(nt + 1, sizeof *t->ph_off);
    t->ph_idx = malloc((t->nph ? t->nph : 1) * sizeof *t->ph_idx);
    fill = calloc(nt ? nt : 1, sizeof *fill);
    if (!t->ph_off || !t->ph_idx || !fill) {
        free(fill);
        goto fail;
    }
    for (size_t i = 0; i < t->nph; i++)
        if (t->ph[i].terms[0] >= 0)
            t->ph_off[t->ph[i].terms[0] + 1]++;
    for (size_t i = 0; i < nt; i++)
        t->ph_off[i + 1] += t->ph_off[i];
    for (size_t i = 0; i < t->nph; i++) {
        int32_t f = t->ph[i].terms[0];
        if (f >= 0)
            t->ph_idx[t->ph_off[f] + fill[f]++] = (uint32_t)i;
    }
    free(fill);
    t->acc = calloc(nc ? nc : 1, sizeof *t->acc);
    t->cover = calloc(nc ? nc : 1, sizeof *t->cover);
    t->cwsum = calloc(nc ? nc : 1, sizeof *t->cwsum);
    t->cand = malloc((nc ? nc : 1) * sizeof *t->cand);
    t->kp_hits = calloc(nc ? nc : 1, sizeof *t->kp_hits);
    t->tstamp = calloc(nt ? nt : 1, sizeof *t->tstamp);
    t->tmark = calloc(nt ? nt : 1, sizeof *t->tmark);
    t->tf = calloc(nt ? nt : 1, sizeof *t->tf);
    t->dterm = calloc(nt ? nt : 1, sizeof *t->dterm);
    t->ent_count = calloc(t->nents ? t->nents : 1, sizeof *t->ent_count);
    t->lstamp = calloc(lx->n ? lx->n : 1, sizeof *t->lstamp);
    t->llead = calloc(lx->n ? lx->n : 1, sizeof *t->llead);
    t->ltf = calloc(lx->n ? lx->n : 1, sizeof *t->ltf);
    if (!t->lstamp || !t->llead || !t->ltf)
        goto fail;
    if (!t->acc || !t->cwsum || !t->cover || !t->cand || !t->kp_hits || !t->tstamp || !t->tmark || !t->tf || !t->dterm ||
        !t->ent_count)
        goto fail;
    for (size_t i = 0; i < nc; i++)
        t->cwsum[i] = t->cl[i].wsum + 1e-9;
    if (claim_neighbours(t))
        goto fail;
    CW_DEBUG("tagger", "indexed claims=%zu terms=%zu phrases=%zu entities=%zu", nc, nt, t->nph,
             t->nents);
    return t;
fail:
    tagger_destroy(t);
    return NULL;
}

/* ---- per document ---- */

struct tg_doc {
    char *buf;         /* "title\n\ntext" */
    size_t text_off;   /* where the text starts in buf */
    size_t title_sents;/* sentences belonging to the title */
    struct tg_text tx;
    uint32_t *uterms;  /* distinct content terms */
    size_t nuterms;
    double norm;       /* tf-idf norm of the document */
    /* where each distinct term occurs (CSR over uterms), so a claim's features cost the
     * occurrences of its own words rather than a pass over the whole text */
    uint32_t *occ_off, *occ_pos;
    uint32_t *tok_sent;     /* sentence of each token */
    uint32_t *sent_chars;   /* per sentence: character offsets of start and end in the text */
    int32_t *next_content;  /* next indexed token in the same sentence, or -1 */
    /* prefix counts over tokens of denial cues and of denial-or-negation cues, so "is there one
     * within n words of this claim word" costs two reads */
    uint32_t *pre_ref, *pre_negref;
    /* per sentence cue counts */
    uint8_t *s_ref, *s_neg, *s_hedge, *s_sup;
    uint32_t *s_quoted; /* per sentence: tokens inside a quotation */
    double rate[5]; /* refute, neg, hedge, support, question per sentence */
    /* against the background lexicon: TF-IDF norms and unit latent-semantic vectors of the
     * whole text and of its lead (the title and the first TG_LEAD_BYTES of the text) */
    uint32_t lead_tok; /* first token past the lead */
    double bgnorm, leadnorm;
    float dvec[TG_LEX_DIM], lvec[TG_LEX_DIM]; /* zeroed with the rest by doc_prepare */
};

/* Whether the document word w[0..wn) may stand for word i of key phrase p, whose stem it shares:
 * it must begin with the phrase's word as written (ASCII case aside). A key phrase is a curated
 * form: "agreement" stands for "agreements", but "security councils" (plural, a body of several
 * states) must not match "Security Council", which stemming alone would allow. Words with other
 * than ASCII letters keep the stem match (their case folding is not a byte comparison). */
static int phrase_word_ok(const struct tg_phrase *p, size_t i, const char *w, size_t wn)
{
    const char *k = p->surf + p->span[2 * i];
    size_t kn = p->span[2 * i + 1] - p->span[2 * i];
    for (size_t j = 0; j < kn; j++)
        if ((unsigned char)k[j] >= 0x80)
            return 1;
    for (size_t j = 0; j < wn; j++)
        if ((unsigned char)w[j] >= 0x80)
            return 1;
    if (wn < kn)
        return 0;
    for (size_t j = 0; j < kn; j++) {
        char a = k[j], b = w[j];
        a = (a >= 'A' && a <= 'Z') ? (char)(a + 32) : a;
        b = (b >= 'A' && b <= 'Z') ? (char)(b + 32) : b;
        if (a != b)
            return 0;
    }
    return 1;
}

static void doc_free(struct tg_doc *d)
{
    free(d->occ_off);
    free(d->occ_pos);
    free(d->tok_sent);
    free(d->sent_chars);
    free(d->next_content);
    free(d->pre_ref);
    free(d->pre_negref);
    free(d->buf);
    tg_text_free(&d->tx);
    free(d->uterms);
    free(d->s_ref);
    free(d->s_neg);
    free(d->s_hedge);
    free(d->s_sup);
    free(d->s_quoted);
}

#define TG_LEAD_BYTES 400

/* The document against the background lexicon (after the per-term counts of doc_prepare):
 * TF-IDF norms and latent-semantic vectors of the whole text and of the lead. A word the
 * lexicon lacks is rare in news: it weighs idf_unknown (and has no vector). */
static int doc_lexicon(struct tagger *t, struct tg_doc *d)
{
    const struct tg_lexicon *lx = t->lex;
    const struct tg_text *tx = &d->tx;
    if (tx->ntok > t->capluniq) {
        uint32_t *u = realloc(t->luniq, tx->ntok * sizeof *u);
        if (u == NULL)
            return -1;
        t->luniq = u;
        t->capluniq = tx->ntok;
    }
    size_t lead_end = d->text_off + TG_LEAD_BYTES, nu = 0;
    double unk = (double)lx->idf_unknown * lx->idf_unknown, norm = 0, lnorm = 0;
    d->lead_tok = (uint32_t)tx->ntok;
    for (size_t k = 0; k < tx->ntok; k++) {
        const struct tg_tok *tk = &tx->toks[k];
        int lead = tk->start < lead_end;
        if (!lead && d->lead_tok == tx->ntok)
            d->lead_tok = (uint32_t)k;
        if (tk->cue & TG_CUE_STOP)
            continue;
        int32_t l = tk->lex;
        if (l < 0) {
            /* words of the claim set are counted once below, with their term frequency; other
             * unknown words have no id to count by, so each occurrence counts as a word (in
             * the lead too, where known words count once) */
            if (tk->term < 0)
                norm += unk;
            lnorm += lead ? unk : 0;
            continue;
        }
        if (t->lstamp[l] != t->stamp) {
            t->lstamp[l] = t->stamp;
            t->ltf[l] = 0;
            t->luniq[nu++] = (uint32_t)l;
        }
        if (t->ltf[l] < 65535)
            t->ltf[l]++;
        if (lead && t->llead[l] != t->stamp) {
            t->llead[l] = t->stamp;
            double w = lx->idf[l];
            lnorm += w * w;
            vec_add(d->lvec, (float)w, lx->vec + (size_t)l * TG_LEX_DIM);
        }
    }
    for (size_t i = 0; i < d->nuterms; i++) {
        uint32_t term = d->uterms[i];
        if (t->term_lex[term] < 0) {
            double w = (1.0 + log(t->tf[term])) * lx->idf_unknown;
            norm += w * w;
        }
    }
    for (size_t i = 0; i < nu; i++) {
        uint32_t l = t->luniq[i];
        double w = (1.0 + log(t->ltf[l])) * lx->idf[l];
        norm += w * w;
        vec_add(d->dvec, (float)w, lx->vec + (size_t)l * TG_LEX_DIM);
    }
    d->bgnorm = sqrt(norm) + 1e-9;
    d->leadnorm = sqrt(lnorm) + 1e-9;
    unit_vector(d->dvec);
    unit_vector(d->lvec);
    return 0;
}

static int doc_prepare(struct tagger *t, const struct tag_doc *doc, struct tg_doc *d)
{
    memset(d, 0, sizeof *d);
    const char *title = doc->title ? doc->title : "";
    const char *text = doc->text ? doc->text : "";
    size_t tl = strlen(title), xl = strlen(text);
    if (xl > TG_TEXT_MAX)
        xl = TG_TEXT_MAX;
    if (tl > 4096)
        tl = 4096;
    d->buf = malloc(tl + xl + 3);
    if (d->buf == NULL)
        return -1;
    memcpy(d->buf, title, tl);
    for (size_t i = 0; i < tl; i++)
        if (d->buf[i] == '\n' || d->buf[i] == '\r')
            d->buf[i] = ' '; /* a title is one sentence region */
    d->buf[tl] = '\n';
    d->buf[tl + 1] = '\n';
    memcpy(d->buf + tl + 2, text, xl);
    d->buf[tl + 2 + xl] = '\0';
    d->text_off = tl + 2;
    if (tg_text_analyse(&t->v, d->buf, tl + 2 + xl, &d->tx))
        return -1;
    struct tg_text *tx = &d->tx;
    while (d->title_sents < tx->nsent && tx->sents[d->title_sents].start < d->text_off)
        d->title_sents++;
    size_t ns = tx->nsent ? tx->nsent : 1;
    d->s_ref = calloc(ns, 1);
    d->s_neg = calloc(ns, 1);
    d->s_hedge = calloc(ns, 1);
    d->s_sup = calloc(ns, 1);
    d->s_quoted = calloc(ns, sizeof *d->s_quoted);
    d->uterms = malloc((tx->ntok ? tx->ntok : 1) * sizeof *d->uterms);
    if (!d->s_ref || !d->s_neg || !d->s_hedge || !d->s_sup || !d->s_quoted || !d->uterms)
        return -1;
    if (++t->stamp == 0) {
        memset(t->tstamp, 0, t->v.nterms * sizeof *t->tstamp);
        memset(t->lstamp, 0, t->lex->n * sizeof *t->lstamp);
        memset(t->llead, 0, t->lex->n * sizeof *t->llead);
        t->stamp = 1;
    }
    double q = 0;
    for (size_t si = 0; si < tx->nsent; si++) {
        const struct tg_sent *st = &tx->sents[si];
        for (size_t k = st->tok0; k < st->tok0 + st->ntok; k++) {
            const struct tg_tok *tk = &tx->toks[k];
            if ((tk->cue & TG_CUE_REFUTE) && d->s_ref[si] < 255)
                d->s_ref[si]++;
            if ((tk->cue & TG_CUE_NEG) && d->s_neg[si] < 255)
                d->s_neg[si]++;
            if ((tk->cue & TG_CUE_HEDGE) && d->s_hedge[si] < 255)
                d->s_hedge[si]++;
            if ((tk->cue & TG_CUE_SUPPORT) && d->s_sup[si] < 255)
                d->s_sup[si]++;
            d->s_quoted[si] += tk->quote;
            if (tk->term < 0 || (tk->cue & TG_CUE_STOP))
                continue;
            if (t->tstamp[tk->term] != t->stamp) {
                t->tstamp[tk->term] = t->stamp;
                t->tf[tk->term] = 0;
                d->uterms[d->nuterms++] = (uint32_t)tk->term;
            }
            if (t->tf[tk->term] < 65535)
                t->tf[tk->term]++;
        }
        d->rate[0] += d->s_ref[si] > 0;
        d->rate[1] += d->s_neg[si] > 0;
        d->rate[2] += d->s_hedge[si] > 0;
        d->rate[3] += d->s_sup[si] > 0;
        q += st->question;
    }
    d->rate[4] = q;
    for (int i = 0; i < 5; i++)
        d->rate[i] /= (double)ns;
    double norm = 0;
    for (size_t i = 0; i < d->nuterms; i++) {
        double w = (1.0 + log(t->tf[d->uterms[i]])) * t->idf[d->uterms[i]];
        norm += w * w;
    }
    /* words no claim uses still make a document longer: count them at a typical weight */
    size_t unknown = 0;
    for (size_t k = 0; k < tx->ntok; k++)
        unknown += tx->toks[k].term < 0;
    norm += (double)unknown * 4.0;
    d->norm = sqrt(norm) + 1e-9;
    if (doc_lexicon(t, d))
        return -1;
    /* character offsets of every sentence in one pass, for evidence spans */
    d->sent_chars = malloc(2 * ns * sizeof *d->sent_chars);
    if (d->sent_chars == NULL)
        return -1;
    size_t pos = d->text_off, chars = 0;
    for (size_t si = 0; si < tx->nsent; si++) {
        const struct tg_sent *st = &tx->sents[si];
        if (st->start < d->text_off) {
            d->sent_chars[2 * si] = d->sent_chars[2 * si + 1] = 0;
            continue;
        }
        chars += tg_utf8_chars(d->buf + pos, st->start - pos);
        d->sent_chars[2 * si] = (uint32_t)chars;
        chars += tg_utf8_chars(d->buf + st->start, st->end - st->start);
        d->sent_chars[2 * si + 1] = (uint32_t)chars;
        pos = st->end;
    }
    size_t nt = tx->ntok ? tx->ntok : 1;
    d->occ_off = calloc(d->nuterms + 1, sizeof *d->occ_off);
    d->occ_pos = malloc(nt * sizeof *d->occ_pos);
    d->tok_sent = malloc(nt * sizeof *d->tok_sent);
    d->next_content = malloc(nt * sizeof *d->next_content);
    d->pre_ref = malloc((nt + 1) * sizeof *d->pre_ref);
    d->pre_negref = malloc((nt + 1) * sizeof *d->pre_negref);
    if (!d->occ_off || !d->occ_pos || !d->tok_sent || !d->next_content || !d->pre_ref || !d->pre_negref)
        return -1;
    d->pre_ref[0] = d->pre_negref[0] = 0;
    for (size_t k = 0; k < tx->ntok; k++) {
        uint16_t cue = tx->toks[k].cue;
        d->pre_ref[k + 1] = d->pre_ref[k] + ((cue & TG_CUE_REFUTE) != 0);
        d->pre_negref[k + 1] = d->pre_negref[k] + ((cue & (TG_CUE_NEG | TG_CUE_REFUTE)) != 0);
    }
    for (size_t i = 0; i < d->nuterms; i++)
        t->dterm[d->uterms[i]] = (uint32_t)i;
    for (size_t si = 0; si < tx->nsent; si++) {
        const struct tg_sent *st = &tx->sents[si];
        int32_t next = -1;
        for (size_t k = st->tok0 + st->ntok; k-- > st->tok0;) {
            const struct tg_tok *tk = &tx->toks[k];
            d->tok_sent[k] = (uint32_t)si;
            d->next_content[k] = next;
            if (tk->term >= 0 && !(tk->cue & TG_CUE_STOP)) {
                next = (int32_t)k;
                d->occ_off[t->dterm[tk->term] + 1]++;
            }
        }
    }
    for (size_t i = 0; i < d->nuterms; i++)
        d->occ_off[i + 1] += d->occ_off[i];
    uint32_t *cur = malloc((d->nuterms ? d->nuterms : 1) * sizeof *cur);
    if (cur == NULL)
        return -1;
    memcpy(cur, d->occ_off, d->nuterms * sizeof *cur);
    for (size_t k = 0; k < tx->ntok; k++) {
        const struct tg_tok *tk = &tx->toks[k];
        if (tk->term >= 0 && !(tk->cue & TG_CUE_STOP))
            d->occ_pos[cur[t->dterm[tk->term]]++] = (uint32_t)k;
    }
    free(cur);
    /* entities and key phrases */
    memset(t->ent_count, 0, t->nents * sizeof *t->ent_count);
    for (size_t k = 0; k < tx->ntok; k++) {
        int32_t f = tx->toks[k].term;
        if (f < 0)
            continue;
        for (uint32_t pi = t->ph_off[f]; pi < t->ph_off[f + 1]; pi++) {
            const struct tg_phrase *p = &t->ph[t->ph_idx[pi]];
            if (k + p->n > tx->ntok)
                continue;
            size_t m = 1;
            while (m < p->n && tx->toks[k + m].term == p->terms[m])
                m++;
            if (m < p->n)
                continue;
            if (p->keyphrase) {
                for (m = 0; m < p->n; m++) {
                    const struct tg_tok *w = &tx->toks[k + m];
                    if (!phrase_word_ok(p, m, d->buf + w->start, w->end - w->start))
                        break;
                }
                if (m < p->n)
                    continue;
            }
            if (p->keyphrase)
                t->kp_hits[p->owner]++;
            else
                t->ent_count[p->owner]++;
        }
    }
    return 0;
}

/* Claim candidates: postings of the document's terms accumulate each claim's matched weight. */
static size_t doc_candidates(struct tagger *t, const struct tg_doc *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->nuterms; i++) {
        uint32_t term = d->uterms[i];
        for (uint32_t p = t->post_off[term]; p < t->post_off[term + 1]; p++) {
            uint32_t c = t->post[p];
            if (t->acc[c] == 0)
                t->cand[n++] = c;
            t->acc[c] += t->idf[term];
        }
    }
    size_t keep = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = t->cand[i];
        double cover = t->acc[c] / t->cwsum[c];
        t->acc[c] = 0;
        if (cover >= TG_CAND_MIN_COVER || t->kp_hits[c] > 0) {
            t->cover[keep] = cover + (t->kp_hits[c] > 0 ? 1.0 : 0.0);
            t->cand[keep++] = c;
        }
    }
    /* only the best-covered candidates get full features: no report speaks to more than a few
     * dozen claims, and this keeps the cost per document from growing with the claim count.
     * A small sorted array keeps the best; most candidates fail the first comparison. */
    if (keep > TG_MAX_CAND) {
        uint32_t topc[TG_MAX_CAND];
        double topv[TG_MAX_CAND];
        size_t nt = 0;
        for (size_t i = 0; i < keep; i++) {
            double v = t->cover[i];
            if (nt == TG_MAX_CAND && v <= topv[nt - 1])
                continue;
            size_t j = nt < TG_MAX_CAND ? nt++ : nt - 1;
            while (j > 0 && topv[j - 1] < v) {
                topv[j] = topv[j - 1];
                topc[j] = topc[j - 1];
                j--;
            }
            topv[j] = v;
            topc[j] = t->cand[i];
        }
        memcpy(t->cand, topc, nt * sizeof *topc);
        keep = nt;
    }
    /* claims hit only by key phrases */
    for (size_t c = 0; c < t->cs->n && t->nph; c++) {
        if (t->kp_hits[c] == 0)
            continue;
        size_t j;
        for (j = 0; j < keep; j++)
            if (t->cand[j] == c)
                break;
        if (j == keep)
            t->cand[keep++] = (uint32_t)c;
    }
    return keep;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

struct tg_pair {
    double f[TG_NFEAT];
    double *scov;      /* per sentence coverage (0 outside touched) */
    uint64_t *smask;   /* per sentence: claim words present */
    uint32_t *touched; /* sentences with any claim word */
    size_t ntouched;
    size_t top[3];
    size_t ntop;
    uint64_t docmask; /* the claim's words present in the document */
    /* occurrences of the claim's words with a denial or negation within three words, and with a
     * denial within five (counted in the pass that marks the sentences) */
    uint32_t near3, nearref5;
};

/* Stance features of a set of sentences (the top ones for the document, or one for evidence). */
static void stance_features(const struct tagger *t, const struct tg_doc *d, const struct tg_cl *cl,
                            const size_t *set, size_t nset, double *f)
{
    const struct tg_text *tx = &d->tx;
    double ref = 0, neg = 0, hedge = 0, sup = 0, qn = 0, quoted = 0, ntok = 0, spk = 0;
    for (size_t i = 0; i < nset; i++) {
        size_t s = set[i];
        const struct tg_sent *st = &tx->sents[s];
        ref += d->s_ref[s];
        neg += d->s_neg[s];
        hedge += d->s_hedge[s];
        sup += d->s_sup[s];
        qn += st->question;
        spk += st->speaker_start >= 0;
        quoted += d->s_quoted[s];
        ntok += st->ntok;
    }
    double n = nset ? (double)nset : 1.0;
    f[10] = ref / n;
    f[11] = neg / n;
    f[12] = hedge / n;
    f[13] = sup / n;
    f[14] = qn / n;
    f[15] = d->rate[0];
    f[16] = d->rate[1];
    f[17] = d->rate[2];
    f[18] = d->rate[3];
    f[19] = d->rate[4];
    f[20] = cl->neg;
    f[21] = ((ref + neg) > 0) != (cl->neg != 0);
    f[22] = ntok > 0 ? quoted / ntok : 0;
    f[23] = spk / n;
    double lead = 0;
    for (size_t s = 0; s < tx->nsent && s < d->title_sents + 3; s++)
        lead += d->s_ref[s];
    f[24] = lead > 0;
    f[25] = log(1.0 + (double)tx->nsent) / 5.0;
    (void)t;
}

/* The TG_NMORE features: what a related report has that a neighbouring claim's report lacks
 * (the claim's rarest missing word, its words in the lead, how much of the text carries them),
 * and the cues of the sentences that carry the claim (weighted by how well they carry it), where
 * a refutation or a hedge of this claim shows. Cross features of the block are set later. */
static void more_features(const struct tagger *t, const struct tg_doc *d, const struct tg_cl *cl,
                          struct tg_pair *p, uint64_t docmask)
{
    const struct tg_text *tx = &d->tx;
    double *f = p->f + TG_FMORE;
    double maxw = 0, maxmiss = 0;
    for (size_t k = 0; k < cl->nterms; k++) {
        if (cl->w[k] > maxw)
            maxw = cl->w[k];
        if (!(docmask & (1ULL << k)) && cl->w[k] > maxmiss)
            maxmiss = cl->w[k];
    }
    f[0] = maxw > 0 ? maxmiss / maxw : 0;
    /* the claim's weight found in the first two sentences of the text, and over the whole text
     * counted by occurrences (density) */
    uint64_t leadmask = 0;
    double occ = 0;
    for (size_t i = 0; i < p->ntouched; i++) {
        size_t s = p->touched[i];
        if (s >= d->title_sents && s < d->title_sents + 2)
            leadmask |= p->smask[s];
    }
    double lw = 0;
    for (size_t k = 0; k < cl->nterms; k++) {
        if (leadmask & (1ULL << k))
            lw += cl->w[k];
        int32_t term = cl->terms[k];
        if (t->tstamp[term] == t->stamp)
            occ += t->tf[term];
    }
    f[1] = lw / (cl->wsum + 1e-9);
    f[2] = tx->nsent ? (double)p->ntouched / (double)tx->nsent : 0;
    f[3] = occ / (1.0 + (double)tx->ntok) * 10.0;
    /* f[4], f[5]: rank among the document's candidates and their count (cross_features) */
    double n = 0, ref = 0, neg = 0, hedge = 0, sup = 0, q = 0;
    double mref = 0, mneg = 0, mhedge = 0, msup = 0, mspk = 0, best_raw = 0;
    for (size_t i = 0; i < p->ntouched; i++) {
        size_t s = p->touched[i];
        double c = p->scov[s];
        double raw = (double)__builtin_popcountll(p->smask[s]) / (double)(cl->nterms ? cl->nterms : 1);
        if (raw > best_raw)
            best_raw = raw;
        if (s < d->title_sents)
            continue;
        if (d->s_ref[s] && c > mref)
            mref = c;
        if (d->s_neg[s] && c > mneg)
            mneg = c;
        if (d->s_hedge[s] && c > mhedge)
            mhedge = c;
        if (d->s_sup[s] && c > msup)
            msup = c;
        if (tx->sents[s].speaker_start >= 0 && c > mspk)
            mspk = c;
        if (c < 0.3)
            continue;
        n++;
        ref += d->s_ref[s] > 0;
        neg += d->s_neg[s] > 0;
        hedge += d->s_hedge[s] > 0;
        sup += d->s_sup[s] > 0;
        q += tx->sents[s].question;
    }
    f[6] = n > 0 ? ref / n : 0;
    f[7] = n > 0 ? neg / n : 0;
    f[8] = n > 0 ? hedge / n : 0;
    f[9] = n > 0 ? sup / n : 0;
    f[10] = mref;
    f[11] = mneg;
    f[12] = mhedge;
    f[13] = msup;
    f[14] = mspk;
    f[15] = n > 0 ? q / n : 0;
    f[16] = best_raw;
    /* denial words (not plain negations) within five words of the claim's words, up to ten */
    f[17] = (p->nearref5 < 10 ? p->nearref5 : 10) / 10.0;
}

/* Cosines against the background lexicon: TF-IDF over the whole text and over the lead, and
 * the latent-semantic vectors of both. */
static void lexicon_features(const struct tagger *t, const struct tg_doc *d, uint32_t ci,
                             uint64_t leadmask, double *f)
{
    const struct tg_cl *cl = &t->cl[ci];
    const struct tg_lexicon *lx = t->lex;
    double dot = 0, ldot = 0;
    for (size_t k = 0; k < cl->nterms; k++) {
        int32_t term = cl->terms[k];
        if (t->tstamp[term] != t->stamp)
            continue;
        int32_t l = t->term_lex[term];
        double idf = l >= 0 ? lx->idf[l] : lx->idf_unknown;
        unsigned tf = l >= 0 ? t->ltf[l] : t->tf[term];
        dot += cl->bgw[k] * (1.0 + log(tf ? tf : 1)) * idf;
        if (leadmask & (1ULL << k))
            ldot += cl->bgw[k] * idf;
    }
    f[0] = dot / (cl->bgnorm * d->bgnorm + 1e-9);
    f[1] = ldot / (cl->bgnorm * d->leadnorm + 1e-9);
    const float *cv = t->clvec + (size_t)ci * TG_LEX_DIM;
    float s = 0, ls = 0;
    for (uint32_t j = 0; j < TG_LEX_DIM; j++) {
        s += cv[j] * d->dvec[j];
        ls += cv[j] * d->lvec[j];
    }
    f[2] = s;
    f[3] = ls;
}

/* All features of (document, claim) when full; otherwise only what evidence needs (the
 * sentences touched by the claim's words, their coverage, the best three). scov must hold one
 * double per sentence. */
static void pair_features(struct tagger *t, const struct tg_doc *d, uint32_t ci, struct tg_pair *p,
                          int full)
{
    const struct tg_cl *cl = &t->cl[ci];
    const struct tg_text *tx = &d->tx;
    memset(p->f, 0, sizeof p->f);
    p->ntop = 0;
    double wsum = cl->wsum + 1e-9;
    uint64_t docmask = 0;
    size_t nbig_found = 0;
    uint64_t bigfound = 0;
    double lead = 0, strong = 0, cov_raw;
    double best[3] = {0, 0, 0};
    /* forget the previous pair's sentences */
    for (size_t i = 0; i < p->ntouched; i++) {
        p->scov[p->touched[i]] = 0;
        p->smask[p->touched[i]] = 0;
    }
    p->ntouched = 0;
    uint32_t near3 = 0, nearref5 = 0;
    uint64_t leadmask = 0; /* the claim's words in the lead (doc_lexicon) */
    /* the claim's bigrams by first word, so an occurrence checks only its own */
    uint8_t bfirst[TG_MAX_CLAIM_TERMS + 1] = {0}, border[TG_MAX_CLAIM_TERMS];
    for (size_t b = 0; full && b < cl->nbigram; b++)
        bfirst[(cl->bigram[b] >> 8) + 1]++;
    for (size_t k = 0; k < TG_MAX_CLAIM_TERMS; k++)
        bfirst[k + 1] = (uint8_t)(bfirst[k + 1] + bfirst[k]);
    {
        uint8_t fill[TG_MAX_CLAIM_TERMS];
        memcpy(fill, bfirst, sizeof fill);
        for (size_t b = 0; b < cl->nbigram; b++)
            border[fill[cl->bigram[b] >> 8]++] = (uint8_t)b;
    }
    for (size_t k = 0; k < cl->nterms; k++) {
        int32_t term = cl->terms[k];
        if (t->tstamp[term] != t->stamp)
            continue;
        uint32_t u = t->dterm[term];
        for (uint32_t o = d->occ_off[u]; o < d->occ_off[u + 1]; o++) {
            uint32_t pos = d->occ_pos[o], s = d->tok_sent[pos];
            if (p->smask[s] == 0)
                p->touched[p->ntouched++] = s;
            p->smask[s] |= 1ULL << k;
            if (!full)
                continue;
            if (pos < d->lead_tok)
                leadmask |= 1ULL << k;
            const struct tg_sent *st = &tx->sents[s];
            uint32_t lo = st->tok0, hi = st->tok0 + st->ntok - 1;
            near3 += d->pre_negref[(pos + 3 < hi ? pos + 3 : hi) + 1] > d->pre_negref[pos >= lo + 3 ? pos - 3 : lo];
            nearref5 += d->pre_ref[(pos + 5 < hi ? pos + 5 : hi) + 1] > d->pre_ref[pos >= lo + 5 ? pos - 5 : lo];
            int32_t nx = d->next_content[pos];
            if (nx < 0)
                continue;
            for (size_t q = bfirst[k]; q < bfirst[k + 1]; q++) {
                size_t b = border[q];
                if (tx->toks[nx].term == cl->terms[cl->bigram[b] & 0xff])
                    bigfound |= 1ULL << b;
            }
        }
    }
    /* text order: when the claim touches a fair share of the sentences, a scan of the marks is
     * cheaper than a sort */
    if (p->ntouched * 8 >= tx->nsent) {
        size_t n = 0;
        for (size_t s = 0; s < tx->nsent; s++)
            if (p->smask[s])
                p->touched[n++] = (uint32_t)s;
        p->ntouched = n;
    } else {
        qsort(p->touched, p->ntouched, sizeof *p->touched, cmp_u32);
    }
    for (size_t i = 0; i < p->ntouched; i++) {
        size_t s = p->touched[i];
        uint64_t m = p->smask[s];
        double c = 0;
        for (uint64_t mm = m; mm; mm &= mm - 1)
            c += cl->w[__builtin_ctzll(mm)];
        c /= wsum;
        p->scov[s] = c;
        docmask |= m;
        if (s < d->title_sents + 5 && c > lead)
            lead = c;
        strong += c >= 0.5;
        /* keep the three best sentences (earlier wins ties) */
        for (size_t r = 0; r < 3; r++) {
            if (c > best[r]) {
                for (size_t q = 2; q > r; q--) {
                    best[q] = best[q - 1];
                    p->top[q] = p->top[q - 1];
                }
                best[r] = c;
                p->top[r] = s;
                if (p->ntop < 3)
                    p->ntop++;
                break;
            }
        }
    }
    p->docmask = docmask;
    p->near3 = near3;
    p->nearref5 = nearref5;
    if (!full)
        return;
    for (uint64_t b = bigfound; b; b &= b - 1)
        nbig_found++;
    double cov = 0, dot = 0;
    size_t matched = 0;
    for (size_t k = 0; k < cl->nterms; k++)
        if (docmask & (1ULL << k)) {
            cov += cl->w[k];
            matched++;
            int32_t term = cl->terms[k];
            double tfw = t->tstamp[term] == t->stamp ? 1.0 + log(t->tf[term] ? t->tf[term] : 1) : 1.0;
            dot += (double)cl->w[k] * tfw * t->idf[term];
        }
    cov /= wsum;
    cov_raw = cl->nterms ? (double)matched / (double)cl->nterms : 0;
    double entc = 0;
    for (size_t e = 0; e < cl->nents; e++)
        entc += t->ent_count[cl->ents[e]] > 0;
    p->f[0] = cov;
    p->f[1] = best[0];
    p->f[2] = (best[0] + best[1]) / 2;
    p->f[3] = dot / (cl->norm * d->norm + 1e-9);
    p->f[4] = cl->nbigram ? (double)nbig_found / (double)cl->nbigram : cov;
    p->f[5] = cl->nents ? entc / (double)cl->nents : cov;
    p->f[6] = lead;
    p->f[7] = tx->nsent ? strong / (double)tx->nsent : 0;
    p->f[8] = 1.0 / (1.0 + (double)cl->nterms);
    p->f[9] = cov_raw;
    stance_features(t, d, cl, p->top, p->ntop, p->f);
    /* polarity near the claim's words: denials and negations in the sentences that match the
     * claim well, and within three words of a claim word */
    double strong_n = 0, strong_ref = 0, near = near3 < 3 ? near3 : 3;
    for (size_t i = 0; i < p->ntouched; i++) {
        size_t s = p->touched[i];
        if (p->scov[s] < 0.5)
            continue;
        strong_n++;
        strong_ref += (d->s_ref[s] + d->s_neg[s]) > 0;
    }
    int xb = TG_NREL + TG_NSTANCE + TG_NCROSS;
    p->f[xb + 0] = strong_n > 0 ? strong_ref / strong_n : 0;
    p->f[xb + 1] = strong_ref > 0;
    p->f[xb + 2] = cl->hedge;
    p->f[xb + 3] = near / 3.0;
    /* the claim's two rarest words: a report on a neighbouring claim shares the common ones */
    size_t r1 = 0, r2 = 0;
    for (size_t k = 1; k < cl->nterms; k++) {
        if (cl->w[k] > cl->w[r1]) {
            r2 = r1;
            r1 = k;
        } else if (r2 == r1 || cl->w[k] > cl->w[r2]) {
            r2 = k;
        }
    }
    double rare = 0;
    if (cl->nterms > 0)
        rare += (docmask >> r1) & 1;
    if (cl->nterms > 1 && r2 != r1)
        rare += (docmask >> r2) & 1;
    else
        rare *= 2;
    p->f[TG_NREL + TG_NSTANCE + 3] = rare / 2;
    more_features(t, d, cl, p, docmask);
    lexicon_features(t, d, ci, leadmask, p->f + TG_FLEX);
}

/* Features relative to the best candidate of the document: the claim a report is about
 * usually beats the claims next to it. */
static void cross_features(double *f, const double *mx)
{
    int base = TG_NREL + TG_NSTANCE;
    f[base + 0] = mx[0] > 0 ? f[0] / mx[0] : 0;
    f[base + 1] = mx[1] > 0 ? f[1] / mx[1] : 0;
    f[base + 2] = mx[3] > 0 ? f[3] / mx[3] : 0;
}

/* Rank of each candidate by coverage (0 = best) and the candidate count. */
static void rank_features(double *feats, size_t ncand)
{
    for (size_t i = 0; i < ncand; i++) {
        double v = feats[i * TG_NFEAT];
        size_t rank = 0;
        for (size_t j = 0; j < ncand; j++)
            rank += feats[j * TG_NFEAT] > v;
        feats[i * TG_NFEAT + TG_FMORE + 4] = 1.0 / (1.0 + (double)rank);
        feats[i * TG_NFEAT + TG_FMORE + 5] = log(1.0 + (double)ncand);
    }
}

/* Against the document's best other candidate (by coverage): the share of the claim's weight in
 * words that claim lacks, how much of that distinctive weight the document has, and the coverage
 * gap. A report on one claim also matches its siblings (claims on the same story share most
 * words); a sibling is only spoken to when its own words are there too. */
static void sibling_features(struct tagger *t, double *feats, const uint64_t *masks, size_t ncand)
{
    size_t i0 = SIZE_MAX, i1 = SIZE_MAX;
    for (size_t i = 0; i < ncand; i++) {
        double v = feats[i * TG_NFEAT];
        if (i0 == SIZE_MAX || v > feats[i0 * TG_NFEAT]) {
            i1 = i0;
            i0 = i;
        } else if (i1 == SIZE_MAX || v > feats[i1 * TG_NFEAT]) {
            i1 = i;
        }
    }
    if (++t->stamp2 == 0) {
        memset(t->tmark, 0, t->v.nterms * sizeof *t->tmark);
        t->stamp2 = 1;
    }
    if (i0 != SIZE_MAX) {
        const struct tg_cl *rc = &t->cl[t->cand[i0]];
        for (size_t k = 0; k < rc->nterms; k++)
            t->tmark[rc->terms[k]] = t->stamp2;
    }
    for (size_t i = 0; i < ncand; i++) {
        double *f = feats + i * TG_NFEAT + TG_FMORE + 18;
        size_t r = i == i0 ? i1 : i0;
        if (r == SIZE_MAX) {
            f[0] = 1;
            f[1] = 1;
            f[2] = 0;
            f[3] = 1;
            continue;
        }
        const struct tg_cl *cl = &t->cl[t->cand[i]], *rc = &t->cl[t->cand[r]];
        double dw = 0, dfound = 0, nw = 0, nfound = 0;
        for (size_t k = 0; k < cl->nterms; k++) {
            int shared = 0;
            if (i != i0) {
                shared = t->tmark[cl->terms[k]] == t->stamp2;
            } else { /* the best candidate against the second: once per document */
                for (size_t j = 0; j < rc->nterms && !shared; j++)
                    shared = rc->terms[j] == cl->terms[k];
            }
            if (shared)
                continue;
            dw += cl->w[k];
            if (masks[i] & (1ULL << k))
                dfound += cl->w[k];
            if (cl->namemask & (1ULL << k)) {
                nw++;
                nfound += (masks[i] >> k) & 1;
            }
        }
        f[3] = nw > 0 ? nfound / nw : 1; /* its own names and numbers (TG_FNAMES) */
        f[0] = dw / (cl->wsum + 1e-9);
        f[1] = dw > 0 ? dfound / dw : 1;
        f[2] = feats[r * TG_NFEAT] - feats[i * TG_NFEAT];
    }
}

/* The pair against the neighbours of its claim that are candidates too (p1: the first stage's
 * probabilities): the most related neighbour weighed by its likeness, the likeness of the
 * document's most related other candidate, and of the most alike candidate. A report on one
 * claim speaks to the claims that say the same in other words, which share too few words with
 * it for the first stage to see. tagger/train/train.py computes the same from the dump. */
static void prop_features(struct tagger *t, double *feats, const double *p1, size_t ncand)
{
    size_t b0 = SIZE_MAX, b1 = SIZE_MAX;
    for (size_t i = 0; i < ncand; i++) {
        t->crow[t->cand[i]] = (uint32_t)i + 1;
        if (b0 == SIZE_MAX || p1[i] > p1[b0]) {
            b1 = b0;
            b0 = i;
        } else if (b1 == SIZE_MAX || p1[i] > p1[b1]) {
            b1 = i;
        }
    }
    for (size_t i = 0; i < ncand; i++) {
        uint32_t ci = t->cand[i];
        size_t other = i == b0 ? b1 : b0;
        double *f = feats + i * TG_NFEAT + TG_FPROP;
        f[0] = f[1] = f[2] = 0;
        for (uint32_t q = t->nb_off[ci]; q < t->nb_off[ci + 1]; q++) {
            uint32_t r = t->crow[t->nb_idx[q]];
            if (r == 0)
                continue;
            double sim = t->nb_sim[q];
            if (sim * p1[r - 1] > f[0])
                f[0] = sim * p1[r - 1];
            if (r - 1 == other)
                f[1] = sim;
            if (sim > f[2])
                f[2] = sim;
        }
    }
    for (size_t i = 0; i < ncand; i++)
        t->crow[t->cand[i]] = 0;
}

/* Features of every candidate into rows [ncand][TG_NFEAT] owned by the tagger (valid until the
 * next document), with the first relatedness stage's probabilities in t->p1buf; NULL on
 * allocation failure. */
static double *candidate_features(struct tagger *t, const struct tg_doc *d, struct tg_pair *p,
                                  size_t ncand)
{
    double mx[TG_NFEAT] = {0};
    if (ncand > t->featcap || t->featbuf == NULL) {
        size_t cap = ncand > TG_MAX_CAND ? ncand : TG_MAX_CAND;
        /* one block: the rows, then p1buf, p2buf and rowbuf (nothing to keep from the last one) */
        free(t->featbuf);
        t->featcap = 0;
        t->featbuf = malloc(cap * (TG_NFEAT + 2) * sizeof *t->featbuf + cap * sizeof *t->rowbuf);
        if (t->featbuf == NULL)
            return NULL;
        t->p1buf = t->featbuf + cap * TG_NFEAT;
        t->p2buf = t->p1buf + cap;
        t->rowbuf = (uint32_t *)(t->p2buf + cap);
        t->featcap = cap;
    }
    double *feats = t->featbuf;
    uint64_t *masks = malloc((ncand ? ncand : 1) * sizeof *masks);
    if (masks == NULL)
        return NULL;
    for (size_t i = 0; i < ncand; i++) {
        pair_features(t, d, t->cand[i], p, 1);
        memcpy(feats + i * TG_NFEAT, p->f, sizeof p->f);
        masks[i] = p->docmask;
        for (size_t k = 0; k < TG_NFEAT; k++)
            if (p->f[k] > mx[k])
                mx[k] = p->f[k];
    }
    for (size_t i = 0; i < ncand; i++)
        cross_features(feats + i * TG_NFEAT, mx);
    rank_features(feats, ncand);
    sibling_features(t, feats, masks, ncand);
    free(masks);
    tg_model_related_many(t->model, 1, feats, NULL, ncand, t->p1buf);
    prop_features(t, feats, t->p1buf, ncand);
    return feats;
}

/* The last relatedness stage's probability of every candidate into rels (after
 * candidate_features). Most candidates left the first stage early and have no related
 * neighbour: they skip the second, unrelated. */
static void related_final(struct tagger *t, const double *feats, size_t ncand, double *rels)
{
    const struct tg_model *m = t->model;
    if (m->rel2.ntrees == 0) {
        memcpy(rels, t->p1buf, ncand * sizeof *rels);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < ncand; i++) {
        rels[i] = 0;
        if (t->p1buf[i] > 0 || feats[i * TG_NFEAT + TG_FPROP] >= m->rel2_min_prop)
            t->rowbuf[n++] = (uint32_t)i;
    }
    tg_model_related_many(m, 2, feats, t->rowbuf, n, t->p2buf);
    for (size_t k = 0; k < n; k++)
        rels[t->rowbuf[k]] = t->p2buf[k];
}

/* Sets o[k] = v (stolen); on any failure (o or v NULL included) releases both and returns NULL.
 * Built directly rather than by json_pack: its format parsing and key checks showed in profiles
 * for the few dozen small objects of every document. */
static json_t *obj_set(json_t *o, const char *k, json_t *v)
{
    if (o == NULL || v == NULL || json_object_set_new_nocheck(o, k, v) != 0) {
        if (o == NULL || v == NULL)
            json_decref(v);
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *span_json(const struct tg_doc *d, size_t si, const char *stance)
{
    const struct tg_sent *st = &d->tx.sents[si];
    size_t ca = d->sent_chars[2 * si], cb = d->sent_chars[2 * si + 1];
    json_t *sp = st->speaker_start >= 0
                     ? json_stringn(d->buf + st->speaker_start, (size_t)st->speaker_len)
                     : json_null();
    json_t *o = json_object();
    o = obj_set(o, "text", json_stringn(d->buf + st->start, (size_t)(st->end - st->start)));
    o = obj_set(o, "start", json_integer((json_int_t)ca));
    o = obj_set(o, "end", json_integer((json_int_t)cb));
    o = obj_set(o, "stance", json_string(stance));
    return obj_set(o, "speaker", sp ? sp : json_null());
}

static const char *const tg_stance_names[3] = {"discusses", "supports", "refutes"};

/* Stance of one evidence sentence towards the claim, from its cues and its polarity relative
 * to the claim: a denial or a negation the claim does not carry refutes; an attributed
 * assertion, a support cue or a plain statement supports; a hedge by the narrator discusses.
 * The document-level stance comes from the trained model; a single sentence is too little
 * context for it, while these cues are what a sentence-level reader goes by. */
static int sentence_stance(const struct tg_doc *d, size_t s, const struct tg_cl *cl)
{
    const struct tg_sent *st = &d->tx.sents[s];
    int negated = (d->s_ref[s] + d->s_neg[s]) > 0;
    if (negated != (cl->neg != 0))
        return TG_REFUTE;
    if (st->speaker_start >= 0 || d->s_sup[s] > 0)
        return TG_SUPPORT;
    if (d->s_hedge[s] > 0 || st->question)
        return TG_DISCUSS;
    return TG_SUPPORT;
}

/* Evidence: the best-covering sentence, plus the strongest refuting and supporting sentences
 * (two each, attributed ones first), in text order. */
static json_t *evidence(struct tagger *t, const struct tg_doc *d, uint32_t ci, struct tg_pair *p)
{
    const struct tg_cl *cl = &t->cl[ci];
    size_t pick[TG_MAX_EVIDENCE];
    int pst[TG_MAX_EVIDENCE];
    size_t npick = 0;
    double bcov = 0, bref[2] = {0, 0}, bsup[2] = {0, 0};
    size_t ib = SIZE_MAX, ir[2] = {SIZE_MAX, SIZE_MAX}, is[2] = {SIZE_MAX, SIZE_MAX};
    int ib_st = 0;
    double min_cov = p->f[1] * 0.5 > 0.15 ? p->f[1] * 0.5 : 0.15;
    for (size_t s = d->title_sents; s < d->tx.nsent; s++) {
        double c = p->scov[s];
        if (c < min_cov)
            continue;
        int st = sentence_stance(d, s, cl);
        if (c > bcov) {
            bcov = c;
            ib = s;
            ib_st = st;
        }
        double r = c + (d->tx.sents[s].speaker_start >= 0 ? 0.4 : 0);
        double *bb = st == TG_REFUTE ? bref : st == TG_SUPPORT ? bsup : NULL;
        size_t *ii = st == TG_REFUTE ? ir : is;
        if (bb == NULL)
            continue;
        if (r > bb[0]) {
            bb[1] = bb[0];
            ii[1] = ii[0];
            bb[0] = r;
            ii[0] = s;
        } else if (r > bb[1]) {
            bb[1] = r;
            ii[1] = s;
        }
    }
    if (ib != SIZE_MAX) {
        pick[npick] = ib;
        pst[npick++] = ib_st;
    }
    for (int k = 0; k < 2; k++) {
        if (ir[k] != SIZE_MAX && ir[k] != ib) {
            pick[npick] = ir[k];
            pst[npick++] = TG_REFUTE;
        }
        if (is[k] != SIZE_MAX && is[k] != ib) {
            pick[npick] = is[k];
            pst[npick++] = TG_SUPPORT;
        }
    }
    /* text order */
    for (size_t i = 1; i < npick; i++)
        for (size_t j = i; j > 0 && pick[j] < pick[j - 1]; j--) {
            size_t tmp = pick[j];
            pick[j] = pick[j - 1];
            pick[j - 1] = tmp;
            int ts = pst[j];
            pst[j] = pst[j - 1];
            pst[j - 1] = ts;
        }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < npick; i++)
        json_array_append_new(arr, span_json(d, pick[i], tg_stance_names[pst[i]]));
    return arr;
}

/* True when an evidence sentence refutes the claim and names who says so. The stance model
 * learnt from FNC-1 bodies, where attribution carries little weight; a report that quotes a
 * named denial of the claim presents it as contested even when most of it restates the claim. */
static int attributed_refutation(json_t *ev)
{
    size_t i;
    json_t *e;
    json_array_foreach(ev, i, e) {
        const char *st = json_string_value(json_object_get(e, "stance"));
        if (st && strcmp(st, "refutes") == 0 && json_is_string(json_object_get(e, "speaker")))
            return 1;
    }
    return 0;
}

static int cmp_claim_out(const void *a, const void *b)
{
    double sa = json_real_value(json_object_get(*(json_t *const *)a, "score"));
    double sb = json_real_value(json_object_get(*(json_t *const *)b, "score"));
    return (sa < sb) - (sa > sb);
}

json_t *tagger_tag(struct tagger *t, const struct tag_doc *doc)
{
    struct tg_doc d;
    json_t *out = NULL, *claims = NULL, *ents = NULL;
    struct tg_pair p = {0};
    size_t ncand;
    memset(t->kp_hits, 0, t->cs->n * sizeof *t->kp_hits);
    if (doc_prepare(t, doc, &d))
        goto fail;
    p.scov = calloc(d.tx.nsent ? d.tx.nsent : 1, sizeof *p.scov);
    p.smask = calloc(d.tx.nsent ? d.tx.nsent : 1, sizeof *p.smask);
    p.touched = malloc((d.tx.nsent ? d.tx.nsent : 1) * sizeof *p.touched);
    claims = json_array();
    ents = json_array();
    if (!p.scov || !p.smask || !p.touched || !claims || !ents)
        goto fail;
    ncand = doc_candidates(t, &d);
    size_t nout = 0;
    json_t **outv = NULL;
    if (ncand) {
        outv = calloc(ncand, sizeof *outv);
        if (outv == NULL)
            goto fail;
    }
    double *feats = candidate_features(t, &d, &p, ncand);
    if (feats == NULL) {
        free(outv);
        goto fail;
    }
    double *rels = malloc((ncand ? ncand : 1) * sizeof *rels);
    if (rels == NULL) {
        free(outv);
        goto fail;
    }
    /* the candidates that pass (their rows in sel), then their stances in one batch */
    uint32_t *sel = malloc((ncand ? ncand : 1) * sizeof *sel);
    int *sts = malloc((ncand ? ncand : 1) * sizeof *sts);
    size_t nsel = 0;
    if (sel == NULL || sts == NULL) {
        free(sel);
        free(sts);
        free(outv);
        free(rels);
        goto fail;
    }
    related_final(t, feats, ncand, rels);
    for (size_t i = 0; i < ncand; i++) {
        uint32_t ci = t->cand[i];
        double rel = rels[i];
        /* declared key phrases: one present is strong evidence; none present, when the claim
         * declares some, rules the claim out (within one story, sibling claims share most words
         * but not their key phrases; the model, trained on text alone, cannot tell them apart) */
        if (t->cs->claims[ci].nkeyphrases > 0) {
            /* a claim curated with key phrases is told apart from its siblings by them and by
             * its own names and numbers: when the document has none of the names that set it
             * apart from the document's best claim, the report is about that sibling */
            if (t->kp_hits[ci] == 0 || feats[i * TG_NFEAT + TG_FNAMES] == 0)
                continue;
        }
        if (t->kp_hits[ci]) { /* each occurrence of a key phrase adds evidence, up to 0.15 */
            double bonus = 0.05 * (double)t->kp_hits[ci];
            rel += bonus > 0.15 ? 0.15 : bonus;
            if (rel > 1)
                rel = 1;
        }
        if (rel < t->model->rel_threshold || rel < t->min_score)
            continue;
        rels[i] = rel;
        sel[nsel++] = (uint32_t)i;
    }
    tg_model_stance_many(t->model, feats, sel, nsel, sts);
    for (size_t k = 0; k < nsel; k++) {
        size_t i = sel[k];
        uint32_t ci = t->cand[i];
        double rel = rels[i];
        pair_features(t, &d, ci, &p, 0); /* the per-sentence coverage evidence needs */
        memcpy(p.f, feats + i * TG_NFEAT, sizeof p.f);
        if (p.ntop == 0)
            continue;
        int st = sts[k];
        json_t *ev = evidence(t, &d, ci, &p);
        if (ev != NULL && json_array_size(ev) == 0) {
            /* no sentence of the text carries the claim (a title alone is not evidence) */
            json_decref(ev);
            continue;
        }
        if (st == TG_SUPPORT && ev != NULL && attributed_refutation(ev))
            st = TG_DISCUSS; /* it reports a denial too: both sides, not an endorsement */
        json_t *c = obj_set(json_object(), "id", json_string(t->cs->claims[ci].id));
        c = obj_set(c, "stance", json_string(tg_stance_names[st]));
        c = obj_set(c, "score", json_real(round(rel * 1000) / 1000));
        c = obj_set(c, "evidence", ev ? ev : json_array());
        if (c)
            outv[nout++] = c;
    }
    free(sel);
    free(sts);
    free(rels);
    if (nout > 1)
        qsort(outv, nout, sizeof *outv, cmp_claim_out);
    for (size_t i = 0; i < nout; i++)
        json_array_append_new(claims, outv[i]);
    free(outv);
    for (size_t e = 0; e < t->nents; e++)
        if (t->ent_count[e])
            json_array_append_new(ents, json_pack("{s:s,s:s,s:I}", "id", t->ents[e].id, "name",
                                                  t->ents[e].name, "count", (json_int_t)t->ent_count[e]));
    out = json_pack("{s:o,s:o}", "claims", claims, "entities", ents);
    claims = ents = NULL;
fail:
    json_decref(claims);
    json_decref(ents);
    free(p.scov);
    free(p.smask);
    free(p.touched);
    doc_free(&d);
    return out;
}

json_t *tg_dump_features(struct tagger *t, const struct tag_doc *doc, json_t *ids)
{
    struct tg_doc d;
    struct tg_pair p = {0};
    json_t *arr = json_array();
    memset(&d, 0, sizeof d);
    memset(t->kp_hits, 0, t->cs->n * sizeof *t->kp_hits);
    if (arr == NULL || doc_prepare(t, doc, &d)) {
        json_decref(arr);
        arr = NULL;
        goto out;
    }
    p.scov = calloc(d.tx.nsent ? d.tx.nsent : 1, sizeof *p.scov);
    p.smask = calloc(d.tx.nsent ? d.tx.nsent : 1, sizeof *p.smask);
    p.touched = malloc((d.tx.nsent ? d.tx.nsent : 1) * sizeof *p.touched);
    if (!p.scov || !p.smask || !p.touched) {
        json_decref(arr);
        arr = NULL;
        goto out;
    }
    size_t ncand = doc_candidates(t, &d);
    double *feats = candidate_features(t, &d, &p, ncand);
    if (feats == NULL) {
        json_decref(arr);
        arr = NULL;
        goto out;
    }
    size_t nid = ids ? json_array_size(ids) : ncand;
    for (size_t i = 0; i < nid; i++) {
        uint32_t ci = 0;
        int cand = 0;
        size_t row = SIZE_MAX;
        if (ids) {
            const char *want = json_string_value(json_array_get(ids, i));
            size_t lo = 0, hi = t->cs->n;
            while (want && lo < hi) { /* claims are sorted by id */
                size_t mid = (lo + hi) / 2;
                int c = strcmp(t->cs->claims[mid].id, want);
                if (c == 0) {
                    lo = mid;
                    break;
                }
                if (c < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (!want || lo >= t->cs->n || strcmp(t->cs->claims[lo].id, want) != 0)
                continue;
            ci = (uint32_t)lo;
            size_t j;
            for (j = 0; j < ncand; j++)
                if (t->cand[j] == ci)
                    break;
            cand = j < ncand;
            row = cand ? j : SIZE_MAX;
        } else {
            ci = t->cand[i];
            cand = 1;
            row = i;
        }
        pair_features(t, &d, ci, &p, 1);
        if (row != SIZE_MAX)
            memcpy(p.f, feats + row * TG_NFEAT, sizeof p.f);
        json_t *f = json_array();
        for (size_t k = 0; k < TG_NFEAT; k++)
            json_array_append_new(f, json_real(round(p.f[k] * 1e6) / 1e6));
        json_t *o = json_pack("{s:s,s:b,s:o}", "claim", t->cs->claims[ci].id, "cand", cand, "f", f);
        if (o != NULL && row != SIZE_MAX) {
            /* what the trainer recomputes the TG_NPROP features from, with its own first stage */
            json_t *nb = json_array();
            for (uint32_t q = t->nb_off[ci]; q < t->nb_off[ci + 1]; q++)
                for (size_t r = 0; r < ncand; r++)
                    if (t->cand[r] == t->nb_idx[q])
                        json_array_append_new(nb, json_pack("[s,f]", t->cs->claims[t->nb_idx[q]].id,
                                                            round(t->nb_sim[q] * 1e6) / 1e6));
            json_object_set_new(o, "nb", nb);
            json_object_set_new(o, "p1", json_real(round(t->p1buf[row] * 1e6) / 1e6));
        }
        json_array_append_new(arr, o);
    }
out:
    free(p.scov);
    free(p.smask);
    free(p.touched);
    doc_free(&d);
    return arr;
}

json_t *tg_dump_terms(struct tagger *t, const struct tag_doc *doc)
{
    struct tg_doc d;
    json_t *arr = json_array();
    if (arr == NULL || doc_prepare(t, doc, &d)) {
        json_decref(arr);
        arr = NULL;
        goto out;
    }
    char stem[128];
    for (size_t k = 0; k < d.tx.ntok; k++) {
        const struct tg_tok *tk = &d.tx.toks[k];
        if (tk->cue & TG_CUE_STOP)
            continue;
        size_t n = tg_vocab_stem(&t->v, d.buf + tk->start, tk->end - tk->start, stem, sizeof stem);
        if (n > 0 && json_array_append_new(arr, json_stringn(stem, n)) != 0) {
            json_decref(arr);
            arr = NULL;
            goto out;
        }
    }
out:
    doc_free(&d);
    return arr;
}
