/*
 * Mail targets, resolved once for every diagnosis: a host's addresses (A and AAAA asked
 * together, one merge rule) and a domain's mail hosts (RFC 5321 5.1: MX in preference
 * order, else the domain itself). The answers are kept, borrowed, so that the checks can
 * turn them into evidence; this engine knows nothing of findings.
 */
#ifndef MXD_DNS_TARGET_H
#define MXD_DNS_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "dns.h"

#define DNS_TARGET_MAX_ADDRS 16		/* per host: more only repeat the same test */
#define DNS_TARGET_MAX_HOSTS 32		/* MX hosts resolved per domain; the rest are counted */

struct dns_target_host {
	char *name;		/* owned; as given (an MX target: lower case, no dot) */
	unsigned pref;		/* MX preference (0 for an implicit MX or a plain host) */
	bool is_ip_name;	/* the name is an address written as a name ("192.0.2.1",
				 * "[192.0.2.1]"): still asked, as senders do */
	enum dns_status a_status, aaaa_status;
	/* dns_status_merge(a_status, aaaa_status), Postfix's rule: DNS_OK when either query
	 * found addresses; NXDOMAIN/NODATA only when both say not-found; a failure else. */
	enum dns_status status;
	char *canon;		/* owned; the CNAME target when name itself is an alias */
	char *addrs[DNS_TARGET_MAX_ADDRS];	/* owned; IPv4 first, then IPv6, no repeats */
	size_t naddrs;
	/* The A and AAAA answers in the order they came, borrowed from the engine (valid
	 * until dns_free()); none for a name that could not be asked. */
	struct dns_answer answers[2];
	size_t nanswers;
	unsigned depth;		/* the deepest of its answers: the parent depth of a question
				 * these addresses cause (a PTR of one) */
};

struct dns_target_mx {
	char *domain;		/* owned */
	enum dns_status mx_status;
	struct dns_answer mx_answer;	/* borrowed, as above; its status is mx_status */
	bool has_mx_answer;		/* false only when domain could not be asked */
	size_t nrecords;	/* MX records in the answer, a null MX included */
	bool is_null_mx;	/* RFC 7505: "MX 0 ." among them; no host is resolved */
	bool is_implicit;	/* NODATA for MX: hosts[0] is the domain itself (RFC 5321 5.1) */
	struct dns_target_host *hosts;	/* owned, nhosts of them; by preference, then name */
	size_t nhosts;
	unsigned depth;		/* the MX answer's depth */
};

/* Receivers own what they get and free it with the matching _free(). */
typedef void dns_target_host_cb(struct dns_target_host *h, void *arg);
typedef void dns_target_mx_cb(struct dns_target_mx *mx, void *arg);

/*
 * The A and AAAA records of name, asked together at parent depth depth. cb runs once,
 * later from the loop. Returns 0, or MXD_EINVAL for a name that cannot be asked (cb then
 * not called). An address literal is asked as a name: callers that take literals as
 * addresses (a relay given as an IP) do so before asking.
 */
int dns_target_host(struct dns *dns, const char *name, unsigned depth,
    dns_target_host_cb *cb, void *arg);
void dns_target_host_free(struct dns_target_host *h);

/*
 * The mail hosts of domain with their addresses: the MX targets by preference (the first
 * max_hosts of them, 0 or more than DNS_TARGET_MAX_HOSTS meaning DNS_TARGET_MAX_HOSTS; a
 * caller that tries fewer asks for fewer), the domain itself when it has no MX (implicit MX), none for a null
 * MX, a missing domain or a failed MX query. cb runs once, later from the loop. Returns 0
 * or MXD_EINVAL (cb not called).
 */
int dns_target_mx(struct dns *dns, const char *domain, size_t max_hosts, dns_target_mx_cb *cb,
    void *arg);
void dns_target_mx_free(struct dns_target_mx *mx);

/* Free what a host holds, not the host itself (the hosts of a dns_target_mx). */
void dns_target_host_fini(struct dns_target_host *h);

#endif
