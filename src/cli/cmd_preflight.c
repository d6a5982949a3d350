/* `mxdiag preflight DOMAIN ...`: the pre-deployment checklist. Every part (DNS checks, OP25B,
 * smarthost candidates, inbound delivery, open relay) starts on the one loop at once; each
 * adds its findings into its checklist section when its last lookup or session ends. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "command.h"
#include "i18n.h"
#include "loop.h"
#include "probe.h"
#include "probe_inbound.h"
#include "probe_port25.h"
#include "probe_relay.h"
#include "probe_smarthost.h"
#include "report.h"
#include "run.h"
#include "secret.h"
#include "validate.h"
#include "xmalloc.h"

#define PF_MAX_LIST 8

struct pf_opts {
	char *domain;			/* owned, normalised */
	const char *ip, *helo, *mx_host, *from, *user, *pw_file, *pw_env, *rcpt;
	const char *smarthosts[PF_MAX_LIST], *targets[PF_MAX_LIST], *submission[PF_MAX_LIST];
	const char *relay_ips[PF_MAX_LIST];
	size_t nsmarthosts, ntargets, nsubmission, nrelay_ips;
	bool skip_port25, skip_inbound, skip_relay;
	char *from_default;		/* owned */
};

struct pf_run {
	struct run_ctx *ctx;
	struct pf_opts *o;
	struct check_ctx cc;
	struct secret *pass;
	int pending;
};

static void
part_done(void *arg)
{
	struct pf_run *run = arg;

	run->pending--;
}

/* The domain's own mail server for the open-relay test: --mx-host, else its best MX. */
static void
on_mx(struct probe_mx *mx, void *arg)
{
	struct pf_run *run = arg;
	struct relay_opts ro = { 0 };
	struct finding *f;

	if (mx->nhosts == 0) {
		/* check already says why there is no mail host (no MX, null MX, NXDOMAIN). */
		f = report_add(run->ctx->rep, "preflight.relay-skipped", ST_INFO, mx->domain);
		finding_group(f, "safety");
		finding_msg(f, _("No mail host of %s to test for open relaying; give the server "
		    "with --mx-host HOST to test it before DNS is published."), mx->domain);
	} else {
		ro.host = mx->hosts[0].name;
		ro.port = 25;
		ro.domain = run->o->domain;
		ro.helo = run->o->helo;
		ro.group = "safety";
		if (relay_start(run->ctx, &ro, part_done, run) == 0)
			run->pending++;
	}
	probe_mx_free(mx);
	part_done(run);
}

static void
start_parts(struct pf_run *run)
{
	struct pf_opts *o = run->o;
	struct run_ctx *ctx = run->ctx;

	run->cc.loop = ctx->loop;
	run->cc.dns = ctx->dns;
	run->cc.rep = ctx->rep;
	run->cc.domain = o->domain;
	run->cc.ip = o->ip;
	run->cc.helo = o->helo;
	run->cc.group = "dns";
	checks_start(&run->cc, CHECK_CMD_PREFLIGHT);
	if (!o->skip_port25) {
		struct port25_opts po = { 0 };

		po.targets = o->targets;
		po.ntargets = o->ntargets;
		po.submission = o->submission;
		po.nsubmission = o->nsubmission;
		po.helo = o->helo;
		po.group = "outbound";
		if (port25_start(ctx, &po, part_done, run) == 0)
			run->pending++;
	}
	if (o->nsmarthosts > 0) {
		struct smarthost_opts so = { 0 };

		so.cands = o->smarthosts;
		so.ncands = o->nsmarthosts;
		so.from = o->from;
		so.rcpt = o->rcpt;
		so.user = o->user;
		so.pass = run->pass;
		so.relay_ips = o->relay_ips;
		so.nrelay_ips = o->nrelay_ips;
		so.helo = o->helo;
		so.group = "relay-choice";
		if (smarthost_start(ctx, &so, part_done, run) == 0)
			run->pending++;
	}
	if (!o->skip_inbound) {
		struct inbound_opts io = { 0 };

		io.domain = o->domain;
		io.helo = o->helo;
		io.group = "inbound";
		if (inbound_start(ctx, &io, part_done, run) == 0)
			run->pending++;
	}
	if (!o->skip_relay) {
		if (o->mx_host != NULL) {
			struct relay_opts ro = { 0 };

			ro.host = o->mx_host;
			ro.port = 25;
			ro.domain = o->domain;
			ro.helo = o->helo;
			ro.group = "safety";
			if (relay_start(ctx, &ro, part_done, run) == 0)
				run->pending++;
		} else if (probe_resolve_mx(ctx->dns, o->domain, on_mx, run) == 0) {
			run->pending++;
		}
	}
}

/* Append optarg to a bounded list; a usage error when full. */
static int
push(const char **list, size_t *n, const char *opt)
{
	if (*n == PF_MAX_LIST)
		return cli_usage_error("preflight", _("at most %d %s options"), PF_MAX_LIST, opt);
	list[(*n)++] = optarg;
	return 0;
}

static int
validate_opts(struct pf_opts *o, int argc, char **argv)
{
	char why[256];
	size_t i;

	if (optind >= argc)
		return cli_usage_error("preflight", _("missing DOMAIN"));
	if (optind + 1 < argc)
		return cli_usage_error("preflight", _("unexpected argument '%s'"), argv[optind + 1]);
	if (validate_domain(argv[optind], why, sizeof(why)) < 0)
		return cli_usage_error("preflight", _("'%s' is not a valid domain name: %s"),
		    argv[optind], why);
	if (o->ip != NULL && validate_ip(o->ip, NULL) < 0)
		return cli_usage_error("preflight", _("--ip '%s' is not an IPv4 or IPv6 address"),
		    o->ip);
	if (o->helo != NULL && validate_domain(o->helo, why, sizeof(why)) < 0 &&
	    validate_ip(o->helo, NULL) < 0)
		return cli_usage_error("preflight", _("--helo '%s' is not a host name: %s"),
		    o->helo, why);
	if (o->mx_host != NULL && validate_domain(o->mx_host, why, sizeof(why)) < 0 &&
	    validate_ip(o->mx_host, NULL) < 0)
		return cli_usage_error("preflight", _("--mx-host '%s' is not a host name or "
		    "address: %s"), o->mx_host, why);
	if (o->from != NULL && validate_address(o->from, false, why, sizeof(why)) < 0)
		return cli_usage_error("preflight", _("--from '%s' is not a mail address: %s"),
		    o->from, why);
	for (i = 0; i < o->nsmarthosts; i++) {
		char *host = NULL;
		int port = 0;

		if (parse_host_port(o->smarthosts[i], &host, &port, why, sizeof(why)) < 0)
			return cli_usage_error("preflight", _("--smarthost '%s': %s"),
			    o->smarthosts[i], why);
		free(host);
	}
	for (i = 0; i < o->nrelay_ips; i++)
		if (validate_ip(o->relay_ips[i], NULL) < 0)
			return cli_usage_error("preflight", _("--relay-ip '%s' is not an IP address"),
			    o->relay_ips[i]);
	if (o->pw_file != NULL && o->pw_env != NULL)
		return cli_usage_error("preflight", _("give --password-file or --password-env, "
		    "not both"));
	if ((o->pw_file != NULL || o->pw_env != NULL) != (o->user != NULL))
		return cli_usage_error("preflight", _("--user and --password-file/--password-env "
		    "go together"));
	return 0;
}

static int
preflight_run(struct run_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "helo", required_argument, NULL, 'H' },
		{ "mx-host", required_argument, NULL, 'm' },
		{ "smarthost", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' },
		{ "rcpt", required_argument, NULL, 'r' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "password-env", required_argument, NULL, 'e' },
		{ "relay-ip", required_argument, NULL, 'R' },
		{ "port25-target", required_argument, NULL, 't' },
		{ "submission", required_argument, NULL, 'S' },
		{ "no-port25", no_argument, NULL, '2' },
		{ "no-inbound", no_argument, NULL, 'I' },
		{ "no-relay", no_argument, NULL, 'N' },
		{ "problems-only", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct pf_opts o = { 0 };
	struct pf_run run = { 0 };
	int c, rc = 0, err = 0;

	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o.ip = optarg; break;
		case 'H': o.helo = optarg; break;
		case 'm': o.mx_host = optarg; break;
		case 'f': o.from = optarg; break;
		case 'r': o.rcpt = optarg; break;
		case 'u': o.user = optarg; break;
		case 'p': o.pw_file = optarg; break;
		case 'e': o.pw_env = optarg; break;
		case 's': rc = push(o.smarthosts, &o.nsmarthosts, "--smarthost"); break;
		case 'R': rc = push(o.relay_ips, &o.nrelay_ips, "--relay-ip"); break;
		case 't': rc = push(o.targets, &o.ntargets, "--port25-target"); break;
		case 'S': rc = push(o.submission, &o.nsubmission, "--submission"); break;
		case '2': o.skip_port25 = true; break;
		case 'I': o.skip_inbound = true; break;
		case 'N': o.skip_relay = true; break;
		case 'P': ctx->problems_only = true; break;
		case ':':
			return cli_usage_error("preflight", _("option '%s' needs a value"),
			    argv[optind - 1]);
		default:
			return cli_usage_error("preflight", _("unknown option '%s' (a password is "
			    "never taken on the command line: use --password-file or "
			    "--password-env)"), argv[optind - 1]);
		}
	}
	if (rc == 0)
		rc = validate_opts(&o, argc, argv);
	if (rc != 0)
		return rc;
	o.domain = run_normalise_domain(argv[optind]);
	if (o.from == NULL) {
		/* The sender the server will use: its postmaster is the safest default. */
		o.from_default = xasprintf("postmaster@%s", o.domain);
		o.from = o.from_default;
	}
	if (o.pw_file != NULL)
		run.pass = secret_from_file(o.pw_file, &err);
	else if (o.pw_env != NULL)
		run.pass = secret_from_env(o.pw_env, &err);
	if ((o.pw_file != NULL || o.pw_env != NULL) && run.pass == NULL) {
		rc = cli_usage_error("preflight", _("cannot read the password (%s)"),
		    o.pw_file != NULL ? _("from the --password-file") :
		    _("from the --password-env variable"));
		goto out;
	}
	rc = run_open(ctx, "preflight", o.domain);
	if (rc != 0)
		goto out;
	run.ctx = ctx;
	run.o = &o;
	start_parts(&run);
	loop_run(ctx->loop);
	rc = -1;
out:
	secret_free(run.pass);
	free(o.from_default);
	free(o.domain);
	return rc;
}

const struct command cmd_preflight = {
	.name = "preflight",
	.summary = N_("Pre-deployment checklist: DNS, outbound port 25, smarthost, inbound, "
	    "open relay"),
	.usage = "preflight DOMAIN [--ip IP] [--helo NAME] [--mx-host HOST] "
	    "[--smarthost HOST[:PORT]]... [--from ADDR] [--user U --password-file F]",
	.help = N_("  DOMAIN                  the mail domain about to go live\n"
	    "  --ip IP                 the address the mail server will send from\n"
	    "  --helo NAME             the name it will announce in HELO/EHLO\n"
	    "  --mx-host HOST          the server to test for open relaying (default: the\n"
	    "                          domain's first MX)\n"
	    "  --smarthost HOST[:PORT] candidate relay of the ISP (repeatable; ports 587, 465\n"
	    "                          and 25 are tried when none is given)\n"
	    "  --from ADDR             envelope sender for the smarthost test (default\n"
	    "                          postmaster@DOMAIN)\n"
	    "  --rcpt ADDR             outside recipient for the smarthost relay test\n"
	    "  --user U                smarthost login, with --password-file FILE or\n"
	    "  --password-env VAR      (a password is never taken on the command line)\n"
	    "  --relay-ip IP           the smarthost's outbound address, for the SPF check\n"
	    "  --port25-target T       where to test outbound port 25 (repeatable; default:\n"
	    "                          the MX hosts of a few large providers)\n"
	    "  --submission HOST       where to test 587/465 (repeatable)\n"
	    "  --no-port25, --no-inbound, --no-relay   skip that part\n"
	    "  --problems-only         print only WARN, FAIL and UNKNOWN lines\n"
	    "  No message is ever sent: sessions end with RSET and QUIT, never DATA.\n"),
	.run = preflight_run,
};
