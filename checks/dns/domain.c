/* The mail domain's name itself: a non-public suffix (an AD domain such as corp.local) can
 * never be resolved by other servers. */
#include "config.h"

#include "checks.h"
#include "i18n.h"
#include "names.h"
#include "report.h"

static void
domain_start(struct check_ctx *ctx)
{
	const char *suffix = names_internal_suffix(ctx->domain);
	struct finding *f;

	if (suffix == NULL)
		return;
	f = check_add(ctx, "domain.internal", ST_FAIL, ctx->domain);
	finding_msg(f, _("%s is under .%s, a name that exists only inside a private network. "
	    "No server on the Internet can resolve it, so mail from addresses @%s is rejected "
	    "(\"554 5.1.8 Sender address rejected: Domain not found\") and replies cannot "
	    "reach it."), ctx->domain, suffix, ctx->domain);
	finding_fix(f, _("Keep the Active Directory name for the inside and use a registered "
	    "public domain for mail: in Exchange add it as an accepted domain and make it the "
	    "primary SMTP address in the email address policy."));
	finding_ref(f, "RFC 6762 section 3");
	finding_ref(f, "RFC 8375");
}

const struct check check_domain = {
	.name = "domain",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN,
	.start = domain_start,
};
