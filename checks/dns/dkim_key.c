/* A DKIM key record read as RFC 6376 3.2 and 3.6.1 say, the key itself by OpenSSL. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim_key.h"
#include "taglist.h"
#include "xmalloc.h"

#define KEY_MAX 8192	/* decoded bytes: a 16384-bit RSA key is about 2 KB */

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static enum dkim_key_verdict
syntax(struct dkim_key *key, const char *tag, const char *why)
{
	key->verdict = DKIM_KEY_SYNTAX;
	snprintf(key->tag, sizeof(key->tag), "%s", tag);
	snprintf(key->why, sizeof(key->why), "%s", why);
	return key->verdict;
}

/* Whether list (colon-separated, RFC 6376 3.6.1 key-h-tag, key-t-tag) holds word. */
static bool
list_has(const char *list, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list;

	while (*p != '\0') {
		const char *end = strchr(p, ':');
		const char *a = p, *b;

		if (end == NULL)
			end = p + strlen(p);
		b = end;
		while (a < b && is_wsp(*a))
			a++;
		while (b > a && is_wsp(b[-1]))
			b--;
		if ((size_t)(b - a) == wl && strncasecmp(a, word, wl) == 0)
			return true;
		p = *end == ':' ? end + 1 : end;
	}
	return false;
}

/* Base64 without the folding whitespace into out; -1 when not base64. */
static long
decode_b64(const char *in, unsigned char *out, size_t out_len)
{
	char *clean = xmalloc(strlen(in) + 1);
	size_t n = 0, pad = 0, i;
	long len = -1;
	int got;

	for (i = 0; in[i] != '\0'; i++) {
		unsigned char c = (unsigned char)in[i];

		if (is_wsp((char)c))
			continue;
		if (c == '=') {
			pad++;
		} else if (pad > 0 || (!isalnum(c) && c != '+' && c != '/')) {
			goto out;
		}
		clean[n++] = (char)c;
	}
	clean[n] = '\0';
	if (n % 4 != 0 || pad > 2 || n / 4 * 3 > out_len)
		goto out;
	got = EVP_DecodeBlock(out, (const unsigned char *)clean, (int)n);
	if (got >= 0)
		len = got - (long)pad;
out:
	free(clean);
	return len;
}

/*
 * An RSA SubjectPublicKeyInfo, or NULL. OpenSSL 3's d2i_PUBKEY() looks its decoders up
 * again for every key (about a million instructions: a third of a check --batch's time
 * when every domain has a key); one decoder context for this one input, built once and
 * kept for the process, decodes it in a tenth of that. Anything else (another key type,
 * trailing bytes) is left to d2i_PUBKEY(), so the verdicts stay its.
 */
static EVP_PKEY *
rsa_spki(const unsigned char *der, long len)
{
	static OSSL_DECODER_CTX *ctx;
	static EVP_PKEY *decoded;	/* where ctx puts each key */
	const unsigned char *p = der;
	size_t left = (size_t)len;
	EVP_PKEY *pk;

	if (ctx == NULL)
		ctx = OSSL_DECODER_CTX_new_for_pkey(&decoded, "DER", "SubjectPublicKeyInfo", "RSA",
		    EVP_PKEY_PUBLIC_KEY, NULL, NULL);
	if (ctx == NULL || !OSSL_DECODER_from_data(ctx, &p, &left) || left != 0) {
		EVP_PKEY_free(decoded);
		decoded = NULL;
		ERR_clear_error();	/* the fallback says why, not this attempt */
		return NULL;
	}
	pk = decoded;
	decoded = NULL;
	return pk;
}

/* The RSA key of p=: SubjectPublicKeyInfo as everyone publishes it, or the bare
 * RSAPublicKey that RFC 6376 3.6.1's wording allows. */
static void
read_rsa(const unsigned char *der, long len, struct dkim_key *key)
{
	const unsigned char *p = der;
	EVP_PKEY *pk = rsa_spki(der, len);

	if (pk == NULL) {
		pk = d2i_PUBKEY(NULL, &p, len);
		if (pk == NULL || p != der + len) {
			EVP_PKEY_free(pk);
			p = der;
			pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
		}
	}
	if (pk == NULL || EVP_PKEY_base_id(pk) != EVP_PKEY_RSA) {
		key->verdict = DKIM_KEY_BAD;
		snprintf(key->why, sizeof(key->why), "%s", pk == NULL ?
		    "p= is not a DER-encoded RSA public key" :
		    "p= holds a public key of another type than RSA");
	} else {
		key->bits = (unsigned)EVP_PKEY_bits(pk);
	}
	EVP_PKEY_free(pk);
}

/* RFC 8463 3: the bare 32 bytes of the Ed25519 public key, not a SubjectPublicKeyInfo. */
static void
read_ed25519(const unsigned char *raw, long len, struct dkim_key *key)
{
	EVP_PKEY *pk = NULL;

	if (len == 32)
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
	if (pk == NULL) {
		key->verdict = DKIM_KEY_BAD;
		snprintf(key->why, sizeof(key->why), len == 44 ?
		    "p= is an Ed25519 SubjectPublicKeyInfo; RFC 8463 publishes the bare 32-byte key" :
		    "p= is not a 32-byte Ed25519 public key (%ld bytes)", len);
		return;
	}
	key->bits = 256;
	EVP_PKEY_free(pk);
}

enum dkim_key_verdict
dkim_key_parse(const char *record, size_t len, struct dkim_key *key)
{
	struct taglist tags;
	unsigned char *der = NULL;
	const char *v, *k, *h, *t, *s, *p;
	long der_len;
	char *copy;

	memset(key, 0, sizeof(*key));
	if (memchr(record, '\0', len) != NULL)
		return syntax(key, "", "the record holds a NUL byte");
	copy = xmalloc(len + 1);
	memcpy(copy, record, len);
	copy[len] = '\0';
	if (taglist_split(copy, &tags) < 0) {
		syntax(key, tags.bad, tags.why);
		goto out;
	}
	v = taglist_get(&tags, "v");
	if (v != NULL && (strcmp(tags.tag[0].name, "v") != 0 || strcmp(v, "DKIM1") != 0)) {
		syntax(key, "v", strcmp(tags.tag[0].name, "v") != 0 ?
		    "v= must be the first tag" : "v= must be DKIM1");
		goto out;
	}
	k = taglist_get(&tags, "k");
	if (k != NULL && strcmp(k, "rsa") != 0 && strcmp(k, "ed25519") != 0) {
		key->verdict = DKIM_KEY_UNKNOWN_TYPE;
		snprintf(key->tag, sizeof(key->tag), "%s", k);
		goto out;
	}
	key->type = k != NULL && strcmp(k, "ed25519") == 0 ? DKIM_TYPE_ED25519 : DKIM_TYPE_RSA;
	h = taglist_get(&tags, "h");
	if (h != NULL) {
		key->has_h = true;
		key->is_sha1_only = !list_has(h, "sha256");
	}
	t = taglist_get(&tags, "t");
	if (t != NULL) {
		key->is_testing = list_has(t, "y");
		key->is_strict = list_has(t, "s");
	}
	s = taglist_get(&tags, "s");
	if (s != NULL)
		key->is_not_email = !list_has(s, "*") && !list_has(s, "email");
	p = taglist_get(&tags, "p");
	if (p == NULL) {
		syntax(key, "p", "the p= tag (the public key) is required");
		goto out;
	}
	if (*p == '\0') {
		key->verdict = DKIM_KEY_REVOKED;
		goto out;
	}
	der = xmalloc(KEY_MAX);
	der_len = decode_b64(p, der, KEY_MAX);
	if (der_len <= 0) {
		syntax(key, "p", "p= is not base64");
		goto out;
	}
	key->verdict = DKIM_KEY_OK;
	if (key->type == DKIM_TYPE_RSA)
		read_rsa(der, der_len, key);
	else
		read_ed25519(der, der_len, key);
out:
	free(der);
	free(copy);
	return key->verdict;
}

const char *
dkim_key_type_name(enum dkim_key_type type)
{
	return type == DKIM_TYPE_ED25519 ? "ed25519" : "rsa";
}
