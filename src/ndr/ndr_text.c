/* Human-readable bounce text: finds the failed recipients, the server's words about each,
 * the status and reply codes, and where the copy of the original message begins. Covers
 * the text/plain bounces of the common MTAs, pasted NDRs, MTA log lines and bare strings. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ndr.h"
#include "ndr_dsn.h"
#include "ndr_header.h"
#include "ndr_mime.h"
#include "ndr_multi.h"
#include "ndr_search.h"
#include "ndr_text.h"
#include "xmalloc.h"

#define MAX_LINES	4000	/* lines of human text looked at */
#define BLOCK_LINES	8	/* lines after a recipient that speak about it */

struct line {
	const char *s;		/* trimmed, into n->text */
	size_t len;
	/* line_has_rcpt()'s answer, kept: rcpt_block() asks it of the same lines for each
	 * recipient. -1: not asked yet; 1: the address at s + rcpt_at, rcpt_len bytes */
	int8_t rcpt;
	uint16_t rcpt_len;
	uint32_t rcpt_at;
};

struct scan {
	struct ndr *n;
	struct line *lines;	/* line_buf */
	size_t n_lines;		/* human lines only: before the original message */
};

/* The lines of the bounce being scanned: a fixed array per thread, not a malloc() per
 * bounce (an allocation this size made glibc consolidate its free chunks each time). */
static _Thread_local struct line line_buf[MAX_LINES];

/* Where MTAs start the copy of the original message (lower case); what follows is not
 * the server's words and must not be read as the failure. */
static const char *const orig_markers[] = {
	"below this line is a copy of the message",
	"below is a copy of the original message", /* OpenSMTPD */
	"this is a copy of the message",
	"original message follows",
	"unsent message follows",
	"original message headers",
	"original message header",
	"----- original message -----",
	"-----original message-----",
	"--- original message ---",
	"message headers follow",
	"headers of your message follow",
	"header of the original message",
	"the header of the original message",
	"your message reads",
	"content-type: message/rfc822",
	"元のメッセージ ヘッダー",
	"元のメッセージヘッダー",
	"元のメッセージ",
	"以下、元のメッセージ",
	"原文",
};

/* Words right before an address that make it the one the delivery was for. */
static const char *const delivery_words[] = { "delivered to ", "deliver to ", "delivery to " };

/* Labels that introduce the sender, never a recipient (lower case). */
static const char *const sender_labels[] = {
	"from", "sender", "reply-to", "return-path", "mail from", "envelope-from",
	"x-sender", "errors-to", "送信者", "差出人", "送信元",
};

static bool
is_separator(const struct line *l)
{
	size_t i, n = 0;

	if (l->len < 5)
		return false;
	for (i = 0; i < l->len; i++) {
		char c = l->s[i];

		if (c == '-' || c == '=' || c == '_' || c == '*' || c == '#')
			n++;
		else if (c != ' ')
			return false;
	}
	return n >= 5;
}

#define N_MARKERS (sizeof(orig_markers) / sizeof(orig_markers[0]))

/* The markers as one set, built once per thread. */
static const struct ndr_multi *
marker_set(void)
{
	static _Thread_local struct ndr_multi m;
	static _Thread_local bool ready;

	if (!ready) {
		ndr_multi_init(&m, orig_markers, N_MARKERS);
		ready = true;
	}
	return &m;
}

/* Where the first marker of the table that is in the line at text + off (len bytes)
 * starts. The line holds the text's first marker, at offset first. */
static const char *
marker_in_line(const char *text, size_t off, size_t len, size_t first)
{
	const char *at[N_MARKERS];
	uint32_t seen = ndr_multi_first_each(marker_set(), text, off + len, first,
	    (1u << N_MARKERS) - 1, at);

	/* every marker in the line, each where it first is: the table's order wins */
	return at[__builtin_ctz(seen)];
}

/* Split the text into trimmed lines; cut at the original message: in the first line
 * holding a marker, where the first marker of the table in that line starts (a pasted
 * one-line NDR has it mid-line). Markers hold no line break, so the text's first marker
 * (one pass for all of them) names that line. */
static void
split_lines(struct scan *sc)
{
	struct ndr *n = sc->n;
	size_t i = 0;
	size_t cut_at = n->text_len;
	uint32_t which;
	long first = ndr_multi_next(marker_set(), n->text, n->text_len, 0, &which);

	sc->lines = line_buf;
	sc->n_lines = 0;
	while (i < n->text_len && sc->n_lines < MAX_LINES) {
		const char *s = n->text + i;
		const char *nl = memchr(s, '\n', n->text_len - i);
		size_t len = nl != NULL ? (size_t)(nl - s) : n->text_len - i;
		size_t next = i + len + 1;
		bool is_cut = first >= 0 && (size_t)first < i + len;

		if (is_cut) {
			const char *m = marker_in_line(n->text, i, len, (size_t)first);

			len = (size_t)(m - s);
			cut_at = (size_t)(m - n->text);
		}
		while (len > 0 && isspace((unsigned char)*s)) {
			s++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		sc->lines[sc->n_lines].s = s;
		sc->lines[sc->n_lines].len = len;
		sc->lines[sc->n_lines].rcpt = -1;
		sc->n_lines++;
		if (is_cut)
			break;
		i = next;
	}
	n->human_len = cut_at < n->text_len ? cut_at : (i < n->text_len ? i : n->text_len);
	if (cut_at < n->text_len && n->orig_from == NULL) {
		/* the original headers follow the marker line, perhaps after blank lines */
		const char *p = n->text + cut_at;
		size_t left = n->text_len - cut_at, t;
		const char *nl = memchr(p, '\n', left);
		struct ndr_hdrs h;

		if (nl != NULL) {
			left -= (size_t)(nl + 1 - p);
			p = nl + 1;
		}
		for (t = 0; t < 4 && left > 0 && (*p == '\n' || *p == '\r' || *p == ' '); t++) {
			nl = memchr(p, '\n', left);
			if (nl == NULL)
				break;
			left -= (size_t)(nl + 1 - p);
			p = nl + 1;
		}
		ndr_hdrs_parse(p, left, &h);
		ndr_mime_original(n, &h);
		ndr_hdrs_fini(&h);
	}
}

static bool
addr_excluded(const struct ndr *n, const char *addr)
{
	const char *ex[3] = { n->bounce_from, n->orig_from, NULL };
	size_t i;

	for (i = 0; i < 2; i++)
		if (ex[i] != NULL && ndr_ci_find(ex[i], strlen(ex[i]), addr) != NULL)
			return true;
	if (strncmp(addr, "mailer-daemon@", 14) == 0)
		return true;
	return false;
}

/* Is the address at offset a of line l in a recipient position? */
static bool
is_rcpt_position(const struct line *l, size_t a, size_t addr_len)
{
	const char *s = l->s;
	size_t before = a, after = a + addr_len;
	size_t k;

	/* strip an opening "<", "mailto:" or quote */
	while (before > 0 && (s[before - 1] == '<' || s[before - 1] == '"' ||
	    s[before - 1] == '\''))
		before--;
	if (before == 0) {
		/* the line starts with the address: qmail, Postfix text, Exchange, Exim */
		return true;
	}
	/* "550 5.1.1 <addr>... User unknown" (sendmail) and ">>> RCPT To:<addr>" */
	if (after + 3 <= l->len && s[after] == '>' && after + 4 <= l->len &&
	    memcmp(s + after + 1, "...", 3) == 0)
		return true;
	if (ndr_ci_find(s, before, "rcpt to:") != NULL)
		return true;
	/* prose: "Your message wasn't delivered to addr because ..." (Gmail), "could not be
	 * delivered to addr", "delivery to addr failed" */
	for (k = 0; k < sizeof(delivery_words) / sizeof(delivery_words[0]); k++) {
		size_t wl = strlen(delivery_words[k]);

		if (before >= wl && ndr_ci_find(s + before - wl, wl, delivery_words[k]) != NULL)
			return true;
	}
	if (ndr_ci_find(s, before, "to=") != NULL && before >= 3 &&
	    ndr_ci_find(s + before - 3, 3, "to=") != NULL)
		return true;
	/* "Recipient: addr", "宛先: addr": a short label ending in ':' */
	if (before < 48) {
		size_t e = before;

		while (e > 0 && s[e - 1] == ' ')
			e--;
		if (e > 0 && (s[e - 1] == ':' || (e >= 3 && memcmp(s + e - 3, "：", 3) == 0))) {
			for (k = 0; k < sizeof(sender_labels) / sizeof(sender_labels[0]); k++)
				if (ndr_ci_find(s, e, sender_labels[k]) != NULL)
					return false;
			if (ndr_ci_find(s, e, "recipient") != NULL ||
			    ndr_ci_find(s, e, "to:") != NULL ||
			    ndr_ci_find(s, e, "address") != NULL ||
			    ndr_ci_find(s, e, "user") != NULL ||
			    ndr_ci_find(s, e, "宛先") != NULL ||
			    ndr_ci_find(s, e, "受信者") != NULL ||
			    ndr_ci_find(s, e, "あて先") != NULL)
				return true;
		}
	}
	return false;
}

static struct ndr_rcpt *
find_rcpt(struct ndr *n, const char *addr)
{
	size_t i;

	for (i = 0; i < n->n_rcpts; i++)
		if (n->rcpts[i].addr != NULL && strcasecmp(n->rcpts[i].addr, addr) == 0)
			return &n->rcpts[i];
	return NULL;
}

/* Which line holds a recipient address in recipient position (index into lines). */
static bool
find_line_rcpt(const struct line *l, const struct ndr *n, char *addr, size_t addr_len,
    size_t *at)
{
	size_t pos = 0;
	long a;

	while ((a = ndr_text_find_addr(l->s, l->len, &pos, addr, addr_len)) >= 0) {
		if (addr_excluded(n, addr))
			continue;
		if (is_rcpt_position(l, (size_t)a, strlen(addr))) {
			*at = (size_t)a;
			return true;
		}
	}
	return false;
}

/* The same, its address (lower case) into addr[NDR_ADDR_MAX]; worked out once per line. */
static bool
line_has_rcpt(const struct scan *sc, size_t li, char addr[NDR_ADDR_MAX])
{
	struct line *l = &sc->lines[li];
	size_t k, at;

	if (l->rcpt < 0) {
		l->rcpt = find_line_rcpt(l, sc->n, addr, NDR_ADDR_MAX, &at);
		if (l->rcpt) {
			l->rcpt_at = (uint32_t)at;
			l->rcpt_len = (uint16_t)strlen(addr);
		}
		return l->rcpt;
	}
	if (!l->rcpt)
		return false;
	for (k = 0; k < l->rcpt_len; k++)
		addr[k] = (char)tolower((unsigned char)l->s[l->rcpt_at + k]);
	addr[l->rcpt_len] = '\0';
	return true;
}

static void
discover_rcpts(struct scan *sc)
{
	char addr[NDR_ADDR_MAX];
	size_t i;

	for (i = 0; i < sc->n_lines; i++) {
		if (!line_has_rcpt(sc, i, addr))
			continue;
		if (find_rcpt(sc->n, addr) == NULL) {
			struct ndr_rcpt *r = ndr_rcpt_add(sc->n);

			if (r == NULL)
				return;
			r->addr = xstrdup(addr);
		}
	}
}

/* Postfix/sendmail log line: "to=<a@b>, relay=..., dsn=5.1.1, status=bounced (...)" */
static void
log_lines(struct scan *sc)
{
	size_t i;

	/* the lines lie in order in the text: none holds "to=<" when their span does not */
	if (sc->n_lines == 0 || ndr_ci_find(sc->lines[0].s, (size_t)(sc->lines[sc->n_lines - 1].s +
	    sc->lines[sc->n_lines - 1].len - sc->lines[0].s), "to=<") == NULL)
		return;
	for (i = 0; i < sc->n_lines; i++) {
		const struct line *l = &sc->lines[i];
		const char *to = ndr_ci_find(l->s, l->len, "to=<"), *st, *dsn;
		const char *end = l->s + l->len;
		struct ndr_rcpt *r;
		char addr[NDR_ADDR_MAX];
		size_t al;

		/* most lines have no "to=<": the other fields are looked for after it */
		if (to == NULL || (st = ndr_ci_find(l->s, l->len, "status=")) == NULL)
			continue;
		dsn = ndr_ci_find(l->s, l->len, "dsn=");
		to += 4;
		al = strcspn(to, ">,");
		if (to + al > end || al == 0 || al >= sizeof(addr))
			continue;
		memcpy(addr, to, al);
		addr[al] = '\0';
		r = find_rcpt(sc->n, addr);
		if (r == NULL) {
			r = ndr_rcpt_add(sc->n);
			if (r == NULL)
				return;
			r->addr = xstrdup(addr);
		}
		st += 7;
		if (strncmp(st, "deferred", 8) == 0)
			ndr_set_str(&r->action, "delayed", 7);
		else if (strncmp(st, "sent", 4) == 0)
			ndr_set_str(&r->action, "delivered", 9);
		else
			ndr_set_str(&r->action, "failed", 6);
		if (dsn != NULL && r->status[0] == '\0')
			ndr_find_status(dsn + 4, (size_t)(end - dsn - 4), r->status,
			    sizeof(r->status));
		{
			const char *paren = memchr(st, '(', (size_t)(end - st));

			if (paren != NULL && r->diag == NULL) {
				size_t dl = (size_t)(end - paren - 1);

				if (dl > 0 && paren[dl] == ')')
					dl--;
				ndr_set_str(&r->diag, paren + 1,
				    ndr_utf8_prefix(paren + 1, dl, NDR_MAX_DIAG));
			}
		}
		ndr_rcpt_evidence(r, l->s, l->len);
	}
}

/* Append s/len to a bounded one-line buffer, separated by a space. */
static void
buf_add(char *buf, size_t *o, size_t cap, const char *s, size_t len)
{
	if (*o > 0 && *o + 1 < cap)
		buf[(*o)++] = ' ';
	len = ndr_utf8_prefix(s, len, cap - 1 - *o);
	memcpy(buf + *o, s, len);
	*o += len;
	buf[*o] = '\0';
}

/* Does this line carry an SMTP reply or status code, i.e. the server's own words? */
static bool
has_code(const struct line *l)
{
	char st[16], rc[4];

	return ndr_find_status(l->s, l->len, st, sizeof(st)) || ndr_find_reply(l->s, l->len, rc);
}

/* "<user@example.org>: Host or domain name not found. ...": the words after the address
 * on its own line are the server's too, when there are some. */
static void
rest_of_rcpt_line(const struct line *l, const char *addr, char *diag, size_t *dox, size_t cap)
{
	const char *a = ndr_ci_find(l->s, l->len, addr), *end = l->s + l->len;

	if (a == NULL)
		return;
	a += strlen(addr);
	while (a < end && (*a == '>' || *a == ':' || *a == ' ' || *a == '.' || *a == ','))
		a++;
	if (end - a > 8)
		buf_add(diag, dox, cap, a, (size_t)(end - a));
}

/* The first line from i on that holds needle, or n_lines: one search over the lines'
 * span, not one per line (the lines lie in the text in order, apart). */
static size_t
next_line_with(const struct scan *sc, size_t i, const char *needle)
{
	size_t nl = strlen(needle);
	const char *from, *end;

	if (i >= sc->n_lines)
		return sc->n_lines;
	from = sc->lines[i].s;
	end = sc->lines[sc->n_lines - 1].s + sc->lines[sc->n_lines - 1].len;
	while (from < end) {
		const char *q = ndr_ci_find(from, (size_t)(end - from), needle);

		if (q == NULL)
			return sc->n_lines;
		/* the line it would end in; it counts when it starts there too */
		while (i < sc->n_lines && sc->lines[i].s + sc->lines[i].len < q + nl)
			i++;
		if (i == sc->n_lines)
			return i;
		if (sc->lines[i].s <= q)
			return i;
		from = q + 1;
	}
	return sc->n_lines;
}

/* Lines about recipient r: each line naming it in recipient position, what follows that
 * address on the line, and the lines after it up to a blank line, a separator or the next
 * recipient. Fills context, diag and evidence when still empty. */
static void
rcpt_block(struct scan *sc, struct ndr_rcpt *r)
{
	char ctx[NDR_MAX_DIAG], diag[NDR_MAX_DIAG], addr[NDR_ADDR_MAX];
	size_t co = 0, dox = 0, i, hits = 0, done_to = 0;
	bool want_ev = r->n_evidence == 0;

	ctx[0] = diag[0] = '\0';
	if (r->addr == NULL || r->addr[0] == '\0')
		return;
	for (i = next_line_with(sc, 0, r->addr); i < sc->n_lines && hits < 3;
	    i = next_line_with(sc, i + 1, r->addr)) {
		size_t k, end;

		if (!line_has_rcpt(sc, i, addr) || strcasecmp(addr, r->addr) != 0)
			continue;
		hits++;
		end = i + 1;
		for (k = i + 1; k < sc->n_lines && k <= i + BLOCK_LINES; k++) {
			if (sc->lines[k].len == 0 || is_separator(&sc->lines[k]))
				break;
			if (line_has_rcpt(sc, k, addr) &&
			    strcasecmp(addr, r->addr) != 0)
				break;
			end = k + 1;
		}
		/* Exim, qmail, Exchange: explanation starts after an empty line */
		if (end == i + 1 && i + 2 < sc->n_lines && sc->lines[i + 1].len == 0) {
			for (k = i + 2; k < sc->n_lines && k <= i + BLOCK_LINES; k++) {
				if (sc->lines[k].len == 0 || is_separator(&sc->lines[k]))
					break;
				if (line_has_rcpt(sc, k, addr))
					break;
				end = k + 1;
			}
		}
		/* a line already taken for an earlier mention is not repeated */
		for (k = i > done_to ? i : done_to; k < end; k++) {
			const struct line *b = &sc->lines[k];

			buf_add(ctx, &co, sizeof(ctx), b->s, b->len);
			if (has_code(b) || k > i)
				buf_add(diag, &dox, sizeof(diag), b->s, b->len);
			else
				rest_of_rcpt_line(b, r->addr, diag, &dox, sizeof(diag));
			if (want_ev)
				ndr_rcpt_evidence(r, b->s, b->len);
		}
		if (end > done_to)
			done_to = end;
	}
	if (co > 0 && r->context == NULL)
		r->context = xstrndup(ctx, co);
	if (dox > 0 && (r->diag == NULL || r->diag[0] == '\0'))
		ndr_set_str(&r->diag, diag, dox);	/* frees an empty Diagnostic-Code */
}

/* Exchange 2007 and later: "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##" */
static bool
exchange_segment(const char *s, size_t len, char *out, size_t out_len)
{
	const char *hash;
	size_t i = 0;

	/* the '#'s, found by memchr(), are the places to try */
	for (; i + 5 < len && (hash = memchr(s + i, '#', len - 5 - i)) != NULL; i++) {
		const char *e;
		size_t seg;

		i = (size_t)(hash - s);
		if (!isdigit((unsigned char)s[i + 1]) ||
		    !isdigit((unsigned char)s[i + 2]) || !isdigit((unsigned char)s[i + 3]))
			continue;
		e = ndr_ci_find(s + i, len - i, "##");
		seg = e != NULL ? (size_t)(e - s - i - 1) : len - i - 1;
		seg = ndr_utf8_prefix(s + i + 1, seg, out_len - 1);
		memcpy(out, s + i + 1, seg);
		while (seg > 0 && out[seg - 1] == ' ')
			seg--;
		out[seg] = '\0';
		return true;
	}
	return false;
}

/* The unnamed recipient of a pasted text or a bare diagnostic string. */
static void
anonymous_rcpt(struct scan *sc)
{
	char diag[NDR_MAX_DIAG], ctx[NDR_MAX_DIAG];
	size_t dox = 0, co = 0, i;
	struct ndr_rcpt *r = ndr_rcpt_add(sc->n);

	if (r == NULL)
		return;
	r->addr = xstrdup("");
	diag[0] = ctx[0] = '\0';
	for (i = 0; i < sc->n_lines; i++) {
		const struct line *l = &sc->lines[i];
		char seg[NDR_MAX_DIAG];

		if (l->len == 0)
			continue;
		buf_add(ctx, &co, sizeof(ctx), l->s, l->len);
		if (exchange_segment(l->s, l->len, seg, sizeof(seg))) {
			buf_add(diag, &dox, sizeof(diag), seg, strlen(seg));
			ndr_rcpt_evidence(r, l->s, l->len);
		} else if (has_code(l)) {
			buf_add(diag, &dox, sizeof(diag), l->s, l->len);
			ndr_rcpt_evidence(r, l->s, l->len);
		}
	}
	if (dox == 0) {
		/* no code anywhere: the whole text is the diagnostic */
		for (i = 0; i < sc->n_lines && r->n_evidence < NDR_MAX_EVIDENCE; i++)
			if (sc->lines[i].len > 0)
				ndr_rcpt_evidence(r, sc->lines[i].s, sc->lines[i].len);
		if (co > 0)
			r->diag = xstrndup(ctx, co);
	} else {
		r->diag = xstrndup(diag, dox);
	}
	if (co > 0)
		r->context = xstrndup(ctx, co);
}

/* "554 4.4.7 Message expired: ...<421 4.4.2 Connection timed out>": a relay's summary
 * quoting the remote server's last reply; that reply's status is the one that speaks. */
static void
quoted_status(const char *t, size_t tl, char *status, size_t status_len)
{
	const char *lt;
	size_t i = 0;
	char st[16];

	/* the '<'s, found by memchr(), are the places to try */
	for (; i + 9 < tl && (lt = memchr(t + i, '<', tl - 9 - i)) != NULL; i++) {
		i = (size_t)(lt - t);
		if ((t[i + 1] != '4' && t[i + 1] != '5') ||
		    !isdigit((unsigned char)t[i + 2]) || !isdigit((unsigned char)t[i + 3]) ||
		    t[i + 4] != ' ')
			continue;
		if (ndr_find_status(t + i + 5, tl - i - 5, st, sizeof(st)) &&
		    strncmp(t + i + 5, st, strlen(st)) == 0 && strlen(st) < status_len)
			memcpy(status, st, strlen(st) + 1);
	}
}

/* The words rcpt_details() looks for: the SMTP command a failure answered, then the
 * remote host ("host mx.example.org[192.0.2.1] said", Postfix's log
 * "relay=mx.example.org[...]", "server smtp.example.org[...] said" (a relay's refusal)). */
static const struct { const char *pat; const char *cmd; } cmd_words[] = {
	{ "rcpt to", "RCPT" }, { "rcpt_to", "RCPT" }, { ">>> rcpt", "RCPT" },
	{ "smtp:rcpt", "RCPT" }, { "smtp:mail", "MAIL" }, { "smtp:data", "DATA" },
	{ "mail from", "MAIL" }, { "mail_from", "MAIL" }, { "end of data", "DATA" },
	{ "after data", "DATA" }, { "reply to data", "DATA" }, { ">>> data", "DATA" },
	{ "[data]", "DATA" }, { "ehlo", "EHLO" }, { "helo", "HELO" },
	{ "starttls", "STARTTLS" }, { "auth ", "AUTH" },
	/* qmail-remote: "192.0.2.9 does not like recipient.", "... sender was rejected" */
	{ "does not like recipient", "RCPT" }, { "sender was rejected", "MAIL" },
};
#define N_CMDS (sizeof(cmd_words) / sizeof(cmd_words[0]))
static const char *const host_pats[] = { "host ", "relay=", "server " };
#define N_HOSTS (sizeof(host_pats) / sizeof(host_pats[0]))

/* Both tables as one set (the commands' bits first), built once per thread. */
static const struct ndr_multi *
word_set(void)
{
	static _Thread_local struct ndr_multi m;
	static _Thread_local const char *pats[N_CMDS + N_HOSTS];
	static _Thread_local bool ready;
	size_t k;

	if (!ready) {
		for (k = 0; k < N_CMDS; k++)
			pats[k] = cmd_words[k].pat;
		for (k = 0; k < N_HOSTS; k++)
			pats[N_CMDS + k] = host_pats[k];
		ndr_multi_init(&m, pats, N_CMDS + N_HOSTS);
		ready = true;
	}
	return &m;
}

/* What one pass over a recipient's words finds: the first command of the table that is
 * there where a word starts ("mail from", not the end of "email from"; N_CMDS: none),
 * and where each host word first is. */
struct words {
	size_t cmd;
	const char *host[N_HOSTS];
};

static void
find_words(const char *t, size_t tl, bool want_cmd, bool want_host, struct words *w)
{
	const struct ndr_multi *m = word_set();
	uint32_t which, hosts_left = want_host ? (1u << N_HOSTS) - 1 : 0;
	long p;

	memset(w, 0, sizeof(*w));
	w->cmd = N_CMDS;
	for (p = ndr_multi_next(m, t, tl, 0, &which); p >= 0 &&
	    ((want_cmd && w->cmd > 0) || hosts_left != 0);
	    p = ndr_multi_next(m, t, tl, (size_t)p + 1, &which)) {
		for (; which != 0; which &= which - 1) {
			size_t k = (size_t)__builtin_ctz(which);

			if (k >= N_CMDS) {
				if (hosts_left & (1u << (k - N_CMDS)))
					w->host[k - N_CMDS] = t + p;
				hosts_left &= ~(1u << (k - N_CMDS));
			} else if (want_cmd && k < w->cmd && (p == 0 ||
			    !isalnum((unsigned char)t[p - 1]) ||
			    !isalnum((unsigned char)cmd_words[k].pat[0]))) {
				w->cmd = k;
			}
		}
	}
}

/* The remote host after the first host word that names one with a dot ("server" is a
 * common word: only a name with its address after it). */
static void
remote_host(const struct words *w, struct ndr_rcpt *r)
{
	size_t i;

	for (i = 0; i < N_HOSTS; i++) {
		const char *h = w->host[i];
		size_t hl;

		if (h == NULL)
			continue;
		h += strlen(host_pats[i]);
		hl = strcspn(h, " []()\t,;:");
		if (hl <= 3 || hl >= 254 || memchr(h, '.', hl) == NULL)
			continue;
		if (i == 2 && h[hl] != '[')
			continue;
		ndr_set_str(&r->remote_mta, h, hl);
		return;
	}
}

/* Fill codes, command and remote host from the recipient's words. */
static void
rcpt_details(struct ndr_rcpt *r)
{
	const char *srcs[2] = { r->diag, r->context };
	size_t s;
	char seg[NDR_MAX_DIAG];

	for (s = 0; s < 2; s++) {
		const char *t = srcs[s];
		size_t tl;
		struct words w;

		if (t == NULL)
			continue;
		tl = strlen(t);
		if (exchange_segment(t, tl, seg, sizeof(seg)) && s == 0) {
			t = seg;
			tl = strlen(seg);
		}
		if (r->status[0] == '\0') {
			ndr_find_status(t, tl, r->status, sizeof(r->status));
		} else if (s == 0) {
			/* RFC 3464 Status is the reporting MTA's summary ("5.0.0", or its own
			 * guess); the remote server's code in its words says what it meant */
			char st[16];

			if (ndr_find_status(t, tl, st, sizeof(st)) && st[0] == r->status[0])
				memcpy(r->status, st, sizeof(st));
		}
		if (s == 0)
			quoted_status(t, tl, r->status, sizeof(r->status));
		if (r->reply[0] == '\0')
			ndr_find_reply(t, tl, r->reply);
		if (r->command == NULL || r->remote_mta == NULL) {
			find_words(t, tl, r->command == NULL, r->remote_mta == NULL, &w);
			if (w.cmd < N_CMDS)
				r->command = xstrdup(cmd_words[w.cmd].cmd);
			if (r->remote_mta == NULL)
				remote_host(&w, r);
		}
	}
}

/* Sendmail's "Transcript of session": ">>> RCPT To:<addr>" or ">>> DATA" followed by
 * "<<< 550 ..." names the command the server refused. A line naming r's address wins,
 * else the last refused command that names no address (DATA, ".", MAIL). */
static void
transcript_command(const struct scan *sc, struct ndr_rcpt *r)
{
	static const struct { const char *pat; const char *cmd; } cmds[] = {
		{ "rcpt", "RCPT" }, { "data", "DATA" }, { ".", "DATA" }, { "mail", "MAIL" },
		{ "ehlo", "EHLO" }, { "helo", "HELO" }, { "starttls", "STARTTLS" },
	};
	const char *mine = NULL, *last = NULL;
	size_t i, k;

	for (i = 0; i + 1 < sc->n_lines; i++) {
		const struct line *l = &sc->lines[i], *nx = &sc->lines[i + 1];
		const char *cmd = NULL;

		if (l->len < 5 || memcmp(l->s, ">>> ", 4) != 0 || nx->len < 5 ||
		    memcmp(nx->s, "<<< ", 4) != 0 || (nx->s[4] != '4' && nx->s[4] != '5'))
			continue;
		for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
			size_t pl = strlen(cmds[k].pat);

			if (l->len - 4 >= pl && strncasecmp(l->s + 4, cmds[k].pat, pl) == 0 &&
			    (l->len - 4 == pl || !isalpha((unsigned char)l->s[4 + pl]))) {
				cmd = cmds[k].cmd;
				break;
			}
		}
		if (cmd == NULL)
			continue;
		if (r->addr != NULL && r->addr[0] != '\0' &&
		    ndr_ci_find(l->s, l->len, r->addr) != NULL)
			mine = cmd;
		else if (strcmp(cmd, "RCPT") != 0)
			last = cmd;
	}
	if (mine == NULL)
		mine = last;
	if (mine != NULL)
		r->command = xstrdup(mine);
}

/* Exchange writes its status with the component that gave it and no reply code:
 * "4.4.7 QUEUE.Expired", "#5.1.1 RESOLVER.ADR.RecipNotFound" (the component's name in
 * capitals, a dot, its detail). Is that what follows the status at st? */
static bool
has_component_after(const char *line, size_t len, const char *st)
{
	const char *at = ndr_ci_find(line, len, st), *end = line + len, *p;
	size_t caps = 0;

	if (at == NULL)
		return false;
	p = at + strlen(st);
	if (p >= end || *p != ' ')
		return false;
	for (p++; p < end && *p >= 'A' && *p <= 'Z'; p++)
		caps++;
	return caps >= 2 && p + 1 < end && *p == '.' && isalpha((unsigned char)p[1]);
}

/* The one RFC 3463 status in the report's reply lines ("Could not be delivered because
 * of 550 5.1.1 User unknown" above the list of recipients, Exchange's "4.4.7
 * QUEUE.Expired"), or "" when none or several. */
static void
only_status(const struct scan *sc, char *out, size_t out_len)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < sc->n_lines; i++) {
		const struct line *l = &sc->lines[i];
		size_t off = 0;
		char st[16], rc[4];

		/* a server's reply line, not a version number in a header */
		if (!ndr_find_reply(l->s, l->len, rc) && !(ndr_find_status(l->s, l->len, st,
		    sizeof(st)) && has_component_after(l->s, l->len, st)))
			continue;
		while (off < l->len && ndr_find_status(l->s + off, l->len - off, st, sizeof(st))) {
			const char *at = ndr_ci_find(l->s + off, l->len - off, st);

			if (out[0] != '\0' && strcmp(out, st) != 0) {
				out[0] = '\0';
				return;
			}
			snprintf(out, out_len, "%s", st);
			if (at == NULL)
				break;
			off = (size_t)(at - l->s) + strlen(st);
		}
	}
}

void
ndr_text_scan(struct ndr *n)
{
	struct scan sc = { .n = n };
	size_t i;

	if (n->text != NULL)
		split_lines(&sc);
	if (n->n_rcpts == 0)
		log_lines(&sc);
	if (n->n_rcpts == 0 && !n->is_feedback)
		discover_rcpts(&sc);
	for (i = 0; i < n->n_rcpts; i++)
		rcpt_block(&sc, &n->rcpts[i]);
	if (n->n_rcpts == 0 && !n->is_feedback)
		anonymous_rcpt(&sc);
	for (i = 0; i < n->n_rcpts; i++) {
		rcpt_details(&n->rcpts[i]);
		if (n->rcpts[i].command == NULL)
			transcript_command(&sc, &n->rcpts[i]);
		if (n->rcpts[i].status[0] == '\0')
			only_status(&sc, n->rcpts[i].status, sizeof(n->rcpts[i].status));
	}
}
