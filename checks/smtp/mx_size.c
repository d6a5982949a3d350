/* The size limit the recipient domain's primary MX announces now (EHLO SIZE, RFC 1870), for
 * explain's proof of "message too big". One EHLO session, no TLS: SIZE is announced before
 * STARTTLS too. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "checks.h"
#include "command.h"
#include "facts.h"
#include "i18n.h"
#include "probe.h"
#include "report.h"
#include "smtp.h"
#include "xmalloc.h"

struct size_probe {
	struct check_ctx *ctx;
	char *host;
	char *addr;
};

static void
on_ehlo(struct smtp_result *r, void *arg)
{
	struct size_probe *p = arg;
	char subject[400];
	struct finding *f;

	snprintf(subject, sizeof(subject), "%s (%s)", p->host, p->addr);
	if (!r->has_caps) {
		f = check_add(p->ctx, "inbound.size-untestable", ST_UNKNOWN, subject);
		finding_msg(f, _("Could not ask %s for its size limit: %s."), p->host,
		    r->fail_detail[0] != '\0' ? r->fail_detail : _("no EHLO answer"));
		finding_fix(f, _("Run mxdiag inbound on the domain to see how its MX answers."));
	} else if (r->caps.has_size && r->caps.size_max > 0) {
		f = check_add(p->ctx, "inbound.size-limit", ST_INFO, subject);
		finding_msg(f, _("%s accepts messages up to %.1f MB (EHLO SIZE %llu)."), p->host,
		    (double)r->caps.size_max / (1024.0 * 1024.0),
		    (unsigned long long)r->caps.size_max);
		finding_data(f, "size_max", json_integer((json_int_t)r->caps.size_max));
	} else {
		f = check_add(p->ctx, "inbound.size-none", ST_INFO, subject);
		finding_msg(f, _("%s announces no size limit (no SIZE in its EHLO answer); it may "
		    "still refuse a large message after receiving it."), p->host);
	}
	finding_ref(f, "RFC 1870 section 4");
	probe_evidence_smtp(f, r, 20);
	smtp_result_free(r);
	check_done(p->ctx);
	free(p->host);
	free(p->addr);
	free(p);
}

/* The first mail host with an address: where senders deliver. */
static void
on_mx(struct check_ctx *ctx, const struct probe_mx *mx)
{
	struct smtp_plan plan = { 0 };
	struct size_probe *p;
	size_t i;

	for (i = 0; i < mx->nhosts && mx->hosts[i].naddrs == 0; i++)
		;
	if (i == mx->nhosts) {
		/* no mail host: the mx diagnosis says why */
		check_done(ctx);
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->ctx = ctx;
	p->host = xstrdup(mx->hosts[i].name);
	p->addr = xstrdup(mx->hosts[i].addrs[0]);
	plan.addr = p->addr;
	plan.port = 25;
	plan.host = p->host;
	plan.tls = SMTP_TLS_NONE;
	plan.stop = SMTP_STOP_EHLO;
	plan.connect_timeout_ms = ctx->run->g->timeout_ms;
	plan.reply_timeout_ms = ctx->run->g->timeout_ms;
	if (smtp_probe_start(ctx->loop, &plan, on_ehlo, p) != 0) {
		free(p->host);
		free(p->addr);
		free(p);
		check_done(ctx);
		return;
	}
	report_stats(ctx->rep)->smtp_sessions++;
}

static void
size_start(struct check_ctx *ctx)
{
	if (check_fact_mx(ctx, on_mx) != 0)
		check_done(ctx);
}

const struct check check_mx_size = {
	.name = "mx-size",
	.section = "inbound",
	.needs = CHECK_IN_INBOUND,	/* a delivery to the domain as a remote sender */
	.reads = CHECK_FACT_MX,
	.start = size_start,
	.is_async = true,
};
