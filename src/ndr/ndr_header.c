/* RFC 5322 header blocks of a bounce and its parts: unfolded fields and MIME parameters. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "err.h"
#include "ndr_header.h"
#include "xmalloc.h"

/* RFC 5322 3.6.8: field-name is printable ASCII except ':' and space. Every line of every
 * header block passes here: 16 bytes at a time up to the first ':' or other byte. */
static size_t
field_name_len(const char *p, size_t len)
{
	size_t i = 0;

#ifdef __SSE2__
	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		/* signed: bytes >= 0x80 are below 33 too */
		__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(33)),
		    _mm_cmpeq_epi8(x, _mm_set1_epi8(127))), _mm_cmpeq_epi8(x, _mm_set1_epi8(':')));
		unsigned mask = (unsigned)_mm_movemask_epi8(stop);

		if (mask != 0) {
			i += (size_t)__builtin_ctz(mask);
			return p[i] == ':' ? i : 0;
		}
	}
#endif
	for (; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ':')
			return i;
		if (c <= 32 || c >= 127)
			return 0;
	}
	return 0;
}

static size_t
line_end(const char *p, size_t len, size_t i)
{
	const char *nl = memchr(p + i, '\n', len - i);

	return nl != NULL ? (size_t)(nl - p) : len;
}

/* Room in the arena for its first used bytes to grow to need (values are only ever
 * appended to the last one). */
static void
arena_reserve(struct ndr_hdrs *h, size_t *cap, size_t need, size_t len)
{
	/* first 2 KB (most blocks fit), or the whole input when smaller */
	size_t c = *cap != 0 ? *cap : len + 1 < 2048 ? len + 1 : 2048;

	if (need <= *cap)
		return;
	while (c < need)
		c *= 2;
	h->arena = xrealloc(h->arena, c);
	*cap = c;
}

/* The block's fields, each value at its offset in h->arena; returns like ndr_hdrs_parse.
 * One allocation per block, not one per field and fold: blocks are parsed for the
 * bounce, each part and each copy of the original message. */
static size_t
parse_block(const char *p, size_t len, struct ndr_hdrs *h)
{
	size_t i = 0, used = 0, arena_cap = 0;
	struct ndr_hdr *cur = NULL;
	size_t cur_cap = 0, cur_len = 0;

	if (len >= 5 && memcmp(p, "From ", 5) == 0)
		i = line_end(p, len, 0) + 1;
	while (i < len) {
		size_t e = line_end(p, len, i), le = e;

		if (le > i && p[le - 1] == '\r')
			le--;
		if (le == i) {
			/* the empty line that ends the block */
			return e < len ? e + 1 : len;
		}
		if ((p[i] == ' ' || p[i] == '\t') && cur != NULL) {
			/* RFC 5322 2.2.3: unfold by dropping the line break. The fold's
			 * whitespace (FWS, 3.2.2: the blanks before the break and those that
			 * indent the next line) reads as one space: a Diagnostic-Code folded
			 * over lines shows as the server's words, not runs of tabs. Blanks
			 * within a line are the server's and stay. A value keeps growing while
			 * under 8 KB (cur_cap: the room it would have had on its own). */
			size_t s = i, add, sep;
			char *v = h->arena + cur->off;

			while (s < le && (p[s] == ' ' || p[s] == '\t'))
				s++;
			while (cur_len > 0 && (v[cur_len - 1] == ' ' || v[cur_len - 1] == '\t'))
				v[--cur_len] = '\0';
			used = cur->off + cur_len + 1;
			add = le - s;
			if (add == 0) {	/* a blank continuation line adds nothing */
				i = e + 1;
				continue;
			}
			sep = cur_len > 0 ? 1 : 0;
			if (cur_len + sep + add + 1 > cur_cap && cur_len < 8192)
				cur_cap = cur_len + sep + add + 64;
			if (cur_len + sep + add + 1 <= cur_cap) {
				arena_reserve(h, &arena_cap, cur->off + cur_len + sep + add + 1, len);
				v = h->arena + cur->off;
				if (sep > 0)
					v[cur_len++] = ' ';
				memcpy(v + cur_len, p + s, add);
				cur_len += add;
				v[cur_len] = '\0';
				used = cur->off + cur_len + 1;
			}
		} else {
			size_t nl = field_name_len(p + i, le - i), v;

			if (nl == 0) {
				/* not a header line: the block ends without an empty line */
				return h->n == 0 && cur == NULL ? 0 : i;
			}
			v = i + nl + 1;
			while (v < le && (p[v] == ' ' || p[v] == '\t'))
				v++;
			if (h->n < NDR_MAX_HEADERS) {
				cur = &h->h[h->n++];
				cur->name = p + i;
				cur->name_len = nl;
				cur_len = le - v;
				cur_cap = cur_len + 1;
				arena_reserve(h, &arena_cap, used + cur_len + 1, len);
				cur->off = used;
				memcpy(h->arena + used, p + v, cur_len);
				h->arena[used + cur_len] = '\0';
				used += cur_len + 1;
			} else {
				cur = NULL;
			}
		}
		i = e + 1;
	}
	return len;
}

size_t
ndr_hdrs_parse(const char *p, size_t len, struct ndr_hdrs *h)
{
	size_t body, k;

	h->n = 0;
	h->arena = NULL;
	body = parse_block(p, len, h);
	for (k = 0; k < h->n; k++)
		h->h[k].value = h->arena + h->h[k].off;
	return body;
}

void
ndr_hdrs_fini(struct ndr_hdrs *h)
{
	free(h->arena);
	h->arena = NULL;
	h->n = 0;
}

const char *
ndr_hdrs_get(const struct ndr_hdrs *h, const char *name)
{
	size_t i, nl = strlen(name);

	for (i = 0; i < h->n; i++)
		if (h->h[i].name_len == nl && strncasecmp(h->h[i].name, name, nl) == 0)
			return h->h[i].value;
	return NULL;
}

char *
ndr_hdr_mime_type(const char *value, char *buf, size_t buf_len)
{
	size_t o = 0;

	buf[0] = '\0';
	if (value == NULL || buf_len == 0)
		return buf;
	while (*value == ' ' || *value == '\t')
		value++;
	while (*value != '\0' && *value != ';' && !isspace((unsigned char)*value) &&
	    o + 1 < buf_len)
		buf[o++] = (char)tolower((unsigned char)*value++);
	buf[o] = '\0';
	return buf;
}

int
ndr_hdr_param(const char *value, const char *param, char *buf, size_t buf_len)
{
	size_t pl = strlen(param);
	const char *p = value;

	if (value == NULL)
		return MXD_ENOTFOUND;
	while ((p = strchr(p, ';')) != NULL) {
		size_t o = 0;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, param, pl) != 0)
			continue;
		p += pl;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			p++;
			while (*p != '\0' && *p != '"') {
				if (*p == '\\' && p[1] != '\0')
					p++;
				if (o + 1 >= buf_len)
					return MXD_ELIMIT;
				buf[o++] = *p++;
			}
		} else {
			while (*p != '\0' && *p != ';' && !isspace((unsigned char)*p)) {
				if (o + 1 >= buf_len)
					return MXD_ELIMIT;
				buf[o++] = *p++;
			}
		}
		buf[o] = '\0';
		return 0;
	}
	return MXD_ENOTFOUND;
}
