/* `mxdiag check DOMAIN [--ip IP] [--helo NAME] [--dkim-selector S] [--message FILE]`: the
 * DNS facts of a sending domain, and of a message it sent. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "check_batch.h"
#include "checks.h"
#include "cmd_check.h"
#include "command.h"
#include "fileio.h"
#include "dns.h"
#include "i18n.h"
#include "loop.h"
#include "ndr.h"
#include "options.h"
#include "path.h"
#include "run.h"
#include "sender_rules.h"

enum { O_DOMAIN, O_IP, O_HELO, O_DKIM_SELECTOR, O_DNSBL_ZONES, O_DMARC_PSL, O_RECEIVERS,
	O_BATCH, O_CONCURRENCY, O_QPS, O_SHARD, O_UNORDERED, O_MESSAGE };

static const struct opt check_rows[] = {
	[O_DOMAIN] = { OPT_OPERAND, NULL, "DOMAIN", OPT_DOMAIN, 0, 1,
	    N_("the mail domain (as in user@DOMAIN)"), NULL },
	[O_IP] = { OPT_VALUE, "ip", "IP", OPT_IP, 0, 0,
	    N_("the address the mail server sends from"), NULL },
	/* A HELO name may be anything a server announces; checks judge it, the CLI only
	 * refuses what cannot be a name at all. */
	[O_HELO] = { OPT_VALUE, "helo", "NAME", OPT_HOST, 0, 0,
	    N_("the name the mail server announces in HELO/EHLO"), NULL },
	[O_DKIM_SELECTOR] = { OPT_LIST, "dkim-selector", "S", OPT_DOMAIN, 0, OPT_MAX_LIST,
	    N_("a DKIM selector (s= of a DKIM-Signature), repeatable; without it,\n"
	    "common selectors are guessed"), NULL },
	[O_DNSBL_ZONES] = { OPT_VALUE, "dnsbl-zones", "FILE", OPT_ANY, 0, 0,
	    N_("the blocklists to ask about --ip (default: data/dnsbl.json)"), NULL },
	[O_DMARC_PSL] = { OPT_FLAG, "dmarc-psl", NULL, OPT_ANY, 0, 0,
	    N_("DMARC as RFC 7489: the organisational domain from the public\n"
	    "suffix list, not RFC 9989's DNS tree walk"), NULL },
	[O_RECEIVERS] = { OPT_FLAG, "receivers", NULL, OPT_ANY, 0, 0,
	    N_("judge against Gmail, Yahoo and Outlook.com's sender rules"), NULL },
	[O_BATCH] = { OPT_VALUE, "batch", "FILE", OPT_ANY, 0, 0,
	    N_("lines 'DOMAIN [IP [HELO]]' ('-' = stdin): with --json one\n"
	    "check document per line out (JSON Lines), many domains at once"), NULL },
	[O_CONCURRENCY] = { OPT_VALUE, "concurrency", "N", OPT_ANY, 0, 0,
	    N_("--batch: domains in flight at once (default 64, at most 256)"), NULL },
	[O_QPS] = { OPT_VALUE, "qps", "N", OPT_ANY, 0, 0,
	    N_("--batch: at most N queries a second to each resolver"), NULL },
	[O_SHARD] = { OPT_VALUE, "shard", "I/N", OPT_ANY, 0, 0,
	    N_("--batch: only the domains in shard I of N (0 <= I < N), so that\n"
	    "N processes cover the input once (docs/batch.md)"), NULL },
	[O_UNORDERED] = { OPT_FLAG, "unordered", NULL, OPT_ANY, 0, 0,
	    N_("--batch: print each domain when it is done, not in input order"), NULL },
	[O_MESSAGE] = { OPT_VALUE, "message", "FILE", OPT_ANY, 0, 0,
	    N_("a message (or a bounce with its headers): its DKIM keys (d=, s=)\n"
	    "and its DMARC alignment (From:, Return-Path, d=)"), NULL },
	{ OPT_END, NULL, NULL, OPT_ANY, 0, 0, NULL, NULL },
};

static const struct opt_spec check_opts = { "check", check_rows, 20, NULL };

/* The DNS facts of a domain; spf-verdict and helo run when --ip and --helo are given. */
static const char *const check_diagnoses[] = {
	"domain", "mx", "address", "ptr", "spf-record", "spf-verdict", "helo", "dmarc",
	"dmarc-alignment", "dkim", "dnsbl",
	"mta-sts", "tls-rpt", "dane", "dnssec",
};

struct check_run *
check_start(struct run_ctx *ctx, const struct check_inputs *in)
{
	return checks_run(ctx, in, check_diagnoses,
	    sizeof(check_diagnoses) / sizeof(check_diagnoses[0]), false, NULL);
}

void
check_end(struct run_ctx *ctx, struct check_run *cr, const struct check_inputs *in,
    bool is_receivers)
{
	path_answer_dns(ctx->rep, in);
	if (is_receivers)
		sender_rules_judge(ctx->rep, check_run_facts(cr), in);
	check_run_free(cr);
}

/* check --batch FILE: the options of the batch, the others as for one domain. */
static int
check_batch(struct run_ctx *ctx, const struct opt_vals *v)
{
	struct check_batch_opts o = { .path = opt_str(v, O_BATCH),
	    .concurrency = CHECK_BATCH_CONCURRENCY, .is_unordered = opt_flag(v, O_UNORDERED),
	    .dkim_selectors = v->list[O_DKIM_SELECTOR], .n_dkim_selectors = v->n[O_DKIM_SELECTOR],
	    .dnsbl_zones = opt_str(v, O_DNSBL_ZONES), .is_dmarc_psl = opt_flag(v, O_DMARC_PSL),
	    .is_receivers = opt_flag(v, O_RECEIVERS) };
	int rc = -1;

	if (v->n_operands > 0 || opt_str(v, O_IP) != NULL || opt_str(v, O_HELO) != NULL)
		return cli_usage_error("check", _("--batch takes its domains from the file; give "
		    "no DOMAIN, --ip or --helo (a line is 'DOMAIN [IP [HELO]]')"));
	if (ctx->g->nagios)
		return cli_usage_error("check", _("--batch writes JSON Lines (--json) or a line "
		    "per domain, not --format nagios"));
	if (opt_str(v, O_CONCURRENCY) != NULL)
		rc = batch_parse_count("check", "--concurrency", opt_str(v, O_CONCURRENCY), 256,
		    &o.concurrency);
	if (rc < 0 && opt_str(v, O_QPS) != NULL)
		rc = batch_parse_count("check", "--qps", opt_str(v, O_QPS), 1000000, &o.qps);
	if (rc < 0 && opt_str(v, O_SHARD) != NULL)
		rc = batch_parse_shard("check", opt_str(v, O_SHARD), &o.shard, &o.shards);
	return rc >= 0 ? rc : check_batch_run(ctx, &o);
}

/* The identifiers of --message FILE; EXIT_USAGE when it cannot be read, else -1. */
static int
message_auth(const char *path, struct ndr_auth *auth)
{
	size_t len;
	bool too_big = false;
	char *buf = fileio_read_bounded(path, NDR_MAX_INPUT, &len, &too_big);

	if (buf == NULL && too_big)
		return cli_usage_error("check", _("--message %s is larger than 10 MB"), path);
	if (buf == NULL)
		return cli_usage_error("check", _("cannot read --message %s: %s"), path,
		    strerror(errno));
	ndr_auth_message(buf, len, auth);
	free(buf);
	return -1;
}

static int
check_run(struct run_ctx *ctx, int argc, char **argv)
{
	struct check_inputs in = { 0 };
	struct ndr_auth auth;
	struct check_run *cr;
	struct opt_vals v;
	char *domain = NULL, *helo = NULL;
	const char *ip, *helo_arg;
	int rc;

	rc = opt_parse(&check_opts, argc, argv, &v);
	if (rc >= 0)
		return rc;
	if (opt_str(&v, O_BATCH) != NULL && opt_str(&v, O_MESSAGE) != NULL)
		return cli_usage_error("check", _("--message goes with one DOMAIN, not --batch"));
	if (opt_str(&v, O_BATCH) != NULL)
		return check_batch(ctx, &v);
	if (opt_str(&v, O_CONCURRENCY) != NULL || opt_str(&v, O_QPS) != NULL ||
	    opt_str(&v, O_SHARD) != NULL || opt_flag(&v, O_UNORDERED))
		return cli_usage_error("check", _("--concurrency, --qps, --shard and --unordered "
		    "go with --batch"));
	if (v.n_operands == 0)
		return cli_usage_error("check", _("missing %s"), "DOMAIN");
	ip = opt_str(&v, O_IP);
	helo_arg = opt_str(&v, O_HELO);
	domain = run_normalise_domain(v.operands[0]);
	if (helo_arg != NULL)
		helo = run_normalise_domain(helo_arg);
	if (opt_str(&v, O_MESSAGE) != NULL) {
		rc = message_auth(opt_str(&v, O_MESSAGE), &auth);
		in.auth = &auth;
	}
	if (rc < 0)
		rc = run_open(ctx, "check", domain);
	if (rc == 0) {
		in.domain = domain;
		in.ip = ip;
		in.helo = helo;
		in.dkim_selectors = v.list[O_DKIM_SELECTOR];
		in.n_dkim_selectors = v.n[O_DKIM_SELECTOR];
		in.dnsbl_zones = opt_str(&v, O_DNSBL_ZONES);
		in.is_dmarc_psl = opt_flag(&v, O_DMARC_PSL);
		cr = check_start(ctx, &in);
		loop_run(ctx->loop);
		check_end(ctx, cr, &in, opt_flag(&v, O_RECEIVERS));
		rc = -1;
	}
	free(domain);
	free(helo);
	return rc;
}

const struct command cmd_check = {
	.name = "check",
	.summary = N_("DNS facts of a mail domain: MX, addresses, and what senders will see"),
	.usage = "check DOMAIN [--ip IP] [--helo NAME] [--dkim-selector S]... [--message FILE] | "
	    "check --batch FILE|- [--concurrency N] [--qps N] [--shard I/N]",
	.opts = &check_opts,
	.run = check_run,
};
