/* The fetcher: every HTTP(S) transfer of the daemon, on one libcurl multi handle driven by the
 * event loop. Polite (conditional GET, per-host limit, a clear User-Agent) and safe (http/https
 * only, bounded redirects, size and time caps counted on decoded bytes, private addresses refused
 * after DNS resolution unless allowed). file:// only when the config allows it (the demo). */
#ifndef CW_FETCH_H
#define CW_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "config/cfg.h"
#include "daemon/loop.h"

enum fetch_error {
    FETCH_OK = 0,
    FETCH_ERR_DNS,
    FETCH_ERR_CONNECT,
    FETCH_ERR_TIMEOUT,
    FETCH_ERR_TOO_SLOW,
    FETCH_ERR_TOO_BIG,
    FETCH_ERR_TOO_MANY_REDIRECTS,
    FETCH_ERR_BLOCKED,   /* refused by the address or scheme policy */
    FETCH_ERR_TLS,
    FETCH_ERR_HTTP,      /* a status other than 2xx/304 */
    FETCH_ERR_OTHER,
};

struct fetch_request {
    const char *url;
    const char *etag;          /* sent as If-None-Match; may be NULL */
    const char *last_modified; /* sent as If-Modified-Since; may be NULL */
    size_t max_bytes;          /* 0 = the config's max_body_bytes */
};

struct fetch_result {
    enum fetch_error error;
    char errmsg[256];        /* one line for logs and feed-status events when error != FETCH_OK */
    long status;             /* HTTP status (0 if none; 200 for file://) */
    char *body;              /* decoded, NUL-terminated; NULL on 304 or error */
    size_t len;
    char *content_type;
    char *etag;
    char *last_modified;
    char *effective_url;     /* after redirects */
    char *permanent_redirect;/* set when every redirect in the chain was 301/308: the new URL */
    int64_t retry_after_s;   /* from Retry-After on 429/503 (seconds or HTTP date), else -1 */
    int64_t max_age_s;       /* from Cache-Control max-age / Expires, else -1 */
    int64_t elapsed_ms;
};

struct fetcher;
/* Called on the loop thread once per submitted request; res is borrowed for the call. It may
 * submit more transfers or cancel, but must not destroy the fetcher. */
typedef void (*fetch_done_fn)(const struct fetch_result *res, void *ctx);

struct fetcher *fetcher_create(struct loop *l, const struct cfg_fetch *opts, char *errstr, size_t errlen);
/* Queues a transfer (respecting the global and per-host limits). 0, or -1 (then done is never
 * called). */
int fetcher_submit(struct fetcher *f, const struct fetch_request *req, fetch_done_fn done, void *ctx);
/* Transfers running or queued. */
size_t fetcher_pending(const struct fetcher *f);
/* Cancels everything in flight without calling back. */
void fetcher_cancel_all(struct fetcher *f);
void fetcher_destroy(struct fetcher *f);

#endif
