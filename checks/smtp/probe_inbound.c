/* What a remote server delivering to a domain sees: MX (implicit MX, null MX), each MX
 * host's greeting, STARTTLS and certificate, and the answers to MAIL FROM an outside
 * address and RCPT TO postmaster. Used by `mxdiag inbound` and preflight; callback-driven
 * on the shared loop. Never sends DATA. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdint.h>
#include <time.h>

#include <openssl/rand.h>

#include "checks.h"
#include "command.h"
#include "dns.h"
#include "err.h"
#include "facts.h"
#include "i18n.h"
#include "loop.h"
#include "probe.h"
#include "inbound_run.h"
#include "probe_inbound.h"
#include "report.h"
#include "run.h"
#include "session.h"
#include "smtp.h"
#include "tls.h"
#include "tls_judge.h"
#include "validate.h"
#include "vantage.h"
#include "xmalloc.h"

static void
on_ep_done(struct smtp_result *res, void *arg)
{
	struct ib_ep *ep = arg;

	ep->res = res;
	session_end(&ep->run->sess);
}

static void
on_ptr(const struct dns_answer *ans, void *arg)
{
	struct ib_ep *ep = arg;
	const ldns_rr *rr[1];

	ep->ptr_evidence = dns_answer_evidence(ans);
	if (dns_answer_rrs(ans, LDNS_RR_TYPE_PTR, rr, 1) == 1)
		ep->ptr = dns_rdf_name(ldns_rr_rdf(rr[0], 0));
	session_end(&ep->run->sess);
}

static void
start_ep(struct ib_run *run, size_t host, const char *addr)
{
	const struct probe_host *h = &run->mx->hosts[host];
	struct smtp_plan plan = { 0 };
	struct smtp_txn txn = { 0 };
	const char *rcpts[3] = { run->rcpt };
	struct ib_ep *ep;

	if (run->neps == IB_MAX_EPS)
		return;
	ep = &run->eps[run->neps];
	memset(ep, 0, sizeof(*ep));
	ep->run = run;
	ep->host = host;
	ep->addr = xstrdup(addr);
	txn.mail_from = run->from;
	txn.rcpts = rcpts;
	txn.nrcpts = 1;
	if (run->any_rcpt != NULL)
		rcpts[txn.nrcpts++] = run->any_rcpt;
	if (run->pm_rcpt != NULL)
		rcpts[txn.nrcpts++] = run->pm_rcpt;
	plan.addr = addr;
	plan.port = 25;
	plan.host = h->name;	/* the certificate should name the MX host (RFC 7672 3.2.2) */
	plan.ehlo_name = run->helo;
	plan.tls = SMTP_TLS_STARTTLS;	/* opportunistic, as MTAs do (RFC 3207 4) */
	plan.tls_client = run->tls;
	plan.txns = &txn;
	plan.ntxns = 1;
	plan.connect_timeout_ms = run->ctx->g->timeout_ms;
	plan.reply_timeout_ms = run->ctx->g->timeout_ms;
	if (run->tls == NULL)
		plan.tls = SMTP_TLS_NONE;
	if (smtp_probe_start(run->ctx->loop, &plan, on_ep_done, ep) != 0) {
		free(ep->addr);
		return;
	}
	report_stats(run->ctx->rep)->smtp_sessions++;
	run->neps++;
	session_begin(&run->sess);
	if (dns_query_ptr(run->ctx->dns, addr, 2, on_ptr, ep) == 0)
		session_begin(&run->sess);
}

static void
on_mx(struct probe_mx *mx, void *arg)
{
	struct ib_run *run = arg;
	size_t i, k;

	run->mx = mx;
	if (probe_dns_failed(mx->mx_status) || mx->mx_status == DNS_NXDOMAIN ||
	    mx->is_null_mx) {
		session_end(&run->sess);
		return;
	}
	/* Every host at once, the first address of each family: the report then shows the
	 * whole fallback chain, not just the first link. */
	for (i = 0; i < mx->nhosts; i++) {
		bool has_v4 = false, has_v6 = false;

		for (k = 0; k < mx->hosts[i].naddrs; k++) {
			const char *a = mx->hosts[i].addrs[k];
			bool is_v6 = strchr(a, ':') != NULL;

			if ((is_v6 && has_v6) || (!is_v6 && has_v4))
				continue;
			start_ep(run, i, a);
			if (is_v6)
				has_v6 = true;
			else
				has_v4 = true;
		}
	}
	session_end(&run->sess);
}

static void
run_free(struct ib_run *run)
{
	size_t i;

	for (i = 0; i < run->neps; i++) {
		smtp_result_free(run->eps[i].res);
		free(run->eps[i].addr);
		free(run->eps[i].ptr);
		json_decref(run->eps[i].ptr_evidence);
	}
	probe_mx_free(run->mx);
	free(run->domain);
	free(run->from);
	free(run->rcpt);
	free(run->any_rcpt);
	free(run->pm_rcpt);
	free(run->helo);
	free(run);
}

/*
 * The session to each MX host's first address is the one mx-tls would open (STARTTLS, the
 * certificate checked against the MX name): it becomes the run's MX TLS fact, with the
 * vantage inbound_judge() found, so that MTA-STS and DANE judge it without a second
 * session per MX.
 */
static void
publish_mx_tls(struct ib_run *run)
{
	size_t i, k;

	if (run->check == NULL || run->tls == NULL || run->mx == NULL)
		return;
	for (i = 0; i < run->mx->nhosts; i++) {
		const struct probe_host *h = &run->mx->hosts[i];

		for (k = 0; k < run->neps && h->naddrs > 0; k++) {
			struct ib_ep *ep = &run->eps[k];

			if (ep->host != i || ep->res == NULL || strcmp(ep->addr, h->addrs[0]) != 0)
				continue;
			check_fact_add_mx_tls(run->check->facts, h->name, ep->addr, &ep->vantage,
			    ep->res);
			ep->res = NULL;	/* the fact owns it now */
			break;
		}
	}
}

static bool
finish(void *arg)
{
	struct ib_run *run = arg;

	/* Sessions over port 25 are read knowing port 25's state from here. */
	if (session_await_facts(&run->sess, run->check, CHECK_FACT_PORT25))
		return false;
	inbound_judge(run);
	publish_mx_tls(run);
	run_free(run);
	return true;
}

/* An address at domain that no one has: a random local part (RFC 5321 4.5.3.1.1: at most
 * 64 octets). Caller frees. */
static char *
made_up_rcpt(const char *domain)
{
	unsigned char r[8] = { 0 };

	if (RAND_bytes(r, (int)sizeof(r)) != 1) {	/* unique enough without the pool */
		unsigned long long t = (unsigned long long)time(NULL) ^ (uintptr_t)&r;

		memcpy(r, &t, sizeof(r));
	}
	return xasprintf("mxdiag-no-such-user-%02x%02x%02x%02x%02x%02x%02x%02x@%s", r[0], r[1],
	    r[2], r[3], r[4], r[5], r[6], r[7], domain);
}

int
inbound_start(struct run_ctx *ctx, const struct inbound_opts *o, probe_done_fn *done,
    void *arg)
{
	struct ib_run *run;
	char why[256];

	if (o->domain == NULL)
		return MXD_EINVAL;
	run = xcalloc(1, sizeof(*run));
	run->ctx = ctx;
	run->group = o->group;
	run->check = o->check;
	session_init(&run->sess, ctx->loop, finish, run, done, arg);
	run->domain = run_normalise_domain(o->domain);
	/* RFC 5321 4.5.1: every domain must accept mail for its postmaster. */
	run->rcpt = o->rcpt != NULL ? xstrdup(o->rcpt) : xasprintf("postmaster@%s", run->domain);
	run->from = xstrdup(o->from != NULL ? o->from : INBOUND_DEFAULT_FROM);
	if (o->probe_any) {
		run->any_rcpt = made_up_rcpt(run->domain);
		run->any_idx = 1;
	}
	/* Beside another address, postmaster too: a server that takes it counts the domain
	 * as its own, so its refusal of the address is about the mailbox (inbound_judge.c). */
	if (strncasecmp(run->rcpt, "postmaster@", 11) != 0) {
		run->pm_rcpt = xasprintf("postmaster@%s", run->domain);
		run->pm_idx = run->any_rcpt != NULL ? 2 : 1;
	}
	run->helo = xstrdup(o->helo);
	/* Without a CA store certificates are still shown, just never "verified". */
	run->tls = run_tls_client(ctx, why, sizeof(why));
	if (probe_resolve_mx(ctx->dns, run->domain, on_mx, run) == 0)
		session_begin(&run->sess);
	session_end(&run->sess);
	return 0;
}

static void
inbound_diag_start(struct check_ctx *cc)
{
	struct inbound_opts o = *cc->in->inbound;

	o.group = cc->group;
	o.check = cc;
	if (inbound_start(cc->run, &o, check_done, cc) != 0)
		check_done(cc);
}

const struct check check_inbound = {
	.name = "inbound",
	.section = "inbound",
	.needs = CHECK_IN_INBOUND,
	.publishes = CHECK_FACT_MX_TLS,	/* its own STARTTLS sessions: no mx-tls beside it */
	.start = inbound_diag_start,
	.is_async = true,
};
