/* Unit tests: connect classification, plan checking, operator names, endpoints. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "loop.h"
#include "probe.h"
#include "smtp.h"

static void
test_classify(void **state)
{
	(void)state;
	assert_int_equal(smtp_conn_classify(0), SMTP_CONN_OK);
	assert_int_equal(smtp_conn_classify(ECONNREFUSED), SMTP_CONN_REFUSED);
	assert_int_equal(smtp_conn_classify(ETIMEDOUT), SMTP_CONN_TIMEOUT);
	assert_int_equal(smtp_conn_classify(EHOSTUNREACH), SMTP_CONN_UNREACH);
	assert_int_equal(smtp_conn_classify(ENETUNREACH), SMTP_CONN_UNREACH);
	assert_int_equal(smtp_conn_classify(EACCES), SMTP_CONN_UNREACH);
	assert_int_equal(smtp_conn_classify(EMFILE), SMTP_CONN_ERROR);
	assert_string_equal(smtp_conn_name(SMTP_CONN_REFUSED), "refused");
}

static void
never_called(struct smtp_result *res, void *arg)
{
	(void)res;
	(void)arg;
	fail_msg("callback for a refused plan");
}

static void
test_bad_plans(void **state)
{
	static const char *const bad_rcpt[] = { "a@b.test\r\nDATA" };
	static const char *const ok_rcpt[] = { "a@b.test" };
	struct smtp_txn txn = { .mail_from = "x@y.test", .rcpts = ok_rcpt, .nrcpts = 1 };
	struct loop *loop = loop_new();
	struct smtp_plan plan;

	(void)state;
	memset(&plan, 0, sizeof(plan));
	plan.port = 25;
	plan.addr = "mx1.example.test";	/* a name is not an address literal */
	assert_int_equal(smtp_probe_start(loop, &plan, never_called, NULL), MXD_EINVAL);
	plan.addr = "192.0.2.25";
	plan.tls = SMTP_TLS_STARTTLS;	/* TLS without a context */
	assert_int_equal(smtp_probe_start(loop, &plan, never_called, NULL), MXD_EINVAL);
	plan.tls = SMTP_TLS_NONE;
	plan.auth_user = "alice";	/* a user without a password */
	assert_int_equal(smtp_probe_start(loop, &plan, never_called, NULL), MXD_EINVAL);
	plan.auth_user = NULL;
	plan.ehlo_name = "evil\r\nRCPT TO:<x@y>";
	assert_int_equal(smtp_probe_start(loop, &plan, never_called, NULL), MXD_EINVAL);
	plan.ehlo_name = NULL;
	/* Command injection through an address: CR LF never reach the wire. */
	txn.rcpts = bad_rcpt;
	plan.txns = &txn;
	plan.ntxns = 1;
	assert_int_equal(smtp_probe_start(loop, &plan, never_called, NULL), MXD_EINVAL);
	txn.rcpts = ok_rcpt;
	txn.mail_from = "x@y.test\nQUIT";
	assert_int_equal(smtp_probe_start(loop, &plan, never_called, NULL), MXD_EINVAL);
	txn.mail_from = "x@y.test";
	plan.ntxns = SMTP_PLAN_MAX_TXNS + 1;
	assert_int_equal(smtp_probe_start(loop, &plan, never_called, NULL), MXD_EINVAL);
	loop_run(loop);
	loop_free(loop);
}

static void
test_names_related(void **state)
{
	static const struct {
		const char *a, *b;
		int related;
	} cases[] = {
		{ "gmail-smtp-in.l.google.com", "mx.google.com", 1 },
		{ "mx1.example.test", "mx1.example.test", 1 },
		{ "MX1.Example.Test", "mx1.example.test", 1 },
		{ "mx1.example.test", "intercept.isp.test", 0 },
		{ "mx.exch.test", "mail.openrelay.test", 0 },
		{ "mx.biglobe.ne.jp", "smtp.biglobe.ne.jp", 1 },
		{ "mx.biglobe.ne.jp", "mx.nifty.ne.jp", 0 },
		{ "mail.foo.co.uk", "mx.bar.co.uk", 0 },
		{ "localhost", "mx.example.test", 0 },
		{ "", "mx.example.test", 0 },
		{ "test", "x.test", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (probe_names_related(cases[i].a, cases[i].b) != cases[i].related)
			fail_msg("related(%s, %s) != %d", cases[i].a, cases[i].b,
			    cases[i].related);
}

static void
test_endpoint(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(probe_endpoint("192.0.2.25", 25, buf, sizeof(buf)), "192.0.2.25:25");
	assert_string_equal(probe_endpoint("2001:db8::25", 587, buf, sizeof(buf)),
	    "[2001:db8::25]:587");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_bad_plans),
		cmocka_unit_test(test_names_related),
		cmocka_unit_test(test_endpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
