/* The domain and address checks against zones served in-process: a non-public suffix, the
 * domain's own A/AAAA records. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns_zone.h"
#include "report.h"

static const char *const both[] = { "domain", "address" };

static void
run_on(struct zone_run *r, const char *domain, const char *zone)
{
	struct check_inputs in = { .domain = domain };

	zone_run(r, zone, &in, both, 2);
}

static void
test_internal(void **state)
{
	struct zone_run r;

	(void)state;
	run_on(&r, "corp.local", "");
	zone_assert(&r, "domain.internal", "corp.local", ST_FAIL);
	zone_run_free(&r);

	run_on(&r, "ad.home.arpa", "");
	zone_assert(&r, "domain.internal", "ad.home.arpa", ST_FAIL);
	zone_run_free(&r);

	run_on(&r, "t.test", "t.test. A 192.0.2.80\n");
	zone_assert_none(&r, "domain.internal");
	zone_run_free(&r);
}

static void
test_address(void **state)
{
	struct zone_run r;

	(void)state;
	run_on(&r, "t.test", "t.test. A 192.0.2.80\nt.test. AAAA 2001:db8::80\n");
	zone_assert(&r, "domain.address", "t.test", ST_OK);
	zone_run_free(&r);

	run_on(&r, "t.test", "t.test. MX 10 mx.t.test.\n");
	zone_assert(&r, "domain.no-address", "t.test", ST_INFO);
	zone_run_free(&r);

	run_on(&r, "t.test", "t.test. A 192.168.1.10\n");
	zone_assert(&r, "domain.address-private", "t.test", ST_WARN);
	zone_run_free(&r);

	/* NXDOMAIN is the mx check's to say (domain.not-found): nothing here. */
	run_on(&r, "t.test", "");
	assert_int_equal(report_count(r.ctx.rep), 0);
	zone_run_free(&r);

	run_on(&r, "t.test", "TIMEOUT t.test. AAAA\nt.test. A 192.0.2.80\n");
	zone_assert(&r, "dns.timeout", "t.test", ST_UNKNOWN);
	zone_assert_none(&r, "domain.no-address");
	zone_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_internal),
		cmocka_unit_test(test_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
