/*
 * The big receivers' sender rules, read off a finished run's findings (sender_rules.h).
 * The requirements and their sources are in docs/checks.md ("rules"): Gmail's Email
 * sender guidelines and Yahoo's Sender Best Practices (both in force since February
 * 2024), Outlook.com's requirements for high-volume senders (enforced with 550 5.7.515
 * since May 2025). A rule for every sender unmet is FAIL, a bulk sender's rule WARN; a
 * rule the run could not decide is INFO and says what to give.
 */
#include "config.h"

#include <string.h>

#include "checks.h"
#include "facts.h"
#include "i18n.h"
#include "report.h"
#include "sender_rules.h"

enum verdict { MET, UNMET, UNDECIDED };

/* Gmail and Yahoo's rules for every sender; the bulk (5,000 a day and more) rules of the
 * three. The reference strings name each receiver's published requirement. */
#define REF_GMAIL "Gmail Email sender guidelines (support.google.com/a/answer/81126)"
#define REF_YAHOO "Yahoo Sender Best Practices (senders.yahooinc.com/best-practices)"
#define REF_OUTLOOK "Outlook.com requirements for high-volume senders (Microsoft " \
	"Defender for Office 365 blog, April 2025)"

static bool
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* The first finding with id (or an id starting with it, prefix) about subject (NULL:
 * any), that path.c did not regrade as moot. */
static const struct finding *
find(const struct report *rep, const char *id, bool prefix, const char *subject)
{
	size_t i, n = report_count(rep);

	for (i = 0; i < n; i++) {
		const struct finding *f = report_finding(rep, i);
		const char *fid = finding_id(f);

		if ((prefix ? has_prefix(fid, id) : strcmp(fid, id) == 0) &&
		    (subject == NULL || strcmp(finding_subject(f), subject) == 0) &&
		    json_object_get(finding_data_obj(f), "regraded") == NULL)
			return f;
	}
	return NULL;
}

struct seen {
	enum verdict spf, dkim, dmarc, ptr, tls;
	const char *spf_how, *ptr_how;
};

/* SPF for the domain from the address receivers see: the relay's on a relayed path. */
static void
read_spf(const struct report *rep, const struct relay_fact *relay, struct seen *s)
{
	const struct finding *f;

	if (relay != NULL) {
		f = find(rep, "smarthost.spf-", true, NULL);
		s->spf = f == NULL ? UNDECIDED : strcmp(finding_id(f), "smarthost.spf-pass") == 0 ?
		    MET : UNMET;
		s->spf_how = f != NULL ? finding_id(f) : NULL;
		return;
	}
	f = find(rep, "spf.result-", true, NULL);
	s->spf = f == NULL ? UNDECIDED : strcmp(finding_id(f), "spf.result-pass") == 0 ? MET :
	    strcmp(finding_id(f), "spf.result-temperror") == 0 ? UNDECIDED : UNMET;
	s->spf_how = f != NULL ? finding_id(f) : NULL;
}

static void
read_ptr(const struct report *rep, const char *addr, struct seen *s)
{
	static const char *const bad[] = { "ptr.missing", "ptr.no-forward", "ptr.not-confirmed" };
	size_t i;

	s->ptr = UNDECIDED;
	if (addr == NULL)
		return;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (find(rep, bad[i], false, addr) != NULL) {
			s->ptr = UNMET;
			s->ptr_how = bad[i];
			return;
		}
	if (find(rep, "ptr.confirmed", false, addr) != NULL ||
	    find(rep, "ptr.generic", false, addr) != NULL || find(rep, "ptr.multiple", false,
	    addr) != NULL)
		s->ptr = MET;
}

static enum verdict
read_dkim(const struct report *rep)
{
	static const char *const bad[] = { "dkim.not-found", "dkim.no-key", "dkim.revoked",
	    "dkim.key-weak", "dkim.bad-key", "dkim.syntax", "dkim.sha1-only",
	    "dkim.cname-dangling" };
	size_t i;

	if (find(rep, "dkim.key-ok", false, NULL) != NULL ||
	    find(rep, "dkim.key-short", false, NULL) != NULL)
		return MET;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (find(rep, bad[i], false, NULL) != NULL)
			return UNMET;
	return UNDECIDED;	/* guessed selectors that found nothing prove nothing */
}

static void
read_run(const struct report *rep, const struct check_facts *facts,
    const struct check_inputs *in, struct seen *s)
{
	const struct relay_fact *relay = facts != NULL ? check_fact_best_relay(facts) : NULL;

	memset(s, 0, sizeof(*s));
	read_spf(rep, relay, s);
	/* A published key is what can be checked here: that the mail is signed with it
	 * needs a message (its DKIM-Signature). */
	s->dkim = read_dkim(rep);
	if (find(rep, "dmarc.present", false, NULL) != NULL ||
	    find(rep, "dmarc.inherited", false, NULL) != NULL)
		s->dmarc = MET;
	else if (find(rep, "dmarc.missing", false, NULL) != NULL ||
	    find(rep, "dmarc.syntax", false, NULL) != NULL ||
	    find(rep, "dmarc.multiple", false, NULL) != NULL)
		s->dmarc = UNMET;
	else
		s->dmarc = UNDECIDED;
	read_ptr(rep, relay != NULL && relay->naddrs > 0 ? relay->addrs[0] : in->ip, s);
	s->tls = relay == NULL ? UNDECIDED : relay->is_tls ? MET : UNMET;
}

static struct finding *
line(struct report *rep, const char *id, enum verdict v, bool is_bulk, const char *domain)
{
	enum status st = v == MET ? ST_OK : v == UNDECIDED ? ST_INFO : is_bulk ? ST_WARN :
	    ST_FAIL;
	struct finding *f = report_add(rep, id, st, domain);

	finding_group(f, "receivers");
	finding_data(f, "result", json_string(v == MET ? "met" : v == UNMET ? "unmet" :
	    "undecided"));
	finding_data(f, "bulk_only", json_boolean(is_bulk));
	return f;
}

void
sender_rules_judge(struct report *rep, const struct check_facts *facts,
    const struct check_inputs *in)
{
	const char *d = in->domain;
	enum verdict either, both, align;
	struct finding *f;
	struct seen s;

	read_run(rep, facts, in, &s);
	either = s.spf == MET || s.dkim == MET ? MET : s.spf == UNMET && s.dkim == UNMET ?
	    UNMET : UNDECIDED;
	both = s.spf == MET && s.dkim == MET ? MET : s.spf == UNMET || s.dkim == UNMET ?
	    UNMET : UNDECIDED;
	/* SPF is evaluated for DOMAIN and the keys are DOMAIN's: either passing is aligned
	 * with a From: address in DOMAIN. */
	align = s.dmarc == MET ? either : s.dmarc == UNMET ? UNMET : UNDECIDED;

	f = line(rep, "rules.spf-or-dkim", either, false, d);
	finding_msg(f, _("Every sender: SPF or DKIM must pass for %s (Gmail, Yahoo). SPF: %s; "
	    "DKIM key: %s."), d, s.spf_how != NULL ? s.spf_how : _("not evaluated (give --ip)"),
	    s.dkim == MET ? _("published") : s.dkim == UNMET ? _("none usable") :
	    _("not found"));
	finding_ref(f, REF_GMAIL);
	finding_ref(f, REF_YAHOO);

	f = line(rep, "rules.spf-and-dkim", both, true, d);
	finding_msg(f, _("Bulk senders (5,000 messages a day and more): both SPF and DKIM "
	    "must pass for %s (Gmail, Yahoo, Outlook.com)."), d);
	if (both != MET)
		finding_fix(f, _("Publish SPF for every sending address and sign every message "
		    "with DKIM for the From domain (check with --ip and --dkim-selector)."));
	finding_ref(f, REF_GMAIL);
	finding_ref(f, REF_YAHOO);
	finding_ref(f, REF_OUTLOOK);

	f = line(rep, "rules.dmarc", s.dmarc, true, d);
	finding_msg(f, _("Bulk senders: a DMARC record must apply to %s, p=none at least "
	    "(Gmail, Yahoo, Outlook.com)."), d);
	if (s.dmarc == UNMET)
		finding_fix(f, _("Publish \"v=DMARC1; p=none; rua=mailto:...\" at the "
		    "organisational domain."));
	finding_ref(f, REF_GMAIL);
	finding_ref(f, REF_YAHOO);
	finding_ref(f, REF_OUTLOOK);

	f = line(rep, "rules.alignment", align, true, d);
	finding_msg(f, _("Bulk senders: the From: domain %s must align with the SPF or the "
	    "DKIM domain (Gmail, Yahoo, Outlook.com); SPF for %s or a DKIM key of %s "
	    "gives that."), d, d, d);
	finding_ref(f, REF_GMAIL);
	finding_ref(f, REF_YAHOO);
	finding_ref(f, REF_OUTLOOK);

	f = line(rep, "rules.ptr", s.ptr, false, d);
	finding_msg(f, _("Every sender: the sending address must have a PTR whose name "
	    "resolves back to it (Gmail, Yahoo)%s%s."), s.ptr_how != NULL ? ": " : "",
	    s.ptr_how != NULL ? s.ptr_how : "");
	if (s.ptr == UNDECIDED)
		finding_fix(f, _("Give the sending address with --ip."));
	finding_ref(f, REF_GMAIL);
	finding_ref(f, REF_YAHOO);

	f = line(rep, "rules.tls", s.tls, false, d);
	if (s.tls == UNDECIDED)
		finding_msg(f, "%s", _("Every sender: mail must travel over TLS (Gmail). Not seen "
		    "from here: the sending server's own STARTTLS to the receivers is its "
		    "setting."));
	else if (s.tls == MET)
		finding_msg(f, "%s", _("Every sender: mail must travel over TLS (Gmail); the "
		    "relay was used with TLS."));
	else
		finding_msg(f, "%s", _("Every sender: mail must travel over TLS (Gmail); the "
		    "relay was used without TLS."));
	finding_ref(f, REF_GMAIL);
}
