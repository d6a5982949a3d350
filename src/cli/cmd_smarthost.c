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
#include "path.h"
#include "probe_port25.h"
#include "probe_smarthost.h"
#include "providers.h"
#include "run.h"
#include "secret.h"
#include "validate.h"

enum {
	O_HOST, O_FROM, O_USER, O_PW_FILE, O_PW_ENV, O_RCPT, O_RELAY_IP, O_HELO, O_INSECURE,
	O_ISP, O_PROVIDERS, O_PORT25_TARGET, O_NO_PORT25
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
	[O_PORT25_TARGET] = { OPT_LIST, "port25-target", "T", OPT_HOST, 0, PORT25_MAX_TARGETS,
	    N_("where to test outbound port 25 when a candidate is on\n"
	    "port 25 (repeatable; default: the MX hosts of a few large\n"
	    "providers)"), NULL },
	[O_NO_PORT25] = { OPT_FLAG, "no-port25", NULL, OPT_ANY, 0, 0,
	    N_("do not probe outbound port 25 beside the candidates: their\n"
	    "port 25 is then judged without knowing what this line does to it"), NULL },
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

/*
 * The candidates dialled on port 25 (a port of 25, or none: 587, 465 and 25 are tried): their
 * hosts into hosts[] (caller frees each), for port25 beside as the ISP's own; returns how
 * many.
 */
static size_t
port25_hosts(const struct smarthost_opts *o, char **hosts)
{
	char why[256], *host;
	size_t i, n = 0;
	int port;

	for (i = 0; i < o->ncands && n < PORT25_MAX_ISP_HOSTS; i++) {
		host = NULL;
		port = 0;
		if (parse_host_port(o->cands[i], &host, &port, why, sizeof(why)) == 0 &&
		    (port == 0 || port == 25))
			hosts[n++] = host;
		else
			free(host);
	}
	return n;
}

/* The report's target: every candidate, not only the first ("a b c", cut with "..."). */
static const char *
cands_target(const struct smarthost_opts *o, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < o->ncands; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i > 0 ? " " : "", o->cands[i]);

		if (n < 0 || (size_t)n >= len - used) {
			snprintf(buf + (used < len - 4 ? used : len - 4), 4, "...");
			break;
		}
		used += (size_t)n;
	}
	return buf;
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
	struct port25_opts p25 = { .no_submission = true };
	/* Over port 25, port25 runs beside: a block or an interceptor is not the relay. */
	const char *names[] = { "smarthost", "port25" };
	char *cands[SMARTHOST_MAX_CANDS] = { NULL }, *hosts[PORT25_MAX_ISP_HOSTS] = { NULL };
	char target[300];
	size_t i, nhosts = 0;
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
	if (opt_flag(&v, O_NO_PORT25) && v.n[O_PORT25_TARGET] > 0)
		return cli_usage_error("smarthost", _("--no-port25 and --port25-target: give one "
		    "or the other"));
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
	if (!opt_flag(&v, O_NO_PORT25))
		nhosts = port25_hosts(&o, hosts);
	p25.targets = v.list[O_PORT25_TARGET];
	p25.ntargets = v.n[O_PORT25_TARGET];
	p25.isp_hosts = (const char *const *)hosts;
	p25.nisp_hosts = nhosts;
	p25.helo = o.helo;
	rc = run_open(ctx, "smarthost", cands_target(&o, target, sizeof(target)));
	if (rc == 0) {
		in.smarthost = &o;
		in.port25 = nhosts > 0 ? &p25 : NULL;	/* else port25 does not run */
		cr = checks_run(ctx, &in, names, 2, false, NULL);
		/* The probe keeps its own wiped copy: ours can go at once. */
		secret_free(pass);
		pass = NULL;
		loop_run(ctx->loop);
		path_judge_vantage(ctx->rep);
		check_run_free(cr);
		rc = -1;
	}
out:
	for (i = 0; i < SMARTHOST_MAX_CANDS; i++)
		free(cands[i]);
	for (i = 0; i < nhosts; i++)
		free(hosts[i]);
	providers_free(ps);
	secret_free(pass);
	return rc;
}

const struct command cmd_smarthost = {
	.name = "smarthost",
	.summary = N_("Test and rank relays (ISP submission servers): TLS, AUTH, sender, relay"),
	.usage = "smarthost [HOST[:PORT]... | --isp NAME] --from ADDR [--user U --password-file F "
	    "| --password-env VAR] [--rcpt ADDR] [--relay-ip IP] [--providers FILE] "
	    "[--port25-target T]... [--no-port25]",
	.opts = &smarthost_opts,
	.run = smarthost_run,
};
