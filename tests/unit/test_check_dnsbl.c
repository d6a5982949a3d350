/* The dnsbl check against zones served in-process, with its zone list written by the test:
 * RFC 5782 test points, answer codes, error answers, one zone failing alone, IPv6. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns_zone.h"
#include "report.h"

static const char *const dnsbl_only[] = { "dnsbl" };
static char list_path[64];

static const char list[] =
    "{ \"zones\": [\n"
    " { \"zone\": \"bl.t\", \"name\": \"T list\", \"type\": \"ip\", \"ipv6\": true,\n"
    "   \"codes\": { \"127.0.0.2\": \"SBL\", \"127.0.0.4\": \"XBL\" },\n"
    "   \"errors\": { \"127.255.255.254\": \"public resolver\" } },\n"
    " { \"zone\": \"other.t\", \"type\": \"ip\" },\n"
    " { \"zone\": \"dbl.t\", \"type\": \"domain\" },\n"
    " { \"zone\": \"gone.t\", \"type\": \"ip\", \"retired\": \"2024-06\" } ] }\n";

/* The test points of both address lists and of the domain list, as RFC 5782 5 says. */
static const char points[] =
    "2.0.0.127.bl.t. A 127.0.0.2\n"
    "2.0.0.127.other.t. A 127.0.0.2\n"
    "test.dbl.t. A 127.0.1.2\n"
    "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.t. A 127.0.0.2\n";

static int
setup(void **state)
{
	FILE *f;
	int fd;

	(void)state;
	snprintf(list_path, sizeof(list_path), "/tmp/mxdiag-dnsbl.XXXXXX");
	fd = mkstemp(list_path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(list, f);
	fclose(f);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(list_path);
	return 0;
}

static void
run_dnsbl(struct zone_run *r, const char *extra, const char *ip, const char *helo)
{
	struct check_inputs in = { .domain = "t.test", .ip = ip, .helo = helo,
	    .dnsbl_zones = list_path };
	char *zone = malloc(strlen(points) + strlen(extra) + 1);

	strcpy(zone, points);
	strcat(zone, extra);
	zone_run(r, zone, &in, dnsbl_only, 1);
	free(zone);
}

static void
test_clean_and_listed(void **state)
{
	struct zone_run r;
	const struct finding *f;

	(void)state;
	run_dnsbl(&r, "", "192.0.2.7", NULL);
	zone_assert(&r, "dnsbl.not-listed", "192.0.2.7", ST_OK);
	zone_assert(&r, "dnsbl.not-listed", "t.test", ST_OK);
	zone_assert_none(&r, "dnsbl.listed");
	/* Two address lists and one domain list, three questions each; never the retired. */
	assert_int_equal(zone_queries(r.zone), 9);
	f = report_find(r.ctx.rep, "dnsbl.not-listed");
	assert_non_null(strstr(finding_message(f), "bl.t, other.t"));
	zone_run_free(&r);

	run_dnsbl(&r, "7.2.0.192.bl.t. A 127.0.0.4\n7.2.0.192.bl.t. A 127.0.0.2\n"
	    "7.2.0.192.bl.t. TXT \"see https://bl.t/7\"\n", "192.0.2.7", NULL);
	zone_assert(&r, "dnsbl.listed", "192.0.2.7", ST_FAIL);
	f = report_find(r.ctx.rep, "dnsbl.listed");
	assert_non_null(strstr(finding_message(f), "127.0.0.2 \"SBL\", 127.0.0.4 \"XBL\""));
	assert_non_null(strstr(finding_message(f), "blocked using bl.t"));
	/* The list's reason, from its TXT record (RFC 5782 2.1). */
	assert_string_equal(json_string_value(json_object_get(finding_data_obj(f), "reason")),
	    "see https://bl.t/7");
	/* Listed on one list: no "not listed" for it, whatever the others say. */
	assert_int_equal(zone_status(&r, "dnsbl.not-listed", "192.0.2.7"), -1);
	zone_run_free(&r);
}

static void
test_ipv6_and_domains(void **state)
{
	struct zone_run r;

	(void)state;
	/* 2001:db8::66 in nibble form; other.t has no IPv6 and is not asked. Six A
	 * questions, and the listing's TXT. */
	run_dnsbl(&r, "6.6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.t. "
	    "A 127.0.0.4\n", "2001:db8::66", NULL);
	zone_assert(&r, "dnsbl.listed", "2001:db8::66", ST_FAIL);
	assert_int_equal(zone_queries(r.zone), 7);
	zone_run_free(&r);

	run_dnsbl(&r, "mail.bad.test.dbl.t. A 127.0.1.2\n", "192.0.2.7", "mail.bad.test");
	zone_assert(&r, "dnsbl.listed", "mail.bad.test", ST_FAIL);
	zone_assert(&r, "dnsbl.not-listed", "t.test", ST_OK);
	zone_run_free(&r);
}

static void
test_untrusted_zones(void **state)
{
	struct zone_run r;

	(void)state;
	/* The error answer is UNKNOWN with its reason, never "listed". */
	run_dnsbl(&r, "7.2.0.192.bl.t. A 127.255.255.254\n", "192.0.2.7", NULL);
	zone_assert(&r, "dnsbl.error-answer", "bl.t", ST_UNKNOWN);
	assert_non_null(strstr(finding_message(report_find(r.ctx.rep, "dnsbl.error-answer")),
	    "public resolver"));
	zone_assert_none(&r, "dnsbl.listed");
	/* other.t still answered: the address is clean there. */
	zone_assert(&r, "dnsbl.not-listed", "192.0.2.7", ST_OK);
	zone_run_free(&r);

	/* A zone that lists 127.0.0.1 lists everything: not trusted, not "listed". */
	run_dnsbl(&r, "1.0.0.127.other.t. A 127.0.0.2\n7.2.0.192.other.t. A 127.0.0.2\n",
	    "192.0.2.7", NULL);
	zone_assert(&r, "dnsbl.zone-broken", "other.t", ST_UNKNOWN);
	zone_assert_none(&r, "dnsbl.listed");
	zone_run_free(&r);

	/* A zone whose test point is missing is gone (or unreachable). */
	{
		struct check_inputs in = { .domain = "t.test", .ip = "192.0.2.7",
		    .dnsbl_zones = list_path };

		zone_run(&r, "2.0.0.127.bl.t. A 127.0.0.2\ntest.dbl.t. A 127.0.1.2\n", &in,
		    dnsbl_only, 1);
		zone_assert(&r, "dnsbl.zone-broken", "other.t", ST_UNKNOWN);
		zone_assert(&r, "dnsbl.not-listed", "192.0.2.7", ST_OK);
		zone_run_free(&r);
	}

	/* A zone timing out is UNKNOWN for that zone only. */
	run_dnsbl(&r, "TIMEOUT 7.2.0.192.other.t. A\n", "192.0.2.7", NULL);
	zone_assert(&r, "dns.timeout", "7.2.0.192.other.t", ST_UNKNOWN);
	zone_assert(&r, "dnsbl.not-listed", "192.0.2.7", ST_OK);
	assert_non_null(strstr(finding_message(report_find(r.ctx.rep, "dnsbl.not-listed")),
	    "not on the 1 blocklist that answered"));
	zone_run_free(&r);

	/* A resolver that turns NXDOMAIN into an address is caught by the answers. */
	run_dnsbl(&r, "7.2.0.192.other.t. A 192.0.2.99\n", "192.0.2.7", NULL);
	zone_assert(&r, "dnsbl.zone-broken", "other.t", ST_UNKNOWN);
	zone_run_free(&r);
}

static void
test_no_sender(void **state)
{
	struct zone_run r;
	struct check_inputs in = { .domain = "t.test", .dnsbl_zones = "/nonexistent" };

	(void)state;
	/* Without a sending address, no question at all. */
	zone_run(&r, points, &in, dnsbl_only, 1);
	assert_int_equal(zone_queries(r.zone), 0);
	assert_int_equal(report_count(r.ctx.rep), 0);
	zone_run_free(&r);

	in.ip = "192.0.2.7";
	zone_run(&r, points, &in, dnsbl_only, 1);
	zone_assert(&r, "dnsbl.list-error", "/nonexistent", ST_UNKNOWN);
	zone_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_and_listed),
		cmocka_unit_test(test_ipv6_and_domains),
		cmocka_unit_test(test_untrusted_zones),
		cmocka_unit_test(test_no_sender),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
