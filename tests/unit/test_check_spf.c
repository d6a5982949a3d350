/* The spf-record and spf-verdict checks against zones served in-process. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns_zone.h"
#include "report.h"

#define IP "198.51.100.7"

static const char *const spf_checks[] = { "spf-record", "spf-verdict" };

static void
run_spf(struct zone_run *r, const char *zone, const char *ip)
{
	struct check_inputs in = { .domain = "t.test", .ip = ip };

	zone_run(r, zone, &in, spf_checks, 2);
}

static void
test_record(void **state)
{
	struct zone_run r;

	(void)state;
	run_spf(&r, "t.test. TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n", NULL);
	zone_assert(&r, "spf.present", "t.test", ST_OK);
	zone_assert_none(&r, "spf.result-pass");	/* no verdict without --ip */
	zone_run_free(&r);

	run_spf(&r, "t.test. TXT \"google-site-verification=x\"\n", NULL);
	zone_assert(&r, "spf.missing", "t.test", ST_WARN);
	zone_run_free(&r);

	run_spf(&r, "t.test. TXT \"v=spf1 -all\"\nt.test. TXT \"v=spf1 +all\"\n", NULL);
	zone_assert(&r, "spf.multiple", "t.test", ST_FAIL);
	zone_run_free(&r);

	run_spf(&r, "t.test. TXT \"v=spf1 +all\"\n", NULL);
	zone_assert(&r, "spf.plus-all", "t.test", ST_FAIL);
	zone_run_free(&r);

	run_spf(&r, "t.test. TXT \"v=spf1 include:gone.test -all\"\n", NULL);
	zone_assert(&r, "spf.include-not-found", NULL, ST_FAIL);
	zone_run_free(&r);

	run_spf(&r, "SERVFAIL t.test. TXT\n", NULL);
	zone_assert(&r, "dns.servfail", "t.test", ST_UNKNOWN);
	zone_assert_none(&r, "spf.missing");
	zone_run_free(&r);
}

static void
test_verdict(void **state)
{
	struct zone_run r;

	(void)state;
	run_spf(&r, "t.test. TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n", IP);
	zone_assert(&r, "spf.result-pass", "t.test", ST_OK);
	zone_run_free(&r);

	run_spf(&r, "t.test. TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n", IP);
	zone_assert(&r, "spf.result-fail", "t.test", ST_FAIL);
	zone_run_free(&r);

	/* mx: through the MX host's address. */
	run_spf(&r, "t.test. TXT \"v=spf1 mx ~all\"\nt.test. MX 10 mx.t.test.\n"
	    "mx.t.test. A " IP "\n", IP);
	zone_assert(&r, "spf.result-pass", "t.test", ST_OK);
	zone_run_free(&r);

	run_spf(&r, "t.test. TXT \"v=spf1 ~all\"\n", IP);
	zone_assert(&r, "spf.result-softfail", "t.test", ST_WARN);
	zone_run_free(&r);

	run_spf(&r, "t.test. MX 10 mx.t.test.\n", IP);
	zone_assert(&r, "spf.result-none", "t.test", ST_WARN);
	zone_run_free(&r);

	/* A timeout is a temporary error, not "no SPF". */
	run_spf(&r, "TIMEOUT t.test. TXT\n", IP);
	zone_assert(&r, "spf.result-temperror", "t.test", ST_UNKNOWN);
	zone_assert_none(&r, "spf.result-none");
	zone_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_verdict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
