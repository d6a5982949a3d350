/* Mail targets: a host's A+AAAA under one merge rule, a domain's MX hosts (dns_target.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns_target.h"
#include "err.h"
#include "validate.h"
#include "xmalloc.h"

/* ---- one host ---- */

struct host_job {
	struct dns_target_host *h;
	int pending;
	dns_target_host_cb *cb;
	void *arg;
};

void
dns_target_host_fini(struct dns_target_host *h)
{
	size_t i;

	free(h->name);
	free(h->canon);
	for (i = 0; i < h->naddrs; i++)
		free(h->addrs[i]);
	memset(h, 0, sizeof(*h));
}

void
dns_target_host_free(struct dns_target_host *h)
{
	if (h == NULL)
		return;
	dns_target_host_fini(h);
	free(h);
}

/* "192.0.2.1" or "[192.0.2.1]" where a host name belongs. */
static bool
is_ip_name(const char *name)
{
	size_t len = strlen(name);
	bool literal;
	char *inner;

	if (validate_ip(name, NULL) == 0)
		return true;
	if (len < 3 || name[0] != '[' || name[len - 1] != ']')
		return false;
	inner = xstrndup(name + 1, len - 2);
	literal = validate_ip(inner, NULL) == 0;
	free(inner);
	return literal;
}

/* Keep IPv4 before IPv6 so that "first address" means the same thing on every run. */
static void
add_addr(struct dns_target_host *h, char *addr, bool is_v6)
{
	size_t i;

	for (i = 0; i < h->naddrs; i++)
		if (strcmp(h->addrs[i], addr) == 0) {
			free(addr);
			return;
		}
	if (h->naddrs == DNS_TARGET_MAX_ADDRS) {
		/* Full: an IPv4 address still displaces the last IPv6 one. */
		if (is_v6 || strchr(h->addrs[h->naddrs - 1], ':') == NULL) {
			free(addr);
			return;
		}
		free(h->addrs[--h->naddrs]);
	}
	if (!is_v6) {
		for (i = 0; i < h->naddrs && strchr(h->addrs[i], ':') == NULL; i++)
			;
		memmove(&h->addrs[i + 1], &h->addrs[i], (h->naddrs - i) * sizeof(h->addrs[0]));
		h->addrs[i] = addr;
	} else {
		h->addrs[h->naddrs] = addr;
	}
	h->naddrs++;
}

/* A CNAME owned by the host's own name (RFC 2181 10.3 for an MX target), first seen. */
static void
note_alias(struct dns_target_host *h, const struct dns_answer *ans)
{
	const ldns_rr *cn[1];
	char *owner;

	if (h->canon != NULL || dns_answer_rrs(ans, LDNS_RR_TYPE_CNAME, cn, 1) != 1)
		return;
	owner = dns_rdf_name(ldns_rr_owner(cn[0]));
	if (owner != NULL && strcmp(owner, h->name) == 0)
		h->canon = dns_rdf_name(ldns_rr_rdf(cn[0], 0));
	free(owner);
}

static void
host_finish(struct host_job *job)
{
	struct dns_target_host *h = job->h;

	h->status = dns_status_merge(h->a_status, h->aaaa_status);
	job->cb(h, job->arg);
	free(job);
}

static void
on_addr(const struct dns_answer *ans, void *arg)
{
	struct host_job *job = arg;
	struct dns_target_host *h = job->h;
	const ldns_rr *rrs[DNS_TARGET_MAX_ADDRS];
	bool is_v6 = ans->qtype == LDNS_RR_TYPE_AAAA;
	size_t n, i;

	if (h->nanswers < 2)
		h->answers[h->nanswers++] = *ans;
	if (ans->depth > h->depth)
		h->depth = ans->depth;
	if (is_v6)
		h->aaaa_status = ans->status;
	else
		h->a_status = ans->status;
	if (!dns_status_is_failure(ans->status)) {
		note_alias(h, ans);
		n = dns_answer_rrs(ans, ans->qtype, rrs, DNS_TARGET_MAX_ADDRS);
		for (i = 0; i < n; i++) {
			char *addr = dns_rdf_addr(ldns_rr_rdf(rrs[i], 0));

			if (addr != NULL)
				add_addr(h, addr, is_v6);
		}
	}
	if (--job->pending == 0)
		host_finish(job);
}

/* Ask A and AAAA for h (filled in by the caller). Returns 0 or MXD_EINVAL (cb not called). */
static int
host_start(struct dns *dns, struct dns_target_host *h, unsigned depth,
    dns_target_host_cb *cb, void *arg)
{
	struct host_job *job = xcalloc(1, sizeof(*job));

	job->h = h;
	job->cb = cb;
	job->arg = arg;
	h->is_ip_name = is_ip_name(h->name);
	h->depth = depth;
	/* Both families at once: they do not depend on each other. */
	job->pending = 2;
	if (dns_query(dns, h->name, LDNS_RR_TYPE_A, depth, on_addr, job) < 0) {
		free(job);
		return MXD_EINVAL;
	}
	/* Cannot fail once A was accepted (same name); should it, the family is unanswered,
	 * which the merge rule counts as a failure, never as not-found. */
	if (dns_query(dns, h->name, LDNS_RR_TYPE_AAAA, depth, on_addr, job) < 0) {
		h->aaaa_status = DNS_ERROR;
		job->pending--;
	}
	return 0;
}

int
dns_target_host(struct dns *dns, const char *name, unsigned depth, dns_target_host_cb *cb,
    void *arg)
{
	struct dns_target_host *h = xcalloc(1, sizeof(*h));

	h->name = xstrdup(name);
	if (host_start(dns, h, depth, cb, arg) < 0) {
		dns_target_host_free(h);
		return MXD_EINVAL;
	}
	return 0;
}

/* ---- a domain's mail hosts ---- */

struct mx_job {
	struct dns_target_mx *mx;
	struct dns *dns;
	size_t max_hosts;
	int pending;
	dns_target_mx_cb *cb;
	void *arg;
};

void
dns_target_mx_free(struct dns_target_mx *mx)
{
	size_t i;

	if (mx == NULL)
		return;
	for (i = 0; i < mx->nhosts; i++)
		dns_target_host_fini(&mx->hosts[i]);
	free(mx->hosts);
	free(mx->domain);
	free(mx);
}

static void
mx_done(struct mx_job *job)
{
	if (--job->pending > 0)
		return;
	job->cb(job->mx, job->arg);
	free(job);
}

/* A slot's lookup ended; the slot itself was filled in place. */
static void
on_mx_host(struct dns_target_host *h, void *arg)
{
	(void)h;
	mx_done(arg);
}

/* A target whose name cannot be asked: unanswered, so a failure under the merge rule. */
static void
mx_host_unaskable(struct dns_target_host *h)
{
	h->a_status = h->aaaa_status = h->status = DNS_ERROR;
}

static void
mx_start_host(struct mx_job *job, const char *name, unsigned pref, unsigned depth)
{
	struct dns_target_host *h = &job->mx->hosts[job->mx->nhosts++];

	h->name = xstrdup(name);
	h->pref = pref;
	job->pending++;
	if (host_start(job->dns, h, depth, on_mx_host, job) < 0) {
		mx_host_unaskable(h);
		job->pending--;
	}
}

struct mx_entry {
	unsigned pref;
	char *name;
};

static int
by_pref(const void *a, const void *b)
{
	const struct mx_entry *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The MX targets, null MX noted; returns how many of list were filled (caller frees). */
static size_t
mx_targets(struct dns_target_mx *mx, const struct dns_answer *ans, struct mx_entry *list,
    size_t max)
{
	const ldns_rr **rrs = xcalloc(max, sizeof(*rrs));
	size_t n, i, k = 0;

	n = dns_answer_rrs(ans, LDNS_RR_TYPE_MX, rrs, max);
	mx->nrecords = n;
	for (i = 0; i < n; i++) {
		char *target = dns_rdf_name(ldns_rr_rdf(rrs[i], 1));

		if (target == NULL)
			continue;
		if (target[0] == '\0') {
			mx->is_null_mx = true;	/* RFC 7505 3: "0 ." means no mail */
			free(target);
			continue;
		}
		list[k].pref = ldns_rdf2native_int16(ldns_rr_rdf(rrs[i], 0));
		list[k].name = target;
		k++;
	}
	free(rrs);
	return k;
}

/* More MX records than this are not looked at at all: a bound on a hostile zone. */
#define MX_MAX_RECORDS 1024

static void
on_mx(const struct dns_answer *ans, void *arg)
{
	struct mx_job *job = arg;
	struct dns_target_mx *mx = job->mx;
	struct mx_entry *list;
	size_t k, i, nhosts;

	mx->mx_status = ans->status;
	mx->mx_answer = *ans;
	mx->has_mx_answer = true;
	mx->depth = ans->depth;
	/* The MX query's own count (from dns_target_mx) keeps the job open meanwhile. */
	if (ans->status == DNS_OK) {
		/* sized to the answer: a 1024-entry list (and its memset) per MX answer was a
		 * batch's biggest allocation */
		size_t max = ans->pkt != NULL ?
		    ldns_rr_list_rr_count(ldns_pkt_answer(ans->pkt)) : 0;

		max = max < 1 ? 1 : max > MX_MAX_RECORDS ? MX_MAX_RECORDS : max;
		list = xcalloc(max, sizeof(*list));
		k = mx_targets(mx, ans, list, max);
		/* RFC 5321 5.1: senders try the lowest preference first. */
		qsort(list, k, sizeof(list[0]), by_pref);
		/* sized to the hosts resolved: 32 slots inline made each lookup a 10 KB
		 * allocation, zeroed, three per domain */
		nhosts = k < job->max_hosts ? k : job->max_hosts;
		mx->hosts = xcalloc(nhosts > 0 ? nhosts : 1, sizeof(*mx->hosts));
		for (i = 0; i < k; i++) {
			if (!mx->is_null_mx && mx->nhosts < job->max_hosts)
				mx_start_host(job, list[i].name, list[i].pref, ans->depth);
			free(list[i].name);
		}
		free(list);
	} else if (ans->status == DNS_NODATA) {
		/* RFC 5321 5.1: without MX the domain itself is the mail host (implicit MX). */
		mx->is_implicit = true;
		mx->hosts = xcalloc(1, sizeof(*mx->hosts));
		mx_start_host(job, mx->domain, 0, ans->depth);
	}
	mx_done(job);
}

int
dns_target_mx(struct dns *dns, const char *domain, size_t max_hosts, dns_target_mx_cb *cb,
    void *arg)
{
	struct mx_job *job = xcalloc(1, sizeof(*job));

	job->max_hosts = max_hosts > 0 && max_hosts < DNS_TARGET_MAX_HOSTS ? max_hosts :
	    DNS_TARGET_MAX_HOSTS;
	job->mx = xcalloc(1, sizeof(*job->mx));
	job->mx->domain = xstrdup(domain);
	job->dns = dns;
	job->cb = cb;
	job->arg = arg;
	job->pending = 1;
	if (dns_query(dns, domain, LDNS_RR_TYPE_MX, 0, on_mx, job) < 0) {
		dns_target_mx_free(job->mx);
		free(job);
		return MXD_EINVAL;
	}
	return 0;
}
