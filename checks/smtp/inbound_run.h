/*
 * The inbound probe's run, shared by its two halves: probe_inbound.c resolves the MX hosts
 * and holds the sessions, inbound_judge.c walks them as a sender would and writes the
 * inbound.* findings. Private to them.
 */
#ifndef MXD_INBOUND_RUN_H
#define MXD_INBOUND_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "probe.h"
#include "session.h"
#include "vantage.h"

struct check_ctx;
struct run_ctx;
struct smtp_result;
struct tls_client;

#define IB_MAX_EPS (PROBE_MAX_MX * 2)
#define IB_TRANSCRIPT_LINES 30
#define IB_EXPIRY_WARN_DAYS 14
/* RFC 5321 4.5.3.2.1 lets senders wait 5 minutes for a greeting, but a slow one usually
 * means the server is waiting on its own DNS (a reverse lookup of the client). */
#define IB_SLOW_GREETING_MS 3000

enum ib_outcome {
	IB_ACCEPTED,
	IB_UNREACHABLE,		/* senders try the next MX */
	IB_GREETING_REFUSED,	/* senders try the next MX */
	IB_SESSION_FAILED,	/* senders try the next MX */
	IB_SENDER_REJECTED,
	IB_ANON_REFUSED,
	IB_RCPT_UNKNOWN,
	IB_RCPT_REJECTED,
	IB_GREYLISTED,
	IB_RCPT_DEFERRED,
};

struct ib_ep {
	struct ib_run *run;
	size_t host;		/* index into run->mx->hosts */
	char *addr;
	struct smtp_result *res;
	enum ib_outcome outcome;
	struct vantage_why vantage;	/* whether this answer is the host's (vantage.h) */
	char *ptr;		/* the address's PTR name, or NULL */
	json_t *ptr_evidence;
};

struct ib_run {
	struct run_ctx *ctx;
	const char *group;
	struct session sess;	/* lookups and sessions pending; finish, done */
	struct check_ctx *check;	/* the diagnosis it runs as: port 25's state */
	struct tls_client *tls;	/* the run's (run_tls_client), borrowed; NULL: no TLS */
	char *domain;
	char *from, *rcpt, *helo;	/* owned copies */
	char *any_rcpt;		/* the made-up address (inbound_opts.probe_any), owned, or NULL */
	char *pm_rcpt;		/* postmaster@domain beside another rcpt, owned, or NULL */
	size_t any_idx, pm_idx;	/* their RCPTs' positions in the transaction */
	struct probe_mx *mx;
	struct ib_ep eps[IB_MAX_EPS];
	size_t neps;
};

/* Judge the sessions and add the inbound.* findings (inbound_judge.c). */
void inbound_judge(struct ib_run *run);

#endif
