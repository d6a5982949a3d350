/* DANE TLSA matching (dane_match.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dane_match.h"
#include "i18n.h"
#include "tls.h"

const char *
dane_unusable_why(const struct dane_tlsa *t)
{
	if (t->usage == DANE_USAGE_PKIX_TA || t->usage == DANE_USAGE_PKIX_EE)
		return N_("usages 0 and 1 (PKIX) are unusable for SMTP: senders ignore them");
	if (t->usage > DANE_USAGE_DANE_EE)
		return N_("the usage is not 2 (DANE-TA) or 3 (DANE-EE)");
	if (t->selector > 1)
		return N_("the selector is not 0 (certificate) or 1 (public key)");
	if (t->mtype > 2)
		return N_("the matching type is not 0 (exact), 1 (SHA-256) or 2 (SHA-512)");
	if ((t->mtype == 1 && t->len != 32) || (t->mtype == 2 && t->len != 64))
		return N_("the digest has the wrong length for its matching type");
	if (t->len == 0)
		return N_("the record has no data");
	return NULL;
}

/* The bytes a selector picks from a certificate, then the matching type's digest of them,
 * compared with the record. */
static bool
match_cert(X509 *x, const struct dane_tlsa *t)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int len;
	bool ok = false;

	len = t->selector == 0 ? i2d_X509(x, &der) : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (len <= 0)
		return false;
	if (t->mtype == 0)
		ok = (size_t)len == t->len && memcmp(der, t->data, t->len) == 0;
	else if (EVP_Digest(der, (size_t)len, md, &mdlen, t->mtype == 1 ? EVP_sha256() :
	    EVP_sha512(), NULL) == 1)
		ok = mdlen == t->len && memcmp(md, t->data, t->len) == 0;
	OPENSSL_free(der);
	return ok;
}

static X509 *
cert_at(const struct tls_info *tls, size_t i)
{
	const unsigned char *p = tls->chain[i];

	if (i >= tls->nchain || tls->chain_len[i] == 0)
		return NULL;
	return d2i_X509(NULL, &p, (long)tls->chain_len[i]);
}

/* The leaf verifies up to ta through the rest of the chain, and names host. */
static bool
chain_reaches(const struct tls_info *tls, X509 *leaf, X509 *ta, const char *host)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *sctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	size_t i;
	bool ok = false;

	if (store == NULL || sctx == NULL || untrusted == NULL)
		goto out;
	X509_STORE_add_cert(store, ta);
	/* the trust anchor need not be self-signed (RFC 7671 5.2.2) */
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	for (i = 1; i < tls->nchain; i++) {
		X509 *x = cert_at(tls, i);

		if (x != NULL && !sk_X509_push(untrusted, x))
			X509_free(x);
	}
	if (X509_STORE_CTX_init(sctx, store, leaf, untrusted) == 1 &&
	    X509_verify_cert(sctx) == 1)
		ok = X509_check_host(leaf, host, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
		    NULL) == 1;
out:
	sk_X509_pop_free(untrusted, X509_free);
	X509_STORE_CTX_free(sctx);
	X509_STORE_free(store);
	return ok;
}

bool
dane_match(const struct tls_info *tls, const char *host, const struct dane_tlsa *t)
{
	X509 *leaf = cert_at(tls, 0), *x;
	size_t i;
	bool ok = false;

	if (leaf == NULL || dane_unusable_why(t) != NULL)
		goto out;
	if (t->usage == DANE_USAGE_DANE_EE) {
		ok = match_cert(leaf, t);
		goto out;
	}
	for (i = 1; i < tls->nchain && !ok; i++) {
		if ((x = cert_at(tls, i)) == NULL)
			continue;
		ok = match_cert(x, t) && chain_reaches(tls, leaf, x, host);
		X509_free(x);
	}
out:
	X509_free(leaf);
	return ok;
}

char *
dane_tlsa_text(const struct dane_tlsa *t, char *buf, size_t len)
{
	char hex[2 * 16 + 4] = "";
	size_t i, n = t->len < 16 ? t->len : 16;

	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, sizeof(hex) - 2 * i, "%02x", t->data[i]);
	if (t->len > 16)
		strcat(hex, "...");
	snprintf(buf, len, "%u %u %u %s", t->usage, t->selector, t->mtype, hex);
	return buf;
}
