/* claimwatch tag: tags JSONL documents against a claim set, one JSONL result per document in
 * input order. No config, state or network: the interface by which tagging quality is measured. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cw_strv.h"
#include "daemon/cli.h"
#include "parsers/jsonout.h"
#include "tagger/tagger.h"
#include "tagger/tg_internal.h"

#define TAG_LINE_MAX (32u << 20) /* one document line; longer lines are reported, not read whole */

static void tag_help(FILE *out)
{
    fputs("usage: claimwatch tag --claims FILE [--claims FILE...] [--docs FILE] [--min-score S]\n"
          "\n"
          "Tags JSONL documents ({\"id\", \"title\", \"text\"}, optional url, published, lang) read\n"
          "from --docs FILE or standard input against the claim set and writes one JSONL result\n"
          "per document, in input order, on standard output:\n"
          "  {\"id\", \"claims\": [{\"id\", \"stance\", \"score\", \"evidence\": [{\"text\", \"start\",\n"
          "   \"end\", \"stance\", \"speaker\"}]}], \"entities\": [{\"id\", \"name\", \"count\"}]}\n"
          "A line that is not a valid document is reported on standard error with its line number\n"
          "and gets an output line with an \"error\" field; the other lines are still tagged.\n"
          "\n"
          "  -C, --claims FILE  claim-set file (repeatable; see docs/claims.md)\n"
          "  -d, --docs FILE    read documents from FILE instead of standard input\n"
          "      --min-score S  report only claims scored at least S (0..1; below the model's\n"
          "                     own threshold none are)\n"
          "  -h, --help         show this help\n"
          "\n"
          "Exit status: 0 ok (also when some lines were bad), 1 claim set or input unreadable,\n"
          "2 usage error.\n",
          out);
}

/* what each input line gives: the tagging results, or (for tagger/train) the candidates'
 * feature rows or the document's lexicon keys */
enum tag_mode { TAG_RESULTS, TAG_DUMP_FEATURES, TAG_DUMP_TERMS };

/* The same bytes as json_dumps(JSON_COMPACT), at a fraction of its cost: its per-character
 * escaping was a fifth of the CPU time of tagging (docs/benchmarks.md). */
static void emit(json_t *o) { jsonout_write(stdout, o, 0); }

static void bad_line(const char *src, size_t lineno, json_t *id, const char *msg)
{
    fprintf(stderr, "claimwatch tag: %s:%zu: %s\n", src, lineno, msg);
    json_t *o = json_object();
    json_object_set(o, "id", id ? id : json_null());
    json_object_set_new(o, "line", json_integer((json_int_t)lineno));
    json_object_set_new(o, "error", json_string(msg));
    emit(o);
    json_decref(o);
}

static const char *opt_str(json_t *doc, const char *key, int *bad)
{
    json_t *v = json_object_get(doc, key);
    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

static void tag_line(struct tagger *t, const char *src, size_t lineno, const char *line, size_t len,
                     enum tag_mode mode)
{
    json_error_t jerr;
    json_t *doc = json_loadb(line, len, 0, &jerr);
    char msg[300];
    if (doc == NULL) {
        snprintf(msg, sizeof msg, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        bad_line(src, lineno, NULL, msg);
        return;
    }
    if (!json_is_object(doc)) {
        bad_line(src, lineno, NULL, "a document must be a JSON object");
        json_decref(doc);
        return;
    }
    json_t *idv = json_object_get(doc, "id");
    json_t *id = NULL;
    if (json_is_string(idv))
        id = json_incref(idv);
    else if (json_is_integer(idv)) {
        snprintf(msg, sizeof msg, "%lld", (long long)json_integer_value(idv));
        id = json_string(msg);
    }
    if (id == NULL) {
        bad_line(src, lineno, NULL, "\"id\" is required and must be a string");
        json_decref(doc);
        return;
    }
    int bad = 0;
    struct tag_doc td = {
        .id = json_string_value(id),
        .title = opt_str(doc, "title", &bad),
        .text = opt_str(doc, "text", &bad),
        .url = opt_str(doc, "url", &bad),
        .published = opt_str(doc, "published", &bad),
        .lang = opt_str(doc, "lang", &bad),
    };
    if (bad || (td.text == NULL && td.title == NULL)) {
        bad_line(src, lineno, id,
                 bad ? "\"title\", \"text\", \"url\", \"published\" and \"lang\" must be strings"
                     : "\"text\" (or at least \"title\") is required");
        json_decref(id);
        json_decref(doc);
        return;
    }
    json_t *res;
    if (mode == TAG_DUMP_TERMS) {
        json_t *f = tg_dump_terms(t, &td);
        res = f ? json_pack("{s:O,s:o}", "id", id, "terms", f) : NULL;
    } else if (mode == TAG_DUMP_FEATURES) {
        json_t *f = tg_dump_features(t, &td, json_object_get(doc, "dump_claims"));
        res = f ? json_pack("{s:O,s:o}", "id", id, "features", f) : NULL;
    } else {
        json_t *r = tagger_tag(t, &td);
        res = r ? json_pack("{s:O,s:O,s:O}", "id", id, "claims", json_object_get(r, "claims"),
                            "entities", json_object_get(r, "entities"))
                : NULL;
        json_decref(r);
    }
    if (res == NULL)
        bad_line(src, lineno, id, "out of memory while tagging");
    else
        emit(res);
    json_decref(res);
    json_decref(id);
    json_decref(doc);
}

int cmd_tag(int argc, char **argv)
{
    static const struct option opts[] = {
        {"claims", required_argument, NULL, 'C'},
        {"docs", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {"min-score", required_argument, NULL, 'm'},
        /* hidden, for tagger/train: features of the candidates, the words the background
         * lexicon is built from, and another lexicon (cross-validation folds) */
        {"dump-features", no_argument, NULL, 'F'},
        {"dump-terms", no_argument, NULL, 'T'},
        {"lexicon", required_argument, NULL, 'L'},
        {NULL, 0, NULL, 0},
    };
    struct cw_strv claims = {0}, errors = {0};
    const char *docs = NULL, *lexpath = NULL;
    struct tg_lexicon *lex = NULL;
    enum tag_mode mode = TAG_RESULTS;
    int c, rc = CW_EXIT_FAIL;
    double min_score = 0;
    struct tagger *t = NULL;
    FILE *in = NULL;
    char *line = NULL;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+C:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'C':
            if (cw_strv_push(&claims, optarg)) {
                fprintf(stderr, "claimwatch tag: out of memory\n");
                goto out;
            }
            break;
        case 'd':
            docs = optarg;
            break;
        case 'h':
            tag_help(stdout);
            rc = CW_EXIT_OK;
            goto out;
        case 'F':
            mode = TAG_DUMP_FEATURES;
            break;
        case 'T':
            mode = TAG_DUMP_TERMS;
            break;
        case 'm': {
            char *end;
            min_score = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(min_score >= 0 && min_score <= 1)) {
                rc = cli_usage_error("tag", "--min-score takes a number from 0 to 1, not '%s'", optarg);
                goto out;
            }
            break;
        }
        case 'L':
            lexpath = optarg;
            break;
        default:
            rc = cli_usage_error("tag", "unknown or incomplete option '%s'", argv[optind - 1]);
            goto out;
        }
    }
    if (optind < argc) {
        rc = cli_usage_error("tag", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (claims.n == 0) {
        rc = cli_usage_error("tag", "--claims FILE is required");
        goto out;
    }
    struct claimset *cs = NULL;
    if (claimset_load((const char *const *)claims.v, claims.n, &cs, &errors) != 0) {
        for (size_t i = 0; i < errors.n; i++)
            fprintf(stderr, "%s\n", errors.v[i]);
        goto out;
    }
    if (lexpath) {
        char err[512];
        lex = tg_lexicon_load(lexpath, err, sizeof err);
        if (lex == NULL) {
            fprintf(stderr, "claimwatch tag: %s\n", err);
            claimset_destroy(cs);
            goto out;
        }
    }
    t = lex ? tagger_create_lex(cs, lex) : tagger_create(cs);
    if (t == NULL) {
        fprintf(stderr, "claimwatch tag: cannot build the claim indexes (out of memory)\n");
        goto out;
    }
    tagger_set_min_score(t, min_score);
    const char *src = docs ? docs : "<stdin>";
    in = docs && strcmp(docs, "-") != 0 ? fopen(docs, "r") : stdin;
    if (in == NULL) {
        fprintf(stderr, "claimwatch tag: %s: cannot open: %m\n", docs);
        goto out;
    }
    size_t cap = 0, lineno = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        size_t len = (size_t)n;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        size_t sp = 0;
        while (sp < len && (line[sp] == ' ' || line[sp] == '\t'))
            sp++;
        if (sp == len)
            continue; /* blank lines are not documents */
        if (len > TAG_LINE_MAX) {
            bad_line(src, lineno, NULL, "line longer than 32 MiB");
            continue;
        }
        tag_line(t, src, lineno, line, len, mode);
    }
    if (ferror(in)) {
        fprintf(stderr, "claimwatch tag: %s: read error\n", src);
        goto out;
    }
    rc = fflush(stdout) == 0 ? CW_EXIT_OK : CW_EXIT_FAIL;
out:
    free(line);
    if (in && in != stdin)
        fclose(in);
    tagger_destroy(t);
    tg_lexicon_free(lex);
    cw_strv_free(&claims);
    cw_strv_free(&errors);
    return rc;
}
