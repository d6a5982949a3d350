/* The helo check against zones served in-process: the announced name's form, whether it
 * resolves, whether it resolves to the sending address. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns_zone.h"
#include "report.h"

#define IP "198.51.100.7"

static const char *const helo_only[] = { "helo" };

static void
run_helo(struct zone_run *r, const char *helo, const char *ip, const char *zone)
{
	struct check_inputs in = { .domain = "t.test", .helo = helo, .ip = ip };

	zone_run(r, zone, &in, helo_only, 1);
}

static void
test_resolves(void **state)
{
	struct zone_run r;

	(void)state;
	run_helo(&r, "mail.t.test", IP, "mail.t.test. A " IP "\n");
	zone_assert(&r, "helo.ok", "mail.t.test", ST_OK);
	zone_run_free(&r);

	run_helo(&r, "mail.t.test", IP, "mail.t.test. A 198.51.100.8\n");
	zone_assert(&r, "helo.ip-mismatch", "mail.t.test", ST_WARN);
	zone_run_free(&r);

	run_helo(&r, "mail.t.test", IP, "t.test. A 192.0.2.80\n");
	zone_assert(&r, "helo.no-address", "mail.t.test", ST_WARN);
	zone_run_free(&r);

	run_helo(&r, "mail.t.test", IP, "SERVFAIL mail.t.test. ANY\n");
	zone_assert(&r, "dns.servfail", "mail.t.test", ST_UNKNOWN);
	zone_assert_none(&r, "helo.no-address");
	zone_run_free(&r);
}

/* Names judged by their form, before any lookup. */
static void
test_forms(void **state)
{
	static const struct {
		const char *helo, *id;
		int status;
	} cases[] = {
		{ IP, "helo.bare-ip", ST_FAIL },
		{ "[" IP "]", "helo.address-literal", ST_WARN },
		{ "mailserver", "helo.not-fqdn", ST_FAIL },
		{ "exch01.corp.local", "helo.internal-name", ST_FAIL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct zone_run r;

		run_helo(&r, cases[i].helo, IP, "");
		zone_assert(&r, cases[i].id, cases[i].helo, cases[i].status);
		assert_int_equal(zone_queries(r.zone), 0);
		zone_run_free(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolves),
		cmocka_unit_test(test_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
