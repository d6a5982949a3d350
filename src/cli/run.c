/* Per-run set-up: one report, one DNS engine on the shared loop. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "dns.h"
#include "loop.h"
#include "log.h"
#include "report.h"
#include "run.h"
#include "xmalloc.h"

bool
run_use_colour(const struct global_opts *g)
{
	const char *no_color = getenv("NO_COLOR");

	return !g->no_color && (no_color == NULL || *no_color == '\0') && isatty(STDOUT_FILENO);
}

/* The run's DNS engine from the global options, counting into stats. */
static int
dns_open(struct run_ctx *ctx, struct dns_stats *stats)
{
	struct dns_config cfg = { 0 };
	const char *why = NULL;
	int err = 0;

	cfg.servers = ctx->g->resolvers;
	/* c-ares doubles the wait on the second try: T/3 + 2T/3 keeps a lookup within T. */
	cfg.tries = 2;
	cfg.timeout_ms = ctx->g->timeout_ms / 3 > 100 ? ctx->g->timeout_ms / 3 : 100;
	ctx->dns = dns_new(ctx->loop, &cfg, stats, &err, &why);
	if (ctx->dns == NULL) {
		log_err("cannot set up DNS: %s", why != NULL ? why : "unknown error");
		return EXIT_UNKNOWN;
	}
	return 0;
}

int
run_open(struct run_ctx *ctx, const char *command, const char *target)
{
	ctx->rep = report_new(command, target);
	return dns_open(ctx, &report_stats(ctx->rep)->dns);
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
