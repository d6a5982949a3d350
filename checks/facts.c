/* The facts of a run: published by diagnoses, read by later ones (facts.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "facts.h"
#include "loop.h"
#include "probe.h"
#include "smtp.h"
#include "tls_judge.h"
#include "xmalloc.h"

struct mx_waiter {
	struct mx_waiter *next;
	struct check_ctx *ctx;
	check_mx_fn *cb;
};

/* Answer everyone who asked, in the order they asked. */
static void
drain(void *arg)
{
	struct check_facts *facts = arg;
	struct mx_waiter *w = facts->mx_waiters, *rev = NULL, *next;

	facts->drain_timer = NULL;
	facts->mx_waiters = NULL;
	for (; w != NULL; w = next) {
		next = w->next;
		w->next = rev;
		rev = w;
	}
	for (w = rev; w != NULL; w = next) {
		next = w->next;
		w->cb(w->ctx, facts->mx);
		free(w);
	}
}

static void
on_mx(struct probe_mx *mx, void *arg)
{
	struct check_facts *facts = arg;

	facts->mx = mx;
	facts->published |= CHECK_FACT_MX;
	drain(facts);
}

int
check_fact_mx(struct check_ctx *ctx, check_mx_fn *cb)
{
	struct check_facts *facts = ctx->facts;
	struct mx_waiter *w;
	int rc;

	facts->loop = ctx->loop;
	if (!facts->is_mx_asked) {
		rc = probe_resolve_mx_hosts(ctx->dns, ctx->domain, on_mx, facts);
		if (rc != 0)
			return rc;
		facts->is_mx_asked = true;
	}
	/* Answered already, or still on its way: either way cb comes later, from the loop,
	 * so a caller never sees its callback run inside its own call. */
	w = xcalloc(1, sizeof(*w));
	w->ctx = ctx;
	w->cb = cb;
	w->next = facts->mx_waiters;
	facts->mx_waiters = w;
	if (facts->mx != NULL && facts->drain_timer == NULL)
		facts->drain_timer = loop_timer_add(facts->loop, 0, drain, facts);
	return 0;
}

void
check_fact_port25(struct check_facts *facts, bool is_v6, enum port25_state state,
    bool is_proven, const char *how, const char *banner)
{
	struct port25_fact *p = &facts->port25[is_v6 ? 1 : 0];

	p->state = state;
	p->is_proven = is_proven;
	snprintf(p->how, sizeof(p->how), "%s", how != NULL ? how : "");
	snprintf(p->banner, sizeof(p->banner), "%s", banner != NULL ? banner : "");
}

void
check_fact_relay(struct check_facts *facts, const struct relay_fact *relay)
{
	if (facts->relays == NULL)
		facts->relays = xcalloc(RELAY_FACT_MAX, sizeof(*facts->relays));
	if (facts->nrelays < RELAY_FACT_MAX)
		facts->relays[facts->nrelays++] = *relay;
}

void
check_fact_add_mx_tls(struct check_facts *facts, const char *host, const char *addr,
    const struct vantage_why *vantage, struct smtp_result *res)
{
	struct mx_tls_fact *m;

	if (facts->nmx_tls == MX_TLS_FACT_MAX) {
		smtp_result_free(res);
		return;
	}
	if (facts->mx_tls == NULL)
		facts->mx_tls = xcalloc(MX_TLS_FACT_MAX, sizeof(*facts->mx_tls));
	m = &facts->mx_tls[facts->nmx_tls++];
	snprintf(m->host, sizeof(m->host), "%s", host);
	snprintf(m->addr, sizeof(m->addr), "%s", addr);
	m->vantage = *vantage;
	m->tls_problems = tls_judge(res, 0);
	m->res = res;
}

const struct mx_tls_fact *
check_fact_mx_tls(const struct check_facts *facts, const char *host)
{
	size_t i;

	for (i = 0; i < facts->nmx_tls; i++)
		if (strcmp(facts->mx_tls[i].host, host) == 0)
			return &facts->mx_tls[i];
	return NULL;
}

const struct relay_fact *
check_fact_best_relay(const struct check_facts *facts)
{
	size_t i;

	for (i = 0; i < facts->nrelays; i++)
		if (facts->relays[i].works)
			return &facts->relays[i];
	return NULL;
}

const char *
port25_state_name(enum port25_state state)
{
	switch (state) {
	case PORT25_OPEN: return "open";
	case PORT25_BLOCKED: return "blocked";
	case PORT25_INTERCEPTED: return "intercepted";
	case PORT25_UNDECIDED: return "undecided";
	case PORT25_UNMEASURED: break;
	}
	return "unmeasured";
}

void
check_facts_fini(struct check_facts *facts)
{
	struct mx_waiter *w, *next;
	size_t i;

	if (facts->drain_timer != NULL)
		loop_timer_cancel(facts->loop, facts->drain_timer);
	facts->drain_timer = NULL;
	for (w = facts->mx_waiters; w != NULL; w = next) {
		next = w->next;
		free(w);
	}
	for (i = 0; i < facts->nmx_tls; i++)
		smtp_result_free(facts->mx_tls[i].res);
	facts->nmx_tls = 0;
	free(facts->mx_tls);
	facts->mx_tls = NULL;
	free(facts->relays);
	facts->relays = NULL;
	facts->nrelays = 0;
	if (facts->mx != NULL)
		probe_mx_free(facts->mx);
	facts->mx = NULL;
	facts->mx_waiters = NULL;
}
