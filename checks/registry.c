/*
 * The only list of diagnoses, and the run that starts a set of them by name. Adding a
 * diagnosis: one file ending in its descriptor, one line here, one in its Makefile.inc.
 */
#include "config.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "command.h"
#include "facts.h"
#include "loop.h"
#include "xmalloc.h"

extern const struct check check_address;
extern const struct check check_dkim;
extern const struct check check_dane;
extern const struct check check_dmarc;
extern const struct check check_dmarc_align;
extern const struct check check_dnssec;
extern const struct check check_dnsbl;
extern const struct check check_domain;
extern const struct check check_helo;
extern const struct check check_inbound;
extern const struct check check_mta_sts;
extern const struct check check_mx;
extern const struct check check_mx_size;
extern const struct check check_mx_tls;
extern const struct check check_port25;
extern const struct check check_ptr;
extern const struct check check_relay;
extern const struct check check_smarthost;
extern const struct check check_spf_record;
extern const struct check check_spf_verdict;
extern const struct check check_tls_rpt;

/* In the order a checklist reads: the domain's DNS, then the line, the relays, the way in. */
const struct check *const checks[] = {
	&check_domain,
	&check_mx,
	&check_dnssec,
	&check_address,
	&check_ptr,
	&check_spf_record,
	&check_spf_verdict,
	&check_helo,
	&check_dmarc,
	&check_dmarc_align,
	&check_dkim,
	&check_dnsbl,
	&check_mta_sts,
	&check_tls_rpt,
	&check_dane,
	&check_port25,
	&check_smarthost,
	&check_inbound,
	&check_mx_size,
	&check_mx_tls,
	&check_relay,
	NULL,
};

#define RUN_MAX 32	/* diagnoses per run: the registry's size bounds it */

/* A diagnosis waiting for facts before it judges (check_await). */
struct await {
	unsigned facts;
	check_await_fn *cb;
	void *arg;
	struct loop_timer *timer;	/* armed once the facts are in */
};

struct check_run {
	struct check_facts facts;
	struct check_ctx ctxs[RUN_MAX];
	bool is_started[RUN_MAX], is_done[RUN_MAX];
	struct await awaits[RUN_MAX];
	size_t n;
};

const struct check *
checks_find(const char *name)
{
	size_t i;

	for (i = 0; checks[i] != NULL; i++)
		if (strcmp(checks[i]->name, name) == 0)
			return checks[i];
	return NULL;
}

bool
check_can_run(const struct check *c, const struct check_inputs *in)
{
	unsigned have = 0;

	if (in->domain != NULL)
		have |= CHECK_IN_DOMAIN;
	if (in->ip != NULL)
		have |= CHECK_IN_IP;
	if (in->helo != NULL)
		have |= CHECK_IN_HELO;
	if (in->port25 != NULL)
		have |= CHECK_IN_PORT25;
	if (in->smarthost != NULL)
		have |= CHECK_IN_SMARTHOSTS;
	if (in->inbound != NULL)
		have |= CHECK_IN_INBOUND;
	if (in->relay != NULL)
		have |= CHECK_IN_RELAY;
	if (in->sender_domain != NULL)
		have |= CHECK_IN_SENDER_DOMAIN;
	if (in->rcpt_domain != NULL)
		have |= CHECK_IN_RCPT_DOMAIN;
	if (in->auth != NULL)
		have |= CHECK_IN_AUTH;
	return (c->needs & ~have) == 0;
}

/* Whether another diagnosis of this run has still to publish one of facts for k. */
static bool
is_pending(const struct check_run *cr, size_t k, unsigned facts)
{
	size_t i;

	for (i = 0; i < cr->n; i++)
		if (i != k && !cr->is_done[i] && (cr->ctxs[i].self->publishes & facts) != 0)
			return true;
	return false;
}

static bool
is_waiting(const struct check_run *cr, size_t k)
{
	return is_pending(cr, k, cr->ctxs[k].self->reads);
}

static void
await_fire(void *arg)
{
	struct await *a = arg;
	check_await_fn *cb = a->cb;

	a->timer = NULL;
	a->cb = NULL;
	cb(a->arg);
}

/* Arm the waits whose facts are in; their callbacks run from the loop. */
static void
awaits_arm(struct check_run *cr)
{
	size_t i;

	for (i = 0; i < cr->n; i++) {
		struct await *a = &cr->awaits[i];

		if (a->cb != NULL && a->timer == NULL && !is_pending(cr, i, a->facts))
			a->timer = loop_timer_add(cr->ctxs[i].loop, 0, await_fire, a);
	}
}

void
check_await(struct check_ctx *ctx, unsigned facts, check_await_fn *cb, void *arg)
{
	struct check_run *cr = ctx->cr;
	struct await *a = &cr->awaits[ctx - cr->ctxs];

	assert(a->cb == NULL);
	a->facts = facts;
	a->cb = cb;
	a->arg = arg;
	awaits_arm(cr);
}

/* Start what is not waiting for a fact; a synchronous diagnosis is done once started. */
static void
start_ready(struct check_run *cr)
{
	bool again = true;
	size_t i;

	while (again) {
		again = false;
		for (i = 0; i < cr->n; i++) {
			const struct check *c = cr->ctxs[i].self;

			if (cr->is_started[i] || is_waiting(cr, i))
				continue;
			cr->is_started[i] = true;
			c->start(&cr->ctxs[i]);
			if (!c->is_async) {
				cr->is_done[i] = true;
				again = true;
			}
		}
	}
}

void
check_done(void *arg)
{
	struct check_ctx *ctx = arg;
	struct check_run *cr = ctx->cr;
	size_t k = (size_t)(ctx - cr->ctxs);

	assert(k < cr->n && cr->is_started[k] && !cr->is_done[k]);
	cr->is_done[k] = true;
	cr->facts.published |= ctx->self->publishes;
	awaits_arm(cr);
	start_ready(cr);
}

struct check_run *
checks_run(struct run_ctx *ctx, const struct check_inputs *in, const char *const *names,
    size_t n, bool sections, size_t *started)
{
	struct check_run *cr = xcalloc(1, sizeof(*cr));
	size_t i;

	for (i = 0; i < n && cr->n < RUN_MAX; i++) {
		const struct check *c = checks_find(names[i]);
		struct check_ctx *cc;

		/* Names come from the program itself and kb.json, which is checked at load. */
		assert(c != NULL);
		if (c == NULL || !check_can_run(c, in))
			continue;
		cc = &cr->ctxs[cr->n++];
		cc->run = ctx;
		cc->loop = ctx->loop;
		cc->dns = ctx->dns;
		cc->rep = ctx->rep;
		cc->domain = in->domain;
		cc->ip = in->ip;
		cc->helo = in->helo;
		cc->group = sections ? c->section : NULL;
		cc->in = in;
		cc->facts = &cr->facts;
		cc->self = c;
		cc->cr = cr;
	}
	if (started != NULL)
		*started = cr->n;
	start_ready(cr);
	return cr;
}

const struct check_facts *
check_run_facts(const struct check_run *cr)
{
	return &cr->facts;
}

void
check_run_free(struct check_run *cr)
{
	size_t i;

	if (cr == NULL)
		return;
	for (i = 0; i < cr->n; i++)
		if (cr->awaits[i].timer != NULL)
			loop_timer_cancel(cr->ctxs[i].loop, cr->awaits[i].timer);
	check_facts_fini(&cr->facts);
	free(cr);
}
