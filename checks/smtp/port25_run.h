/*
 * The port-25 probe's run, shared by its two halves: probe_port25.c starts the lookups and
 * sessions, port25_judge.c reads them as open, blocked or intercepted. Private to them.
 */
#ifndef MXD_PORT25_RUN_H
#define MXD_PORT25_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "probe_port25.h"
#include "session.h"

struct check_facts;
struct p25_run;
struct run_ctx;
struct smtp_result;
struct tls_client;

/* Per target: the preferred MX host's first IPv4 and first IPv6 address. */
#define P25_MAX_PROBES (PORT25_MAX_TARGETS * 2 + PORT25_MAX_SUBMISSION * 2 * 2)
#define P25_TRANSCRIPT_LINES 12

enum p25_class {
	P25_OPEN,		/* greeting 2xx */
	P25_REFUSED_BY_TARGET,	/* greeting 4xx/5xx: the path is open, the receiver says no */
	P25_RESET,
	P25_DROP,
	P25_ICMP,
	P25_NO_GREETING,	/* connected, but no valid greeting */
	P25_ERROR,
};

struct p25_probe {
	struct p25_run *run;
	char *target;		/* as given (domain or address) */
	char *host;		/* the host name probed (MX host), or the address */
	bool is_submission;
	bool is_v6;
	bool is_literal;	/* dialled by address: its PTR name is the name greetings are
				 * compared to */
	char *ptr;		/* literal targets: the address's PTR name, or NULL */
	unsigned port;
	struct smtp_result *res;	/* owned once done */
	enum p25_class cls;
	char banner_name[256];
	bool is_kept;		/* target, host, ptr and res belong to the run's memo
				 * (port25_memo.h), not to this run */
};

/* A run waiting for a target another run of the memo probes (port25_memo.c). */
struct p25_wait {
	struct p25_run *run;
	struct p25_wait *next;
};

struct p25_run {
	struct run_ctx *ctx;
	const char *group;	/* copied from the options (static or caller-owned for the run) */
	struct session sess;	/* lookups and sessions pending; finish, done */
	struct check_facts *facts;	/* borrowed, or NULL */
	char *targets[PORT25_MAX_TARGETS];	/* normalised, as given: the report's order */
	size_t ntargets;
	struct tls_client *tls;	/* the run's (run_tls_client), borrowed; NULL: no TLS */
	const char *helo;
	struct p25_probe probes[P25_MAX_PROBES];
	size_t nprobes;
	json_t *dns_evidence;	/* lookups that found no host, for the UNKNOWN finding */
	size_t unresolved;
	/* The ISP's own hosts, named by the user (--submission, the smarthosts): a block
	 * commonly exempts its servers. */
	const char *isp[PORT25_MAX_SUBMISSION + PORT25_MAX_ISP_HOSTS];
	size_t nisp;
	struct p25_wait waits[PORT25_MAX_TARGETS];	/* one per target read from the memo */
	size_t nwaits;
};

/* Resolve target (normalised) and start its port-25 probes in run (probe_port25.c). */
void p25_start_target(struct p25_run *run, char *target);

/* Free run and the probes it owns (probe_port25.c). */
void p25_run_free(struct p25_run *run);

/* Judge every probe of the run and add the port25.* findings (port25_judge.c). */
void port25_judge(struct p25_run *run);

#endif
