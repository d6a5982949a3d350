/*
 * The grammars of transport security's records and policies, without DNS or HTTPS: the
 * _mta-sts TXT record and the policy file (RFC 8461 3.1, 3.2), its mx patterns (RFC 8461
 * 4.1), and the _smtp._tls TXT record (RFC 8460 3). The diagnoses mta_sts.c and tls_rpt.c
 * turn the results into findings.
 */
#ifndef MXD_STS_POLICY_H
#define MXD_STS_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#define STS_MAX_MX 16
#define STS_MAX_UNKNOWN 8
#define STS_MAX_AGE_LIMIT 31557600L	/* RFC 8461 3.2: about a year */

enum sts_mode { STS_MODE_UNSET, STS_MODE_ENFORCE, STS_MODE_TESTING, STS_MODE_NONE };

struct sts_policy {
	bool has_version;	/* "version: STSv1" */
	enum sts_mode mode;
	long max_age;		/* -1 when absent */
	char *mx[STS_MAX_MX];	/* owned, lower case */
	size_t nmx;
	char *unknown[STS_MAX_UNKNOWN];	/* owned: keys this version does not define */
	size_t nunknown;
	bool has_crlf, has_lf;	/* the line ends seen (both are valid) */
	char error[200];	/* why the policy is invalid ("" when valid); English */
	int error_line;		/* 1-based, 0 when the error is about the whole policy */
};

/* Parse a policy body of len bytes. Returns true when valid; p->error says why not. */
bool sts_policy_parse(const char *body, size_t len, struct sts_policy *p);
void sts_policy_fini(struct sts_policy *p);
const char *sts_mode_name(enum sts_mode m);	/* "enforce", "testing", "none", "" */

/* Whether host (lower case, no trailing dot) matches an mx pattern: the name itself, or
 * "*.rest" with one label in place of the star (RFC 8461 4.1). */
bool sts_mx_match(const char *pattern, const char *host);

/* The _mta-sts record: v=STSv1 first, id= of 1 to 32 letters and digits. Returns true
 * when valid; id gets the id, why (English) what is wrong otherwise. */
bool sts_record_parse(const char *txt, char *id, size_t id_len, char *why, size_t why_len);

/* The _smtp._tls record: v=TLSRPTv1 first, rua= with one or more mailto: or https: URIs
 * separated by commas. Returns true when valid; rua gets the list, why what is wrong. */
bool tlsrpt_record_parse(const char *txt, char *rua, size_t rua_len, char *why,
    size_t why_len);

#endif
