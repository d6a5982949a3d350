/* The dmarc check against zones served in-process. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

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


static void
run_on(struct zone_run *r, const char *domain, const char *zone, bool is_psl)
{
	struct check_inputs in = { .domain = domain, .is_dmarc_psl = is_psl };

	zone_run(r, zone, &in, dmarc_only, 1);
}

static const char *
data_str(const struct zone_run *r, const char *id, const char *key)
{
	return json_string_value(json_object_get(finding_data_obj(report_find(r->ctx.rep, id)),
	    key));
}

static void
test_tree_walk(void **state)
{
	struct zone_run r;

	(void)state;
	/* A subdomain without a record takes its organisational domain's sp=. */
	run_on(&r, "a.b.t.test", "_dmarc.t.test. TXT \"v=DMARC1; p=reject; sp=quarantine\"\n",
	    false);
	zone_assert(&r, "dmarc.inherited", "a.b.t.test", ST_OK);
	assert_string_equal(data_str(&r, "dmarc.inherited", "policy"), "quarantine");
	assert_string_equal(data_str(&r, "dmarc.inherited", "policy_domain"), "t.test");
	assert_string_equal(data_str(&r, "dmarc.inherited", "org_domain"), "t.test");
	zone_assert_none(&r, "dmarc.missing");
	/* a.b.t.test, b.t.test, t.test, test: four names, asked at once, beside A, AAAA and
	 * MX of a.b.t.test (whether np= applies). */
	assert_int_equal(zone_queries(r.zone), 4 + 3);
	assert_int_equal(report_stats(r.ctx.rep)->dns.depth, 1);
	zone_run_free(&r);

	/* Without sp=, p= applies; the nearest record wins over one further up. */
	run_on(&r, "a.b.t.test", "_dmarc.t.test. TXT \"v=DMARC1; p=reject\"\n"
	    "_dmarc.b.t.test. TXT \"v=DMARC1; p=none\"\n", false);
	assert_string_equal(data_str(&r, "dmarc.inherited", "policy_domain"), "b.t.test");
	zone_assert(&r, "dmarc.inherited", "a.b.t.test", ST_INFO);
	/* The organisational domain is the record with the fewest labels. */
	assert_string_equal(data_str(&r, "dmarc.inherited", "org_domain"), "t.test");
	zone_run_free(&r);

	/* psd=n stops the walk: that domain is the organisational domain. */
	run_on(&r, "a.b.t.test", "_dmarc.t.test. TXT \"v=DMARC1; p=reject\"\n"
	    "_dmarc.b.t.test. TXT \"v=DMARC1; p=quarantine; psd=n\"\n", false);
	assert_string_equal(data_str(&r, "dmarc.inherited", "org_domain"), "b.t.test");
	zone_run_free(&r);

	/* psd=y: a public suffix; the organisation is the name one label below it. */
	run_on(&r, "mail.shop.t.test", "_dmarc.t.test. TXT \"v=DMARC1; p=reject; psd=y\"\n",
	    false);
	assert_string_equal(data_str(&r, "dmarc.inherited", "org_domain"), "shop.t.test");
	assert_non_null(strstr(finding_fix_text(report_find(r.ctx.rep, "dmarc.inherited")),
	    "psd=y"));
	zone_run_free(&r);

	/* RFC 9989 4.7: a subdomain that does not exist takes np=; one with an address sp=. */
	run_on(&r, "gone.t.test", "_dmarc.t.test. TXT \"v=DMARC1; p=reject; sp=none; "
	    "np=quarantine\"\nhere.t.test. A 192.0.2.1\n", false);
	assert_string_equal(data_str(&r, "dmarc.inherited", "policy"), "quarantine");
	assert_string_equal(data_str(&r, "dmarc.inherited", "policy_tag"), "np");
	zone_run_free(&r);
	run_on(&r, "here.t.test", "_dmarc.t.test. TXT \"v=DMARC1; p=reject; sp=none; "
	    "np=quarantine\"\nhere.t.test. A 192.0.2.1\n", false);
	assert_string_equal(data_str(&r, "dmarc.inherited", "policy_tag"), "sp");
	zone_run_free(&r);

	/* Several records at the domain are all discarded: the parent's applies. */
	run_on(&r, "s.t.test", "_dmarc.s.t.test. TXT \"v=DMARC1; p=none\"\n"
	    "_dmarc.s.t.test. TXT \"v=DMARC1; p=reject\"\n"
	    "_dmarc.t.test. TXT \"v=DMARC1; p=reject\"\n", false);
	zone_assert(&r, "dmarc.multiple", "s.t.test", ST_WARN);
	zone_assert(&r, "dmarc.inherited", "s.t.test", ST_OK);
	zone_run_free(&r);
}

static void
test_walk_bounds(void **state)
{
	struct zone_run r;

	(void)state;
	/* Ten labels: the name itself, then seven labels down to one: eight queries (and
	 * the name's A, AAAA and MX). */
	run_on(&r, "a.b.c.d.e.f.g.h.t.test", "t.test. TXT \"x\"\n", false);
	zone_assert(&r, "dmarc.missing", "a.b.c.d.e.f.g.h.t.test", ST_WARN);
	assert_int_equal(zone_queries(r.zone), 8 + 3);
	zone_run_free(&r);

	/* A failure before any record: UNKNOWN, never "missing". */
	run_on(&r, "a.t.test", "SERVFAIL _dmarc.t.test. TXT\n", false);
	zone_assert(&r, "dns.servfail", "_dmarc.t.test", ST_UNKNOWN);
	zone_assert_none(&r, "dmarc.missing");
	zone_run_free(&r);
}

static void
test_psl_mode(void **state)
{
	struct zone_run r;

	(void)state;
	/* RFC 7489: the record, then the registrable domain's (libpsl), nothing between. */
	run_on(&r, "a.b.t.test", "_dmarc.t.test. TXT \"v=DMARC1; p=reject; sp=none\"\n"
	    "_dmarc.b.t.test. TXT \"v=DMARC1; p=quarantine\"\n", true);
	zone_assert(&r, "dmarc.inherited", "a.b.t.test", ST_INFO);
	assert_string_equal(data_str(&r, "dmarc.inherited", "policy_domain"), "t.test");
	assert_string_equal(data_str(&r, "dmarc.inherited", "mode"), "rfc7489");
	assert_int_equal(zone_queries(r.zone), 2 + 3);
	zone_run_free(&r);
}

static void
test_tags(void **state)
{
	struct zone_run r;

	(void)state;
	run_dmarc(&r, "_dmarc.t.test. TXT \"v=DMARC1; p=reject; pct=50; ri=3600; rf=afrf; "
	    "foo=1; sp=block; adkim=x; t=y; psd=n; np=reject\"\n");
	zone_assert(&r, "dmarc.present", "t.test", ST_OK);
	zone_assert(&r, "dmarc.removed-tag", "t.test", ST_WARN);
	assert_string_equal(data_str(&r, "dmarc.removed-tag", "tags"), "pct, ri, rf");
	zone_assert(&r, "dmarc.unknown-tag", "t.test", ST_WARN);
	assert_string_equal(data_str(&r, "dmarc.unknown-tag", "tags"), "foo");
	zone_assert(&r, "dmarc.bad-value", "t.test", ST_WARN);
	assert_string_equal(data_str(&r, "dmarc.bad-value", "values"), "sp=block, adkim=x");
	zone_run_free(&r);
}

static void
test_reports(void **state)
{
	struct zone_run r;

	(void)state;
	/* Inside the organisation: nothing to authorise. */
	run_dmarc(&r, "_dmarc.t.test. TXT \"v=DMARC1; p=reject; rua=mailto:d@t.test, "
	    "mailto:x@sub.t.test\"\n");
	zone_assert_none(&r, "dmarc.report-authorised");
	zone_assert_none(&r, "dmarc.report-unauthorised");
	zone_run_free(&r);

	run_dmarc(&r, "_dmarc.t.test. TXT \"v=DMARC1; p=reject; rua=mailto:a@rep.test!10m; "
	    "ruf=mailto:f@other.test\"\n"
	    "t.test._report._dmarc.rep.test. TXT \"v=DMARC1\"\n");
	zone_assert(&r, "dmarc.report-authorised", "rep.test", ST_OK);
	zone_assert(&r, "dmarc.report-unauthorised", "other.test", ST_WARN);
	zone_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_present),
		cmocka_unit_test(test_missing_and_broken),
		cmocka_unit_test(test_failure),
		cmocka_unit_test(test_tree_walk),
		cmocka_unit_test(test_walk_bounds),
		cmocka_unit_test(test_psl_mode),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
