/*
 * The delivery path judged as a whole (path.h): which way mail from the domain leaves and
 * which addresses receivers then see, which way mail to it comes in; the answer in two
 * lines, and the findings whose premise the path changes judged again.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "facts.h"
#include "i18n.h"
#include "path.h"
#include "report.h"
#include "text.h"

static bool
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The first finding whose id starts with prefix (and whose subject is subject, if given). */
static const struct finding *
find_prefix(const struct report *rep, const char *prefix, const char *subject)
{
	size_t i;

	for (i = 0; i < report_count(rep); i++) {
		const struct finding *f = report_finding(rep, i);

		if (has_prefix(finding_id(f), prefix) &&
		    (subject == NULL || strcmp(finding_subject(f), subject) == 0))
			return f;
	}
	return NULL;
}

void
path_judge_vantage(struct report *rep)
{
	static const char *const kept[] = {
		"port25.blocked-drop", "port25.blocked-except-isp", "port25.blocked-icmp",
		"port25.blocked-reset", "port25.intercepted", "port25.isp-only",
		"port25.no-targets", "port25.unknown", NULL,
	};
	const char *why = _("Port 25 was probed from here only to know how to read the answers "
	    "of the servers dialled; `mxdiag port25` judges this line.");
	size_t i, k;

	for (i = report_count(rep); i-- > 0;) {
		const char *id = finding_id(report_finding(rep, i));

		if (!has_prefix(id, "port25."))
			continue;
		for (k = 0; kept[k] != NULL && strcmp(kept[k], id) != 0; k++)
			;
		if (kept[k] != NULL)
			report_regrade(rep, i, ST_INFO, why, false);
		else
			report_remove(rep, i);
	}
}

/*
 * A domain that does not exist (NXDOMAIN, or an internal Active Directory name): that is
 * the one verdict. "No DMARC, no DKIM key, no MTA-STS policy, not signed" under a name that
 * is not there are not separate faults, and advice to publish records under an internal
 * name would send the administrator the wrong way: those findings go, and the domain's
 * finding lists them as not judged (domain.not-found stays: it is the fact, and mx.c words
 * its fix for an internal name).
 */
static void
drop_moot_advice(struct report *rep, const struct check_inputs *in)
{
	static const char *const moot[] = {
		"dmarc.missing", "dkim.none-found", "spf.missing", "spf.result-none",
		"dnsbl.not-listed", "mta-sts.none", "tls-rpt.none", "dane.none",
		"dnssec.insecure", NULL,
	};
	const struct finding *dead = report_find(rep, "domain.internal");
	bool was_dropped[sizeof(moot) / sizeof(moot[0])] = { false };
	json_t *dropped;
	size_t i, k;

	if (dead == NULL)
		dead = report_find(rep, "domain.not-found");
	if (dead == NULL || strcmp(finding_subject(dead), in->domain) != 0)
		return;
	for (i = report_count(rep); i-- > 0;) {
		const struct finding *f = report_finding(rep, i);

		if (strcmp(finding_subject(f), in->domain) != 0)
			continue;
		for (k = 0; moot[k] != NULL; k++) {
			if (strcmp(finding_id(f), moot[k]) == 0) {
				was_dropped[k] = true;
				report_remove(rep, i);
				break;
			}
		}
	}
	/* in the table's order, each once: the findings came in the order the answers
	 * arrived, which differs from run to run */
	dropped = json_array();
	for (k = 0; moot[k] != NULL; k++)
		if (was_dropped[k])
			json_array_append_new(dropped, json_string(moot[k]));
	json_object_set_new(finding_data_obj(dead), "not_judged", dropped);
}

/* Append s to the list buf (", "-joined) unless it is one of its items already; true when
 * it was added. */
static bool
list_add_once(char *buf, size_t len, size_t *used, const char *s)
{
	size_t n = strlen(s);
	const char *p;

	for (p = buf; (p = strstr(p, s)) != NULL; p += n)
		if ((p == buf || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return false;
	return text_list_add(buf, len, used, s);
}

/*
 * A resolver that does not answer is one cause, however many checks asked it: the
 * dns.timeout findings become one, naming every query and what could not be checked, with
 * all their evidence (the timeout message said the same thing once per query).
 */
static void
fold_timeouts(struct report *rep)
{
	char queries[600] = "", whats[600] = "", q[300];
	size_t i, k, n = 0, nq = 0, qused = 0, wused = 0;
	const struct finding *first = NULL;
	struct finding *f;
	json_t *ev;

	for (i = 0; i < report_count(rep); i++) {
		const struct finding *t = report_finding(rep, i);
		const char *what = json_string_value(json_object_get(finding_data_obj(t), "what"));

		if (strcmp(finding_id(t), "dns.timeout") != 0)
			continue;
		n++;
		if (first == NULL)
			first = t;
		json_array_foreach(finding_evidence_list(t), k, ev) {
			const char *qn = json_string_value(json_object_get(ev, "qname"));
			const char *qt = json_string_value(json_object_get(ev, "qtype"));

			if (qn == NULL || qt == NULL)
				continue;
			snprintf(q, sizeof(q), "%s %s", qn, qt);
			if (list_add_once(queries, sizeof(queries), &qused, q))
				nq++;
		}
		if (what != NULL)
			list_add_once(whats, sizeof(whats), &wused, what);
	}
	if (n < 2)
		return;
	f = report_add(rep, "dns.timeout", ST_UNKNOWN, finding_subject(first));
	if (finding_group_name(first) != NULL)
		finding_group(f, finding_group_name(first));
	finding_msg(f, _("No answer within the timeout to %zu queries (%s): could not check "
	    "%s."), nq, queries, whats);
	finding_fix(f, "%s", finding_fix_text(first));
	finding_ref(f, "RFC 1035 section 4.1.1");
	for (i = report_count(rep) - 1; i-- > 0;) {
		const struct finding *t = report_finding(rep, i);

		if (strcmp(finding_id(t), "dns.timeout") != 0)
			continue;
		json_array_foreach(finding_evidence_list(t), k, ev)
			finding_evidence_json(f, json_deep_copy(ev));
		report_remove(rep, i);
	}
}

static bool
does_not_exist(const struct report *rep)
{
	return report_find(rep, "domain.not-found") != NULL ||
	    report_find(rep, "domain.internal") != NULL;
}

static const char *
data_str(const struct finding *f, const char *key)
{
	return json_string_value(json_object_get(finding_data_obj(f), key));
}

/*
 * Mail goes out through a relay: what receivers judge is the relay's address and name, so
 * the server's own address (its PTR, its SPF verdict), its HELO name and port 25 from this
 * line no longer decide delivery. They stay in the report, as INFO, with the reason.
 */
/* "host:25": a relay endpoint on port 25, which OP25B blocks like any other. */
static bool
is_port25_endpoint(const char *subject)
{
	size_t n = strlen(subject);

	return n > 3 && strcmp(subject + n - 3, ":25") == 0;
}

/* The port 25 fact of the family mail leaves on: the sending address's (--ip) when it is
 * given, else IPv4's, or IPv6's when only IPv6 was measured. */
static const struct port25_fact *
line_fact(const struct check_facts *facts, const struct check_inputs *in)
{
	if (in->ip != NULL)
		return &facts->port25[strchr(in->ip, ':') != NULL ? 1 : 0];
	if (facts->port25[0].state == PORT25_UNMEASURED)
		return &facts->port25[1];
	return &facts->port25[0];
}

static bool
is_stopped(enum port25_state st)
{
	return st == PORT25_BLOCKED || st == PORT25_INTERCEPTED;
}

static void
regrade_for_relay(struct report *rep, const struct check_facts *facts,
    const struct check_inputs *in, const char *via)
{
	char why[512];
	size_t i;

	for (i = 0; i < report_count(rep); i++) {
		const struct finding *f = report_finding(rep, i);
		const char *id = finding_id(f);
		/* The HELO fix stays good practice; the others' fixes (a fixed address, SPF
		 * for it, a relay instead of port 25) are what relaying already did. */
		bool keep_fix = false;

		if (finding_status(f) <= ST_INFO)
			continue;
		/* a relay's port 25 over the family of its address ("[2001:db8::25]:25") */
		if (is_stopped(facts->port25[finding_subject(f)[0] == '[' ? 1 : 0].state) &&
		    (strcmp(id, "smarthost.unreachable") == 0 ||
		    strcmp(id, "smarthost.provider-stale") == 0) &&
		    is_port25_endpoint(finding_subject(f))) {
			snprintf(why, sizeof(why), _("Port 25 is blocked from this line and mail "
			    "goes out through %s: a relay's port 25 not answering is expected."),
			    via);
		} else if (has_prefix(id, "spf.result-") || (has_prefix(id, "ptr.") &&
		    in->ip != NULL && strcmp(finding_subject(f), in->ip) == 0)) {
			snprintf(why, sizeof(why), _("Mail is relayed through %s: receivers judge "
			    "the relay's address, not %s."), via, in->ip != NULL ? in->ip :
			    finding_subject(f));
		} else if (has_prefix(id, "helo.")) {
			snprintf(why, sizeof(why), _("Mail is relayed through %s: receivers see "
			    "the relay's own name; the relay took this one in the test."), via);
			keep_fix = true;
		} else if (has_prefix(id, "port25.")) {
			snprintf(why, sizeof(why), _("Mail goes out through %s, so this line "
			    "does not need outbound port 25: what the ISP does to it is expected "
			    "and harmless."), via);
		} else {
			continue;
		}
		report_regrade(rep, i, ST_INFO, why, keep_fix);
	}
}

/* ", which SPF authorises" for the relay's address, from the smarthost's SPF finding. */
static const char *
relay_spf_words(const struct report *rep, const struct relay_fact *r, const char **result)
{
	const struct finding *f = r->naddrs > 0 ?
	    find_prefix(rep, "smarthost.spf-", r->addrs[0]) : NULL;

	*result = "unknown";
	if (f == NULL)
		return _("whose SPF authorisation was not checked");
	*result = finding_id(f) + strlen("smarthost.spf-");
	if (strcmp(finding_id(f), "smarthost.spf-pass") == 0)
		return _("which SPF authorises");
	if (strcmp(finding_id(f), "smarthost.spf-not-authorised") == 0)
		return _("which SPF does NOT authorise (see the Relay choice section)");
	return _("whose SPF authorisation is unclear (see the Relay choice section)");
}

static json_t *
outbound_relayed(struct report *rep, const struct check_facts *facts,
    const struct check_inputs *in, const struct relay_fact *r, char *line, size_t len)
{
	char via[300], addrs[RELAY_FACT_ADDRS * 48] = "", how[64];
	const char *spf_result, *spf = relay_spf_words(rep, r, &spf_result);
	json_t *o, *list = json_array();
	size_t i, used = 0;

	snprintf(via, sizeof(via), "%s:%u", r->host, r->port);
	for (i = 0; i < r->naddrs; i++) {
		text_list_add(addrs, sizeof(addrs), &used, r->addrs[i]);
		json_array_append_new(list, json_string(r->addrs[i]));
	}
	snprintf(how, sizeof(how), "%s%s%s", r->is_tls ? "TLS" : _("no TLS"),
	    r->is_auth ? ", " : "", r->is_auth ? "AUTH" : "");
	if (r->naddrs > 0)
		snprintf(line, len, _("Outbound: mail from %s will get out through %s (%s); "
		    "receivers will see %s%s, %s."), in->domain, via, how, addrs,
		    r->is_addr_approx ? _(" (an approximation; give --relay-ip)") : "", spf);
	else
		snprintf(line, len, _("Outbound: mail from %s will get out through %s (%s)."),
		    in->domain, via, how);
	regrade_for_relay(rep, facts, in, via);
	o = json_pack("{s:s, s:s, s:b, s:b, s:o, s:b, s:s}", "path", "relay", "relay", via,
	    "tls", r->is_tls, "auth", r->is_auth, "addresses", list, "addresses_approx",
	    r->is_addr_approx, "spf", spf_result);
	return o;
}

static json_t *
outbound_direct(const struct report *rep, const struct check_inputs *in, char *line,
    size_t len)
{
	const struct finding *spf = find_prefix(rep, "spf.result-", NULL);
	const char *result = spf != NULL ? finding_id(spf) + strlen("spf.result-") : "unknown";
	const char *words;

	if (in->ip == NULL) {
		snprintf(line, len, _("Outbound: mail from %s can go out directly: port 25 is "
		    "open from here (give --ip to judge what receivers see)."), in->domain);
		return json_pack("{s:s}", "path", "direct");
	}
	if (spf != NULL && strcmp(result, "pass") == 0)
		words = _("which SPF authorises");
	else if (spf != NULL)
		words = _("which SPF does NOT authorise (see the DNS section)");
	else
		words = _("whose SPF verdict is unknown");
	snprintf(line, len, _("Outbound: mail from %s goes out directly from %s (port 25 is "
	    "open from here), %s."), in->domain, in->ip, words);
	return json_pack("{s:s, s:[s], s:s}", "path", "direct", "addresses", in->ip, "spf",
	    result);
}

static json_t *
outbound_verdict(struct report *rep, const struct check_facts *facts,
    const struct check_inputs *in, char *line, size_t len)
{
	const struct relay_fact *r = check_fact_best_relay(facts);
	const struct port25_fact *p = line_fact(facts, in);

	if (r != NULL)
		return outbound_relayed(rep, facts, in, r, line, len);
	if (p->state == PORT25_OPEN)
		return outbound_direct(rep, in, line, len);
	if (is_stopped(p->state)) {
		snprintf(line, len, _("Outbound: mail from %s cannot get out: outbound port 25 is "
		    "%s from this line (%s) and no working smarthost was given; relay through "
		    "your ISP's submission server (test it with mxdiag smarthost)."), in->domain,
		    p->state == PORT25_BLOCKED ? _("blocked") : _("intercepted"), p->how);
		return json_pack("{s:s, s:s}", "path", "none", "port25", port25_state_name(p->state));
	}
	if (in->port25 == NULL && in->smarthost == NULL) {
		snprintf(line, len, _("Outbound: not tested (no port 25 probe, no smarthost)."));
		return json_pack("{s:s}", "path", "untested");
	}
	snprintf(line, len, _("Outbound: unknown: neither port 25 nor a smarthost could be "
	    "judged from here (see below)."));
	return json_pack("{s:s}", "path", "unknown");
}

/* Senders that enforce DANE or MTA-STS refuse a host that plain senders reach. */
static void
transport_caveat(const struct report *rep, char *line, size_t len)
{
	static const char *const ids[] = {
		"dane.mismatch", "mta-sts.mx-mismatch", "mta-sts.mx-certificate", NULL,
	};
	size_t i, n = strlen(line);

	for (i = 0; ids[i] != NULL; i++) {
		const struct finding *f = report_find(rep, ids[i]);

		if (f != NULL && finding_status(f) == ST_FAIL) {
			snprintf(line + n, len - n, _(" But senders that enforce DANE or MTA-STS "
			    "will not deliver there (%s)."), ids[i]);
			return;
		}
	}
}

static json_t *
inbound_verdict(const struct report *rep, const struct check_inputs *in, char *line,
    size_t len)
{
	static const char *const summaries[] = {
		"inbound.accepted", "inbound.backup-only", "inbound.deferred", "inbound.rejected",
		"inbound.unreachable", "inbound.untestable", NULL,
	};
	const struct finding *f = NULL;
	const char *mx, *state;
	json_int_t pref;
	size_t i;

	for (i = 0; f == NULL && summaries[i] != NULL; i++)
		f = report_find(rep, summaries[i]);
	if (f == NULL) {
		if (find_prefix(rep, "inbound.", NULL) == NULL)
			return NULL;
		snprintf(line, len, _("Inbound: mail to %s cannot arrive: see the Inbound path "
		    "section."), in->domain);
		return json_pack("{s:s}", "state", "no-mail-host");
	}
	state = finding_id(f) + strlen("inbound.");
	mx = data_str(f, "mx") != NULL ? data_str(f, "mx") : "?";
	pref = json_integer_value(json_object_get(finding_data_obj(f), "preference"));
	if (strcmp(state, "accepted") == 0)
		snprintf(line, len, _("Inbound: mail to %s reaches %s (preference %lld)."),
		    in->domain, mx, (long long)pref);
	else if (strcmp(state, "backup-only") == 0)
		snprintf(line, len, _("Inbound: mail to %s reaches only the backup MX %s "
		    "(preference %lld): the preferred MX does not take mail."), in->domain, mx,
		    (long long)pref);
	else if (strcmp(state, "deferred") == 0)
		snprintf(line, len, _("Inbound: mail to %s is deferred by %s: senders retry "
		    "later."), in->domain, mx);
	else if (strcmp(state, "rejected") == 0)
		snprintf(line, len, _("Inbound: mail to %s bounces: %s refuses it."), in->domain,
		    mx);
	else if (strcmp(state, "unreachable") == 0)
		snprintf(line, len, _("Inbound: mail to %s cannot arrive: no MX host takes a "
		    "session on port 25."), in->domain);
	else
		snprintf(line, len, _("Inbound: cannot be tested from this network (outbound "
		    "port 25 is blocked or intercepted here): test from a network without "
		    "OP25B."));
	if (strcmp(state, "accepted") == 0 || strcmp(state, "backup-only") == 0)
		transport_caveat(rep, line, len);
	if (strcmp(mx, "?") == 0)
		return json_pack("{s:s}", "state", state);
	return json_pack("{s:s, s:s, s:I}", "state", state, "mx", mx, "preference", pref);
}

void
path_judge(struct report *rep, const struct check_facts *facts,
    const struct check_inputs *in)
{
	char line[1024];
	json_t *verdict = json_object(), *o;

	if (in->domain == NULL)
		return;
	fold_timeouts(rep);
	drop_moot_advice(rep, in);
	o = outbound_verdict(rep, facts, in, line, sizeof(line));
	json_object_set_new(o, "text", json_string(line));
	json_object_set_new(verdict, "outbound", o);
	report_answer(rep, line);
	o = inbound_verdict(rep, in, line, sizeof(line));
	if (o != NULL) {
		json_object_set_new(o, "text", json_string(line));
		json_object_set_new(verdict, "inbound", o);
		report_answer(rep, line);
	}
	report_set_extra(rep, "verdict", verdict);
}

/* check: receivers' view of --ip from DNS alone (no SMTP was tried). */
static json_t *
outbound_dns(const struct report *rep, const struct check_inputs *in, char *line,
    size_t len)
{
	const struct finding *spf = find_prefix(rep, "spf.result-", NULL);
	const struct finding *ptr = in->ip != NULL ? find_prefix(rep, "ptr.", in->ip) : NULL;
	const char *result = spf != NULL ? finding_id(spf) + strlen("spf.result-") : "unknown";
	char rdns[400];

	if (does_not_exist(rep)) {
		snprintf(line, len, _("Outbound: mail from %s will be refused: the domain does not "
		    "exist in DNS, and receivers reject senders they cannot resolve (5.1.8)."),
		    in->domain);
		return json_pack("{s:s}", "path", "refused");
	}
	if (in->ip == NULL) {
		snprintf(line, len, _("Outbound: not judged: give --ip, the address the server "
		    "will send from, for what receivers check (SPF, reverse DNS)."));
		return json_pack("{s:s}", "path", "untested");
	}
	if (ptr != NULL && strcmp(finding_id(ptr), "ptr.confirmed") == 0 &&
	    data_str(ptr, "ptr") != NULL)
		snprintf(rdns, sizeof(rdns), _("its reverse name %s is forward-confirmed"),
		    data_str(ptr, "ptr"));
	else if (ptr != NULL)
		snprintf(rdns, sizeof(rdns), _("its reverse DNS is not in order (%s)"),
		    finding_id(ptr));
	else
		snprintf(rdns, sizeof(rdns), "%s", _("its reverse DNS was not checked"));
	snprintf(line, len, _("Outbound: mail from %s sent from %s: SPF says %s, and %s."),
	    in->domain, in->ip, result, rdns);
	return json_pack("{s:s, s:[s], s:s}", "path", "as-given", "addresses", in->ip, "spf",
	    result);
}

/* check: where DNS sends mail for the domain (whether the hosts take it is not probed). */
static json_t *
inbound_dns(const struct report *rep, const struct check_inputs *in, char *line, size_t len)
{
	const struct finding *f = report_find(rep, "mx.present");
	json_t *hosts, *h;
	char list[600] = "";
	size_t i, used = 0;

	if (f == NULL) {
		if (report_find(rep, "mx.null-mx") != NULL)
			snprintf(line, len, _("Inbound: %s accepts no mail (null MX)."), in->domain);
		else if (does_not_exist(rep))
			snprintf(line, len, _("Inbound: %s does not exist in DNS: no mail can reach "
			    "it."), in->domain);
		else if (report_find(rep, "mx.implicit-a") != NULL)
			snprintf(line, len, _("Inbound: %s has no MX record: senders deliver to its "
			    "address record instead (implicit MX)."), in->domain);
		else
			snprintf(line, len, _("Inbound: where mail to %s goes could not be told (see "
			    "the findings below)."), in->domain);
		return json_pack("{s:s}", "state", "dns");
	}
	hosts = json_object_get(finding_data_obj(f), "hosts");
	json_array_foreach(hosts, i, h) {
		char item[300];

		snprintf(item, sizeof(item), "%s (%lld)", json_string_value(json_object_get(h,
		    "name")), (long long)json_integer_value(json_object_get(h, "preference")));
		if (!text_list_add(list, sizeof(list), &used, item))
			break;
	}
	snprintf(line, len, _("Inbound: DNS sends mail for %s to %s; whether they take it is "
	    "not probed here (mxdiag inbound %s)."), in->domain, list, in->domain);
	return json_pack("{s:s, s:O}", "state", "dns", "hosts", hosts);
}

void
path_answer_dns(struct report *rep, const struct check_inputs *in)
{
	char line[1024];
	json_t *verdict = json_object(), *o;

	if (in->domain == NULL)
		return;
	fold_timeouts(rep);
	drop_moot_advice(rep, in);
	o = outbound_dns(rep, in, line, sizeof(line));
	json_object_set_new(o, "text", json_string(line));
	json_object_set_new(verdict, "outbound", o);
	report_answer(rep, line);
	o = inbound_dns(rep, in, line, sizeof(line));
	json_object_set_new(o, "text", json_string(line));
	json_object_set_new(verdict, "inbound", o);
	report_answer(rep, line);
	report_set_extra(rep, "verdict", verdict);
}
