/* A zone served in-process through the DNS engine's backend hook, and a registry run of
 * diagnoses against it (dns_zone.h). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns_zone.h"
#include "loop.h"
#include "report.h"
#include "tls.h"
#include "xmalloc.h"

#define ZONE_CNAME_MAX 8	/* hops followed before answering with what was found */

enum zfail { ZF_SERVFAIL, ZF_REFUSED, ZF_TIMEOUT, ZF_SECURE, ZF_BOGUS };

struct zfail_rule {
	enum zfail kind;
	ldns_rdf *name;
	uint16_t type;		/* 0: every type */
};

struct zone {
	ldns_rr_list *rrs;
	struct zfail_rule *fails;
	size_t nfails;
	unsigned queries;
};

static bool
parse_fail(struct zone *z, const char *line)
{
	static const char *const kinds[] = { "SERVFAIL ", "REFUSED ", "TIMEOUT ", "SECURE ",
	    "BOGUS " };
	char name[256], type[16] = "ANY";
	size_t k;

	for (k = 0; k < 5; k++)
		if (strncmp(line, kinds[k], strlen(kinds[k])) == 0)
			break;
	if (k == 5)
		return false;
	/* SECURE and BOGUS name a whole subtree (a signed zone), no type */
	if (k >= ZF_SECURE ? sscanf(line + strlen(kinds[k]), "%255s", name) != 1 :
	    sscanf(line + strlen(kinds[k]), "%255s %15s", name, type) != 2)
		fail_msg("zone: bad failure line: %s", line);
	z->fails = xrealloc(z->fails, (z->nfails + 1) * sizeof(*z->fails));
	z->fails[z->nfails].kind = (enum zfail)k;
	z->fails[z->nfails].name = ldns_dname_new_frm_str(name);
	z->fails[z->nfails].type = strcmp(type, "ANY") == 0 ? 0 : ldns_get_rr_type_by_name(type);
	if (z->fails[z->nfails].name == NULL)
		fail_msg("zone: bad name in: %s", line);
	z->nfails++;
	return true;
}

struct zone *
zone_new(const char *text)
{
	struct zone *z = xcalloc(1, sizeof(*z));
	const char *p = text;

	z->rrs = ldns_rr_list_new();
	while (*p != '\0') {
		size_t len = strcspn(p, "\n");
		char *line = xstrndup(p, len);
		char *s = line + strspn(line, " \t");

		p += len + (p[len] == '\n');
		if (*s != '\0' && *s != ';' && !parse_fail(z, s)) {
			ldns_rr *rr = NULL;

			if (ldns_rr_new_frm_str(&rr, s, 300, NULL, NULL) != LDNS_STATUS_OK)
				fail_msg("zone: cannot parse: %s", s);
			ldns_rr_list_push_rr(z->rrs, rr);
		}
		free(line);
	}
	return z;
}

void
zone_free(struct zone *z)
{
	size_t i;

	if (z == NULL)
		return;
	for (i = 0; i < z->nfails; i++)
		ldns_rdf_deep_free(z->fails[i].name);
	free(z->fails);
	ldns_rr_list_deep_free(z->rrs);
	free(z);
}

unsigned
zone_queries(const struct zone *z)
{
	return z->queries;
}

static const struct zfail_rule *
find_fail(const struct zone *z, const ldns_rdf *name, uint16_t type)
{
	size_t i;

	for (i = 0; i < z->nfails; i++)
		if (z->fails[i].kind < ZF_SECURE && (z->fails[i].type == 0 ||
		    z->fails[i].type == type) && ldns_dname_compare(z->fails[i].name, name) == 0)
			return &z->fails[i];
	return NULL;
}

/* The SECURE or BOGUS rule whose subtree holds name, or NULL (unsigned). */
static const struct zfail_rule *
find_signed(const struct zone *z, const ldns_rdf *name)
{
	size_t i;

	for (i = 0; i < z->nfails; i++)
		if (z->fails[i].kind >= ZF_SECURE &&
		    (ldns_dname_compare(z->fails[i].name, name) == 0 ||
		    ldns_dname_is_subdomain(name, z->fails[i].name)))
			return &z->fails[i];
	return NULL;
}

/* The name owns records, or names below it do (an empty non-terminal): NODATA, not
 * NXDOMAIN (RFC 8020). */
static bool
name_exists(const struct zone *z, const ldns_rdf *name)
{
	size_t i, n = ldns_rr_list_rr_count(z->rrs);

	for (i = 0; i < n; i++) {
		const ldns_rdf *owner = ldns_rr_owner(ldns_rr_list_rr(z->rrs, i));

		if (ldns_dname_compare(owner, name) == 0 || ldns_dname_is_subdomain(owner, name))
			return true;
	}
	return false;
}

/* Records of name and type into reply; returns how many, or the CNAME met at name
 * (through *cname, borrowed) when there are none. */
static size_t
push_records(const struct zone *z, ldns_pkt *reply, const ldns_rdf *name, uint16_t type,
    const ldns_rr **cname)
{
	size_t i, k = 0, n = ldns_rr_list_rr_count(z->rrs);

	*cname = NULL;
	for (i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(z->rrs, i);

		if (ldns_dname_compare(ldns_rr_owner(rr), name) != 0)
			continue;
		if (ldns_rr_get_type(rr) == type) {
			ldns_pkt_push_rr(reply, LDNS_SECTION_ANSWER, ldns_rr_clone(rr));
			k++;
		} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME) {
			*cname = rr;
		}
	}
	return k;
}

/* Answer as a recursive resolver would; NULL with *timed_out for a TIMEOUT line. */
static uint8_t *
zone_answer(void *arg, const uint8_t *query, size_t query_len, size_t *len, bool *timed_out)
{
	struct zone *z = arg;
	ldns_pkt *q = NULL, *reply;
	const ldns_rr *question, *cname;
	const struct zfail_rule *sig;
	const ldns_rdf *name;
	uint16_t type;
	uint8_t *wire = NULL;
	int hops;

	z->queries++;
	if (ldns_wire2pkt(&q, query, query_len) != LDNS_STATUS_OK)
		fail_msg("zone: the engine sent a malformed query");
	question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	type = ldns_rr_get_type(question);
	reply = ldns_pkt_new();
	ldns_pkt_set_id(reply, ldns_pkt_id(q));
	ldns_pkt_set_qr(reply, true);
	ldns_pkt_set_rd(reply, true);
	ldns_pkt_set_ra(reply, true);
	ldns_pkt_push_rr(reply, LDNS_SECTION_QUESTION, ldns_rr_clone(question));
	name = ldns_rr_owner(question);
	sig = find_signed(z, name);
	/* a validating resolver: AD for a secure subtree, SERVFAIL for a bogus one unless
	 * the question disabled checking (CD) */
	if (sig != NULL && sig->kind == ZF_BOGUS && !ldns_pkt_cd(q)) {
		ldns_pkt_set_rcode(reply, LDNS_RCODE_SERVFAIL);
		goto wire;
	}
	if (sig != NULL && sig->kind == ZF_SECURE)
		ldns_pkt_set_ad(reply, true);
	for (hops = 0; hops <= ZONE_CNAME_MAX; hops++) {
		const struct zfail_rule *f = find_fail(z, name, type);

		if (f != NULL && f->kind == ZF_TIMEOUT) {
			*timed_out = true;
			goto out;
		}
		if (f != NULL) {
			ldns_pkt_set_rcode(reply, f->kind == ZF_SERVFAIL ? LDNS_RCODE_SERVFAIL :
			    LDNS_RCODE_REFUSED);
			break;
		}
		if (push_records(z, reply, name, type, &cname) > 0)
			break;
		if (cname == NULL || type == LDNS_RR_TYPE_CNAME) {
			if (!name_exists(z, name))
				ldns_pkt_set_rcode(reply, LDNS_RCODE_NXDOMAIN);
			break;
		}
		ldns_pkt_push_rr(reply, LDNS_SECTION_ANSWER, ldns_rr_clone(cname));
		name = ldns_rr_rdf(cname, 0);
	}
wire:
	if (ldns_pkt2wire(&wire, reply, len) != LDNS_STATUS_OK)
		fail_msg("zone: cannot build a reply");
out:
	ldns_pkt_free(reply);
	ldns_pkt_free(q);
	return wire;
}

void
zone_run_open(struct zone_run *r, const char *zone_text, const char *target)
{
	struct dns_config cfg = { 0 };
	const char *why = NULL;
	int err = 0;

	memset(r, 0, sizeof(*r));
	r->zone = zone_new(zone_text);
	r->backend.answer = zone_answer;
	r->backend.arg = r->zone;
	r->backend.server = "zone";
	r->g.timeout_ms = 1000;
	r->ctx.g = &r->g;
	r->ctx.loop = loop_new();
	r->ctx.rep = report_new("check", target);
	cfg.backend = &r->backend;
	r->ctx.dns = dns_new(r->ctx.loop, &cfg, &report_stats(r->ctx.rep)->dns, &err, &why);
	assert_non_null(r->ctx.dns);
}

void
zone_run(struct zone_run *r, const char *zone_text, const struct check_inputs *in,
    const char *const *names, size_t n)
{
	struct check_run *cr;

	zone_run_open(r, zone_text, in->domain != NULL ? in->domain : "-");
	cr = checks_run(&r->ctx, in, names, n, false, NULL);
	loop_run(r->ctx.loop);
	check_run_free(cr);
}

void
zone_run_free(struct zone_run *r)
{
	dns_free(r->ctx.dns);
	tls_client_free(r->ctx.tls);	/* an SMTP probe run in a test made it */
	loop_free(r->ctx.loop);
	report_free(r->ctx.rep);
	zone_free(r->zone);
}

int
zone_status(const struct zone_run *r, const char *id, const char *subject)
{
	size_t i;

	for (i = 0; i < report_count(r->ctx.rep); i++) {
		const struct finding *f = report_finding(r->ctx.rep, i);

		if (strcmp(finding_id(f), id) == 0 &&
		    (subject == NULL || strcmp(finding_subject(f), subject) == 0))
			return (int)finding_status(f);
	}
	return -1;
}

size_t
zone_count(const struct zone_run *r, const char *id)
{
	size_t i, k = 0;

	for (i = 0; i < report_count(r->ctx.rep); i++)
		if (strcmp(finding_id(report_finding(r->ctx.rep, i)), id) == 0)
			k++;
	return k;
}

static void
print_findings(const struct zone_run *r)
{
	size_t i;

	for (i = 0; i < report_count(r->ctx.rep); i++) {
		const struct finding *f = report_finding(r->ctx.rep, i);

		print_error("  have %s %s %s\n", finding_id(f), status_name(finding_status(f)),
		    finding_subject(f));
	}
}

void
zone_assert(const struct zone_run *r, const char *id, const char *subject, int status)
{
	int st = zone_status(r, id, subject);

	if (st == status)
		return;
	print_error("want %s %s %s, got %s\n", id, status_name((enum status)status),
	    subject != NULL ? subject : "(any subject)",
	    st < 0 ? "none" : status_name((enum status)st));
	print_findings(r);
	fail();
}

void
zone_assert_none(const struct zone_run *r, const char *id)
{
	if (zone_count(r, id) == 0)
		return;
	print_error("want no %s\n", id);
	print_findings(r);
	fail();
}
