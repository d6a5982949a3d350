/* HELO/EHLO name (--helo): an FQDN that resolves, to --ip, not under a non-public suffix.
 * Receivers such as Postfix with reject_unknown_helo_hostname or
 * reject_non_fqdn_helo_hostname refuse the rest (RFC 5321 4.1.1.1, 2.3.5). */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dns.h"
#include "i18n.h"
#include "names.h"
#include "report.h"
#include "validate.h"
#include "xmalloc.h"

struct helo_run {
	struct check_ctx *ctx;
	int pending;
	bool has_addr, matches_ip, is_unknown;
	struct dns_answer answers[2];	/* A and AAAA, borrowed from the engine for the run */
	size_t nanswers;
};

/* The domain to name in advice: never an internal (Active Directory) name, which no
 * receiver can resolve. */
static const char *
public_domain(const struct check_ctx *ctx)
{
	return names_internal_suffix(ctx->domain) != NULL ? _("your-public-domain.example") :
	    ctx->domain;
}

static struct finding *
add(struct check_ctx *ctx, const char *id, enum status st, const struct helo_run *run)
{
	struct finding *f = check_add(ctx, id, st, ctx->helo);
	size_t i;

	for (i = 0; run != NULL && i < run->nanswers; i++)
		finding_dns(f, &run->answers[i]);
	finding_ref(f, "RFC 5321 section 4.1.1.1");
	return f;
}

static void
finish(struct helo_run *run)
{
	struct check_ctx *ctx = run->ctx;
	struct finding *f;

	if (run->is_unknown) {
		/* already UNKNOWN */
	} else if (!run->has_addr) {
		f = add(ctx, "helo.no-address", ST_WARN, run);
		finding_msg(f, _("HELO name %s has no A/AAAA record. Receivers that check HELO "
		    "(Postfix reject_unknown_helo_hostname: \"450 4.7.1 Helo command rejected: "
		    "Host not found\") refuse the connection."), ctx->helo);
		finding_fix(f, _("Publish an A record for %s pointing at the sending address, or "
		    "set the server's HELO name to one that has it."), ctx->helo);
	} else if (ctx->ip != NULL && !run->matches_ip) {
		f = add(ctx, "helo.ip-mismatch", ST_WARN, run);
		finding_msg(f, _("HELO name %s does not resolve to the sending address %s. Spam "
		    "filters score this, and it usually means the server announces the wrong "
		    "name."), ctx->helo, ctx->ip);
		finding_fix(f, _("Announce the name whose A record (and PTR) is %s, e.g. the "
		    "PTR name of the sending address."), ctx->ip);
	} else {
		f = add(ctx, "helo.ok", ST_OK, run);
		finding_msg(f, ctx->ip != NULL ?
		    _("HELO name %s resolves to the sending address.") :
		    _("HELO name %s is a fully qualified name that resolves."), ctx->helo);
	}
	free(run);
}

static void
on_addr(const struct dns_answer *ans, void *arg)
{
	struct helo_run *run = arg;
	const ldns_rr *rrs[16];
	size_t n, i;

	if (run->nanswers < 2)
		run->answers[run->nanswers++] = *ans;
	if (check_dns_failed(run->ctx, ans, _("the HELO name")))
		run->is_unknown = true;
	n = dns_answer_rrs(ans, ans->qtype, rrs, 16);
	for (i = 0; i < n; i++) {
		char *addr = dns_rdf_addr(ldns_rr_rdf(rrs[i], 0));
		unsigned char a[16], b[16];
		int fam = ans->qtype == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;

		run->has_addr = true;
		if (addr != NULL && run->ctx->ip != NULL && inet_pton(fam, addr, a) == 1 &&
		    inet_pton(fam, run->ctx->ip, b) == 1 &&
		    memcmp(a, b, fam == AF_INET ? 4 : 16) == 0)
			run->matches_ip = true;
		free(addr);
	}
	if (--run->pending == 0)
		finish(run);
}

static void
helo_start(struct check_ctx *ctx)
{
	const char *helo = ctx->helo, *suffix;
	struct helo_run *run;
	struct finding *f;
	size_t len = strlen(helo);

	/* RFC 5321 4.1.3: an address as HELO must be a bracketed literal. */
	if (validate_ip(helo, NULL) == 0) {
		f = add(ctx, "helo.bare-ip", ST_FAIL, NULL);
		finding_msg(f, _("HELO \"%s\" is a bare IP address; RFC 5321 allows an address only "
		    "as a literal in brackets, and receivers reject the bare form."), helo);
		finding_fix(f, _("Announce the server's host name (its PTR name), e.g. mail.%s."),
		    ctx->domain);
		return;
	}
	if (len > 2 && helo[0] == '[' && helo[len - 1] == ']') {
		f = add(ctx, "helo.address-literal", ST_WARN, NULL);
		finding_msg(f, _("HELO %s is an address literal: valid, but many receivers score "
		    "or reject it."), helo);
		finding_fix(f, _("Announce the server's host name (its PTR name) instead."));
		return;
	}
	if (strchr(helo, '.') == NULL) {
		f = add(ctx, "helo.not-fqdn", ST_FAIL, NULL);
		finding_msg(f, _("HELO name \"%s\" is a bare host name, not a fully qualified "
		    "domain name; receivers reject it (\"504 5.5.2 Helo command rejected: need "
		    "fully-qualified hostname\")."), helo);
		finding_fix(f, _("Set the server's announced name to an FQDN with an A record, "
		    "e.g. mail.%s. Exchange: Get-SendConnector | Set-SendConnector -Fqdn mail.%s. "
		    "Postfix (main.cf): smtp_helo_name = mail.%s."), public_domain(ctx),
		    public_domain(ctx), public_domain(ctx));
		return;
	}
	suffix = names_internal_suffix(helo);
	if (suffix != NULL) {
		f = add(ctx, "helo.internal-name", ST_FAIL, NULL);
		finding_msg(f, _("HELO name %s is under .%s, which does not exist on the Internet. "
		    "Exchange servers joined to an Active Directory domain announce such a name "
		    "by default, and receivers reject it."), helo, suffix);
		finding_fix(f, _("Announce a public name with an A record and a matching PTR, "
		    "e.g. mail.%s. Exchange (every send connector): Get-SendConnector | "
		    "Set-SendConnector -Fqdn mail.%s. Postfix (main.cf): smtp_helo_name = "
		    "mail.%s, then postfix reload."), public_domain(ctx), public_domain(ctx),
		    public_domain(ctx));
		return;
	}
	run = xcalloc(1, sizeof(*run));
	run->ctx = ctx;
	run->pending = 2;
	if (dns_query(ctx->dns, helo, LDNS_RR_TYPE_A, 0, on_addr, run) < 0)
		run->pending--;
	if (dns_query(ctx->dns, helo, LDNS_RR_TYPE_AAAA, 0, on_addr, run) < 0)
		run->pending--;
	if (run->pending == 0)
		finish(run);
}

const struct check check_helo = {
	.name = "helo",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN | CHECK_IN_HELO,
	.start = helo_start,
};
