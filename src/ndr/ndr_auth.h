/*
 * The identifiers DMARC judges, read from a message's header block (the returned headers of
 * a bounce, or a message file): the RFC5322.From domain, the RFC5321.MailFrom domain
 * (Return-Path), and the d= and s= of every DKIM-Signature field (RFC 6376 3.5).
 */
#ifndef MXD_NDR_AUTH_H
#define MXD_NDR_AUTH_H

#include <stdbool.h>
#include <stddef.h>

struct ndr_hdrs;

#define NDR_AUTH_MAX_SIGS 8	/* DKIM-Signature fields kept per message */

struct ndr_dkim_sig {
	char domain[256];	/* d=, lower case, no trailing dot */
	char selector[64];	/* s= */
	char algo[32];		/* a= ("rsa-sha256"), as written */
};

struct ndr_auth {
	bool has_headers;	/* a header block was read */
	char from_domain[256];	/* RFC5322.From, "" when none could be read */
	char mfrom_domain[256];	/* RFC5321.MailFrom, "" when unknown or null ("<>") */
	const char *mfrom_source;	/* static: "Return-Path", ...; NULL: unknown */
	struct ndr_dkim_sig sigs[NDR_AUTH_MAX_SIGS];	/* distinct (d=, s=) pairs */
	size_t n_sigs;
	size_t n_bad_sigs;	/* DKIM-Signature fields without a readable d= and s= */
};

/*
 * Read value (a DKIM-Signature field's value, unfolded or not) into *sig: the tag-list of
 * RFC 6376 3.2, v=1, and d= and s= as domain names. Returns 0, or MXD_EINVAL with *why
 * (static English text) set.
 */
int ndr_dkim_sig_parse(const char *value, struct ndr_dkim_sig *sig, const char **why);

/* The identifiers of header block h into *a (cleared first). */
void ndr_auth_headers(struct ndr_auth *a, const struct ndr_hdrs *h);

/*
 * The identifiers of a message of len bytes into *a: of the original message when it is a
 * DSN that carries the original's headers (message/rfc822, text/rfc822-headers, or quoted
 * inline), else of its own header block.
 */
void ndr_auth_message(const char *buf, size_t len, struct ndr_auth *a);

/* A 64-bit FNV-1a hash of a's identifiers: equal identifiers, equal hashes (a cache key). */
unsigned long long ndr_auth_hash(const struct ndr_auth *a);

/* Set a's MAIL FROM domain from addr ("<a@b>", "rfc822; a@b", "a@b") unless it has one;
 * source is static. Returns whether it was set. */
bool ndr_auth_mfrom(struct ndr_auth *a, const char *addr, const char *source);

#endif
