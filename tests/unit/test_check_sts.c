/* MTA-STS and TLS-RPT: the grammars (sts_policy.c) and the DNS side of the mta-sts and
 * tls-rpt checks against zones served in-process. The policy fetch itself is tested in the
 * lab (tests/integration/t_mta_sts.sh). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns_zone.h"
#include "report.h"
#include "sts_policy.h"

static bool
parse(const char *body, struct sts_policy *p)
{
	return sts_policy_parse(body, strlen(body), p);
}

static void
test_policy_valid(void **state)
{
	struct sts_policy p;

	(void)state;
	assert_true(parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
	    "mx: *.Example.NET.\r\nmax_age: 604800\r\n", &p));
	assert_int_equal(p.mode, STS_MODE_ENFORCE);
	assert_int_equal(p.max_age, 604800);
	assert_int_equal(p.nmx, 2);
	assert_string_equal(p.mx[1], "*.example.net");	/* lower case, no trailing dot */
	assert_true(p.has_crlf);
	assert_false(p.has_lf);
	sts_policy_fini(&p);

	/* LF alone, any order, no final line end, spaces around the value */
	assert_true(parse("mode:testing\nmax_age:   86400  \nmx: mx.t.test\nversion: STSv1", &p));
	assert_int_equal(p.mode, STS_MODE_TESTING);
	assert_true(p.has_lf);
	sts_policy_fini(&p);

	/* mode none needs no mx; an unknown key is named, not an error */
	assert_true(parse("version: STSv1\nmode: none\nmax_age: 0\nmax-age: 5\n", &p));
	assert_int_equal(p.mode, STS_MODE_NONE);
	assert_int_equal(p.nunknown, 1);
	assert_string_equal(p.unknown[0], "max-age");
	sts_policy_fini(&p);
}

static void
test_policy_invalid(void **state)
{
	static const char *const bad[] = {
		"version: STSv2\nmode: enforce\nmx: a.t.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforcing\nmx: a.t.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: a.t.test\n",		/* no max_age */
		"version: STSv1\nmode: enforce\nmax_age: 86400\n",		/* no mx */
		"version: STSv1\nmode: enforce\nmx: a.t.test\nmax_age: 31557601\n",
		"version: STSv1\nmode: enforce\nmx: a.t.test\nmax_age: -1\n",
		"version: STSv1\nmode: enforce\nmx: a..t.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmx: a.*.test\nmax_age: 1\n",
		"version: STSv1\nmode enforce\nmx: a.t.test\nmax_age: 1\n",
		"version: STSv1\nmode: enforce\nmode: testing\nmx: a.t.test\nmax_age: 1\n",
		"mode: enforce\nmx: a.t.test\nmax_age: 1\n",			/* no version */
		"version: STSv1\r\rmode: enforce\nmx: a.t.test\nmax_age: 1\n",
	};
	struct sts_policy p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(parse(bad[i], &p));
		assert_true(p.error[0] != '\0');
		sts_policy_fini(&p);
	}
	/* the line is named */
	assert_false(parse("version: STSv1\nmode: sometimes\n", &p));
	assert_int_equal(p.error_line, 2);
	sts_policy_fini(&p);
}

static void
test_mx_match(void **state)
{
	(void)state;
	assert_true(sts_mx_match("mx.example.com", "mx.example.com"));
	assert_true(sts_mx_match("mx.example.com", "MX.example.com"));
	assert_false(sts_mx_match("mx.example.com", "mx2.example.com"));
	/* the star is exactly one label */
	assert_true(sts_mx_match("*.example.com", "mx.example.com"));
	assert_false(sts_mx_match("*.example.com", "example.com"));
	assert_false(sts_mx_match("*.example.com", "a.b.example.com"));
	assert_false(sts_mx_match("*.example.com", "mxexample.com"));
	assert_false(sts_mx_match("*.test", "mx1.example.test"));
}

static void
test_records(void **state)
{
	char id[40], why[160], rua[256];

	(void)state;
	assert_true(sts_record_parse("v=STSv1; id=20160831085700Z;", id, sizeof(id), why,
	    sizeof(why)));
	assert_string_equal(id, "20160831085700Z");
	assert_true(sts_record_parse("v=STSv1;id=1;ext=x", id, sizeof(id), why, sizeof(why)));
	assert_false(sts_record_parse("v=STSv1", id, sizeof(id), why, sizeof(why)));
	assert_false(sts_record_parse("v=STSv1; id=2024-01-01", id, sizeof(id), why,
	    sizeof(why)));
	assert_false(sts_record_parse("id=1; v=STSv1", id, sizeof(id), why, sizeof(why)));
	assert_false(sts_record_parse("v=STSv1; id=123456789012345678901234567890123", id,
	    sizeof(id), why, sizeof(why)));

	assert_true(tlsrpt_record_parse("v=TLSRPTv1; rua=mailto:r@t.test,https://r.t.test/x",
	    rua, sizeof(rua), why, sizeof(why)));
	assert_string_equal(rua, "mailto:r@t.test,https://r.t.test/x");
	assert_false(tlsrpt_record_parse("v=TLSRPTv1", rua, sizeof(rua), why, sizeof(why)));
	assert_false(tlsrpt_record_parse("v=TLSRPTv1; rua=r@t.test", rua, sizeof(rua), why,
	    sizeof(why)));
	assert_false(tlsrpt_record_parse("v=TLSRPTv1; rua=mailto:nobody", rua, sizeof(rua),
	    why, sizeof(why)));
	assert_false(tlsrpt_record_parse("rua=mailto:r@t.test; v=TLSRPTv1", rua, sizeof(rua),
	    why, sizeof(why)));
}

static const char *const sts_names[] = { "mta-sts", "tls-rpt" };

static void
run_sts(struct zone_run *r, const char *zone)
{
	struct check_inputs in = { .domain = "t.test" };

	zone_run(r, zone, &in, sts_names, 2);
}

#define MX "t.test. MX 10 mx.t.test.\nmx.t.test. A 192.0.2.25\n"

static void
test_check_records(void **state)
{
	struct zone_run r;

	(void)state;
	run_sts(&r, MX);
	zone_assert(&r, "mta-sts.none", "t.test", ST_INFO);
	zone_assert(&r, "tls-rpt.none", "t.test", ST_INFO);
	zone_run_free(&r);

	run_sts(&r, MX "_mta-sts.t.test. TXT \"v=STSv1; id=1\"\n"
	    "_mta-sts.t.test. TXT \"v=STSv1; id=2\"\n"
	    "_smtp._tls.t.test. TXT \"v=TLSRPTv1; rua=mailto:a@t.test\"\n"
	    "_smtp._tls.t.test. TXT \"v=TLSRPTv1; rua=mailto:b@t.test\"\n");
	zone_assert(&r, "mta-sts.record-multiple", "t.test", ST_WARN);
	zone_assert(&r, "tls-rpt.multiple", "t.test", ST_WARN);
	zone_run_free(&r);

	run_sts(&r, MX "_mta-sts.t.test. TXT \"v=STSv1; id=2024-01-01\"\n"
	    "_smtp._tls.t.test. TXT \"v=TLSRPTv1; rua=mailto:a@t.test\"\n"
	    "_smtp._tls.t.test. TXT \"something else\"\n");
	zone_assert(&r, "mta-sts.record-syntax", "t.test", ST_WARN);
	zone_assert(&r, "tls-rpt.present", "t.test", ST_OK);
	zone_run_free(&r);

	/* a valid record whose policy host has no address: nothing to fetch */
	run_sts(&r, MX "_mta-sts.t.test. TXT \"v=STSv1; id=1\"\n");
	zone_assert(&r, "mta-sts.policy-unreachable",
	    "https://mta-sts.t.test/.well-known/mta-sts.txt", ST_WARN);
	zone_run_free(&r);

	/* the policy host's lookup failed: UNKNOWN, not "unreachable" */
	run_sts(&r, MX "_mta-sts.t.test. TXT \"v=STSv1; id=1\"\n"
	    "SERVFAIL mta-sts.t.test. ANY\n");
	zone_assert(&r, "dns.servfail", "mta-sts.t.test", ST_UNKNOWN);
	zone_assert_none(&r, "mta-sts.policy-unreachable");
	zone_run_free(&r);

	/* the resolver failed: UNKNOWN, never "no policy" */
	run_sts(&r, MX "SERVFAIL _mta-sts.t.test. TXT\nTIMEOUT _smtp._tls.t.test. TXT\n");
	zone_assert(&r, "dns.servfail", "_mta-sts.t.test", ST_UNKNOWN);
	zone_assert(&r, "dns.timeout", "_smtp._tls.t.test", ST_UNKNOWN);
	zone_assert_none(&r, "mta-sts.none");
	zone_assert_none(&r, "tls-rpt.none");
	zone_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_valid),
		cmocka_unit_test(test_policy_invalid),
		cmocka_unit_test(test_mx_match),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_check_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
