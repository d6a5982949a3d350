/* Fuzz target: a DNS reply as a resolver (or whoever answers in its place) sends it. The
 * bytes are parsed by ldns_wire2pkt() as src/dns.c does, made into a struct dns_answer, and
 * read with the accessors every check uses (dns_answer_rrs, dns_rdf_name, dns_rdf_addr,
 * dns_rr_txt_joined), then kept as evidence (finding_dns) and rendered. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <ldns/ldns.h>

#include "dns.h"
#include "fuzz.h"
#include "render.h"
#include "report.h"

static const uint16_t types[] = {
	LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_MX, LDNS_RR_TYPE_TXT, LDNS_RR_TYPE_PTR,
	LDNS_RR_TYPE_CNAME, LDNS_RR_TYPE_NS, LDNS_RR_TYPE_SOA, LDNS_RR_TYPE_SPF,
	LDNS_RR_TYPE_SRV,
};

static void
read_rr(const ldns_rr *rr, struct finding *f)
{
	size_t i, n = ldns_rr_rd_count(rr);
	char *s;

	s = dns_rdf_name(ldns_rr_owner(rr));
	if (s != NULL)
		FUZZ_ASSERT(strlen(s) <= 4 * 255);
	free(s);
	for (i = 0; i < n; i++) {
		const ldns_rdf *rdf = ldns_rr_rdf(rr, i);

		s = dns_rdf_name(rdf);
		if (s != NULL) {
			/* Lower case, no trailing dot: what the checks compare and query. */
			FUZZ_ASSERT(s[0] == '\0' || s[strlen(s) - 1] != '.' ||
			    (strlen(s) > 1 && s[strlen(s) - 2] == '\\'));
			finding_evidence(f, "name %s", s);
		}
		free(s);
		s = dns_rdf_addr(rdf);
		if (s != NULL)
			finding_evidence(f, "addr %s", s);
		free(s);
	}
	/* A NULL rdf is what ldns_rr_rdf() gives past rd_count (empty RDATA). */
	FUZZ_ASSERT(dns_rdf_name(ldns_rr_rdf(rr, n)) == NULL);
	FUZZ_ASSERT(dns_rdf_addr(ldns_rr_rdf(rr, n)) == NULL);
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT || ldns_rr_get_type(rr) == LDNS_RR_TYPE_SPF) {
		s = dns_rr_txt_joined(rr, 4096);
		if (s != NULL) {
			finding_evidence(f, "txt %s", s);
			free(s);
		}
		s = dns_rr_txt_joined(rr, 7);
		if (s != NULL)
			FUZZ_ASSERT(strlen(s) <= 7);
		free(s);
	}
}

FUZZ_TARGET(dns)
{
	ldns_pkt *pkt = NULL;
	struct dns_answer ans;
	const ldns_rr *rrs[8];
	struct report *rep;
	struct finding *f;
	json_t *doc;
	char *qname = NULL;
	size_t t, i, n;

	if (ldns_wire2pkt(&pkt, data, size) != LDNS_STATUS_OK)
		return 0;
	memset(&ans, 0, sizeof(ans));
	ans.qtype = LDNS_RR_TYPE_MX;
	if (ldns_rr_list_rr_count(ldns_pkt_question(pkt)) > 0) {
		const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);

		qname = dns_rdf_name(ldns_rr_owner(q));
		ans.qtype = ldns_rr_get_type(q);
	}
	ans.qname = qname != NULL ? qname : "fuzz.test";
	ans.pkt = pkt;
	ans.rcode = ldns_pkt_get_rcode(pkt);
	ans.status = dns_status_from_pkt(pkt, ans.qtype);
	ans.is_authenticated = ldns_pkt_ad(pkt);
	ans.was_truncated = ldns_pkt_tc(pkt);
	ans.server = "192.0.2.54:53";
	ans.ms = 12;
	ans.depth = 1;

	rep = report_new("check", ans.qname);
	f = report_add(rep, "fuzz.dns", ST_INFO, ans.qname);
	finding_dns(f, &ans);
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		n = dns_answer_rrs(&ans, types[t], rrs, 8);
		FUZZ_ASSERT(n <= 8);
		for (i = 0; i < n; i++) {
			FUZZ_ASSERT(ldns_rr_get_type(rrs[i]) == types[t]);
			read_rr(rrs[i], f);
		}
	}
	n = dns_answer_rrs(&ans, ans.qtype, rrs, 1);
	FUZZ_ASSERT(n <= 1);
	doc = dns_answer_evidence(&ans);
	json_decref(doc);
	report_finish(rep);
	doc = render_json_doc(rep);
	FUZZ_ASSERT(doc != NULL);
	json_decref(doc);
	report_free(rep);
	free(qname);
	ldns_pkt_free(pkt);
	return 0;
}
