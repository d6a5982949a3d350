/* Unit tests: the query packets dns.c writes itself are byte for byte those ldns writes
 * for the same question (header bits, name, OPT with DO), and names it leaves go to ldns. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_ldns),
		cmocka_unit_test(test_left_to_ldns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
