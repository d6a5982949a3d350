/*
 * DNS blocklists (RFC 5782): the sending address (--ip, or on a relayed path the relay's
 * outbound addresses, the relays fact) against the address lists of data/dnsbl.json, the
 * HELO name and the domain against its domain lists. A zone is trusted only once its test
 * points answer as RFC 5782 5 says (127.0.0.2 listed, 127.0.0.1 not; TEST and INVALID for
 * domains); error answers (Spamhaus's 127.255.255.x) are UNKNOWN, never "listed"; a zone
 * that fails is UNKNOWN for that zone alone.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dns.h"
#include "dnsbl_list.h"
#include "facts.h"
#include "i18n.h"
#include "report.h"
#include "validate.h"
#include "xmalloc.h"

enum kind { K_V4, K_V6, K_DOMAIN };

#define SUBJECTS_MAX (RELAY_FACT_ADDRS + 2)
#define ANSWER_ADDRS 8
#define SLOT_LISTED (-1)	/* the test point that must be listed */
#define SLOT_UNLISTED (-2)	/* the one that must not */

struct subject {
	char name[256];
	enum kind kind;
	bool is_listed;
	size_t nclean;
	char clean[512];	/* the zones that do not list it, comma-separated */
};

struct dnsbl_run {
	struct check_ctx *ctx;
	struct dnsbl_list list;
	struct subject subj[SUBJECTS_MAX];
	size_t nsubj, pending;
	const struct relay_fact *relay;	/* the addresses are this relay's, or NULL */
	json_t *retired;		/* zones named but not queried */
	bool is_domain_deferred;	/* the names wait with the addresses (no --ip) */
};

/* One zone asked about the subjects of one kind, with its two test points. */
struct group {
	struct dnsbl_run *run;
	const struct dnsbl_zone *z;
	enum kind kind;
	size_t pending;
	struct dns_answer listed, unlisted;
	struct dns_answer ans[SUBJECTS_MAX];	/* qname NULL: not asked */
};

struct query {
	struct group *g;
	int slot;	/* a subject, or SLOT_LISTED / SLOT_UNLISTED */
};

/* The name to ask: reversed address or domain, then the zone (RFC 5782 2.1, 2.4, 3). */
static char *
query_name(const char *subject, enum kind kind, const char *zone)
{
	char *rev, *cut, *name;

	if (kind == K_DOMAIN)
		return xasprintf("%s.%s", subject, zone);
	rev = dns_reverse_name(subject);
	if (rev == NULL)
		return NULL;
	cut = strstr(rev, kind == K_V4 ? ".in-addr.arpa" : ".ip6.arpa");
	if (cut != NULL)
		*cut = '\0';
	name = xasprintf("%s.%s", rev, zone);
	free(rev);
	return name;
}

static int
cmp_addr(const void *a, const void *b)
{
	struct in_addr x, y;

	if (inet_pton(AF_INET, a, &x) != 1 || inet_pton(AF_INET, b, &y) != 1)
		return strcmp(a, b);
	return ntohl(x.s_addr) < ntohl(y.s_addr) ? -1 : ntohl(x.s_addr) > ntohl(y.s_addr);
}

/* The A records of an answer as text, lowest first; returns how many. */
static size_t
answer_addrs(const struct dns_answer *ans, char addrs[][46], size_t max)
{
	const ldns_rr *rrs[ANSWER_ADDRS];
	size_t n, i, k = 0;

	if (ans->qname == NULL || ans->status != DNS_OK)
		return 0;
	n = dns_answer_rrs(ans, LDNS_RR_TYPE_A, rrs, ANSWER_ADDRS);
	for (i = 0; i < n && k < max; i++) {
		char *a = dns_rdf_addr(ldns_rr_rdf(rrs[i], 0));

		if (a != NULL)
			snprintf(addrs[k++], 46, "%s", a);
		free(a);
	}
	qsort(addrs, k, sizeof(addrs[0]), cmp_addr);
	return k;
}

static bool
is_error_code(const struct dnsbl_zone *z, const char *a)
{
	/* Spamhaus answers errors in 127.255.255.0/24; a list may name others. */
	return dnsbl_meaning(z->errors, a) != NULL || strncmp(a, "127.255.255.", 12) == 0;
}

static bool
is_loopback_code(const char *a)
{
	return strncmp(a, "127.", 4) == 0;
}

static struct finding *
zone_finding(struct group *g, const char *id, const struct dns_answer *ans)
{
	struct finding *f = check_add(g->run->ctx, id, ST_UNKNOWN, g->z->zone);

	finding_data(f, "zone", json_string(g->z->zone));
	if (ans != NULL && ans->qname != NULL)
		finding_dns(f, ans);
	finding_ref(f, "RFC 5782 section 5");
	return f;
}

/* An error answer anywhere in the group: the zone refused to answer. */
static bool
judge_errors(struct group *g)
{
	char addrs[ANSWER_ADDRS][46];
	const struct dns_answer *all[SUBJECTS_MAX + 2];
	size_t n = 0, i, k, na;
	const char *why;
	struct finding *f;

	all[n++] = &g->listed;
	all[n++] = &g->unlisted;
	for (i = 0; i < g->run->nsubj; i++)
		all[n++] = &g->ans[i];
	for (i = 0; i < n; i++) {
		na = answer_addrs(all[i], addrs, ANSWER_ADDRS);
		for (k = 0; k < na; k++) {
			if (!is_error_code(g->z, addrs[k]))
				continue;
			why = dnsbl_meaning(g->z->errors, addrs[k]);
			f = zone_finding(g, "dnsbl.error-answer", all[i]);
			finding_msg(f, _("%s (%s) answered %s, an error code, not a listing: %s. "
			    "Nothing is known about this zone's listings."), g->z->name, g->z->zone,
			    addrs[k], why != NULL ? why : _("the list refused the query"));
			finding_fix(f, _("Query the list through your own recursive resolver (not "
			    "a public one such as 8.8.8.8 or 1.1.1.1), within the list's terms: %s"),
			    g->z->terms != NULL ? g->z->terms : "-");
			finding_data(f, "answer", json_string(addrs[k]));
			if (why != NULL)
				finding_data(f, "reason", json_string(why));
			return true;
		}
	}
	return false;
}

/* RFC 5782 5: the test points decide whether the zone's answers mean anything. */
static bool
judge_test_points(struct group *g)
{
	struct check_ctx *ctx = g->run->ctx;
	char addrs[ANSWER_ADDRS][46];
	const struct dns_answer *bad = NULL;
	const char *what = NULL;
	struct finding *f;
	size_t i, k, na;

	if (check_dns_failed(ctx, &g->listed, _("the blocklist zone")) ||
	    check_dns_failed(ctx, &g->unlisted, _("the blocklist zone")))
		return false;
	if (g->listed.status != DNS_OK) {
		bad = &g->listed;
		what = _("does not list its test point, which every working list lists: the "
		    "zone is gone, or the resolver does not reach it");
	} else if (g->unlisted.status == DNS_OK) {
		bad = &g->unlisted;
		what = _("lists the test point that no list may list: it answers \"listed\" for "
		    "everything (a zone shut down that way, or a resolver rewriting answers)");
	}
	for (i = 0; bad == NULL && i < g->run->nsubj + 1; i++) {
		const struct dns_answer *a = i == 0 ? &g->listed : &g->ans[i - 1];

		na = answer_addrs(a, addrs, ANSWER_ADDRS);
		for (k = 0; k < na && bad == NULL; k++)
			if (!is_loopback_code(addrs[k])) {
				bad = a;
				what = _("answers with an address outside 127.0.0.0/8 (a resolver that "
				    "rewrites NXDOMAIN answers?)");
			}
	}
	if (bad == NULL)
		return true;
	f = zone_finding(g, "dnsbl.zone-broken", bad);
	finding_msg(f, _("Blocklist %s (%s) %s; its answers are not trusted."), g->z->name,
	    g->z->zone, what);
	finding_fix(f, _("Check the list's status on its web site and that the resolver "
	    "(--resolver) answers it; remove retired lists from the zone list."));
	finding_data(f, "test_point", json_string(bad->qname));
	return false;
}

static void finish(struct dnsbl_run *run);

/* A listing waiting for its TXT record, the list's reason (RFC 5782 2.1). */
struct listed_q {
	struct dnsbl_run *run;
	const struct dnsbl_zone *z;
	struct subject *s;
	struct dns_answer a;	/* the A answer: its pointers stay in the run's cache */
};

static void
subject_listed(struct dnsbl_run *run, const struct dnsbl_zone *z, struct subject *s,
    const struct dns_answer *ans, const char *reason)
{
	char addrs[ANSWER_ADDRS][46], codes[512];
	size_t na = answer_addrs(ans, addrs, ANSWER_ADDRS), i, off = 0;
	json_t *list = json_array();
	struct finding *f;

	codes[0] = '\0';
	for (i = 0; i < na && off < sizeof(codes); i++) {
		const char *m = dnsbl_meaning(z->codes, addrs[i]);
		json_t *c = json_pack("{s:s}", "code", addrs[i]);

		if (m != NULL)
			json_object_set_new(c, "meaning", json_string(m));
		json_array_append_new(list, c);
		/* the meaning is the list's own words (data/dnsbl.json): quoted */
		off += (size_t)snprintf(codes + off, sizeof(codes) - off, "%s%s%s%s%s",
		    i > 0 ? ", " : "", addrs[i], m != NULL ? " \"" : "", m != NULL ? m : "",
		    m != NULL ? "\"" : "");
	}
	s->is_listed = true;
	f = check_add(run->ctx, "dnsbl.listed", ST_FAIL, s->name);
	if (s->kind == K_DOMAIN)
		finding_msg(f, _("%s is listed on %s (%s): %s. Receivers that use this list "
		    "reject or junk mail naming it."), s->name, z->name, z->zone, codes);
	else if (run->relay != NULL)
		finding_msg(f, _("%s, the outbound address of relay %s, is listed on %s (%s): "
		    "%s. Receivers that use this list reject its mail (\"554 5.7.1 Service "
		    "unavailable; Client host [%s] blocked using %s\")."), s->name,
		    run->relay->host, z->name, z->zone, codes, s->name, z->zone);
	else
		finding_msg(f, _("The sending address %s is listed on %s (%s): %s. Receivers "
		    "that use this list reject its mail (\"554 5.7.1 Service unavailable; "
		    "Client host [%s] blocked using %s\")."), s->name, z->name, z->zone,
		    codes, s->name, z->zone);
	finding_fix(f, _("Find and stop the cause first (an infected host, a compromised "
	    "account, an open relay), then ask the list to delist it (its lookup page gives the "
	    "reason). A policy listing of an end-user range (Spamhaus PBL) means: send through "
	    "the provider's relay instead of directly."));
	finding_data(f, "zone", json_string(z->zone));
	finding_data(f, "list", json_string(z->name));
	finding_data(f, "codes", list);
	if (na > 0)
		finding_data(f, "code", json_string(addrs[0]));
	if (reason != NULL) {
		finding_data(f, "reason", json_string(reason));
		finding_evidence(f, "%s TXT \"%s\"", ans->qname, reason);
	}
	finding_dns(f, ans);
	finding_ref(f, "RFC 5782 section 2.1");
}

static void
on_reason(const struct dns_answer *ans, void *arg)
{
	struct listed_q *q = arg;
	struct dnsbl_run *run = q->run;
	const ldns_rr *rr[1];
	char *txt = NULL;

	/* The reason is a courtesy of the list: without one the listing stands. */
	if (ans->status == DNS_OK && dns_answer_rrs(ans, LDNS_RR_TYPE_TXT, rr, 1) == 1)
		txt = dns_rr_txt_joined(rr[0], 512);
	subject_listed(run, q->z, q->s, &q->a, txt);
	free(txt);
	free(q);
	if (--run->pending == 0)
		finish(run);
}

static void
ask_reason(struct group *g, struct subject *s, const struct dns_answer *a)
{
	struct dnsbl_run *run = g->run;
	struct listed_q *q = xcalloc(1, sizeof(*q));

	s->is_listed = true;
	q->run = run;
	q->z = g->z;
	q->s = s;
	q->a = *a;
	run->pending++;
	if (dns_query(run->ctx->dns, a->qname, LDNS_RR_TYPE_TXT, a->depth, on_reason, q) < 0) {
		run->pending--;
		subject_listed(run, g->z, s, a, NULL);
		free(q);
	}
}

static void
judge_group(struct group *g)
{
	struct dnsbl_run *run = g->run;
	size_t i;

	if (judge_errors(g) || !judge_test_points(g))
		return;
	for (i = 0; i < run->nsubj; i++) {
		struct subject *s = &run->subj[i];
		const struct dns_answer *a = &g->ans[i];

		if (a->qname == NULL)
			continue;
		if (check_dns_failed(run->ctx, a, _("the blocklist")))
			continue;
		if (a->status == DNS_OK) {
			ask_reason(g, s, a);
			continue;
		}
		/* RFC 5782 2.1: NXDOMAIN (or no A record) is "not listed". */
		snprintf(s->clean + strlen(s->clean), sizeof(s->clean) - strlen(s->clean),
		    "%s%s", s->nclean > 0 ? ", " : "", g->z->zone);
		s->nclean++;
	}
}

static void
finish(struct dnsbl_run *run)
{
	struct finding *f;
	size_t i, pass;

	/* The addresses first, then the names (which are known, and asked, first). */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < run->nsubj; i++) {
			struct subject *s = &run->subj[i];

			if ((s->kind == K_DOMAIN) != (pass == 1) || s->is_listed || s->nclean == 0)
				continue;
			f = check_add(run->ctx, "dnsbl.not-listed", ST_OK, s->name);
			finding_msg(f, ngettext("%s is not on the %zu blocklist that answered (%s).",
			    "%s is on none of the %zu blocklists that answered (%s).", s->nclean),
			    s->name, s->nclean, s->clean);
			finding_data(f, "zones", json_string(s->clean));
			if (json_array_size(run->retired) > 0)
				finding_data(f, "retired_not_queried", json_incref(run->retired));
			finding_ref(f, "RFC 5782 section 2.1");
		}
	}
	json_decref(run->retired);
	dnsbl_list_fini(&run->list);
	free(run);
}

static void
on_answer(const struct dns_answer *ans, void *arg)
{
	struct query *q = arg;
	struct group *g = q->g;
	struct dnsbl_run *run = g->run;

	if (q->slot == SLOT_LISTED)
		g->listed = *ans;
	else if (q->slot == SLOT_UNLISTED)
		g->unlisted = *ans;
	else
		g->ans[q->slot] = *ans;
	free(q);
	if (--g->pending > 0)
		return;
	judge_group(g);
	free(g);
	if (--run->pending == 0)
		finish(run);
}

static void
ask(struct group *g, const char *name, int slot)
{
	struct query *q;

	if (name == NULL)
		return;
	q = xcalloc(1, sizeof(*q));
	q->g = g;
	q->slot = slot;
	g->pending++;
	if (dns_query(g->run->ctx->dns, name, LDNS_RR_TYPE_A, 0, on_answer, q) < 0) {
		g->pending--;
		free(q);
	}
}

/* Queue one zone's questions about the subjects of kind. */
static void
start_group(struct dnsbl_run *run, const struct dnsbl_zone *z, enum kind kind)
{
	struct group *g = xcalloc(1, sizeof(*g));
	char *name;
	size_t i;

	g->run = run;
	g->z = z;
	g->kind = kind;
	g->pending = 1;	/* held while queueing */
	run->pending++;
	for (i = 0; i < run->nsubj; i++) {
		if (run->subj[i].kind != kind)
			continue;
		name = query_name(run->subj[i].name, kind, z->zone);
		ask(g, name, (int)i);
		free(name);
	}
	/* RFC 5782 5: 127.0.0.2 (::FFFF:7F00:2) listed, 127.0.0.1 (::FFFF:7F00:1) not. */
	name = query_name(kind == K_DOMAIN ? z->test_listed : kind == K_V4 ? "127.0.0.2" :
	    "::ffff:7f00:2", kind, z->zone);
	ask(g, name, SLOT_LISTED);
	free(name);
	name = query_name(kind == K_DOMAIN ? z->test_unlisted : kind == K_V4 ? "127.0.0.1" :
	    "::ffff:7f00:1", kind, z->zone);
	ask(g, name, SLOT_UNLISTED);
	free(name);
	if (--g->pending == 0) {
		judge_group(g);
		free(g);
		run->pending--;
	}
}

static void
add_subject(struct dnsbl_run *run, const char *name, enum kind kind)
{
	size_t i;

	if (name == NULL || run->nsubj == SUBJECTS_MAX)
		return;
	for (i = 0; i < run->nsubj; i++)
		if (strcmp(run->subj[i].name, name) == 0)
			return;
	snprintf(run->subj[run->nsubj].name, sizeof(run->subj[0].name), "%s", name);
	run->subj[run->nsubj].kind = kind;
	run->nsubj++;
}

static void
add_address(struct dnsbl_run *run, const char *ip)
{
	int fam = 0;

	if (ip != NULL && validate_ip(ip, &fam) == 0)
		add_subject(run, ip, fam == AF_INET6 ? K_V6 : K_V4);
}

/* Queue the zones' questions about the subjects of the kinds in kinds (one bit per kind). */
static void
start_groups(struct dnsbl_run *run, unsigned kinds)
{
	bool has_kind[3] = { false, false, false };
	size_t i;

	for (i = 0; i < run->nsubj; i++)
		has_kind[run->subj[i].kind] = (kinds & (1u << run->subj[i].kind)) != 0;
	for (i = 0; i < run->list.n; i++) {
		const struct dnsbl_zone *z = &run->list.v[i];

		if (z->retired != NULL)
			continue;
		if (z->is_domain) {
			if (has_kind[K_DOMAIN])
				start_group(run, z, K_DOMAIN);
		} else {
			if (has_kind[K_V4])
				start_group(run, z, K_V4);
			if (has_kind[K_V6] && z->has_ipv6)
				start_group(run, z, K_V6);
		}
	}
}

/* The addresses, once smarthost (if it runs) has said whether mail is relayed: the
 * relay's outbound addresses then, else --ip. */
static void
on_relays(void *arg)
{
	struct dnsbl_run *run = arg;
	const struct relay_fact *relay = check_fact_best_relay(run->ctx->facts);
	size_t i;

	if (relay != NULL && relay->naddrs > 0) {
		run->relay = relay;
		for (i = 0; i < relay->naddrs; i++)
			add_address(run, relay->addrs[i]);
	} else {
		add_address(run, run->ctx->ip);
	}
	start_groups(run, 1u << K_V4 | 1u << K_V6 |
	    (run->is_domain_deferred ? 1u << K_DOMAIN : 0));
	if (--run->pending == 0)
		finish(run);
}

/* The run with its zone list and the names to ask about, or NULL after dnsbl.list-error. */
static struct dnsbl_run *
run_new(struct check_ctx *ctx)
{
	const char *path = ctx->in->dnsbl_zones;
	struct dnsbl_run *run = xcalloc(1, sizeof(*run));
	struct finding *f;
	char err[512];
	size_t i;

	run->ctx = ctx;
	if (path == NULL)
		path = dnsbl_list_default_path();
	if (dnsbl_list_load(&run->list, path, err, sizeof(err)) < 0) {
		f = check_add(ctx, "dnsbl.list-error", ST_UNKNOWN, path);
		finding_msg(f, _("Could not read the blocklist zone list: %s."), err);
		finding_fix(f, _("Give a valid list with --dnsbl-zones FILE (the format of "
		    "data/dnsbl.json)."));
		free(run);
		return NULL;
	}
	if (ctx->helo != NULL && validate_ip(ctx->helo, NULL) != 0 && ctx->helo[0] != '[')
		add_subject(run, ctx->helo, K_DOMAIN);
	add_subject(run, ctx->domain, K_DOMAIN);
	run->retired = json_array();
	/* Retired lists (SORBS since June 2024) are named, never asked. */
	for (i = 0; i < run->list.n; i++)
		if (run->list.v[i].retired != NULL)
			json_array_append_new(run->retired, json_string(run->list.v[i].zone));
	return run;
}

/* No --ip: only a relay gives a sender address. Reputation belongs to a sender: without
 * an address there is none to judge, and nothing is asked. */
static void
on_late_start(void *arg)
{
	struct check_ctx *ctx = arg;
	const struct relay_fact *relay = check_fact_best_relay(ctx->facts);
	struct dnsbl_run *run;

	if (relay == NULL || relay->naddrs == 0)
		return;
	run = run_new(ctx);
	if (run == NULL)
		return;
	run->is_domain_deferred = true;
	run->pending = 1;	/* held while queueing */
	on_relays(run);
}

/* With --ip there is a sender whichever way mail leaves: the names are asked at once, the
 * addresses when the smarthost sessions have said whose they are. */
static void
dnsbl_start(struct check_ctx *ctx)
{
	struct dnsbl_run *run;

	if (ctx->ip == NULL) {
		check_await(ctx, CHECK_FACT_RELAYS, on_late_start, ctx);
		return;
	}
	run = run_new(ctx);
	if (run == NULL)
		return;
	run->pending = 2;	/* held while queueing, and until the addresses are known */
	start_groups(run, 1u << K_DOMAIN);
	check_await(ctx, CHECK_FACT_RELAYS, on_relays, run);
	if (--run->pending == 0)
		finish(run);
}

const struct check check_dnsbl = {
	.name = "dnsbl",
	.section = "outbound",
	.needs = CHECK_IN_DOMAIN,
	.awaits = CHECK_FACT_RELAYS,	/* on a relayed path, the relay's addresses */
	.start = dnsbl_start,
};
