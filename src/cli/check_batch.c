/* `mxdiag check --batch FILE|-` (check_batch.h): each line's domain checked as
 * `mxdiag --json check DOMAIN [--ip IP --helo HELO]` checks it, with its own report and
 * DNS engine (so its document and stats are those of a single run), many domains at once
 * on the one loop; a loop task per domain says when its work is over. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batch.h"
#include "check_batch.h"
#include "checks.h"
#include "cmd_check.h"
#include "command.h"
#include "dns.h"
#include "i18n.h"
#include "loop.h"
#include "options.h"
#include "render.h"
#include "report.h"
#include "run.h"
#include "text.h"
#include "tls.h"
#include "validate.h"
#include "xmalloc.h"

#define CHECK_FIELDS 3		/* DOMAIN [IP [HELO]] */
/* queries in flight to the resolvers at once, as dnsperf's -q: a burst from 64 domains
 * starting at once (about 900 questions) overflowed a local unbound's socket buffer */
#define CHECK_BATCH_DNS_INFLIGHT 128

struct check_batch {
	struct run_ctx *ctx;
	const struct check_batch_opts *o;
};

/* One domain: its own run context (report, DNS engine) on the shared loop. */
struct check_job {
	struct check_batch *cb;
	struct batch *b;
	struct batch_job *job;
	struct run_ctx run;
	struct loop_task *task;
	struct check_inputs in;
	struct check_run *cr;
	char *domain, *ip, *helo;	/* owned */
	struct opt_idn idns[2];		/* names typed as U-labels (owned strings) */
	size_t n_idns;
};

static void
job_free(struct check_job *cj)
{
	size_t i;

	if (cj->run.dns != NULL)
		dns_free(cj->run.dns);
	/* a TLS context the domain's diagnoses made for themselves (check makes none today) */
	if (cj->run.tls != cj->cb->ctx->tls)
		tls_client_free(cj->run.tls);
	report_free(cj->run.rep);
	loop_task_free(cj->task);
	for (i = 0; i < cj->n_idns; i++) {
		free((char *)cj->idns[i].input);
		free((char *)cj->idns[i].ascii);
	}
	free(cj->domain);
	free(cj->ip);
	free(cj->helo);
	free(cj);
}

/* Whether a finding before i with a status of WARN or worse has id. */
static bool
is_listed(const struct report *rep, size_t i, const char *id)
{
	while (i-- > 0) {
		const struct finding *f = report_finding(rep, i);

		if (finding_status(f) >= ST_WARN && strcmp(finding_id(f), id) == 0)
			return true;
	}
	return false;
}

/* Without --json: "STATUS domain: the ids of its WARN, FAIL and UNKNOWN findings", one
 * line per domain (the whole report is `mxdiag check DOMAIN`'s). */
static char *
text_line(struct report *rep)
{
	char ids[512] = "";
	size_t used = 0, i;

	for (i = 0; i < report_count(rep); i++) {
		const struct finding *f = report_finding(rep, i);

		if (finding_status(f) < ST_WARN || is_listed(rep, i, finding_id(f)))
			continue;
		if (!text_list_add(ids, sizeof(ids), &used, finding_id(f)))
			break;
	}
	return xasprintf("%-7s %s: %s", status_name(report_worst(rep)), report_target(rep),
	    used > 0 ? ids : _("no problems found"));
}

/* The domain's work is over: judge, print as `--json check` would, free. */
static void
job_idle(void *arg)
{
	struct check_job *cj = arg;
	struct report *rep = cj->run.rep;
	const struct global_opts *g = cj->cb->ctx->g;
	struct batch *b = cj->b;
	struct batch_job *job = cj->job;
	enum status worst;
	char *out;

	check_end(&cj->run, cj->cr, &cj->in, cj->cb->o->is_receivers);
	cj->cr = NULL;
	report_finish(rep);
	run_settle(rep, NULL, cj->idns, cj->n_idns);
	worst = report_worst(rep);
	if (g->json) {
		out = render_json_line_text(rep, g->problems_only);
		if (out == NULL)
			out = xstrdup("{}");
	} else {
		out = text_line(rep);
	}
	/* the loop is done with the task once idle is called: it goes with the job */
	job_free(cj);
	batch_job_done(b, job, out, status_exit_code(worst), status_name(worst));
}

/*
 * A name of the line as the CLI takes it (options.c's to_ascii): an internationalised
 * name in its A-label form, kept in cj->idns for the report; then checked as a host name
 * (or, with may_be_ip, an address). Returns the value (caller frees), or NULL with why.
 */
static char *
line_name(struct check_job *cj, const char *s, bool may_be_ip, char *why, size_t why_len)
{
	char *ascii = NULL;
	int rc;

	if (may_be_ip && validate_ip(s, NULL) == 0)
		return xstrdup(s);
	rc = validate_idn(s, &ascii, why, why_len);
	if (rc < 0)
		return NULL;
	if (validate_domain(rc == 1 ? s : ascii, why, why_len) < 0) {
		free(ascii);
		return NULL;
	}
	if (rc == 1)
		return run_normalise_domain(s);
	cj->idns[cj->n_idns].input = xstrdup(s);
	cj->idns[cj->n_idns].ascii = ascii;
	cj->idns[cj->n_idns].value = ascii;
	cj->n_idns++;
	return run_normalise_domain(ascii);
}

/* Split "DOMAIN [IP [HELO]]" (spaces, tabs or commas between); returns the field count,
 * CHECK_FIELDS + 1 when there are more. */
static size_t
split(char *p, char **field)
{
	size_t n = 0;

	while (n <= CHECK_FIELDS) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		field[n++] = p;
		p += strcspn(p, " \t,");
		if (*p != '\0')
			*p++ = '\0';
	}
	return n;
}

static void
job_error(struct check_job *cj, const char *input, const char *why)
{
	struct batch *b = cj->b;
	struct batch_job *job = cj->job;

	job_free(cj);
	batch_job_error(b, job, input, why);
}

static void
job_start(void *arg, struct batch *b, struct batch_job *job, char *line)
{
	struct check_batch *cb = arg;
	struct check_job *cj = xcalloc(1, sizeof(*cj));
	struct loop_task *prev;
	char *field[CHECK_FIELDS + 1], why[256], *copy;
	size_t n;

	cj->cb = cb;
	cj->b = b;
	cj->job = job;
	if (line == NULL) {
		job_error(cj, "", _("line longer than 2048 bytes"));
		return;
	}
	copy = xstrdup(line);
	n = split(line, field);
	why[0] = '\0';
	if (n > CHECK_FIELDS) {
		job_error(cj, copy, _("expected: DOMAIN [IP [HELO]]"));
		free(copy);
		return;
	}
	cj->domain = line_name(cj, field[0], false, why, sizeof(why));
	if (cj->domain == NULL) {
		char msg[400];

		snprintf(msg, sizeof(msg), _("not a valid domain name: %s"), why);
		job_error(cj, copy, msg);
		free(copy);
		return;
	}
	if (n >= 2 && validate_ip(field[1], NULL) < 0) {
		job_error(cj, copy, _("not an IPv4 or IPv6 address"));
		free(copy);
		return;
	}
	if (n >= 3)
		cj->helo = line_name(cj, field[2], true, why, sizeof(why));
	if (n >= 3 && cj->helo == NULL) {
		char msg[400];

		snprintf(msg, sizeof(msg), _("the HELO name is not a host name: %s"), why);
		job_error(cj, copy, msg);
		free(copy);
		return;
	}
	free(copy);
	if (!batch_is_mine(b, cj->domain)) {
		job_free(cj);
		batch_job_skip(b, job);
		return;
	}
	if (n >= 2)
		cj->ip = xstrdup(field[1]);
	cj->in.domain = cj->domain;
	cj->in.ip = cj->ip;
	cj->in.helo = cj->helo;
	cj->in.dkim_selectors = cb->o->dkim_selectors;
	cj->in.n_dkim_selectors = cb->o->n_dkim_selectors;
	cj->in.dnsbl_zones = cb->o->dnsbl_zones;
	cj->in.is_dmarc_psl = cb->o->is_dmarc_psl;
	cj->run = *cb->ctx;
	cj->run.rep = report_new("check", cj->domain);
	cj->run.dns = run_dns_new(&cj->run, &report_stats(cj->run.rep)->dns);
	if (cj->run.dns == NULL) {
		job_error(cj, cj->domain, _("cannot set up DNS"));
		return;
	}
	/* Everything the diagnoses start, and what that starts, is the task's work. */
	cj->task = loop_task_new(cj->run.loop, job_idle, cj);
	prev = loop_task_enter(cj->run.loop, cj->task);
	cj->cr = check_start(&cj->run, &cj->in);
	loop_task_leave(cj->run.loop, prev);
}

/* Resolvers named with --resolver (c-ares CSV); the system's count as one. */
static unsigned
count_resolvers(const char *csv)
{
	unsigned n = 1;

	for (; csv != NULL && *csv != '\0'; csv++)
		if (*csv == ',')
			n++;
	return n;
}

int
check_batch_run(struct run_ctx *ctx, const struct check_batch_opts *o)
{
	struct check_batch cb = { .ctx = ctx, .o = o };
	struct batch_config cfg = { 0 };
	int rc;

	/* Queries spread over the resolvers in turn, each paced to --qps, at most
	 * CHECK_BATCH_DNS_INFLIGHT of all domains' in flight. */
	ctx->is_dns_rotating = true;
	ctx->dns_gate = dns_gate_new(o->qps * count_resolvers(ctx->g->resolvers),
	    CHECK_BATCH_DNS_INFLIGHT);
	dns_gate_share_channel(ctx->dns_gate);
	cfg.cmd = "check";
	cfg.path = o->path;
	cfg.in_flight = o->concurrency;
	/* a slow domain holds back the printing, not the work, of those after it */
	cfg.window = (size_t)o->concurrency * 4;
	cfg.is_unordered = o->is_unordered;
	cfg.is_text = !ctx->g->json;
	cfg.shard = o->shard;
	cfg.shards = o->shards;
	cfg.progress_fmt = _("check: %zu domains checked, %.0f per second%s");
	cfg.unit = _("domains");
	cfg.start = job_start;
	cfg.arg = &cb;
	rc = batch_run(ctx->loop, &cfg);
	dns_gate_free(ctx->dns_gate);
	ctx->dns_gate = NULL;
	return rc;
}
