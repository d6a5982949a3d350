/* explain's live proofs: the diagnoses a cause names in kb.json `verify`, run from the
 * registry on the bounce's facts, and their findings read as a verdict on the cause. */
#ifndef MXD_EXPLAIN_PROOF_H
#define MXD_EXPLAIN_PROOF_H

#include <stddef.h>

#include "ndr_kb.h"

struct ndr_cause;
struct proof_cache;
struct run_ctx;

#define PROOF_MAX_RUNS 32	/* distinct proofs per bounce */

/* The facts of one bounce the proofs run on; strings borrowed. */
struct proof_subject {
	const char *sender_domain;	/* the original sender's domain, or NULL */
	const char *ip;		/* the address the message was sent from, or NULL */
	const char *ip_source;	/* where ip was found ("--ip", "Received"), or NULL */
	const char *rcpt;	/* the failed recipient's address, or NULL */
	const char *rcpt_domain;	/* its domain, or NULL */
	const char *helo;	/* the sending server's HELO name (--helo, the refusal), or NULL */
};

/* Proofs already run for this bounce, so that each runs once; dropped counts those past
 * PROOF_MAX_RUNS, which did not run. */
struct proof_seen {
	char keys[PROOF_MAX_RUNS][400];
	size_t n, dropped;
};

/*
 * Run every proof of cause k on s, one registry run each (sequentially on ctx's loop), and
 * add one ndr.verify-* verdict per proof to ctx->rep. ctx->rep and ctx->dns must exist.
 * With a cache, a proof whose diagnosis and inputs already ran in this run is not run
 * again: its findings are copied and read as this cause's verdict (data reused_from).
 */
void explain_prove(struct run_ctx *ctx, const struct ndr_cause *k, const struct proof_subject *s,
    struct proof_seen *seen, struct proof_cache *cache);

/* After a bounce's proofs: one INFO ndr.verify-truncated when some were past the cap. */
void explain_prove_end(struct run_ctx *ctx, const struct proof_seen *seen);

/* kb checks for ndr_kb_load_checked(): a diagnosis of the registry, a finding id. */
bool explain_is_check(const char *name);
bool explain_is_finding(const char *id);

#endif
