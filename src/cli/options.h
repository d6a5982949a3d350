/* Per-command option tables, as curl's tool has one: each row gives getopt_long its entry,
 * `mxdiag COMMAND --help` its line, and the parser its validator, so that every usage error
 * has one wording whichever command it comes from. */
#ifndef MXD_OPTIONS_H
#define MXD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct secret;

#define OPT_MAX_ROWS 24		/* rows of one table */
#define OPT_MAX_LIST 16		/* values of one repeatable option */

enum opt_kind {
	OPT_END,	/* ends the table */
	OPT_FLAG,	/* --name */
	OPT_VALUE,	/* --name VALUE; given twice, the last one counts */
	OPT_LIST,	/* --name VALUE, repeatable up to .max times */
	OPT_OPERAND,	/* the operands (at most one such row): from .min to .max (0: any) */
};

/* What a value must be; each check has one message (options.c). */
enum opt_check {
	OPT_ANY,	/* taken as typed */
	OPT_DOMAIN,	/* a DNS name */
	OPT_IP,		/* an IPv4 or IPv6 address */
	OPT_HOST,	/* a DNS name or an IP address */
	OPT_ADDRESS,	/* local@domain */
	OPT_SENDER,	/* local@domain, or '' for the null sender */
	OPT_HOST_PORT,	/* HOST[:PORT], HOST a name or an address */
};

struct opt {
	enum opt_kind kind;
	const char *name;	/* "ip" for --ip; NULL in the operand row */
	const char *meta;	/* the value's name in help and errors: "IP", "HOST[:PORT]" */
	enum opt_check check;
	unsigned min, max;	/* OPT_LIST: max values; OPT_OPERAND: how many */
	const char *help;	/* N_(); further lines go under the first; NULL: not listed */
	const char *label;	/* help label instead of "--name META" (several on one line) */
};

struct opt_spec {
	const char *cmd;	/* "check", for the messages */
	const struct opt *rows;	/* ends with an OPT_END row */
	int col;		/* help: the column where the texts start */
	const char *note;	/* N_(): lines after the list, or NULL */
};

/* What opt_parse() found; every string is borrowed from argv. Index by row. */
struct opt_vals {
	const char *val[OPT_MAX_ROWS];			/* last value; a flag: its name */
	const char *list[OPT_MAX_ROWS][OPT_MAX_LIST];	/* OPT_LIST: every value */
	size_t n[OPT_MAX_ROWS];				/* times given */
	const char *const *operands;
	size_t n_operands;
};

/*
 * Parse a command's arguments (argv[0] is its name; optind reset by the caller) by the
 * table, checking every value and the operand count. Returns -1 when they are fine, or
 * EXIT_USAGE after one line on stderr (cli_usage_error).
 */
int opt_parse(const struct opt_spec *spec, int argc, char **argv, struct opt_vals *v);

/* The value of row i, or NULL when not given. A flag: true when given. */
const char *opt_str(const struct opt_vals *v, size_t i);
bool opt_flag(const struct opt_vals *v, size_t i);

/* Check a value as the table's rows do; what is "--opt" (NULL for an operand). Returns -1
 * when fine, else EXIT_USAGE after the message. */
int opt_check_value(const char *cmd, const char *what, enum opt_check check, const char *s);

/* SMTP AUTH credentials (smarthost, preflight): --user with exactly one of --password-file
 * and --password-env, or none. *pass gets the secret (caller frees) or NULL without
 * --user. Returns -1 when fine, else EXIT_USAGE after the message, never naming the
 * password. */
int opt_login(const char *cmd, const char *user, const char *pw_file, const char *pw_env,
    struct secret **pass);

/* The option list of `mxdiag COMMAND --help`, translated. */
void opt_help(FILE *out, const struct opt_spec *spec);

/* An internationalised name typed (a domain, an address's domain, a host): opt_parse()
 * hands the command the value with the name in its A-label form, and keeps the pair so
 * that the report can show both (main.c). */
struct opt_idn {
	const char *input;	/* the name as typed: 日本語.jp */
	const char *ascii;	/* as DNS has it: xn--wgv71a119e.jp */
	const char *value;	/* the whole value the command got */
};
size_t opt_idn_count(void);
const struct opt_idn *opt_idn_get(size_t i);

/* The table for machines (`mxdiag COMMAND --list-options`, read by the bash completion):
 * "option --NAME[ META]" per option, hidden ones too, and "operand META". */
void opt_list(FILE *out, const struct opt_spec *spec);

#endif
