/* `mxdiag smarthost HOST[:PORT]... --from ADDR [--user U --password-file F]`: the command
 * line; testing, ranking and SPF are in probe_smarthost.c. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "err.h"
#include "i18n.h"
#include "loop.h"
#include "probe_smarthost.h"
#include "run.h"
#include "secret.h"
#include "validate.h"

/* A bad option: says so, and never names the password. */
static int
check_args(int argc, char **argv, const struct smarthost_opts *o, const char *pw_file,
    const char *pw_env)
{
	char why[256];
	int i;

	if (optind >= argc)
		return cli_usage_error("smarthost", _("missing HOST[:PORT]"));
	if (argc - optind > SMARTHOST_MAX_CANDS)
		return cli_usage_error("smarthost", _("at most %d candidates"),
		    SMARTHOST_MAX_CANDS);
	if (o->from == NULL)
		return cli_usage_error("smarthost", _("missing --from ADDR (the envelope sender "
		    "your mail server will use)"));
	if (validate_address(o->from, false, why, sizeof(why)) < 0)
		return cli_usage_error("smarthost", _("--from '%s' is not a mail address: %s"),
		    o->from, why);
	if (o->rcpt != NULL && validate_address(o->rcpt, false, why, sizeof(why)) < 0)
		return cli_usage_error("smarthost", _("--rcpt '%s' is not a mail address: %s"),
		    o->rcpt, why);
	if (o->helo != NULL && validate_domain(o->helo, why, sizeof(why)) < 0)
		return cli_usage_error("smarthost", _("--helo '%s' is not a host name: %s"),
		    o->helo, why);
	if (pw_file != NULL && pw_env != NULL)
		return cli_usage_error("smarthost", _("give --password-file or --password-env, "
		    "not both"));
	if ((pw_file != NULL || pw_env != NULL) && o->user == NULL)
		return cli_usage_error("smarthost", _("a password needs --user"));
	if (o->user != NULL && pw_file == NULL && pw_env == NULL)
		return cli_usage_error("smarthost", _("--user needs --password-file FILE or "
		    "--password-env VAR"));
	if (o->user != NULL && (o->user[0] == '\0' || strpbrk(o->user, "\r\n") != NULL ||
	    strlen(o->user) > 256))
		return cli_usage_error("smarthost", _("--user is empty, too long or holds a line "
		    "break"));
	for (i = optind; i < argc; i++) {
		char *host = NULL;
		int port = 0;

		if (parse_host_port(argv[i], &host, &port, why, sizeof(why)) < 0 ||
		    (validate_ip(host, NULL) < 0 && validate_domain(host, why, sizeof(why)) < 0)) {
			free(host);
			return cli_usage_error("smarthost", _("'%s' is not HOST[:PORT]: %s"),
			    argv[i], why);
		}
		free(host);
	}
	return -1;
}

static int
smarthost_run(struct run_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "password-env", required_argument, NULL, 'e' },
		{ "rcpt", required_argument, NULL, 'r' },
		{ "helo", required_argument, NULL, 'H' },
		{ "allow-insecure-auth", no_argument, NULL, 'I' },
		{ "relay-ip", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct smarthost_opts o = { 0 };
	const char *pw_file = NULL, *pw_env = NULL, *relay_ips[SMARTHOST_MAX_RELAY_IPS];
	struct secret *pass = NULL;
	int c, rc, err = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o.from = optarg; break;
		case 'u': o.user = optarg; break;
		case 'p': pw_file = optarg; break;
		case 'e': pw_env = optarg; break;
		case 'r': o.rcpt = optarg; break;
		case 'H': o.helo = optarg; break;
		case 'I': o.is_insecure_ok = true; break;
		case 'R':
			if (o.nrelay_ips == SMARTHOST_MAX_RELAY_IPS)
				return cli_usage_error("smarthost", _("at most %d --relay-ip"),
				    SMARTHOST_MAX_RELAY_IPS);
			if (validate_ip(optarg, NULL) < 0)
				return cli_usage_error("smarthost", _("--relay-ip '%s' is not an IP "
				    "address"), optarg);
			relay_ips[o.nrelay_ips++] = optarg;
			break;
		case ':':
			return cli_usage_error("smarthost", _("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return cli_usage_error("smarthost", _("unknown option '%s' (a password is "
			    "never taken on the command line: use --password-file or "
			    "--password-env)"), argv[optind - 1]);
		}
	}
	rc = check_args(argc, argv, &o, pw_file, pw_env);
	if (rc >= 0)
		return rc;
	if (pw_file != NULL) {
		pass = secret_from_file(pw_file, &err);
		if (pass == NULL)
			return cli_usage_error("smarthost", _("cannot read a password from '%s': "
			    "%s"), pw_file, err == MXD_EIO ? strerror(errno) : err == MXD_ELIMIT ?
			    _("longer than 1024 bytes") : _("empty first line"));
	} else if (pw_env != NULL) {
		pass = secret_from_env(pw_env, &err);
		if (pass == NULL)
			return cli_usage_error("smarthost", _("cannot take a password from $%s: %s"),
			    pw_env, err == MXD_ENOTFOUND ? _("not set") : err == MXD_ELIMIT ?
			    _("longer than 1024 bytes") : _("empty or holds a line break"));
	}
	o.cands = (const char *const *)argv + optind;
	o.ncands = (size_t)(argc - optind);
	o.pass = pass;
	o.relay_ips = relay_ips;
	rc = run_open(ctx, "smarthost", argv[optind]);
	if (rc == 0) {
		smarthost_start(ctx, &o, NULL, NULL);
		/* The probe keeps its own wiped copy: ours can go at once. */
		secret_free(pass);
		pass = NULL;
		loop_run(ctx->loop);
		rc = -1;
	}
	secret_free(pass);
	return rc;
}

const struct command cmd_smarthost = {
	.name = "smarthost",
	.summary = N_("Test and rank relays (ISP submission servers): TLS, AUTH, sender, relay"),
	.usage = "smarthost HOST[:PORT]... --from ADDR [--user U --password-file F | "
	    "--password-env VAR] [--rcpt ADDR] [--relay-ip IP]",
	.help = N_("  HOST[:PORT]          candidate relays (name or address); without a port\n"
	    "                       587, 465 and 25 are tried\n"
	    "  --from ADDR          envelope sender your mail server will use (required)\n"
	    "  --user U             SMTP AUTH login (often the full mail address)\n"
	    "  --password-file F    read the password from the first line of F ('-' = stdin)\n"
	    "  --password-env VAR   read the password from environment variable VAR\n"
	    "  --rcpt ADDR          recipient to test relaying to (default postmaster@ the\n"
	    "                       sender's domain); no message is ever sent (no DATA)\n"
	    "  --relay-ip IP        the relay's outbound address, for the SPF check of the\n"
	    "                       sender's domain (repeatable; default: the relay's own)\n"
	    "  --helo NAME          name to send in EHLO (default: our address literal)\n"
	    "  --allow-insecure-auth  send the password even without verified TLS\n"),
	.run = smarthost_run,
};
