/* mxdiag: argv -> command -> run on the event loop -> render -> exit status. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dns.h"
#include "i18n.h"
#include "log.h"
#include "loop.h"
#include "options.h"
#include "render.h"
#include "render_nagios.h"
#include "run.h"
#include "report.h"
#include "tls.h"

/* The value of global option NAME ("--lang"), looked up before parsing: --lang must
 * apply to help text, which is printed while parsing, and --format nagios to a usage
 * error found before it. The last one counts, as in cli_parse(). */
static const char *
prescan(int argc, char **argv, const char *name)
{
	const char *val = NULL;
	size_t len = strlen(name);
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], name) == 0 && i + 1 < argc)
			val = argv[i + 1];
		else if (strncmp(argv[i], name, len) == 0 && argv[i][len] == '=')
			val = argv[i] + len + 1;
	}
	return val;
}

/* --format nagios: a run that ends without a report still owes the monitoring system a
 * status line and an exit status from 0 to 3 (usage errors are UNKNOWN there). */
static int
nagios_no_report(int rc)
{
	if (rc >= EXIT_OK && rc <= EXIT_UNKNOWN)
		return rc;
	if (rc == EXIT_USAGE)
		printf("MXDIAG UNKNOWN - %s\n", _("usage error (see 'mxdiag --help')"));
	else
		printf("MXDIAG UNKNOWN - %s\n", _("no result"));
	return EXIT_UNKNOWN;
}

int
main(int argc, char **argv)
{
	static char out_buf[1 << 16];	/* stdout's, alive until exit() flushes it */
	struct cli cli;
	struct run_ctx ctx = { 0 };
	const char *format = prescan(argc, argv, "--format");
	int rc;

	/* A server closing on us must not kill the process: write errors are handled. */
	signal(SIGPIPE, SIG_IGN);
	/* Into a file or a pipe, output goes in 64 KB writes, not stdio's 4 KB: a mailbox's
	 * JSON Lines were some 5,000 write() calls per 10,000 bounces. A terminal keeps its
	 * line buffering. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));	/* glibc: NULL is 4 KB */
	i18n_init(prescan(argc, argv, "--lang"));
	rc = cli_parse(&cli, argc, argv);
	if (rc >= 0) {
		if (format != NULL && strcmp(format, "nagios") == 0)
			rc = nagios_no_report(rc);
		goto out;
	}
	if (cli.g.verbose >= 2)
		log_set_level(LOG_DEBUG);
	ctx.loop = loop_new();
	ctx.g = &cli.g;
	ctx.tls = cli.ca_tls;	/* --ca-file's, loaded when it was checked */
	cli.ca_tls = NULL;
	optind = 0;	/* glibc: full re-initialisation for the command's getopt_long */
	rc = cli.cmd->run(&ctx, cli.argc, cli.argv);
	if (rc < 0 && ctx.rep != NULL) {
		struct render_opts ro = { .color = run_use_colour(&cli.g), .verbose = cli.g.verbose,
		    .problems_only = ctx.problems_only || cli.g.problems_only,
		    .sections = cli.cmd->sections };

		report_finish(ctx.rep);
		run_settle(ctx.rep, cli.cmd->sections, opt_idn_get(0), opt_idn_count());
		if (cli.g.json)
			rc = render_json_problems(stdout, ctx.rep, ro.problems_only) < 0 ?
			    EXIT_UNKNOWN : -1;
		else if (cli.g.nagios)
			rc = render_nagios(stdout, ctx.rep) < 0 ? EXIT_UNKNOWN : -1;
		else
			render_text(stdout, ctx.rep, &ro);
		if (rc < 0)
			rc = status_exit_code(report_worst(ctx.rep));
	} else if (rc < 0) {
		rc = EXIT_UNKNOWN;
	}
	if (cli.g.nagios)
		rc = nagios_no_report(rc);
	if (fflush(stdout) != 0 && rc < EXIT_UNKNOWN)
		rc = EXIT_UNKNOWN;
	dns_free(ctx.dns);
	tls_client_free(ctx.tls);
	report_free(ctx.rep);
	loop_free(ctx.loop);
out:
	cli_fini(&cli);
	return rc;
}
