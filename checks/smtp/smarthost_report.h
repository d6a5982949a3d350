/* Smarthost runs, shared by the testing (probe_smarthost.c) and the ranking with the
 * Postfix and Exchange settings (smarthost_report.c). Private to those two files. */
#ifndef MXD_SMARTHOST_REPORT_H
#define MXD_SMARTHOST_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "facts.h"
#include "probe.h"
#include "probe_smarthost.h"
#include "session.h"
#include "smtp.h"
#include "spf.h"
#include "spf_dns.h"
#include "vantage.h"

struct finding;

#define SH_MAX_CANDS SMARTHOST_MAX_CANDS
#define SH_MAX_EPS (SH_MAX_CANDS * 3)
#define SH_MAX_RELAY_IPS SMARTHOST_MAX_RELAY_IPS

enum sh_outcome {
	SH_WORKS,
	SH_UNREACHABLE,
	SH_GREETING_REFUSED,
	SH_SESSION_FAILED,	/* timeout, protocol violation, connection lost after connect */
	SH_TLS_FAILED,
	SH_AUTH_FAILED,
	SH_AUTH_SKIPPED,
	SH_AUTH_NOT_OFFERED,
	SH_AUTH_NO_MECH,
	SH_AUTH_REQUIRED,
	SH_AUTH_UNUSED,		/* AUTH offered, no login given, envelope refused on policy */
	SH_SENDER_DENIED,
	SH_MAIL_REJECTED,
	SH_RELAY_DENIED,
	SH_NOT_A_RELAY,		/* took only its own domains' recipients: an MX */
	SH_OPEN_RELAY,		/* relayed without AUTH for an address it has no tie to */
	SH_RCPT_TEMPFAIL,
	/* Port 25 as this line lets it through (the run's port25 fact, vantage.h): */
	SH_LINE_BLOCKED,	/* the line blocks port 25: nothing is known of the relay there */
	SH_INTERCEPTED,		/* an interceptor answered in the relay's place: not judged */
};

/* Relayed without AUTH: does the relay know us (an ISP trusting its customers' lines)? */
enum sh_trust {
	SH_TRUST_UNASKED = 0,	/* it did not relay without AUTH */
	SH_TRUST_ASKING,	/* the PTR lookup of our address runs */
	SH_TRUST_CUSTOMER,	/* our address's name is in the relay's domain */
	SH_TRUST_STRANGER,	/* our address's name is someone else's */
	SH_TRUST_NO_NAME,	/* our address has no PTR name: cannot tell */
};

struct sh_cand {
	char *arg;		/* as given */
	char *host;		/* name or address */
	unsigned port;		/* 0: try auto_ports */
	bool is_ip;
	struct probe_host *unresolved;	/* owned: the lookup that found no address */
	struct sh_run *run;
	/* The relay domain's own ip4:/ip6: hosts (its SPF), for the addresses receivers see */
	char *spf_addrs[RELAY_FACT_ADDRS];
	size_t nspf_addrs;
};

struct sh_ep {
	struct sh_cand *cand;
	char *addr;
	unsigned port;
	struct smtp_result *res;
	enum sh_outcome outcome;
	int tls_score;		/* 2 verified and named, 1 encrypted only, 0 clear */
	enum sh_trust trust;
	char *ptr_name;		/* owned: our address's PTR name, when asked and found */
	char *ptr_of;		/* owned: the address asked about */
	char *dialled_ptr;	/* owned: port 25 to an address candidate, that address's PTR
				 * name: what vantage compares an interceptor's greeting with */
	struct vantage_why vantage;	/* port 25: whether the answer is the relay's */
};

/* RFC 7208 check_host() of the sender's domain for one outbound address of the relay. */
struct sh_spf {
	struct sh_run *run;
	char *ip;		/* owned */
	bool is_given;		/* --relay-ip; else the recommended endpoint's own address */
	struct spf_dns sd;
	struct spf_resolver r;
	bool is_done;
	enum spf_result result;
	char *domain, *mechanism, *problem, *explanation;	/* owned copies */
};

struct sh_run {
	struct run_ctx *ctx;
	const char *group;
	struct session sess;	/* lookups, sessions, SPF evaluations pending */
	bool is_spf_phase;	/* the sessions are judged; SPF is running */
	bool is_setup_failed;	/* no TLS context: nothing was tested */
	char *from, *rcpt, *user, *helo;	/* owned copies */
	char *local_rcpt;	/* owned: postmaster@ the sender's domain, or NULL */
	char *spf_domain;	/* owned: whose SPF must authorise the relay */
	char *our_ip;		/* owned: the address relays see us from, or NULL */
	struct check_facts *facts;	/* borrowed: where the relays are published, or NULL */
	struct check_ctx *check;	/* borrowed: the diagnosis it runs as, or NULL */
	const struct provider *provider;	/* borrowed: the candidates' list entry, or NULL */
	struct secret *pass;			/* owned copy, wiped on free */
	struct sh_ep *order[SH_MAX_EPS];	/* ranked, set once the sessions are done */
	struct sh_spf spf[SH_MAX_RELAY_IPS];
	size_t nspf;
	struct tls_client *tls;	/* the run's (run_tls_client), borrowed */
	struct sh_cand cands[SH_MAX_CANDS];
	size_t ncands;
	struct sh_ep eps[SH_MAX_EPS];
	size_t neps;
	bool is_insecure_ok;
	size_t nworking;
	size_t nblocked, nintercepted;	/* port-25 endpoints the line kept from judging */
};

/* 2 verified and named, 1 encrypted only, 0 clear. */
int smarthost_tls_score(const struct smtp_result *r);
/* order[0..neps) = run's endpoints, best first. */
void smarthost_rank(struct sh_run *run, struct sh_ep **order);
/* The endpoint's host, address, port and session as finding data. */
void smarthost_ep_data(struct finding *f, const struct sh_ep *ep);
/* smarthost_tls.c: certificate findings, WARN at the best endpoint or when none works. */
void smarthost_report_tls(struct sh_run *run, struct sh_ep *ep, bool is_best);
/* "host:port" (or "[v6]:port") of ep into buf. */
void smarthost_subject(const struct sh_ep *ep, char *buf, size_t len);
/* smarthost_spf.c: check_host() of spf_domain for the relay's addresses; the findings. */
void smarthost_start_spf(struct sh_run *run, struct sh_ep *best);
void smarthost_report_spf(struct sh_run *run, struct sh_spf *sp);

/* smarthost_path.c: who the relay trusts, and the addresses receivers will see. */
/* ep relayed without AUTH: look up our address's name (session counted). */
void smarthost_ask_trust(struct sh_run *run, struct sh_ep *ep);
/* Ask every tested name candidate's domain for its SPF hosts (session counted). */
void smarthost_ask_relay_addrs(struct sh_run *run);
/* The tested endpoints, best first, as relay facts (run->facts may be NULL). */
void smarthost_publish(struct sh_run *run);
void smarthost_path_free(struct sh_run *run);

/* smarthost_data.c: candidates from the provider list (run->provider set). */
void smarthost_report_provider(struct sh_run *run);
void smarthost_report_stale(struct sh_run *run);

/* The ranking (report extra) and smarthost.recommended with the settings to use, or
 * smarthost.none-working. */
void smarthost_report_recommendation(struct sh_run *run, struct sh_ep **order);

/* One endpoint's finding (works, refused, relay denied, not judged through OP25B, ...), and
 * a candidate's that did not resolve (smarthost_outcome.c). */
void smarthost_report_outcome(struct sh_run *run, struct sh_ep *ep);
void smarthost_report_unresolved(struct sh_run *run, struct sh_cand *c);

#endif
