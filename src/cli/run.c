/* Per-run set-up: one report, one DNS engine on the shared loop. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "dns.h"
#include "i18n.h"
#include "loop.h"
#include "log.h"
#include "options.h"
#include "render.h"
#include "report.h"
#include "run.h"
#include "tls.h"
#include "xmalloc.h"

bool
run_use_colour(const struct global_opts *g)
{
	const char *no_color = getenv("NO_COLOR");

	return !g->no_color && (no_color == NULL || *no_color == '\0') && isatty(STDOUT_FILENO);
}

struct dns *
run_dns_new(struct run_ctx *ctx, struct dns_stats *stats)
{
	struct dns_config cfg = { 0 };
	const char *why = NULL;
	struct dns *dns;
	int err = 0;

	cfg.servers = ctx->g->resolvers;
	/* c-ares doubles the wait on the second try: T/3 + 2T/3 keeps a lookup within T. */
	cfg.tries = 2;
	cfg.timeout_ms = ctx->g->timeout_ms / 3 > 100 ? ctx->g->timeout_ms / 3 : 100;
	cfg.gate = ctx->dns_gate;
	cfg.is_rotating = ctx->is_dns_rotating;
	dns = dns_new(ctx->loop, &cfg, stats, &err, &why);
	if (dns == NULL)
		log_err("cannot set up DNS: %s", why != NULL ? why : "unknown error");
	return dns;
}

/* The run's DNS engine from the global options, counting into stats. */
static int
dns_open(struct run_ctx *ctx, struct dns_stats *stats)
{
	ctx->dns = run_dns_new(ctx, stats);
	return ctx->dns != NULL ? 0 : EXIT_UNKNOWN;
}

int
run_open(struct run_ctx *ctx, const char *command, const char *target)
{
	ctx->rep = report_new(command, target);
	return dns_open(ctx, &report_stats(ctx->rep)->dns);
}

struct tls_client *
run_tls_client(struct run_ctx *ctx, char *why, size_t why_len)
{
	if (ctx->tls == NULL)
		ctx->tls = tls_client_new(ctx->g->ca_file, why, why_len);
	return ctx->tls;
}

int
run_dns_reopen(struct run_ctx *ctx, struct dns_stats *stats)
{
	dns_free(ctx->dns);
	ctx->dns = NULL;
	return dns_open(ctx, stats);
}

char *
run_normalise_domain(const char *domain)
{
	size_t len = strlen(domain), i;
	char *s;

	if (len > 1 && domain[len - 1] == '.')
		len--;
	s = xstrndup(domain, len);
	for (i = 0; i < len; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	return s;
}

struct check_run *
run_start(struct run_ctx *ctx, const struct check_inputs *in, const char *name)
{
	return checks_run(ctx, in, &name, 1, false, NULL);
}

void
run_finish(struct run_ctx *ctx, struct check_run *cr)
{
	loop_run(ctx->loop);
	check_run_free(cr);
}

/* A stable order of findings, in the command's sections (report_settle). */
static void
settle(struct report *rep, const struct render_section *sections)
{
	const char *groups[16];
	size_t n = 0;

	for (; sections != NULL && sections->group != NULL && n < 15; sections++)
		groups[n++] = sections->group;
	groups[n] = NULL;
	report_settle(rep, groups);
}

/* Internationalised names typed: both forms, as the first answer lines and as "idn". */
static void
show_idns(struct report *rep, const struct opt_idn *idns, size_t n_idns)
{
	json_t *list = json_array(), *answers = report_answers(rep);
	char line[1024];
	size_t i;

	for (i = 0; i < n_idns; i++) {
		const struct opt_idn *n = &idns[i];

		snprintf(line, sizeof(line), _("%s is written %s in DNS (an internationalised "
		    "domain name)."), n->input, n->ascii);
		if (answers != NULL)
			json_array_insert_new(answers, i, json_string(line));
		else
			report_answer(rep, line);
		json_array_append_new(list, json_pack("{s:s, s:s}", "input", n->input, "ascii",
		    n->ascii));
	}
	report_set_extra(rep, "idn", list);
}

void
run_settle(struct report *rep, const struct render_section *sections,
    const struct opt_idn *idns, size_t n_idns)
{
	settle(rep, sections);
	if (n_idns > 0)
		show_idns(rep, idns, n_idns);
}
