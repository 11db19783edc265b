/* Fuzz target: the text pipeline (folding, sentences, tokens, speakers) and tagging of arbitrary
 * bytes as a document, plus SimHash. The first byte splits title from text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tagger/simhash.h"
#include "tagger/tagger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tagger *tagger_once(void)
{
    static struct tagger *t;
    if (t == NULL) {
        static const char claims[] =
            "[{\"id\":\"m\",\"text\":\"Iran supplied ballistic missiles to Russia\","
            "\"entities\":[{\"id\":\"ir\",\"name\":\"Iran\",\"aliases\":[\"Tehran\",\"\xd8\xa7\xdb\x8c\xd8\xb1\xd8\xa7\xd9\x86\"]}],"
            "\"keyphrases\":[\"ballistic missiles\"]},"
            "{\"id\":\"n\",\"text\":\"The \\\"deal\\\" was NOT signed, officials said.\"}]";
        struct claimset *cs = NULL;
        struct cw_strv err = {0};
        if (claimset_load_buffer("f", claims, sizeof claims - 1, &cs, &err) == 0)
            t = tagger_create(cs);
        cw_strv_free(&err);
    }
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tagger *t = tagger_once();
    if (t == NULL || size == 0)
        return 0;
    size_t split = data[0] % (size + 1);
    char *title = strndup((const char *)data + 1, split > 1 ? split - 1 : 0);
    char *text = strndup((const char *)data + (split > 0 ? split : 1), size - (split > 0 ? split : 1));
    if (title && text) {
        struct tag_doc d = {.id = "f", .title = title, .text = text};
        json_t *r = tagger_tag(t, &d);
        json_decref(r);
        (void)simhash_text(text, strlen(text));
    }
    free(title);
    free(text);
    return 0;
}
