/* port25's targets as a run has probed them, so that a run of many port25 probes (explain's
 * proofs, one per recipient domain) dials each target once: a later probe of the same
 * target reads the sessions of the first, and waits for them while they run. */
#ifndef MXD_PORT25_MEMO_H
#define MXD_PORT25_MEMO_H

#include <stdbool.h>

struct p25_run;

#define PORT25_MEMO_MAX 64	/* targets kept per run; past them, targets are dialled anew */

struct port25_memo;

/* An empty memo; caller frees, once the loop has no probe of it left. */
struct port25_memo *port25_memo_new(void);
void port25_memo_free(struct port25_memo *memo);

/*
 * For probe_port25.c: give run the port-25 probes of target (normalised) from the memo,
 * now when they are done, else when they are (run's session then holds one more job).
 * The first run to ask starts them, as a run of the memo's own. Returns false when the
 * memo is full and does not know target: run then dials it itself.
 */
bool port25_memo_want(struct port25_memo *memo, struct p25_run *run, const char *target);

#endif
