/* Helpers every check shares: resolver failures as UNKNOWN findings, grouped findings. */
#include "config.h"

#include "checks.h"
#include "dns.h"
#include "i18n.h"
#include "report.h"

struct finding *
check_add(struct check_ctx *ctx, const char *id, int status, const char *subject)
{
	struct finding *f = report_add(ctx->rep, id, (enum status)status, subject);

	if (ctx->group != NULL)
		finding_group(f, ctx->group);
	return f;
}

bool
check_dns_failed(struct check_ctx *ctx, const struct dns_answer *ans, const char *what)
{
	const char *id;
	struct finding *f;

	if (!dns_status_is_failure(ans->status))
		return false;
	switch (ans->status) {
	case DNS_SERVFAIL: id = "dns.servfail"; break;
	case DNS_REFUSED: id = "dns.refused"; break;
	case DNS_TIMEOUT: id = "dns.timeout"; break;
	case DNS_ERROR: id = "dns.error"; break;
	default: return false;
	}
	f = check_add(ctx, id, ST_UNKNOWN, ans->qname);
	/* The resolver's failure says nothing about the domain: never a FAIL of the domain. */
	switch (ans->status) {
	case DNS_SERVFAIL:
		finding_msg(f, _("Could not check %s: the resolver answered SERVFAIL for %s %s."),
		    what, ans->qname, dns_type_name(ans->qtype));
		finding_fix(f, _("SERVFAIL often means a broken delegation, unreachable "
		    "authoritative servers or a DNSSEC validation failure. Check the zone's "
		    "name servers and signatures (e.g. dig +cd to bypass validation)."));
		break;
	case DNS_REFUSED:
		finding_msg(f, _("Could not check %s: the resolver REFUSED the query for %s %s."),
		    what, ans->qname, dns_type_name(ans->qtype));
		finding_fix(f, _("Use a resolver that serves this client (--resolver IP), or "
		    "allow this client on the resolver."));
		break;
	case DNS_TIMEOUT:
		finding_msg(f, _("Could not check %s: no answer for %s %s within the timeout."),
		    what, ans->qname, dns_type_name(ans->qtype));
		finding_fix(f, _("Check that the resolver is reachable (--resolver IP), or raise "
		    "--timeout; if only this zone times out, its name servers are unreachable."));
		break;
	default:
		finding_msg(f, _("Could not check %s: the query for %s %s failed (%s)."), what,
		    ans->qname, dns_type_name(ans->qtype), ans->error != NULL ? ans->error : "?");
		finding_fix(f, _("Check the resolver given with --resolver and try again."));
		break;
	}
	finding_data(f, "what", json_string(what));
	finding_dns(f, ans);
	finding_ref(f, "RFC 1035 section 4.1.1");
	return true;
}
