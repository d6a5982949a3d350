/* Unit tests for the sizes a "message too big" bounce states (ndr_size.h): each MTA's
 * phrasing, en and ja, units, and what must not be read as a size. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ndr_size.h"

#define MiB 1048576ULL

struct size_case {
	const char *text;
	unsigned long long size, limit;	/* 0: not stated */
};

static const struct size_case cases[] = {
	/* Postfix's smtp client, quoting the remote limit */
	{ "message size 15728640 exceeds size limit 10240000 of server mx.pfmx.test[192.0.2.71]",
	    15728640, 10240000 },
	/* Exim */
	{ "552 Message size exceeds maximum permitted: message too big: read=36716544 "
	    "max=26214400", 36716544, 26214400 },
	/* sendmail: the limit in brackets after "maximum fixed size" */
	{ "552 5.2.3 Message exceeds maximum fixed size (10485760)", 0, 10485760 },
	/* Exchange / Office 365 wording, units */
	{ "The message is too large. The size limit for messages is 25 MB and this message "
	    "is 36 MB.", 36 * MiB, 25 * MiB },
	{ "The limit is 10 MB. This message is 15.5 MB.", 15 * MiB + MiB / 2, 10 * MiB },
	{ "Your message of 12,582,912 bytes exceeds the 10 MB limit", 12582912, 10 * MiB },
	/* Japanese */
	{ "メッセージのサイズ (15 MB) が上限 (10 MB) を超えています。", 15 * MiB, 10 * MiB },
	{ "メッセージサイズ: 15,728,640 バイト、制限: 10,485,760 バイト", 15728640, 10485760 },
	{ "送信されたメールのサイズが大きすぎます。最大 20 メガバイトまでです。", 0, 20 * MiB },
	/* nothing to read: status codes, addresses, an URL's number, a bare count */
	{ "552 5.3.4 Message size exceeds fixed maximum message size", 0, 0 },
	{ "552-5.2.3 Your message exceeded Google's message size limits. Please visit "
	    "https://support.google.com/mail/?answer=8770 to review our size guidelines.", 0, 0 },
	{ "host mx1.example.test[192.0.2.25] said: 552 5.3.4 Error: message file too big", 0, 0 },
	{ "size", 0, 0 },
	{ "", 0, 0 },
	/* over-long numbers are skipped, not wrapped */
	{ "message size 99999999999999999999 exceeds limit 1024", 0, 1024 },
};

static void
test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long long size = 0, limit = 0;
		bool found = ndr_size_read(cases[i].text, strlen(cases[i].text), &size, &limit);

		if (size != cases[i].size || limit != cases[i].limit)
			print_error("case %zu \"%s\": size %llu limit %llu, want %llu %llu\n", i,
			    cases[i].text, size, limit, cases[i].size, cases[i].limit);
		assert_int_equal(size, cases[i].size);
		assert_int_equal(limit, cases[i].limit);
		assert_int_equal(found, cases[i].size != 0 || cases[i].limit != 0);
	}
}

/* Not NUL-terminated, cut in the middle of a number and of a UTF-8 word; NULL. */
static void
test_bounds(void **state)
{
	const char *t = "message size 123456 exceeds limit 65536";
	unsigned long long size = 7, limit = 7;

	(void)state;
	assert_false(ndr_size_read(NULL, 10, &size, &limit));
	assert_int_equal(size, 7);
	assert_true(ndr_size_read(t, strlen("message size 1234"), &size, &limit));
	assert_int_equal(size, 1234);
	assert_int_equal(limit, 7);
	size = limit = 0;
	assert_false(ndr_size_read("上限", 4, &size, &limit));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
