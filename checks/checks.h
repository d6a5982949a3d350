/*
 * The diagnosis interface. Every diagnosis (a DNS check, an SMTP probe, the SPF verdict, a
 * live proof of a bounce's cause) is one file ending in one `struct check` descriptor, listed
 * once in registry.c. Commands run a set of them by name (checks_run); none starts one by
 * hand. Diagnoses add findings to the run's report and publish facts (facts.h) that later
 * diagnoses and judgements of the same run read.
 */
#ifndef MXD_CHECKS_H
#define MXD_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

struct check;
struct check_facts;
struct dns;
struct dns_answer;
struct finding;
struct inbound_opts;
struct loop;
struct ndr_auth;
struct ndr_cause;
struct port25_opts;
struct relay_opts;
struct report;
struct run_ctx;
struct smarthost_opts;

/* The inputs a diagnosis needs (bit mask): it runs only when every one is given. */
enum {
	CHECK_IN_DOMAIN = 1 << 0,	/* the domain under test */
	CHECK_IN_IP = 1 << 1,		/* the address mail is sent from (--ip) */
	CHECK_IN_HELO = 1 << 2,		/* the name the server announces (--helo) */
	CHECK_IN_PORT25 = 1 << 3,	/* where to test outbound port 25 from this line */
	CHECK_IN_SMARTHOSTS = 1 << 4,	/* candidate relays, with the envelope to test */
	CHECK_IN_INBOUND = 1 << 5,	/* how to deliver to the domain as a remote sender */
	CHECK_IN_RELAY = 1 << 6,	/* the server to test for open relaying */
	CHECK_IN_SENDER_DOMAIN = 1 << 7,	/* a bounce's original sender domain */
	CHECK_IN_RCPT_DOMAIN = 1 << 8,	/* a bounce's failed recipient's domain */
	CHECK_IN_AUTH = 1 << 9,		/* a message's headers: From:, MAIL FROM, DKIM d=/s= */
};

/*
 * What commands give the diagnoses; everything is borrowed for the run. The option blocks of
 * the SMTP probes are set by the commands that parse those options; a probe's descriptor
 * copies its block and fills in the group.
 */
struct check_inputs {
	const char *domain;	/* validated, lower case, no trailing dot */
	const char *ip;		/* --ip or NULL */
	const char *helo;	/* --helo or NULL */
	const struct port25_opts *port25;
	const struct smarthost_opts *smarthost;
	const struct inbound_opts *inbound;
	const struct relay_opts *relay;	/* host NULL: the domain's best MX (a fact) */
	const char *sender_domain;	/* explain: from the bounce or --sender */
	const char *rcpt_domain;	/* explain: the failed recipient's domain */
	const struct ndr_cause *cause;	/* explain: the cause being proven */
	/* The identifiers of a message (check --message) or of a bounce's returned headers
	 * (explain), or NULL: dkim asks the key of each signature's d= and s=, and
	 * dmarc-alignment judges them. */
	const struct ndr_auth *auth;
	const char *const *dkim_selectors;	/* --dkim-selector; none: dkim guesses */
	size_t n_dkim_selectors;
	const char *dnsbl_zones;	/* --dnsbl-zones FILE; NULL: data/dnsbl.json */
	bool is_dmarc_psl;	/* --dmarc-psl: RFC 7489's organisational domain */
};

/* What a diagnosis reads while it runs; everything is borrowed for the run. */
struct check_ctx {
	struct run_ctx *run;
	struct loop *loop;
	struct dns *dns;
	struct report *rep;
	const char *domain;	/* in->domain, for the DNS checks */
	const char *ip;		/* in->ip */
	const char *helo;	/* in->helo */
	const char *group;	/* checklist section for findings, or NULL */
	const struct check_inputs *in;
	struct check_facts *facts;	/* shared by every diagnosis of the run */
	const struct check *self;
	struct check_run *cr;	/* the run it belongs to */
};

struct check {
	const char *name;	/* stable: "mx", "port25", "sender-domain-resolves" */
	const char *section;	/* preflight section its findings belong to */
	unsigned needs;		/* CHECK_IN_* */
	unsigned uses;		/* CHECK_IN_* it reads when given, without needing them */
	unsigned reads;		/* CHECK_FACT_* it reads (facts.h) */
	unsigned publishes;	/* CHECK_FACT_* it publishes */
	/* CHECK_FACT_* it waits for with check_await() before judging, and judges better
	 * with: a run that wants its best verdict starts their publishers beside it (explain's
	 * proofs start mx-tls beside mta-sts and dane). Without them it still ends. */
	unsigned awaits;
	/* Queue lookups or sessions with callbacks and return; never block. A diagnosis that
	 * finishes later calls check_done(ctx) once, when its last finding is in. */
	void (*start)(struct check_ctx *ctx);
	bool is_async;		/* ends with check_done(), not when its lookups are answered */
};

/* NULL-terminated (registry.c). */
extern const struct check *const checks[];

/* The diagnosis called name, or NULL. */
const struct check *checks_find(const char *name);

/* A run of diagnoses: one context per diagnosis started, the shared facts. */
struct check_run;

/*
 * Start every diagnosis of names (n of them, each must exist) whose needs in meets, on
 * ctx's loop, DNS engine and report. With sections, findings are filed under each
 * diagnosis's section (preflight). Returns the run (caller frees with check_run_free after
 * the loop has ended); *started says how many started.
 */
struct check_run *checks_run(struct run_ctx *ctx, const struct check_inputs *in,
    const char *const *names, size_t n, bool sections, size_t *started);
void check_run_free(struct check_run *cr);

/* The facts the run's diagnoses published (valid until check_run_free). */
const struct check_facts *check_run_facts(const struct check_run *cr);

/* Whether the inputs meet the diagnosis's needs. */
bool check_can_run(const struct check *c, const struct check_inputs *in);

/*
 * Call cb(arg) later, from the loop, once no other diagnosis of ctx's run that publishes
 * one of facts (CHECK_FACT_*) is still running: a probe that runs beside the port-25
 * probe judges its sessions knowing what port 25 does from here, without waiting for it
 * to start. At most one wait per diagnosis at a time.
 */
typedef void check_await_fn(void *arg);
void check_await(struct check_ctx *ctx, unsigned facts, check_await_fn *cb, void *arg);

/* An async diagnosis has ended (once per start). */
void check_done(void *ctx);

/* Shared helper: when ans is a resolver failure (SERVFAIL, REFUSED, timeout, error), add
 * an UNKNOWN finding "dns.<failure>" about subject carrying the query, and return true. */
bool check_dns_failed(struct check_ctx *ctx, const struct dns_answer *ans, const char *what);

/* report_add() that also sets the check's group. */
struct finding *check_add(struct check_ctx *ctx, const char *id, int status,
    const char *subject);

#endif
