/* The option tables at work: getopt_long's array and --help built from one table per
 * command, and the shared validators, each with one wording of its usage error. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "err.h"
#include "i18n.h"
#include "options.h"
#include "secret.h"
#include "validate.h"
#include "xmalloc.h"

#define OPT_VAL_BASE 1000	/* getopt_long's val for row i: clear of any short option */
#define USER_MAX 256

/* The internationalised names typed in this run, as typed and as DNS has them. Static, so
 * the strings live (and stay reachable) until the process ends, as argv's do. */
static struct opt_idn *idns;
static size_t n_idns;
static const char **operands_ascii;	/* the operands with names converted, or NULL */

static size_t
count_rows(const struct opt *rows)
{
	size_t n = 0;

	while (rows[n].kind != OPT_END)
		n++;
	assert(n <= OPT_MAX_ROWS);	/* a table larger than struct opt_vals */
	return n;
}

int
opt_check_value(const char *cmd, const char *what, enum opt_check check, const char *s)
{
	char why[256], *host = NULL;
	int port = 0, bad;

	why[0] = '\0';
	switch (check) {
	case OPT_ANY:
		return -1;
	case OPT_DOMAIN:
		if (validate_domain(s, why, sizeof(why)) == 0)
			return -1;
		return what == NULL ?
		    cli_usage_error(cmd, _("'%s' is not a valid domain name: %s"), s, why) :
		    cli_usage_error(cmd, _("%s '%s' is not a host name: %s"), what, s, why);
	case OPT_IP:
		if (validate_ip(s, NULL) == 0)
			return -1;
		return cli_usage_error(cmd, _("%s '%s' is not an IPv4 or IPv6 address"),
		    what != NULL ? what : "", s);
	case OPT_HOST:
		if (validate_domain(s, why, sizeof(why)) == 0 || validate_ip(s, NULL) == 0)
			return -1;
		return what == NULL ?
		    cli_usage_error(cmd, _("'%s' is not a domain or IP address: %s"), s, why) :
		    cli_usage_error(cmd, _("%s '%s' is not a host name or address: %s"), what, s,
		    why);
	case OPT_ADDRESS:
	case OPT_SENDER:
		if (validate_address(s, check == OPT_SENDER, why, sizeof(why)) == 0)
			return -1;
		return cli_usage_error(cmd, _("%s '%s' is not a mail address: %s"),
		    what != NULL ? what : "", s, why);
	case OPT_HOST_PORT:
		bad = parse_host_port(s, &host, &port, why, sizeof(why)) < 0 ||
		    (validate_ip(host, NULL) < 0 && validate_domain(host, why, sizeof(why)) < 0);
		free(host);
		if (!bad)
			return -1;
		return what == NULL ?
		    cli_usage_error(cmd, _("'%s' is not HOST[:PORT]: %s"), s, why) :
		    cli_usage_error(cmd, _("%s '%s' is not HOST[:PORT]: %s"), what, s, why);
	}
	return -1;
}

size_t
opt_idn_count(void)
{
	return n_idns;
}

const struct opt_idn *
opt_idn_get(size_t i)
{
	return i < n_idns ? &idns[i] : NULL;
}

/* Where the name is in a value of this kind: from *start, *len bytes (the domain of an
 * address, the host of HOST:PORT). false when the kind holds no name. */
static bool
name_part(enum opt_check check, const char *s, size_t *start, size_t *len)
{
	const char *at, *colon;

	*start = 0;
	*len = strlen(s);
	switch (check) {
	case OPT_DOMAIN:
	case OPT_HOST:
		return true;
	case OPT_ADDRESS:
	case OPT_SENDER:
		if ((at = strrchr(s, '@')) == NULL)
			return false;
		*start = (size_t)(at + 1 - s);
		*len -= *start;
		return true;
	case OPT_HOST_PORT:
		if (s[0] == '[')
			return false;
		colon = strrchr(s, ':');
		if (colon != NULL && strchr(s, ':') == colon)
			*len = (size_t)(colon - s);
		return true;
	case OPT_ANY:
	case OPT_IP:
		break;
	}
	return false;
}

/*
 * A value with an internationalised name in it (check 日本語.jp, --from a@bücher.test)
 * has the name in its A-label form, as DNS and SMTP need it, and the pair is kept for the
 * report (opt_idn_get). Returns the value to use (s itself when nothing is converted), or
 * NULL after the usage error.
 */
static const char *
to_ascii(const char *cmd, const char *what, enum opt_check check, const char *s)
{
	char why[256], *name, *ascii, *value;
	size_t start, len;
	int rc;

	if (!name_part(check, s, &start, &len))
		return s;
	name = xstrndup(s + start, len);
	rc = validate_idn(name, &ascii, why, sizeof(why));
	if (rc == 1) {
		free(name);
		return s;
	}
	if (rc < 0) {
		free(name);
		if (what == NULL)
			cli_usage_error(cmd, _("'%s' is not a valid internationalised domain name: "
			    "%s"), s, why);
		else
			cli_usage_error(cmd, _("%s '%s' is not a valid internationalised domain "
			    "name: %s"), what, s, why);
		return NULL;
	}
	/* An error in the name is told about the name as typed, not its A-label form. */
	if (validate_domain(ascii, why, sizeof(why)) < 0) {
		free(name);
		free(ascii);
		if (what == NULL)
			cli_usage_error(cmd, _("'%s' is not a valid domain name: %s"), s, why);
		else
			cli_usage_error(cmd, _("%s '%s' is not a host name: %s"), what, s, why);
		return NULL;
	}
	value = xasprintf("%.*s%s%s", (int)start, s, ascii, s + start + len);
	idns = xrealloc(idns, (n_idns + 1) * sizeof(*idns));
	idns[n_idns].input = name;
	idns[n_idns].ascii = ascii;
	idns[n_idns++].value = value;
	return value;
}

/* "--name" of row r into buf, for the messages. */
static const char *
dashed(const struct opt *r, char *buf, size_t buf_len)
{
	snprintf(buf, buf_len, "--%s", r->name);
	return buf;
}

static bool
takes_password(const struct opt *rows)
{
	size_t i;

	for (i = 0; rows[i].kind != OPT_END; i++)
		if (rows[i].name != NULL && strcmp(rows[i].name, "password-file") == 0)
			return true;
	return false;
}

static int
check_operands(const struct opt_spec *spec, const struct opt *op, struct opt_vals *v)
{
	size_t i;

	if (op == NULL) {
		if (v->n_operands > 0)
			return cli_usage_error(spec->cmd, _("unexpected argument '%s'"),
			    v->operands[0]);
		return -1;
	}
	if (v->n_operands < op->min)
		return cli_usage_error(spec->cmd, _("missing %s"), op->meta);
	if (op->max == 1 && v->n_operands > 1)
		return cli_usage_error(spec->cmd, _("unexpected argument '%s'"), v->operands[1]);
	if (op->max > 0 && v->n_operands > op->max)
		return cli_usage_error(spec->cmd, _("at most %u %s arguments"), op->max, op->meta);
	free(operands_ascii);
	operands_ascii = xcalloc(v->n_operands + 1, sizeof(*operands_ascii));
	for (i = 0; i < v->n_operands; i++) {
		const char *val = to_ascii(spec->cmd, NULL, op->check, v->operands[i]);

		if (val == NULL || opt_check_value(spec->cmd, NULL, op->check, val) >= 0)
			return EXIT_USAGE;
		operands_ascii[i] = val;
	}
	v->operands = operands_ascii;
	return -1;
}

int
opt_parse(const struct opt_spec *spec, int argc, char **argv, struct opt_vals *v)
{
	struct option longopts[OPT_MAX_ROWS + 1];
	const struct opt *rows = spec->rows, *operand = NULL;
	size_t n = count_rows(rows), i, k = 0;
	char name[64];
	int c;

	memset(v, 0, sizeof(*v));
	memset(longopts, 0, sizeof(longopts));
	for (i = 0; i < n; i++) {
		if (rows[i].kind == OPT_OPERAND) {
			operand = &rows[i];
			continue;
		}
		longopts[k].name = rows[i].name;
		longopts[k].has_arg = rows[i].kind == OPT_FLAG ? no_argument : required_argument;
		longopts[k].val = OPT_VAL_BASE + (int)i;
		k++;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		const struct opt *r;
		const char *val;

		if (c == ':')
			return cli_usage_error(spec->cmd, _("option '%s' needs a value"),
			    argv[optind - 1]);
		if (c < OPT_VAL_BASE || c >= OPT_VAL_BASE + (int)n) {
			/* Say so even when the mistyped option looks like a password. */
			if (takes_password(rows))
				return cli_usage_error(spec->cmd, _("unknown option '%s' (a password "
				    "is never taken on the command line: use --password-file or "
				    "--password-env)"), argv[optind - 1]);
			return cli_usage_error(spec->cmd, _("unknown option '%s'"),
			    argv[optind - 1]);
		}
		i = (size_t)(c - OPT_VAL_BASE);
		r = &rows[i];
		if (r->kind == OPT_FLAG) {
			v->val[i] = r->name;
			v->n[i]++;
			continue;
		}
		val = to_ascii(spec->cmd, dashed(r, name, sizeof(name)), r->check, optarg);
		if (val == NULL || opt_check_value(spec->cmd, dashed(r, name, sizeof(name)),
		    r->check, val) >= 0)
			return EXIT_USAGE;
		if (r->kind == OPT_LIST) {
			if (v->n[i] == r->max || v->n[i] == OPT_MAX_LIST)
				return cli_usage_error(spec->cmd, _("at most %d %s options"),
				    (int)v->n[i], dashed(r, name, sizeof(name)));
			v->list[i][v->n[i]] = val;
		}
		v->val[i] = val;
		v->n[i]++;
	}
	v->operands = (const char *const *)argv + optind;
	v->n_operands = (size_t)(argc - optind);
	return check_operands(spec, operand, v);
}

const char *
opt_str(const struct opt_vals *v, size_t i)
{
	return i < OPT_MAX_ROWS ? v->val[i] : NULL;
}

bool
opt_flag(const struct opt_vals *v, size_t i)
{
	return i < OPT_MAX_ROWS && v->n[i] > 0;
}

int
opt_login(const char *cmd, const char *user, const char *pw_file, const char *pw_env,
    struct secret **pass)
{
	int err = 0;

	*pass = NULL;
	if (pw_file != NULL && pw_env != NULL)
		return cli_usage_error(cmd, _("give --password-file or --password-env, not both"));
	if ((pw_file != NULL || pw_env != NULL) && user == NULL)
		return cli_usage_error(cmd, _("a password needs --user"));
	if (user == NULL)
		return -1;
	if (pw_file == NULL && pw_env == NULL)
		return cli_usage_error(cmd, _("--user needs --password-file FILE or "
		    "--password-env VAR"));
	/* It goes into AUTH as typed: one line, of a length servers take. */
	if (user[0] == '\0' || strpbrk(user, "\r\n") != NULL || strlen(user) > USER_MAX)
		return cli_usage_error(cmd, _("--user is empty, too long or holds a line break"));
	if (pw_file != NULL) {
		*pass = secret_from_file(pw_file, &err);
		if (*pass == NULL)
			return cli_input_error(cmd, _("cannot read a password from '%s': %s"),
			    pw_file, err == MXD_EIO ? strerror(errno) : err == MXD_ELIMIT ?
			    _("longer than 1024 bytes") : _("empty first line"));
	} else {
		*pass = secret_from_env(pw_env, &err);
		if (*pass == NULL)
			return cli_usage_error(cmd, _("cannot take a password from $%s: %s"),
			    pw_env, err == MXD_ENOTFOUND ? _("not set") : err == MXD_ELIMIT ?
			    _("longer than 1024 bytes") : _("empty or holds a line break"));
	}
	return -1;
}

/* Print text's lines: the first after the label, the others indented to col. */
static void
print_text(FILE *out, const char *text, int col)
{
	const char *p = text, *nl;

	for (;;) {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			fprintf(out, "%s\n", p);
			return;
		}
		fprintf(out, "%.*s\n", (int)(nl - p), p);
		p = nl + 1;
		if (*p == '\0')
			return;
		fprintf(out, "%*s", col, "");
	}
}

void
opt_help(FILE *out, const struct opt_spec *spec)
{
	const struct opt *r;
	char label[128];
	int len;

	for (r = spec->rows; r->kind != OPT_END; r++) {
		if (r->help == NULL)
			continue;
		if (r->label != NULL)
			snprintf(label, sizeof(label), "%s", r->label);
		else if (r->name == NULL)
			snprintf(label, sizeof(label), "%s", r->meta);
		else if (r->kind == OPT_FLAG || r->meta == NULL)
			snprintf(label, sizeof(label), "--%s", r->name);
		else
			snprintf(label, sizeof(label), "--%s %s", r->name, r->meta);
		len = (int)strlen(label);
		/* A label too long for the column keeps two spaces before its text. */
		fprintf(out, "  %s%*s", label, len + 3 <= spec->col ? spec->col - 2 - len : 2, "");
		print_text(out, _(r->help), spec->col);
	}
	if (spec->note != NULL) {
		fputs("  ", out);
		print_text(out, _(spec->note), 2);
	}
}

void
opt_list(FILE *out, const struct opt_spec *spec)
{
	const struct opt *r;

	for (r = spec->rows; r->kind != OPT_END; r++) {
		if (r->kind == OPT_OPERAND)
			fprintf(out, "operand %s\n", r->meta);
		else if (r->kind == OPT_FLAG || r->meta == NULL)
			fprintf(out, "option --%s\n", r->name);
		else
			fprintf(out, "option --%s %s\n", r->name, r->meta);
	}
}
