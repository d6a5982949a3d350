/*
 * DNSSEC of the domain (RFC 4033, RFC 4035), from the validating resolver's own verdict:
 * the AD bit on the domain's MX answer (the same question the MX lookup asked, so the
 * cache answers it). SERVFAIL is asked again with CD and DO: an answer then means the data
 * exist but do not validate (bogus), and its RRSIG records say why (expired, not yet
 * valid). mxdiag does not validate the chain itself; the resolver is named in the evidence.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "checks.h"
#include "dns.h"
#include "i18n.h"
#include "report.h"
#include "xmalloc.h"

#define DNSSEC_MAX_SIGS 16

struct dnssec_run {
	struct check_ctx *ctx;
	struct dns_answer first;	/* borrowed from the engine */
};

static void
time_text(uint32_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

/* Why the signatures of ans (a CD answer) fail, in words, into buf. */
static void
bogus_reason(const struct dns_answer *ans, char *buf, size_t len)
{
	const ldns_rr *sigs[DNSSEC_MAX_SIGS];
	size_t n = dns_answer_rrs(ans, LDNS_RR_TYPE_RRSIG, sigs, DNSSEC_MAX_SIGS), i;
	uint32_t now = (uint32_t)time(NULL);
	char when[32];

	if (n == 0 && ans->pkt != NULL) {
		/* a negative answer carries its signatures in the authority section */
		ldns_rr_list *auth = ldns_pkt_authority(ans->pkt);

		for (i = 0; auth != NULL && i < ldns_rr_list_rr_count(auth) &&
		    n < DNSSEC_MAX_SIGS; i++)
			if (ldns_rr_get_type(ldns_rr_list_rr(auth, i)) == LDNS_RR_TYPE_RRSIG)
				sigs[n++] = ldns_rr_list_rr(auth, i);
	}
	if (n == 0) {
		snprintf(buf, len, "%s", _("the answer carries no signatures (RRSIG), though the "
		    "parent's DS record says the zone is signed"));
		return;
	}
	for (i = 0; i < n; i++) {
		uint32_t incep = ldns_rdf2native_int32(ldns_rr_rdf(sigs[i], 5));
		uint32_t expir = ldns_rdf2native_int32(ldns_rr_rdf(sigs[i], 4));

		if (expir < now) {
			time_text(expir, when, sizeof(when));
			snprintf(buf, len, _("the signatures expired on %s (re-sign the zone)"),
			    when);
			return;
		}
		if (incep > now) {
			time_text(incep, when, sizeof(when));
			snprintf(buf, len, _("the signatures are not valid before %s (the signer's "
			    "clock?)"), when);
			return;
		}
	}
	snprintf(buf, len, "%s", _("the signatures are current but do not verify: the DS at "
	    "the parent or the DNSKEY does not match the key that signed"));
}

static void
on_cd(const struct dns_answer *ans, void *arg)
{
	struct dnssec_run *r = arg;
	struct check_ctx *ctx = r->ctx;
	struct finding *f;
	char why[256];

	if (dns_status_is_failure(ans->status)) {
		/* SERVFAIL even without validation: a resolver or server failure */
		check_dns_failed(ctx, &r->first, _("DNSSEC"));
		free(r);
		check_done(ctx);
		return;
	}
	bogus_reason(ans, why, sizeof(why));
	f = check_add(ctx, "dnssec.bogus", ST_FAIL, ctx->domain);
	finding_msg(f, _("The DNSSEC signatures of %s do not validate: %s. Validating "
	    "resolvers (%s among them) answer SERVFAIL, so senders that validate cannot find "
	    "its MX and queue or bounce the mail."), ctx->domain, why, r->first.server);
	finding_fix(f, _("Re-sign the zone and check that the DS record at the parent matches "
	    "its key (or remove the DS to go unsigned); dig +dnssec +cd %s MX shows the "
	    "signatures."), ctx->domain);
	finding_data(f, "reason", json_string(why));
	finding_data(f, "validated_by", json_string(r->first.server));
	finding_ref(f, "RFC 4035 section 5.5");
	finding_dns(f, &r->first);
	finding_dns(f, ans);
	free(r);
	check_done(ctx);
}

static void
on_mx(const struct dns_answer *ans, void *arg)
{
	struct dnssec_run *r = arg;
	struct check_ctx *ctx = r->ctx;
	struct finding *f;

	r->first = *ans;
	if (ans->status == DNS_SERVFAIL) {
		if (dns_query_flags(ctx->dns, ctx->domain, LDNS_RR_TYPE_MX, DNS_Q_CD | DNS_Q_DO,
		    ans->depth, on_cd, r) == 0)
			return;
	}
	if (check_dns_failed(ctx, ans, _("DNSSEC"))) {
		free(r);
		check_done(ctx);
		return;
	}
	if (ans->is_authenticated) {
		f = check_add(ctx, "dnssec.signed", ST_OK, ctx->domain);
		finding_msg(f, _("%s is signed with DNSSEC and validates: the resolver (%s) set "
		    "the AD bit on its MX answer. DANE records in its zones can be used."),
		    ctx->domain, ans->server);
	} else {
		f = check_add(ctx, "dnssec.insecure", ST_INFO, ctx->domain);
		finding_msg(f, _("%s is not signed with DNSSEC, or the resolver (%s) does not "
		    "validate: its MX answer came without the AD bit. Its answers can be forged "
		    "on the way, and DANE cannot be used."), ctx->domain, ans->server);
		finding_fix(f, _("Sign the zone at the DNS provider and publish the DS record "
		    "at the registrar; check through a validating resolver (--resolver)."));
	}
	finding_data(f, "validated_by", json_string(ans->server));
	finding_ref(f, "RFC 4035 section 3.2.3");
	finding_dns(f, ans);
	free(r);
	check_done(ctx);
}

static void
dnssec_start(struct check_ctx *ctx)
{
	struct dnssec_run *r = xcalloc(1, sizeof(*r));

	r->ctx = ctx;
	/* the MX question, as the MX lookup asks it: one query for both */
	if (dns_query(ctx->dns, ctx->domain, LDNS_RR_TYPE_MX, 0, on_mx, r) != 0) {
		free(r);
		check_done(ctx);
	}
}

const struct check check_dnssec = {
	.name = "dnssec",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN,
	.start = dnssec_start,
	.is_async = true,
};
