/* A fixed set of threads running one batch of items at a time (workers.h). One mutex
 * guards the batch; an item is claimed by taking the next index under it, which costs
 * nothing beside an item's work (a bounce is tens of microseconds). */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "workers.h"
#include "xmalloc.h"

struct workers {
	pthread_mutex_t mu;
	pthread_cond_t wake;	/* a new batch, or stop */
	pthread_cond_t done;	/* the last item of the batch finished */
	pthread_t threads[WORKERS_MAX];
	unsigned n_threads;	/* started, beside the caller's */
	unsigned long batch;	/* counts batches: a thread waits for the next one */
	bool is_stopping;
	workers_end_fn *at_end;
	workers_fn *fn;
	void *arg;
	size_t next, n_items, n_busy;	/* items claimed, in the batch, claimed and not done */
};

/* Claim and run items of the current batch until none is left; called with mu held,
 * returns with it held. */
static void
drain(struct workers *w)
{
	while (w->next < w->n_items) {
		size_t i = w->next++;

		w->n_busy++;
		pthread_mutex_unlock(&w->mu);
		w->fn(w->arg, i);
		pthread_mutex_lock(&w->mu);
		if (--w->n_busy == 0 && w->next == w->n_items)
			pthread_cond_signal(&w->done);
	}
}

static void *
thread_main(void *p)
{
	struct workers *w = p;
	unsigned long seen = 0;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->is_stopping && w->batch == seen)
			pthread_cond_wait(&w->wake, &w->mu);
		if (w->is_stopping)
			break;
		seen = w->batch;
		drain(w);
	}
	pthread_mutex_unlock(&w->mu);
	if (w->at_end != NULL)
		w->at_end();
	return NULL;
}

struct workers *
workers_new(unsigned n, workers_end_fn *at_end)
{
	struct workers *w;
	unsigned i;

	if (n <= 1)
		return NULL;
	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	w = xcalloc(1, sizeof(*w));
	w->at_end = at_end;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->done, NULL);
	for (i = 0; i + 1 < n; i++) {
		if (pthread_create(&w->threads[i], NULL, thread_main, w) != 0)
			break;
		w->n_threads++;
	}
	if (w->n_threads == 0) {
		workers_free(w);
		return NULL;
	}
	return w;
}

void
workers_free(struct workers *w)
{
	unsigned i;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->is_stopping = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < w->n_threads; i++)
		pthread_join(w->threads[i], NULL);
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

void
workers_start(struct workers *w, workers_fn *fn, void *arg, size_t n_items)
{
	if (w == NULL)
		return;	/* no threads: the caller runs them all in workers_wait() */
	pthread_mutex_lock(&w->mu);
	w->fn = fn;
	w->arg = arg;
	w->next = 0;
	w->n_items = n_items;
	w->n_busy = 0;
	w->batch++;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->mu);
}

void
workers_wait(struct workers *w, workers_fn *fn, void *arg, size_t n_items)
{
	size_t i;

	if (w == NULL) {
		for (i = 0; i < n_items; i++)
			fn(arg, i);
		return;
	}
	pthread_mutex_lock(&w->mu);
	drain(w);
	while (w->n_busy > 0)
		pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void
workers_run(struct workers *w, workers_fn *fn, void *arg, size_t n_items)
{
	workers_start(w, fn, arg, n_items);
	workers_wait(w, fn, arg, n_items);
}

unsigned
workers_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > WORKERS_MAX ? WORKERS_MAX : (unsigned)n;
}
