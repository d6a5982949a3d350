/* The finding of each smarthost endpoint, from its session as judged (probe_smarthost.c),
 * and of each candidate that did not resolve. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "i18n.h"
#include "probe.h"
#include "report.h"
#include "run.h"
#include "smarthost_report.h"
#include "smtp.h"
#include "smtp_auth.h"
#include "vantage.h"

#define SH_TRANSCRIPT_LINES 40	/* of the session, as evidence */

static enum status
problem_status(const struct sh_run *run, const struct sh_ep *ep)
{
	if (run->nworking == 0)
		return ST_FAIL;
	return ep->cand->port != 0 ? ST_WARN : ST_INFO;
}

/* Did any endpoint of this candidate connect? Then a closed extra port is only a note. */
static bool
cand_connected(const struct sh_run *run, const struct sh_cand *c)
{
	size_t i;

	for (i = 0; i < run->neps; i++)
		if (run->eps[i].cand == c && run->eps[i].res->conn == SMTP_CONN_OK)
			return true;
	return run->nworking > 0;
}

static const char *
tls_text(const struct smtp_result *r, char *buf, size_t len)
{
	if (!r->tls_active)
		snprintf(buf, len, "%s", _("no TLS"));
	else
		snprintf(buf, len, "%s %s, %s %s", r->tls_mode == SMTP_TLS_IMPLICIT ?
		    _("implicit TLS") : "STARTTLS", r->tls.protocol,
		    r->tls.is_chain_ok && r->tls.is_name_ok ? _("certificate valid until") :
		    _("certificate NOT verified, expires"), r->tls.not_after);
	return buf;
}

void
smarthost_report_outcome(struct sh_run *run, struct sh_ep *ep)
{
	struct report *rep = run->ctx->rep;
	const struct smtp_result *r = ep->res;
	const struct smtp_step *mail = smtp_result_step(r, SMTP_STEP_MAIL, 0, 0);
	const struct smtp_step *rcpt = smtp_result_step(r, SMTP_STEP_RCPT, 0, 0);
	const struct smtp_step *auth = smtp_result_last(r, SMTP_STEP_AUTH);
	enum status bad = problem_status(run, ep);
	char subject[300], tls[256], rt[600];
	struct finding *f = NULL;

	smarthost_subject(ep, subject, sizeof(subject));
	tls_text(r, tls, sizeof(tls));
	switch (ep->outcome) {
	case SH_WORKS:
		f = probe_add(rep, run->group, "smarthost.works", ST_OK, subject);
		if (r->auth == SMTP_AUTH_OK)
			finding_msg(f, _("%s works: %s; AUTH %s accepted for %s; MAIL FROM <%s> "
			    "and RCPT TO <%s> accepted (session %lld ms)."), subject, tls,
			    smtp_auth_mech_name(r->auth_mech), run->user, run->from, run->rcpt,
			    (long long)r->total_ms);
		else
			finding_msg(f, _("%s works without authentication (it trusts your "
			    "address %s, named %s in its own domain): %s; MAIL FROM <%s> and RCPT "
			    "TO <%s> accepted (session %lld ms)."), subject, ep->ptr_of,
			    ep->ptr_name, tls, run->from, run->rcpt, (long long)r->total_ms);
		finding_ref(f, "RFC 6409 section 4");
		break;
	case SH_UNREACHABLE:
		f = probe_add(rep, run->group, "smarthost.unreachable", ep->cand->port == 0 &&
		    cand_connected(run, ep->cand) ? ST_INFO : bad, subject);
		if (ep->port != 25)
			finding_msg(f, _("%s cannot be reached: %s."), subject, r->fail_detail);
		else if (vantage_is_line_open(run->facts, ep->addr))
			finding_msg(f, _("%s cannot be reached: %s. Outbound port 25 is open from "
			    "this line (the port 25 probe of this run reached other servers), so "
			    "it is the relay that does not answer on port 25."), subject,
			    r->fail_detail);
		else
			finding_msg(f, _("%s cannot be reached: %s. Whether this line lets port 25 "
			    "out is not known (%s): an ISP's Outbound Port 25 Blocking (OP25B) "
			    "looks the same."), subject, r->fail_detail,
			    vantage_unproven_words(run->facts, ep->addr));
		finding_fix(f, _("Use a port that answers (see the other findings), or check "
		    "the firewall between this host and the relay (mxdiag port25)."));
		finding_ref(f, "RFC 6409 section 3.1");
		break;
	case SH_LINE_BLOCKED:
		f = probe_add(rep, run->group, "smarthost.port25-blocked",
		    run->nworking > 0 ? ST_INFO : ST_WARN, subject);
		finding_msg(f, _("%s cannot be used from this line: outbound port 25 is blocked "
		    "here (%s, the port 25 probe of this run). The failed connection (%s) says "
		    "nothing about the relay itself."), subject, ep->vantage.how, r->fail_detail);
		finding_fix(f, _("Use the relay's submission port (587 with STARTTLS, or 465) "
		    "with SMTP AUTH: Outbound Port 25 Blocking (OP25B) does not touch them."));
		finding_ref(f, "RFC 6409 section 3");
		finding_ref(f, "M3AAWG Managing Port 25 for Residential or Dynamic IP Space");
		vantage_data(f, &ep->vantage);
		break;
	case SH_INTERCEPTED:
		f = probe_add(rep, run->group, "smarthost.intercepted",
		    run->nworking > 0 ? ST_INFO : ST_UNKNOWN, subject);
		if (ep->vantage.is_from_port25)
			finding_msg(f, _("%s was not judged: outbound port 25 from this line is "
			    "intercepted (%s, the port 25 probe of this run), and what answered was "
			    "the interceptor (\"%s\"), not the relay. Mail sent to port 25 from "
			    "here goes to the interceptor."), subject, ep->vantage.how,
			    ep->vantage.banner);
		else if (ep->vantage.is_proven)
			finding_msg(f, _("%s was not judged: it greeted as \"%s\", the same name as "
			    "%s, another operator's server, as when an interceptor of this line "
			    "answers port 25 in their place."), subject, ep->vantage.banner,
			    ep->vantage.other);
		else
			finding_msg(f, _("%s was not judged: it greeted as \"%s\", a name that is "
			    "not its own, and its TLS does not vouch for it, as when an interceptor "
			    "of this line answers port 25; whether this line lets port 25 out is not "
			    "known (%s)."), subject, ep->vantage.banner,
			    vantage_unproven_words(run->facts, ep->addr));
		finding_fix(f, _("Use the relay's submission port (587 with STARTTLS, or 465) "
		    "with SMTP AUTH: the interceptor answers only port 25."));
		finding_ref(f, "RFC 6409 section 3");
		finding_ref(f, "M3AAWG Managing Port 25 for Residential or Dynamic IP Space");
		vantage_data(f, &ep->vantage);
		break;
	case SH_GREETING_REFUSED:
		probe_reply_text(smtp_result_step(r, SMTP_STEP_BANNER, 0, 0), rt, sizeof(rt));
		f = probe_add(rep, run->group, "smarthost.greeting-refused", bad, subject);
		finding_msg(f, _("%s refuses the session at its greeting: %s"), subject, rt);
		finding_fix(f, _("The relay does not accept connections from this address: ask "
		    "the provider which addresses and ports its customers must use."));
		finding_ref(f, "RFC 5321 section 3.1");
		break;
	case SH_SESSION_FAILED:
		f = probe_add(rep, run->group, "smarthost.session-failed", bad, subject);
		finding_msg(f, _("The session with %s broke off: %s (%s)."), subject,
		    r->fail_detail, smtp_fail_name(r->fail));
		finding_fix(f, _("Retry with a longer --timeout; if it persists, the port may "
		    "not speak SMTP (465 expects TLS from the first byte)."));
		finding_ref(f, "RFC 5321 section 4.5.3.2");
		break;
	case SH_TLS_FAILED:
		f = probe_add(rep, run->group, "smarthost.tls-failed", bad, subject);
		finding_msg(f, _("The TLS handshake with %s failed: %s"), subject,
		    r->tls.error[0] != '\0' ? r->tls.error : r->fail_detail);
		finding_fix(f, _("The server may only offer old protocols (TLS 1.0/1.1) or "
		    "weak ciphers, or the port does not speak TLS: try the other submission "
		    "port, and ask the provider to support TLS 1.2 or later."));
		finding_ref(f, ep->port == 465 ? "RFC 8314 section 3.3" : "RFC 3207 section 4");
		break;
	case SH_AUTH_FAILED:
		probe_reply_text(auth, rt, sizeof(rt));
		f = probe_add(rep, run->group, r->auth_code == 538 ?
		    "smarthost.auth-encryption-required" : "smarthost.auth-failed", bad, subject);
		finding_msg(f, _("%s refused the login for %s: %s"), subject, run->user, rt);
		if (r->auth_code == 538)
			finding_fix(f, _("The server wants a stronger encryption before AUTH: "
			    "use port 465 or STARTTLS with TLS 1.2 or later."));
		else
			finding_fix(f, _("Check the user name (often the full mail address) and "
			    "the password. Many ISPs use a separate SMTP-AUTH password or require "
			    "enabling SMTP AUTH (or an application password) in the member "
			    "settings first."));
		finding_ref(f, "RFC 4954 section 6");
		break;
	case SH_AUTH_SKIPPED:
		f = probe_add(rep, run->group, "smarthost.auth-skipped", bad, subject);
		if (r->auth == SMTP_AUTH_SKIPPED_CLEAR)
			finding_msg(f, _("The password was not sent to %s: the connection is not "
			    "encrypted (no STARTTLS offered)."), subject);
		else
			finding_msg(f, _("The password was not sent to %s: its certificate did not "
			    "verify (%s; name %s %s)."), subject, r->tls.verify_error, r->tls.name,
			    r->tls.is_name_ok ? _("matches") : _("does not match"));
		finding_fix(f, _("Use the host name the certificate is issued for, or give the "
		    "relay's CA with --ca-file. --allow-insecure-auth sends the password anyway "
		    "(only on a network you trust)."));
		finding_ref(f, "RFC 8314 section 3");
		break;
	case SH_AUTH_NOT_OFFERED:
		f = probe_add(rep, run->group, "smarthost.auth-not-offered", bad, subject);
		finding_msg(f, _("%s does not offer SMTP AUTH on this port%s, and did not accept "
		    "the envelope without it."), subject, r->tls_active ? _(" even after "
		    "STARTTLS") : "");
		finding_fix(f, _("This port is not a submission service: use the provider's "
		    "submission port (587 or 465)."));
		finding_ref(f, "RFC 4954 section 3");
		break;
	case SH_AUTH_NO_MECH:
		f = probe_add(rep, run->group, "smarthost.auth-no-mechanism", bad, subject);
		finding_msg(f, _("%s offers only AUTH %s, which a relaying mail server cannot use "
		    "(mxdiag uses PLAIN, LOGIN or CRAM-MD5, as Postfix and Exchange send "
		    "connectors do)."), subject, r->caps.auth_text);
		finding_fix(f, _("Ask for Basic authentication (AUTH LOGIN/PLAIN) over TLS; on "
		    "an Exchange receive connector enable Basic authentication with \"Offer basic "
		    "authentication only after starting TLS\"."));
		finding_ref(f, "RFC 4954 section 4");
		break;
	case SH_AUTH_REQUIRED:
		probe_reply_text(mail != NULL && mail->reply.code / 100 != 2 ? mail : rcpt, rt,
		    sizeof(rt));
		f = probe_add(rep, run->group, "smarthost.auth-required", bad, subject);
		finding_msg(f, _("%s requires authentication: %s"), subject, rt);
		finding_fix(f, _("Configure SMTP AUTH on the mail server and test it here with "
		    "--user and --password-file (or --password-env)."));
		finding_ref(f, "RFC 4954 section 6");
		break;
	case SH_SENDER_DENIED:
		probe_reply_text(mail != NULL && mail->reply.code / 100 != 2 ? mail : rcpt, rt,
		    sizeof(rt));
		f = probe_add(rep, run->group, "smarthost.sender-not-permitted", bad, subject);
		finding_msg(f, _("%s accepted the login %s, but this login may not send as <%s>: "
		    "%s"), subject, run->user, run->from, rt);
		finding_data(f, "refused_at", json_string(mail != NULL &&
		    mail->reply.code / 100 != 2 ? "MAIL" : "RCPT"));
		finding_fix(f, _("Relays bind the envelope sender to the login. Send with the "
		    "login's own address (Postfix: smtp_generic_maps or sender_canonical_maps), or "
		    "have the provider allow this address for the account (Office 365: Send As "
		    "permission or a mailbox for it)."));
		finding_ref(f, "RFC 6409 section 6.1");
		finding_ref(f, "RFC 4954 section 5");
		break;
	case SH_AUTH_UNUSED:
		probe_reply_text(mail != NULL && mail->reply.code / 100 != 2 ? mail : rcpt, rt,
		    sizeof(rt));
		f = probe_add(rep, run->group, "smarthost.auth-not-used", bad, subject);
		finding_msg(f, _("%s offers AUTH (%s), but no login was given, and it refused "
		    "the envelope without one: %s"), subject, r->caps.auth_text, rt);
		finding_fix(f, _("The relay wants you to log in: test again with --user and "
		    "--password-file (or --password-env), then configure the same login in the "
		    "mail server (Postfix: smtp_sasl_auth_enable = yes and "
		    "smtp_sasl_password_maps)."));
		finding_ref(f, "RFC 4954 section 6");
		finding_ref(f, "RFC 6409 section 4");
		break;
	case SH_MAIL_REJECTED:
		probe_reply_text(mail, rt, sizeof(rt));
		f = probe_add(rep, run->group, "smarthost.mail-rejected", bad, subject);
		finding_msg(f, _("%s refuses MAIL FROM <%s>: %s"), subject, run->from, rt);
		finding_fix(f, _("Read the reply: the sender domain may need to exist in DNS, or "
		    "the relay wants authentication first."));
		finding_ref(f, "RFC 5321 section 4.1.1.2");
		break;
	case SH_RELAY_DENIED:
		probe_reply_text(rcpt, rt, sizeof(rt));
		f = probe_add(rep, run->group, "smarthost.relay-denied", bad, subject);
		finding_msg(f, _("%s will not relay to <%s>: %s"), subject, run->rcpt, rt);
		if (r->auth == SMTP_AUTH_OK)
			finding_fix(f, _("The login worked, yet the server will not relay for it: "
			    "ask the provider whether this account may relay to outside "
			    "domains, or use its submission host."));
		else
			finding_fix(f, _("This server relays only after AUTH, or not for you: use "
			    "the provider's submission host with authentication."));
		finding_ref(f, "RFC 5321 section 3.6.2");
		break;
	case SH_NOT_A_RELAY:
		probe_reply_text(rcpt, rt, sizeof(rt));
		f = probe_add(rep, run->group, "smarthost.not-a-relay", bad, subject);
		finding_msg(f, _("%s is an MX, not a relay for you: it takes mail for <%s> but "
		    "refuses the outside recipient <%s>: %s%s"), subject, run->local_rcpt,
		    run->rcpt, rt, r->caps.has_auth ? _(" (it offers AUTH: it may relay after a "
		    "login)") : "");
		finding_fix(f, _("A mail server that relays through it would have its mail to "
		    "every other domain refused. Use the provider's submission host (port 587 "
		    "or 465) with --user and a password, as its settings page says."));
		finding_ref(f, "RFC 5321 section 3.6.2");
		finding_ref(f, "RFC 6409 section 3");
		break;
	case SH_OPEN_RELAY:
		f = probe_add(rep, run->group, "smarthost.open-relay",
		    ep->trust == SH_TRUST_STRANGER ? ST_FAIL : ST_WARN, subject);
		if (ep->trust == SH_TRUST_STRANGER)
			finding_msg(f, _("%s relays for anyone: without AUTH it accepted <%s> to the "
			    "outside recipient <%s> from %s (%s), an address that is not its "
			    "customer's."), subject, run->from, run->rcpt, ep->ptr_of,
			    ep->ptr_name);
		else
			finding_msg(f, _("%s relayed to the outside recipient <%s> without AUTH, and "
			    "%s has no PTR name to show it is the relay's customer: it trusts this "
			    "address, or it relays for anyone."), subject, run->rcpt,
			    ep->ptr_of != NULL ? ep->ptr_of : _("our address"));
		finding_fix(f, _("Do not use an open relay: spam sent through it gets it (and "
		    "mail relayed through it) blocklisted. Tell its operator "
		    "(mxdiag relay HOST shows the details) and use your provider's "
		    "submission host with AUTH."));
		finding_ref(f, "RFC 5321 section 3.6.2");
		finding_ref(f, "RFC 2505 section 2");
		break;
	case SH_RCPT_TEMPFAIL:
		probe_reply_text(rcpt, rt, sizeof(rt));
		f = probe_add(rep, run->group, "smarthost.rcpt-tempfail",
		    run->nworking == 0 ? ST_WARN :
		    ST_INFO, subject);
		finding_msg(f, _("%s deferred RCPT TO <%s>: %s"), subject, run->rcpt, rt);
		finding_fix(f, _("A temporary refusal (greylisting, rate limit or a lookup "
		    "failure at the relay): try again in a few minutes."));
		finding_ref(f, "RFC 5321 section 4.2.5");
		break;
	}
	smarthost_ep_data(f, ep);
	finding_data(f, "rank_outcome", json_string(finding_id(f)));
	probe_evidence_smtp(f, r, SH_TRANSCRIPT_LINES);
}

void
smarthost_report_unresolved(struct sh_run *run, struct sh_cand *c)
{
	const struct probe_host *h = c->unresolved;
	struct finding *f;

	if (probe_dns_failed(h->a_status) && probe_dns_failed(h->aaaa_status)) {
		f = probe_add(run->ctx->rep, run->group, "smarthost.dns-failed",
		    ST_UNKNOWN, c->arg);
		finding_msg(f, _("Could not look up %s: the resolver failed (%s), so this "
		    "candidate was not tested."), c->host, dns_status_name(h->a_status));
		finding_fix(f, _("Check the resolver, or give the candidate's IP address as "
		    "well."));
	} else {
		f = probe_add(run->ctx->rep, run->group, "smarthost.name-not-found",
		    run->nworking > 0 ?
		    ST_WARN : ST_FAIL, c->arg);
		finding_msg(f, _("%s does not resolve (%s): a mail server configured with this "
		    "name cannot reach it."), c->host, h->a_status == DNS_NXDOMAIN ?
		    _("no such name") : _("no A or AAAA record"));
		finding_fix(f, _("Check the spelling against the provider's documentation. Some "
		    "ISP host names resolve only through the ISP's own DNS servers: use the IP "
		    "address the ISP documents (and list it as a candidate too), or the resolver "
		    "of that line."));
		finding_data(f, "rcode", json_string(dns_status_name(h->a_status)));
	}
	finding_ref(f, "RFC 5321 section 5.1");
	probe_evidence_list(f, h->evidence);
}
