/* RFC 7208 check_host() as a state machine: each step decides on data in hand or asks the
 * resolver and waits. Answers may come back before lookup() returns (in-memory zone data)
 * or later from the event loop (live DNS); one driver loop runs the steps, so neither way
 * recurses, and many evaluations can share one loop. */

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

static void slot_reset(struct spf_slot *slot);
static char *name_copy(const char *data, size_t len);
static void slot_digest(struct spf_eval *ev, struct spf_slot *slot, const struct spf_answer *ans);
static void spf_on_answer(const struct spf_answer *ans, void *arg);
static void exp_use_default(struct spf_eval *ev, const char *why);
static void spf_eval_free(struct spf_eval *ev);
static void spf_report(struct spf_eval *ev);
static void spf_run(struct spf_eval *ev);
static void ip_names(struct spf_eval *ev);
static int parse_ip(struct spf_eval *ev, const char *ip);
static bool is_too_long(const char *s);

/* The evaluation ends with res; no exp= is fetched (it is for fail only, 6.2). */

void
spf_abort(struct spf_eval *ev, enum spf_result res, enum spf_problem prob, const char *fmt, ...)
{
	va_list ap;

	ev->result = res;
	ev->problem_kind = prob;
	free(ev->problem);
	va_start(ap, fmt);
	ev->problem = xvasprintf(fmt, ap);
	va_end(ap);
	spf_trace_add(ev, "(result)", NULL, "%s: %s", spf_result_name(res), ev->problem);
	ev->state = S_FINISH;
}

static void
slot_reset(struct spf_slot *slot)
{
	size_t i;

	free(slot->why);
	free(slot->text);
	free(slot->summary);
	for (i = 0; i < slot->n_names; i++)
		free(slot->names[i]);
	memset(slot, 0, sizeof(*slot));
}

/* A name from an answer: no trailing dot, lower case (DNS names compare without case). */
static char *
name_copy(const char *data, size_t len)
{
	char *s = xstrndup(data != NULL ? data : "", len);
	size_t n = strlen(s), i;

	if (n > 0 && s[n - 1] == '.')
		s[--n] = '\0';
	for (i = 0; i < n; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
	}
	return s;
}


/* Keep from a borrowed answer what the waiting step needs. */
static void
slot_digest(struct spf_eval *ev, struct spf_slot *slot, const struct spf_answer *ans)
{
	size_t i, n;

	slot->status = ans->status;
	if (ans->why != NULL)
		slot->why = xstrndup(ans->why, strnlen(ans->why, SPF_WHY_MAX));
	n = ans->status == SPF_DNS_OK ? ans->rr_count : 0;
	/* NOERROR without records of the asked type is a void answer like NODATA (4.6.4) */
	if (ans->status == SPF_DNS_OK && n == 0)
		slot->status = SPF_DNS_NODATA;
	slot->count = n;
	for (i = 0; i < n; i++) {
		const struct spf_rr *rr = &ans->rrs[i];

		switch (slot->kind) {
		case LK_RECORD:
			if (rr->data == NULL || !spf_is_spf1(rr->data, rr->data_len))
				break;
			if (++slot->n_spf > 1)
				break;
			if (rr->data_len > SPF_RECORD_MAX) {
				slot->is_too_long = true;
				break;
			}
			slot->text = xmalloc(rr->data_len + 1);
			memcpy(slot->text, rr->data, rr->data_len);
			slot->text[rr->data_len] = '\0';
			slot->text_len = rr->data_len;
			break;
		case LK_EXP:
			if (n != 1 || rr->data == NULL)
				break;
			if (rr->data_len > SPF_EXP_TXT_MAX) {
				slot->is_too_long = true;
				break;
			}
			slot->text = xmalloc(rr->data_len + 1);
			memcpy(slot->text, rr->data, rr->data_len);
			slot->text[rr->data_len] = '\0';
			slot->text_len = rr->data_len;
			break;
		case LK_ADDR:
			if (spf_cidr_match(rr->addr, ev->ip, ev->cur_cidr))
				slot->is_matched = true;
			break;
		case LK_EXISTS:
			slot->is_matched = true;
			break;
		case LK_VALIDATE:
			if (memcmp(rr->addr, ev->ip, spf_addr_len(slot->type)) == 0)
				slot->is_matched = true;
			break;
		case LK_MX:
		case LK_PTR:
			/* RFC 7208 4.6.4: at most ten names are looked at; mx counts the rest */
			if (slot->n_names < SPF_NAMES_LIMIT) {
				slot->names[slot->n_names] = name_copy(rr->data, rr->data_len);
				slot->prefs[slot->n_names] = rr->pref;
				slot->n_names++;
			}
			break;
		}
	}
	if (ev->want_trace)
		spf_slot_summarise(slot, ans);
}

static void
spf_on_answer(const struct spf_answer *ans, void *arg)
{
	struct spf_slot *slot = arg;
	struct spf_eval *ev = slot->ev;

	slot_digest(ev, slot, ans);
	ev->pending--;
	/* An answer given from inside lookup() is picked up by the running driver loop. */
	if (ev->pending == 0 && !ev->is_running)
		spf_run(ev);
}

/* Ask the resolver for qname (borrowed) into slot k. */
void
spf_ask(struct spf_eval *ev, size_t k, enum spf_lk kind, const char *qname, uint16_t type)
{
	struct spf_slot *slot = &ev->slots[k];
	size_t len = strlen(qname);

	slot_reset(slot);
	slot->ev = ev;
	slot->kind = kind;
	slot->type = type;
	ev->pending++;
	if (len >= sizeof(slot->qname)) {
		/* unreachable: callers ask checked names only; answer as a name that cannot be */
		struct spf_answer bad = { .status = SPF_DNS_BADNAME };

		memcpy(slot->qname, qname, sizeof(slot->qname) - 1);
		spf_on_answer(&bad, slot);
		return;
	}
	memcpy(slot->qname, qname, len + 1);
	ev->queries++;
	ev->r.lookup(ev->r.rctx, slot->qname, type, spf_on_answer, slot);
}


/* RFC 7208 6.2: without a usable exp=, the default explanation. */
static void
exp_use_default(struct spf_eval *ev, const char *why)
{
	spf_trace_add(ev, "(exp)", NULL, _("%s: default explanation"), why);
	free(ev->exp_text);
	ev->exp_text = xstrdup(ev->default_exp);
	ev->exp_len = strlen(ev->exp_text);
	ev->is_exp_default = true;
	ev->state = S_EXP_EXPAND;
}

void
spf_step_exp(struct spf_eval *ev)
{
	struct spf_frame *f = spf_top_frame(ev);
	char *target;
	int rc;

	/* RFC 7208 6.2: the exp= of the record that gave the result: an include's is never
	 * used, a redirect's replaces the original's (the frame holds the redirected one) */
	if (f->rec == NULL || f->rec->exp == NULL) {
		exp_use_default(ev, _("no exp="));
		return;
	}
	if (!ev->is_p_known && f->rec->exp_uses_p) {
		spf_p_start(ev, S_EXP);
		return;
	}
	rc = spf_target_expand(ev, f->rec->exp, f->rec->exp_len, &target);
	if (rc < 0) {
		free(target);
		exp_use_default(ev, _("exp= target is not a valid domain name"));
		return;
	}
	spf_ask(ev, 0, LK_EXP, target, SPF_T_TXT);
	free(target);
	ev->state = S_EXP_ANSWER;
}

void
spf_step_exp_answer(struct spf_eval *ev)
{
	struct spf_slot *slot = &ev->slots[0];

	if (slot->status != SPF_DNS_OK) {
		spf_trace_add(ev, "(exp)", slot, NULL);
		exp_use_default(ev, _("no explanation record"));
		return;
	}
	if (slot->count != 1 || slot->text == NULL) {
		spf_trace_add(ev, "(exp)", slot, NULL);
		exp_use_default(ev, slot->count != 1 ? _("not exactly one TXT record") :
		    _("record too long"));
		return;
	}
	spf_trace_add(ev, "(exp)", slot, NULL);
	free(ev->exp_text);
	ev->exp_text = slot->text;
	ev->exp_len = slot->text_len;
	slot->text = NULL;
	ev->is_exp_default = false;
	ev->state = S_EXP_EXPAND;
}

void
spf_step_exp_expand(struct spf_eval *ev)
{
	struct spf_macro_vars vars;
	char buf[SPF_EXP_MAX], why[120];
	int rc;

	/* RFC 7208 6.2: an explain-string with a syntax error counts as no exp= */
	rc = spf_macro_check(ev->exp_text, ev->exp_len, true, why, sizeof(why));
	if (rc == 0 && !ev->is_p_known && spf_macro_uses_p(ev->exp_text, ev->exp_len)) {
		spf_p_start(ev, S_EXP_EXPAND);
		return;
	}
	if (rc == 0) {
		spf_vars_fill(ev, spf_top_frame(ev)->domain, &vars);
		rc = spf_macro_expand(ev->exp_text, ev->exp_len, &vars, true, buf, sizeof(buf),
		    NULL);
		if (rc < 0)
			snprintf(why, sizeof(why), _("expansion longer than %d characters"),
			    SPF_EXP_MAX - 1);
	}
	if (rc < 0 && !ev->is_exp_default) {
		exp_use_default(ev, why);
		return;
	}
	free(ev->explanation);
	/* a default explanation that cannot be expanded is shown as written */
	ev->explanation = rc == 0 ? xstrdup(buf) : xstrndup(ev->exp_text, ev->exp_len);
	spf_trace_add(ev, "(exp)", NULL, _("explanation: %s"), ev->explanation);
	ev->state = S_FINISH;
}


static void
spf_eval_free(struct spf_eval *ev)
{
	size_t i;

	while (ev->depth > 0)
		spf_frame_pop(ev);
	for (i = 0; i < SPF_NAMES_LIMIT; i++)
		slot_reset(&ev->slots[i]);
	for (i = 0; i < ev->p_n; i++)
		free(ev->p_names[i]);
	for (i = 0; i < ev->trace_len; i++) {
		free(ev->trace[i].domain);
		free(ev->trace[i].term);
		free(ev->trace[i].query);
		free(ev->trace[i].answer);
		free(ev->trace[i].note);
	}
	free(ev->trace);
	free(ev->target);
	free(ev->exp_text);
	free(ev->sender);
	free(ev->local);
	free(ev->sender_domain);
	free(ev->helo);
	free(ev->domain);
	free(ev->receiver);
	free(ev->default_exp);
	free(ev->mechanism);
	free(ev->mech_domain);
	free(ev->explanation);
	free(ev->problem);
	free(ev);
}

static void
spf_report(struct spf_eval *ev)
{
	struct spf_outcome out;

	memset(&out, 0, sizeof(out));
	out.result = ev->result;
	out.domain = ev->domain;
	out.sender = ev->sender;
	out.mechanism = ev->mechanism;
	out.mech_domain = ev->mech_domain;
	out.explanation = ev->result == SPF_FAIL ? ev->explanation : NULL;
	out.is_explanation_default = out.explanation != NULL && ev->is_exp_default;
	out.problem = ev->problem;
	out.problem_kind = ev->problem_kind;
	out.dns_mechs = ev->dns_mechs;
	out.void_lookups = ev->void_lookups;
	out.queries = ev->queries;
	out.trace = ev->trace;
	out.trace_len = ev->trace_len;
	out.is_trace_truncated = ev->is_trace_truncated;
	ev->cb(&out, ev->cb_arg);
	spf_eval_free(ev);
}

/* The driver loop: run steps while no answer is awaited. Answers that arrive while it runs
 * (from inside lookup()) are only recorded, so the call depth stays constant. */
static void
spf_run(struct spf_eval *ev)
{
	ev->is_running = true;
	while (ev->pending == 0 && ev->state != S_DONE) {
		if (++ev->steps > SPF_MAX_STEPS) {
			spf_abort(ev, SPF_PERMERROR, SPF_PROB_TOO_LONG, _("evaluation exceeded %d "
			    "steps"), SPF_MAX_STEPS);
			ev->state = S_DONE;
			break;
		}
		spf_step(ev);
	}
	ev->is_running = false;
	if (ev->state == S_DONE && ev->pending == 0)
		spf_report(ev);
}

/* %{i}, %{c} and the reverse name of <ip> (RFC 7208 7.3, 5.5). */
static void
ip_names(struct spf_eval *ev)
{
	static const char hex_uc[] = "0123456789ABCDEF", hex_lc[] = "0123456789abcdef";
	size_t i, o = 0, r = 0;

	if (ev->family == 4) {
		snprintf(ev->ip_i, sizeof(ev->ip_i), "%u.%u.%u.%u", ev->ip[0], ev->ip[1],
		    ev->ip[2], ev->ip[3]);
		if (inet_ntop(AF_INET, ev->ip, ev->ip_c, sizeof(ev->ip_c)) == NULL)
			ev->ip_c[0] = '\0';
		snprintf(ev->rev_name, sizeof(ev->rev_name), "%u.%u.%u.%u.in-addr.arpa",
		    ev->ip[3], ev->ip[2], ev->ip[1], ev->ip[0]);
		return;
	}
	/* "dot-format": 32 nibbles, most significant first, separated by dots */
	for (i = 0; i < 16; i++) {
		ev->ip_i[o++] = hex_uc[ev->ip[i] >> 4];
		ev->ip_i[o++] = '.';
		ev->ip_i[o++] = hex_uc[ev->ip[i] & 0x0f];
		ev->ip_i[o++] = i < 15 ? '.' : '\0';
	}
	for (i = 16; i > 0; i--) {
		ev->rev_name[r++] = hex_lc[ev->ip[i - 1] & 0x0f];
		ev->rev_name[r++] = '.';
		ev->rev_name[r++] = hex_lc[ev->ip[i - 1] >> 4];
		ev->rev_name[r++] = '.';
	}
	snprintf(ev->rev_name + r, sizeof(ev->rev_name) - r, "ip6.arpa");
	if (inet_ntop(AF_INET6, ev->ip, ev->ip_c, sizeof(ev->ip_c)) == NULL)
		ev->ip_c[0] = '\0';
}

static int
parse_ip(struct spf_eval *ev, const char *ip)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned char a6[16];

	if (ip == NULL)
		return MXD_EINVAL;
	if (inet_pton(AF_INET, ip, ev->ip) == 1) {
		ev->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a6) != 1)
		return MXD_EINVAL;
	/* RFC 7208 5: an IPv4-mapped IPv6 address is treated as the IPv4 address */
	if (memcmp(a6, mapped, sizeof(mapped)) == 0) {
		memcpy(ev->ip, a6 + 12, 4);
		ev->family = 4;
		return 0;
	}
	memcpy(ev->ip, a6, 16);
	ev->family = 6;
	return 0;
}

static bool
is_too_long(const char *s)
{
	return s != NULL && strnlen(s, SPF_INPUT_MAX + 1) > SPF_INPUT_MAX;
}

int
spf_eval_start(const struct spf_query *q, const struct spf_resolver *r, spf_eval_done *cb,
    void *arg)
{
	struct spf_eval *ev;
	const char *helo = q->helo != NULL ? q->helo : "";
	const char *at;
	char *domain;
	size_t len;

	if (is_too_long(q->sender) || is_too_long(q->helo) || is_too_long(q->domain) ||
	    is_too_long(q->receiver) || is_too_long(q->default_exp))
		return MXD_EINVAL;
	ev = xcalloc(1, sizeof(*ev));
	if (parse_ip(ev, q->ip) < 0) {
		free(ev);
		return MXD_EINVAL;
	}
	ip_names(ev);
	ev->r = *r;
	ev->cb = cb;
	ev->cb_arg = arg;
	ev->want_trace = q->want_trace;
	ev->record_cache = q->record_cache;
	ev->helo = xstrdup(helo);
	/* RFC 7208 2.4, 4.3: without a sender the HELO identity is checked as
	 * postmaster@helo; an empty local-part is "postmaster" */
	if (q->sender == NULL || q->sender[0] == '\0') {
		ev->local = xstrdup("postmaster");
		ev->sender_domain = xstrdup(helo);
	} else {
		at = strrchr(q->sender, '@');
		if (at == NULL) {
			ev->local = xstrdup("postmaster");
			ev->sender_domain = xstrdup(q->sender);
		} else {
			ev->local = at == q->sender ? xstrdup("postmaster") :
			    xstrndup(q->sender, (size_t)(at - q->sender));
			ev->sender_domain = xstrdup(at + 1);
		}
	}
	ev->sender = xasprintf("%s@%s", ev->local, ev->sender_domain);
	ev->domain = xstrdup(q->domain != NULL ? q->domain : ev->sender_domain);
	ev->receiver = xstrdup(q->receiver != NULL ? q->receiver : "unknown");
	ev->default_exp = xstrdup(q->default_exp != NULL ? q->default_exp : SPF_DEFAULT_EXP);
	snprintf(ev->t_buf, sizeof(ev->t_buf), "%lld",
	    (long long)(q->now != 0 ? q->now : time(NULL)));
	if (ev->domain[0] == '\0') {
		spf_eval_free(ev);
		return MXD_EINVAL;
	}
	domain = xstrdup(ev->domain);
	len = strlen(domain);
	if (len > 1 && domain[len - 1] == '.')
		domain[len - 1] = '\0';
	spf_frame_push(ev, domain);
	spf_run(ev);
	return 0;
}
