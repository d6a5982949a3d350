/* Searches in bounce text that every part of src/ndr (and explain's words) uses: a
 * phrase, ASCII case folded, and the next mail address. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ndr_multi.h"
#include "ndr_search.h"

/* Does needle match h at its start, ASCII case folded? 8 bytes at a time, then byte by
 * byte (the candidates of ndr_ci_find() often share their first bytes with needle). */
static bool
ci_at(const char *h, const char *needle, size_t nl)
{
	size_t k;

	for (k = 0; k + 8 <= nl; k += 8)
		if (lower8(load8(h + k)) != lower8(load8(needle + k)))
			return false;
	for (; k < nl; k++) {
		unsigned char a = (unsigned char)h[k], b = (unsigned char)needle[k];

		if (ASCII_LC(a) != ASCII_LC(b))
			return false;
	}
	return true;
}

const char *
ndr_ci_find(const char *h, size_t h_len, const char *needle)
{
	size_t nl = strlen(needle), i = 0, last;
	unsigned char lo;

	if (nl == 0)
		return h;
	if (nl > h_len)
		return NULL;
	last = h_len - nl;	/* the last possible start */
#ifdef __SSE2__
	/* 16 starts at a time: the first two bytes with bit 0x20 set (ASCII case folded;
	 * other bytes give only false candidates, checked by ci_at). The parsers call this
	 * on every line, so it is the parser's inner loop. */
	if (nl >= 2) {
		const __m128i c20 = _mm_set1_epi8(0x20);
		const __m128i b0 = _mm_set1_epi8((char)((unsigned char)needle[0] | 0x20));
		const __m128i b1 = _mm_set1_epi8((char)((unsigned char)needle[1] | 0x20));

		/* starts i..i+15 read bytes up to i+16 <= last + 1 < h_len; the last block
		 * overlaps the one before (its starts there did not match) */
		while (i + 16 <= last + 1) {
			__m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)(h + i));
			__m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(h + i + 1));
			unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(
			    _mm_cmpeq_epi8(_mm_or_si128(x0, c20), b0),
			    _mm_cmpeq_epi8(_mm_or_si128(x1, c20), b1)));

			while (mask != 0) {
				size_t at = i + (size_t)__builtin_ctz(mask);

				if (ci_at(h + at, needle, nl))
					return h + at;
				mask &= mask - 1;
			}
			if (i + 16 == last + 1)
				return NULL;
			i = i + 32 <= last + 1 ? i + 16 : last + 1 - 16;
		}
	}
#endif
	lo = (unsigned char)ASCII_LC((unsigned char)needle[0]);
	for (; i <= last; i++)
		if ((unsigned char)ASCII_LC((unsigned char)h[i]) == lo && ci_at(h + i, needle, nl))
			return h + i;
	return NULL;
}

/* What an ASCII byte may be in an address: bit 1 the local part (RFC 5322 atext; and
 * NUL, which strchr() found as the set's end), bit 2 the domain. A table, not isalnum():
 * every byte around every '@' of a bounce is looked at. */
enum { AC_LOCAL = 1, AC_DOMAIN = 2 };

static const unsigned char addr_class[128] = {
	['\0'] = AC_LOCAL,
	['.'] = AC_LOCAL | AC_DOMAIN, ['-'] = AC_LOCAL | AC_DOMAIN, ['_'] = AC_LOCAL | AC_DOMAIN,
	['!'] = AC_LOCAL, ['#'] = AC_LOCAL, ['$'] = AC_LOCAL, ['%'] = AC_LOCAL, ['&'] = AC_LOCAL,
	['\''] = AC_LOCAL, ['*'] = AC_LOCAL, ['+'] = AC_LOCAL, ['/'] = AC_LOCAL, ['='] = AC_LOCAL,
	['?'] = AC_LOCAL, ['^'] = AC_LOCAL, ['`'] = AC_LOCAL, ['{'] = AC_LOCAL, ['|'] = AC_LOCAL,
	['}'] = AC_LOCAL, ['~'] = AC_LOCAL,
#define AC_ALNUM(c) [c] = AC_LOCAL | AC_DOMAIN
	AC_ALNUM('0'), AC_ALNUM('1'), AC_ALNUM('2'), AC_ALNUM('3'), AC_ALNUM('4'),
	AC_ALNUM('5'), AC_ALNUM('6'), AC_ALNUM('7'), AC_ALNUM('8'), AC_ALNUM('9'),
	AC_ALNUM('A'), AC_ALNUM('B'), AC_ALNUM('C'), AC_ALNUM('D'), AC_ALNUM('E'),
	AC_ALNUM('F'), AC_ALNUM('G'), AC_ALNUM('H'), AC_ALNUM('I'), AC_ALNUM('J'),
	AC_ALNUM('K'), AC_ALNUM('L'), AC_ALNUM('M'), AC_ALNUM('N'), AC_ALNUM('O'),
	AC_ALNUM('P'), AC_ALNUM('Q'), AC_ALNUM('R'), AC_ALNUM('S'), AC_ALNUM('T'),
	AC_ALNUM('U'), AC_ALNUM('V'), AC_ALNUM('W'), AC_ALNUM('X'), AC_ALNUM('Y'),
	AC_ALNUM('Z'),
	AC_ALNUM('a'), AC_ALNUM('b'), AC_ALNUM('c'), AC_ALNUM('d'), AC_ALNUM('e'),
	AC_ALNUM('f'), AC_ALNUM('g'), AC_ALNUM('h'), AC_ALNUM('i'), AC_ALNUM('j'),
	AC_ALNUM('k'), AC_ALNUM('l'), AC_ALNUM('m'), AC_ALNUM('n'), AC_ALNUM('o'),
	AC_ALNUM('p'), AC_ALNUM('q'), AC_ALNUM('r'), AC_ALNUM('s'), AC_ALNUM('t'),
	AC_ALNUM('u'), AC_ALNUM('v'), AC_ALNUM('w'), AC_ALNUM('x'), AC_ALNUM('y'),
	AC_ALNUM('z'),
#undef AC_ALNUM
};

/* Bytes over 0x7f are the locale's, as isalnum() and tolower() always took them. */
static bool
is_local_char(unsigned char c)
{
	return c < 0x80 ? (addr_class[c] & AC_LOCAL) != 0 : isalnum(c) != 0;
}

static bool
is_domain_char(unsigned char c)
{
	return c < 0x80 ? (addr_class[c] & AC_DOMAIN) != 0 : isalnum(c) != 0;
}

long
ndr_text_find_addr(const char *s, size_t len, size_t *pos, char *buf, size_t buf_len)
{
	size_t i = *pos;

	while (i < len) {
		const char *at = memchr(s + i, '@', len - i);
		size_t a, b, k;

		if (at == NULL)
			break;
		a = (size_t)(at - s);
		b = a + 1;
		while (a > 0 && is_local_char((unsigned char)s[a - 1]))
			a--;
		while (b < len && is_domain_char((unsigned char)s[b]))
			b++;
		while (b > a && (s[b - 1] == '.' || s[b - 1] == '-'))
			b--;
		/* a local part cannot start with a dot; "...addr" comes from transcripts */
		while (a < (size_t)(at - s) && (s[a] == '.' || s[a] == '\''))
			a++;
		i = (size_t)(at - s) + 1;
		if (a == (size_t)(at - s) || b <= (size_t)(at - s) + 1 || b - a >= buf_len ||
		    b - a >= NDR_ADDR_MAX)
			continue;
		/* ASCII 8 bytes at a time (lower8()), the locale's tolower() for the rest */
		for (k = 0; k + 8 <= b - a && (load8(s + a + k) & 0x8080808080808080ull) == 0;
		    k += 8) {
			uint64_t v = lower8(load8(s + a + k));

			memcpy(buf + k, &v, 8);
		}
		for (; k < b - a; k++) {
			unsigned char c = (unsigned char)s[a + k];

			buf[k] = (char)(c < 0x80 ? ASCII_LC(c) : tolower(c));
		}
		buf[b - a] = '\0';
		*pos = b;
		return (long)a;
	}
	*pos = len;
	return -1;
}
