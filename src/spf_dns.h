/* The SPF evaluator's resolver interface on the DNS engine: live look-ups on the shared loop,
 * answered through the per-run cache, with the lookup depth tracked per evaluation. */
#ifndef MXD_SPF_DNS_H
#define MXD_SPF_DNS_H

struct dns;
struct spf_resolver;

/* One evaluation's view of the DNS engine. Embed it in the evaluation's context. */
struct spf_dns {
	struct dns *dns;	/* borrowed */
	unsigned depth;		/* deepest answer so far: the parent depth of the next question */
};

/*
 * Point r at the DNS engine through sd. sd is borrowed and must outlive the evaluation (until
 * its spf_eval_done callback). Answers always arrive later from the loop, except for a name
 * that cannot be put on the wire (SPF_DNS_BADNAME) or a full cache (SPF_DNS_TEMPERROR), which
 * are answered at once.
 */
void spf_dns_init(struct spf_dns *sd, struct dns *dns, struct spf_resolver *r);

#endif
