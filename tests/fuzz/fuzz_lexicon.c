/* Fuzz target: the background-lexicon loader (the trainer's JSON file, claimwatch tag --lexicon),
 * and a tagger built on whatever it accepts, tagging a document its words reach. */
#include <stddef.h>
#include <stdint.h>

#include "tagger/tagger.h"
#include "tagger/tg_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *root = json_loadb((const char *)data, size, 0, NULL);
    if (root == NULL)
        return 0;
    char err[256];
    struct tg_lexicon *lx = tg_lexicon_from_json(root, "fuzz.json", err, sizeof err);
    json_decref(root);
    if (lx == NULL)
        return 0;
    static const char claims[] = "[{\"id\": \"c\", \"text\": \"Iran supplied ballistic missiles to Russia\"}]";
    struct claimset *cs = NULL;
    struct cw_strv cerr = {0};
    if (claimset_load_buffer("c.json", claims, sizeof claims - 1, &cs, &cerr) == 0) {
        struct tagger *t = tagger_create_lex(cs, lx);
        if (t) {
            struct tag_doc d = {.id = "x", .title = "Iran missiles",
                                .text = "Iran supplied ballistic missiles to Russia, officials said. Tehran "
                                        "denied it. The missiles reached Russia."};
            json_decref(tagger_tag(t, &d));
            tagger_destroy(t);
        }
    }
    cw_strv_free(&cerr);
    tg_lexicon_free(lx);
    return 0;
}
