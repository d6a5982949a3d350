/* The SPF of the domain mail is sent for, asked about the relay's outbound addresses
 * (--relay-ip, else the recommended endpoint's own address), as smarthost.spf-* findings. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "probe.h"
#include "report.h"
#include "run.h"
#include "smarthost_report.h"
#include "spf.h"
#include "spf_dns.h"
#include "xmalloc.h"

static void
on_spf(const struct spf_outcome *out, void *arg)
{
	struct sh_spf *sp = arg;

	sp->is_done = true;
	sp->result = out->result;
	sp->domain = xstrdup(out->domain);
	sp->mechanism = xstrdup(out->mechanism);
	sp->problem = xstrdup(out->problem);
	sp->explanation = xstrdup(out->explanation);
	session_end(&sp->run->sess);
}

/* Is the relay allowed to send for the domain? Its own address stands in for its outbound
 * one unless --relay-ip names that. */
void
smarthost_start_spf(struct sh_run *run, struct sh_ep *best)
{
	struct spf_query q = { 0 };
	size_t i;

	if (run->nspf == 0 && best != NULL && best->outcome == SH_WORKS) {
		run->spf[0].ip = xstrdup(best->addr);
		run->nspf = 1;
	}
	for (i = 0; i < run->nspf; i++) {
		struct sh_spf *sp = &run->spf[i];

		sp->run = run;
		q.ip = sp->ip;
		q.sender = run->from;
		/* preflight: the domain under test, which need not be the sender's */
		q.domain = run->spf_domain;
		q.helo = best != NULL ? best->cand->host : NULL;
		spf_dns_init(&sp->sd, run->ctx->dns, &sp->r);
		/* The count goes up first: the evaluation may end inside spf_eval_start(). */
		session_begin(&run->sess);
		if (spf_eval_start(&q, &sp->r, on_spf, sp) < 0)
			session_end(&run->sess);
	}
}

void
smarthost_report_spf(struct sh_run *run, struct sh_spf *sp)
{
	struct report *rep = run->ctx->rep;
	const char *kw = strchr(sp->ip, ':') != NULL ? "ip6" : "ip4";
	const char *dom = run->spf_domain;
	const char *caveat = sp->is_given ? "" : _(" (the relay's submission address; its "
	    "outbound servers may use others: give them with --relay-ip)");
	enum status bad = sp->is_given ? ST_FAIL : ST_WARN;
	struct finding *f;

	if (!sp->is_done)
		return;
	switch (sp->result) {
	case SPF_PASS:
		f = probe_add(rep, run->group, "smarthost.spf-pass", ST_OK, sp->ip);
		finding_msg(f, _("SPF of %s authorises the relay address %s%s (%s)."), dom, sp->ip,
		    caveat, sp->mechanism != NULL ? sp->mechanism : "pass");
		break;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
		f = probe_add(rep, run->group, "smarthost.spf-not-authorised",
		    sp->result == SPF_FAIL ? bad :
		    ST_WARN, sp->ip);
		finding_msg(f, _("SPF of %s does not authorise the relay address %s%s: %s. "
		    "Receivers %s mail from <%s> relayed through it."), dom, sp->ip, caveat,
		    spf_result_name(sp->result), sp->result == SPF_FAIL ? _("reject") :
		    _("mark as suspicious"), run->from);
		finding_fix(f, _("Add the relay to %s's SPF record: the include: the provider "
		    "documents for its outbound servers, or %s:%s, before the final \"-all\"."),
		    dom, kw, sp->ip);
		break;
	case SPF_NEUTRAL:
	case SPF_NONE:
		f = probe_add(rep, run->group, "smarthost.spf-none", ST_WARN, sp->ip);
		finding_msg(f, _("SPF of %s says nothing about the relay address %s (%s%s%s): "
		    "receivers cannot tell relayed mail from forgeries."), dom, sp->ip,
		    spf_result_name(sp->result), sp->problem != NULL ? ": " : "",
		    sp->problem != NULL ? sp->problem : "");
		finding_fix(f, _("Publish an SPF record for %s that lists its mail servers and "
		    "the relay (include: of the provider, or %s:%s), ending in \"-all\"."), dom,
		    kw, sp->ip);
		break;
	default:
		/* A broken record is a proven fault; a failed lookup decides nothing. */
		f = probe_add(rep, run->group, "smarthost.spf-error",
		    sp->result == SPF_PERMERROR ? ST_WARN :
		    ST_UNKNOWN, sp->ip);
		finding_msg(f, _("The SPF evaluation of %s for %s ended in %s: %s."), dom, sp->ip,
		    spf_result_name(sp->result), sp->problem != NULL ? sp->problem : "");
		finding_fix(f, _("Run mxdiag spf %s --ip %s --trace to see the failing step."), dom,
		    sp->ip);
		break;
	}
	finding_ref(f, "RFC 7208 section 2.6");
	finding_ref(f, "RFC 7208 section 4");
	finding_data(f, "result", json_string(spf_result_name(sp->result)));
	finding_data(f, "domain", json_string(sp->domain != NULL ? sp->domain : dom));
	finding_data(f, "relay_ip", json_string(sp->ip));
	finding_data(f, "relay_ip_given", json_boolean(sp->is_given));
	if (sp->mechanism != NULL)
		finding_data(f, "mechanism", json_string(sp->mechanism));
}

