/* Target resolution for SMTP probes and session evidence; shared by the SMTP commands. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "loop.h"
#include "probe.h"
#include "report.h"
#include "smtp.h"
#include "validate.h"
#include "xmalloc.h"

/* ---- one host ---- */

struct host_job {
	struct probe_host *h;
	int pending;
	probe_host_cb *cb;
	void *arg;
};

bool
probe_dns_failed(enum dns_status st)
{
	return dns_status_is_failure(st);
}

void
probe_host_free(struct probe_host *h)
{
	size_t i;

	if (h == NULL)
		return;
	free(h->name);
	for (i = 0; i < h->naddrs; i++)
		free(h->addrs[i]);
	json_decref(h->evidence);
	free(h);
}

/* Keep IPv4 before IPv6 so that "first address" means the same thing on every run. */
static void
host_add_addr(struct probe_host *h, char *addr, bool is_v6)
{
	size_t i;

	if (h->naddrs == PROBE_MAX_ADDRS) {
		free(addr);
		return;
	}
	for (i = 0; i < h->naddrs; i++)
		if (strcmp(h->addrs[i], addr) == 0) {
			free(addr);
			return;
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

static void
on_host_addr(const struct dns_answer *ans, void *arg)
{
	struct host_job *job = arg;
	struct probe_host *h = job->h;
	const ldns_rr *rrs[PROBE_MAX_ADDRS];
	size_t n, i;

	json_array_append_new(h->evidence, dns_answer_evidence(ans));
	if (ans->qtype == LDNS_RR_TYPE_A)
		h->a_status = ans->status;
	else
		h->aaaa_status = ans->status;
	n = dns_answer_rrs(ans, ans->qtype, rrs, PROBE_MAX_ADDRS);
	for (i = 0; i < n; i++) {
		char *addr = dns_rdf_addr(ldns_rr_rdf(rrs[i], 0));

		if (addr != NULL)
			host_add_addr(h, addr, ans->qtype == LDNS_RR_TYPE_AAAA);
	}
	if (--job->pending > 0)
		return;
	job->cb(h, job->arg);
	free(job);
}

static void
deliver_literal(void *arg)
{
	struct host_job *job = arg;

	job->cb(job->h, job->arg);
	free(job);
}

/* allow_literal: an address is taken as is (needs loop); else it is asked as a name. */
static int
resolve_host(struct loop *loop, struct dns *dns, const char *name, unsigned depth,
    bool allow_literal, probe_host_cb *cb, void *arg)
{
	struct host_job *job = xcalloc(1, sizeof(*job));
	struct probe_host *h = xcalloc(1, sizeof(*h));
	int family;

	h->name = xstrdup(name);
	h->evidence = json_array();
	job->h = h;
	job->cb = cb;
	job->arg = arg;
	if (allow_literal && validate_ip(name, &family) == 0) {
		h->is_literal = true;
		h->a_status = h->aaaa_status = DNS_OK;
		host_add_addr(h, xstrdup(name), family != AF_INET);
		loop_timer_add(loop, 0, deliver_literal, job);
		return 0;
	}
	/* Both families at once: they do not depend on each other. */
	job->pending = 2;
	if (dns_query(dns, name, LDNS_RR_TYPE_A, depth, on_host_addr, job) < 0) {
		probe_host_free(h);
		free(job);
		return MXD_EINVAL;
	}
	if (dns_query(dns, name, LDNS_RR_TYPE_AAAA, depth, on_host_addr, job) < 0)
		job->pending--;	/* cannot happen after A was accepted; keep the count right */
	return 0;
}

int
probe_resolve_host(struct loop *loop, struct dns *dns, const char *name, unsigned depth,
    probe_host_cb *cb, void *arg)
{
	return resolve_host(loop, dns, name, depth, true, cb, arg);
}

/* ---- a domain's mail hosts ---- */

struct mx_job {
	struct probe_mx *mx;
	struct dns *dns;
	int pending;
	probe_mx_cb *cb;
	void *arg;
};

struct mx_host_job {
	struct mx_job *job;
	size_t i;
};

void
probe_mx_free(struct probe_mx *mx)
{
	size_t i, j;

	if (mx == NULL)
		return;
	for (i = 0; i < mx->nhosts; i++) {
		free(mx->hosts[i].name);
		for (j = 0; j < mx->hosts[i].naddrs; j++)
			free(mx->hosts[i].addrs[j]);
		json_decref(mx->hosts[i].evidence);
	}
	json_decref(mx->evidence);
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

/* A host's A/AAAA answered: copy into the MX slot (the host struct is a scratch one). */
static void
on_mx_host(struct probe_host *h, void *arg)
{
	struct mx_host_job *hj = arg;
	struct probe_host *slot = &hj->job->mx->hosts[hj->i];
	unsigned pref = slot->pref;

	free(slot->name);
	json_decref(slot->evidence);
	*slot = *h;
	slot->pref = pref;
	free(h);
	mx_done(hj->job);
	free(hj);
}

static void
mx_start_host(struct mx_job *job, const char *name, unsigned pref, unsigned depth)
{
	struct probe_mx *mx = job->mx;
	struct mx_host_job *hj;

	if (mx->nhosts == PROBE_MAX_MX)
		return;
	hj = xcalloc(1, sizeof(*hj));
	hj->job = job;
	hj->i = mx->nhosts;
	mx->hosts[mx->nhosts].name = xstrdup(name);
	mx->hosts[mx->nhosts].pref = pref;
	mx->hosts[mx->nhosts].evidence = json_array();
	mx->nhosts++;
	job->pending++;
	/* An MX naming an address literal is an error (RFC 7505 3); look it up as a name,
	 * as senders do, and find nothing. */
	if (resolve_host(NULL, job->dns, name, depth, false, on_mx_host, hj) < 0) {
		job->pending--;
		free(hj);
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

static void
on_mx(const struct dns_answer *ans, void *arg)
{
	struct mx_job *job = arg;
	struct probe_mx *mx = job->mx;
	const ldns_rr *rrs[PROBE_MAX_MX];
	struct mx_entry list[PROBE_MAX_MX];
	size_t n, i, k = 0;

	mx->mx_status = ans->status;
	json_array_append_new(mx->evidence, dns_answer_evidence(ans));
	/* The MX query's own count (from probe_resolve_mx) keeps the job open meanwhile. */
	if (ans->status == DNS_OK) {
		n = dns_answer_rrs(ans, LDNS_RR_TYPE_MX, rrs, PROBE_MAX_MX);
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
		/* RFC 5321 5.1: senders try the lowest preference first. */
		qsort(list, k, sizeof(list[0]), by_pref);
		for (i = 0; i < k; i++) {
			if (!mx->is_null_mx)
				mx_start_host(job, list[i].name, list[i].pref, ans->depth);
			free(list[i].name);
		}
	} else if (ans->status == DNS_NODATA) {
		/* RFC 5321 5.1: without MX the domain itself is the mail host (implicit MX). */
		mx->is_implicit = true;
		mx_start_host(job, mx->domain, 0, ans->depth);
	}
	mx_done(job);
}

int
probe_resolve_mx(struct dns *dns, const char *domain, probe_mx_cb *cb, void *arg)
{
	struct mx_job *job = xcalloc(1, sizeof(*job));

	job->mx = xcalloc(1, sizeof(*job->mx));
	job->mx->domain = xstrdup(domain);
	job->mx->evidence = json_array();
	job->dns = dns;
	job->cb = cb;
	job->arg = arg;
	job->pending = 1;
	if (dns_query(dns, domain, LDNS_RR_TYPE_MX, 0, on_mx, job) < 0) {
		probe_mx_free(job->mx);
		free(job);
		return MXD_EINVAL;
	}
	return 0;
}

/* ---- evidence ---- */

struct finding *
probe_add(struct report *rep, const char *group, const char *id, int status,
    const char *subject)
{
	struct finding *f = report_add(rep, id, (enum status)status, subject);

	if (group != NULL)
		finding_group(f, group);
	return f;
}

char *
probe_endpoint(const char *addr, unsigned port, char *buf, size_t len)
{
	if (strchr(addr, ':') != NULL)
		snprintf(buf, len, "[%s]:%u", addr, port);
	else
		snprintf(buf, len, "%s:%u", addr, port);
	return buf;
}

void
probe_evidence_smtp(struct finding *f, const struct smtp_result *r, size_t max_lines)
{
	char ep[64];
	size_t i;

	probe_endpoint(r->addr, r->port, ep, sizeof(ep));
	for (i = 0; i < r->transcript.nlines && i < max_lines; i++) {
		const char *line = r->transcript.lines[i];

		finding_evidence_json(f, json_pack("{s:s, s:s, s:o}", "kind", "smtp",
		    "endpoint", ep, "text", json_stringn_nocheck(line, strlen(line))));
	}
	if (r->transcript.nlines > max_lines)
		finding_evidence_json(f, json_pack("{s:s, s:s, s:s}", "kind", "smtp",
		    "endpoint", ep, "text", "... (more lines in the other findings' evidence)"));
}

void
probe_evidence_list(struct finding *f, json_t *list)
{
	size_t i;
	json_t *ev;

	if (list == NULL)
		return;
	json_array_foreach(list, i, ev)
		finding_evidence_json(f, json_incref(ev));
}

static size_t
count_labels(const char *s)
{
	size_t n = 1;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s == '.')
			n++;
	return n;
}

/* The last n labels of s (a pointer into s), or NULL when s has fewer. */
static const char *
last_labels(const char *s, size_t n)
{
	size_t have = count_labels(s);
	const char *p = s;

	if (have < n)
		return NULL;
	while (have > n) {
		p = strchr(p, '.') + 1;
		have--;
	}
	return p;
}

/* A country-code second level such as co.jp, ne.jp, or.jp, co.uk: two labels are not
 * enough to name an operator there. */
static bool
is_cc_second_level(const char *two)
{
	const char *dot = strchr(two, '.');

	return dot != NULL && strlen(dot + 1) == 2 && (size_t)(dot - two) <= 3;
}

bool
probe_names_related(const char *a, const char *b)
{
	const char *sa, *sb;
	size_t n = 2;

	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return false;
	if (strcasecmp(a, b) == 0)
		return true;
	sa = last_labels(a, 2);
	if (sa != NULL && is_cc_second_level(sa))
		n = 3;
	sa = last_labels(a, n);
	sb = last_labels(b, n);
	return sa != NULL && sb != NULL && strcasecmp(sa, sb) == 0;
}

json_t *
probe_session_json(const struct smtp_result *r)
{
	const struct smtp_step *banner = smtp_result_step(r, SMTP_STEP_BANNER, 0, 0);
	json_t *o = json_object();
	char ep[64], bname[256];

	json_object_set_new(o, "endpoint", json_string(probe_endpoint(r->addr, r->port, ep,
	    sizeof(ep))));
	json_object_set_new(o, "address", json_string(r->addr));
	json_object_set_new(o, "port", json_integer(r->port));
	if (r->host != NULL)
		json_object_set_new(o, "host", json_string(r->host));
	json_object_set_new(o, "connect", json_string(smtp_conn_name(r->conn)));
	json_object_set_new(o, "connect_ms", json_integer(r->connect_ms));
	json_object_set_new(o, "result", json_string(smtp_fail_name(r->fail)));
	if (r->fail != SMTP_FAIL_NONE) {
		json_object_set_new(o, "failed_at", json_string(smtp_step_name(r->fail_step)));
		json_object_set_new(o, "detail", json_stringn_nocheck(r->fail_detail,
		    strlen(r->fail_detail)));
	}
	if (banner != NULL && banner->reply.code != 0) {
		json_object_set_new(o, "banner_code", json_integer(banner->reply.code));
		smtp_result_banner_name(r, bname, sizeof(bname));
		json_object_set_new(o, "banner_name", json_stringn_nocheck(bname, strlen(bname)));
		json_object_set_new(o, "banner_ms", json_integer(r->banner_ms));
	}
	if (r->has_caps) {
		json_object_set_new(o, "esmtp", json_boolean(r->caps.is_esmtp));
		json_object_set_new(o, "starttls", json_boolean(r->has_caps_clear ?
		    r->caps_clear.has_starttls : r->caps.has_starttls));
		if (r->caps.has_auth)
			json_object_set_new(o, "auth_mechanisms", json_stringn_nocheck(
			    r->caps.auth_text, strlen(r->caps.auth_text)));
	}
	json_object_set_new(o, "tls_mode", json_string(smtp_tls_mode_name(r->tls_mode)));
	if (r->tls_tried) {
		json_t *t = json_object();

		json_object_set_new(t, "handshake", json_boolean(r->tls.is_done));
		if (r->tls.is_done) {
			json_object_set_new(t, "protocol", json_string(r->tls.protocol));
			json_object_set_new(t, "cipher", json_string(r->tls.cipher));
			json_object_set_new(t, "chain_verified", json_boolean(r->tls.is_chain_ok));
			json_object_set_new(t, "verify_error", json_string(r->tls.verify_error));
			json_object_set_new(t, "name", json_string(r->tls.name));
			json_object_set_new(t, "name_matches", json_boolean(r->tls.is_name_ok));
			json_object_set_new(t, "subject", json_stringn_nocheck(r->tls.subject,
			    strlen(r->tls.subject)));
			json_object_set_new(t, "issuer", json_stringn_nocheck(r->tls.issuer,
			    strlen(r->tls.issuer)));
			json_object_set_new(t, "sans", json_stringn_nocheck(r->tls.sans,
			    strlen(r->tls.sans)));
			json_object_set_new(t, "not_after", json_string(r->tls.not_after));
			json_object_set_new(t, "days_left", json_integer(r->tls.days_left));
		} else {
			json_object_set_new(t, "error", json_stringn_nocheck(r->tls.error,
			    strlen(r->tls.error)));
		}
		json_object_set_new(o, "tls", t);
	}
	if (r->auth != SMTP_AUTH_NOT_TRIED) {
		json_object_set_new(o, "auth", json_string(smtp_auth_result_name(r->auth)));
		if (r->auth_mech != 0)
			json_object_set_new(o, "auth_mechanism",
			    json_string(smtp_auth_mech_name(r->auth_mech)));
		if (r->auth_code != 0)
			json_object_set_new(o, "auth_code", json_integer(r->auth_code));
	}
	json_object_set_new(o, "total_ms", json_integer(r->total_ms));
	return o;
}
