/*
 * DANE for SMTP (RFC 7671, RFC 7672): which TLSA records a sender can use, and whether a
 * server's certificate chain (DER, leaf first, as tls.h keeps it) matches one. OpenSSL
 * does the hashing and, for DANE-TA, the chain check; no DNS and no findings here.
 */
#ifndef MXD_DANE_MATCH_H
#define MXD_DANE_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls_info;

enum {
	DANE_USAGE_PKIX_TA = 0, DANE_USAGE_PKIX_EE = 1,
	DANE_USAGE_DANE_TA = 2, DANE_USAGE_DANE_EE = 3,
};

struct dane_tlsa {
	uint8_t usage, selector, mtype;
	const uint8_t *data;	/* borrowed */
	size_t len;
};

/* Whether an SMTP sender uses the record (RFC 7672 3.1.3: usages 2 and 3 only; known
 * selector and matching type; a digest of the right length). NULL when usable, else why
 * (English, marked for translation with N_). */
const char *dane_unusable_why(const struct dane_tlsa *t);

/* Whether the chain matches t (usable): DANE-EE against the leaf alone (names and dates
 * are not checked, RFC 7672 3.1.1); DANE-TA against a certificate above the leaf that the
 * leaf's chain verifies up to, with the leaf naming host (RFC 7672 3.1.2, 3.2.2). */
bool dane_match(const struct tls_info *tls, const char *host, const struct dane_tlsa *t);

/* "3 1 1 abcd..." (the data cut after 16 hex digits) into buf; returns buf. */
char *dane_tlsa_text(const struct dane_tlsa *t, char *buf, size_t len);

#endif
