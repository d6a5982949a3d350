/* UTF-8 validation (RFC 3629 4), shared by every sanitiser that keeps wire text. */
#include "config.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "text.h"

size_t
text_utf8_seq(const unsigned char *s, size_t avail)
{
	size_t n, i;
	unsigned lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;	/* continuation byte, C0/C1 overlong lead, or past U+10FFFF */
	/* The second byte's range rules out overlong forms (E0, F0), surrogates (ED) and
	 * code points past U+10FFFF (F4). */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (avail < 2 || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (i >= avail || s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Length of the run of ASCII bytes that starts s/len: sixteen at a time where SSE2 is
 * (most wire text is all ASCII; every header and part of a bounce is checked). */
static size_t
ascii_run(const char *s, size_t len)
{
	size_t i = 0;

#ifdef __SSE2__
	for (; i + 16 <= len; i += 16) {
		unsigned mask = (unsigned)_mm_movemask_epi8(_mm_loadu_si128(
		    (const __m128i *)(const void *)(s + i)));

		if (mask != 0)
			return i + (size_t)__builtin_ctz(mask);
	}
#endif
	while (i < len && (unsigned char)s[i] < 0x80)
		i++;
	return i;
}

bool
text_is_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while ((i += ascii_run(s + i, len - i)) < len) {
		n = text_utf8_seq(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

bool
text_has_control(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	}
	return false;
}

const char *
text_list_sep(void)
{
	return _(", ");
}

bool
text_list_add(char *buf, size_t len, size_t *used, const char *item)
{
	int n;

	if (*used >= len)
		return false;
	/* TRANSLATORS: between the items of a list in a sentence ("a, b, c") */
	n = snprintf(buf + *used, len - *used, "%s%s", *used > 0 ? text_list_sep() : "", item);
	if (n < 0 || (size_t)n >= len - *used) {
		buf[*used] = '\0';
		return false;
	}
	*used += (size_t)n;
	return true;
}

const char *
text_sentence_gap(const char *prev)
{
	size_t n = strlen(prev);
	const unsigned char *e = (const unsigned char *)prev + n;

	/* U+3000-U+303F (E3 80 xx: 。、」) and the full-width forms U+FF00-U+FF7F
	 * (EF BC xx, EF BD xx: ）：) */
	if (n >= 3 && ((e[-3] == 0xE3 && e[-2] == 0x80) ||
	    (e[-3] == 0xEF && (e[-2] == 0xBC || e[-2] == 0xBD))))
		return "";
	return " ";
}
