/* SPF record analysis (no evaluation): the published record of the domain and everything it
 * includes or redirects to, checked against RFC 7208 syntax and processing limits. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "dns.h"
#include "i18n.h"
#include "report.h"
#include "spf_limits.h"
#include "spf_parse.h"
#include "spf_terms.h"
#include "xmalloc.h"

/* The limits are the evaluator's (spf_limits.h); this one only bounds the walk itself. */
#define SPF_MAX_RECORDS 40	/* records fetched through includes: bounds a hostile tree */

struct spf_walk;

/* One record to fetch: the domain and the chain of includes that led to it. */
struct spf_node {
	struct spf_walk *walk;
	char *domain;
	char *via;		/* the term that led here ("include:x"), NULL for the root */
	struct spf_node *parent;
	unsigned depth;
	int refs;		/* the node and its pending void probes */
};

struct spf_walk {
	struct check_ctx *ctx;
	int pending;
	unsigned dns_terms;
	unsigned voids;
	unsigned records;
	char void_terms[512];
	size_t void_len;
	bool is_unknown;
	char *root_record;
};

struct void_probe {
	struct spf_node *node;
	char *term;
	int pending;
	bool has_data;
};

static void walk_fetch(struct spf_walk *w, const char *domain, const char *via,
    struct spf_node *parent, unsigned depth);

static void
node_release(struct spf_node *n)
{
	while (n != NULL && --n->refs == 0) {
		struct spf_node *parent = n->parent;

		free(n->domain);
		free(n->via);
		free(n);
		n = parent;
	}
}

static void
walk_finish(struct spf_walk *w)
{
	struct check_ctx *ctx = w->ctx;
	struct finding *f;

	if (w->root_record != NULL && !w->is_unknown) {
		if (w->dns_terms > SPF_LOOKUP_LIMIT) {
			f = check_add(ctx, "spf.lookup-limit", ST_FAIL, ctx->domain);
			finding_msg(f, _("The SPF record of %s needs %u DNS-querying terms counted "
			    "through its includes and redirects; the limit is %d, so receivers "
			    "return permerror and treat the mail as unauthenticated."), ctx->domain,
			    w->dns_terms, SPF_LOOKUP_LIMIT);
			finding_fix(f, _("Replace includes that are no longer used, or list the "
			    "senders' addresses with ip4:/ip6: instead of a, mx and nested includes."));
			finding_ref(f, "RFC 7208 section 4.6.4");
		} else {
			f = check_add(ctx, "spf.lookups", ST_OK, ctx->domain);
			finding_msg(f, _("The SPF record of %s uses %u of the %d DNS-querying terms "
			    "allowed."), ctx->domain, w->dns_terms, SPF_LOOKUP_LIMIT);
			finding_ref(f, "RFC 7208 section 4.6.4");
		}
		finding_data(f, "dns_terms", json_integer(w->dns_terms));
		if (w->voids > SPF_VOID_LIMIT) {
			f = check_add(ctx, "spf.void-limit", ST_FAIL, ctx->domain);
			finding_msg(f, _("The SPF record of %s causes %u void look-ups (names without "
			    "any answer): %s. More than %d make receivers return permerror."),
			    ctx->domain, w->voids, w->void_terms, SPF_VOID_LIMIT);
			finding_fix(f, _("Remove the terms that name hosts or domains without "
			    "records."));
			finding_ref(f, "RFC 7208 section 4.6.4");
			finding_data(f, "void_lookups", json_integer(w->voids));
		}
	}
	free(w->root_record);
	free(w);
}

static void
walk_done_one(struct spf_walk *w)
{
	if (--w->pending == 0)
		walk_finish(w);
}

static struct finding *
problem(struct spf_node *n, const char *id, enum status st)
{
	return spf_terms_problem(n->walk->ctx, n->domain, n->via, id, st);
}

static void
on_void_answer(const struct dns_answer *ans, void *arg)
{
	struct void_probe *vp = arg;
	struct spf_walk *w = vp->node->walk;

	if (check_dns_failed(w->ctx, ans, _("an SPF term's target")))
		w->is_unknown = true;
	if (ans->status == DNS_OK)
		vp->has_data = true;
	if (--vp->pending > 0)
		return;
	/* RFC 7208 4.6.4: a look-up with no answer (NXDOMAIN or no records) is void. */
	if (!vp->has_data && !w->is_unknown) {
		int k;

		w->voids++;
		k = snprintf(w->void_terms + w->void_len, sizeof(w->void_terms) - w->void_len,
		    "%s\"%s\" in %s", w->void_len ? ", " : "", vp->term, vp->node->domain);
		if (k > 0 && (size_t)k < sizeof(w->void_terms) - w->void_len)
			w->void_len += (size_t)k;
	}
	node_release(vp->node);
	free(vp->term);
	free(vp);
	walk_done_one(w);
}

/* What a DNS mechanism asks for its target (RFC 7208 5.3, 5.4, 5.7). */
enum void_kind { VOID_ADDR, VOID_MX, VOID_EXISTS };

/* a, mx and exists look up a name; count it void when nothing comes back. */
static void
probe_void(struct spf_node *n, const char *term, const char *name, enum void_kind kind,
    unsigned depth)
{
	struct void_probe *vp = xcalloc(1, sizeof(*vp));
	struct spf_walk *w = n->walk;

	vp->node = n;
	vp->term = xstrdup(term);
	n->refs++;
	w->pending++;
	vp->pending = kind == VOID_ADDR ? 2 : 1;
	if (kind != VOID_ADDR) {
		/* exists always asks A, whatever the client's address family (RFC 7208 5.7). */
		if (dns_query(w->ctx->dns, name, kind == VOID_MX ? LDNS_RR_TYPE_MX : LDNS_RR_TYPE_A,
		    depth, on_void_answer, vp) < 0)
			vp->pending--;
	} else {
		if (dns_query(w->ctx->dns, name, LDNS_RR_TYPE_A, depth, on_void_answer, vp) < 0)
			vp->pending--;
		if (dns_query(w->ctx->dns, name, LDNS_RR_TYPE_AAAA, depth, on_void_answer, vp) < 0)
			vp->pending--;
	}
	if (vp->pending == 0) {
		node_release(n);
		free(vp->term);
		free(vp);
		walk_done_one(w);
	}
}

static bool
is_ancestor(const struct spf_node *n, const char *domain)
{
	for (; n != NULL; n = n->parent)
		if (strcasecmp(n->domain, domain) == 0)
			return true;
	return false;
}

/* The terms of n's record: their findings, then the look-ups they ask for. */
static void
analyse_record(struct spf_node *n, const char *rec, size_t len)
{
	struct spf_walk *w = n->walk;
	struct spf_analysis a;
	size_t i;

	spf_terms_analyse(w->ctx, n->domain, n->via, rec, len, &a);
	w->dns_terms += a.dns_terms;
	for (i = 0; i < a.n_follow; i++) {
		const struct spf_follow *fo = &a.follow[i];

		if (fo->kind == SPF_FOLLOW_INCLUDE || fo->kind == SPF_FOLLOW_REDIRECT)
			walk_fetch(w, fo->target, fo->term, n, n->depth + 1);
		else
			probe_void(n, fo->term, fo->target, fo->kind == SPF_FOLLOW_MX ? VOID_MX :
			    fo->kind == SPF_FOLLOW_EXISTS ? VOID_EXISTS : VOID_ADDR, n->depth + 1);
	}
	spf_analysis_fini(&a);
}

static void
on_txt(const struct dns_answer *ans, void *arg)
{
	struct spf_node *n = arg;
	struct spf_walk *w = n->walk;
	const ldns_rr *rrs[SPF_RRS_MAX];
	size_t count, i, nspf = 0, strings = 0;
	char *rec = NULL;
	size_t rec_len = 0;
	struct finding *f;
	bool is_root = n->parent == NULL;

	if (check_dns_failed(w->ctx, ans, _("the SPF record"))) {
		w->is_unknown = true;
		goto out;
	}
	count = dns_answer_rrs(ans, LDNS_RR_TYPE_TXT, rrs, SPF_RRS_MAX);
	for (i = 0; i < count; i++) {
		size_t len;
		/* every byte, as the evaluator sees it (spf_dns.c): a NUL is a syntax error */
		char *txt = dns_rr_txt_join(rrs[i], SIZE_MAX, &len);

		if (txt != NULL && spf_is_spf1(txt, len)) {
			nspf++;
			if (rec == NULL) {
				rec = txt;
				rec_len = len;
				strings = ldns_rr_rd_count(rrs[i]);
				continue;
			}
		}
		free(txt);
	}
	if (is_root && ans->status == DNS_NXDOMAIN)
		goto out;	/* domain.not-found says it */
	if (nspf == 0) {
		if (is_root) {
			f = problem(n, "spf.missing", ST_WARN);
			finding_msg(f, _("%s publishes no SPF record. Receivers cannot tell its "
			    "servers from forgers; Gmail and others junk or reject such mail."),
			    n->domain);
			finding_fix(f, _("Publish a TXT record at %s listing the sending servers, "
			    "e.g. \"v=spf1 mx ip4:SENDING-IP -all\" (add include: for a provider "
			    "that sends for you)."), n->domain);
			finding_ref(f, "RFC 7208 section 4.5");
		} else {
			/* RFC 7208 5.2: include of a domain with no record is permerror. */
			w->voids += ans->status == DNS_NXDOMAIN || ans->status == DNS_NODATA;
			f = problem(n, "spf.include-not-found", ST_FAIL);
			finding_msg(f, ans->status == DNS_NXDOMAIN ?
			    _("%s includes %s, which does not exist; receivers return permerror.") :
			    _("%s includes %s, which publishes no SPF record; receivers return "
			    "permerror."), n->parent->domain, n->domain);
			finding_fix(f, _("Remove \"%s\" or correct the domain name."), n->via);
			finding_ref(f, "RFC 7208 section 5.2");
		}
		finding_dns(f, ans);
		goto out;
	}
	if (nspf > 1) {
		f = problem(n, "spf.multiple", ST_FAIL);
		finding_msg(f, _("%s publishes %zu SPF records; RFC 7208 makes that a permerror, "
		    "so receivers treat its mail as unauthenticated."), n->domain, nspf);
		finding_fix(f, _("Merge them into one TXT record starting with v=spf1."));
		finding_ref(f, "RFC 7208 section 4.5");
		finding_dns(f, ans);
		goto out;
	}
	if (is_root) {
		f = check_add(w->ctx, "spf.present", ST_OK, n->domain);
		finding_msg(f, _("%s publishes the SPF record \"%s\"."), n->domain, rec);
		finding_dns(f, ans);
		finding_data(f, "record", json_string(rec));
		if (strings > 1) {
			f = check_add(w->ctx, "spf.split-record", ST_INFO, n->domain);
			finding_msg(f, _("The SPF record of %s is split over %zu strings of one TXT "
			    "record; receivers join them without spaces (RFC 7208 3.3), so each "
			    "break must fall where no space is needed or include one."), n->domain,
			    strings);
			finding_ref(f, "RFC 7208 section 3.3");
		}
		w->root_record = xstrdup(rec);
	}
	analyse_record(n, rec, rec_len);
out:
	free(rec);
	node_release(n);
	walk_done_one(w);
}

static void
walk_fetch(struct spf_walk *w, const char *domain, const char *via, struct spf_node *parent,
    unsigned depth)
{
	struct spf_node *n;
	struct finding *f;

	if (parent != NULL && is_ancestor(parent, domain)) {
		f = check_add(w->ctx, "spf.include-loop", ST_FAIL, domain);
		finding_msg(f, _("The SPF includes loop: %s is reached again through \"%s\" in %s. "
		    "Receivers stop at the lookup limit and return permerror."), domain, via,
		    parent->domain);
		finding_fix(f, _("Remove \"%s\" from the record of %s."), via, parent->domain);
		finding_ref(f, "RFC 7208 section 4.6.4");
		/* A loop would count without end; the limit is certainly exceeded. */
		w->dns_terms = SPF_LOOKUP_LIMIT + 1 > w->dns_terms ? SPF_LOOKUP_LIMIT + 1 : w->dns_terms;
		return;
	}
	if (depth >= SPF_DEPTH_MAX || ++w->records > SPF_MAX_RECORDS)
		return;	/* the term count is already past the limit long before this */
	n = xcalloc(1, sizeof(*n));
	n->walk = w;
	n->domain = xstrdup(domain);
	n->via = xstrdup(via);
	n->parent = parent;
	n->depth = depth;
	n->refs = 1;
	if (parent != NULL)
		parent->refs++;
	w->pending++;
	if (dns_query(w->ctx->dns, domain, LDNS_RR_TYPE_TXT, depth, on_txt, n) < 0) {
		struct finding *bad = check_add(w->ctx, "spf.syntax", ST_FAIL, domain);

		finding_msg(bad, _("\"%s\" names an invalid domain \"%s\"."), via, domain);
		finding_ref(bad, "RFC 7208 section 4.3");
		node_release(n);
		walk_done_one(w);
	}
}

static void
on_spf_rr(const struct dns_answer *ans, void *arg)
{
	struct check_ctx *ctx = arg;
	struct finding *f;

	/* RFC 7208 3.1: type 99 is obsolete; a failure to answer it says nothing. */
	if (ans->status != DNS_OK)
		return;
	f = check_add(ctx, "spf.rr-type-99", ST_INFO, ctx->domain);
	finding_msg(f, _("%s also publishes the obsolete SPF RR type (99). Receivers use only "
	    "the TXT record; keep both identical or remove type 99."), ctx->domain);
	finding_ref(f, "RFC 7208 section 3.1");
	finding_dns(f, ans);
}

static void
spf_record_start(struct check_ctx *ctx)
{
	struct spf_walk *w = xcalloc(1, sizeof(*w));

	w->ctx = ctx;
	w->pending = 1;
	walk_fetch(w, ctx->domain, NULL, NULL, 0);
	walk_done_one(w);
	dns_query(ctx->dns, ctx->domain, LDNS_RR_TYPE_SPF, 0, on_spf_rr, ctx);
}

const struct check check_spf_record = {
	.name = "spf-record",
	.section = "dns",
	.needs = CHECK_IN_DOMAIN,
	.start = spf_record_start,
};
