/* DMARC: presence and basic syntax of _dmarc.DOMAIN (RFC 7489 6.3, 6.6.3). The policy
 * decides what receivers do when SPF and DKIM both fail to align with the From domain. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "dns.h"
#include "i18n.h"
#include "report.h"
#include "xmalloc.h"

#define DMARC_MAX_RECORDS 8
#define DMARC_MAX_LEN 2048

/* Value of tag in a "k=v; k=v" record, copied into buf; NULL when absent. */
static const char *
tag_value(const char *rec, const char *tag, char *buf, size_t buf_len)
{
	const char *p = rec;
	size_t tl = strlen(tag);

	while (*p != '\0') {
		const char *end = strchr(p, ';'), *v;
		size_t len;

		while (*p == ' ' || *p == '\t')
			p++;
		if (end == NULL)
			end = p + strlen(p);
		if (strncasecmp(p, tag, tl) == 0) {
			v = p + tl;
			while (*v == ' ' || *v == '\t')
				v++;
			if (*v == '=') {
				v++;
				while (*v == ' ' || *v == '\t')
					v++;
				len = (size_t)(end - v);
				while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
					len--;
				if (len >= buf_len)
					len = buf_len - 1;
				memcpy(buf, v, len);
				buf[len] = '\0';
				return buf;
			}
		}
		p = *end == ';' ? end + 1 : end;
	}
	return NULL;
}

static void
analyse(struct check_ctx *ctx, const char *rec, const struct dns_answer *ans)
{
	char p[32], rua[512];
	struct finding *f;
	const char *pol = tag_value(rec, "p", p, sizeof(p));
	const char *r = tag_value(rec, "rua", rua, sizeof(rua));

	/* RFC 7489 6.3: v=DMARC1 must come first, p= second (p is required). */
	if (pol == NULL || (strcasecmp(pol, "none") != 0 && strcasecmp(pol, "quarantine") != 0 &&
	    strcasecmp(pol, "reject") != 0)) {
		f = check_add(ctx, "dmarc.syntax", ST_WARN, ctx->domain);
		finding_msg(f, pol == NULL ?
		    _("The DMARC record of %s has no p= tag; receivers ignore a record without a "
		    "policy.") : _("The DMARC record of %s has an invalid policy p=%s."),
		    ctx->domain, pol);
		finding_fix(f, _("Publish \"v=DMARC1; p=none; rua=mailto:dmarc@%s\" to start "
		    "monitoring, then tighten p= to quarantine or reject."), ctx->domain);
		finding_ref(f, "RFC 7489 section 6.3");
		finding_dns(f, ans);
		return;
	}
	f = check_add(ctx, "dmarc.present", strcasecmp(pol, "none") == 0 ? ST_INFO : ST_OK,
	    ctx->domain);
	finding_msg(f, _("%s publishes DMARC with policy p=%s%s%s. DMARC passes only when SPF "
	    "(the MAIL FROM domain) or DKIM (the d= domain) aligns with the From: domain; an "
	    "SPF pass alone does not prove alignment."), ctx->domain, pol,
	    r != NULL ? _(", reports to ") : _(", no aggregate reports (rua=)"),
	    r != NULL ? r : "");
	if (strcasecmp(pol, "none") == 0)
		finding_fix(f, _("p=none only monitors. Once the reports show all legitimate mail "
		    "aligned, move to p=quarantine, then p=reject."));
	finding_data(f, "policy", json_string(pol));
	finding_ref(f, "RFC 7489 section 6.3");
	finding_dns(f, ans);
}

static void
on_txt(const struct dns_answer *ans, void *arg)
{
	struct check_ctx *ctx = arg;
	const ldns_rr *rrs[DMARC_MAX_RECORDS];
	size_t n, i, found = 0;
	char *rec = NULL;
	struct finding *f;

	if (check_dns_failed(ctx, ans, _("DMARC")))
		return;
	n = dns_answer_rrs(ans, LDNS_RR_TYPE_TXT, rrs, DMARC_MAX_RECORDS);
	for (i = 0; i < n; i++) {
		char *txt = dns_rr_txt_joined(rrs[i], DMARC_MAX_LEN);

		/* RFC 7489 6.6.3: records not starting with v=DMARC1 are ignored. */
		if (txt != NULL && strncmp(txt, "v=DMARC1", 8) == 0 &&
		    (txt[8] == ';' || txt[8] == ' ' || txt[8] == '\0')) {
			found++;
			if (rec == NULL) {
				rec = txt;
				continue;
			}
		}
		free(txt);
	}
	if (found == 0) {
		f = check_add(ctx, "dmarc.missing", ST_WARN, ctx->domain);
		finding_msg(f, _("%s publishes no DMARC record (_dmarc.%s). Gmail and Yahoo require "
		    "one from bulk senders, and without it receivers decide alone what to do with "
		    "mail that fails SPF and DKIM."), ctx->domain, ctx->domain);
		finding_fix(f, _("Publish \"_dmarc.%s. TXT \\\"v=DMARC1; p=none; "
		    "rua=mailto:dmarc@%s\\\"\" and tighten the policy once reports look clean."),
		    ctx->domain, ctx->domain);
		finding_ref(f, "RFC 7489 section 6.1");
		finding_dns(f, ans);
	} else if (found > 1) {
		f = check_add(ctx, "dmarc.multiple", ST_WARN, ctx->domain);
		finding_msg(f, _("%s publishes %zu DMARC records; receivers then apply no DMARC "
		    "policy at all."), ctx->domain, found);
		finding_fix(f, _("Keep exactly one v=DMARC1 record at _dmarc.%s."), ctx->domain);
		finding_ref(f, "RFC 7489 section 6.6.3");
		finding_dns(f, ans);
	} else {
		analyse(ctx, rec, ans);
	}
	free(rec);
}

static void
dmarc_start(struct check_ctx *ctx)
{
	char *name = xasprintf("_dmarc.%s", ctx->domain);

	dns_query(ctx->dns, name, LDNS_RR_TYPE_TXT, 0, on_txt, ctx);
	free(name);
}

const struct check check_dmarc = {
	.name = "dmarc",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN,
	.start = dmarc_start,
};
