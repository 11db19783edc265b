/* libFuzzer target: the same entry point as fuzz_feed (detection picks the parser), run from its
 * own seed corpus (tests/fuzz/corpus/sitemap/) so fuzzing starts inside that format. */
#include "fuzz_feed.c"
