/* explain's live proofs: the diagnoses a cause names in kb.json `verify`, run from the
 * registry on the bounce's facts, and their findings read as a verdict on the cause. */
#ifndef MXD_EXPLAIN_PROOF_H
#define MXD_EXPLAIN_PROOF_H

#include <stddef.h>

#include "checks.h"
#include "command.h"
#include "ndr_kb.h"
#include "probe_inbound.h"
#include "probe_port25.h"

struct ndr_auth;
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
	const struct ndr_auth *auth;	/* the returned message's identifiers, or NULL */
	/* a message too big: its size and the limit the bounce states, bytes; 0: not stated */
	unsigned long long msg_size, size_limit;
};

/* One proof of a bounce, planned: its inputs (owned copies of the subject's strings) and,
 * while it runs, its own reports, context and run. */
enum proof_item_kind { ITEM_MISSING, ITEM_CACHED, ITEM_RAN };

struct proof_item {
	enum proof_item_kind kind;	/* cannot run; known (cache, or earlier in the bounce);
					 * started */
	const struct ndr_cause *k;
	const struct ndr_proof *p;
	const struct check *c;
	char *sender_domain, *rcpt_domain, *helo;	/* owned */
	/* spf-verdict: the identity SPF authorises (RFC 7208 2.4: MAIL FROM), where it was
	 * read ("Return-Path", ...), or NULL when only the From:/--sender domain was known */
	const char *spf_source;
	struct proof_subject s;	/* its strings: the three above, the rest borrowed */
	/* port25's targets: the recipient domain, then port25's own independent ones, so
	 * that one MX down is not read as a block of the line */
	const char *targets[PORT25_MAX_TARGETS];
	struct inbound_opts ib;
	struct port25_opts p25;
	struct check_inputs in;
	bool over_port25;	/* judged with this line's port 25 fact */
	char key[1400];		/* the run's inputs (proof_cache.h) */
	/* ITEM_RAN: the run's context with rep the report of the SMTP probes (they report
	 * through the context, its diagnoses through rep), so that the proofs of many
	 * bounces can run together; both reports owned */
	struct run_ctx ctx;
	struct report *rep;	/* ITEM_RAN: its diagnoses' findings, owned */
	struct check_run *cr;	/* ITEM_RAN: owned */
};

/* Proofs already run for this bounce, so that each runs once; dropped counts those past
 * PROOF_MAX_RUNS, which did not run. items: the bounce's proofs in the order they came,
 * all started before the loop runs (one slot of scratch); n_started counts those that
 * were started, not read from the cache or an earlier proof. prev: the bounce before this
 * one when several are proved together (a window of a mailbox), whose proofs are read
 * first, or NULL. */
struct proof_seen {
	char keys[PROOF_MAX_RUNS][400];
	size_t n, dropped;
	struct proof_item items[PROOF_MAX_RUNS + 1];
	size_t n_items, n_started;
	const struct proof_seen *prev;
};

/*
 * Start every proof of cause k on s, one registry run each on ctx's loop, all of a bounce
 * at once (and of the bounces seen->prev names); explain_prove_end() runs the loop and
 * adds one ndr.verify-* verdict per proof to ctx->rep, in the order the proofs came.
 * ctx->rep and ctx->dns must exist. With a cache, a proof whose diagnosis and inputs
 * already ran in this run, or are planned by an earlier bounce of seen->prev, is not run
 * again: its findings are copied and read as this cause's verdict (data reused_from).
 */
void explain_prove(struct run_ctx *ctx, const struct ndr_cause *k, const struct proof_subject *s,
    struct proof_seen *seen, struct proof_cache *cache);

/* After a bounce's explain_prove() calls: run them (the loop, unless the caller has run
 * it for several bounces), add their findings and verdicts, then one INFO
 * ndr.verify-truncated when some were past the cap. Several bounces proved together end
 * in the order of seen->prev, first to last. */
void explain_prove_end(struct run_ctx *ctx, struct proof_seen *seen, struct proof_cache *cache);

/* kb checks for ndr_kb_load_checked(): a diagnosis of the registry, a finding id. */
bool explain_is_check(const char *name);
bool explain_is_finding(const char *id);

#endif
