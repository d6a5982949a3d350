/* OpenSSL client sessions on non-blocking sockets; certificates are judged, not enforced. */
#include "config.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "i18n.h"
#include "tls.h"
#include "xmalloc.h"

struct tls_client {
	SSL_CTX *ctx;
};

struct tls_conn {
	SSL *ssl;
	char *name;		/* owned; NULL when nothing to check */
	bool is_name_ip;
	struct tls_info info;
};

/* The most recent OpenSSL error as text into buf, or fallback when the queue is empty. */
static void
openssl_error(char *buf, size_t len, const char *fallback)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "%s", fallback);
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
}

struct tls_client *
tls_client_new(const char *ca_file, char *why, size_t why_len)
{
	struct tls_client *tc;
	struct sigaction sa;
	SSL_CTX *ctx;

	/* OpenSSL writes with write(2): a server resetting mid-write must be evidence (EPIPE),
	 * not a SIGPIPE that kills the run. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);

	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		openssl_error(why, why_len, "cannot create TLS context");
		return NULL;
	}
	if (ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
			openssl_error(why, why_len, "cannot load CA file");
			SSL_CTX_free(ctx);
			return NULL;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		openssl_error(why, why_len, "cannot load the system certificate store");
		SSL_CTX_free(ctx);
		return NULL;
	}
	/*
	 * VERIFY_NONE lets the handshake finish so that we can report why a certificate is
	 * bad; OpenSSL still verifies the chain and keeps the result for SSL_get_verify_result().
	 */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* A server closing without close_notify after QUIT is normal for SMTP. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* The write buffer of a pending SSL_write may move between retries (it is ours). */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	tc = xcalloc(1, sizeof(*tc));
	tc->ctx = ctx;
	return tc;
}

void
tls_client_free(struct tls_client *tc)
{
	if (tc == NULL)
		return;
	SSL_CTX_free(tc->ctx);
	free(tc);
}

static bool
is_ip_literal(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

struct tls_conn *
tls_conn_new(struct tls_client *tc, int fd, const char *name)
{
	struct tls_conn *c = xcalloc(1, sizeof(*c));

	ERR_clear_error();
	c->ssl = SSL_new(tc->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1) {
		SSL_free(c->ssl);
		free(c);
		ERR_clear_error();
		return NULL;
	}
	if (name != NULL) {
		c->name = xstrdup(name);
		c->is_name_ip = is_ip_literal(name);
		snprintf(c->info.name, sizeof(c->info.name), "%s", name);
		/* RFC 6066 3: SNI carries host names only, never address literals. */
		if (!c->is_name_ip)
			SSL_set_tlsext_host_name(c->ssl, name);
	}
	SSL_set_connect_state(c->ssl);
	return c;
}

void
tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL && c->info.is_done) {
		/* Best effort close_notify; a non-blocking socket never waits for the reply. */
		SSL_shutdown(c->ssl);
	}
	SSL_free(c->ssl);
	ERR_clear_error();
	free(c->name);
	free(c);
}

const struct tls_info *
tls_conn_info(const struct tls_conn *c)
{
	return &c->info;
}

static void
time_text(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		snprintf(buf, len, "?");
		return;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Subject alternative names as one bounded line. */
static void
san_text(X509 *cert, char *buf, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;
	int i, n;

	buf[0] = '\0';
	if (gens == NULL)
		return;
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char addr[INET6_ADDRSTRLEN] = "?";
		const char *kind;
		const char *text;
		int tlen;

		if (g->type == GEN_DNS) {
			kind = "DNS";
			text = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
			tlen = ASN1_STRING_length(g->d.dNSName);
		} else if (g->type == GEN_IPADD) {
			int alen = ASN1_STRING_length(g->d.iPAddress);
			const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);

			kind = "IP";
			if (alen == 4)
				inet_ntop(AF_INET, a, addr, sizeof(addr));
			else if (alen == 16)
				inet_ntop(AF_INET6, a, addr, sizeof(addr));
			text = addr;
			tlen = (int)strlen(addr);
		} else {
			continue;
		}
		{
			/* A certificate is attacker data too: only printable ASCII goes out. */
			char clean[256];
			int k;

			if (tlen > (int)sizeof(clean) - 1)
				tlen = (int)sizeof(clean) - 1;
			for (k = 0; k < tlen; k++)
				clean[k] = text[k] > 0x20 && text[k] < 0x7f ? text[k] : '?';
			clean[tlen] = '\0';
			n = snprintf(buf + used, len - used, "%s%s:%s", used > 0 ? ", " : "",
			    kind, clean);
		}
		if (n < 0 || (size_t)n >= len - used) {
			/* Keep what fit and say that more followed. */
			buf[used] = '\0';
			if (used + 5 < len)
				snprintf(buf + used, len - used, ", ...");
			break;
		}
		used += (size_t)n;
	}
	GENERAL_NAMES_free(gens);
}

/* The peer's chain in DER, leaf first, as far as it fits. */
static void
keep_chain(struct tls_conn *c)
{
	struct tls_info *in = &c->info;
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(c->ssl);
	int i, n = sk != NULL ? sk_X509_num(sk) : 0;

	for (i = 0; i < n && in->nchain < TLS_CHAIN_MAX; i++) {
		X509 *x = sk_X509_value(sk, i);
		int len = i2d_X509(x, NULL);
		unsigned char *p = in->chain[in->nchain];

		in->chain_len[in->nchain] = 0;
		if (len > 0 && len <= TLS_CERT_MAX && i2d_X509(x, &p) == len)
			in->chain_len[in->nchain] = (size_t)len;
		in->nchain++;
	}
}

/*
 * The verify result in the message language: the common X509_V_ERR_* codes in words of our
 * own, any other as OpenSSL's text in quotes (its words are evidence, not ours).
 */
static void
verify_words(struct tls_info *in)
{
	const char *w;

	switch (in->verify_code) {
	case X509_V_OK: w = _("the chain verifies"); break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		w = _("the certificate is self-signed"); break;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		w = _("the chain ends in a self-signed root that is not trusted"); break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		w = _("the issuer is not a trusted CA (or the server does not send the "
		    "intermediate certificate)"); break;
	case X509_V_ERR_CERT_HAS_EXPIRED: w = _("the certificate has expired"); break;
	case X509_V_ERR_CERT_NOT_YET_VALID: w = _("the certificate is not valid yet"); break;
	case X509_V_ERR_CERT_REVOKED: w = _("the certificate is revoked"); break;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		w = _("the certificate's signature is invalid"); break;
	case X509_V_ERR_INVALID_CA: w = _("a certificate in the chain is not a CA"); break;
	case X509_V_ERR_HOSTNAME_MISMATCH:
		w = _("the certificate does not name the host"); break;
	default:
		snprintf(in->verify_error, sizeof(in->verify_error),
		    _("verification failed (OpenSSL: \"%s\")"), in->verify_openssl);
		return;
	}
	snprintf(in->verify_error, sizeof(in->verify_error), "%s", w);
}

/* Fill the certificate and session facts once the handshake has completed. */
static void
collect_info(struct tls_conn *c)
{
	struct tls_info *in = &c->info;
	const SSL_CIPHER *ciph = SSL_get_current_cipher(c->ssl);
	X509 *cert;
	int day = 0, sec = 0;

	in->is_done = true;
	snprintf(in->protocol, sizeof(in->protocol), "%s", SSL_get_version(c->ssl));
	if (ciph != NULL) {
		snprintf(in->cipher, sizeof(in->cipher), "%s", SSL_CIPHER_get_name(ciph));
		in->cipher_bits = SSL_CIPHER_get_bits(ciph, NULL);
	}
	cert = SSL_get1_peer_certificate(c->ssl);
	if (cert == NULL) {
		snprintf(in->verify_error, sizeof(in->verify_error), "%s",
		    _("the server sent no certificate"));
		return;
	}
	in->has_cert = true;
	keep_chain(c);
	in->verify_code = SSL_get_verify_result(c->ssl);
	in->is_chain_ok = in->verify_code == X509_V_OK;
	snprintf(in->verify_openssl, sizeof(in->verify_openssl), "%s",
	    X509_verify_cert_error_string(in->verify_code));
	verify_words(in);
	in->is_self_signed = X509_check_issued(cert, cert) == X509_V_OK;
	X509_NAME_oneline(X509_get_subject_name(cert), in->subject, sizeof(in->subject));
	X509_NAME_oneline(X509_get_issuer_name(cert), in->issuer, sizeof(in->issuer));
	san_text(cert, in->sans, sizeof(in->sans));
	time_text(X509_get0_notAfter(cert), in->not_after, sizeof(in->not_after));
	if (ASN1_TIME_diff(&day, &sec, NULL, X509_get0_notAfter(cert)) == 1)
		in->days_left = day;
	in->is_expired = X509_cmp_current_time(X509_get0_notAfter(cert)) < 0;
	in->is_not_yet_valid = X509_cmp_current_time(X509_get0_notBefore(cert)) > 0;
	if (in->is_expired && in->days_left >= 0)
		in->days_left = -1;	/* expired earlier today */
	/* RFC 6125 6.4: DNS-ID first, CN only without SANs; no partial-label wildcards. */
	if (c->name != NULL) {
		if (c->is_name_ip)
			in->is_name_ok = X509_check_ip_asc(cert, c->name, 0) == 1;
		else
			in->is_name_ok = X509_check_host(cert, c->name, 0,
			    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
	}
	X509_free(cert);
}

/* Map an SSL_get_error() result: TLS_WANT_*, TLS_EOF, or MXD_ETLS with the reason noted. */
static int
map_error(struct tls_conn *c, int rc, const char *what)
{
	int e = SSL_get_error(c->ssl, rc);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_EOF;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_last_error() == 0) {
			snprintf(c->info.error, sizeof(c->info.error),
			    _("%s: connection closed by the server"), what);
			return TLS_EOF;
		}
		break;
	default:
		break;
	}
	if (c->info.error[0] == '\0') {
		char reason[TLS_TEXT_MAX - 32];

		openssl_error(reason, sizeof(reason), "TLS failure");
		snprintf(c->info.error, sizeof(c->info.error), _("%s: OpenSSL says \"%s\""), what,
		    reason);
	}
	ERR_clear_error();
	return MXD_ETLS;
}

int
tls_conn_handshake(struct tls_conn *c)
{
	int rc;

	ERR_clear_error();
	rc = SSL_do_handshake(c->ssl);
	if (rc == 1) {
		collect_info(c);
		return TLS_OK;
	}
	rc = map_error(c, rc, "handshake");
	if (rc == TLS_EOF && c->info.error[0] == '\0')
		snprintf(c->info.error, sizeof(c->info.error),
		    "%s", _("handshake: connection closed by the server"));
	return rc;
}

int
tls_conn_read(struct tls_conn *c, void *buf, size_t len, size_t *done)
{
	int rc;

	*done = 0;
	ERR_clear_error();
	rc = SSL_read_ex(c->ssl, buf, len, done);
	if (rc == 1)
		return TLS_OK;
	return map_error(c, rc, "read");
}

int
tls_conn_write(struct tls_conn *c, const void *buf, size_t len, size_t *done)
{
	int rc;

	*done = 0;
	ERR_clear_error();
	rc = SSL_write_ex(c->ssl, buf, len, done);
	if (rc == 1)
		return TLS_OK;
	return map_error(c, rc, "write");
}
