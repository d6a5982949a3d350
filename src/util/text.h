/* UTF-8 validation for text that came off the wire (SMTP replies, bounces, DNS, input
 * lines): the one place that decides what well-formed UTF-8 is (RFC 3629 4). */
#ifndef MXD_TEXT_H
#define MXD_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1-4) of the well-formed UTF-8 sequence at s, reading at most avail bytes, or 0
 * when there is none: no overlong forms, no surrogates, nothing past U+10FFFF, no
 * truncated sequence. A NUL byte inside a sequence ends it (ill-formed), so avail may be
 * an upper bound for NUL-terminated strings. avail must be at least 1. */
size_t text_utf8_seq(const unsigned char *s, size_t avail);
/* True when s[0..len) is entirely well-formed UTF-8 (jansson accepts exactly this). */
bool text_is_utf8(const char *s, size_t len);

#endif
