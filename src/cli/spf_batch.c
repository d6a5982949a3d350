/* `mxdiag spf --batch FILE|-`: lines "IP SENDER [HELO]" in, one JSON line out per input
 * line, in input order, with many evaluations in flight on the one loop; answers and parsed
 * records are shared by the batch (spf_dns.c's memo, spf_parse.c's record cache). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "command.h"
#include "i18n.h"
#include "jline.h"
#include "log.h"
#include "loop.h"
#include "run.h"
#include "spf.h"
#include "spf_batch.h"
#include "spf_dns.h"
#include "spf_fields.h"
#include "spf_parse.h"
#include "text.h"
#include "validate.h"
#include "xmalloc.h"


static void
lw_str(void *w, const char *key, const char *value)
{
	jl_str(w, key, value);
}

static void
lw_num(void *w, const char *key, long long value)
{
	jl_int(w, key, value);
}

static void
lw_flag(void *w, const char *key, bool value)
{
	jl_key(w, key);
	jl_raw(w, value ? "true" : "false", value ? 4 : 5);
}

static const struct spf_field_writer line_writer;

static void
lw_steps(void *w, const char *key, const struct spf_outcome *out)
{
	size_t i;

	jl_key(w, key);
	jl_raw(w, "[", 1);
	for (i = 0; i < out->trace_len; i++) {
		struct jline step = { 0 };
		char *obj;

		spf_step_fields(&out->trace[i], &line_writer, &step);
		obj = jl_end(&step);
		if (i > 0)
			jl_raw(w, ",", 1);
		jl_raw(w, obj, strlen(obj));
		free(obj);
	}
	jl_raw(w, "]", 1);
}

static const struct spf_field_writer line_writer = { lw_str, lw_num, lw_flag, lw_steps };

/* One batch output line: the outcome's fields (spf_fields.c) with line and ms. */
static char *
outcome_line(const struct spf_outcome *out, const char *ip, const char *helo, bool want_trace,
    unsigned long line_no, int64_t ms)
{
	struct jline j = { 0 };

	jl_int(&j, "line", (long long)line_no);
	spf_outcome_fields(out, ip, helo, &line_writer, &j);
	jl_int(&j, "ms", (long long)ms);
	if (want_trace)
		spf_outcome_trace(out, &line_writer, &j);
	return jl_end(&j);
}

/* One line's evaluation; the batch (batch.c) keeps the order and the output. */
struct spf_job {
	struct spf_batch *sb;
	struct batch *b;
	struct batch_job *job;
	char *ip, *sender, *helo;	/* owned */
	int64_t started_ms;
	struct spf_dns sd;
	struct spf_resolver r;
};

struct spf_batch {
	struct dns *dns;
	struct spf_dns_memo *memo;	/* owned: answers shared by the batch's evaluations */
	struct spf_record_cache *records;	/* owned: records parsed once for the batch */
	bool want_trace;
};

static void
spf_job_free(struct spf_job *sj)
{
	free(sj->ip);
	free(sj->sender);
	free(sj->helo);
	free(sj);
}

static void
job_done(const struct spf_outcome *out, void *arg)
{
	struct spf_job *sj = arg;
	char *line = outcome_line(out, sj->ip, sj->helo, sj->sb->want_trace, sj->job->line_no,
	    loop_now_ms() - sj->started_ms);
	struct batch *b = sj->b;
	struct batch_job *job = sj->job;

	spf_job_free(sj);
	batch_job_done(b, job, line, EXIT_OK, spf_result_name(out->result));
}

static void
job_error(struct spf_job *sj, const char *input, const char *why)
{
	struct batch *b = sj->b;
	struct batch_job *job = sj->job;

	batch_job_error(b, job, input, why);
	spf_job_free(sj);
}

/* The name a line is sharded by: the sender's domain, or the HELO name for <>. */
static bool
is_mine(struct batch *b, const char *sender, const char *helo)
{
	const char *at = sender != NULL ? strrchr(sender, '@') : NULL;
	char *key = run_normalise_domain(at != NULL ? at + 1 : sender != NULL ? sender : helo);
	bool is_mine = batch_is_mine(b, key);

	free(key);
	return is_mine;
}

/* Parse "IP SENDER [HELO]" and start its evaluation ("<>" is the null sender, checked as
 * the HELO identity, RFC 7208 2.3). */
static void
job_start(void *arg, struct batch *b, struct batch_job *job, char *line)
{
	struct spf_batch *sb = arg;
	struct spf_job *sj = xcalloc(1, sizeof(*sj));
	struct spf_query q = { 0 };
	char *field[4], *save = line, *p = line;
	const char *at;
	size_t n = 0;

	sj->sb = sb;
	sj->b = b;
	sj->job = job;
	if (line == NULL) {
		job_error(sj, "", _("line longer than 2048 bytes"));
		return;
	}
	while (n < 4) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		field[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	if (n < 2 || n > 3) {
		job_error(sj, save, _("expected: IP SENDER [HELO]"));
		return;
	}
	if (validate_ip(field[0], NULL) < 0) {
		job_error(sj, field[0], _("not an IPv4 or IPv6 address"));
		return;
	}
	if (text_has_control(field[1]) || (n == 3 && text_has_control(field[2]))) {
		job_error(sj, field[1], _("control character in the line"));
		return;
	}
	sj->ip = xstrdup(field[0]);
	if (strcmp(field[1], "<>") != 0)
		sj->sender = xstrdup(field[1]);
	if (n == 3) {
		sj->helo = xstrdup(field[2]);
	} else if (sj->sender != NULL) {
		/* without a HELO name, %{h} is the sender's domain */
		at = strrchr(sj->sender, '@');
		sj->helo = xstrdup(at != NULL ? at + 1 : sj->sender);
	} else {
		job_error(sj, save, _("the null sender <> needs a HELO name"));
		return;
	}
	if (!is_mine(b, sj->sender, sj->helo)) {
		spf_job_free(sj);
		batch_job_skip(b, job);
		return;
	}
	spf_dns_init(&sj->sd, sb->dns, &sj->r);
	sj->sd.memo = sb->memo;
	q.ip = sj->ip;
	q.sender = sj->sender;
	q.helo = sj->helo;
	q.want_trace = sb->want_trace;
	q.record_cache = sb->records;
	sj->started_ms = loop_now_ms();
	if (spf_eval_start(&q, &sj->r, job_done, sj) < 0)
		job_error(sj, save, _("cannot evaluate this line (input too long?)"));
}

int
spf_batch_run(struct run_ctx *ctx, const struct spf_batch_opts *o)
{
	struct spf_batch sb = { 0 };
	struct batch_config cfg = { 0 };
	int rc;

	if (run_open(ctx, "spf", o->path) != 0)
		return EXIT_UNKNOWN;
	sb.dns = ctx->dns;
	sb.memo = spf_dns_memo_new();
	sb.records = spf_record_cache_new();
	sb.want_trace = o->want_trace;
	cfg.cmd = "spf";
	cfg.path = o->path;
	cfg.in_flight = o->concurrency;
	cfg.window = o->concurrency;
	cfg.is_unordered = o->is_unordered;
	cfg.shard = o->shard;
	cfg.shards = o->shards;
	cfg.progress_fmt = _("spf: %zu lines evaluated, %.0f per second%s");
	cfg.unit = _("lines");
	cfg.start = job_start;
	cfg.arg = &sb;
	rc = batch_run(ctx->loop, &cfg);
	spf_dns_memo_free(sb.memo);
	spf_record_cache_free(sb.records);
	return rc;
}
