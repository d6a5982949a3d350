/* `mxdiag spf`: RFC 7208 check_host() on live DNS, either one evaluation into the report
 * (`spf DOMAIN --ip IP ...`) or a batch file as JSON Lines (`spf --batch FILE|-`,
 * spf_batch.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "cmd_spf.h"
#include "i18n.h"
#include "loop.h"
#include "options.h"
#include "report.h"
#include "run.h"
#include "spf.h"
#include "spf_batch.h"
#include "spf_dns.h"
#include "spf_fields.h"
#include "spf_report.h"
#include "text.h"
#include "xmalloc.h"

#define SPF_ARG_MAX 512		/* --sender and --helo */

/* One evaluation of the single mode. */
struct spf_one {
	struct report *rep;
	struct spf_dns sd;
	struct spf_resolver r;
	const char *ip, *domain, *helo;
	bool want_trace;
};

/* The result finding (spf_report.c) and the machine-readable outcome. */
static void
one_done(const struct spf_outcome *out, void *arg)
{
	struct spf_one *one = arg;

	spf_report_outcome(one->rep, one->ip, out, one->want_trace);
	report_set_extra(one->rep, "spf", spf_outcome_json(out, one->ip, one->helo,
	    one->want_trace));
}

enum { O_DOMAIN, O_IP, O_SENDER, O_HELO, O_TRACE, O_BATCH, O_CONCURRENCY, O_SHARD,
	O_UNORDERED };

static const struct opt spf_rows[] = {
	[O_DOMAIN] = { OPT_OPERAND, NULL, "DOMAIN", OPT_DOMAIN, 0, 1,
	    N_("the domain whose SPF policy is checked (MAIL FROM domain)"), NULL },
	[O_IP] = { OPT_VALUE, "ip", "IP", OPT_IP, 0, 0,
	    N_("the sending address to check"), NULL },
	/* --sender and --helo are checked below: check_host() takes what a client sends */
	[O_SENDER] = { OPT_VALUE, "sender", "ADDR", OPT_ANY, 0, 0,
	    N_("MAIL FROM address (default postmaster@DOMAIN; '' checks HELO)"), NULL },
	[O_HELO] = { OPT_VALUE, "helo", "NAME", OPT_ANY, 0, 0,
	    N_("HELO/EHLO name (default DOMAIN)"), NULL },
	[O_TRACE] = { OPT_FLAG, "trace", NULL, OPT_ANY, 0, 0,
	    N_("record every term, look-up and answer as evidence (-v shows it)"), NULL },
	[O_BATCH] = { OPT_VALUE, "batch", "FILE", OPT_ANY, 0, 0,
	    N_("lines 'IP SENDER [HELO]' ('-' = stdin; '<>' = null sender);\n"
	    "one JSON object per line out, many evaluations at once"), NULL },
	[O_CONCURRENCY] = { OPT_VALUE, "concurrency", "N", OPT_ANY, 0, 0,
	    N_("--batch: evaluations in flight at once (default 256)"), NULL },
	[O_SHARD] = { OPT_VALUE, "shard", "I/N", OPT_ANY, 0, 0,
	    N_("--batch: only the lines whose sender domain is in shard I of N\n"
	    "(docs/batch.md)"), NULL },
	[O_UNORDERED] = { OPT_FLAG, "unordered", NULL, OPT_ANY, 0, 0,
	    N_("--batch: print each line when it is done, not in input order"), NULL },
	{ OPT_END, NULL, NULL, OPT_ANY, 0, 0, NULL, NULL },
};

static const struct opt_spec spf_opts = { "spf", spf_rows, 18, NULL };

static int
spf_run_cmd(struct run_ctx *ctx, int argc, char **argv)
{
	struct spf_one one = { 0 };
	struct spf_query q = { 0 };
	struct opt_vals v;
	const char *ip, *sender, *helo, *batch;
	char *domain, *dflt_sender = NULL;
	bool want_trace;
	int rc;

	rc = opt_parse(&spf_opts, argc, argv, &v);
	if (rc >= 0)
		return rc;
	ip = opt_str(&v, O_IP);
	sender = opt_str(&v, O_SENDER);
	helo = opt_str(&v, O_HELO);
	batch = opt_str(&v, O_BATCH);
	want_trace = opt_flag(&v, O_TRACE);
	if (sender != NULL && (strlen(sender) > SPF_ARG_MAX || text_has_control(sender)))
		return cli_usage_error("spf", _("--sender '%s' is not a mail address"), sender);
	/* any name a client may announce, a literal such as [192.0.2.1] too */
	if (helo != NULL && (helo[0] == '\0' || strlen(helo) > SPF_ARG_MAX || text_has_control(helo)))
		return cli_usage_error("spf", _("--helo '%s' is not a host name"), helo);
	if (batch != NULL) {
		struct spf_batch_opts bo = { .path = batch, .want_trace = want_trace,
		    .is_unordered = opt_flag(&v, O_UNORDERED),
		    .concurrency = SPF_BATCH_INFLIGHT };

		if (v.n_operands > 0 || ip != NULL || sender != NULL || helo != NULL)
			return cli_usage_error("spf", _("--batch takes its addresses from the "
			    "file; give no DOMAIN, --ip, --sender or --helo"));
		if (opt_str(&v, O_CONCURRENCY) != NULL)
			rc = batch_parse_count("spf", "--concurrency", opt_str(&v, O_CONCURRENCY),
			    4096, &bo.concurrency);
		if (rc < 0 && opt_str(&v, O_SHARD) != NULL)
			rc = batch_parse_shard("spf", opt_str(&v, O_SHARD), &bo.shard, &bo.shards);
		return rc >= 0 ? rc : spf_batch_run(ctx, &bo);
	}
	if (opt_str(&v, O_CONCURRENCY) != NULL || opt_str(&v, O_SHARD) != NULL ||
	    opt_flag(&v, O_UNORDERED))
		return cli_usage_error("spf", _("--concurrency, --shard and --unordered go with "
		    "--batch"));
	if (v.n_operands == 0)
		return cli_usage_error("spf", _("missing %s"), "DOMAIN");
	if (ip == NULL)
		return cli_usage_error("spf", _("--ip IP is required: the address to check"));
	domain = run_normalise_domain(v.operands[0]);
	/* Defaults: MAIL FROM postmaster@DOMAIN and HELO DOMAIN; --sender '' checks the HELO
	 * identity (RFC 7208 2.3) */
	if (sender == NULL)
		sender = dflt_sender = xasprintf("postmaster@%s", domain);
	if (helo == NULL)
		helo = domain;
	rc = run_open(ctx, "spf", domain);
	if (rc == 0) {
		one.rep = ctx->rep;
		one.ip = ip;
		one.domain = domain;
		one.helo = helo;
		one.want_trace = want_trace;
		spf_dns_init(&one.sd, ctx->dns, &one.r);
		q.ip = ip;
		q.sender = sender;
		q.helo = helo;
		q.domain = domain;
		q.want_trace = want_trace;
		if (spf_eval_start(&q, &one.r, one_done, &one) < 0) {
			rc = cli_usage_error("spf", _("cannot evaluate these arguments"));
		} else {
			loop_run(ctx->loop);
			rc = -1;
		}
	}
	free(dflt_sender);
	free(domain);
	return rc;
}

const struct command cmd_spf = {
	.name = "spf",
	.summary = N_("evaluate SPF (RFC 7208 check_host) for an address, with its trace"),
	.usage = "spf DOMAIN --ip IP [--sender ADDR] [--helo NAME] [--trace] | spf --batch FILE|- "
	    "[--shard I/N]",
	.opts = &spf_opts,
	.run = spf_run_cmd,
};
