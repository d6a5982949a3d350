/* The ptr check against zones served in-process: forward-confirmed reverse DNS for the
 * sending address (FAIL) and for each MX host address (WARN), generic names (names.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dns_zone.h"
#include "report.h"

#define IP "198.51.100.7"
#define REV "7.100.51.198.in-addr.arpa."

static const char *const ptr_only[] = { "ptr" };

static void
run_ptr(struct zone_run *r, const char *zone, const char *ip)
{
	struct check_inputs in = { .domain = "t.test", .ip = ip };

	zone_run(r, zone, &in, ptr_only, 1);
}

static void
test_confirmed(void **state)
{
	struct zone_run r;

	(void)state;
	run_ptr(&r, REV " PTR mail.t.test.\nmail.t.test. A " IP "\n", IP);
	zone_assert(&r, "ptr.confirmed", IP, ST_OK);
	zone_run_free(&r);
}

static void
test_not_confirmed(void **state)
{
	struct zone_run r;

	(void)state;
	/* The PTR name resolves, but to another address. */
	run_ptr(&r, REV " PTR mail.t.test.\nmail.t.test. A 198.51.100.8\n", IP);
	zone_assert(&r, "ptr.not-confirmed", IP, ST_FAIL);
	zone_assert_none(&r, "ptr.confirmed");
	zone_run_free(&r);

	/* The PTR name has no address at all. */
	run_ptr(&r, REV " PTR mail.t.test.\n", IP);
	zone_assert(&r, "ptr.no-forward", IP, ST_FAIL);
	zone_run_free(&r);

	run_ptr(&r, "t.test. TXT \"x\"\n", IP);
	zone_assert(&r, "ptr.missing", IP, ST_FAIL);
	zone_run_free(&r);
}

static void
test_generic_and_multiple(void **state)
{
	struct zone_run r;

	(void)state;
	run_ptr(&r, REV " PTR 198-51-100-7.dyn.isp.test.\n"
	    "198-51-100-7.dyn.isp.test. A " IP "\n", IP);
	zone_assert(&r, "ptr.generic", IP, ST_WARN);
	zone_assert_none(&r, "ptr.confirmed");
	zone_run_free(&r);

	run_ptr(&r, REV " PTR a.t.test.\n" REV " PTR b.t.test.\n"
	    "a.t.test. A " IP "\nb.t.test. A " IP "\n", IP);
	zone_assert(&r, "ptr.multiple", IP, ST_WARN);
	zone_assert(&r, "ptr.confirmed", IP, ST_OK);
	zone_run_free(&r);
}

/* A resolver failure says nothing about the PTR: UNKNOWN, never "missing". */
static void
test_failures(void **state)
{
	struct zone_run r;

	(void)state;
	run_ptr(&r, "SERVFAIL " REV " PTR\n", IP);
	zone_assert(&r, "dns.servfail", "7.100.51.198.in-addr.arpa", ST_UNKNOWN);
	zone_assert_none(&r, "ptr.missing");
	zone_run_free(&r);

	run_ptr(&r, REV " PTR mail.t.test.\nTIMEOUT mail.t.test. A\n", IP);
	zone_assert(&r, "dns.timeout", "mail.t.test", ST_UNKNOWN);
	zone_assert_none(&r, "ptr.no-forward");
	zone_assert_none(&r, "ptr.not-confirmed");
	zone_run_free(&r);
}

/* The MX hosts' addresses are checked too, at WARN, and their PTRs are asked at the depth
 * of the address answers that led to them: MX, A, PTR, the PTR name's A. */
static void
test_mx_host_addresses(void **state)
{
	struct zone_run r;

	(void)state;
	run_ptr(&r,
	    "t.test. MX 10 mx.t.test.\n"
	    "mx.t.test. A 192.0.2.25\n"
	    "mx.t.test. AAAA 2001:db8::25\n"
	    "25.2.0.192.in-addr.arpa. PTR out.t.test.\n"
	    "out.t.test. A 192.0.2.25\n", NULL);
	zone_assert(&r, "ptr.confirmed", "192.0.2.25", ST_OK);
	zone_assert(&r, "ptr.missing", "2001:db8::25", ST_WARN);
	assert_int_equal(report_stats(r.ctx.rep)->dns.depth, 4);
	zone_run_free(&r);

	/* The implicit MX is the mx check's to judge: no PTR asked for it. */
	run_ptr(&r, "t.test. A 192.0.2.80\n", NULL);
	assert_int_equal(report_count(r.ctx.rep), 0);
	zone_run_free(&r);
}

/* IPv6: the forward AAAA is compared as an address, not as text. */
static void
test_ipv6(void **state)
{
	static const char rev6[] = "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2.ip6.arpa.";
	struct zone_run r;
	char zone[512];

	(void)state;
	snprintf(zone, sizeof(zone), "%s PTR mail.t.test.\nmail.t.test. AAAA 2001:0db8::0007\n",
	    rev6);
	run_ptr(&r, zone, "2001:db8::7");
	zone_assert(&r, "ptr.confirmed", "2001:db8::7", ST_OK);
	zone_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confirmed),
		cmocka_unit_test(test_not_confirmed),
		cmocka_unit_test(test_generic_and_multiple),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_mx_host_addresses),
		cmocka_unit_test(test_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
