/* Inbound delivery to a domain as a remote sender sees it, as findings. */
#ifndef MXD_PROBE_INBOUND_H
#define MXD_PROBE_INBOUND_H

#include "probe.h"

struct check_ctx;
struct run_ctx;

/* RFC 2606: a domain that is nobody's, so that the probe is plainly a probe. */
/* The null reverse-path: a bounce to postmaster, which every MX must accept (RFC 5321
 * 4.5.5, 6.1), and which sender-domain checks (Postfix reject_unknown_sender_domain)
 * cannot refuse; a made-up sender domain would be deferred by them. */
#define INBOUND_DEFAULT_FROM ""

/* Strings are copied by inbound_start(), except group (borrowed until done). */
struct inbound_opts {
	const char *domain;	/* validated by the caller */
	const char *rcpt;	/* NULL = postmaster@domain */
	const char *from;	/* NULL = INBOUND_DEFAULT_FROM */
	const char *helo;	/* NULL = our address literal */
	const char *group;	/* finding group (preflight section), or NULL */
	struct check_ctx *check;	/* the diagnosis it runs as (its run's facts), or NULL */
	/* also RCPT a made-up address at the domain in the same transaction: a server that
	 * takes it too accepts any address at RCPT (inbound.accepts-any), so its yes to rcpt
	 * proves nothing about rcpt */
	bool probe_any;
};

/*
 * Resolve the domain's MX and probe every MX address on ctx's loop; ctx->rep must exist.
 * The inbound.* findings are added once every lookup and session has ended; then done(arg)
 * is called (done may be NULL). Returns 0, or MXD_EINVAL without a domain.
 */
int inbound_start(struct run_ctx *ctx, const struct inbound_opts *o, probe_done_fn *done,
    void *arg);

#endif
