/* explain's proofs of one run kept by their inputs, so that a proof of the same fact runs
 * once per run however many bounces need it (explain_proof.c), and port25's targets as the
 * run's proofs dialled them, so that each is dialled once. Bounded: at most
 * PROOF_CACHE_MAX distinct proofs are kept, the oldest dropped first; PORT25_MEMO_MAX
 * targets. */
#ifndef MXD_PROOF_CACHE_H
#define MXD_PROOF_CACHE_H

#include <stdbool.h>
#include <stddef.h>

struct port25_memo;
struct report;

#define PROOF_CACHE_MAX 1024	/* distinct proofs kept per run */

/* A proof that ran: its diagnoses' findings and what the port 25 fact made of them. */
struct proof_run {
	struct report *findings;	/* owned copies, in the order they came */
	bool spoiled;		/* outbound port 25 blocked or intercepted: why says how */
	char why[900];
	char where[256];	/* the bounce it ran for ("FILE #N"), for the reuse's data */
};

struct proof_cache;

struct proof_cache *proof_cache_new(void);
/* Once the loop runs none of its proofs. */
void proof_cache_free(struct proof_cache *pc);

/* The run's port25 targets (port25_memo.h) for the proofs' port25 options; owned. */
struct port25_memo *proof_cache_port25(struct proof_cache *pc);

/* Whether a run is kept for key (not counted as a reuse). */
bool proof_cache_has(const struct proof_cache *pc, const char *key);

/* The run kept for key, or NULL. */
const struct proof_run *proof_cache_get(struct proof_cache *pc, const char *key);

/* Keep findings first.. of rep as key's run (copied); the caller fills in spoiled and why.
 * The oldest run is dropped when PROOF_CACHE_MAX are kept. */
struct proof_run *proof_cache_put(struct proof_cache *pc, const char *key,
    const struct report *rep, size_t first);

/* Counters of the run: proofs run, proofs reused, runs dropped for the cap. */
void proof_cache_counts(const struct proof_cache *pc, size_t *ran, size_t *reused,
    size_t *dropped);

#endif
