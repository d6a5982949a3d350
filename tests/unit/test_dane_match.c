/* DANE TLSA matching (checks/dns/dane_match.c) against chains made here with OpenSSL: a CA
 * and a leaf it issues for mx.t.test. DANE-EE on the leaf alone, whatever its name;
 * DANE-TA on the CA only when the leaf names the host; the selectors and matching types. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dane_match.h"
#include "tls.h"

static X509 *
make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, bool is_ca)
{
	X509 *x = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	char san[300];

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), is_ca ? 1 : 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer != NULL ? issuer : x));
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    is_ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!is_ca) {
		snprintf(san, sizeof(san), "DNS:%s", cn);
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256()) > 0);
	return x;
}

static void
put(struct tls_info *in, X509 *x)
{
	unsigned char *p = in->chain[in->nchain];
	int len = i2d_X509(x, &p);

	assert_true(len > 0 && len <= TLS_CERT_MAX);
	in->chain_len[in->nchain++] = (size_t)len;
}

/* The TLSA data of x for selector and matching type, into buf (64 bytes at most but for
 * matching type 0). */
static size_t
tlsa_data(X509 *x, uint8_t sel, uint8_t mtype, unsigned char *buf, size_t len)
{
	unsigned char *der = NULL;
	unsigned int mdlen = 0;
	int n = sel == 0 ? i2d_X509(x, &der) : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);

	assert_true(n > 0);
	if (mtype == 0) {
		assert_true((size_t)n <= len);
		memcpy(buf, der, (size_t)n);
		mdlen = (unsigned int)n;
	} else {
		EVP_Digest(der, (size_t)n, buf, &mdlen, mtype == 1 ? EVP_sha256() : EVP_sha512(),
		    NULL);
	}
	OPENSSL_free(der);
	return mdlen;
}

static bool
matches(const struct tls_info *in, const char *host, X509 *x, uint8_t usage, uint8_t sel,
    uint8_t mtype)
{
	static unsigned char buf[TLS_CERT_MAX];
	struct dane_tlsa t = { usage, sel, mtype, buf, 0 };

	t.len = tlsa_data(x, sel, mtype, buf, sizeof(buf));
	return dane_match(in, host, &t);
}

static void
test_match(void **state)
{
	static struct tls_info in, leaf_only;
	EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *leaf_key = EVP_EC_gen("P-256");
	EVP_PKEY *other_key = EVP_EC_gen("P-256");
	X509 *ca, *leaf, *other;
	uint8_t s, m;

	(void)state;
	assert_non_null(ca_key);
	ca = make_cert(ca_key, "t.test CA", NULL, NULL, true);
	leaf = make_cert(leaf_key, "mx.t.test", ca, ca_key, false);
	other = make_cert(other_key, "other.t.test", NULL, NULL, true);
	put(&in, leaf);
	put(&in, ca);
	put(&leaf_only, leaf);

	/* DANE-EE: every selector and matching type on the leaf; no name check */
	for (s = 0; s <= 1; s++)
		for (m = 0; m <= 2; m++) {
			assert_true(matches(&in, "mx.t.test", leaf, 3, s, m));
			assert_true(matches(&in, "elsewhere.test", leaf, 3, s, m));
			assert_false(matches(&in, "mx.t.test", other, 3, s, m));
			/* the CA's key is not the leaf's */
			assert_false(matches(&in, "mx.t.test", ca, 3, s, m));
		}
	/* DANE-TA: the CA the leaf chains to, and the leaf must name the host */
	assert_true(matches(&in, "mx.t.test", ca, 2, 1, 1));
	assert_true(matches(&in, "mx.t.test", ca, 2, 0, 2));
	assert_false(matches(&in, "other.t.test", ca, 2, 1, 1));
	assert_false(matches(&in, "mx.t.test", other, 2, 1, 1));
	/* the trust anchor must be in the chain the server sent */
	assert_false(matches(&leaf_only, "mx.t.test", ca, 2, 1, 1));
	/* PKIX usages are never used for SMTP, even when the data match */
	assert_false(matches(&in, "mx.t.test", leaf, 1, 1, 1));
	assert_false(matches(&in, "mx.t.test", ca, 0, 1, 1));

	X509_free(ca);
	X509_free(leaf);
	X509_free(other);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(other_key);
}

static void
test_usable(void **state)
{
	static const uint8_t d32[32], d64[64];
	struct dane_tlsa t = { 3, 1, 1, d32, 32 };

	(void)state;
	assert_null(dane_unusable_why(&t));
	t.mtype = 2;
	assert_non_null(dane_unusable_why(&t));	/* 32 bytes is no SHA-512 */
	t.data = d64;
	t.len = 64;
	assert_null(dane_unusable_why(&t));
	t.usage = 0;
	assert_non_null(dane_unusable_why(&t));
	t.usage = 2;
	t.selector = 2;
	assert_non_null(dane_unusable_why(&t));
	t.selector = 0;
	t.mtype = 3;
	assert_non_null(dane_unusable_why(&t));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_usable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
