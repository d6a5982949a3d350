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
#include "spf.h"
#include "spf_macro.h"
#include "spf_parse.h"
#include "xmalloc.h"

#define SPF_MAX_DNS_MECHS 10	/* RFC 7208 4.6.4: terms that query the DNS */
#define SPF_MAX_VOID 2		/* RFC 7208 4.6.4: void look-ups, the RECOMMENDED default */
#define SPF_MAX_NAMES 10	/* RFC 7208 4.6.4: address look-ups under one mx, ptr or %{p} */
#define SPF_MAX_DEPTH 16	/* include nesting; the term limit stops it at 11 */
#define SPF_MAX_STEPS 100000	/* guard against a broken state machine; never reached */
#define SPF_TRACE_MAX 512	/* trace steps kept; more sets is_trace_truncated */
#define SPF_SUMMARY_MAX 320	/* characters of one answer summary in the trace */
#define SPF_EXP_MAX 1024	/* characters of an expanded explanation */
#define SPF_EXP_TXT_MAX 2048	/* characters of an exp= TXT record (RFC 7208 6.2) */
#define SPF_INPUT_MAX 1024	/* sender, HELO, domain, receiver and default explanation */
#define SPF_WHY_MAX 120		/* characters of a resolver's error text kept */

#define SPF_DEFAULT_EXP "%{c} is not authorised by the SPF record of %{d} to send mail " \
	"as %{s}"

/* What a look-up is for; decides how its answer is digested. */
enum spf_lk {
	LK_RECORD,	/* TXT at a <domain>: the v=spf1 records (RFC 7208 4.4, 4.5) */
	LK_ADDR,	/* A/AAAA of a or of an MX name: is <ip> inside the CIDR? (5.3, 5.4) */
	LK_EXISTS,	/* A of exists: is there any? (5.7) */
	LK_MX,		/* MX names (5.4) */
	LK_PTR,		/* PTR names of <ip> (5.5, 7.3 %{p}) */
	LK_VALIDATE,	/* A/AAAA of a PTR name: is <ip> among them? (5.5) */
	LK_EXP,		/* TXT of exp=: exactly one record (6.2) */
};

/* One look-up in flight or answered. The answer is digested on arrival (it is borrowed),
 * keeping only what the step needs. */
struct spf_slot {
	struct spf_eval *ev;
	enum spf_lk kind;
	uint16_t type;
	char qname[256];	/* asked names are checked names: at most 253 characters */
	enum spf_dns_status status;
	char *why;		/* owned: the resolver's error text, or NULL */
	bool is_matched;	/* LK_ADDR, LK_EXISTS, LK_VALIDATE */
	size_t count;		/* records of the asked type */
	size_t n_spf;		/* LK_RECORD: records that open with v=spf1 */
	char *text;		/* owned: LK_RECORD's v=spf1 record, LK_EXP's only record */
	size_t text_len;
	bool is_too_long;
	char *names[SPF_MAX_NAMES];	/* owned: LK_MX and LK_PTR, the first ten */
	uint16_t prefs[SPF_MAX_NAMES];
	size_t n_names;
	char *summary;		/* owned: the answer for the trace, or NULL */
};

/* One check_host() invocation: the checked domain, or an include's target. */
struct spf_frame {
	char *domain;		/* owned: this check_host()'s <domain> */
	struct spf_record *rec;	/* owned; NULL until fetched */
	size_t next;		/* index of the term under evaluation */
	bool is_redirect;	/* reached through redirect=: "none" becomes permerror (6.1) */
};

enum spf_state {
	S_FRAME_START,	/* check the frame's domain, ask its TXT records */
	S_RECORD,	/* select and parse the record */
	S_TERM,		/* evaluate the frame's next term */
	S_TERM_ANSWER,	/* the one look-up of a, exists, mx or ptr is in slot 0 */
	S_MX_ADDRS,	/* address look-ups of the MX names are in slots 0..batch_n-1 */
	S_PTR_ADDRS,	/* validation look-ups of the PTR names */
	S_P_NAMES,	/* %{p}: PTR names in slot 0 */
	S_P_ADDRS,	/* %{p}: validation look-ups */
	S_EXP,		/* the result is fail: fetch the explanation */
	S_EXP_ANSWER,
	S_EXP_EXPAND,
	S_FINISH,
	S_DONE,
};

struct spf_eval {
	struct spf_resolver r;
	spf_eval_done *cb;
	void *cb_arg;
	bool want_trace;
	struct spf_record_cache *record_cache;	/* borrowed, may be NULL */

	/* check_host() arguments (RFC 7208 4.1) and the macro values that derive from them */
	int family;			/* 4 or 6 */
	unsigned char ip[16];		/* IPv4 in the first 4 bytes */
	char ip_c[INET6_ADDRSTRLEN];	/* %{c} */
	char ip_i[72];			/* %{i}: dotted quad or 32 dotted nibbles */
	char rev_name[80];		/* the PTR query name */
	char t_buf[24];			/* %{t} */
	char *sender, *local, *sender_domain, *helo, *domain, *receiver, *default_exp;

	struct spf_frame frames[SPF_MAX_DEPTH];
	size_t depth;
	enum spf_state state;
	struct spf_slot slots[SPF_MAX_NAMES];
	size_t batch_n;			/* slots used by the current batch */
	unsigned pending;		/* look-ups asked and not yet answered */
	bool is_running;		/* inside spf_run(): answers only get recorded */
	unsigned steps;

	unsigned cur_cidr;		/* prefix length for LK_ADDR */
	char *target;			/* owned: target-name of the ptr term in progress */

	/* %{p} (RFC 7208 7.3): the validated names, looked up at most once */
	bool is_p_known;
	bool is_p_counted;		/* the look-ups count as void look-ups (4.6.4) */
	enum spf_state p_resume;
	char *p_names[SPF_MAX_NAMES];
	size_t p_n;

	/* the explanation being expanded (RFC 7208 6.2) */
	char *exp_text;
	size_t exp_len;
	bool is_exp_default;

	enum spf_result result;
	char *mechanism, *mech_domain, *explanation, *problem;
	enum spf_problem problem_kind;
	unsigned dns_mechs, void_lookups, queries;
	struct spf_trace_step *trace;
	size_t trace_len, trace_cap;
	bool is_trace_truncated;
};

static void spf_run(struct spf_eval *ev);

const char *
spf_result_name(enum spf_result res)
{
	switch (res) {
	case SPF_NONE: return "none";
	case SPF_NEUTRAL: return "neutral";
	case SPF_PASS: return "pass";
	case SPF_FAIL: return "fail";
	case SPF_SOFTFAIL: return "softfail";
	case SPF_TEMPERROR: return "temperror";
	case SPF_PERMERROR: return "permerror";
	}
	return "?";
}

const char *
spf_problem_name(enum spf_problem prob)
{
	switch (prob) {
	case SPF_PROB_NONE: return "";
	case SPF_PROB_BAD_DOMAIN: return "bad-domain";
	case SPF_PROB_NXDOMAIN: return "nxdomain";
	case SPF_PROB_NO_RECORD: return "no-record";
	case SPF_PROB_MULTIPLE: return "multiple-records";
	case SPF_PROB_SYNTAX: return "syntax";
	case SPF_PROB_TOO_LONG: return "too-long";
	case SPF_PROB_DNS_LIMIT: return "lookup-limit";
	case SPF_PROB_VOID_LIMIT: return "void-limit";
	case SPF_PROB_MX_LIMIT: return "mx-limit";
	case SPF_PROB_INCLUDE_NONE: return "include-no-record";
	case SPF_PROB_REDIRECT_NONE: return "redirect-no-record";
	case SPF_PROB_BAD_TARGET: return "bad-target";
	case SPF_PROB_DNS_ERROR: return "dns-error";
	}
	return "?";
}

int
spf_result_parse(const char *s, enum spf_result *res)
{
	static const enum spf_result all[] = { SPF_NONE, SPF_NEUTRAL, SPF_PASS, SPF_FAIL,
	    SPF_SOFTFAIL, SPF_TEMPERROR, SPF_PERMERROR };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcasecmp(s, spf_result_name(all[i])) == 0) {
			*res = all[i];
			return 0;
		}
	}
	return MXD_EINVAL;
}

static const char *
type_name(uint16_t type)
{
	switch (type) {
	case SPF_T_A: return "A";
	case SPF_T_AAAA: return "AAAA";
	case SPF_T_MX: return "MX";
	case SPF_T_PTR: return "PTR";
	case SPF_T_TXT: return "TXT";
	default: return "?";
	}
}

static const char *
status_name(enum spf_dns_status st)
{
	switch (st) {
	case SPF_DNS_OK: return "NOERROR";
	case SPF_DNS_NODATA: return "NODATA";
	case SPF_DNS_NXDOMAIN: return "NXDOMAIN";
	case SPF_DNS_TEMPERROR: return "TEMPERROR";
	case SPF_DNS_BADNAME: return "BADNAME";
	}
	return "?";
}

/* A bounded text builder for trace summaries: past the ceiling it ends in "...". */
struct sbuf {
	char buf[SPF_SUMMARY_MAX];
	size_t len;
	bool is_full;
};

static void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->is_full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sizeof(sb->buf) - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(sb->buf) - sb->len) {
		sb->is_full = true;
		sb->len = sizeof(sb->buf) - 1;
		memcpy(sb->buf + sb->len - 3, "...", 3);
		return;
	}
	sb->len += (size_t)n;
}

/* Quote record data, escaping what a terminal should not see. */
static void
sb_quote(struct sbuf *sb, const char *s, size_t len)
{
	size_t i;

	sb_printf(sb, "\"");
	for (i = 0; i < len && !sb->is_full; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			sb_printf(sb, "\\x%02x", c);
		else
			sb_printf(sb, "%c", c);
	}
	sb_printf(sb, "\"");
}

static struct spf_frame *
top_frame(struct spf_eval *ev)
{
	return &ev->frames[ev->depth - 1];
}

static void trace_add(struct spf_eval *ev, const char *term, const struct spf_slot *slot,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Record one step; slot (may be NULL) gives the query and its answer. */
static void
trace_add(struct spf_eval *ev, const char *term, const struct spf_slot *slot, const char *fmt,
    ...)
{
	struct spf_trace_step *st;
	va_list ap;

	if (!ev->want_trace)
		return;
	if (ev->trace_len >= SPF_TRACE_MAX) {
		ev->is_trace_truncated = true;
		return;
	}
	if (ev->trace_len == ev->trace_cap) {
		ev->trace_cap = ev->trace_cap == 0 ? 16 : ev->trace_cap * 2;
		ev->trace = xrealloc(ev->trace, ev->trace_cap * sizeof(*ev->trace));
	}
	st = &ev->trace[ev->trace_len++];
	memset(st, 0, sizeof(*st));
	st->depth = ev->depth > 0 ? (unsigned)ev->depth - 1 : 0;
	st->domain = xstrdup(ev->depth > 0 ? top_frame(ev)->domain : ev->domain);
	st->term = xstrdup(term);
	if (slot != NULL) {
		st->query = xasprintf("%s %s", slot->qname, type_name(slot->type));
		st->answer = xstrdup(slot->summary);
	}
	if (fmt != NULL) {
		va_start(ap, fmt);
		st->note = xvasprintf(fmt, ap);
		va_end(ap);
	}
	st->dns_mechs = ev->dns_mechs;
	st->void_lookups = ev->void_lookups;
}

/* The evaluation ends with res; no exp= is fetched (it is for fail only, 6.2). */
static void spf_abort(struct spf_eval *ev, enum spf_result res, enum spf_problem prob,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
spf_abort(struct spf_eval *ev, enum spf_result res, enum spf_problem prob, const char *fmt, ...)
{
	va_list ap;

	ev->result = res;
	ev->problem_kind = prob;
	free(ev->problem);
	va_start(ap, fmt);
	ev->problem = xvasprintf(fmt, ap);
	va_end(ap);
	trace_add(ev, "(result)", NULL, "%s: %s", spf_result_name(res), ev->problem);
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

static size_t
addr_len(uint16_t type)
{
	return type == SPF_T_AAAA ? 16 : 4;
}

static void
slot_summarise(struct spf_slot *slot, const struct spf_answer *ans)
{
	struct sbuf sb = { .len = 0 };
	char abuf[INET6_ADDRSTRLEN];
	size_t i;

	sb.buf[0] = '\0';
	if (slot->status != SPF_DNS_OK) {
		sb_printf(&sb, "%s", status_name(slot->status));
		if (slot->why != NULL)
			sb_printf(&sb, " (%s)", slot->why);
		slot->summary = xstrdup(sb.buf);
		return;
	}
	for (i = 0; i < ans->rr_count && !sb.is_full; i++) {
		const struct spf_rr *rr = &ans->rrs[i];

		if (i > 0)
			sb_printf(&sb, ", ");
		switch (slot->type) {
		case SPF_T_A:
		case SPF_T_AAAA:
			if (inet_ntop(slot->type == SPF_T_A ? AF_INET : AF_INET6, rr->addr, abuf,
			    sizeof(abuf)) != NULL)
				sb_printf(&sb, "%s", abuf);
			break;
		case SPF_T_MX:
			sb_printf(&sb, "%u ", rr->pref);
			sb_quote(&sb, rr->data, rr->data_len);
			break;
		default:
			sb_quote(&sb, rr->data, rr->data_len);
			break;
		}
	}
	slot->summary = xstrdup(sb.buf);
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
			if (memcmp(rr->addr, ev->ip, addr_len(slot->type)) == 0)
				slot->is_matched = true;
			break;
		case LK_MX:
		case LK_PTR:
			/* RFC 7208 4.6.4: at most ten names are looked at; mx counts the rest */
			if (slot->n_names < SPF_MAX_NAMES) {
				slot->names[slot->n_names] = name_copy(rr->data, rr->data_len);
				slot->prefs[slot->n_names] = rr->pref;
				slot->n_names++;
			}
			break;
		}
	}
	if (ev->want_trace)
		slot_summarise(slot, ans);
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
static void
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

static void
vars_fill(const struct spf_eval *ev, const char *d, struct spf_macro_vars *v)
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
static int
target_expand(struct spf_eval *ev, const char *spec, size_t spec_len, char **out)
{
	struct spf_macro_vars vars;
	char buf[SPF_MACRO_OUT_MAX];
	const char *d = top_frame(ev)->domain;
	int rc;

	*out = NULL;
	if (spec == NULL) {
		*out = xstrdup(d);
		return 0;
	}
	vars_fill(ev, d, &vars);
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

static void
frame_push(struct spf_eval *ev, char *domain)
{
	struct spf_frame *f = &ev->frames[ev->depth++];

	memset(f, 0, sizeof(*f));
	f->domain = domain;
	ev->state = S_FRAME_START;
}

static void
frame_pop(struct spf_eval *ev)
{
	struct spf_frame *f = top_frame(ev);

	free(f->domain);
	spf_record_free(f->rec);
	memset(f, 0, sizeof(*f));
	ev->depth--;
}

static void term_match(struct spf_eval *ev);
static void term_nomatch(struct spf_eval *ev);

/* The frame's check_host() returned res. */
static void
frame_done(struct spf_eval *ev, enum spf_result res)
{
	char *inc;

	if (ev->depth == 1) {
		ev->result = res;
		trace_add(ev, "(result)", NULL, "%s", spf_result_name(res));
		ev->state = res == SPF_FAIL ? S_EXP : S_FINISH;
		return;
	}
	/* RFC 7208 5.2: the included check_host() decides whether include matches */
	inc = xstrdup(top_frame(ev)->domain);
	frame_pop(ev);
	switch (res) {
	case SPF_PASS:
		trace_add(ev, top_frame(ev)->rec->terms[top_frame(ev)->next].text, NULL,
		    "%s returned pass: match", inc);
		term_match(ev);
		break;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		trace_add(ev, top_frame(ev)->rec->terms[top_frame(ev)->next].text, NULL,
		    "%s returned %s: no match", inc, spf_result_name(res));
		term_nomatch(ev);
		break;
	default:
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_INCLUDE_NONE, "included domain %s has no "
		    "SPF record (RFC 7208 5.2)", inc);
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
	struct spf_frame *f = top_frame(ev);
	va_list ap;
	char *why;

	va_start(ap, fmt);
	why = xvasprintf(fmt, ap);
	va_end(ap);
	if (ev->depth > 1) {
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_INCLUDE_NONE, "include:%s: %s (RFC 7208 5.2)",
		    f->domain, why);
	} else if (f->is_redirect) {
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_REDIRECT_NONE,
		    "redirect=%s: %s (RFC 7208 6.1)", f->domain, why);
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
	struct spf_frame *f = top_frame(ev);
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
	top_frame(ev)->next++;
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
	if (++ev->void_lookups <= SPF_MAX_VOID)
		return false;
	spf_abort(ev, SPF_PERMERROR, SPF_PROB_VOID_LIMIT, "more than %d void look-ups, the last "
	    "for '%s' in the record of %s (RFC 7208 4.6.4)", SPF_MAX_VOID, term,
	    top_frame(ev)->domain);
	return true;
}

static void
p_start(struct spf_eval *ev, enum spf_state resume)
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
	struct spf_frame *f = top_frame(ev);

	if (!domain_is_checkable(f->domain)) {
		trace_add(ev, "(record)", NULL, "not a valid domain name: none");
		frame_none(ev, SPF_PROB_BAD_DOMAIN, "'%s' is not a valid multi-label domain name",
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
	struct spf_frame *f = top_frame(ev);
	struct spf_slot *slot = &ev->slots[0];
	char why[200];
	int rc;

	switch (slot->status) {
	case SPF_DNS_TEMPERROR:
		trace_add(ev, "(record)", slot, "DNS error");
		spf_abort(ev, SPF_TEMPERROR, SPF_PROB_DNS_ERROR, "TXT look-up for %s failed: %s "
		    "(RFC 7208 4.4)", f->domain, slot->why != NULL ? slot->why : "DNS error");
		return;
	case SPF_DNS_NXDOMAIN:
		trace_add(ev, "(record)", slot, "no such domain");
		frame_none(ev, SPF_PROB_NXDOMAIN, "%s does not exist", f->domain);
		return;
	case SPF_DNS_NODATA:
	case SPF_DNS_BADNAME:
		trace_add(ev, "(record)", slot, "no TXT records");
		frame_none(ev, SPF_PROB_NO_RECORD, "no SPF record at %s", f->domain);
		return;
	case SPF_DNS_OK:
		break;
	}
	/* RFC 7208 4.5: exactly one record opening with "v=spf1" */
	if (slot->n_spf == 0) {
		trace_add(ev, "(record)", slot, "no v=spf1 record");
		frame_none(ev, SPF_PROB_NO_RECORD, "no SPF record at %s", f->domain);
		return;
	}
	if (slot->n_spf > 1) {
		trace_add(ev, "(record)", slot, "%zu v=spf1 records", slot->n_spf);
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_MULTIPLE,
		    "%zu SPF records at %s (RFC 7208 4.5)", slot->n_spf, f->domain);
		return;
	}
	if (slot->is_too_long) {
		trace_add(ev, "(record)", slot, "record too long");
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_TOO_LONG,
		    "the SPF record of %s is longer than %d characters", f->domain,
		    SPF_RECORD_MAX);
		return;
	}
	rc = spf_record_parse_cached(ev->record_cache, slot->text, slot->text_len, &f->rec, why,
	    sizeof(why));
	if (rc < 0) {
		trace_add(ev, "(record)", slot, "syntax error: %s", why);
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_SYNTAX,
		    "syntax error in the SPF record of %s: %s", f->domain, why);
		return;
	}
	trace_add(ev, "(record)", slot, "%zu mechanism%s%s%s", f->rec->n_terms,
	    f->rec->n_terms == 1 ? "" : "s", f->rec->redirect != NULL ? ", redirect=" : "",
	    f->rec->redirect != NULL ? f->rec->redirect : "");
	f->next = 0;
	ev->state = S_TERM;
}

static void
end_of_record(struct spf_eval *ev)
{
	struct spf_frame *f = top_frame(ev);
	const struct spf_record *rec = f->rec;
	char *target, term[256];
	int rc;

	/* RFC 7208 6.1: redirect applies when no mechanism matched (and never with "all") */
	if (rec->redirect == NULL || rec->has_all) {
		trace_add(ev, "(end)", NULL, "no mechanism matched: neutral (RFC 7208 4.7)");
		frame_done(ev, SPF_NEUTRAL);
		return;
	}
	if (!ev->is_p_known && rec->redirect_uses_p) {
		p_start(ev, S_TERM);
		return;
	}
	snprintf(term, sizeof(term), "redirect=%.200s", rec->redirect);
	/* RFC 7208 4.6.4: redirect counts toward the ten DNS-querying terms */
	if (++ev->dns_mechs > SPF_MAX_DNS_MECHS) {
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_DNS_LIMIT,
		    "more than %d DNS-querying terms, the next being '%s' in the record of %s "
		    "(RFC 7208 4.6.4)", SPF_MAX_DNS_MECHS, term, f->domain);
		return;
	}
	rc = target_expand(ev, rec->redirect, rec->redirect_len, &target);
	if (rc < 0) {
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_BAD_TARGET, "%s: %s '%s' (RFC 7208 6.1)",
		    term, rc == MXD_ELIMIT ? "expansion too long" : "not a valid domain name",
		    target != NULL ? target : "");
		free(target);
		return;
	}
	trace_add(ev, term, NULL, "no mechanism matched: evaluating %s instead", target);
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
	struct spf_frame *f = top_frame(ev);
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
		trace_add(ev, t->text, NULL, "match");
		term_match(ev);
		return;
	case SPF_MECH_IP4:
	case SPF_MECH_IP6:
		/* RFC 7208 5.6: an address matches only a network of its own family */
		is_match = t->mech == SPF_MECH_IP4 ?
		    ev->family == 4 && spf_cidr_match(ev->ip, t->net, t->cidr4) :
		    ev->family == 6 && spf_cidr_match(ev->ip, t->net, t->cidr6);
		trace_add(ev, t->text, NULL, is_match ? "match" : "no match");
		if (is_match)
			term_match(ev);
		else
			term_nomatch(ev);
		return;
	default:
		break;
	}
	if (t->uses_p && !ev->is_p_known) {
		p_start(ev, S_TERM);
		return;
	}
	/* RFC 7208 4.6.4: include, a, mx, ptr and exists count toward ten */
	if (++ev->dns_mechs > SPF_MAX_DNS_MECHS) {
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_DNS_LIMIT,
		    "more than %d DNS-querying terms, the next being '%s' in the record of %s "
		    "(RFC 7208 4.6.4)", SPF_MAX_DNS_MECHS, t->text, f->domain);
		return;
	}
	rc = target_expand(ev, t->spec, t->spec_len, &target);
	if (rc == MXD_ELIMIT) {
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_TOO_LONG, "'%s': macro expansion too long",
		    t->text);
		return;
	}
	if (rc < 0) {
		if (t->mech == SPF_MECH_INCLUDE) {
			spf_abort(ev, SPF_PERMERROR, SPF_PROB_BAD_TARGET,
			    "'%s': '%s' is not a valid domain name (RFC 7208 5.2)", t->text,
			    target);
		} else {
			/* RFC 7208 4.3: a malformed name is treated as one that does not exist */
			trace_add(ev, t->text, NULL, "'%s' is not a valid domain name: no match",
			    target);
			term_nomatch(ev);
		}
		free(target);
		return;
	}
	switch (t->mech) {
	case SPF_MECH_INCLUDE:
		if (ev->depth >= SPF_MAX_DEPTH) {
			free(target);
			spf_abort(ev, SPF_PERMERROR, SPF_PROB_DNS_LIMIT,
			    "includes nested deeper than %d", SPF_MAX_DEPTH);
			return;
		}
		trace_add(ev, t->text, NULL, "evaluating %s", target);
		frame_push(ev, target);
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
	char *names[SPF_MAX_NAMES];
	uint16_t prefs[SPF_MAX_NAMES];
	size_t i, j, n = 0;

	/* RFC 7208 4.6.4: more than ten MX records is a permerror */
	if (slot->count > SPF_MAX_NAMES) {
		trace_add(ev, t->text, slot, "%zu MX records", slot->count);
		spf_abort(ev, SPF_PERMERROR, SPF_PROB_MX_LIMIT, "'%s': %zu MX records at %s, more "
		    "than %d (RFC 7208 4.6.4)", t->text, slot->count, slot->qname, SPF_MAX_NAMES);
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
		trace_add(ev, t->text, slot, "no usable exchange: no match");
		term_nomatch(ev);
		return;
	}
	trace_add(ev, t->text, slot, "looking up %zu exchange%s", n, n == 1 ? "" : "s");
	batch_ask(ev, names, n, LK_ADDR);
	ev->state = S_MX_ADDRS;
}

static void
step_ptr_names(struct spf_eval *ev, const struct spf_term *t)
{
	struct spf_slot *slot = &ev->slots[0];
	char *names[SPF_MAX_NAMES];
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
		trace_add(ev, t->text, slot, "no name within %s: no match", ev->target);
		term_nomatch(ev);
		return;
	}
	trace_add(ev, t->text, slot, "validating %zu name%s within %s", n, n == 1 ? "" : "s",
	    ev->target);
	batch_ask(ev, names, n, LK_VALIDATE);
	ev->state = S_PTR_ADDRS;
}

static void
step_term_answer(struct spf_eval *ev)
{
	struct spf_frame *f = top_frame(ev);
	const struct spf_term *t = &f->rec->terms[f->next];
	struct spf_slot *slot = &ev->slots[0];

	switch (slot->status) {
	case SPF_DNS_TEMPERROR:
		/* RFC 7208 5.5: a ptr look-up error is no match; elsewhere temperror (5) */
		if (t->mech == SPF_MECH_PTR) {
			trace_add(ev, t->text, slot, "DNS error: no match (RFC 7208 5.5)");
			term_nomatch(ev);
			return;
		}
		trace_add(ev, t->text, slot, "DNS error");
		spf_abort(ev, SPF_TEMPERROR, SPF_PROB_DNS_ERROR, "'%s': %s %s failed: %s "
		    "(RFC 7208 5)", t->text, slot->qname, type_name(slot->type),
		    slot->why != NULL ? slot->why : "DNS error");
		return;
	case SPF_DNS_NXDOMAIN:
	case SPF_DNS_NODATA:
		/* RFC 7208 4.6.4: an empty answer or NXDOMAIN is a void look-up */
		trace_add(ev, t->text, slot, "void look-up: no match");
		if (!void_lookup(ev, t->text))
			term_nomatch(ev);
		return;
	case SPF_DNS_BADNAME:
		trace_add(ev, t->text, slot, "name cannot be asked: no match");
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
	trace_add(ev, t->text, slot, slot->is_matched ? "match" : "no match");
	if (slot->is_matched)
		term_match(ev);
	else
		term_nomatch(ev);
}

static void
step_mx_addrs(struct spf_eval *ev)
{
	struct spf_frame *f = top_frame(ev);
	const struct spf_term *t = &f->rec->terms[f->next];
	size_t k;

	for (k = 0; k < ev->batch_n; k++) {
		struct spf_slot *slot = &ev->slots[k];

		if (slot->is_matched) {
			trace_add(ev, t->text, slot, "match");
			term_match(ev);
			return;
		}
		if (slot->status == SPF_DNS_TEMPERROR) {
			trace_add(ev, t->text, slot, "DNS error");
			spf_abort(ev, SPF_TEMPERROR, SPF_PROB_DNS_ERROR, "'%s': %s %s failed: %s "
			    "(RFC 7208 5)", t->text, slot->qname, type_name(slot->type),
			    slot->why != NULL ? slot->why : "DNS error");
			return;
		}
		if (slot->status == SPF_DNS_NXDOMAIN || slot->status == SPF_DNS_NODATA) {
			trace_add(ev, t->text, slot, "void look-up");
			if (void_lookup(ev, t->text))
				return;
			continue;
		}
		trace_add(ev, t->text, slot, "no match");
	}
	term_nomatch(ev);
}

static void
step_ptr_addrs(struct spf_eval *ev)
{
	struct spf_frame *f = top_frame(ev);
	const struct spf_term *t = &f->rec->terms[f->next];
	size_t k;

	/* RFC 7208 5.5: names in PTR order until one is validated; an address look-up error
	 * only skips that name, an empty one is a void look-up (4.6.4) */
	for (k = 0; k < ev->batch_n; k++) {
		struct spf_slot *slot = &ev->slots[k];

		if (slot->is_matched) {
			trace_add(ev, t->text, slot, "validated, within %s: match", ev->target);
			term_match(ev);
			return;
		}
		if (slot->status == SPF_DNS_NXDOMAIN || slot->status == SPF_DNS_NODATA) {
			trace_add(ev, t->text, slot, "void look-up: not validated");
			if (void_lookup(ev, t->text))
				return;
			continue;
		}
		trace_add(ev, t->text, slot, "not validated");
	}
	term_nomatch(ev);
}

static void
step_p_names(struct spf_eval *ev)
{
	struct spf_slot *slot = &ev->slots[0];
	char *names[SPF_MAX_NAMES];
	size_t i, n = 0;

	if (slot->status != SPF_DNS_OK) {
		/* RFC 7208 7.3: no validated name, or a DNS error, gives "unknown" */
		trace_add(ev, "(%{p})", slot, "p = unknown");
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
	trace_add(ev, "(%{p})", slot, "validating %zu name%s", n, n == 1 ? "" : "s");
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

		trace_add(ev, "(%{p})", slot, slot->is_matched ? "validated" : "not validated");
		if (slot->is_matched)
			ev->p_names[ev->p_n++] = xstrdup(slot->qname);
		else if (ev->is_p_counted && (slot->status == SPF_DNS_NXDOMAIN ||
		    slot->status == SPF_DNS_NODATA) && void_lookup(ev, "%{p}"))
			return;
	}
	ev->is_p_known = true;
	ev->state = ev->p_resume;
}

/* RFC 7208 6.2: without a usable exp=, the default explanation. */
static void
exp_use_default(struct spf_eval *ev, const char *why)
{
	trace_add(ev, "(exp)", NULL, "%s: default explanation", why);
	free(ev->exp_text);
	ev->exp_text = xstrdup(ev->default_exp);
	ev->exp_len = strlen(ev->exp_text);
	ev->is_exp_default = true;
	ev->state = S_EXP_EXPAND;
}

static void
step_exp(struct spf_eval *ev)
{
	struct spf_frame *f = top_frame(ev);
	char *target;
	int rc;

	/* RFC 7208 6.2: the exp= of the record that gave the result: an include's is never
	 * used, a redirect's replaces the original's (the frame holds the redirected one) */
	if (f->rec == NULL || f->rec->exp == NULL) {
		exp_use_default(ev, "no exp=");
		return;
	}
	if (!ev->is_p_known && f->rec->exp_uses_p) {
		p_start(ev, S_EXP);
		return;
	}
	rc = target_expand(ev, f->rec->exp, f->rec->exp_len, &target);
	if (rc < 0) {
		free(target);
		exp_use_default(ev, "exp= target is not a valid domain name");
		return;
	}
	spf_ask(ev, 0, LK_EXP, target, SPF_T_TXT);
	free(target);
	ev->state = S_EXP_ANSWER;
}

static void
step_exp_answer(struct spf_eval *ev)
{
	struct spf_slot *slot = &ev->slots[0];

	if (slot->status != SPF_DNS_OK) {
		trace_add(ev, "(exp)", slot, NULL);
		exp_use_default(ev, "no explanation record");
		return;
	}
	if (slot->count != 1 || slot->text == NULL) {
		trace_add(ev, "(exp)", slot, NULL);
		exp_use_default(ev, slot->count != 1 ? "not exactly one TXT record" :
		    "record too long");
		return;
	}
	trace_add(ev, "(exp)", slot, NULL);
	free(ev->exp_text);
	ev->exp_text = slot->text;
	ev->exp_len = slot->text_len;
	slot->text = NULL;
	ev->is_exp_default = false;
	ev->state = S_EXP_EXPAND;
}

static void
step_exp_expand(struct spf_eval *ev)
{
	struct spf_macro_vars vars;
	char buf[SPF_EXP_MAX], why[120];
	int rc;

	/* RFC 7208 6.2: an explain-string with a syntax error counts as no exp= */
	rc = spf_macro_check(ev->exp_text, ev->exp_len, true, why, sizeof(why));
	if (rc == 0 && !ev->is_p_known && spf_macro_uses_p(ev->exp_text, ev->exp_len)) {
		p_start(ev, S_EXP_EXPAND);
		return;
	}
	if (rc == 0) {
		vars_fill(ev, top_frame(ev)->domain, &vars);
		rc = spf_macro_expand(ev->exp_text, ev->exp_len, &vars, true, buf, sizeof(buf),
		    NULL);
		if (rc < 0)
			snprintf(why, sizeof(why), "expansion longer than %d characters",
			    SPF_EXP_MAX - 1);
	}
	if (rc < 0 && !ev->is_exp_default) {
		exp_use_default(ev, why);
		return;
	}
	free(ev->explanation);
	/* a default explanation that cannot be expanded is shown as written */
	ev->explanation = rc == 0 ? xstrdup(buf) : xstrndup(ev->exp_text, ev->exp_len);
	trace_add(ev, "(exp)", NULL, "explanation: %s", ev->explanation);
	ev->state = S_FINISH;
}

static void
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
	case S_EXP: step_exp(ev); break;
	case S_EXP_ANSWER: step_exp_answer(ev); break;
	case S_EXP_EXPAND: step_exp_expand(ev); break;
	case S_FINISH: ev->state = S_DONE; break;
	case S_DONE: break;
	}
}

static void
spf_eval_free(struct spf_eval *ev)
{
	size_t i;

	while (ev->depth > 0)
		frame_pop(ev);
	for (i = 0; i < SPF_MAX_NAMES; i++)
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
			spf_abort(ev, SPF_PERMERROR, SPF_PROB_TOO_LONG, "evaluation exceeded %d "
			    "steps", SPF_MAX_STEPS);
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
	frame_push(ev, domain);
	spf_run(ev);
	return 0;
}
