/* The mx check against zones served in-process: where mail goes and whether senders can
 * reach each host, including resolver failures and the A+AAAA merge rule. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns_zone.h"
#include "report.h"

static const char *const mx_only[] = { "mx" };

static void
run_mx(struct zone_run *r, const char *zone)
{
	struct check_inputs in = { .domain = "t.test" };

	zone_run(r, zone, &in, mx_only, 1);
}

static void
test_healthy(void **state)
{
	struct zone_run r;

	(void)state;
	run_mx(&r,
	    "t.test. MX 10 mx.t.test.\n"
	    "mx.t.test. A 192.0.2.25\n"
	    "mx.t.test. AAAA 2001:db8::25\n");
	zone_assert(&r, "mx.present", "t.test", ST_OK);
	zone_assert(&r, "mx.host-ok", "mx.t.test", ST_OK);
	zone_assert_none(&r, "mx.implicit-a");
	assert_string_equal(finding_message(report_find(r.ctx.rep, "mx.host-ok")),
	    "MX host mx.t.test (preference 10) resolves to 192.0.2.25, 2001:db8::25.");
	/* MX, then the host's A and AAAA together: two round trips, three questions. */
	assert_int_equal(report_stats(r.ctx.rep)->dns.depth, 2);
	assert_int_equal(zone_queries(r.zone), 3);
	zone_run_free(&r);
}

static void
test_implicit_mx(void **state)
{
	struct zone_run r;

	(void)state;
	run_mx(&r, "t.test. A 192.0.2.80\n");
	zone_assert(&r, "mx.implicit-a", "t.test", ST_WARN);
	zone_assert(&r, "mx.host-ok", "t.test", ST_OK);
	assert_string_equal(finding_message(report_find(r.ctx.rep, "mx.host-ok")),
	    "Implicit MX host t.test resolves to 192.0.2.80.");
	zone_assert_none(&r, "mx.absent");
	zone_run_free(&r);
}

static void
test_absent(void **state)
{
	struct zone_run r;

	(void)state;
	/* The name exists (a TXT record) but has neither MX nor addresses. */
	run_mx(&r, "t.test. TXT \"v=spf1 -all\"\n");
	zone_assert(&r, "mx.absent", "t.test", ST_FAIL);
	zone_assert_none(&r, "mx.implicit-a");
	zone_run_free(&r);
}

static void
test_nxdomain(void **state)
{
	struct zone_run r;

	(void)state;
	run_mx(&r, "other.test. A 192.0.2.1\n");
	zone_assert(&r, "domain.not-found", "t.test", ST_FAIL);
	zone_assert_none(&r, "mx.absent");
	zone_run_free(&r);
}

static void
test_null_mx(void **state)
{
	struct zone_run r;

	(void)state;
	run_mx(&r, "t.test. MX 0 .\n");
	zone_assert(&r, "mx.null-mx", "t.test", ST_FAIL);
	zone_assert_none(&r, "mx.present");
	/* No host is looked up for a domain that declares it takes no mail. */
	assert_int_equal(zone_queries(r.zone), 1);
	zone_run_free(&r);

	run_mx(&r,
	    "t.test. MX 0 .\n"
	    "t.test. MX 10 mx.t.test.\n"
	    "mx.t.test. A 192.0.2.25\n");
	zone_assert(&r, "mx.null-mx-mixed", "t.test", ST_FAIL);
	zone_assert_none(&r, "mx.host-ok");
	zone_run_free(&r);
}

static void
test_target_cname(void **state)
{
	struct zone_run r;

	(void)state;
	run_mx(&r,
	    "t.test. MX 10 mail.t.test.\n"
	    "mail.t.test. CNAME real.t.test.\n"
	    "real.t.test. A 192.0.2.25\n");
	zone_assert(&r, "mx.target-is-cname", "mail.t.test", ST_WARN);
	/* An alias is not called healthy, even though it leads to an address. */
	zone_assert_none(&r, "mx.host-ok");
	zone_assert_none(&r, "mx.target-no-address");
	zone_run_free(&r);
}

static void
test_target_no_address(void **state)
{
	struct zone_run r;

	(void)state;
	/* The target exists (MX record of its own) but has no address: NODATA. */
	run_mx(&r,
	    "t.test. MX 10 mx.t.test.\n"
	    "mx.t.test. TXT \"not a mail server\"\n");
	zone_assert(&r, "mx.target-no-address", "mx.t.test", ST_FAIL);
	zone_run_free(&r);

	/* The target does not exist at all: NXDOMAIN for both families. */
	run_mx(&r, "t.test. MX 10 gone.t.test.\n");
	zone_assert(&r, "mx.target-no-address", "gone.t.test", ST_FAIL);
	zone_run_free(&r);

	/* With a working backup, the broken primary is a warning. */
	run_mx(&r,
	    "t.test. MX 10 gone.t.test.\n"
	    "t.test. MX 20 backup.t.test.\n"
	    "backup.t.test. A 192.0.2.26\n");
	zone_assert(&r, "mx.target-no-address", "gone.t.test", ST_WARN);
	zone_assert(&r, "mx.host-ok", "backup.t.test", ST_OK);
	zone_run_free(&r);
}

static void
test_target_private(void **state)
{
	struct zone_run r;

	(void)state;
	run_mx(&r,
	    "t.test. MX 10 mx.t.test.\n"
	    "mx.t.test. A 10.1.2.3\n");
	zone_assert(&r, "mx.target-private", "mx.t.test", ST_FAIL);
	zone_assert_none(&r, "mx.host-ok");
	zone_run_free(&r);
}

static void
test_target_is_ip(void **state)
{
	struct zone_run r;

	(void)state;
	run_mx(&r, "t.test. MX 10 192.0.2.25.\n");
	zone_assert(&r, "mx.target-is-ip", "t.test", ST_FAIL);
	zone_assert_none(&r, "mx.target-no-address");
	zone_run_free(&r);
}

static void
test_equal_preference(void **state)
{
	struct zone_run r;

	(void)state;
	run_mx(&r,
	    "t.test. MX 10 a.t.test.\n"
	    "t.test. MX 10 b.t.test.\n"
	    "a.t.test. A 192.0.2.1\n"
	    "b.t.test. A 192.0.2.2\n");
	zone_assert(&r, "mx.equal-preference", "t.test", ST_INFO);
	assert_int_equal(zone_count(&r, "mx.host-ok"), 2);
	zone_run_free(&r);
}

/* A failed MX query says nothing about the domain: UNKNOWN, never "absent"/"not found". */
static void
test_mx_failures(void **state)
{
	struct zone_run r;

	(void)state;
	run_mx(&r, "TIMEOUT t.test. MX\nt.test. A 192.0.2.80\n");
	zone_assert(&r, "dns.timeout", "t.test", ST_UNKNOWN);
	zone_assert_none(&r, "mx.absent");
	zone_assert_none(&r, "mx.implicit-a");
	zone_assert_none(&r, "domain.not-found");
	zone_run_free(&r);

	run_mx(&r, "SERVFAIL t.test. ANY\n");
	zone_assert(&r, "dns.servfail", "t.test", ST_UNKNOWN);
	zone_assert_none(&r, "mx.absent");
	zone_assert_none(&r, "domain.not-found");
	zone_run_free(&r);

	run_mx(&r, "REFUSED t.test. MX\n");
	zone_assert(&r, "dns.refused", "t.test", ST_UNKNOWN);
	zone_run_free(&r);

	/* No MX and the fallback address lookup fails: the address check's to report. */
	run_mx(&r, "t.test. TXT \"x\"\nSERVFAIL t.test. A\n");
	zone_assert_none(&r, "mx.absent");
	zone_assert_none(&r, "mx.implicit-a");
	zone_run_free(&r);
}

/*
 * The merge rule for a host's A and AAAA (Postfix's dns.h): found when either query found
 * addresses; not-found only when both say not-found; a failure otherwise.
 */
static void
test_host_merge_rule(void **state)
{
	struct zone_run r;

	(void)state;
	/* A found, AAAA failed: the host has an address and is judged by it. */
	run_mx(&r,
	    "t.test. MX 10 mx.t.test.\n"
	    "mx.t.test. A 192.0.2.25\n"
	    "SERVFAIL mx.t.test. AAAA\n");
	zone_assert(&r, "mx.host-ok", "mx.t.test", ST_OK);
	zone_assert(&r, "dns.servfail", "mx.t.test", ST_UNKNOWN);
	zone_run_free(&r);

	/* A not found, AAAA timed out: unknown, not "no address". */
	run_mx(&r,
	    "t.test. MX 10 mx.t.test.\n"
	    "mx.t.test. TXT \"x\"\n"
	    "TIMEOUT mx.t.test. AAAA\n");
	zone_assert(&r, "dns.timeout", "mx.t.test", ST_UNKNOWN);
	zone_assert_none(&r, "mx.target-no-address");
	zone_assert_none(&r, "mx.host-ok");
	zone_run_free(&r);

	/* Both failed: unknown. */
	run_mx(&r, "t.test. MX 10 mx.t.test.\nSERVFAIL mx.t.test. ANY\n");
	assert_int_equal(zone_count(&r, "dns.servfail"), 2);
	zone_assert_none(&r, "mx.target-no-address");
	zone_run_free(&r);

	/* One failed host does not make a working one's problems FAIL: the working host is
	 * usable, so the other's fault is a warning. */
	run_mx(&r,
	    "t.test. MX 10 mx.t.test.\n"
	    "t.test. MX 20 gone.t.test.\n"
	    "mx.t.test. A 192.0.2.25\n"
	    "SERVFAIL mx.t.test. AAAA\n");
	zone_assert(&r, "mx.target-no-address", "gone.t.test", ST_WARN);
	zone_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy),
		cmocka_unit_test(test_implicit_mx),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_nxdomain),
		cmocka_unit_test(test_null_mx),
		cmocka_unit_test(test_target_cname),
		cmocka_unit_test(test_target_no_address),
		cmocka_unit_test(test_target_private),
		cmocka_unit_test(test_target_is_ip),
		cmocka_unit_test(test_equal_preference),
		cmocka_unit_test(test_mx_failures),
		cmocka_unit_test(test_host_merge_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
