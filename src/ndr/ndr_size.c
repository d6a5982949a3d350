/* Sizes in a "message too big" bounce's words (ndr_size.h): one pass over the text, words
 * setting what the next number is, clause ends forgetting it. Bounded: at most
 * NDR_SIZE_SCAN_MAX bytes, numbers of at most 15 digits. */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "ndr_size.h"
#include "text.h"

enum word_kind { W_NONE, W_SIZE, W_LIMIT };

struct word {
	const char *w;
	enum word_kind kind;
};

/* ASCII words, whole, case-insensitive */
static const struct word ascii_words[] = {
	{ "size", W_SIZE }, { "message", W_SIZE }, { "read", W_SIZE }, { "length", W_SIZE },
	{ "limit", W_LIMIT }, { "limits", W_LIMIT }, { "max", W_LIMIT },
	{ "maximum", W_LIMIT }, { "allowed", W_LIMIT }, { "permitted", W_LIMIT },
	{ "limited", W_LIMIT },
};

/* Japanese words, as UTF-8 byte sequences anywhere */
static const struct word ja_words[] = {
	{ "サイズ", W_SIZE }, { "メッセージ", W_SIZE }, { "容量", W_SIZE },
	{ "上限", W_LIMIT }, { "制限", W_LIMIT }, { "最大", W_LIMIT }, { "許容", W_LIMIT },
};

struct unit {
	const char *u;
	unsigned long long mul;
};

static const struct unit ascii_units[] = {
	{ "b", 1 }, { "byte", 1 }, { "bytes", 1 }, { "octet", 1 }, { "octets", 1 },
	{ "k", 1024ULL }, { "kb", 1024ULL }, { "kib", 1024ULL }, { "kbytes", 1024ULL },
	{ "kilobyte", 1024ULL }, { "kilobytes", 1024ULL },
	{ "m", 1048576ULL }, { "mb", 1048576ULL }, { "mib", 1048576ULL },
	{ "mbytes", 1048576ULL }, { "megabyte", 1048576ULL }, { "megabytes", 1048576ULL },
	{ "g", 1073741824ULL }, { "gb", 1073741824ULL }, { "gib", 1073741824ULL },
	{ "gigabyte", 1073741824ULL }, { "gigabytes", 1073741824ULL },
};

static const struct unit ja_units[] = {
	{ "キロバイト", 1024ULL }, { "メガバイト", 1048576ULL }, { "ギガバイト", 1073741824ULL },
	{ "バイト", 1 },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_SANE (1ULL << 50)	/* a petabyte: larger is not a message size */

/* An ASCII word at s[0..n): its kind. */
static enum word_kind
ascii_kind(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < N(ascii_words); i++)
		if (strlen(ascii_words[i].w) == n && strncasecmp(s, ascii_words[i].w, n) == 0)
			return ascii_words[i].kind;
	return W_NONE;
}

/* A Japanese word at s (left bytes): its kind and length, or W_NONE. */
static enum word_kind
ja_kind(const char *s, size_t left, size_t *wlen)
{
	size_t i, n;

	for (i = 0; i < N(ja_words); i++) {
		n = strlen(ja_words[i].w);
		if (n <= left && memcmp(s, ja_words[i].w, n) == 0) {
			*wlen = n;
			return ja_words[i].kind;
		}
	}
	return W_NONE;
}

/* A clause ends: "." or "。" before a blank or the end, ";", a line break. */
static size_t
clause_end(const char *s, size_t left)
{
	if (*s == ';' || *s == '\n' || *s == '\r')
		return 1;
	if (*s == '.' && (left == 1 || s[1] == ' ' || s[1] == '\t' || s[1] == '\n' ||
	    s[1] == '\r'))
		return 1;
	if (left >= 3 && memcmp(s, "\xe3\x80\x82", 3) == 0)	/* 。 */
		return 3;
	return 0;
}

/* The unit after a number at s (blanks skipped): its multiplier, *used the bytes taken;
 * 0 when there is none. */
static unsigned long long
read_unit(const char *s, size_t left, size_t *used)
{
	size_t i = 0, n, k;

	while (i < left && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (n = 0; i + n < left && text_is_alpha((unsigned char)s[i + n]); n++)
		;
	if (n > 0) {
		for (k = 0; k < N(ascii_units); k++)
			if (strlen(ascii_units[k].u) == n &&
			    strncasecmp(s + i, ascii_units[k].u, n) == 0) {
				*used = i + n;
				return ascii_units[k].mul;
			}
		return 0;
	}
	for (k = 0; k < N(ja_units); k++) {
		n = strlen(ja_units[k].u);
		if (i + n <= left && memcmp(s + i, ja_units[k].u, n) == 0) {
			*used = i + n;
			return ja_units[k].mul;
		}
	}
	return 0;
}

/* The first word after s (blanks and brackets skipped) is a limit word ("10 MB limit"). */
static bool
limit_follows(const char *s, size_t left)
{
	size_t i = 0, n, wl;

	while (i < left && (s[i] == ' ' || s[i] == '\t' || s[i] == ')' || s[i] == ']'))
		i++;
	for (n = 0; i + n < left && text_is_alpha((unsigned char)s[i + n]); n++)
		;
	if (n > 0)
		return ascii_kind(s + i, n) == W_LIMIT;
	return ja_kind(s + i, left - i, &wl) == W_LIMIT;
}

/*
 * A number at s: digits with "," thousands groups and an optional fraction. Returns the
 * bytes it spans, 0 when s holds a dotted token (status code, address: 5.3.4, 192.0.2.1) or
 * something too long, which *skip then spans.
 */
static size_t
read_number(const char *s, size_t left, unsigned long long *whole, unsigned frac[2],
    size_t *skip)
{
	size_t i = 0, digits = 0, dots = 0;

	*whole = 0;
	frac[0] = 0;	/* value */
	frac[1] = 1;	/* divisor */
	for (; i < left; i++) {
		unsigned char c = (unsigned char)s[i];

		if (text_is_digit(c)) {
			if (++digits > 15)
				break;
			if (dots == 0)
				*whole = *whole * 10 + (unsigned)(c - '0');
			else if (frac[1] < 1000) {
				frac[0] = frac[0] * 10 + (unsigned)(c - '0');
				frac[1] *= 10;
			}
		} else if (c == ',' && dots == 0 && digits > 0 && i + 3 < left &&
		    text_is_digit((unsigned char)s[i + 1]) && text_is_digit((unsigned char)s[i + 2]) &&
		    text_is_digit((unsigned char)s[i + 3]) &&
		    (i + 4 >= left || !text_is_digit((unsigned char)s[i + 4]))) {
			continue;	/* 10,485,760 */
		} else if (c == '.' && i + 1 < left && text_is_digit((unsigned char)s[i + 1])) {
			dots++;
		} else {
			break;
		}
	}
	if (dots > 1 || digits > 15) {
		while (i < left && (text_is_digit((unsigned char)s[i]) || s[i] == '.'))
			i++;
		*skip = i;
		return 0;
	}
	return i;
}

/* A word in the clause: the nearest size or limit word wins, except that a size word one
 * word after a limit word belongs to it. */
static void
note_word(enum word_kind k, enum word_kind *seen, size_t *since_limit)
{
	if (k == W_LIMIT) {
		*seen = W_LIMIT;
		*since_limit = 0;
	} else if (k == W_SIZE) {
		if (*since_limit > 1)
			*seen = W_SIZE;
	} else if (*since_limit != SIZE_MAX) {
		(*since_limit)++;
	}
}

bool
ndr_size_read(const char *text, size_t len, unsigned long long *size,
    unsigned long long *limit)
{
	/* the nearest size or limit word in the clause, and how many other words came since
	 * the last limit word: a size word right after one ("maximum fixed size", 最大サイズ)
	 * is still the limit's */
	enum word_kind seen = W_NONE;
	size_t since_limit = SIZE_MAX;
	bool has_size = false, has_limit = false;
	size_t i = 0, n, wl;

	if (text == NULL)
		return false;
	if (len > NDR_SIZE_SCAN_MAX)
		len = NDR_SIZE_SCAN_MAX;
	while (i < len && !(has_size && has_limit)) {
		unsigned char c = (unsigned char)text[i];
		enum word_kind k;

		n = clause_end(text + i, len - i);
		if (n > 0) {
			seen = W_NONE;
			since_limit = SIZE_MAX;
			i += n;
			continue;
		}
		if (text_is_alpha(c)) {
			for (n = 0; i + n < len && (text_is_alpha((unsigned char)text[i + n]) ||
			    text_is_digit((unsigned char)text[i + n])); n++)
				;
			note_word(ascii_kind(text + i, n), &seen, &since_limit);
			i += n;
			continue;
		}
		if (c >= 0x80) {
			k = ja_kind(text + i, len - i, &wl);
			if (k != W_NONE) {
				note_word(k, &seen, &since_limit);
				i += wl;
			} else {
				/* one character, a word of its own */
				if ((c & 0xc0) == 0xc0)
					note_word(W_NONE, &seen, &since_limit);
				i++;
			}
			continue;
		}
		if (text_is_digit(c)) {
			unsigned long long whole, mul, bytes;
			unsigned frac[2];
			size_t skip = 0, used = 0;
			enum word_kind as = seen;

			n = read_number(text + i, len - i, &whole, frac, &skip);
			if (n == 0) {
				i += skip > 0 ? skip : 1;
				continue;
			}
			mul = read_unit(text + i + n, len - i - n, &used);
			if (mul == 0 && frac[1] > 1) {	/* "15.5" without a unit: not bytes */
				i += n;
				continue;
			}
			if (mul == 0)
				mul = 1;
			if (as == W_NONE && limit_follows(text + i + n + used, len - i - n - used))
				as = W_LIMIT;
			i += n + used;
			if (as == W_NONE || whole > MAX_SANE / mul)
				continue;
			bytes = whole * mul + (unsigned long long)frac[0] * mul / frac[1];
			if (bytes == 0)
				continue;
			if (as == W_LIMIT && !has_limit) {
				*limit = bytes;
				has_limit = true;
			} else if (as == W_SIZE && !has_size) {
				*size = bytes;
				has_size = true;
			}
			seen = W_NONE;	/* the word was this number's */
			since_limit = SIZE_MAX;
			continue;
		}
		i++;
	}
	return has_size || has_limit;
}
