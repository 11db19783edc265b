/* Near-duplicate fingerprints: syndicated copies of one wire story get fingerprints a few bits
 * apart, so the daemon can mark them duplicate_of the first copy instead of dropping them. */
#ifndef CW_SIMHASH_H
#define CW_SIMHASH_H

#include <stddef.h>
#include <stdint.h>

/* 64-bit SimHash over word shingles of the (UTF-8) text. 0 for text too short to fingerprint. */
uint64_t simhash_text(const char *text, size_t len);
/* Hamming distance between two fingerprints. */
int simhash_distance(uint64_t a, uint64_t b);
/* Distance at or below which two texts count as copies. */
#define SIMHASH_DUP_DISTANCE 3

#endif
