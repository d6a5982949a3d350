/* SPF macro strings (RFC 7208 7): syntax checks, expansion and the target-name rules. */
#ifndef MXD_SPF_MACRO_H
#define MXD_SPF_MACRO_H

#include <stdbool.h>
#include <stddef.h>

/* Ceiling of one expansion; going over it is MXD_ELIMIT, never a bigger buffer. */
#define SPF_MACRO_OUT_MAX 4096
/* Parts one macro value may split into (a name has at most 127 labels, an IPv6 %{i} 32). */
#define SPF_MACRO_PARTS_MAX 256

/* Values of the macro letters (RFC 7208 7.3), all borrowed. */
struct spf_macro_vars {
	const char *s;	/* <sender> */
	const char *l;	/* local-part of <sender> */
	const char *o;	/* domain of <sender> */
	const char *d;	/* <domain> */
	const char *i;	/* <ip> in dot format */
	const char *p;	/* validated domain name of <ip>; NULL while not yet looked up */
	const char *v;	/* "in-addr" or "ip6" */
	const char *h;	/* HELO/EHLO domain */
	const char *c;	/* <ip> readable (exp only) */
	const char *r;	/* receiving host (exp only) */
	const char *t;	/* current timestamp (exp only) */
};

/*
 * Check s[0..len) against macro-string (RFC 7208 7.1), or explain-string when is_exp (which
 * also admits SP and the letters c, r and t, 7.3). Returns 0, or MXD_EINVAL with a reason in
 * why (may be NULL).
 */
int spf_macro_check(const char *s, size_t len, bool is_exp, char *why, size_t why_len);

/* Offset in the checked macro string s[0..len) where its trailing run of literal characters
 * starts: len when s ends with a macro-expand (for domain-end, RFC 7208 7.1). */
size_t spf_macro_literal_tail(const char *s, size_t len);

/* Whether the (already checked) macro string s uses %{p}. */
bool spf_macro_uses_p(const char *s, size_t len);

/*
 * Expand the checked macro string s[0..len) into out (NUL-terminated, *out_used bytes before
 * the NUL). Returns 0; MXD_EINVAL on a syntax error; MXD_ELIMIT when out_len or
 * SPF_MACRO_PARTS_MAX is too small; MXD_ESTATE for %{p} while vars->p is NULL.
 */
int spf_macro_expand(const char *s, size_t len, const struct spf_macro_vars *vars, bool is_exp,
    char *out, size_t out_len, size_t *out_used);

/*
 * Turn an expanded domain-spec into a target-name in place: drop one trailing dot, then
 * remove labels from the left while longer than 253 characters (RFC 7208 7.3). Returns 0, or
 * MXD_EINVAL when the result is not a usable name (empty label, label over 63 octets).
 */
int spf_target_name(char *name);

/* Whether name[0..len) has 1 to 253 characters in labels of 1 to 63 (RFC 1035 2.3.4). */
bool spf_name_is_valid(const char *name, size_t len);

/* Whether s[0..len) matches toplabel (RFC 7208 7.1): alphanumerics with a letter, or
 * alphanumerics and hyphens that start and end alphanumeric. */
bool spf_toplabel_is_valid(const char *s, size_t len);

#endif
