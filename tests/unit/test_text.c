/* Unit tests: the one UTF-8 validator (RFC 3629 4), table-driven. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"
#include "xmalloc.h"

static const struct {
	const char *what;
	const char *bytes;
	size_t len;
	size_t seq;	/* text_utf8_seq() of the first byte */
	int valid;	/* text_is_utf8() of the whole */
} cases[] = {
	{ "ASCII", "a", 1, 1, 1 },
	{ "NUL", "\0", 1, 1, 1 },
	{ "U+00E9", "\xc3\xa9", 2, 2, 1 },
	{ "CJK U+65E5 U+672C", "\xe6\x97\xa5\xe6\x9c\xac", 6, 3, 1 },
	{ "U+FFFD", "\xef\xbf\xbd", 3, 3, 1 },
	{ "U+1F600", "\xf0\x9f\x98\x80", 4, 4, 1 },
	{ "U+10FFFF", "\xf4\x8f\xbf\xbf", 4, 4, 1 },
	{ "overlong 2-byte C0", "\xc0\xaf", 2, 0, 0 },
	{ "overlong 2-byte C1", "\xc1\xbf", 2, 0, 0 },
	{ "overlong 3-byte", "\xe0\x80\xaf", 3, 0, 0 },
	{ "overlong 3-byte top", "\xe0\x9f\xbf", 3, 0, 0 },
	{ "overlong 4-byte", "\xf0\x80\x80\xaf", 4, 0, 0 },
	{ "overlong 4-byte top", "\xf0\x8f\xbf\xbf", 4, 0, 0 },
	{ "surrogate D800", "\xed\xa0\x80", 3, 0, 0 },
	{ "surrogate DFFF", "\xed\xbf\xbf", 3, 0, 0 },
	{ "U+D7FF", "\xed\x9f\xbf", 3, 3, 1 },
	{ "past U+10FFFF F4 90", "\xf4\x90\x80\x80", 4, 0, 0 },
	{ "past U+10FFFF F5", "\xf5\x80\x80\x80", 4, 0, 0 },
	{ "lead FF", "\xff", 1, 0, 0 },
	{ "lone continuation", "\x80", 1, 0, 0 },
	{ "truncated 2-byte", "\xc3", 1, 0, 0 },
	{ "truncated 3-byte", "\xe6\x97", 2, 0, 0 },
	{ "truncated 4-byte", "\xf0\x9f\x98", 3, 0, 0 },
	{ "NUL inside a sequence", "\xe6\x00\xa5", 3, 0, 0 },
	{ "bad continuation", "\xe6\x97\x41", 3, 0, 0 },
	{ "valid then truncated", "ab\xe6\x97\xa5\xe6", 6, 1, 0 },
};

static void
test_seq_and_whole(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const unsigned char *b = (const unsigned char *)cases[i].bytes;
		size_t n = text_utf8_seq(b, cases[i].len);
		int ok = text_is_utf8(cases[i].bytes, cases[i].len);

		if (n != cases[i].seq)
			fail_msg("%s: text_utf8_seq = %zu, want %zu", cases[i].what, n,
			    cases[i].seq);
		if (ok != cases[i].valid)
			fail_msg("%s: text_is_utf8 = %d, want %d", cases[i].what, ok,
			    cases[i].valid);
	}
}

static void
test_avail_bounds_the_read(void **state)
{
	/* a complete sequence is refused when avail cuts it short */
	(void)state;
	assert_int_equal(text_utf8_seq((const unsigned char *)"\xe6\x97\xa5", 2), 0);
	assert_int_equal(text_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 3), 0);
	assert_int_equal(text_utf8_seq((const unsigned char *)"\xc3\xa9", 1), 0);
	assert_true(text_is_utf8("", 0));
}

/* Sentences joined: a space in English, none after Japanese punctuation. */
static void
test_sentence_gap(void **state)
{
	static const struct {
		const char *prev, *gap;
	} cases[] = {
		{ "It is blocked.", " " },
		{ "", " " },
		{ "\xe5\xbd\xb1\xe9\x9f\xbf\xe3\x81\xaf\xe3\x81\x82\xe3\x82\x8a\xe3\x81\xbe"
		    "\xe3\x81\x9b\xe3\x82\x93\xe3\x80\x82", "" },	/* ...ありません。 */
		{ "\xe3\x80\x8d", "" },	/* 」 */
		{ "(OP25B\xef\xbc\x89", "" },	/* ） */
		{ "\xe3\x81\x82", " " },	/* あ: a sentence without its stop */
		{ "\x80\x82", " " },		/* a truncated sequence, never read before it */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(text_sentence_gap(cases[i].prev), cases[i].gap);
}

/* xasprintf() joins formats of "%s" alone itself: the same text as snprintf(), NULL as
 * glibc prints it; any other format goes to vsnprintf(). */
static void
test_xasprintf_joins(void **state)
{
	char want[256], *got;
	const char *null = getenv("MXDIAG_TEST_NEVER_SET");	/* NULL, unknown to the compiler */

	(void)state;
#define SAME(...) do { \
		snprintf(want, sizeof(want), __VA_ARGS__); \
		got = xasprintf(__VA_ARGS__); \
		assert_string_equal(got, want); \
		free(got); \
	} while (0)
	SAME("%s", "one");
	SAME("%s: %s\n%s %s\n%s\n%s %s", "a", "bb", "", "dddd", "e\n", "f", "g");
	SAME("plain text");
	SAME("%s%s%s", "", "", "");
	SAME("lead %s trail", "mid");
	SAME("100%% %s", "sure");
	SAME("%d and %s", 7, "x");
	SAME("%.3s|%5s", "abcdef", "ab");
#undef SAME
	assert_null(null);
	got = xasprintf("<%s>", null);
	assert_string_equal(got, "<(null)>");
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_and_whole),
		cmocka_unit_test(test_avail_bounds_the_read),
		cmocka_unit_test(test_sentence_gap),
		cmocka_unit_test(test_xasprintf_joins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
