/* ESMTP capabilities from an EHLO reply (RFC 5321 4.1.1.1 and the extensions' RFCs). */
#ifndef MXD_SMTP_CAPS_H
#define MXD_SMTP_CAPS_H

#include <stdbool.h>
#include <stdint.h>

struct smtp_reply;

/* SASL mechanisms we know by name (RFC 4954 with the IANA SASL registry). */
enum smtp_auth_mech {
	SMTP_AUTH_PLAIN = 1 << 0,	/* RFC 4616 */
	SMTP_AUTH_LOGIN = 1 << 1,	/* draft-murchison-sasl-login */
	SMTP_AUTH_CRAM_MD5 = 1 << 2,	/* RFC 2195 */
	SMTP_AUTH_XOAUTH2 = 1 << 3,
	SMTP_AUTH_NTLM = 1 << 4,
	SMTP_AUTH_GSSAPI = 1 << 5,
	SMTP_AUTH_OTHER = 1 << 6,	/* anything else the server lists */
};

#define SMTP_CAPS_AUTH_TEXT_MAX 128

struct smtp_caps {
	bool is_esmtp;		/* EHLO was accepted (else HELO: no extensions at all) */
	bool has_size;		/* RFC 1870 */
	uint64_t size_max;	/* SIZE parameter, 0 when absent or unlimited */
	bool has_starttls;	/* RFC 3207 */
	bool has_auth;		/* RFC 4954 */
	unsigned auth_mechs;	/* enum smtp_auth_mech bits */
	char auth_text[SMTP_CAPS_AUTH_TEXT_MAX];	/* mechanisms as listed, for evidence */
	bool has_pipelining;	/* RFC 2920 */
	bool has_8bitmime;	/* RFC 6152 */
	bool has_smtputf8;	/* RFC 6531 */
	bool has_enhancedstatuscodes;	/* RFC 2034 */
	bool has_dsn;		/* RFC 3461 */
	bool has_chunking;	/* RFC 3030 */
	bool has_requiretls;	/* RFC 8689 */
};

/*
 * Fill caps from a complete EHLO 250 reply; the first line is the greeting, each later line
 * one extension keyword with optional parameters. Unknown keywords are ignored. Never fails.
 */
void smtp_caps_parse(struct smtp_caps *caps, const struct smtp_reply *r);

/* Mechanism bit for a SASL name (case-insensitive), SMTP_AUTH_OTHER when unknown. */
unsigned smtp_auth_mech_from_name(const char *name, size_t len);
/* "PLAIN", "LOGIN", "CRAM-MD5", ...; static text. */
const char *smtp_auth_mech_name(unsigned mech);

#endif
