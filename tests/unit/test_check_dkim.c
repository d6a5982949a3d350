/* The dkim check against zones served in-process, with keys OpenSSL makes for the test:
 * every kind of key record RFC 6376, 8301 and 8463 tell apart, CNAME chains, resolver
 * failures. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim_key.h"
#include "dns_zone.h"
#include "report.h"
#include "xmalloc.h"

static const char *const dkim_only[] = { "dkim" };

/* Base64 of a fresh key: SubjectPublicKeyInfo for RSA, the bare 32 bytes for Ed25519. */
static char *
key_b64(int type, unsigned bits, bool spki)
{
	EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(type, NULL);
	EVP_PKEY *pk = NULL;
	unsigned char der[4096], *p = der;
	size_t len = sizeof(der);
	char *out;

	assert_non_null(kc);
	assert_int_equal(EVP_PKEY_keygen_init(kc), 1);
	if (type == EVP_PKEY_RSA)
		assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(kc, (int)bits), 1);
	assert_int_equal(EVP_PKEY_keygen(kc, &pk), 1);
	if (type == EVP_PKEY_ED25519 && !spki)
		assert_int_equal(EVP_PKEY_get_raw_public_key(pk, der, &len), 1);
	else
		len = (size_t)i2d_PUBKEY(pk, &p);
	out = xmalloc(len * 2 + 4);
	EVP_EncodeBlock((unsigned char *)out, der, (int)len);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(kc);
	return out;
}

/* A zone line with record split into 200-byte strings, as long keys must be. */
static char *
txt_line(const char *name, const char *record)
{
	size_t n = strlen(record), i, off = 0;
	char *out = xmalloc(strlen(name) + n + n / 200 * 4 + 32);

	off += (size_t)sprintf(out, "%s TXT", name);
	for (i = 0; i < n; i += 200)
		off += (size_t)sprintf(out + off, " \"%.200s\"", record + i);
	sprintf(out + off, "\n");
	return out;
}

static void
run_dkim(struct zone_run *r, const char *zone, const char *const *sels, size_t n)
{
	struct check_inputs in = { .domain = "t.test", .dkim_selectors = sels,
	    .n_dkim_selectors = n };

	zone_run(r, zone, &in, dkim_only, 1);
}

/* One selector "s" whose record is rec; asserts id with status. */
static void
expect(const char *rec, const char *id, int status)
{
	static const char *const sel[] = { "s" };
	struct zone_run r;
	char *zone = txt_line("s._domainkey.t.test.", rec);

	run_dkim(&r, zone, sel, 1);
	zone_assert(&r, id, "s._domainkey.t.test", status);
	zone_run_free(&r);
	free(zone);
}

static void
test_key_sizes(void **state)
{
	char *k512 = key_b64(EVP_PKEY_RSA, 512, true), *k1024 = key_b64(EVP_PKEY_RSA, 1024, true);
	char *k2048 = key_b64(EVP_PKEY_RSA, 2048, true), rec[2048];
	struct zone_run r;
	char *zone;
	static const char *const sel[] = { "s" };

	(void)state;
	snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; p=%s", k512);
	expect(rec, "dkim.key-weak", ST_FAIL);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; p=%s", k1024);
	expect(rec, "dkim.key-short", ST_WARN);
	/* 2048 bits need two strings: joined before parsing (RFC 6376 3.6.2.2). */
	snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; p=%s", k2048);
	zone = txt_line("s._domainkey.t.test.", rec);
	run_dkim(&r, zone, sel, 1);
	zone_assert(&r, "dkim.key-ok", "s._domainkey.t.test", ST_OK);
	assert_string_equal(finding_message(report_find(r.ctx.rep, "dkim.key-ok")),
	    "Selector s publishes a 2048-bit RSA DKIM key.");
	zone_run_free(&r);
	free(zone);
	/* Without v= and k= (both optional), and with folding whitespace inside p=. */
	snprintf(rec, sizeof(rec), "p=%.100s %s", k2048, k2048 + 100);
	expect(rec, "dkim.key-ok", ST_OK);
	free(k512);
	free(k1024);
	free(k2048);
}

static void
test_ed25519(void **state)
{
	char *raw = key_b64(EVP_PKEY_ED25519, 0, false), *spki = key_b64(EVP_PKEY_ED25519, 0, true);
	char rec[512];

	(void)state;
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; p=%s", raw);
	expect(rec, "dkim.key-ok", ST_OK);
	/* RFC 8463 publishes the bare key; an SPKI wrapper is a common mistake. */
	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; p=%s", spki);
	expect(rec, "dkim.bad-key", ST_FAIL);
	/* An Ed25519 key announced as RSA. */
	snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; p=%s", spki);
	expect(rec, "dkim.bad-key", ST_FAIL);
	free(raw);
	free(spki);
}

static void
test_record_kinds(void **state)
{
	char *k = key_b64(EVP_PKEY_RSA, 1024, true), rec[1024];

	(void)state;
	expect("v=DKIM1; k=rsa; p=", "dkim.revoked", ST_FAIL);
	expect("v=DKIM1; k=rsa; p=Zm9vYmFy", "dkim.bad-key", ST_FAIL);
	expect("v=DKIM1; k=dsa; p=Zm9vYmFy", "dkim.bad-key", ST_FAIL);
	expect("v=DKIM1; k=rsa; p=not*base64", "dkim.syntax", ST_FAIL);
	expect("v=DKIM1; k=rsa", "dkim.syntax", ST_FAIL);
	snprintf(rec, sizeof(rec), "k=rsa; v=DKIM1; p=%s", k);
	expect(rec, "dkim.syntax", ST_FAIL);
	snprintf(rec, sizeof(rec), "v=DKIM2; p=%s", k);
	expect(rec, "dkim.syntax", ST_FAIL);
	snprintf(rec, sizeof(rec), "v=DKIM1; p=%s; p=%s", k, k);
	expect(rec, "dkim.syntax", ST_FAIL);
	snprintf(rec, sizeof(rec), "v=DKIM1; h=sha1; p=%s", k);
	expect(rec, "dkim.sha1-only", ST_FAIL);
	snprintf(rec, sizeof(rec), "v=DKIM1; h=sha1:sha256; p=%s", k);
	expect(rec, "dkim.key-short", ST_WARN);
	snprintf(rec, sizeof(rec), "v=DKIM1; t=y; p=%s", k);
	expect(rec, "dkim.testing", ST_WARN);
	snprintf(rec, sizeof(rec), "v=DKIM1; t=s; p=%s", k);
	expect(rec, "dkim.strict-identity", ST_INFO);
	snprintf(rec, sizeof(rec), "v=DKIM1; s=tlsrpt; p=%s", k);
	expect(rec, "dkim.syntax", ST_FAIL);
	free(k);
}

static void
test_names(void **state)
{
	static const char *const sel[] = { "s" }, *const two[] = { "a", "b" };
	char *k = key_b64(EVP_PKEY_RSA, 1024, true), zone[4096];
	struct zone_run r;

	(void)state;
	/* NXDOMAIN and NODATA are told apart; a timeout is UNKNOWN, not "no key". */
	run_dkim(&r, "t.test. TXT \"v=spf1 -all\"\n", sel, 1);
	zone_assert(&r, "dkim.not-found", "s._domainkey.t.test", ST_FAIL);
	zone_run_free(&r);
	run_dkim(&r, "s._domainkey.t.test. A 192.0.2.1\n", sel, 1);
	zone_assert(&r, "dkim.no-key", "s._domainkey.t.test", ST_FAIL);
	zone_assert_none(&r, "dkim.not-found");
	zone_run_free(&r);
	run_dkim(&r, "TIMEOUT s._domainkey.t.test. TXT\n", sel, 1);
	zone_assert(&r, "dns.timeout", "s._domainkey.t.test", ST_UNKNOWN);
	zone_assert_none(&r, "dkim.not-found");
	zone_run_free(&r);
	/* Two selectors, both asked. */
	snprintf(zone, sizeof(zone), "a._domainkey.t.test. TXT \"p=%s\"\n", k);
	run_dkim(&r, zone, two, 2);
	zone_assert(&r, "dkim.key-short", "a._domainkey.t.test", ST_WARN);
	zone_assert(&r, "dkim.not-found", "b._domainkey.t.test", ST_FAIL);
	zone_run_free(&r);
	/* Two records at one selector. */
	snprintf(zone, sizeof(zone), "s._domainkey.t.test. TXT \"p=%s\"\n"
	    "s._domainkey.t.test. TXT \"p=\"\n", k);
	run_dkim(&r, zone, sel, 1);
	zone_assert(&r, "dkim.multiple", "s._domainkey.t.test", ST_WARN);
	zone_run_free(&r);
	/* A CNAME chain followed to the key; a dangling one is a FAIL. */
	snprintf(zone, sizeof(zone), "s._domainkey.t.test. CNAME s.keys.esp.test.\n"
	    "s.keys.esp.test. CNAME k2.keys.esp.test.\n"
	    "k2.keys.esp.test. TXT \"v=DKIM1; p=%s\"\n", k);
	run_dkim(&r, zone, sel, 1);
	zone_assert(&r, "dkim.key-short", "s._domainkey.t.test", ST_WARN);
	zone_assert(&r, "dkim.cname", "s._domainkey.t.test", ST_INFO);
	assert_non_null(strstr(finding_message(report_find(r.ctx.rep, "dkim.cname")),
	    "s._domainkey.t.test -> s.keys.esp.test -> k2.keys.esp.test"));
	zone_run_free(&r);
	run_dkim(&r, "s._domainkey.t.test. CNAME gone.esp.test.\nesp.test. A 192.0.2.1\n",
	    sel, 1);
	zone_assert(&r, "dkim.cname-dangling", "s._domainkey.t.test", ST_FAIL);
	zone_assert_none(&r, "dkim.not-found");
	zone_run_free(&r);
	free(k);
}

static void
test_guesses(void **state)
{
	char *k = key_b64(EVP_PKEY_RSA, 2048, true), rec[1024], *zone;
	struct zone_run r;

	(void)state;
	/* Nothing at the common selectors: INFO, and said to be a guess. */
	run_dkim(&r, "t.test. TXT \"v=spf1 -all\"\n", NULL, 0);
	zone_assert(&r, "dkim.none-found", "t.test", ST_INFO);
	assert_non_null(strstr(finding_message(report_find(r.ctx.rep, "dkim.none-found")),
	    "guess that can miss"));
	assert_int_equal(zone_count(&r, "dkim.not-found"), 0);
	zone_run_free(&r);
	/* Microsoft 365: selector1 into the tenant domain, selector2 not yet published. */
	snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; p=%s", k);
	zone = txt_line("selector1-t-test._domainkey.t.onmicrosoft.com.", rec);
	zone = xrealloc(zone, strlen(zone) + 256);
	strcat(zone, "selector1._domainkey.t.test. CNAME "
	    "selector1-t-test._domainkey.t.onmicrosoft.com.\n"
	    "selector2._domainkey.t.test. CNAME selector2-t-test._domainkey.t.onmicrosoft.com.\n");
	run_dkim(&r, zone, NULL, 0);
	zone_assert(&r, "dkim.key-ok", "selector1._domainkey.t.test", ST_OK);
	zone_assert(&r, "dkim.cname", "selector1._domainkey.t.test", ST_INFO);
	assert_non_null(strstr(finding_message(report_find(r.ctx.rep, "dkim.cname")),
	    "Microsoft 365"));
	zone_assert(&r, "dkim.cname-dangling", "selector2._domainkey.t.test", ST_WARN);
	zone_assert_none(&r, "dkim.none-found");
	zone_run_free(&r);
	free(zone);
	/* Every guess timing out: one UNKNOWN, not nine. */
	run_dkim(&r, "TIMEOUT selector1._domainkey.t.test. TXT\n"
	    "TIMEOUT selector2._domainkey.t.test. TXT\n", NULL, 0);
	assert_int_equal(zone_count(&r, "dns.timeout"), 1);
	zone_assert_none(&r, "dkim.none-found");
	zone_run_free(&r);
	free(k);
}

static void
test_parser(void **state)
{
	struct dkim_key key;

	(void)state;
	/* A NUL inside the joined strings is a syntax error, not the end of the record. */
	assert_int_equal(dkim_key_parse("p=\0AAAA", 7, &key), DKIM_KEY_SYNTAX);
	assert_int_equal(dkim_key_parse("v=DKIM1; 1x=2; p=", 17, &key), DKIM_KEY_SYNTAX);
	assert_string_equal(key.tag, "1x");
	assert_int_equal(dkim_key_parse("v=DKIM1; p=;", 12, &key), DKIM_KEY_REVOKED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_sizes),
		cmocka_unit_test(test_ed25519),
		cmocka_unit_test(test_record_kinds),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_guesses),
		cmocka_unit_test(test_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
