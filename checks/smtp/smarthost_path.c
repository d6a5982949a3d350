/* The path mail takes through a relay: whether a relay that took mail without AUTH trusts
 * our line or anyone (the PTR name of our address against the relay's domain), and the
 * addresses receivers will see (--relay-ip, else the relay domain's own SPF hosts, else the
 * address dialled), published as the run's relay facts. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "facts.h"
#include "probe.h"
#include "report.h"
#include "run.h"
#include "smarthost_report.h"
#include "spf_parse.h"
#include "xmalloc.h"

/* The name a relay goes by: the candidate's, or for an address its greeting's. */
static void
relay_name(const struct sh_ep *ep, char *buf, size_t len)
{
	if (!ep->cand->is_ip)
		snprintf(buf, len, "%s", ep->cand->host);
	else
		smtp_result_banner_name(ep->res, buf, len);
}

static void
on_ptr(const struct dns_answer *ans, void *arg)
{
	struct sh_ep *ep = arg;
	const ldns_rr *rr[1];
	char name[256];

	ep->trust = SH_TRUST_NO_NAME;
	if (dns_answer_rrs(ans, LDNS_RR_TYPE_PTR, rr, 1) == 1) {
		ep->ptr_name = dns_rdf_name(ldns_rr_rdf(rr[0], 0));
		relay_name(ep, name, sizeof(name));
		/* An ISP relays for its own lines, whose names are in its domain. */
		ep->trust = probe_names_related(ep->ptr_name, name) ? SH_TRUST_CUSTOMER :
		    SH_TRUST_STRANGER;
	}
	session_end(&ep->cand->run->sess);
}

void
smarthost_ask_trust(struct sh_run *run, struct sh_ep *ep)
{
	const char *ip = run->our_ip != NULL ? run->our_ip : ep->res->local_addr;
	char *rev = dns_reverse_name(ip);

	ep->ptr_of = xstrdup(ip);
	ep->trust = SH_TRUST_NO_NAME;
	if (rev == NULL)
		return;
	ep->trust = SH_TRUST_ASKING;
	session_begin(&run->sess);
	if (dns_query(run->ctx->dns, rev, LDNS_RR_TYPE_PTR, 0, on_ptr, ep) != 0) {
		ep->trust = SH_TRUST_NO_NAME;
		session_end(&run->sess);
	}
	free(rev);
}

/* The host addresses an SPF record lists itself (ip4:/ip6: without a shorter prefix): the
 * relay operator's outbound servers, as far as one record shows them. */
static void
take_spf_hosts(struct sh_cand *c, const struct spf_record *rec)
{
	size_t i;

	for (i = 0; i < rec->n_terms && c->nspf_addrs < RELAY_FACT_ADDRS; i++) {
		const struct spf_term *t = &rec->terms[i];
		char buf[INET6_ADDRSTRLEN];

		if (t->qualifier != SPF_PASS)
			continue;
		if (t->mech == SPF_MECH_IP4 && t->cidr4 == 32)
			inet_ntop(AF_INET, t->net, buf, sizeof(buf));
		else if (t->mech == SPF_MECH_IP6 && t->cidr6 == 128)
			inet_ntop(AF_INET6, t->net, buf, sizeof(buf));
		else
			continue;
		c->spf_addrs[c->nspf_addrs++] = xstrdup(buf);
	}
}

static void
on_relay_txt(const struct dns_answer *ans, void *arg)
{
	struct sh_cand *c = arg;
	const ldns_rr *rrs[16];
	struct spf_record *rec = NULL;
	size_t n = dns_answer_rrs(ans, LDNS_RR_TYPE_TXT, rrs, 16), i, nspf = 0;
	char why[128];

	for (i = 0; i < n; i++) {
		size_t len;
		char *txt = dns_rr_txt_join(rrs[i], SPF_RECORD_MAX, &len);

		if (txt != NULL && spf_is_spf1(txt, len)) {
			nspf++;
			spf_record_free(rec);
			rec = NULL;
			if (spf_record_parse(txt, len, &rec, why, sizeof(why)) != 0)
				rec = NULL;
		}
		free(txt);
	}
	/* RFC 7208 4.5: two records are no record. */
	if (rec != NULL && nspf == 1)
		take_spf_hosts(c, rec);
	spf_record_free(rec);
	session_end(&c->run->sess);
}

static bool
has_given_ips(const struct sh_run *run)
{
	return run->nspf > 0 && run->spf[0].is_given;
}

void
smarthost_ask_relay_addrs(struct sh_run *run)
{
	size_t i;

	if (has_given_ips(run))
		return;
	for (i = 0; i < run->ncands; i++) {
		struct sh_cand *c = &run->cands[i];
		const char *dom = c->is_ip ? NULL : probe_operator_domain(c->host);

		if (dom == NULL || c->unresolved != NULL)
			continue;
		session_begin(&run->sess);
		if (dns_query(run->ctx->dns, dom, LDNS_RR_TYPE_TXT, 0, on_relay_txt, c) != 0)
			session_end(&run->sess);
	}
}

static void
fill_addrs(const struct sh_run *run, const struct sh_ep *ep, struct relay_fact *rf)
{
	size_t i;

	if (has_given_ips(run)) {
		for (i = 0; i < run->nspf && rf->naddrs < RELAY_FACT_ADDRS; i++)
			if (run->spf[i].is_given)
				snprintf(rf->addrs[rf->naddrs++], sizeof(rf->addrs[0]), "%s",
				    run->spf[i].ip);
		return;
	}
	rf->is_addr_approx = true;
	for (i = 0; i < ep->cand->nspf_addrs; i++)
		snprintf(rf->addrs[rf->naddrs++], sizeof(rf->addrs[0]), "%s",
		    ep->cand->spf_addrs[i]);
	if (rf->naddrs == 0)
		snprintf(rf->addrs[rf->naddrs++], sizeof(rf->addrs[0]), "%s", ep->addr);
}

static json_t *
fact_json(const struct relay_fact *rf)
{
	json_t *o = json_object(), *a = json_array();
	size_t i;

	json_object_set_new(o, "host", json_string(rf->host));
	json_object_set_new(o, "port", json_integer(rf->port));
	json_object_set_new(o, "works", json_boolean(rf->works));
	json_object_set_new(o, "tls", json_boolean(rf->is_tls));
	json_object_set_new(o, "auth", json_boolean(rf->is_auth));
	for (i = 0; i < rf->naddrs; i++)
		json_array_append_new(a, json_string(rf->addrs[i]));
	json_object_set_new(o, "addresses", a);
	json_object_set_new(o, "addresses_approx", json_boolean(rf->is_addr_approx));
	return o;
}

void
smarthost_publish(struct sh_run *run)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < run->neps && i < RELAY_FACT_MAX; i++) {
		const struct sh_ep *ep = run->order[i];
		struct relay_fact rf = { 0 };

		snprintf(rf.host, sizeof(rf.host), "%s", ep->cand->host);
		rf.port = ep->port;
		rf.works = ep->outcome == SH_WORKS;
		rf.is_tls = ep->res->tls_active;
		rf.is_auth = ep->res->auth == SMTP_AUTH_OK;
		fill_addrs(run, ep, &rf);
		if (run->facts != NULL)
			check_fact_relay(run->facts, &rf);
		json_array_append_new(list, fact_json(&rf));
	}
	/* The same facts in JSON, for whoever configures the path from them. */
	report_set_extra(run->ctx->rep, "relays", list);
}

void
smarthost_path_free(struct sh_run *run)
{
	size_t i, k;

	for (i = 0; i < run->neps; i++) {
		free(run->eps[i].ptr_name);
		free(run->eps[i].ptr_of);
	}
	for (i = 0; i < run->ncands; i++)
		for (k = 0; k < run->cands[i].nspf_addrs; k++)
			free(run->cands[i].spf_addrs[k]);
}
