/* The SMTP probes' targets (resolved by dns_target, answers kept as evidence) and session
 * evidence; shared by the SMTP commands. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns_target.h"
#include "err.h"
#include "i18n.h"
#include "loop.h"
#include "probe.h"
#include "report.h"
#include "smtp.h"
#include "validate.h"
#include "xmalloc.h"

/* ---- targets: dns_target's hosts, with their answers as evidence ---- */

bool
probe_dns_failed(enum dns_status st)
{
	return dns_status_is_failure(st);
}

static void
host_fini(struct probe_host *h)
{
	size_t i;

	free(h->name);
	for (i = 0; i < h->naddrs; i++)
		free(h->addrs[i]);
	json_decref(h->evidence);
}

void
probe_host_free(struct probe_host *h)
{
	if (h == NULL)
		return;
	host_fini(h);
	free(h);
}

/* The probes' view of a resolved host: its first PROBE_MAX_ADDRS addresses (IPv4 first),
 * its answers turned into evidence. */
static void
host_from_target(struct probe_host *h, const struct dns_target_host *t, bool has_evidence)
{
	size_t i;

	h->name = xstrdup(t->name);
	h->pref = t->pref;
	h->a_status = t->a_status;
	h->aaaa_status = t->aaaa_status;
	h->status = t->status;
	h->depth = t->depth;
	for (i = 0; i < t->naddrs && h->naddrs < PROBE_MAX_ADDRS; i++)
		h->addrs[h->naddrs++] = xstrdup(t->addrs[i]);
	if (!has_evidence)
		return;
	h->evidence = json_array();
	for (i = 0; i < t->nanswers; i++)
		json_array_append_new(h->evidence, dns_answer_evidence(&t->answers[i]));
}

struct host_job {
	struct probe_host *h;
	probe_host_cb *cb;
	void *arg;
};

static void
on_target_host(struct dns_target_host *t, void *arg)
{
	struct host_job *job = arg;
	struct probe_host *h = xcalloc(1, sizeof(*h));

	host_from_target(h, t, true);
	dns_target_host_free(t);
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

int
probe_resolve_host(struct loop *loop, struct dns *dns, const char *name, unsigned depth,
    probe_host_cb *cb, void *arg)
{
	struct host_job *job = xcalloc(1, sizeof(*job));
	int family;

	job->cb = cb;
	job->arg = arg;
	/* A relay or smarthost given as an address is taken as is: nothing to look up. */
	if (validate_ip(name, &family) == 0) {
		struct probe_host *h = xcalloc(1, sizeof(*h));

		h->name = xstrdup(name);
		h->evidence = json_array();
		h->is_literal = true;
		h->a_status = h->aaaa_status = h->status = DNS_OK;
		h->depth = depth;
		h->addrs[h->naddrs++] = xstrdup(name);
		job->h = h;
		loop_timer_add(loop, 0, deliver_literal, job);
		return 0;
	}
	if (dns_target_host(dns, name, depth, on_target_host, job) < 0) {
		free(job);
		return MXD_EINVAL;
	}
	return 0;
}

struct mx_job {
	probe_mx_cb *cb;
	void *arg;
	bool has_evidence;
};

void
probe_mx_free(struct probe_mx *mx)
{
	size_t i;

	if (mx == NULL)
		return;
	for (i = 0; i < mx->nhosts; i++)
		host_fini(&mx->hosts[i]);
	json_decref(mx->evidence);
	free(mx->domain);
	free(mx);
}

static void
on_target_mx(struct dns_target_mx *t, void *arg)
{
	struct mx_job *job = arg;
	struct probe_mx *mx = xcalloc(1, sizeof(*mx));
	size_t i;

	mx->domain = xstrdup(t->domain);
	mx->mx_status = t->mx_status;
	mx->is_null_mx = t->is_null_mx;
	mx->is_implicit = t->is_implicit;
	if (job->has_evidence) {
		mx->evidence = json_array();
		if (t->has_mx_answer)
			json_array_append_new(mx->evidence, dns_answer_evidence(&t->mx_answer));
	}
	/* The resolver keeps more hosts than a probe tries: the first by preference. */
	for (i = 0; i < t->nhosts && i < PROBE_MAX_MX; i++)
		host_from_target(&mx->hosts[mx->nhosts++], &t->hosts[i], job->has_evidence);
	dns_target_mx_free(t);
	job->cb(mx, job->arg);
	free(job);
}

static int
resolve_mx(struct dns *dns, const char *domain, bool has_evidence, probe_mx_cb *cb, void *arg)
{
	struct mx_job *job = xcalloc(1, sizeof(*job));

	job->cb = cb;
	job->arg = arg;
	job->has_evidence = has_evidence;
	if (dns_target_mx(dns, domain, PROBE_MAX_MX, on_target_mx, job) < 0) {
		free(job);
		return MXD_EINVAL;
	}
	return 0;
}

int
probe_resolve_mx(struct dns *dns, const char *domain, probe_mx_cb *cb, void *arg)
{
	return resolve_mx(dns, domain, true, cb, arg);
}

int
probe_resolve_mx_hosts(struct dns *dns, const char *domain, probe_mx_cb *cb, void *arg)
{
	return resolve_mx(dns, domain, false, cb, arg);
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

const char *
probe_operator_domain(const char *name)
{
	const char *two;

	if (name == NULL)
		return NULL;
	two = last_labels(name, 2);
	if (two != NULL && is_cc_second_level(two))
		return last_labels(name, 3);
	return two;
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
			json_object_set_new(t, "verify_openssl",
			    json_string(r->tls.verify_openssl));
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

void
probe_reply_text(const struct smtp_step *s, char *buf, size_t len)
{
	if (s == NULL || s->reply.code == 0)
		snprintf(buf, len, "%s", _("(no reply)"));
	else
		smtp_reply_format(&s->reply, buf, len);
}
