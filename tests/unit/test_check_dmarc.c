/* The dmarc check against zones served in-process. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns_zone.h"
#include "report.h"

static const char *const dmarc_only[] = { "dmarc" };

static void
run_dmarc(struct zone_run *r, const char *zone)
{
	struct check_inputs in = { .domain = "t.test" };

	zone_run(r, zone, &in, dmarc_only, 1);
}

static void
test_present(void **state)
{
	struct zone_run r;

	(void)state;
	run_dmarc(&r, "_dmarc.t.test. TXT \"v=DMARC1; p=reject; rua=mailto:d@t.test\"\n");
	zone_assert(&r, "dmarc.present", "t.test", ST_OK);
	zone_run_free(&r);

	/* p=none only monitors: said, not passed as enforcing. */
	run_dmarc(&r, "_dmarc.t.test. TXT \"v=DMARC1; p=none\"\n");
	zone_assert(&r, "dmarc.present", "t.test", ST_INFO);
	zone_run_free(&r);

	/* Other TXT records at the name are not DMARC records. */
	run_dmarc(&r, "_dmarc.t.test. TXT \"v=DMARC1; p=quarantine\"\n"
	    "_dmarc.t.test. TXT \"google-site-verification=x\"\n");
	zone_assert(&r, "dmarc.present", "t.test", ST_OK);
	zone_assert_none(&r, "dmarc.multiple");
	zone_run_free(&r);
}

static void
test_missing_and_broken(void **state)
{
	struct zone_run r;

	(void)state;
	run_dmarc(&r, "t.test. TXT \"v=spf1 -all\"\n");
	zone_assert(&r, "dmarc.missing", "t.test", ST_WARN);
	zone_run_free(&r);

	run_dmarc(&r, "_dmarc.t.test. TXT \"v=DMARC1; rua=mailto:d@t.test\"\n");
	zone_assert(&r, "dmarc.syntax", "t.test", ST_WARN);
	zone_assert_none(&r, "dmarc.present");
	zone_run_free(&r);

	run_dmarc(&r, "_dmarc.t.test. TXT \"v=DMARC1; p=block\"\n");
	zone_assert(&r, "dmarc.syntax", "t.test", ST_WARN);
	zone_run_free(&r);

	run_dmarc(&r, "_dmarc.t.test. TXT \"v=DMARC1; p=none\"\n"
	    "_dmarc.t.test. TXT \"v=DMARC1; p=reject\"\n");
	zone_assert(&r, "dmarc.multiple", "t.test", ST_WARN);
	zone_assert_none(&r, "dmarc.present");
	zone_run_free(&r);
}

static void
test_failure(void **state)
{
	struct zone_run r;

	(void)state;
	run_dmarc(&r, "SERVFAIL _dmarc.t.test. TXT\n");
	zone_assert(&r, "dns.servfail", "_dmarc.t.test", ST_UNKNOWN);
	zone_assert_none(&r, "dmarc.missing");
	zone_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_present),
		cmocka_unit_test(test_missing_and_broken),
		cmocka_unit_test(test_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
