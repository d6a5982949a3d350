/*
 * DANE for SMTP (RFC 7672): the TLSA records at _25._tcp.MX of each MX host, used only when
 * the validating resolver vouches for them (the AD bit; the resolver is named in the
 * evidence; mxdiag does not validate the chain itself), matched against the certificate
 * chain each MX presents (the MX TLS fact of inbound and preflight). A DANE sender refuses
 * to deliver to an MX whose certificate matches none of its usable records (Exchange
 * Online: 4.7.5 / 5.7.5, 5.7.32x).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dane_match.h"
#include "dns.h"
#include "facts.h"
#include "i18n.h"
#include "probe.h"
#include "report.h"
#include "smtp.h"
#include "tls_judge.h"
#include "vantage.h"
#include "xmalloc.h"

#define DANE_MAX_HOSTS 8
#define DANE_MAX_RECORDS 16

struct dane_run {
	struct check_ctx *ctx;
	const struct probe_mx *mx;
	size_t n, pending;
	struct dane_host {
		struct dane_run *run;
		const char *name;	/* borrowed from the MX fact */
		struct dns_answer ans;	/* borrowed from the engine for the run */
		bool has_ans;
	} hosts[DANE_MAX_HOSTS];
};

static void
add_records(struct finding *f, const struct dane_tlsa *t, size_t n)
{
	json_t *a = json_array();
	char buf[64];
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(dane_tlsa_text(&t[i], buf, sizeof(buf))));
	finding_data(f, "tlsa", a);
}

/* The usable records against the host's certificate chain, when the run has it. */
static void
judge_match(struct dane_run *run, const struct dane_host *dh, const struct dane_tlsa *t,
    size_t n)
{
	struct check_ctx *ctx = run->ctx;
	const struct mx_tls_fact *m = check_fact_mx_tls(ctx->facts, dh->name);
	struct finding *f;
	size_t i, n_ee_key = 0;
	const struct dane_tlsa *hit = NULL;
	char buf[64];

	if (m == NULL || m->res == NULL) {
		f = check_add(ctx, "dane.present", ST_OK, dh->name);
		finding_msg(f, _("%s publishes %zu usable TLSA record(s) at _25._tcp.%s, and the "
		    "resolver validated them (AD bit from %s): DANE senders require TLS with a "
		    "certificate that matches. The certificate itself is not checked here (mxdiag "
		    "inbound does)."), dh->name, n, dh->name, dh->ans.server);
		goto evidence;
	}
	if (m->vantage.v != VANTAGE_CLEAR) {
		f = check_add(ctx, "dane.unverified", ST_UNKNOWN, dh->name);
		vantage_explain(f, &m->vantage, dh->name);
		probe_evidence_smtp(f, m->res, 12);
		goto evidence;
	}
	if (m->res->conn != SMTP_CONN_OK) {
		f = check_add(ctx, "dane.unverified", ST_UNKNOWN, dh->name);
		finding_msg(f, _("The certificate of the MX host %s (%s) could not be checked "
		    "against its TLSA records: the connection failed (%s)."), dh->name, m->addr,
		    smtp_conn_name(m->res->conn));
		probe_evidence_smtp(f, m->res, 12);
		goto evidence;
	}
	for (i = 0; i < n; i++) {
		if (t[i].usage == DANE_USAGE_DANE_EE && t[i].selector == 1)
			n_ee_key++;
		if (hit == NULL && m->res->tls.is_done && dane_match(&m->res->tls, dh->name, &t[i]))
			hit = &t[i];
	}
	if (hit == NULL) {
		f = check_add(ctx, "dane.mismatch", ST_FAIL, dh->name);
		if (m->tls_problems & TLS_J_MISSING)
			finding_msg(f, _("%s publishes validated TLSA records, but offers no "
			    "STARTTLS: DANE senders require TLS and refuse to deliver to it (Exchange "
			    "Online: 4.7.5 or 5.7.5)."), dh->name);
		else if (m->tls_problems & TLS_J_FAILED)
			finding_msg(f, _("%s publishes validated TLSA records, but its TLS handshake "
			    "fails: DANE senders require TLS and refuse to deliver to it (Exchange "
			    "Online: 4.7.5 or 5.7.5)."), dh->name);
		else
			finding_msg(f, _("The certificate chain of %s matches none of its %zu usable "
			    "TLSA records: DANE senders refuse to deliver to it (Exchange Online: "
			    "4.7.5 or 5.7.5). A certificate renewed with a new key without new TLSA "
			    "records does this."), dh->name, n);
		finding_fix(f, _("Publish the TLSA record of the key the server presents now "
		    "(\"3 1 1\" and the SHA-256 of its public key) beside the old one, or install "
		    "the certificate the records describe."));
		if (m->res->tls.has_cert)
			finding_data(f, "subject", json_string(m->res->tls.subject));
		probe_evidence_smtp(f, m->res, 12);
		goto evidence;
	}
	f = check_add(ctx, "dane.match", ST_OK, dh->name);
	finding_msg(f, _("The certificate chain of %s matches its validated TLSA record %s "
	    "(AD bit from %s): DANE senders deliver to it over authenticated TLS."), dh->name,
	    dane_tlsa_text(hit, buf, sizeof(buf)), dh->ans.server);
	/* RFC 7671 8.1: the next key's record goes in before the new key is used */
	if (n_ee_key < 2)
		finding_fix(f, _("Before a certificate renewal with a new key, publish \"3 1 1\" "
		    "for the next key beside the current record and wait for the TTL; remove the "
		    "old record only after the switch. Renewals that keep the key need nothing."));
	finding_data(f, "matched", json_string(buf));
evidence:
	finding_data(f, "validated_by", json_string(dh->ans.server));
	add_records(f, t, n);
	finding_ref(f, "RFC 7672 section 3");
	finding_dns(f, &dh->ans);
}

static void
judge_host(struct dane_run *run, struct dane_host *dh, size_t *n_with)
{
	struct check_ctx *ctx = run->ctx;
	const ldns_rr *rrs[DANE_MAX_RECORDS];
	struct dane_tlsa t[DANE_MAX_RECORDS], usable[DANE_MAX_RECORDS];
	size_t n, i, nu = 0;
	struct finding *f;
	json_t *why;

	if (!dh->has_ans)
		return;
	if (check_dns_failed(ctx, &dh->ans, _("DANE"))) {
		(*n_with)++;	/* unknown: not "none" */
		return;
	}
	n = dns_answer_rrs(&dh->ans, LDNS_RR_TYPE_TLSA, rrs, DANE_MAX_RECORDS);
	if (n == 0)
		return;
	(*n_with)++;
	for (i = 0; i < n; i++) {
		const ldns_rdf *d = ldns_rr_rdf(rrs[i], 3);

		t[i].usage = ldns_rdf2native_int8(ldns_rr_rdf(rrs[i], 0));
		t[i].selector = ldns_rdf2native_int8(ldns_rr_rdf(rrs[i], 1));
		t[i].mtype = ldns_rdf2native_int8(ldns_rr_rdf(rrs[i], 2));
		t[i].data = d != NULL ? ldns_rdf_data(d) : NULL;
		t[i].len = d != NULL ? ldns_rdf_size(d) : 0;
	}
	if (!dh->ans.is_authenticated) {
		f = check_add(ctx, "dane.unsigned", ST_WARN, dh->name);
		finding_msg(f, _("%s publishes TLSA records at _25._tcp.%s, but the resolver (%s) "
		    "did not validate them (no AD bit): the zone is not signed, or this resolver "
		    "does not validate. Senders ignore TLSA records that DNSSEC does not vouch "
		    "for."), dh->name, dh->name, dh->ans.server);
		finding_fix(f, _("Sign the zone of %s with DNSSEC (and publish its DS at the "
		    "parent), or remove the TLSA records. If the zone is signed, ask through a "
		    "validating resolver (--resolver)."), dh->name);
		add_records(f, t, n);
		finding_ref(f, "RFC 7672 section 2.2");
		finding_dns(f, &dh->ans);
		return;
	}
	why = json_array();
	for (i = 0; i < n; i++) {
		const char *w = dane_unusable_why(&t[i]);
		char buf[64];

		if (w == NULL) {
			usable[nu++] = t[i];
			continue;
		}
		json_array_append_new(why, json_pack("{s:s, s:s}", "record",
		    dane_tlsa_text(&t[i], buf, sizeof(buf)), "why", _(w)));
	}
	if (json_array_size(why) > 0) {
		f = check_add(ctx, "dane.unusable", nu == 0 ? ST_WARN : ST_INFO, dh->name);
		if (nu == 0)
			finding_msg(f, _("None of the %zu TLSA records of %s is usable for SMTP "
			    "(first: %s): DANE senders still require TLS but cannot authenticate "
			    "the server."), n, dh->name,
			    json_string_value(json_object_get(json_array_get(why, 0), "why")));
		else
			finding_msg(f, _("%zu of the TLSA records of %s are unusable for SMTP and "
			    "ignored (first: %s); the others are used."), json_array_size(why),
			    dh->name,
			    json_string_value(json_object_get(json_array_get(why, 0), "why")));
		finding_fix(f, _("Publish \"3 1 1\" records (DANE-EE, the SHA-256 of the public "
		    "key), or \"2 1 1\" for the issuing CA's key; remove the others."));
		finding_data(f, "unusable", why);
		finding_ref(f, "RFC 7672 section 3.1.3");
		finding_dns(f, &dh->ans);
	} else {
		json_decref(why);
	}
	if (nu > 0)
		judge_match(run, dh, usable, nu);
}

static void
judge(void *arg)
{
	struct dane_run *run = arg;
	struct check_ctx *ctx = run->ctx;
	struct finding *f;
	size_t i, n_with = 0, n_signed = 0;

	for (i = 0; i < run->n; i++) {
		judge_host(run, &run->hosts[i], &n_with);
		if (run->hosts[i].has_ans && run->hosts[i].ans.is_authenticated)
			n_signed++;
	}
	if (n_with == 0) {
		f = check_add(ctx, "dane.none", ST_INFO, ctx->domain);
		if (n_signed > 0)
			finding_msg(f, _("No MX host of %s publishes TLSA records (_25._tcp.HOST), "
			    "though %zu of them are in signed zones: DANE senders use opportunistic "
			    "TLS. A \"3 1 1\" record of each MX key would make them require it."),
			    ctx->domain, n_signed);
		else
			finding_msg(f, _("No MX host of %s publishes TLSA records (_25._tcp.HOST), "
			    "and none is in a signed zone: DANE does not apply."), ctx->domain);
		finding_ref(f, "RFC 7672 section 2.2");
		for (i = 0; i < run->n; i++)
			if (run->hosts[i].has_ans)
				finding_dns(f, &run->hosts[i].ans);
	}
	free(run);
	check_done(ctx);
}

static void
on_tlsa(const struct dns_answer *ans, void *arg)
{
	struct dane_host *dh = arg;
	struct dane_run *run = dh->run;

	dh->ans = *ans;
	dh->has_ans = true;
	if (--run->pending == 0)
		check_await(run->ctx, CHECK_FACT_MX_TLS, judge, run);
}

static void
on_mx(struct check_ctx *ctx, const struct probe_mx *mx)
{
	struct dane_run *run;
	size_t i;

	if (mx == NULL || mx->nhosts == 0 || mx->is_null_mx) {
		check_done(ctx);
		return;
	}
	run = xcalloc(1, sizeof(*run));
	run->ctx = ctx;
	run->mx = mx;
	run->pending = 1;	/* held while asking */
	for (i = 0; i < mx->nhosts && run->n < DANE_MAX_HOSTS; i++) {
		struct dane_host *dh = &run->hosts[run->n];
		char *name;

		if (mx->hosts[i].is_literal)
			continue;
		dh->run = run;
		dh->name = mx->hosts[i].name;
		name = xasprintf("_25._tcp.%s", dh->name);
		if (dns_query(ctx->dns, name, LDNS_RR_TYPE_TLSA, mx->hosts[i].depth, on_tlsa,
		    dh) == 0) {
			run->n++;
			run->pending++;
		}
		free(name);
	}
	if (--run->pending == 0)
		check_await(ctx, CHECK_FACT_MX_TLS, judge, run);
}

static void
dane_start(struct check_ctx *ctx)
{
	if (check_fact_mx(ctx, on_mx) != 0)
		check_done(ctx);
}

const struct check check_dane = {
	.name = "dane",
	.section = "inbound",
	.needs = CHECK_IN_DOMAIN,
	.awaits = CHECK_FACT_MX_TLS,	/* the MX certificates, when mx-tls runs beside */
	.start = dane_start,
	.is_async = true,
};
