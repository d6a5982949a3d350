/* MIME structure of a bounce: walks nested multiparts (bounded depth and part count),
 * decodes each part and hands it to the DSN, ARF or text collectors. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ndr.h"
#include "ndr_charset.h"
#include "ndr_decode.h"
#include "ndr_dsn.h"
#include "ndr_header.h"
#include "ndr_mime.h"
#include "ndr_origin.h"
#include "xmalloc.h"

struct walk {
	struct ndr *n;
	size_t parts;
	/* the first text/html part, made text only when there is no text/plain: where it
	 * is in the input, its transfer encoding as ndr_mime_decode() reads it, charset */
	const char *html;
	size_t html_len;
	const char *html_cte;
	char html_charset[64];
	bool has_plain;
};


char *
ndr_mime_decode(const char *cte, const char *charset, const char *p, size_t len,
    size_t *out_len)
{
	char *raw = NULL, *out;
	size_t raw_len = len;

	if (cte != NULL && strncasecmp(cte, "quoted-printable", 16) == 0)
		raw = ndr_decode_qp(p, len, 0, &raw_len);
	else if (cte != NULL && strncasecmp(cte, "base64", 6) == 0)
		raw = ndr_decode_base64(p, len, &raw_len);
	out = ndr_charset_to_utf8(charset, raw != NULL ? raw : p, raw_len, out_len);
	free(raw);
	return out;
}

static void
text_append(struct ndr *n, const char *s, size_t len)
{
	size_t room;

	if (n->text_len >= NDR_MAX_TEXT) {
		ndr_set_partial(n, "human-readable text over 256 KB");
		return;
	}
	room = NDR_MAX_TEXT - n->text_len;
	if (len > room) {
		len = room;
		/* never keep half of a UTF-8 sequence: back up to its lead byte */
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
		ndr_set_partial(n, "human-readable text over 256 KB");
	}
	n->text = xrealloc(n->text, n->text_len + len + 2);
	memcpy(n->text + n->text_len, s, len);
	n->text_len += len;
	n->text[n->text_len++] = '\n';
	n->text[n->text_len] = '\0';
}

/* A body taken as it is (no usable MIME structure): to UTF-8 first, like any text part. */
static void
text_append_raw(struct ndr *n, const char *p, size_t len)
{
	size_t dec_len;
	char *dec = ndr_charset_to_utf8(NULL, p, len, &dec_len);

	text_append(n, dec, dec_len);
	free(dec);
}

/* Text of an HTML part: tags dropped, <br> and </p> as line breaks, a few entities. */
static char *
html_to_text(const char *s, size_t len, size_t *out_len)
{
	char *out = xmalloc(len + 1);
	size_t i = 0, o = 0;

	while (i < len) {
		if (s[i] == '<') {
			const char *gt = memchr(s + i, '>', len - i);
			size_t tl;

			if (gt == NULL)
				break;
			tl = (size_t)(gt - (s + i));
			if ((tl >= 3 && strncasecmp(s + i + 1, "br", 2) == 0) ||
			    (tl >= 2 && strncasecmp(s + i + 1, "/p", 2) == 0) ||
			    (tl >= 3 && strncasecmp(s + i + 1, "/tr", 3) == 0) ||
			    (tl >= 4 && strncasecmp(s + i + 1, "/div", 4) == 0))
				out[o++] = '\n';
			/* skip <style> and <script> bodies */
			if (tl >= 6 && (strncasecmp(s + i + 1, "style", 5) == 0 ||
			    strncasecmp(s + i + 1, "script", 6) == 0)) {
				const char *end = NULL;
				size_t k;

				for (k = (size_t)(gt - s); k + 2 < len; k++)
					if (s[k] == '<' && s[k + 1] == '/') {
						end = s + k;
						break;
					}
				if (end != NULL) {
					gt = memchr(end, '>', len - (size_t)(end - s));
					if (gt == NULL)
						break;
				}
			}
			i = (size_t)(gt - s) + 1;
			continue;
		}
		if (s[i] == '&') {
			static const struct { const char *ent; char c; } ents[] = {
				{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
				{ "&nbsp;", ' ' }, { "&quot;", '"' }, { "&#39;", '\'' },
			};
			size_t k;
			bool done = false;

			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
				size_t el = strlen(ents[k].ent);

				if (len - i >= el && strncasecmp(s + i, ents[k].ent, el) == 0) {
					out[o++] = ents[k].c;
					i += el;
					done = true;
					break;
				}
			}
			if (done)
				continue;
		}
		if (s[i] != '\r')
			out[o++] = s[i];
		i++;
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

void
ndr_mime_original(struct ndr *n, const struct ndr_hdrs *h)
{
	static const struct { const char *name; size_t off; } want[] = {
		{ "From", offsetof(struct ndr, orig_from) },
		{ "To", offsetof(struct ndr, orig_to) },
		{ "Subject", offsetof(struct ndr, orig_subject) },
		{ "Message-ID", offsetof(struct ndr, orig_msgid) },
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char **dst = (char **)(void *)((char *)n + want[i].off);
		const char *v = ndr_hdrs_get(h, want[i].name);

		if (*dst == NULL && v != NULL)
			*dst = ndr_rfc2047_decode(v, strlen(v));
	}
	if (!n->orig_auth.has_headers)
		ndr_auth_headers(&n->orig_auth, h);
	ndr_origin_headers(n, h);
}

/* RFC 5965 3.1: the machine-readable part of an abuse report */
static void
feedback_part(struct ndr *n, const char *p, size_t len)
{
	struct ndr_hdrs h;
	const char *v;

	n->is_feedback = true;
	ndr_hdrs_parse(p, len, &h);
	v = ndr_hdrs_get(&h, "Feedback-Type");
	if (v != NULL && n->feedback_type == NULL)
		ndr_set_str(&n->feedback_type, v, strlen(v));
	v = ndr_hdrs_get(&h, "Original-Rcpt-To");
	if (v != NULL && n->n_rcpts == 0) {
		struct ndr_rcpt *r = ndr_rcpt_add(n);

		if (r != NULL)
			ndr_set_str(&r->addr, v + strspn(v, " <"), strcspn(v + strspn(v, " <"), ">"));
	}
	ndr_hdrs_fini(&h);
}

static void walk_entity(struct walk *w, const struct ndr_hdrs *h, const char *p, size_t len,
    const char *default_type, int depth);

/* p/len as ndr_mime_decode() gives it, without a copy where that is p/len itself (no
 * transfer encoding to undo, nothing to convert: most parts are ASCII as they are).
 * *to_free is what the caller frees, NULL then. */
static const char *
decode_view(const char *cte, const char *charset, const char *p, size_t len,
    size_t *out_len, char **to_free)
{
	if ((cte == NULL || (strncasecmp(cte, "quoted-printable", 16) != 0 &&
	    strncasecmp(cte, "base64", 6) != 0)) && ndr_charset_is_identity(p, len)) {
		*to_free = NULL;
		*out_len = len;
		return p;
	}
	return *to_free = ndr_mime_decode(cte, charset, p, len, out_len);
}

/* The first delimiter line at or after from: a delimiter starts a line (RFC 2046 5.1.1),
 * so after a '-' that does not start one the search goes on at the next line. */
static const char *
find_boundary(const char *p, size_t len, const char *delim, size_t dlen, size_t from)
{
	size_t i = from;

	while (i + dlen <= len) {
		const char *q = memchr(p + i, '-', len - i - dlen + 1), *nl;

		if (q == NULL)
			return NULL;
		if ((q == p || q[-1] == '\n') && memcmp(q, delim, dlen) == 0)
			return q;
		nl = memchr(q, '\n', len - (size_t)(q - p));
		if (nl == NULL)
			return NULL;
		i = (size_t)(nl - p) + 1;
	}
	return NULL;
}

static void
walk_multipart(struct walk *w, const char *ctype, const char *ct_value, const char *p,
    size_t len, int depth)
{
	char boundary[200], delim[204];
	const char *cur, *next;
	size_t dlen;

	if (ndr_hdr_param(ct_value, "boundary", boundary, sizeof(boundary)) != 0) {
		text_append_raw(w->n, p, len);
		return;
	}
	/* "--" and the boundary (under 200 bytes: it always fits) */
	dlen = strlen(boundary) + 2;
	if (dlen >= sizeof(delim))
		return;
	memcpy(delim, "--", 2);
	memcpy(delim + 2, boundary, dlen - 2 + 1);
	cur = find_boundary(p, len, delim, dlen, 0);
	if (cur == NULL) {
		/* the declared boundary is not in the body (broken generators): take the
		 * first line that looks like a delimiter */
		const char *q = find_boundary(p, len, "--", 2, 0);
		size_t bl;

		while (q != NULL && (q[2] == '-' || q[2] == ' ' || q[2] == '\r' || q[2] == '\n'))
			q = find_boundary(p, len, "--", 2, (size_t)(q - p) + 1);
		if (q == NULL) {
			text_append_raw(w->n, p, len);
			return;
		}
		/* the input need not be NUL-terminated: stay inside it */
		for (bl = 0; q + bl < p + len && q[bl] != '\r' && q[bl] != '\n'; bl++)
			;
		if (bl >= sizeof(delim) || bl > (size_t)(p + len - q))
			return;
		memcpy(delim, q, bl);
		delim[bl] = '\0';
		dlen = bl;
		cur = q;
	}
	while (cur != NULL) {
		const char *body = cur + dlen;
		size_t rest = len - (size_t)(body - p), part_len, hoff;
		struct ndr_hdrs ph;

		if (rest >= 2 && body[0] == '-' && body[1] == '-')
			break;	/* close-delimiter */
		/* skip the rest of the delimiter line */
		{
			const char *nl = memchr(body, '\n', rest);

			if (nl == NULL)
				break;
			body = nl + 1;
		}
		next = find_boundary(p, len, delim, dlen, (size_t)(body - p));
		part_len = (size_t)((next != NULL ? next : p + len) - body);
		if (++w->parts > NDR_MAX_PARTS) {
			ndr_set_partial(w->n, "more than 64 MIME parts");
			return;
		}
		hoff = ndr_hdrs_parse(body, part_len, &ph);
		walk_entity(w, &ph, body + hoff, part_len - hoff,
		    strcmp(ctype, "multipart/digest") == 0 ? "message/rfc822" : "text/plain",
		    depth + 1);
		ndr_hdrs_fini(&ph);
		cur = next;
	}
}

static void
walk_entity(struct walk *w, const struct ndr_hdrs *h, const char *p, size_t len,
    const char *default_type, int depth)
{
	const char *ct = ndr_hdrs_get(h, "Content-Type");
	const char *cte = ndr_hdrs_get(h, "Content-Transfer-Encoding");
	char ctype[80], charset[64];
	char *dec;
	size_t dec_len;

	if (depth > NDR_MAX_DEPTH) {
		ndr_set_partial(w->n, "MIME nesting deeper than 8");
		return;
	}
	ndr_hdr_mime_type(ct, ctype, sizeof(ctype));
	if (ctype[0] == '\0')
		strcpy(ctype, default_type);	/* "text/plain" or "message/rfc822" */
	if (ndr_hdr_param(ct, "charset", charset, sizeof(charset)) != 0)
		charset[0] = '\0';

	if (strncmp(ctype, "multipart/", 10) == 0) {
		walk_multipart(w, ctype, ct, p, len, depth);
	} else if (strcmp(ctype, "message/delivery-status") == 0 ||
	    strcmp(ctype, "message/global-delivery-status") == 0) {
		/* a second DSN part (forwarded bounces) adds nothing reliable */
		if (!w->n->has_dsn) {
			const char *d = decode_view(cte, "utf-8", p, len, &dec_len, &dec);

			ndr_dsn_parse(w->n, d, dec_len);
			free(dec);
		}
	} else if (strcmp(ctype, "message/feedback-report") == 0) {
		dec = ndr_mime_decode(cte, NULL, p, len, &dec_len);
		feedback_part(w->n, dec, dec_len);
		free(dec);
	} else if (strcmp(ctype, "message/rfc822") == 0 || strcmp(ctype, "message/global") == 0 ||
	    strcmp(ctype, "text/rfc822-headers") == 0 ||
	    strcmp(ctype, "message/global-headers") == 0 ||
	    strcmp(ctype, "message/partial") == 0) {
		struct ndr_hdrs oh;
		const char *q = p;
		size_t ql = len;

		dec = NULL;
		if (cte != NULL && (strncasecmp(cte, "base64", 6) == 0 ||
		    strncasecmp(cte, "quoted-printable", 16) == 0)) {
			dec = ndr_mime_decode(cte, NULL, p, len, &dec_len);
			q = dec;
			ql = dec_len;
		}
		while (ql > 0 && (*q == '\n' || *q == '\r')) {
			q++;
			ql--;
		}
		ndr_hdrs_parse(q, ql, &oh);
		ndr_mime_original(w->n, &oh);
		ndr_hdrs_fini(&oh);
		free(dec);
	} else if (strcmp(ctype, "text/html") == 0) {
		if (w->html == NULL) {
			w->html = p;
			w->html_len = len;
			w->html_cte = cte == NULL ? NULL : strncasecmp(cte, "quoted-printable",
			    16) == 0 ? "quoted-printable" : strncasecmp(cte, "base64", 6) == 0 ?
			    "base64" : NULL;
			snprintf(w->html_charset, sizeof(w->html_charset), "%s", charset);
		}
	} else if (strncmp(ctype, "text/", 5) == 0) {
		/* text/plain and the odd text/x-* of appliances */
		const char *d = decode_view(cte, charset, p, len, &dec_len, &dec);

		text_append(w->n, d, dec_len);
		free(dec);
		w->has_plain = true;
	}
	/* other types (images, application) carry nothing about the failure */
}

void
ndr_mime_walk(struct ndr *n, const struct ndr_hdrs *h, const char *p, size_t len,
    size_t body_off)
{
	struct walk w = { .n = n };

	walk_entity(&w, h, p + body_off, len - body_off, "text/plain", 0);
	if (!w.has_plain && w.html != NULL) {
		size_t dec_len, t_len;
		char *dec = ndr_mime_decode(w.html_cte, w.html_charset, w.html, w.html_len,
		    &dec_len);
		char *t = html_to_text(dec, dec_len, &t_len);

		text_append(n, t, t_len);
		free(t);
		free(dec);
	}
}
