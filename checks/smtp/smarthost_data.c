/* Candidates proposed from the provider list: which entry and source they came from, and
 * the entries the live test shows to be out of date (port 25 listed where it is blocked,
 * a host name that no longer resolves). The test itself is the same as for any candidate. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "probe.h"
#include "providers.h"
#include "report.h"
#include "run.h"
#include "smarthost_report.h"

static void
provider_data(struct finding *f, const struct provider *p)
{
	finding_data(f, "provider", json_string(p->name));
	finding_data(f, "source", json_string(p->source));
	finding_data(f, "file", json_string(p->file));
}

void
smarthost_report_provider(struct sh_run *run)
{
	const struct provider *p = run->provider;
	char list[512] = "";
	struct finding *f;
	size_t i, off = 0;

	if (p == NULL)
		return;
	for (i = 0; i < run->ncands && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s (%s)",
		    i > 0 ? ", " : "", run->cands[i].arg, provider_tls_name(p->servers[i].tls));
	f = probe_add(run->ctx->rep, run->group, "smarthost.provider-candidates", ST_INFO,
	    p->name);
	finding_msg(f, _("No relay was named: testing what the provider list (%s) gives for "
	    "%s: %s; AUTH %s%s%s. Source: %s. Each is tested live, as any candidate."), p->file,
	    p->name, list, p->auth, p->notes != NULL ? ". " : "", p->notes != NULL ? p->notes :
	    "", p->source);
	finding_fix(f, _("Check the settings against the provider's current page; name the "
	    "relay yourself (mxdiag smarthost HOST[:PORT]) when it documents another."));
	finding_ref(f, "RFC 6409 section 3");
	provider_data(f, p);
	if (p->login != NULL)
		finding_data(f, "login", json_string(p->login));
}

/* An entry the live test contradicts. */
void
smarthost_report_stale(struct sh_run *run)
{
	const struct provider *p = run->provider;
	char subject[300];
	struct finding *f;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < run->neps; i++) {
		const struct sh_ep *ep = &run->eps[i];

		if (ep->port != 25 || (ep->outcome != SH_UNREACHABLE &&
		    ep->outcome != SH_LINE_BLOCKED))
			continue;
		smarthost_subject(ep, subject, sizeof(subject));
		f = probe_add(run->ctx->rep, run->group, "smarthost.provider-stale", ST_WARN,
		    subject);
		finding_msg(f, _("The provider list gives %s for %s, but port 25 does not get "
		    "out from here (%s): the entry is out of date for a line with outbound port "
		    "25 blocking (OP25B)."), subject, p->name, ep->res->fail_detail);
		finding_fix(f, _("Use the provider's submission port (587 or 465) as its "
		    "settings page gives it, and correct the entry in %s."), p->file);
		finding_ref(f, "RFC 6409 section 3");
		provider_data(f, p);
		finding_data(f, "host", json_string(ep->cand->host));
		finding_data(f, "port", json_integer(ep->port));
	}
	for (i = 0; i < run->ncands; i++) {
		if (run->cands[i].unresolved == NULL)
			continue;
		f = probe_add(run->ctx->rep, run->group, "smarthost.provider-stale", ST_WARN,
		    run->cands[i].arg);
		finding_msg(f, _("The provider list gives %s for %s, but the name does not "
		    "resolve: the entry is out of date, or the name resolves only through the "
		    "provider's own DNS servers."), run->cands[i].host, p->name);
		finding_fix(f, _("Ask the provider for the current host (or its IP address, "
		    "which some ISPs document for this case), and correct the entry in %s."),
		    p->file);
		finding_ref(f, "RFC 5321 section 5.1");
		provider_data(f, p);
		finding_data(f, "host", json_string(run->cands[i].host));
	}
}
