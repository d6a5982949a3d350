/*
 * One DKIM key record (RFC 6376 3.6.1) read the way a verifier reads it: the tag-list, its
 * tags, and the public key parsed by OpenSSL (RSA per RFC 8301, Ed25519 per RFC 8463).
 * Pure: no DNS, no findings; checks/dns/dkim.c judges the result.
 */
#ifndef MXD_DKIM_KEY_H
#define MXD_DKIM_KEY_H

#include <stdbool.h>
#include <stddef.h>

enum dkim_key_verdict {
	DKIM_KEY_OK,		/* a key a verifier can use */
	DKIM_KEY_SYNTAX,	/* the tag-list or a tag's value is invalid (why, tag) */
	DKIM_KEY_REVOKED,	/* p= is empty: the key was revoked (RFC 6376 3.6.1) */
	DKIM_KEY_BAD,		/* p= does not hold a key of type k= (why) */
	DKIM_KEY_UNKNOWN_TYPE,	/* k= names a type no verifier knows (tag has the value) */
};

enum dkim_key_type { DKIM_TYPE_RSA, DKIM_TYPE_ED25519 };

struct dkim_key {
	enum dkim_key_verdict verdict;
	enum dkim_key_type type;	/* k=, rsa by default */
	unsigned bits;			/* RSA modulus size, 256 for Ed25519; 0 when unparsed */
	bool is_testing;		/* t=y */
	bool is_strict;			/* t=s: i= must be d= itself, no subdomain */
	bool has_h;			/* h= given */
	bool is_sha1_only;		/* h= lists sha1 and not sha256 */
	bool is_not_email;		/* s= excludes email (neither "*" nor "email") */
	char tag[32];			/* SYNTAX/UNKNOWN_TYPE: the tag or value at fault */
	char why[160];			/* SYNTAX/BAD: what is wrong, in English (data) */
};

/*
 * Read record (len bytes, the TXT strings joined) into *key. Returns the verdict (also in
 * key->verdict). A NUL byte, a duplicate tag, a bad tag name, v= not first or not DKIM1,
 * a missing p= or p= not base64 are SYNTAX.
 */
enum dkim_key_verdict dkim_key_parse(const char *record, size_t len, struct dkim_key *key);

/* "rsa" or "ed25519". */
const char *dkim_key_type_name(enum dkim_key_type type);

#endif
