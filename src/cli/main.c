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

/* A stable order of findings, in the command's sections (report_settle). */
static void
settle(struct report *rep, const struct render_section *sections)
{
	const char *groups[16];
	size_t n = 0;

	for (; sections != NULL && sections->group != NULL && n < 15; sections++)
		groups[n++] = sections->group;
	groups[n] = NULL;
	report_settle(rep, groups);
}

/* Internationalised names typed: both forms, as the first answer lines and as "idn". */
static void
show_idns(struct report *rep)
{
	json_t *list = json_array(), *answers = report_answers(rep);
	char line[1024];
	size_t i;

	for (i = 0; i < opt_idn_count(); i++) {
		const struct opt_idn *n = opt_idn_get(i);

		snprintf(line, sizeof(line), _("%s is written %s in DNS (an internationalised "
		    "domain name)."), n->input, n->ascii);
		if (answers != NULL)
			json_array_insert_new(answers, i, json_string(line));
		else
			report_answer(rep, line);
		json_array_append_new(list, json_pack("{s:s, s:s}", "input", n->input, "ascii",
		    n->ascii));
	}
	report_set_extra(rep, "idn", list);
}

int
main(int argc, char **argv)
{
	struct cli cli;
	struct run_ctx ctx = { 0 };
	const char *format = prescan(argc, argv, "--format");
	int rc;

	/* A server closing on us must not kill the process: write errors are handled. */
	signal(SIGPIPE, SIG_IGN);
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
	optind = 0;	/* glibc: full re-initialisation for the command's getopt_long */
	rc = cli.cmd->run(&ctx, cli.argc, cli.argv);
	if (rc < 0 && ctx.rep != NULL) {
		struct render_opts ro = { .color = run_use_colour(&cli.g), .verbose = cli.g.verbose,
		    .problems_only = ctx.problems_only || cli.g.problems_only,
		    .sections = cli.cmd->sections };

		report_finish(ctx.rep);
		settle(ctx.rep, cli.cmd->sections);
		if (opt_idn_count() > 0)
			show_idns(ctx.rep);
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
	report_free(ctx.rep);
	loop_free(ctx.loop);
out:
	cli_fini(&cli);
	return rc;
}
