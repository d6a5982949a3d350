/* `mxdiag inbound DOMAIN [--rcpt ADDR]`: the command line; the probing and the verdict are
 * in probe_inbound.c. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include "checks.h"
#include "command.h"
#include "i18n.h"
#include "loop.h"
#include "options.h"
#include "path.h"
#include "probe_inbound.h"
#include "probe_port25.h"
#include "run.h"

enum { O_DOMAIN, O_RCPT, O_FROM, O_HELO, O_PORT25_TARGET, O_NO_PORT25 };

static const struct opt inbound_rows[] = {
	[O_DOMAIN] = { OPT_OPERAND, NULL, "DOMAIN", OPT_DOMAIN, 1, 1,
	    N_("the mail domain to deliver to"), NULL },
	[O_RCPT] = { OPT_VALUE, "rcpt", "ADDR", OPT_ADDRESS, 0, 0,
	    N_("recipient to test (default postmaster@DOMAIN)"), NULL },
	/* The default is spelled out: xgettext cannot see through a macro. */
	[O_FROM] = { OPT_VALUE, "from", "ADDR", OPT_SENDER, 0, 0,
	    N_("outside sender to use (default: the null reverse-path <>,\n"
	    "as a bounce to postmaster)"), NULL },
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

static const struct opt_spec inbound_opts = { "inbound", inbound_rows, 17,
	N_("No message is ever sent: the session ends with RSET and QUIT, never DATA.\n") };

/* The delivery itself (its STARTTLS sessions are the MX TLS fact mta-sts and dane judge),
 * and the transport security senders apply on the way in; port25 beside them, so that a
 * line that blocks or intercepts port 25 is not read as the MX hosts' answer
 * (path_judge_vantage). */
static const char *const inbound_diagnoses[] = {
	"inbound", "mta-sts", "tls-rpt", "dane", "dnssec", "port25",
};

static int
inbound_run(struct run_ctx *ctx, int argc, char **argv)
{
	struct check_inputs in = { 0 };
	struct check_run *cr;
	struct inbound_opts o = { .from = INBOUND_DEFAULT_FROM };
	struct port25_opts p25 = { .no_submission = true };
	struct opt_vals v;
	char *domain;
	int rc;

	rc = opt_parse(&inbound_opts, argc, argv, &v);
	if (rc >= 0)
		return rc;
	if (opt_flag(&v, O_NO_PORT25) && v.n[O_PORT25_TARGET] > 0)
		return cli_usage_error("inbound", _("--no-port25 and --port25-target: give one "
		    "or the other"));
	o.rcpt = opt_str(&v, O_RCPT);
	/* a yes to --rcpt proves the mailbox only if a made-up address gets a no */
	o.probe_any = o.rcpt != NULL;
	if (opt_str(&v, O_FROM) != NULL)
		o.from = opt_str(&v, O_FROM);
	o.helo = opt_str(&v, O_HELO);
	p25.targets = v.list[O_PORT25_TARGET];
	p25.ntargets = v.n[O_PORT25_TARGET];
	p25.helo = o.helo;
	domain = run_normalise_domain(v.operands[0]);
	o.domain = domain;
	rc = run_open(ctx, "inbound", domain);
	if (rc == 0) {
		in.domain = domain;
		in.inbound = &o;
		in.port25 = opt_flag(&v, O_NO_PORT25) ? NULL : &p25;
		cr = checks_run(ctx, &in, inbound_diagnoses,
		    sizeof(inbound_diagnoses) / sizeof(inbound_diagnoses[0]), false, NULL);
		loop_run(ctx->loop);
		path_judge_vantage(ctx->rep);
		check_run_free(cr);
		rc = -1;
	}
	free(domain);
	return rc;
}

const struct command cmd_inbound = {
	.name = "inbound",
	.summary = N_("What a remote server sees when delivering to DOMAIN (MX, TLS, 530...)"),
	.usage = "inbound DOMAIN [--rcpt ADDR] [--from ADDR] [--helo NAME] [--port25-target T]... "
	    "[--no-port25]",
	.opts = &inbound_opts,
	.run = inbound_run,
};
