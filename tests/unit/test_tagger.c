/* Unit tests for tagger/: claim-set loader errors and version, sentence splitting, speakers,
 * SimHash, and tagging with character offsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tagger/simhash.h"
#include "tagger/tagger.h"
#include "tagger/tg_internal.h"

static struct claimset *load_ok(const char *json)
{
    struct claimset *cs = NULL;
    struct cw_strv err = {0};
    int rc = claimset_load_buffer("t.json", json, strlen(json), &cs, &err);
    for (size_t i = 0; i < err.n; i++)
        fprintf(stderr, "%s\n", err.v[i]);
    assert_int_equal(rc, 0);
    assert_non_null(cs);
    cw_strv_free(&err);
    return cs;
}

/* Loads json expecting failure; returns the first error (owned). */
static char *load_err(const char *json)
{
    struct claimset *cs = NULL;
    struct cw_strv err = {0};
    assert_int_equal(claimset_load_buffer("t.json", json, strlen(json), &cs, &err), -1);
    assert_null(cs);
    assert_true(err.n >= 1);
    char *e = strdup(err.v[0]);
    cw_strv_free(&err);
    return e;
}

static void test_claims_errors(void **state)
{
    (void)state;
    char *e = load_err("[\n {\"id\": \"a\", \"text\": \"x\"},\n {\"id\": \"b\", \"txt\": \"y\"}\n]");
    assert_non_null(strstr(e, "t.json:3:"));
    assert_non_null(strstr(e, "unknown field \"txt\""));
    assert_non_null(strstr(e, "claim \"b\" (#1)"));
    free(e);
    e = load_err("{\"claims\": [{\"id\": \"a\", \"text\": \"x\"}, {\"id\": \"a\", \"text\": \"y\"}]}");
    assert_non_null(strstr(e, "claim \"a\" (#1): duplicate id"));
    assert_non_null(strstr(e, "t.json:1:"));
    free(e);
    e = load_err("[{\"id\": \"a\"}]");
    assert_non_null(strstr(e, "\"text\" is required"));
    free(e);
    e = load_err("[{\"id\": \"a\", \"text\": \"x\",]");
    assert_non_null(strstr(e, "t.json:1:"));
    free(e);
    e = load_err("[{\"id\": \"a\", \"text\": \"x\", \"entities\": [{\"id\": \"e\", \"name\": \"E\", \"aliases\": [3]}]}]");
    assert_non_null(strstr(e, "aliases"));
    free(e);
    e = load_err("{\"claim\": []}");
    assert_non_null(strstr(e, "unknown top-level field"));
    free(e);
}

static void test_claims_version(void **state)
{
    (void)state;
    struct claimset *a = load_ok("[{\"id\": \"a\", \"text\": \"x\", \"lang\": \"en\"}, {\"id\": \"b\", \"text\": \"y\"}]");
    struct claimset *b = load_ok("{\"claims\": [{\"text\": \"y\", \"id\": \"b\"}, {\"lang\": \"en\", \"text\": \"x\", \"id\": \"a\"}]}");
    struct claimset *c = load_ok("[{\"id\": \"a\", \"text\": \"x!\", \"lang\": \"en\"}, {\"id\": \"b\", \"text\": \"y\"}]");
    assert_int_equal(claimset_count(a), 2);
    assert_string_equal(claimset_version(a), claimset_version(b));
    assert_string_not_equal(claimset_version(a), claimset_version(c));
    claimset_destroy(a);
    claimset_destroy(b);
    claimset_destroy(c);
    claimset_destroy(NULL);
}

static struct tg_vocab vocab;

static int setup_vocab(void **state)
{
    (void)state;
    if (tg_vocab_init(&vocab) || tg_vocab_add_lexicons(&vocab))
        return -1;
    return 0;
}

static int teardown_vocab(void **state)
{
    (void)state;
    tg_vocab_free(&vocab);
    return 0;
}

static char *sent_text(const struct tg_text *t, size_t i)
{
    return strndup(t->s + t->sents[i].start, t->sents[i].end - t->sents[i].start);
}

static char *speaker(const struct tg_text *t, size_t i)
{
    if (t->sents[i].speaker_start < 0)
        return strdup("-");
    return strndup(t->s + t->sents[i].speaker_start, (size_t)t->sents[i].speaker_len);
}

static void expect_sent(const struct tg_text *t, size_t i, const char *text, const char *spk)
{
    assert_true(i < t->nsent);
    char *s = sent_text(t, i), *p = speaker(t, i);
    assert_string_equal(s, text);
    assert_string_equal(p, spk);
    free(s);
    free(p);
}

static void test_sentences_and_speakers(void **state)
{
    (void)state;
    const char *s =
        "Mr. Smith met U.S. officials on Jan. 5 at 3.30 pm. He left early.\n"
        "\xe2\x80\x9cThe reports are false. We sent nothing,\xe2\x80\x9d said Iranian Foreign Ministry spokesman "
        "Nasser Kanaani.\n"
        "Blinken said the shipments had arrived. Is it true? According to TASS, talks went on.\n"
        "Sergey Shoigu, the secretary of the council, said Tuesday that a deal was near. "
        "\xe2\x80\x9cWe are ready,\xe2\x80\x9d he said.";
    struct tg_text t;
    assert_int_equal(tg_text_analyse(&vocab, s, strlen(s), &t), 0);
    expect_sent(&t, 0, "Mr. Smith met U.S. officials on Jan. 5 at 3.30 pm.", "-");
    expect_sent(&t, 1, "He left early.", "-");
    expect_sent(&t, 2, "\xe2\x80\x9cThe reports are false.", "Nasser Kanaani");
    expect_sent(&t, 3, "We sent nothing,\xe2\x80\x9d said Iranian Foreign Ministry spokesman Nasser Kanaani.",
                "Nasser Kanaani");
    expect_sent(&t, 4, "Blinken said the shipments had arrived.", "Blinken");
    expect_sent(&t, 5, "Is it true?", "-");
    assert_true(t.sents[5].question);
    expect_sent(&t, 6, "According to TASS, talks went on.", "TASS");
    expect_sent(&t, 7, "Sergey Shoigu, the secretary of the council, said Tuesday that a deal was near.",
                "Sergey Shoigu");
    expect_sent(&t, 8, "\xe2\x80\x9cWe are ready,\xe2\x80\x9d he said.", "Sergey Shoigu");
    assert_int_equal(t.nsent, 9);
    /* negation cue on the upper-case NOT, and US kept apart from the stop word "us" */
    tg_text_free(&t);
    const char *n = "Iran has NOT sent missiles, the US said; they told us.";
    assert_int_equal(tg_text_analyse(&vocab, n, strlen(n), &t), 0);
    assert_true(t.toks[2].cue & TG_CUE_NEG);
    assert_false(t.toks[6].cue & TG_CUE_STOP); /* US */
    assert_true(t.toks[10].cue & TG_CUE_STOP); /* us */
    assert_int_not_equal(t.toks[6].term, t.toks[10].term);
    tg_text_free(&t);
}

static void test_simhash(void **state)
{
    (void)state;
    const char *a = "The quick brown fox jumps over the lazy dog near the river bank on a sunny "
                    "afternoon while the farmer watches from the old wooden fence by the barn.";
    const char *b = "The quick brown fox jumps over the lazy dog near the river bank on a sunny "
                    "afternoon while the farmer watches from the old wooden fence by the Barn!";
    const char *c = "Parliament voted on the budget after a long debate about taxes, schools, "
                    "hospitals and roads, and the opposition promised to keep fighting the plan.";
    uint64_t ha = simhash_text(a, strlen(a)), hb = simhash_text(b, strlen(b)),
             hc = simhash_text(c, strlen(c));
    assert_int_not_equal(ha, 0);
    assert_true(simhash_distance(ha, hb) <= SIMHASH_DUP_DISTANCE);
    assert_true(simhash_distance(ha, hc) > SIMHASH_DUP_DISTANCE);
    assert_int_equal(simhash_text("too short", 9), 0);
}

/* The committed trees match the features the code computes, and their node tables are sound:
 * every split names a feature in range and points inside its tree. */
static void test_model(void **state)
{
    (void)state;
    const struct tg_model *m = &tg_model_default;
    assert_int_equal(m->nfeat, TG_NFEAT);
    assert_true(m->rel_threshold > 0 && m->rel_threshold < 1);
    const struct tg_gbt *g[3] = {&m->rel, &m->st, &m->rel2};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(g[k]->nclass, k == 1 ? 3 : 1);
        assert_true(g[k]->ntrees > 0);
        for (uint32_t i = 0; i < g[k]->ntrees; i++) {
            uint32_t start = g[k]->roots[i];
            uint32_t end = i + 1 < g[k]->ntrees ? g[k]->roots[i + 1] : g[k]->nnodes;
            assert_true(start < end && end <= g[k]->nnodes);
            for (uint32_t n = start; n < end; n++) {
                const struct tg_tree_node *nd = &g[k]->nodes[n];
                assert_true(nd->feat >= 0 && nd->feat < TG_NFEAT);
                /* the first stage runs before the features it would read exist */
                assert_true(k == 2 || nd->feat < TG_FPROP || (nd->left == n - start && nd->right == n - start));
                if (nd->left == n - start && nd->right == n - start)
                    continue; /* a leaf */
                assert_true(start + nd->left < end && start + nd->right < end);
                assert_true(nd->left > n - start && nd->right > n - start); /* no cycles */
            }
        }
    }
    assert_true(m->rel.depth > 0 && m->rel.depth <= 16 && m->st.depth > 0 && m->st.depth <= 16);
    assert_true(m->rel2.depth > 0 && m->rel2.depth <= 16);
    /* probabilities stay in range for an all-zero and an all-one feature vector, and the batch
     * evaluation agrees with the single one */
    double f[TG_NFEAT], p[3], two[2 * TG_NFEAT], out[2];
    for (int v = 0; v < 2; v++) {
        for (int i = 0; i < TG_NFEAT; i++)
            f[i] = two[v * TG_NFEAT + i] = v;
    }
    for (int stage = 1; stage <= 2; stage++) {
        tg_model_related_many(m, stage, two, NULL, 2, out);
        for (int v = 0; v < 2; v++) {
            for (int i = 0; i < TG_NFEAT; i++)
                f[i] = v;
            double r = tg_model_related(m, stage, f);
            assert_true(r >= 0 && r <= 1);
            assert_true(fabs(r - out[v]) < 1e-12);
        }
    }
    for (int v = 0; v < 2; v++) {
        for (int i = 0; i < TG_NFEAT; i++)
            f[i] = v;
        int st = tg_model_stance(m, f, p);
        assert_true(st >= 0 && st < 3);
        assert_true(p[0] + p[1] + p[2] > 0.999 && p[0] + p[1] + p[2] < 1.001);
    }
}

/* A sibling claim (same story, its own name "Fath-360" missing) scores 0 on the share of its
 * own names against the document's best claim, and more when the name is there; a curated claim
 * (key phrases) is not tagged in the first case. */
/* The candidate flag of one claim's feature row for a document, and its feature idx. */
static int feature_row(struct tagger *t, const char *text, const char *claim, int idx, double *val)
{
    struct tag_doc d = {.id = "d", .title = "", .text = text};
    json_t *ids = json_pack("[s]", claim);
    json_t *f = tg_dump_features(t, &d, ids);
    assert_non_null(f);
    json_t *row = json_array_get(f, 0);
    assert_non_null(row);
    int cand = json_is_true(json_object_get(row, "cand"));
    if (val)
        *val = json_real_value(json_array_get(json_object_get(row, "f"), (size_t)idx));
    json_decref(f);
    json_decref(ids);
    return cand;
}

static double names_share(struct tagger *t, const char *text, const char *claim)
{
    double v = 0;
    assert_true(feature_row(t, text, claim, TG_FNAMES, &v));
    return v;
}

static void test_siblings(void **state)
{
    (void)state;
    struct claimset *cs = load_ok(
        "[{\"id\": \"main\", \"text\": \"Iran has supplied Russia with ballistic missiles.\"},"
        " {\"id\": \"fath\", \"text\": \"The ballistic missiles Iran sent to Russia are short-range Fath-360 missiles.\","
        "  \"keyphrases\": [\"ballistic missiles\"]}]");
    struct tagger *t = tagger_create(cs);
    assert_non_null(t);
    const char *without = "Iran has supplied Russia with ballistic missiles, officials said. The ballistic "
                          "missiles Iran sent to Russia arrived last week, they said.";
    const char *with = "Iran has supplied Russia with ballistic missiles, officials said. The missiles "
                       "Iran sent to Russia are Fath-360 ballistic missiles, they said.";
    assert_true(names_share(t, without, "fath") == 0.0);
    assert_true(names_share(t, with, "fath") > 0.0);
    struct tag_doc d = {.id = "d", .title = "", .text = without};
    json_t *r = tagger_tag(t, &d);
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(r, "claims"), i, c)
        assert_string_not_equal(json_string_value(json_object_get(c, "id")), "fath");
    json_decref(r);
    tagger_destroy(t);
}

/* The row of claim id among a dump of every candidate, or NULL. */
static json_t *dump_row(json_t *rows, const char *id)
{
    json_t *r;
    size_t i;
    json_array_foreach(rows, i, r)
        if (strcmp(json_string_value(json_object_get(r, "claim")), id) == 0)
            return r;
    return NULL;
}

/* Claims that read alike are each other's neighbours, with their cosine; the second stage's
 * features of a pair come from the first stage's probability of its neighbours that are
 * candidates too; a claim keeps at most TG_NB_MAX (16) neighbours. */
static void test_neighbours(void **state)
{
    (void)state;
    char buf[8192];
    int n = snprintf(buf, sizeof buf,
                     "[{\"id\": \"a\", \"text\": \"Iran supplied ballistic missiles to Russia\"},"
                     " {\"id\": \"b\", \"text\": \"Russia received ballistic missiles from Iran\"},"
                     " {\"id\": \"c\", \"text\": \"The city council approved a budget for public libraries\"}");
    for (int i = 0; i < 20; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      ", {\"id\": \"z%02d\", \"text\": \"Zebra herds grew in the national park number %d\"}", i, i);
    snprintf(buf + n, sizeof buf - (size_t)n, "]");
    struct claimset *cs = load_ok(buf);
    struct tagger *t = tagger_create(cs);
    assert_non_null(t);
    struct tag_doc d = {.id = "d", .title = "",
                        .text = "Iran has supplied ballistic missiles to Russia, officials said. Russia "
                                "received the ballistic missiles from Iran last week, they said."};
    json_t *rows = tg_dump_features(t, &d, NULL);
    assert_non_null(rows);
    json_t *ra = dump_row(rows, "a"), *rb = dump_row(rows, "b");
    assert_non_null(ra);
    assert_non_null(rb);
    json_t *nb = json_object_get(ra, "nb");
    assert_int_equal(json_array_size(nb), 1);
    assert_string_equal(json_string_value(json_array_get(json_array_get(nb, 0), 0)), "b");
    double sim = json_real_value(json_array_get(json_array_get(nb, 0), 1));
    assert_true(sim > 0.3 && sim <= 1.0);
    json_t *fa = json_object_get(ra, "f");
    double p1b = json_real_value(json_object_get(rb, "p1"));
    assert_true(p1b > 0.0 && p1b <= 1.0);
    assert_true(fabs(json_real_value(json_array_get(fa, TG_FPROP)) - sim * p1b) < 1e-5);
    assert_true(fabs(json_real_value(json_array_get(fa, TG_FPROP + 1)) - sim) < 1e-5); /* b is the other */
    assert_true(fabs(json_real_value(json_array_get(fa, TG_FPROP + 2)) - sim) < 1e-5);
    json_t *rc = dump_row(rows, "c");
    assert_true(rc == NULL || json_array_size(json_object_get(rc, "nb")) == 0);
    json_decref(rows);
    /* twenty alike claims: each keeps the sixteen nearest */
    d.text = "Zebra herds grew in the national park, number 3 of them, rangers said. Zebra herds in "
             "every national park grew.";
    rows = tg_dump_features(t, &d, NULL);
    assert_non_null(rows);
    json_t *rz = dump_row(rows, "z03");
    assert_non_null(rz);
    assert_int_equal(json_array_size(json_object_get(rz, "nb")), 16);
    json_decref(rows);
    /* tagger_alike over lists that are not symmetric (each zebra claim keeps 16 of its 19 alike,
     * at cosine 0.12: their numbers set them apart): every pair in either list, once, and a-b */
    struct cw_strv al = {0};
    int npairs = tagger_alike(t, 0.1, &al);
    assert_true(npairs >= 20 * 16 / 2 + 1 && npairs <= 20 * 19 / 2 + 1);
    assert_int_equal(al.n, (size_t)npairs);
    for (size_t i = 0; i < al.n; i++)
        for (size_t j = i + 1; j < al.n; j++)
            assert_string_not_equal(al.v[i], al.v[j]);
    cw_strv_free(&al);
    tagger_destroy(t);
}

/* `claimwatch check` warns about claims that read alike: each pair once, most alike first. */
static void test_alike(void **state)
{
    (void)state;
    struct claimset *cs = load_ok(
        "[{\"id\": \"a\", \"text\": \"Iran supplied ballistic missiles to Russia\"},"
        " {\"id\": \"b\", \"text\": \"Russia received ballistic missiles from Iran\"},"
        " {\"id\": \"c\", \"text\": \"The city council approved a budget for public libraries\"},"
        " {\"id\": \"d\", \"text\": \"The city council approved a budget for public libraries.\"}]");
    struct tagger *t = tagger_create(cs);
    assert_non_null(t);
    struct cw_strv out = {0};
    assert_int_equal(tagger_alike(t, 0.6, &out), 2);
    assert_int_equal(out.n, 2);
    assert_non_null(strstr(out.v[0], "\"c\" and \"d\" read alike (cosine 1.00"));
    assert_non_null(strstr(out.v[1], "\"a\" and \"b\" read alike (cosine 0."));
    cw_strv_free(&out);
    assert_int_equal(tagger_alike(t, 0.99, &out), 1);
    cw_strv_free(&out);
    tagger_destroy(t);
}

/* A key phrase stands for the words as written: a document word may extend a phrase word
 * ("agreement" -> "agreements") but not drop part of it ("security councils" is not "Security
 * Council", though both stem alike). A claim hit only by a key phrase is a candidate only then. */
static int is_candidate(struct tagger *t, const char *text, const char *claim)
{
    return feature_row(t, text, claim, 0, NULL);
}

static void test_keyphrase_forms(void **state)
{
    (void)state;
    struct claimset *cs = load_ok(
        "[{\"id\": \"k\", \"text\": \"Zebras graze quietly on northern plains.\","
        "  \"keyphrases\": [\"security councils\", \"trade agreement\"]}]");
    struct tagger *t = tagger_create(cs);
    assert_non_null(t);
    assert_false(is_candidate(t, "The UN Security Council met on Monday in New York.", "k"));
    assert_true(is_candidate(t, "The two security councils met on Monday in New York.", "k"));
    assert_true(is_candidate(t, "Both Security Councils met on Monday in New York.", "k"));
    assert_true(is_candidate(t, "They signed two trade agreements on Monday.", "k"));
    assert_false(is_candidate(t, "They agreed on trade on Monday.", "k"));
    tagger_destroy(t);
}

static void test_tag(void **state)
{
    (void)state;
    struct claimset *cs = load_ok(
        "[{\"id\": \"m\", \"text\": \"Iran supplied ballistic missiles to Russia\","
        "  \"entities\": [{\"id\": \"iran\", \"name\": \"Iran\", \"aliases\": [\"Tehran\", \"\xd8\xa7\xdb\x8c\xd8\xb1\xd8\xa7\xd9\x86\"]}]},"
        " {\"id\": \"b\", \"text\": \"The city council approved a new budget for public libraries\"}]");
    struct tagger *t = tagger_create(cs);
    assert_non_null(t);
    assert_ptr_equal(tagger_claimset(t), cs);
    const char *text = "Caf\xc3\xa9 news. Tehran said on Monday that Iran has supplied ballistic "
                       "missiles to Russia, officials confirmed. \xd8\xa7\xdb\x8c\xd8\xb1\xd8\xa7\xd9\x86 said more.";
    struct tag_doc d = {.id = "d1", .title = "Iran supplied missiles to Russia", .text = text};
    json_t *r = tagger_tag(t, &d);
    assert_non_null(r);
    json_t *claims = json_object_get(r, "claims");
    assert_int_equal(json_array_size(claims), 1);
    json_t *c = json_array_get(claims, 0);
    assert_string_equal(json_string_value(json_object_get(c, "id")), "m");
    json_t *ev = json_array_get(json_object_get(c, "evidence"), 0);
    assert_non_null(ev);
    /* offsets are in characters: "Café news. " is 11 characters but 12 bytes */
    assert_int_equal(json_integer_value(json_object_get(ev, "start")), 11);
    const char *etext = json_string_value(json_object_get(ev, "text"));
    assert_non_null(strstr(text, etext));
    json_int_t len = json_integer_value(json_object_get(ev, "end")) - 11;
    assert_int_equal(len, (json_int_t)tg_utf8_chars(etext, strlen(etext)));
    json_t *ents = json_object_get(r, "entities");
    json_t *e0 = json_array_get(ents, 0);
    assert_string_equal(json_string_value(json_object_get(e0, "id")), "iran");
    assert_int_equal(json_integer_value(json_object_get(e0, "count")), 4); /* Iran x2, Tehran, Persian */
    /* a minimum score above the claim's own leaves it out; at the score it stays */
    double score = json_real_value(json_object_get(c, "score"));
    assert_true(score > 0 && score <= 1);
    json_decref(r);
    tagger_set_min_score(t, score + 0.0005 > 1 ? 1.0001 : score + 0.0005);
    r = tagger_tag(t, &d);
    assert_int_equal(json_array_size(json_object_get(r, "claims")), 0);
    json_decref(r);
    tagger_set_min_score(t, score - 0.0005);
    r = tagger_tag(t, &d);
    assert_int_equal(json_array_size(json_object_get(r, "claims")), 1);
    json_decref(r);
    tagger_set_min_score(t, 0);
    /* unrelated text gives no claims */
    struct tag_doc u = {.id = "d2", .text = "The weather was fine and the match ended in a draw."};
    r = tagger_tag(t, &u);
    assert_int_equal(json_array_size(json_object_get(r, "claims")), 0);
    json_decref(r);
    tagger_destroy(t);
    tagger_destroy(NULL);
}

/* The lexicon file: what it holds, and errors that name the file and the entry. */
static void test_lexicon_load(void **state)
{
    (void)state;
    char err[256];
    json_t *vec = json_array();
    for (int i = 0; i < TG_LEX_DIM; i++)
        json_array_append_new(vec, json_integer(i - 16));
    json_t *root = json_pack("{s:i,s:f,s:f,s:[[s,f,O],[s,f,O]]}", "dim", TG_LEX_DIM, "scale", 0.5,
                             "idf_unknown", 9.0, "words", "iran", 3.0, vec, "missil", 4.0, vec);
    struct tg_lexicon *lx = tg_lexicon_from_json(root, "l.json", err, sizeof err);
    assert_non_null(lx);
    assert_int_equal(lx->n, 2);
    assert_memory_equal(lx->words, "iran\0missil\0", 12);
    assert_true(lx->idf[1] == 4.0f && lx->idf_unknown == 9.0f && lx->scale == 0.5f);
    assert_int_equal(lx->vec[TG_LEX_DIM + 3], -13);
    tg_lexicon_free(lx);
    json_array_set_new(vec, 3, json_integer(200));
    assert_null(tg_lexicon_from_json(root, "l.json", err, sizeof err));
    assert_string_equal(err, "l.json: words[0]: vector values are integers in -127..127");
    json_array_remove(vec, 3);
    assert_null(tg_lexicon_from_json(root, "l.json", err, sizeof err));
    assert_string_equal(err, "l.json: words[0] must be [stem, idf, [32 numbers]]");
    json_object_set_new(root, "dim", json_integer(16));
    assert_null(tg_lexicon_from_json(root, "l.json", err, sizeof err));
    assert_non_null(strstr(err, "\"dim\" (32)"));
    json_decref(root);
    json_decref(vec);
    assert_null(tg_lexicon_load("/nonexistent/lexicon.json", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/lexicon.json"));
    /* a table whose words do not add up to its entry count is refused, not read past its end
     * (a generator once wrote "\0" before "2014", which C reads as one octal escape) */
    static const float idf[3] = {1, 2, 3};
    static const int8_t v3[3 * TG_LEX_DIM] = {0};
    static const char alpha_claim[] = "[{\"id\": \"a\", \"text\": \"alpha\"}]";
    static const char merged[] = "alpha\0beta\010\0";
    struct tg_lexicon bad = {3, TG_LEX_DIM, merged, sizeof merged - 1, idf, v3, 1.0f, 1.0f, 0, NULL};
    struct tg_vocab v;
    assert_int_equal(tg_vocab_init(&v), 0);
    assert_int_equal(tg_vocab_set_lexicon(&v, &bad), -2);
    tg_vocab_free(&v);
    static const char good[] = "alpha\000beta\00010\000";
    struct tg_lexicon ok = {3, TG_LEX_DIM, good, sizeof good - 1, idf, v3, 1.0f, 1.0f, 0, NULL};
    assert_int_equal(tg_vocab_init(&v), 0);
    assert_int_equal(tg_vocab_set_lexicon(&v, &ok), 0);
    assert_int_equal(tg_map_get(&v.lexmap, "10", 2, -1), 2);
    tg_vocab_free(&v);
    assert_null(tagger_create_lex(load_ok(alpha_claim), &bad));
    struct tg_lexicon narrow = ok;
    narrow.dim = TG_LEX_DIM / 2; /* a table for another build of the code */
    assert_null(tagger_create_lex(load_ok(alpha_claim), &narrow));
    struct tagger *t = tagger_create_lex(load_ok(alpha_claim), &ok);
    assert_non_null(t);
    tagger_destroy(t);
}

/* The committed lexicon carries meaning past shared words: a report on "Islamic State militants"
 * is near a claim on "ISIS fighters" though they share only "Ebola", and an unrelated report is
 * far; the background TF-IDF cosine stays a cosine. */
static void test_lexicon_features(void **state)
{
    (void)state;
    assert_true(tg_lexicon_default.n > 1000);
    /* the compiler read the generated table as the generator meant it */
    assert_true(tg_lexicon_default.digest != 0);
    assert_true(tg_lexicon_digest(&tg_lexicon_default) == tg_lexicon_default.digest);
    struct claimset *cs = load_ok("[{\"id\": \"isis\", \"text\": \"ISIS fighters have contracted Ebola\"}]");
    struct tagger *t = tagger_create(cs);
    assert_non_null(t);
    const char *near = "Militants of the Islamic State in Mosul were infected with the Ebola virus, Iraqi media said.";
    const char *far = "Apple released a new iPhone with a larger screen and a faster camera on Tuesday.";
    double lsa_near, lsa_far, bg_near, bg_far;
    feature_row(t, near, "isis", TG_FLEX + 2, &lsa_near);
    feature_row(t, far, "isis", TG_FLEX + 2, &lsa_far);
    feature_row(t, near, "isis", TG_FLEX, &bg_near);
    feature_row(t, far, "isis", TG_FLEX, &bg_far);
    /* 0.94 and -0.02 with the committed table; a table whose words and vectors are out of step
     * (the generator bug test_lexicon_load describes) gave 0.68 and 0.29 */
    assert_true(lsa_near > 0.7 && lsa_far < 0.3);
    assert_true(lsa_near <= 1.0 + 1e-6 && lsa_far >= -1.0 - 1e-6);
    assert_true(bg_near > 0 && bg_near <= 1.0 + 1e-6);
    assert_true(bg_far == 0);
    /* the words the lexicon is built from: content words, folded and stemmed */
    struct tag_doc d = {.id = "d", .title = "", .text = "The missiles were delivered, officials said."};
    json_t *w = tg_dump_terms(t, &d);
    char *s = json_dumps(w, JSON_COMPACT);
    assert_string_equal(s, "[\"missil\",\"deliv\",\"offici\"]");
    free(s);
    json_decref(w);
    tagger_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims_errors),
        cmocka_unit_test(test_claims_version),
        cmocka_unit_test_setup_teardown(test_sentences_and_speakers, setup_vocab, teardown_vocab),
        cmocka_unit_test(test_simhash),
        cmocka_unit_test(test_model),
        cmocka_unit_test(test_siblings),
        cmocka_unit_test(test_neighbours),
        cmocka_unit_test(test_alike),
        cmocka_unit_test(test_keyphrase_forms),
        cmocka_unit_test(test_tag),
        cmocka_unit_test(test_lexicon_load),
        cmocka_unit_test(test_lexicon_features),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
