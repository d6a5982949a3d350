/* The table of finding ids (findings.h). Written from what the code emits and what
 * the docs pages document; tests/docs-ids.sh holds the three together, and
 * tests/findings-tested.sh says which ids no test produces. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "i18n.h"
#include "render.h"

const struct render_section finding_sections[] = {
	{ "dns", N_("DNS published") },
	{ "outbound", N_("Outbound path") },
	{ "relay-choice", N_("Relay choice") },
	{ "inbound", N_("Inbound path") },
	{ "safety", N_("Safety") },
	{ NULL, NULL },
};

/* Sorted by id (strcmp order): findings_lookup() searches it. */
const struct finding_def finding_defs[] = {
	{ "dmarc.missing", "docs/checks.md#dmarcmissing", "dns" },
	{ "dmarc.multiple", "docs/checks.md#dmarcmultiple", "dns" },
	{ "dmarc.present", "docs/checks.md#dmarcpresent", "dns" },
	{ "dmarc.syntax", "docs/checks.md#dmarcsyntax", "dns" },
	{ "dns.error", "docs/checks.md#dnserror", "dns" },
	{ "dns.refused", "docs/checks.md#dnsrefused", "dns" },
	{ "dns.servfail", "docs/checks.md#dnsservfail", "dns" },
	{ "dns.timeout", "docs/checks.md#dnstimeout", "dns" },
	{ "domain.address", "docs/checks.md#domainaddress", "dns" },
	{ "domain.address-private", "docs/checks.md#domainaddress-private", "dns" },
	{ "domain.internal", "docs/checks.md#domaininternal", "dns" },
	{ "domain.no-address", "docs/checks.md#domainno-address", "dns" },
	{ "domain.not-found", "docs/checks.md#domainnot-found", "dns" },
	{ "helo.address-literal", "docs/checks.md#heloaddress-literal", "dns" },
	{ "helo.bare-ip", "docs/checks.md#helobare-ip", "dns" },
	{ "helo.internal-name", "docs/checks.md#helointernal-name", "dns" },
	{ "helo.ip-mismatch", "docs/checks.md#heloip-mismatch", "dns" },
	{ "helo.no-address", "docs/checks.md#helono-address", "dns" },
	{ "helo.not-fqdn", "docs/checks.md#helonot-fqdn", "dns" },
	{ "helo.ok", "docs/checks.md#helook", "dns" },
	{ "inbound.accepted", "docs/smtp.md#inboundaccepted", "inbound" },
	{ "inbound.anonymous-refused", "docs/smtp.md#inboundanonymous-refused", "inbound" },
	{ "inbound.backup-only", "docs/smtp.md#inboundbackup-only", "inbound" },
	{ "inbound.banner-mismatch", "docs/smtp.md#inboundbanner-mismatch", "inbound" },
	{ "inbound.deferred", "docs/smtp.md#inbounddeferred", "inbound" },
	{ "inbound.dns-failed", "docs/smtp.md#inbounddns-failed", "inbound" },
	{ "inbound.domain-not-found", "docs/smtp.md#inbounddomain-not-found", "inbound" },
	{ "inbound.greylisted", "docs/smtp.md#inboundgreylisted", "inbound" },
	{ "inbound.host-untestable", "docs/smtp.md#inboundhost-untestable", "inbound" },
	{ "inbound.implicit-mx", "docs/smtp.md#inboundimplicit-mx", "inbound" },
	{ "inbound.mx-accepts", "docs/smtp.md#inboundmx-accepts", "inbound" },
	{ "inbound.mx-no-address", "docs/smtp.md#inboundmx-no-address", "inbound" },
	{ "inbound.mx-refuses", "docs/smtp.md#inboundmx-refuses", "inbound" },
	{ "inbound.mx-session-failed", "docs/smtp.md#inboundmx-session-failed", "inbound" },
	{ "inbound.mx-unreachable", "docs/smtp.md#inboundmx-unreachable", "inbound" },
	{ "inbound.no-mail-host", "docs/smtp.md#inboundno-mail-host", "inbound" },
	{ "inbound.null-mx", "docs/smtp.md#inboundnull-mx", "inbound" },
	{ "inbound.rcpt-deferred", "docs/smtp.md#inboundrcpt-deferred", "inbound" },
	{ "inbound.rcpt-rejected", "docs/smtp.md#inboundrcpt-rejected", "inbound" },
	{ "inbound.rcpt-unknown", "docs/smtp.md#inboundrcpt-unknown", "inbound" },
	{ "inbound.rejected", "docs/smtp.md#inboundrejected", "inbound" },
	{ "inbound.sender-rejected", "docs/smtp.md#inboundsender-rejected", "inbound" },
	{ "inbound.size-limit", "docs/smtp.md#inboundsize-limit", "inbound" },
	{ "inbound.size-none", "docs/smtp.md#inboundsize-none", "inbound" },
	{ "inbound.size-untestable", "docs/smtp.md#inboundsize-untestable", "inbound" },
	{ "inbound.slow-greeting", "docs/smtp.md#inboundslow-greeting", "inbound" },
	{ "inbound.starttls-missing", "docs/smtp.md#inboundstarttls-missing", "inbound" },
	{ "inbound.tls-expired", "docs/smtp.md#inboundtls-expired", "inbound" },
	{ "inbound.tls-expiring", "docs/smtp.md#inboundtls-expiring", "inbound" },
	{ "inbound.tls-failed", "docs/smtp.md#inboundtls-failed", "inbound" },
	{ "inbound.tls-name-mismatch", "docs/smtp.md#inboundtls-name-mismatch", "inbound" },
	{ "inbound.tls-untrusted", "docs/smtp.md#inboundtls-untrusted", "inbound" },
	{ "inbound.unreachable", "docs/smtp.md#inboundunreachable", "inbound" },
	{ "inbound.untestable", "docs/smtp.md#inbounduntestable", "inbound" },
	{ "mx.absent", "docs/checks.md#mxabsent", "dns" },
	{ "mx.equal-preference", "docs/checks.md#mxequal-preference", "dns" },
	{ "mx.host-ok", "docs/checks.md#mxhost-ok", "dns" },
	{ "mx.implicit-a", "docs/checks.md#mximplicit-a", "dns" },
	{ "mx.null-mx", "docs/checks.md#mxnull-mx", "dns" },
	{ "mx.null-mx-mixed", "docs/checks.md#mxnull-mx-mixed", "dns" },
	{ "mx.present", "docs/checks.md#mxpresent", "dns" },
	{ "mx.target-is-cname", "docs/checks.md#mxtarget-is-cname", "dns" },
	{ "mx.target-is-ip", "docs/checks.md#mxtarget-is-ip", "dns" },
	{ "mx.target-no-address", "docs/checks.md#mxtarget-no-address", "dns" },
	{ "mx.target-private", "docs/checks.md#mxtarget-private", "dns" },
	{ "ndr.not-a-bounce", "docs/explain.md#ndrnot-a-bounce", NULL },
	{ "ndr.onhold", "docs/explain.md#ndronhold", NULL },
	{ "ndr.partial", "docs/explain.md#ndrpartial", NULL },
	{ "ndr.verify-helo", "docs/explain.md#ndrverify-helo", NULL },
	{ "ndr.verify-port25", "docs/explain.md#ndrverify-port25", NULL },
	{ "ndr.verify-ptr", "docs/explain.md#ndrverify-ptr", NULL },
	{ "ndr.verify-recipient", "docs/explain.md#ndrverify-recipient", NULL },
	{ "ndr.verify-recipient-domain", "docs/explain.md#ndrverify-recipient-domain", NULL },
	{ "ndr.verify-sender-domain", "docs/explain.md#ndrverify-sender-domain", NULL },
	{ "ndr.verify-size", "docs/explain.md#ndrverify-size", NULL },
	{ "ndr.verify-spf", "docs/explain.md#ndrverify-spf", NULL },
	{ "ndr.verify-tls", "docs/explain.md#ndrverify-tls", NULL },
	{ "port25.banner-mismatch", "docs/smtp.md#port25banner-mismatch", "outbound" },
	{ "port25.blocked-drop", "docs/smtp.md#port25blocked-drop", "outbound" },
	{ "port25.blocked-except-isp", "docs/smtp.md#port25blocked-except-isp", "outbound" },
	{ "port25.blocked-icmp", "docs/smtp.md#port25blocked-icmp", "outbound" },
	{ "port25.blocked-reset", "docs/smtp.md#port25blocked-reset", "outbound" },
	{ "port25.intercepted", "docs/smtp.md#port25intercepted", "outbound" },
	{ "port25.no-targets", "docs/smtp.md#port25no-targets", "outbound" },
	{ "port25.open", "docs/smtp.md#port25open", "outbound" },
	{ "port25.submission-blocked", "docs/smtp.md#port25submission-blocked", "outbound" },
	{ "port25.submission-open", "docs/smtp.md#port25submission-open", "outbound" },
	{ "port25.target-refuses", "docs/smtp.md#port25target-refuses", "outbound" },
	{ "port25.target-unreachable", "docs/smtp.md#port25target-unreachable", "outbound" },
	{ "port25.unknown", "docs/smtp.md#port25unknown", "outbound" },
	{ "preflight.relay-skipped", "docs/checks.md#preflightrelay-skipped", "safety" },
	{ "ptr.confirmed", "docs/checks.md#ptrconfirmed", "dns" },
	{ "ptr.generic", "docs/checks.md#ptrgeneric", "dns" },
	{ "ptr.missing", "docs/checks.md#ptrmissing", "dns" },
	{ "ptr.multiple", "docs/checks.md#ptrmultiple", "dns" },
	{ "ptr.no-forward", "docs/checks.md#ptrno-forward", "dns" },
	{ "ptr.not-confirmed", "docs/checks.md#ptrnot-confirmed", "dns" },
	{ "relay.closed", "docs/smtp.md#relayclosed", "safety" },
	{ "relay.deferred", "docs/smtp.md#relaydeferred", "safety" },
	{ "relay.inconclusive", "docs/smtp.md#relayinconclusive", "safety" },
	{ "relay.open", "docs/smtp.md#relayopen", "safety" },
	{ "relay.open-bypass", "docs/smtp.md#relayopen-bypass", "safety" },
	{ "relay.untestable", "docs/smtp.md#relayuntestable", "safety" },
	{ "relay.untested", "docs/smtp.md#relayuntested", "safety" },
	{ "report.truncated", "docs/checks.md#reporttruncated", NULL },
	{ "smarthost.auth-encryption-required",
	    "docs/smtp.md#smarthostauth-encryption-required", "relay-choice" },
	{ "smarthost.auth-failed", "docs/smtp.md#smarthostauth-failed", "relay-choice" },
	{ "smarthost.auth-no-mechanism",
	    "docs/smtp.md#smarthostauth-no-mechanism", "relay-choice" },
	{ "smarthost.auth-not-offered", "docs/smtp.md#smarthostauth-not-offered", "relay-choice" },
	{ "smarthost.auth-not-used", "docs/smtp.md#smarthostauth-not-used", "relay-choice" },
	{ "smarthost.auth-required", "docs/smtp.md#smarthostauth-required", "relay-choice" },
	{ "smarthost.auth-skipped", "docs/smtp.md#smarthostauth-skipped", "relay-choice" },
	{ "smarthost.dns-failed", "docs/smtp.md#smarthostdns-failed", "relay-choice" },
	{ "smarthost.greeting-refused", "docs/smtp.md#smarthostgreeting-refused", "relay-choice" },
	{ "smarthost.mail-rejected", "docs/smtp.md#smarthostmail-rejected", "relay-choice" },
	{ "smarthost.name-not-found", "docs/smtp.md#smarthostname-not-found", "relay-choice" },
	{ "smarthost.none-working", "docs/smtp.md#smarthostnone-working", "relay-choice" },
	{ "smarthost.not-a-relay", "docs/smtp.md#smarthostnot-a-relay", "relay-choice" },
	{ "smarthost.open-relay", "docs/smtp.md#smarthostopen-relay", "relay-choice" },
	{ "smarthost.provider-candidates", "docs/smtp.md#smarthostprovider-candidates",
	    "relay-choice" },
	{ "smarthost.provider-stale", "docs/smtp.md#smarthostprovider-stale", "relay-choice" },
	{ "smarthost.rcpt-tempfail", "docs/smtp.md#smarthostrcpt-tempfail", "relay-choice" },
	{ "smarthost.recommended", "docs/smtp.md#smarthostrecommended", "relay-choice" },
	{ "smarthost.relay-denied", "docs/smtp.md#smarthostrelay-denied", "relay-choice" },
	{ "smarthost.sender-not-permitted",
	    "docs/smtp.md#smarthostsender-not-permitted", "relay-choice" },
	{ "smarthost.session-failed", "docs/smtp.md#smarthostsession-failed", "relay-choice" },
	{ "smarthost.spf-error", "docs/smtp.md#smarthostspf-error", "relay-choice" },
	{ "smarthost.spf-none", "docs/smtp.md#smarthostspf-none", "relay-choice" },
	{ "smarthost.spf-not-authorised",
	    "docs/smtp.md#smarthostspf-not-authorised", "relay-choice" },
	{ "smarthost.spf-pass", "docs/smtp.md#smarthostspf-pass", "relay-choice" },
	{ "smarthost.tls-expired", "docs/smtp.md#smarthosttls-expired", "relay-choice" },
	{ "smarthost.tls-expiring", "docs/smtp.md#smarthosttls-expiring", "relay-choice" },
	{ "smarthost.tls-failed", "docs/smtp.md#smarthosttls-failed", "relay-choice" },
	{ "smarthost.tls-missing", "docs/smtp.md#smarthosttls-missing", "relay-choice" },
	{ "smarthost.tls-name-mismatch",
	    "docs/smtp.md#smarthosttls-name-mismatch", "relay-choice" },
	{ "smarthost.tls-setup-failed", "docs/smtp.md#smarthosttls-setup-failed", "relay-choice" },
	{ "smarthost.tls-untrusted", "docs/smtp.md#smarthosttls-untrusted", "relay-choice" },
	{ "smarthost.unreachable", "docs/smtp.md#smarthostunreachable", "relay-choice" },
	{ "smarthost.works", "docs/smtp.md#smarthostworks", "relay-choice" },
	{ "spf.include-loop", "docs/checks.md#spfinclude-loop", "dns" },
	{ "spf.include-not-found", "docs/checks.md#spfinclude-not-found", "dns" },
	{ "spf.lookup-limit", "docs/checks.md#spflookup-limit", "dns" },
	{ "spf.lookups", "docs/checks.md#spflookups", "dns" },
	{ "spf.missing", "docs/checks.md#spfmissing", "dns" },
	{ "spf.multiple", "docs/checks.md#spfmultiple", "dns" },
	{ "spf.neutral-all", "docs/checks.md#spfneutral-all", "dns" },
	{ "spf.no-all", "docs/checks.md#spfno-all", "dns" },
	{ "spf.plus-all", "docs/checks.md#spfplus-all", "dns" },
	{ "spf.present", "docs/checks.md#spfpresent", "dns" },
	{ "spf.ptr-used", "docs/checks.md#spfptr-used", "dns" },
	{ "spf.result-fail", "docs/spf.md#spfresult-fail", "dns" },
	{ "spf.result-neutral", "docs/spf.md#spfresult-neutral", "dns" },
	{ "spf.result-none", "docs/spf.md#spfresult-none", "dns" },
	{ "spf.result-pass", "docs/spf.md#spfresult-pass", "dns" },
	{ "spf.result-permerror", "docs/spf.md#spfresult-permerror", "dns" },
	{ "spf.result-softfail", "docs/spf.md#spfresult-softfail", "dns" },
	{ "spf.result-temperror", "docs/spf.md#spfresult-temperror", "dns" },
	{ "spf.rr-type-99", "docs/checks.md#spfrr-type-99", "dns" },
	{ "spf.split-record", "docs/checks.md#spfsplit-record", "dns" },
	{ "spf.syntax", "docs/checks.md#spfsyntax", "dns" },
	{ "spf.unknown-mechanism", "docs/checks.md#spfunknown-mechanism", "dns" },
	{ "spf.void-limit", "docs/checks.md#spfvoid-limit", "dns" },
	{ NULL, NULL, NULL },
};

static int
cmp_id(const void *key, const void *elem)
{
	return strcmp(key, ((const struct finding_def *)elem)->id);
}

const struct finding_def *
findings_lookup(const char *id)
{
	size_t n = 0;

	while (finding_defs[n].id != NULL)
		n++;
	return bsearch(id, finding_defs, n, sizeof(finding_defs[0]), cmp_id);
}

void
findings_print(FILE *out)
{
	const struct finding_def *d;

	for (d = finding_defs; d->id != NULL; d++)
		fprintf(out, "%s\t%s\t%s\n", d->id, d->section != NULL ? d->section : "none",
		    d->doc);
}
