/* `mxdiag check`'s run of diagnoses, shared by one domain and a batch of them. */
#ifndef MXD_CMD_CHECK_H
#define MXD_CMD_CHECK_H

#include <stdbool.h>

struct check_inputs;
struct check_run;
struct run_ctx;

/* Start check's diagnoses on in with ctx's loop, DNS engine and report. Returns the run;
 * once the loop has done its work, check_end() judges and frees it. */
struct check_run *check_start(struct run_ctx *ctx, const struct check_inputs *in);
/* The answer for the path (and the receivers' rules with is_receivers); frees cr. */
void check_end(struct run_ctx *ctx, struct check_run *cr, const struct check_inputs *in,
    bool is_receivers);

#endif
