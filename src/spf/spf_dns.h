/* The SPF evaluator's resolver interface on the DNS engine: live look-ups on the shared loop,
 * answered through the per-run cache, with the lookup depth tracked per evaluation. */
#ifndef MXD_SPF_DNS_H
#define MXD_SPF_DNS_H

struct dns;
struct spf_dns_memo;
struct spf_resolver;

/* One evaluation's view of the DNS engine. Embed it in the evaluation's context. */
struct spf_dns {
	struct dns *dns;		/* borrowed */
	struct spf_dns_memo *memo;	/* borrowed, NULL (spf_dns_init's default) for none */
	unsigned depth;		/* deepest answer so far: the parent depth of the next question */
};

/*
 * Answers already converted for the evaluator, kept for a run and given at once (inside
 * lookup()) when asked again: batch mode asks the same provider records thousands of times,
 * and a repeat then costs neither a trip through the loop nor a conversion. Bounded in
 * entries and bytes; past the bound answers are simply not kept. Returns a new memo; the
 * caller frees it with spf_dns_memo_free() after every evaluation using it has ended.
 */
struct spf_dns_memo *spf_dns_memo_new(void);
void spf_dns_memo_free(struct spf_dns_memo *memo);

/*
 * Point r at the DNS engine through sd (sd->memo starts NULL; set it to share a memo). sd is
 * borrowed and must outlive the evaluation (until its spf_eval_done callback). Answers arrive
 * later from the loop, except for a name that cannot be put on the wire (SPF_DNS_BADNAME), a
 * full DNS cache (SPF_DNS_TEMPERROR) and answers found in the memo, given at once.
 */
void spf_dns_init(struct spf_dns *sd, struct dns *dns, struct spf_resolver *r);

#endif
