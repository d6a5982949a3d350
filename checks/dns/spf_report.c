/* The finding for one SPF result: what receivers will conclude about an address, with
 * the fix and the evidence. Shared by `mxdiag spf`, `check --ip` and `preflight`. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "report.h"
#include "spf.h"
#include "spf_fields.h"
#include "spf_report.h"
#include "xmalloc.h"

static const char *
result_ref(enum spf_result res)
{
	switch (res) {
	case SPF_NONE: return "RFC 7208 section 2.6.1";
	case SPF_NEUTRAL: return "RFC 7208 section 2.6.2";
	case SPF_PASS: return "RFC 7208 section 2.6.3";
	case SPF_FAIL: return "RFC 7208 section 2.6.4";
	case SPF_SOFTFAIL: return "RFC 7208 section 2.6.5";
	case SPF_TEMPERROR: return "RFC 7208 section 2.6.6";
	case SPF_PERMERROR: return "RFC 7208 section 2.6.7";
	}
	return "RFC 7208 section 2.6";
}

static void
permerror_fix(struct finding *f, const struct spf_outcome *out)
{
	switch (out->problem_kind) {
	case SPF_PROB_DNS_LIMIT:
		finding_fix(f, _("Bring the evaluation under 10 DNS-querying terms (include, a, "
		    "mx, ptr, exists, redirect, counted through every include): replace includes "
		    "by the ip4:/ip6: ranges they stand for, or drop unused ones."));
		finding_ref(f, "RFC 7208 section 4.6.4");
		break;
	case SPF_PROB_VOID_LIMIT:
		finding_fix(f, _("Remove the terms that point at names without records: more than "
		    "two look-ups came back empty."));
		finding_ref(f, "RFC 7208 section 4.6.4");
		break;
	case SPF_PROB_MX_LIMIT:
		finding_fix(f, _("Replace mx by a: or ip4:/ip6: terms: the domain has more than 10 "
		    "MX records."));
		finding_ref(f, "RFC 7208 section 4.6.4");
		break;
	case SPF_PROB_MULTIPLE:
		finding_fix(f, _("Merge the v=spf1 records of %s into one TXT record."),
		    out->mech_domain != NULL ? out->mech_domain : out->domain);
		finding_ref(f, "RFC 7208 section 4.5");
		break;
	case SPF_PROB_SYNTAX:
		finding_fix(f, _("Correct the term named above: one syntax error anywhere makes "
		    "the whole record a permerror."));
		finding_ref(f, "RFC 7208 section 4.6");
		break;
	case SPF_PROB_INCLUDE_NONE:
	case SPF_PROB_REDIRECT_NONE:
	case SPF_PROB_BAD_TARGET:
		finding_fix(f, _("Point include:/redirect= at a domain that publishes an SPF "
		    "record, or remove the term."));
		finding_ref(f, "RFC 7208 section 5.2");
		break;
	default:
		finding_fix(f, _("Correct the SPF record: receivers treat a permerror as a failed "
		    "check or ignore SPF altogether."));
		break;
	}
}

struct finding *
spf_report_outcome(struct report *rep, const char *ip, const struct spf_outcome *out,
    bool want_trace)
{
	struct finding *f;
	const char *mech = out->mechanism != NULL ? out->mechanism : "";
	const char *where = out->mech_domain != NULL ? out->mech_domain : out->domain;
	const char *prob = out->problem != NULL ? out->problem : "";
	const char *ipkw = strchr(ip, ':') != NULL ? "ip6" : "ip4";
	size_t i;

	switch (out->result) {
	case SPF_PASS:
		f = report_add(rep, "spf.result-pass", ST_OK, out->domain);
		finding_msg(f, _("%s may send mail as %s: \"%s\" in the SPF record of %s matched"),
		    ip, out->sender, mech, where);
		break;
	case SPF_FAIL:
		f = report_add(rep, "spf.result-fail", ST_FAIL, out->domain);
		if (out->explanation != NULL && !out->is_explanation_default)
			finding_msg(f, _("%s may not send mail as %s: \"%s\" in the SPF record of "
			    "%s matched (fail); the domain explains: \"%s\""), ip, out->sender,
			    mech, where, out->explanation);
		else
			finding_msg(f, _("%s may not send mail as %s: \"%s\" in the SPF record of "
			    "%s matched (fail)"), ip, out->sender, mech, where);
		finding_fix(f, _("If %s legitimately sends mail for %s, authorise it in the SPF "
		    "record (e.g. %s:%s, or the include: of the provider that relays the mail); "
		    "otherwise receivers reject this mail, as intended."), ip, out->domain,
		    ipkw, ip);
		break;
	case SPF_SOFTFAIL:
		f = report_add(rep, "spf.result-softfail", ST_WARN, out->domain);
		finding_msg(f, _("%s is not authorised to send mail as %s: \"%s\" in the SPF "
		    "record of %s matched (softfail); receivers usually accept the mail but mark "
		    "it"), ip, out->sender, mech, where);
		finding_fix(f, _("If %s legitimately sends mail for %s, authorise it in the SPF "
		    "record (e.g. %s:%s, or the include: of the provider that relays the mail)."),
		    ip, out->domain, ipkw, ip);
		break;
	case SPF_NEUTRAL:
		f = report_add(rep, "spf.result-neutral", ST_WARN, out->domain);
		if (out->mechanism != NULL)
			finding_msg(f, _("the SPF record of %s makes no statement about %s: \"%s\" "
			    "matched (neutral)"), where, ip, mech);
		else
			finding_msg(f, _("no term of the SPF record of %s matched %s: neutral by "
			    "default"), out->domain, ip);
		finding_fix(f, _("If %s legitimately sends mail for %s, authorise it in the SPF "
		    "record (e.g. %s:%s); end the record with -all or ~all for everything else."),
		    ip, out->domain, ipkw, ip);
		break;
	case SPF_NONE:
		f = report_add(rep, "spf.result-none", ST_WARN, out->domain);
		finding_msg(f, _("no SPF policy applies: %s"), prob);
		finding_fix(f, _("Publish one TXT record at %s listing every host that sends its "
		    "mail, e.g. \"v=spf1 mx %s:%s -all\"."), out->domain, ipkw, ip);
		break;
	case SPF_PERMERROR:
		f = report_add(rep, "spf.result-permerror", ST_FAIL, out->domain);
		finding_msg(f, _("the SPF policy of %s cannot be evaluated (permerror): %s"),
		    out->domain, prob);
		permerror_fix(f, out);
		break;
	case SPF_TEMPERROR:
	default:
		f = report_add(rep, "spf.result-temperror", ST_UNKNOWN, out->domain);
		finding_msg(f, _("the SPF evaluation of %s did not finish (temperror): %s"),
		    out->domain, prob);
		finding_fix(f, _("Retry later; if it persists, check the name servers of the "
		    "domain named above."));
		break;
	}
	finding_ref(f, result_ref(out->result));
	finding_evidence(f, _("check_host(%s, %s, %s) = %s; %u of 10 DNS-querying terms, %u of 2 "
	    "void look-ups, %u queries"), ip, out->domain, out->sender,
	    spf_result_name(out->result), out->dns_mechs, out->void_lookups, out->queries);
	if (out->explanation != NULL)
		finding_evidence(f, out->is_explanation_default ? _("explanation (default): "
		    "\"%s\"") : _("explanation (exp=): \"%s\""), out->explanation);
	if (want_trace) {
		for (i = 0; i < out->trace_len; i++)
			finding_evidence_json(f, spf_trace_step_json(&out->trace[i]));
		if (out->is_trace_truncated)
			finding_evidence(f, "%s", _("(trace truncated)"));
	}
	finding_data(f, "result", json_string(spf_result_name(out->result)));
	if (out->mechanism != NULL)
		finding_data(f, "mechanism", json_string(out->mechanism));
	if (out->problem_kind != SPF_PROB_NONE)
		finding_data(f, "problem", json_string(spf_problem_name(out->problem_kind)));
	return f;
}
