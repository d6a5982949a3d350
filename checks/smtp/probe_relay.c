/* The open-relay test: outside sender to outside recipient, and the classic bypasses
 * (percent hack, bang path, quoted local part, source route, null and local senders).
 * RCPT acceptance is the evidence: never DATA, RSET after each try. Used by `mxdiag relay`
 * and preflight; callback-driven on the shared loop. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "command.h"
#include "dns.h"
#include "err.h"
#include "facts.h"
#include "i18n.h"
#include "loop.h"
#include "probe.h"
#include "probe_relay.h"
#include "report.h"
#include "run.h"
#include "session.h"
#include "smtp.h"
#include "text.h"
#include "tls.h"
#include "validate.h"
#include "vantage.h"
#include "xmalloc.h"

/* A local part no real mailbox has: the control for "accepts anything at its domain". */
#define RL_CONTROL_LOCAL "mxdiag-no-such-user-7f3a"
#define RL_MAX_VARIANTS 8
#define RL_TRANSCRIPT_LINES 80

enum rl_kind {
	RL_DIRECT,	/* an outside recipient as such: a relay if accepted */
	RL_BYPASS,	/* an outside recipient hidden in a local-looking address */
	RL_CONTROL,	/* an unknown local recipient: tells a catch-all from a bypass */
};

struct rl_variant {
	const char *name;
	enum rl_kind kind;
	char *from;		/* owned */
	char *rcpt;		/* owned */
	bool is_tested;
	bool is_accepted;
	bool is_deferred;	/* RCPT (or MAIL) answered 4xx */
};

struct rl_run {
	struct run_ctx *ctx;
	const char *group;
	struct session sess;	/* lookups and sessions pending; finish, done */
	struct check_ctx *check;	/* the diagnosis it runs as: port 25's state */
	struct tls_client *tls;	/* the run's (run_tls_client), borrowed */
	char *host;		/* as given, normalised */
	unsigned port;
	char *domain;		/* the server's own domain, or NULL when unknown */
	char *from, *to, *helo;	/* owned copies */
	char *addr;		/* the address dialled */
	char *ptr;		/* its PTR name, or NULL */
	json_t *dns_evidence;
	struct rl_variant v[RL_MAX_VARIANTS];
	size_t nv;
	struct smtp_result *res;
	bool is_unresolved;
};

static void
add_variant(struct rl_run *run, const char *name, enum rl_kind kind, char *from, char *rcpt)
{
	struct rl_variant *v = &run->v[run->nv++];

	v->name = name;
	v->kind = kind;
	v->from = from;
	v->rcpt = rcpt;
}

/* The envelopes to try, one transaction each. */
static void
build_variants(struct rl_run *run)
{
	const char *at = strrchr(run->to, '@');
	char *tl = xstrndup(run->to, (size_t)(at - run->to));
	const char *td = at + 1;
	const char *d = run->domain;

	add_variant(run, "plain", RL_DIRECT, xstrdup(run->from), xstrdup(run->to));
	/* RFC 5321 4.5.5: bounces come from <>; some filters wave it through. */
	add_variant(run, "null-sender", RL_DIRECT, xstrdup(""), xstrdup(run->to));
	if (d != NULL) {
		/* A forged local sender: servers that trust their own domain relay for it. */
		add_variant(run, "local-sender", RL_DIRECT, xasprintf("postmaster@%s", d),
		    xstrdup(run->to));
		/* The old forwarding syntaxes (RFC 1123 5.2.16, UUCP, RFC 5321 C): a server
		 * that takes them as local and then forwards is an open relay. */
		add_variant(run, "percent-hack", RL_BYPASS, xstrdup(run->from),
		    xasprintf("%s%%%s@%s", tl, td, d));
		add_variant(run, "bang-path", RL_BYPASS, xstrdup(run->from),
		    xasprintf("%s!%s@%s", td, tl, d));
		add_variant(run, "quoted-local", RL_BYPASS, xstrdup(run->from),
		    xasprintf("\"%s@%s\"@%s", tl, td, d));
		add_variant(run, "source-route", RL_BYPASS, xstrdup(run->from),
		    xasprintf("@%s:%s@%s", d, tl, td));
		add_variant(run, "control", RL_CONTROL, xstrdup(run->from),
		    xasprintf("%s@%s", RL_CONTROL_LOCAL, d));
	}
	free(tl);
}

static void
on_done(struct smtp_result *res, void *arg)
{
	struct rl_run *run = arg;

	run->res = res;
	session_end(&run->sess);
}

static void
start_session(struct rl_run *run)
{
	struct smtp_plan plan = { 0 };
	struct smtp_txn txns[RL_MAX_VARIANTS];
	const char *rcpts[RL_MAX_VARIANTS][1];
	size_t i;

	build_variants(run);
	for (i = 0; i < run->nv; i++) {
		rcpts[i][0] = run->v[i].rcpt;
		txns[i].mail_from = run->v[i].from;
		txns[i].rcpts = rcpts[i];
		txns[i].nrcpts = 1;
	}
	plan.addr = run->addr;
	plan.port = (uint16_t)run->port;
	plan.host = validate_ip(run->host, NULL) == 0 ? NULL : run->host;
	plan.ehlo_name = run->helo;
	/* As any sending MTA would: STARTTLS when offered. */
	plan.tls = run->tls != NULL ? SMTP_TLS_STARTTLS : SMTP_TLS_NONE;
	plan.tls_client = run->tls;
	plan.txns = txns;
	plan.ntxns = run->nv;
	plan.connect_timeout_ms = run->ctx->g->timeout_ms;
	plan.reply_timeout_ms = run->ctx->g->timeout_ms;
	/* One reply timeout per command: two per variant, plus the greeting and TLS. */
	plan.total_timeout_ms = run->ctx->g->timeout_ms * (int)(2 * run->nv + 8);
	if (smtp_probe_start(run->ctx->loop, &plan, on_done, run) == 0) {
		report_stats(run->ctx->rep)->smtp_sessions++;
		session_begin(&run->sess);
	}
}

/* The server's domain from a host name: "mx.bypass.test" -> "bypass.test". */
static char *
parent_domain(const char *name)
{
	const char *dot = strchr(name, '.');

	if (dot == NULL)
		return NULL;
	if (strchr(dot + 1, '.') == NULL)
		return xstrdup(name);	/* already a two-label domain */
	return xstrdup(dot + 1);
}

static void
on_ptr(const struct dns_answer *ans, void *arg)
{
	struct rl_run *run = arg;
	const ldns_rr *rr[1];

	json_array_append_new(run->dns_evidence, dns_answer_evidence(ans));
	if (dns_answer_rrs(ans, LDNS_RR_TYPE_PTR, rr, 1) == 1)
		run->ptr = dns_rdf_name(ldns_rr_rdf(rr[0], 0));
	/* An address: the server's domain comes from its PTR name. */
	if (run->domain == NULL && run->ptr != NULL)
		run->domain = parent_domain(run->ptr);
	start_session(run);
	session_end(&run->sess);
}

static void
on_host(struct probe_host *h, void *arg)
{
	struct rl_run *run = arg;
	size_t i;

	for (i = 0; i < (size_t)json_array_size(h->evidence); i++)
		json_array_append(run->dns_evidence, json_array_get(h->evidence, i));
	if (h->naddrs == 0) {
		run->is_unresolved = true;
		probe_host_free(h);
		session_end(&run->sess);
		return;
	}
	run->addr = xstrdup(h->addrs[0]);
	probe_host_free(h);
	/* The PTR name first: the greeting is read against it (vantage.h), and an address
	 * target's domain comes from it. */
	if (dns_query_ptr(run->ctx->dns, run->addr, 1, on_ptr, run) == 0)
		session_begin(&run->sess);
	else
		start_session(run);
	session_end(&run->sess);
}

/* ---- judging ---- */

static void
judge_variants(struct rl_run *run)
{
	const struct smtp_result *r = run->res;
	size_t i;

	for (i = 0; i < run->nv; i++) {
		const struct smtp_step *mail = smtp_result_step(r, SMTP_STEP_MAIL, i, 0);
		const struct smtp_step *rcpt = smtp_result_step(r, SMTP_STEP_RCPT, i, 0);
		struct rl_variant *v = &run->v[i];

		if (mail == NULL || mail->reply.code == 0)
			continue;
		v->is_tested = true;
		if (mail->reply.code / 100 == 4)
			v->is_deferred = true;
		if (rcpt == NULL || rcpt->reply.code == 0)
			continue;
		if (rcpt->reply.code / 100 == 2 && mail->reply.code / 100 == 2)
			v->is_accepted = true;
		else if (rcpt->reply.code / 100 == 4)
			v->is_deferred = true;
	}
}

static void
variant_evidence(struct finding *f, const struct rl_run *run)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < run->nv; i++) {
		const struct rl_variant *v = &run->v[i];
		const struct smtp_step *mail = smtp_result_step(run->res, SMTP_STEP_MAIL, i, 0);
		const struct smtp_step *rcpt = smtp_result_step(run->res, SMTP_STEP_RCPT, i, 0);
		char mr[300] = "", rr[300] = "";

		if (mail != NULL)
			smtp_reply_format(&mail->reply, mr, sizeof(mr));
		if (rcpt != NULL)
			smtp_reply_format(&rcpt->reply, rr, sizeof(rr));
		if (!v->is_tested)
			finding_evidence(f, _("%s: not tested (the session ended first)"), v->name);
		else
			finding_evidence(f, "%s: MAIL FROM:<%s> -> %s; RCPT TO:<%s> -> %s%s",
			    v->name, v->from, mr, v->rcpt, rr[0] != '\0' ? rr : _("(not sent)"),
			    v->is_accepted ? _("  ACCEPTED") : "");
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b, s:b, s:b}", "variant",
		    v->name, "from", v->from, "rcpt", v->rcpt, "tested", v->is_tested,
		    "accepted", v->is_accepted, "deferred", v->is_deferred));
	}
	finding_data(f, "variants", list);
}

/* "plain, null-sender" for the variants of kind (or all accepted when any_kind). */
static void
accepted_names(const struct rl_run *run, enum rl_kind kind, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < run->nv; i++)
		if (run->v[i].is_accepted && run->v[i].kind == kind &&
		    !text_list_add(buf, len, &used, run->v[i].name))
			break;
}

static const char *
relay_fix(void)
{
	return _("Relay only for authenticated users or listed internal addresses. Postfix: "
	    "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, "
	    "reject_unauth_destination, with mynetworks listing only your own hosts. Exchange: "
	    "take \"Externally secured\" and anonymous relay (ms-Exch-SMTP-Accept-Any-Recipient "
	    "for ANONYMOUS LOGON) off the Internet-facing receive connector, and let internal "
	    "systems relay through a dedicated receive connector whose RemoteIPRanges lists "
	    "only them.");
}

static void
judge(struct rl_run *run)
{
	struct report *rep = run->ctx->rep;
	const struct rl_variant *plain = &run->v[0];
	struct finding *f;
	char direct[200], bypass[200], ep[80];
	bool control_ok = false, any_deferred = false, direct_refused = false;
	size_t i;

	if (run->is_unresolved || run->res == NULL) {
		f = probe_add(rep, run->group, "relay.untested", ST_UNKNOWN, run->host);
		finding_msg(f, _("%s could not be tested: it has no address."), run->host);
		finding_fix(f, _("Give the server's IP address."));
		finding_ref(f, "RFC 5321 section 5.1");
		probe_evidence_list(f, run->dns_evidence);
		return;
	}
	probe_endpoint(run->res->addr, run->res->port, ep, sizeof(ep));
	if (run->port == 25) {
		struct vantage_session vs = { .ptr = run->ptr, .res = run->res };
		struct vantage_why why;

		vs.name = validate_ip(run->host, NULL) == 0 ? NULL : run->host;
		if (vantage_of(run->check != NULL ? run->check->facts : NULL, &vs, 1, 0,
		    &why) != VANTAGE_CLEAR) {
			f = probe_add(rep, run->group, "relay.untestable", ST_UNKNOWN,
			    run->host);
			vantage_explain(f, &why, run->host);
			finding_data(f, "session", probe_session_json(run->res));
			probe_evidence_smtp(f, run->res, RL_TRANSCRIPT_LINES);
			return;
		}
	}
	judge_variants(run);
	if (!plain->is_tested) {
		const struct check_facts *facts = run->check != NULL ? run->check->facts : NULL;

		f = probe_add(rep, run->group, "relay.untested", ST_UNKNOWN, run->host);
		if (run->port == 25 && !vantage_is_line_open(facts, run->res->addr))
			finding_msg(f, _("%s (%s) could not be tested: %s. Whether this line lets "
			    "port 25 out is not known (%s): an ISP's Outbound Port 25 Blocking "
			    "(OP25B) looks the same."), run->host, ep,
			    run->res->fail_detail[0] != '\0' ? run->res->fail_detail :
			    _("the session ended before MAIL"),
			    vantage_unproven_words(facts, run->res->addr));
		else
			finding_msg(f, _("%s (%s) could not be tested: %s."), run->host, ep,
			    run->res->fail_detail[0] != '\0' ? run->res->fail_detail :
			    _("the session ended before MAIL"));
		finding_fix(f, _("Check that the server is reachable on this port from here "
		    "(mxdiag port25 if it is port 25)."));
		finding_ref(f, "RFC 5321 section 3.1");
		finding_data(f, "session", probe_session_json(run->res));
		probe_evidence_smtp(f, run->res, RL_TRANSCRIPT_LINES);
		return;
	}
	for (i = 0; i < run->nv; i++) {
		/* A relay attempt refused for good, whatever a sender check did to others. */
		if (run->v[i].kind == RL_DIRECT && run->v[i].is_tested && !run->v[i].is_accepted &&
		    !run->v[i].is_deferred)
			direct_refused = true;
		if (run->v[i].kind == RL_CONTROL && run->v[i].is_accepted)
			control_ok = true;
		if (run->v[i].kind != RL_CONTROL && run->v[i].is_deferred)
			any_deferred = true;
	}
	accepted_names(run, RL_DIRECT, direct, sizeof(direct));
	accepted_names(run, RL_BYPASS, bypass, sizeof(bypass));
	if (direct[0] != '\0') {
		f = probe_add(rep, run->group, "relay.open", ST_FAIL, run->host);
		finding_msg(f, _("%s (%s) is an OPEN RELAY: it accepted a recipient in an outside "
		    "domain from an outside sender (%s). Spammers find such servers within hours; "
		    "then its address lands on blocklists and its own mail bounces."), run->host,
		    ep, direct);
		finding_fix(f, "%s", relay_fix());
	} else if (bypass[0] != '\0' && !control_ok) {
		f = probe_add(rep, run->group, "relay.open-bypass", ST_FAIL, run->host);
		finding_msg(f, _("%s (%s) refuses plain relaying but accepts outside recipients "
		    "written as local addresses (%s), while it refuses an unknown local user: it "
		    "treats them as forwarding addresses, an open relay for anyone who knows "
		    "the trick."), run->host, ep, bypass);
		finding_fix(f, _("Refuse addresses with %%, ! or a quoted @ in the local part "
		    "(Postfix: allow_percent_hack = no, swap_bangpath = no, "
		    "allow_untrusted_routing = no; sendmail: FEATURE(`loose_relay_check') off). %s"),
		    relay_fix());
	} else if (bypass[0] != '\0') {
		f = probe_add(rep, run->group, "relay.inconclusive", ST_WARN, run->host);
		finding_msg(f, _("%s (%s) refuses plain relaying, but accepts every local part at "
		    "%s, even %s@%s, so its acceptance of %s proves nothing without DATA: a "
		    "catch-all or a backup MX without recipient lists."), run->host, ep,
		    run->domain, RL_CONTROL_LOCAL, run->domain, bypass);
		finding_fix(f, _("Validate recipients at RCPT time (reject unknown users; a "
		    "backup MX needs the recipient list too): it also stops backscatter."));
	} else if (any_deferred && !direct_refused) {
		f = probe_add(rep, run->group, "relay.deferred", ST_UNKNOWN, run->host);
		finding_msg(f, _("%s (%s) answered the relay attempts with temporary errors "
		    "(greylisting?): cannot tell whether it relays."), run->host, ep);
		finding_fix(f, _("Run the test again after a few minutes."));
	} else {
		size_t tested = 0;

		for (i = 0; i < run->nv; i++)
			if (run->v[i].is_tested && run->v[i].kind != RL_CONTROL)
				tested++;
		f = probe_add(rep, run->group, "relay.closed", ST_OK, run->host);
		finding_msg(f, _("%s (%s) is not an open relay: it refused all %zu relay "
		    "attempts%s."), run->host, ep, tested, run->domain == NULL ?
		    _(" (bypass variants not tried: the server's domain is unknown, give "
		    "--domain)") : "");
		/* The plain attempt was refused for good; variants answered 4xx (a sender-domain
		 * check, greylisting) stay unjudged, and the message says so. */
		if (any_deferred)
			finding_evidence(f, _("Some variants were answered with temporary errors "
			    "(4xx, often a check of the sender's domain: give --from with a real "
			    "domain of yours) and are not judged."));
	}
	finding_ref(f, "RFC 5321 section 3.6.2");
	finding_ref(f, "RFC 2505 section 2");
	finding_ref(f, "RFC 5321 section 7.1");
	if (run->domain != NULL)
		finding_data(f, "domain", json_string(run->domain));
	variant_evidence(f, run);
	finding_data(f, "session", probe_session_json(run->res));
	probe_evidence_smtp(f, run->res, RL_TRANSCRIPT_LINES);
}

static void
run_free(struct rl_run *run)
{
	size_t i;

	for (i = 0; i < run->nv; i++) {
		free(run->v[i].from);
		free(run->v[i].rcpt);
	}
	smtp_result_free(run->res);
	json_decref(run->dns_evidence);
	free(run->addr);
	free(run->ptr);
	free(run->domain);
	free(run->host);
	free(run->from);
	free(run->to);
	free(run->helo);
	free(run);
}

static bool
finish(void *arg)
{
	struct rl_run *run = arg;

	if (session_await_facts(&run->sess, run->check, CHECK_FACT_PORT25))
		return false;
	judge(run);
	run_free(run);
	return true;
}

int
relay_start(struct run_ctx *ctx, const struct relay_opts *o, probe_done_fn *done, void *arg)
{
	struct rl_run *run;
	char why[256];

	if (o->host == NULL || o->port == 0)
		return MXD_EINVAL;
	run = xcalloc(1, sizeof(*run));
	run->ctx = ctx;
	run->group = o->group;
	run->check = o->check;
	session_init(&run->sess, ctx->loop, finish, run, done, arg);
	run->host = validate_ip(o->host, NULL) == 0 ? xstrdup(o->host) :
	    run_normalise_domain(o->host);
	run->port = o->port;
	run->from = xstrdup(o->from != NULL ? o->from : RELAY_DEFAULT_FROM);
	run->to = xstrdup(o->to != NULL ? o->to : RELAY_DEFAULT_TO);
	run->helo = xstrdup(o->helo);
	run->dns_evidence = json_array();
	if (o->domain != NULL)
		run->domain = run_normalise_domain(o->domain);
	else if (validate_ip(run->host, NULL) < 0)
		run->domain = parent_domain(run->host);
	run->tls = run_tls_client(ctx, why, sizeof(why));
	if (probe_resolve_host(ctx->loop, ctx->dns, run->host, 0, on_host, run) == 0)
		session_begin(&run->sess);
	else
		run->is_unresolved = true;
	session_end(&run->sess);
	return 0;
}

static void
relay_from(struct check_ctx *cc, const char *host)
{
	struct relay_opts o = *cc->in->relay;

	o.host = host;
	o.group = cc->group;
	o.check = cc;
	if (relay_start(cc->run, &o, check_done, cc) != 0)
		check_done(cc);
}

/* Without a given server, the domain's own mail server: its best MX. */
static void
relay_on_mx(struct check_ctx *cc, const struct probe_mx *mx)
{
	struct finding *f;

	if (mx->nhosts > 0) {
		relay_from(cc, mx->hosts[0].name);
		return;
	}
	/* check already says why there is no mail host (no MX, null MX, NXDOMAIN). */
	f = check_add(cc, "preflight.relay-skipped", ST_INFO, mx->domain);
	finding_msg(f, _("No mail host of %s to test for open relaying; give the server "
	    "with --mx-host HOST to test it before DNS is published."), mx->domain);
	check_done(cc);
}

static void
relay_diag_start(struct check_ctx *cc)
{
	if (cc->in->relay->host != NULL)
		relay_from(cc, cc->in->relay->host);
	else if (cc->domain == NULL || check_fact_mx(cc, relay_on_mx) != 0)
		check_done(cc);
}

const struct check check_relay = {
	.name = "relay",
	.section = "safety",
	.needs = CHECK_IN_RELAY,
	.reads = CHECK_FACT_MX,
	.start = relay_diag_start,
	.is_async = true,
};
