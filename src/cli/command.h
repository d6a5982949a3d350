/* The command interface: one `struct command` per sub-command, listed in commands.c. */
#ifndef MXD_COMMAND_H
#define MXD_COMMAND_H

#include <stdbool.h>

struct dns;
struct dns_gate;
struct loop;
struct opt_spec;
struct render_section;
struct report;
struct tls_client;

/* Exit statuses (monitoring-plugin convention, plus sysexits' EX_USAGE). */
enum { EXIT_OK = 0, EXIT_WARN = 1, EXIT_FAIL = 2, EXIT_UNKNOWN = 3, EXIT_USAGE = 64 };

/* Global options, parsed before the command name. */
struct global_opts {
	bool json;		/* --json, --format json */
	bool nagios;		/* --format nagios: a monitoring plugin's output */
	bool no_color;
	bool problems_only;	/* --problems-only: only WARN, FAIL and UNKNOWN findings */
	int verbose;		/* -v: show evidence; -vv: debug log */
	const char *lang;	/* "en", "ja" or NULL */
	const char *resolvers;	/* c-ares CSV built from --resolver, NULL = system */
	const char *ca_file;	/* --ca-file, NULL = system store */
	int timeout_ms;		/* --timeout, per network wait */
};

/* What a command gets: the shared loop and DNS engine, and a report it creates. */
struct run_ctx {
	struct loop *loop;
	struct dns *dns;
	struct report *rep;	/* set by the command (report_new), rendered by main */
	const struct global_opts *g;
	bool problems_only;	/* set by the command: text shows only WARN/FAIL/UNKNOWN */
	struct dns_gate *dns_gate;	/* batch --qps: engines pace their queries, or NULL */
	bool is_dns_rotating;	/* batch: questions start at each resolver in turn */
	struct tls_client *tls;	/* owned; made on first ask by run_tls_client() */
};

struct command {
	const char *name;	/* "check" */
	const char *summary;	/* one line for `mxdiag --help` */
	const char *usage;	/* "check DOMAIN [--ip IP] [--helo NAME]" */
	const struct opt_spec *opts;	/* its options and operands (options.h) */
	const struct render_section *sections;	/* titled sections of its text report */
	/*
	 * argv[0] is the command name. Parse the arguments (opt_parse() with .opts, optind
	 * reset by the caller), create ctx->rep, start the work and run ctx->loop. Return -1 when ctx->rep
	 * holds the result (main renders it and exits by its worst status), or an exit status
	 * to use as is: EXIT_USAGE after cli_usage_error(), or a command's own status when it
	 * printed its own output (batch modes).
	 */
	int (*run)(struct run_ctx *ctx, int argc, char **argv);
};

/* All commands, NULL-terminated (commands.c). */
extern const struct command *const commands[];

/* Print "mxdiag: CMD: <message>" and a hint line to stderr. Returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A file named on the command line cannot be read (or is not what it must be): the same
 * line and exit status, without the --help hint (the options were right). */
int cli_input_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
