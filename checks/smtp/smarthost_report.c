/* Smarthost endpoints ranked, and the recommendation with its Postfix and Exchange
 * settings. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "probe.h"
#include "report.h"
#include "run.h"
#include "smarthost_report.h"
#include "smtp.h"
#include "smtp_auth.h"

int
smarthost_tls_score(const struct smtp_result *r)
{
	if (!r->tls_active)
		return 0;
	if (r->tls.is_chain_ok && r->tls.is_name_ok && !r->tls.is_expired)
		return 2;
	return 1;
}

/* Higher is better: working, then secure, then authenticated, a name, the port a mail
 * server handles best, and finally the faster one. */
static int
compare_eps(const struct sh_ep *a, const struct sh_ep *b)
{
	static const unsigned port_pref[] = { 587, 465, 25 };
	size_t pa = 3, pb = 3, i;
	bool aa, ab;

	if ((a->outcome == SH_WORKS) != (b->outcome == SH_WORKS))
		return a->outcome == SH_WORKS ? -1 : 1;
	if (a->tls_score != b->tls_score)
		return a->tls_score > b->tls_score ? -1 : 1;
	aa = a->res->auth == SMTP_AUTH_OK;
	ab = b->res->auth == SMTP_AUTH_OK;
	if (aa != ab)
		return aa ? -1 : 1;
	if (a->cand->is_ip != b->cand->is_ip)
		return a->cand->is_ip ? 1 : -1;
	/* 587 before 465: both are fine by RFC 8314, but Exchange's send connector cannot do
	 * implicit TLS, and it is the mail server most often set up behind OP25B. */
	for (i = 0; i < 3; i++) {
		if (port_pref[i] == a->port)
			pa = i;
		if (port_pref[i] == b->port)
			pb = i;
	}
	if (pa != pb)
		return pa < pb ? -1 : 1;
	if (a->res->total_ms != b->res->total_ms)
		return a->res->total_ms < b->res->total_ms ? -1 : 1;
	return 0;
}

void
smarthost_rank(struct sh_run *run, struct sh_ep **order)
{
	size_t i, j;

	for (i = 0; i < run->neps; i++)
		order[i] = &run->eps[i];
	for (i = 1; i < run->neps; i++) {
		struct sh_ep *e = order[i];

		for (j = i; j > 0 && compare_eps(e, order[j - 1]) < 0; j--)
			order[j] = order[j - 1];
		order[j] = e;
	}
}

void
smarthost_ep_data(struct finding *f, const struct sh_ep *ep)
{
	finding_data(f, "host", json_string(ep->cand->host));
	finding_data(f, "address", json_string(ep->addr));
	finding_data(f, "port", json_integer(ep->port));
	finding_data(f, "session", probe_session_json(ep->res));
}

void
smarthost_subject(const struct sh_ep *ep, char *buf, size_t len)
{
	if (ep->cand->is_ip && strchr(ep->cand->host, ':') != NULL)
		snprintf(buf, len, "[%s]:%u", ep->cand->host, ep->port);
	else
		snprintf(buf, len, "%s:%u", ep->cand->host, ep->port);
}

/* Severity of a problem at an endpoint: nothing works -> FAIL; another endpoint works ->
 * WARN for a port the user named, INFO for one we only tried. */
/*
 * Settings that paste as they are, for what was tested: Postfix as one postconf command
 * (main.cf written for the user), the sasl_passwd line and postmap (the password itself is
 * never printed), and Exchange's send connector, to create (the field notes' server had
 * none) or to change.
 */
static void
recommend_settings(struct finding *f, const struct sh_run *run, const struct sh_ep *best)
{
	const struct smtp_result *r = best->res;
	const char *host = best->cand->host;
	bool is_auth = r->auth == SMTP_AUTH_OK, is_tls = r->tls_active;
	bool is_implicit = r->tls_mode == SMTP_TLS_IMPLICIT;
	char pf[1200], exch[600];
	int w;

	/* the main.cf settings, each quoted for the shell */
	w = snprintf(pf, sizeof(pf), "postconf -e 'relayhost = [%s]:%u'%s "
	    "'smtp_tls_security_level = %s'", host, best->port,
	    is_implicit ? " 'smtp_tls_wrappermode = yes'" : "", is_tls ? "encrypt" : "may");
	if (is_auth && w > 0 && (size_t)w < sizeof(pf))
		snprintf(pf + w, sizeof(pf) - (size_t)w, " 'smtp_sasl_auth_enable = yes' "
		    "'smtp_sasl_password_maps = hash:/etc/postfix/sasl_passwd' "
		    "'smtp_sasl_security_options = noanonymous' && echo '[%s]:%u %s:YOUR-PASSWORD' "
		    ">> /etc/postfix/sasl_passwd && chmod 600 /etc/postfix/sasl_passwd && postmap "
		    "/etc/postfix/sasl_passwd", host, best->port, run->user);
	if (is_implicit) {
		finding_fix(f, _("Postfix: %s && postfix reload (put your password in place of "
		    "YOUR-PASSWORD where it appears). Exchange send connectors cannot use implicit "
		    "TLS (465): use 587 there."), pf);
		return;
	}
	snprintf(exch, sizeof(exch), "-SmartHosts %s -Port %u -DNSRoutingEnabled $false "
	    "-SmartHostAuthMechanism %s%s%s", host, best->port, !is_auth ? "None" : is_tls ?
	    "BasicAuthRequireTLS" : "BasicAuth", is_auth ? " -AuthenticationCredential "
	    "(Get-Credential)" : "", is_tls ? " -RequireTLS $true" : "");
	finding_fix(f, _("Postfix: %s && postfix reload (put your password in place of "
	    "YOUR-PASSWORD where it appears). Exchange, when there is no send connector yet: "
	    "New-SendConnector -Name \"Internet via %s\" -Usage Internet -AddressSpaces * %s; "
	    "to change an existing one (its name from Get-SendConnector): Set-SendConnector "
	    "\"NAME\" %s."), pf, host, exch, exch);
}

/* " 2 endpoints on port 25 were not judged: ..." (with its leading space), or "". */
static void
line_note(const struct sh_run *run, char *buf, size_t len)
{
	size_t n = run->nblocked + run->nintercepted;

	buf[0] = '\0';
	if (n == 0)
		return;
	/* Mixed (IPv4 blocked and IPv6 intercepted, say): each endpoint by what happened to it,
	 * never all of them put on the interceptor. Two or more, so no singular is needed. */
	if (run->nintercepted > 0 && run->nblocked > 0)
		snprintf(buf, len, _(" %zu endpoints on port 25 were not judged: this line blocks "
		    "outbound port 25 to %zu of them (see smarthost.port25-blocked), and at %zu an "
		    "interceptor of this line answered in the relay's place (see "
		    "smarthost.intercepted)."), n, run->nblocked, run->nintercepted);
	else if (run->nintercepted > 0)
		snprintf(buf, len, ngettext(" %zu endpoint on port 25 was not judged: an "
		    "interceptor of this line answered in the relay's place (see "
		    "smarthost.intercepted).", " %zu endpoints on port 25 were not judged: an "
		    "interceptor of this line answered in the relays' place (see "
		    "smarthost.intercepted).", n), n);
	else
		snprintf(buf, len, ngettext(" %zu endpoint on port 25 was not judged: this line "
		    "blocks outbound port 25 (see smarthost.port25-blocked).", " %zu endpoints on "
		    "port 25 were not judged: this line blocks outbound port 25 (see "
		    "smarthost.port25-blocked).", n), n);
}

void
smarthost_report_recommendation(struct sh_run *run, struct sh_ep **order)
{
	struct report *rep = run->ctx->rep;
	struct sh_ep *best = order[0];
	const struct smtp_result *r;
	struct finding *f;
	char subject[300], auth[128], works[96], note[400];
	const char *tls_mode;
	json_t *ranking = json_array();
	size_t i;

	for (i = 0; i < run->neps; i++) {
		json_t *o = probe_session_json(order[i]->res);

		json_object_set_new(o, "rank", json_integer((json_int_t)i + 1));
		json_object_set_new(o, "candidate", json_string(order[i]->cand->arg));
		json_object_set_new(o, "works", json_boolean(order[i]->outcome == SH_WORKS));
		json_array_append_new(ranking, o);
	}
	report_set_extra(rep, "ranking", ranking);
	line_note(run, note, sizeof(note));
	if (run->neps == 0 || best->outcome != SH_WORKS) {
		/* Nothing dialled because the resolver failed, or every answer came from an
		 * interceptor or a block: that says nothing of the relays (the exit-status
		 * contract: a resolver failure is never a FAIL). */
		f = probe_add(rep, run->group, "smarthost.none-working", (run->neps == 0 &&
		    report_find(rep, "smarthost.dns-failed") != NULL) || (run->nintercepted > 0 &&
		    run->nintercepted + run->nblocked == run->neps) ? ST_UNKNOWN : ST_FAIL,
		    _("smarthost"));
		if (run->neps == 0) {
			finding_msg(f, _("No endpoint could be tried: no candidate resolved to an "
			    "address (see the findings above), so nothing is known yet of relaying "
			    "from <%s>."), run->from);
			finding_fix(f, _("Fix the look-up first (the resolver, or the candidate's "
			    "name), or give the candidate's IP address, and test again."));
		} else if (run->nblocked + run->nintercepted == run->neps) {
			/* Not one answer was the relays' own: nothing to fix at the relays. */
			finding_msg(f, ngettext("The one endpoint tried (%zu) is on port 25, which this "
			    "line does not let reach the relay: mail from <%s> cannot be relayed "
			    "through it from here, and nothing is known yet of the relay itself.%s",
			    "Every endpoint tried (%zu) is on port 25, which this line does not let "
			    "reach the relays: mail from <%s> cannot be relayed through them from here, "
			    "and nothing is known yet of the relays themselves.%s", run->neps),
			    run->neps, run->from, note);
			finding_fix(f, _("Test the provider's submission port instead (HOST:587 "
			    "with STARTTLS, or HOST:465) with SMTP AUTH (--user and --password-file): "
			    "Outbound Port 25 Blocking (OP25B) does not touch them."));
		} else {
			finding_msg(f, ngettext("No endpoint tried (%zu) accepts mail from <%s> to "
			    "<%s> for relaying; the findings above say why it failed.%s",
			    "No endpoint tried (%zu) accepts mail from <%s> to <%s> for relaying; "
			    "the findings above say why each failed.%s", run->neps), run->neps,
			    run->from, run->rcpt, note);
			finding_fix(f, _("Fix the first problem listed for the candidate the "
			    "provider documents (usually its submission host on port 587)."));
		}
		finding_ref(f, "RFC 6409 section 3");
		finding_data(f, "tried", json_integer((json_int_t)run->neps));
		return;
	}
	r = best->res;
	smarthost_subject(best, subject, sizeof(subject));
	tls_mode = r->tls_active ? (r->tls_mode == SMTP_TLS_IMPLICIT ? "implicit" : "starttls") :
	    "none";
	if (r->auth == SMTP_AUTH_OK)
		snprintf(auth, sizeof(auth), _("AUTH %s as %s"), smtp_auth_mech_name(r->auth_mech),
		    run->user);
	else
		snprintf(auth, sizeof(auth), "%s", _("no authentication"));
	f = probe_add(rep, run->group, "smarthost.recommended", ST_OK, subject);
	snprintf(works, sizeof(works), ngettext("%zu of %zu endpoint works",
	    "%zu of %zu endpoints work", run->neps), run->nworking, run->neps);
	finding_msg(f, _("Use %s port %u with %s and %s (%s; this one ranks first: working, "
	    "then TLS verified, authenticated, a host name, port 587, latency).%s"),
	    best->cand->host, best->port, r->tls_active ? (r->tls_mode == SMTP_TLS_IMPLICIT ?
	    _("implicit TLS") : "STARTTLS") : _("no TLS"), auth, works, note);
	recommend_settings(f, run, best);
	finding_ref(f, "RFC 6409 section 3");
	finding_ref(f, "RFC 8314 section 3");
	finding_data(f, "host", json_string(best->cand->host));
	finding_data(f, "address", json_string(best->addr));
	finding_data(f, "port", json_integer(best->port));
	finding_data(f, "tls", json_string(tls_mode));
	finding_data(f, "auth", json_string(r->auth == SMTP_AUTH_OK ?
	    smtp_auth_mech_name(r->auth_mech) : "none"));
	finding_data(f, "latency_ms", json_integer(r->total_ms));
}
