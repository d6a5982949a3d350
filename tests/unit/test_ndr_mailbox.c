/* Unit tests for the bounces of an input (ndr_mailbox.c): mbox splitting at "From " lines
 * (also across read boundaries), mboxrd unescaping, a message cut at the bound, Maildir's
 * cur/ and new/, UTF-16 and UTF-8 BOMs, Outlook .msg, empty input. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ndr.h"
#include "ndr_mailbox.h"

static char dir[] = "/tmp/mxdiag-mb.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *
write_file(const char *name, const char *data, size_t len)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static void
test_mbox(void **state)
{
	static const char mbox[] =
	    "From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n"
	    "Subject: one\n\nbody one\n>From the text\n>>From quoted twice\n\n"
	    "From MAILER-DAEMON Thu Jan  1 00:00:01 2026\n"
	    "Subject: two\n\nline\nFrom inside a paragraph is not a separator\n\n"
	    "From MAILER-DAEMON Thu Jan  1 00:00:02 2026\n"
	    "Subject: three\r\n\r\nbody three\r\n";
	enum ndr_mailbox_err err;
	struct ndr_mailbox *mb;
	struct ndr_message m;

	(void)state;
	mb = ndr_mailbox_open(write_file("a.mbox", mbox, sizeof(mbox) - 1), &err);
	assert_non_null(mb);
	assert_int_equal(ndr_mailbox_kind(mb), NDR_MB_MBOX);
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 1);
	assert_int_equal(m.index, 1);
	assert_string_equal(m.buf, "Subject: one\n\nbody one\nFrom the text\n>From quoted twice\n");
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 1);
	assert_int_equal(m.index, 2);
	assert_string_equal(m.buf, "Subject: two\n\nline\nFrom inside a paragraph is not a separator\n");
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 1);
	assert_string_equal(m.buf, "Subject: three\r\n\r\nbody three\r\n");
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 0);
	ndr_mailbox_close(mb);
}

/* A separator that straddles the 64 KB read boundary, and a line longer than it. */
static void
test_mbox_boundaries(void **state)
{
	size_t first = 65536 - 3, len = 0, i;
	char *buf = malloc(3 * 65536);
	enum ndr_mailbox_err err;
	struct ndr_mailbox *mb;
	struct ndr_message m;

	(void)state;
	assert_non_null(buf);
	len += (size_t)sprintf(buf, "From a\nSubject: x\n\n");
	while (len < first - 1)
		buf[len++] = 'a';
	buf[len++] = '\n';
	buf[len++] = '\n';	/* the empty line ends at first + 1: "From " starts 2 before */
	len += (size_t)sprintf(buf + len, "From b\nSubject: y\n\n");
	for (i = 0; i < 70000; i++)
		buf[len++] = 'b';
	buf[len++] = '\n';
	mb = ndr_mailbox_open(write_file("b.mbox", buf, len), &err);
	assert_non_null(mb);
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 1);
	assert_true(strncmp(m.buf, "Subject: x", 10) == 0);
	assert_null(strstr(m.buf, "From b"));
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 1);
	assert_true(strncmp(m.buf, "Subject: y", 10) == 0);
	assert_int_equal(m.len, strlen("Subject: y\n\n") + 70001);
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 0);
	ndr_mailbox_close(mb);
	free(buf);
}

/* A message over the bound is cut one byte past it, so ndr_parse() flags it partial. */
static void
test_mbox_bound(void **state)
{
	size_t big = NDR_MAX_INPUT + 4096, len;
	char *buf = malloc(big + 256);
	enum ndr_mailbox_err err;
	struct ndr_mailbox *mb;
	struct ndr_message m;
	struct ndr *n;

	(void)state;
	assert_non_null(buf);
	len = (size_t)sprintf(buf, "From a\nSubject: big\n\n");
	memset(buf + len, 'x', big);
	len += big;
	len += (size_t)sprintf(buf + len, "\n\nFrom b\nSubject: small\n\nok\n");
	mb = ndr_mailbox_open(write_file("c.mbox", buf, len), &err);
	free(buf);
	assert_non_null(mb);
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 1);
	assert_int_equal(m.len, NDR_MAX_INPUT + 1);
	n = ndr_parse(m.buf, m.len);
	assert_true(n->is_partial);
	ndr_free(n);
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 1);
	assert_string_equal(m.buf, "Subject: small\n\nok\n");
	ndr_mailbox_close(mb);
}

static void
test_maildir(void **state)
{
	char path[256];
	enum ndr_mailbox_err err;
	struct ndr_mailbox *mb;
	struct ndr_message m;

	(void)state;
	snprintf(path, sizeof(path), "%s/md", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/md/cur", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/md/new", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file("md/new/2", "Subject: new\n\nb\n", 16);
	write_file("md/cur/1:2,S", "Subject: cur\n\na\n", 16);
	write_file("md/cur/.hidden", "x", 1);
	snprintf(path, sizeof(path), "%s/md", dir);
	mb = ndr_mailbox_open(path, &err);
	assert_non_null(mb);
	assert_int_equal(ndr_mailbox_kind(mb), NDR_MB_MAILDIR);
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 1);
	assert_non_null(strstr(m.name, "/cur/1:2,S"));
	assert_string_equal(m.buf, "Subject: cur\n\na\n");
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 1);
	assert_non_null(strstr(m.name, "/new/2"));
	assert_int_equal(m.index, 2);
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 0);
	ndr_mailbox_close(mb);
	/* a directory without cur/ or new/ is refused */
	snprintf(path, sizeof(path), "%s/md/cur", dir);
	assert_null(ndr_mailbox_open(path, &err));
	assert_int_equal(err, NDR_MB_NOT_MAILDIR);
}

static void
test_encodings(void **state)
{
	static const char utf16le[] = "\xff\xfe" "5\0005\0000\000 \000\x9b\x5b\x48\x51\n\0";
	static const char bom8[] = "\xef\xbb\xbf" "550 x\n";
	static const char ole2[] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 rest";
	enum ndr_mailbox_err err;
	struct ndr_mailbox *mb;
	struct ndr_message m;

	(void)state;
	mb = ndr_mailbox_open(write_file("u16.txt", utf16le, sizeof(utf16le) - 1), &err);
	assert_non_null(mb);
	assert_int_equal(ndr_mailbox_kind(mb), NDR_MB_ONE);
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 1);
	assert_string_equal(m.buf, "550 \xe5\xae\x9b\xe5\x85\x88\n");	/* 宛先 */
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 0);
	ndr_mailbox_close(mb);
	mb = ndr_mailbox_open(write_file("bom8.txt", bom8, sizeof(bom8) - 1), &err);
	assert_non_null(mb);
	assert_int_equal(ndr_mailbox_next(mb, &m, &err), 1);
	assert_string_equal(m.buf, "550 x\n");
	ndr_mailbox_close(mb);
	assert_null(ndr_mailbox_open(write_file("x.msg", ole2, sizeof(ole2) - 1), &err));
	assert_int_equal(err, NDR_MB_OLE2);
	assert_null(ndr_mailbox_open(write_file("empty", "", 0), &err));
	assert_int_equal(err, NDR_MB_EMPTY);
	assert_null(ndr_mailbox_open("/nonexistent/x", &err));
	assert_int_equal(err, NDR_MB_ERRNO);
}

/* The AVX2 scan for the lines to look at gives the plain answer, and copies the bytes
 * before it, on random text made of the bytes that matter. */
static void
test_first_stop_simd(void **state)
{
	static const char alphabet[] = "\n\n\r>>FFrom ab";
	char s[300], d1[300], d2[300];
	unsigned seed = 12345;
	int round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		size_t n = (size_t)(round % 290) + 1, i, c1, c2;

		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			s[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		if (round % 3 == 0 && n > 12)
			memcpy(s + n / 2, "\nFrom x\n", 8);
		memset(d1, 0, sizeof(d1));
		memset(d2, 0, sizeof(d2));
		c1 = ndr_mbox_first_stop(d1, s, n, false);
		c2 = ndr_mbox_first_stop(d2, s, n, true);
		assert_int_equal(c1, c2);
		assert_true(c1 >= 1 && c1 <= n);
		assert_memory_equal(d1, s, c1);
		assert_memory_equal(d2, s, c1);
		assert_int_equal(ndr_mbox_first_stop(NULL, s, n, true), c1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mbox),
		cmocka_unit_test(test_mbox_boundaries),
		cmocka_unit_test(test_mbox_bound),
		cmocka_unit_test(test_maildir),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_first_stop_simd),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
