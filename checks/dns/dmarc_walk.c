/*
 * DMARC policy discovery (dmarc_walk.h): RFC 9989 4.10's tree walk, _dmarc at the domain
 * and then at most seven names above it, stopping at a record with psd=y or psd=n. The
 * walk's names are known beforehand, so they are asked at once (never more than the RFC's
 * eight). With is_psl, RFC 7489 6.6.3: the domain, then its organisational domain from the
 * public suffix list (libpsl).
 */
#include "config.h"

#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_record.h"
#include "dmarc_walk.h"
#include "xmalloc.h"

#define DMARC_MAX_RECORDS 8
#define DMARC_MAX_LEN 2048
#define WALK_LABELS 7	/* a longer name jumps to its last seven labels */

static size_t
labels(const char *name)
{
	size_t n = 1;

	for (; *name != '\0'; name++)
		n += *name == '.';
	return n;
}

/* The last n labels of name. */
static const char *
last_labels(const char *name, size_t n)
{
	size_t have = labels(name);
	const char *p = name;

	while (have > n && (p = strchr(p, '.')) != NULL) {
		p++;
		have--;
	}
	return p != NULL ? p : name;
}

bool
dmarc_is_within(const char *name, const char *org)
{
	size_t n = strlen(name), o = strlen(org);

	return strcmp(name, org) == 0 || (n > o && name[n - o - 1] == '.' &&
	    strcmp(name + n - o, org) == 0);
}

/* RFC 9989 4.10 steps 4, 5, 8: DOMAIN, then its last seven labels (or one label fewer),
 * then one label fewer each time, down to one label. */
static void
walk_targets(struct dmarc_walk *w, const char *domain)
{
	size_t x = labels(domain), k;

	snprintf(w->lv[w->n++].name, sizeof(w->lv[0].name), "%s", domain);
	for (k = x < 8 ? x - 1 : WALK_LABELS; k >= 1 && w->n < DMARC_WALK_MAX; k--)
		snprintf(w->lv[w->n++].name, sizeof(w->lv[0].name), "%s",
		    last_labels(domain, k));
}

/* RFC 7489 6.6.3: DOMAIN, then its organisational domain from the public suffix list. */
static void
psl_targets(struct dmarc_walk *w, const char *domain)
{
	psl_ctx_t *psl = psl_latest(NULL);
	const char *reg = psl != NULL ? psl_registrable_domain(psl, domain) : NULL;

	snprintf(w->lv[w->n++].name, sizeof(w->lv[0].name), "%s", domain);
	snprintf(w->org, sizeof(w->org), "%s", reg != NULL ? reg : domain);
	if (strcmp(w->org, w->domain) != 0)
		snprintf(w->lv[w->n++].name, sizeof(w->lv[0].name), "%s", w->org);
	psl_free(psl);
}

/* RFC 9989 4.10.1: the organisational domain from the walk's records. */
static void
find_org(struct dmarc_walk *w, size_t stop, bool is_stopped, const struct dmarc_level *fewest)
{
	const struct dmarc_level *lv = &w->lv[stop];

	if (is_stopped && lv->rec != NULL) {
		struct dmarc_rec r;

		dmarc_rec_parse(lv->rec, &r);
		if (r.psd == 'y' && stop > 0) {
			/* A public suffix: the organisation is the name one label below it. */
			snprintf(w->org, sizeof(w->org), "%s",
			    last_labels(w->domain, labels(lv->name) + 1));
			return;
		}
		snprintf(w->org, sizeof(w->org), "%s", lv->name);
		return;
	}
	snprintf(w->org, sizeof(w->org), "%s", fewest != NULL ? fewest->name : w->domain);
}

/* Every answer is in: the record that applies and the organisational domain. */
static void
conclude(struct dmarc_walk *w)
{
	const struct dmarc_level *fewest = NULL;
	struct dmarc_rec r;
	bool is_stopped = false;
	size_t i;

	for (i = 0; i < w->n && !is_stopped; i++) {
		struct dmarc_level *lv = &w->lv[i];

		if (dns_status_is_failure(lv->ans.status)) {
			w->failed = &lv->ans;
			if (w->policy == NULL)
				return;
			i++;
			break;
		}
		if (lv->nrec != 1)
			continue;
		if (w->policy == NULL)
			w->policy = lv;
		fewest = lv;
		dmarc_rec_parse(lv->rec, &r);
		if (!w->is_psl && r.psd != 'u')
			is_stopped = true;
	}
	if (!w->is_psl)
		find_org(w, i - 1, is_stopped, fewest);
}

static void
judge_exists(struct dmarc_walk *w)
{
	size_t i, gone = 0;

	for (i = 0; i < 3; i++) {
		if (w->exists[i].qname == NULL || dns_status_is_failure(w->exists[i].status))
			return;
		if (w->exists[i].status == DNS_NXDOMAIN || w->exists[i].status == DNS_NODATA)
			gone++;
	}
	w->exists_known = true;
	/* RFC 9091 2.7 (RFC 9989 np=): NXDOMAIN, or NODATA for A, AAAA and MX alike. */
	w->is_nonexistent = gone == 3;
}

static void
release(struct dmarc_walk *w)
{
	if (--w->pending > 0)
		return;
	conclude(w);
	judge_exists(w);
	w->cb(w, w->arg);
}

struct level_q {
	struct dmarc_walk *w;
	struct dmarc_level *lv;
};

static void
on_txt(const struct dns_answer *ans, void *arg)
{
	struct level_q *q = arg;
	struct dmarc_walk *w = q->w;
	struct dmarc_level *lv = q->lv;
	const ldns_rr *rrs[DMARC_MAX_RECORDS];
	size_t n, i;

	free(q);
	lv->ans = *ans;
	n = dns_answer_rrs(ans, LDNS_RR_TYPE_TXT, rrs, DMARC_MAX_RECORDS);
	for (i = 0; i < n; i++) {
		char *txt = dns_rr_txt_joined(rrs[i], DMARC_MAX_LEN);

		/* RFC 9989 4.10 step 2: records not starting with v=DMARC1 are discarded. */
		if (txt != NULL && dmarc_is_record(txt)) {
			lv->nrec++;
			if (lv->rec == NULL) {
				lv->rec = txt;
				continue;
			}
		}
		free(txt);
	}
	if (lv->nrec > 1) {
		free(lv->rec);	/* several records are all discarded */
		lv->rec = NULL;
	}
	release(w);
}

struct exists_q {
	struct dmarc_walk *w;
	struct dns_answer *slot;
};

static void
on_exists(const struct dns_answer *ans, void *arg)
{
	struct exists_q *q = arg;
	struct dmarc_walk *w = q->w;

	*q->slot = *ans;
	free(q);
	release(w);
}

void
dmarc_walk_start(struct dns *dns, const char *domain, bool is_psl, bool want_exists,
    dmarc_walk_fn *cb, void *arg)
{
	static const uint16_t types[3] = { LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_MX };
	struct dmarc_walk *w = xcalloc(1, sizeof(*w));
	size_t i;

	snprintf(w->domain, sizeof(w->domain), "%s", domain);
	w->dns = dns;
	w->is_psl = is_psl;
	w->cb = cb;
	w->arg = arg;
	if (is_psl)
		psl_targets(w, domain);
	else
		walk_targets(w, domain);
	w->pending = 1;	/* held until every question is asked */
	for (i = 0; i < w->n; i++) {
		struct level_q *q = xcalloc(1, sizeof(*q));
		char *name = xasprintf("_dmarc.%s", w->lv[i].name);

		q->w = w;
		q->lv = &w->lv[i];
		w->pending++;
		if (dns_query(dns, name, LDNS_RR_TYPE_TXT, 0, on_txt, q) < 0) {
			/* A name that cannot be asked (too long): the walk cannot be done. */
			free(q);
			w->lv[i].ans.status = DNS_ERROR;
			w->lv[i].ans.qname = w->lv[i].name;
			w->pending--;
		}
		free(name);
	}
	for (i = 0; want_exists && i < 3; i++) {
		struct exists_q *q = xcalloc(1, sizeof(*q));

		q->w = w;
		q->slot = &w->exists[i];
		w->pending++;
		if (dns_query(dns, domain, types[i], 0, on_exists, q) < 0) {
			free(q);
			w->pending--;
		}
	}
	release(w);
}

void
dmarc_walk_free(struct dmarc_walk *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++)
		free(w->lv[i].rec);
	free(w);
}

const char *
dmarc_walk_effective(const struct dmarc_walk *w, const struct dmarc_rec *r, const char **tag)
{
	if (w->policy == &w->lv[0]) {
		*tag = "p";
		return r->p;
	}
	/* RFC 9989 4.7: np= for non-existent subdomains, else sp=, else p=. */
	if (w->is_nonexistent && r->np[0] != '\0') {
		*tag = "np";
		return r->np;
	}
	if (r->sp[0] != '\0') {
		*tag = "sp";
		return r->sp;
	}
	*tag = "p";
	return r->p;
}
