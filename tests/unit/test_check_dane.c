/* The dane and dnssec checks against zones served in-process: signed subtrees are SECURE
 * (the AD bit) or BOGUS (SERVFAIL unless CD) lines of the zone (dns_zone.h). Matching a
 * certificate chain is tested in the lab (tests/integration/t_dane.sh). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns_zone.h"
#include "report.h"

#define H "68af25aeda95f530fb39109d697130af485aba6d309ce3e04c0c5aa955ab385f"
#define MX "t.test. MX 10 mx.t.test.\nmx.t.test. A 192.0.2.25\n"

static const char *const dane_only[] = { "dane" };
static const char *const dnssec_only[] = { "dnssec" };

static void
run1(struct zone_run *r, const char *zone, const char *const *names)
{
	struct check_inputs in = { .domain = "t.test" };

	zone_run(r, zone, &in, names, 1);
}

static void
test_dane(void **state)
{
	struct zone_run r;

	(void)state;
	/* unsigned or signed, no TLSA: DANE does not apply (the message says which) */
	run1(&r, MX, dane_only);
	zone_assert(&r, "dane.none", "t.test", ST_INFO);
	zone_run_free(&r);

	run1(&r, MX "SECURE t.test.\n", dane_only);
	zone_assert(&r, "dane.none", "t.test", ST_INFO);
	zone_run_free(&r);

	/* not vouched for by DNSSEC: senders ignore it */
	run1(&r, MX "_25._tcp.mx.t.test. TLSA 3 1 1 " H "\n", dane_only);
	zone_assert(&r, "dane.unsigned", "mx.t.test", ST_WARN);
	zone_assert_none(&r, "dane.present");
	zone_run_free(&r);

	run1(&r, MX "SECURE t.test.\n_25._tcp.mx.t.test. TLSA 3 1 1 " H "\n", dane_only);
	zone_assert(&r, "dane.present", "mx.t.test", ST_OK);
	zone_assert_none(&r, "dane.unsigned");
	zone_run_free(&r);

	/* PKIX usages and a short digest: none usable */
	run1(&r, MX "SECURE t.test.\n_25._tcp.mx.t.test. TLSA 1 1 1 " H "\n"
	    "_25._tcp.mx.t.test. TLSA 3 1 2 " H "\n", dane_only);
	zone_assert(&r, "dane.unusable", "mx.t.test", ST_WARN);
	zone_assert_none(&r, "dane.present");
	zone_run_free(&r);

	/* one unusable beside a usable one: said, the usable one used */
	run1(&r, MX "SECURE t.test.\n_25._tcp.mx.t.test. TLSA 0 0 1 " H "\n"
	    "_25._tcp.mx.t.test. TLSA 2 1 1 " H "\n", dane_only);
	zone_assert(&r, "dane.unusable", "mx.t.test", ST_INFO);
	zone_assert(&r, "dane.present", "mx.t.test", ST_OK);
	zone_run_free(&r);

	run1(&r, MX "SERVFAIL _25._tcp.mx.t.test. TLSA\n", dane_only);
	zone_assert(&r, "dns.servfail", "_25._tcp.mx.t.test", ST_UNKNOWN);
	zone_assert_none(&r, "dane.none");
	zone_run_free(&r);
}

static void
test_dnssec(void **state)
{
	struct zone_run r;

	(void)state;
	run1(&r, MX "SECURE t.test.\n", dnssec_only);
	zone_assert(&r, "dnssec.signed", "t.test", ST_OK);
	zone_run_free(&r);

	run1(&r, MX, dnssec_only);
	zone_assert(&r, "dnssec.insecure", "t.test", ST_INFO);
	zone_run_free(&r);

	/* SERVFAIL, but the records are there with CD: bogus, a FAIL with its reason */
	run1(&r, MX "BOGUS t.test.\n", dnssec_only);
	zone_assert(&r, "dnssec.bogus", "t.test", ST_FAIL);
	zone_run_free(&r);

	/* SERVFAIL with CD too: the resolver's failure, UNKNOWN */
	run1(&r, MX "SERVFAIL t.test. MX\n", dnssec_only);
	zone_assert(&r, "dns.servfail", "t.test", ST_UNKNOWN);
	zone_assert_none(&r, "dnssec.bogus");
	zone_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dane),
		cmocka_unit_test(test_dnssec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
