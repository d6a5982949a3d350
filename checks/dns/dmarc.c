/*
 * DMARC (RFC 9989): the policy record that applies to DOMAIN and its organisational
 * domain, both found by the DNS tree walk (4.10): _dmarc at DOMAIN, then at most seven
 * names above it, stopping at a record with psd=y or psd=n. The walk's names are known
 * beforehand, so they are asked at once (never more than the RFC's eight). The record's
 * tags as RFC 9989 reads them (dmarc_record.c), and the authorisation of external report
 * destinations (DOMAIN._report._dmarc.DEST). With --dmarc-psl, RFC 7489 6.6.3 instead:
 * the organisational domain from the public suffix list (libpsl).
 */
#include "config.h"

#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dmarc_record.h"
#include "dns.h"
#include "i18n.h"
#include "report.h"
#include "xmalloc.h"

#define DMARC_MAX_RECORDS 8
#define DMARC_MAX_LEN 2048
#define WALK_MAX 8	/* RFC 9989 4.10: the tree walk asks at most eight names */
#define WALK_LABELS 7	/* a longer name jumps to its last seven labels */
#define REPORT_MAX 8

struct level {
	char name[256];
	struct dns_answer ans;
	size_t nrec;		/* valid DMARC records at the name */
	char *rec;		/* the one record when nrec == 1; owned */
};

struct dmarc_run {
	struct check_ctx *ctx;
	struct level lv[WALK_MAX];
	size_t n, pending;
	bool is_psl;
	char org[256];		/* the organisational domain */
	const struct level *policy;	/* the record that applies, or NULL */
};

struct report_q {
	struct dmarc_run *run;
	char dest[256];
	const char *policy_domain;
};

static size_t
labels(const char *name)
{
	size_t n = 1;

	for (; *name != '\0'; name++)
		n += *name == '.';
	return n;
}

/* The last n labels of name. */
static const char *
last_labels(const char *name, size_t n)
{
	size_t have = labels(name);
	const char *p = name;

	while (have > n && (p = strchr(p, '.')) != NULL) {
		p++;
		have--;
	}
	return p != NULL ? p : name;
}

static bool
is_within(const char *name, const char *org)
{
	size_t n = strlen(name), o = strlen(org);

	return strcmp(name, org) == 0 || (n > o && name[n - o - 1] == '.' &&
	    strcmp(name + n - o, org) == 0);
}

/* RFC 9989 4.10 steps 4, 5, 8: DOMAIN, then its last seven labels (or one label fewer),
 * then one label fewer each time, down to one label. */
static void
walk_targets(struct dmarc_run *run, const char *domain)
{
	size_t x = labels(domain), k;

	snprintf(run->lv[run->n++].name, sizeof(run->lv[0].name), "%s", domain);
	for (k = x < 8 ? x - 1 : WALK_LABELS; k >= 1 && run->n < WALK_MAX; k--)
		snprintf(run->lv[run->n++].name, sizeof(run->lv[0].name), "%s",
		    last_labels(domain, k));
}

/* RFC 7489 6.6.3: DOMAIN, then its organisational domain from the public suffix list. */
static void
psl_targets(struct dmarc_run *run, const char *domain)
{
	psl_ctx_t *psl = psl_latest(NULL);
	const char *reg = psl != NULL ? psl_registrable_domain(psl, domain) : NULL;

	snprintf(run->lv[run->n++].name, sizeof(run->lv[0].name), "%s", domain);
	snprintf(run->org, sizeof(run->org), "%s", reg != NULL ? reg : domain);
	if (strcmp(run->org, domain) != 0)
		snprintf(run->lv[run->n++].name, sizeof(run->lv[0].name), "%s", run->org);
	psl_free(psl);
}

static struct finding *
add(struct dmarc_run *run, const char *id, enum status st, const char *subject,
    const struct dns_answer *ans)
{
	struct finding *f = check_add(run->ctx, id, st, subject);

	if (run->org[0] != '\0')
		finding_data(f, "org_domain", json_string(run->org));
	finding_data(f, "mode", json_string(run->is_psl ? "rfc7489" : "rfc9989"));
	if (ans != NULL)
		finding_dns(f, ans);
	return f;
}

/* What a receiver ignores or refuses in the record that applies. */
static void
judge_tags(struct dmarc_run *run, const struct level *lv, const struct dmarc_rec *r)
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
	size_t i;

	for (i = 0; i < run->n; i++)
		free(run->lv[i].rec);
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
			    run->org);
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
		if (is_dup || is_within(doms[i], run->org))
			continue;
		q = xcalloc(1, sizeof(*q));
		q->run = run;
		q->policy_domain = run->policy->name;
		snprintf(q->dest, sizeof(q->dest), "%s", doms[i]);
		name = xasprintf("%s._report._dmarc.%s", run->policy->name, doms[i]);
		run->pending++;
		if (dns_query(run->ctx->dns, name, LDNS_RR_TYPE_TXT, run->policy->ans.depth,
		    on_report, q) < 0) {
			run->pending--;
			free(q);
		}
		free(name);
	}
}

/* The record of DOMAIN itself: policy p=. */
static void
judge_own(struct dmarc_run *run, const struct level *lv, const struct dmarc_rec *r)
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

/* No record at DOMAIN: the first one the walk found applies, with its sp= (or p=). */
static void
judge_inherited(struct dmarc_run *run, const struct level *lv, const struct dmarc_rec *r)
{
	struct check_ctx *ctx = run->ctx;
	const char *pol = r->sp[0] != '\0' ? r->sp : r->p, *tag = r->sp[0] != '\0' ? "sp" : "p";
	struct finding *f;

	f = add(run, "dmarc.inherited", pol[0] == '\0' || strcmp(pol, "none") == 0 ? ST_INFO :
	    ST_OK, ctx->domain, &lv->ans);
	finding_msg(f, run->is_psl ?
	    _("%s publishes no DMARC record of its own; receivers apply the record of its "
	    "organisational domain %s (public suffix list, RFC 7489): %s=%s.") :
	    _("%s publishes no DMARC record of its own; receivers apply the record of %s, "
	    "found by the DNS tree walk (RFC 9989): %s=%s."), ctx->domain, lv->name, tag,
	    pol[0] != '\0' ? pol : "?");
	if (r->psd == 'y')
		finding_fix(f, _("That record is a public suffix operator's (psd=y): publish a "
		    "DMARC record of your own at _dmarc.%s."), run->org);
	else if (strcmp(pol, "none") == 0)
		finding_fix(f, _("p=none only monitors. Once the reports show all legitimate mail "
		    "aligned, move to p=quarantine, then p=reject."));
	finding_data(f, "policy", json_string(pol));
	finding_data(f, "policy_domain", json_string(lv->name));
	finding_ref(f, run->is_psl ? "RFC 7489 section 6.6.3" : "RFC 9989 section 4.10");
}

static void
judge_missing(struct dmarc_run *run)
{
	struct check_ctx *ctx = run->ctx;
	struct finding *f;

	f = add(run, "dmarc.missing", ST_WARN, ctx->domain, &run->lv[0].ans);
	finding_msg(f, _("%s publishes no DMARC record (_dmarc.%s), and none applies from "
	    "above it (%zu names asked). Gmail and Yahoo require one from bulk senders, and "
	    "without it receivers decide alone what to do with mail that fails SPF and "
	    "DKIM."), ctx->domain, ctx->domain, run->n);
	finding_fix(f, _("Publish \"_dmarc.%s. TXT \\\"v=DMARC1; p=none; "
	    "rua=mailto:dmarc@%s\\\"\" and tighten the policy once reports look clean."),
	    run->org, run->org);
	finding_ref(f, "RFC 9989 section 4.10");
}

/* RFC 9989 4.10.1: the organisational domain from the walk's records. */
static void
find_org(struct dmarc_run *run, size_t stop, bool is_stopped, const struct level *fewest)
{
	const char *domain = run->ctx->domain;
	const struct level *lv = &run->lv[stop];

	if (is_stopped && lv->rec != NULL) {
		struct dmarc_rec r;

		dmarc_rec_parse(lv->rec, &r);
		if (r.psd == 'y' && stop > 0) {
			/* A public suffix: the organisation is the name one label below it. */
			snprintf(run->org, sizeof(run->org), "%s",
			    last_labels(domain, labels(lv->name) + 1));
			return;
		}
		snprintf(run->org, sizeof(run->org), "%s", lv->name);
		return;
	}
	snprintf(run->org, sizeof(run->org), "%s", fewest != NULL ? fewest->name : domain);
}

static void
judge(struct dmarc_run *run)
{
	const struct level *fewest = NULL, *first = NULL;
	struct dmarc_rec r;
	struct finding *f;
	bool is_stopped = false;
	size_t i;

	for (i = 0; i < run->n && !is_stopped; i++) {
		struct level *lv = &run->lv[i];

		/* A failure before any record leaves the policy unknown; after one, only
		 * the organisational domain is less certain. */
		if (check_dns_failed(run->ctx, &lv->ans, _("DMARC"))) {
			if (first == NULL)
				return;
			i++;
			break;
		}
		if (lv->nrec != 1)
			continue;
		if (first == NULL)
			first = lv;
		fewest = lv;
		dmarc_rec_parse(lv->rec, &r);
		if (!run->is_psl && r.psd != 'u')
			is_stopped = true;
	}
	if (!run->is_psl)
		find_org(run, i - 1, is_stopped, fewest);
	if (run->lv[0].nrec > 1) {
		f = add(run, "dmarc.multiple", ST_WARN, run->ctx->domain, &run->lv[0].ans);
		finding_msg(f, _("%s publishes %zu DMARC records; receivers then apply no DMARC "
		    "policy at all."), run->ctx->domain, run->lv[0].nrec);
		finding_fix(f, _("Keep exactly one v=DMARC1 record at _dmarc.%s."),
		    run->ctx->domain);
		finding_ref(f, "RFC 9989 section 4.10");
	}
	if (first == NULL) {
		if (run->lv[0].nrec <= 1)
			judge_missing(run);
		return;
	}
	run->policy = first;
	dmarc_rec_parse(first->rec, &r);
	if (first == &run->lv[0])
		judge_own(run, first, &r);
	else
		judge_inherited(run, first, &r);
	judge_tags(run, first, &r);
	ask_reports(run, &r);
}

struct level_q {
	struct dmarc_run *run;
	struct level *lv;
};

static void
on_txt(const struct dns_answer *ans, void *arg)
{
	struct level_q *q = arg;
	struct dmarc_run *run = q->run;
	struct level *lv = q->lv;
	const ldns_rr *rrs[DMARC_MAX_RECORDS];
	size_t n, i;

	free(q);
	lv->ans = *ans;
	n = dns_answer_rrs(ans, LDNS_RR_TYPE_TXT, rrs, DMARC_MAX_RECORDS);
	for (i = 0; i < n; i++) {
		char *txt = dns_rr_txt_joined(rrs[i], DMARC_MAX_LEN);

		/* RFC 9989 4.10 step 2: records not starting with v=DMARC1 are discarded. */
		if (txt != NULL && dmarc_is_record(txt)) {
			lv->nrec++;
			if (lv->rec == NULL) {
				lv->rec = txt;
				continue;
			}
		}
		free(txt);
	}
	if (lv->nrec > 1) {
		free(lv->rec);	/* several records are all discarded */
		lv->rec = NULL;
	}
	if (--run->pending > 1)
		return;
	/* Every name of the walk answered: judge, with the report queries still held. */
	judge(run);
	if (--run->pending == 0)
		run_free(run);
}

static void
dmarc_start(struct check_ctx *ctx)
{
	struct dmarc_run *run = xcalloc(1, sizeof(*run));
	size_t i;

	run->ctx = ctx;
	run->is_psl = ctx->in->is_dmarc_psl;
	if (run->is_psl)
		psl_targets(run, ctx->domain);
	else
		walk_targets(run, ctx->domain);
	/* One hold for the judgement (released after it) and one per name asked. */
	run->pending = 1 + run->n;
	for (i = 0; i < run->n; i++) {
		struct level_q *q = xcalloc(1, sizeof(*q));
		char *name = xasprintf("_dmarc.%s", run->lv[i].name);

		q->run = run;
		q->lv = &run->lv[i];
		if (dns_query(ctx->dns, name, LDNS_RR_TYPE_TXT, 0, on_txt, q) < 0) {
			/* A name that cannot be asked (too long): the walk cannot be done. */
			free(q);
			run->lv[i].ans.status = DNS_ERROR;
			run->lv[i].ans.qname = run->lv[i].name;
			run->pending--;
		}
		free(name);
	}
	if (run->pending == 1) {
		judge(run);
		if (--run->pending == 0)
			run_free(run);
	}
}

const struct check check_dmarc = {
	.name = "dmarc",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN,
	.start = dmarc_start,
};
