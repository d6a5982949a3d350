/* What explain's two files share: cmd_explain.c (the command, one bounce's findings and
 * proofs) and explain_mailbox.c (many bounces, a window at a time on the workers). */
#ifndef MXD_EXPLAIN_H
#define MXD_EXPLAIN_H

#include <stdbool.h>
#include <stdio.h>

#include "batch.h"
#include "dns.h"
#include "explain_proof.h"
#include "ndr.h"
#include "ndr_mailbox.h"
#include "progress.h"
#include "render_nagios.h"
#include "run.h"

struct ndr_kb;
struct proof_cache;
struct report;
struct workers;

struct explain {
	struct run_ctx *ctx;
	const struct ndr_kb *kb;
	enum ndr_lang lang;
	bool no_dns;
	const char *sender;	/* --sender: the original sender's address or domain */
	const char *ip;		/* --ip: the address the message was sent from */
	const char *helo;	/* --helo: the name the sending server announces */
	struct proof_seen seen;
	/* --format nagios over several bounces: one status line for all, printed last with
	 * each bounce's problem lines (buffered here) under it */
	FILE *nagios_buf;
	struct nagios_totals nagios;
	size_t n_reports;
	struct proof_cache *cache;	/* the run's proofs, each run once (NULL: --no-dns) */
	bool colour;		/* text output in colour (decided once: workers write it too) */
	struct workers *workers;	/* many bounces: --jobs threads, or NULL */
	/* several bounces: the run's report (its DNS stats the engine's), the run's lookups
	 * when the last bounce was written out, the progress line, the summary's counts */
	struct report *run_rep;
	struct dns_stats emitted;
	struct progress prog;
	struct batch_tally tally;
	int write_errno;	/* stdout could not be written (a reader gone: | head): why */
};

/* One bounce into rep: parse, classify, one finding per recipient. Returns the parsed
 * bounce for its live proofs (caller frees), or NULL when it is no bounce. Reads ex and
 * writes rep only, so that bounces can be parsed on several threads at once. */
struct ndr *explain_parse(const struct explain *ex, struct report *rep,
    const struct ndr_message *m);
/* The live proofs of a parsed bounce started into seen (ex->ctx->rep its report). */
void explain_start_proofs(struct explain *ex, const struct ndr *n, struct proof_seen *seen);
/* Why an input or one of its messages cannot be read, in words for the user. */
const char *explain_input_error(enum ndr_mailbox_err err);

/* Several files, an mbox or a Maildir (first: paths[0] opened, or NULL): every message in
 * turn, one report each; returns the worst exit status (explain_mailbox.c). */
int explain_many(struct explain *ex, char *const *paths, int n_paths,
    struct ndr_mailbox *first);

#endif
