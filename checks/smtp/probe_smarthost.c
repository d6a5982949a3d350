/* Smarthost candidates (ISP submission servers) tested the way a mail server would use
 * them, ranked, with the settings to configure and the sender's SPF for the relay. Used by
 * `mxdiag smarthost` and preflight; callback-driven on the shared loop. Never sends DATA. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "command.h"
#include "dns.h"
#include "err.h"
#include "i18n.h"
#include "loop.h"
#include "probe.h"
#include "probe_smarthost.h"
#include "report.h"
#include "run.h"
#include "session.h"
#include "smarthost_report.h"
#include "secret.h"
#include "smtp.h"
#include "spf.h"
#include "spf_dns.h"
#include "tls.h"
#include "validate.h"
#include "vantage.h"
#include "xmalloc.h"

/* Without a port, try what smarthosts listen on, submission first (RFC 6409, RFC 8314). */
static const unsigned auto_ports[] = { 587, 465, 25 };

static bool
has_creds(const struct sh_run *run)
{
	return run->user != NULL;
}

/* Took the outside recipient without a login: is that trust in us, or in anyone? */
static bool
relayed_without_auth(const struct smtp_result *r)
{
	const struct smtp_step *mail = smtp_result_step(r, SMTP_STEP_MAIL, 0, 0);
	const struct smtp_step *rcpt = smtp_result_step(r, SMTP_STEP_RCPT, 0, 0);

	return r->auth != SMTP_AUTH_OK && mail != NULL && mail->reply.code / 100 == 2 &&
	    rcpt != NULL && rcpt->reply.code / 100 == 2;
}

static void
on_ep_done(struct smtp_result *res, void *arg)
{
	struct sh_ep *ep = arg;

	ep->res = res;
	if (relayed_without_auth(res))
		smarthost_ask_trust(ep->cand->run, ep);
	session_end(&ep->cand->run->sess);
}

static void
on_dialled_ptr(const struct dns_answer *ans, void *arg)
{
	struct sh_ep *ep = arg;
	const ldns_rr *rr[1];

	if (dns_answer_rrs(ans, LDNS_RR_TYPE_PTR, rr, 1) == 1)
		ep->dialled_ptr = dns_rdf_name(ldns_rr_rdf(rr[0], 0));
	session_end(&ep->cand->run->sess);
}

/* An address candidate has no name of its own to set against a greeting on port 25: its
 * PTR name stands in, as inbound's MX addresses do (vantage.h). */
static void
ask_dialled_ptr(struct sh_run *run, struct sh_ep *ep)
{
	if (ep->port != 25 || !ep->cand->is_ip)
		return;
	if (dns_query_ptr(run->ctx->dns, ep->addr, 2, on_dialled_ptr, ep) == 0)
		session_begin(&run->sess);
}

static void
start_ep(struct sh_run *run, struct sh_cand *c, const char *addr, unsigned port)
{
	struct sh_ep *ep;
	struct smtp_plan plan = { 0 };
	struct smtp_txn txn = { 0 };
	const char *rcpts[2];

	if (run->neps == SH_MAX_EPS)
		return;
	ep = &run->eps[run->neps];
	memset(ep, 0, sizeof(*ep));
	ep->cand = c;
	ep->addr = xstrdup(addr);
	ep->port = port;
	/* The outside recipient proves relaying; the sender's own postmaster after it tells
	 * an MX (own domains only) from a server that refuses everything. */
	rcpts[0] = run->rcpt;
	rcpts[1] = run->local_rcpt;
	txn.mail_from = run->from;
	txn.rcpts = rcpts;
	txn.nrcpts = run->local_rcpt != NULL ? 2 : 1;
	plan.addr = addr;
	plan.port = (uint16_t)port;
	/* The certificate is checked against what the user will configure: the name given,
	 * or for an address the address itself (RFC 6125 allows IP SANs). */
	plan.host = c->is_ip ? NULL : c->host;
	plan.ehlo_name = run->helo;
	/* RFC 8314 3.3: 465 is TLS from the first byte; elsewhere STARTTLS when offered, so
	 * that a server without it is seen (and gets no password). */
	plan.tls = port == 465 ? SMTP_TLS_IMPLICIT : SMTP_TLS_STARTTLS;
	plan.tls_client = run->tls;
	plan.auth_user = run->user;
	plan.auth_pass = run->pass;
	plan.is_auth_insecure_ok = run->is_insecure_ok;
	plan.txns = &txn;
	plan.ntxns = 1;
	plan.connect_timeout_ms = run->ctx->g->timeout_ms;
	plan.reply_timeout_ms = run->ctx->g->timeout_ms;
	if (smtp_probe_start(run->ctx->loop, &plan, on_ep_done, ep) != 0) {
		free(ep->addr);
		return;
	}
	report_stats(run->ctx->rep)->smtp_sessions++;
	run->neps++;
	session_begin(&run->sess);
	ask_dialled_ptr(run, ep);
}

static void
on_cand_resolved(struct probe_host *h, void *arg)
{
	struct sh_cand *c = arg;
	struct sh_run *run = c->run;
	size_t k;

	if (h->naddrs == 0) {
		/* Reported by judge(): its severity depends on whether anything works. */
		c->unresolved = h;
		session_end(&run->sess);
		return;
	}
	/* One address per candidate: a relay's addresses are one service. IPv4 comes first. */
	if (c->port != 0) {
		start_ep(run, c, h->addrs[0], c->port);
	} else {
		for (k = 0; k < sizeof(auto_ports) / sizeof(auto_ports[0]); k++)
			start_ep(run, c, h->addrs[0], auto_ports[k]);
	}
	probe_host_free(h);
	session_end(&run->sess);
}

/* ---- judging one endpoint ---- */

static bool
is_auth_required_reply(const struct smtp_reply *rp)
{
	/* RFC 4954 6: 530 5.7.0 Authentication required; Exchange says 530 5.7.1. */
	return rp->code == 530 || strcmp(rp->enh, "5.7.0") == 0;
}

/* A refusal on policy grounds (RFC 3463 class 7, or a 5xx without enhanced code), not a
 * problem with an address (5.1.x) that logging in would not change. */
static bool
is_policy_refusal(const struct smtp_reply *rp)
{
	return rp->code / 100 == 5 && (rp->enh[0] == '\0' || strncmp(rp->enh + 1, ".7.", 3) == 0);
}

/* Is a RCPT refusal about the envelope sender? Servers that check the sender late (Postfix
 * with smtpd_delay_reject) say so at RCPT: structure first (the reply names <from> and not
 * <rcpt>, or RFC 3463 X.1.7/X.1.8, the sender's address), then Postfix's wording. */
static bool
refuses_sender(const struct smtp_reply *rp, const char *from, const char *rcpt)
{
	if (smtp_reply_names(rp, from) && !smtp_reply_names(rp, rcpt))
		return true;
	if (strcmp(rp->enh + (rp->enh[0] != '\0'), ".1.7") == 0 ||
	    strcmp(rp->enh + (rp->enh[0] != '\0'), ".1.8") == 0)
		return true;
	return strstr(smtp_reply_text(rp), "Sender address rejected") != NULL;
}

/* No credentials given, a submission port (not 25, where an MX may offer AUTH too)
 * offered AUTH and refused the envelope on policy: the missing login is the likely cause,
 * whatever the wording ("Client host rejected: Access denied", "Sender address rejected:
 * not logged in", "Relay access denied"). */
static bool
is_auth_unused(const struct sh_run *run, const struct sh_ep *ep,
    const struct smtp_reply *rp)
{
	return !has_creds(run) && ep->port != 25 && ep->res->caps.has_auth &&
	    is_policy_refusal(rp);
}

static enum sh_outcome
judge_ep(const struct sh_run *run, const struct sh_ep *ep)
{
	const struct smtp_result *r = ep->res;
	const struct smtp_step *banner = smtp_result_step(r, SMTP_STEP_BANNER, 0, 0);
	const struct smtp_step *mail = smtp_result_step(r, SMTP_STEP_MAIL, 0, 0);
	const struct smtp_step *rcpt = smtp_result_step(r, SMTP_STEP_RCPT, 0, 0);
	const struct smtp_step *local = smtp_result_step(r, SMTP_STEP_RCPT, 0, 1);
	bool mail_ok = mail != NULL && mail->reply.code / 100 == 2;
	bool rcpt_ok = rcpt != NULL && rcpt->reply.code / 100 == 2;

	if (r->conn != SMTP_CONN_OK)
		return SH_UNREACHABLE;
	if (r->fail == SMTP_FAIL_TLS)
		return SH_TLS_FAILED;
	if (banner == NULL || banner->reply.code == 0)
		return r->tls_tried && !r->tls.is_done ? SH_TLS_FAILED : SH_SESSION_FAILED;
	if (banner->reply.code / 100 != 2)
		return SH_GREETING_REFUSED;
	/* Relaying without a login is trust in our address (an ISP's relay for its own
	 * lines), or in anyone: an open relay. */
	if (mail_ok && rcpt_ok)
		return r->auth == SMTP_AUTH_OK || ep->trust == SH_TRUST_CUSTOMER ? SH_WORKS :
		    SH_OPEN_RELAY;
	if (has_creds(run)) {
		switch (r->auth) {
		case SMTP_AUTH_REJECTED: return SH_AUTH_FAILED;
		case SMTP_AUTH_SKIPPED_CLEAR:
		case SMTP_AUTH_SKIPPED_UNVERIFIED: return SH_AUTH_SKIPPED;
		case SMTP_AUTH_NO_MECH: return SH_AUTH_NO_MECH;
		case SMTP_AUTH_NOT_OFFERED: return SH_AUTH_NOT_OFFERED;
		default: break;
		}
	}
	if (mail == NULL || mail->reply.code == 0)
		return SH_SESSION_FAILED;
	if (!mail_ok) {
		if (is_auth_required_reply(&mail->reply) && r->auth != SMTP_AUTH_OK)
			return SH_AUTH_REQUIRED;
		if (mail->reply.code / 100 == 5 && r->auth == SMTP_AUTH_OK)
			return SH_SENDER_DENIED;
		if (is_auth_unused(run, ep, &mail->reply))
			return SH_AUTH_UNUSED;
		return SH_MAIL_REJECTED;
	}
	if (rcpt == NULL || rcpt->reply.code == 0)
		return SH_SESSION_FAILED;
	if (is_auth_required_reply(&rcpt->reply) && r->auth != SMTP_AUTH_OK)
		return SH_AUTH_REQUIRED;
	if (rcpt->reply.code / 100 == 4)
		return SH_RCPT_TEMPFAIL;
	if (r->auth == SMTP_AUTH_OK && rcpt->reply.code / 100 == 5 &&
	    refuses_sender(&rcpt->reply, run->from, run->rcpt))
		return SH_SENDER_DENIED;	/* a sender refused at RCPT is still the sender */
	if (is_auth_unused(run, ep, &rcpt->reply))
		return SH_AUTH_UNUSED;
	if (r->auth != SMTP_AUTH_OK && local != NULL && local->reply.code / 100 == 2)
		return SH_NOT_A_RELAY;
	return SH_RELAY_DENIED;
}

/*
 * Port 25 goes through this line's OP25B, if it has one: a block or an interceptor (the
 * port25 fact of the run, else an interceptor's greeting) means the session says nothing
 * of the relay (vantage.h). The port-25 endpoints are read together, so that one greeting
 * from unrelated relays shows an interceptor even without the port25 probe.
 */
static void
judge_line(struct sh_run *run)
{
	struct vantage_session vs[SH_MAX_EPS];
	struct sh_ep *eps[SH_MAX_EPS];
	size_t i, n = 0;

	for (i = 0; i < run->neps; i++) {
		struct sh_ep *ep = &run->eps[i];

		if (ep->port != 25 || ep->res == NULL)
			continue;
		vs[n].name = ep->cand->is_ip ? NULL : ep->cand->host;
		vs[n].ptr = ep->dialled_ptr;
		vs[n].res = ep->res;
		eps[n++] = ep;
	}
	for (i = 0; i < n; i++) {
		switch (vantage_of(run->facts, vs, n, i, &eps[i]->vantage)) {
		case VANTAGE_BLOCKED:
			eps[i]->outcome = SH_LINE_BLOCKED;
			run->nblocked++;
			break;
		case VANTAGE_INTERCEPTED:
			eps[i]->outcome = SH_INTERCEPTED;
			run->nintercepted++;
			break;
		case VANTAGE_CLEAR:
			break;
		}
	}
}

/* Every session has ended: judge and rank them, then ask SPF about the relay. */
static void
judge_sessions(struct sh_run *run)
{
	size_t i;

	for (i = 0; i < run->neps; i++)
		run->eps[i].outcome = judge_ep(run, &run->eps[i]);
	judge_line(run);
	for (i = 0; i < run->neps; i++) {
		struct sh_ep *ep = &run->eps[i];

		ep->tls_score = smarthost_tls_score(ep->res);
		if (ep->outcome == SH_WORKS)
			run->nworking++;
	}
	smarthost_rank(run, run->order);
	smarthost_start_spf(run, run->neps > 0 ? run->order[0] : NULL);
	smarthost_ask_relay_addrs(run);
}

static void
report_all(struct sh_run *run)
{
	struct sh_ep **order = run->order;
	size_t i;

	if (run->is_setup_failed)
		return;	/* the UNKNOWN finding says why; no verdict without a test */
	smarthost_report_provider(run);
	/* The answer first when there is one; otherwise the verdict after its reasons. */
	if (run->nworking > 0)
		smarthost_report_recommendation(run, order);
	for (i = 0; i < run->nspf; i++)
		smarthost_report_spf(run, &run->spf[i]);
	for (i = 0; i < run->ncands; i++)
		if (run->cands[i].unresolved != NULL)
			smarthost_report_unresolved(run, &run->cands[i]);
	for (i = 0; i < run->neps; i++) {
		smarthost_report_outcome(run, order[i]);
		smarthost_report_tls(run, order[i], i == 0 && order[i]->outcome == SH_WORKS);
	}
	smarthost_report_stale(run);
	if (run->nworking == 0)
		smarthost_report_recommendation(run, order);
	smarthost_publish(run);
}

static void
run_free(struct sh_run *run)
{
	size_t i;

	smarthost_path_free(run);
	for (i = 0; i < run->neps; i++) {
		smtp_result_free(run->eps[i].res);
		free(run->eps[i].addr);
		free(run->eps[i].dialled_ptr);
	}
	for (i = 0; i < run->ncands; i++) {
		probe_host_free(run->cands[i].unresolved);
		free(run->cands[i].arg);
		free(run->cands[i].host);
	}
	for (i = 0; i < run->nspf; i++) {
		free(run->spf[i].ip);
		free(run->spf[i].domain);
		free(run->spf[i].mechanism);
		free(run->spf[i].problem);
		free(run->spf[i].explanation);
	}
	secret_free(run->pass);
	free(run->from);
	free(run->rcpt);
	free(run->local_rcpt);
	free(run->spf_domain);
	free(run->our_ip);
	free(run->user);
	free(run->helo);
	free(run);
}

static bool
has_port25(const struct sh_run *run)
{
	size_t i;

	for (i = 0; i < run->neps; i++)
		if (run->eps[i].port == 25)
			return true;
	return false;
}

static bool
finish(void *arg)
{
	struct sh_run *run = arg;

	if (!run->is_spf_phase) {
		/* Port 25 is read knowing what the line does to it (judge_line). */
		if (has_port25(run) && session_await_facts(&run->sess, run->check,
		    CHECK_FACT_PORT25))
			return false;
		/* Phase two holds its own count while the evaluations start. */
		run->is_spf_phase = true;
		session_begin(&run->sess);
		judge_sessions(run);
		session_end(&run->sess);
		return false;
	}
	report_all(run);
	run_free(run);
	return true;
}

int
smarthost_start(struct run_ctx *ctx, const struct smarthost_opts *o, probe_done_fn *done,
    void *arg)
{
	struct sh_run *run;
	char why[256];
	size_t i;

	if (o->ncands == 0 || o->ncands > SH_MAX_CANDS || o->nrelay_ips > SH_MAX_RELAY_IPS ||
	    o->from == NULL || strchr(o->from, '@') == NULL ||
	    (o->rcpt != NULL && strchr(o->rcpt, '@') == NULL) ||
	    (o->user != NULL && o->pass == NULL))
		return MXD_EINVAL;
	run = xcalloc(1, sizeof(*run));
	run->ctx = ctx;
	run->group = o->group;
	session_init(&run->sess, ctx->loop, finish, run, done, arg);
	run->from = xstrdup(o->from);
	run->rcpt = xstrdup(o->rcpt != NULL ? o->rcpt : SMARTHOST_OUTSIDE_RCPT);
	/* RFC 5321 4.5.1: postmaster of the sender's domain exists wherever it is hosted. */
	if (strcasecmp(strrchr(run->rcpt, '@') + 1, strrchr(o->from, '@') + 1) != 0)
		run->local_rcpt = xasprintf("postmaster@%s", strrchr(o->from, '@') + 1);
	run->spf_domain = xstrdup(o->spf_domain != NULL ? o->spf_domain :
	    strrchr(o->from, '@') + 1);
	run->our_ip = xstrdup(o->our_ip);
	run->facts = o->facts;
	run->check = o->check;
	run->provider = o->provider;
	run->user = xstrdup(o->user);
	run->pass = o->pass != NULL ? secret_new(o->pass->buf, o->pass->len) : NULL;
	run->helo = xstrdup(o->helo);
	run->is_insecure_ok = o->is_insecure_ok;
	for (i = 0; i < o->nrelay_ips; i++) {
		run->spf[i].ip = xstrdup(o->relay_ips[i]);
		run->spf[i].is_given = true;
	}
	run->nspf = o->nrelay_ips;
	run->tls = run_tls_client(ctx, why, sizeof(why));
	if (run->tls == NULL) {
		struct finding *f = probe_add(ctx->rep, run->group, "smarthost.tls-setup-failed",
		    ST_UNKNOWN, ctx->g->ca_file != NULL ? ctx->g->ca_file : _("system CA store"));

		finding_msg(f, _("Cannot set up TLS: %s"), why);
		finding_fix(f, _("Check the file given with --ca-file (PEM certificates)."));
		run->is_setup_failed = true;
		run->nspf = 0;
		session_end(&run->sess);
		return 0;
	}
	for (i = 0; i < o->ncands; i++) {
		struct sh_cand *cand = &run->cands[run->ncands];
		int port = 0;

		if (parse_host_port(o->cands[i], &cand->host, &port, why, sizeof(why)) < 0) {
			free(cand->host);
			cand->host = NULL;
			continue;	/* the caller validated; skip rather than guess */
		}
		run->ncands++;
		cand->run = run;
		cand->arg = xstrdup(o->cands[i]);
		if (validate_ip(cand->host, NULL) == 0) {
			cand->is_ip = true;
		} else {
			char *norm = run_normalise_domain(cand->host);

			free(cand->host);
			cand->host = norm;
		}
		cand->port = (unsigned)port;
		if (probe_resolve_host(ctx->loop, ctx->dns, cand->host, 0, on_cand_resolved,
		    cand) == 0)
			session_begin(&run->sess);
	}
	session_end(&run->sess);
	return 0;
}

static void
smarthost_diag_start(struct check_ctx *cc)
{
	struct smarthost_opts o = *cc->in->smarthost;

	o.group = cc->group;
	/* preflight judges the relay for the domain under test, not the sender's */
	if (cc->in->domain != NULL)
		o.spf_domain = cc->in->domain;
	if (cc->in->ip != NULL)
		o.our_ip = cc->in->ip;
	o.facts = cc->facts;
	o.check = cc;
	if (smarthost_start(cc->run, &o, check_done, cc) != 0)
		check_done(cc);
}

const struct check check_smarthost = {
	.name = "smarthost",
	.section = "relay-choice",
	.needs = CHECK_IN_SMARTHOSTS,
	.publishes = CHECK_FACT_RELAYS,
	/* port 25's state, when port25 runs beside: a block or an interceptor is not the
	 * relay's answer */
	.awaits = CHECK_FACT_PORT25,
	.start = smarthost_diag_start,
	.is_async = true,
};
