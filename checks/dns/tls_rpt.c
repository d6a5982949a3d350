/* TLS-RPT (RFC 8460): the _smtp._tls TXT record, where senders report TLS failures of
 * deliveries to the domain (MTA-STS and DANE failures among them). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dns.h"
#include "facts.h"
#include "probe.h"
#include "i18n.h"
#include "report.h"
#include "sts_policy.h"
#include "xmalloc.h"

#define TLSRPT_MAX_RECORDS 8
#define TLSRPT_MAX_LEN 2048

static void
on_txt(const struct dns_answer *ans, void *arg)
{
	struct check_ctx *ctx = arg;
	const ldns_rr *rrs[TLSRPT_MAX_RECORDS];
	size_t n, i, found = 0;
	char *rec = NULL, rua[1024], why[200];
	struct finding *f;

	if (check_dns_failed(ctx, ans, _("TLS-RPT"))) {
		check_done(ctx);
		return;
	}
	n = dns_answer_rrs(ans, LDNS_RR_TYPE_TXT, rrs, TLSRPT_MAX_RECORDS);
	for (i = 0; i < n; i++) {
		char *txt = dns_rr_txt_joined(rrs[i], TLSRPT_MAX_LEN);

		/* RFC 8460 3: records not starting v=TLSRPTv1 are ignored */
		if (txt != NULL && strncmp(txt, "v=TLSRPTv1", 10) == 0 && found++ == 0) {
			rec = txt;
			continue;
		}
		free(txt);
	}
	if (found == 0) {
		f = check_add(ctx, "tls-rpt.none", ST_INFO, ctx->domain);
		finding_msg(f, _("%s publishes no TLS-RPT record (_smtp._tls.%s): senders that "
		    "fail to deliver over TLS (an MTA-STS or DANE mismatch, an expired "
		    "certificate) have nowhere to report it."), ctx->domain, ctx->domain);
		finding_fix(f, _("Publish \"_smtp._tls.%s. TXT \\\"v=TLSRPTv1; "
		    "rua=mailto:tlsrpt@%s\\\"\"."), ctx->domain, ctx->domain);
	} else if (found > 1) {
		f = check_add(ctx, "tls-rpt.multiple", ST_WARN, ctx->domain);
		finding_msg(f, _("%s publishes %zu TLS-RPT records; senders then send no "
		    "reports."), ctx->domain, found);
		finding_fix(f, _("Keep exactly one v=TLSRPTv1 record at _smtp._tls.%s."),
		    ctx->domain);
	} else if (!tlsrpt_record_parse(rec, rua, sizeof(rua), why, sizeof(why))) {
		f = check_add(ctx, "tls-rpt.syntax", ST_WARN, ctx->domain);
		finding_msg(f, _("The TLS-RPT record of %s is invalid: %s. Senders send no "
		    "reports."), ctx->domain, why);
		finding_fix(f, _("Publish \"v=TLSRPTv1; rua=mailto:ADDRESS\" (several "
		    "destinations separated by commas; mailto: or https:)."));
	} else {
		f = check_add(ctx, "tls-rpt.present", ST_OK, ctx->domain);
		finding_msg(f, _("%s publishes TLS-RPT: senders report TLS delivery failures to "
		    "%s."), ctx->domain, rua);
		finding_data(f, "rua", json_string(rua));
	}
	finding_ref(f, "RFC 8460 section 3");
	finding_dns(f, ans);
	free(rec);
	check_done(ctx);
}

static void
on_mx(struct check_ctx *ctx, const struct probe_mx *mx)
{
	char *name;

	/* no mail host: no delivery to report on (the mx diagnosis says why) */
	if (mx == NULL || mx->nhosts == 0) {
		check_done(ctx);
		return;
	}
	name = xasprintf("_smtp._tls.%s", ctx->domain);
	if (dns_query(ctx->dns, name, LDNS_RR_TYPE_TXT, 0, on_txt, ctx) != 0)
		check_done(ctx);
	free(name);
}

/* The MX hosts first (the run's fact): a domain that takes no mail gets no report. */
static void
tls_rpt_start(struct check_ctx *ctx)
{
	if (check_fact_mx(ctx, on_mx) != 0)
		check_done(ctx);
}

const struct check check_tls_rpt = {
	.name = "tls-rpt",
	.section = "inbound",
	.needs = CHECK_IN_DOMAIN,
	.start = tls_rpt_start,
	.is_async = true,
};
