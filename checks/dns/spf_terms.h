/*
 * The analysis of one SPF record, without DNS: the findings about its terms, made from the
 * one SPF parser (src/spf/spf_parse.c, which the evaluator uses too, so `check` and `spf`
 * agree on every record), and what the record asks to fetch or probe next.
 */
#ifndef MXD_SPF_TERMS_H
#define MXD_SPF_TERMS_H

#include <stdbool.h>
#include <stddef.h>

struct check_ctx;
struct finding;

enum spf_follow_kind {
	SPF_FOLLOW_INCLUDE,	/* the record of target (RFC 7208 5.2) */
	SPF_FOLLOW_REDIRECT,	/* the record of target, in place of this one (6.1) */
	SPF_FOLLOW_ADDR,	/* a: A and AAAA of target, void when neither answers (5.3) */
	SPF_FOLLOW_MX,		/* mx: MX of target (5.4) */
	SPF_FOLLOW_EXISTS,	/* exists: A of target (5.7) */
};

/* One look-up a record asks for; targets with macros depend on the sender and are left out. */
struct spf_follow {
	enum spf_follow_kind kind;
	char *term;		/* owned: the term as written ("include:x"), "redirect=" */
	char *target;		/* owned: the name to ask */
};

struct spf_analysis {
	struct spf_follow *follow;	/* owned: in record order, a redirect last */
	size_t n_follow;
	unsigned dns_terms;	/* terms that query the DNS, redirect included (RFC 7208 4.6.4) */
	size_t n_bad;		/* bad terms (or a bad record), each given its finding */
	bool has_all;
};

/*
 * Analyse the SPF record text[0..len) (it opens with "v=spf1"; it may hold any byte) of
 * domain, reached through the term via (NULL for the domain under test, whose record alone
 * gets the advice about "all"): add the findings about its terms to ctx's report and fill
 * *out (caller releases it with spf_analysis_fini).
 */
void spf_terms_analyse(struct check_ctx *ctx, const char *domain, const char *via,
    const char *text, size_t len, struct spf_analysis *out);
void spf_analysis_fini(struct spf_analysis *a);

/* A finding about the record of domain, saying through which term it was reached. */
struct finding *spf_terms_problem(struct check_ctx *ctx, const char *domain, const char *via,
    const char *id, int status);

#endif
