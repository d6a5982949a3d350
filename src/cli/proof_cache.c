/* The proofs of an explain run by their inputs (proof_cache.h): a hash of keys, and a ring
 * of the entries in the order they came, so the oldest goes first when the cap is hit. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "port25_memo.h"
#include "proof_cache.h"
#include "report.h"
#include "xmalloc.h"

#define BUCKETS 2048

struct entry {
	char *key;
	struct proof_run run;
	struct entry *next;	/* hash chain */
};

struct proof_cache {
	struct entry *buckets[BUCKETS];
	struct entry *ring[PROOF_CACHE_MAX];	/* oldest at ring[head] once full */
	size_t n, head;
	size_t ran, reused, dropped;
	struct port25_memo *port25;
};

static unsigned
hash_key(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % BUCKETS;
}

struct proof_cache *
proof_cache_new(void)
{
	struct proof_cache *pc = xcalloc(1, sizeof(*pc));

	pc->port25 = port25_memo_new();
	return pc;
}

static void
entry_free(struct entry *e)
{
	report_free(e->run.findings);
	free(e->key);
	free(e);
}

void
proof_cache_free(struct proof_cache *pc)
{
	size_t i;

	if (pc == NULL)
		return;
	for (i = 0; i < pc->n; i++)
		entry_free(pc->ring[i]);
	port25_memo_free(pc->port25);
	free(pc);
}

struct port25_memo *
proof_cache_port25(struct proof_cache *pc)
{
	return pc->port25;
}

bool
proof_cache_has(const struct proof_cache *pc, const char *key)
{
	const struct entry *e;

	for (e = pc->buckets[hash_key(key)]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return true;
	return false;
}

const struct proof_run *
proof_cache_get(struct proof_cache *pc, const char *key)
{
	struct entry *e;

	for (e = pc->buckets[hash_key(key)]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0) {
			pc->reused++;
			return &e->run;
		}
	return NULL;
}

/* Take the oldest entry out of its chain and free it; its ring slot is reused. */
static void
evict_oldest(struct proof_cache *pc)
{
	struct entry *old = pc->ring[pc->head], **pp;

	for (pp = &pc->buckets[hash_key(old->key)]; *pp != old; pp = &(*pp)->next)
		;
	*pp = old->next;
	entry_free(old);
	pc->dropped++;
}

struct proof_run *
proof_cache_put(struct proof_cache *pc, const char *key, const struct report *rep,
    size_t first)
{
	struct entry *e = xcalloc(1, sizeof(*e));
	unsigned h = hash_key(key);
	size_t i;

	e->key = xstrdup(key);
	e->run.findings = report_new("proof", key);
	for (i = first; i < report_count(rep); i++)
		report_add_copy(e->run.findings, report_finding(rep, i));
	e->next = pc->buckets[h];
	pc->buckets[h] = e;
	if (pc->n < PROOF_CACHE_MAX) {
		pc->ring[pc->n++] = e;
	} else {
		evict_oldest(pc);
		pc->ring[pc->head] = e;
		pc->head = (pc->head + 1) % PROOF_CACHE_MAX;
	}
	pc->ran++;
	return &e->run;
}

void
proof_cache_counts(const struct proof_cache *pc, size_t *ran, size_t *reused, size_t *dropped)
{
	*ran = pc->ran;
	*reused = pc->reused;
	*dropped = pc->dropped;
}
