/* `mxdiag check DOMAIN [--ip IP] [--helo NAME] [--dkim-selector S]`: the DNS facts of a
 * sending domain. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "checks.h"
#include "dns.h"
#include "i18n.h"
#include "loop.h"
#include "options.h"
#include "path.h"
#include "run.h"
#include "sender_rules.h"

enum { O_DOMAIN, O_IP, O_HELO, O_DKIM_SELECTOR, O_DNSBL_ZONES, O_DMARC_PSL, O_RECEIVERS };

static const struct opt check_rows[] = {
	[O_DOMAIN] = { OPT_OPERAND, NULL, "DOMAIN", OPT_DOMAIN, 1, 1,
	    N_("the mail domain (as in user@DOMAIN)"), NULL },
	[O_IP] = { OPT_VALUE, "ip", "IP", OPT_IP, 0, 0,
	    N_("the address the mail server sends from"), NULL },
	/* A HELO name may be anything a server announces; checks judge it, the CLI only
	 * refuses what cannot be a name at all. */
	[O_HELO] = { OPT_VALUE, "helo", "NAME", OPT_HOST, 0, 0,
	    N_("the name the mail server announces in HELO/EHLO"), NULL },
	[O_DKIM_SELECTOR] = { OPT_LIST, "dkim-selector", "S", OPT_DOMAIN, 0, OPT_MAX_LIST,
	    N_("a DKIM selector (s= of a DKIM-Signature), repeatable; without it,\n"
	    "common selectors are guessed"), NULL },
	[O_DNSBL_ZONES] = { OPT_VALUE, "dnsbl-zones", "FILE", OPT_ANY, 0, 0,
	    N_("the blocklists to ask about --ip (default: data/dnsbl.json)"), NULL },
	[O_DMARC_PSL] = { OPT_FLAG, "dmarc-psl", NULL, OPT_ANY, 0, 0,
	    N_("DMARC as RFC 7489: the organisational domain from the public\n"
	    "suffix list, not RFC 9989's DNS tree walk"), NULL },
	[O_RECEIVERS] = { OPT_FLAG, "receivers", NULL, OPT_ANY, 0, 0,
	    N_("judge against Gmail, Yahoo and Outlook.com's sender rules"), NULL },
	{ OPT_END, NULL, NULL, OPT_ANY, 0, 0, NULL, NULL },
};

static const struct opt_spec check_opts = { "check", check_rows, 20, NULL };

/* The DNS facts of a domain; spf-verdict and helo run when --ip and --helo are given. */
static const char *const check_diagnoses[] = {
	"domain", "mx", "address", "ptr", "spf-record", "spf-verdict", "helo", "dmarc",
	"dkim", "dnsbl",
	"mta-sts", "tls-rpt", "dane", "dnssec",
};

static int
check_run(struct run_ctx *ctx, int argc, char **argv)
{
	struct check_inputs in = { 0 };
	struct check_run *cr;
	struct opt_vals v;
	char *domain = NULL, *helo = NULL;
	const char *ip, *helo_arg;
	int rc;

	rc = opt_parse(&check_opts, argc, argv, &v);
	if (rc >= 0)
		return rc;
	ip = opt_str(&v, O_IP);
	helo_arg = opt_str(&v, O_HELO);
	domain = run_normalise_domain(v.operands[0]);
	if (helo_arg != NULL)
		helo = run_normalise_domain(helo_arg);
	rc = run_open(ctx, "check", domain);
	if (rc == 0) {
		in.domain = domain;
		in.ip = ip;
		in.helo = helo;
		in.dkim_selectors = v.list[O_DKIM_SELECTOR];
		in.n_dkim_selectors = v.n[O_DKIM_SELECTOR];
		in.dnsbl_zones = opt_str(&v, O_DNSBL_ZONES);
		in.is_dmarc_psl = opt_flag(&v, O_DMARC_PSL);
		cr = checks_run(ctx, &in, check_diagnoses,
		    sizeof(check_diagnoses) / sizeof(check_diagnoses[0]), false, NULL);
		loop_run(ctx->loop);
		path_answer_dns(ctx->rep, &in);
		if (opt_flag(&v, O_RECEIVERS))
			sender_rules_judge(ctx->rep, check_run_facts(cr), &in);
		check_run_free(cr);
		rc = -1;
	}
	free(domain);
	free(helo);
	return rc;
}

const struct command cmd_check = {
	.name = "check",
	.summary = N_("DNS facts of a mail domain: MX, addresses, and what senders will see"),
	.usage = "check DOMAIN [--ip IP] [--helo NAME] [--dkim-selector S]...",
	.opts = &check_opts,
	.run = check_run,
};
