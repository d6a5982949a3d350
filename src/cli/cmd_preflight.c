/* `mxdiag preflight DOMAIN ...`: the pre-deployment checklist. Every part (DNS checks, OP25B,
 * smarthost candidates, inbound delivery, open relay) starts on the one loop at once; each
 * adds its findings into its checklist section when its last lookup or session ends. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "command.h"
#include "findings.h"
#include "i18n.h"
#include "loop.h"
#include "options.h"
#include "path.h"
#include "probe.h"
#include "probe_inbound.h"
#include "probe_port25.h"
#include "probe_relay.h"
#include "probe_smarthost.h"
#include "providers.h"
#include "report.h"
#include "run.h"
#include "secret.h"
#include "sender_rules.h"
#include "validate.h"
#include "xmalloc.h"

#define PF_MAX_LIST 8

struct pf_opts {
	char *domain;			/* owned, normalised */
	const char *ip, *helo, *mx_host, *from, *user, *pw_file, *pw_env, *rcpt, *dnsbl_zones;
	const char *isp, *providers;	/* where candidates come from without --smarthost */
	const char *smarthosts[PF_MAX_LIST], *targets[PF_MAX_LIST], *submission[PF_MAX_LIST];
	const char *relay_ips[PF_MAX_LIST], *dkim_selectors[PF_MAX_LIST];
	size_t nsmarthosts, ntargets, nsubmission, nrelay_ips, ndkim_selectors;
	bool skip_port25, skip_inbound, skip_relay;
	char *from_default;		/* owned */
};

/* The checklist is one registry run: every part at once, each in its own section. */
static const char *const pf_diagnoses[] = {
	"domain", "mx", "address", "ptr", "spf-record", "spf-verdict", "helo", "dmarc",
	"dkim", "mta-sts", "tls-rpt", "dane", "dnssec",
	"port25", "smarthost", "inbound", "relay", "dnsbl",
};

struct pf_run {
	struct run_ctx *ctx;
	struct pf_opts *o;
	struct secret *pass;
	struct port25_opts po;
	struct smarthost_opts so;
	struct inbound_opts io;
	struct relay_opts ro;
	struct check_inputs in;
	struct check_run *cr;
	char *isp_hosts[PF_MAX_LIST];	/* the smarthosts' names, owned */
	struct providers *ps;		/* the provider list, when candidates came from it */
	char *cands[PF_MAX_LIST];	/* its candidates, owned */
};

static void
start_parts(struct pf_run *run)
{
	struct pf_opts *o = run->o;
	size_t i;
	int port;
	char why[128];

	run->in.domain = o->domain;
	run->in.ip = o->ip;
	run->in.helo = o->helo;
	run->in.dnsbl_zones = o->dnsbl_zones;
	run->in.dkim_selectors = o->dkim_selectors;
	run->in.n_dkim_selectors = o->ndkim_selectors;
	if (!o->skip_port25) {
		run->po.targets = o->targets;
		run->po.ntargets = o->ntargets;
		run->po.submission = o->submission;
		run->po.nsubmission = o->nsubmission;
		run->po.helo = o->helo;
		/* The smarthosts are the ISP's: its own MX answering while others are
		 * blocked is OP25B's usual form, not an open line. */
		for (i = 0; i < o->nsmarthosts && i < PORT25_MAX_ISP_HOSTS; i++)
			if (parse_host_port(o->smarthosts[i], &run->isp_hosts[i], &port, why,
			    sizeof(why)) != 0)
				run->isp_hosts[i] = xstrdup(o->smarthosts[i]);
		run->po.isp_hosts = (const char *const *)run->isp_hosts;
		run->po.nisp_hosts = i;
		run->in.port25 = &run->po;
	}
	if (o->nsmarthosts > 0) {
		run->so.cands = o->smarthosts;
		run->so.ncands = o->nsmarthosts;
		run->so.from = o->from;
		run->so.rcpt = o->rcpt;
		run->so.user = o->user;
		run->so.pass = run->pass;
		run->so.relay_ips = o->relay_ips;
		run->so.nrelay_ips = o->nrelay_ips;
		run->so.helo = o->helo;
		run->in.smarthost = &run->so;
	}
	if (!o->skip_inbound) {
		run->io.domain = o->domain;
		run->io.helo = o->helo;
		run->in.inbound = &run->io;
	}
	if (!o->skip_relay) {
		/* No --mx-host: the relay diagnosis takes the domain's best MX (a fact). */
		run->ro.host = o->mx_host;
		run->ro.port = 25;
		run->ro.domain = o->domain;
		run->ro.helo = o->helo;
		run->in.relay = &run->ro;
	}
	run->cr = checks_run(run->ctx, &run->in, pf_diagnoses,
	    sizeof(pf_diagnoses) / sizeof(pf_diagnoses[0]), true, NULL);
}

enum {
	O_DOMAIN, O_IP, O_HELO, O_MX_HOST, O_SMARTHOST, O_FROM, O_RCPT, O_USER, O_PW_FILE,
	O_PW_ENV, O_RELAY_IP, O_PORT25_TARGET, O_SUBMISSION, O_ISP, O_PROVIDERS, O_NO_PORT25,
	O_NO_INBOUND, O_NO_RELAY, O_PROBLEMS_ONLY, O_DNSBL_ZONES, O_RECEIVERS,
	O_DKIM_SELECTOR
};

/* The lists hold what the parts take (probe_*.h), in arrays of PF_MAX_LIST. */
static const struct opt preflight_rows[] = {
	[O_DOMAIN] = { OPT_OPERAND, NULL, "DOMAIN", OPT_DOMAIN, 1, 1,
	    N_("the mail domain about to go live"), NULL },
	[O_IP] = { OPT_VALUE, "ip", "IP", OPT_IP, 0, 0,
	    N_("the address the mail server will send from"), NULL },
	[O_HELO] = { OPT_VALUE, "helo", "NAME", OPT_HOST, 0, 0,
	    N_("the name it will announce in HELO/EHLO"), NULL },
	[O_MX_HOST] = { OPT_VALUE, "mx-host", "HOST", OPT_HOST, 0, 0,
	    N_("the server to test for open relaying (default: the\n"
	    "domain's first MX)"), NULL },
	[O_SMARTHOST] = { OPT_LIST, "smarthost", "HOST[:PORT]", OPT_HOST_PORT, 0, SMARTHOST_MAX_CANDS,
	    N_("candidate relay of the ISP (repeatable; ports 587, 465\n"
	    "and 25 are tried when none is given)"), NULL },
	[O_FROM] = { OPT_VALUE, "from", "ADDR", OPT_ADDRESS, 0, 0,
	    N_("envelope sender for the smarthost test (default\n"
	    "postmaster@DOMAIN)"), NULL },
	[O_RCPT] = { OPT_VALUE, "rcpt", "ADDR", OPT_ADDRESS, 0, 0,
	    N_("outside recipient for the smarthost relay test"), NULL },
	/* --user and --password-env share two lines; --password-file is named in them. */
	[O_USER] = { OPT_VALUE, "user", "U", OPT_ANY, 0, 0,
	    N_("smarthost login, with --password-file FILE or"), NULL },
	[O_PW_FILE] = { OPT_VALUE, "password-file", "FILE", OPT_ANY, 0, 0, NULL, NULL },
	[O_PW_ENV] = { OPT_VALUE, "password-env", "VAR", OPT_ANY, 0, 0,
	    N_("(a password is never taken on the command line)"), NULL },
	[O_RELAY_IP] = { OPT_LIST, "relay-ip", "IP", OPT_IP, 0, SMARTHOST_MAX_RELAY_IPS,
	    N_("the smarthost's outbound address, for the SPF check"), NULL },
	[O_PORT25_TARGET] = { OPT_LIST, "port25-target", "T", OPT_HOST, 0, PF_MAX_LIST,
	    N_("where to test outbound port 25 (repeatable; default:\n"
	    "the MX hosts of a few large providers)"), NULL },
	[O_SUBMISSION] = { OPT_LIST, "submission", "HOST", OPT_HOST, 0, PORT25_MAX_SUBMISSION,
	    N_("where to test 587/465 (repeatable)"), NULL },
	[O_ISP] = { OPT_VALUE, "isp", "NAME", OPT_ANY, 0, 0,
	    N_("without --smarthost: test the relays the provider list\n"
	    "gives for this ISP (default: the domain of --from)"), NULL },
	[O_PROVIDERS] = { OPT_VALUE, "providers", "FILE", OPT_ANY, 0, 0,
	    N_("a provider list of your own, before the shipped one"), NULL },
	[O_NO_PORT25] = { OPT_FLAG, "no-port25", NULL, OPT_ANY, 0, 0,
	    N_("skip that part"), "--no-port25, --no-inbound, --no-relay" },
	[O_NO_INBOUND] = { OPT_FLAG, "no-inbound", NULL, OPT_ANY, 0, 0, NULL, NULL },
	[O_NO_RELAY] = { OPT_FLAG, "no-relay", NULL, OPT_ANY, 0, 0, NULL, NULL },
	[O_PROBLEMS_ONLY] = { OPT_FLAG, "problems-only", NULL, OPT_ANY, 0, 0,
	    N_("print only WARN, FAIL and UNKNOWN lines"), NULL },
	[O_DNSBL_ZONES] = { OPT_VALUE, "dnsbl-zones", "FILE", OPT_ANY, 0, 0,
	    N_("the blocklists to ask (default: data/dnsbl.json)"), NULL },
	[O_RECEIVERS] = { OPT_FLAG, "receivers", NULL, OPT_ANY, 0, 0,
	    N_("judge against Gmail, Yahoo and Outlook.com's sender rules"), NULL },
	[O_DKIM_SELECTOR] = { OPT_LIST, "dkim-selector", "S", OPT_DOMAIN, 0, PF_MAX_LIST,
	    N_("a DKIM selector of the domain (repeatable; default: a guess)"), NULL },
	{ OPT_END, NULL, NULL, OPT_ANY, 0, 0, NULL, NULL },
};

static const struct opt_spec preflight_opts = { "preflight", preflight_rows, 26,
	N_("No message is ever sent: sessions end with RSET and QUIT, never DATA.\n") };

/* The table's values into o; lists are copied, the strings stay argv's. */
static void
take_opts(struct pf_opts *o, const struct opt_vals *v)
{
	o->ip = opt_str(v, O_IP);
	o->helo = opt_str(v, O_HELO);
	o->mx_host = opt_str(v, O_MX_HOST);
	o->from = opt_str(v, O_FROM);
	o->rcpt = opt_str(v, O_RCPT);
	o->user = opt_str(v, O_USER);
	o->pw_file = opt_str(v, O_PW_FILE);
	o->pw_env = opt_str(v, O_PW_ENV);
	o->dnsbl_zones = opt_str(v, O_DNSBL_ZONES);
	o->ndkim_selectors = v->n[O_DKIM_SELECTOR];
	memcpy(o->dkim_selectors, v->list[O_DKIM_SELECTOR], o->ndkim_selectors * sizeof(char *));
	o->nsmarthosts = v->n[O_SMARTHOST];
	memcpy(o->smarthosts, v->list[O_SMARTHOST], o->nsmarthosts * sizeof(char *));
	o->nrelay_ips = v->n[O_RELAY_IP];
	memcpy(o->relay_ips, v->list[O_RELAY_IP], o->nrelay_ips * sizeof(char *));
	o->ntargets = v->n[O_PORT25_TARGET];
	memcpy(o->targets, v->list[O_PORT25_TARGET], o->ntargets * sizeof(char *));
	o->nsubmission = v->n[O_SUBMISSION];
	memcpy(o->submission, v->list[O_SUBMISSION], o->nsubmission * sizeof(char *));
	o->skip_port25 = opt_flag(v, O_NO_PORT25);
	o->skip_inbound = opt_flag(v, O_NO_INBOUND);
	o->skip_relay = opt_flag(v, O_NO_RELAY);
	o->isp = opt_str(v, O_ISP);
	o->providers = opt_str(v, O_PROVIDERS);
}

/*
 * No --smarthost but an ISP or a sender address: the provider list's relays for it become
 * the candidates, each tested live (an entry is a claim, not a fact). 1 when the list has
 * no entry (the checklist goes on without a relay), -1 when it can, or a usage error.
 */
static int
cands_from_data(struct pf_run *run, struct pf_opts *o)
{
	const char *domain = o->from != NULL ? strrchr(o->from, '@') + 1 : NULL;
	char *cands[SMARTHOST_MAX_CANDS] = { NULL }, err[512];
	size_t n = 0, i;
	int rc;

	if (o->nsmarthosts > 0 || (o->isp == NULL && domain == NULL))
		return 1;
	if (domain == NULL)
		return cli_usage_error("preflight", _("--isp needs --from ADDR, the address of "
		    "your account at the ISP"));
	rc = providers_candidates(o->providers, o->isp, domain, &run->ps, &run->so.provider,
	    cands, SMARTHOST_MAX_CANDS, &n, err, sizeof(err));
	if (rc < 0)
		return cli_usage_error("preflight", "%s", err);
	if (rc > 0) {
		if (o->isp != NULL)
			return cli_usage_error("preflight", _("the provider list has no entry for "
			    "\"%s\": name the relay with --smarthost HOST[:PORT]"), o->isp);
		return 1;
	}
	_Static_assert(SMARTHOST_MAX_CANDS <= PF_MAX_LIST, "the candidates fit the list");
	for (i = 0; i < n; i++) {
		run->cands[i] = cands[i];
		o->smarthosts[o->nsmarthosts++] = cands[i];
	}
	return -1;
}

static int
preflight_run(struct run_ctx *ctx, int argc, char **argv)
{
	struct pf_opts o = { 0 };
	struct pf_run run = { 0 };
	struct opt_vals v;
	size_t i;
	int rc;

	rc = opt_parse(&preflight_opts, argc, argv, &v);
	if (rc >= 0)
		return rc;
	take_opts(&o, &v);
	ctx->problems_only = opt_flag(&v, O_PROBLEMS_ONLY);
	rc = opt_login("preflight", o.user, o.pw_file, o.pw_env, &run.pass);
	if (rc >= 0)
		return rc;
	o.domain = run_normalise_domain(v.operands[0]);
	rc = cands_from_data(&run, &o);
	if (rc >= 0 && rc != 1)
		goto out;
	if (o.from == NULL) {
		/* The sender the server will use: its postmaster is the safest default. */
		o.from_default = xasprintf("postmaster@%s", o.domain);
		o.from = o.from_default;
	}
	rc = run_open(ctx, "preflight", o.domain);
	if (rc != 0)
		goto out;
	run.ctx = ctx;
	run.o = &o;
	start_parts(&run);
	loop_run(ctx->loop);
	path_judge(ctx->rep, check_run_facts(run.cr), &run.in);
	if (opt_flag(&v, O_RECEIVERS))
		sender_rules_judge(ctx->rep, check_run_facts(run.cr), &run.in);
	rc = -1;
out:
	check_run_free(run.cr);
	secret_free(run.pass);
	for (i = 0; i < PF_MAX_LIST; i++) {
		free(run.isp_hosts[i]);
		free(run.cands[i]);
	}
	providers_free(run.ps);
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
	.opts = &preflight_opts,
	.sections = finding_sections,
	.run = preflight_run,
};
