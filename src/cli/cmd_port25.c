/* `mxdiag port25 [TARGET...]`: is outbound port 25 open, or blocked by the ISP (OP25B)?
 * The command line only; the probing and judging are in probe_port25.c. */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "command.h"
#include "i18n.h"
#include "loop.h"
#include "probe_port25.h"
#include "run.h"
#include "validate.h"

static int
port25_run(struct run_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "submission", required_argument, NULL, 's' },
		{ "no-submission", no_argument, NULL, 'n' },
		{ "helo", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct port25_opts o = { 0 };
	const char *subs[PORT25_MAX_SUBMISSION];
	const char *targets[PORT25_MAX_TARGETS];
	char why[256];
	int c, rc, i;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (o.nsubmission == PORT25_MAX_SUBMISSION)
				return cli_usage_error("port25", _("at most %d --submission hosts"),
				    PORT25_MAX_SUBMISSION);
			if (validate_domain(optarg, why, sizeof(why)) < 0 &&
			    validate_ip(optarg, NULL) < 0)
				return cli_usage_error("port25", _("--submission '%s' is not a host "
				    "name or address: %s"), optarg, why);
			subs[o.nsubmission++] = optarg;
			break;
		case 'n':
			o.no_submission = true;
			break;
		case 'H':
			if (validate_domain(optarg, why, sizeof(why)) < 0)
				return cli_usage_error("port25", _("--helo '%s' is not a host name: "
				    "%s"), optarg, why);
			o.helo = optarg;
			break;
		case ':':
			return cli_usage_error("port25", _("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return cli_usage_error("port25", _("unknown option '%s'"),
			    argv[optind - 1]);
		}
	}
	for (i = optind; i < argc; i++) {
		if (o.ntargets == PORT25_MAX_TARGETS)
			return cli_usage_error("port25", _("at most %d targets"),
			    PORT25_MAX_TARGETS);
		if (validate_domain(argv[i], why, sizeof(why)) < 0 &&
		    validate_ip(argv[i], NULL) < 0)
			return cli_usage_error("port25", _("target '%s' is not a domain or IP "
			    "address: %s"), argv[i], why);
		targets[o.ntargets++] = argv[i];
	}
	o.targets = targets;
	o.submission = subs;
	rc = run_open(ctx, "port25", _("outbound port 25"));
	if (rc != 0)
		return rc;
	port25_start(ctx, &o, NULL, NULL);
	loop_run(ctx->loop);
	return -1;
}

const struct command cmd_port25 = {
	.name = "port25",
	.summary = N_("Is outbound port 25 open, or blocked by the ISP (OP25B)? And 587/465?"),
	.usage = "port25 [TARGET...] [--submission HOST]... [--no-submission] [--helo NAME]",
	.help = N_("  TARGET             mail domains (their MX is dialled) or IP addresses;\n"
	    "                     default gmail.com outlook.com yahoo.com\n"
	    "  --submission HOST  a submission server to try on 587 and 465 (repeatable);\n"
	    "                     default smtp.gmail.com smtp.mail.yahoo.com\n"
	    "  --no-submission    do not try 587/465\n"
	    "  --helo NAME        name to send in EHLO (default: our address literal)\n"),
	.run = port25_run,
};
