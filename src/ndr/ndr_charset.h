/* Charset conversion to UTF-8 for bounce text (iconv) and RFC 2047 encoded-words. */
#ifndef MXD_NDR_CHARSET_H
#define MXD_NDR_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Convert in/in_len from charset (a MIME charset name, NULL or "" when the part did not
 * say) to UTF-8. Without a charset the text is guessed: ISO-2022-JP escapes, valid UTF-8,
 * EUC-JP, then Shift_JIS (CP932). Bytes that do not convert become '?', so the result is
 * always valid UTF-8. Returns a NUL-terminated buffer (caller frees); length in *out_len.
 */
char *ndr_charset_to_utf8(const char *charset, const char *in, size_t in_len, size_t *out_len);

/* True when ndr_charset_to_utf8() gives in/in_len back as it is, whatever the charset:
 * ASCII without ESC (ISO-2022-JP) or NUL (made a space). Lets a caller skip the copy. */
bool ndr_charset_is_identity(const char *in, size_t in_len);

/* True when s/len is well-formed UTF-8. */
bool ndr_is_utf8(const char *s, size_t len);

/*
 * Decode RFC 2047 encoded-words (=?charset?B|Q?text?=) in a header value; whitespace
 * between two adjacent encoded-words is dropped (RFC 2047 section 6.2). Returns UTF-8,
 * caller frees.
 */
char *ndr_rfc2047_decode(const char *in, size_t in_len);

/* Close this thread's cached converters (ndr_thread_end). */
void ndr_charset_thread_end(void);

#endif
