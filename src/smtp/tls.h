/* TLS client glue over OpenSSL: non-blocking handshake and I/O, and what the peer showed. */
#ifndef MXD_TLS_H
#define MXD_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls_client;
struct tls_conn;

/* What tls_conn_handshake/read/write want next; negative MXD_E* values are failures. */
enum tls_status {
	TLS_OK = 0,
	TLS_WANT_READ = 1,
	TLS_WANT_WRITE = 2,
	TLS_EOF = 3,		/* the peer closed the connection */
};

#define TLS_TEXT_MAX 256
#define TLS_CHAIN_MAX 4		/* certificates of the peer's chain kept, leaf first */
#define TLS_CERT_MAX 4096	/* DER bytes per certificate kept; a larger one is not */

/* Facts about an established (or failed) TLS session, for findings. */
struct tls_info {
	bool is_done;			/* the handshake completed */
	char error[TLS_TEXT_MAX];	/* why the handshake failed, "" when it did not */
	char protocol[16];		/* "TLSv1.3" */
	char cipher[64];		/* "TLS_AES_256_GCM_SHA384" */
	int cipher_bits;
	bool has_cert;			/* the server sent a certificate */
	bool is_chain_ok;		/* the chain verifies to a trusted root (system or CA file) */
	long verify_code;		/* X509_V_OK or the first X509_V_ERR_* */
	char verify_error[128];		/* its words, in the message language */
	char verify_openssl[128];	/* OpenSSL's text for it (evidence) */
	bool is_self_signed;
	char name[TLS_TEXT_MAX];	/* the name (or address) the certificate was checked against */
	bool is_name_ok;		/* the certificate covers name (RFC 6125 6) */
	char subject[TLS_TEXT_MAX];	/* subject DN, one line */
	char issuer[TLS_TEXT_MAX];
	char sans[512];			/* subject alternative names: "DNS:a, DNS:b, IP:1.2.3.4" */
	char not_after[32];		/* "2025-01-31T12:00:00Z" */
	int64_t days_left;		/* negative when expired */
	bool is_expired;
	bool is_not_yet_valid;
	/* The chain as the peer sent it, leaf first, in DER (DANE matches against it). */
	unsigned char chain[TLS_CHAIN_MAX][TLS_CERT_MAX];
	size_t chain_len[TLS_CHAIN_MAX];	/* 0: too large to keep */
	size_t nchain;
};

/*
 * A client context with its trust store: ca_file (PEM) when not NULL, else the system's
 * default store. Returns NULL on failure with why (static or library text) filled.
 * Caller frees with tls_client_free(). Also makes a write to a reset peer return EPIPE
 * instead of killing the process (SIGPIPE is ignored).
 */
struct tls_client *tls_client_new(const char *ca_file, char *why, size_t why_len);
void tls_client_free(struct tls_client *tc);

/*
 * A TLS session over the connected non-blocking socket fd (borrowed: the caller closes it).
 * name, when not NULL, is sent as SNI (for a host name) and the certificate is checked
 * against it (host name or IP literal). Returns NULL when OpenSSL cannot create the session.
 * Caller frees with tls_conn_free().
 */
struct tls_conn *tls_conn_new(struct tls_client *tc, int fd, const char *name);
void tls_conn_free(struct tls_conn *c);

/* Drive the handshake: TLS_OK when done, TLS_WANT_READ/WRITE, TLS_EOF, or MXD_ETLS with
 * the reason in the info (tls_conn_info()). The certificate is judged, never enforced here:
 * the caller decides what an unverified peer may be told. */
int tls_conn_handshake(struct tls_conn *c);

/* Read or write up to len bytes: TLS_OK with *done set, TLS_WANT_*, TLS_EOF, or MXD_ETLS. */
int tls_conn_read(struct tls_conn *c, void *buf, size_t len, size_t *done);
int tls_conn_write(struct tls_conn *c, const void *buf, size_t len, size_t *done);

/* Facts about the session; borrowed, valid until tls_conn_free(). Filled when the handshake
 * completes or fails. */
const struct tls_info *tls_conn_info(const struct tls_conn *c);

#endif
