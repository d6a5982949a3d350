/* port25's targets probed once per run (port25_memo.h). Each target is a p25_run of its
 * own, with that one target and no judgement; the runs that name it get its probes (kept
 * by the memo, borrowed by them) when it ends, and judge them with their other targets'. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "command.h"
#include "port25_memo.h"
#include "port25_run.h"
#include "session.h"
#include "xmalloc.h"

struct memo_entry {
	char *target;		/* normalised */
	char *helo;		/* the EHLO name its sessions used, or NULL */
	struct p25_run *run;	/* owned: the target's lookups and sessions */
	bool is_done;
	struct p25_wait *waiters;	/* runs to give the probes to when done */
};

struct port25_memo {
	struct memo_entry entries[PORT25_MEMO_MAX];
	size_t n;
};

struct port25_memo *
port25_memo_new(void)
{
	return xcalloc(1, sizeof(struct port25_memo));
}

void
port25_memo_free(struct port25_memo *memo)
{
	size_t i;

	if (memo == NULL)
		return;
	for (i = 0; i < memo->n; i++) {
		p25_run_free(memo->entries[i].run);
		free(memo->entries[i].target);
		free(memo->entries[i].helo);
	}
	free(memo);
}

static bool
same_helo(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* The target's probes into run, borrowed from the memo, as if run had made them. */
static void
give(const struct memo_entry *e, struct p25_run *run)
{
	size_t i;
	json_t *ev;

	for (i = 0; i < e->run->nprobes && run->nprobes < P25_MAX_PROBES; i++) {
		run->probes[run->nprobes] = e->run->probes[i];
		run->probes[run->nprobes++].is_kept = true;
	}
	run->unresolved += e->run->unresolved;
	json_array_foreach(e->run->dns_evidence, i, ev)
		json_array_append(run->dns_evidence, ev);
}

/* The target's run has ended: every run waiting for it gets its probes. */
static bool
entry_done(void *arg)
{
	struct memo_entry *e = arg;
	struct p25_wait *w, *next;

	e->is_done = true;
	for (w = e->waiters; w != NULL; w = next) {
		next = w->next;
		give(e, w->run);
		session_end(&w->run->sess);
	}
	e->waiters = NULL;
	return true;
}

/* A new entry for target, its lookups and sessions started on run's loop and engine;
 * NULL when the memo is full. */
static struct memo_entry *
entry_start(struct port25_memo *memo, const struct p25_run *run, const char *target)
{
	struct memo_entry *e;

	if (memo->n == PORT25_MEMO_MAX)
		return NULL;
	e = &memo->entries[memo->n++];
	e->target = xstrdup(target);
	e->helo = run->helo != NULL ? xstrdup(run->helo) : NULL;
	e->run = xcalloc(1, sizeof(*e->run));
	e->run->ctx = run->ctx;	/* its sessions count as the first asker's */
	e->run->helo = e->helo;
	e->run->tls = run->tls;
	e->run->dns_evidence = json_array();
	session_init(&e->run->sess, run->ctx->loop, entry_done, e, NULL, NULL);
	p25_start_target(e->run, e->target);
	session_end(&e->run->sess);
	return e;
}

bool
port25_memo_want(struct port25_memo *memo, struct p25_run *run, const char *target)
{
	struct memo_entry *e = NULL;
	struct p25_wait *w;
	size_t i;

	if (run->nwaits == PORT25_MAX_TARGETS)
		return false;	/* not reached: one wait per target */
	for (i = 0; i < memo->n && e == NULL; i++)
		if (strcmp(memo->entries[i].target, target) == 0 &&
		    same_helo(memo->entries[i].helo, run->helo))
			e = &memo->entries[i];
	if (e == NULL)
		e = entry_start(memo, run, target);
	if (e == NULL)
		return false;
	if (e->is_done) {
		give(e, run);
		return true;
	}
	w = &run->waits[run->nwaits++];
	w->run = run;
	w->next = e->waiters;
	e->waiters = w;
	session_begin(&run->sess);
	return true;
}
