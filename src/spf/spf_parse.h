/* SPF record syntax (RFC 7208 4.5, 4.6.1, 5, 6, 12): a record is parsed whole before any
 * term is evaluated, so a syntax error anywhere is a permerror (4.6). */
#ifndef MXD_SPF_PARSE_H
#define MXD_SPF_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "spf.h"
#include "spf_limits.h"

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

/* What is wrong with a term (or the record), so a caller can give its own advice. */
enum spf_syntax {
	SPF_SYN_VERSION,	/* the record: no "v=spf1" version section (4.5) */
	SPF_SYN_TOO_LONG,	/* the record: longer than SPF_RECORD_MAX (spf_limits.h) */
	SPF_SYN_CHAR,		/* a byte outside %x21-7E: TAB, CR, NUL, non-ASCII (12) */
	SPF_SYN_UNKNOWN,	/* neither a mechanism nor a modifier ("ip:", "inlcude:") (5) */
	SPF_SYN_MECH_EQ,	/* a mechanism written as a modifier ("include=x") (5) */
	SPF_SYN_MALFORMED,	/* something after a mechanism's name that is not ':' or '/' */
	SPF_SYN_ALL_ARG,	/* "all" with an argument (5.1) */
	SPF_SYN_NO_DOMAIN,	/* include: or exists: without a domain (5.2, 5.7) */
	SPF_SYN_DOMAIN_SPEC,	/* a domain-spec that is not one: bad macro, no top label (7.1) */
	SPF_SYN_IP4,		/* ip4: without a valid IPv4 network (5.6) */
	SPF_SYN_IP6,		/* ip6: without a valid IPv6 network (5.6) */
	SPF_SYN_CIDR,		/* a bad CIDR length (5.6) */
	SPF_SYN_MODIFIER_NAME,	/* "name=" with a name that is not one ("1up=", "=x") (12) */
	SPF_SYN_MODIFIER_VALUE,	/* an unknown modifier whose value is no macro-string (6) */
	SPF_SYN_DUP_REDIRECT,	/* redirect= twice (6) */
	SPF_SYN_DUP_EXP,	/* exp= twice (6) */
};

/* One bad term: which, where, and why. */
struct spf_syntax_error {
	enum spf_syntax kind;
	int code;		/* MXD_ELIMIT for SPF_SYN_TOO_LONG, else MXD_EINVAL */
	size_t index;		/* 1 for the first term after "v=spf1"; 0: the record itself */
	size_t offset, len;	/* the term in the parsed text (index 0: the whole text) */
	char term[160];		/* the term, printable: other bytes as \xNN, cut with "..." */
	char why[200];		/* the reason in English, with its RFC 7208 section */
};

/* Told about each bad term, in record order; err is borrowed for the call. */
typedef void spf_syntax_cb(const struct spf_syntax_error *err, void *arg);

/*
 * Parse the record text[0..len) (which may hold NUL bytes: they are a syntax error) and stop
 * at the first bad term. Returns 0 with *recp set (caller frees with spf_record_free), or
 * err->code with *recp NULL and err (may be NULL) saying which term and why.
 */
int spf_record_parse_term(const char *text, size_t len, struct spf_record **recp,
    struct spf_syntax_error *err);

/* spf_record_parse_term() with the error as one line in why: term, position and reason. */
int spf_record_parse(const char *text, size_t len, struct spf_record **recp, char *why,
    size_t why_len);

/*
 * Parse every term of the record, telling on_error (may be NULL) about each bad one and
 * leaving it out of *recp: for a diagnosis that names every bad term and still follows the
 * good ones. The same grammar as spf_record_parse_term(), so a record scans without error
 * exactly when it parses. Returns 0, or the code of the first error; *recp is set (caller
 * frees) unless the record itself is bad (index 0: no version section, too long).
 */
int spf_record_scan(const char *text, size_t len, struct spf_record **recp,
    spf_syntax_cb *on_error, void *arg);
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
