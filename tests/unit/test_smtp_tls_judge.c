/* Unit tests: the one judgement of STARTTLS and the certificate (checks/smtp/tls_judge.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smtp.h"
#include "tls_judge.h"

/* A connected STARTTLS session with a good certificate. */
static void
good(struct smtp_result *r)
{
	memset(r, 0, sizeof(*r));
	r->conn = SMTP_CONN_OK;
	r->tls_mode = SMTP_TLS_STARTTLS;
	r->has_caps = true;
	r->tls_tried = true;
	r->tls.is_done = true;
	r->tls.is_chain_ok = true;
	r->tls.is_name_ok = true;
	r->tls.days_left = 90;
}

static void
test_nothing_to_say(void **state)
{
	struct smtp_result r;

	(void)state;
	good(&r);
	assert_int_equal(tls_judge(&r, 14), 0);
	r.conn = SMTP_CONN_REFUSED;
	r.tls_tried = false;
	assert_int_equal(tls_judge(&r, 14), 0);
	/* Connected, but no EHLO answer: nothing known about STARTTLS. */
	r.conn = SMTP_CONN_OK;
	r.has_caps = false;
	assert_int_equal(tls_judge(&r, 14), 0);
}

static void
test_missing_and_failed(void **state)
{
	struct smtp_result r;

	(void)state;
	good(&r);
	r.tls_tried = false;
	assert_int_equal(tls_judge(&r, 14), TLS_J_MISSING);
	/* Implicit TLS never "lacks STARTTLS". */
	r.tls_mode = SMTP_TLS_IMPLICIT;
	assert_int_equal(tls_judge(&r, 14), 0);
	good(&r);
	r.tls.is_done = false;
	r.tls.is_chain_ok = false;
	assert_int_equal(tls_judge(&r, 14), TLS_J_FAILED);
}

static void
test_certificate(void **state)
{
	struct smtp_result r;

	(void)state;
	good(&r);
	r.tls.is_chain_ok = false;
	r.tls.is_name_ok = false;
	assert_int_equal(tls_judge(&r, 14), TLS_J_UNTRUSTED | TLS_J_NAME_MISMATCH);
	good(&r);
	r.tls.is_expired = true;
	r.tls.days_left = -3;
	assert_int_equal(tls_judge(&r, 14), TLS_J_EXPIRED);
	good(&r);
	r.tls.is_not_yet_valid = true;
	assert_int_equal(tls_judge(&r, 14), TLS_J_EXPIRED);
	good(&r);
	r.tls.days_left = 13;
	assert_int_equal(tls_judge(&r, 14), TLS_J_EXPIRING);
	r.tls.days_left = 14;
	assert_int_equal(tls_judge(&r, 14), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_to_say),
		cmocka_unit_test(test_missing_and_failed),
		cmocka_unit_test(test_certificate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
