/* The domain's own A/AAAA records: informative for mail (implicit MX, web, HELO names). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dns.h"
#include "i18n.h"
#include "netaddr.h"
#include "report.h"
#include "xmalloc.h"

#define ADDR_MAX 16

struct addr_run {
	struct check_ctx *ctx;
	int pending;
	bool is_nxdomain, is_unknown;
	char list[768];
	size_t list_len;
	const char *special;
	char *special_addr;
	/* the A and AAAA answers, borrowed from the engine for the run: evidence built only
	 * for the finding they go to */
	struct dns_answer answers[2];
	size_t nanswers;
};

static void
finish(struct addr_run *run)
{
	struct check_ctx *ctx = run->ctx;
	struct finding *f;
	size_t i;

	/* NXDOMAIN is the MX check's finding (domain.not-found); failures are already UNKNOWN. */
	if (run->is_nxdomain || run->is_unknown)
		goto out;
	if (run->list_len == 0) {
		f = check_add(ctx, "domain.no-address", ST_INFO, ctx->domain);
		finding_msg(f, _("%s has no A or AAAA record. Mail does not need one when MX "
		    "records exist, but a web site or an implicit MX would."), ctx->domain);
	} else if (run->special != NULL) {
		f = check_add(ctx, "domain.address-private", ST_WARN, ctx->domain);
		finding_msg(f, _("%s resolves to %s, a %s address, in public DNS."), ctx->domain,
		    run->special_addr, _(run->special));
		finding_fix(f, _("Publish only public addresses in the public zone; keep internal "
		    "addresses in the internal DNS view."));
		finding_ref(f, "RFC 6890");
	} else {
		f = check_add(ctx, "domain.address", ST_OK, ctx->domain);
		finding_msg(f, _("%s resolves to %s."), ctx->domain, run->list);
	}
	for (i = 0; i < run->nanswers; i++)
		finding_dns(f, &run->answers[i]);
out:
	free(run->special_addr);
	free(run);
}

static void
on_addr(const struct dns_answer *ans, void *arg)
{
	struct addr_run *run = arg;
	const ldns_rr *rrs[ADDR_MAX];
	size_t n, i;

	if (run->nanswers < 2)
		run->answers[run->nanswers++] = *ans;
	if (check_dns_failed(run->ctx, ans, _("the domain's address")))
		run->is_unknown = true;
	else if (ans->status == DNS_NXDOMAIN)
		run->is_nxdomain = true;
	n = dns_answer_rrs(ans, ans->qtype, rrs, ADDR_MAX);
	for (i = 0; i < n; i++) {
		char *addr = dns_rdf_addr(ldns_rr_rdf(rrs[i], 0));
		const char *special;
		int w;

		if (addr == NULL)
			continue;
		special = netaddr_special_range(addr);
		if (special != NULL && run->special == NULL) {
			run->special = special;
			run->special_addr = xstrdup(addr);
		}
		w = snprintf(run->list + run->list_len, sizeof(run->list) - run->list_len, "%s%s",
		    run->list_len ? ", " : "", addr);
		if (w > 0 && (size_t)w < sizeof(run->list) - run->list_len)
			run->list_len += (size_t)w;
		free(addr);
	}
	if (--run->pending == 0)
		finish(run);
}

static void
address_start(struct check_ctx *ctx)
{
	struct addr_run *run = xcalloc(1, sizeof(*run));

	run->ctx = ctx;
	run->pending = 2;
	if (dns_query(ctx->dns, ctx->domain, LDNS_RR_TYPE_A, 0, on_addr, run) < 0)
		run->pending--;
	if (dns_query(ctx->dns, ctx->domain, LDNS_RR_TYPE_AAAA, 0, on_addr, run) < 0)
		run->pending--;
	if (run->pending == 0)
		finish(run);
}

const struct check check_address = {
	.name = "address",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN,
	.start = address_start,
};
