/* MX: does the domain exist, where does its mail go (RFC 5321 5.1), and can senders reach
 * each MX host by name: null MX, implicit MX, CNAME targets, IP literals, no address,
 * addresses in private or reserved space, equal preferences. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dns.h"
#include "dns_target.h"
#include "i18n.h"
#include "names.h"
#include "netaddr.h"
#include "report.h"

/* What the report needs beyond dns_target's view of a host. */
struct mx_view {
	const struct dns_target_host *h;
	const char *special;		/* first special range among its addresses, static */
	const char *special_addr;
	bool is_unknown;		/* the merged lookup failed: nothing to judge */
};

static void
add_evidence(struct finding *f, const struct dns_target_host *h)
{
	size_t i;

	for (i = 0; i < h->nanswers; i++)
		finding_dns(f, &h->answers[i]);
}

static bool
host_is_usable(const struct mx_view *v)
{
	return !v->h->is_ip_name && !v->is_unknown && v->h->naddrs > 0 && v->special == NULL;
}

static void
report_host(struct check_ctx *ctx, const struct mx_view *v, bool is_implicit,
    bool any_usable)
{
	const struct dns_target_host *h = v->h;
	struct finding *f;
	enum status bad = any_usable ? ST_WARN : ST_FAIL;

	if (h->is_ip_name) {
		f = check_add(ctx, "mx.target-is-ip", bad, ctx->domain);
		finding_msg(f, _("MX host \"%s\" is an IP address written as a name; senders look "
		    "it up as a host name and find nothing."), h->name);
		finding_fix(f, _("Give the mail server a host name (e.g. mail.%s) with an A/AAAA "
		    "record, and point the MX record at that name."), ctx->domain);
		finding_ref(f, "RFC 7505 section 3");
		finding_ref(f, "RFC 5321 section 5.1");
		return;
	}
	if (v->is_unknown)
		return;	/* the resolver failure is already reported as UNKNOWN */
	if (h->canon != NULL) {
		f = check_add(ctx, "mx.target-is-cname", bad, h->name);
		finding_msg(f, _("MX host %s is an alias (CNAME) for %s; an MX must name a host "
		    "with address records, and some senders refuse aliases."), h->name, h->canon);
		finding_fix(f, _("Point the MX record at %s itself."), h->canon);
		finding_ref(f, "RFC 2181 section 10.3");
		finding_ref(f, "RFC 5321 section 5.1");
		add_evidence(f, h);
	}
	if (h->naddrs == 0) {
		f = check_add(ctx, "mx.target-no-address", bad, h->name);
		finding_msg(f, _("MX host %s (preference %u) has no A or AAAA record: senders "
		    "cannot deliver to it (\"Host or domain name not found\")."), h->name, h->pref);
		finding_fix(f, _("Publish an A (and AAAA if reachable over IPv6) record for %s, "
		    "or point the MX record at a host that has one."), h->name);
		finding_ref(f, "RFC 5321 section 5.1");
		add_evidence(f, h);
		return;
	}
	if (v->special != NULL) {
		f = check_add(ctx, "mx.target-private", bad, h->name);
		finding_msg(f, _("MX host %s resolves to %s, a %s address that senders on the "
		    "Internet cannot reach."), h->name, v->special_addr, _(v->special));
		finding_fix(f, _("Publish the server's public address for %s in the public zone "
		    "(internal addresses belong in the internal DNS view only)."), h->name);
		finding_ref(f, "RFC 6890");
		add_evidence(f, h);
		return;
	}
	if (h->canon == NULL) {
		char list[512] = "";
		size_t i, off = 0;

		for (i = 0; i < h->naddrs && off < sizeof(list); i++) {
			int n = snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
			    h->addrs[i]);

			if (n < 0)
				break;
			off += (size_t)n;
		}
		f = check_add(ctx, "mx.host-ok", ST_OK, h->name);
		if (is_implicit)
			finding_msg(f, _("Implicit MX host %s resolves to %s."), h->name, list);
		else
			finding_msg(f, _("MX host %s (preference %u) resolves to %s."), h->name,
			    h->pref, list);
		add_evidence(f, h);
	}
}

/* The host's lookup failures as UNKNOWN findings; its verdict follows the merged status. */
static struct mx_view
view_host(struct check_ctx *ctx, const struct dns_target_host *h)
{
	struct mx_view v = { .h = h };
	size_t i;

	if (h->is_ip_name)
		return v;	/* judged by its name alone, as before any lookup */
	for (i = 0; i < h->nanswers; i++)
		check_dns_failed(ctx, &h->answers[i], _("the MX host's address"));
	v.is_unknown = dns_status_is_failure(h->status);
	for (i = 0; i < h->naddrs && v.special == NULL; i++) {
		v.special = netaddr_special_range(h->addrs[i]);
		v.special_addr = h->addrs[i];
	}
	return v;
}

static void
report_hosts(struct check_ctx *ctx, const struct dns_target_mx *mx)
{
	struct mx_view views[DNS_TARGET_MAX_HOSTS];
	bool any_usable = false;
	size_t i, j;

	/* Senders try hosts in preference order (RFC 5321 5.1): dns_target keeps that order. */
	for (i = 0; i < mx->nhosts; i++) {
		views[i] = view_host(ctx, &mx->hosts[i]);
		if (host_is_usable(&views[i]))
			any_usable = true;
	}
	for (i = 0; i < mx->nhosts; i++)
		report_host(ctx, &views[i], mx->is_implicit, any_usable);
	/* RFC 5321 5.1: equal preferences share load; say so, it is often unintended. */
	for (i = 0; i < mx->nhosts; i++) {
		for (j = i + 1; j < mx->nhosts; j++) {
			const struct dns_target_host *a = &mx->hosts[i], *b = &mx->hosts[j];

			if (a->pref == b->pref) {
				struct finding *f = check_add(ctx, "mx.equal-preference",
				    ST_INFO, ctx->domain);

				finding_msg(f, _("MX hosts %s and %s have the same preference %u: "
				    "senders pick either at random (load sharing), so both must "
				    "accept mail for %s."), a->name, b->name, a->pref, ctx->domain);
				finding_ref(f, "RFC 5321 section 5.1");
				return;
			}
		}
	}
}

static void
report_null_mx(struct check_ctx *ctx, const struct dns_target_mx *mx)
{
	const char *domain = ctx->domain;
	struct finding *f;

	if (mx->nrecords > 1) {
		f = check_add(ctx, "mx.null-mx-mixed", ST_FAIL, domain);
		finding_msg(f, _("%s publishes a null MX (\"0 .\") together with other MX records; "
		    "a null MX must be the only one."), domain);
		finding_fix(f, _("Either remove the \"MX 0 .\" record (the domain receives mail) "
		    "or remove all other MX records (it receives none)."));
	} else {
		f = check_add(ctx, "mx.null-mx", ST_FAIL, domain);
		finding_msg(f, _("%s publishes a null MX (\"MX 0 .\"): it declares that it accepts "
		    "no mail. Mail to it bounces at once, and receivers may reject mail that uses "
		    "it as sender address."), domain);
		finding_fix(f, _("If %s should send or receive mail, replace the null MX with "
		    "MX records naming its mail servers."), domain);
	}
	finding_ref(f, "RFC 7505 section 3");
	finding_ref(f, "RFC 7505 section 4.2");
	finding_dns(f, &mx->mx_answer);
}

/* The MX answer and the implicit host's A/AAAA answers. */
static void
add_apex_evidence(struct finding *f, const struct dns_target_mx *mx)
{
	finding_dns(f, &mx->mx_answer);
	if (mx->nhosts > 0)
		add_evidence(f, &mx->hosts[0]);
}

/* No MX: RFC 5321 5.1 says senders use the domain's own address (implicit MX). */
static void
report_no_mx(struct check_ctx *ctx, const struct dns_target_mx *mx)
{
	const char *domain = ctx->domain;
	const struct dns_target_host *h = mx->nhosts > 0 ? &mx->hosts[0] : NULL;
	struct finding *f;

	if (h == NULL || dns_status_is_failure(h->status))
		return;	/* the address check reports that failure as UNKNOWN */
	if (h->naddrs > 0) {
		f = check_add(ctx, "mx.implicit-a", ST_WARN, domain);
		finding_msg(f, _("%s has no MX record; senders fall back to its A/AAAA record "
		    "(implicit MX) and deliver to %s itself. Many receivers also distrust sender "
		    "domains without MX."), domain, domain);
		finding_fix(f, _("Publish an MX record, e.g. \"%s. MX 10 mail.%s.\", naming the "
		    "host that receives mail."), domain, domain);
		finding_ref(f, "RFC 5321 section 5.1");
		add_apex_evidence(f, mx);
		report_hosts(ctx, mx);
		return;
	}
	f = check_add(ctx, "mx.absent", ST_FAIL, domain);
	finding_msg(f, _("%s has neither MX nor A/AAAA records: senders to it get \"Host or "
	    "domain name not found\", and receivers reject mail from it with \"554 5.1.8 Sender "
	    "address rejected: Domain not found\"."), domain);
	finding_fix(f, _("Publish an MX record for %s naming the mail server, and an A record "
	    "for that server."), domain);
	finding_ref(f, "RFC 5321 section 5.1");
	add_apex_evidence(f, mx);
}

static void
report_present(struct check_ctx *ctx, const struct dns_target_mx *mx)
{
	char list[1024] = "";
	size_t off = 0, i;
	struct finding *f;
	json_t *hosts = json_array();

	for (i = 0; i < mx->nhosts; i++) {
		int w = snprintf(list + off, sizeof(list) - off, "%s%s (%u)", off ? ", " : "",
		    mx->hosts[i].name, mx->hosts[i].pref);

		if (w > 0 && (size_t)w < sizeof(list) - off)
			off += (size_t)w;
		json_array_append_new(hosts, json_pack("{s:s, s:i}", "name", mx->hosts[i].name,
		    "preference", (int)mx->hosts[i].pref));
	}
	f = check_add(ctx, "mx.present", ST_OK, ctx->domain);
	finding_data(f, "hosts", hosts);
	finding_msg(f, ngettext("%s has %zu MX record: %s.", "%s has %zu MX records: %s.",
	    mx->nrecords), ctx->domain, mx->nrecords, list);
	finding_dns(f, &mx->mx_answer);
	report_hosts(ctx, mx);
}

/* The domain's mail hosts, resolved by dns_target (the one resolver of mail targets). */
static void
on_mx(struct dns_target_mx *mx, void *arg)
{
	struct check_ctx *ctx = arg;
	const struct dns_answer *ans = &mx->mx_answer;
	struct finding *f;

	if (check_dns_failed(ctx, ans, _("the MX records"))) {
		/* nothing more to say about MX */
	} else if (ans->status == DNS_NXDOMAIN) {
		f = check_add(ctx, "domain.not-found", ST_FAIL, ctx->domain);
		finding_msg(f, _("%s does not exist in DNS (NXDOMAIN). Receiving servers reject "
		    "mail from it (\"554 5.1.8 Sender address rejected: Domain not found\") and "
		    "senders to it get \"Host or domain name not found\"."), ctx->domain);
		if (names_internal_suffix(ctx->domain) != NULL)
			finding_fix(f, _("%s is an internal (Active Directory) name: do not "
			    "register or publish it; give users addresses in a registered public "
			    "mail domain instead (see domain.internal)."), ctx->domain);
		else
			finding_fix(f, _("Register %s and publish its zone at the registrar's name "
			    "servers."), ctx->domain);
		finding_ref(f, "RFC 5321 section 5.1");
		finding_ref(f, "RFC 1035 section 4.1.1");
		finding_dns(f, ans);
	} else if (ans->status == DNS_OK) {
		if (mx->is_null_mx)
			report_null_mx(ctx, mx);
		else
			report_present(ctx, mx);
	} else if (mx->is_implicit) {
		report_no_mx(ctx, mx);
	}
	dns_target_mx_free(mx);
}

static void
mx_start(struct check_ctx *ctx)
{
	dns_target_mx(ctx->dns, ctx->domain, 0, on_mx, ctx);
}

const struct check check_mx = {
	.name = "mx",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN,
	.start = mx_start,
};
