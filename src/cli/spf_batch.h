/* `mxdiag spf --batch`: many evaluations from a file of lines, JSON Lines out. */
#ifndef MXD_SPF_BATCH_H
#define MXD_SPF_BATCH_H

#include <stdbool.h>

struct run_ctx;

#define SPF_BATCH_INFLIGHT 256	/* evaluations in flight at once by default */

struct spf_batch_opts {
	const char *path;	/* "-": standard input */
	bool want_trace;
	bool is_unordered;	/* each line as it is done, not in input order */
	unsigned concurrency;	/* evaluations in flight */
	unsigned shard, shards;	/* --shard I/N (shards 0: all lines) */
};

/* Evaluate every line of o->path and print one JSON line each, in input order. Returns the
 * exit code: 0, EXIT_WARN when some line was malformed, EXIT_UNKNOWN when the file could
 * not be read or written. */
int spf_batch_run(struct run_ctx *ctx, const struct spf_batch_opts *o);

#endif
