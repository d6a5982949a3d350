/* SPF record syntax (RFC 7208 4.5, 4.6.1, 5, 6, 12): a record is parsed whole before any
 * term is evaluated, so a syntax error anywhere is a permerror (4.6). */
#ifndef MXD_SPF_PARSE_H
#define MXD_SPF_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "spf.h"

/* Ceilings set by the parser: a longer record or more terms is a permerror with a reason. */
#define SPF_RECORD_MAX 8192
#define SPF_TERMS_MAX 1024

enum spf_mech {
	SPF_MECH_ALL,
	SPF_MECH_INCLUDE,
	SPF_MECH_A,
	SPF_MECH_MX,
	SPF_MECH_PTR,
	SPF_MECH_IP4,
	SPF_MECH_IP6,
	SPF_MECH_EXISTS,
};

/* One mechanism (a directive). Strings are borrowed from the record. */
struct spf_term {
	enum spf_mech mech;
	enum spf_result qualifier;	/* SPF_PASS ('+', default), FAIL, SOFTFAIL, NEUTRAL */
	const char *text;		/* the term as written */
	const char *spec;		/* domain-spec, NULL when absent */
	size_t spec_len;
	bool uses_p;			/* spec expands %{p}: a PTR walk comes first */
	unsigned cidr4, cidr6;		/* prefix lengths; 32 and 128 when not given */
	unsigned char net[16];		/* ip4 (first 4 bytes) or ip6 network */
};

struct spf_record {
	unsigned refs;			/* spf_record_free() releases one */
	char *buf;			/* owned: NUL-terminated copies the pointers refer to */
	struct spf_term *terms;		/* owned: the mechanisms, in record order */
	size_t n_terms;
	size_t terms_cap;		/* allocated entries of terms */
	const char *redirect;		/* redirect= domain-spec, or NULL */
	size_t redirect_len;
	bool redirect_uses_p;
	const char *exp;		/* exp= domain-spec, or NULL */
	size_t exp_len;
	bool exp_uses_p;
	bool has_all;
};

/* Whether the TXT string text[0..len) opens with the version section "v=spf1" followed by
 * SP or its end (RFC 7208 4.5, case-insensitive). */
bool spf_is_spf1(const char *text, size_t len);

/*
 * Parse the record text[0..len) (which may hold NUL bytes: they are a syntax error). Returns
 * 0 with *recp set (caller frees with spf_record_free), or MXD_EINVAL for a syntax error or
 * MXD_ELIMIT for a ceiling, with the reason in why.
 */
int spf_record_parse(const char *text, size_t len, struct spf_record **recp, char *why,
    size_t why_len);
/* Release one reference; the record is freed with the last. NULL is a no-op. */
void spf_record_free(struct spf_record *rec);

/*
 * Parsed records shared by many evaluations (batch mode parses each provider record once).
 * Records are immutable once parsed. Bounded: past SPF_RECORD_CACHE_MAX records, parsing
 * just is not remembered. Caller frees with spf_record_cache_free() (records still held by
 * evaluations stay valid until they release them).
 */
#define SPF_RECORD_CACHE_MAX 4096
struct spf_record_cache *spf_record_cache_new(void);
void spf_record_cache_free(struct spf_record_cache *cache);
/* spf_record_parse() through cache (may be NULL): *recp is a reference of the caller's. */
int spf_record_parse_cached(struct spf_record_cache *cache, const char *text, size_t len,
    struct spf_record **recp, char *why, size_t why_len);

/* Check a domain-spec (RFC 7208 7.1: macro-string domain-end). 0 or MXD_EINVAL with why. */
int spf_domain_spec_check(const char *s, size_t len, char *why, size_t why_len);

/* Parse an ip4-network (RFC 7208 5.6, no leading zeros) into 4 bytes. 0 or MXD_EINVAL. */
int spf_parse_ip4(const char *s, size_t len, unsigned char out[4]);

/* Whether the first `bits` bits of a and b agree. */
bool spf_cidr_match(const unsigned char *a, const unsigned char *b, unsigned bits);

#endif
