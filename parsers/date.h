/* Dates as feeds write them: RFC 822/1123 (any zone name or offset, 2-digit years, missing
 * weekday), RFC 3339/ISO 8601/W3CDTF, Unix timestamps, asctime, and month/day names in the
 * common European languages. */
#ifndef CW_DATE_H
#define CW_DATE_H

#include <stddef.h>
#include <time.h>

/* Parses s into a UTC instant. Returns 0, or -1 when s is not a date we can read for sure
 * (never guesses "now"). */
int date_parse(const char *s, time_t *out);
/* Parses s and writes it as RFC 3339 UTC into out (at least 21 bytes). 0 or -1. */
int date_normalize(const char *s, char *out, size_t outlen);

#endif
