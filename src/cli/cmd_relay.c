/* `mxdiag relay HOST[:PORT]`: the command line of the open-relay test (probe_relay.c). */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include "checks.h"
#include "command.h"
#include "i18n.h"
#include "loop.h"
#include "options.h"
#include "path.h"
#include "probe_port25.h"
#include "probe_relay.h"
#include "run.h"
#include "validate.h"

enum { O_HOST, O_FROM, O_TO, O_DOMAIN, O_HELO, O_PORT25_TARGET, O_NO_PORT25 };

static const struct opt relay_rows[] = {
	[O_HOST] = { OPT_OPERAND, NULL, "HOST[:PORT]", OPT_HOST_PORT, 1, 1,
	    N_("the server to test (port 25 by default)"), NULL },
	/* The defaults are spelled out: xgettext cannot see through a macro. --from and --to
	 * are checked as a pair below, with the defaults. */
	[O_FROM] = { OPT_VALUE, "from", "ADDR", OPT_ANY, 0, 0,
	    N_("outside sender (default mxdiag-probe@example.org)"), NULL },
	[O_TO] = { OPT_VALUE, "to", "ADDR", OPT_ANY, 0, 0,
	    N_("outside recipient (default relay-test@example.net)"), NULL },
	[O_DOMAIN] = { OPT_VALUE, "domain", "D", OPT_DOMAIN, 0, 0,
	    N_("the server's own domain, for the bypass variants (default:\n"
	    "HOST without its first label, or from the address's PTR)"), NULL },
	[O_HELO] = { OPT_VALUE, "helo", "NAME", OPT_DOMAIN, 0, 0,
	    N_("name to send in EHLO (default: our address literal)"), NULL },
	[O_PORT25_TARGET] = { OPT_LIST, "port25-target", "T", OPT_HOST, 0, PORT25_MAX_TARGETS,
	    N_("where to test outbound port 25 (repeatable; default:\n"
	    "the MX hosts of a few large providers)"), NULL },
	[O_NO_PORT25] = { OPT_FLAG, "no-port25", NULL, OPT_ANY, 0, 0,
	    N_("do not probe outbound port 25 beside it: answers over\n"
	    "port 25 are then read without knowing what this line does to it"), NULL },
	{ OPT_END, NULL, NULL, OPT_ANY, 0, 0, NULL, NULL },
};

static const struct opt_spec relay_opts = { "relay", relay_rows, 17,
	N_("Each try ends with RSET; no message is ever sent.\n") };

static int
relay_run(struct run_ctx *ctx, int argc, char **argv)
{
	struct check_inputs in = { 0 };
	struct check_run *cr;
	struct relay_opts o = { .from = RELAY_DEFAULT_FROM, .to = RELAY_DEFAULT_TO };
	struct port25_opts p25 = { .no_submission = true };
	/* Over port 25, port25 runs beside: a block or an interceptor is not the server. */
	const char *names[] = { "relay", "port25" };
	struct opt_vals v;
	char why[256], *host = NULL;
	int rc, port = 25;

	rc = opt_parse(&relay_opts, argc, argv, &v);
	if (rc >= 0)
		return rc;
	if (opt_flag(&v, O_NO_PORT25) && v.n[O_PORT25_TARGET] > 0)
		return cli_usage_error("relay", _("--no-port25 and --port25-target: give one "
		    "or the other"));
	if (opt_str(&v, O_FROM) != NULL)
		o.from = opt_str(&v, O_FROM);
	if (opt_str(&v, O_TO) != NULL)
		o.to = opt_str(&v, O_TO);
	if (validate_address(o.from, false, why, sizeof(why)) < 0 ||
	    validate_address(o.to, false, why, sizeof(why)) < 0)
		return cli_usage_error("relay", _("--from and --to must be mail addresses: %s"),
		    why);
	o.domain = opt_str(&v, O_DOMAIN);
	o.helo = opt_str(&v, O_HELO);
	/* Checked by the table: this only splits it. */
	if (parse_host_port(v.operands[0], &host, &port, why, sizeof(why)) < 0)
		return cli_usage_error("relay", _("'%s' is not HOST[:PORT]: %s"), v.operands[0],
		    why);
	o.host = host;
	o.port = (unsigned)port;
	rc = run_open(ctx, "relay", host);
	if (rc == 0) {
		in.relay = &o;
		p25.targets = v.list[O_PORT25_TARGET];
		p25.ntargets = v.n[O_PORT25_TARGET];
		p25.helo = o.helo;
		/* else port25 does not run */
		in.port25 = o.port == 25 && !opt_flag(&v, O_NO_PORT25) ? &p25 : NULL;
		cr = checks_run(ctx, &in, names, 2, false, NULL);
		loop_run(ctx->loop);
		path_judge_vantage(ctx->rep);
		check_run_free(cr);
		rc = -1;
	}
	free(host);
	return rc;
}

const struct command cmd_relay = {
	.name = "relay",
	.summary = N_("Open-relay test, with the classic bypass variants (never sends DATA)"),
	.usage = "relay HOST[:PORT] [--from ADDR] [--to ADDR] [--domain D] [--helo NAME] "
	    "[--port25-target T]... [--no-port25]",
	.opts = &relay_opts,
	.run = relay_run,
};
