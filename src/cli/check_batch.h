/* `mxdiag check --batch FILE|-`: a domain per line, one `--json check` document per line
 * out (docs/batch.md). */
#ifndef MXD_CHECK_BATCH_H
#define MXD_CHECK_BATCH_H

#include <stdbool.h>
#include <stddef.h>

struct run_ctx;

#define CHECK_BATCH_CONCURRENCY 64	/* domains in flight by default */

struct check_batch_opts {
	const char *path;	/* "-": standard input */
	unsigned concurrency;	/* domains in flight */
	unsigned qps;		/* queries a second to each resolver, 0: no limit */
	unsigned shard, shards;	/* --shard I/N (shards 0: every domain) */
	bool is_unordered;	/* each domain as it is done, not in input order */
	/* as for one domain: */
	const char *const *dkim_selectors;
	size_t n_dkim_selectors;
	const char *dnsbl_zones;
	bool is_dmarc_psl, is_receivers;
};

/* Check every domain of o->path. Returns the exit status (batch_run()). */
int check_batch_run(struct run_ctx *ctx, const struct check_batch_opts *o);

#endif
