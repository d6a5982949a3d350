/* Charset conversion to UTF-8 for bounce text (iconv) and RFC 2047 encoded-words. */
#include "config.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "ndr_charset.h"
#include "ndr_decode.h"
#include "text.h"
#include "xmalloc.h"

/* MIME names mapped to the glibc converter that reads what senders really write: Japanese
 * mail labelled Shift_JIS or ISO-2022-JP routinely carries the Windows (NEC/IBM) extensions. */
static const struct {
	const char *mime;
	const char *iconv;
} charset_alias[] = {
	{ "shift_jis", "CP932" },
	{ "shift-jis", "CP932" },
	{ "sjis", "CP932" },
	{ "x-sjis", "CP932" },
	{ "windows-31j", "CP932" },
	{ "cp932", "CP932" },
	{ "iso-2022-jp", "ISO-2022-JP-3" },
	{ "iso-2022-jp-2", "ISO-2022-JP-2" },
	{ "euc-jp", "EUC-JP-MS" },
	{ "x-euc-jp", "EUC-JP-MS" },
	{ "ks_c_5601-1987", "CP949" },
	{ "gb2312", "GB18030" },
	{ "gbk", "GB18030" },
	{ "utf8", "UTF-8" },
};

/* RFC 3629 well-formedness is text.c's (JSON via jansson accepts exactly that). */
bool
ndr_is_utf8(const char *s, size_t len)
{
	return text_is_utf8(s, len);
}

/* A copy of in/in_len with its NULs as spaces (NUL-terminated; the strings of an ndr are C
 * strings): what ASCII and valid UTF-8 become. */
static char *
copy_nul_as_space(const char *in, size_t in_len, size_t *out_len)
{
	char *out = xmalloc(in_len + 1), *nul;

	memcpy(out, in, in_len);
	out[in_len] = '\0';
	for (nul = memchr(out, '\0', in_len); nul != NULL;
	    nul = memchr(nul, '\0', in_len - (size_t)(nul - out)))
		*nul = ' ';
	*out_len = in_len;
	return out;
}

/* Copy replacing every byte that is not part of a well-formed UTF-8 sequence with '?'. */
static char *
utf8_sanitize(const char *in, size_t in_len, size_t *out_len)
{
	char *out = xmalloc(in_len + 1);
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, o = 0;

	while (i < in_len) {
		if (p[i] < 0x80) {
			out[o++] = p[i] != '\0' ? (char)p[i] : ' ';
			i++;
			continue;
		}
		size_t n = text_utf8_seq(p + i, in_len - i);

		if (n == 0) {
			out[o++] = '?';
			i++;
			continue;
		}
		memcpy(out + o, in + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

/* Run iconv over the whole input, skipping bytes it cannot convert. NULL when the
 * converter does not exist or when strict and a byte does not convert. */
/* iconv_open() loads gconv modules and costs more than converting a bounce, so the
 * converters of the last few charsets stay open for the life of the process (bounded),
 * a set per thread (an iconv_t is not to be shared). */
#define CD_CACHE	6
static _Thread_local struct {
	char name[32];
	iconv_t cd;
} cd_cache[CD_CACHE];
static _Thread_local size_t cd_next;

static iconv_t
cd_get(const char *from)
{
	size_t i;
	iconv_t cd;

	for (i = 0; i < CD_CACHE; i++)
		if (cd_cache[i].name[0] != '\0' && strcmp(cd_cache[i].name, from) == 0) {
			iconv(cd_cache[i].cd, NULL, NULL, NULL, NULL);	/* initial state */
			return cd_cache[i].cd;
		}
	cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1 || strlen(from) >= sizeof(cd_cache[0].name))
		return cd;
	i = cd_next++ % CD_CACHE;
	if (cd_cache[i].name[0] != '\0')
		iconv_close(cd_cache[i].cd);
	snprintf(cd_cache[i].name, sizeof(cd_cache[i].name), "%s", from);
	cd_cache[i].cd = cd;
	return cd;
}

void
ndr_charset_thread_end(void)
{
	size_t i;

	for (i = 0; i < CD_CACHE; i++)
		if (cd_cache[i].name[0] != '\0') {
			iconv_close(cd_cache[i].cd);
			cd_cache[i].name[0] = '\0';
		}
}

/* Converters too long-named for the cache are closed after use. */
static void
cd_put(const char *from, iconv_t cd)
{
	if (strlen(from) >= sizeof(cd_cache[0].name))
		iconv_close(cd);
}

static char *
convert(const char *from, const char *in, size_t in_len, bool strict, size_t *out_len)
{
	iconv_t cd = cd_get(from);
	char *out, *op;
	char *ip = (char *)(uintptr_t)in;
	size_t cap, ileft = in_len, oleft;

	if (cd == (iconv_t)-1)
		return NULL;
	/* a byte of a CJK charset becomes at most 4 bytes of UTF-8 (3 for the BMP) */
	cap = in_len * 4 + 16;
	out = xmalloc(cap);
	op = out;
	oleft = cap - 1;
	while (ileft > 0) {
		size_t r = iconv(cd, &ip, &ileft, &op, &oleft);

		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			break;	/* cannot happen with the bound above; stop rather than grow */
		if (strict) {
			free(out);
			cd_put(from, cd);
			return NULL;
		}
		/* EILSEQ/EINVAL: emit '?', skip one byte, reset the shift state */
		if (oleft > 0) {
			*op++ = '?';
			oleft--;
		}
		ip++;
		ileft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	iconv(cd, NULL, NULL, &op, &oleft);
	cd_put(from, cd);
	*op = '\0';
	*out_len = (size_t)(op - out);
	return out;
}

static bool
has_jis_escape(const char *in, size_t in_len)
{
	const char *p = memchr(in, 0x1b, in_len);

	while (p != NULL && (size_t)(p - in) + 2 < in_len) {
		if ((p[1] == '$' && (p[2] == 'B' || p[2] == '@')) || (p[1] == '(' && p[2] == 'J'))
			return true;
		p = memchr(p + 1, 0x1b, in_len - (size_t)(p + 1 - in));
	}
	return false;
}

static bool
is_ascii(const char *in, size_t in_len)
{
	size_t i = 0;

#ifdef __SSE2__
	/* 16 bytes at a time: every part of every bounce passes here */
	const __m128i esc = _mm_set1_epi8(0x1b);

	for (; i + 16 <= in_len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(in + i));

		if (_mm_movemask_epi8(_mm_or_si128(x, _mm_cmpeq_epi8(x, esc))) != 0)
			return false;
	}
#endif
	for (; i < in_len; i++)
		if ((unsigned char)in[i] >= 0x80 || in[i] == 0x1b)
			return false;
	return true;
}

bool
ndr_charset_is_identity(const char *in, size_t in_len)
{
	/* what ndr_charset_to_utf8() copies as it is: ASCII, and no NUL to make a space */
	return is_ascii(in, in_len) && memchr(in, '\0', in_len) == NULL;
}

char *
ndr_charset_to_utf8(const char *charset, const char *in, size_t in_len, size_t *out_len)
{
	const char *conv = NULL;
	char *out;
	size_t i, len;

	if (out_len == NULL)
		out_len = &len;
	/* plain ASCII is the common case and needs no converter: a copy, NULs as spaces */
	if (is_ascii(in, in_len))
		return copy_nul_as_space(in, in_len, out_len);
	if (charset != NULL && charset[0] != '\0' && strcasecmp(charset, "us-ascii") != 0 &&
	    strcasecmp(charset, "utf-8") != 0) {
		for (i = 0; i < sizeof(charset_alias) / sizeof(charset_alias[0]); i++)
			if (strcasecmp(charset, charset_alias[i].mime) == 0)
				conv = charset_alias[i].iconv;
		if (conv == NULL)
			conv = charset;
		/* ISO-2022-JP labelled text is often really ISO-2022-JP-2 or plain
		 * UTF-8/8-bit mislabelled; guess when the label does not fit */
		if (!has_jis_escape(in, in_len) && strncasecmp(charset, "iso-2022-jp", 11) == 0)
			conv = NULL;
		if (conv != NULL) {
			out = convert(conv, in, in_len, false, out_len);
			if (out != NULL)
				return out;
		}
	}
	if (has_jis_escape(in, in_len)) {
		out = convert("ISO-2022-JP-3", in, in_len, true, out_len);
		if (out == NULL)
			out = convert("ISO-2022-JP-2", in, in_len, false, out_len);
		if (out != NULL)
			return out;
	}
	/* valid UTF-8 keeps every byte but NUL */
	if (ndr_is_utf8(in, in_len))
		return copy_nul_as_space(in, in_len, out_len);
	out = convert("EUC-JP-MS", in, in_len, true, out_len);
	if (out == NULL)
		out = convert("CP932", in, in_len, true, out_len);
	if (out != NULL)
		return out;
	return utf8_sanitize(in, in_len, out_len);
}

/* One encoded-word at in (which starts with "=?"): decoded into *dec, and the length
 * consumed. 0 when it is not a well-formed encoded-word. */
static size_t
encoded_word(const char *in, size_t in_len, char **dec, size_t *dec_len)
{
	const char *cs, *q1, *q2, *end;
	char charset[64], *raw;
	size_t cs_len, raw_len;
	char *lang;

	if (in_len < 8 || in[0] != '=' || in[1] != '?')
		return 0;
	cs = in + 2;
	q1 = memchr(cs, '?', in_len - 2);
	if (q1 == NULL || (size_t)(q1 - in) + 3 >= in_len || q1[2] != '?')
		return 0;
	q2 = q1 + 2;
	end = NULL;
	for (const char *p = q2 + 1; p + 1 < in + in_len; p++) {
		if (p[0] == '?' && p[1] == '=') {
			end = p;
			break;
		}
		if (*p == '\n' || *p == '\r')
			return 0;
	}
	if (end == NULL)
		return 0;
	cs_len = (size_t)(q1 - cs);
	if (cs_len == 0 || cs_len >= sizeof(charset))
		return 0;
	memcpy(charset, cs, cs_len);
	charset[cs_len] = '\0';
	/* RFC 2231 section 5: charset*language */
	lang = strchr(charset, '*');
	if (lang != NULL)
		*lang = '\0';
	if (q1[1] == 'B' || q1[1] == 'b')
		raw = ndr_decode_base64(q2 + 1, (size_t)(end - q2 - 1), &raw_len);
	else if (q1[1] == 'Q' || q1[1] == 'q')
		raw = ndr_decode_qp(q2 + 1, (size_t)(end - q2 - 1), 1, &raw_len);
	else
		return 0;
	*dec = ndr_charset_to_utf8(charset, raw, raw_len, dec_len);
	free(raw);
	return (size_t)(end + 2 - in);
}

/* Is there an "=?" in in/in_len? (memchr: memmem costs more to set up than these short
 * values take to scan) */
static bool
has_word_start(const char *in, size_t in_len)
{
	const char *eq = memchr(in, '=', in_len);

	while (eq != NULL && eq + 1 < in + in_len) {
		if (eq[1] == '?')
			return true;
		eq = memchr(eq + 1, '=', in_len - (size_t)(eq + 1 - in));
	}
	return false;
}

/* A header value without encoded-words: its bytes, guessed like a body when they are not
 * UTF-8 (raw 8-bit in a header). */
static char *
header_as_is(const char *in, size_t in_len)
{
	if (!ndr_is_utf8(in, in_len))
		return ndr_charset_to_utf8(NULL, in, in_len, NULL);
	return xstrndup(in, in_len);
}

char *
ndr_rfc2047_decode(const char *in, size_t in_len)
{
	/* every decoded word is shorter than its encoding times 4 (UTF-8 growth) */
	size_t cap, o = 0, i = 0, pending_ws = 0;
	char *out;
	bool last_was_word = false;

	/* most header values hold no encoded-word: the value itself, as UTF-8 */
	if (!has_word_start(in, in_len))
		return header_as_is(in, in_len);
	cap = in_len * 4 + 1;
	out = xmalloc(cap);

	while (i < in_len) {
		if (in[i] == '=' && i + 1 < in_len && in[i + 1] == '?') {
			char *dec = NULL;
			size_t dec_len = 0;
			size_t used = encoded_word(in + i, in_len - i, &dec, &dec_len);

			if (used > 0) {
				/* RFC 2047 6.2: blanks between adjacent encoded-words vanish */
				if (!last_was_word && pending_ws > 0) {
					memcpy(out + o, in + i - pending_ws, pending_ws);
					o += pending_ws;
				}
				pending_ws = 0;
				if (o + dec_len >= cap) {
					cap = o + dec_len + in_len + 1;
					out = xrealloc(out, cap);
				}
				memcpy(out + o, dec, dec_len);
				o += dec_len;
				free(dec);
				i += used;
				last_was_word = true;
				continue;
			}
		}
		if (in[i] == ' ' || in[i] == '\t') {
			pending_ws++;
			i++;
			continue;
		}
		if (pending_ws > 0) {
			memcpy(out + o, in + i - pending_ws, pending_ws);
			o += pending_ws;
			pending_ws = 0;
		}
		out[o++] = in[i++];
		last_was_word = false;
	}
	if (pending_ws > 0) {
		memcpy(out + o, in + in_len - pending_ws, pending_ws);
		o += pending_ws;
	}
	out[o] = '\0';
	{
		size_t clean_len;
		char *clean;

		if (ndr_is_utf8(out, o))
			return out;
		/* raw 8-bit in a header (no encoded-word): guess like a body */
		clean = ndr_charset_to_utf8(NULL, out, o, &clean_len);
		free(out);
		return clean;
	}
}
