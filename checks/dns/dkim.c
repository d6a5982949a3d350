/*
 * DKIM keys of a domain (RFC 6376 3.6): for each selector (--dkim-selector, else a short
 * guess list), the TXT record at SELECTOR._domainkey.DOMAIN read as a verifier reads it
 * (dkim_key.c), and judged: revoked, weak or short RSA (RFC 8301), sha1 only, testing,
 * CNAME chains (Microsoft 365's selector1/selector2 into the tenant domain). Given a
 * message's identifiers (check --message, explain), the key of each DKIM-Signature's d= and
 * s= instead of the guesses.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dkim_key.h"
#include "dns.h"
#include "i18n.h"
#include "ndr_auth.h"
#include "report.h"
#include "xmalloc.h"

#define DKIM_MAX_RECORDS 4
#define DKIM_MAX_LEN 8192
#define CHAIN_MAX 512

/* Common selectors, tried when none is given: a guess, and said to be one. Microsoft 365
 * (selector1, selector2), Google Workspace (google), Mailchimp/Mandrill (k1), SendGrid and
 * others (s1, s2), cPanel and many hosting panels (default), and two frequent names. */
static const char *const guesses[] = {
	"selector1", "selector2", "google", "k1", "s1", "s2", "default", "dkim", "mail",
};
#define N_GUESSES (sizeof(guesses) / sizeof(guesses[0]))

struct dkim_run {
	struct check_ctx *ctx;
	size_t pending, found;
	bool is_guess;
	/* A guess's resolver failure (qname NULL: none): the first selector's in the order
	 * asked, not the first to arrive, so that the report does not vary run to run. */
	struct dns_answer failed;
	size_t failed_order, asked;
};

struct dkim_sel {
	struct dkim_run *run;
	char selector[64];
	char domain[256];	/* d=: the domain under test, or a signature's */
	bool is_signed;		/* from a DKIM-Signature of the message */
	size_t order;		/* when it was asked */
};

static struct finding *
add(struct dkim_sel *sel, const char *id, enum status st, const struct dns_answer *ans)
{
	struct finding *f = check_add(sel->run->ctx, id, st, ans->qname);

	finding_data(f, "selector", json_string(sel->selector));
	if (sel->is_signed) {
		finding_data(f, "signature_domain", json_string(sel->domain));
		finding_data(f, "from_message", json_true());
	}
	if (sel->run->is_guess)
		finding_data(f, "guessed", json_true());
	finding_dns(f, ans);
	return f;
}

/* The CNAME chain of the answer as "a -> b -> c", or "" without one; *target the last. */
static size_t
cname_chain(const struct dns_answer *ans, char *buf, size_t buf_len, char *target,
    size_t target_len)
{
	const ldns_rr *rrs[8];
	size_t n = dns_answer_rrs(ans, LDNS_RR_TYPE_CNAME, rrs, 8), i, off;

	buf[0] = target[0] = '\0';
	if (n == 0)
		return 0;
	off = (size_t)snprintf(buf, buf_len, "%s", ans->qname);
	for (i = 0; i < n && off < buf_len; i++) {
		char *to = dns_rdf_name(ldns_rr_rdf(rrs[i], 0));

		off += (size_t)snprintf(buf + off, buf_len - off, " -> %s", to);
		snprintf(target, target_len, "%s", to);
		free(to);
	}
	return n;
}

static bool
is_m365(const char *target)
{
	size_t n = strlen(target), s = strlen(".onmicrosoft.com");

	return n > s && strcmp(target + n - s, ".onmicrosoft.com") == 0;
}

/* A name that answers but holds no usable key record (NXDOMAIN, NODATA, no TXT). */
static void
no_record(struct dkim_sel *sel, const struct dns_answer *ans, const char *chain,
    const char *target)
{
	struct finding *f;

	if (chain[0] != '\0') {
		/* A CNAME is intent: someone meant a key to be there, guessed or not. */
		f = add(sel, "dkim.cname-dangling", sel->run->is_guess ? ST_WARN : ST_FAIL, ans);
		finding_msg(f, _("The DKIM selector %s of %s is a CNAME (%s) to a name with no "
		    "key (%s): signatures with s=%s fail to verify."), sel->selector,
		    sel->domain, chain, dns_status_name(ans->status), sel->selector);
		if (is_m365(target))
			finding_fix(f, _("The target is in the Microsoft 365 tenant domain: enable "
			    "DKIM signing for %s in the Microsoft 365 Defender portal (or "
			    "New-DkimSigningConfig -DomainName %s -Enabled $true), which publishes "
			    "the keys behind selector1 and selector2."), sel->domain, sel->domain);
		else
			finding_fix(f, _("Point the CNAME at the name where the signing service "
			    "publishes the key, or publish the key at %s itself."), ans->qname);
		finding_data(f, "cname_chain", json_string(chain));
		finding_ref(f, "RFC 6376 section 3.6.2.1");
		return;
	}
	if (sel->run->is_guess)
		return;
	if (ans->status == DNS_NXDOMAIN) {
		f = add(sel, "dkim.not-found", ST_FAIL, ans);
		finding_msg(f, _("No DKIM key for selector %s: %s does not exist (NXDOMAIN). "
		    "Signatures with s=%s d=%s fail (\"no key for signature\")."), sel->selector,
		    ans->qname, sel->selector, sel->domain);
	} else {
		f = add(sel, "dkim.no-key", ST_FAIL, ans);
		finding_msg(f, _("No DKIM key for selector %s: %s exists but has no TXT key "
		    "record (%s). Signatures with s=%s d=%s fail."), sel->selector, ans->qname,
		    dns_status_name(ans->status), sel->selector, sel->domain);
	}
	finding_fix(f, _("Publish the public key the signer uses for selector %s as a TXT "
	    "record at %s (the signing service shows it), or correct the selector."),
	    sel->selector, ans->qname);
	finding_data(f, "rcode", json_string(dns_status_name(ans->status)));
	finding_ref(f, "RFC 6376 section 6.1.2");
}

/* The flags of a usable key: t=y, t=s, s= without email. */
static void
judge_flags(struct dkim_sel *sel, const struct dns_answer *ans, const struct dkim_key *key)
{
	struct finding *f;

	if (key->is_testing) {
		f = add(sel, "dkim.testing", ST_WARN, ans);
		finding_msg(f, _("The DKIM key of selector %s is in testing mode (t=y): "
		    "verifiers may treat its signatures as if the mail were unsigned."),
		    sel->selector);
		finding_fix(f, _("Remove t=y from the key record once signing works."));
		finding_ref(f, "RFC 6376 section 3.6.1");
	}
	if (key->is_strict) {
		f = add(sel, "dkim.strict-identity", ST_INFO, ans);
		finding_msg(f, _("The DKIM key of selector %s has t=s: signatures whose i= is in "
		    "a subdomain of d= do not verify with it."), sel->selector);
		finding_ref(f, "RFC 6376 section 3.6.1");
	}
}

static void
judge_key(struct dkim_sel *sel, const struct dns_answer *ans, const char *rec, size_t len,
    const char *chain, const char *target)
{
	const char *type;
	struct dkim_key key;
	struct finding *f;

	switch (dkim_key_parse(rec, len, &key)) {
	case DKIM_KEY_SYNTAX:
		f = add(sel, "dkim.syntax", ST_FAIL, ans);
		finding_msg(f, _("The DKIM key record of selector %s is invalid (tag %s: %s); "
		    "verifiers cannot use it."), sel->selector, key.tag[0] != '\0' ? key.tag :
		    "-", key.why);
		finding_fix(f, _("Publish the record as the signing service gives it: "
		    "\"v=DKIM1; k=rsa; p=<base64 key>\", each tag once."));
		finding_data(f, "tag", json_string(key.tag));
		finding_data(f, "why", json_string(key.why));
		finding_ref(f, "RFC 6376 section 3.6.1");
		return;
	case DKIM_KEY_REVOKED:
		f = add(sel, "dkim.revoked", ST_FAIL, ans);
		finding_msg(f, _("The DKIM key of selector %s is revoked (empty p=): every "
		    "signature with s=%s d=%s fails."), sel->selector, sel->selector, sel->domain);
		finding_fix(f, _("If mail is still signed with selector %s, switch the signer to "
		    "a selector with a published key; else this record can stay."),
		    sel->selector);
		finding_ref(f, "RFC 6376 section 3.6.1");
		return;
	case DKIM_KEY_UNKNOWN_TYPE:
		f = add(sel, "dkim.bad-key", ST_FAIL, ans);
		finding_msg(f, _("The DKIM key of selector %s has the unknown key type k=%s; "
		    "verifiers know rsa and ed25519 only."), sel->selector, key.tag);
		finding_fix(f, _("Publish k=rsa (or k=ed25519 beside an RSA key)."));
		finding_data(f, "why", json_string("unknown k="));
		finding_ref(f, "RFC 6376 section 3.6.1");
		return;
	case DKIM_KEY_BAD:
		f = add(sel, "dkim.bad-key", ST_FAIL, ans);
		finding_msg(f, _("The DKIM key of selector %s cannot be used: %s."),
		    sel->selector, key.why);
		finding_fix(f, _("Copy the public key again from the signing service; a "
		    "truncated or re-wrapped key is the usual cause."));
		finding_data(f, "why", json_string(key.why));
		finding_ref(f, key.type == DKIM_TYPE_ED25519 ? "RFC 8463 section 3" :
		    "RFC 6376 section 3.6.1");
		return;
	case DKIM_KEY_OK:
		break;
	}
	sel->run->found++;
	type = dkim_key_type_name(key.type);
	if (key.is_not_email) {
		f = add(sel, "dkim.syntax", ST_FAIL, ans);
		finding_msg(f, _("The DKIM key of selector %s is not for email (s= lists neither "
		    "email nor *)."), sel->selector);
		finding_fix(f, _("Remove s= from the key record, or add email to it."));
		finding_data(f, "tag", json_string("s"));
		finding_ref(f, "RFC 6376 section 3.6.1");
	} else if (key.is_sha1_only) {
		f = add(sel, "dkim.sha1-only", ST_FAIL, ans);
		finding_msg(f, _("The DKIM key of selector %s allows only SHA-1 signatures "
		    "(h=); verifiers must not accept rsa-sha1 signatures (RFC 8301)."),
		    sel->selector);
		finding_fix(f, _("Remove h= from the key record (or set h=sha256), and sign with "
		    "rsa-sha256."));
		finding_ref(f, "RFC 8301 section 3.1");
	} else if (key.type == DKIM_TYPE_RSA && key.bits < 1024) {
		f = add(sel, "dkim.key-weak", ST_FAIL, ans);
		finding_msg(f, _("The DKIM key of selector %s is RSA with %u bits: verifiers "
		    "must not accept signatures from keys under 1024 bits, so they fail."),
		    sel->selector, key.bits);
		finding_fix(f, _("Generate a 2048-bit RSA key, publish it under a new selector "
		    "and switch the signer to it."));
		finding_ref(f, "RFC 8301 section 3.2");
	} else if (key.type == DKIM_TYPE_RSA && key.bits < 2048) {
		f = add(sel, "dkim.key-short", ST_WARN, ans);
		finding_msg(f, _("The DKIM key of selector %s is RSA with %u bits: accepted, but "
		    "signers should use at least 2048 bits."), sel->selector, key.bits);
		finding_fix(f, _("Generate a 2048-bit RSA key, publish it under a new selector "
		    "and switch the signer to it."));
		finding_ref(f, "RFC 8301 section 3.2");
	} else {
		f = add(sel, "dkim.key-ok", ST_OK, ans);
		if (key.type == DKIM_TYPE_ED25519)
			finding_msg(f, _("Selector %s publishes an Ed25519 DKIM key (RFC 8463). "
			    "Many receivers verify only RSA: sign with an RSA key as well."),
			    sel->selector);
		else
			finding_msg(f, _("Selector %s publishes a %u-bit RSA DKIM key."),
			    sel->selector, key.bits);
		finding_ref(f, key.type == DKIM_TYPE_ED25519 ? "RFC 8463 section 3" :
		    "RFC 8301 section 3.2");
	}
	finding_data(f, "key_type", json_string(type));
	finding_data(f, "bits", json_integer(key.bits));
	judge_flags(sel, ans, &key);
	if (chain[0] != '\0') {
		f = add(sel, "dkim.cname", ST_INFO, ans);
		finding_msg(f, is_m365(target) ?
		    _("Selector %s is a CNAME into the Microsoft 365 tenant domain (%s): "
		    "Microsoft 365 signs and rotates this key.") :
		    _("Selector %s is a CNAME (%s): the key is published where it points."),
		    sel->selector, chain);
		finding_data(f, "cname_chain", json_string(chain));
		finding_ref(f, "RFC 6376 section 3.6.2.1");
	}
}

static void
finish(struct dkim_run *run)
{
	struct check_ctx *ctx = run->ctx;
	struct finding *f;
	char list[256];
	size_t i, off = 0;

	if (run->is_guess && run->found == 0) {
		if (run->failed.qname != NULL) {
			check_dns_failed(ctx, &run->failed, _("the DKIM selectors"));
		} else {
			for (i = 0; i < N_GUESSES; i++)
				off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
				    i > 0 ? ", " : "", guesses[i]);
			f = check_add(ctx, "dkim.none-found", ST_INFO, ctx->domain);
			finding_msg(f, _("No DKIM key at the common selectors of %s (%s). This is a "
			    "guess that can miss: the selector is the s= of the DKIM-Signature "
			    "header of a message the domain sent."), ctx->domain, list);
			finding_fix(f, _("Give the selector with --dkim-selector S (from s= in a "
			    "received message's DKIM-Signature header)."));
			finding_data(f, "selectors", json_string(list));
			finding_ref(f, "RFC 6376 section 3.1");
		}
	}
	free(run);
}

static void
on_txt(const struct dns_answer *ans, void *arg)
{
	struct dkim_sel *sel = arg;
	struct dkim_run *run = sel->run;
	const ldns_rr *rrs[DKIM_MAX_RECORDS];
	char chain[CHAIN_MAX], target[256];
	struct finding *f;
	size_t n, len;
	char *rec;

	cname_chain(ans, chain, sizeof(chain), target, sizeof(target));
	if (dns_status_is_failure(ans->status)) {
		/* A timeout is UNKNOWN, never "no key"; a guess's failures are said once. */
		if (!run->is_guess)
			check_dns_failed(run->ctx, ans, _("the DKIM key"));
		else if (run->failed.qname == NULL || sel->order < run->failed_order) {
			run->failed = *ans;
			run->failed_order = sel->order;
		}
		goto out;
	}
	n = dns_answer_rrs(ans, LDNS_RR_TYPE_TXT, rrs, DKIM_MAX_RECORDS);
	if (n == 0) {
		no_record(sel, ans, chain, target);
		goto out;
	}
	if (n > 1) {
		/* RFC 6376 3.6.2.2: several records at a selector give undefined results. */
		f = add(sel, "dkim.multiple", ST_WARN, ans);
		finding_msg(f, _("Selector %s has %zu TXT records; verifiers may pick any of "
		    "them, so signatures verify only some of the time."), sel->selector, n);
		finding_fix(f, _("Keep exactly one key record at %s."), ans->qname);
		finding_ref(f, "RFC 6376 section 3.6.2.2");
	}
	rec = dns_rr_txt_join(rrs[0], DKIM_MAX_LEN, &len);
	if (rec == NULL) {
		f = add(sel, "dkim.syntax", ST_FAIL, ans);
		finding_msg(f, _("The DKIM key record of selector %s is longer than %d bytes."),
		    sel->selector, DKIM_MAX_LEN);
		finding_ref(f, "RFC 6376 section 3.6.1");
	} else {
		judge_key(sel, ans, rec, len, chain, target);
		free(rec);
	}
out:
	free(sel);
	if (--run->pending == 0)
		finish(run);
}

/* Ask the key of selector in domain (RFC 6376 3.6.2.1: SELECTOR._domainkey.DOMAIN). */
static void
ask(struct dkim_run *run, const char *selector, const char *domain, bool is_signed)
{
	struct dkim_sel *sel = xcalloc(1, sizeof(*sel));
	/* on the stack: a name longer than this cannot be asked anyway (RFC 1035 2.3.4) */
	char qname[512];
	int w = snprintf(qname, sizeof(qname), "%s._domainkey.%s", selector, domain);

	sel->run = run;
	sel->is_signed = is_signed;
	sel->order = run->asked++;
	snprintf(sel->selector, sizeof(sel->selector), "%s", selector);
	snprintf(sel->domain, sizeof(sel->domain), "%s", domain);
	run->pending++;
	if (w < 0 || (size_t)w >= sizeof(qname) ||
	    dns_query(run->ctx->dns, qname, LDNS_RR_TYPE_TXT, 0, on_txt, sel) < 0) {
		run->pending--;
		free(sel);
	}
}

static void
dkim_start(struct check_ctx *ctx)
{
	const struct check_inputs *in = ctx->in;
	const char *const *names = in->dkim_selectors;
	/* The message's own signatures say which keys its verifiers asked for. */
	const struct ndr_auth *sigs = in->auth != NULL && in->auth->n_sigs > 0 ? in->auth : NULL;
	size_t n = in->n_dkim_selectors, i;
	struct dkim_run *run = xcalloc(1, sizeof(*run));

	run->ctx = ctx;
	if (n == 0 && sigs == NULL) {
		names = guesses;
		n = N_GUESSES;
		run->is_guess = true;
	}
	run->pending = 1;	/* held until every query is queued */
	for (i = 0; sigs != NULL && i < sigs->n_sigs; i++)
		ask(run, sigs->sigs[i].selector, sigs->sigs[i].domain, true);
	for (i = 0; i < n; i++)
		ask(run, names[i], ctx->domain, false);
	if (--run->pending == 0)
		finish(run);
}

const struct check check_dkim = {
	.name = "dkim",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN,
	.uses = CHECK_IN_AUTH,
	.start = dkim_start,
};
