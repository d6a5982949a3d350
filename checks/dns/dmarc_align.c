/*
 * DMARC identifier alignment of one message (RFC 9989 4.4): the From: domain against the
 * SPF identifier (the MAIL FROM domain) and each DKIM-Signature's d=, strict (the same
 * domain) or relaxed (the same organisational domain, found for each by the tree walk of
 * dmarc_walk.c) as the policy's aspf= and adkim= ask. The identifiers come from a message
 * (check --message) or a bounce's returned headers (explain): the proof of DMARC bounces.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dmarc_record.h"
#include "dmarc_walk.h"
#include "i18n.h"
#include "ndr_auth.h"
#include "report.h"
#include "text.h"
#include "xmalloc.h"

#define IDENT_MAX (1 + NDR_AUTH_MAX_SIGS)	/* the MAIL FROM and each d= */

enum relation { REL_SAME, REL_ORG, REL_NONE, REL_UNKNOWN };

struct align_run;

struct ident {
	struct align_run *run;
	char domain[256];
	bool is_spf;			/* the MAIL FROM domain; else a DKIM d= */
	struct dmarc_walk *w;		/* owned; NULL when the domain is the From: domain */
	enum relation rel;
};

struct align_run {
	struct check_ctx *ctx;
	const struct ndr_auth *auth;
	char from[256];			/* RFC5322.From domain */
	struct dmarc_walk *fw;		/* owned: the From: domain's policy and organisation */
	struct ident id[IDENT_MAX];
	size_t n, pending;
	struct dmarc_rec rec;		/* the policy record, when there is one */
	char adkim, aspf;
	const char *policy, *tag;	/* the effective policy, "" without a record */
};

static enum relation
relation(const struct align_run *run, const struct ident *id)
{
	if (strcmp(id->domain, run->from) == 0)
		return REL_SAME;
	/* A failure before any record leaves the organisational domain unknown. */
	if ((run->fw->failed != NULL && run->fw->policy == NULL) ||
	    (id->w->failed != NULL && id->w->policy == NULL))
		return REL_UNKNOWN;
	return strcmp(id->w->org, run->fw->org) == 0 ? REL_ORG : REL_NONE;
}

static bool
is_aligned(enum relation rel, char mode)
{
	return rel == REL_SAME || (rel == REL_ORG && mode == 'r');
}

static struct finding *
add(struct align_run *run, const char *id, enum status st)
{
	struct finding *f = check_add(run->ctx, id, st, run->from);

	finding_data(f, "from_domain", json_string(run->from));
	finding_data(f, "from_org_domain", json_string(run->fw->org));
	finding_data(f, "adkim", json_sprintf("%c", run->adkim));
	finding_data(f, "aspf", json_sprintf("%c", run->aspf));
	if (run->fw->policy != NULL) {
		finding_data(f, "policy", json_string(run->policy));
		finding_data(f, "policy_domain", json_string(run->fw->policy->name));
		finding_dns(f, &run->fw->policy->ans);
	}
	return f;
}

/* The status of one unaligned identifier: INFO when the other aligns (DMARC rests on
 * it), WARN when the other is unknown or no policy applies, FAIL when DMARC fails. */
static enum status
unaligned_status(const struct align_run *run, bool other_ok, bool other_unknown)
{
	if (other_ok)
		return ST_INFO;
	if (other_unknown || run->fw->policy == NULL)
		return ST_WARN;
	return ST_FAIL;
}

/* Where the MAIL FROM was read, for people: header names as they are, the bounce's To: in
 * words (data.mfrom_source keeps the stable name). */
static const char *
source_label(const char *source)
{
	return strcmp(source, "bounce To:") == 0 ? _("the To: of the bounce") : source;
}

static void
judge_spf(struct align_run *run, const struct ident *spf, bool dkim_ok, bool dkim_unknown)
{
	const struct ndr_auth *a = run->auth;
	struct finding *f;

	if (spf == NULL) {
		if (dkim_ok)
			return;
		f = add(run, "dmarc.alignment-unknown", ST_UNKNOWN);
		finding_msg(f, _("The MAIL FROM (Return-Path) address of the message is not known, "
		    "so whether SPF can align with the From: domain %s cannot be judged."),
		    run->from);
		finding_fix(f, _("Look up the Return-Path of a message as received (or the "
		    "envelope sender in the mail server's log) and check its domain against %s."),
		    run->from);
		finding_data(f, "identifier", json_string("spf"));
		finding_ref(f, "RFC 9989 section 4.4");
		return;
	}
	if (spf->rel == REL_UNKNOWN || is_aligned(spf->rel, run->aspf))
		return;
	f = add(run, "dmarc.spf-unaligned", unaligned_status(run, dkim_ok, dkim_unknown));
	if (spf->rel == REL_ORG)
		finding_msg(f, _("The MAIL FROM domain %s (%s) shares the organisational domain %s "
		    "with the From: domain %s, but the policy asks for strict SPF alignment "
		    "(aspf=s): an SPF pass for %s does not count for DMARC."), spf->domain,
		    source_label(a->mfrom_source), run->fw->org, run->from, spf->domain);
	else
		finding_msg(f, _("The MAIL FROM domain %s (%s) is not in the organisation of the "
		    "From: domain %s (%s against %s): an SPF pass for %s does not count for "
		    "DMARC."), spf->domain, source_label(a->mfrom_source), run->from, spf->w->org,
		    run->fw->org, spf->domain);
	finding_fix(f, run->aspf == 's' ?
	    _("Send with a MAIL FROM (Return-Path) address in %s itself, e.g. the custom "
	    "return-path (bounce) domain of the mail service, or sign with an aligned DKIM "
	    "key.") :
	    _("Send with a MAIL FROM (Return-Path) address in %s or a subdomain of it, e.g. the "
	    "custom return-path (bounce) domain of the mail service, or sign with an aligned "
	    "DKIM key."), run->from);
	finding_data(f, "identifier", json_string("spf"));
	finding_data(f, "mfrom_domain", json_string(spf->domain));
	finding_data(f, "mfrom_source", json_string(a->mfrom_source));
	finding_data(f, "org_domain", json_string(spf->w->org));
	finding_data(f, "relaxed_aligned", json_boolean(spf->rel == REL_ORG));
	finding_ref(f, "RFC 9989 section 4.4.2");
}

static void
judge_dkim(struct align_run *run, bool spf_ok, bool spf_unknown)
{
	char doms[512], org_doms[512];
	size_t i, used = 0, org_used = 0;
	bool has_org = false, has_unknown = false;
	struct finding *f;

	doms[0] = org_doms[0] = '\0';
	for (i = 0; i < run->n; i++) {
		const struct ident *id = &run->id[i];

		if (id->is_spf)
			continue;
		if (is_aligned(id->rel, run->adkim))
			return;
		has_org = has_org || id->rel == REL_ORG;
		has_unknown = has_unknown || id->rel == REL_UNKNOWN;
		text_list_add(doms, sizeof(doms), &used, id->domain);
		if (id->w != NULL)
			text_list_add(org_doms, sizeof(org_doms), &org_used, id->w->org);
	}
	if (has_unknown)
		return;	/* its DNS failure is said (UNKNOWN) */
	f = add(run, "dmarc.dkim-unaligned", unaligned_status(run, spf_ok, spf_unknown));
	if (used == 0)
		finding_msg(f, _("The message carries no DKIM-Signature, so DKIM cannot align "
		    "with the From: domain %s."), run->from);
	else if (has_org)
		finding_msg(f, _("The DKIM signatures (d=%s) share the organisational domain %s "
		    "with the From: domain %s, but the policy asks for strict DKIM alignment "
		    "(adkim=s): they do not count for DMARC."), doms, run->fw->org, run->from);
	else
		finding_msg(f, _("No DKIM signature is in the organisation of the From: domain %s "
		    "(d=%s, organisational domains %s against %s): a valid signature of those "
		    "domains does not count for DMARC."), run->from, doms, org_doms,
		    run->fw->org);
	finding_fix(f, run->adkim == 's' ?
	    _("Sign with d=%s itself: publish the mail service's DKIM key under %s (its "
	    "\"custom DKIM\" or domain authentication setting).") :
	    _("Sign with d=%s or a subdomain of it: publish the mail service's DKIM key under "
	    "%s (its \"custom DKIM\" or domain authentication setting)."), run->from, run->from);
	finding_data(f, "identifier", json_string("dkim"));
	finding_data(f, "dkim_domains", json_string(doms));
	finding_data(f, "signatures", json_integer((json_int_t)run->auth->n_sigs));
	finding_data(f, "relaxed_aligned", json_boolean(has_org));
	finding_ref(f, "RFC 9989 section 4.4.1");
}

static void
judge(struct align_run *run)
{
	struct check_ctx *ctx = run->ctx;
	const struct ident *spf = NULL;
	bool spf_ok = false, dkim_ok = false, spf_unknown, dkim_unknown = false;
	char ok_list[600];
	size_t i, used = 0;
	struct finding *f;

	if (run->fw->failed != NULL && run->fw->policy == NULL) {
		check_dns_failed(ctx, run->fw->failed, _("the DMARC policy"));
		return;
	}
	run->adkim = run->aspf = 'r';
	run->policy = run->tag = "";
	if (run->fw->policy != NULL) {
		dmarc_rec_parse(run->fw->policy->rec, &run->rec);
		run->adkim = run->rec.adkim;
		run->aspf = run->rec.aspf;
		run->policy = dmarc_walk_effective(run->fw, &run->rec, &run->tag);
	}
	ok_list[0] = '\0';
	for (i = 0; i < run->n; i++) {
		struct ident *id = &run->id[i];
		bool ok;

		id->rel = relation(run, id);
		if (id->rel == REL_UNKNOWN)
			check_dns_failed(ctx, id->w->failed != NULL ? id->w->failed :
			    run->fw->failed, _("an organisational domain"));
		ok = is_aligned(id->rel, id->is_spf ? run->aspf : run->adkim);
		if (id->is_spf) {
			spf = id;
			spf_ok = ok;
		} else {
			dkim_ok = dkim_ok || ok;
			dkim_unknown = dkim_unknown || id->rel == REL_UNKNOWN;
		}
		if (ok) {
			char item[300];

			snprintf(item, sizeof(item), "%s %s", id->is_spf ? "MAIL FROM" : "DKIM d=",
			    id->domain);
			text_list_add(ok_list, sizeof(ok_list), &used, item);
		}
	}
	spf_unknown = spf == NULL || spf->rel == REL_UNKNOWN;
	if (dkim_unknown && dkim_ok)
		dkim_unknown = false;
	if (spf_ok || dkim_ok) {
		f = add(run, "dmarc.aligned", ST_OK);
		finding_msg(f, _("The From: domain %s aligns with %s (adkim=%c, aspf=%c): DMARC "
		    "passes when that SPF check or DKIM signature passes."), run->from, ok_list,
		    run->adkim, run->aspf);
		finding_data(f, "spf_aligned", json_boolean(spf_ok));
		finding_data(f, "dkim_aligned", json_boolean(dkim_ok));
		finding_ref(f, "RFC 9989 section 4.4");
	}
	judge_spf(run, spf, dkim_ok, dkim_unknown);
	judge_dkim(run, spf_ok, spf_unknown);
}

static void
run_free(struct align_run *run)
{
	size_t i;

	dmarc_walk_free(run->fw);
	for (i = 0; i < run->n; i++)
		dmarc_walk_free(run->id[i].w);
	free(run);
}

static void
release(struct align_run *run)
{
	if (--run->pending > 0)
		return;
	judge(run);
	run_free(run);
}

static void
on_from(struct dmarc_walk *w, void *arg)
{
	struct align_run *run = arg;

	run->fw = w;
	release(run);
}

static void
on_ident(struct dmarc_walk *w, void *arg)
{
	struct ident *id = arg;

	id->w = w;
	release(id->run);
}

static void
add_ident(struct align_run *run, const char *domain, bool is_spf)
{
	struct ident *id;

	if (run->n == IDENT_MAX)
		return;
	id = &run->id[run->n++];
	id->run = run;
	snprintf(id->domain, sizeof(id->domain), "%s", domain);
	id->is_spf = is_spf;
}

static void
align_start(struct check_ctx *ctx)
{
	const struct ndr_auth *a = ctx->in->auth;
	struct align_run *run = xcalloc(1, sizeof(*run));
	size_t i;

	run->ctx = ctx;
	run->auth = a;
	snprintf(run->from, sizeof(run->from), "%s",
	    a->from_domain[0] != '\0' ? a->from_domain : ctx->domain);
	if (a->mfrom_domain[0] != '\0')
		add_ident(run, a->mfrom_domain, true);
	for (i = 0; i < a->n_sigs; i++)
		add_ident(run, a->sigs[i].domain, false);
	run->pending = 1;	/* held until every walk is started */
	for (i = 0; i < run->n; i++) {
		if (strcmp(run->id[i].domain, run->from) == 0)
			continue;	/* the same domain: aligned in either mode, nothing to ask */
		run->pending++;
		dmarc_walk_start(ctx->dns, run->id[i].domain, ctx->in->is_dmarc_psl, false,
		    on_ident, &run->id[i]);
	}
	run->pending++;
	dmarc_walk_start(ctx->dns, run->from, ctx->in->is_dmarc_psl, true, on_from, run);
	release(run);
}

const struct check check_dmarc_align = {
	.name = "dmarc-alignment",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN | CHECK_IN_AUTH,
	.start = align_start,
};
