/* Small helpers shared by every stage: file reading, ids, time formatting. */
#ifndef CW_UTIL_H
#define CW_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Reads a whole file ("-" = stdin) into a NUL-terminated owned buffer of at most max bytes.
 * Returns 0; -1 with errstr set (names the path) on failure or when the file is larger. */
int cw_read_file(const char *path, size_t max, char **out, size_t *outlen, char *errstr, size_t errlen);

/* Hex id of a byte string: the first 128 bits of its SHA-256, as 32 lowercase hex digits. */
#define CW_ID_HEX_LEN 32
void cw_id_hex(const void *data, size_t len, char out[CW_ID_HEX_LEN + 1]);

/* RFC 3339 UTC with seconds ("2024-09-10T14:05:00Z") into out (at least 21 bytes). */
#define CW_RFC3339_LEN 21
void cw_time_rfc3339(time_t t, char *out, size_t outlen);

/* Monotonic and wall clocks in milliseconds. */
int64_t cw_now_ms(void);
int64_t cw_wall_ms(void);

/* strdup that accepts NULL. */
char *cw_strdup0(const char *s);

#endif
