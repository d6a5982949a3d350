/* A fixed set of threads for CPU-bound work that splits into independent items (explain
 * parses and writes a window of bounces on every core). The caller's thread works too;
 * the threads live as long as the set, so their thread-local caches do not pile up. */
#ifndef MXD_WORKERS_H
#define MXD_WORKERS_H

#include <stddef.h>

#define WORKERS_MAX 16	/* threads of one set, the caller's included */

struct workers;

/* fn's job on item i of arg's items; items must not share anything fn writes. */
typedef void workers_fn(void *arg, size_t i);

/* What a thread frees of its own (thread-local caches) before it ends. */
typedef void workers_end_fn(void);

/* n threads in all (the caller's one of them; n <= 1: the caller alone), each calling
 * at_end (may be NULL) when the set is freed. NULL when no thread could be started: the
 * items then run in the caller (workers_run(NULL, ...)). */
struct workers *workers_new(unsigned n, workers_end_fn *at_end);
void workers_free(struct workers *w);

/* Run fn on items 0..n_items-1, each once, spread over the set; returns when all are done.
 * w may be NULL: the caller runs them all in order. */
void workers_run(struct workers *w, workers_fn *fn, void *arg, size_t n_items);

/* The same in two steps, so that the caller can do other work while the threads run the
 * batch: workers_start() hands it to the threads and returns; workers_wait() (the same
 * fn, arg, n_items) joins in and returns when all are done. One batch at a time. */
void workers_start(struct workers *w, workers_fn *fn, void *arg, size_t n_items);
void workers_wait(struct workers *w, workers_fn *fn, void *arg, size_t n_items);

/* How many threads to use by default: the processors online, at most WORKERS_MAX. */
unsigned workers_default(void);

#endif
