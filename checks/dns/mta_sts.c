/*
 * MTA-STS (RFC 8461): the _mta-sts TXT record, the policy fetched over HTTPS from
 * mta-sts.DOMAIN (certificate verified, no redirect followed, bounded in size and time),
 * its syntax, and its mx patterns against the domain's real MX hosts. A sender that holds
 * an enforce policy refuses to deliver to an MX the policy does not name (Exchange Online:
 * 4.4.8 / 5.4.8).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "command.h"
#include "dns.h"
#include "dns_target.h"
#include "facts.h"
#include "https.h"
#include "i18n.h"
#include "probe.h"
#include "report.h"
#include "smtp.h"
#include "sts_policy.h"
#include "tls_judge.h"
#include "vantage.h"
#include "xmalloc.h"

#define STS_MAX_RECORDS 8
#define STS_MAX_TXT 1024
#define STS_MAX_BODY 65536	/* RFC 8461 3.3 lets senders bound the policy; 64 KiB */
#define STS_PATH "/.well-known/mta-sts.txt"

struct sts_run {
	struct check_ctx *ctx;
	const struct probe_mx *mx;	/* the run's MX fact, borrowed */
	char *host;		/* mta-sts.DOMAIN */
	char *url;
	char addr[64];
	char id[40];
	struct sts_policy pol;
	json_t *https_ev;	/* owned: the fetch as evidence */
	size_t missed;		/* MX hosts no pattern covers */
	bool is_waiting;	/* judge_mode() ends the run */
};

static void
sts_end(struct sts_run *s)
{
	struct check_ctx *ctx = s->ctx;

	sts_policy_fini(&s->pol);
	if (s->https_ev != NULL)
		json_decref(s->https_ev);
	free(s->host);
	free(s->url);
	free(s);
	check_done(ctx);
}

static void
add_https_ev(const struct sts_run *s, struct finding *f)
{
	if (s->https_ev != NULL)
		finding_evidence_json(f, json_incref(s->https_ev));
}

/* What a sender applying the policy finds wrong with host's TLS: the reason, or NULL. */
static const char *
cert_problem(unsigned j)
{
	if (j & TLS_J_MISSING)
		return _("it offers no STARTTLS");
	if (j & TLS_J_FAILED)
		return _("the TLS handshake fails");
	if (j & TLS_J_EXPIRED)
		return _("its certificate has expired");
	if (j & TLS_J_UNTRUSTED)
		return _("its certificate chain does not verify to a trusted CA");
	if (j & TLS_J_NAME_MISMATCH)
		return _("its certificate does not name it");
	return NULL;
}

/* Enforce and testing: each MX host's certificate as the mx-tls probe saw it (inbound,
 * preflight). Returns how many hosts fail or could not be judged; *is_checked says whether
 * the run probed any. */
static size_t
judge_certs(struct sts_run *s, bool *is_checked)
{
	struct check_ctx *ctx = s->ctx;
	const struct probe_mx *mx = s->mx;
	bool is_enforce = s->pol.mode == STS_MODE_ENFORCE;
	struct finding *f;
	size_t i, bad = 0;

	*is_checked = false;
	for (i = 0; i < mx->nhosts; i++) {
		const char *h = mx->hosts[i].name;
		const struct mx_tls_fact *m = check_fact_mx_tls(ctx->facts, h);
		const char *why;

		if (m == NULL || m->res == NULL)
			continue;
		*is_checked = true;
		if (m->vantage.v != VANTAGE_CLEAR) {
			f = check_add(ctx, "mta-sts.mx-unverified", ST_UNKNOWN, h);
			vantage_explain(f, &m->vantage, h);
			probe_evidence_smtp(f, m->res, 12);
			bad++;
			continue;
		}
		if (m->res->conn != SMTP_CONN_OK) {
			f = check_add(ctx, "mta-sts.mx-unverified", ST_UNKNOWN, h);
			finding_msg(f, _("The certificate of the MX host %s (%s) could not be checked: "
			    "the connection failed (%s)."), h, m->addr, smtp_conn_name(m->res->conn));
			probe_evidence_smtp(f, m->res, 12);
			bad++;
			continue;
		}
		why = cert_problem(m->tls_problems);
		if (why == NULL)
			continue;
		bad++;
		f = check_add(ctx, "mta-sts.mx-certificate", is_enforce ? ST_FAIL : ST_WARN, h);
		if (is_enforce)
			finding_msg(f, _("The MTA-STS policy of %s is in enforce mode, but its MX host "
			    "%s fails it: %s. Senders that apply the policy refuse to deliver to it "
			    "(Exchange Online: 4.4.8 or 5.4.8)."), ctx->domain, h, why);
		else
			finding_msg(f, _("The MX host %s of %s would fail its MTA-STS policy in enforce "
			    "mode: %s. In testing mode senders deliver anyway and report it."), h,
			    ctx->domain, why);
		finding_fix(f, _("Give %s a certificate from a public CA that names %s (and send "
		    "the whole chain), and offer STARTTLS."), h, h);
		finding_data(f, "mode", json_string(sts_mode_name(s->pol.mode)));
		if (m->res->tls.has_cert) {
			finding_data(f, "subject", json_string(m->res->tls.subject));
			finding_data(f, "verify", json_string(m->res->tls.verify_error));
		}
		finding_ref(f, "RFC 8461 section 4.2");
		probe_evidence_smtp(f, m->res, 12);
	}
	return bad;
}

/* The verdict once the policy is valid and the MX TLS fact is in: the summary. */
static void
judge_mode(void *arg)
{
	struct sts_run *s = arg;
	struct check_ctx *ctx = s->ctx;
	enum sts_mode mode = s->pol.mode;
	struct finding *f;
	bool is_checked = false;
	size_t bad = mode == STS_MODE_NONE ? 0 : judge_certs(s, &is_checked);
	json_t *pats = json_array();
	size_t j;

	for (j = 0; j < s->pol.nmx; j++)
		json_array_append_new(pats, json_string(s->pol.mx[j]));
	if (s->missed > 0 || bad > 0) {
		json_decref(pats);
		sts_end(s);
		return;
	}
	switch (mode) {
	case STS_MODE_ENFORCE:
		f = check_add(ctx, "mta-sts.enforce", ST_OK, ctx->domain);
		finding_msg(f, _("%s publishes an MTA-STS policy in enforce mode (id %s, max_age "
		    "%ld s) and every MX host matches it: senders that apply it deliver only over "
		    "TLS to a certificate valid for the MX name."), ctx->domain, s->id,
		    s->pol.max_age);
		break;
	case STS_MODE_TESTING:
		f = check_add(ctx, "mta-sts.testing", ST_INFO, ctx->domain);
		finding_msg(f, _("%s publishes an MTA-STS policy in testing mode (id %s) and every "
		    "MX host matches it. Senders deliver as before and only report TLS failures to "
		    "the TLS-RPT address; nothing is protected yet."), ctx->domain, s->id);
		finding_fix(f, _("Once the TLS-RPT reports show no failures, change mode to "
		    "enforce and change id= in the _mta-sts record."));
		break;
	default:
		f = check_add(ctx, "mta-sts.mode-none", ST_INFO, ctx->domain);
		finding_msg(f, _("%s publishes an MTA-STS policy in mode none (id %s): senders "
		    "drop any policy they cached. This is how a policy is withdrawn; it protects "
		    "nothing."), ctx->domain, s->id);
		break;
	}
	if (mode != STS_MODE_NONE)
		finding_data(f, "certificates", json_string(is_checked ? "verified" :
		    "not checked (mxdiag inbound checks them)"));
	finding_data(f, "mode", json_string(sts_mode_name(mode)));
	finding_data(f, "max_age", json_integer(s->pol.max_age));
	finding_data(f, "patterns", pats);
	finding_ref(f, "RFC 8461 section 3.2");
	add_https_ev(s, f);
	sts_end(s);
}

/* Every MX host against the patterns; the certificates once the MX TLS fact is in. */
static void
judge_mx(struct sts_run *s)
{
	struct check_ctx *ctx = s->ctx;
	const struct probe_mx *mx = s->mx;
	struct finding *f;
	size_t i, j;
	enum sts_mode mode = s->pol.mode;
	json_t *pats = json_array();

	for (j = 0; j < s->pol.nmx; j++)
		json_array_append_new(pats, json_string(s->pol.mx[j]));
	/* mode none withdraws the policy: its patterns bind no one */
	for (i = 0; mode != STS_MODE_NONE && i < mx->nhosts; i++) {
		const char *h = mx->hosts[i].name;

		for (j = 0; j < s->pol.nmx && !sts_mx_match(s->pol.mx[j], h); j++)
			;
		if (j < s->pol.nmx)
			continue;
		s->missed++;
		f = check_add(ctx, "mta-sts.mx-mismatch", mode == STS_MODE_ENFORCE ? ST_FAIL :
		    ST_WARN, h);
		if (mode == STS_MODE_ENFORCE)
			finding_msg(f, _("The MX host %s of %s matches no mx pattern of its "
			    "MTA-STS policy, which is in enforce mode: senders that apply the "
			    "policy refuse to deliver to it (Exchange Online: 4.4.8 or 5.4.8)."),
			    h, ctx->domain);
		else
			finding_msg(f, _("The MX host %s of %s matches no mx pattern of its "
			    "MTA-STS policy. In testing mode senders still deliver and only report "
			    "the failure (TLS-RPT); in enforce mode they would refuse it."), h,
			    ctx->domain);
		finding_fix(f, _("Add \"mx: %s\" (or a *. pattern that covers it: the star "
		    "stands for exactly one label) to the policy, then change id= in the _mta-sts "
		    "TXT record so that senders fetch it again."), h);
		finding_data(f, "mode", json_string(sts_mode_name(mode)));
		finding_data(f, "patterns", json_incref(pats));
		finding_ref(f, "RFC 8461 section 4.1");
		add_https_ev(s, f);
	}
	json_decref(pats);
	s->is_waiting = true;
	check_await(ctx, CHECK_FACT_MX_TLS, judge_mode, s);
}

static void
judge_policy(struct sts_run *s, const struct https_result *res)
{
	struct check_ctx *ctx = s->ctx;
	struct finding *f;
	size_t i;

	if (!sts_policy_parse(res->body, res->body_len, &s->pol)) {
		f = check_add(ctx, "mta-sts.policy-syntax", ST_WARN, s->url);
		if (s->pol.error_line > 0)
			finding_msg(f, _("The MTA-STS policy of %s is invalid at line %d: %s. "
			    "Senders ignore an invalid policy."), ctx->domain, s->pol.error_line,
			    s->pol.error);
		else
			finding_msg(f, _("The MTA-STS policy of %s is invalid: %s. Senders ignore "
			    "an invalid policy."), ctx->domain, s->pol.error);
		finding_fix(f, _("Serve lines \"version: STSv1\", \"mode: testing\" (then "
		    "enforce), one \"mx: HOST\" per MX host and \"max_age: 604800\", each ending "
		    "in CRLF or LF."));
		finding_ref(f, "RFC 8461 section 3.2");
		add_https_ev(s, f);
		return;
	}
	for (i = 0; i < s->pol.nunknown; i++) {
		f = check_add(ctx, "mta-sts.policy-unknown-key", ST_INFO, s->url);
		finding_msg(f, _("The MTA-STS policy of %s has a key this version does not "
		    "define: \"%s\". Senders ignore it; a misspelt key (\"max-age\" for "
		    "\"max_age\") is lost that way."), ctx->domain, s->pol.unknown[i]);
		finding_data(f, "key", json_string(s->pol.unknown[i]));
		finding_ref(f, "RFC 8461 section 3.2");
	}
	judge_mx(s);
}

/* A policy that could not be had: senders without a cached copy apply none; those with
 * one keep it until max_age runs out. */
static void
fetch_failed(struct sts_run *s, const struct https_result *res)
{
	struct check_ctx *ctx = s->ctx;
	struct finding *f;
	const char *tail = _("Senders that fetched a policy before keep applying it until its "
	    "max_age runs out; others apply none.");

	switch (res->outcome) {
	case HTTPS_TIMEOUT:
		f = check_add(ctx, "mta-sts.policy-timeout", ST_WARN, s->url);
		finding_msg(f, _("The MTA-STS policy server of %s (%s) did not deliver %s within "
		    "%lld ms. %s"), ctx->domain, s->addr, s->url, (long long)res->ms, tail);
		finding_fix(f, _("Make https://%s%s answer at once (senders wait about a "
		    "minute at most, and this check --timeout seconds)."), s->host, STS_PATH);
		break;
	case HTTPS_TOO_LARGE:
		f = check_add(ctx, "mta-sts.policy-too-large", ST_WARN, s->url);
		finding_msg(f, _("The MTA-STS policy of %s is larger than %d bytes; senders "
		    "bound the policy they read and discard it. %s"), ctx->domain, STS_MAX_BODY,
		    tail);
		finding_fix(f, _("Serve the policy alone: a few lines of text/plain."));
		break;
	default:
		if (res->outcome == HTTPS_OK && res->status >= 300 && res->status < 400) {
			f = check_add(ctx, "mta-sts.policy-redirect", ST_WARN, s->url);
			finding_msg(f, _("The MTA-STS policy server of %s answers %s with a redirect "
			    "(HTTP %ld to %s); senders never follow one and apply no policy. %s"),
			    ctx->domain, s->url, res->status,
			    res->location != NULL ? res->location : "?", tail);
			finding_fix(f, _("Serve the policy itself at https://%s%s with status 200."),
			    s->host, STS_PATH);
			if (res->location != NULL)
				finding_data(f, "location", json_string(res->location));
			break;
		}
		if (res->outcome == HTTPS_LOCAL) {
			/* our machine's want, not the domain's: nothing is judged */
			f = check_add(ctx, "mta-sts.policy-unreachable", ST_UNKNOWN, s->url);
			finding_msg(f, _("The MTA-STS policy of %s could not be fetched from this "
			    "machine: %s."), ctx->domain, res->error);
			finding_fix(f, _("Install libcurl4 (apt-get install libcurl4) and run the "
			    "check again."));
			break;
		}
		f = check_add(ctx, "mta-sts.policy-unreachable", ST_WARN, s->url);
		if (res->outcome == HTTPS_OK)
			finding_msg(f, _("The MTA-STS policy server of %s answers %s with HTTP %ld, "
			    "not 200: no policy. %s"), ctx->domain, s->url, res->status, tail);
		else if (res->outcome == HTTPS_TLS)
			finding_msg(f, _("The MTA-STS policy server of %s (%s) failed TLS: %s. "
			    "Senders verify its certificate for %s and apply no policy without it. %s"),
			    ctx->domain, s->addr, res->error, s->host, tail);
		else
			finding_msg(f, _("The MTA-STS policy server of %s (%s) could not be "
			    "reached: %s. %s"), ctx->domain, s->addr, res->error, tail);
		finding_fix(f, _("Serve the policy at https://%s%s with a certificate valid for "
		    "%s from a public CA, or remove the _mta-sts record."), s->host, STS_PATH,
		    s->host);
		break;
	}
	finding_data(f, "outcome", json_string(https_outcome_name(res->outcome)));
	finding_ref(f, "RFC 8461 section 3.3");
	add_https_ev(s, f);
}

/* RFC 8461 3.3: the policy is text/plain; some senders discard any other type. */
static void
content_type(struct sts_run *s, const struct https_result *res)
{
	struct finding *f;
	const char *ct = res->content_type;

	if (ct != NULL && strncasecmp(ct, "text/plain", 10) == 0 &&
	    (ct[10] == '\0' || ct[10] == ';' || ct[10] == ' '))
		return;
	f = check_add(s->ctx, "mta-sts.policy-content-type", ST_WARN, s->url);
	finding_msg(f, _("The MTA-STS policy of %s is served as \"%s\", not text/plain: "
	    "senders that check the media type discard it."), s->ctx->domain,
	    ct != NULL ? ct : _("(no Content-Type)"));
	finding_fix(f, _("Serve %s with Content-Type: text/plain."), s->url);
	finding_data(f, "content_type", ct != NULL ? json_string(ct) : json_null());
	finding_ref(f, "RFC 8461 section 3.3");
	add_https_ev(s, f);
}

static void
on_policy(struct https_result *res, void *arg)
{
	struct sts_run *s = arg;
	char text[512];

	snprintf(text, sizeof(text), "GET %s from %s: %s%s%ld, %zu bytes, %lld ms%s%s", s->url,
	    s->addr, res->outcome == HTTPS_OK ? "" : https_outcome_name(res->outcome),
	    res->outcome == HTTPS_OK ? "HTTP " : " after HTTP ", res->status, res->body_len,
	    (long long)res->ms, res->error[0] != '\0' ? ": " : "", res->error);
	s->https_ev = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "kind", "https", "url",
	    s->url, "address", s->addr, "outcome", https_outcome_name(res->outcome), "status",
	    (json_int_t)res->status, "ms", (json_int_t)res->ms, "text", text);
	if (res->outcome == HTTPS_OK && res->status == 200) {
		content_type(s, res);
		judge_policy(s, res);
	}
	else
		fetch_failed(s, res);
	https_result_free(res);
	if (!s->is_waiting)
		sts_end(s);
}

static void
on_host(struct dns_target_host *h, void *arg)
{
	struct sts_run *s = arg;
	struct check_ctx *ctx = s->ctx;
	struct https_req req = { 0 };
	struct finding *f;
	size_t i;

	/* the resolver failed: says nothing of the policy host (UNKNOWN, never unreachable) */
	if (h->naddrs == 0 && dns_status_is_failure(h->status)) {
		for (i = 0; i < h->nanswers; i++)
			if (check_dns_failed(ctx, &h->answers[i], _("the MTA-STS policy host")))
				break;
		dns_target_host_free(h);
		sts_end(s);
		return;
	}
	if (h->naddrs == 0) {
		f = check_add(ctx, "mta-sts.policy-unreachable", ST_WARN, s->url);
		finding_msg(f, _("%s publishes an _mta-sts record, but its policy host %s has no "
		    "address (%s): no sender can fetch the policy."), ctx->domain, s->host,
		    dns_status_name(h->status));
		finding_fix(f, _("Publish an address for %s and serve the policy there over "
		    "HTTPS, or remove the _mta-sts record."), s->host);
		finding_data(f, "outcome", json_string("dns"));
		finding_ref(f, "RFC 8461 section 3.3");
		for (i = 0; i < h->nanswers; i++)
			finding_dns(f, &h->answers[i]);
		dns_target_host_free(h);
		sts_end(s);
		return;
	}
	snprintf(s->addr, sizeof(s->addr), "%s", h->addrs[0]);
	dns_target_host_free(h);
	req.host = s->host;
	req.addr = s->addr;
	req.port = 443;
	req.path = STS_PATH;
	req.ca_file = ctx->run->g->ca_file;
	req.timeout_ms = ctx->run->g->timeout_ms;
	req.max_body = STS_MAX_BODY;
	if (https_get(ctx->loop, &req, on_policy, s) != 0)
		sts_end(s);
}

static void
on_txt(const struct dns_answer *ans, void *arg)
{
	struct sts_run *s = arg;
	struct check_ctx *ctx = s->ctx;
	const ldns_rr *rrs[STS_MAX_RECORDS];
	size_t n, i, found = 0;
	char *rec = NULL, why[160];
	struct finding *f;

	if (check_dns_failed(ctx, ans, _("MTA-STS"))) {
		sts_end(s);
		return;
	}
	n = dns_answer_rrs(ans, LDNS_RR_TYPE_TXT, rrs, STS_MAX_RECORDS);
	for (i = 0; i < n; i++) {
		char *txt = dns_rr_txt_joined(rrs[i], STS_MAX_TXT);

		/* RFC 8461 3.1: only records starting "v=STSv1" count */
		if (txt != NULL && strncmp(txt, "v=STSv1", 7) == 0 && found++ == 0) {
			rec = txt;
			continue;
		}
		free(txt);
	}
	if (found == 0) {
		f = check_add(ctx, "mta-sts.none", ST_INFO, ctx->domain);
		finding_msg(f, _("%s publishes no MTA-STS record (_mta-sts.%s): senders deliver "
		    "with opportunistic TLS, which an attacker on the path can strip."),
		    ctx->domain, ctx->domain);
		finding_fix(f, _("To require TLS from senders, serve a policy at https://mta-sts.%s"
		    "%s (start with mode: testing and a TLS-RPT record) and publish "
		    "\"_mta-sts.%s. TXT \\\"v=STSv1; id=20250101\\\"\"."), ctx->domain, STS_PATH,
		    ctx->domain);
		finding_ref(f, "RFC 8461 section 3.1");
		finding_dns(f, ans);
	} else if (found > 1) {
		f = check_add(ctx, "mta-sts.record-multiple", ST_WARN, ctx->domain);
		finding_msg(f, _("%s publishes %zu _mta-sts records starting v=STSv1; senders then "
		    "assume there is no policy."), ctx->domain, found);
		finding_fix(f, _("Keep exactly one v=STSv1 record at _mta-sts.%s."), ctx->domain);
		finding_ref(f, "RFC 8461 section 3.1");
		finding_dns(f, ans);
	} else if (!sts_record_parse(rec, s->id, sizeof(s->id), why, sizeof(why))) {
		f = check_add(ctx, "mta-sts.record-syntax", ST_WARN, ctx->domain);
		finding_msg(f, _("The _mta-sts record of %s is invalid: %s. Senders assume there "
		    "is no policy."), ctx->domain, why);
		finding_fix(f, _("Publish \"v=STSv1; id=ID\" with an id of 1 to 32 letters and "
		    "digits (a date stamp such as 20250101 does)."));
		finding_ref(f, "RFC 8461 section 3.1");
		finding_dns(f, ans);
	} else {
		free(rec);
		if (dns_target_host(ctx->dns, s->host, ans->depth, on_host, s) != 0)
			sts_end(s);
		return;
	}
	free(rec);
	sts_end(s);
}

static void
on_mx(struct check_ctx *ctx, const struct probe_mx *mx)
{
	struct sts_run *s;
	char *name;

	/* no mail host (no domain, a null MX, a failed lookup): nothing to secure; the mx
	 * diagnosis says why */
	if (mx == NULL || mx->nhosts == 0) {
		check_done(ctx);
		return;
	}
	s = xcalloc(1, sizeof(*s));
	name = xasprintf("_mta-sts.%s", ctx->domain);
	s->ctx = ctx;
	s->mx = mx;
	s->host = xasprintf("mta-sts.%s", ctx->domain);
	s->url = xasprintf("https://%s%s", s->host, STS_PATH);
	if (dns_query(ctx->dns, name, LDNS_RR_TYPE_TXT, 0, on_txt, s) != 0)
		sts_end(s);
	free(name);
}

/* The MX hosts first (the run's fact, looked up once): the policy is judged against them. */
static void
sts_start(struct check_ctx *ctx)
{
	if (check_fact_mx(ctx, on_mx) != 0)
		check_done(ctx);
}

const struct check check_mta_sts = {
	.name = "mta-sts",
	.section = "inbound",
	.needs = CHECK_IN_DOMAIN,
	.awaits = CHECK_FACT_MX_TLS,	/* the MX certificates, when mx-tls runs beside */
	.start = sts_start,
	.is_async = true,
};
