/* The pipeline from a parsed feed document to the outbox: new-item filtering, optional article
 * fetching and extraction, near-duplicate marking, tagging, event building, and the transactional
 * accept (seen mark + events in one transaction). Runs on the loop thread. */
#ifndef CW_PIPELINE_H
#define CW_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "config/cfg.h"
#include "daemon/poller.h"
#include "daemon/store.h"
#include "tagger/tagger.h"

struct pipeline;

/* st and cfg are borrowed (cfg must stay valid until pipeline_set_cfg swaps it); the tagger is
 * borrowed too (swap with pipeline_set_tagger). sinks names the active sinks (borrowed strings:
 * each accepted event gets one outbox row per sink). NULL on failure. */
struct pipeline *pipeline_create(struct store *st, const struct cfg *cfg, struct tagger *tagger,
                                 const char *const *sinks, size_t nsinks);
/* The poller to fetch article pages through (set once both exist). */
void pipeline_set_poller(struct pipeline *p, struct poller *poller);
void pipeline_set_tagger(struct pipeline *p, struct tagger *tagger);
void pipeline_set_cfg(struct pipeline *p, const struct cfg *cfg);
/* The poller callbacks, with the pipeline as ctx. */
void pipeline_on_doc(void *ctx, const struct poller_feed *feed, const struct feed_doc *doc);
void pipeline_on_status(void *ctx, const struct poller_feed *feed, enum poller_health health, long http_status,
                        const char *error);
/* Items waiting for their article page. */
size_t pipeline_pending(const struct pipeline *p);
/* Items accepted, skipped as already seen, and failed (store errors) since creation. */
void pipeline_stats(const struct pipeline *p, uint64_t *accepted, uint64_t *seen, uint64_t *failed);
void pipeline_destroy(struct pipeline *p);

#endif
