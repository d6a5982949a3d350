/* MX: does the domain exist, where does its mail go (RFC 5321 5.1), and can senders reach
 * each MX host by name: null MX, implicit MX, CNAME targets, IP literals, no address,
 * addresses in private or reserved space, equal preferences. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dns.h"
#include "i18n.h"
#include "netaddr.h"
#include "report.h"
#include "validate.h"
#include "xmalloc.h"

#define MX_MAX_HOSTS 32		/* more MX records than any sane domain; the rest are listed only */
#define MX_MAX_ADDRS 16

struct mx_host {
	char *name;
	unsigned pref;
	int pending;			/* A and AAAA still outstanding */
	bool is_cname, is_unknown, is_literal;
	bool is_implicit;		/* no MX: the domain itself (RFC 5321 5.1) */
	char *canon;			/* CNAME target when is_cname */
	char *addrs[MX_MAX_ADDRS];
	size_t naddrs;
	const char *special;		/* first special range met, static */
	char *special_addr;
	json_t *evidence;		/* array of DNS evidence objects */
	struct mx_run *run;
};

struct mx_run {
	struct check_ctx *ctx;
	char *domain;
	int pending_apex;		/* MX, A, AAAA of the domain */
	int pending_hosts;		/* MX hosts still resolving */
	enum dns_status mx_status, a_status, aaaa_status;
	bool apex_has_addr;
	json_t *apex_evidence;
	struct mx_host hosts[MX_MAX_HOSTS];
	size_t nhosts;
};

static void
run_free(struct mx_run *run)
{
	size_t i, j;

	for (i = 0; i < run->nhosts; i++) {
		struct mx_host *h = &run->hosts[i];

		free(h->name);
		free(h->canon);
		free(h->special_addr);
		for (j = 0; j < h->naddrs; j++)
			free(h->addrs[j]);
		json_decref(h->evidence);
	}
	json_decref(run->apex_evidence);
	free(run->domain);
	free(run);
}

static void
add_evidence(struct finding *f, json_t *list)
{
	size_t i;
	json_t *ev;

	json_array_foreach(list, i, ev)
		finding_evidence_json(f, json_incref(ev));
}

static bool
host_is_usable(const struct mx_host *h)
{
	return !h->is_literal && !h->is_unknown && h->naddrs > 0 && h->special == NULL;
}

static void
report_host(struct mx_run *run, struct mx_host *h, bool any_usable)
{
	struct check_ctx *ctx = run->ctx;
	struct finding *f;
	enum status bad = any_usable ? ST_WARN : ST_FAIL;

	if (h->is_literal) {
		f = check_add(ctx, "mx.target-is-ip", bad, run->domain);
		finding_msg(f, _("MX host \"%s\" is an IP address written as a name; senders look "
		    "it up as a host name and find nothing."), h->name);
		finding_fix(f, _("Give the mail server a host name (e.g. mail.%s) with an A/AAAA "
		    "record, and point the MX record at that name."), run->domain);
		finding_ref(f, "RFC 7505 section 3");
		finding_ref(f, "RFC 5321 section 5.1");
		return;
	}
	if (h->is_unknown)
		return;	/* the resolver failure is already reported as UNKNOWN */
	if (h->is_cname) {
		f = check_add(ctx, "mx.target-is-cname", bad, h->name);
		finding_msg(f, _("MX host %s is an alias (CNAME) for %s; an MX must name a host "
		    "with address records, and some senders refuse aliases."), h->name, h->canon);
		finding_fix(f, _("Point the MX record at %s itself."), h->canon);
		finding_ref(f, "RFC 2181 section 10.3");
		finding_ref(f, "RFC 5321 section 5.1");
		add_evidence(f, h->evidence);
	}
	if (h->naddrs == 0) {
		f = check_add(ctx, "mx.target-no-address", bad, h->name);
		finding_msg(f, _("MX host %s (preference %u) has no A or AAAA record: senders "
		    "cannot deliver to it (\"Host or domain name not found\")."), h->name, h->pref);
		finding_fix(f, _("Publish an A (and AAAA if reachable over IPv6) record for %s, "
		    "or point the MX record at a host that has one."), h->name);
		finding_ref(f, "RFC 5321 section 5.1");
		add_evidence(f, h->evidence);
		return;
	}
	if (h->special != NULL) {
		f = check_add(ctx, "mx.target-private", bad, h->name);
		finding_msg(f, _("MX host %s resolves to %s, a %s address that senders on the "
		    "Internet cannot reach."), h->name, h->special_addr, h->special);
		finding_fix(f, _("Publish the server's public address for %s in the public zone "
		    "(internal addresses belong in the internal DNS view only)."), h->name);
		finding_ref(f, "RFC 6890");
		add_evidence(f, h->evidence);
		return;
	}
	if (!h->is_cname) {
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
		if (h->is_implicit)
			finding_msg(f, _("Implicit MX host %s resolves to %s."), h->name, list);
		else
			finding_msg(f, _("MX host %s (preference %u) resolves to %s."), h->name,
			    h->pref, list);
		add_evidence(f, h->evidence);
	}
}

static int
by_preference(const void *a, const void *b)
{
	const struct mx_host *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void
report_hosts(struct mx_run *run)
{
	bool any_usable = false;
	size_t i, j;

	/* Senders try hosts in preference order (RFC 5321 5.1); report them that way. */
	qsort(run->hosts, run->nhosts, sizeof(run->hosts[0]), by_preference);
	for (i = 0; i < run->nhosts; i++)
		if (host_is_usable(&run->hosts[i]))
			any_usable = true;
	for (i = 0; i < run->nhosts; i++)
		report_host(run, &run->hosts[i], any_usable);
	/* RFC 5321 5.1: equal preferences share load; say so, it is often unintended. */
	for (i = 0; i < run->nhosts; i++) {
		for (j = i + 1; j < run->nhosts; j++) {
			if (run->hosts[i].pref == run->hosts[j].pref) {
				struct finding *f = check_add(run->ctx, "mx.equal-preference",
				    ST_INFO, run->domain);

				finding_msg(f, _("MX hosts %s and %s have the same preference %u: "
				    "senders pick either at random (load sharing), so both must "
				    "accept mail for %s."), run->hosts[i].name, run->hosts[j].name,
				    run->hosts[i].pref, run->domain);
				finding_ref(f, "RFC 5321 section 5.1");
				return;
			}
		}
	}
}

static void
maybe_finish(struct mx_run *run)
{
	if (run->pending_apex > 0 || run->pending_hosts > 0)
		return;
	if (run->nhosts > 0)
		report_hosts(run);
	run_free(run);
}

static void
on_host_addr(const struct dns_answer *ans, void *arg)
{
	struct mx_host *h = arg;
	struct mx_run *run = h->run;
	const ldns_rr *rrs[MX_MAX_ADDRS];
	size_t n, i;

	json_array_append_new(h->evidence, dns_answer_evidence(ans));
	if (check_dns_failed(run->ctx, ans, _("the MX host's address"))) {
		h->is_unknown = true;
	} else {
		const ldns_rr *cn[1];

		/* A CNAME at the MX name itself (RFC 2181 10.3), seen in the A/AAAA answer. */
		if (dns_answer_rrs(ans, LDNS_RR_TYPE_CNAME, cn, 1) == 1 && h->canon == NULL) {
			char *owner = dns_rdf_name(ldns_rr_owner(cn[0]));

			if (owner != NULL && strcmp(owner, h->name) == 0) {
				h->is_cname = true;
				h->canon = dns_rdf_name(ldns_rr_rdf(cn[0], 0));
			}
			free(owner);
		}
		n = dns_answer_rrs(ans, ans->qtype, rrs, MX_MAX_ADDRS);
		for (i = 0; i < n && h->naddrs < MX_MAX_ADDRS; i++) {
			char *addr = dns_rdf_addr(ldns_rr_rdf(rrs[i], 0));
			const char *special;

			if (addr == NULL)
				continue;
			special = netaddr_special_range(addr);
			if (special != NULL && h->special == NULL) {
				h->special = special;
				h->special_addr = xstrdup(addr);
			}
			h->addrs[h->naddrs++] = addr;
		}
	}
	if (--h->pending == 0)
		run->pending_hosts--;
	maybe_finish(run);
}

static bool
is_ip_literal(const char *name)
{
	size_t len = strlen(name);
	bool literal;
	char *inner;

	if (validate_ip(name, NULL) == 0)
		return true;
	if (len < 3 || name[0] != '[' || name[len - 1] != ']')
		return false;
	inner = xstrndup(name + 1, len - 2);
	literal = validate_ip(inner, NULL) == 0;
	free(inner);
	return literal;
}

static void
start_host(struct mx_run *run, const char *name, unsigned pref, unsigned depth)
{
	struct mx_host *h = &run->hosts[run->nhosts++];

	h->name = xstrdup(name);
	h->pref = pref;
	h->run = run;
	h->evidence = json_array();
	if (is_ip_literal(name)) {
		h->is_literal = true;
		return;
	}
	run->pending_hosts++;
	h->pending = 2;
	/* Both address families at once: they do not depend on each other. */
	if (dns_query(run->ctx->dns, name, LDNS_RR_TYPE_A, depth, on_host_addr, h) < 0)
		h->pending--;
	if (dns_query(run->ctx->dns, name, LDNS_RR_TYPE_AAAA, depth, on_host_addr, h) < 0)
		h->pending--;
	if (h->pending == 0) {
		h->is_unknown = true;
		run->pending_hosts--;
	}
}

static void
report_null_mx(struct mx_run *run, const struct dns_answer *ans, size_t nmx)
{
	struct finding *f;

	if (nmx > 1) {
		f = check_add(run->ctx, "mx.null-mx-mixed", ST_FAIL, run->domain);
		finding_msg(f, _("%s publishes a null MX (\"0 .\") together with other MX records; "
		    "a null MX must be the only one."), run->domain);
		finding_fix(f, _("Either remove the \"MX 0 .\" record (the domain receives mail) "
		    "or remove all other MX records (it receives none)."));
	} else {
		f = check_add(run->ctx, "mx.null-mx", ST_FAIL, run->domain);
		finding_msg(f, _("%s publishes a null MX (\"MX 0 .\"): it declares that it accepts "
		    "no mail. Mail to it bounces at once, and receivers may reject mail that uses "
		    "it as sender address."), run->domain);
		finding_fix(f, _("If %s should send or receive mail, replace the null MX with "
		    "MX records naming its mail servers."), run->domain);
	}
	finding_ref(f, "RFC 7505 section 3");
	finding_ref(f, "RFC 7505 section 4.2");
	finding_dns(f, ans);
}

/* No MX: RFC 5321 5.1 says senders use the domain's own address (implicit MX). */
static void
report_no_mx(struct mx_run *run, unsigned depth)
{
	struct finding *f;

	if (dns_status_is_failure(dns_status_merge(run->a_status, run->aaaa_status)))
		return;	/* the address check reports that failure as UNKNOWN */
	if (run->apex_has_addr) {
		f = check_add(run->ctx, "mx.implicit-a", ST_WARN, run->domain);
		finding_msg(f, _("%s has no MX record; senders fall back to its A/AAAA record "
		    "(implicit MX) and deliver to %s itself. Many receivers also distrust sender "
		    "domains without MX."), run->domain, run->domain);
		finding_fix(f, _("Publish an MX record, e.g. \"%s. MX 10 mail.%s.\", naming the "
		    "host that receives mail."), run->domain, run->domain);
		finding_ref(f, "RFC 5321 section 5.1");
		add_evidence(f, run->apex_evidence);
		start_host(run, run->domain, 0, depth);
		run->hosts[run->nhosts - 1].is_implicit = true;
		return;
	}
	f = check_add(run->ctx, "mx.absent", ST_FAIL, run->domain);
	finding_msg(f, _("%s has neither MX nor A/AAAA records: senders to it get \"Host or "
	    "domain name not found\", and receivers reject mail from it with \"554 5.1.8 Sender "
	    "address rejected: Domain not found\"."), run->domain);
	finding_fix(f, _("Publish an MX record for %s naming the mail server, and an A record "
	    "for that server."), run->domain);
	finding_ref(f, "RFC 5321 section 5.1");
	add_evidence(f, run->apex_evidence);
}

static void
maybe_finish_apex(struct mx_run *run)
{
	if (run->pending_apex == 0 && run->mx_status == DNS_NODATA)
		report_no_mx(run, 1);
	maybe_finish(run);
}

static void
on_apex_addr(const struct dns_answer *ans, void *arg)
{
	struct mx_run *run = arg;

	if (ans->qtype == LDNS_RR_TYPE_A)
		run->a_status = ans->status;
	else
		run->aaaa_status = ans->status;
	if (ans->status == DNS_OK)
		run->apex_has_addr = true;
	json_array_append_new(run->apex_evidence, dns_answer_evidence(ans));
	run->pending_apex--;
	maybe_finish_apex(run);
}

static void
on_mx(const struct dns_answer *ans, void *arg)
{
	struct mx_run *run = arg;
	const ldns_rr *rrs[MX_MAX_HOSTS];
	size_t n, i;
	struct finding *f;
	bool is_null = false;

	run->mx_status = ans->status;
	json_array_append_new(run->apex_evidence, dns_answer_evidence(ans));
	if (check_dns_failed(run->ctx, ans, _("the MX records"))) {
		/* nothing more to say about MX */
	} else if (ans->status == DNS_NXDOMAIN) {
		f = check_add(run->ctx, "domain.not-found", ST_FAIL, run->domain);
		finding_msg(f, _("%s does not exist in DNS (NXDOMAIN). Receiving servers reject "
		    "mail from it (\"554 5.1.8 Sender address rejected: Domain not found\") and "
		    "senders to it get \"Host or domain name not found\"."), run->domain);
		finding_fix(f, _("Register %s and publish its zone at the registrar's name servers, "
		    "or, if it is an internal (Active Directory) name, give users addresses in "
		    "the public mail domain instead."), run->domain);
		finding_ref(f, "RFC 5321 section 5.1");
		finding_ref(f, "RFC 1035 section 4.1.1");
		finding_dns(f, ans);
	} else if (ans->status == DNS_OK) {
		n = dns_answer_rrs(ans, LDNS_RR_TYPE_MX, rrs, MX_MAX_HOSTS);
		for (i = 0; i < n; i++) {
			char *target = dns_rdf_name(ldns_rr_rdf(rrs[i], 1));

			if (target != NULL && target[0] == '\0')
				is_null = true;
			free(target);
		}
		if (is_null) {
			report_null_mx(run, ans, n);
		} else {
			char list[1024] = "";
			size_t off = 0;

			for (i = 0; i < n; i++) {
				char *target = dns_rdf_name(ldns_rr_rdf(rrs[i], 1));
				unsigned pref = ldns_rdf2native_int16(ldns_rr_rdf(rrs[i], 0));
				int w;

				if (target == NULL)
					continue;
				w = snprintf(list + off, sizeof(list) - off, "%s%s (%u)",
				    off ? ", " : "", target, pref);
				if (w > 0 && (size_t)w < sizeof(list) - off)
					off += (size_t)w;
				start_host(run, target, pref, ans->depth);
				free(target);
			}
			f = check_add(run->ctx, "mx.present", ST_OK, run->domain);
			finding_msg(f, ngettext("%s has %zu MX record: %s.",
			    "%s has %zu MX records: %s.", n), run->domain, n, list);
			finding_dns(f, ans);
		}
	}
	run->pending_apex--;
	maybe_finish_apex(run);
}

static void
mx_start(struct check_ctx *ctx)
{
	struct mx_run *run = xcalloc(1, sizeof(*run));
	static const uint16_t types[] = { LDNS_RR_TYPE_MX, LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA };
	size_t i;

	run->ctx = ctx;
	run->domain = xstrdup(ctx->domain);
	run->apex_evidence = json_array();
	run->pending_apex = 3;
	/* MX and the implicit-MX fallback addresses are independent: ask all three at once. */
	for (i = 0; i < 3; i++) {
		if (dns_query(ctx->dns, ctx->domain, types[i], 0,
		    i == 0 ? on_mx : on_apex_addr, run) < 0)
			run->pending_apex--;
	}
	if (run->pending_apex == 0)
		run_free(run);
}

const struct check check_mx = {
	.name = "mx",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN,
	.start = mx_start,
};
