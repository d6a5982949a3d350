/* The port-25 probe's judgement: per address family, open, blocked (and how, and whether
 * the ISP's own servers are spared), or intercepted; and whether 587/465 get out. The
 * findings, and the port25 fact the run's later judgements read (facts.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "facts.h"
#include "i18n.h"
#include "port25_run.h"
#include "probe.h"
#include "report.h"
#include "run.h"
#include "smtp.h"
#include "text.h"

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

/* The name a target's greeting is compared to: the host dialled, or its address's PTR. */
static const char *
probe_name(const struct p25_probe *p)
{
	return p->is_literal ? p->ptr : p->host;
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

		for (i = 0; i < n; i++)
			if ((ps[i]->cls == P25_OPEN || ps[i]->cls == P25_REFUSED_BY_TARGET) &&
			    !text_list_add(names, sizeof(names), &used, ps[i]->target))
				break;
		f = probe_add(rep, run->group, "port25.blocked-except-isp",
		    nblocked >= 2 ? ST_FAIL : ST_WARN, subject);
		finding_msg(f, ngettext("Outbound port 25 is blocked, except to your ISP's own "
		    "servers: %s answered, while %zu of %zu other operator's server could not be "
		    "reached. This is the usual form of Outbound Port 25 Blocking (OP25B): mail "
		    "can only leave through the ISP.", "Outbound port 25 is blocked, except to "
		    "your ISP's own servers: %s answered, while %zu of %zu other operators' "
		    "servers could not be reached. This is the usual form of Outbound Port 25 "
		    "Blocking (OP25B): mail can only leave through the ISP.", n - nopen), names,
		    nblocked, n - nopen);
		for (i = 0; i < n; i++)
			add_probe_evidence(f, ps[i], false);
		finding_data(f, "blocked", json_integer((json_int_t)nblocked));
		finding_data(f, "probed", json_integer((json_int_t)n));
		finding_data(f, "exempt", json_stringn_nocheck(names, strlen(names)));
		goto blocked_fix;
	}
	/* Only the ISP's own servers answered, and no other operator's was reached: OP25B
	 * spares exactly those, so port 25 is not shown open (give another operator's). */
	if (nopen > 0 && nisp == nopen && nblocked == 0) {
		char names[300] = "";
		size_t used = 0;

		for (i = 0; i < n; i++)
			if (!text_list_add(names, sizeof(names), &used, ps[i]->target))
				break;
		publish(run, is_v6, PORT25_UNDECIDED, false, "port25.isp-only", NULL);
		f = probe_add(rep, run->group, "port25.isp-only", ST_UNKNOWN, subject);
		finding_msg(f, _("Only your ISP's own servers were probed on port 25 (%s), and "
		    "they answered. Outbound Port 25 Blocking (OP25B) spares exactly those, so "
		    "this does not show port 25 open to other operators' servers."), names);
		finding_fix(f, _("Probe a server of another operator as well (--port25-target "
		    "HOST, or `mxdiag port25` with its defaults)."));
		finding_ref(f, "M3AAWG Managing Port 25 for Residential or Dynamic IP Space");
		for (i = 0; i < n; i++)
			add_probe_evidence(f, ps[i], false);
		finding_data(f, "probed", json_integer((json_int_t)n));
		return;
	}
	if (nopen > 0) {
		publish(run, is_v6, PORT25_OPEN, true, "port25.open", NULL);
		f = probe_add(rep, run->group, "port25.open", ST_OK, subject);
		finding_msg(f, ngettext("Outbound port 25 is open: %zu of %zu mail server "
		    "answered with its own greeting.", "Outbound port 25 is open: %zu of %zu mail "
		    "servers answered with their own greeting.", n), nopen, n);
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
				/* which target it served: explain tells the recipient's
				 * MX being down from a block */
				finding_data(f, "target", json_string(p->target));
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
		finding_msg(f, ngettext("Outbound port 25 is blocked by silently dropping "
		    "connections: %zu of %zu mail server never answered (waited %d ms). This is "
		    "how most ISPs implement Outbound Port 25 Blocking (OP25B).", "Outbound port "
		    "25 is blocked by silently dropping connections: %zu of %zu mail servers never "
		    "answered (waited %d ms each). This is how most ISPs implement Outbound Port "
		    "25 Blocking (OP25B).", n), counts[P25_DROP], n, run->ctx->g->timeout_ms);
		break;
	case P25_ICMP:
		id = "port25.blocked-icmp";
		f = probe_add(rep, run->group, id, st, subject);
		finding_msg(f, ngettext("Outbound port 25 is blocked with ICMP \"unreachable\" "
		    "(administratively prohibited): %zu of %zu mail server. A router or firewall "
		    "on the path rejects SMTP (Outbound Port 25 Blocking).", "Outbound port 25 is "
		    "blocked with ICMP \"unreachable\" (administratively prohibited): %zu of %zu "
		    "mail servers. A router or firewall on the path rejects SMTP (Outbound Port 25 "
		    "Blocking).", n), counts[P25_ICMP], n);
		finding_ref(f, "RFC 1812 section 5.2.7.1");
		break;
	default:
		id = "port25.blocked-reset";
		f = probe_add(rep, run->group, id, st, subject);
		finding_msg(f, ngettext("Outbound port 25 is blocked by resetting connections: "
		    "%zu of %zu mail server refused at once (TCP reset). Working mail servers do "
		    "not do that: Outbound Port 25 Blocking (OP25B) by the ISP, or a local "
		    "firewall.", "Outbound port 25 is blocked by resetting connections: %zu of %zu "
		    "mail servers refused at once (TCP reset). Working mail servers do not do "
		    "that: Outbound Port 25 Blocking (OP25B) by the ISP, or a local firewall.", n),
		    counts[P25_RESET], n);
		finding_ref(f, "RFC 793 section 3.4");
		break;
	}
	/* Less evidence, a weaker verdict (WARN): the message says why. */
	if (n < 2) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", finding_message(f));
		finding_msg(f, "%s%s%s", msg, text_sentence_gap(msg), _("Only one server was "
		    "probed on this address family, so the block is not proven: one host being "
		    "down looks the same. Give more targets to tell them apart."));
	}
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

void
port25_judge(struct p25_run *run)
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

