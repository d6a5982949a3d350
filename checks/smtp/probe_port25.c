/* Outbound port 25: open, or blocked by the ISP (OP25B) with a reset, a silent drop, ICMP,
 * or a transparent interceptor; and do 587/465 get out. Used by `mxdiag port25` and
 * preflight: starts on the loop, reports when its last probe is done. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "command.h"
#include "dns.h"
#include "err.h"
#include "facts.h"
#include "i18n.h"
#include "loop.h"
#include "probe.h"
#include "probe_port25.h"
#include "report.h"
#include "run.h"
#include "session.h"
#include "smtp.h"
#include "tls.h"
#include "validate.h"
#include "xmalloc.h"

/* Per target: the preferred MX host's first IPv4 and first IPv6 address. */
#define P25_MAX_PROBES (PORT25_MAX_TARGETS * 2 + PORT25_MAX_SUBMISSION * 2 * 2)
#define P25_TRANSCRIPT_LINES 12

/*
 * Independent operators, so that one host being down cannot pass for a block. Their MX
 * hosts answer port 25 from anywhere that is not blocked.
 */
static const char *const default_targets[] = { "gmail.com", "outlook.com", "yahoo.com" };
/* Public submission hosts listening on both 587 and 465. */
static const char *const default_submission[] = { "smtp.gmail.com", "smtp.mail.yahoo.com" };

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
};

struct p25_run {
	struct run_ctx *ctx;
	const char *group;	/* copied from the options (static or caller-owned for the run) */
	struct session sess;	/* lookups and sessions pending; finish, done */
	struct check_facts *facts;	/* borrowed, or NULL */
	char *targets[PORT25_MAX_TARGETS];	/* normalised, as given: the report's order */
	size_t ntargets;
	struct tls_client *tls;
	const char *helo;
	struct p25_probe probes[P25_MAX_PROBES];
	size_t nprobes;
	json_t *dns_evidence;	/* lookups that found no host, for the UNKNOWN finding */
	size_t unresolved;
	/* The ISP's own hosts, named by the user (--submission, the smarthosts): a block
	 * commonly exempts its servers. */
	const char *isp[PORT25_MAX_SUBMISSION + PORT25_MAX_ISP_HOSTS];
	size_t nisp;
};

static const char *
class_name(enum p25_class c)
{
	switch (c) {
	case P25_OPEN: return "open";
	case P25_REFUSED_BY_TARGET: return "refused-by-target";
	case P25_RESET: return "reset";
	case P25_DROP: return "drop";
	case P25_ICMP: return "icmp";
	case P25_NO_GREETING: return "no-greeting";
	case P25_ERROR: return "error";
	}
	return "error";
}

static enum p25_class
classify(const struct smtp_result *r)
{
	const struct smtp_step *b;

	switch (r->conn) {
	case SMTP_CONN_OK:
		break;
	case SMTP_CONN_REFUSED: return P25_RESET;
	case SMTP_CONN_TIMEOUT: return P25_DROP;
	case SMTP_CONN_UNREACH: return P25_ICMP;
	default: return P25_ERROR;
	}
	b = smtp_result_step(r, SMTP_STEP_BANNER, 0, 0);
	if (b == NULL || b->reply.code == 0)
		return P25_NO_GREETING;
	return b->reply.code / 100 == 2 ? P25_OPEN : P25_REFUSED_BY_TARGET;
}

static void
on_probe_done(struct smtp_result *res, void *arg)
{
	struct p25_probe *p = arg;

	p->res = res;
	p->cls = classify(res);
	smtp_result_banner_name(res, p->banner_name, sizeof(p->banner_name));
	session_end(&p->run->sess);
}

static void
on_ptr(const struct dns_answer *ans, void *arg)
{
	struct p25_probe *p = arg;
	const ldns_rr *rr[1];

	if (dns_answer_rrs(ans, LDNS_RR_TYPE_PTR, rr, 1) == 1)
		p->ptr = dns_rdf_name(ldns_rr_rdf(rr[0], 0));
	session_end(&p->run->sess);
}

/* The name a target's greeting is compared to: the host dialled, or its address's PTR. */
static const char *
probe_name(const struct p25_probe *p)
{
	return p->is_literal ? p->ptr : p->host;
}

static void
start_probe(struct p25_run *run, const char *target, const char *host, const char *addr,
    unsigned port, bool is_submission)
{
	struct p25_probe *p;
	struct smtp_plan plan = { 0 };

	if (run->nprobes == P25_MAX_PROBES)
		return;
	p = &run->probes[run->nprobes];
	memset(p, 0, sizeof(*p));
	p->run = run;
	p->target = xstrdup(target);
	p->host = xstrdup(host);
	p->is_submission = is_submission;
	p->is_v6 = strchr(addr, ':') != NULL;
	p->is_literal = validate_ip(host, NULL) == 0;
	p->port = port;
	plan.addr = addr;
	plan.port = (uint16_t)port;
	plan.host = validate_ip(host, NULL) == 0 ? NULL : host;
	plan.ehlo_name = run->helo;
	/* Port 25: the greeting and the EHLO list (does STARTTLS survive the path?).
	 * Submission: reaching the greeting is all this command asks. */
	plan.stop = is_submission ? SMTP_STOP_BANNER : SMTP_STOP_EHLO;
	plan.tls = port == 465 ? SMTP_TLS_IMPLICIT : SMTP_TLS_NONE;
	plan.tls_client = run->tls;
	plan.connect_timeout_ms = run->ctx->g->timeout_ms;
	plan.reply_timeout_ms = run->ctx->g->timeout_ms;
	if (plan.tls != SMTP_TLS_NONE && run->tls == NULL)
		plan.tls = SMTP_TLS_NONE;	/* no TLS context: TCP and silence still tell */
	if (smtp_probe_start(run->ctx->loop, &plan, on_probe_done, p) != 0) {
		free(p->target);
		free(p->host);
		return;
	}
	report_stats(run->ctx->rep)->smtp_sessions++;
	run->nprobes++;
	session_begin(&run->sess);
	if (p->is_literal && !is_submission) {
		char *rev = dns_reverse_name(addr);

		if (rev != NULL && dns_query(run->ctx->dns, rev, LDNS_RR_TYPE_PTR, 1, on_ptr,
		    p) == 0)
			session_begin(&run->sess);
		free(rev);
	}
}

/* First address of each family: the two families can be blocked differently. */
static void
start_host_probes(struct p25_run *run, const char *target, const struct probe_host *h,
    const unsigned *ports, size_t nports, bool is_submission)
{
	bool has_v4 = false, has_v6 = false;
	size_t i, k;

	for (i = 0; i < h->naddrs; i++) {
		bool is_v6 = strchr(h->addrs[i], ':') != NULL;

		if ((is_v6 && has_v6) || (!is_v6 && has_v4))
			continue;
		for (k = 0; k < nports; k++)
			start_probe(run, target, h->name, h->addrs[i], ports[k], is_submission);
		if (is_v6)
			has_v6 = true;
		else
			has_v4 = true;
	}
}

static void
note_unresolved(struct p25_run *run, json_t *evidence)
{
	size_t i;
	json_t *ev;

	run->unresolved++;
	json_array_foreach(evidence, i, ev)
		json_array_append(run->dns_evidence, ev);
}

static void
on_target_mx(struct probe_mx *mx, void *arg)
{
	struct p25_run *run = arg;
	static const unsigned port25[] = { 25 };
	size_t i;

	/* RFC 5321 5.1: the most preferred host that has an address. */
	for (i = 0; i < mx->nhosts; i++) {
		if (mx->hosts[i].naddrs > 0) {
			start_host_probes(run, mx->domain, &mx->hosts[i], port25, 1, false);
			probe_mx_free(mx);
			session_end(&run->sess);
			return;
		}
	}
	note_unresolved(run, mx->evidence);
	for (i = 0; i < mx->nhosts; i++)
		note_unresolved(run, mx->hosts[i].evidence);
	probe_mx_free(mx);
	session_end(&run->sess);
}

static void
on_submission_host(struct probe_host *h, void *arg)
{
	struct p25_run *run = arg;
	static const unsigned ports[] = { 587, 465 };

	if (h->naddrs == 0)
		note_unresolved(run, h->evidence);
	else
		start_host_probes(run, h->name, h, ports, 2, true);
	probe_host_free(h);
	session_end(&run->sess);
}

/* What the kernel's errno says about the ICMP message that caused it. */
static const char *
unreach_text(int err)
{
	switch (err) {
	case ENETUNREACH:
		return _("network unreachable");
	case EACCES:
	case EPERM:
		/* ICMPv6 type 1 code 1 and local firewall rejects arrive as EACCES/EPERM. */
		return _("administratively prohibited");
	default:
		return _("host unreachable or administratively prohibited");
	}
}

static void
summary_line(const struct p25_probe *p, char *buf, size_t len)
{
	char ep[64];
	const struct smtp_result *r = p->res;

	probe_endpoint(r->addr, r->port, ep, sizeof(ep));
	switch (p->cls) {
	case P25_OPEN:
	case P25_REFUSED_BY_TARGET:
		snprintf(buf, len, _("%s (%s) %s: greeting \"%s\" after %lld ms"), p->host,
		    p->target, ep, p->banner_name, (long long)(r->connect_ms + r->banner_ms));
		break;
	case P25_RESET:
		snprintf(buf, len, _("%s (%s) %s: connection refused (TCP reset) after %lld ms"),
		    p->host, p->target, ep, (long long)r->connect_ms);
		break;
	case P25_DROP:
		snprintf(buf, len, _("%s (%s) %s: no answer to the connection attempt within "
		    "%lld ms"), p->host, p->target, ep, (long long)r->connect_ms);
		break;
	case P25_ICMP:
		snprintf(buf, len, _("%s (%s) %s: ICMP unreachable (%s) after %lld ms"), p->host,
		    p->target, ep, unreach_text(r->conn_errno), (long long)r->connect_ms);
		break;
	default:
		snprintf(buf, len, "%s (%s) %s: %s", p->host, p->target, ep, r->fail_detail);
		break;
	}
}

static void
add_probe_evidence(struct finding *f, const struct p25_probe *p, bool with_transcript)
{
	char line[512];
	json_t *o;

	summary_line(p, line, sizeof(line));
	o = probe_session_json(p->res);
	json_object_set_new(o, "kind", json_string("smtp"));
	json_object_set_new(o, "text", json_stringn_nocheck(line, strlen(line)));
	json_object_set_new(o, "target", json_string(p->target));
	json_object_set_new(o, "class", json_string(class_name(p->cls)));
	finding_evidence_json(f, o);
	if (with_transcript)
		probe_evidence_smtp(f, p->res, P25_TRANSCRIPT_LINES);
}

static bool
is_blocked(enum p25_class c)
{
	return c == P25_RESET || c == P25_DROP || c == P25_ICMP;
}

static size_t
target_order(const struct p25_run *run, const char *target)
{
	size_t i;

	for (i = 0; i < run->ntargets; i++)
		if (strcmp(run->targets[i], target) == 0)
			return i;
	return run->ntargets;
}

/* Report in the order the user gave, whatever order DNS answered in. */
static void
sort_probes(const struct p25_run *run, const struct p25_probe **ps, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		const struct p25_probe *p = ps[i];
		size_t k = target_order(run, p->target);

		for (j = i; j > 0 && target_order(run, ps[j - 1]->target) > k; j--)
			ps[j] = ps[j - 1];
		ps[j] = p;
	}
}

/* Tell the run's later diagnoses what port 25 does from here (facts.h). */
static void
publish(struct p25_run *run, bool is_v6, enum port25_state state, bool is_proven,
    const char *how, const char *banner)
{
	if (run->facts != NULL)
		check_fact_port25(run->facts, is_v6, state, is_proven, how, banner);
}

/* Whether a target belongs to the ISP the user named (a submission host, a smarthost). */
static bool
is_isp(const struct p25_run *run, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < run->nisp; i++)
		if (probe_names_related(run->isp[i], name))
			return true;
	return false;
}

/* One address family's port-25 probes: is the path open, blocked, or intercepted? */
static void
judge_family(struct p25_run *run, bool is_v6)
{
	struct report *rep = run->ctx->rep;
	const struct p25_probe *ps[P25_MAX_PROBES];
	const char *subject = is_v6 ? _("port 25 (IPv6)") : _("port 25 (IPv4)");
	size_t n = 0, i, j, ngreet = 0, nopen = 0, nblocked = 0, counts[P25_ERROR + 1] = { 0 };
	bool same_banner = true, unrelated_targets = false, all_mismatch = true, any_tls = false;
	size_t nnamed = 0, nmismatch = 0, nisp;
	enum p25_class worst = P25_RESET;
	const struct p25_probe *first = NULL;
	struct finding *f;
	const char *id;
	enum status st;

	for (i = 0; i < run->nprobes; i++)
		if (!run->probes[i].is_submission && run->probes[i].is_v6 == is_v6 &&
		    run->probes[i].res != NULL)
			ps[n++] = &run->probes[i];
	if (n == 0)
		return;
	sort_probes(run, ps, n);
	for (i = 0; i < n; i++) {
		counts[ps[i]->cls]++;
		if (is_blocked(ps[i]->cls))
			nblocked++;
		if (ps[i]->cls != P25_OPEN && ps[i]->cls != P25_REFUSED_BY_TARGET)
			continue;
		if (first == NULL)
			first = ps[i];
		ngreet++;
		if (strcasecmp(ps[i]->banner_name, first->banner_name) != 0)
			same_banner = false;
		/* Names are only compared where there are names: an address without a PTR
		 * name proves nothing either way. */
		if (probe_name(ps[i]) != NULL) {
			nnamed++;
			if (probe_names_related(probe_name(ps[i]), ps[i]->banner_name))
				all_mismatch = false;
			else
				nmismatch++;
		}
		if (ps[i]->res->has_caps && ps[i]->res->caps.has_starttls)
			any_tls = true;
		for (j = 0; j < i; j++)
			if ((ps[j]->cls == P25_OPEN || ps[j]->cls == P25_REFUSED_BY_TARGET) &&
			    probe_name(ps[i]) != NULL && probe_name(ps[j]) != NULL &&
			    !probe_names_related(probe_name(ps[i]), probe_name(ps[j])))
				unrelated_targets = true;
	}
	nopen = ngreet;

	/* Proof: another operator's server greeting with a name of the ISP's own. */
	for (i = 0; i < n; i++) {
		const struct p25_probe *p = ps[i];

		if ((p->cls == P25_OPEN || p->cls == P25_REFUSED_BY_TARGET) &&
		    probe_name(p) != NULL && !is_isp(run, probe_name(p)) &&
		    is_isp(run, p->banner_name) &&
		    !probe_names_related(probe_name(p), p->banner_name)) {
			first = p;
			f = probe_add(rep, run->group, "port25.intercepted", ST_FAIL, subject);
			finding_msg(f, _("Outbound port 25 is intercepted by your ISP: %s (%s) "
			    "answered with the greeting name \"%s\", a name of the ISP's, not "
			    "its own%s. Mail sent directly to MX hosts goes to the ISP's "
			    "server, not to the recipients' servers."), p->host, p->target,
			    p->banner_name, p->res->has_caps && p->res->caps.has_starttls ? "" :
			    _(", and offered no STARTTLS"));
			goto blocked_fix;
		}
	}
	/* Proof: one server answered for operators that have nothing to do with each other. */
	if (ngreet >= 2 && same_banner && (unrelated_targets || nmismatch > 0)) {
		f = probe_add(rep, run->group, "port25.intercepted", ST_FAIL, subject);
		finding_msg(f, _("Outbound port 25 is intercepted: %zu unrelated mail servers all "
		    "answered with the same greeting name \"%s\"%s. A device of your ISP (or your "
		    "own firewall) answers in their place, so mail sent directly to MX hosts "
		    "goes to it, not to the recipients' servers."), ngreet, first->banner_name,
		    any_tls ? "" : _(", and none offered STARTTLS"));
		goto blocked_fix;
	}
	/* Suspicion: every greeting names a stranger and encryption is gone. */
	if (nnamed >= 1 && all_mismatch && !any_tls) {
		f = probe_add(rep, run->group, "port25.intercepted", ST_WARN, subject);
		finding_msg(f, _("Outbound port 25 looks intercepted: the greeting names a host "
		    "unrelated to the server dialled, and STARTTLS is not offered, as with a "
		    "transparent SMTP proxy. Probe more targets to be sure."));
		goto blocked_fix;
	}
	/* OP25B that spares the ISP's own servers: they answer, other operators' do not. */
	for (i = 0, nisp = 0; i < n; i++)
		if ((ps[i]->cls == P25_OPEN || ps[i]->cls == P25_REFUSED_BY_TARGET) &&
		    is_isp(run, probe_name(ps[i])))
			nisp++;
	if (nopen > 0 && nisp == nopen && nblocked > 0) {
		char names[300] = "";
		size_t used = 0;

		for (i = 0; i < n; i++) {
			int k;

			if (ps[i]->cls != P25_OPEN && ps[i]->cls != P25_REFUSED_BY_TARGET)
				continue;
			k = snprintf(names + used, sizeof(names) - used, "%s%s", used > 0 ? ", " :
			    "", ps[i]->target);
			if (k < 0 || (size_t)k >= sizeof(names) - used)
				break;
			used += (size_t)k;
		}
		f = probe_add(rep, run->group, "port25.blocked-except-isp",
		    nblocked >= 2 ? ST_FAIL : ST_WARN, subject);
		finding_msg(f, _("Outbound port 25 is blocked, except to your ISP's own servers: "
		    "%s answered, while %zu of %zu other operators' servers could not be reached. "
		    "This is the usual form of Outbound Port 25 Blocking (OP25B): mail can only "
		    "leave through the ISP."), names, nblocked, n - nopen);
		for (i = 0; i < n; i++)
			add_probe_evidence(f, ps[i], false);
		finding_data(f, "blocked", json_integer((json_int_t)nblocked));
		finding_data(f, "probed", json_integer((json_int_t)n));
		finding_data(f, "exempt", json_stringn_nocheck(names, strlen(names)));
		goto blocked_fix;
	}
	if (nopen > 0) {
		publish(run, is_v6, PORT25_OPEN, true, "port25.open", NULL);
		f = probe_add(rep, run->group, "port25.open", ST_OK, subject);
		finding_msg(f, _("Outbound port 25 is open: %zu of %zu mail servers answered "
		    "with their own greeting."), nopen, n);
		finding_ref(f, "RFC 5321 section 3.1");
		for (i = 0; i < n; i++)
			add_probe_evidence(f, ps[i], false);
		finding_data(f, "open", json_integer((json_int_t)nopen));
		finding_data(f, "probed", json_integer((json_int_t)n));
		for (i = 0; i < n; i++) {
			const struct p25_probe *p = ps[i];

			if (p->cls == P25_REFUSED_BY_TARGET) {
				const struct smtp_step *b = smtp_result_step(p->res,
				    SMTP_STEP_BANNER, 0, 0);
				char text[512];

				f = probe_add(rep, run->group, "port25.target-refuses",
				    ST_WARN, p->host);
				finding_msg(f, _("%s answers port 25 but refuses this connection: "
				    "\"%s\". Receivers often refuse addresses listed as dynamic or "
				    "consumer ranges (for example Spamhaus PBL)."), p->host,
				    smtp_reply_format(&b->reply, text, sizeof(text)));
				finding_fix(f, _("Send through your ISP's smarthost (mxdiag "
				    "smarthost), or get a fixed address with a reverse DNS name "
				    "of your own and ask for its removal from the list named in "
				    "the reply."));
				finding_ref(f, "RFC 5321 section 3.1");
				add_probe_evidence(f, p, true);
			} else if (p->cls == P25_OPEN && probe_name(p) != NULL &&
			    !probe_names_related(probe_name(p), p->banner_name)) {
				f = probe_add(rep, run->group, "port25.banner-mismatch",
				    ST_INFO, p->host);
				finding_msg(f, _("%s greets as \"%s\", a name unrelated to the one "
				    "dialled. Common behind load balancers; an interceptor also "
				    "looks like this."), p->host, p->banner_name);
				finding_ref(f, "RFC 5321 section 4.3.1");
				add_probe_evidence(f, p, true);
			} else if (p->cls != P25_OPEN) {
				char line[512];

				summary_line(p, line, sizeof(line));
				f = probe_add(rep, run->group, "port25.target-unreachable",
				    ST_INFO, p->host);
				finding_msg(f, _("%s could not be reached while others could: %s. "
				    "One host down says nothing about your line."), p->host, line);
				add_probe_evidence(f, p, false);
			}
		}
		return;
	}
	if (nblocked == 0) {
		publish(run, is_v6, PORT25_UNDECIDED, false, "port25.unknown", NULL);
		f = probe_add(rep, run->group, "port25.unknown", ST_UNKNOWN, subject);
		finding_msg(f, _("Could not tell whether outbound port 25 is open: no server "
		    "completed a greeting, yet no connection was refused or dropped either."));
		finding_fix(f, _("Run again with more targets or a longer --timeout; check for "
		    "a local firewall or antivirus that scans SMTP."));
		for (i = 0; i < n; i++)
			add_probe_evidence(f, ps[i], true);
		return;
	}
	/* Blocked: name it after the commonest kind of failure. */
	for (i = P25_RESET; i <= P25_ICMP; i++)
		if (counts[i] > counts[worst])
			worst = (enum p25_class)i;
	/* A block is proven by several independent servers failing alike; one server failing
	 * may just be down. */
	st = nblocked == n && n >= 2 ? ST_FAIL : ST_WARN;
	switch (worst) {
	case P25_DROP:
		id = "port25.blocked-drop";
		f = probe_add(rep, run->group, id, st, subject);
		finding_msg(f, _("Outbound port 25 is blocked by silently dropping connections: "
		    "%zu of %zu mail servers never answered (waited %d ms each). This is how "
		    "most ISPs implement Outbound Port 25 Blocking (OP25B)."), counts[P25_DROP], n,
		    run->ctx->g->timeout_ms);
		break;
	case P25_ICMP:
		id = "port25.blocked-icmp";
		f = probe_add(rep, run->group, id, st, subject);
		finding_msg(f, _("Outbound port 25 is blocked with ICMP \"unreachable\" "
		    "(administratively prohibited): %zu of %zu mail servers. A router or "
		    "firewall on the path rejects SMTP (Outbound Port 25 Blocking)."),
		    counts[P25_ICMP], n);
		finding_ref(f, "RFC 1812 section 5.2.7.1");
		break;
	default:
		id = "port25.blocked-reset";
		f = probe_add(rep, run->group, id, st, subject);
		finding_msg(f, _("Outbound port 25 is blocked by resetting connections: %zu of %zu "
		    "mail servers refused at once (TCP reset). Working mail servers do not do "
		    "that: Outbound Port 25 Blocking (OP25B) by the ISP, or a local firewall."),
		    counts[P25_RESET], n);
		finding_ref(f, "RFC 793 section 3.4");
		break;
	}
	if (n < 2)
		finding_evidence(f, _("Only one server was probed on this address family: give "
		    "more targets to tell a block from one host being down."));
	for (i = 0; i < n; i++)
		add_probe_evidence(f, ps[i], false);
	finding_data(f, "blocked", json_integer((json_int_t)nblocked));
	finding_data(f, "probed", json_integer((json_int_t)n));
blocked_fix:
	if (strcmp(finding_id(f), "port25.intercepted") == 0)
		publish(run, is_v6, PORT25_INTERCEPTED, finding_status(f) == ST_FAIL,
		    finding_id(f), first->banner_name);
	else
		publish(run, is_v6, PORT25_BLOCKED, finding_status(f) == ST_FAIL, finding_id(f),
		    NULL);
	finding_fix(f, _("Do not send directly to MX hosts from this line: relay outgoing mail "
	    "through your ISP's submission server (port 587 with STARTTLS and SMTP AUTH; test "
	    "candidates with `mxdiag smarthost`). Or ask the ISP to lift the block for a fixed "
	    "IP address (business lines usually can), with a reverse DNS name of your own."));
	finding_ref(f, "RFC 6409 section 3");
	finding_ref(f, "RFC 8314 section 3");
	finding_ref(f, "M3AAWG Managing Port 25 for Residential or Dynamic IP Space");
	if (strcmp(finding_id(f), "port25.intercepted") == 0) {
		for (i = 0; i < n; i++)
			add_probe_evidence(f, ps[i], true);
		finding_data(f, "banner_name", json_stringn_nocheck(first->banner_name,
		    strlen(first->banner_name)));
	}
}

/* 587 and 465: can the line reach a submission server at all? */
static void
judge_submission(struct p25_run *run)
{
	static const unsigned ports[] = { 587, 465 };
	struct report *rep = run->ctx->rep;
	bool reach[2] = { false, false }, tried[2] = { false, false };
	struct finding *f;
	size_t i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < run->nprobes; i++) {
			const struct p25_probe *p = &run->probes[i];

			if (!p->is_submission || p->port != ports[k] || p->res == NULL)
				continue;
			tried[k] = true;
			/* A completed TCP handshake is the question; TLS is smarthost's. */
			if (p->res->conn == SMTP_CONN_OK)
				reach[k] = true;
		}
	for (k = 0; k < 2; k++) {
		char subject[32];

		if (!tried[k])
			continue;
		snprintf(subject, sizeof(subject), _("port %u"), ports[k]);
		if (reach[k]) {
			f = probe_add(rep, run->group, "port25.submission-open", ST_OK, subject);
			finding_msg(f, _("Outbound port %u is open: a submission server answered."),
			    ports[k]);
		} else {
			f = probe_add(rep, run->group, "port25.submission-blocked",
			    reach[1 - k] || !tried[1 - k] ? ST_WARN : ST_FAIL, subject);
			finding_msg(f, _("Outbound port %u is blocked or filtered: no submission "
			    "server could be reached on it."), ports[k]);
			finding_fix(f, _("Use the other submission port if it is open; otherwise "
			    "ask the ISP or check the local firewall: without 587 or 465 this line "
			    "cannot send mail through any smarthost."));
		}
		finding_ref(f, ports[k] == 587 ? "RFC 6409 section 3.1" : "RFC 8314 section 3.3");
		for (i = 0; i < run->nprobes; i++)
			if (run->probes[i].is_submission && run->probes[i].port == ports[k] &&
			    run->probes[i].res != NULL)
				add_probe_evidence(f, &run->probes[i], false);
	}
}

static void
judge(struct p25_run *run)
{
	struct report *rep = run->ctx->rep;
	size_t i, n25 = 0;

	for (i = 0; i < run->nprobes; i++)
		if (!run->probes[i].is_submission && run->probes[i].res != NULL)
			n25++;
	if (n25 == 0) {
		struct finding *f = probe_add(rep, run->group, "port25.no-targets", ST_UNKNOWN,
		    _("port 25"));

		finding_msg(f, ngettext("No port 25 target could be resolved to an address, so "
		    "nothing was probed (%zu lookup found nothing).", "No port 25 target could be "
		    "resolved to an address, so nothing was probed (%zu lookups found nothing).",
		    run->unresolved), run->unresolved);
		finding_fix(f, _("Check DNS resolution (mxdiag check DOMAIN) or give targets as "
		    "IP addresses."));
		probe_evidence_list(f, run->dns_evidence);
	} else {
		judge_family(run, false);
		judge_family(run, true);
	}
	judge_submission(run);
}

static void
run_free(struct p25_run *run)
{
	size_t i;

	for (i = 0; i < run->nprobes; i++) {
		smtp_result_free(run->probes[i].res);
		free(run->probes[i].target);
		free(run->probes[i].host);
		free(run->probes[i].ptr);
	}
	for (i = 0; i < run->ntargets; i++)
		free(run->targets[i]);
	json_decref(run->dns_evidence);
	tls_client_free(run->tls);
	free(run);
}

static bool
finish(void *arg)
{
	struct p25_run *run = arg;

	judge(run);
	run_free(run);
	return true;
}

int
port25_start(struct run_ctx *ctx, const struct port25_opts *o, probe_done_fn *done, void *arg)
{
	static const unsigned port25[] = { 25 };
	const char *const *targets = o->targets;
	const char *const *subs = o->submission;
	size_t ntargets = o->ntargets, nsubs = o->nsubmission, i;
	struct p25_run *run;
	char why[256];

	if (ntargets > PORT25_MAX_TARGETS || nsubs > PORT25_MAX_SUBMISSION)
		return MXD_EINVAL;
	if (ntargets == 0) {
		targets = default_targets;
		ntargets = sizeof(default_targets) / sizeof(default_targets[0]);
	}
	if (nsubs == 0 && !o->no_submission) {
		subs = default_submission;
		nsubs = sizeof(default_submission) / sizeof(default_submission[0]);
	}
	if (o->no_submission)
		nsubs = 0;
	run = xcalloc(1, sizeof(*run));
	run->ctx = ctx;
	run->helo = o->helo;
	run->group = o->group;
	session_init(&run->sess, ctx->loop, finish, run, done, arg);
	run->facts = o->facts;
	run->dns_evidence = json_array();
	/* Hosts the user named are the ISP's; the default submission hosts are not. */
	for (i = 0; i < o->nsubmission && run->nisp < PORT25_MAX_SUBMISSION; i++)
		run->isp[run->nisp++] = o->submission[i];
	for (i = 0; i < o->nisp_hosts && i < PORT25_MAX_ISP_HOSTS; i++)
		run->isp[run->nisp++] = o->isp_hosts[i];
	/* Only for 465's implicit TLS greeting; without it 465 is judged on TCP alone. */
	run->tls = tls_client_new(ctx->g->ca_file, why, sizeof(why));
	for (i = 0; i < ntargets; i++) {
		char *t = run_normalise_domain(targets[i]);

		run->targets[run->ntargets++] = xstrdup(t);
		if (validate_ip(t, NULL) == 0) {
			struct probe_host h = { .name = t, .is_literal = true, .naddrs = 1 };

			h.addrs[0] = t;
			start_host_probes(run, t, &h, port25, 1, false);
		} else if (probe_resolve_mx(ctx->dns, t, on_target_mx, run) == 0) {
			session_begin(&run->sess);
		} else {
			run->unresolved++;
		}
		free(t);
	}
	for (i = 0; i < nsubs; i++) {
		char *sub = run_normalise_domain(subs[i]);

		if (probe_resolve_host(ctx->loop, ctx->dns, sub, 0, on_submission_host, run) == 0)
			session_begin(&run->sess);
		else
			run->unresolved++;
		free(sub);
	}
	session_end(&run->sess);
	return 0;
}

static void
port25_diag_start(struct check_ctx *cc)
{
	struct port25_opts o = *cc->in->port25;

	o.group = cc->group;
	o.facts = cc->facts;
	if (port25_start(cc->run, &o, check_done, cc) != 0)
		check_done(cc);
}

const struct check check_port25 = {
	.name = "port25",
	.section = "outbound",
	.needs = CHECK_IN_PORT25,
	.publishes = CHECK_FACT_PORT25,
	.start = port25_diag_start,
	.is_async = true,
};
