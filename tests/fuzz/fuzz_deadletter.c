/* Fuzz target: the dead-letter envelope. Whatever bytes an event, its key or the transport's
 * reason hold (invalid UTF-8, NULs, huge), the envelope must be built and be valid JSON: a dead
 * letter that cannot be written would loop in the outbox. Input: 1 byte limit selector, then
 * key NUL reason NUL payload. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/sink.h"

char *sender__dl_envelope(const struct sink *sink, int kind, const char *key, const char *event_id,
                          const char *payload, size_t len, int attempts, const char *reason);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const size_t limits[4] = {0, 512, 4096, 1000000};
    struct sink sink = {.name = "fuzz", .max_message_bytes = limits[data[0] & 3]};
    char *buf = malloc(size);
    if (buf == NULL)
        return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    /* buf holds size-1 input bytes plus a NUL: key, reason and payload are its NUL-separated parts. */
    const char *end = buf + size - 1;
    const char *key = buf;
    const char *reason = key + strlen(key) < end ? key + strlen(key) + 1 : end;
    const char *payload = reason + strlen(reason) < end ? reason + strlen(reason) + 1 : end;
    size_t plen = (size_t)(end - payload);
    char *env = sender__dl_envelope(&sink, data[0] % 6, key, "ev-1", payload, plen, 1, reason);
    if (env == NULL)
        abort(); /* only out of memory may fail */
    json_error_t err;
    json_t *o = json_loads(env, 0, &err);
    if (o == NULL || !json_is_string(json_object_get(o, "reason")))
        abort();
    json_decref(o);
    free(env);
    free(buf);
    return 0;
}
