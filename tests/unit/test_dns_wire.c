/* Unit tests: the query packets dns.c writes itself are byte for byte those ldns writes
 * for the same question (header bits, name, OPT with DO), and names it leaves go to ldns;
 * replies read without the sections no one uses, malformed ones still refused. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"
#include "loop.h"

/* What dns.c wrote through ldns before: the reference. */
static uint8_t *
ldns_wire(const char *name, uint16_t type, unsigned flags, uint16_t id, size_t *len)
{
	ldns_rdf *dname = NULL;
	ldns_pkt *q;
	uint8_t *wire = NULL;

	assert_int_equal(ldns_str2rdf_dname(&dname, name[0] != '\0' ? name : "."),
	    LDNS_STATUS_OK);
	q = ldns_pkt_query_new(dname, type, LDNS_RR_CLASS_IN,
	    LDNS_RD | ((flags & DNS_Q_CD) ? LDNS_CD : 0));
	assert_non_null(q);
	if (flags & DNS_Q_DO)
		ldns_pkt_set_edns_do(q, true);
	ldns_pkt_set_ad(q, true);
	ldns_pkt_set_edns_udp_size(q, 1232);
	ldns_pkt_set_id(q, id);
	assert_int_equal(ldns_pkt2wire(&wire, q, len), LDNS_STATUS_OK);
	ldns_pkt_free(q);
	return wire;
}

static void
test_same_as_ldns(void **state)
{
	static const struct {
		const char *name;
		uint16_t type;
		unsigned flags;
	} cases[] = {
		{ "example.test", LDNS_RR_TYPE_MX, 0 },
		{ "", LDNS_RR_TYPE_NS, 0 },
		{ "_25._tcp.mx1.example.test", LDNS_RR_TYPE_TLSA, 0 },
		{ "example.test", LDNS_RR_TYPE_DNSKEY, DNS_Q_DO },
		{ "expired.test", LDNS_RR_TYPE_SOA, DNS_Q_CD | DNS_Q_DO },
		{ "7.100.51.198.in-addr.arpa", LDNS_RR_TYPE_PTR, 0 },
		{ "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z", LDNS_RR_TYPE_AAAA, DNS_Q_CD },
		{ "xn--wgv71a119e.test", LDNS_RR_TYPE_TXT, 0 },
		{ "0123456789012345678901234567890123456789012345678901234567890ab.test",
		    LDNS_RR_TYPE_A, 0 },
	};
	uint8_t buf[DNS_QUERY_WIRE_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t ref_len = 0, len;
		uint8_t *ref = ldns_wire(cases[i].name, cases[i].type, cases[i].flags, 0x1234,
		    &ref_len);

		len = dns_query_wire(cases[i].name, cases[i].type, cases[i].flags, 0x1234, buf,
		    sizeof(buf));
		if (len != ref_len || memcmp(buf, ref, len) != 0)
			fail_msg("%s/%u: %zu bytes, ldns %zu", cases[i].name, cases[i].type, len,
			    ref_len);
		free(ref);
	}
}

static void
test_left_to_ldns(void **state)
{
	static const char *const names[] = {
		"a\\.b.test",	/* an escaped dot */
		"a..b",
		"0123456789012345678901234567890123456789012345678901234567890abc.test",
	};
	uint8_t buf[DNS_QUERY_WIRE_MAX];
	char longname[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(dns_query_wire(names[i], LDNS_RR_TYPE_A, 0, 1, buf, sizeof(buf)),
		    0);
	/* 256 octets on the wire: one too many (RFC 1035 2.3.4) */
	memset(longname, 'a', sizeof(longname));
	for (i = 63; i < 250; i += 64)
		longname[i] = '.';
	longname[254] = '\0';
	assert_int_equal(dns_query_wire(longname, LDNS_RR_TYPE_A, 0, 1, buf, sizeof(buf)), 0);
	longname[253] = '\0';
	assert_int_not_equal(dns_query_wire(longname, LDNS_RR_TYPE_A, 0, 1, buf, sizeof(buf)), 0);
	assert_int_equal(dns_query_wire("example.test", LDNS_RR_TYPE_A, 0, 1, buf, 20), 0);
}

/* ldns_rr2str()'s text without its newline: the reference for dns_rr_text(). */
static char *
ldns_text(const ldns_rr *rr)
{
	char *t = ldns_rr2str(rr);

	assert_non_null(t);
	t[strcspn(t, "\n")] = '\0';
	return t;
}

/* dns_rdf_name() is ldns' text of the name, lower case, without the trailing dot. */
static void
name_same_as_ldns(const ldns_rdf *rdf)
{
	char *want = ldns_rdf2str(rdf), *got = dns_rdf_name(rdf), *p;
	size_t len;

	assert_non_null(want);
	assert_non_null(got);
	len = strlen(want);
	if (len > 0 && want[len - 1] == '.')
		want[len - 1] = '\0';
	for (p = want; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	assert_string_equal(got, want);
	free(want);
	free(got);
}

static void
test_rr_text_same_as_ldns(void **state)
{
	static const char *const plain[] = {
		"d0.bulk.test. 86372 IN A 10.71.0.1",
		"Mail-1.Example.test. 0 IN AAAA 2001:db8::25",
		"x.test. 4294967295 IN AAAA ::ffff:192.0.2.1",
		"x.test. 300 IN MX 10 mail0.d0.bulk.test.",
		"x.test. 300 IN MX 0 x_y.test.",
		"x.test. 300 IN CNAME other.test.",
		"x.test. 300 IN NS ns1.test.",
		"7.100.51.198.in-addr.arpa. 300 IN PTR client.lab.test.",
		"x.test. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"",
		"x.test. 300 IN TXT \"v=DKIM1; k=rsa; p=MIIB\" \"second part\" \"\"",
	};
	static const char *const left[] = {
		"x.test. 300 IN TXT \"a \\\"quoted\\\" word\"",
		"x.test. 300 IN TXT \"tab\\009here\"",
		"x.test. 300 IN TXT \"caf\\195\\169\"",
		"a\\.b.test. 300 IN A 192.0.2.1",
		"*.test. 300 IN A 192.0.2.1",
		". 300 IN NS a.root.test.",
		"x.test. 300 CH TXT \"chaos\"",
		"x.test. 300 IN SOA ns.test. host.test. 1 2 3 4 5",
		"x.test. 300 IN TLSA 3 1 1 0011223344556677889900112233445566778899001122334455667788990011",
	};
	char buf[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		ldns_rr *rr = NULL;
		char *want;

		assert_int_equal(ldns_rr_new_frm_str(&rr, plain[i], 0, NULL, NULL), LDNS_STATUS_OK);
		want = ldns_text(rr);
		assert_int_equal(dns_rr_text(rr, buf, sizeof(buf)), strlen(want));
		assert_string_equal(buf, want);
		/* too small a buffer: left to ldns, never cut */
		assert_int_equal(dns_rr_text(rr, buf, strlen(want)), 0);
		name_same_as_ldns(ldns_rr_owner(rr));
		free(want);
		ldns_rr_free(rr);
	}
	for (i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
		ldns_rr *rr = NULL;

		assert_int_equal(ldns_rr_new_frm_str(&rr, left[i], 0, NULL, NULL), LDNS_STATUS_OK);
		assert_int_equal(dns_rr_text(rr, buf, sizeof(buf)), 0);
		name_same_as_ldns(ldns_rr_owner(rr));
		ldns_rr_free(rr);
	}
}

/* Names and TXT strings of random bytes: dns_rr_text() writes ldns' text or leaves it. */
static void
test_rr_text_random(void **state)
{
	static const uint8_t pool[] = "abcXYZ019-_.\\\" ;()*@$\t\x01\x7f\x80\xc3\xa9";
	char buf[2048];
	unsigned seed = 19, round, written = 0;

	(void)state;
	for (round = 0; round < 3000; round++) {
		uint8_t wire[256], txt[64];
		size_t wl = 0, labels = 1 + rand_r(&seed) % 3, l, k, tl;
		ldns_rr *rr = ldns_rr_new();
		ldns_rdf *owner;
		size_t got;
		char *want;

		for (l = 0; l < labels; l++) {
			size_t n = 1 + rand_r(&seed) % 8;

			wire[wl++] = (uint8_t)n;
			for (k = 0; k < n; k++)
				wire[wl++] = rand_r(&seed) % 4 == 0 ?
				    pool[rand_r(&seed) % (sizeof(pool) - 1)] :
				    (uint8_t)('a' + rand_r(&seed) % 26);
		}
		wire[wl++] = 0;
		owner = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, wl, wire);
		assert_non_null(owner);
		ldns_rr_set_owner(rr, owner);
		ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
		ldns_rr_set_ttl(rr, (uint32_t)rand_r(&seed));
		if (round % 2 == 0) {
			ldns_rr_set_type(rr, LDNS_RR_TYPE_TXT);
			tl = (size_t)rand_r(&seed) % 20;
			txt[0] = (uint8_t)tl;
			for (k = 1; k <= tl; k++)
				txt[k] = rand_r(&seed) % 3 == 0 ?
				    pool[rand_r(&seed) % (sizeof(pool) - 1)] :
				    (uint8_t)(' ' + rand_r(&seed) % 95);
			ldns_rr_push_rdf(rr, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, tl + 1, txt));
		} else {
			ldns_rr_set_type(rr, LDNS_RR_TYPE_PTR);
			ldns_rr_push_rdf(rr, ldns_rdf_clone(owner));
		}
		name_same_as_ldns(owner);
		want = ldns_text(rr);
		got = dns_rr_text(rr, buf, sizeof(buf));
		if (got > 0) {
			assert_string_equal(buf, want);
			written++;
		}
		free(want);
		ldns_rr_free(rr);
	}
	/* the fast path was taken often enough to have been tested */
	assert_true(written > 300);
}

/* A reply served for every question: wire bytes with the query's ID put in. */
struct canned {
	const uint8_t *wire;
	size_t len;
};

static uint8_t *
canned_answer(void *arg, const uint8_t *query, size_t query_len, size_t *len, bool *timed_out)
{
	const struct canned *c = arg;
	uint8_t *w = malloc(c->len);

	(void)query_len;
	*timed_out = false;
	assert_non_null(w);
	memcpy(w, c->wire, c->len);
	memcpy(w, query, 2);
	*len = c->len;
	return w;
}

struct got {
	bool is_called;
	enum dns_status status;
	int rcode;
	size_t answers, authority;
	char error[64];
};

static void
keep_answer(const struct dns_answer *ans, void *arg)
{
	struct got *g = arg;

	g->is_called = true;
	g->status = ans->status;
	g->rcode = ans->rcode;
	g->answers = ans->pkt != NULL ? ldns_rr_list_rr_count(ldns_pkt_answer(ans->pkt)) : 0;
	g->authority = ans->pkt != NULL ?
	    ldns_rr_list_rr_count(ldns_pkt_authority(ans->pkt)) : 0;
	snprintf(g->error, sizeof(g->error), "%s", ans->error != NULL ? ans->error : "");
}

/* The answer the engine makes of wire for name/type asked with flags. */
static struct got
ask_canned(const uint8_t *wire, size_t len, unsigned flags)
{
	struct canned c = { wire, len };
	struct dns_backend be = { .answer = canned_answer, .arg = &c, .server = "canned" };
	struct dns_config cfg = { .backend = &be };
	struct loop *loop = loop_new();
	struct got g = { 0 };
	const char *why = NULL;
	int err = 0;
	struct dns *dns = dns_new(loop, &cfg, NULL, &err, &why);

	assert_non_null(dns);
	assert_int_equal(dns_query_flags(dns, "x.test", LDNS_RR_TYPE_A, flags, 0, keep_answer,
	    &g), 0);
	loop_run(loop);
	assert_true(g.is_called);
	dns_free(dns);
	loop_free(loop);
	return g;
}

/* A reply to x.test/A: rcode, the answer's records, the authority's, an OPT (ldns' wire). */
static uint8_t *
reply_wire(ldns_pkt_rcode rcode, const char *const *an, const char *const *ns, size_t *len)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *rr = NULL;
	uint8_t *wire = NULL;

	assert_non_null(p);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rd(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	assert_int_equal(ldns_rr_new_question_frm_str(&rr, "x.test. IN A", NULL, NULL),
	    LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, rr);
	for (; an != NULL && *an != NULL; an++) {
		assert_int_equal(ldns_rr_new_frm_str(&rr, *an, 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	}
	for (; ns != NULL && *ns != NULL; ns++) {
		assert_int_equal(ldns_rr_new_frm_str(&rr, *ns, 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr);
	}
	ldns_pkt_set_edns_udp_size(p, 1232);
	assert_int_equal(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return wire;
}

static void
test_reply_sections(void **state)
{
	static const char *const soa[] = {
		"test. 300 IN SOA ns.test. host.test. 1 7200 3600 1209600 300", NULL };
	static const char *const a[] = { "x.test. 300 IN A 192.0.2.1", NULL };
	static const char *const ns[] = { "test. 300 IN NS ns.test.", NULL };
	uint8_t *wire;
	size_t len;
	struct got g;

	(void)state;
	/* a negative answer: its SOA is not read, unless DNSSEC asks */
	wire = reply_wire(LDNS_RCODE_NXDOMAIN, NULL, soa, &len);
	g = ask_canned(wire, len, 0);
	assert_int_equal(g.status, DNS_NXDOMAIN);
	assert_int_equal(g.rcode, LDNS_RCODE_NXDOMAIN);
	assert_int_equal(g.answers, 0);
	assert_int_equal(g.authority, 0);
	g = ask_canned(wire, len, DNS_Q_CD | DNS_Q_DO);
	assert_int_equal(g.status, DNS_NXDOMAIN);
	assert_int_equal(g.authority, 1);
	/* the same reply cut inside the authority section: still malformed */
	g = ask_canned(wire, len - 15, 0);
	assert_int_equal(g.status, DNS_ERROR);
	assert_string_equal(g.error, "malformed reply");
	free(wire);
	/* records with an authority section */
	wire = reply_wire(LDNS_RCODE_NOERROR, a, ns, &len);
	g = ask_canned(wire, len, 0);
	assert_int_equal(g.status, DNS_OK);
	assert_int_equal(g.answers, 1);
	assert_int_equal(g.authority, 0);
	/* cut inside the answer */
	g = ask_canned(wire, 30, 0);
	assert_int_equal(g.status, DNS_ERROR);
	free(wire);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_ldns),
		cmocka_unit_test(test_left_to_ldns),
		cmocka_unit_test(test_rr_text_same_as_ldns),
		cmocka_unit_test(test_rr_text_random),
		cmocka_unit_test(test_reply_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
