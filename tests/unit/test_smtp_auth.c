/* Unit tests: base64, AUTH PLAIN/LOGIN/CRAM-MD5 encoding, secrets. */
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

#include "err.h"
#include "secret.h"
#include "smtp_auth.h"

static void
test_b64(void **state)
{
	/* RFC 4648 10 test vectors. */
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char out[32];
	unsigned char back[32];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = smtp_b64_encode((const unsigned char *)v[i].in, strlen(v[i].in), out,
		    sizeof(out));
		assert_int_equal(n, strlen(v[i].out));
		assert_string_equal(out, v[i].out);
		n = smtp_b64_decode(v[i].out, strlen(v[i].out), back, sizeof(back));
		assert_int_equal(n, strlen(v[i].in));
		assert_memory_equal(back, v[i].in, (size_t)n);
	}
	/* Too small an output buffer is refused, not overrun. */
	assert_int_equal(smtp_b64_encode((const unsigned char *)"foobar", 6, out, 8), MXD_ELIMIT);
	assert_string_equal(out, "");
	assert_int_equal(smtp_b64_decode("Zm9vYmFy", 8, back, 5), MXD_ELIMIT);
	/* Bad input. */
	assert_int_equal(smtp_b64_decode("Zm9", 3, back, sizeof(back)), MXD_EINVAL);
	assert_int_equal(smtp_b64_decode("Zm=v", 4, back, sizeof(back)), MXD_EINVAL);
	assert_int_equal(smtp_b64_decode("Z===", 4, back, sizeof(back)), MXD_EINVAL);
	assert_int_equal(smtp_b64_decode("Zm9v!A==", 8, back, sizeof(back)), MXD_EINVAL);
	assert_int_equal(smtp_b64_decode("Zg==Zg==", 8, back, sizeof(back)), MXD_EINVAL);
}

static void
test_plain_login(void **state)
{
	struct secret *pw = secret_new("alice-pass", 10);
	struct secret *s;

	(void)state;
	/* RFC 4616 2: base64("\0alice@isp.test\0alice-pass"). */
	s = smtp_auth_plain("alice@isp.test", pw);
	assert_non_null(s);
	assert_string_equal(s->buf, "AGFsaWNlQGlzcC50ZXN0AGFsaWNlLXBhc3M=");
	secret_free(s);
	s = smtp_auth_login_user("alice@isp.test");
	assert_string_equal(s->buf, "YWxpY2VAaXNwLnRlc3Q=");
	secret_free(s);
	s = smtp_auth_login_pass(pw);
	assert_string_equal(s->buf, "YWxpY2UtcGFzcw==");
	secret_free(s);
	secret_free(pw);

	/* A NUL inside the password would end the PLAIN message early: refused. */
	pw = secret_new("a\0b", 3);
	assert_null(smtp_auth_plain("alice@isp.test", pw));
	secret_free(pw);
}

static void
test_cram_md5(void **state)
{
	/* RFC 2195 2 example. */
	struct secret *pw = secret_new("tanstaaftanstaaf", 16);
	struct secret *s;

	(void)state;
	s = smtp_auth_cram_md5("tim", pw,
	    "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
	assert_non_null(s);
	assert_string_equal(s->buf, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	secret_free(s);
	assert_null(smtp_auth_cram_md5("tim", pw, "not base64!"));
	secret_free(pw);
}

static void
test_limits(void **state)
{
	char user[SMTP_AUTH_FIELD_MAX + 2];
	struct secret *pw = secret_new("x", 1);

	(void)state;
	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	assert_null(smtp_auth_plain(user, pw));
	assert_null(smtp_auth_login_user(user));
	user[SMTP_AUTH_FIELD_MAX] = '\0';
	assert_non_null(pw);
	{
		struct secret *s = smtp_auth_login_user(user);

		assert_non_null(s);
		secret_free(s);
	}
	secret_free(pw);
	secret_free(NULL);
}

static void
test_secret_sources(void **state)
{
	char path[] = "/tmp/mxdiag-test-secret-XXXXXX";
	struct secret *s;
	int fd, err = 0;
	FILE *fp;
	char big[SECRET_MAX_LEN + 10];

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fputs("s3cret word\r\nsecond line\n", fp);
	fclose(fp);
	s = secret_from_file(path, &err);
	assert_non_null(s);
	assert_int_equal(s->len, 11);
	assert_memory_equal(s->buf, "s3cret word", 11);
	secret_free(s);

	fp = fopen(path, "w");
	fputs("\nafter an empty line\n", fp);
	fclose(fp);
	assert_null(secret_from_file(path, &err));
	assert_int_equal(err, MXD_EINVAL);

	fp = fopen(path, "w");
	memset(big, 'p', sizeof(big));
	fwrite(big, 1, sizeof(big), fp);
	fclose(fp);
	assert_null(secret_from_file(path, &err));
	assert_int_equal(err, MXD_ELIMIT);

	fp = fopen(path, "w");
	fwrite("ab\0cd\n", 1, 6, fp);
	fclose(fp);
	assert_null(secret_from_file(path, &err));
	assert_int_equal(err, MXD_EINVAL);
	unlink(path);
	assert_null(secret_from_file(path, &err));
	assert_int_equal(err, MXD_EIO);

	setenv("MXD_TEST_PW", "env-pass", 1);
	s = secret_from_env("MXD_TEST_PW", &err);
	assert_non_null(s);
	assert_string_equal(s->buf, "env-pass");
	secret_free(s);
	setenv("MXD_TEST_PW", "two\nlines", 1);
	assert_null(secret_from_env("MXD_TEST_PW", &err));
	assert_int_equal(err, MXD_EINVAL);
	unsetenv("MXD_TEST_PW");
	assert_null(secret_from_env("MXD_TEST_PW", &err));
	assert_int_equal(err, MXD_ENOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_plain_login),
		cmocka_unit_test(test_cram_md5),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_secret_sources),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
