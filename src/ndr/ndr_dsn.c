/* RFC 3464 message/delivery-status: per-message and per-recipient fields. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ndr.h"
#include "ndr_dsn.h"
#include "ndr_header.h"
#include "xmalloc.h"

static int
is_status_edge(char c)
{
	return !(isdigit((unsigned char)c) || c == '.');
}

int
ndr_find_status(const char *s, size_t len, char *buf, size_t buf_len)
{
	const char *dot;
	size_t i, d = 1;

	/* a status is "c." at i: the dots, found by memchr(), name the places to try */
	while (len >= 5 && d <= len - 4 && (dot = memchr(s + d, '.', len - 4 - d + 1)) != NULL) {
		size_t j, d1, d2;

		i = (size_t)(dot - s) - 1;
		d = i + 2;
		if (s[i] != '2' && s[i] != '4' && s[i] != '5')
			continue;
		if (i > 0 && (!is_status_edge(s[i - 1]) || isalpha((unsigned char)s[i - 1])))
			continue;
		/* RFC 3463 2: subject is 1-3 digits, detail 1-3 digits */
		j = i + 2;
		for (d1 = 0; j < len && isdigit((unsigned char)s[j]) && d1 < 4; d1++)
			j++;
		if (d1 == 0 || d1 > 3 || j >= len || s[j] != '.')
			continue;
		j++;
		for (d2 = 0; j < len && isdigit((unsigned char)s[j]) && d2 < 4; d2++)
			j++;
		if (d2 == 0 || d2 > 3)
			continue;
		/* "5.1.1." ends a sentence; "5.1.1.2" is an address or version */
		if (j < len && s[j] == '.' && j + 1 < len && isdigit((unsigned char)s[j + 1]))
			continue;
		if (j < len && (isdigit((unsigned char)s[j]) || isalpha((unsigned char)s[j])))
			continue;
		if (j - i + 1 > buf_len)
			return 0;
		memcpy(buf, s + i, j - i);
		buf[j - i] = '\0';
		return 1;
	}
	return 0;
}

/* The first offset k >= i (k + 3 <= len) where '4' or '5' and two digits start, or len:
 * where a reply code other than a leading 2xx can be. */
static size_t
next_reply_at(const char *s, size_t len, size_t i)
{
#ifdef __SSE2__
	const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8('9');

	/* a block reads s[i .. i+17] */
	for (; i + 18 <= len; i += 16) {
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i d1 = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 1));
		__m128i d2 = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 2));
		__m128i lead = _mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8('4')),
		    _mm_cmpeq_epi8(c, _mm_set1_epi8('5')));
		__m128i digits = _mm_and_si128(
		    _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(d1, zero), d1),
		    _mm_cmpeq_epi8(_mm_min_epu8(d1, nine), d1)),
		    _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(d2, zero), d2),
		    _mm_cmpeq_epi8(_mm_min_epu8(d2, nine), d2)));
		unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(lead, digits));

		if (mask != 0)
			return i + (size_t)__builtin_ctz(mask);
	}
#endif
	for (; i + 3 <= len; i++)
		if ((s[i] == '4' || s[i] == '5') && isdigit((unsigned char)s[i + 1]) &&
		    isdigit((unsigned char)s[i + 2]))
			return i;
	return len;
}

int
ndr_find_reply(const char *s, size_t len, char *buf)
{
	size_t i;

	for (i = 0; i + 3 <= len; i++) {
		char c;

		/* past the start only 4xx and 5xx count: jump to the next such digits */
		if (i > 0 && (i = next_reply_at(s, len, i)) + 3 > len)
			break;
		c = s[i];
		if (c != '2' && c != '4' && c != '5')
			continue;
		if (!isdigit((unsigned char)s[i + 1]) || !isdigit((unsigned char)s[i + 2]))
			continue;
		if (s[i + 1] > '5')
			continue;
		/* preceded by start, blank, '#', '(' , ':' or '<'; followed by blank, '-',
		 * end, or ')' */
		if (i > 0 && !strchr(" \t#(:<[\"'=", s[i - 1]))
			continue;
		if (i + 3 < len && !strchr(" \t-)]\",;", s[i + 3]))
			continue;
		/* 2xx only counts at the start of the text: "250 ok" */
		if (c == '2' && i > 0)
			continue;
		memcpy(buf, s + i, 3);
		buf[3] = '\0';
		return 1;
	}
	return 0;
}

/* "rfc822; <a@b>" -> "a@b" */
static void
set_addr(char **dst, const char *v)
{
	const char *semi = strchr(v, ';');
	const char *s = semi != NULL ? semi + 1 : v;
	size_t len;

	while (*s == ' ' || *s == '\t' || *s == '<')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '>' || s[len - 1] == '\t'))
		len--;
	ndr_set_str(dst, s, len);
}

/* "smtp; 550 5.1.1 ..." -> type "smtp", text "550 5.1.1 ..." */
static void
set_typed(char **type, char **text, const char *v)
{
	const char *semi = strchr(v, ';');
	const char *s = v;

	if (semi != NULL && (size_t)(semi - v) < 24) {
		if (type != NULL) {
			char *t;

			ndr_set_str(type, v, (size_t)(semi - v));
			for (t = *type; *t != '\0'; t++)
				*t = (char)tolower((unsigned char)*t);
		}
		s = semi + 1;
	}
	ndr_set_str(text, s, ndr_utf8_prefix(s, strlen(s), NDR_MAX_DIAG));
}

#define FIELD_IS(f, s) ((f)->name_len == sizeof(s) - 1 && \
	strncasecmp((f)->name, s, sizeof(s) - 1) == 0)

/* One RFC 3464 2.3 per-recipient field. */
static void
rcpt_field(struct ndr_rcpt *r, const struct ndr_hdr *f)
{
	const char *v = f->value;
	char *a;

	if (FIELD_IS(f, "Final-Recipient")) {
		set_addr(&r->addr, v);
	} else if (FIELD_IS(f, "Original-Recipient")) {
		if (r->addr == NULL || r->addr[0] == '\0')
			set_addr(&r->addr, v);
	} else if (FIELD_IS(f, "Action")) {
		ndr_set_str(&r->action, v, strcspn(v, " \t("));
		for (a = r->action; *a != '\0'; a++)
			*a = (char)tolower((unsigned char)*a);
	} else if (FIELD_IS(f, "Status")) {
		ndr_find_status(v, strlen(v), r->status, sizeof(r->status));
	} else if (FIELD_IS(f, "Diagnostic-Code")) {
		set_typed(&r->diag_type, &r->diag, v);
		ndr_rcpt_evidence(r, v, strlen(v));
	} else if (FIELD_IS(f, "Remote-MTA")) {
		set_typed(NULL, &r->remote_mta, v);
	}
}

int
ndr_dsn_parse(struct ndr *n, const char *p, size_t len)
{
	size_t off = 0;
	int added = 0;

	n->has_dsn = true;
	/* RFC 3464 2.1: groups of fields separated by empty lines */
	while (off < len) {
		struct ndr_hdrs h;
		struct ndr_rcpt *r = NULL;
		size_t used, i;

		while (off < len && (p[off] == '\n' || p[off] == '\r' || p[off] == ' ' ||
		    p[off] == '\t'))
			off++;
		if (off >= len)
			break;
		used = ndr_hdrs_parse(p + off, len - off, &h);
		if (used == 0) {
			/* not a field: skip the line */
			const char *nl = memchr(p + off, '\n', len - off);

			off = nl != NULL ? (size_t)(nl - p) + 1 : len;
			continue;
		}
		/* count recipients in the group: with one, its fields may come in any order */
		{
			size_t n_final = 0;

			for (i = 0; i < h.n; i++)
				if (FIELD_IS(&h.h[i], "Final-Recipient"))
					n_final++;
			if (n_final == 0)
				for (i = 0; i < h.n; i++)
					if (FIELD_IS(&h.h[i], "Original-Recipient"))
						n_final = 1;
			if (n_final == 1) {
				r = ndr_rcpt_add(n);
				if (r != NULL)
					added++;
			}
			for (i = 0; i < h.n; i++) {
				const struct ndr_hdr *f = &h.h[i];

				if (FIELD_IS(f, "X-Postfix-Sender")) {
					/* Postfix's per-message field: the MAIL FROM address */
					if (n->envelope_sender == NULL)
						set_addr(&n->envelope_sender, f->value);
					continue;
				}
				if (FIELD_IS(f, "Reporting-MTA")) {
					if (n->reporting_mta == NULL)
						set_typed(NULL, &n->reporting_mta, f->value);
					continue;
				}
				if (n_final > 1 && FIELD_IS(f, "Final-Recipient")) {
					r = ndr_rcpt_add(n);
					if (r == NULL)
						break;
					added++;
				}
				if (r != NULL)
					rcpt_field(r, f);
			}
		}
		ndr_hdrs_fini(&h);
		if (used >= len - off)
			break;
		off += used;
	}
	return added;
}
