/* Set-up shared by the commands: the report and the DNS engine on the loop. */
#ifndef MXD_RUN_H
#define MXD_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "command.h"

/* Create ctx->rep for command/target and ctx->dns from the global options. Returns 0, or
 * EXIT_UNKNOWN after printing why (e.g. an unusable resolver). */
int run_open(struct run_ctx *ctx, const char *command, const char *target);

struct dns_stats;

/* A fresh DNS engine, its cache empty (the old one freed: nothing may be in flight), counting
 * into stats; a long run (explain over a mailbox) bounds its cache so. 0, or an exit status. */
int run_dns_reopen(struct run_ctx *ctx, struct dns_stats *stats);

/* A DNS engine from the global options (and ctx's gate and rotation), counting into stats
 * (borrowed). NULL after printing why. Caller frees with dns_free(). */
struct dns *run_dns_new(struct run_ctx *ctx, struct dns_stats *stats);

/* Colour in text output: not with --no-color or NO_COLOR, only on a terminal. */
bool run_use_colour(const struct global_opts *g);

struct check_inputs;
struct check_run;

/* Start the one diagnosis called name on in (a registry run without sections); finish with
 * run_finish(), which runs the loop until its last finding is in and frees the run. */
struct check_run *run_start(struct run_ctx *ctx, const struct check_inputs *in,
    const char *name);
void run_finish(struct run_ctx *ctx, struct check_run *cr);

struct opt_idn;
struct render_section;
struct report;

/* A finished report made ready to show, the same for every command and batch line: its
 * findings in a stable order, in sections' order (NULL: none), and the internationalised
 * names typed (idns, n_idns of them; main passes opt_idn's) as first answers and "idn". */
void run_settle(struct report *rep, const struct render_section *sections,
    const struct opt_idn *idns, size_t n_idns);

struct tls_client;

/*
 * The run's one TLS client context (its trust store: --ca-file, else the system's), made on
 * first ask and shared by every probe of the process: loading a trust store and making an
 * OpenSSL context cost more CPU than a handshake. Borrowed (main frees it with the run), or
 * NULL with why filled when it cannot be made (probes then go on without TLS).
 */
struct tls_client *run_tls_client(struct run_ctx *ctx, char *why, size_t why_len);

/* Lower-cased copy without a trailing dot; caller frees. */
char *run_normalise_domain(const char *domain);

#endif
