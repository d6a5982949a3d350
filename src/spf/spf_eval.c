/* RFC 7208 check_host() steps: each decides on data in hand or asks the resolver and
 * waits (spf.c drives them). */

#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"
#include "i18n.h"
#include "spf.h"
#include "spf_macro.h"
#include "spf_parse.h"
#include "xmalloc.h"
#include "spf_int.h"

static uint16_t addr_type(const struct spf_eval *ev);
static const char *p_select(const struct spf_eval *ev, const char *d);
static bool domain_is_checkable(const char *d);
static void frame_done(struct spf_eval *ev, enum spf_result res);
static void term_match(struct spf_eval *ev);
static void term_nomatch(struct spf_eval *ev);
static bool void_lookup(struct spf_eval *ev, const char *term);
static void step_frame_start(struct spf_eval *ev);
static void step_record(struct spf_eval *ev);
static void end_of_record(struct spf_eval *ev);
static void step_term(struct spf_eval *ev);
static bool name_is_within(const char *name, const char *target);
static void batch_ask(struct spf_eval *ev, char **names, size_t n, enum spf_lk kind);
static void step_mx_names(struct spf_eval *ev, const struct spf_term *t);
static void step_ptr_names(struct spf_eval *ev, const struct spf_term *t);
static void step_term_answer(struct spf_eval *ev);
static void step_mx_addrs(struct spf_eval *ev);
static void step_ptr_addrs(struct spf_eval *ev);
static void step_p_names(struct spf_eval *ev);
static void step_p_addrs(struct spf_eval *ev);

static uint16_t
addr_type(const struct spf_eval *ev)
{
	/* RFC 7208 5: A records for an IPv4 <ip>, AAAA for IPv6 */
	return ev->family == 4 ? SPF_T_A : SPF_T_AAAA;
}

/* %{p} for the domain d (RFC 7208 7.3): d itself if validated, else a validated subdomain
 * of d, else any validated name, else "unknown". */
static const char *
p_select(const struct spf_eval *ev, const char *d)
{
	size_t i, dlen = strlen(d);

	for (i = 0; i < ev->p_n; i++) {
		if (strcasecmp(ev->p_names[i], d) == 0)
			return ev->p_names[i];
	}
	for (i = 0; i < ev->p_n; i++) {
		size_t n = strlen(ev->p_names[i]);

		if (n > dlen && ev->p_names[i][n - dlen - 1] == '.' &&
		    strcasecmp(ev->p_names[i] + n - dlen, d) == 0)
			return ev->p_names[i];
	}
	return ev->p_n > 0 ? ev->p_names[0] : "unknown";
}

void
spf_vars_fill(const struct spf_eval *ev, const char *d, struct spf_macro_vars *v)
{
	v->s = ev->sender;
	v->l = ev->local;
	v->o = ev->sender_domain;
	v->d = d;
	v->i = ev->ip_i;
	v->p = ev->is_p_known ? p_select(ev, d) : NULL;
	v->v = ev->family == 4 ? "in-addr" : "ip6";
	v->h = ev->helo;
	v->c = ev->ip_c;
	v->r = ev->receiver;
	v->t = ev->t_buf;
}

/*
 * Expand a domain-spec (NULL: the current <domain>) into a target-name (RFC 7208 4.8, 7.3).
 * Returns 0 with *out set; MXD_EINVAL with *out set to the unusable name; MXD_ELIMIT
 * (*out NULL) when the expansion is over its ceiling.
 */
int
spf_target_expand(struct spf_eval *ev, const char *spec, size_t spec_len, char **out)
{
	struct spf_macro_vars vars;
	char buf[SPF_MACRO_OUT_MAX];
	const char *d = spf_top_frame(ev)->domain;
	int rc;

	*out = NULL;
	if (spec == NULL) {
		*out = xstrdup(d);
		return 0;
	}
	spf_vars_fill(ev, d, &vars);
	rc = spf_macro_expand(spec, spec_len, &vars, false, buf, sizeof(buf), NULL);
	if (rc < 0)
		return MXD_ELIMIT;
	*out = xstrdup(buf);
	return spf_target_name(*out);
}

/* RFC 7208 4.3: a <domain> that is malformed or not multi-label gives "none". */
static bool
domain_is_checkable(const char *d)
{
	size_t len = strlen(d);
	const char *dot;

	if (!spf_name_is_valid(d, len))
		return false;
	dot = strrchr(d, '.');
	if (dot == NULL)
		return false;
	/* a top label that cannot exist, such as the "5]" of "[1.2.3.5]" (7.1 toplabel) */
	return spf_toplabel_is_valid(dot + 1, strlen(dot + 1));
}

void
spf_frame_push(struct spf_eval *ev, char *domain)
{
	struct spf_frame *f = &ev->frames[ev->depth++];

	memset(f, 0, sizeof(*f));
	f->domain = domain;
	ev->state = S_FRAME_START;
}

void
spf_frame_pop(struct spf_eval *ev)
{
	struct spf_frame *f = spf_top_frame(ev);

	free(f->domain);
	spf_record_free(f->rec);
	memset(f, 0, sizeof(*f));
	ev->depth--;
}


/* The frame's check_host() returned res. */
static void
frame_done(struct spf_eval *ev, enum spf_result res)
{
	char *inc;

	if (ev->depth == 1) {
		ev->result = res;
		spf_trace_add(ev, "(result)", NULL, "%s", spf_result_name(res));
		ev->state = res == SPF_FAIL ? S_EXP : S_FINISH;
		return;
	}
	/* RFC 7208 5.2: the included check_host() decides whether include matches */
	inc = xstrdup(spf_top_frame(ev)->domain);
	spf_frame_pop(ev);
	switch (res) {
	case SPF_PASS:
		spf_trace_add(ev, spf_top_frame(ev)->rec->terms[spf_top_frame(ev)->next].text, NULL,
		    _("%s returned pass: match"), inc);
		term_match(ev);
		break;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		spf_trace_add(ev, spf_top_frame(ev)->rec->terms[spf_top_frame(ev)->next].text, NULL,
		    _("%s returned %s: no match"), inc, spf_result_name(res));
		term_nomatch(ev);
		break;
	default:
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_INCLUDE_NONE, _("included domain %s has no "
		    "SPF record (RFC 7208 5.2)"), inc);
		break;
	}
	free(inc);
}

static void frame_none(struct spf_eval *ev, enum spf_problem prob, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* No record for this check_host(): "none" at the top, a permerror under include (5.2) or
 * redirect (6.1). */
static void
frame_none(struct spf_eval *ev, enum spf_problem prob, const char *fmt, ...)
{
	struct spf_frame *f = spf_top_frame(ev);
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = xvasprintf(fmt, ap);
	va_end(ap);
	if (ev->depth > 1) {
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_INCLUDE_NONE, _("include:%s: %s (RFC 7208 5.2)"),
		    f->domain, why);
	} else if (f->is_redirect) {
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_REDIRECT_NONE,
		    _("redirect=%s: %s (RFC 7208 6.1)"), f->domain, why);
	} else {
		/* RFC 7208 4.3 (no valid domain, NXDOMAIN) and 4.5 (no record) give "none" */
		free(ev->problem);
		ev->problem = xasprintf("%s (RFC 7208 %s)", why,
		    prob == SPF_PROB_NO_RECORD ? "4.5" : "4.3");
		ev->problem_kind = prob;
		frame_done(ev, SPF_NONE);
	}
	free(why);
}

static void
term_match(struct spf_eval *ev)
{
	struct spf_frame *f = spf_top_frame(ev);
	const struct spf_term *t = &f->rec->terms[f->next];

	if (ev->depth == 1) {
		free(ev->mechanism);
		free(ev->mech_domain);
		ev->mechanism = xstrdup(t->text);
		ev->mech_domain = xstrdup(f->domain);
	}
	/* RFC 7208 4.6.2: a matching mechanism's qualifier is the result */
	frame_done(ev, t->qualifier);
}

static void
term_nomatch(struct spf_eval *ev)
{
	spf_top_frame(ev)->next++;
	ev->state = S_TERM;
}

/*
 * RFC 7208 4.6.4: a look-up for a term that came back NXDOMAIN or without records is a void
 * look-up, and more than two end the evaluation with permerror. As in the reference
 * implementations (pyspf, Mail::SPF), the address look-ups of MX and PTR names count one by
 * one. Returns true when the limit ended the evaluation.
 */
static bool
void_lookup(struct spf_eval *ev, const char *term)
{
	if (++ev->void_lookups <= SPF_VOID_LIMIT)
		return false;
	spf_abort(ev, SPF_PERMERROR, SPF_PROB_VOID_LIMIT, _("more than %d void look-ups, the last "
	    "for '%s' in the record of %s (RFC 7208 4.6.4)"), SPF_VOID_LIMIT, term,
	    spf_top_frame(ev)->domain);
	return true;
}

void
spf_p_start(struct spf_eval *ev, enum spf_state resume)
{
	/* look-ups for %{p} in a term count toward its limits; in exp= text they do not (the
	 * result is decided by then) */
	ev->is_p_counted = resume != S_EXP && resume != S_EXP_EXPAND;
	ev->p_resume = resume;
	spf_ask(ev, 0, LK_PTR, ev->rev_name, SPF_T_PTR);
	ev->state = S_P_NAMES;
}

static void
step_frame_start(struct spf_eval *ev)
{
	struct spf_frame *f = spf_top_frame(ev);

	if (!domain_is_checkable(f->domain)) {
		spf_trace_add(ev, "(record)", NULL, _("not a valid domain name: none"));
		frame_none(ev, SPF_PROB_BAD_DOMAIN, _("'%s' is not a valid multi-label domain name"),
		    f->domain);
		return;
	}
	/* RFC 7208 4.4: TXT only; type SPF (99) is not asked */
	spf_ask(ev, 0, LK_RECORD, f->domain, SPF_T_TXT);
	ev->state = S_RECORD;
}

static void
step_record(struct spf_eval *ev)
{
	struct spf_frame *f = spf_top_frame(ev);
	struct spf_slot *slot = &ev->slots[0];
	char why[200];
	int rc;

	switch (slot->status) {
	case SPF_DNS_TEMPERROR:
		spf_trace_add(ev, "(record)", slot, _("DNS error"));
		spf_abort(ev, SPF_TEMPERROR, SPF_PROB_DNS_ERROR, _("TXT look-up for %s failed: %s "
		    "(RFC 7208 4.4)"), f->domain, slot->why != NULL ? slot->why : _("DNS error"));
		return;
	case SPF_DNS_NXDOMAIN:
		spf_trace_add(ev, "(record)", slot, _("no such domain"));
		frame_none(ev, SPF_PROB_NXDOMAIN, _("%s does not exist"), f->domain);
		return;
	case SPF_DNS_NODATA:
	case SPF_DNS_BADNAME:
		spf_trace_add(ev, "(record)", slot, _("no TXT records"));
		frame_none(ev, SPF_PROB_NO_RECORD, _("no SPF record at %s"), f->domain);
		return;
	case SPF_DNS_OK:
		break;
	}
	/* RFC 7208 4.5: exactly one record opening with "v=spf1" */
	if (slot->n_spf == 0) {
		spf_trace_add(ev, "(record)", slot, _("no v=spf1 record"));
		frame_none(ev, SPF_PROB_NO_RECORD, _("no SPF record at %s"), f->domain);
		return;
	}
	if (slot->n_spf > 1) {
		spf_trace_add(ev, "(record)", slot, _("%zu v=spf1 records"), slot->n_spf);
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_MULTIPLE,
		    _("%zu SPF records at %s (RFC 7208 4.5)"), slot->n_spf, f->domain);
		return;
	}
	if (slot->is_too_long) {
		spf_trace_add(ev, "(record)", slot, _("record too long"));
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_TOO_LONG,
		    _("the SPF record of %s is longer than %d characters"), f->domain,
		    SPF_RECORD_MAX);
		return;
	}
	rc = spf_record_parse_cached(ev->record_cache, slot->text, slot->text_len, &f->rec, why,
	    sizeof(why));
	if (rc < 0) {
		spf_trace_add(ev, "(record)", slot, _("syntax error: %s"), why);
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_SYNTAX,
		    _("syntax error in the SPF record of %s: %s"), f->domain, why);
		return;
	}
	spf_trace_add(ev, "(record)", slot, ngettext("%zu mechanism%s%s", "%zu mechanisms%s%s",
	    f->rec->n_terms), f->rec->n_terms, f->rec->redirect != NULL ? ", redirect=" : "",
	    f->rec->redirect != NULL ? f->rec->redirect : "");
	f->next = 0;
	ev->state = S_TERM;
}

static void
end_of_record(struct spf_eval *ev)
{
	struct spf_frame *f = spf_top_frame(ev);
	const struct spf_record *rec = f->rec;
	char *target, term[256];
	int rc;

	/* RFC 7208 6.1: redirect applies when no mechanism matched (and never with "all") */
	if (rec->redirect == NULL || rec->has_all) {
		spf_trace_add(ev, "(end)", NULL, _("no mechanism matched: neutral (RFC 7208 4.7)"));
		frame_done(ev, SPF_NEUTRAL);
		return;
	}
	if (!ev->is_p_known && rec->redirect_uses_p) {
		spf_p_start(ev, S_TERM);
		return;
	}
	snprintf(term, sizeof(term), "redirect=%.200s", rec->redirect);
	/* RFC 7208 4.6.4: redirect counts toward the ten DNS-querying terms */
	if (++ev->dns_mechs > SPF_LOOKUP_LIMIT) {
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_DNS_LIMIT,
		    _("more than %d DNS-querying terms, the next being '%s' in the record of %s "
		    "(RFC 7208 4.6.4)"), SPF_LOOKUP_LIMIT, term, f->domain);
		return;
	}
	rc = spf_target_expand(ev, rec->redirect, rec->redirect_len, &target);
	if (rc < 0) {
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_BAD_TARGET, "%s: %s '%s' (RFC 7208 6.1)",
		    term, rc == MXD_ELIMIT ? _("expansion too long") : _("not a valid domain name"),
		    target != NULL ? target : "");
		free(target);
		return;
	}
	spf_trace_add(ev, term, NULL, _("no mechanism matched: evaluating %s instead"), target);
	/* The redirected check_host() replaces this one, exp= and all (6.1, 6.2) */
	free(f->domain);
	spf_record_free(f->rec);
	f->rec = NULL;
	f->domain = target;
	f->next = 0;
	f->is_redirect = true;
	ev->state = S_FRAME_START;
}

static void
step_term(struct spf_eval *ev)
{
	struct spf_frame *f = spf_top_frame(ev);
	const struct spf_term *t;
	char *target;
	bool is_match;
	int rc;

	if (f->next >= f->rec->n_terms) {
		end_of_record(ev);
		return;
	}
	t = &f->rec->terms[f->next];
	switch (t->mech) {
	case SPF_MECH_ALL:
		spf_trace_add(ev, t->text, NULL, _("match"));
		term_match(ev);
		return;
	case SPF_MECH_IP4:
	case SPF_MECH_IP6:
		/* RFC 7208 5.6: an address matches only a network of its own family */
		is_match = t->mech == SPF_MECH_IP4 ?
		    ev->family == 4 && spf_cidr_match(ev->ip, t->net, t->cidr4) :
		    ev->family == 6 && spf_cidr_match(ev->ip, t->net, t->cidr6);
		spf_trace_add(ev, t->text, NULL, is_match ? _("match") : _("no match"));
		if (is_match)
			term_match(ev);
		else
			term_nomatch(ev);
		return;
	default:
		break;
	}
	if (t->uses_p && !ev->is_p_known) {
		spf_p_start(ev, S_TERM);
		return;
	}
	/* RFC 7208 4.6.4: include, a, mx, ptr and exists count toward ten */
	if (++ev->dns_mechs > SPF_LOOKUP_LIMIT) {
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_DNS_LIMIT,
		    _("more than %d DNS-querying terms, the next being '%s' in the record of %s "
		    "(RFC 7208 4.6.4)"), SPF_LOOKUP_LIMIT, t->text, f->domain);
		return;
	}
	rc = spf_target_expand(ev, t->spec, t->spec_len, &target);
	if (rc == MXD_ELIMIT) {
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_TOO_LONG, _("'%s': macro expansion too long"),
		    t->text);
		return;
	}
	if (rc < 0) {
		if (t->mech == SPF_MECH_INCLUDE) {
			spf_abort(ev, SPF_PERMERROR, SPF_PROB_BAD_TARGET,
			    _("'%s': '%s' is not a valid domain name (RFC 7208 5.2)"), t->text,
			    target);
		} else {
			/* RFC 7208 4.3: a malformed name is treated as one that does not exist */
			spf_trace_add(ev, t->text, NULL, _("'%s' is not a valid domain name: no match"),
			    target);
			term_nomatch(ev);
		}
		free(target);
		return;
	}
	switch (t->mech) {
	case SPF_MECH_INCLUDE:
		if (ev->depth >= SPF_DEPTH_MAX) {
			free(target);
			spf_abort(ev, SPF_PERMERROR, SPF_PROB_DNS_LIMIT,
			    _("includes nested deeper than %d"), SPF_DEPTH_MAX);
			return;
		}
		spf_trace_add(ev, t->text, NULL, _("evaluating %s"), target);
		spf_frame_push(ev, target);
		return;
	case SPF_MECH_A:
		ev->cur_cidr = ev->family == 4 ? t->cidr4 : t->cidr6;
		spf_ask(ev, 0, LK_ADDR, target, addr_type(ev));
		free(target);
		break;
	case SPF_MECH_EXISTS:
		/* RFC 7208 5.7: an A query even when <ip> is IPv6 */
		spf_ask(ev, 0, LK_EXISTS, target, SPF_T_A);
		free(target);
		break;
	case SPF_MECH_MX:
		ev->cur_cidr = ev->family == 4 ? t->cidr4 : t->cidr6;
		spf_ask(ev, 0, LK_MX, target, SPF_T_MX);
		free(target);
		break;
	case SPF_MECH_PTR:
		free(ev->target);
		ev->target = target;
		spf_ask(ev, 0, LK_PTR, ev->rev_name, SPF_T_PTR);
		break;
	default:
		free(target);
		break;
	}
	ev->state = S_TERM_ANSWER;
}

/* Whether name is target or a subdomain of it (RFC 7208 5.5). */
static bool
name_is_within(const char *name, const char *target)
{
	size_t n = strlen(name), t = strlen(target);

	if (n == t)
		return strcasecmp(name, target) == 0;
	return n > t && name[n - t - 1] == '.' && strcasecmp(name + n - t, target) == 0;
}

/* Issue the address look-ups of one batch together: the only concurrency inside a term. */
static void
batch_ask(struct spf_eval *ev, char **names, size_t n, enum spf_lk kind)
{
	size_t k;

	ev->batch_n = n;
	for (k = 0; k < n; k++) {
		spf_ask(ev, k, kind, names[k], addr_type(ev));
		free(names[k]);
	}
}

static void
step_mx_names(struct spf_eval *ev, const struct spf_term *t)
{
	struct spf_slot *slot = &ev->slots[0];
	char *names[SPF_NAMES_LIMIT];
	uint16_t prefs[SPF_NAMES_LIMIT];
	size_t i, j, n = 0;

	/* RFC 7208 4.6.4: more than ten MX records is a permerror */
	if (slot->count > SPF_NAMES_LIMIT) {
		spf_trace_add(ev, t->text, slot, _("%zu MX records"), slot->count);
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_MX_LIMIT, _("'%s': %zu MX records at %s, more "
		    "than %d (RFC 7208 4.6.4)"), t->text, slot->count, slot->qname, SPF_NAMES_LIMIT);
		return;
	}
	/* In preference order (then by name, whatever order the answer had), so a match, an
	 * error or a void look-up is met as a sequential walk would. A null MX (RFC 7505) or an
	 * unusable name has no addresses to match. */
	for (i = 0; i < slot->n_names; i++) {
		char *name = slot->names[i];

		slot->names[i] = NULL;
		if (!spf_name_is_valid(name, strlen(name))) {
			free(name);
			continue;
		}
		for (j = n; j > 0 && (prefs[j - 1] > slot->prefs[i] ||
		    (prefs[j - 1] == slot->prefs[i] && strcmp(names[j - 1], name) > 0)); j--) {
			names[j] = names[j - 1];
			prefs[j] = prefs[j - 1];
		}
		names[j] = name;
		prefs[j] = slot->prefs[i];
		n++;
	}
	slot->n_names = 0;
	if (n == 0) {
		spf_trace_add(ev, t->text, slot, _("no usable exchange: no match"));
		term_nomatch(ev);
		return;
	}
	spf_trace_add(ev, t->text, slot, ngettext("looking up %zu exchange",
	    "looking up %zu exchanges", n), n);
	batch_ask(ev, names, n, LK_ADDR);
	ev->state = S_MX_ADDRS;
}

static void
step_ptr_names(struct spf_eval *ev, const struct spf_term *t)
{
	struct spf_slot *slot = &ev->slots[0];
	char *names[SPF_NAMES_LIMIT];
	size_t i, n = 0;

	/* RFC 7208 5.5: only names within the target can match, so only those are validated;
	 * the first ten PTR records are all that is looked at (4.6.4) */
	for (i = 0; i < slot->n_names; i++) {
		if (name_is_within(slot->names[i], ev->target) &&
		    spf_name_is_valid(slot->names[i], strlen(slot->names[i]))) {
			names[n++] = slot->names[i];
			slot->names[i] = NULL;
		}
	}
	if (n == 0) {
		spf_trace_add(ev, t->text, slot, _("no name within %s: no match"), ev->target);
		term_nomatch(ev);
		return;
	}
	spf_trace_add(ev, t->text, slot, ngettext("validating %zu name within %s",
	    "validating %zu names within %s", n), n, ev->target);
	batch_ask(ev, names, n, LK_VALIDATE);
	ev->state = S_PTR_ADDRS;
}

static void
step_term_answer(struct spf_eval *ev)
{
	struct spf_frame *f = spf_top_frame(ev);
	const struct spf_term *t = &f->rec->terms[f->next];
	struct spf_slot *slot = &ev->slots[0];

	switch (slot->status) {
	case SPF_DNS_TEMPERROR:
		/* RFC 7208 5.5: a ptr look-up error is no match; elsewhere temperror (5) */
		if (t->mech == SPF_MECH_PTR) {
			spf_trace_add(ev, t->text, slot, _("DNS error: no match (RFC 7208 5.5)"));
			term_nomatch(ev);
			return;
		}
		spf_trace_add(ev, t->text, slot, _("DNS error"));
		spf_abort(ev, SPF_TEMPERROR, SPF_PROB_DNS_ERROR, _("'%s': %s %s failed: %s "
		    "(RFC 7208 5)"), t->text, slot->qname, spf_type_name(slot->type),
		    slot->why != NULL ? slot->why : _("DNS error"));
		return;
	case SPF_DNS_NXDOMAIN:
	case SPF_DNS_NODATA:
		/* RFC 7208 4.6.4: an empty answer or NXDOMAIN is a void look-up */
		spf_trace_add(ev, t->text, slot, _("void look-up: no match"));
		if (!void_lookup(ev, t->text))
			term_nomatch(ev);
		return;
	case SPF_DNS_BADNAME:
		spf_trace_add(ev, t->text, slot, _("name cannot be asked: no match"));
		term_nomatch(ev);
		return;
	case SPF_DNS_OK:
		break;
	}
	switch (t->mech) {
	case SPF_MECH_MX:
		step_mx_names(ev, t);
		return;
	case SPF_MECH_PTR:
		step_ptr_names(ev, t);
		return;
	default:
		break;
	}
	spf_trace_add(ev, t->text, slot, slot->is_matched ? _("match") : _("no match"));
	if (slot->is_matched)
		term_match(ev);
	else
		term_nomatch(ev);
}

static void
step_mx_addrs(struct spf_eval *ev)
{
	struct spf_frame *f = spf_top_frame(ev);
	const struct spf_term *t = &f->rec->terms[f->next];
	size_t k;

	for (k = 0; k < ev->batch_n; k++) {
		struct spf_slot *slot = &ev->slots[k];

		if (slot->is_matched) {
			spf_trace_add(ev, t->text, slot, _("match"));
			term_match(ev);
			return;
		}
		if (slot->status == SPF_DNS_TEMPERROR) {
			spf_trace_add(ev, t->text, slot, _("DNS error"));
			spf_abort(ev, SPF_TEMPERROR, SPF_PROB_DNS_ERROR, _("'%s': %s %s failed: %s "
			    "(RFC 7208 5)"), t->text, slot->qname, spf_type_name(slot->type),
			    slot->why != NULL ? slot->why : _("DNS error"));
			return;
		}
		if (slot->status == SPF_DNS_NXDOMAIN || slot->status == SPF_DNS_NODATA) {
			spf_trace_add(ev, t->text, slot, _("void look-up"));
			if (void_lookup(ev, t->text))
				return;
			continue;
		}
		spf_trace_add(ev, t->text, slot, _("no match"));
	}
	term_nomatch(ev);
}

static void
step_ptr_addrs(struct spf_eval *ev)
{
	struct spf_frame *f = spf_top_frame(ev);
	const struct spf_term *t = &f->rec->terms[f->next];
	size_t k;

	/* RFC 7208 5.5: names in PTR order until one is validated; an address look-up error
	 * only skips that name, an empty one is a void look-up (4.6.4) */
	for (k = 0; k < ev->batch_n; k++) {
		struct spf_slot *slot = &ev->slots[k];

		if (slot->is_matched) {
			spf_trace_add(ev, t->text, slot, _("validated, within %s: match"), ev->target);
			term_match(ev);
			return;
		}
		if (slot->status == SPF_DNS_NXDOMAIN || slot->status == SPF_DNS_NODATA) {
			spf_trace_add(ev, t->text, slot, _("void look-up: not validated"));
			if (void_lookup(ev, t->text))
				return;
			continue;
		}
		spf_trace_add(ev, t->text, slot, _("not validated"));
	}
	term_nomatch(ev);
}

static void
step_p_names(struct spf_eval *ev)
{
	struct spf_slot *slot = &ev->slots[0];
	char *names[SPF_NAMES_LIMIT];
	size_t i, n = 0;

	if (slot->status != SPF_DNS_OK) {
		/* RFC 7208 7.3: no validated name, or a DNS error, gives "unknown" */
		spf_trace_add(ev, "(%{p})", slot, _("p = unknown"));
		if (ev->is_p_counted && (slot->status == SPF_DNS_NXDOMAIN ||
		    slot->status == SPF_DNS_NODATA) && void_lookup(ev, "%{p}"))
			return;
		ev->is_p_known = true;
		ev->state = ev->p_resume;
		return;
	}
	for (i = 0; i < slot->n_names; i++) {
		if (spf_name_is_valid(slot->names[i], strlen(slot->names[i]))) {
			names[n++] = slot->names[i];
			slot->names[i] = NULL;
		}
	}
	spf_trace_add(ev, "(%{p})", slot, ngettext("validating %zu name",
	    "validating %zu names", n), n);
	if (n == 0) {
		ev->is_p_known = true;
		ev->state = ev->p_resume;
		return;
	}
	batch_ask(ev, names, n, LK_VALIDATE);
	ev->state = S_P_ADDRS;
}

static void
step_p_addrs(struct spf_eval *ev)
{
	size_t k;

	for (k = 0; k < ev->batch_n; k++) {
		struct spf_slot *slot = &ev->slots[k];

		spf_trace_add(ev, "(%{p})", slot, slot->is_matched ? _("validated") : _("not validated"));
		if (slot->is_matched)
			ev->p_names[ev->p_n++] = xstrdup(slot->qname);
		else if (ev->is_p_counted && (slot->status == SPF_DNS_NXDOMAIN ||
		    slot->status == SPF_DNS_NODATA) && void_lookup(ev, "%{p}"))
			return;
	}
	ev->is_p_known = true;
	ev->state = ev->p_resume;
}


void
spf_step(struct spf_eval *ev)
{
	switch (ev->state) {
	case S_FRAME_START: step_frame_start(ev); break;
	case S_RECORD: step_record(ev); break;
	case S_TERM: step_term(ev); break;
	case S_TERM_ANSWER: step_term_answer(ev); break;
	case S_MX_ADDRS: step_mx_addrs(ev); break;
	case S_PTR_ADDRS: step_ptr_addrs(ev); break;
	case S_P_NAMES: step_p_names(ev); break;
	case S_P_ADDRS: step_p_addrs(ev); break;
	case S_EXP: spf_step_exp(ev); break;
	case S_EXP_ANSWER: spf_step_exp_answer(ev); break;
	case S_EXP_EXPAND: spf_step_exp_expand(ev); break;
	case S_FINISH: ev->state = S_DONE; break;
	case S_DONE: break;
	}
}
