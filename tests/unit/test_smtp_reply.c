/* Unit tests: SMTP reply lines, multi-line replies, enhanced codes, the line splitter. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "smtp_reply.h"

/* Feed lines to a fresh reply; returns the last result. */
static int
feed(struct smtp_reply *r, const char *const *lines, size_t n)
{
	int rc = 0;
	size_t i;

	smtp_reply_init(r);
	for (i = 0; i < n; i++) {
		rc = smtp_reply_add_line(r, lines[i], strlen(lines[i]));
		if (rc < 0)
			return rc;
	}
	return rc;
}

static void
test_single_lines(void **state)
{
	static const struct {
		const char *line;
		int rc;
		int code;
		const char *enh;
		const char *text;
	} cases[] = {
		{ "220 mx1.example.test ESMTP Postfix", SMTP_REPLY_DONE, 220, "",
		    "mx1.example.test ESMTP Postfix" },
		{ "250 2.1.0 Ok", SMTP_REPLY_DONE, 250, "2.1.0", "Ok" },
		{ "550 5.7.1 Unable to relay", SMTP_REPLY_DONE, 550, "5.7.1", "Unable to relay" },
		{ "530 5.7.1 Client was not authenticated", SMTP_REPLY_DONE, 530, "5.7.1",
		    "Client was not authenticated" },
		/* aiosmtpd's 530 has no enhanced code (RFC 3207 gives none). */
		{ "530 Must issue a STARTTLS command first", SMTP_REPLY_DONE, 530, "",
		    "Must issue a STARTTLS command first" },
		{ "221", SMTP_REPLY_DONE, 221, "", "" },
		{ "250 5.1.0 class mismatch", SMTP_REPLY_DONE, 250, "", "5.1.0 class mismatch" },
		{ "451 4.7.1 Greylisted", SMTP_REPLY_DONE, 451, "4.7.1", "Greylisted" },
		{ "550 5.1.1234 four digits", SMTP_REPLY_DONE, 550, "", "5.1.1234 four digits" },
		{ "554 5.7.1x not a code", SMTP_REPLY_DONE, 554, "", "5.7.1x not a code" },
		{ "334 VXNlcm5hbWU6", SMTP_REPLY_DONE, 334, "", "VXNlcm5hbWU6" },
		{ "", MXD_EINVAL, 0, "", "" },
		{ "25", MXD_EINVAL, 0, "", "" },
		{ "2500 too long code", MXD_EINVAL, 0, "", "" },
		{ "650 bad first digit", MXD_EINVAL, 0, "", "" },
		{ "160 bad first digit", MXD_EINVAL, 0, "", "" },
		{ "260 bad second digit", MXD_EINVAL, 0, "", "" },
		{ "25x bad third digit", MXD_EINVAL, 0, "", "" },
		{ "250_bad separator", MXD_EINVAL, 0, "", "" },
		{ "garbage", MXD_EINVAL, 0, "", "" },
	};
	struct smtp_reply r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *l = cases[i].line;
		int rc = feed(&r, &l, 1);

		if (rc != cases[i].rc)
			fail_msg("\"%s\": rc %d, want %d", l, rc, cases[i].rc);
		if (rc == SMTP_REPLY_DONE) {
			assert_int_equal(r.code, cases[i].code);
			assert_string_equal(r.enh, cases[i].enh);
			assert_string_equal(smtp_reply_text(&r), cases[i].text);
			assert_true(r.is_complete);
		}
		smtp_reply_fini(&r);
	}
}

static void
test_multi_line(void **state)
{
	static const char *const ehlo[] = {
		"250-mx1.example.test", "250-PIPELINING", "250-SIZE 10240000",
		"250-STARTTLS", "250-AUTH PLAIN LOGIN", "250 8BITMIME",
	};
	static const char *const mixed[] = { "250-first", "251 second" };
	static const char *const greet[] = { "220-mx.example.test ESMTP", "220-please wait",
		"220 ready" };
	struct smtp_reply r, copy;
	char buf[64];
	int rc;

	(void)state;
	smtp_reply_init(&r);
	rc = smtp_reply_add_line(&r, ehlo[0], strlen(ehlo[0]));
	assert_int_equal(rc, SMTP_REPLY_NEED_MORE);
	assert_false(r.is_complete);
	smtp_reply_fini(&r);

	assert_int_equal(feed(&r, ehlo, 6), SMTP_REPLY_DONE);
	assert_int_equal(r.code, 250);
	assert_int_equal(r.nlines, 6);
	assert_string_equal(r.lines[4], "AUTH PLAIN LOGIN");
	/* A complete reply takes no more lines. */
	assert_int_equal(smtp_reply_add_line(&r, "250 more", 8), MXD_ESTATE);
	smtp_reply_copy(&copy, &r);
	smtp_reply_fini(&r);
	assert_string_equal(copy.lines[5], "8BITMIME");
	/* Formatting is bounded and joins continuation lines. */
	smtp_reply_format(&copy, buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "250 mx1.example.test / PIPELINING / ", 36), 0);
	assert_true(strlen(buf) < sizeof(buf));
	smtp_reply_fini(&copy);

	/* RFC 5321 4.2.1: the code may not change inside one reply. */
	assert_int_equal(feed(&r, mixed, 2), MXD_EINVAL);
	assert_int_equal(r.nlines, 1);
	smtp_reply_fini(&r);

	assert_int_equal(feed(&r, greet, 3), SMTP_REPLY_DONE);
	assert_int_equal(r.code, 220);
	smtp_reply_fini(&r);
}

static void
test_oversized(void **state)
{
	char line[SMTP_REPLY_LINE_MAX + 8];
	struct smtp_reply r;
	size_t i;
	int rc = 0;

	(void)state;
	/* A line at the limit is fine, one byte more is refused. */
	memset(line, 'x', sizeof(line));
	memcpy(line, "250 ", 4);
	smtp_reply_init(&r);
	assert_int_equal(smtp_reply_add_line(&r, line, SMTP_REPLY_LINE_MAX), SMTP_REPLY_DONE);
	smtp_reply_fini(&r);
	assert_int_equal(smtp_reply_add_line(&r, line, SMTP_REPLY_LINE_MAX + 1), MXD_ELIMIT);
	smtp_reply_fini(&r);

	/* A hostile server sending continuation lines forever is cut off at the ceiling. */
	for (i = 0; i < 10 * SMTP_REPLY_LINES_MAX; i++) {
		rc = smtp_reply_add_line(&r, "250-spam", 8);
		if (rc < 0)
			break;
	}
	assert_int_equal(rc, MXD_ELIMIT);
	assert_true(r.nlines < SMTP_REPLY_LINES_MAX);
	smtp_reply_fini(&r);
}

static void
test_control_bytes(void **state)
{
	struct smtp_reply r;
	const char line[] = "250 a\0b\033[31mc";

	(void)state;
	smtp_reply_init(&r);
	assert_int_equal(smtp_reply_add_line(&r, line, sizeof(line) - 1), SMTP_REPLY_DONE);
	/* NUL and ESC never reach evidence or a terminal. */
	assert_string_equal(r.lines[0], "a?b?[31mc");
	smtp_reply_fini(&r);
}

static void
test_linebuf(void **state)
{
	struct smtp_linebuf lb;
	const char *line;
	size_t len;
	const char *in = "220 hello\r\n250-a\n250 b\r\n25";

	(void)state;
	memset(&lb, 0, sizeof(lb));
	memcpy(lb.buf, in, strlen(in));
	smtp_linebuf_added(&lb, strlen(in));
	assert_int_equal(smtp_linebuf_next(&lb, &line, &len), 1);
	assert_int_equal(len, 9);
	assert_memory_equal(line, "220 hello", 9);
	assert_int_equal(smtp_linebuf_next(&lb, &line, &len), 1);
	assert_memory_equal(line, "250-a", 5);	/* a bare LF ends a line too */
	assert_int_equal(smtp_linebuf_next(&lb, &line, &len), 1);
	assert_memory_equal(line, "250 b", 5);
	assert_int_equal(smtp_linebuf_next(&lb, &line, &len), 0);
	assert_int_equal(lb.len, 2);	/* "25" waits for the rest */
	memcpy(lb.buf + lb.len, "0 x\r\n", 5);
	smtp_linebuf_added(&lb, 5);
	assert_int_equal(smtp_linebuf_next(&lb, &line, &len), 1);
	assert_memory_equal(line, "250 x", 5);

	/* A line without an end that fills the buffer is a protocol violation. */
	smtp_linebuf_clear(&lb);
	memset(lb.buf, 'x', smtp_linebuf_room(&lb));
	smtp_linebuf_added(&lb, smtp_linebuf_room(&lb));
	assert_int_equal(smtp_linebuf_room(&lb), 0);
	assert_int_equal(smtp_linebuf_next(&lb, &line, &len), MXD_ELIMIT);
}

static void
test_sanitise(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "plain ascii", 11, "plain ascii" },
		{ "tab\there", 8, "tab\there" },
		{ "\xe6\x97\xa5\xe6\x9c\xac", 6, "\xe6\x97\xa5\xe6\x9c\xac" },	/* valid UTF-8 */
		{ "bad \xff byte", 10, "bad ? byte" },
		{ "trunc \xe6\x97", 8, "trunc ??" },
		{ "overlong \xc0\xaf", 11, "overlong ??" },
		{ "surrogate \xed\xa0\x80", 13, "surrogate ???" },
		{ "sjis \x93\xfa", 7, "sjis ??" },
		{ "nul\0x", 5, "nul?x" },
		{ "esc\033[0m", 7, "esc?[0m" },
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		smtp_sanitise(out, cases[i].in, cases[i].len);
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, out, cases[i].out);
	}
}

static void
test_enh_parse(void **state)
{
	char enh[SMTP_ENH_MAX];

	(void)state;
	assert_int_equal(smtp_enh_parse("5.7.1 Unable", enh), 6);
	assert_string_equal(enh, "5.7.1");
	assert_int_equal(smtp_enh_parse("2.0.0", enh), 5);
	assert_int_equal(smtp_enh_parse("4.999.999 x", enh), 10);
	assert_int_equal(smtp_enh_parse("3.1.1 x", enh), 0);
	assert_int_equal(smtp_enh_parse("5..1 x", enh), 0);
	assert_int_equal(smtp_enh_parse("5.7.", enh), 0);
	assert_int_equal(smtp_enh_parse("", enh), 0);
	assert_string_equal(enh, "");
}

/* The address a refusal is about, as real Postfix names it (issue 16). */
static void
test_names(void **state)
{
	static const char line[] = "553 5.7.1 <Boss@pfsub.test>: Sender address rejected: "
	    "not owned by user carol@pfsub.test";
	struct smtp_reply r;

	(void)state;
	smtp_reply_init(&r);
	assert_int_equal(smtp_reply_add_line(&r, line, strlen(line)), SMTP_REPLY_DONE);
	assert_true(smtp_reply_names(&r, "boss@pfsub.test"));
	assert_false(smtp_reply_names(&r, "carol@pfsub.test"));	/* not in brackets */
	assert_false(smtp_reply_names(&r, "boss@pfsub.tes"));	/* a prefix is not it */
	assert_false(smtp_reply_names(&r, ""));
	assert_false(smtp_reply_names(&r, NULL));
	smtp_reply_fini(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_lines),
		cmocka_unit_test(test_multi_line),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_control_bytes),
		cmocka_unit_test(test_linebuf),
		cmocka_unit_test(test_sanitise),
		cmocka_unit_test(test_enh_parse),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
