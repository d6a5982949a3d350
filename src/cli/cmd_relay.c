/* `mxdiag relay HOST[:PORT]`: the command line of the open-relay test (probe_relay.c). */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>

#include "command.h"
#include "i18n.h"
#include "loop.h"
#include "probe_relay.h"
#include "run.h"
#include "validate.h"

static int
relay_run(struct run_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "domain", required_argument, NULL, 'd' },
		{ "helo", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct relay_opts o = { .from = RELAY_DEFAULT_FROM, .to = RELAY_DEFAULT_TO };
	char why[256], *host = NULL;
	int c, rc, port = 25;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o.from = optarg; break;
		case 't': o.to = optarg; break;
		case 'd': o.domain = optarg; break;
		case 'H': o.helo = optarg; break;
		case ':':
			return cli_usage_error("relay", _("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return cli_usage_error("relay", _("unknown option '%s'"), argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("relay", _("missing HOST[:PORT]"));
	if (optind + 1 < argc)
		return cli_usage_error("relay", _("unexpected argument '%s'"), argv[optind + 1]);
	if (parse_host_port(argv[optind], &host, &port, why, sizeof(why)) < 0 ||
	    (validate_ip(host, NULL) < 0 && validate_domain(host, why, sizeof(why)) < 0)) {
		free(host);
		return cli_usage_error("relay", _("'%s' is not HOST[:PORT]: %s"), argv[optind],
		    why);
	}
	if (validate_address(o.from, false, why, sizeof(why)) < 0 ||
	    validate_address(o.to, false, why, sizeof(why)) < 0) {
		free(host);
		return cli_usage_error("relay", _("--from and --to must be mail addresses: %s"),
		    why);
	}
	if ((o.domain != NULL && validate_domain(o.domain, why, sizeof(why)) < 0) ||
	    (o.helo != NULL && validate_domain(o.helo, why, sizeof(why)) < 0)) {
		free(host);
		return cli_usage_error("relay", _("--domain and --helo must be domain names: %s"),
		    why);
	}
	o.host = host;
	o.port = (unsigned)port;
	rc = run_open(ctx, "relay", host);
	if (rc == 0) {
		relay_start(ctx, &o, NULL, NULL);
		loop_run(ctx->loop);
		rc = -1;
	}
	free(host);
	return rc;
}

const struct command cmd_relay = {
	.name = "relay",
	.summary = N_("Open-relay test, with the classic bypass variants (never sends DATA)"),
	.usage = "relay HOST[:PORT] [--from ADDR] [--to ADDR] [--domain D] [--helo NAME]",
	.help = N_("  HOST[:PORT]    the server to test (port 25 by default)\n"
	    /* The defaults are spelled out: xgettext cannot see through a macro. */
	    "  --from ADDR    outside sender (default mxdiag-probe@example.org)\n"
	    "  --to ADDR      outside recipient (default relay-test@example.net)\n"
	    "  --domain D     the server's own domain, for the bypass variants (default:\n"
	    "                 HOST without its first label, or from the address's PTR)\n"
	    "  --helo NAME    name to send in EHLO (default: our address literal)\n"
	    "  Each try ends with RSET; no message is ever sent.\n"),
	.run = relay_run,
};
