/* Unit tests: EHLO capability parsing (RFC 5321 4.1.1.1 and the extensions). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "smtp_caps.h"
#include "smtp_reply.h"

static void
parse(struct smtp_caps *caps, const char *const *lines, size_t n)
{
	struct smtp_reply r;
	size_t i;

	smtp_reply_init(&r);
	for (i = 0; i < n; i++)
		assert_true(smtp_reply_add_line(&r, lines[i], strlen(lines[i])) >= 0);
	smtp_caps_parse(caps, &r);
	smtp_reply_fini(&r);
}

static void
test_postfix(void **state)
{
	static const char *const l[] = {
		"250-mx1.example.test", "250-PIPELINING", "250-SIZE 10240000", "250-VRFY",
		"250-ETRN", "250-STARTTLS", "250-ENHANCEDSTATUSCODES", "250-8BITMIME",
		"250-DSN", "250-SMTPUTF8", "250 CHUNKING",
	};
	struct smtp_caps c;

	(void)state;
	parse(&c, l, sizeof(l) / sizeof(l[0]));
	assert_true(c.is_esmtp);
	assert_true(c.has_pipelining);
	assert_true(c.has_size);
	assert_int_equal(c.size_max, 10240000);
	assert_true(c.has_starttls);
	assert_true(c.has_enhancedstatuscodes);
	assert_true(c.has_8bitmime);
	assert_true(c.has_dsn);
	assert_true(c.has_smtputf8);
	assert_true(c.has_chunking);
	assert_false(c.has_auth);
	assert_int_equal(c.auth_mechs, 0);
}

static void
test_auth_lists(void **state)
{
	static const char *const sub[] = { "250-smtp.isp.test", "250-AUTH PLAIN LOGIN CRAM-MD5",
		"250-AUTH=PLAIN LOGIN", "250 HELP" };
	static const char *const exch[] = { "250-mx.exch.test Hello [198.51.100.7]",
		"250-AUTH GSSAPI NTLM", "250 XRDST" };
	static const char *const lower[] = { "250-x", "250-auth login xoauth2 SCRAM-SHA-256",
		"250 size" };
	struct smtp_caps c;

	(void)state;
	parse(&c, sub, 4);
	assert_true(c.has_auth);
	assert_int_equal(c.auth_mechs, SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN | SMTP_AUTH_CRAM_MD5);
	/* The old "AUTH=" line repeats names; the evidence text lists each once. */
	assert_string_equal(c.auth_text, "PLAIN LOGIN CRAM-MD5");
	assert_false(c.has_starttls);

	parse(&c, exch, 3);
	assert_int_equal(c.auth_mechs, SMTP_AUTH_GSSAPI | SMTP_AUTH_NTLM);
	assert_string_equal(c.auth_text, "GSSAPI NTLM");

	/* RFC 5321 2.4: keywords are case-insensitive; SIZE without a number is fine. */
	parse(&c, lower, 3);
	assert_int_equal(c.auth_mechs, SMTP_AUTH_LOGIN | SMTP_AUTH_XOAUTH2 | SMTP_AUTH_OTHER);
	assert_true(c.has_size);
	assert_int_equal(c.size_max, 0);
}

static void
test_not_250(void **state)
{
	static const char *const l[] = { "502 5.5.1 EHLO not implemented" };
	static const char *const greet_only[] = { "250 old.example.test" };
	static const char *const first_line_kw[] = { "250-STARTTLS", "250 x" };
	struct smtp_caps c;

	(void)state;
	parse(&c, l, 1);
	assert_false(c.is_esmtp);
	parse(&c, greet_only, 1);
	assert_true(c.is_esmtp);
	assert_false(c.has_starttls);
	/* The first line is the greeting, never an extension. */
	parse(&c, first_line_kw, 2);
	assert_false(c.has_starttls);
}

static void
test_auth_text_bound(void **state)
{
	char line[SMTP_REPLY_LINE_MAX];
	const char *l[2];
	struct smtp_caps c;
	size_t i, used;

	(void)state;
	used = (size_t)snprintf(line, sizeof(line), "250-AUTH");
	for (i = 0; used + 12 < sizeof(line) - 1; i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, " MECH%06zu", i);
	l[0] = line;
	l[1] = "250 HELP";
	{
		struct smtp_reply r;

		smtp_reply_init(&r);
		assert_true(smtp_reply_add_line(&r, "250-x", 5) >= 0);
		assert_true(smtp_reply_add_line(&r, l[0], strlen(l[0])) >= 0);
		assert_true(smtp_reply_add_line(&r, l[1], strlen(l[1])) >= 0);
		smtp_caps_parse(&c, &r);
		smtp_reply_fini(&r);
	}
	assert_true(strlen(c.auth_text) < sizeof(c.auth_text));
	assert_int_equal(c.auth_mechs, SMTP_AUTH_OTHER);
}

static void
test_mech_names(void **state)
{
	(void)state;
	assert_int_equal(smtp_auth_mech_from_name("cram-md5", 8), SMTP_AUTH_CRAM_MD5);
	assert_int_equal(smtp_auth_mech_from_name("PLAINX", 6), SMTP_AUTH_OTHER);
	assert_string_equal(smtp_auth_mech_name(SMTP_AUTH_LOGIN), "LOGIN");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfix),
		cmocka_unit_test(test_auth_lists),
		cmocka_unit_test(test_not_250),
		cmocka_unit_test(test_auth_text_bound),
		cmocka_unit_test(test_mech_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
