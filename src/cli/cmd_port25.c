/* `mxdiag port25 [TARGET...]`: is outbound port 25 open, or blocked by the ISP (OP25B)?
 * The command line only; the probing and judging are in probe_port25.c. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>

#include "checks.h"
#include "command.h"
#include "i18n.h"
#include "loop.h"
#include "options.h"
#include "probe_port25.h"
#include "run.h"

enum { O_TARGET, O_SUBMISSION, O_NO_SUBMISSION, O_HELO };

static const struct opt port25_rows[] = {
	[O_TARGET] = { OPT_OPERAND, NULL, "TARGET", OPT_HOST, 0, PORT25_MAX_TARGETS,
	    N_("mail domains (their MX is dialled) or IP addresses;\n"
	    "default gmail.com outlook.com yahoo.com"), NULL },
	[O_SUBMISSION] = { OPT_LIST, "submission", "HOST", OPT_HOST, 0, PORT25_MAX_SUBMISSION,
	    N_("a submission server to try on 587 and 465 (repeatable);\n"
	    "default smtp.gmail.com smtp.mail.yahoo.com"), NULL },
	[O_NO_SUBMISSION] = { OPT_FLAG, "no-submission", NULL, OPT_ANY, 0, 0,
	    N_("do not try 587/465"), NULL },
	[O_HELO] = { OPT_VALUE, "helo", "NAME", OPT_DOMAIN, 0, 0,
	    N_("name to send in EHLO (default: our address literal)"), NULL },
	{ OPT_END, NULL, NULL, OPT_ANY, 0, 0, NULL, NULL },
};

static const struct opt_spec port25_opts = { "port25", port25_rows, 21, NULL };

static int
port25_run(struct run_ctx *ctx, int argc, char **argv)
{
	struct check_inputs in = { 0 };
	struct check_run *cr;
	struct port25_opts o = { 0 };
	struct opt_vals v;
	int rc;

	rc = opt_parse(&port25_opts, argc, argv, &v);
	if (rc >= 0)
		return rc;
	o.nsubmission = v.n[O_SUBMISSION];
	o.no_submission = opt_flag(&v, O_NO_SUBMISSION);
	o.helo = opt_str(&v, O_HELO);
	o.targets = v.operands;
	o.ntargets = v.n_operands;
	o.submission = v.list[O_SUBMISSION];
	rc = run_open(ctx, "port25", _("outbound port 25"));
	if (rc != 0)
		return rc;
	in.port25 = &o;
	cr = run_start(ctx, &in, "port25");
	run_finish(ctx, cr);
	return -1;
}

const struct command cmd_port25 = {
	.name = "port25",
	.summary = N_("Is outbound port 25 open, or blocked by the ISP (OP25B)? And 587/465?"),
	.usage = "port25 [TARGET...] [--submission HOST]... [--no-submission] [--helo NAME]",
	.opts = &port25_opts,
	.run = port25_run,
};
