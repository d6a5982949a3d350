/* `mxdiag inbound DOMAIN [--rcpt ADDR]`: the command line; the probing and the verdict are
 * in probe_inbound.c. */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>

#include "command.h"
#include "i18n.h"
#include "loop.h"
#include "probe_inbound.h"
#include "run.h"
#include "validate.h"

static int
inbound_run(struct run_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rcpt", required_argument, NULL, 'r' },
		{ "from", required_argument, NULL, 'f' },
		{ "helo", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct inbound_opts o = { .from = INBOUND_DEFAULT_FROM };
	char why[256], *domain;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o.rcpt = optarg; break;
		case 'f': o.from = optarg; break;
		case 'H': o.helo = optarg; break;
		case ':':
			return cli_usage_error("inbound", _("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return cli_usage_error("inbound", _("unknown option '%s'"),
			    argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("inbound", _("missing DOMAIN"));
	if (optind + 1 < argc)
		return cli_usage_error("inbound", _("unexpected argument '%s'"), argv[optind + 1]);
	if (validate_domain(argv[optind], why, sizeof(why)) < 0)
		return cli_usage_error("inbound", _("'%s' is not a valid domain name: %s"),
		    argv[optind], why);
	if (o.rcpt != NULL && validate_address(o.rcpt, false, why, sizeof(why)) < 0)
		return cli_usage_error("inbound", _("--rcpt '%s' is not a mail address: %s"),
		    o.rcpt, why);
	if (validate_address(o.from, true, why, sizeof(why)) < 0)
		return cli_usage_error("inbound", _("--from '%s' is not a mail address: %s"),
		    o.from, why);
	if (o.helo != NULL && validate_domain(o.helo, why, sizeof(why)) < 0)
		return cli_usage_error("inbound", _("--helo '%s' is not a host name: %s"), o.helo,
		    why);
	domain = run_normalise_domain(argv[optind]);
	o.domain = domain;
	rc = run_open(ctx, "inbound", domain);
	if (rc == 0) {
		inbound_start(ctx, &o, NULL, NULL);
		loop_run(ctx->loop);
		rc = -1;
	}
	free(domain);
	return rc;
}

const struct command cmd_inbound = {
	.name = "inbound",
	.summary = N_("What a remote server sees when delivering to DOMAIN (MX, TLS, 530...)"),
	.usage = "inbound DOMAIN [--rcpt ADDR] [--from ADDR] [--helo NAME]",
	.help = N_("  DOMAIN         the mail domain to deliver to\n"
	    "  --rcpt ADDR    recipient to test (default postmaster@DOMAIN)\n"
	    /* The default is spelled out: xgettext cannot see through a macro. */
	    "  --from ADDR    outside sender to use (default mxdiag-probe@example.org)\n"
	    "  --helo NAME    name to send in EHLO (default: our address literal)\n"
	    "  No message is ever sent: the session ends with RSET and QUIT, never DATA.\n"),
	.run = inbound_run,
};
