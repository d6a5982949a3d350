/* Reverse DNS: PTR present, forward-confirmed (FCrDNS), single, not generic, for the sending
 * address (--ip), for every MX host address (mail servers usually send from them too), and,
 * when mail is relayed, for the addresses receivers will see (the relays fact). */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dns.h"
#include "dns_target.h"
#include "facts.h"
#include "i18n.h"
#include "names.h"
#include "report.h"
#include "xmalloc.h"

#define PTR_MAX_NAMES 8		/* a PTR set larger than this is itself the finding */
#define PTR_MAX_MX 10
#define PTR_MAX_ADDRS 4		/* per MX host */

struct ptr_probe {
	struct check_ctx *ctx;
	char *ip;
	char *mx_host;		/* NULL for the sending address */
	bool is_relay;		/* an address of the relay mail goes out through */
	int family;
	char *names[PTR_MAX_NAMES];
	bool confirmed[PTR_MAX_NAMES], has_forward[PTR_MAX_NAMES];
	size_t nnames, total_names;
	int pending;
	bool is_unknown;
	/* the PTR answer and its names' A/AAAA, borrowed from the engine for the run */
	struct dns_answer answers[1 + PTR_MAX_NAMES];
	size_t nanswers;
};

static void
probe_free(struct ptr_probe *p)
{
	size_t i;

	for (i = 0; i < p->nnames; i++)
		free(p->names[i]);
	free(p->ip);
	free(p->mx_host);
	free(p);
}

static void
keep_answer(struct ptr_probe *p, const struct dns_answer *ans)
{
	if (p->nanswers < sizeof(p->answers) / sizeof(p->answers[0]))
		p->answers[p->nanswers++] = *ans;
}

static struct finding *
add(struct ptr_probe *p, const char *id, enum status st)
{
	struct finding *f = check_add(p->ctx, id, st, p->ip);
	size_t i;

	for (i = 0; i < p->nanswers; i++)
		finding_dns(f, &p->answers[i]);
	finding_ref(f, "RFC 1912 section 2.1");
	finding_ref(f, "RFC 8601 section 2.7.3");
	return f;
}

/* The sending address is what receivers judge: its faults FAIL. An MX host's only WARN,
 * and a relay's too: it is the relay operator's to fix, or a reason to choose another. */
static enum status
severity(const struct ptr_probe *p, enum status st)
{
	return (p->mx_host != NULL || p->is_relay) && st == ST_FAIL ? ST_WARN : st;
}

static const char *
role(const struct ptr_probe *p)
{
	if (p->is_relay)
		return _("relay address");
	return p->mx_host != NULL ? _("MX host address") : _("sending address");
}

static void
evaluate(struct ptr_probe *p)
{
	struct finding *f;
	size_t i, confirmed = SIZE_MAX;
	char why[96];
	const char *generic;

	for (i = 0; i < p->nnames; i++) {
		if (p->confirmed[i]) {
			confirmed = i;
			break;
		}
	}
	if (p->total_names > 1) {
		f = add(p, "ptr.multiple", ST_WARN);
		finding_msg(f, _("%s %s has %zu PTR records; receivers pick one at random, so "
		    "forward confirmation can fail at random."), role(p), p->ip, p->total_names);
		finding_fix(f, _("Keep a single PTR record naming the mail server."));
	}
	if (confirmed == SIZE_MAX) {
		bool any_forward = false;

		for (i = 0; i < p->nnames; i++)
			any_forward |= p->has_forward[i];
		if (p->is_unknown)
			return;
		if (!any_forward) {
			f = add(p, "ptr.no-forward", severity(p, ST_FAIL));
			finding_msg(f, _("%s %s has PTR %s, but that name has no %s record: the "
			    "reverse name is not forward-confirmed, and receivers such as Gmail and "
			    "Outlook.com reject or defer mail from it."), role(p), p->ip,
			    p->names[0], p->family == AF_INET ? "A" : "AAAA");
			finding_fix(f, _("Publish \"%s %s %s\" in the forward zone, or have the PTR "
			    "changed to a name that resolves to %s."), p->names[0],
			    p->family == AF_INET ? "A" : "AAAA", p->ip, p->ip);
		} else {
			f = add(p, "ptr.not-confirmed", severity(p, ST_FAIL));
			finding_msg(f, _("%s %s has PTR %s, but %s does not resolve back to %s "
			    "(not forward-confirmed); receivers reject or defer such mail."), role(p),
			    p->ip, p->names[0], p->names[0], p->ip);
			finding_fix(f, _("Make the PTR name's address record include %s, or ask the "
			    "owner of the address block (ISP/hosting provider) to set a PTR that "
			    "does."), p->ip);
		}
		return;
	}
	generic = names_generic_reason(p->names[confirmed], p->ip, why, sizeof(why));
	if (generic != NULL) {
		f = add(p, "ptr.generic", severity(p, ST_WARN));
		finding_msg(f, _("%s %s has the reverse name %s, which looks generic (%s): many "
		    "receivers (Gmail, Outlook.com, Japanese ISPs) treat such names as dynamic "
		    "consumer lines and reject or junk their mail."), role(p), p->ip,
		    p->names[confirmed], generic);
		finding_fix(f, _("Ask the ISP for a fixed address with a custom PTR (e.g. "
		    "mail.yourdomain) that resolves back, or send through the ISP's smarthost "
		    "instead (mxdiag smarthost)."));
		finding_data(f, "ptr", json_string(p->names[confirmed]));
		return;
	}
	f = add(p, "ptr.confirmed", ST_OK);
	finding_msg(f, _("%s %s has PTR %s, which resolves back to it (forward-confirmed)."),
	    role(p), p->ip, p->names[confirmed]);
	finding_data(f, "ptr", json_string(p->names[confirmed]));
}

static void
on_forward(const struct dns_answer *ans, void *arg)
{
	struct ptr_probe *p = arg;
	const ldns_rr *rrs[16];
	size_t n, i, k;

	keep_answer(p, ans);
	for (k = 0; k < p->nnames; k++)
		if (strcmp(p->names[k], ans->qname) == 0)
			break;
	if (check_dns_failed(p->ctx, ans, _("the PTR name's address"))) {
		p->is_unknown = true;
	} else if (k < p->nnames) {
		n = dns_answer_rrs(ans, ans->qtype, rrs, 16);
		for (i = 0; i < n; i++) {
			char *addr = dns_rdf_addr(ldns_rr_rdf(rrs[i], 0));
			unsigned char a[16], b[16];

			p->has_forward[k] = true;
			/* Compare binary forms: "2001:db8::25" and "2001:0db8::0025" are one address. */
			if (addr != NULL && inet_pton(p->family, addr, a) == 1 &&
			    inet_pton(p->family, p->ip, b) == 1 &&
			    memcmp(a, b, p->family == AF_INET ? 4 : 16) == 0)
				p->confirmed[k] = true;
			free(addr);
		}
	}
	if (--p->pending == 0) {
		evaluate(p);
		probe_free(p);
	}
}

static void
on_ptr(const struct dns_answer *ans, void *arg)
{
	struct ptr_probe *p = arg;
	const ldns_rr *rrs[PTR_MAX_NAMES];
	struct finding *f;
	size_t n, i;

	keep_answer(p, ans);
	if (check_dns_failed(p->ctx, ans, _("reverse DNS"))) {
		probe_free(p);
		return;
	}
	if (ans->status == DNS_NXDOMAIN || ans->status == DNS_NODATA) {
		f = add(p, "ptr.missing", severity(p, ST_FAIL));
		finding_msg(f, _("%s %s has no PTR (reverse DNS) record. Gmail, Outlook.com and "
		    "many Japanese ISPs reject or defer mail from addresses without one "
		    "(\"550 5.7.1 ... no PTR record\", \"450 4.7.1 Client host rejected: cannot "
		    "find your hostname\")."), role(p), p->ip);
		finding_fix(f, _("Ask whoever owns the address (ISP or hosting provider) for a PTR "
		    "naming your mail server, e.g. mail.%s, with a matching A record; if that is "
		    "impossible (dynamic consumer line), send through the ISP's smarthost."),
		    p->ctx->domain);
		probe_free(p);
		return;
	}
	n = dns_answer_rrs(ans, LDNS_RR_TYPE_PTR, rrs, PTR_MAX_NAMES);
	p->total_names = n;
	for (i = 0; i < n; i++) {
		char *name = dns_rdf_name(ldns_rr_rdf(rrs[i], 0));

		if (name != NULL)
			p->names[p->nnames++] = name;
	}
	p->pending = (int)p->nnames;
	for (i = 0; i < p->nnames; i++) {
		if (dns_query(p->ctx->dns, p->names[i], p->family == AF_INET ?
		    LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA, ans->depth, on_forward, p) < 0)
			p->pending--;
	}
	if (p->pending == 0) {
		evaluate(p);
		probe_free(p);
	}
}

static struct ptr_probe *
probe_start(struct check_ctx *ctx, const char *ip, const char *mx_host, unsigned depth)
{
	struct ptr_probe *p;
	unsigned char a[16];
	char *rev = dns_reverse_name(ip);

	if (rev == NULL)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->ctx = ctx;
	p->ip = xstrdup(ip);
	p->mx_host = xstrdup(mx_host);
	p->family = inet_pton(AF_INET, ip, a) == 1 ? AF_INET : AF_INET6;
	if (dns_query(ctx->dns, rev, LDNS_RR_TYPE_PTR, depth, on_ptr, p) < 0) {
		probe_free(p);
		p = NULL;
	}
	free(rev);
	return p;
}

/* MX hosts -> addresses (the one resolver, dns_target_mx()) -> one probe per address, asked
 * at the depth of the address answer that caused it. MX failures and the implicit MX are
 * the mx check's to report. */
static void
on_mx(struct dns_target_mx *mx, void *arg)
{
	struct check_ctx *ctx = arg;
	size_t i, j;

	for (i = 0; !mx->is_implicit && i < mx->nhosts && i < PTR_MAX_MX; i++) {
		const struct dns_target_host *h = &mx->hosts[i];
		size_t n4 = 0, n6 = 0;

		for (j = 0; j < h->naddrs; j++) {
			const char *addr = h->addrs[j];
			bool is_v6 = strchr(addr, ':') != NULL;

			if (is_v6 ? n6++ >= PTR_MAX_ADDRS : n4++ >= PTR_MAX_ADDRS)
				continue;
			/* The sending address gets its own probe with the stricter verdict. */
			if (ctx->ip == NULL || strcmp(addr, ctx->ip) != 0)
				probe_start(ctx, addr, h->name, h->depth);
		}
	}
	dns_target_mx_free(mx);
}

/* Relayed mail reaches receivers from the relay's addresses: theirs are judged too
 * (checks/path.c makes the server's own INFO then), once smarthost has found them. */
static void
on_relays(void *arg)
{
	struct check_ctx *ctx = arg;
	const struct relay_fact *r = check_fact_best_relay(ctx->facts);
	size_t i;

	for (i = 0; r != NULL && i < r->naddrs; i++) {
		struct ptr_probe *p;

		if (ctx->ip != NULL && strcmp(r->addrs[i], ctx->ip) == 0)
			continue;
		p = probe_start(ctx, r->addrs[i], NULL, 0);
		if (p != NULL)
			p->is_relay = true;
	}
}

/* The sending address and the MX hosts at once; the relays' addresses when they are in,
 * so that the lookups of its own never wait for the smarthost sessions. */
static void
ptr_start(struct check_ctx *ctx)
{
	if (ctx->ip != NULL)
		probe_start(ctx, ctx->ip, NULL, 0);
	dns_target_mx(ctx->dns, ctx->domain, PTR_MAX_MX, on_mx, ctx);
	check_await(ctx, CHECK_FACT_RELAYS, on_relays, ctx);
}

const struct check check_ptr = {
	.name = "ptr",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN,
	.awaits = CHECK_FACT_RELAYS,	/* the relays' addresses, when smarthost runs beside */
	.start = ptr_start,
};
