/* The lifecycle of a probe run: pending count, finish timer, done callback. */
#include "config.h"

#include <stddef.h>

#include "checks.h"
#include "loop.h"
#include "session.h"

void
session_init(struct session *s, struct loop *loop, session_finish_fn *finish, void *arg,
    probe_done_fn *done, void *done_arg)
{
	s->loop = loop;
	s->pending = 1;
	s->finish_timer = NULL;
	s->finish = finish;
	s->arg = arg;
	s->done = done;
	s->done_arg = done_arg;
	s->is_awaited = false;
}

void
session_begin(struct session *s)
{
	s->pending++;
}

static void
on_finish_timer(void *arg)
{
	struct session *s = arg;
	probe_done_fn *done = s->done;
	void *done_arg = s->done_arg;

	s->finish_timer = NULL;
	/* finish may free the run, and s with it. */
	if (!s->finish(s->arg))
		return;
	if (done != NULL)
		done(done_arg);
}

void
session_end(struct session *s)
{
	if (--s->pending == 0 && s->finish_timer == NULL)
		s->finish_timer = loop_timer_add(s->loop, 0, on_finish_timer, s);
}

static void
on_facts(void *arg)
{
	session_end(arg);
}

bool
session_await_facts(struct session *s, struct check_ctx *check, unsigned facts)
{
	if (check == NULL || s->is_awaited)
		return false;
	s->is_awaited = true;
	session_begin(s);
	check_await(check, facts, on_facts, s);
	return true;
}
