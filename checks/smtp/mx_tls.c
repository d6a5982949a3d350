/*
 * mx-tls: one STARTTLS session to the first address of each MX host (EHLO, STARTTLS, EHLO,
 * QUIT; no MAIL), published as the run's MX TLS fact (facts.h): the certificate chain as
 * sent, tls_judge()'s problems, and the vantage (an OP25B block or interceptor makes the
 * answer say nothing of the MX). It adds no findings: MTA-STS (enforce mode: the
 * certificate must be valid for the MX name) and DANE (the chain against TLSA) judge it.
 * For runs without inbound (explain's proofs of mta-sts and dane): inbound publishes the
 * same fact from its own sessions, so inbound and preflight do not run this.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "command.h"
#include "facts.h"
#include "probe.h"
#include "report.h"
#include "run.h"
#include "smtp.h"
#include "tls.h"
#include "vantage.h"
#include "xmalloc.h"

struct mx_tls_run {
	struct check_ctx *ctx;
	struct tls_client *tls;	/* the run's (run_tls_client), borrowed */
	int pending;
	size_t n;
	struct mx_tls_one {
		struct mx_tls_run *run;
		char *host, *addr;
		struct smtp_result *res;
	} one[MX_TLS_FACT_MAX];
};

static void
run_free(struct mx_tls_run *run)
{
	size_t i;

	for (i = 0; i < run->n; i++) {
		free(run->one[i].host);
		free(run->one[i].addr);
		smtp_result_free(run->one[i].res);
	}
	free(run);
}

/* Every session is in and port 25's fact (if probed in this run) too: publish. */
static void
publish(void *arg)
{
	struct mx_tls_run *run = arg;
	struct check_ctx *ctx = run->ctx;
	struct check_facts *facts = ctx->facts;
	struct vantage_session vs[MX_TLS_FACT_MAX];
	size_t i;

	for (i = 0; i < run->n; i++) {
		vs[i].name = run->one[i].host;
		vs[i].ptr = NULL;
		vs[i].res = run->one[i].res;
	}
	for (i = 0; i < run->n; i++) {
		struct vantage_why why;

		vantage_of(facts, vs, run->n, i, &why);
		check_fact_add_mx_tls(facts, run->one[i].host, run->one[i].addr, &why,
		    run->one[i].res);
		run->one[i].res = NULL;	/* the fact owns it now */
	}
	run_free(run);
	check_done(ctx);
}

static void
on_session(struct smtp_result *res, void *arg)
{
	struct mx_tls_one *o = arg;
	struct mx_tls_run *run = o->run;

	o->res = res;
	if (--run->pending == 0)
		check_await(run->ctx, CHECK_FACT_PORT25, publish, run);
}

static void
on_mx(struct check_ctx *ctx, const struct probe_mx *mx)
{
	struct mx_tls_run *run = xcalloc(1, sizeof(*run));
	char why[256];
	size_t i;

	run->ctx = ctx;
	run->tls = run_tls_client(ctx->run, why, sizeof(why));
	for (i = 0; mx != NULL && i < mx->nhosts && run->n < MX_TLS_FACT_MAX; i++) {
		const struct probe_host *h = &mx->hosts[i];
		struct mx_tls_one *o = &run->one[run->n];
		struct smtp_plan plan = { 0 };

		if (h->naddrs == 0 || run->tls == NULL)
			continue;
		o->run = run;
		o->host = xstrdup(h->name);
		o->addr = xstrdup(h->addrs[0]);
		run->n++;
		plan.addr = o->addr;
		plan.port = 25;
		plan.host = o->host;	/* SNI and the name check (RFC 7672 3.2.2, RFC 8461 4.1) */
		plan.tls = SMTP_TLS_STARTTLS;
		plan.tls_client = run->tls;
		plan.stop = SMTP_STOP_EHLO;
		plan.connect_timeout_ms = ctx->run->g->timeout_ms;
		plan.reply_timeout_ms = ctx->run->g->timeout_ms;
		if (smtp_probe_start(ctx->loop, &plan, on_session, o) != 0) {
			free(o->host);
			free(o->addr);
			run->n--;
			continue;
		}
		run->pending++;
		report_stats(ctx->rep)->smtp_sessions++;
	}
	if (run->pending == 0) {
		run_free(run);
		check_done(ctx);
	}
}

static void
mx_tls_start(struct check_ctx *ctx)
{
	if (check_fact_mx(ctx, on_mx) != 0)
		check_done(ctx);
}

const struct check check_mx_tls = {
	.name = "mx-tls",
	.section = "inbound",
	.needs = CHECK_IN_DOMAIN | CHECK_IN_INBOUND,	/* talks to the MX as a sender does */
	.publishes = CHECK_FACT_MX_TLS,
	.start = mx_tls_start,
	.is_async = true,
};
