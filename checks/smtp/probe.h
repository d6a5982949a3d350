/* Shared by the SMTP commands: where to connect (a host's addresses, a domain's mail hosts
 * per RFC 5321 5.1), and how a session becomes evidence. */
#ifndef MXD_PROBE_H
#define MXD_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "dns.h"

struct dns;
struct finding;
struct loop;
struct report;
struct smtp_result;
struct smtp_step;

#define PROBE_MAX_ADDRS 8	/* per host: more only repeat the same test */
#define PROBE_MAX_MX 16		/* MX hosts tried per domain */

struct probe_host {
	char *name;		/* owned; lower case, no trailing dot, or the address literal */
	unsigned pref;		/* MX preference (0 for an implicit MX or a plain host) */
	bool is_literal;	/* name is an IP address: nothing was looked up */
	enum dns_status a_status, aaaa_status;
	enum dns_status status;	/* the two merged (dns_status_merge): judge a host by this */
	unsigned depth;		/* its deepest answer: parent depth of questions it causes */
	char *addrs[PROBE_MAX_ADDRS];	/* owned; IPv4 first, then IPv6 */
	size_t naddrs;
	json_t *evidence;	/* owned array of DNS evidence objects; NULL from
				 * probe_resolve_mx_hosts() */
};

struct probe_mx {
	char *domain;		/* owned */
	enum dns_status mx_status;
	bool is_null_mx;	/* RFC 7505: "MX 0 ." */
	bool is_implicit;	/* no MX records: the domain's own address (RFC 5321 5.1) */
	struct probe_host hosts[PROBE_MAX_MX];	/* in preference order */
	size_t nhosts;
	json_t *evidence;	/* owned: the MX answer; NULL from probe_resolve_mx_hosts() */
};

/* Called once when a command's probe run has put all its findings into the report. */
typedef void probe_done_fn(void *arg);

/* report_add() that also files the finding under group (a preflight section) when given. */
struct finding *probe_add(struct report *rep, const char *group, const char *id, int status,
    const char *subject);

/* Receivers own what they get and free it with probe_host_free() / probe_mx_free(). */
typedef void probe_host_cb(struct probe_host *h, void *arg);
typedef void probe_mx_cb(struct probe_mx *mx, void *arg);

/*
 * The A and AAAA addresses of name (dns_target_host(): asked together, one merge rule), or
 * name itself when it is an address literal. cb runs once, later from the loop. Returns 0 or MXD_EINVAL for a name that cannot
 * be asked (cb then not called).
 */
int probe_resolve_host(struct loop *loop, struct dns *dns, const char *name, unsigned depth,
    probe_host_cb *cb, void *arg);
void probe_host_free(struct probe_host *h);

/*
 * The mail hosts of domain with their addresses (dns_target_mx(), the first PROBE_MAX_MX
 * hosts and PROBE_MAX_ADDRS addresses of each): MX in preference order, the domain itself
 * when it has no MX (implicit MX), none for a null MX or a missing domain. cb runs once,
 * later from the loop. Returns 0 or MXD_EINVAL.
 */
int probe_resolve_mx(struct dns *dns, const char *domain, probe_mx_cb *cb, void *arg);
/* The same without evidence (mx->evidence and the hosts' are NULL), for those that need only
 * the hosts: the run's facts (check_fact_mx), whose readers never cite the answers, which
 * were a twentieth of a batch to turn into JSON objects and free unread. */
int probe_resolve_mx_hosts(struct dns *dns, const char *domain, probe_mx_cb *cb, void *arg);
void probe_mx_free(struct probe_mx *mx);

/* true for DNS answers that say nothing about the name (SERVFAIL, REFUSED, timeout, error). */
bool probe_dns_failed(enum dns_status st);

/* "ip:port", or "[ip]:port" for IPv6, into buf; returns buf. */
char *probe_endpoint(const char *addr, unsigned port, char *buf, size_t len);

/* Add the session's transcript to f, one evidence object per line ({"kind": "smtp",
 * "endpoint", "text"}), at most max_lines of it. */
void probe_evidence_smtp(struct finding *f, const struct smtp_result *r, size_t max_lines);
/* A step's reply as one line ("550 5.1.1 ..."), or "(no reply)" when there was none. */
void probe_reply_text(const struct smtp_step *s, char *buf, size_t len);

/* Copy the DNS evidence objects of list (may be NULL) to f. */
void probe_evidence_list(struct finding *f, json_t *list);

/*
 * Whether two host names belong to the same operator, as far as names show it: equal, or
 * sharing a parent of at least two labels (three under a two-letter country code's
 * second level, such as co.jp or ne.jp). "gmail-smtp-in.l.google.com" and "mx.google.com"
 * are related; "mx1.example.test" and "intercept.isp.test" are not.
 */
bool probe_names_related(const char *a, const char *b);

/* The operator's domain of a host name by the same rule (its last two labels, three under
 * co.jp and the like): a pointer into name, or NULL when name is too short. */
const char *probe_operator_domain(const char *name);

/* JSON for the facts of a session (connection class, timings, TLS, AUTH, replies). Caller
 * owns the reference. */
json_t *probe_session_json(const struct smtp_result *r);

#endif
