/* SASL client responses for SMTP AUTH; every buffer holding key material is wiped. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "err.h"
#include "secret.h"
#include "smtp_auth.h"
#include "xmalloc.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
smtp_b64_encode(const unsigned char *in, size_t len, char *out, size_t out_len)
{
	size_t i, o = 0;

	if (out_len == 0)
		return MXD_ELIMIT;
	out[0] = '\0';
	if (len > (size_t)(0x7fffffff / 4 * 3 - 3) || out_len < SMTP_B64_LEN(len))
		return MXD_ELIMIT;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < len) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0);

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return (int)o;
}

static int
b64_value(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(b64_alphabet, c);
	return p != NULL ? (int)(p - b64_alphabet) : -1;
}

int
smtp_b64_decode(const char *in, size_t len, unsigned char *out, size_t out_len)
{
	size_t i, o = 0;

	if (len % 4 != 0)
		return MXD_EINVAL;
	for (i = 0; i < len; i += 4) {
		int v[4], k, pad = 0;
		unsigned w;

		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0)
				return MXD_EINVAL;	/* data after padding */
			v[k] = b64_value(in[i + k]);
			if (v[k] < 0)
				return MXD_EINVAL;
		}
		w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 |
		    (unsigned)v[3];
		if (o + 3 - (size_t)pad > out_len)
			return MXD_ELIMIT;
		out[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(w >> 8 & 0xff);
		if (pad < 1)
			out[o++] = (unsigned char)(w & 0xff);
	}
	return (int)o;
}

/* base64 of len bytes as a new secret; NULL only when len is absurd. */
static struct secret *
b64_secret(const unsigned char *in, size_t len)
{
	struct secret *s;
	size_t out_len = SMTP_B64_LEN(len);
	char *out = xmalloc(out_len);
	int n = smtp_b64_encode(in, len, out, out_len);

	s = n < 0 ? NULL : secret_new(out, (size_t)n);
	secret_wipe(out, out_len);
	free(out);
	return s;
}

static int
user_ok(const char *user)
{
	return user != NULL && strlen(user) <= SMTP_AUTH_FIELD_MAX;
}

struct secret *
smtp_auth_plain(const char *user, const struct secret *pass)
{
	size_t ulen, len;
	unsigned char *msg;
	struct secret *s;

	if (!user_ok(user) || pass == NULL || pass->len > SMTP_AUTH_FIELD_MAX ||
	    memchr(pass->buf, '\0', pass->len) != NULL)
		return NULL;
	ulen = strlen(user);
	/* RFC 4616 2: message = [authzid] UTF8NUL authcid UTF8NUL passwd; no authzid. */
	len = 1 + ulen + 1 + pass->len;
	msg = xmalloc(len);
	msg[0] = '\0';
	memcpy(msg + 1, user, ulen);
	msg[1 + ulen] = '\0';
	memcpy(msg + 2 + ulen, pass->buf, pass->len);
	s = b64_secret(msg, len);
	secret_wipe(msg, len);
	free(msg);
	return s;
}

struct secret *
smtp_auth_login_user(const char *user)
{
	if (!user_ok(user))
		return NULL;
	return b64_secret((const unsigned char *)user, strlen(user));
}

struct secret *
smtp_auth_login_pass(const struct secret *pass)
{
	if (pass == NULL || pass->len > SMTP_AUTH_FIELD_MAX)
		return NULL;
	return b64_secret((const unsigned char *)pass->buf, pass->len);
}

struct secret *
smtp_auth_cram_md5(const char *user, const struct secret *pass, const char *challenge_b64)
{
	unsigned char chal[SMTP_AUTH_FIELD_MAX];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	char resp[SMTP_AUTH_FIELD_MAX + 1 + 2 * EVP_MAX_MD_SIZE + 1];
	size_t clen = strlen(challenge_b64), used, i;
	struct secret *s = NULL;
	int n;

	if (!user_ok(user) || pass == NULL || pass->len > SMTP_AUTH_FIELD_MAX)
		return NULL;
	n = smtp_b64_decode(challenge_b64, clen, chal, sizeof(chal));
	if (n < 0)
		return NULL;
	if (HMAC(EVP_md5(), pass->buf, (int)pass->len, chal, (size_t)n, mac, &mac_len) == NULL)
		goto out;
	/* RFC 2195 2: the digest in lower-case hex, after the user name and one space. */
	n = snprintf(resp, sizeof(resp), "%s ", user);
	if (n < 0 || (size_t)n >= sizeof(resp))
		goto out;
	used = (size_t)n;
	for (i = 0; i < mac_len && used + 2 < sizeof(resp); i++) {
		resp[used++] = "0123456789abcdef"[mac[i] >> 4];
		resp[used++] = "0123456789abcdef"[mac[i] & 15];
	}
	s = b64_secret((unsigned char *)resp, used);
out:
	secret_wipe(mac, sizeof(mac));
	secret_wipe(resp, sizeof(resp));
	return s;
}
