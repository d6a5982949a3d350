/* Unit tests: CLI-boundary validators, address ranges, reverse names. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"
#include "netaddr.h"
#include "validate.h"

static void
test_domains(void **state)
{
	static const struct {
		const char *name;
		int ok;
	} cases[] = {
		{ "example.test", 1 }, { "example.test.", 1 }, { "a", 1 }, { "_dmarc.example.test", 1 },
		{ "xn--bcher-kva.example", 1 }, { "", 0 }, { ".", 0 }, { "a..b", 0 }, { ".a", 0 },
		{ "-a.test", 0 }, { "a-.test", 0 }, { "exa mple.test", 0 }, { "b\xc3\xbc" "cher.de", 0 },
		{ "a/b", 0 }, { "foo@bar", 0 },
	};
	char why[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = validate_domain(cases[i].name, why, sizeof(why));

		if ((rc == 0) != cases[i].ok)
			fail_msg("validate_domain(\"%s\") = %d, want %s", cases[i].name, rc,
			    cases[i].ok ? "valid" : "invalid");
	}
}

static void
test_domain_lengths(void **state)
{
	char label[70], name[300], why[128];

	(void)state;
	memset(label, 'a', 63);
	label[63] = '\0';
	assert_int_equal(validate_domain(label, why, sizeof(why)), 0);
	memset(label, 'a', 64);
	label[64] = '\0';
	assert_true(validate_domain(label, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "63"));
	/* 4 labels of 63 plus 3 dots = 255 characters: over the 253 limit. */
	memset(label, 'b', 63);
	label[63] = '\0';
	snprintf(name, sizeof(name), "%s.%s.%s.%s", label, label, label, label);
	assert_true(validate_domain(name, why, sizeof(why)) < 0);
}

static void
test_addresses(void **state)
{
	char why[128];

	(void)state;
	assert_int_equal(validate_address("alice@isp.test", false, why, sizeof(why)), 0);
	assert_int_equal(validate_address("", true, why, sizeof(why)), 0);
	assert_true(validate_address("", false, why, sizeof(why)) < 0);
	assert_true(validate_address("alice", false, why, sizeof(why)) < 0);
	assert_true(validate_address("@isp.test", false, why, sizeof(why)) < 0);
	assert_true(validate_address("a b@isp.test", false, why, sizeof(why)) < 0);
	assert_true(validate_address("alice@bad..test", false, why, sizeof(why)) < 0);
	assert_true(validate_address("a@@b", false, why, sizeof(why)) < 0);
	assert_int_equal(validate_address("\"a@b\"@isp.test", false, why, sizeof(why)), 0);
}

static void
test_host_port(void **state)
{
	char why[128], *host;
	int port;

	(void)state;
	port = 0;
	assert_int_equal(parse_host_port("smtp.isp.test:587", &host, &port, why, sizeof(why)), 0);
	assert_string_equal(host, "smtp.isp.test");
	assert_int_equal(port, 587);
	free(host);
	port = 25;
	assert_int_equal(parse_host_port("[2001:db8::25]:465", &host, &port, why, sizeof(why)), 0);
	assert_string_equal(host, "2001:db8::25");
	assert_int_equal(port, 465);
	free(host);
	port = 25;
	assert_int_equal(parse_host_port("2001:db8::25", &host, &port, why, sizeof(why)), 0);
	assert_int_equal(port, 25);
	free(host);
	assert_true(parse_host_port("host:0", &host, &port, why, sizeof(why)) < 0);
	assert_true(parse_host_port("host:65536", &host, &port, why, sizeof(why)) < 0);
	assert_true(parse_host_port("host:25x", &host, &port, why, sizeof(why)) < 0);
	assert_true(parse_host_port("[::1", &host, &port, why, sizeof(why)) < 0);
	assert_true(parse_host_port("[nothost]:25", &host, &port, why, sizeof(why)) < 0);
	assert_true(parse_host_port("", &host, &port, why, sizeof(why)) < 0);
}

static void
test_ranges(void **state)
{
	(void)state;
	assert_non_null(netaddr_special_range("10.1.2.3"));
	assert_non_null(netaddr_special_range("127.0.0.1"));
	assert_non_null(netaddr_special_range("172.31.255.255"));
	assert_null(netaddr_special_range("172.32.0.1"));
	assert_non_null(netaddr_special_range("192.168.0.1"));
	assert_non_null(netaddr_special_range("fe80::1"));
	assert_non_null(netaddr_special_range("fd00::1"));
	assert_null(netaddr_special_range("192.0.2.25"));	/* documentation: the lab */
	assert_null(netaddr_special_range("8.8.8.8"));
	assert_null(netaddr_special_range("not an ip"));
	/* each prefix's edges: the bits after the prefix length are not compared */
	assert_non_null(netaddr_special_range("100.127.255.255"));
	assert_null(netaddr_special_range("100.128.0.1"));
	assert_non_null(netaddr_special_range("198.19.255.255"));
	assert_null(netaddr_special_range("198.20.0.1"));
	assert_non_null(netaddr_special_range("255.255.255.255"));
	assert_non_null(netaddr_special_range("::"));
	assert_non_null(netaddr_special_range("::1"));
	assert_null(netaddr_special_range("::2"));
	assert_non_null(netaddr_special_range("::ffff:192.0.2.1"));
	assert_null(netaddr_special_range("fec0::1"));
	assert_non_null(netaddr_special_range("febf::1"));
	assert_non_null(netaddr_special_range("ff02::1"));
	assert_null(netaddr_special_range("2001:db8::1"));
}

/* IDNA2008 with the UTS #46 mapping, as libidn2 does it: the A-labels are the registries'. */
static void
test_idn(void **state)
{
	static const struct {
		const char *in, *want;	/* want NULL: refused */
	} cases[] = {
		{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.jp", "xn--wgv71a119e.jp" },	/* 日本語.jp */
		{ "b\xc3\xbc" "cher.test", "xn--bcher-kva.test" },				/* bücher */
		{ "B\xc3\x9c" "CHER.test", "xn--bcher-kva.test" },		/* mapped to lower case */
		{ "stra\xc3\x9f" "e.test", "xn--strae-oqa.test" },	/* ß kept: non-transitional */
		{ "\xff.test", NULL },					/* not UTF-8 */
	};
	char why[128], *ascii;
	size_t i;
	int rc;

	(void)state;
	assert_int_equal(validate_idn("example.test", &ascii, why, sizeof(why)), 1);
	assert_null(ascii);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = validate_idn(cases[i].in, &ascii, why, sizeof(why));
		if (cases[i].want == NULL) {
			assert_true(rc < 0);
			assert_null(ascii);
			assert_true(why[0] != '\0');
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(ascii, cases[i].want);
		assert_int_equal(validate_domain(ascii, why, sizeof(why)), 0);
		free(ascii);
	}
}

static void
test_reverse(void **state)
{
	char *r;

	(void)state;
	r = dns_reverse_name("198.51.100.7");
	assert_string_equal(r, "7.100.51.198.in-addr.arpa");
	free(r);
	r = dns_reverse_name("2001:db8::25");
	assert_string_equal(r,
	    "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	free(r);
	assert_null(dns_reverse_name("example.test"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_domain_lengths),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_host_port),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_idn),
		cmocka_unit_test(test_reverse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
