/* The open-relay test of one server, as findings. */
#ifndef MXD_PROBE_RELAY_H
#define MXD_PROBE_RELAY_H

#include "probe.h"

struct check_ctx;
struct run_ctx;

/* RFC 2606: domains that are nobody's, so that the probe is plainly a probe. */
#define RELAY_DEFAULT_FROM "mxdiag-probe@example.org"
#define RELAY_DEFAULT_TO "relay-test@example.net"

/* Strings are copied by relay_start(), except group (borrowed until done). */
struct relay_opts {
	const char *host;	/* name or address, validated by the caller */
	unsigned port;		/* usually 25 */
	const char *from;	/* outside sender; NULL = RELAY_DEFAULT_FROM */
	const char *to;		/* outside recipient; NULL = RELAY_DEFAULT_TO */
	const char *domain;	/* the server's own domain; NULL = from the name or its PTR */
	const char *helo;	/* NULL = our address literal */
	const char *group;	/* finding group (preflight section), or NULL */
	struct check_ctx *check;	/* the diagnosis it runs as (its run's facts), or NULL */
};

/*
 * Resolve host and run the relay variants in one session on ctx's loop; ctx->rep must
 * exist. The relay.* finding is added when the session has ended; then done(arg) is called
 * (done may be NULL). Returns 0, or MXD_EINVAL without a host or port.
 */
int relay_start(struct run_ctx *ctx, const struct relay_opts *o, probe_done_fn *done,
    void *arg);

#endif
