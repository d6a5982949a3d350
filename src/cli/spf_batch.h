/* `mxdiag spf --batch`: many evaluations from a file of lines, JSON Lines out. */
#ifndef MXD_SPF_BATCH_H
#define MXD_SPF_BATCH_H

#include <stdbool.h>

struct run_ctx;

/* Evaluate every line of path ("-": standard input) and print one JSON line each, in input
 * order. Returns the exit code: 0, EXIT_WARN when some line was malformed, EXIT_UNKNOWN
 * when the file could not be read or written. */
int spf_batch_run(struct run_ctx *ctx, const char *path, bool want_trace);

#endif
