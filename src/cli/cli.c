/* Global option parsing and help text. Global options may appear anywhere before "--",
 * so `mxdiag check example.com --json` works as people type it. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "findings.h"
#include "i18n.h"
#include "options.h"
#include "tls.h"
#include "validate.h"
#include "xmalloc.h"

#define CLI_MAX_RESOLVERS 8
#define DEFAULT_TIMEOUT_MS 5000

/* The message quotes what the user typed: keep it one line of sane length, whatever was
 * typed (a 100 KB argument, a newline, a terminal escape). */
#define USAGE_MSG_MAX 400

/* "mxdiag: CMD: message" on stderr, one line of sane length whatever was typed. */
static void
say_error(const char *cmd, const char *fmt, va_list ap)
{
	char msg[USAGE_MSG_MAX];
	size_t len, i;
	int n;

	fputs("mxdiag: ", stderr);
	if (cmd != NULL)
		fprintf(stderr, "%s: ", cmd);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	len = n < 0 ? 0 : strlen(msg);
	if (n >= (int)sizeof(msg))	/* cut: not inside a UTF-8 sequence */
		while (len > 0 && ((unsigned char)msg[len] & 0xc0) == 0x80)
			msg[len--] = '\0';
	msg[len] = '\0';
	for (i = 0; i < len; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	fputs(msg, stderr);
	if (n >= (int)sizeof(msg))
		fputs("...", stderr);
	fputc('\n', stderr);
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_error(cmd, fmt, ap);
	va_end(ap);
	if (cmd != NULL)
		fprintf(stderr, _("Try 'mxdiag %s --help'.\n"), cmd);
	else
		fputs(_("Try 'mxdiag --help'.\n"), stderr);
	return EXIT_USAGE;
}

int
cli_input_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_error(cmd, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

/* The global options for `mxdiag --list-options` (the bash completion): the long names
 * cli_parse() takes, with the value's name when one follows. */
static const struct {
	const char *name, *meta;
} global_list[] = {
	{ "--json", NULL },
	{ "--format", "text|json|nagios" },
	{ "--resolver", "IP[:PORT]" },
	{ "--timeout", "SECONDS" },
	{ "--ca-file", "FILE" },
	{ "--lang", "en|ja" },
	{ "--no-color", NULL },
	{ "--problems-only", NULL },
	{ "--verbose", NULL },
	{ "--help", NULL },
	{ "--version", NULL },
};

static void
list_options(const struct command *cmd)
{
	size_t i;

	if (cmd != NULL) {
		if (cmd->opts != NULL)
			opt_list(stdout, cmd->opts);
		return;
	}
	for (i = 0; commands[i] != NULL; i++)
		printf("command %s\n", commands[i]->name);
	for (i = 0; i < sizeof(global_list) / sizeof(global_list[0]); i++)
		printf("option %s%s%s\n", global_list[i].name, global_list[i].meta ? " " : "",
		    global_list[i].meta ? global_list[i].meta : "");
}

static void
main_help(void)
{
	size_t i;

	printf(_("Usage: mxdiag [OPTIONS] COMMAND [ARGS]\n"
	    "Diagnose mail deliverability from live DNS and SMTP.\n\n"
	    "Commands:\n"));
	for (i = 0; commands[i] != NULL; i++)
		printf("  %-10s %s\n", commands[i]->name, _(commands[i]->summary));
	printf(_("\nOptions (before or after the command):\n"
	    "  --json               one JSON document on stdout (docs/json-schema.md)\n"
	    "  --format FORMAT      text (default), json (as --json), or nagios: a monitoring\n"
	    "                       plugin's status line with performance data, exit 0-3\n"
	    "  --resolver IP[:PORT] DNS resolver to ask (repeatable; IPv6 as [ADDR]:PORT)\n"
	    "  --timeout SECONDS    longest wait for any one network step (default 5)\n"
	    "  --ca-file FILE       CA certificates for TLS verification (default: system)\n"
	    "  --lang en|ja         language of messages (default: from the locale)\n"
	    "  --no-color           no colour even on a terminal\n"
	    "  --problems-only      only WARN, FAIL and UNKNOWN findings (text and JSON)\n"
	    "  -v, --verbose        show the evidence (queries, SMTP lines); -vv adds a debug log\n"
	    "  -h, --help           this help; 'mxdiag COMMAND --help' for a command\n"
	    "  -V, --version        print the version\n\n"
	    "Exit status: 0 OK, 1 warning, 2 failure, 3 unknown (could not decide), "
	    "64 usage error.\n"));
}

void
cli_command_help(const struct command *cmd)
{
	printf(_("Usage: mxdiag [OPTIONS] %s\n%s\n"), cmd->usage, _(cmd->summary));
	if (cmd->opts != NULL) {
		putchar('\n');
		opt_help(stdout, cmd->opts);
	}
	printf(_("\nGlobal options: see 'mxdiag --help'.\n"));
}

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; commands[i] != NULL; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int
add_resolver(struct cli *cli, const char *arg, unsigned *count)
{
	char why[128], *host = NULL, *entry;
	int port = 53, family = 0;

	if (*count == CLI_MAX_RESOLVERS)
		return cli_usage_error(NULL, _("at most %d --resolver options"), CLI_MAX_RESOLVERS);
	if (parse_host_port(arg, &host, &port, why, sizeof(why)) < 0 ||
	    validate_ip(host, &family) < 0) {
		free(host);
		return cli_usage_error(NULL, _("--resolver '%s' is not IP[:PORT] (IPv6 as "
		    "[ADDR]:PORT)"), arg);
	}
	entry = family == AF_INET6 ? xasprintf("[%s]:%d", host, port) :
	    xasprintf("%s:%d", host, port);
	free(host);
	if (cli->resolvers_csv == NULL) {
		cli->resolvers_csv = entry;
	} else {
		char *csv = xasprintf("%s,%s", cli->resolvers_csv, entry);

		free(cli->resolvers_csv);
		free(entry);
		cli->resolvers_csv = csv;
	}
	(*count)++;
	return -1;
}

static int
parse_timeout(struct cli *cli, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (*arg == '\0' || *end != '\0' || errno != 0 || !(v >= 0.1 && v <= 600))
		return cli_usage_error(NULL, _("--timeout '%s' must be a number of seconds from "
		    "0.1 to 600"), arg);
	cli->g.timeout_ms = (int)(v * 1000);
	return -1;
}

/* --ca-file must name a file we can read: a typo would otherwise only show later, as TLS
 * findings about the servers (a probe without a TLS context reports STARTTLS missing). */
static int
check_ca_file(struct cli *cli, const char *path)
{
	struct stat st;
	struct tls_client *tc;
	char why[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);	/* a FIFO must not block */

	if (fd < 0)
		return cli_input_error(NULL, _("cannot read --ca-file %s: %s"), path,
		    strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cli_input_error(NULL, _("--ca-file %s is not a file of PEM certificates"),
		    path);
	}
	close(fd);
	/* Load it as the probes will: a file OpenSSL cannot use is refused here, once, rather
	 * than each probe going on without TLS. The context is the run's (main.c). */
	tc = tls_client_new(path, why, sizeof(why));
	if (tc == NULL)
		return cli_input_error(NULL, _("--ca-file %s: %s"), path, why);
	tls_client_free(cli->ca_tls);	/* given twice: the last one counts */
	cli->ca_tls = tc;
	return -1;
}

/* Options taking a value: "--opt VALUE" or "--opt=VALUE". *val is NULL when missing. */
static bool
takes_value(const char *arg, const char *name, const char *next, const char **val, int *used)
{
	size_t len = strlen(name);

	if (strncmp(arg, name, len) != 0)
		return false;
	if (arg[len] == '=') {
		*val = arg + len + 1;
		*used = 1;
		return true;
	}
	if (arg[len] != '\0')
		return false;
	*val = next;
	*used = next != NULL ? 2 : 1;
	return true;
}

int
cli_parse(struct cli *cli, int argc, char **argv)
{
	unsigned nresolvers = 0;
	bool want_help = false, want_list = false, after_dashes = false;
	int i, rc;

	memset(cli, 0, sizeof(*cli));
	cli->g.timeout_ms = DEFAULT_TIMEOUT_MS;
	cli->argv = xcalloc((size_t)argc + 1, sizeof(char *));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int used = 1;

		if (after_dashes || a[0] != '-' || a[1] == '\0') {
			if (cli->cmd == NULL && !after_dashes) {
				cli->cmd = find_command(a);
				if (cli->cmd == NULL)
					return strcmp(a, "help") == 0 && i + 1 < argc &&
					    find_command(argv[i + 1]) != NULL ?
					    (cli_command_help(find_command(argv[i + 1])), 0) :
					    cli_usage_error(NULL, _("unknown command '%s'"), a);
			}
			cli->argv[cli->argc++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			after_dashes = true;
			cli->argv[cli->argc++] = argv[i];
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			cli->g.json = true;
			cli->g.nagios = false;
		} else if (strcmp(a, "--no-color") == 0 || strcmp(a, "--no-colour") == 0) {
			cli->g.no_color = true;
		} else if (strcmp(a, "--problems-only") == 0) {
			cli->g.problems_only = true;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			cli->g.verbose++;
		} else if (strcmp(a, "-vv") == 0) {
			cli->g.verbose += 2;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			want_help = true;
		} else if (strcmp(a, "--list-options") == 0) {
			/* Hidden: the options for the bash completion (data/bash-completion). */
			want_list = true;
		} else if (strcmp(a, "--list-findings") == 0) {
			/* Hidden: the findings table, for tests/docs-ids.sh. */
			findings_print(stdout);
			return 0;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("mxdiag %s\n", PACKAGE_VERSION);
			return 0;
		} else if (takes_value(a, "--resolver", argv[i + 1], &val, &used)) {
			if (val == NULL)
				return cli_usage_error(NULL, _("--resolver needs IP[:PORT]"));
			if ((rc = add_resolver(cli, val, &nresolvers)) >= 0)
				return rc;
		} else if (takes_value(a, "--timeout", argv[i + 1], &val, &used)) {
			if (val == NULL)
				return cli_usage_error(NULL, _("--timeout needs SECONDS"));
			if ((rc = parse_timeout(cli, val)) >= 0)
				return rc;
		} else if (takes_value(a, "--ca-file", argv[i + 1], &val, &used)) {
			if (val == NULL)
				return cli_usage_error(NULL, _("--ca-file needs FILE"));
			if ((rc = check_ca_file(cli, val)) >= 0)
				return rc;
			cli->g.ca_file = val;
		} else if (takes_value(a, "--format", argv[i + 1], &val, &used)) {
			if (val == NULL || (strcmp(val, "text") != 0 && strcmp(val, "json") != 0 &&
			    strcmp(val, "nagios") != 0))
				return cli_usage_error(NULL, _("--format must be 'text', 'json' or "
				    "'nagios'"));
			cli->g.json = strcmp(val, "json") == 0;
			cli->g.nagios = strcmp(val, "nagios") == 0;
		} else if (takes_value(a, "--lang", argv[i + 1], &val, &used)) {
			if (val == NULL || (strcmp(val, "en") != 0 && strcmp(val, "ja") != 0))
				return cli_usage_error(NULL, _("--lang must be 'en' or 'ja'"));
			cli->g.lang = val;
		} else if (cli->cmd != NULL) {
			/* Not global: the command's own option. */
			cli->argv[cli->argc++] = argv[i];
		} else {
			return cli_usage_error(NULL, _("unknown option '%s'"), a);
		}
		i += used - 1;
	}
	cli->g.resolvers = cli->resolvers_csv;
	if (want_list) {
		list_options(cli->cmd);
		return 0;
	}
	if (want_help) {
		if (cli->cmd != NULL)
			cli_command_help(cli->cmd);
		else
			main_help();
		return 0;
	}
	if (cli->cmd == NULL)
		return cli_usage_error(NULL, _("no command given"));
	return -1;
}

void
cli_fini(struct cli *cli)
{
	free(cli->argv);
	free(cli->resolvers_csv);
	tls_client_free(cli->ca_tls);
}
