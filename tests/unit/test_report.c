/* Unit tests: findings model, worst status and exit codes, JSON and text renderers, names. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "names.h"
#include "render.h"
#include "report.h"
#include "text.h"

static void
test_worst_status(void **state)
{
	static const struct {
		enum status a, b, worst;
		int exit_code;
	} cases[] = {
		{ ST_OK, ST_OK, ST_OK, 0 }, { ST_OK, ST_INFO, ST_INFO, 0 },
		{ ST_INFO, ST_WARN, ST_WARN, 1 }, { ST_WARN, ST_UNKNOWN, ST_UNKNOWN, 3 },
		{ ST_UNKNOWN, ST_FAIL, ST_FAIL, 2 }, { ST_FAIL, ST_WARN, ST_FAIL, 2 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct report *rep = report_new("check", "example.test");

		report_add(rep, "x.a", cases[i].a, "s");
		report_add(rep, "x.b", cases[i].b, "s");
		assert_int_equal(report_worst(rep), cases[i].worst);
		assert_int_equal(status_exit_code(report_worst(rep)), cases[i].exit_code);
		report_free(rep);
	}
}

static void
test_empty_report_is_unknown(void **state)
{
	struct report *rep = report_new("check", "example.test");

	(void)state;
	assert_int_equal(report_worst(rep), ST_UNKNOWN);
	report_free(rep);
}

static void
test_json_document(void **state)
{
	struct report *rep = report_new("check", "example.test");
	struct finding *f = report_add(rep, "mx.null-mx", ST_FAIL, "example.test");
	json_t *doc, *fj;

	(void)state;
	finding_msg(f, "null MX at %s", "example.test");
	finding_fix(f, "remove it");
	finding_ref(f, "RFC 7505 section 3");
	finding_evidence(f, "line with invalid UTF-8: \xff\xfe");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    finding_evidence_list(f), 0), "text")), "line with invalid UTF-8: ??");
	finding_data(f, "n", json_integer(1));
	report_stats(rep)->dns.queries = 3;
	report_stats(rep)->dns.depth = 2;
	report_finish(rep);
	doc = render_json_doc(rep);
	assert_int_equal(json_integer_value(json_object_get(doc, "schema")), MXD_JSON_SCHEMA);
	assert_string_equal(json_string_value(json_object_get(doc, "status")), "FAIL");
	assert_int_equal(json_integer_value(json_object_get(doc, "exit_code")), 2);
	fj = json_array_get(json_object_get(doc, "findings"), 0);
	assert_string_equal(json_string_value(json_object_get(fj, "id")), "mx.null-mx");
	assert_string_equal(json_string_value(json_object_get(fj, "message")),
	    "null MX at example.test");
	assert_int_equal(json_array_size(json_object_get(fj, "evidence")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_object_get(doc, "stats"), "dns"), "depth")), 2);
	json_decref(doc);
	report_free(rep);
}

/* What `fn` wrote to a memory stream; caller frees. */
static char *
written(int (*fn)(FILE *, const struct report *, bool), const struct report *rep, bool po)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_int_equal(fn(out, rep, po), 0);
	fclose(out);
	return buf;
}

/* The document tree as jansson itself writes it on one line. */
static int
via_tree(FILE *out, const struct report *rep, bool problems_only)
{
	json_t *doc = render_json_doc_problems(rep, problems_only);
	int rc = json_dumpf(doc, out, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(doc);
	return rc == 0 && fputc('\n', out) != EOF ? 0 : -1;
}

/* DNS evidence of every shape: records dns_rr_text() writes and ones left to ldns, an
 * error, no server, a text and a name that are not UTF-8 (no evidence then), evidence
 * shared by way of the answer's memo. */
static void
add_dns_evidence(struct finding *f)
{
	static const char *const rrs[] = {
		"x.test. 300 IN A 192.0.2.1",
		"x.test. 300 IN TXT \"caf\\195\\169 \\\"q\\\" \\009tab\"",
		"x.test. 300 IN SOA ns.test. host.test. 1 2 3 4 5",
	};
	ldns_pkt *pkt = ldns_pkt_new();
	struct dns_memo memo = { 0 };
	struct dns_answer a = {
		.qname = "x.test", .qtype = LDNS_RR_TYPE_TXT, .status = DNS_OK, .rcode = 0,
		.server = "192.0.2.54:53", .ms = 12, .is_authenticated = true, .memo = &memo,
	};
	size_t i;

	assert_non_null(pkt);
	for (i = 0; i < sizeof(rrs) / sizeof(rrs[0]); i++) {
		ldns_rr *rr = NULL;

		assert_int_equal(ldns_rr_new_frm_str(&rr, rrs[i], 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr);
	}
	a.pkt = pkt;
	finding_dns(f, &a);
	finding_dns(f, &a);		/* the memo's */
	a.pkt = NULL;
	a.memo = NULL;
	a.status = DNS_TIMEOUT;
	a.rcode = -1;
	a.server = NULL;
	a.error = "Timeout while contacting DNS servers";
	a.was_truncated = true;
	finding_dns(f, &a);
	a.qname = "caf\xe9.test";	/* not UTF-8: no evidence */
	finding_dns(f, &a);
	assert_int_equal(json_array_size(finding_evidence_list(f)), 4);
	/* the texts as printf wrote them before */
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    finding_evidence_list(f), 1), "text")),
	    "x.test TXT -> NOERROR (3 records) from 192.0.2.54:53 in 12 ms, AD");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    finding_evidence_list(f), 3), "text")),
	    "x.test TXT -> TIMEOUT (0 records) from ? in 12 ms, AD");
	a.qname = "x.test";
	a.server = "\xff";		/* the text holds it: no evidence either */
	finding_dns(f, &a);
	assert_int_equal(json_array_size(finding_evidence_list(f)), 4);
	ldns_pkt_free(pkt);
	memo.release(memo.obj);
}

/* The line writer gives jansson's bytes for the document tree, whatever the report holds. */
static void
test_json_line_equals_tree(void **state)
{
	struct report *rep = report_new("explain", "mbox \xff #1");
	struct finding *f = report_add(rep, "ndr.x", ST_INFO, "a\"b\\c\td\x01 \xe3\x81\x82");
	bool po;

	(void)state;
	finding_group(f, "dns");
	finding_msg(f, "line one\nline two \"quoted\"");
	finding_evidence(f, "ev\r\n");
	finding_data(f, "n", json_integer(-7));
	finding_data(f, "zero", json_integer(0));
	finding_data(f, "min", json_integer(INT64_MIN));
	finding_data(f, "max", json_integer(INT64_MAX));
	finding_data(f, "x", json_real(0.5));
	finding_data(f, "l", json_pack("[bnb]", 1, 0));
	add_dns_evidence(f);
	f = report_add(rep, "ndr.y", ST_FAIL, "s");
	finding_fix(f, "do it");
	finding_ref(f, "RFC 3464");
	report_add(rep, "ndr.z", ST_OK, "");
	report_set_extra(rep, "bounce", json_pack("{s:s, s:i}", "kind", "email", "n", 2));
	report_set_extra(rep, "index", json_integer(1));
	report_stats(rep)->dns.queries = 5;
	report_stats(rep)->smtp_sessions = 2;
	report_finish(rep);
	for (po = false; ; po = true) {
		char *a = written(render_json_line, rep, po), *b = written(via_tree, rep, po);

		assert_string_equal(a, b);
		free(a);
		free(b);
		if (po)
			break;
	}
	report_free(rep);
}

/* render_json_line_text() is the line without its newline, however many buffers it fills. */
static void
test_json_line_text(void **state)
{
	struct report *rep = report_new("check", "example.test");
	struct finding *f = report_add(rep, "mx.present", ST_OK, "example.test");
	size_t i;

	(void)state;
	for (i = 0; i < 200; i++)	/* about 40 KB: the writer's buffer filled twice */
		finding_evidence(f, "evidence line %zu, long enough to fill the buffer: "
		    "0123456789012345678901234567890123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789", i);
	report_finish(rep);
	for (i = 0; i < 2; i++) {
		char *line = written(render_json_line, rep, i == 1);
		char *text = render_json_line_text(rep, i == 1);

		assert_non_null(text);
		assert_true(strlen(line) > 0 && line[strlen(line) - 1] == '\n');
		line[strlen(line) - 1] = '\0';
		assert_string_equal(text, line);
		free(line);
		free(text);
	}
	report_free(rep);
}

static void
test_text_without_colour(void **state)
{
	struct report *rep = report_new("check", "example.test");
	struct render_opts ro = { .color = false, .verbose = 1 };
	struct finding *f = report_add(rep, "mx.present", ST_OK, "example.test");
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	finding_evidence(f, "example.test MX -> NOERROR");
	render_text(out, rep, &ro);
	fclose(out);
	assert_null(strchr(buf, '\033'));
	assert_non_null(strstr(buf, "[mx.present]"));
	assert_non_null(strstr(buf, "| example.test MX -> NOERROR"));
	free(buf);
	report_free(rep);
}

static void
test_report_is_bounded(void **state)
{
	struct report *rep = report_new("check", "x");
	size_t i;

	(void)state;
	for (i = 0; i < 5000; i++)
		finding_msg(report_add(rep, "x.y", ST_OK, "s"), "n %zu", i);
	assert_int_equal(report_count(rep), 4096);
	assert_string_equal(finding_id(report_finding(rep, 4095)), "report.truncated");
	assert_int_equal(report_worst(rep), ST_UNKNOWN);
	report_free(rep);
}

static void
test_names(void **state)
{
	char buf[96];

	(void)state;
	assert_string_equal(names_internal_suffix("exch.corp.local"), "local");
	assert_string_equal(names_internal_suffix("router.home.arpa."), "home.arpa");
	assert_null(names_internal_suffix("example.test"));
	assert_null(names_internal_suffix("notlocal"));
	assert_non_null(names_generic_reason("198-51-100-7.dyn.isp.test", "198.51.100.7", buf,
	    sizeof(buf)));
	assert_non_null(names_generic_reason("p7-dsl.example.net", NULL, buf, sizeof(buf)));
	assert_non_null(names_generic_reason("7.100.51.198.example.net", "198.51.100.7", buf,
	    sizeof(buf)));
	assert_null(names_generic_reason("mail.example.test", "198.51.100.7", buf, sizeof(buf)));
	/* "dyn" inside a word is not the word. */
	assert_null(names_generic_reason("dynamo.example.test", NULL, buf, sizeof(buf)));
}

/* report_json_string() takes and refuses what json_string() does, wherever in the text
 * (before, inside or after an eight-byte ASCII run) the bad or multibyte sequence sits. */
static void
test_json_string_as_jansson(void **state)
{
	static const char *const seqs[] = {
		"\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80",	/* valid */
		"\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "\xe6\x97",
	};
	char buf[64];
	size_t i, at;

	(void)state;
	assert_null(report_json_string(NULL));
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		for (at = 0; at <= 20; at++) {
			json_t *want, *got;

			memset(buf, 'a', at);
			snprintf(buf + at, sizeof(buf) - at, "%s%s", seqs[i], "bcdefghijk");
			want = json_string(buf);
			got = report_json_string(buf);
			if ((want == NULL) != (got == NULL))
				fail_msg("seq %zu at %zu: jansson %s, report_json_string %s", i, at,
				    want ? "takes it" : "refuses it", got ? "takes it" : "refuses it");
			if (got != NULL)
				assert_string_equal(json_string_value(got), buf);
			json_decref(want);
			json_decref(got);
		}
	}
}

static int n_written;

static char *
counting_writer(const struct finding *f, size_t *len)
{
	char *t = strdup(finding_id(f));

	n_written++;
	*len = strlen(t);
	return t;
}

/* Copies of one finding write one text, made once; a copy changed afterwards writes
 * itself; and a line with copies is the line the tree gives, before and after the text
 * is kept. */
static void
test_copies_share_their_text(void **state)
{
	struct report *orig = report_new("proof", "k"), *a = report_new("explain", "a"),
	    *b = report_new("explain", "b");
	struct finding *f = report_add(orig, "dns.x", ST_WARN, "example.test"), *ca, *cb;
	const char *t1, *t2;
	size_t l1 = 0, l2 = 0;
	int round;

	(void)state;
	finding_msg(f, "said \"so\"");
	finding_evidence(f, "ev");
	finding_data(f, "n", json_integer(3));
	add_dns_evidence(f);
	assert_null(finding_shared_text(f, counting_writer, &l1));	/* not copied yet */
	ca = report_add_copy(a, f);
	cb = report_add_copy(b, ca);	/* a copy of a copy: the same group */
	for (round = 0; round < 2; round++) {
		char *x = written(render_json_line, a, false), *y = written(via_tree, a, false);

		assert_string_equal(x, y);
		free(x);
		free(y);
	}
	n_written = 0;
	t1 = finding_shared_text(cb, counting_writer, &l1);
	t2 = finding_shared_text(f, counting_writer, &l2);
	assert_int_equal(n_written, 0);	/* a's line above kept the group's text */
	assert_non_null(t1);
	assert_ptr_equal(t1, t2);
	assert_int_equal(l1, l2);
	finding_msg(cb, "changed");
	assert_null(finding_shared_text(cb, counting_writer, &l1));
	{
		char *x = written(render_json_line, b, false), *y = written(via_tree, b, false);

		assert_string_equal(x, y);
		assert_non_null(strstr(x, "changed"));
		free(x);
		free(y);
	}
	report_free(orig);	/* the group outlives its first member */
	assert_ptr_equal(finding_shared_text(ca, counting_writer, &l1), t1);
	report_free(a);
	report_free(b);
}

/* The texts' cleaner, byte by byte as its rule says: printable ASCII, DEL, tab, newline
 * and valid UTF-8 kept; other controls a space, invalid bytes '?'. */
static void
clean_by_rule(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n = strlen(s), i = 0, k;

	while (i < n) {
		if (p[i] >= 0x20 && p[i] < 0x80)
			i++;
		else if (p[i] == '\t' || p[i] == '\n')
			i++;
		else if (p[i] < 0x20)
			p[i++] = ' ';
		else if ((k = text_utf8_seq(p + i, n - i)) == 0)
			p[i++] = '?';
		else
			i += k;
	}
}

/* Finding texts are cleaned as the rule says, whatever the bytes and wherever in a run
 * of sixteen they fall. */
static void
test_texts_cleaned(void **state)
{
	static const char pieces[][5] = { "a", " ", "\t", "\n", "\r", "\x01", "\x7f",
	    "\xc3\xa9", "\xe3\x81\x82", "\xf0\x9f\x98\x80", "\x80", "\xc3", "\xe3\x81",
	    "\xed\xa0\x80", "\xff", "\"" };
	unsigned seed = 12345;
	int round;

	(void)state;
	for (round = 0; round < 2000; round++) {
		struct report *rep = report_new("t", "t");
		struct finding *f = report_add(rep, "t.x", ST_INFO, "");
		char text[400] = "", want[400];
		int n = (int)(seed % 60), i;

		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			strcat(text, pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))]);
		}
		seed = seed * 1103515245u + 12345u;
		memcpy(want, text, sizeof(want));
		clean_by_rule(want);
		finding_msg(f, "%s", text);
		assert_string_equal(finding_message(f), want);
		report_free(rep);
	}
}

/* Strings of every length up to 40 with each byte to escape at each place (and after
 * eight- and sixteen-byte runs) are written as jansson writes them. */
static void
test_json_escapes_everywhere(void **state)
{
	static const char specials[] = { '"', '\\', '\n', '\r', '\t', '\b', '\f', 0x01, 0x1f,
	    ' ', '!', '#', '[', ']', 'x' };
	size_t len, at, k;

	(void)state;
	for (len = 0; len <= 40; len++) {
		for (at = 0; at < len || (len == 0 && at == 0); at++) {
			for (k = 0; k < sizeof(specials); k++) {
				struct report *rep = report_new("t", "t");
				struct finding *f = report_add(rep, "t.x", ST_INFO, "s");
				char text[48], *a, *b;

				memset(text, 'a', len);
				text[len] = '\0';
				if (len > 0)
					text[at] = specials[k];
				finding_data(f, "v", json_string(text));
				report_finish(rep);
				a = written(render_json_line, rep, false);
				b = written(via_tree, rep, false);
				assert_string_equal(a, b);
				free(a);
				free(b);
				report_free(rep);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worst_status),
		cmocka_unit_test(test_empty_report_is_unknown),
		cmocka_unit_test(test_json_document),
		cmocka_unit_test(test_json_line_equals_tree),
		cmocka_unit_test(test_json_line_text),
		cmocka_unit_test(test_text_without_colour),
		cmocka_unit_test(test_report_is_bounded),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_json_string_as_jansson),
		cmocka_unit_test(test_copies_share_their_text),
		cmocka_unit_test(test_texts_cleaned),
		cmocka_unit_test(test_json_escapes_everywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
