/* poll()-based event loop: a fixed table of watched descriptors plus a sorted timer list. */
#include "config.h"

#include <assert.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "loop.h"
#include "xmalloc.h"

/* Far above what one run uses (a few hundred sockets in batch mode), and a hard bound. */
#define LOOP_MAX_FDS 1024

struct watch {
	int fd;
	short events;
	loop_fd_cb *cb;
	void *arg;
	struct loop_task *task;	/* whose work it is, or NULL */
};

struct loop_timer {
	int64_t due;
	uint64_t seq;		/* keeps equal deadlines in insertion order */
	loop_timer_cb *cb;
	void *arg;
	struct loop_task *task;	/* whose work it is, or NULL */
	struct loop_timer *next;
};

struct loop_task {
	struct loop *loop;
	unsigned pending;	/* its timers and watched descriptors */
	loop_task_idle_fn *idle;
	void *arg;
	bool is_due;		/* on the loop's list of tasks to look at */
	bool is_idle;		/* idle() has been called */
	struct loop_task *next_due;
};

struct loop {
	struct watch watches[LOOP_MAX_FDS];
	size_t nwatches;
	struct loop_timer *timers;	/* sorted by due, then seq */
	/* 0 ms timers (deferred callbacks, cached DNS answers): a FIFO, so queueing many of
	 * them costs O(1) each instead of a walk of the sorted list. */
	struct loop_timer *now_head, **now_tail;
	uint64_t timer_seq;
	bool stopped;
	struct loop_task *current;	/* whose work is being added, or NULL */
	struct loop_task *due;		/* tasks whose work may have ended */
};

int64_t
loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *
loop_new(void)
{
	struct loop *loop = xcalloc(1, sizeof(struct loop));

	loop->now_tail = &loop->now_head;
	return loop;
}

void
loop_free(struct loop *loop)
{
	struct loop_timer *t, *next;

	if (loop == NULL)
		return;
	for (t = loop->timers; t != NULL; t = next) {
		next = t->next;
		free(t);
	}
	for (t = loop->now_head; t != NULL; t = next) {
		next = t->next;
		free(t);
	}
	free(loop);
}

struct loop_task *
loop_task_new(struct loop *loop, loop_task_idle_fn *idle, void *arg)
{
	struct loop_task *t = xcalloc(1, sizeof(*t));

	t->loop = loop;
	t->idle = idle;
	t->arg = arg;
	return t;
}

void
loop_task_free(struct loop_task *t)
{
	struct loop_task **pp;

	if (t == NULL)
		return;
	assert(t->pending == 0 && t->loop->current != t);
	for (pp = &t->loop->due; *pp != NULL; pp = &(*pp)->next_due) {
		if (*pp == t) {
			*pp = t->next_due;
			break;
		}
	}
	free(t);
}

/* Look at t once the current callback is over: its work may have ended. */
static void
task_due(struct loop_task *t)
{
	if (t == NULL || t->is_due || t->is_idle || t->pending > 0)
		return;
	t->is_due = true;
	t->next_due = t->loop->due;
	t->loop->due = t;
}

static void
task_add(struct loop_task *t)
{
	if (t != NULL)
		t->pending++;
}

static void
task_drop(struct loop_task *t)
{
	if (t == NULL)
		return;
	assert(t->pending > 0);
	t->pending--;
	task_due(t);
}

struct loop_task *
loop_task_hold(struct loop *loop)
{
	task_add(loop->current);
	return loop->current;
}

void
loop_task_release(struct loop_task *t)
{
	task_drop(t);
}

struct loop_task *
loop_task_enter(struct loop *loop, struct loop_task *t)
{
	struct loop_task *prev = loop->current;

	loop->current = t;
	return prev;
}

void
loop_task_leave(struct loop *loop, struct loop_task *prev)
{
	task_due(loop->current);
	loop->current = prev;
}

/* Call idle() of every task whose work has ended; idle may start other tasks. */
static void
tasks_settle(struct loop *loop)
{
	struct loop_task *t;

	while ((t = loop->due) != NULL) {
		loop->due = t->next_due;
		t->is_due = false;
		if (t->pending == 0 && !t->is_idle) {
			t->is_idle = true;
			t->idle(t->arg);
		}
	}
}

static struct watch *
find_watch(struct loop *loop, int fd)
{
	size_t i;

	for (i = 0; i < loop->nwatches; i++)
		if (loop->watches[i].fd == fd)
			return &loop->watches[i];
	return NULL;
}

int
loop_watch(struct loop *loop, int fd, short events, loop_fd_cb *cb, void *arg)
{
	struct watch *w;

	assert(fd >= 0);
	if (events == 0) {
		loop_unwatch(loop, fd);
		return 0;
	}
	w = find_watch(loop, fd);
	if (w == NULL) {
		if (loop->nwatches == LOOP_MAX_FDS)
			return MXD_ELIMIT;
		w = &loop->watches[loop->nwatches++];
		w->fd = fd;
		w->task = loop->current;
		task_add(w->task);
	}
	w->events = events;
	w->cb = cb;
	w->arg = arg;
	return 0;
}

void
loop_unwatch(struct loop *loop, int fd)
{
	struct watch *w = find_watch(loop, fd);

	if (w == NULL)
		return;
	/* Mark dead; compacted after dispatch so an index in use never shifts under it. */
	w->fd = -1;
	w->events = 0;
	task_drop(w->task);
	w->task = NULL;
}

static void
compact_watches(struct loop *loop)
{
	size_t i, j = 0;

	for (i = 0; i < loop->nwatches; i++)
		if (loop->watches[i].fd >= 0)
			loop->watches[j++] = loop->watches[i];
	loop->nwatches = j;
}

struct loop_timer *
loop_timer_add(struct loop *loop, int64_t ms, loop_timer_cb *cb, void *arg)
{
	struct loop_timer *t = xcalloc(1, sizeof(*t)), **pp;

	t->seq = loop->timer_seq++;
	t->cb = cb;
	t->arg = arg;
	t->task = loop->current;
	task_add(t->task);
	if (ms <= 0) {
		*loop->now_tail = t;
		loop->now_tail = &t->next;
		return t;
	}
	t->due = loop_now_ms() + ms;
	for (pp = &loop->timers; *pp != NULL && (*pp)->due <= t->due; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	return t;
}

void
loop_timer_cancel(struct loop *loop, struct loop_timer *t)
{
	struct loop_timer **pp;

	if (t == NULL)
		return;
	for (pp = &loop->now_head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			if (loop->now_tail == &t->next)
				loop->now_tail = pp;
			task_drop(t->task);
			free(t);
			return;
		}
	}
	for (pp = &loop->timers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			task_drop(t->task);
			free(t);
			return;
		}
	}
}

void
loop_stop(struct loop *loop)
{
	loop->stopped = true;
}

/* A timer taken off its list: its callback with its task current, then its task settled. */
static void
fire_timer(struct loop *loop, struct loop_timer *t)
{
	struct loop_task *prev = loop_task_enter(loop, t->task);

	t->cb(t->arg);
	loop->current = prev;
	task_drop(t->task);
	free(t);
	tasks_settle(loop);
}

static void
run_due_timers(struct loop *loop)
{
	int64_t now = loop_now_ms();
	uint64_t limit = loop->timer_seq;	/* timers added by callbacks wait a turn */
	struct loop_timer *t;

	while ((t = loop->now_head) != NULL && t->seq < limit && !loop->stopped) {
		loop->now_head = t->next;
		if (loop->now_head == NULL)
			loop->now_tail = &loop->now_head;
		fire_timer(loop, t);
	}
	while ((t = loop->timers) != NULL && t->due <= now && t->seq < limit && !loop->stopped) {
		loop->timers = t->next;
		fire_timer(loop, t);
	}
}

static bool
has_work(const struct loop *loop)
{
	size_t i;

	if (loop->timers != NULL || loop->now_head != NULL || loop->due != NULL)
		return true;
	for (i = 0; i < loop->nwatches; i++)
		if (loop->watches[i].fd >= 0)
			return true;
	return false;
}

int
loop_run(struct loop *loop)
{
	struct pollfd pfds[LOOP_MAX_FDS];

	loop->stopped = false;
	while (!loop->stopped && has_work(loop)) {
		size_t i, n;
		int timeout = -1, rc;

		tasks_settle(loop);
		if (!has_work(loop))
			break;
		compact_watches(loop);
		n = loop->nwatches;
		for (i = 0; i < n; i++) {
			pfds[i].fd = loop->watches[i].fd;
			pfds[i].events = loop->watches[i].events;
			pfds[i].revents = 0;
		}
		if (loop->now_head != NULL) {
			timeout = 0;
		} else if (loop->timers != NULL) {
			int64_t wait = loop->timers->due - loop_now_ms();

			timeout = wait < 0 ? 0 : (wait > 60000 ? 60000 : (int)wait);
		}
		rc = poll(pfds, n, timeout);
		if (rc > 0) {
			for (i = 0; i < n && !loop->stopped; i++) {
				struct watch *w;

				if (pfds[i].revents == 0)
					continue;
				/* The callback may unwatch others: look the fd up again. */
				w = find_watch(loop, pfds[i].fd);
				if (w != NULL && w->cb != NULL) {
					struct loop_task *prev = loop_task_enter(loop, w->task);

					w->cb(pfds[i].fd, pfds[i].revents, w->arg);
					loop->current = prev;
					tasks_settle(loop);
				}
			}
		}
		run_due_timers(loop);
	}
	return 0;
}
