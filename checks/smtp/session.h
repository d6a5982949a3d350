/* The lifecycle of a probe run, written once: a count of what is pending (lookups, sessions,
 * evaluations), held while the run starts; when it drops to zero the run's finish function
 * runs on the next loop turn (never inside the callback that ended the last job), then the
 * caller's done callback. */
#ifndef MXD_SESSION_H
#define MXD_SESSION_H

#include <stdbool.h>

#include "probe.h"

struct check_ctx;
struct loop;
struct loop_timer;

/* Judges the run. Returns true when the run is over and freed (done is then called), false
 * when it queued another phase with session_begin()/session_end(). */
typedef bool session_finish_fn(void *arg);

/* Embedded in a run; the run's memory holds it, so finish may free it. */
struct session {
	struct loop *loop;
	int pending;			/* jobs not yet answered, plus the hold while starting */
	struct loop_timer *finish_timer;
	session_finish_fn *finish;
	void *arg;
	probe_done_fn *done;		/* may be NULL */
	void *done_arg;
	bool is_awaited;		/* session_await_facts() has queued its wait */
};

/* Set up with one pending job, the hold while starting: release it with session_end()
 * once everything is queued. */
void session_init(struct session *s, struct loop *loop, session_finish_fn *finish, void *arg,
    probe_done_fn *done, void *done_arg);
/* One more job pending. */
void session_begin(struct session *s);
/* A job ended: when it was the last, finish on the next loop turn. */
void session_end(struct session *s);

/*
 * For a finish function that judges knowing facts of the run (CHECK_FACT_*) that another
 * diagnosis publishes while this one runs: the first call queues a wait for them (as one
 * more pending job) and returns true, and finish should return false; later calls return
 * false. check is the diagnosis the probe runs as, or NULL (nothing to wait for).
 */
bool session_await_facts(struct session *s, struct check_ctx *check, unsigned facts);

#endif
