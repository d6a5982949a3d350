/* Unit tests for the bounce explainer: decoders, charsets, DSN fields, MIME, knowledge-base
 * rules (one case per cause the issue names), and garbage or oversized input. */
#include "config.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ndr.h"
#include "ndr_charset.h"
#include "ndr_classify.h"
#include "ndr_decode.h"
#include "ndr_dsn.h"
#include "ndr_kb.h"
#include "ndr_multi.h"
#include "ndr_search.h"

#ifndef MXD_TEST_KB
#define MXD_TEST_KB "data/kb.json"
#endif

static struct ndr_kb *kb;

static int
setup(void **state)
{
	char err[512];

	(void)state;
	kb = ndr_kb_load(MXD_TEST_KB, err, sizeof(err));
	if (kb == NULL)
		fprintf(stderr, "%s\n", err);
	return kb == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	ndr_kb_free(kb);
	return 0;
}

static void
test_qp(void **state)
{
	size_t len;
	char *s;

	(void)state;
	s = ndr_decode_qp("syst=\nem caf=C3=A9 =ZZ end=", strlen("syst=\nem caf=C3=A9 =ZZ end="), 0,
	    &len);
	assert_string_equal(s, "system caf\xc3\xa9 =ZZ end=");
	free(s);
	s = ndr_decode_qp("a_b=3F", 6, 1, &len);
	assert_string_equal(s, "a b?");
	free(s);
	s = ndr_decode_qp("line =\r\nnext", 12, 0, &len);
	assert_string_equal(s, "line next");
	free(s);
}

static void
test_base64(void **state)
{
	size_t len;
	char *s;

	(void)state;
	s = ndr_decode_base64("VXNlciB1\nbmtub3du", 17, &len);
	assert_string_equal(s, "User unknown");
	assert_int_equal(len, 12);
	free(s);
	s = ndr_decode_base64("!!!", 3, &len);
	assert_int_equal(len, 0);
	free(s);
}

static void
test_charsets(void **state)
{
	/* "宛先" in ISO-2022-JP, Shift_JIS, EUC-JP and UTF-8 */
	static const char jis[] = "\x1b$B08@h\x1b(B";
	static const char sjis[] = "\x88\xb6\x90\xe6";
	static const char eucjp[] = "\xb0\xb8\xc0\xe8";
	static const char utf8[] = "\xe5\xae\x9b\xe5\x85\x88";
	size_t len;
	char *s;

	(void)state;
	s = ndr_charset_to_utf8("iso-2022-jp", jis, sizeof(jis) - 1, &len);
	assert_string_equal(s, utf8);
	free(s);
	s = ndr_charset_to_utf8(NULL, jis, sizeof(jis) - 1, &len);
	assert_string_equal(s, utf8);
	free(s);
	s = ndr_charset_to_utf8("Shift_JIS", sjis, sizeof(sjis) - 1, &len);
	assert_string_equal(s, utf8);
	free(s);
	s = ndr_charset_to_utf8("euc-jp", eucjp, sizeof(eucjp) - 1, &len);
	assert_string_equal(s, utf8);
	free(s);
	s = ndr_charset_to_utf8("utf-8", utf8, sizeof(utf8) - 1, &len);
	assert_string_equal(s, utf8);
	free(s);
	/* bytes that are nothing in any charset become '?', never invalid UTF-8 */
	s = ndr_charset_to_utf8("utf-8", "a\xff\xfe" "b", 4, &len);
	assert_true(ndr_is_utf8(s, len));
	free(s);
	s = ndr_charset_to_utf8("no-such-charset", "abc\xe9", 4, &len);
	assert_true(ndr_is_utf8(s, len));
	free(s);
}

static void
test_rfc2047(void **state)
{
	char *s;
	const char *in = "=?ISO-2022-JP?B?GyRCMDhAaBsoQg==?= =?utf-8?Q?caf=C3=A9?= x";

	(void)state;
	s = ndr_rfc2047_decode(in, strlen(in));
	assert_string_equal(s, "\xe5\xae\x9b\xe5\x85\x88" "caf\xc3\xa9 x");
	free(s);
	s = ndr_rfc2047_decode("=?bogus", 7);
	assert_string_equal(s, "=?bogus");
	free(s);
}

static void
test_codes(void **state)
{
	char st[16], rc[4];

	(void)state;
	assert_int_equal(ndr_find_status("550 5.1.1 <a@b>", 15, st, sizeof(st)), 1);
	assert_string_equal(st, "5.1.1");
	assert_int_equal(ndr_find_status("id 8.2.234.1 and 192.0.2.5", 26, st, sizeof(st)), 0);
	assert_int_equal(ndr_find_status("#554 5.7.26 x", 13, st, sizeof(st)), 1);
	assert_string_equal(st, "5.7.26");
	assert_int_equal(ndr_find_reply("said: 550-5.1.1 x", 17, rc), 1);
	assert_string_equal(rc, "550");
	assert_int_equal(ndr_find_reply("in 2013 port 25", 15, rc), 0);
}

static const char dsn_mail[] =
    "From: MAILER-DAEMON@mx.example.jp\n"
    "To: sender@example.org\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\n"
    "\n"
    "--B1\n"
    "Content-Type: text/plain; charset=ISO-2022-JP\n"
    "\n"
    "\x1b$B08@h\x1b(B\n"
    "--B1\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.jp\n"
    "\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <a@example.net>: Recipient address\n"
    "    rejected: User unknown in local recipient table\n"
    "Final-Recipient: rfc822; a@example.net\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx.example.net\n"
    "\n"
    "Final-Recipient: rfc822; <b@example.net>\n"
    "Action: delayed\n"
    "Status: 4.2.2\n"
    "Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\n"
    "--B1\n"
    "Content-Type: text/rfc822-headers\n"
    "\n"
    "From: sender@example.org\n"
    "Subject: =?UTF-8?B?5a6b5YWI?=\n"
    "Message-ID: <m1@example.org>\n"
    "--B1--\n";

static void
test_dsn(void **state)
{
	struct ndr *n = ndr_parse(dsn_mail, sizeof(dsn_mail) - 1);

	(void)state;
	assert_true(n->has_dsn);
	assert_string_equal(n->reporting_mta, "mx.example.jp");
	assert_int_equal(n->n_rcpts, 2);
	assert_string_equal(n->rcpts[0].addr, "a@example.net");
	assert_string_equal(n->rcpts[0].action, "failed");
	assert_string_equal(n->rcpts[0].status, "5.1.1");
	assert_string_equal(n->rcpts[0].reply, "550");
	assert_string_equal(n->rcpts[0].remote_mta, "mx.example.net");
	assert_non_null(strstr(n->rcpts[0].diag, "User unknown in local recipient table"));
	assert_string_equal(n->rcpts[1].addr, "b@example.net");
	assert_string_equal(n->rcpts[1].action, "delayed");
	assert_string_equal(n->orig_from, "sender@example.org");
	assert_string_equal(n->orig_subject, "\xe5\xae\x9b\xe5\x85\x88");
	assert_string_equal(n->orig_msgid, "<m1@example.org>");
	assert_non_null(strstr(n->text, "\xe5\xae\x9b\xe5\x85\x88"));
	ndr_classify(n, kb);
	assert_string_equal(n->rcpts[0].reason, "userunknown");
	assert_true(n->rcpts[0].is_permanent);
	assert_string_equal(n->rcpts[1].reason, "mailboxfull");
	assert_false(n->rcpts[1].is_permanent);
	ndr_free(n);
}

/* Greylisting in a final report (Action: failed, 4.x.x): the queue gave up while the
 * receiver still greylisted. Sisimai's reason stays "expired"; the cause says why, not
 * ndr.expired's generic "look at the last error" with a port 25 check. */
static const char greylist_final[] =
    "From: MAILER-DAEMON@mx.example.org\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
    "\n"
    "--B\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.org\n"
    "\n"
    "Final-Recipient: rfc822; bob@example.net\n"
    "Action: failed\n"
    "Status: 4.2.0\n"
    "Diagnostic-Code: smtp; 450 4.2.0 <bob@example.net>: Recipient address rejected:\n"
    "    Greylisted, see http://postgrey.schweikert.ch/help/example.net.html\n"
    "--B--\n";

static void
test_greylist_final(void **state)
{
	struct ndr *n = ndr_parse(greylist_final, sizeof(greylist_final) - 1);

	(void)state;
	ndr_classify(n, kb);
	assert_int_equal(n->n_rcpts, 1);
	assert_string_equal(n->rcpts[0].cause->id, "ndr.greylisted-expired");
	assert_string_equal(n->rcpts[0].reason, "expired");
	assert_false(n->rcpts[0].is_permanent);
	ndr_free(n);
}

/* Exchange's Japanese "no connector" NDR pasted as text: the status stands on its own line
 * with the component that gave it ("4.4.7 QUEUE.Expired") and no reply code. */
static const char exchange_ja_text[] =
    "\xe9\x85\x8d\xe4\xbf\xa1\xe3\x81\x95\xe3\x82\x8c\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93\xe3\x81\xa7\xe3\x81\x97\xe3\x81\x9f:\n"
    "\n"
    "taro@example.net\n"
    "\xe5\xa4\x96\xe9\x83\xa8\xe3\x81\xae\xe5\x8f\x97\xe4\xbf\xa1\xe8\x80\x85\xe3\x81\xab\xe3\x83\xab\xe3\x83\xbc\xe3\x83\x86\xe3\x82\xa3\xe3\x83\xb3\xe3\x82\xb0\xe3\x81\x99\xe3\x82\x8b\xe3\x81\x9f\xe3\x82\x81\xe3\x81\xae"
    "\xe9\x81\xa9\xe5\x88\x87\xe3\x81\xaa\xe3\x82\xb3\xe3\x83\x8d\xe3\x82\xaf\xe3\x82\xbf\xe3\x81\x8c\xe8\xa6\x8b\xe3\x81\xa4\xe3\x81\x8b\xe3\x82\x8a\xe3\x81\xbe\xe3\x81\x9b\xe3\x82\x93\xe3\x80\x82\n"
    "\n"
    "Remote Server returned: 4.4.7 QUEUE.Expired; message expired\n";

static void
test_exchange_component_status(void **state)
{
	struct ndr *n = ndr_parse(exchange_ja_text, sizeof(exchange_ja_text) - 1);

	(void)state;
	ndr_classify(n, kb);
	assert_int_equal(n->n_rcpts, 1);
	assert_string_equal(n->rcpts[0].addr, "taro@example.net");
	assert_string_equal(n->rcpts[0].status, "4.4.7");
	assert_string_equal(n->rcpts[0].cause->id, "ndr.no-send-connector");
	ndr_free(n);
}

/* RFC 5322 folding in a DSN: a Diagnostic-Code over three lines (tabs, runs of spaces,
 * blanks before the break, CRLF) reads as the server's words with one space at each fold;
 * the blanks inside one line ("quoted  words") are the server's and stay. */
static const char folded_dsn[] =
    "From: MAILER-DAEMON@mx.example.jp\r\n"
    "Subject: Undelivered Mail\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n"
    "\r\n"
    "--B\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; mx.example.jp\r\n"
    "\r\n"
    "Final-Recipient: rfc822; a@example.net\r\n"
    "Action: failed\r\n"
    "Status: 5.7.1\r\n"
    "Diagnostic-Code: smtp; 550-5.7.1 [192.0.2.1] Our system has   \r\n"
    "\t\t   550-5.7.1 detected \"quoted  words\" in this message\r\n"
    "        550 5.7.1 and refused it.\r\n"
    "Remote-MTA:\r\n"
    "\t  dns; mx.example.net\r\n"
    "\r\n"
    "--B--\r\n";

static void
test_folding(void **state)
{
	struct ndr *n = ndr_parse(folded_dsn, sizeof(folded_dsn) - 1);

	(void)state;
	assert_int_equal(n->n_rcpts, 1);
	assert_string_equal(n->rcpts[0].diag, "550-5.7.1 [192.0.2.1] Our system has 550-5.7.1 "
	    "detected \"quoted  words\" in this message 550 5.7.1 and refused it.");
	/* a field whose value starts on the next line gets no leading space */
	assert_string_equal(n->rcpts[0].remote_mta, "mx.example.net");
	ndr_free(n);
}

static const struct {
	const char *input;
	const char *cause;
	const char *reason;
} rules[] = {
	/* the field notes' own strings (shared/seeds) */
	{ "#554 5.1.8 <s@corp.local>: Sender address rejected: Domain not found ##",
	  "ndr.sender-domain-not-found", "rejected" },
	{ "<r@nomx.test>: Host or domain name not found. Name service error for name=nomx.test",
	  "ndr.recipient-domain-not-found", "hostunknown" },
	{ "530 5.7.1 Client was not authenticated", "ndr.client-not-authenticated",
	  "securityerror" },
	{ "550 5.7.1 Client does not have permissions to send as this sender",
	  "ndr.send-as-denied", "securityerror" },
	{ "550 5.7.1 Unable to relay", "ndr.relay-denied", "norelaying" },
	{ "554 5.7.1 <x@example.com>: Relay access denied", "ndr.relay-denied", "norelaying" },
	{ "外部の受信者にルーティングするための適切なコネクタが見つかりません",
	  "ndr.no-send-connector", "networkerror" },
	{ "A matching connector cannot be found to route the external recipient",
	  "ndr.no-send-connector", "networkerror" },
	/* the other causes the issue lists */
	{ "550 5.1.1 <u@example.com>... User unknown", "ndr.user-unknown", "userunknown" },
	{ "550 5.1.2 Bad destination system address", "ndr.recipient-domain-not-found",
	  "hostunknown" },
	{ "554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain",
	  "ndr.recipient-domain-not-found", "hostunknown" },
	{ "550 5.7.23 SPF validation failed", "ndr.spf-fail", "authfailure" },
	{ "550 5.7.1 Unauthenticated email from example.com is not accepted due to domain's "
	  "DMARC policy", "ndr.dmarc-reject", "authfailure" },
	{ "550 5.7.20 No passing DKIM signature found", "ndr.dkim-fail", "authfailure" },
	{ "450 4.7.1 Client host rejected: cannot find your hostname, [198.51.100.7]",
	  "ndr.rdns-missing", "requireptr" },
	{ "550 5.7.1 Mail from dynamic IP addresses is refused; hosts with dynamic ip",
	  "ndr.rdns-generic", "requireptr" },
	{ "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using "
	  "zen.spamhaus.org", "ndr.blocklisted", "blocked" },
	{ "530 5.7.0 Must issue a STARTTLS command first", "ndr.tls-required",
	  "securityerror" },
	{ "552 5.2.2 Mailbox full", "ndr.mailbox-full", "mailboxfull" },
	{ "552 5.3.4 Message size exceeds fixed maximum message size", "ndr.message-too-big",
	  "mesgtoobig" },
	{ "450 4.7.1 <u@example.com>: Recipient address rejected: Greylisted, see "
	  "http://postgrey.schweikert.ch/", "ndr.greylisted", "blocked" },
	{ "554 5.4.6 Too many hops", "ndr.mail-loop", "networkerror" },
	{ "lost connection with mx.example.net[192.0.2.1] while receiving the initial server "
	  "greeting", "ndr.network-error", "networkerror" },
	/* Japanese in the plain form (存在しない), not only the polite 存在しません */
	{ "\xe5\xae\x9b\xe5\x85\x88\xe3\x81\xae\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xe3\x82\xa2\xe3\x83\x89\xe3\x83\xac\xe3\x82\xb9\xe3\x81\x8c"
	  "\xe5\xad\x98\xe5\x9c\xa8\xe3\x81\x97\xe3\x81\xaa\xe3\x81\x84\xe3\x81\x9f\xe3\x82\x81", "ndr.user-unknown", "userunknown" },
	{ "\xe3\x83\x89\xe3\x83\xa1\xe3\x82\xa4\xe3\x83\xb3\xe3\x81\x8c\xe5\xad\x98\xe5\x9c\xa8\xe3\x81\x97\xe3\x81\xaa\xe3\x81\x84\xe3\x81\x9f\xe3\x82\x81",
	  "ndr.recipient-domain-not-found", "hostunknown" },
	/* Postfix's reject_sender_login_mismatch: the login may not send as this sender */
	{ "553 5.7.1 <x@example.jp>: Sender address rejected: not owned by user "
	  "alice@isp.test", "ndr.send-as-denied", "securityerror" },
	{ "550 5.7.1 Message rejected as spam by Content Filtering", "ndr.spam-detected",
	  "spamdetected" },
	{ "retry timeout exceeded", "ndr.expired", "expired" },
	{ "451 4.4.0 DNS query failed: host or domain name not found",
	  "ndr.dns-temporary", "networkerror" },
	/* Japanese */
	{ "このメールアドレスは存在しません", "ndr.user-unknown", "userunknown" },
	{ "メールボックスがいっぱいです", "ndr.mailbox-full", "mailboxfull" },
	/* code alone, no phrase */
	{ "550 5.2.2", "ndr.mailbox-full", "mailboxfull" },
	{ "530 please log in first", "ndr.client-not-authenticated", "securityerror" },
	/* "user unknown" from a filter: X.2.x code, or refused after DATA */
	{ "550 5.2.1 <u@example.com>... User unknown", "ndr.filtered", "filtered" },
	{ "... while talking to mx.example.com.:\n>>> DATA\n<<< 550 Unknown user u@example.com\n"
	  "554 5.0.0 Service unavailable", "ndr.filtered", "filtered" },
	{ "550 Ip frequency limited", "ndr.too-many-connections", "toomanyconn" },
	{ "The recipient server did not accept our requests to connect.", "ndr.expired",
	  "expired" },
	/* issue 15: causes that were missing, from the field notes and the issue */
	{ "Dec  2 10:00:00 gw postfix/smtp[7]: 1A: to=<bob@example.org>, "
	  "relay=smtp.isp.example[192.0.2.9]:587, dsn=5.7.8, status=bounced (SASL "
	  "authentication failed; server smtp.isp.example[192.0.2.9] said: 535 5.7.8 Error: "
	  "authentication failed: authentication failure)", "ndr.smarthost-auth-failed",
	  "securityerror" },
	{ "535 5.7.3 Authentication unsuccessful", "ndr.smarthost-auth-failed", "securityerror" },
	{ "504 5.5.2 <EXCH01.corp.local>: Helo command rejected: need fully-qualified hostname",
	  "ndr.helo-rejected", "blocked" },
	{ "550 5.7.1 Connected to 192.0.2.1 but my name was rejected.", "ndr.helo-rejected",
	  "blocked" },
	{ "connect to mx.example.org[192.0.2.25]:25: Connection timed out",
	  "ndr.port25-unreachable", "expired" },
	{ "connect to mx.example.org[192.0.2.25]:25: Connection refused",
	  "ndr.port25-unreachable", "expired" },
	{ "421 4.4.2 Connection reset by peer", "ndr.connection-dropped", "blocked" },
	{ "421 Service not available, closing transmission channel", "ndr.connection-dropped",
	  "blocked" },
	{ "550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail "
	  "requires all senders to authenticate with either SPF or DKIM.",
	  "ndr.sender-unauthenticated", "authfailure" },
	{ "550 5.7.515 Access denied, sending domain example.com does not meet the required "
	  "authentication level.", "ndr.sender-unauthenticated", "authfailure" },
	{ "550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo "
	  "requires all senders to authenticate with either SPF or DKIM.",
	  "ndr.sender-unauthenticated", "authfailure" },
	{ "550-5.7.25 The IP address sending this message does not have a PTR record setup, or "
	  "the corresponding forward DNS entry does not point to the sending IP.",
	  "ndr.rdns-missing", "requireptr" },
	{ "451 4.4.8 MTA-STS policy for example.org does not match the MX host",
	  "ndr.mta-sts-dane", "securityerror" },
	{ "550 5.7.5 The domain failed DANE validation: TLSA records do not match",
	  "ndr.mta-sts-dane", "securityerror" },
	{ "#550 4.4.7 QUEUE.Expired; message expired ##\n外部の受信者にルーティングするための"
	  "適切なコネクタが見つかりません", "ndr.no-send-connector", "networkerror" },
	{ "550 5.4.1 Relay Access Denied", "ndr.relay-denied", "norelaying" },
	{ "550 5.7.1 Unable to relay for bob@example.org", "ndr.relay-denied", "norelaying" },
	{ "530 5.7.1 Client was not authenticated", "ndr.client-not-authenticated",
	  "securityerror" },
	{ "550 5.7.1 Client does not have permissions to send as this sender",
	  "ndr.send-as-denied", "securityerror" },
	{ "#554 5.1.8 <a@example.jp>: Sender address rejected: Domain not found ##",
	  "ndr.sender-domain-not-found", "rejected" },
	/* the sending host refused (not its credentials); a receive limit of the recipient;
	 * the sender address failing the receiver's verification (Exim's callout) */
	{ "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.",
	  "ndr.blocked", "blocked" },
	{ "554 5.7.1 <unknown[203.0.113.5]>: Client host rejected: Access denied",
	  "ndr.blocked", "blocked" },
	{ "554 5.2.122 The recipient has exceeded their limit for the number of messages they "
	  "can receive per hour.", "ndr.rate-limited", "speeding" },
	{ "550 Verification failed for <a@example.org>\nUnrouteable address\nSender verify "
	  "failed", "ndr.sender-domain-not-found", "rejected" },
	{ "550-Verification failed for <a@example.org>\n550-Called: 192.0.2.9\n550-Response: "
	  "550 5.1.1 <a@example.org>: Recipient address rejected: User unknown\n550 Sender "
	  "verify failed", "ndr.sender-verify-failed", "rejected" },
	/* providers' own documented codes come before their words */
	{ "421 4.2.0 Service refuse. Veuillez essayer plus tard. Service refused, please try "
	  "later. OFR005_505 [505] (in reply to end of DATA command)", "ndr.system-error",
	  "systemerror" },
	{ "550 5.5.0 Service refuse. Veuillez essayer plus tard. service refused, please try "
	  "later. LPN001_108", "ndr.provider-unexplained", "undefined" },
	{ "550 5.1.0 <a@example.org> sender rejected. AUP#In-1310", "ndr.too-many-connections",
	  "toomanyconn" },
	{ "550 5.7.1 MFR005_505 is not Orange's", "ndr.security-error", "securityerror" },
	/* Yahoo checks the address after DATA: its words stand without RCPT */
	{ "... while talking to mta5.am0.yahoodns.net.:\n>>> DATA\n<<< 554 delivery error: dd "
	  "This user doesn't have a yahoo.com account (u@yahoo.com) [0]",
	  "ndr.user-unknown", "userunknown" },
	/* "host unknown" answered to MAIL FROM is about the sending host */
	{ "554 <u@example.org>... Remote protocol error 550 (in reply to MAIL FROM command) 550 "
	  "Host unknown", "ndr.blocked", "blocked" },
	{ "Name service error for domain example.org: Host not found, try again",
	  "ndr.dns-temporary", "networkerror" },
};

static void
test_kb_rules(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct ndr *n = ndr_parse(rules[i].input, strlen(rules[i].input));

		ndr_classify(n, kb);
		assert_int_equal(n->n_rcpts, 1);
		if (n->rcpts[0].cause == NULL || strcmp(n->rcpts[0].cause->id, rules[i].cause) != 0)
			fail_msg("\"%s\": got %s (%s), want %s", rules[i].input,
			    n->rcpts[0].cause ? n->rcpts[0].cause->id : "none", n->rcpts[0].rule,
			    rules[i].cause);
		assert_string_equal(n->rcpts[0].reason, rules[i].reason);
		ndr_free(n);
	}
}

/* Every cause in the knowledge base is complete: both languages, a side, a reason. */
/* The scan normalises as it goes: blank runs are one space (none first or last), curly
 * apostrophes plain, ASCII lower case; a phrase after "not "/"n't " is no hit; one match
 * serves scan after scan. */
static void
test_kb_scan(void **state)
{
	static const char curly[] = " \t Host \r\n\tCOULDN\xe2\x80\x99T   find a mail exchanger \n";
	static const char negated[] = "we did not we don't handle mail for x";
	struct ndr_kb_match m;
	const struct ndr_cause *k;
	const char *phrase = NULL;

	(void)state;
	memset(&m, 0, sizeof(m));
	ndr_kb_scan(kb, curly, strlen(curly), &m);
	assert_string_equal(m.norm, "host couldn't find a mail exchanger");
	k = ndr_kb_first(kb, &m, NULL, &phrase);
	assert_non_null(k);
	assert_string_equal(k->id, "ndr.null-mx");
	assert_string_equal(phrase, "couldn't find a mail exchanger");
	ndr_kb_scan(kb, negated + 11, strlen(negated + 11), &m);
	k = ndr_kb_first(kb, &m, NULL, &phrase);
	assert_non_null(k);
	assert_string_equal(k->id, "ndr.relay-denied");
	ndr_kb_scan(kb, negated, strlen(negated), &m);
	k = ndr_kb_first(kb, &m, NULL, &phrase);
	assert_true(k == NULL || strcmp(k->id, "ndr.relay-denied") != 0);
	ndr_kb_scan(kb, "", 0, &m);
	assert_string_equal(m.norm, "");
	assert_null(ndr_kb_first(kb, &m, NULL, &phrase));
	ndr_kb_match_fini(&m);
}

static void
test_kb_complete(void **state)
{
	size_t i;

	(void)state;
	assert_true(ndr_kb_count(kb) >= 30);
	for (i = 0; i < ndr_kb_count(kb); i++) {
		const struct ndr_cause *k = ndr_kb_cause(kb, i);

		assert_non_null(k->explanation[NDR_LANG_EN]);
		assert_non_null(k->explanation[NDR_LANG_JA]);
		assert_non_null(k->fix[NDR_LANG_EN]);
		assert_non_null(k->fix[NDR_LANG_JA]);
		assert_non_null(k->title[NDR_LANG_JA]);
		assert_true(strncmp(k->id, "ndr.", 4) == 0);
		/* who must act: one of the words explain prints */
		if (strstr(" sender sender-admin recipient recipient-admin retry none unknown ",
		    k->act) == NULL || strchr(k->act, ' ') != NULL)
			fail_msg("%s: act \"%s\"", k->id, k->act);
	}
}

/* Text that is no bounce is told apart from a bounce with words no rule knows. */
static void
test_not_a_bounce(void **state)
{
	static const struct { const char *in; bool bounce; } cases[] = {
		{ "hello world\n", false },
		{ "From: a@example.org\nTo: b@example.org\nSubject: lunch\n\nsee you at noon\n",
		  false },
		{ "From: MAILER-DAEMON@example.org\nSubject: hi\n\nsomething odd happened\n", true },
		{ "From: a@example.org\nSubject: Undeliverable: lunch\n\nsomething odd\n", true },
		{ "550 mysterious words", true },
		{ "mailbox is full", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ndr *n = ndr_parse(cases[i].in, strlen(cases[i].in));

		ndr_classify(n, kb);
		if (ndr_looks_like_bounce(n) != cases[i].bounce)
			fail_msg("\"%s\": looks like a bounce %d", cases[i].in, !cases[i].bounce);
		ndr_free(n);
	}
}

static void
test_logline(void **state)
{
	static const char line[] = "Nov 23 10:00:00 mx postfix/smtp[1]: 4A: to=<bob@example.org>, "
	    "relay=mx.example.org[192.0.2.1]:25, dsn=5.1.1, status=bounced (host "
	    "mx.example.org[192.0.2.1] said: 550 5.1.1 <bob@example.org>: Recipient address "
	    "rejected: User unknown (in reply to RCPT TO command))";
	struct ndr *n = ndr_parse(line, sizeof(line) - 1);

	(void)state;
	assert_int_equal(n->n_rcpts, 1);
	assert_string_equal(n->rcpts[0].addr, "bob@example.org");
	assert_string_equal(n->rcpts[0].status, "5.1.1");
	assert_string_equal(n->rcpts[0].command, "RCPT");
	ndr_classify(n, kb);
	assert_string_equal(n->rcpts[0].reason, "userunknown");
	ndr_free(n);
}

/* qmail-send's bounce: the refused command is in qmail-remote's words. */
static void
test_qmail(void **state)
{
	static const char mail[] = "From: MAILER-DAEMON@mail.example.org\n"
	    "Subject: failure notice\n\n"
	    "Hi. This is the qmail-send program at mail.example.org.\n"
	    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
	    "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
	    "<bob@example.net>:\n"
	    "192.0.2.9 does not like recipient.\n"
	    "Remote host said: 550 5.1.1 <bob@example.net>... User unknown\n"
	    "Giving up on 192.0.2.9.\n\n"
	    "--- Below this line is a copy of the message.\n";
	struct ndr *n = ndr_parse(mail, sizeof(mail) - 1);

	(void)state;
	assert_int_equal(n->n_rcpts, 1);
	assert_string_equal(n->rcpts[0].addr, "bob@example.net");
	assert_non_null(n->rcpts[0].command);
	assert_string_equal(n->rcpts[0].command, "RCPT");
	ndr_classify(n, kb);
	assert_string_equal(n->rcpts[0].reason, "userunknown");
	ndr_free(n);
}

/* Bounces of servers the corpus has few of: Gmail's prose names the recipient ("wasn't
 * delivered to ADDR because"), and its "email from" is no MAIL FROM; Domino's "not listed
 * in Domino Directory" is an unknown user, and its "listed in" no blocklist (a phrase
 * said not to hold is no evidence). */
static void
test_unseen_servers(void **state)
{
	static const char gmail[] = "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
	    "Subject: Delivery Status Notification (Failure)\n\n"
	    "Your message wasn't delivered to jun@gmail.com because the address couldn't be "
	    "found, or is unable to receive mail.\n\n"
	    "The response from the remote server was:\n"
	    "550-5.7.26 Unauthenticated email from example.org is not accepted due to domain's\n"
	    "550-5.7.26 DMARC policy. Please contact the administrator of example.org domain if\n"
	    "550 5.7.26 this was a legitimate mail.\n";
	static const char domino[] = "From: Postmaster@example.org\n"
	    "Subject: DELIVERY FAILURE: User ivan (ivan@example.net) not listed in Domino "
	    "Directory\n\n"
	    "Your message\n\n  Subject: hello\n\nwas not delivered to:\n\n"
	    "  ivan@example.net\n\nbecause:\n\n"
	    "  User ivan (ivan@example.net) not listed in Domino Directory\n";
	struct ndr *n = ndr_parse(gmail, sizeof(gmail) - 1);

	(void)state;
	ndr_classify(n, kb);
	assert_int_equal(n->n_rcpts, 1);
	assert_string_equal(n->rcpts[0].addr, "jun@gmail.com");
	assert_string_equal(n->rcpts[0].reason, "authfailure");
	assert_null(n->rcpts[0].command);
	ndr_free(n);
	n = ndr_parse(domino, sizeof(domino) - 1);
	ndr_classify(n, kb);
	assert_int_equal(n->n_rcpts, 1);
	assert_string_equal(n->rcpts[0].addr, "ivan@example.net");
	assert_string_equal(n->rcpts[0].cause->id, "ndr.user-unknown");
	ndr_free(n);
}

static void
test_garbage(void **state)
{
	static const char *const inputs[] = {
		"", "\n\n\n", ":", "From: \n", "Content-Type: multipart/mixed; boundary=\n\n--\n--",
		"=?utf-8?B?", "Final-Recipient: rfc822;\nStatus: 9.9.9.9.9\n", "@@@ <> <@> a@",
	};
	unsigned char junk[4096];
	size_t i;
	uint32_t x = 12345;

	(void)state;
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct ndr *n = ndr_parse(inputs[i], strlen(inputs[i]));

		ndr_classify(n, kb);
		ndr_free(n);
	}
	for (i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(x >> 16);
	}
	{
		struct ndr *n = ndr_parse((const char *)junk, sizeof(junk));

		ndr_classify(n, kb);
		assert_true(n->n_rcpts <= NDR_MAX_RCPTS);
		ndr_free(n);
	}
}

static void
test_bounds(void **state)
{
	size_t big = NDR_MAX_INPUT + 100, i, o = 0;
	char *buf = malloc(big);
	struct ndr *n;

	(void)state;
	assert_non_null(buf);
	memset(buf, 'A', big);
	n = ndr_parse(buf, big);
	assert_true(n->is_partial);
	ndr_free(n);
	/* deep nesting and many parts stop at their bounds */
	o = (size_t)snprintf(buf, big, "Subject: x\nContent-Type: multipart/mixed; boundary=b0\n\n");
	for (i = 1; i < 40; i++)
		o += (size_t)snprintf(buf + o, big - o,
		    "--b%zu\nContent-Type: multipart/mixed; boundary=b%zu\n\n", i - 1, i);
	n = ndr_parse(buf, o);
	assert_true(n->is_partial);
	ndr_free(n);
	o = (size_t)snprintf(buf, big, "Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n");
	for (i = 0; i < 500; i++)
		o += (size_t)snprintf(buf + o, big - o, "--b\n\n<u%zu@example.com>: 550 5.1.1 "
		    "user unknown\n", i);
	n = ndr_parse(buf, o);
	assert_true(n->is_partial);
	assert_true(n->n_rcpts <= NDR_MAX_RCPTS);
	ndr_free(n);
	free(buf);
}

/* The reference for ndr_multi_next(): every offset, every phrase, byte by byte. */
static long
multi_naive(const char *const *pats, size_t n, const char *t, size_t len, size_t from,
    uint32_t *which)
{
	size_t p, k, j;

	for (p = from; p < len; p++) {
		*which = 0;
		for (k = 0; k < n; k++) {
			size_t pl = strlen(pats[k]);

			if (pl > len - p)
				continue;
			for (j = 0; j < pl; j++) {
				unsigned char a = (unsigned char)t[p + j], b = (unsigned char)pats[k][j];

				if ((a >= 'A' && a <= 'Z' ? a + 32 : a) != (b >= 'A' && b <= 'Z' ? b + 32 : b))
					break;
			}
			if (j == pl)
				*which |= 1u << k;
		}
		if (*which != 0)
			return (long)p;
	}
	*which = 0;
	return -1;
}

/* One text against one set: the SIMD search, the plain one and the reference agree from
 * every start offset. The text is a malloc() of exactly len bytes (ASan sees overreads). */
static void
multi_agree(const char *const *pats, size_t n, const struct ndr_multi *m, const char *src,
    size_t len)
{
	char *t = malloc(len > 0 ? len : 1);
	size_t from;

	assert_non_null(t);
	memcpy(t, src, len);
	for (from = 0; from <= len + 1; from++) {
		uint32_t w_ref = 0;
		long ref = multi_naive(pats, n, t, len, from, &w_ref);
		int level;

		/* plain C, SSSE3, AVX2 (those this CPU has), and the one the parser uses */
		for (level = 0; level <= ndr_multi_simd_level() + 1; level++) {
			uint32_t w = 0xdead;
			long at = level <= ndr_multi_simd_level() ?
			    ndr_multi_next_level(m, t, len, from, &w, level) :
			    ndr_multi_next(m, t, len, from, &w);

			if (at != ref || (ref >= 0 && w != w_ref))
				fail_msg("len %zu from %zu level %d: %ld/%x, reference %ld/%x",
				    len, from, level, at, w, ref, w_ref);
		}
	}
	free(t);
}

/* ndr_multi_first_each(): where each wanted phrase first starts, case folded, from an
 * offset on; NULL for the ones missing, and the others untouched. */
static void
test_multi_first_each(void **state)
{
	static const char *const pats[] = { "abc", "BC", "zz", "x" };
	const char *text = "xxbcABCbc", *at[4] = { NULL, NULL, NULL, "untouched" };
	struct ndr_multi m;
	uint32_t found;

	(void)state;
	ndr_multi_init(&m, pats, 4);
	found = ndr_multi_first_each(&m, text, strlen(text), 1, 0x7, at);
	assert_int_equal(found, 0x3);
	assert_ptr_equal(at[0], text + 4);
	assert_ptr_equal(at[1], text + 2);
	assert_null(at[2]);
	assert_string_equal(at[3], "untouched");
	found = ndr_multi_first_each(&m, text, strlen(text), 0, 0xf, at);
	assert_int_equal(found, 0xb);
	assert_ptr_equal(at[3], text);
}

static void
test_multi(void **state)
{
	static const char *const set_a[] = {
		"original message follows", "----- original message -----", "--- original",
		"Message", "元のメッセージ", "原文", "the", "[data]", "auth ", "Mail From",
	};
	static const char *const set_b[] = { "a", "@", "z" };	/* '@' | 0x20 is '`' */
	static const char *const set_c[] = { "ab", "[{", "\xe5\x85", "Zz", "a\x80" };
	/* bytes that fold alike under bit 0x20 but not under ASCII_LC, high bytes, NUL */
	static const char alphabet[] = "aAbBzZ@`[{-_ \t\n:.\x80\xe5\x85\x83\xc0\xff\x00"
	    "originalmessage the[data]uth fromMAIL";
	static const struct { const char *const *pats; size_t n; } sets[] = {
		{ set_a, sizeof(set_a) / sizeof(set_a[0]) },
		{ set_b, sizeof(set_b) / sizeof(set_b[0]) },
		{ set_c, sizeof(set_c) / sizeof(set_c[0]) },
	};
	char buf[120];
	size_t s, len, i, round;
	unsigned seed = 12345;

	(void)state;
	if (ndr_multi_simd_level() < 2)
		fprintf(stderr, "# test_multi: SIMD level %d here; the others are not tested\n",
		    ndr_multi_simd_level());
	for (s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		struct ndr_multi m;

		ndr_multi_init(&m, sets[s].pats, sets[s].n);
		/* empty text, and each phrase alone, ending the buffer at every length */
		multi_agree(sets[s].pats, sets[s].n, &m, "", 0);
		for (i = 0; i < sets[s].n; i++) {
			size_t pl = strlen(sets[s].pats[i]);

			for (len = pl; len < pl + 70 && len < sizeof(buf); len++) {
				memset(buf, 'x', len);
				memcpy(buf + len - pl, sets[s].pats[i], pl);
				buf[0] = len % 2 ? 'M' : '\xe5';
				multi_agree(sets[s].pats, sets[s].n, &m, buf, len);
			}
		}
		/* random texts of every length around the 16- and 32-byte blocks */
		for (round = 0; round < 3000; round++) {
			len = round % 110;	/* several 32-byte blocks */
			if (round % 7 == 0)
				len = 14 + round % 6;	/* 14..19: one block, its tail */
			else if (round % 7 == 1)
				len = 30 + round % 8;	/* 30..37: one 32-byte block */
			for (i = 0; i < len; i++) {
				seed = seed * 1103515245u + 12345u;
				buf[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
			}
			/* plant a phrase now and then, at a random place, in random case */
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 3 == 0 && len > 0) {
				const char *ph = sets[s].pats[(seed >> 8) % sets[s].n];
				size_t pl = strlen(ph), at = (seed >> 20) % len;

				for (i = 0; i < pl && at + i < len; i++)
					buf[at + i] = (char)((seed >> (i % 16)) & 1 && ph[i] >= 'a' &&
					    ph[i] <= 'z' ? ph[i] - 32 : ph[i]);
			}
			multi_agree(sets[s].pats, sets[s].n, &m, buf, len);
		}
	}
}

/* The code finders as they were before memchr() and SSE2 picked where to try: the
 * reference the faster ones must agree with. */
static int
ref_find_status(const char *s, size_t len, char *buf, size_t buf_len)
{
	size_t i;

	for (i = 0; i + 5 <= len; i++) {
		size_t j, d1, d2;
		char p = i > 0 ? s[i - 1] : 'x';

		if (s[i] != '2' && s[i] != '4' && s[i] != '5')
			continue;
		if (i > 0 && ((isdigit((unsigned char)p) || p == '.') || isalpha((unsigned char)p)))
			continue;
		if (s[i + 1] != '.')
			continue;
		j = i + 2;
		for (d1 = 0; j < len && isdigit((unsigned char)s[j]) && d1 < 4; d1++)
			j++;
		if (d1 == 0 || d1 > 3 || j >= len || s[j] != '.')
			continue;
		j++;
		for (d2 = 0; j < len && isdigit((unsigned char)s[j]) && d2 < 4; d2++)
			j++;
		if (d2 == 0 || d2 > 3)
			continue;
		if (j < len && s[j] == '.' && j + 1 < len && isdigit((unsigned char)s[j + 1]))
			continue;
		if (j < len && (isdigit((unsigned char)s[j]) || isalpha((unsigned char)s[j])))
			continue;
		if (j - i + 1 > buf_len)
			return 0;
		memcpy(buf, s + i, j - i);
		buf[j - i] = '\0';
		return 1;
	}
	return 0;
}

static int
ref_find_reply(const char *s, size_t len, char *buf)
{
	size_t i;

	for (i = 0; i + 3 <= len; i++) {
		char c = s[i];

		if (c != '2' && c != '4' && c != '5')
			continue;
		if (!isdigit((unsigned char)s[i + 1]) || !isdigit((unsigned char)s[i + 2]))
			continue;
		if (s[i + 1] > '5')
			continue;
		if (i > 0 && !strchr(" \t#(:<[\"'=", s[i - 1]))
			continue;
		if (i + 3 < len && !strchr(" \t-)]\",;", s[i + 3]))
			continue;
		if (c == '2' && i > 0)
			continue;
		memcpy(buf, s + i, 3);
		buf[3] = '\0';
		return 1;
	}
	return 0;
}

/* Random texts of digits, dots and separators, every length around the 16-byte blocks:
 * the same codes as the reference, read only inside the text (exact-size buffers). */
static void
test_codes_agree(void **state)
{
	static const char alphabet[] = "0123455544422.. .\t#(:<-)x;,\"'=[]a\n\x80\xff\x00";
	unsigned seed = 777;
	size_t round, len, i;

	(void)state;
	for (round = 0; round < 20000; round++) {
		char *t, st[16], st_ref[16], rc[4], rc_ref[4];
		int a, b;

		len = round % 60;
		t = malloc(len > 0 ? len : 1);
		assert_non_null(t);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			t[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		a = ndr_find_status(t, len, st, sizeof(st));
		b = ref_find_status(t, len, st_ref, sizeof(st_ref));
		assert_int_equal(a, b);
		if (a)
			assert_string_equal(st, st_ref);
		a = ndr_find_reply(t, len, rc);
		b = ref_find_reply(t, len, rc_ref);
		assert_int_equal(a, b);
		if (a)
			assert_string_equal(rc, rc_ref);
		free(t);
	}
}

/* ndr_ci_find() against a byte-by-byte search: needles around its 8-byte compares and
 * texts around its 16-byte blocks, in exact-size buffers. */
static void
test_ci_find_agree(void **state)
{
	static const char *const needles[] = {
		"a", "ab", "Mail", "rcpt to:", "user@example.org", "Final-Recipient:",
		"\xe5\x85\x83", "aaaaaaaaa", "@`[{",
	};
	static const char alphabet[] = "aAbB@`[{ :.-\xe5\x85\x83\x00rcptRCPT tomailMAIL";
	unsigned seed = 4242;
	size_t round, i, k;

	(void)state;
	for (round = 0; round < 6000; round++) {
		size_t len = round % 75;
		char *t = malloc(len > 0 ? len : 1);

		assert_non_null(t);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			t[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		for (k = 0; k < sizeof(needles) / sizeof(needles[0]); k++) {
			const char *nd = needles[k];
			size_t nl = strlen(nd);
			const char *want = NULL;

			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 4 == 0 && nl <= len)	/* plant it, maybe at the end */
				memcpy(t + ((seed >> 8) % 2 ? len - nl : (seed >> 20) % (len - nl + 1)),
				    nd, nl);
			for (i = 0; i + nl <= len && want == NULL; i++) {
				size_t j;

				for (j = 0; j < nl; j++) {
					unsigned char a = (unsigned char)t[i + j];
					unsigned char b = (unsigned char)nd[j];

					if ((a >= 'A' && a <= 'Z' ? a + 32 : a) !=
					    (b >= 'A' && b <= 'Z' ? b + 32 : b))
						break;
				}
				if (j == nl)
					want = t + i;
			}
			assert_ptr_equal(ndr_ci_find(t, len, nd), want);
		}
		free(t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_rfc2047),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_dsn),
		cmocka_unit_test(test_greylist_final),
		cmocka_unit_test(test_exchange_component_status),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_kb_rules),
		cmocka_unit_test(test_kb_complete),
		cmocka_unit_test(test_not_a_bounce),
		cmocka_unit_test(test_logline),
		cmocka_unit_test(test_qmail),
		cmocka_unit_test(test_unseen_servers),
		cmocka_unit_test(test_kb_scan),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_multi),
		cmocka_unit_test(test_multi_first_each),
		cmocka_unit_test(test_codes_agree),
		cmocka_unit_test(test_ci_find_agree),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
