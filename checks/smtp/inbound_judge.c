/* The inbound probe's judgement: what a sender experiences walking the MX hosts in
 * preference order (RFC 5321 5.1), each host's answer, STARTTLS and certificate, greeting;
 * nothing judged through a blocked or intercepted port 25 (vantage.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "dns.h"
#include "facts.h"
#include "i18n.h"
#include "inbound_run.h"
#include "probe.h"
#include "report.h"
#include "run.h"
#include "smtp.h"
#include "tls.h"
#include "tls_judge.h"
#include "vantage.h"

static bool
tries_next(enum ib_outcome o)
{
	/* RFC 5321 5.1: on a connection failure (and a refused greeting) senders go on to the
	 * next MX; any reply to MAIL or RCPT is the domain's answer. */
	return o == IB_UNREACHABLE || o == IB_GREETING_REFUSED || o == IB_SESSION_FAILED;
}

static void
report_dns(struct ib_run *run)
{
	struct report *rep = run->ctx->rep;
	struct probe_mx *mx = run->mx;
	struct finding *f;
	size_t i, nusable = 0;

	if (probe_dns_failed(mx->mx_status)) {
		f = probe_add(rep, run->group, "inbound.dns-failed", ST_UNKNOWN, run->domain);
		finding_msg(f, _("The MX lookup for %s failed (%s): cannot tell where its mail "
		    "goes."), run->domain, dns_status_name(mx->mx_status));
		finding_fix(f, _("Check the resolver (--resolver) and the domain's name servers."));
		finding_ref(f, "RFC 5321 section 5.1");
		probe_evidence_list(f, mx->evidence);
		return;
	}
	if (mx->mx_status == DNS_NXDOMAIN) {
		f = probe_add(rep, run->group, "inbound.domain-not-found", ST_FAIL, run->domain);
		finding_msg(f, _("%s does not exist in DNS: senders get \"Host or domain name not "
		    "found\" and bounce at once."), run->domain);
		finding_fix(f, _("Register the domain and publish its zone with an MX record."));
		finding_ref(f, "RFC 5321 section 5.1");
		probe_evidence_list(f, mx->evidence);
		return;
	}
	if (mx->is_null_mx) {
		f = probe_add(rep, run->group, "inbound.null-mx", ST_FAIL, run->domain);
		finding_msg(f, _("%s publishes a null MX (\"MX 0 .\"): it declares it accepts no "
		    "mail, and senders bounce at once."), run->domain);
		finding_fix(f, _("If %s should receive mail, replace the null MX with MX records "
		    "naming its mail servers."), run->domain);
		finding_ref(f, "RFC 7505 section 3");
		probe_evidence_list(f, mx->evidence);
		return;
	}
	for (i = 0; i < mx->nhosts; i++) {
		const struct probe_host *h = &mx->hosts[i];

		if (h->naddrs > 0) {
			nusable++;
			continue;
		}
		if (mx->is_implicit)
			continue;
		f = probe_add(rep, run->group, "inbound.mx-no-address", ST_WARN, h->name);
		finding_msg(f, _("MX host %s (preference %u) has no address: senders skip it%s."),
		    h->name, h->pref, probe_dns_failed(h->a_status) ? _(" (the lookup failed)") :
		    "");
		finding_fix(f, _("Publish an A record for %s, or remove the MX record."), h->name);
		finding_ref(f, "RFC 5321 section 5.1");
		probe_evidence_list(f, h->evidence);
	}
	if (mx->is_implicit && nusable > 0) {
		f = probe_add(rep, run->group, "inbound.implicit-mx", ST_WARN, run->domain);
		finding_msg(f, _("%s has no MX record: senders deliver to its A/AAAA address "
		    "(implicit MX), and some receivers distrust domains without MX."), run->domain);
		finding_fix(f, _("Publish an MX record naming the mail server."));
		finding_ref(f, "RFC 5321 section 5.1");
		probe_evidence_list(f, mx->evidence);
	}
	if (nusable == 0) {
		f = probe_add(rep, run->group, "inbound.no-mail-host", ST_FAIL, run->domain);
		finding_msg(f, _("%s has no mail host with an address (%s): senders get \"Host or "
		    "domain name not found\"."), run->domain, mx->is_implicit ?
		    _("no MX and no A/AAAA") : _("no MX host resolves"));
		finding_fix(f, _("Publish an MX record for %s naming the mail server, and an A "
		    "record for that server."), run->domain);
		finding_ref(f, "RFC 5321 section 5.1");
		probe_evidence_list(f, mx->evidence);
		for (i = 0; i < mx->nhosts; i++)
			probe_evidence_list(f, mx->hosts[i].evidence);
	}
}

/* ---- judging ---- */

/* Case-insensitive substring test (strcasestr is a GNU extension). */
static bool
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

static bool
looks_greylisted(const struct smtp_reply *rp)
{
	const char *t = smtp_reply_text(rp);

	/* Postgrey: "450 4.2.0 ... Greylisted"; others use 451 4.7.1 "try again later". */
	return strcmp(rp->enh, "4.7.1") == 0 || strcmp(rp->enh, "4.2.0") == 0 ||
	    contains_nocase(t, "greylist") || contains_nocase(t, "graylist") ||
	    contains_nocase(t, "try again later");
}

/* A refusal of the address itself, in the words of servers that send no X.1.1 status
 * (Exim: "Unrouteable address", OpenSMTPD: "Invalid recipient"). Only read when postmaster
 * was not asked beside it. */
static bool
says_no_such_mailbox(const struct smtp_reply *rp)
{
	static const char *const words[] = { "user unknown", "unknown user", "no such user",
	    "unrouteable address", "invalid recipient", "unknown recipient",
	    "recipient unknown", "mailbox unavailable", "mailbox does not exist",
	    "user does not exist", NULL };
	const char *t = smtp_reply_text(rp);
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (contains_nocase(t, words[i]))
			return true;
	return false;
}

/* A 5xx to RCPT: the mailbox (X.1.1), or the server will not take the domain (relay
 * denied)? Postmaster asked beside it decides: every domain accepts mail for its
 * postmaster (RFC 5321 4.5.1), so a server that takes it counts the domain as its own and
 * refuses only this address. */
static enum ib_outcome
judge_refusal(const struct ib_run *run, const struct smtp_result *r,
    const struct smtp_reply *rp)
{
	const struct smtp_step *pm = run->pm_rcpt != NULL ?
	    smtp_result_step(r, SMTP_STEP_RCPT, 0, run->pm_idx) : NULL;

	/* RFC 3463 3.2: X.1.1 bad destination mailbox address; another status says what
	 * it is about itself (X.2.2 a full mailbox, X.7.1 policy). */
	if (strcmp(rp->enh, "5.1.1") == 0 || strcmp(rp->enh, "5.1.0") == 0)
		return IB_RCPT_UNKNOWN;
	if (rp->enh[0] != '\0' && strcmp(rp->enh + 1, ".0.0") != 0)
		return IB_RCPT_REJECTED;
	if (pm != NULL && pm->reply.code != 0)
		return pm->reply.code / 100 == 2 ? IB_RCPT_UNKNOWN : IB_RCPT_REJECTED;
	return says_no_such_mailbox(rp) ? IB_RCPT_UNKNOWN : IB_RCPT_REJECTED;
}

static enum ib_outcome
judge_ep(const struct ib_run *run, const struct smtp_result *r)
{
	const struct smtp_step *banner = smtp_result_step(r, SMTP_STEP_BANNER, 0, 0);
	const struct smtp_step *mail = smtp_result_step(r, SMTP_STEP_MAIL, 0, 0);
	const struct smtp_step *rcpt = smtp_result_step(r, SMTP_STEP_RCPT, 0, 0);
	const struct smtp_reply *rp;

	if (r->conn != SMTP_CONN_OK)
		return IB_UNREACHABLE;
	if (banner == NULL || banner->reply.code == 0)
		return IB_SESSION_FAILED;
	if (banner->reply.code / 100 != 2)
		return IB_GREETING_REFUSED;
	if (mail == NULL || mail->reply.code == 0)
		return IB_SESSION_FAILED;
	if (mail->reply.code / 100 != 2)
		return IB_SENDER_REJECTED;
	if (rcpt == NULL || rcpt->reply.code == 0)
		return IB_SESSION_FAILED;
	rp = &rcpt->reply;
	if (rp->code / 100 == 2)
		return IB_ACCEPTED;
	if (rp->code / 100 == 4)
		return looks_greylisted(rp) ? IB_GREYLISTED : IB_RCPT_DEFERRED;
	/* Exchange's default receive connector without anonymous permission: RFC 4954 6. */
	if (rp->code == 530)
		return IB_ANON_REFUSED;
	return judge_refusal(run, r, rp);
}

static void
subject_of(const struct ib_run *run, const struct ib_ep *ep, char *buf, size_t len)
{
	const char *name = run->mx->hosts[ep->host].name;

	if (strchr(ep->addr, ':') != NULL)
		snprintf(buf, len, "%s [%s]", name, ep->addr);
	else
		snprintf(buf, len, "%s (%s)", name, ep->addr);
}

static void
add_ep_data(struct finding *f, const struct ib_run *run, const struct ib_ep *ep)
{
	const struct probe_host *h = &run->mx->hosts[ep->host];

	finding_data(f, "mx", json_string(h->name));
	finding_data(f, "preference", json_integer(h->pref));
	finding_data(f, "address", json_string(ep->addr));
	if (ep->ptr != NULL)
		finding_data(f, "ptr", json_string(ep->ptr));
	finding_data(f, "session", probe_session_json(ep->res));
}

static const struct check_facts *facts_of(const struct ib_run *run);
static void add_rcpt_data(struct finding *f, const struct ib_run *run,
    const struct smtp_result *r);

/* Whether addr's address family is known to let port 25 out from here: the port25 probe
 * found it open, or an MX address of that family took a connection. */
static bool
is_family_shown_open(const struct ib_run *run, const char *addr)
{
	bool is_v6 = strchr(addr, ':') != NULL;
	size_t i;

	if (vantage_is_line_open(facts_of(run), addr))
		return true;
	for (i = 0; i < run->neps; i++)
		if ((strchr(run->eps[i].addr, ':') != NULL) == is_v6 &&
		    run->eps[i].outcome != IB_UNREACHABLE)
			return true;
	return false;
}

/* One finding per endpoint: it accepts, or why not. on_path: it decides delivery;
 * has_path: some host answered, so an unreachable one is a broken fallback (WARN); or none
 * did from a line not known to let port 25 out, so none is proven down (WARN). */
static void
report_ep(struct ib_run *run, struct ib_ep *ep, bool on_path, bool has_path)
{
	struct report *rep = run->ctx->rep;
	const struct smtp_result *r = ep->res;
	const struct probe_host *h = &run->mx->hosts[ep->host];
	const struct smtp_step *rcpt = smtp_result_step(r, SMTP_STEP_RCPT, 0, 0);
	const struct smtp_step *mail = smtp_result_step(r, SMTP_STEP_MAIL, 0, 0);
	/* A permanent refusal on the delivery path bounces mail; elsewhere it is a broken
	 * backup. Hosts before the path are why senders fell back. */
	enum status hard = on_path ? ST_FAIL : ST_WARN;
	char subject[400], rt[600];
	struct finding *f = NULL;

	subject_of(run, ep, subject, sizeof(subject));
	switch (ep->outcome) {
	case IB_ACCEPTED:
		f = probe_add(rep, run->group, "inbound.mx-accepts", ST_OK, subject);
		finding_msg(f, _("%s (preference %u) accepts RCPT TO <%s> from <%s>; greeting after "
		    "%lld ms, %s."), h->name, h->pref, run->rcpt, run->from,
		    (long long)(r->connect_ms + r->banner_ms), r->tls_active ?
		    _("STARTTLS works") : _("no TLS"));
		finding_ref(f, "RFC 5321 section 4.1.1.3");
		break;
	case IB_UNREACHABLE:
		/* Proven down only over a family this line is shown to let out. */
		f = probe_add(rep, run->group, "inbound.mx-unreachable",
		    has_path || !is_family_shown_open(run, ep->addr) ? ST_WARN : ST_FAIL,
		    subject);
		if (is_family_shown_open(run, ep->addr))
			finding_msg(f, _("MX host %s (preference %u) cannot be reached on port 25: "
			    "%s."), h->name, h->pref, r->fail_detail);
		else
			finding_msg(f, _("MX host %s (preference %u) cannot be reached on port 25: "
			    "%s. Outbound port 25 from this line on this address family is not "
			    "known to be open (%s)."), h->name, h->pref, r->fail_detail,
			    vantage_unproven_words(facts_of(run), ep->addr));
		finding_fix(f, _("Check that the server runs and that the firewall (and the "
		    "router's port forwarding) lets port 25 in from the Internet. If every MX "
		    "looks unreachable, first check this line's own outbound port 25 (mxdiag "
		    "port25): the block may be on your side."));
		finding_ref(f, "RFC 5321 section 5.1");
		break;
	case IB_GREETING_REFUSED:
		probe_reply_text(smtp_result_step(r, SMTP_STEP_BANNER, 0, 0), rt, sizeof(rt));
		f = probe_add(rep, run->group, "inbound.mx-refuses",
		    has_path ? ST_WARN : ST_FAIL, subject);
		finding_msg(f, _("MX host %s (preference %u) refuses sessions at its greeting: "
		    "%s. Senders try the next MX."), h->name, h->pref, rt);
		finding_fix(f, _("Find out why the server answers %d (overload, maintenance, "
		    "a block on the client's address) and fix or remove that MX record."),
		    smtp_result_step(r, SMTP_STEP_BANNER, 0, 0)->reply.code);
		finding_ref(f, "RFC 5321 section 3.1");
		break;
	case IB_SESSION_FAILED:
		f = probe_add(rep, run->group, "inbound.mx-session-failed",
		    has_path ? ST_WARN : ST_FAIL,
		    subject);
		finding_msg(f, _("The session with MX host %s broke off: %s."), h->name,
		    r->fail_detail);
		finding_fix(f, _("Look at the server's log for this time; a TLS failure here "
		    "makes many senders retry without TLS, others defer."));
		finding_ref(f, "RFC 5321 section 4.5.3.2");
		break;
	case IB_SENDER_REJECTED:
		probe_reply_text(mail, rt, sizeof(rt));
		f = probe_add(rep, run->group, "inbound.sender-rejected", ST_WARN, subject);
		finding_msg(f, _("%s refuses the outside sender <%s>: %s"), h->name, run->from,
		    rt);
		finding_fix(f, _("A sender-domain policy may refuse the probe address; try "
		    "--from with a real outside address. If real senders get this, relax the "
		    "sender checks."));
		finding_ref(f, "RFC 5321 section 4.1.1.2");
		break;
	case IB_ANON_REFUSED:
		probe_reply_text(rcpt, rt, sizeof(rt));
		f = probe_add(rep, run->group, "inbound.anonymous-refused", hard, subject);
		finding_msg(f, _("%s refuses anonymous senders: %s. Every mail server on the "
		    "Internet delivers anonymously, so all of them get this and bounce."), h->name,
		    rt);
		finding_fix(f, _("On Exchange, add \"Anonymous users\" to the permission groups of "
		    "the Internet-facing receive connector, keeping the groups it has (2013 and "
		    "later: \"SERVER\\Default Frontend SERVER\"; 2007/2010: \"SERVER\\Default "
		    "SERVER\"; SERVER is the server's name): $c = Get-ReceiveConnector "
		    "\"SERVER\\Default Frontend SERVER\"; Set-ReceiveConnector $c.Identity "
		    "-PermissionGroups \"$($c.PermissionGroups), AnonymousUsers\". Anonymous is all "
		    "that is needed. Never tick \"Externally secured\" on a connector facing the "
		    "Internet: it makes the server an open relay."));
		finding_ref(f, "RFC 5321 section 4.5.1");
		finding_ref(f, "RFC 4954 section 6");
		break;
	case IB_RCPT_UNKNOWN:
		probe_reply_text(rcpt, rt, sizeof(rt));
		f = probe_add(rep, run->group, "inbound.rcpt-unknown", hard, subject);
		finding_msg(f, _("%s does not know the recipient <%s>: %s"), h->name, run->rcpt,
		    rt);
		if (strncasecmp(run->rcpt, "postmaster@", 11) == 0)
			finding_fix(f, _("Every domain must accept postmaster (RFC 5321 4.5.1): add "
			    "it as an address or alias of the administrator."));
		else
			finding_fix(f, _("Check the address; create the mailbox or an alias for "
			    "it."));
		finding_ref(f, "RFC 5321 section 4.5.1");
		finding_ref(f, "RFC 3463 section 3.2");
		break;
	case IB_RCPT_REJECTED:
		probe_reply_text(rcpt, rt, sizeof(rt));
		f = probe_add(rep, run->group, "inbound.rcpt-rejected", hard, subject);
		finding_msg(f, _("%s refuses mail for <%s>: %s"), h->name, run->rcpt, rt);
		finding_fix(f, _("If it answers \"relay denied\", the server does not count %s as "
		    "its own: add it to the accepted domains (Exchange) or to "
		    "mydestination/virtual_mailbox_domains (Postfix); a backup MX must list it "
		    "as a relay domain."), run->domain);
		finding_ref(f, "RFC 5321 section 3.6.2");
		break;
	case IB_GREYLISTED:
		probe_reply_text(rcpt, rt, sizeof(rt));
		f = probe_add(rep, run->group, "inbound.greylisted", ST_WARN, subject);
		finding_msg(f, _("%s defers the first attempt (greylisting): %s. Real senders "
		    "retry and get through after minutes; mail is delayed, not lost."), h->name,
		    rt);
		finding_fix(f, _("Nothing to fix if the delay is accepted; exempt known senders "
		    "(whitelists) where it is not."));
		finding_ref(f, "RFC 6647 section 2.1");
		break;
	case IB_RCPT_DEFERRED:
		probe_reply_text(rcpt, rt, sizeof(rt));
		f = probe_add(rep, run->group, "inbound.rcpt-deferred", ST_WARN, subject);
		finding_msg(f, _("%s defers RCPT TO <%s>: %s. Senders retry; if it persists, "
		    "mail bounces after days."), h->name, run->rcpt, rt);
		finding_fix(f, _("Read the reply: a full disk, an unreachable mailbox store or "
		    "a failing lookup on the server side."));
		finding_ref(f, "RFC 5321 section 4.2.5");
		break;
	}
	add_ep_data(f, run, ep);
	add_rcpt_data(f, run, r);
	probe_evidence_smtp(f, r, IB_TRANSCRIPT_LINES);
}

/* The host's own answer to RCPT, as data: what a proof reads (explain_proof.c) without
 * parsing a message; the made-up address's answer beside it when one was asked. */
static void
add_rcpt_data(struct finding *f, const struct ib_run *run, const struct smtp_result *r)
{
	const struct smtp_step *rcpt = smtp_result_step(r, SMTP_STEP_RCPT, 0, 0);
	const struct smtp_step *any = run->any_rcpt != NULL ?
	    smtp_result_step(r, SMTP_STEP_RCPT, 0, run->any_idx) : NULL;
	char rt[600];

	if (rcpt == NULL || rcpt->reply.code == 0)
		return;
	probe_reply_text(rcpt, rt, sizeof(rt));
	finding_data(f, "rcpt_code", json_integer(rcpt->reply.code));
	if (rcpt->reply.enh[0] != '\0')
		finding_data(f, "rcpt_status", json_string(rcpt->reply.enh));
	finding_data(f, "rcpt_reply", json_stringn_nocheck(rt, strlen(rt)));
	if (run->any_rcpt != NULL && any != NULL && any->reply.code != 0) {
		finding_data(f, "any_rcpt", json_string(run->any_rcpt));
		finding_data(f, "any_rcpt_code", json_integer(any->reply.code));
	}
}

/* The host that decides took rcpt: did it take the made-up address too? Then it takes any
 * address at RCPT (a catch-all, or it checks after DATA and bounces later), and its yes
 * says nothing about whether rcpt exists. */
static void
report_accepts_any(struct ib_run *run, struct ib_ep *ep)
{
	const struct smtp_step *any = run->any_rcpt != NULL ?
	    smtp_result_step(ep->res, SMTP_STEP_RCPT, 0, run->any_idx) : NULL;
	const char *mxname = run->mx->hosts[ep->host].name;
	char subject[400], rt[600];
	struct finding *f;

	if (run->any_rcpt == NULL || ep->outcome != IB_ACCEPTED || any == NULL ||
	    any->reply.code / 100 != 2)
		return;
	subject_of(run, ep, subject, sizeof(subject));
	probe_reply_text(any, rt, sizeof(rt));
	f = probe_add(run->ctx->rep, run->group, "inbound.accepts-any", ST_INFO, subject);
	finding_msg(f, _("%s accepts any address at RCPT: it took the made-up <%s> too (%s), "
	    "so its yes to <%s> does not show that the mailbox exists (a catch-all, or it checks "
	    "addresses only after DATA and bounces later)."), mxname, run->any_rcpt, rt,
	    run->rcpt);
	finding_fix(f, _("Only a delivery tells: send a short test message to <%s> and watch "
	    "for a bounce."), run->rcpt);
	finding_ref(f, "RFC 5321 section 3.3");
	add_ep_data(f, run, ep);
	add_rcpt_data(f, run, ep->res);
	probe_evidence_smtp(f, ep->res, IB_TRANSCRIPT_LINES);
}

static void
report_tls(struct ib_run *run, struct ib_ep *ep)
{
	struct report *rep = run->ctx->rep;
	const struct smtp_result *r = ep->res;
	const struct tls_info *t = &r->tls;
	const char *mxname = run->mx->hosts[ep->host].name;
	char subject[400];
	struct finding *f;
	unsigned j = tls_judge(r, IB_EXPIRY_WARN_DAYS);

	if (j == 0)
		return;
	subject_of(run, ep, subject, sizeof(subject));
	if (j & TLS_J_MISSING) {
		f = probe_add(rep, run->group, "inbound.starttls-missing", ST_WARN, subject);
		finding_msg(f, _("%s does not offer STARTTLS: mail to %s crosses the Internet "
		    "unencrypted, and senders that require TLS (MTA-STS, DANE) cannot deliver."),
		    mxname, run->domain);
		finding_fix(f, _("Enable STARTTLS with a certificate for %s (Postfix: "
		    "smtpd_tls_security_level = may; Exchange: a certificate assigned to the SMTP "
		    "service)."), mxname);
		finding_ref(f, "RFC 3207 section 4");
		finding_ref(f, "RFC 8461 section 4");
		add_ep_data(f, run, ep);
		return;
	}
	if (j & TLS_J_FAILED) {
		f = probe_add(rep, run->group, "inbound.tls-failed", ST_WARN, subject);
		finding_msg(f, _("The STARTTLS handshake with %s failed: %s."), mxname, t->error);
		finding_fix(f, _("Check the certificate and key configured for SMTP and the TLS "
		    "versions offered (TLS 1.2 or later)."));
		finding_ref(f, "RFC 3207 section 4");
		add_ep_data(f, run, ep);
		return;
	}
	if (j & TLS_J_UNTRUSTED) {
		f = probe_add(rep, run->group, "inbound.tls-untrusted", ST_WARN, subject);
		finding_msg(f, _("The certificate of %s does not verify: %s (subject %s, issuer "
		    "%s). Opportunistic senders deliver anyway; MTA-STS senders do not."), mxname,
		    t->verify_error, t->subject, t->issuer);
		finding_fix(f, _("Use a certificate from a public CA with the full chain "
		    "(Exchange's self-signed default certificate is not enough)."));
		finding_ref(f, "RFC 8461 section 4.2");
		add_ep_data(f, run, ep);
	}
	if (j & TLS_J_NAME_MISMATCH) {
		f = probe_add(rep, run->group, "inbound.tls-name-mismatch", ST_WARN, subject);
		finding_msg(f, _("The certificate of %s does not name the MX host \"%s\" (it names "
		    "%s%s%s)."), mxname, mxname, t->subject, t->sans[0] != '\0' ? "; " : "",
		    t->sans);
		finding_fix(f, _("Get a certificate whose subject alternative names include %s, "
		    "the name in the MX record."), mxname);
		finding_ref(f, "RFC 8461 section 4.2");
		finding_ref(f, "RFC 6125 section 6");
		add_ep_data(f, run, ep);
	}
	if (j & TLS_J_EXPIRED) {
		f = probe_add(rep, run->group, "inbound.tls-expired", ST_WARN, subject);
		finding_msg(f, _("The certificate of %s is %s (valid until %s)."), mxname,
		    t->is_expired ? _("expired") : _("not yet valid"), t->not_after);
		finding_fix(f, _("Renew the certificate and assign it to the SMTP service."));
		finding_ref(f, "RFC 5280 section 4.1.2.5");
		add_ep_data(f, run, ep);
	} else if (j & TLS_J_EXPIRING) {
		f = probe_add(rep, run->group, "inbound.tls-expiring", ST_WARN, subject);
		finding_msg(f, _("The certificate of %s expires in %lld days (%s)."), mxname,
		    (long long)t->days_left, t->not_after);
		finding_fix(f, _("Renew it now and check that renewal is automatic."));
		finding_ref(f, "RFC 5280 section 4.1.2.5");
		add_ep_data(f, run, ep);
	}
}

/* Greeting name against MX name and PTR, and the time to the greeting. */
static void
report_greeting(struct ib_run *run, struct ib_ep *ep)
{
	struct report *rep = run->ctx->rep;
	const struct smtp_result *r = ep->res;
	const char *mxname = run->mx->hosts[ep->host].name;
	char subject[400], name[256];
	struct finding *f;

	if (r->conn != SMTP_CONN_OK)
		return;
	subject_of(run, ep, subject, sizeof(subject));
	smtp_result_banner_name(r, name, sizeof(name));
	if (name[0] != '\0' && strcasecmp(name, mxname) != 0 &&
	    (ep->ptr == NULL || strcasecmp(name, ep->ptr) != 0)) {
		f = probe_add(rep, run->group, "inbound.banner-mismatch", ST_INFO, subject);
		finding_msg(f, _("%s greets as \"%s\", which is neither its MX name nor its PTR "
		    "(%s). Harmless for delivery; confusing in logs and bounces."), mxname, name,
		    ep->ptr != NULL ? ep->ptr : _("none"));
		finding_fix(f, _("Set the server's announced name to %s (Postfix myhostname; "
		    "Exchange: the receive connector's FQDN)."), mxname);
		finding_ref(f, "RFC 5321 section 4.3.1");
		if (ep->ptr_evidence != NULL)
			finding_evidence_json(f, json_incref(ep->ptr_evidence));
		add_ep_data(f, run, ep);
	}
	if (r->banner_ms > IB_SLOW_GREETING_MS) {
		f = probe_add(rep, run->group, "inbound.slow-greeting", ST_WARN, subject);
		finding_msg(f, _("%s took %lld ms to greet. Senders wait, but a slow greeting "
		    "usually means the server waits on its own DNS (a reverse lookup of the "
		    "client) or is overloaded."), mxname, (long long)r->banner_ms);
		finding_fix(f, _("Check the server's DNS resolver settings and its load."));
		finding_ref(f, "RFC 5321 section 4.5.3.2.1");
		add_ep_data(f, run, ep);
	}
}

static const struct check_facts *
facts_of(const struct ib_run *run)
{
	return run->check != NULL ? run->check->facts : NULL;
}

/*
 * No MX host took a connection: the servers' fault only when something answered on port 25
 * or the port25 probe found the line open on the family tried. Else the line itself may
 * block port 25 (OP25B, a firewall) and nothing proves otherwise.
 */
static bool
is_line_shown_open(const struct ib_run *run)
{
	size_t i;

	for (i = 0; i < run->neps; i++)
		if (run->eps[i].outcome != IB_UNREACHABLE ||
		    vantage_is_line_open(facts_of(run), run->eps[i].addr))
			return true;
	return false;
}

static void
report_unproven(struct ib_run *run, struct ib_ep **order, size_t n)
{
	struct finding *f;
	size_t i;

	f = probe_add(run->ctx->rep, run->group, "inbound.unreachable", ST_UNKNOWN, run->domain);
	finding_msg(f, _("No MX host of %s took a connection on port 25 from here (%zu tried), "
	    "and this network's own outbound port 25 was not shown to be open (%s): the block "
	    "may be this line's (OP25B, a firewall), not the servers'."), run->domain, n,
	    vantage_unproven_words(facts_of(run), order[0]->addr));
	finding_fix(f, _("Run `mxdiag port25` to see what this line does to port 25, name a "
	    "server that answers port 25 from anywhere with --port25-target HOST, or test from "
	    "a network without outbound port 25 blocking."));
	finding_ref(f, "RFC 5321 section 5.1");
	finding_data(f, "port25", json_string("unproven"));
	for (i = 0; i < n; i++)
		finding_evidence(f, "%s %s: %s", run->mx->hosts[order[i]->host].name,
		    order[i]->addr, order[i]->res->fail_detail);
}

/* What a sender experiences: walk the MX in preference order like RFC 5321 5.1. */
static void
report_path(struct ib_run *run, struct ib_ep **order, size_t n, size_t path)
{
	struct report *rep = run->ctx->rep;
	struct finding *f;
	struct ib_ep *ep = path < n ? order[path] : NULL;
	const struct probe_host *h = ep != NULL ? &run->mx->hosts[ep->host] : NULL;
	size_t i;

	if (ep != NULL && ep->vantage.v != VANTAGE_CLEAR) {
		/* The walk reached a host whose answer is not its own: senders elsewhere
		 * may well be served by it. */
		f = probe_add(rep, run->group, "inbound.untestable", ST_UNKNOWN, run->domain);
		vantage_explain(f, &ep->vantage, h->name);
		finding_data(f, "mx", json_string(h->name));
		finding_data(f, "address", json_string(ep->addr));
		for (i = 0; i < n; i++)
			finding_evidence(f, "%s %s: %s", run->mx->hosts[order[i]->host].name,
			    order[i]->addr, order[i]->res->fail != SMTP_FAIL_NONE ?
			    order[i]->res->fail_detail : _("session completed"));
		return;
	}
	if (ep == NULL && !is_line_shown_open(run)) {
		report_unproven(run, order, n);
		return;
	}
	if (ep == NULL) {
		f = probe_add(rep, run->group, "inbound.unreachable", ST_FAIL, run->domain);
		finding_msg(f, _("No MX host of %s takes a session on port 25 (%zu tried): "
		    "senders queue mail and bounce it after days (\"Connection timed out\")."),
		    run->domain, n);
		finding_fix(f, _("Make the MX host reachable on port 25 from the Internet. If "
		    "this line blocks outbound port 25 (mxdiag port25), test from elsewhere."));
		finding_ref(f, "RFC 5321 section 5.1");
		for (i = 0; i < n; i++)
			if (vantage_is_line_open(facts_of(run), order[i]->addr)) {
				finding_evidence(f, _("Outbound port 25 from this network is open "
				    "(port25.open): the failure is the servers', not this line's."));
				break;
			}
		return;
	}
	switch (ep->outcome) {
	case IB_ACCEPTED:
		if (path == 0 || run->mx->hosts[order[0]->host].pref == h->pref) {
			f = probe_add(rep, run->group, "inbound.accepted", ST_OK, run->domain);
			finding_msg(f, _("Mail to <%s> is accepted by %s (preference %u)."),
			    run->rcpt, h->name, h->pref);
		} else {
			f = probe_add(rep, run->group, "inbound.backup-only", ST_WARN, run->domain);
			finding_msg(f, _("The preferred MX %s does not take mail; senders fall "
			    "back to %s (preference %u), which accepts <%s>. Mail arrives late and "
			    "only while the backup works."), run->mx->hosts[order[0]->host].name,
			    h->name, h->pref, run->rcpt);
			finding_fix(f, _("Fix the preferred MX host (see its finding), or remove "
			    "its MX record."));
		}
		finding_ref(f, "RFC 5321 section 5.1");
		break;
	case IB_GREYLISTED:
	case IB_RCPT_DEFERRED:
		f = probe_add(rep, run->group, "inbound.deferred", ST_WARN, run->domain);
		finding_msg(f, _("Mail to <%s> is deferred by %s: senders retry later."),
		    run->rcpt, h->name);
		finding_ref(f, "RFC 5321 section 4.2.5");
		break;
	default:
		f = probe_add(rep, run->group, "inbound.rejected", ST_FAIL, run->domain);
		finding_msg(f, _("Mail to <%s> bounces: %s, the first MX host that answers, "
		    "refuses it (see its finding). Senders do not try other MX hosts after a "
		    "5xx reply."), run->rcpt, h->name);
		finding_ref(f, "RFC 5321 section 4.2.1");
		break;
	}
	finding_data(f, "mx", json_string(h->name));
	finding_data(f, "preference", json_integer(h->pref));
	finding_data(f, "address", json_string(ep->addr));
	for (i = 0; i <= path && i < n; i++)
		finding_evidence(f, "%s %s: %s", run->mx->hosts[order[i]->host].name,
		    order[i]->addr, order[i]->res->fail != SMTP_FAIL_NONE ?
		    order[i]->res->fail_detail : _("session completed"));
}

/* Which answers are the hosts' own, knowing what port 25 does from here. */
static void
judge_vantage(struct ib_run *run)
{
	struct vantage_session vs[IB_MAX_EPS];
	const struct check_facts *facts = facts_of(run);
	size_t i;

	for (i = 0; i < run->neps; i++) {
		vs[i].name = run->mx->hosts[run->eps[i].host].name;
		vs[i].ptr = run->eps[i].ptr;
		vs[i].res = run->eps[i].res;
	}
	for (i = 0; i < run->neps; i++)
		vantage_of(facts, vs, run->neps, i, &run->eps[i].vantage);
}

static void
report_untestable(struct ib_run *run, struct ib_ep *ep)
{
	char subject[400];
	struct finding *f;

	subject_of(run, ep, subject, sizeof(subject));
	f = probe_add(run->ctx->rep, run->group, "inbound.host-untestable", ST_UNKNOWN, subject);
	vantage_explain(f, &ep->vantage, run->mx->hosts[ep->host].name);
	add_ep_data(f, run, ep);
	probe_evidence_smtp(f, ep->res, IB_TRANSCRIPT_LINES);
}

void
inbound_judge(struct ib_run *run)
{
	struct ib_ep *order[IB_MAX_EPS];
	size_t i, j, path, nclear = 0;
	bool has_path;

	if (run->mx == NULL)
		return;
	report_dns(run);
	if (run->neps == 0)
		return;
	for (i = 0; i < run->neps; i++)
		run->eps[i].outcome = judge_ep(run, run->eps[i].res);
	/* Preference order (hosts are sorted), IPv4 before IPv6 within a host. */
	for (i = 0; i < run->neps; i++)
		order[i] = &run->eps[i];
	for (i = 1; i < run->neps; i++) {
		struct ib_ep *e = order[i];

		for (j = i; j > 0 && (order[j - 1]->host > e->host || (order[j - 1]->host ==
		    e->host && strchr(order[j - 1]->addr, ':') != NULL &&
		    strchr(e->addr, ':') == NULL)); j--)
			order[j] = order[j - 1];
		order[j] = e;
	}
	judge_vantage(run);
	for (path = 0; path < run->neps && order[path]->vantage.v == VANTAGE_CLEAR &&
	    tries_next(order[path]->outcome); path++)
		;
	report_path(run, order, run->neps, path);
	if (path < run->neps && order[path]->vantage.v == VANTAGE_CLEAR)
		report_accepts_any(run, order[path]);
	/* No host took a connection and the line is not known to be open: each host is
	 * unreachable from here (WARN), not proven down. */
	has_path = path < run->neps || !is_line_shown_open(run);
	for (i = 0; i < run->neps; i++)
		if (order[i]->vantage.v == VANTAGE_CLEAR)
			nclear++;
	for (i = 0; i < run->neps; i++) {
		/* When no answer was the hosts' own, the domain's finding says it all. */
		if (order[i]->vantage.v != VANTAGE_CLEAR) {
			if (nclear > 0)
				report_untestable(run, order[i]);
			continue;
		}
		/* Both addresses of the host that decides are on the path: senders may use
		 * either family, so the same refusal is as grave over IPv4 and IPv6. */
		report_ep(run, order[i], path < run->neps && order[i]->host == order[path]->host,
		    has_path);
		report_tls(run, order[i]);
		report_greeting(run, order[i]);
	}
}

