/* The SPF evaluator's resolver interface on the DNS engine (dns_query): converts each
 * borrowed dns_answer into a borrowed spf_answer for the duration of the callback. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns.h"
#include "err.h"
#include "spf.h"
#include "spf_dns.h"
#include "xmalloc.h"

/* Records taken from one answer; a TXT RRset or an MX set is far smaller in practice, and the
 * evaluator looks at ten names at most (RFC 7208 4.6.4). */
#define SPF_DNS_MAX_RRS 256

struct spf_dns_q {
	struct spf_dns *sd;
	spf_lookup_done *done;
	void *done_arg;
};

/* TXT rdata: the RR's character-strings joined without separators (RFC 7208 3.3), keeping
 * every byte (a NUL in a record is a syntax error the parser must see). Caller frees. */
static char *
txt_join(const ldns_rr *rr, size_t *len_out)
{
	size_t i, n = ldns_rr_rd_count(rr), len = 0;
	char *out;

	for (i = 0; i < n; i++) {
		size_t sz = ldns_rdf_size(ldns_rr_rdf(rr, i));

		len += sz > 0 ? sz - 1 : 0;
	}
	out = xmalloc(len + 1);
	len = 0;
	for (i = 0; i < n; i++) {
		const ldns_rdf *rdf = ldns_rr_rdf(rr, i);
		const uint8_t *d = ldns_rdf_data(rdf);
		size_t sz = ldns_rdf_size(rdf), slen;

		/* a character-string is a length octet and that many octets */
		if (sz == 0)
			continue;
		slen = d[0];
		if (slen + 1 > sz)
			slen = sz - 1;
		memcpy(out + len, d + 1, slen);
		len += slen;
	}
	out[len] = '\0';
	*len_out = len;
	return out;
}

static void
rr_convert(const ldns_rr *rr, uint16_t type, struct spf_rr *out, char **owned)
{
	const ldns_rdf *rdf;

	memset(out, 0, sizeof(*out));
	*owned = NULL;
	switch (type) {
	case SPF_T_A:
	case SPF_T_AAAA:
		rdf = ldns_rr_rdf(rr, 0);
		if (rdf != NULL && ldns_rdf_size(rdf) == (type == SPF_T_A ? 4u : 16u))
			memcpy(out->addr, ldns_rdf_data(rdf), ldns_rdf_size(rdf));
		break;
	case SPF_T_TXT:
		*owned = txt_join(rr, &out->data_len);
		out->data = *owned;
		break;
	case SPF_T_MX:
		rdf = ldns_rr_rdf(rr, 0);
		if (rdf != NULL && ldns_rdf_size(rdf) == 2)
			out->pref = ldns_rdf2native_int16(rdf);
		rdf = ldns_rr_rdf(rr, 1);
		*owned = rdf != NULL ? dns_rdf_name(rdf) : xstrdup("");
		out->data = *owned;
		out->data_len = strlen(*owned);
		break;
	case SPF_T_PTR:
		rdf = ldns_rr_rdf(rr, 0);
		*owned = rdf != NULL ? dns_rdf_name(rdf) : xstrdup("");
		out->data = *owned;
		out->data_len = strlen(*owned);
		break;
	default:
		break;
	}
}

static void
spf_dns_answer(const struct dns_answer *ans, void *arg)
{
	struct spf_dns_q *q = arg;
	const ldns_rr *rrs[SPF_DNS_MAX_RRS];
	struct spf_rr *out = NULL;
	char **owned = NULL;
	struct spf_answer sa = { 0 };
	size_t i, n = 0;

	if (ans->depth > q->sd->depth)
		q->sd->depth = ans->depth;
	switch (ans->status) {
	case DNS_OK:
		sa.status = SPF_DNS_OK;
		n = dns_answer_rrs(ans, ans->qtype, rrs, SPF_DNS_MAX_RRS);
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
	if (n > 0) {
		out = xcalloc(n, sizeof(*out));
		owned = xcalloc(n, sizeof(*owned));
		for (i = 0; i < n; i++)
			rr_convert(rrs[i], ans->qtype, &out[i], &owned[i]);
	}
	sa.rrs = out;
	sa.rr_count = n;
	q->done(&sa, q->done_arg);
	for (i = 0; i < n; i++)
		free(owned[i]);
	free(owned);
	free(out);
	free(q);
}

static void
spf_dns_lookup(void *rctx, const char *name, uint16_t type, spf_lookup_done *done,
    void *done_arg)
{
	struct spf_dns *sd = rctx;
	struct spf_dns_q *q = xmalloc(sizeof(*q));
	struct spf_answer sa = { 0 };
	int rc;

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
	sa.why = rc == MXD_EINVAL ? "name cannot be sent" : mxd_strerror(rc);
	done(&sa, done_arg);
}

void
spf_dns_init(struct spf_dns *sd, struct dns *dns, struct spf_resolver *r)
{
	sd->dns = dns;
	sd->depth = 0;
	r->lookup = spf_dns_lookup;
	r->rctx = sd;
}
