/* Outbound port 25 and submission ports from this line (OP25B), as findings. */
#ifndef MXD_PROBE_PORT25_H
#define MXD_PROBE_PORT25_H

#include <stdbool.h>
#include <stddef.h>

#include "probe.h"

struct check_facts;
struct port25_memo;
struct run_ctx;

#define PORT25_MAX_TARGETS 16
#define PORT25_MAX_SUBMISSION 4
#define PORT25_MAX_ISP_HOSTS 8

/* Everything is borrowed until done is called. */
struct port25_opts {
	const char *const *targets;	/* domains (MX dialled) or addresses; none = defaults */
	size_t ntargets;
	const char *const *submission;	/* hosts tried on 587 and 465; none = defaults */
	size_t nsubmission;
	bool no_submission;		/* skip 587/465 */
	/* The ISP's own hosts besides the --submission ones (preflight: the smarthosts):
	 * their servers answering while other operators' are blocked is the common OP25B. */
	const char *const *isp_hosts;
	size_t nisp_hosts;
	const char *helo;		/* EHLO name, NULL = our address literal */
	const char *group;		/* finding group (preflight section), or NULL */
	struct check_facts *facts;	/* where to publish port 25's state, or NULL */
	/* The run's targets probed so far (port25_memo.h): each port-25 target is then
	 * dialled once however many probes name it; NULL: dial every time. */
	struct port25_memo *memo;
};

/*
 * The targets port25 dials when given none: $MXD_PORT25_TARGETS (names or addresses,
 * separated by spaces or commas; the lab sets it to its own servers), else a built-in list
 * of large providers. Fills out[] (at most max) with pointers into buf (len bytes, or static
 * strings); returns how many, 0 when the variable does not fit in buf.
 */
size_t port25_default_targets(char *buf, size_t len, const char **out, size_t max);

/*
 * Start probing on ctx's loop, DNS engine and report (ctx->rep must exist). The port25.*
 * findings are added once every lookup and session has ended; then done(arg) is called
 * (done may be NULL). Returns 0, or MXD_EINVAL for more targets or submission hosts than
 * the limits (nothing started, done not called).
 */
int port25_start(struct run_ctx *ctx, const struct port25_opts *o, probe_done_fn *done,
    void *arg);

#endif
