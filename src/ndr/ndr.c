/* Bounce parsing entry point: decides what the input is (email, pasted text, log line)
 * and runs the MIME, DSN and text parsers over it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ndr.h"
#include "ndr_charset.h"
#include "ndr_dsn.h"
#include "ndr_header.h"
#include "ndr_mime.h"
#include "ndr_multi.h"
#include "ndr_search.h"
#include "ndr_text.h"
#include "xmalloc.h"

struct ndr_rcpt *
ndr_rcpt_add(struct ndr *n)
{
	struct ndr_rcpt *r;

	if (n->n_rcpts >= NDR_MAX_RCPTS) {
		ndr_set_partial(n, "more than 100 recipients");
		return NULL;
	}
	n->rcpts = xrealloc(n->rcpts, (n->n_rcpts + 1) * sizeof(*n->rcpts));
	r = &n->rcpts[n->n_rcpts++];
	memset(r, 0, sizeof(*r));
	return r;
}

size_t
ndr_utf8_prefix(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

void
ndr_rcpt_evidence(struct ndr_rcpt *r, const char *line, size_t len)
{
	size_t i;

	if (r->n_evidence >= NDR_MAX_EVIDENCE)
		return;
	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\r' ||
	    line[len - 1] == '\n'))
		len--;
	if (len == 0)
		return;
	/* evidence is for people: one screen line or so */
	len = ndr_utf8_prefix(line, len, 400);
	for (i = 0; i < r->n_evidence; i++)
		if (strlen(r->evidence[i]) == len && memcmp(r->evidence[i], line, len) == 0)
			return;
	r->evidence[r->n_evidence++] = xstrndup(line, len);
}

void
ndr_set_partial(struct ndr *n, const char *why)
{
	if (!n->is_partial)
		snprintf(n->partial_why, sizeof(n->partial_why), "%s", why);
	n->is_partial = true;
}

void
ndr_set_str(char **dst, const char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
	    s[len - 1] == '\n'))
		len--;
	free(*dst);
	*dst = xstrndup(s, len);
}

/* RFC 3834 auto-replies are not bounces; a DSN also says auto-replied, so only a reply
 * without a DSN, from a person's address, with an out-of-office subject counts. */
static void
detect_vacation(struct ndr *n, const struct ndr_hdrs *h)
{
	static const char *const subjects[] = {
		"out of office", "out of the office", "auto:", "autoreply", "auto-reply",
		"auto reply", "automatic reply", "auto response", "autoresponse", "vacation",
		"away from", "away until", "自動応答", "自動返信", "不在",
	};
	static const char *const bounce_subjects[] = {
		"undeliver", "delivery", "failure", "returned", "failed", "not delivered",
		"配信", "不達", "エラー",
	};
	const char *as = ndr_hdrs_get(h, "Auto-Submitted");
	const char *subj = n->bounce_subject;
	size_t i;

	if (n->has_dsn || n->is_feedback)
		return;
	if (n->bounce_from != NULL && (ndr_ci_find(n->bounce_from, strlen(n->bounce_from),
	    "mailer-daemon") != NULL || ndr_ci_find(n->bounce_from, strlen(n->bounce_from),
	    "postmaster") != NULL))
		return;
	if (ndr_hdrs_get(h, "X-Autoreply") != NULL || ndr_hdrs_get(h, "X-Autorespond") != NULL) {
		n->is_vacation = true;
		return;
	}
	if (subj == NULL)
		return;
	for (i = 0; i < sizeof(bounce_subjects) / sizeof(bounce_subjects[0]); i++)
		if (ndr_ci_find(subj, strlen(subj), bounce_subjects[i]) != NULL)
			return;
	/* RFC 3834 5.1: an auto-replied message that is not a DSN is an auto-reply */
	if (as != NULL && ndr_ci_find(as, strlen(as), "auto-replied") != NULL &&
	    n->n_rcpts <= 1 && (n->n_rcpts == 0 || (n->rcpts[0].status[0] == '\0' &&
	    n->rcpts[0].reply[0] == '\0'))) {
		n->is_vacation = true;
		return;
	}
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++)
		if (ndr_ci_find(subj, strlen(subj), subjects[i]) != NULL &&
		    (as == NULL || ndr_ci_find(as, strlen(as), "auto-replied") != NULL)) {
			n->is_vacation = true;
			return;
		}
}

/* Phrases looked for in the whole text of a bounce without a DSN part: where each first
 * is, found in one pass when first needed (the text does not change meanwhile). */
enum { PH_FINAL, PH_COMPLAINT, PH_UNSUBSCRIBE, N_PHRASES };

struct phrases {
	bool found;
	const char *at[N_PHRASES];
};

static const char *
phrase(const struct ndr *n, struct phrases *ph, int which)
{
	static const char *const pats[N_PHRASES] = {
		"\nFinal-Recipient:", "\"notificationType\":\"Complaint\"",
		"sent this email to unsubscribe from",
	};
	static _Thread_local struct ndr_multi m;
	static _Thread_local bool ready;

	if (!ready) {
		ndr_multi_init(&m, pats, N_PHRASES);
		ready = true;
	}
	if (!ph->found) {
		ndr_multi_first_each(&m, n->text, n->text_len, 0, (1u << N_PHRASES) - 1, ph->at);
		ph->found = true;
	}
	return ph->at[which];
}

/* Complaints that are not ARF (RFC 5965): Amazon SES's JSON notifications, Microsoft's
 * JMRP ("complaint about message from"), Apple Mail's unsubscribe message. */
static void
detect_other_feedback(struct ndr *n, struct phrases *ph)
{
	const char *type = NULL;

	if (n->is_feedback || n->has_dsn || n->text == NULL)
		return;
	if (phrase(n, ph, PH_COMPLAINT) != NULL)
		type = ndr_ci_find(n->text, n->text_len, "\"complaintFeedbackType\":\"abuse\"") !=
		    NULL ? "abuse" : "";
	else if (n->bounce_subject != NULL && ndr_ci_find(n->bounce_subject,
	    strlen(n->bounce_subject), "complaint about message from") != NULL)
		type = "abuse";
	else if (phrase(n, ph, PH_UNSUBSCRIBE) != NULL)
		type = "opt-out";
	if (type == NULL)
		return;
	n->is_feedback = true;
	if (type[0] != '\0')
		n->feedback_type = xstrdup(type);
}

/* The last freed bounce, kept for the next one: a struct ndr is a few KB, and each such
 * malloc() after many small free()s makes glibc sort all its free chunks first (about a
 * sixth of a mailbox run's allocator time went there). One per thread: explain parses on
 * several. */
static _Thread_local struct ndr *spare;

struct ndr *
ndr_parse(const char *buf, size_t len)
{
	struct ndr *n = spare != NULL ? spare : xmalloc(sizeof(*n));
	struct ndr_hdrs h;
	struct phrases ph = { .found = false };
	size_t body;

	spare = NULL;
	memset(n, 0, sizeof(*n));
	if (len > NDR_MAX_INPUT) {
		len = NDR_MAX_INPUT;
		ndr_set_partial(n, "input over 10 MB");
	}
	body = ndr_hdrs_parse(buf, len, &h);
	if (h.n > 0 && (ndr_hdrs_get(&h, "Final-Recipient") != NULL ||
	    ndr_hdrs_get(&h, "Diagnostic-Code") != NULL) && ndr_hdrs_get(&h, "Received") == NULL &&
	    ndr_hdrs_get(&h, "From") == NULL) {
		/* a delivery-status block pasted on its own: fields from the UTF-8 text, like
		 * every other string of the bounce (raw 8-bit bytes would break JSON) */
		n->kind = NDR_KIND_TEXT;
		n->text = ndr_charset_to_utf8(NULL, buf, len, &n->text_len);
		ndr_dsn_parse(n, n->text, n->text_len);
		if (n->text_len > NDR_MAX_TEXT) {
			/* cut, but never inside a UTF-8 sequence */
			n->text_len = NDR_MAX_TEXT;
			while (n->text_len > 0 &&
			    ((unsigned char)n->text[n->text_len] & 0xc0) == 0x80)
				n->text_len--;
			n->text[n->text_len] = '\0';
			ndr_set_partial(n, "human-readable text over 256 KB");
		}
	} else if (h.n >= 2 || (h.n == 1 && body < len && body > 0 &&
	    (buf[body - 1] == '\n'))) {
		const char *v;

		n->kind = NDR_KIND_EMAIL;
		v = ndr_hdrs_get(&h, "From");
		if (v != NULL)
			n->bounce_from = ndr_rfc2047_decode(v, strlen(v));
		v = ndr_hdrs_get(&h, "To");
		if (v != NULL)
			n->bounce_to = ndr_rfc2047_decode(v, strlen(v));
		v = ndr_hdrs_get(&h, "Subject");
		if (v != NULL)
			n->bounce_subject = ndr_rfc2047_decode(v, strlen(v));
		ndr_mime_walk(n, &h, buf, len, body);
		if (n->text == NULL)
			n->text = xstrdup("");
		if (!n->has_dsn) {
			/* delivery-status fields in the text (multipart without delimiters) */
			const char *f = phrase(n, &ph, PH_FINAL);

			if (f != NULL) {
				const char *rm = ndr_ci_find(n->text, (size_t)(f - n->text),
				    "\nReporting-MTA:");

				if (rm != NULL)
					f = rm;
				ndr_dsn_parse(n, f + 1, n->text_len - (size_t)(f + 1 - n->text));
			}
		}
	} else {
		n->kind = NDR_KIND_TEXT;
		n->text = ndr_charset_to_utf8(NULL, buf, len > NDR_MAX_TEXT ? NDR_MAX_TEXT : len,
		    &n->text_len);
		if (len > NDR_MAX_TEXT)
			ndr_set_partial(n, "human-readable text over 256 KB");
	}
	detect_other_feedback(n, &ph);
	if (n->is_feedback && n->n_rcpts == 0) {
		struct ndr_rcpt *r = ndr_rcpt_add(n);

		if (r != NULL)
			r->addr = xstrdup(n->orig_to != NULL ? n->orig_to : "");
	}
	ndr_text_scan(n);
	detect_vacation(n, &h);
	if (n->orig_auth.has_headers) {
		ndr_auth_mfrom(&n->orig_auth, n->envelope_sender, "X-Postfix-Sender");
		if (n->has_dsn)
			ndr_auth_mfrom(&n->orig_auth, n->bounce_to, "bounce To:");
	}
	ndr_hdrs_fini(&h);
	return n;
}

void
ndr_free(struct ndr *n)
{
	size_t i, k;

	if (n == NULL)
		return;
	for (i = 0; i < n->n_rcpts; i++) {
		struct ndr_rcpt *r = &n->rcpts[i];

		free(r->addr);
		free(r->action);
		free(r->diag);
		free(r->context);
		free(r->diag_type);
		free(r->remote_mta);
		free(r->command);
		for (k = 0; k < r->n_evidence; k++)
			free(r->evidence[k]);
	}
	free(n->rcpts);
	free(n->reporting_mta);
	free(n->bounce_from);
	free(n->bounce_subject);
	free(n->bounce_to);
	free(n->orig_from);
	free(n->orig_to);
	free(n->orig_subject);
	free(n->orig_msgid);
	free(n->envelope_sender);
	free(n->text);
	free(n->feedback_type);
	if (spare == NULL)
		spare = n;
	else
		free(n);
}

void
ndr_thread_end(void)
{
	free(spare);
	spare = NULL;
	ndr_charset_thread_end();
}
