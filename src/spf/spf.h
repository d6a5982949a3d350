/* RFC 7208 check_host(): an asynchronous SPF evaluator behind a small resolver interface, so
 * the same code runs on live DNS (many evaluations on one loop) and on in-memory zone data. */
#ifndef MXD_SPF_H
#define MXD_SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* RR types the evaluator asks for (RFC 1035 3.2.2, RFC 3596). Type SPF (99) is never asked:
 * RFC 7208 3.1 and 4.4 use TXT only. */
#define SPF_T_A 1
#define SPF_T_PTR 12
#define SPF_T_MX 15
#define SPF_T_TXT 16
#define SPF_T_AAAA 28

/* RFC 7208 2.6; the order is only for tables, never compared. */
enum spf_result {
	SPF_NONE,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR,
};

/* Why a result is none, permerror or temperror, for callers that give advice. */
enum spf_problem {
	SPF_PROB_NONE,		/* pass, fail, softfail, neutral */
	SPF_PROB_BAD_DOMAIN,	/* none: <domain> malformed or single-label (RFC 7208 4.3) */
	SPF_PROB_NXDOMAIN,	/* none: <domain> does not exist (4.3) */
	SPF_PROB_NO_RECORD,	/* none: no v=spf1 TXT record (4.5) */
	SPF_PROB_MULTIPLE,	/* permerror: more than one v=spf1 record (4.5) */
	SPF_PROB_SYNTAX,	/* permerror: a syntax error in a record (4.6) */
	SPF_PROB_TOO_LONG,	/* permerror: a record or expansion over the evaluator's ceiling */
	SPF_PROB_DNS_LIMIT,	/* permerror: more than 10 DNS-querying terms (4.6.4) */
	SPF_PROB_VOID_LIMIT,	/* permerror: more than 2 void look-ups (4.6.4) */
	SPF_PROB_MX_LIMIT,	/* permerror: more than 10 MX records under mx (4.6.4) */
	SPF_PROB_INCLUDE_NONE,	/* permerror: an include: target without a record (5.2) */
	SPF_PROB_REDIRECT_NONE,	/* permerror: a redirect= target without a record (6.1) */
	SPF_PROB_BAD_TARGET,	/* permerror: an include:/redirect= target is not a name */
	SPF_PROB_DNS_ERROR,	/* temperror: a look-up failed (2.6.6, 4.4, 5) */
};

/* How one look-up ended, as RFC 7208 5 needs it. */
enum spf_dns_status {
	SPF_DNS_OK,		/* NOERROR with records of the asked type */
	SPF_DNS_NODATA,		/* NOERROR, no record of that type */
	SPF_DNS_NXDOMAIN,	/* RCODE 3 */
	SPF_DNS_TEMPERROR,	/* timeout, SERVFAIL, REFUSED, anything else: RFC 7208 2.6.6 */
	SPF_DNS_BADNAME,	/* the name cannot be asked at all; treated as non-existent */
};

/* One record of an answer; which fields matter depends on the asked type. */
struct spf_rr {
	const char *data;	/* TXT: the RR's strings joined (RFC 7208 3.3), may hold NUL
				 * bytes; MX: exchange; PTR: target name. NULL for A/AAAA. */
	size_t data_len;
	uint16_t pref;		/* MX preference */
	unsigned char addr[16];	/* A: first 4 bytes; AAAA: 16 bytes */
};

/* An answer, passed to spf_lookup_done as borrowed: only records of the asked type. */
struct spf_answer {
	enum spf_dns_status status;
	const char *why;	/* short text for TEMPERROR ("timeout", "SERVFAIL"), or NULL */
	const struct spf_rr *rrs;
	size_t rr_count;
};

typedef void spf_lookup_done(const struct spf_answer *ans, void *done_arg);

/*
 * Where the evaluator gets DNS data. lookup() must call done exactly once, either before it
 * returns (in-memory data) or later from the event loop (live DNS); name is borrowed for the
 * call, without a trailing dot.
 */
struct spf_resolver {
	void (*lookup)(void *rctx, const char *name, uint16_t type, spf_lookup_done *done,
	    void *done_arg);
	void *rctx;
};

struct spf_record_cache;

/* The check_host() arguments (RFC 7208 4.1) and a few settings. Strings are copied. */
struct spf_query {
	const char *ip;		/* client address, IPv4 or IPv6 text; IPv4-mapped counts as IPv4 */
	const char *sender;	/* MAIL FROM; NULL or "" checks the HELO identity (RFC 7208 2.3) */
	const char *helo;	/* HELO/EHLO name, may be NULL */
	const char *domain;	/* NULL: the sender's domain, or the HELO name without sender */
	const char *receiver;	/* %{r}; NULL: "unknown" (RFC 7208 7.3) */
	const char *default_exp;	/* explanation without a usable exp=, macro-expanded;
					 * NULL: a built-in text */
	time_t now;		/* %{t}; 0: the current time */
	bool want_trace;	/* record each step in the outcome's trace */
	struct spf_record_cache *record_cache;	/* borrowed, may be NULL: parsed records
						 * shared with other evaluations (spf_parse.h) */
};

/* One step of the evaluation, for --trace. Strings are owned by the outcome. */
struct spf_trace_step {
	unsigned depth;		/* include nesting: 0 for the checked domain's own record */
	char *domain;		/* the <domain> whose record is being evaluated */
	char *term;		/* the term as written, or "(record)", "(exp)", "(%{p})" */
	char *query;		/* "name TYPE" asked, or NULL */
	char *answer;		/* what came back, summarised and bounded, or NULL */
	char *note;		/* what the step decided ("match", "no match", ...) or NULL */
	unsigned dns_mechs;	/* running count of DNS-querying terms (RFC 7208 4.6.4) */
	unsigned void_lookups;	/* running count of void look-ups (RFC 7208 4.6.4) */
};

/* What check_host() concluded. Passed to spf_eval_done as borrowed. */
struct spf_outcome {
	enum spf_result result;
	const char *domain;	/* the domain checked */
	const char *sender;	/* the sender used (postmaster@ filled in) */
	const char *mechanism;	/* term of the checked domain's record (after redirect=) that
				 * decided, NULL for the default result or an error */
	const char *mech_domain;	/* the domain whose record holds it */
	const char *explanation;	/* RFC 7208 6.2, for fail only; else NULL */
	bool is_explanation_default;	/* no usable exp=: the default explanation */
	const char *problem;	/* why none/permerror/temperror, else NULL */
	enum spf_problem problem_kind;
	unsigned dns_mechs;	/* DNS-querying terms evaluated */
	unsigned void_lookups;
	unsigned queries;	/* look-ups asked of the resolver */
	const struct spf_trace_step *trace;
	size_t trace_len;
	bool is_trace_truncated;
};

typedef void spf_eval_done(const struct spf_outcome *out, void *arg);

/*
 * Start check_host() for q. Returns 0 and calls cb exactly once, either before returning or
 * later from the resolver's callbacks; the evaluation frees itself after cb returns.
 * Returns MXD_EINVAL (cb not called) when q->ip is not an IP address or no domain can be
 * derived from q.
 */
int spf_eval_start(const struct spf_query *q, const struct spf_resolver *r, spf_eval_done *cb,
    void *arg);

/* "pass", "fail", ...; static text. */
const char *spf_result_name(enum spf_result res);
/* Parse a result name (case-insensitive). 0 or MXD_EINVAL. */
int spf_result_parse(const char *s, enum spf_result *res);
/* "lookup-limit", "syntax", ...; "" for SPF_PROB_NONE; static text. */
const char *spf_problem_name(enum spf_problem prob);

#endif
