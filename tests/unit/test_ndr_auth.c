/* DMARC's identifiers of a message (src/ndr/ndr_auth.c): DKIM-Signature tag-lists as RFC
 * 6376 3.2 writes them, From:, Return-Path, and the returned headers of a bounce. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ndr.h"
#include "ndr_auth.h"
#include "ndr_header.h"

static void
test_sig_parse(void **state)
{
	static const struct {
		const char *value;
		int ok;
		const char *d, *s;
	} cases[] = {
		{ "v=1; a=rsa-sha256; d=example.org; s=sel1; h=from; bh=x; b=y", 1,
		    "example.org", "sel1" },
		/* folding whitespace around tags and values, CRLF inside b= */
		{ "v=1;\r\n\ta=rsa-sha256; d = Example.ORG. ;\r\n s=\tk1 ; b=ab\r\n cd;", 1,
		    "example.org", "k1" },
		{ "v=1; d=example.org; s=2024.mail; b=", 1, "example.org", "2024.mail" },
		{ "v=2; d=example.org; s=a", 0, NULL, NULL },
		{ "d=example.org; s=a", 0, NULL, NULL },
		{ "v=1; s=a", 0, NULL, NULL },
		{ "v=1; d=example.org", 0, NULL, NULL },
		{ "v=1; d=exa mple.org; s=a", 0, NULL, NULL },
		{ "v=1; d=example.org; s=a; s=b", 0, NULL, NULL },	/* a tag twice */
		/* not RFC 6376 3.1 syntax, but a name DNS can ask: taken */
		{ "v=1; d=example.org; s=a_b", 1, "example.org", "a_b" },
		{ "v=1; d=example.org; s=a..b", 0, NULL, NULL },	/* not a selector */
		{ "v=1; 1d=x; d=example.org; s=a", 0, NULL, NULL },
		{ "garbage", 0, NULL, NULL },
		{ "", 0, NULL, NULL },
	};
	struct ndr_dkim_sig sig;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = ndr_dkim_sig_parse(cases[i].value, &sig, &why);

		if (!cases[i].ok) {
			if (rc >= 0)
				print_error("case %zu: %s\n", i, cases[i].value);
			assert_true(rc < 0);
			assert_non_null(why);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(sig.domain, cases[i].d);
		assert_string_equal(sig.selector, cases[i].s);
	}
}

static void
test_headers(void **state)
{
	static const char msg[] =
	    "Return-Path: <Bounce+123@Mail.Example.NET>\n"
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.org;\n"
	    "\ts=s1; h=from:to; bh=x;\n"
	    "\tb=abc\n"
	    "DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=s1; b=z\n"
	    "DKIM-Signature: v=1; d=esp.example.com; s=k2; b=z\n"
	    "DKIM-Signature: broken\n"
	    "From: \"x@decoy.example\" <Alice@Example.ORG>\n"
	    "Subject: hi\n\nbody\n";
	struct ndr_hdrs h;
	struct ndr_auth a;

	(void)state;
	ndr_hdrs_parse(msg, sizeof(msg) - 1, &h);
	ndr_auth_headers(&a, &h);
	ndr_hdrs_fini(&h);
	assert_true(a.has_headers);
	assert_string_equal(a.from_domain, "example.org");
	assert_string_equal(a.mfrom_domain, "mail.example.net");
	assert_string_equal(a.mfrom_source, "Return-Path");
	/* the same d=/s= twice is one key to ask */
	assert_int_equal(a.n_sigs, 2);
	assert_string_equal(a.sigs[1].domain, "esp.example.com");
	assert_string_equal(a.sigs[1].selector, "k2");
	assert_int_equal(a.n_bad_sigs, 1);
}

/* A DSN: the original's headers in text/rfc822-headers, the MAIL FROM from Postfix's
 * X-Postfix-Sender, else the bounce's To:. */
static void
test_bounce(void **state)
{
	static const char dsn[] =
	    "From: MAILER-DAEMON@mta.example\nTo: alice@env.example\nSubject: Undelivered\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
	    "--B\nContent-Type: text/plain\n\nFailed.\n\n"
	    "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mta.example\n"
	    "X-Postfix-Sender: rfc822; alice@Postfix.Example\n\n"
	    "Final-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.7.26\n\n"
	    "--B\nContent-Type: text/rfc822-headers\n\n"
	    "DKIM-Signature: v=1; d=example.org; s=s1; b=z\n"
	    "From: alice@example.org\nTo: bob@example.net\n\n"
	    "--B--\n";
	struct ndr *n = ndr_parse(dsn, sizeof(dsn) - 1);
	struct ndr_auth a;
	char *buf;
	const char *p;

	(void)state;
	assert_true(n->orig_auth.has_headers);
	assert_string_equal(n->orig_auth.from_domain, "example.org");
	assert_string_equal(n->orig_auth.mfrom_domain, "postfix.example");
	assert_string_equal(n->orig_auth.mfrom_source, "X-Postfix-Sender");
	assert_int_equal(n->orig_auth.n_sigs, 1);
	ndr_free(n);

	/* ndr_auth_message reads a DSN as its original */
	ndr_auth_message(dsn, sizeof(dsn) - 1, &a);
	assert_string_equal(a.from_domain, "example.org");

	/* without X-Postfix-Sender: the bounce's own To: */
	buf = strdup(dsn);
	assert_non_null(buf);
	p = strstr(buf, "X-Postfix-Sender");
	memcpy((char *)p, "X-Other-Field-00", 16);
	n = ndr_parse(buf, strlen(buf));
	assert_string_equal(n->orig_auth.mfrom_domain, "env.example");
	assert_string_equal(n->orig_auth.mfrom_source, "bounce To:");
	ndr_free(n);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_parse),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_bounce),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
