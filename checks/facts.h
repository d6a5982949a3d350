/*
 * Facts: what the diagnoses of one run learnt, typed, for the diagnoses and judgements that
 * come after them in the same run (an intercepted port 25 changes how relay and inbound
 * results from this network can be read). A diagnosis names the facts it publishes and
 * reads in its descriptor; the run starts a reader once its publishers have ended.
 */
#ifndef MXD_FACTS_H
#define MXD_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "vantage.h"

struct check_ctx;
struct loop;
struct loop_timer;
struct probe_mx;
struct smtp_result;

enum {
	CHECK_FACT_MX = 1 << 0,		/* the domain's mail hosts with their addresses */
	CHECK_FACT_PORT25 = 1 << 1,	/* outbound port 25 from this network */
	CHECK_FACT_RELAYS = 1 << 2,	/* the smarthosts tested, and which relay for us */
	CHECK_FACT_MX_TLS = 1 << 3,	/* each MX host's STARTTLS and certificate chain */
};

/* How outbound port 25 behaves from here, per address family. */
enum port25_state {
	PORT25_UNMEASURED = 0,	/* not probed (or nothing to probe on this family) */
	PORT25_OPEN,		/* receivers answered with their own greeting */
	PORT25_BLOCKED,		/* reset, dropped or ICMP-rejected (OP25B) */
	PORT25_INTERCEPTED,	/* something else answers in the receivers' place */
	PORT25_UNDECIDED,	/* probed, but the answers prove neither */
};

struct port25_fact {
	enum port25_state state;
	bool is_proven;		/* several independent receivers agree (FAIL, not WARN) */
	char how[48];		/* the finding id that says so: "port25.blocked-drop" */
	char banner[256];	/* intercepted: the name the interceptor greets with */
};

#define RELAY_FACT_MAX 8
#define RELAY_FACT_ADDRS 4

/* A smarthost candidate as tested: the path mail takes when it relays. */
struct relay_fact {
	char host[256];		/* as dialled: a name or an address literal */
	unsigned port;
	bool works;		/* took RCPT for an outside recipient (after AUTH, if given) */
	bool is_tls;		/* STARTTLS or implicit TLS was used */
	bool is_auth;		/* AUTH succeeded */
	/* The addresses receivers will see when it relays: --relay-ip, else an
	 * approximation (the relay domain's SPF, or the address dialled). */
	char addrs[RELAY_FACT_ADDRS][46];
	size_t naddrs;
	bool is_addr_approx;
};

#define MX_TLS_FACT_MAX 8

/* One MX host's STARTTLS session as the mx-tls probe (or inbound's session to the host's
 * first address, when inbound runs) saw it: MTA-STS and DANE judge it. */
struct mx_tls_fact {
	char host[256];		/* the MX host name dialled */
	char addr[46];		/* its first address */
	/* whether the answer is the host's own, not a block's or an interceptor's: only
	 * VANTAGE_CLEAR lets the certificate be judged (vantage_explain() says why not) */
	struct vantage_why vantage;
	unsigned tls_problems;	/* TLS_J_* (tls_judge.h) when clear */
	struct smtp_result *res;	/* owned: the session, its certificate chain included */
};

struct check_facts {
	unsigned published;		/* CHECK_FACT_* */
	struct port25_fact port25[2];	/* [0] IPv4, [1] IPv6 */
	/* owned, made at the first one (11 KB inline, zeroed for every domain of a batch,
	 * which never probes relays or TLS) */
	struct relay_fact *relays;	/* RELAY_FACT_MAX slots, in the smarthost ranking's order */
	size_t nrelays;
	struct mx_tls_fact *mx_tls;	/* MX_TLS_FACT_MAX slots, in MX preference order */
	size_t nmx_tls;
	struct probe_mx *mx;		/* owned; NULL until resolved */
	struct mx_waiter *mx_waiters;	/* asked while the lookup runs */
	bool is_mx_asked;
	struct loop *loop;
	struct loop_timer *drain_timer;	/* answers askers after the lookup ended */
};

/* The run's domain's mail hosts, borrowed (valid for the run). */
typedef void check_mx_fn(struct check_ctx *ctx, const struct probe_mx *mx);

/*
 * Call cb once, later from the loop, with the mail hosts of the run's domain (RFC 5321 5.1,
 * dns_target): looked up once per run however many diagnoses ask. Without evidence (a
 * finding cites the answers through dns_target or its own lookups, not these). Returns 0,
 * or MXD_EINVAL when the domain cannot be asked (cb not called).
 */
int check_fact_mx(struct check_ctx *ctx, check_mx_fn *cb);

/* Record port 25's state on one family (is_v6) as measured by the port25 probe. */
void check_fact_port25(struct check_facts *facts, bool is_v6, enum port25_state state,
    bool is_proven, const char *how, const char *banner);

/* Record a tested relay (ignored beyond RELAY_FACT_MAX); the best first. */
void check_fact_relay(struct check_facts *facts, const struct relay_fact *relay);

/* Record host's STARTTLS session to addr with its vantage; the fact takes res (owned; freed
 * with the facts, or at once beyond MX_TLS_FACT_MAX). */
void check_fact_add_mx_tls(struct check_facts *facts, const char *host, const char *addr,
    const struct vantage_why *vantage, struct smtp_result *res);

/* The mx-tls fact of host, or NULL when none was recorded (not probed in this run). */
const struct mx_tls_fact *check_fact_mx_tls(const struct check_facts *facts,
    const char *host);

/* The best relay that works, or NULL. */
const struct relay_fact *check_fact_best_relay(const struct check_facts *facts);

/* Name of a state, for JSON and logs: "open", "blocked", ... */
const char *port25_state_name(enum port25_state state);

void check_facts_fini(struct check_facts *facts);

#endif
