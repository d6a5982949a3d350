/* Outbound port 25: open, or blocked by the ISP (OP25B) with a reset, a silent drop, ICMP,
 * or a transparent interceptor; and do 587/465 get out. Used by `mxdiag port25` and
 * preflight: starts on the loop, reports when its last probe is done. */
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
#include "facts.h"
#include "i18n.h"
#include "loop.h"
#include "probe.h"
#include "port25_memo.h"
#include "port25_run.h"
#include "probe_port25.h"
#include "report.h"
#include "run.h"
#include "session.h"
#include "smtp.h"
#include "tls.h"
#include "validate.h"
#include "xmalloc.h"

/*
 * Independent operators, so that one host being down cannot pass for a block. Their MX
 * hosts answer port 25 from anywhere that is not blocked.
 */
static const char *const default_targets[] = { "gmail.com", "outlook.com", "yahoo.com" };
/* Public submission hosts listening on both 587 and 465. */
static const char *const default_submission[] = { "smtp.gmail.com", "smtp.mail.yahoo.com" };

/*
 * The default targets: $MXD_PORT25_TARGETS (names or addresses, separated by spaces or
 * commas; the lab sets it to its own servers, so that nothing run inside it dials a real
 * one), else the built-in list. Fills out[] with pointers into buf; returns how many.
 */
size_t
port25_default_targets(char *buf, size_t len, const char **out, size_t max)
{
	const char *env = getenv("MXD_PORT25_TARGETS");
	size_t n = 0;
	char *p;

	if (env != NULL && strlen(env) >= len)
		return 0;	/* never the real servers instead of the ones named */
	if (env == NULL || env[0] == '\0') {
		for (n = 0; n < sizeof(default_targets) / sizeof(default_targets[0]); n++)
			out[n] = default_targets[n];
		return n;
	}
	memcpy(buf, env, strlen(env) + 1);
	for (p = buf; *p != '\0' && n < max;) {
		char *tok = p, why[128];

		p += strcspn(p, " ,\t");
		if (*p != '\0')
			*p++ = '\0';
		/* An unusable word is left out: port25.no-targets says when none is left. */
		if (tok[0] != '\0' && (validate_ip(tok, NULL) == 0 ||
		    validate_domain(tok, why, sizeof(why)) == 0))
			out[n++] = tok;
	}
	return n;
}

static enum p25_class
classify(const struct smtp_result *r)
{
	const struct smtp_step *b;

	switch (r->conn) {
	case SMTP_CONN_OK:
		break;
	case SMTP_CONN_REFUSED: return P25_RESET;
	case SMTP_CONN_TIMEOUT: return P25_DROP;
	case SMTP_CONN_UNREACH: return P25_ICMP;
	default: return P25_ERROR;
	}
	b = smtp_result_step(r, SMTP_STEP_BANNER, 0, 0);
	if (b == NULL || b->reply.code == 0)
		return P25_NO_GREETING;
	return b->reply.code / 100 == 2 ? P25_OPEN : P25_REFUSED_BY_TARGET;
}

static void
on_probe_done(struct smtp_result *res, void *arg)
{
	struct p25_probe *p = arg;

	p->res = res;
	p->cls = classify(res);
	smtp_result_banner_name(res, p->banner_name, sizeof(p->banner_name));
	session_end(&p->run->sess);
}

static void
on_ptr(const struct dns_answer *ans, void *arg)
{
	struct p25_probe *p = arg;
	const ldns_rr *rr[1];

	if (dns_answer_rrs(ans, LDNS_RR_TYPE_PTR, rr, 1) == 1)
		p->ptr = dns_rdf_name(ldns_rr_rdf(rr[0], 0));
	session_end(&p->run->sess);
}

static void
start_probe(struct p25_run *run, const char *target, const char *host, const char *addr,
    unsigned port, bool is_submission)
{
	struct p25_probe *p;
	struct smtp_plan plan = { 0 };

	if (run->nprobes == P25_MAX_PROBES)
		return;
	p = &run->probes[run->nprobes];
	memset(p, 0, sizeof(*p));
	p->run = run;
	p->target = xstrdup(target);
	p->host = xstrdup(host);
	p->is_submission = is_submission;
	p->is_v6 = strchr(addr, ':') != NULL;
	p->is_literal = validate_ip(host, NULL) == 0;
	p->port = port;
	plan.addr = addr;
	plan.port = (uint16_t)port;
	plan.host = validate_ip(host, NULL) == 0 ? NULL : host;
	plan.ehlo_name = run->helo;
	/* Port 25: the greeting and the EHLO list (does STARTTLS survive the path?).
	 * Submission: reaching the greeting is all this command asks. */
	plan.stop = is_submission ? SMTP_STOP_BANNER : SMTP_STOP_EHLO;
	plan.tls = port == 465 ? SMTP_TLS_IMPLICIT : SMTP_TLS_NONE;
	plan.tls_client = run->tls;
	plan.connect_timeout_ms = run->ctx->g->timeout_ms;
	plan.reply_timeout_ms = run->ctx->g->timeout_ms;
	if (plan.tls != SMTP_TLS_NONE && run->tls == NULL)
		plan.tls = SMTP_TLS_NONE;	/* no TLS context: TCP and silence still tell */
	if (smtp_probe_start(run->ctx->loop, &plan, on_probe_done, p) != 0) {
		free(p->target);
		free(p->host);
		return;
	}
	report_stats(run->ctx->rep)->smtp_sessions++;
	run->nprobes++;
	session_begin(&run->sess);
	if (p->is_literal && !is_submission) {
		if (dns_query_ptr(run->ctx->dns, addr, 1, on_ptr, p) == 0)
			session_begin(&run->sess);
	}
}

/* First address of each family: the two families can be blocked differently. */
static void
start_host_probes(struct p25_run *run, const char *target, const struct probe_host *h,
    const unsigned *ports, size_t nports, bool is_submission)
{
	bool has_v4 = false, has_v6 = false;
	size_t i, k;

	for (i = 0; i < h->naddrs; i++) {
		bool is_v6 = strchr(h->addrs[i], ':') != NULL;

		if ((is_v6 && has_v6) || (!is_v6 && has_v4))
			continue;
		for (k = 0; k < nports; k++)
			start_probe(run, target, h->name, h->addrs[i], ports[k], is_submission);
		if (is_v6)
			has_v6 = true;
		else
			has_v4 = true;
	}
}

static void
note_unresolved(struct p25_run *run, json_t *evidence)
{
	size_t i;
	json_t *ev;

	run->unresolved++;
	json_array_foreach(evidence, i, ev)
		json_array_append(run->dns_evidence, ev);
}

static void
on_target_mx(struct probe_mx *mx, void *arg)
{
	struct p25_run *run = arg;
	static const unsigned port25[] = { 25 };
	size_t i;

	/* RFC 5321 5.1: the most preferred host that has an address. */
	for (i = 0; i < mx->nhosts; i++) {
		if (mx->hosts[i].naddrs > 0) {
			start_host_probes(run, mx->domain, &mx->hosts[i], port25, 1, false);
			probe_mx_free(mx);
			session_end(&run->sess);
			return;
		}
	}
	note_unresolved(run, mx->evidence);
	for (i = 0; i < mx->nhosts; i++)
		note_unresolved(run, mx->hosts[i].evidence);
	probe_mx_free(mx);
	session_end(&run->sess);
}

static void
on_submission_host(struct probe_host *h, void *arg)
{
	struct p25_run *run = arg;
	static const unsigned ports[] = { 587, 465 };

	if (h->naddrs == 0)
		note_unresolved(run, h->evidence);
	else
		start_host_probes(run, h->name, h, ports, 2, true);
	probe_host_free(h);
	session_end(&run->sess);
}

void
p25_run_free(struct p25_run *run)
{
	size_t i;

	for (i = 0; i < run->nprobes; i++) {
		if (run->probes[i].is_kept)
			continue;
		smtp_result_free(run->probes[i].res);
		free(run->probes[i].target);
		free(run->probes[i].host);
		free(run->probes[i].ptr);
	}
	for (i = 0; i < run->ntargets; i++)
		free(run->targets[i]);
	json_decref(run->dns_evidence);
	free(run);
}

static bool
finish(void *arg)
{
	struct p25_run *run = arg;

	port25_judge(run);
	p25_run_free(run);
	return true;
}

void
p25_start_target(struct p25_run *run, char *t)
{
	static const unsigned port25[] = { 25 };

	if (validate_ip(t, NULL) == 0) {
		struct probe_host h = { .name = t, .is_literal = true, .naddrs = 1 };

		h.addrs[0] = t;
		start_host_probes(run, t, &h, port25, 1, false);
	} else if (probe_resolve_mx(run->ctx->dns, t, on_target_mx, run) == 0) {
		session_begin(&run->sess);
	} else {
		run->unresolved++;
	}
}

int
port25_start(struct run_ctx *ctx, const struct port25_opts *o, probe_done_fn *done, void *arg)
{
	const char *defaults[PORT25_MAX_TARGETS];
	char env[PORT25_MAX_TARGETS * 256];
	const char *const *targets = o->targets;
	const char *const *subs = o->submission;
	size_t ntargets = o->ntargets, nsubs = o->nsubmission, i;
	struct p25_run *run;
	char why[256];

	if (ntargets > PORT25_MAX_TARGETS || nsubs > PORT25_MAX_SUBMISSION)
		return MXD_EINVAL;
	if (ntargets == 0) {
		ntargets = port25_default_targets(env, sizeof(env), defaults, PORT25_MAX_TARGETS);
		targets = defaults;
	}
	if (nsubs == 0 && !o->no_submission) {
		subs = default_submission;
		nsubs = sizeof(default_submission) / sizeof(default_submission[0]);
	}
	if (o->no_submission)
		nsubs = 0;
	run = xcalloc(1, sizeof(*run));
	run->ctx = ctx;
	run->helo = o->helo;
	run->group = o->group;
	session_init(&run->sess, ctx->loop, finish, run, done, arg);
	run->facts = o->facts;
	run->dns_evidence = json_array();
	/* Hosts the user named are the ISP's; the default submission hosts are not. */
	for (i = 0; i < o->nsubmission && run->nisp < PORT25_MAX_SUBMISSION; i++)
		run->isp[run->nisp++] = o->submission[i];
	for (i = 0; i < o->nisp_hosts && i < PORT25_MAX_ISP_HOSTS; i++)
		run->isp[run->nisp++] = o->isp_hosts[i];
	/* Only for 465's implicit TLS greeting; without it 465 is judged on TCP alone. */
	run->tls = run_tls_client(ctx, why, sizeof(why));
	for (i = 0; i < ntargets; i++) {
		char *t = run_normalise_domain(targets[i]);

		run->targets[run->ntargets++] = xstrdup(t);
		if (o->memo == NULL || !port25_memo_want(o->memo, run, t))
			p25_start_target(run, t);
		free(t);
	}
	for (i = 0; i < nsubs; i++) {
		char *sub = run_normalise_domain(subs[i]);

		if (probe_resolve_host(ctx->loop, ctx->dns, sub, 0, on_submission_host, run) == 0)
			session_begin(&run->sess);
		else
			run->unresolved++;
		free(sub);
	}
	session_end(&run->sess);
	return 0;
}

static void
port25_diag_start(struct check_ctx *cc)
{
	struct port25_opts o = *cc->in->port25;

	o.group = cc->group;
	o.facts = cc->facts;
	if (port25_start(cc->run, &o, check_done, cc) != 0)
		check_done(cc);
}

const struct check check_port25 = {
	.name = "port25",
	.section = "outbound",
	.needs = CHECK_IN_PORT25,
	.publishes = CHECK_FACT_PORT25,
	.start = port25_diag_start,
	.is_async = true,
};
