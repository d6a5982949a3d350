/*
 * DMARC (RFC 9989): the policy record that applies to DOMAIN and its organisational
 * domain, both found by the DNS tree walk of 4.10 (dmarc_walk.c; with --dmarc-psl RFC 7489's
 * public suffix list), the policy in force (np= for a domain that does not exist), the
 * record's tags as RFC 9989 reads them (dmarc_record.c), and the authorisation of external
 * report destinations (DOMAIN._report._dmarc.DEST).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dmarc_record.h"
#include "dmarc_walk.h"
#include "dns.h"
#include "i18n.h"
#include "report.h"
#include "xmalloc.h"

#define DMARC_MAX_RECORDS 8
#define DMARC_MAX_LEN 2048
#define REPORT_MAX 8

struct dmarc_run {
	struct check_ctx *ctx;
	struct dmarc_walk *w;	/* owned */
	size_t pending;
};

struct report_q {
	struct dmarc_run *run;
	char dest[256];
	const char *policy_domain;
};

static struct finding *
add(struct dmarc_run *run, const char *id, enum status st, const char *subject,
    const struct dns_answer *ans)
{
	struct finding *f = check_add(run->ctx, id, st, subject);

	if (run->w->org[0] != '\0')
		finding_data(f, "org_domain", json_string(run->w->org));
	finding_data(f, "mode", json_string(run->w->is_psl ? "rfc7489" : "rfc9989"));
	if (ans != NULL)
		finding_dns(f, ans);
	return f;
}

/* What a receiver ignores or refuses in the record that applies. */
static void
judge_tags(struct dmarc_run *run, const struct dmarc_level *lv, const struct dmarc_rec *r)
{
	struct finding *f;

	if (r->removed[0] != '\0') {
		f = add(run, "dmarc.removed-tag", ST_WARN, lv->name, &lv->ans);
		finding_msg(f, _("The DMARC record of %s uses %s, which RFC 9989 removed: "
		    "receivers following it ignore them (pct= no longer samples; t=y is the "
		    "testing flag now)."), lv->name, r->removed);
		finding_fix(f, _("Remove %s from the record; use t=y instead of pct=0 while "
		    "testing."), r->removed);
		finding_data(f, "tags", json_string(r->removed));
		finding_ref(f, "RFC 9989 section 4.7");
	}
	if (r->unknown[0] != '\0') {
		f = add(run, "dmarc.unknown-tag", ST_WARN, lv->name, &lv->ans);
		finding_msg(f, _("The DMARC record of %s has tags no DMARC version defines (%s); "
		    "receivers ignore them, so a typing error there goes unnoticed."), lv->name,
		    r->unknown);
		finding_fix(f, _("Correct or remove %s."), r->unknown);
		finding_data(f, "tags", json_string(r->unknown));
		finding_ref(f, "RFC 9989 section 4.7");
	}
	if (r->bad[0] != '\0') {
		f = add(run, "dmarc.bad-value", ST_WARN, lv->name, &lv->ans);
		finding_msg(f, _("The DMARC record of %s has invalid values (%s); receivers use "
		    "the defaults instead."), lv->name, r->bad);
		finding_fix(f, _("p=, sp= and np= take none, quarantine or reject; adkim= and "
		    "aspf= r or s; t= y or n; psd= y, n or u."));
		finding_data(f, "values", json_string(r->bad));
		finding_ref(f, "RFC 9989 section 4.7");
	}
}

static void
run_free(struct dmarc_run *run)
{
	dmarc_walk_free(run->w);
	free(run);
}

static void
on_report(const struct dns_answer *ans, void *arg)
{
	struct report_q *q = arg;
	struct dmarc_run *run = q->run;
	const ldns_rr *rrs[DMARC_MAX_RECORDS];
	size_t n, i;
	bool is_auth = false;
	struct finding *f;

	if (!check_dns_failed(run->ctx, ans, _("the DMARC report destination"))) {
		n = dns_answer_rrs(ans, LDNS_RR_TYPE_TXT, rrs, DMARC_MAX_RECORDS);
		for (i = 0; i < n && !is_auth; i++) {
			char *txt = dns_rr_txt_joined(rrs[i], DMARC_MAX_LEN);

			is_auth = txt != NULL && dmarc_is_record(txt);
			free(txt);
		}
		if (is_auth) {
			f = add(run, "dmarc.report-authorised", ST_OK, q->dest, ans);
			finding_msg(f, _("%s accepts DMARC reports about %s (%s)."), q->dest,
			    q->policy_domain, ans->qname);
		} else {
			f = add(run, "dmarc.report-unauthorised", ST_WARN, q->dest, ans);
			finding_msg(f, _("The DMARC record of %s sends reports to %s, another "
			    "organisation, which has not authorised them (no v=DMARC1 record at %s): "
			    "receivers send no reports there."), q->policy_domain, q->dest,
			    ans->qname);
			finding_fix(f, _("Ask the report service to publish \"%s. TXT "
			    "\\\"v=DMARC1\\\"\", or send reports to an address in %s."), ans->qname,
			    run->w->org);
		}
		finding_data(f, "authorisation", json_string(ans->qname));
		finding_ref(f, "RFC 9990 section 4");
	}
	free(q);
	if (--run->pending == 0)
		run_free(run);
}

/* rua=/ruf= destinations outside the organisational domain must authorise the reports. */
static void
ask_reports(struct dmarc_run *run, const struct dmarc_rec *r)
{
	char doms[REPORT_MAX][256];
	size_t n = dmarc_uri_domains(r->rua, doms, REPORT_MAX), i, k;

	n += dmarc_uri_domains(r->ruf, doms + n, REPORT_MAX - n);
	for (i = 0; i < n; i++) {
		struct report_q *q;
		char *name;
		bool is_dup = false;

		for (k = 0; k < i; k++)
			is_dup = is_dup || strcmp(doms[k], doms[i]) == 0;
		if (is_dup || dmarc_is_within(doms[i], run->w->org))
			continue;
		q = xcalloc(1, sizeof(*q));
		q->run = run;
		q->policy_domain = run->w->policy->name;
		snprintf(q->dest, sizeof(q->dest), "%s", doms[i]);
		name = xasprintf("%s._report._dmarc.%s", run->w->policy->name, doms[i]);
		run->pending++;
		if (dns_query(run->ctx->dns, name, LDNS_RR_TYPE_TXT, run->w->policy->ans.depth,
		    on_report, q) < 0) {
			run->pending--;
			free(q);
		}
		free(name);
	}
}

/* The record of DOMAIN itself: policy p=. */
static void
judge_own(struct dmarc_run *run, const struct dmarc_level *lv, const struct dmarc_rec *r)
{
	struct check_ctx *ctx = run->ctx;
	struct finding *f;
	const char *pol = r->p;

	if (!r->is_p_valid) {
		/* RFC 7489 6.3: p= is required; without it older receivers ignore the record. */
		f = add(run, "dmarc.syntax", ST_WARN, ctx->domain, &lv->ans);
		finding_msg(f, pol[0] == '\0' ?
		    _("The DMARC record of %s has no p= tag; receivers ignore a record without a "
		    "policy.") : _("The DMARC record of %s has an invalid policy p=%s."),
		    ctx->domain, pol);
		finding_fix(f, _("Publish \"v=DMARC1; p=none; rua=mailto:dmarc@%s\" to start "
		    "monitoring, then tighten p= to quarantine or reject."), ctx->domain);
		finding_ref(f, "RFC 7489 section 6.3");
		return;
	}
	f = add(run, "dmarc.present", strcmp(pol, "none") == 0 ? ST_INFO : ST_OK, ctx->domain,
	    &lv->ans);
	finding_msg(f, _("%s publishes DMARC with policy p=%s%s%s. DMARC passes only when SPF "
	    "(the MAIL FROM domain) or DKIM (the d= domain) aligns with the From: domain; an "
	    "SPF pass alone does not prove alignment."), ctx->domain, pol,
	    r->rua[0] != '\0' ? _(", reports to ") : _(", no aggregate reports (rua=)"),
	    r->rua[0] != '\0' ? r->rua : "");
	if (strcmp(pol, "none") == 0)
		finding_fix(f, _("p=none only monitors. Once the reports show all legitimate mail "
		    "aligned, move to p=quarantine, then p=reject."));
	finding_data(f, "policy", json_string(pol));
	finding_ref(f, "RFC 9989 section 4.7");
}

/* No record at DOMAIN: the first one the walk found applies, with its sp= (or p=), or np=
 * when DOMAIN does not exist (RFC 9989 4.7). */
static void
judge_inherited(struct dmarc_run *run, const struct dmarc_level *lv, const struct dmarc_rec *r)
{
	struct check_ctx *ctx = run->ctx;
	const char *tag, *pol = dmarc_walk_effective(run->w, r, &tag);
	struct finding *f;

	f = add(run, "dmarc.inherited", pol[0] == '\0' || strcmp(pol, "none") == 0 ? ST_INFO :
	    ST_OK, ctx->domain, &lv->ans);
	if (strcmp(tag, "np") == 0)
		finding_msg(f, _("%s does not exist (no A, AAAA or MX record) and publishes no "
		    "DMARC record; receivers apply the policy for non-existent subdomains of the "
		    "record of %s: np=%s."), ctx->domain, lv->name, pol);
	else
		finding_msg(f, run->w->is_psl ?
		    _("%s publishes no DMARC record of its own; receivers apply the record of its "
		    "organisational domain %s (public suffix list, RFC 7489): %s=%s.") :
		    _("%s publishes no DMARC record of its own; receivers apply the record of %s, "
		    "found by the DNS tree walk (RFC 9989): %s=%s."), ctx->domain, lv->name, tag,
		    pol[0] != '\0' ? pol : "?");
	if (r->psd == 'y')
		finding_fix(f, _("That record is a public suffix operator's (psd=y): publish a "
		    "DMARC record of your own at _dmarc.%s."), run->w->org);
	else if (strcmp(pol, "none") == 0)
		finding_fix(f, _("p=none only monitors. Once the reports show all legitimate mail "
		    "aligned, move to p=quarantine, then p=reject."));
	finding_data(f, "policy", json_string(pol));
	finding_data(f, "policy_tag", json_string(tag));
	finding_data(f, "policy_domain", json_string(lv->name));
	if (run->w->exists_known)
		finding_data(f, "domain_exists", json_boolean(!run->w->is_nonexistent));
	if (run->w->is_nonexistent)
		finding_dns(f, &run->w->exists[0]);
	finding_ref(f, run->w->is_psl ? "RFC 7489 section 6.6.3" : "RFC 9989 section 4.10");
	if (run->w->is_nonexistent)
		finding_ref(f, "RFC 9989 section 4.7 (np)");
}

static void
judge_missing(struct dmarc_run *run)
{
	struct check_ctx *ctx = run->ctx;
	struct finding *f;

	f = add(run, "dmarc.missing", ST_WARN, ctx->domain, &run->w->lv[0].ans);
	finding_msg(f, _("%s publishes no DMARC record (_dmarc.%s), and none applies from "
	    "above it (%zu names asked). Gmail and Yahoo require one from bulk senders, and "
	    "without it receivers decide alone what to do with mail that fails SPF and "
	    "DKIM."), ctx->domain, ctx->domain, run->w->n);
	finding_fix(f, _("Publish \"_dmarc.%s. TXT \\\"v=DMARC1; p=none; "
	    "rua=mailto:dmarc@%s\\\"\" and tighten the policy once reports look clean."),
	    run->w->org, run->w->org);
	finding_ref(f, "RFC 9989 section 4.10");
}

static void
judge(struct dmarc_run *run)
{
	const struct dmarc_walk *w = run->w;
	struct dmarc_rec r;
	struct finding *f;

	if (w->failed != NULL)
		check_dns_failed(run->ctx, w->failed, _("DMARC"));
	if (w->failed != NULL && w->policy == NULL)
		return;
	if (w->lv[0].nrec > 1) {
		f = add(run, "dmarc.multiple", ST_WARN, run->ctx->domain, &w->lv[0].ans);
		finding_msg(f, _("%s publishes %zu DMARC records; receivers then apply no DMARC "
		    "policy at all."), run->ctx->domain, w->lv[0].nrec);
		finding_fix(f, _("Keep exactly one v=DMARC1 record at _dmarc.%s."),
		    run->ctx->domain);
		finding_ref(f, "RFC 9989 section 4.10");
	}
	if (w->policy == NULL) {
		if (w->lv[0].nrec <= 1)
			judge_missing(run);
		return;
	}
	dmarc_rec_parse(w->policy->rec, &r);
	if (w->policy == &w->lv[0])
		judge_own(run, w->policy, &r);
	else
		judge_inherited(run, w->policy, &r);
	judge_tags(run, w->policy, &r);
	ask_reports(run, &r);
}

static void
on_walk(struct dmarc_walk *w, void *arg)
{
	struct dmarc_run *run = arg;

	run->w = w;
	/* Judge with a hold on the run, released after the report queries are queued. */
	run->pending = 1;
	judge(run);
	if (--run->pending == 0)
		run_free(run);
}

static void
dmarc_start(struct check_ctx *ctx)
{
	struct dmarc_run *run = xcalloc(1, sizeof(*run));

	run->ctx = ctx;
	/* The domain's existence decides whether np= applies (RFC 9989 4.7). */
	dmarc_walk_start(ctx->dns, ctx->domain, ctx->in->is_dmarc_psl, true, on_walk, run);
}

const struct check check_dmarc = {
	.name = "dmarc",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN,
	.start = dmarc_start,
};
