/* SimHash over word 3-shingles: each shingle's 64-bit hash votes on every bit; copies of one
 * story share most shingles, so their fingerprints differ in few bits. */
#include "tagger/simhash.h"

#include "tagger/tg_internal.h"

#define SH_SHINGLE 3

uint64_t simhash_text(const char *text, size_t len)
{
    int32_t v[64] = {0};
    uint64_t win[SH_SHINGLE] = {0};
    size_t nw = 0, nsh = 0, i = 0;
    while (i < len) {
        while (i < len && !((unsigned char)text[i] >= 0x80 || (text[i] >= '0' && text[i] <= '9') ||
                            ((text[i] | 0x20) >= 'a' && (text[i] | 0x20) <= 'z')))
            i++;
        size_t a = i;
        uint64_t h = 1469598103934665603ULL;
        while (i < len && ((unsigned char)text[i] >= 0x80 || (text[i] >= '0' && text[i] <= '9') ||
                           ((text[i] | 0x20) >= 'a' && (text[i] | 0x20) <= 'z'))) {
            unsigned char c = (unsigned char)text[i];
            if (c < 0x80)
                c = (unsigned char)(c | 0x20); /* ASCII case does not make a different story */
            h = (h ^ c) * 1099511628211ULL;
            i++;
        }
        if (i == a)
            break;
        win[nw % SH_SHINGLE] = h;
        nw++;
        if (nw < SH_SHINGLE)
            continue;
        uint64_t sh = 0;
        for (size_t k = 0; k < SH_SHINGLE; k++)
            sh = (sh ^ win[(nw + k) % SH_SHINGLE]) * 0x9E3779B97F4A7C15ULL + k;
        sh ^= sh >> 29;
        sh *= 0xBF58476D1CE4E5B9ULL;
        sh ^= sh >> 32;
        for (int b = 0; b < 64; b++)
            v[b] += (sh >> b) & 1 ? 1 : -1;
        nsh++;
    }
    if (nsh < 4)
        return 0;
    uint64_t out = 0;
    for (int b = 0; b < 64; b++)
        if (v[b] > 0)
            out |= 1ULL << b;
    return out;
}

int simhash_distance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }
