/* HTML as feeds carry it in summaries and content: an allow-list sanitiser that also renders
 * plain text for the tagger, and plain-text cleanup for titles. Hand-written tokenizer: one pass,
 * no tree, bounded depth and output, so hostile markup costs linear time. */
#ifndef CW_HTML_H
#define CW_HTML_H

#include <stddef.h>

#include "common/cw_buf.h"

#define HTML_MAX_OUT (1024 * 1024) /* cap on each rendering of one field */

/* Sanitises the fragment s[0..n): only allow-listed tags and attributes survive, script/style and
 * similar elements are dropped with their content, event handlers and javascript:/data: URLs are
 * removed, relative href/src are resolved against base (may be NULL), every entity is decoded and
 * re-escaped, open tags are closed. *html_out and *text_out (either may be NULL to skip) receive
 * owned strings: the safe HTML and its plain-text rendering (blocks separated by blank lines,
 * whitespace collapsed). Returns 0, or -1 on allocation failure (outputs NULL). */
int html_sanitize(const char *s, size_t n, const char *base, char **html_out, char **text_out);
/* Working buffers that html_sanitize_with keeps between calls, so a feed of many items grows them
 * once instead of once per item; results are then copied out at their exact size. */
struct html_scratch {
    struct cw_buf html;
    struct cw_buf text;
};
void html_scratch_init(struct html_scratch *s);
void html_scratch_free(struct html_scratch *s);
/* html_sanitize with the caller's scratch buffers (NULL = fresh ones, as html_sanitize). */
int html_sanitize_with(struct html_scratch *scratch, const char *s, size_t n, const char *base, char **html_out,
                       char **text_out);
/* Plain text of a title-like string: tags stripped, entities decoded, whitespace collapsed.
 * Returns an owned string, NULL when s is NULL or empty after cleanup. */
char *html_plain(const char *s);
/* Escapes plain text into HTML (&, <, >, "), newlines kept. Owned string or NULL. */
char *html_escape(const char *s);

#endif
