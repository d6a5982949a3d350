/* The one resolver of mail targets (src/dns/dns_target.c) against zones served in-process:
 * the A+AAAA merge rule, address order, aliases, MX order and bounds, answer depth. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns_target.h"
#include "dns_zone.h"
#include "loop.h"
#include "report.h"

static void
keep_host(struct dns_target_host *h, void *arg)
{
	*(struct dns_target_host **)arg = h;
}

static void
keep_mx(struct dns_target_mx *mx, void *arg)
{
	*(struct dns_target_mx **)arg = mx;
}

/* name's A+AAAA in zone, asked at parent depth depth; the caller frees r and the host. */
static struct dns_target_host *
resolve(struct zone_run *r, const char *zone, const char *name, unsigned depth)
{
	struct dns_target_host *h = NULL;

	zone_run_open(r, zone, name);
	assert_int_equal(dns_target_host(r->ctx.dns, name, depth, keep_host, &h), 0);
	assert_null(h);		/* never called inside the call */
	loop_run(r->ctx.loop);
	assert_non_null(h);
	return h;
}

static struct dns_target_mx *
resolve_mx(struct zone_run *r, const char *zone, size_t max_hosts)
{
	struct dns_target_mx *mx = NULL;

	zone_run_open(r, zone, "t.test");
	assert_int_equal(dns_target_mx(r->ctx.dns, "t.test", max_hosts, keep_mx, &mx), 0);
	loop_run(r->ctx.loop);
	assert_non_null(mx);
	return mx;
}

static void
test_merge_table(void **state)
{
	(void)state;
	assert_int_equal(dns_status_merge(DNS_OK, DNS_SERVFAIL), DNS_OK);
	assert_int_equal(dns_status_merge(DNS_TIMEOUT, DNS_OK), DNS_OK);
	assert_int_equal(dns_status_merge(DNS_NXDOMAIN, DNS_NXDOMAIN), DNS_NXDOMAIN);
	assert_int_equal(dns_status_merge(DNS_NODATA, DNS_NXDOMAIN), DNS_NODATA);
	assert_int_equal(dns_status_merge(DNS_NODATA, DNS_NODATA), DNS_NODATA);
	/* Not-found only when every query says so: one failure makes the host a failure. */
	assert_int_equal(dns_status_merge(DNS_NXDOMAIN, DNS_SERVFAIL), DNS_SERVFAIL);
	assert_int_equal(dns_status_merge(DNS_TIMEOUT, DNS_NODATA), DNS_TIMEOUT);
	assert_int_equal(dns_status_merge(DNS_REFUSED, DNS_ERROR), DNS_REFUSED);
}

/* Each merge case through the zone, the way a host is really resolved. */
static void
test_host_merge(void **state)
{
	static const struct {
		const char *zone;
		enum dns_status a, aaaa, merged;
		size_t naddrs;
	} cases[] = {
		{ "h.t.test. A 192.0.2.1\nh.t.test. AAAA 2001:db8::1\n",
		    DNS_OK, DNS_OK, DNS_OK, 2 },
		{ "h.t.test. A 192.0.2.1\nSERVFAIL h.t.test. AAAA\n",
		    DNS_OK, DNS_SERVFAIL, DNS_OK, 1 },
		{ "h.t.test. AAAA 2001:db8::1\nTIMEOUT h.t.test. A\n",
		    DNS_TIMEOUT, DNS_OK, DNS_OK, 1 },
		{ "h.t.test. TXT \"x\"\n", DNS_NODATA, DNS_NODATA, DNS_NODATA, 0 },
		{ "other.t.test. A 192.0.2.9\n", DNS_NXDOMAIN, DNS_NXDOMAIN, DNS_NXDOMAIN, 0 },
		{ "h.t.test. TXT \"x\"\nTIMEOUT h.t.test. AAAA\n",
		    DNS_NODATA, DNS_TIMEOUT, DNS_TIMEOUT, 0 },
		{ "REFUSED h.t.test. A\n", DNS_REFUSED, DNS_NXDOMAIN, DNS_REFUSED, 0 },
		{ "SERVFAIL h.t.test. ANY\n", DNS_SERVFAIL, DNS_SERVFAIL, DNS_SERVFAIL, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct zone_run r;
		struct dns_target_host *h = resolve(&r, cases[i].zone, "h.t.test", 0);

		print_message("case %zu\n", i);
		assert_int_equal(h->a_status, cases[i].a);
		assert_int_equal(h->aaaa_status, cases[i].aaaa);
		assert_int_equal(h->status, cases[i].merged);
		assert_int_equal(h->naddrs, cases[i].naddrs);
		assert_int_equal(h->nanswers, 2);	/* both answers kept as evidence */
		dns_target_host_free(h);
		zone_run_free(&r);
	}
}

static void
test_host_addresses(void **state)
{
	struct zone_run r;
	struct dns_target_host *h;

	(void)state;
	h = resolve(&r,
	    "h.t.test. AAAA 2001:db8::1\n"
	    "h.t.test. A 192.0.2.2\n"
	    "h.t.test. A 192.0.2.1\n"
	    "h.t.test. A 192.0.2.2\n", "H.T.test.", 0);
	/* The name as given, the question as asked; IPv4 before IPv6, each address once. */
	assert_string_equal(h->name, "H.T.test.");
	assert_int_equal(h->naddrs, 3);
	assert_string_equal(h->addrs[2], "2001:db8::1");
	assert_null(strchr(h->addrs[0], ':'));
	assert_null(strchr(h->addrs[1], ':'));
	assert_null(h->canon);
	assert_false(h->is_ip_name);
	assert_string_equal(h->answers[0].qname, "h.t.test");
	dns_target_host_free(h);
	zone_run_free(&r);
}

static void
test_host_alias_and_depth(void **state)
{
	struct zone_run r;
	struct dns_target_host *h;

	(void)state;
	h = resolve(&r,
	    "h.t.test. CNAME real.t.test.\n"
	    "real.t.test. A 192.0.2.1\n", "h.t.test", 3);
	assert_string_equal(h->canon, "real.t.test");
	assert_int_equal(h->status, DNS_OK);
	assert_string_equal(h->addrs[0], "192.0.2.1");
	/* Asked as the consequence of an answer at depth 3: its own answers are at 4. */
	assert_int_equal(h->depth, 4);
	assert_int_equal(report_stats(r.ctx.rep)->dns.depth, 4);
	dns_target_host_free(h);
	zone_run_free(&r);

	h = resolve(&r, "", "192.0.2.7", 0);
	assert_true(h->is_ip_name);	/* asked as a name all the same, as senders do */
	assert_int_equal(h->status, DNS_NXDOMAIN);
	dns_target_host_free(h);
	zone_run_free(&r);
}

static void
test_mx_order_and_bounds(void **state)
{
	struct zone_run r;
	struct dns_target_mx *mx;

	(void)state;
	mx = resolve_mx(&r,
	    "t.test. MX 20 b.t.test.\n"
	    "t.test. MX 10 z.t.test.\n"
	    "t.test. MX 20 a.t.test.\n"
	    "a.t.test. A 192.0.2.1\n"
	    "b.t.test. A 192.0.2.2\n"
	    "z.t.test. A 192.0.2.3\n", 0);
	assert_int_equal(mx->mx_status, DNS_OK);
	assert_int_equal(mx->nrecords, 3);
	assert_int_equal(mx->nhosts, 3);
	/* Preference first, then name. */
	assert_string_equal(mx->hosts[0].name, "z.t.test");
	assert_string_equal(mx->hosts[1].name, "a.t.test");
	assert_string_equal(mx->hosts[2].name, "b.t.test");
	assert_int_equal(mx->hosts[1].pref, 20);
	assert_int_equal(mx->depth, 1);
	assert_int_equal(mx->hosts[0].depth, 2);
	assert_string_equal(mx->mx_answer.qname, "t.test");
	dns_target_mx_free(mx);
	zone_run_free(&r);

	/* A caller that tries one host asks for one: the best, not the first listed. */
	mx = resolve_mx(&r,
	    "t.test. MX 20 b.t.test.\n"
	    "t.test. MX 10 z.t.test.\n"
	    "b.t.test. A 192.0.2.2\n"
	    "z.t.test. A 192.0.2.3\n", 1);
	assert_int_equal(mx->nhosts, 1);
	assert_string_equal(mx->hosts[0].name, "z.t.test");
	assert_int_equal(zone_queries(r.zone), 3);
	dns_target_mx_free(mx);
	zone_run_free(&r);
}

static void
test_mx_kinds(void **state)
{
	struct zone_run r;
	struct dns_target_mx *mx;

	(void)state;
	mx = resolve_mx(&r, "t.test. MX 0 .\nt.test. MX 10 mx.t.test.\n", 0);
	assert_true(mx->is_null_mx);
	assert_int_equal(mx->nrecords, 2);
	assert_int_equal(mx->nhosts, 0);
	dns_target_mx_free(mx);
	zone_run_free(&r);

	mx = resolve_mx(&r, "t.test. A 192.0.2.80\n", 0);
	assert_true(mx->is_implicit);
	assert_int_equal(mx->mx_status, DNS_NODATA);
	assert_int_equal(mx->nhosts, 1);
	assert_string_equal(mx->hosts[0].name, "t.test");
	assert_int_equal(mx->hosts[0].status, DNS_OK);
	dns_target_mx_free(mx);
	zone_run_free(&r);

	mx = resolve_mx(&r, "", 0);
	assert_int_equal(mx->mx_status, DNS_NXDOMAIN);
	assert_false(mx->is_implicit);
	assert_int_equal(mx->nhosts, 0);
	dns_target_mx_free(mx);
	zone_run_free(&r);

	mx = resolve_mx(&r, "TIMEOUT t.test. MX\n", 0);
	assert_int_equal(mx->mx_status, DNS_TIMEOUT);
	assert_int_equal(mx->nhosts, 0);
	assert_non_null(mx->mx_answer.error);
	dns_target_mx_free(mx);
	zone_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_table),
		cmocka_unit_test(test_host_merge),
		cmocka_unit_test(test_host_addresses),
		cmocka_unit_test(test_host_alias_and_depth),
		cmocka_unit_test(test_mx_order_and_bounds),
		cmocka_unit_test(test_mx_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
