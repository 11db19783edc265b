/* Fuzz target: the claim-set loader, and the tagger built from whatever it accepts. */
#include <stddef.h>
#include <stdint.h>

#include "tagger/tagger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct claimset *cs = NULL;
    struct cw_strv err = {0};
    if (claimset_load_buffer("fuzz.json", (const char *)data, size, &cs, &err) == 0) {
        (void)claimset_version(cs);
        struct tagger *t = tagger_create(cs);
        if (t) {
            struct tag_doc d = {.id = "x", .title = "Iran missiles", .text = "Iran sent missiles, said X."};
            json_t *r = tagger_tag(t, &d);
            json_decref(r);
            tagger_destroy(t);
        }
    }
    cw_strv_free(&err);
    return 0;
}
