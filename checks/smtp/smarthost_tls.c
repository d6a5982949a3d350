/* The relay's certificate and TLS judged where it matters (tls_judge.c), as smarthost.tls-*
 * findings. */
#include "config.h"

#include "i18n.h"
#include "probe.h"
#include "report.h"
#include "run.h"
#include "smarthost_report.h"
#include "tls_judge.h"

/* A certificate this close to expiry is a relay that stops working soon. */
#define SH_EXPIRY_WARN_DAYS 14

/* Certificate problems where they matter: at the recommended endpoint, or anywhere when
 * nothing works (WARN); elsewhere they only describe an alternative (INFO). */
void
smarthost_report_tls(struct sh_run *run, struct sh_ep *ep, bool is_best)
{
	struct report *rep = run->ctx->rep;
	const struct smtp_result *r = ep->res;
	const struct tls_info *t = &r->tls;
	enum status st = is_best || run->nworking == 0 ? ST_WARN : ST_INFO;
	char subject[300];
	struct finding *f;
	unsigned j = tls_judge(r, SH_EXPIRY_WARN_DAYS);

	smarthost_subject(ep, subject, sizeof(subject));
	/* An interceptor's certificate (or its lack of one) is not the relay's. */
	if (ep->outcome == SH_GREETING_REFUSED || ep->outcome == SH_INTERCEPTED ||
	    ep->outcome == SH_LINE_BLOCKED)
		return;
	if (j & TLS_J_MISSING) {
		f = probe_add(rep, run->group, "smarthost.tls-missing", st, subject);
		finding_msg(f, _("%s does not offer STARTTLS: the password and the mail "
		    "would cross the network unencrypted."), subject);
		finding_fix(f, _("Use a relay port with STARTTLS (587) or implicit TLS "
		    "(465)."));
		finding_ref(f, "RFC 3207 section 4");
		finding_ref(f, "RFC 8314 section 3");
		smarthost_ep_data(f, ep);
		return;
	}
	if (j & TLS_J_FAILED)
		return;	/* reported as smarthost.tls-failed */
	if (j & TLS_J_UNTRUSTED) {
		f = probe_add(rep, run->group, "smarthost.tls-untrusted", st, subject);
		finding_msg(f, _("The certificate of %s does not verify: %s (subject %s, issuer "
		    "%s)."), subject, t->verify_error, t->subject, t->issuer);
		finding_fix(f, t->is_self_signed ? _("The certificate is self-signed: a mail "
		    "server verifying it will refuse to relay. Ask the provider for a certificate "
		    "from a public CA, or import its CA and use --ca-file.") : _("Check the "
		    "relay's certificate chain (a missing intermediate certificate is the usual "
		    "cause), or give its CA with --ca-file."));
		finding_ref(f, "RFC 8314 section 4.1");
		finding_ref(f, "RFC 5280 section 6");
		smarthost_ep_data(f, ep);
	}
	if (j & TLS_J_NAME_MISMATCH) {
		f = probe_add(rep, run->group, "smarthost.tls-name-mismatch", st, subject);
		finding_msg(f, _("The certificate of %s is not valid for \"%s\" (it names "
		    "%s%s%s)."), subject, t->name, t->subject, t->sans[0] != '\0' ? "; " : "",
		    t->sans);
		if (ep->cand->is_ip)
			finding_fix(f, _("Configure the relay by its host name, not its IP "
			    "address: the certificate names the host, so TLS verification by "
			    "address fails."));
		else
			finding_fix(f, _("Use the host name the certificate names (see its subject "
			    "alternative names)."));
		finding_ref(f, "RFC 6125 section 6");
		smarthost_ep_data(f, ep);
	}
	if (j & TLS_J_EXPIRED) {
		f = probe_add(rep, run->group, "smarthost.tls-expired",
		    st == ST_WARN ? ST_FAIL : ST_INFO,
		    subject);
		finding_msg(f, _("The certificate of %s is %s (valid until %s)."), subject,
		    t->is_expired ? _("expired") : _("not yet valid"), t->not_after);
		finding_fix(f, _("The provider must renew its certificate; until then a verifying "
		    "mail server will not relay through it."));
		finding_ref(f, "RFC 5280 section 4.1.2.5");
		smarthost_ep_data(f, ep);
	} else if (j & TLS_J_EXPIRING) {
		f = probe_add(rep, run->group, "smarthost.tls-expiring", st, subject);
		finding_msg(f, _("The certificate of %s expires in %lld days (%s)."), subject,
		    (long long)t->days_left, t->not_after);
		finding_fix(f, _("Nothing to do on your side unless it is your own relay: renew "
		    "it before it expires."));
		finding_ref(f, "RFC 5280 section 4.1.2.5");
		smarthost_ep_data(f, ep);
	}
}
