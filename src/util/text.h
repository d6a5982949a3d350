/* UTF-8 validation for text that came off the wire (SMTP replies, bounces, DNS, input
 * lines): the one place that decides what well-formed UTF-8 is (RFC 3629 4). And the ASCII
 * character classes grammars use (RFC 5234 B.1 ALPHA, DIGIT). */
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

/* Whether s has a C0 control character or DEL (what no argument or input field may hold). */
bool text_has_control(const char *s);

/*
 * Append item to the list in buf[0..len) ("a, b, c"), *used bytes long: after a comma when
 * the list is not empty. An item that does not fit whole is left out, so the list never
 * ends in half a word; returns false then (callers stop adding).
 */
bool text_list_add(char *buf, size_t len, size_t *used, const char *item);
/* What goes between the items of a list in a sentence: ", ", or Japanese's "、". */
const char *text_list_sep(void);

/* What goes between sentence prev and the next one: a space, or nothing after a full-width
 * (Japanese) full stop or bracket, since Japanese runs its sentences together. */
const char *text_sentence_gap(const char *prev);

/* ASCII only, whatever the locale: a locale must not change what a grammar accepts
 * (<ctype.h> would). */
static inline bool
text_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
text_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool
text_is_alnum(int c)
{
	return text_is_alpha(c) || text_is_digit(c);
}

static inline int
text_to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

#endif
