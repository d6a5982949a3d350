/* The analysis of one SPF record: the parser's verdict on each term as findings, the advice
 * about "all" and ptr, and the look-ups the record asks for (spf_record.c makes them). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "i18n.h"
#include "report.h"
#include "spf_parse.h"
#include "spf_terms.h"
#include "xmalloc.h"

struct finding *
spf_terms_problem(struct check_ctx *ctx, const char *domain, const char *via, const char *id,
    int status)
{
	struct finding *f = check_add(ctx, id, status, domain);

	if (via != NULL)
		finding_evidence(f, "reached through %s", via);
	return f;
}

struct scan_arg {
	struct check_ctx *ctx;
	const char *domain, *via;
	size_t n_bad;
};

/* What to tell the user about a bad term of that kind (the parser's why is in English). */
static const char *
syntax_reason(enum spf_syntax kind)
{
	switch (kind) {
	case SPF_SYN_CHAR:
		return _("it contains a byte SPF does not allow (a tab, a control character or "
		    "non-ASCII text)");
	case SPF_SYN_MECH_EQ:
		return _("mechanisms take ':' (include:domain), not '='");
	case SPF_SYN_MALFORMED:
		return _("unexpected character after the mechanism name");
	case SPF_SYN_ALL_ARG:
		return _("all takes no argument");
	case SPF_SYN_NO_DOMAIN:
		return _("this mechanism needs a domain (include:domain)");
	case SPF_SYN_DOMAIN_SPEC:
		return _("the domain is not valid: it must end in a top-level label or a macro, "
		    "and every macro must be well formed");
	case SPF_SYN_IP4:
		return _("ip4: needs an IPv4 address or network (for a host name use a:NAME)");
	case SPF_SYN_IP6:
		return _("ip6: needs an IPv6 address or network (for a host name use a:NAME)");
	case SPF_SYN_CIDR:
		return _("bad CIDR length (a/24, a//64, mx:host/24//64)");
	case SPF_SYN_MODIFIER_NAME:
		return _("not a modifier name: a name starts with a letter, then letters, digits, "
		    "'-', '_' or '.'");
	case SPF_SYN_MODIFIER_VALUE:
		return _("the value of a modifier must be a valid macro string");
	case SPF_SYN_DUP_REDIRECT:
		return _("redirect= appears more than once");
	case SPF_SYN_DUP_EXP:
		return _("exp= appears more than once");
	case SPF_SYN_VERSION:
	case SPF_SYN_TOO_LONG:
	case SPF_SYN_UNKNOWN:
		break;
	}
	return _("not valid SPF syntax");
}

static void
on_syntax_error(const struct spf_syntax_error *e, void *arg)
{
	struct scan_arg *sa = arg;
	struct finding *f;

	sa->n_bad++;
	if (e->index == 0) {
		f = spf_terms_problem(sa->ctx, sa->domain, sa->via, "spf.syntax", ST_FAIL);
		/* only a too long record: the version section chose the record (4.5) */
		finding_msg(f, _("The SPF record of %s is %zu characters long, more than one DNS "
		    "message can carry; receivers return permerror."), sa->domain, e->len);
		finding_fix(f, _("Shorten the record: list address ranges with ip4:/ip6: "
		    "networks, or move senders into an include:."));
		finding_ref(f, "RFC 7208 section 3.4");
		finding_evidence(f, "%s", e->why);
		return;
	}
	if (e->kind == SPF_SYN_UNKNOWN) {
		f = spf_terms_problem(sa->ctx, sa->domain, sa->via, "spf.unknown-mechanism",
		    ST_FAIL);
		finding_msg(f, _("The SPF record of %s contains \"%s\", which is not an SPF "
		    "mechanism; receivers return permerror."), sa->domain, e->term);
		finding_fix(f, _("Use only all, include, a, mx, ptr, ip4, ip6, exists (and the "
		    "modifiers redirect= and exp=)."));
		finding_ref(f, "RFC 7208 section 5");
	} else {
		f = spf_terms_problem(sa->ctx, sa->domain, sa->via, "spf.syntax", ST_FAIL);
		finding_msg(f, _("The SPF record of %s has an invalid term \"%s\": %s. Receivers "
		    "return permerror for the whole record."), sa->domain, e->term,
		    syntax_reason(e->kind));
		finding_fix(f, _("Correct or remove \"%s\" (e.g. ip4:192.0.2.1, ip4:192.0.2.0/24, "
		    "a:mail.example.com, include:_spf.example.com)."), e->term);
		finding_ref(f, "RFC 7208 section 4.6.1");
	}
	finding_evidence(f, "term %zu: %s", e->index, e->why);
	finding_data(f, "term", json_string(e->term));
	finding_data(f, "term_index", json_integer((json_int_t)e->index));
}

static void
follow_add(struct spf_analysis *a, enum spf_follow_kind kind, const char *term,
    const char *target, size_t target_len)
{
	struct spf_follow *fo;

	/* A macro depends on the sender: only an evaluation can follow it. */
	if (memchr(target, '%', target_len) != NULL)
		return;
	a->follow = xrealloc(a->follow, (a->n_follow + 1) * sizeof(*a->follow));
	fo = &a->follow[a->n_follow++];
	fo->kind = kind;
	fo->term = xstrdup(term);
	fo->target = xstrndup(target, target_len);
}

/* The advice about one good term of the domain's record, and what it asks to look up. */
static void
analyse_term(struct check_ctx *ctx, const char *domain, const char *via,
    const struct spf_term *t, struct spf_analysis *a)
{
	bool is_root = via == NULL;
	struct finding *f;

	switch (t->mech) {
	case SPF_MECH_ALL:
		if (is_root && t->qualifier == SPF_PASS) {
			f = spf_terms_problem(ctx, domain, via, "spf.plus-all", ST_FAIL);
			finding_msg(f, _("The SPF record of %s ends in \"+all\": every host on the "
			    "Internet is authorised to send as %s."), domain, domain);
			finding_fix(f, _("End the record with \"-all\" (or \"~all\" while testing) "
			    "after listing the real senders."));
			finding_ref(f, "RFC 7208 section 5.1");
		} else if (is_root && t->qualifier == SPF_NEUTRAL) {
			f = spf_terms_problem(ctx, domain, via, "spf.neutral-all", ST_WARN);
			finding_msg(f, _("The SPF record of %s ends in \"?all\" (neutral): it "
			    "authorises its senders but says nothing about others, which protects "
			    "little."), domain);
			finding_fix(f, _("End the record with \"~all\" or \"-all\"."));
			finding_ref(f, "RFC 7208 section 8.2");
		}
		return;
	case SPF_MECH_IP4:
	case SPF_MECH_IP6:
		return;
	default:
		break;
	}
	/* Everything else queries DNS (RFC 7208 4.6.4). */
	a->dns_terms++;
	switch (t->mech) {
	case SPF_MECH_PTR:
		f = spf_terms_problem(ctx, domain, via, "spf.ptr-used", ST_WARN);
		finding_msg(f, _("The SPF record of %s uses the \"ptr\" mechanism, which RFC 7208 "
		    "deprecates: it is slow and many receivers skip it."), domain);
		finding_fix(f, _("Replace \"%s\" with ip4:/ip6: or a: terms for the sending hosts."),
		    t->text);
		finding_ref(f, "RFC 7208 section 5.5");
		return;
	case SPF_MECH_INCLUDE:
		follow_add(a, SPF_FOLLOW_INCLUDE, t->text, t->spec, t->spec_len);
		return;
	case SPF_MECH_EXISTS:
		follow_add(a, SPF_FOLLOW_EXISTS, t->text, t->spec, t->spec_len);
		return;
	default:
		/* a and mx: the named host, or the domain itself */
		follow_add(a, t->mech == SPF_MECH_MX ? SPF_FOLLOW_MX : SPF_FOLLOW_ADDR, t->text,
		    t->spec != NULL ? t->spec : domain, t->spec != NULL ? t->spec_len :
		    strlen(domain));
		return;
	}
}

void
spf_terms_analyse(struct check_ctx *ctx, const char *domain, const char *via,
    const char *text, size_t len, struct spf_analysis *out)
{
	struct scan_arg sa = { ctx, domain, via, 0 };
	struct spf_record *rec;
	struct finding *f;
	size_t i;

	memset(out, 0, sizeof(*out));
	/* The evaluator's grammar, but every bad term is named and the good ones still count. */
	spf_record_scan(text, len, &rec, on_syntax_error, &sa);
	out->n_bad = sa.n_bad;
	if (rec == NULL)
		return;
	out->has_all = rec->has_all;
	for (i = 0; i < rec->n_terms; i++)
		analyse_term(ctx, domain, via, &rec->terms[i], out);
	if (rec->redirect != NULL)
		out->dns_terms++;
	/* RFC 7208 6.1: redirect is ignored when the record has "all". */
	if (rec->redirect != NULL && !rec->has_all) {
		follow_add(out, SPF_FOLLOW_REDIRECT, "redirect=", rec->redirect,
		    rec->redirect_len);
	} else if (!rec->has_all && via == NULL) {
		f = spf_terms_problem(ctx, domain, via, "spf.no-all", ST_WARN);
		finding_msg(f, _("The SPF record of %s has no \"all\" term (and no redirect=): mail "
		    "from hosts it does not list gets \"neutral\", which protects little."),
		    domain);
		finding_fix(f, _("End the record with \"-all\" (or \"~all\")."));
		finding_ref(f, "RFC 7208 section 4.7");
	}
	spf_record_free(rec);
}

void
spf_analysis_fini(struct spf_analysis *a)
{
	size_t i;

	for (i = 0; i < a->n_follow; i++) {
		free(a->follow[i].term);
		free(a->follow[i].target);
	}
	free(a->follow);
	memset(a, 0, sizeof(*a));
}
