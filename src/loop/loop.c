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
};

struct loop_timer {
	int64_t due;
	uint64_t seq;		/* keeps equal deadlines in insertion order */
	loop_timer_cb *cb;
	void *arg;
	struct loop_timer *next;
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
			free(t);
			return;
		}
	}
	for (pp = &loop->timers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
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
		t->cb(t->arg);
		free(t);
	}
	while ((t = loop->timers) != NULL && t->due <= now && t->seq < limit && !loop->stopped) {
		loop->timers = t->next;
		t->cb(t->arg);
		free(t);
	}
}

static bool
has_work(const struct loop *loop)
{
	size_t i;

	if (loop->timers != NULL || loop->now_head != NULL)
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
				if (w != NULL && w->cb != NULL)
					w->cb(pfds[i].fd, pfds[i].revents, w->arg);
			}
		}
		run_due_timers(loop);
	}
	return 0;
}
