/* `mxdiag check DOMAIN [--ip IP] [--helo NAME]`: the DNS facts of a sending domain. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "checks.h"
#include "dns.h"
#include "i18n.h"
#include "loop.h"
#include "run.h"
#include "validate.h"

static int
check_run(struct run_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "helo", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct check_ctx cc = { 0 };
	char why[160], *domain = NULL, *helo = NULL;
	const char *ip = NULL, *helo_arg = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (validate_ip(optarg, NULL) < 0)
				return cli_usage_error("check", _("--ip '%s' is not an IPv4 or IPv6 "
				    "address"), optarg);
			ip = optarg;
			break;
		case 'H':
			helo_arg = optarg;
			break;
		case ':':
			return cli_usage_error("check", _("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return cli_usage_error("check", _("unknown option '%s'"), argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("check", _("missing DOMAIN"));
	if (optind + 1 < argc)
		return cli_usage_error("check", _("unexpected argument '%s'"), argv[optind + 1]);
	if (validate_domain(argv[optind], why, sizeof(why)) < 0)
		return cli_usage_error("check", _("'%s' is not a valid domain name: %s"),
		    argv[optind], why);
	/* A HELO name may be anything a server announces; checks judge it, the CLI only
	 * refuses what cannot be a name at all. */
	if (helo_arg != NULL && validate_domain(helo_arg, why, sizeof(why)) < 0 &&
	    validate_ip(helo_arg, NULL) < 0)
		return cli_usage_error("check", _("--helo '%s' is not a host name: %s"), helo_arg,
		    why);
	domain = run_normalise_domain(argv[optind]);
	if (helo_arg != NULL)
		helo = run_normalise_domain(helo_arg);
	rc = run_open(ctx, "check", domain);
	if (rc == 0) {
		cc.loop = ctx->loop;
		cc.dns = ctx->dns;
		cc.rep = ctx->rep;
		cc.domain = domain;
		cc.ip = ip;
		cc.helo = helo;
		checks_start(&cc, CHECK_CMD_CHECK);
		loop_run(ctx->loop);
		rc = -1;
	}
	free(domain);
	free(helo);
	return rc;
}

const struct command cmd_check = {
	.name = "check",
	.summary = N_("DNS facts of a mail domain: MX, addresses, and what senders will see"),
	.usage = "check DOMAIN [--ip IP] [--helo NAME]",
	.help = N_("  DOMAIN         the mail domain (as in user@DOMAIN)\n"
	    "  --ip IP        the address the mail server sends from\n"
	    "  --helo NAME    the name the mail server announces in HELO/EHLO\n"),
	.run = check_run,
};
