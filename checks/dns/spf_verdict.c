/* With --ip: the SPF verdict receivers will reach for mail from DOMAIN sent by that address
 * (RFC 7208 check_host() on live DNS), next to the record analysis of spf_record.c. */
#include "config.h"

#include <stdlib.h>

#include "checks.h"
#include "report.h"
#include "spf.h"
#include "spf_dns.h"
#include "spf_report.h"
#include "xmalloc.h"

struct verdict {
	struct check_ctx *ctx;
	struct spf_dns sd;
	struct spf_resolver r;
	char *sender;
};

static void
on_outcome(const struct spf_outcome *out, void *arg)
{
	struct verdict *v = arg;
	struct finding *f = spf_report_outcome(v->ctx->rep, v->ctx->ip, out, false);

	if (v->ctx->group != NULL)
		finding_group(f, v->ctx->group);
	free(v->sender);
	free(v);
}

static void
spf_verdict_start(struct check_ctx *ctx)
{
	struct verdict *v = xcalloc(1, sizeof(*v));
	struct spf_query q = { 0 };

	v->ctx = ctx;
	/* The domain's own postmaster: what a bounce or a plain user address would be checked
	 * as; the local part only matters to %{l} macros. */
	v->sender = xasprintf("postmaster@%s", ctx->domain);
	spf_dns_init(&v->sd, ctx->dns, &v->r);
	q.ip = ctx->ip;
	q.sender = v->sender;
	q.helo = ctx->helo;
	q.domain = ctx->domain;
	if (spf_eval_start(&q, &v->r, on_outcome, v) < 0) {
		free(v->sender);
		free(v);
	}
}

const struct check check_spf_verdict = {
	.name = "spf-verdict",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN | CHECK_IN_IP,
	.start = spf_verdict_start,
};
