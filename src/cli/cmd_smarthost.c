/* `mxdiag smarthost HOST[:PORT]... --from ADDR [--user U --password-file F]`: the command
 * line; testing, ranking and SPF are in probe_smarthost.c. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "command.h"
#include "i18n.h"
#include "loop.h"
#include "options.h"
#include "probe_smarthost.h"
#include "providers.h"
#include "run.h"
#include "secret.h"

enum {
	O_HOST, O_FROM, O_USER, O_PW_FILE, O_PW_ENV, O_RCPT, O_RELAY_IP, O_HELO, O_INSECURE,
	O_ISP, O_PROVIDERS
};

static const struct opt smarthost_rows[] = {
	[O_HOST] = { OPT_OPERAND, NULL, "HOST[:PORT]", OPT_HOST_PORT, 0, SMARTHOST_MAX_CANDS,
	    N_("candidate relays (name or address); without a port\n"
	    "587, 465 and 25 are tried; none: the provider list's\n"
	    "entry for --isp or the --from domain"), NULL },
	[O_FROM] = { OPT_VALUE, "from", "ADDR", OPT_ADDRESS, 0, 0,
	    N_("envelope sender your mail server will use (required)"), NULL },
	[O_USER] = { OPT_VALUE, "user", "U", OPT_ANY, 0, 0,
	    N_("SMTP AUTH login (often the full mail address)"), NULL },
	[O_PW_FILE] = { OPT_VALUE, "password-file", "F", OPT_ANY, 0, 0,
	    N_("read the password from the first line of F ('-' = stdin)"), NULL },
	[O_PW_ENV] = { OPT_VALUE, "password-env", "VAR", OPT_ANY, 0, 0,
	    N_("read the password from environment variable VAR"), NULL },
	[O_RCPT] = { OPT_VALUE, "rcpt", "ADDR", OPT_ADDRESS, 0, 0,
	    N_("outside recipient that proves relaying (default\n"
	    "postmaster@example.net, reserved for documentation and\n"
	    "hosted by no relay); no message is ever sent (no DATA)"), NULL },
	[O_RELAY_IP] = { OPT_LIST, "relay-ip", "IP", OPT_IP, 0, SMARTHOST_MAX_RELAY_IPS,
	    N_("the relay's outbound address, for the SPF check of the\n"
	    "sender's domain (repeatable; default: the relay's own)"), NULL },
	[O_HELO] = { OPT_VALUE, "helo", "NAME", OPT_DOMAIN, 0, 0,
	    N_("name to send in EHLO (default: our address literal)"), NULL },
	[O_INSECURE] = { OPT_FLAG, "allow-insecure-auth", NULL, OPT_ANY, 0, 0,
	    N_("send the password even without verified TLS"), NULL },
	[O_ISP] = { OPT_VALUE, "isp", "NAME", OPT_ANY, 0, 0,
	    N_("without HOST: test the servers the provider list gives\n"
	    "for this ISP or provider (a name or a mail domain)"), NULL },
	[O_PROVIDERS] = { OPT_VALUE, "providers", "FILE", OPT_ANY, 0, 0,
	    N_("a provider list of your own, before\n"
	    "$XDG_CONFIG_HOME/mxdiag/providers.json and the shipped one"), NULL },
	{ OPT_END, NULL, NULL, OPT_ANY, 0, 0, NULL, NULL },
};

static const struct opt_spec smarthost_opts = { "smarthost", smarthost_rows, 23, NULL };

/* No relay named: the provider list's servers for --isp or the sender's domain. */
static int
cands_from_data(const struct opt_vals *v, const char *from, struct providers **ps,
    struct smarthost_opts *o, char **cands)
{
	const char *isp = opt_str(v, O_ISP);
	char err[512];
	int rc;

	rc = providers_candidates(opt_str(v, O_PROVIDERS), isp, strrchr(from, '@') + 1, ps,
	    &o->provider, cands, SMARTHOST_MAX_CANDS, &o->ncands, err, sizeof(err));
	if (rc < 0)
		return cli_usage_error("smarthost", "%s", err);
	if (rc > 0)
		return cli_usage_error("smarthost", isp != NULL ? _("the provider list has no "
		    "entry for \"%s\": name the relay (HOST[:PORT])") : _("the provider list "
		    "has no entry for the domain of %s: name the relay (HOST[:PORT]) or the ISP "
		    "(--isp NAME)"), isp != NULL ? isp : from);
	o->cands = (const char *const *)cands;
	return -1;
}

static int
smarthost_run(struct run_ctx *ctx, int argc, char **argv)
{
	struct check_inputs in = { 0 };
	struct check_run *cr;
	struct smarthost_opts o = { 0 };
	struct opt_vals v;
	struct secret *pass = NULL;
	struct providers *ps = NULL;
	char *cands[SMARTHOST_MAX_CANDS] = { NULL };
	size_t i;
	int rc;

	rc = opt_parse(&smarthost_opts, argc, argv, &v);
	if (rc >= 0)
		return rc;
	o.from = opt_str(&v, O_FROM);
	o.user = opt_str(&v, O_USER);
	o.rcpt = opt_str(&v, O_RCPT);
	o.helo = opt_str(&v, O_HELO);
	o.is_insecure_ok = opt_flag(&v, O_INSECURE);
	if (o.from == NULL)
		return cli_usage_error("smarthost", _("missing --from ADDR (the envelope sender "
		    "your mail server will use)"));
	/* A recipient in the sender's own domain proves nothing about relaying. */
	if (o.rcpt != NULL && strcasecmp(strrchr(o.rcpt, '@'), strrchr(o.from, '@')) == 0)
		return cli_usage_error("smarthost", _("--rcpt must be outside the sender's "
		    "domain: a recipient the relay may host proves no relaying"));
	if (v.n_operands > 0 && (opt_str(&v, O_ISP) != NULL || opt_str(&v, O_PROVIDERS) != NULL))
		return cli_usage_error("smarthost", _("--isp and --providers choose candidates "
		    "when no HOST is given: give one or the other"));
	rc = opt_login("smarthost", o.user, opt_str(&v, O_PW_FILE), opt_str(&v, O_PW_ENV),
	    &pass);
	if (rc >= 0)
		return rc;
	o.cands = v.operands;
	o.ncands = v.n_operands;
	if (v.n_operands == 0 && (rc = cands_from_data(&v, o.from, &ps, &o, cands)) >= 0)
		goto out;
	o.pass = pass;
	o.relay_ips = v.list[O_RELAY_IP];
	o.nrelay_ips = v.n[O_RELAY_IP];
	rc = run_open(ctx, "smarthost", o.cands[0]);
	if (rc == 0) {
		in.smarthost = &o;
		cr = run_start(ctx, &in, "smarthost");
		/* The probe keeps its own wiped copy: ours can go at once. */
		secret_free(pass);
		pass = NULL;
		run_finish(ctx, cr);
		rc = -1;
	}
out:
	for (i = 0; i < SMARTHOST_MAX_CANDS; i++)
		free(cands[i]);
	providers_free(ps);
	secret_free(pass);
	return rc;
}

const struct command cmd_smarthost = {
	.name = "smarthost",
	.summary = N_("Test and rank relays (ISP submission servers): TLS, AUTH, sender, relay"),
	.usage = "smarthost [HOST[:PORT]... | --isp NAME] --from ADDR [--user U --password-file F "
	    "| --password-env VAR] [--rcpt ADDR] [--relay-ip IP] [--providers FILE]",
	.opts = &smarthost_opts,
	.run = smarthost_run,
};
