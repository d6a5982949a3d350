/* Command line: global options (accepted before or after the command), help and version. */
#ifndef MXD_CLI_H
#define MXD_CLI_H

#include "command.h"

struct tls_client;

struct cli {
	struct global_opts g;
	const struct command *cmd;	/* NULL with --help/--version handled */
	int argc;			/* the command's own arguments, argv[0] = its name */
	char **argv;			/* owned array, borrowed strings */
	char *resolvers_csv;		/* owned; g.resolvers points here */
	struct tls_client *ca_tls;	/* owned: --ca-file loaded once, for run_ctx.tls */
};

/*
 * Parse argv. Returns -1 to go on and run cli->cmd, or an exit status to exit with now
 * (0 after --help/--version, EXIT_USAGE after printing one line and a hint).
 */
int cli_parse(struct cli *cli, int argc, char **argv);
void cli_fini(struct cli *cli);

/* Per-command help to stdout. */
void cli_command_help(const struct command *cmd);

#endif
