/* Unit tests: the transcript's redaction of AUTH payloads and its ceilings. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smtp_transcript.h"

static void
test_redact(void **state)
{
	static const struct {
		const char *line;
		int is_sasl;
		const char *want;
	} cases[] = {
		{ "AUTH PLAIN AGFsaWNlQGlzcC50ZXN0AGFsaWNlLXBhc3M=", 0, "AUTH PLAIN <redacted>" },
		{ "auth plain AGFsaWNl", 0, "auth plain <redacted>" },
		{ "AUTH LOGIN YWxpY2VAaXNwLnRlc3Q=", 0, "AUTH LOGIN <redacted>" },
		{ "AUTH LOGIN", 0, "AUTH LOGIN" },
		{ "AUTH CRAM-MD5", 0, "AUTH CRAM-MD5" },
		{ "AUTH  PLAIN  xyz", 0, "AUTH  PLAIN <redacted>" },
		{ "YWxpY2UtcGFzcw==", 1, "<redacted>" },
		{ "dGltIGI5MTNhNjAy", 1, "<redacted>" },
		{ "*", 1, "*" },
		{ "AUTHORS are not AUTH", 0, "AUTHORS are not AUTH" },
		{ "MAIL FROM:<alice@isp.test>", 0, "MAIL FROM:<alice@isp.test>" },
		{ "EHLO [198.51.100.7]", 0, "EHLO [198.51.100.7]" },
	};
	char out[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		smtp_redact(cases[i].line, cases[i].is_sasl, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("redact(\"%s\") = \"%s\", want \"%s\"", cases[i].line, out,
			    cases[i].want);
	}
	/* A buffer too small for the mechanism still never shows the payload. */
	smtp_redact("AUTH PLAIN c2VjcmV0c2VjcmV0c2VjcmV0", 0, out, 16);
	assert_null(strstr(out, "c2Vj"));
}

static void
test_transcript(void **state)
{
	struct smtp_transcript t;
	size_t i;

	(void)state;
	smtp_transcript_init(&t, 1000);
	smtp_transcript_client(&t, 1005, "AUTH PLAIN AGFsaWNlQGlzcC50ZXN0AGFsaWNlLXBhc3M=", false);
	smtp_transcript_client(&t, 1006, "YWxpY2UtcGFzcw==", true);
	smtp_transcript_server(&t, 1007, "235 2.7.0 ok\033", 13);
	smtp_transcript_note(&t, 1008, "TLS %s", "TLSv1.3");
	assert_int_equal(t.nlines, 4);
	assert_string_equal(t.lines[0], "+5ms C: AUTH PLAIN <redacted>");
	assert_string_equal(t.lines[1], "+6ms C: <redacted>");
	assert_string_equal(t.lines[2], "+7ms S: 235 2.7.0 ok?");
	assert_string_equal(t.lines[3], "+8ms -- TLS TLSv1.3");
	for (i = 0; i < t.nlines; i++)
		assert_null(strstr(t.lines[i], "AGFsaWNl"));
	/* The ceiling: a chatty server cannot grow the transcript without end. */
	for (i = 0; i < 10 * SMTP_TRANSCRIPT_MAX_LINES; i++)
		smtp_transcript_server(&t, 2000, "250-x", 5);
	assert_true(t.is_truncated);
	assert_true(t.nlines <= SMTP_TRANSCRIPT_MAX_LINES);
	assert_string_equal(t.lines[t.nlines - 1], "... (transcript truncated)");
	smtp_transcript_fini(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_transcript),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
