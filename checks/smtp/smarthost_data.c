/* Candidates proposed from the provider list: which entry and source they came from, and
 * the entries the live test shows to be out of date (port 25 that does not answer where
 * port 25 gets out, a host name that no longer resolves). The test is that of any candidate.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "probe.h"
#include "providers.h"
#include "report.h"
#include "run.h"
#include "smarthost_report.h"
#include "vantage.h"

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

/*
 * An entry the live test contradicts. Port 25 that does not answer contradicts it only where
 * the port25 probe of this run found port 25 open (WARN); where this line blocks port 25, the
 * failure says nothing of the entry (smarthost.port25-blocked says the endpoint cannot be
 * used from here), and where the line was not measured the entry may be stale (INFO).
 */
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
		bool is_open;

		if (ep->port != 25 || ep->outcome != SH_UNREACHABLE)
			continue;
		is_open = vantage_is_line_open(run->facts, ep->addr);
		smarthost_subject(ep, subject, sizeof(subject));
		f = probe_add(run->ctx->rep, run->group, "smarthost.provider-stale",
		    is_open ? ST_WARN : ST_INFO, subject);
		if (is_open)
			finding_msg(f, _("The provider list gives %s for %s, but it does not answer "
			    "on port 25 (%s) although outbound port 25 is open from this line (the "
			    "port 25 probe of this run reached other servers): the entry is out of "
			    "date."), subject, p->name, ep->res->fail_detail);
		else
			finding_msg(f, _("The provider list gives %s for %s, and it cannot be "
			    "reached (%s); whether this line lets port 25 out is not known (%s), so "
			    "the entry may be out of date or this line may block port 25 (OP25B)."),
			    subject, p->name, ep->res->fail_detail,
			    vantage_unproven_words(run->facts, ep->addr));
		if (is_open)
			finding_fix(f, _("Use the provider's submission port (587 or 465) as its "
			    "settings page gives it, and correct the entry in %s."), p->file);
		else
			finding_fix(f, _("Use the provider's submission port (587 or 465) as its "
			    "settings page gives it; before correcting the entry in %s, let "
			    "`mxdiag port25` tell whether this line blocks port 25."), p->file);
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
