/* Smarthost candidates tested, ranked and recommended, as findings. */
#ifndef MXD_PROBE_SMARTHOST_H
#define MXD_PROBE_SMARTHOST_H

#include <stdbool.h>
#include <stddef.h>

#include "probe.h"

struct check_ctx;
struct check_facts;
struct provider;
struct run_ctx;
struct secret;

#define SMARTHOST_MAX_CANDS 8
#define SMARTHOST_MAX_RELAY_IPS 4
/* The default recipient: a domain no relay hosts (RFC 2606 reserves it for documentation),
 * so a relay that takes it has shown it relays to the outside. */
#define SMARTHOST_OUTSIDE_RCPT "postmaster@example.net"

/* Strings and the secret are copied by smarthost_start(). */
struct smarthost_opts {
	const char *const *cands;	/* "HOST[:PORT]", validated by the caller */
	size_t ncands;
	const char *from;		/* envelope sender (required) */
	const char *rcpt;		/* NULL = SMARTHOST_OUTSIDE_RCPT */
	const char *user;		/* NULL = no AUTH */
	const struct secret *pass;	/* needed with user */
	const char *const *relay_ips;	/* outbound addresses for the SPF check */
	size_t nrelay_ips;
	const char *helo;		/* NULL = our address literal */
	bool is_insecure_ok;		/* send the password without verified TLS */
	const char *group;		/* finding group (preflight section), or NULL; borrowed
					 * until done */
	const char *spf_domain;		/* whose SPF must authorise the relay; NULL = the
					 * sender's domain (preflight: the domain under test) */
	const char *our_ip;		/* the address relays see us from (preflight --ip), or
					 * NULL: our end of each connection */
	struct check_facts *facts;	/* the relays tested are published here, or NULL;
					 * borrowed until done */
	/* The diagnosis it runs as, or NULL: port-25 endpoints are judged once the run's
	 * port25 probe (when it runs beside) has said what this line does to port 25. */
	struct check_ctx *check;
	const struct provider *provider;	/* cands are this entry's servers, in order
					 * (providers.h), or NULL; borrowed until done */
};

/*
 * Start testing every candidate (its port, or 587, 465 and 25) on ctx's loop; ctx->rep must
 * exist. The smarthost.* findings (smarthost.recommended with data host, port, tls, auth)
 * are added once every session and SPF evaluation has ended; then done(arg) is called
 * (done may be NULL). Returns 0, or MXD_EINVAL for a bad option set (no candidate, too
 * many, no sender, a user without password); nothing is started then.
 */
int smarthost_start(struct run_ctx *ctx, const struct smarthost_opts *o, probe_done_fn *done,
    void *arg);

#endif
