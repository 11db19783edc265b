/* Bytes to clean UTF-8: encoding detection (BOM, XML declaration, HTTP charset, utf-8 with a
 * windows-1252 fallback for invalid bytes), conversion through iconv, and the repairs that let a
 * broken XML feed parse: characters XML forbids stripped, the DTD dropped (no entity can be
 * declared, so XXE and entity bombs have nothing to work with), HTML named entities turned into
 * numeric references, bare '&' escaped. */
#ifndef CW_CHARSET_H
#define CW_CHARSET_H

#include <stddef.h>

#include "common/cw_buf.h"
#include "common/cw_strv.h"

#define CHARSET_MAX_ERRORS 20

/* Detects the encoding of data (BOM, then <?xml encoding=?> when xml is set, then the charset
 * of content_type, else utf-8) and writes its lowercase name into enc. */
void charset_detect(const char *data, size_t len, int xml, const char *content_type, char *enc, size_t enclen);
/* Converts data from enc to UTF-8 into out (BOM removed). Bytes that do not decode are recorded
 * in errors (at most CHARSET_MAX_ERRORS entries) and replaced (utf-8: read as windows-1252; other
 * encodings: U+FFFD). Returns 0, or -1 when out's cap is reached or memory runs out. */
int charset_to_utf8(const char *data, size_t len, const char *enc, struct cw_buf *out, struct cw_strv *errors);
/* 1 when data[0..len) is valid UTF-8 (then no conversion copy is needed). */
int charset_utf8_valid(const char *data, size_t len);
/* Repairs UTF-8 XML text for a strict parser (see above) into out. Returns 0 or -1 (cap, memory). */
int charset_clean_xml(const char *data, size_t len, struct cw_buf *out, struct cw_strv *errors);
/* The same repairs without a copy when none is needed: res and reslen receive either a view into
 * data (the document needed no change beyond skipping leading junk) or out's contents. A kept
 * XML declaration may name the original encoding: parse with XML_PARSE_IGNORE_ENC. 0 or -1. */
/* 1 when the UTF-8 text may need no repair at all: first non-space byte '<', no DTD, no leading
 * declaration the repairs would drop, no character reference they would rewrite to another
 * character. Everything else they fix (undeclared entities, bare '&', forbidden characters, junk)
 * is a well-formedness error, so a caller may parse res[0..reslen) as it is and fall back to
 * charset_clean_xml_view when the parser reports any error. */
int charset_xml_maybe_clean(const char *data, size_t len, const char **res, size_t *reslen);
int charset_clean_xml_view(const char *data, size_t len, struct cw_buf *out, struct cw_strv *errors,
                           const char **res, size_t *reslen);
/* Records msg in errors unless the list is full or already holds it. */
void charset_error(struct cw_strv *errors, const char *msg);

#endif
