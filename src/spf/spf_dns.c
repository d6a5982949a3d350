/* The SPF evaluator's resolver interface on the DNS engine (dns_query): converts each
 * borrowed dns_answer into a borrowed spf_answer for the duration of the callback. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns.h"
#include "err.h"
#include "i18n.h"
#include "spf.h"
#include "spf_dns.h"
#include "spf_limits.h"
#include "xmalloc.h"

/* Records taken from one answer; a TXT RRset or an MX set is far smaller in practice, and the
 * evaluator looks at ten names at most (RFC 7208 4.6.4). */

/* Memo ceilings: far above a batch of thousands of pairs, small next to the DNS cache. */
#define MEMO_BUCKETS 4096
#define MEMO_MAX_ENTRIES 50000
#define MEMO_MAX_BYTES ((size_t)64 << 20)

/* One remembered answer in one allocation: the entry, its records, then their bytes. */
struct memo_entry {
	struct memo_entry *next;
	uint16_t type;
	enum spf_dns_status status;
	const char *why;
	struct spf_rr *rrs;
	size_t n;
	const char *name;
};

struct spf_dns_memo {
	struct memo_entry *buckets[MEMO_BUCKETS];
	size_t entries, bytes;
};

struct spf_dns_q {
	struct spf_dns *sd;
	spf_lookup_done *done;
	void *done_arg;
};

/* Convert one record; false for malformed RDATA (an address of the wrong size, an MX or PTR
 * without a name), which is left out of the answer rather than read as zeros. */
static bool
rr_convert(const ldns_rr *rr, uint16_t type, struct spf_rr *out, char **owned)
{
	const ldns_rdf *rdf;

	memset(out, 0, sizeof(*out));
	*owned = NULL;
	switch (type) {
	case SPF_T_A:
	case SPF_T_AAAA:
		rdf = ldns_rr_rdf(rr, 0);
		if (rdf == NULL || ldns_rdf_size(rdf) != (type == SPF_T_A ? 4u : 16u))
			return false;
		memcpy(out->addr, ldns_rdf_data(rdf), ldns_rdf_size(rdf));
		break;
	case SPF_T_TXT:
		rdf = ldns_rr_rdf(rr, 0);
		/* one character-string (the usual case) is used in place */
		if (ldns_rr_rd_count(rr) == 1 && rdf != NULL && ldns_rdf_size(rdf) >= 1) {
			const uint8_t *d = ldns_rdf_data(rdf);

			out->data = (const char *)d + 1;
			out->data_len = d[0] + 1u <= ldns_rdf_size(rdf) ? d[0] :
			    ldns_rdf_size(rdf) - 1;
			break;
		}
		/* no ceiling here: the parser reports records past RFC 7208's limits */
		*owned = dns_rr_txt_join(rr, SIZE_MAX, &out->data_len);
		out->data = *owned;
		break;
	case SPF_T_MX:
		rdf = ldns_rr_rdf(rr, 0);
		if (rdf == NULL || ldns_rdf_size(rdf) != 2 || ldns_rr_rdf(rr, 1) == NULL)
			return false;
		out->pref = ldns_rdf2native_int16(rdf);
		*owned = dns_rdf_name(ldns_rr_rdf(rr, 1));
		out->data = *owned;
		out->data_len = strlen(*owned);
		break;
	case SPF_T_PTR:
		rdf = ldns_rr_rdf(rr, 0);
		if (rdf == NULL)
			return false;
		*owned = dns_rdf_name(rdf);
		out->data = *owned;
		out->data_len = strlen(*owned);
		break;
	default:
		return false;
	}
	return true;
}

struct spf_dns_memo *
spf_dns_memo_new(void)
{
	return xcalloc(1, sizeof(struct spf_dns_memo));
}

void
spf_dns_memo_free(struct spf_dns_memo *memo)
{
	size_t i;

	if (memo == NULL)
		return;
	for (i = 0; i < MEMO_BUCKETS; i++) {
		struct memo_entry *e = memo->buckets[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(memo);
}

/* The memo key: lower case, no trailing dot, like the DNS engine's cache. Returns false for
 * a name too long to have been asked. */
static bool
memo_key(const char *name, char *key, size_t key_len)
{
	size_t n = strlen(name), i;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n >= key_len)
		return false;
	for (i = 0; i < n; i++)
		key[i] = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] - 'A' + 'a') : name[i];
	key[n] = '\0';
	return true;
}

static unsigned
memo_hash(const char *key, uint16_t type)
{
	uint32_t h = 2166136261u ^ type;	/* FNV-1a */

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % MEMO_BUCKETS;
}

static const struct memo_entry *
memo_find(const struct spf_dns_memo *memo, const char *key, uint16_t type)
{
	const struct memo_entry *e;

	for (e = memo->buckets[memo_hash(key, type)]; e != NULL; e = e->next) {
		if (e->type == type && strcmp(e->name, key) == 0)
			return e;
	}
	return NULL;
}

static void
memo_put(struct spf_dns_memo *memo, const char *key, uint16_t type, const struct spf_answer *sa)
{
	size_t size = sizeof(struct memo_entry) + sa->rr_count * sizeof(struct spf_rr) +
	    strlen(key) + 1 + (sa->why != NULL ? strlen(sa->why) + 1 : 0), i;
	struct memo_entry *e;
	char *p;
	unsigned h;

	for (i = 0; i < sa->rr_count; i++)
		size += sa->rrs[i].data_len;
	if (memo->entries >= MEMO_MAX_ENTRIES || memo->bytes + size > MEMO_MAX_BYTES ||
	    memo_find(memo, key, type) != NULL)
		return;
	e = xmalloc(size);
	e->type = type;
	e->status = sa->status;
	e->n = sa->rr_count;
	e->rrs = (struct spf_rr *)(e + 1);
	p = (char *)(e->rrs + e->n);
	for (i = 0; i < e->n; i++) {
		e->rrs[i] = sa->rrs[i];
		if (sa->rrs[i].data != NULL) {
			memcpy(p, sa->rrs[i].data, sa->rrs[i].data_len);
			e->rrs[i].data = p;
			p += sa->rrs[i].data_len;
		}
	}
	memcpy(p, key, strlen(key) + 1);
	e->name = p;
	p += strlen(key) + 1;
	e->why = NULL;
	if (sa->why != NULL) {
		memcpy(p, sa->why, strlen(sa->why) + 1);
		e->why = p;
	}
	h = memo_hash(key, type);
	e->next = memo->buckets[h];
	memo->buckets[h] = e;
	memo->entries++;
	memo->bytes += size;
}

static void
spf_dns_answer(const struct dns_answer *ans, void *arg)
{
	struct spf_dns_q *q = arg;
	const ldns_rr *rrs[SPF_RRS_MAX];
	struct spf_rr out_stack[16], *out = out_stack;
	char *owned_stack[16], **owned = owned_stack;
	struct spf_answer sa = { 0 };
	size_t i, k, n = 0;

	if (ans->depth > q->sd->depth)
		q->sd->depth = ans->depth;
	switch (ans->status) {
	case DNS_OK:
		sa.status = SPF_DNS_OK;
		n = dns_answer_rrs(ans, ans->qtype, rrs, SPF_RRS_MAX);
		break;
	case DNS_NODATA:
		sa.status = SPF_DNS_NODATA;
		break;
	case DNS_NXDOMAIN:
		sa.status = SPF_DNS_NXDOMAIN;
		break;
	default:
		/* RFC 7208 2.6.6: SERVFAIL, REFUSED, a timeout or anything else is temporary */
		sa.status = SPF_DNS_TEMPERROR;
		sa.why = ans->error != NULL ? ans->error : dns_status_name(ans->status);
		break;
	}
	if (n > 16) {
		out = xcalloc(n, sizeof(*out));
		owned = xcalloc(n, sizeof(*owned));
	}
	for (i = 0, k = 0; i < n; i++) {
		if (rr_convert(rrs[i], ans->qtype, &out[k], &owned[k]))
			k++;
	}
	n = k;
	/* nothing usable left: as if the name had no records of the type */
	if (sa.status == SPF_DNS_OK && n == 0)
		sa.status = SPF_DNS_NODATA;
	sa.rrs = out;
	sa.rr_count = n;
	if (q->sd->memo != NULL)
		memo_put(q->sd->memo, ans->qname, ans->qtype, &sa);
	q->done(&sa, q->done_arg);
	for (i = 0; i < n; i++)
		free(owned[i]);
	if (out != out_stack) {
		free(owned);
		free(out);
	}
	free(q);
}

static void
spf_dns_lookup(void *rctx, const char *name, uint16_t type, spf_lookup_done *done,
    void *done_arg)
{
	struct spf_dns *sd = rctx;
	struct spf_dns_q *q;
	struct spf_answer sa = { 0 };
	char key[256];
	int rc;

	if (sd->memo != NULL && memo_key(name, key, sizeof(key))) {
		const struct memo_entry *e = memo_find(sd->memo, key, type);

		if (e != NULL) {
			sa.status = e->status;
			sa.why = e->why;
			sa.rrs = e->rrs;
			sa.rr_count = e->n;
			done(&sa, done_arg);
			return;
		}
	}
	q = xmalloc(sizeof(*q));
	q->sd = sd;
	q->done = done;
	q->done_arg = done_arg;
	rc = dns_query(sd->dns, name, type, sd->depth, spf_dns_answer, q);
	if (rc == 0)
		return;
	free(q);
	/* Not sent: a name that cannot be on the wire does not exist (RFC 7208 4.3); a full
	 * cache is our limit, not the domain's fault. */
	sa.status = rc == MXD_EINVAL ? SPF_DNS_BADNAME : SPF_DNS_TEMPERROR;
	sa.why = rc == MXD_EINVAL ? _("name cannot be sent") : mxd_strerror(rc);
	done(&sa, done_arg);
}

void
spf_dns_init(struct spf_dns *sd, struct dns *dns, struct spf_resolver *r)
{
	sd->dns = dns;
	sd->memo = NULL;
	sd->depth = 0;
	r->lookup = spf_dns_lookup;
	r->rctx = sd;
}
