/* Unit tests for explain's live proofs on the knowledge base side: kb.json `verify` names
 * are registry names and finding ids, checked when it loads (issue 13), and the sending
 * address the proofs of SPF and PTR use is read from the returned message's headers. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "explain_proof.h"
#include "ndr.h"
#include "ndr_kb.h"
#include "ndr_origin.h"

#ifndef MXD_TEST_KB
#define MXD_TEST_KB "data/kb.json"
#endif

/* Load a knowledge base whose only cause has this verify array; NULL with err on failure. */
static struct ndr_kb *
load_verify(const char *verify, char *err, size_t err_len)
{
	char path[] = "/tmp/mxdiag-kbtest.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct ndr_kb *kb;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "{\"causes\": [{\"id\": \"ndr.x\", \"reason\": \"rejected\", "
	    "\"verify\": %s, \"match\": {\"phrases\": [\"xyzzy\"]}}]}\n", verify);
	fclose(f);
	kb = ndr_kb_load_checked(path, explain_is_check, explain_is_finding, err, err_len);
	unlink(path);
	return kb;
}

/* The installed knowledge base names only diagnoses the registry has. */
static void
test_kb_names_registry(void **state)
{
	char err[512] = "";
	struct ndr_kb *kb = ndr_kb_load_checked(MXD_TEST_KB, explain_is_check,
	    explain_is_finding, err, sizeof(err));
	size_t i, n_proofs = 0;

	(void)state;
	if (kb == NULL)
		fail_msg("%s", err);
	for (i = 0; i < ndr_kb_count(kb); i++)
		n_proofs += ndr_kb_cause(kb, i)->n_verify;
	assert_true(n_proofs >= 15);
	ndr_kb_free(kb);
}

static void
test_unknown_check(void **state)
{
	char err[512] = "";

	(void)state;
	assert_null(load_verify("[\"sender-ip-blocklist\"]", err, sizeof(err)));
	assert_non_null(strstr(err, "cause ndr.x"));
	assert_non_null(strstr(err, "unknown diagnosis \"sender-ip-blocklist\""));
	assert_null(load_verify("[{\"check\": \"smtp-tls\"}]", err, sizeof(err)));
	assert_non_null(strstr(err, "\"smtp-tls\""));
	assert_null(load_verify("[{\"as\": \"spf\"}]", err, sizeof(err)));
	assert_non_null(strstr(err, "names no diagnosis"));
	assert_null(load_verify("\"mx\"", err, sizeof(err)));
	assert_non_null(strstr(err, "must be an array"));
}

static void
test_unknown_finding(void **state)
{
	char err[512] = "";

	(void)state;
	assert_null(load_verify("[{\"check\": \"mx\", \"as\": \"recipient-domain\", "
	    "\"still\": [\"mx.nope\"]}]", err, sizeof(err)));
	assert_non_null(strstr(err, "unknown finding id \"mx.nope\""));
	/* the verdict's id, ndr.verify-<as>, must be in the findings table too */
	assert_null(load_verify("[{\"check\": \"mx\", \"as\": \"nowhere\"}]", err, sizeof(err)));
	assert_non_null(strstr(err, "\"ndr.verify-nowhere\""));
	assert_null(load_verify("[{\"check\": \"mx\", \"as\": \"spf\", \"on\": \"elsewhere\"}]",
	    err, sizeof(err)));
	assert_non_null(strstr(err, "\"on\""));
}

static void
test_proof_fields(void **state)
{
	char err[512] = "";
	struct ndr_kb *kb = load_verify("[{\"check\": \"ptr\", \"on\": \"sender\", \"as\": \"ptr\", "
	    "\"is_cause\": true, \"needs_ip\": true, \"still\": [\"ptr.missing\"], "
	    "\"clear\": [\"ptr.confirmed\"], \"next\": \"mxdiag check {domain}\"}, \"port25\"]",
	    err, sizeof(err));
	const struct ndr_cause *k;

	(void)state;
	if (kb == NULL)
		fail_msg("%s", err);
	k = ndr_kb_cause(kb, 0);
	assert_int_equal(k->n_verify, 2);
	assert_string_equal(k->verify[0], "ptr");
	assert_true(k->proofs[0].is_sender_side && k->proofs[0].is_cause &&
	    k->proofs[0].needs_ip);
	assert_int_equal(k->proofs[0].n_still, 1);
	assert_string_equal(k->proofs[0].clear[0], "ptr.confirmed");
	assert_string_equal(k->proofs[0].next, "mxdiag check {domain}");
	/* a bare name: recipient side, never "fixed", any FAIL/WARN or OK finding counts;
	 * its verdict is ndr.verify-<name>, which the findings table must have */
	assert_string_equal(k->proofs[1].check, "port25");
	assert_string_equal(k->proofs[1].as, "port25");
	assert_false(k->proofs[1].is_cause || k->proofs[1].is_sender_side);
	assert_null(k->proofs[1].still);
	ndr_kb_free(kb);
}

/* The sending address: the topmost Received with a public literal, then X-Originating-IP. */
static void
test_sending_ip(void **state)
{
	static const char with_received[] =
	    "From: MAILER-DAEMON@mx.example.org\nTo: a@example.com\nSubject: bounce\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
	    "--B\nContent-Type: text/plain\n\nfailed\n\n"
	    "--B\nContent-Type: text/rfc822-headers\n\n"
	    "Received: from [10.1.2.3] by gw.example.com; Mon, 1 Jan 2024 00:00:00 +0000\n"
	    "Received: from gw.example.com (gw.example.com [203.0.113.9])\n"
	    "\tby mx.example.org [198.51.100.1] with ESMTP; Mon, 1 Jan 2024 00:00:00 +0000\n"
	    "X-Originating-IP: [192.0.2.77]\n"
	    "From: a@example.com\nTo: b@example.org\n\n--B--\n";
	static const char with_xoip[] =
	    "From: MAILER-DAEMON@mx.example.org\nTo: a@example.com\nSubject: bounce\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
	    "--B\nContent-Type: text/plain\n\nfailed\n\n"
	    "--B\nContent-Type: message/rfc822\n\n"
	    "Received: from [192.168.0.2] by gw.example.com\n"
	    "X-Originating-IP: 192.0.2.77\n"
	    "From: a@example.com\nTo: b@example.org\n\nbody\n--B--\n";
	struct ndr *n;

	(void)state;
	n = ndr_parse(with_received, sizeof(with_received) - 1);
	assert_non_null(n->sending_ip_source);
	assert_string_equal(n->sending_ip_source, "Received");
	/* the "by" host's address is the receiver's own, never the sender's */
	assert_string_equal(n->sending_ip, "203.0.113.9");
	ndr_free(n);
	n = ndr_parse(with_xoip, sizeof(with_xoip) - 1);
	assert_non_null(n->sending_ip_source);
	assert_string_equal(n->sending_ip_source, "X-Originating-IP");
	assert_string_equal(n->sending_ip, "192.0.2.77");
	ndr_free(n);
	n = ndr_parse("550 5.7.1 rejected", 18);
	assert_null(n->sending_ip_source);
	ndr_free(n);
}

/* The HELO name a refusal quotes, Postfix's "<NAME>: Helo command rejected". */
static void
test_helo_name(void **state)
{
	char buf[256];

	(void)state;
	assert_true(ndr_origin_helo("504 5.5.2 <EXCH01.corp.local>: Helo command rejected: need "
	    "fully-qualified hostname", buf, sizeof(buf)));
	assert_string_equal(buf, "EXCH01.corp.local");
	assert_true(ndr_origin_helo("550 5.7.1 <[192.0.2.1]>: EHLO command rejected", buf,
	    sizeof(buf)));
	assert_string_equal(buf, "[192.0.2.1]");
	assert_false(ndr_origin_helo("550 5.7.1 Invalid HELO name", buf, sizeof(buf)));
	assert_false(ndr_origin_helo("<a b>: Helo command rejected", buf, sizeof(buf)));
	assert_false(ndr_origin_helo(">: Helo command rejected", buf, sizeof(buf)));
	assert_false(ndr_origin_helo(NULL, buf, sizeof(buf)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kb_names_registry),
		cmocka_unit_test(test_unknown_check),
		cmocka_unit_test(test_unknown_finding),
		cmocka_unit_test(test_proof_fields),
		cmocka_unit_test(test_sending_ip),
		cmocka_unit_test(test_helo_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
