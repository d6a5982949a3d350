/* Naming the cause of each failure in a parsed bounce from the knowledge base. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ndr.h"
#include "ndr_classify.h"
#include "ndr_kb.h"
#include "ndr_provider.h"
#include "ndr_search.h"
#include "ndr_size.h"
#include "xmalloc.h"

/* Append src to dst (size bytes, *len used), cut as snprintf() would cut. */
static void
append(char *dst, size_t size, size_t *len, const char *src)
{
	size_t l = strlen(src);

	if (*len + 1 >= size)
		return;
	if (l > size - 1 - *len)
		l = size - 1 - *len;
	memcpy(dst + *len, src, l);
	*len += l;
	dst[*len] = '\0';
}

/* dst = src, cut as snprintf(dst, size, "%s", src) would cut. */
static void
copy_str(char *dst, size_t size, const char *src)
{
	size_t len = 0;

	dst[0] = '\0';
	append(dst, size, &len, src);
}

static void
set_cause(const struct ndr_kb *kb, struct ndr_rcpt *r, const struct ndr_cause *k,
    const char *reason, const char *how, const char *what)
{
	size_t len;

	if (k == NULL && reason != NULL)
		k = ndr_kb_for_reason(kb, reason);
	r->cause = k;
	copy_str(r->reason, sizeof(r->reason),
	    reason != NULL ? reason : (k != NULL ? k->reason : "undefined"));
	copy_str(r->rule, sizeof(r->rule), how);
	len = strlen(r->rule);
	if (what != NULL) {
		append(r->rule, sizeof(r->rule), &len, " \"");
		append(r->rule, sizeof(r->rule), &len, what);
		append(r->rule, sizeof(r->rule), &len, "\"");
	}
}

static bool
code_in(const char *code, const char **list, size_t n)
{
	size_t i;

	if (code[0] == '\0')
		return false;
	for (i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return true;
	return false;
}

static const struct ndr_cause *
by_status(const struct ndr_kb *kb, const char *status)
{
	size_t i, n_all;
	const struct ndr_cause *all = ndr_kb_causes(kb, &n_all);

	for (i = 0; i < n_all; i++) {
		const struct ndr_cause *k = &all[i];

		if (code_in(status, k->status, k->n_status))
			return k;
	}
	return NULL;
}

/* The SMTP command that was refused, or a reply or status code with a single meaning
 * (RFC 4954's 535), names the cause whatever words the server chose. */
static const struct ndr_cause *
by_structure(const struct ndr_kb *kb, const struct ndr_rcpt *r, const char **what)
{
	size_t i, n_all;
	const struct ndr_cause *all = ndr_kb_causes(kb, &n_all);

	for (i = 0; i < n_all; i++) {
		const struct ndr_cause *k = &all[i];

		if (r->command != NULL && code_in(r->command, k->command, k->n_command)) {
			*what = r->command;
			return k;
		}
		if (code_in(r->reply, k->first_reply, k->n_first_reply)) {
			*what = r->reply;
			return k;
		}
		if (code_in(r->status, k->first_status, k->n_first_status)) {
			*what = r->status;
			return k;
		}
	}
	return NULL;
}

/* Is addr's domain d or a subdomain of d? */
static bool
addr_in_domain(const char *addr, const char *d)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;
	size_t al, dl = strlen(d);

	if (at == NULL)
		return false;
	at++;
	al = strlen(at);
	if (al < dl || strcasecmp(at + al - dl, d) != 0)
		return false;
	return al == dl || at[al - dl - 1] == '.';
}

/* A cause that only a recipient domain tells apart (a mobile carrier's filter refuses
 * after DATA) refines a generic answer; an X.1.x status about the address stays. */
static void
refine_by_domain(const struct ndr_kb *kb, struct ndr_rcpt *r)
{
	size_t i, j, n_all;
	const struct ndr_cause *all = ndr_kb_causes(kb, &n_all);

	if (r->status[0] != '\0' && r->status[1] == '.' && r->status[2] == '1')
		return;
	for (i = 0; i < n_all; i++) {
		const struct ndr_cause *k = &all[i];

		if (!code_in(r->reason, k->refines, k->n_refines))
			continue;
		for (j = 0; j < k->n_rcpt_domains; j++)
			if (addr_in_domain(r->addr, k->rcpt_domains[j])) {
				set_cause(kb, r, k, NULL, "recipient domain", k->rcpt_domains[j]);
				return;
			}
	}
}

/* Is host the recipient's domain or inside it ("mx.example.test" for a@example.test)? */
static bool
host_in_rcpt_domain(const char *host, const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;
	size_t hl, dl;

	if (host == NULL || at == NULL || at[1] == '\0')
		return false;
	at++;
	hl = strlen(host);
	dl = strlen(at);
	while (hl > 0 && host[hl - 1] == '.')
		hl--;
	if (hl < dl || strncasecmp(host + hl - dl, at, dl) != 0)
		return false;
	return hl == dl || host[hl - dl - 1] == '.';
}

/* Structure over words, for phrases real servers use loosely (issue 16, bounces written
 * by a real Postfix in the lab):
 * - "host unknown"/"unrouteable address" with no specific status (none or X.0.0), in the
 *   reply of the recipient domain's own server (Remote-MTA inside that domain): the
 *   domain was found and its server answered, so the address is what it cannot route
 *   (Exim: "550 Unrouteable address");
 * - a condition that retrying clears (the cause's if_final: greylisting) in a final
 *   report (Action: failed) with a temporary status: the queue retried until it gave up. */
static const struct ndr_cause *
by_report_structure(const struct ndr_kb *kb, const struct ndr_rcpt *r,
    const struct ndr_cause *k, const char **how)
{
	if (strcmp(k->reason, "hostunknown") == 0 && (r->status[0] == '\0' ||
	    strcmp(r->status + 1, ".0.0") == 0) && host_in_rcpt_domain(r->remote_mta, r->addr)) {
		*how = "the recipient domain's own server answered";
		return ndr_kb_for_reason(kb, "userunknown");
	}
	if (k->if_final != NULL && r->action != NULL && strcmp(r->action, "failed") == 0 &&
	    r->status[0] == '4') {
		*how = "a condition retrying clears, in a final report (the queue gave up)";
		return ndr_kb_find(kb, k->if_final);
	}
	return NULL;
}

static const struct ndr_cause *
by_reply(const struct ndr_kb *kb, const char *reply)
{
	size_t i, n_all;
	const struct ndr_cause *all = ndr_kb_causes(kb, &n_all);

	for (i = 0; i < n_all; i++) {
		const struct ndr_cause *k = &all[i];

		if (code_in(reply, k->reply, k->n_reply))
			return k;
	}
	return NULL;
}

/* RFC 3463 3.3 and 3.8: X.2.x speaks of the mailbox's state and X.7.x of policy, so
 * with such a code "user unknown" is a filter's wording, not the directory's answer. */
static bool
is_not_address_status(const char *status)
{
	if (status[0] == '\0' || status[1] != '.' || status[3] != '.')
		return false;
	if (status[2] == '7')
		return true;
	return status[2] == '2' && strcmp(status + 3, ".2") != 0 && strcmp(status + 3, ".3") != 0;
}

/* RFC 3463 3.2: X.1.x speaks of the address itself. */
static bool
is_address_status(const char *status)
{
	return status[0] != '\0' && status[1] == '.' && status[2] == '1' && status[3] == '.';
}

/*
 * The texts a failure's phrases are looked for in, each scanned once and its hits reused
 * by every rule that reads it: the recipient's diagnostic and context, the report's text
 * (shared by its recipients), and a copy with the recipient's domain blanked out.
 */
struct text_scan {
	const char *text;
	size_t len;
	bool is_done;		/* m holds the scan of text */
	struct ndr_kb_match m;
};

struct scans {
	struct text_scan diag, context, report, blanked;
	char *copy;		/* the blanked text */
	size_t copy_cap;
};

static void
scan_set(struct text_scan *t, const char *text, size_t len)
{
	t->text = text;
	t->len = text != NULL ? len : 0;
	t->is_done = false;
}

/* The scan of t's text, made on first use; NULL when there is no text. */
static const struct ndr_kb_match *
scan_get(const struct ndr_kb *kb, struct text_scan *t)
{
	if (t->text == NULL || t->len == 0)
		return NULL;
	if (!t->is_done) {
		ndr_kb_scan(kb, t->text, t->len, &t->m);
		t->is_done = true;
	}
	return &t->m;
}

static void
scans_fini(struct scans *s)
{
	ndr_kb_match_fini(&s->diag.m);
	ndr_kb_match_fini(&s->context.m);
	ndr_kb_match_fini(&s->report.m);
	ndr_kb_match_fini(&s->blanked.m);
	free(s->copy);
}

static const struct ndr_cause *
by_text_except(const struct ndr_kb *kb, const struct ndr *n, const struct ndr_rcpt *r,
    struct text_scan *t, const char *skip, const char **phrase)
{
	const struct ndr_kb_match *m = scan_get(kb, t);
	const struct ndr_cause *k;

	if (m == NULL)
		return NULL;
	k = ndr_kb_first_except(kb, m, r->status, skip, phrase);
	/* e.g. "user unknown" after DATA is the recipient's filter speaking, not the
	 * directory (the address was accepted at RCPT). A whole bounce email that shows no
	 * command, no DSN and no address status does not say so either (Sisimai's rule);
	 * a pasted line is taken at its word. */
	if (k != NULL && k->n_confirm_command > 0 && k->otherwise != NULL &&
	    !code_in(*phrase, k->confirmed, k->n_confirmed) &&
	    !code_in(r->status, k->status, k->n_status) && (r->command != NULL ?
	    !code_in(r->command, k->confirm_command, k->n_confirm_command) :
	    (is_not_address_status(r->status) || (n->kind == NDR_KIND_EMAIL && !n->has_dsn &&
	    !is_address_status(r->status))))) {
		const struct ndr_cause *o = ndr_kb_find(kb, k->otherwise);

		if (o != NULL)
			k = o;
	}
	return k;
}

static const struct ndr_cause *
by_text(const struct ndr_kb *kb, const struct ndr *n, const struct ndr_rcpt *r,
    struct text_scan *t, const char **phrase)
{
	return by_text_except(kb, n, r, t, NULL, phrase);
}

/* Blank out every occurrence of dom (dl bytes, any case) in s->copy, a copy of text:
 * whether one was found. Left to right, as strncasecmp() at each position would. */
static bool
blank_domain(struct scans *s, const char *text, size_t len, const char *dom, size_t dl)
{
	int first = tolower((unsigned char)dom[0]);
	bool found = false;
	size_t i;

	if (s->copy_cap < len) {
		s->copy_cap = len > 2 * s->copy_cap ? len : 2 * s->copy_cap;
		free(s->copy);
		s->copy = xmalloc(s->copy_cap);
	}
	memcpy(s->copy, text, len);
	for (i = 0; i + dl <= len; i++)
		if (tolower((unsigned char)s->copy[i]) == first &&
		    strncasecmp(s->copy + i, dom, dl) == 0) {
			memset(s->copy + i, ' ', dl);
			found = true;
		}
	return found;
}

/* The expired branch's search for a cause, over a copy of the text in which the
 * recipient's domain is blanked out: a domain is a name, not the server's words, so
 * "someone@greylist.test: Envelope expired" says nothing of greylisting. Where the
 * domain does not occur, the copy is the text: its scan serves. */
static const struct ndr_cause *
by_text_why(const struct ndr_kb *kb, const struct ndr *n, const struct ndr_rcpt *r,
    struct scans *s, struct text_scan *t, const char **phrase)
{
	const char *dom = r->addr != NULL ? strrchr(r->addr, '@') : NULL;
	size_t dl;

	if (t->text == NULL || t->len == 0)
		return NULL;
	if (dom == NULL || (dl = strlen(dom + 1)) < 3 ||
	    !blank_domain(s, t->text, t->len, dom + 1, dl))
		return by_text_except(kb, n, r, t, "expired", phrase);
	scan_set(&s->blanked, s->copy, t->len);
	return by_text_except(kb, n, r, &s->blanked, "expired", phrase);
}

/* A provider's own documented code in t's text. Where none of the provider prefixes
 * occurs there is none: the diagnostic's scan, needed next anyway, tells; other text is
 * searched for the prefixes alone. */
static const struct ndr_cause *
by_provider_code(const struct ndr_kb *kb, struct text_scan *t, bool is_scan, char *code,
    size_t code_len)
{
	if (t->text == NULL || t->len == 0)
		return NULL;
	if (is_scan ? !ndr_kb_may_have_code(kb, scan_get(kb, t)) :
	    !ndr_kb_may_have_code_in(kb, t->text, t->len))
		return NULL;
	return ndr_kb_provider_code(kb, t->text, t->len, code, code_len);
}

/* Sisimai's internal status for a reason when the bounce has no RFC 3463 code */
static void
derive_status(const struct ndr_kb *kb, struct ndr_rcpt *r)
{
	json_t *reasons;
	const char *code = NULL;

	if (r->status[0] != '\0') {
		copy_str(r->status_out, sizeof(r->status_out), r->status);
		return;
	}
	r->status_out[0] = '\0';
	if (strcmp(r->reason, "feedback") == 0 || strcmp(r->reason, "vacation") == 0 ||
	    strcmp(r->reason, "delivered") == 0)
		return;
	reasons = json_object_get(ndr_kb_root(kb), "reasons");
	code = json_string_value(json_object_get(json_object_get(reasons, r->reason),
	    r->is_permanent ? "permanent" : "temporary"));
	if (code == NULL)
		code = json_string_value(json_object_get(json_object_get(reasons, r->reason),
		    "permanent"));
	if (code != NULL)
		copy_str(r->status_out, sizeof(r->status_out), code);
}

static void
classify_rcpt(struct ndr *n, const struct ndr_kb *kb, struct ndr_rcpt *r, struct scans *sc)
{
	const struct ndr_cause *k;
	const char *phrase = NULL;
	bool is_delayed = r->action != NULL && (strcmp(r->action, "delayed") == 0 ||
	    strcmp(r->action, "expired") == 0);

	r->is_permanent = !(r->status[0] == '4' || (r->status[0] == '\0' && r->reply[0] == '4') ||
	    (r->status[0] == '\0' && r->reply[0] == '\0' && is_delayed));
	if (n->is_feedback) {
		set_cause(kb, r, NULL, "feedback", "ARF feedback report (RFC 5965)", NULL);
		return;
	}
	if (n->is_vacation) {
		set_cause(kb, r, NULL, "vacation", "auto-reply (RFC 3834)", NULL);
		return;
	}
	if (r->status[0] == '2' || (r->action != NULL && (strcmp(r->action, "delivered") == 0 ||
	    strcmp(r->action, "relayed") == 0 || strcmp(r->action, "expanded") == 0))) {
		set_cause(kb, r, NULL, "delivered", "success DSN (RFC 3464 Action/Status)", NULL);
		return;
	}
	k = by_structure(kb, r, &phrase);
	if (k != NULL) {
		set_cause(kb, r, k, NULL, "refused command or code", phrase);
		return;
	}
	/* a provider's own documented code says more than its words */
	{
		char code[32];

		k = by_provider_code(kb, &sc->diag, true, code, sizeof(code));
		if (k == NULL)
			k = by_provider_code(kb, &sc->context, false, code,
			    sizeof(code));
		if (k != NULL) {
			set_cause(kb, r, k, NULL, "provider code", code);
			return;
		}
	}
	k = by_text(kb, n, r, &sc->diag, &phrase);
	/* RFC 3463 X.4.7 and "message expired" say the queue gave up, not why: the
	 * report's other words may say (no connector, port 25 unreachable) */
	if ((k != NULL && strcmp(k->reason, "expired") == 0) || (k == NULL &&
	    r->status[0] != '\0' && strcmp(r->status + 1, ".4.7") == 0)) {
		const char *why = NULL;
		const struct ndr_cause *w = by_text_why(kb, n, r, sc, &sc->diag, &why);

		if (w == NULL)
			w = by_text_why(kb, n, r, sc, &sc->context, &why);
		if (w == NULL)
			w = by_text_why(kb, n, r, sc, &sc->report, &why);
		if (w != NULL) {
			set_cause(kb, r, w, NULL, "phrase in the report", why);
			return;
		}
	}
	/* the recipient's domain was never asked about when MAIL FROM was refused: "host
	 * unknown" there is about the sending host (RFC 5321 3.3) */
	if (k != NULL && strcmp(k->reason, "hostunknown") == 0 && r->command != NULL &&
	    strcmp(r->command, "MAIL") == 0) {
		set_cause(kb, r, NULL, "blocked", "host unknown before RCPT", r->command);
		return;
	}
	if (k != NULL) {
		const char *how = NULL;
		const struct ndr_cause *s = by_report_structure(kb, r, k, &how);

		if (s != NULL)
			set_cause(kb, r, s, NULL, how, phrase);
		else
			set_cause(kb, r, k, NULL, "diagnostic phrase", phrase);
		return;
	}
	/* RFC 3464 2.3.6: an X-Unix diagnostic is a local delivery program's exit; a
	 * temporary one says the program failed, not the system */
	if (r->diag_type != NULL && strcmp(r->diag_type, "x-unix") == 0 && r->status[0] != '5') {
		set_cause(kb, r, NULL, "mailererror", "Diagnostic-Code: X-Unix", NULL);
		return;
	}
	/* RFC 5321 3.3: a refusal of MAIL FROM, with no words saying more, is about the
	 * sender's address (or the sending host, when it came at the greeting or EHLO) */
	if (r->command != NULL && strcmp(r->command, "MAIL") == 0 &&
	    (r->status[0] == '\0' || strcmp(r->status + 1, ".7.1") == 0 ||
	    strcmp(r->status + 1, ".0.0") == 0)) {
		set_cause(kb, r, NULL, "rejected", "refused at MAIL FROM", NULL);
		return;
	}
	k = by_status(kb, r->status);
	if (k != NULL) {
		set_cause(kb, r, k, NULL, "status code", r->status);
		return;
	}
	k = by_text(kb, n, r, &sc->context, &phrase);
	if (k == NULL)
		/* the server's words, not the returned message (which may well say "spam") */
		k = by_text(kb, n, r, &sc->report, &phrase);
	if (k != NULL) {
		set_cause(kb, r, k, NULL, "phrase in the report", phrase);
		return;
	}
	k = by_reply(kb, r->reply);
	if (k != NULL) {
		set_cause(kb, r, k, NULL, "reply code", r->reply);
		return;
	}
	k = ndr_kb_for_status_class(kb, r->status);
	if (k != NULL) {
		set_cause(kb, r, k, NULL, "status class (RFC 3463)", r->status);
		return;
	}
	if (is_delayed) {
		set_cause(kb, r, NULL, "expired", "Action: delayed", NULL);
		return;
	}
	if (r->command != NULL && (strcmp(r->command, "EHLO") == 0 ||
	    strcmp(r->command, "HELO") == 0)) {
		set_cause(kb, r, ndr_kb_find(kb, "ndr.helo-rejected"), "blocked",
		    "refused at EHLO/HELO", NULL);
		return;
	}
	/* a delivery-status part with neither a status nor a code for this recipient: what
	 * words there are come from the report's boilerplate, not from a server */
	if (n->has_dsn && r->status[0] == '\0' && r->reply[0] == '\0')
		set_cause(kb, r, NULL, "undefined", "DSN without a status or a code", NULL);
	else if ((r->diag != NULL && r->diag[0] != '\0') || r->status[0] != '\0' ||
	    r->reply[0] != '\0')
		set_cause(kb, r, NULL, "onhold", "no rule matched", NULL);
	else
		set_cause(kb, r, NULL, "undefined", "nothing to match", NULL);
}

bool
ndr_looks_like_bounce(const struct ndr *n)
{
	static const char *const senders[] = { "mailer-daemon", "postmaster", "mail delivery" };
	static const char *const subjects[] = {
		"undeliver", "delivery", "failure", "failed", "returned", "not delivered",
		"rejected", "nondeliver", "配信", "不達", "エラー", "届きません",
	};
	size_t i;

	if (n->has_dsn || n->is_feedback || n->is_vacation)
		return true;
	for (i = 0; n->bounce_from != NULL && i < sizeof(senders) / sizeof(senders[0]); i++)
		if (ndr_ci_find(n->bounce_from, strlen(n->bounce_from), senders[i]) != NULL)
			return true;
	for (i = 0; n->bounce_subject != NULL && i < sizeof(subjects) / sizeof(subjects[0]); i++)
		if (ndr_ci_find(n->bounce_subject, strlen(n->bounce_subject), subjects[i]) != NULL)
			return true;
	for (i = 0; i < n->n_rcpts; i++) {
		const struct ndr_rcpt *r = &n->rcpts[i];

		if (r->status[0] != '\0' || r->reply[0] != '\0' || r->action != NULL)
			return true;
		if (strcmp(r->reason, "onhold") != 0 && strcmp(r->reason, "undefined") != 0)
			return true;
	}
	return false;
}

/* What text (len bytes, may be NULL) states, where *size or *limit is still unknown. */
static void
fill_sizes(const char *text, size_t len, unsigned long long *size, unsigned long long *limit)
{
	unsigned long long sz = 0, lim = 0;

	if (text == NULL || (*size != 0 && *limit != 0))
		return;
	ndr_size_read(text, len, &sz, &lim);
	if (*size == 0)
		*size = sz;
	if (*limit == 0)
		*limit = lim;
}

/* A message too big: the sizes its words state, from the server's words first, then the
 * bounce's text about the recipient, then the bounce's own text (Exchange: "This message
 * is 15 MB"), never the returned message. */
static void
read_sizes(const struct ndr *n, struct ndr_rcpt *r)
{
	if (strcmp(r->reason, "mesgtoobig") != 0 && strcmp(r->reason, "exceedlimit") != 0)
		return;
	fill_sizes(r->diag, r->diag != NULL ? strlen(r->diag) : 0, &r->msg_size, &r->size_limit);
	fill_sizes(r->context, r->context != NULL ? strlen(r->context) : 0, &r->msg_size,
	    &r->size_limit);
	fill_sizes(n->text, n->human_len, &r->msg_size, &r->size_limit);
}

int
ndr_classify(struct ndr *n, const struct ndr_kb *kb)
{
	struct scans s;
	size_t i;

	memset(&s, 0, sizeof(s));
	scan_set(&s.report, n->text, n->human_len);
	for (i = 0; i < n->n_rcpts; i++) {
		struct ndr_rcpt *r = &n->rcpts[i];

		scan_set(&s.diag, r->diag, r->diag != NULL ? strlen(r->diag) : 0);
		scan_set(&s.context, r->context, r->context != NULL ? strlen(r->context) : 0);
		classify_rcpt(n, kb, r, &s);
		refine_by_domain(kb, &n->rcpts[i]);
		derive_status(kb, &n->rcpts[i]);
		read_sizes(n, &n->rcpts[i]);
	}
	scans_fini(&s);
	return 0;
}
