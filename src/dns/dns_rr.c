/* Reading records out of DNS answers: names, addresses, TXT strings, reverse names. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "xmalloc.h"

const char *
dns_type_name(uint16_t type)
{
	static char buf[16];
	const ldns_rr_descriptor *d = ldns_rr_descript(type);

	if (d != NULL && d->_name != NULL)
		return d->_name;
	snprintf(buf, sizeof(buf), "TYPE%u", (unsigned)type);
	return buf;
}

/* The text written so far, or none once it would not fit. */
struct rr_out {
	char *buf;
	size_t len, used;
	bool is_full;
};

static void
out_put(struct rr_out *o, const char *s, size_t n)
{
	if (o->is_full || o->used + n >= o->len) {
		o->is_full = true;
		return;
	}
	memcpy(o->buf + o->used, s, n);
	o->used += n;
}

static void
out_uint(struct rr_out *o, unsigned long v)
{
	char num[24];
	size_t i = sizeof(num);

	do {
		num[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && i > 0);
	out_put(o, num + i, sizeof(num) - i);
}

/* ASCII letters and digits, '-', '_' (not isalnum(): the locale's letters differ) */
static bool
is_plain_label_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_';
}

/* A name rdf with a dot after every label, as ldns writes it; false for anything ldns would
 * escape or write otherwise (the root, other bytes than letters, digits, '-', '_'). */
static bool
out_dname(struct rr_out *o, const ldns_rdf *rdf)
{
	const uint8_t *d;
	size_t n, i = 0;

	if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return false;
	d = ldns_rdf_data(rdf);
	n = ldns_rdf_size(rdf);
	if (n < 2)
		return false;
	while (i < n && d[i] != 0) {
		size_t label = d[i], k;

		if (label > 63 || i + 1 + label >= n)
			return false;
		for (k = i + 1; k <= i + label; k++)
			if (!is_plain_label_byte(d[k]))
				return false;
		out_put(o, (const char *)d + i + 1, label);
		out_put(o, ".", 1);
		i += 1 + label;
	}
	return i + 1 == n;
}

/* A TXT character-string in quotes; false when ldns would escape a byte of it. */
static bool
out_str(struct rr_out *o, const ldns_rdf *rdf)
{
	const uint8_t *d;
	size_t n, k;

	if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_STR)
		return false;
	d = ldns_rdf_data(rdf);
	n = ldns_rdf_size(rdf);
	if (n < 1 || d[0] != n - 1)
		return false;
	for (k = 1; k < n; k++)
		if (d[k] < 0x20 || d[k] > 0x7e || d[k] == '"' || d[k] == '\\')
			return false;
	out_put(o, "\"", 1);
	out_put(o, (const char *)d + 1, n - 1);
	out_put(o, "\"", 1);
	return true;
}

static bool
out_addr(struct rr_out *o, const ldns_rdf *rdf, int family)
{
	char addr[INET6_ADDRSTRLEN];
	size_t want = family == AF_INET ? 4 : 16;

	if (rdf == NULL || ldns_rdf_size(rdf) != want ||
	    ldns_rdf_get_type(rdf) != (family == AF_INET ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA) ||
	    inet_ntop(family, ldns_rdf_data(rdf), addr, sizeof(addr)) == NULL)
		return false;
	out_put(o, addr, strlen(addr));
	return true;
}

static bool
out_rdata(struct rr_out *o, const ldns_rr *rr)
{
	size_t i, n = ldns_rr_rd_count(rr);

	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_A:
		return n == 1 && out_addr(o, ldns_rr_rdf(rr, 0), AF_INET);
	case LDNS_RR_TYPE_AAAA:
		return n == 1 && out_addr(o, ldns_rr_rdf(rr, 0), AF_INET6);
	case LDNS_RR_TYPE_CNAME:
	case LDNS_RR_TYPE_NS:
	case LDNS_RR_TYPE_PTR:
		return n == 1 && out_dname(o, ldns_rr_rdf(rr, 0));
	case LDNS_RR_TYPE_MX:
		if (n != 2 || ldns_rr_rdf(rr, 0) == NULL ||
		    ldns_rdf_get_type(ldns_rr_rdf(rr, 0)) != LDNS_RDF_TYPE_INT16 ||
		    ldns_rdf_size(ldns_rr_rdf(rr, 0)) != 2)
			return false;
		out_uint(o, ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)));
		out_put(o, " ", 1);
		return out_dname(o, ldns_rr_rdf(rr, 1));
	case LDNS_RR_TYPE_TXT:
		if (n == 0)
			return false;
		for (i = 0; i < n; i++) {
			if (i > 0)
				out_put(o, " ", 1);
			if (!out_str(o, ldns_rr_rdf(rr, i)))
				return false;
		}
		return true;
	default:
		return false;
	}
}

size_t
dns_rr_text(const ldns_rr *rr, char *buf, size_t len)
{
	struct rr_out o = { .buf = buf, .len = len };

	if (rr == NULL || len == 0 || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
	    ldns_rr_is_question(rr))
		return 0;
	if (!out_dname(&o, ldns_rr_owner(rr)))
		return 0;
	out_put(&o, "\t", 1);
	out_uint(&o, ldns_rr_ttl(rr));
	out_put(&o, "\tIN\t", 4);
	out_put(&o, dns_type_name(ldns_rr_get_type(rr)), strlen(dns_type_name(ldns_rr_get_type(rr))));
	out_put(&o, "\t", 1);
	if (!out_rdata(&o, rr) || o.is_full)
		return 0;
	buf[o.used] = '\0';
	return o.used;
}

size_t
dns_answer_rrs(const struct dns_answer *ans, uint16_t type, const ldns_rr **rrs, size_t max)
{
	const ldns_rr_list *an;
	size_t i, n, count = 0;

	if (ans->pkt == NULL)
		return 0;
	an = ldns_pkt_answer(ans->pkt);
	n = an != NULL ? ldns_rr_list_rr_count(an) : 0;
	for (i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);

		const ldns_rr_descriptor *d = ldns_rr_descript(type);

		if (ldns_rr_get_type(rr) != type || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
			continue;
		/* A record with too few fields (a hostile MX with empty RDATA) would hand
		 * callers NULL fields: such records are not records of the type. */
		if (d != NULL && ldns_rr_rd_count(rr) < ldns_rr_descriptor_minimum(d))
			continue;
		if (count < max)
			rrs[count] = rr;
		count++;
	}
	return count < max ? count : max;
}

char *
dns_rdf_name(const ldns_rdf *rdf)
{
	/* a name's text is shorter than its wire form (255 octets at most, RFC 1035 2.3.4) */
	char buf[256], *s, *p;
	struct rr_out o = { .buf = buf, .len = sizeof(buf) };
	size_t len;

	if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return NULL;
	/* plain names written directly: ldns_rdf2str() prints label by label (3 % of a batch) */
	if (out_dname(&o, rdf) && !o.is_full && o.used > 0) {
		for (p = buf; p < buf + o.used - 1; p++)
			*p = (char)tolower((unsigned char)*p);
		return xstrndup(buf, o.used - 1);
	}
	s = ldns_rdf2str(rdf);
	if (s == NULL)
		return NULL;
	len = strlen(s);
	if (len > 0 && s[len - 1] == '.')
		s[--len] = '\0';
	for (p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	p = xstrdup(s);
	free(s);
	return p;
}

char *
dns_rdf_addr(const ldns_rdf *rdf)
{
	char buf[INET6_ADDRSTRLEN];

	if (rdf == NULL)
		return NULL;
	if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_A && ldns_rdf_size(rdf) == 4)
		return xstrdup(inet_ntop(AF_INET, ldns_rdf_data(rdf), buf, sizeof(buf)));
	if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_AAAA && ldns_rdf_size(rdf) == 16)
		return xstrdup(inet_ntop(AF_INET6, ldns_rdf_data(rdf), buf, sizeof(buf)));
	return NULL;
}

/* Octets of character-string i of rr (a length octet and that many octets, clipped to
 * the rdata when the length octet lies). */
static size_t
txt_string(const ldns_rr *rr, size_t i, const uint8_t **data)
{
	const ldns_rdf *rdf = ldns_rr_rdf(rr, i);
	size_t sz = ldns_rdf_size(rdf), slen;

	if (sz == 0)
		return 0;
	*data = ldns_rdf_data(rdf) + 1;
	slen = ldns_rdf_data(rdf)[0];
	return slen + 1 > sz ? sz - 1 : slen;
}

char *
dns_rr_txt_join(const ldns_rr *rr, size_t max_len, size_t *len_out)
{
	size_t i, n = ldns_rr_rd_count(rr), len = 0;
	const uint8_t *d;
	char *out;

	for (i = 0; i < n; i++) {
		len += txt_string(rr, i, &d);
		if (len > max_len)
			return NULL;
	}
	out = xmalloc(len + 1);
	len = 0;
	for (i = 0; i < n; i++) {
		size_t slen = txt_string(rr, i, &d);

		if (slen > 0)
			memcpy(out + len, d, slen);
		len += slen;
	}
	out[len] = '\0';
	*len_out = len;
	return out;
}

char *
dns_rr_txt_joined(const ldns_rr *rr, size_t max_len)
{
	size_t len;

	return dns_rr_txt_join(rr, max_len, &len);
}

char *
dns_reverse_name(const char *ip)
{
	unsigned char a[16];
	char buf[80];
	size_t off = 0;
	int i;

	if (inet_pton(AF_INET, ip, a) == 1) {
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
		return xstrdup(buf);
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return NULL;
	/* RFC 3596 2.5: nibbles in reverse order under ip6.arpa. */
	for (i = 15; i >= 0; i--) {
		static const char hex[] = "0123456789abcdef";

		buf[off++] = hex[a[i] & 0xf];
		buf[off++] = '.';
		buf[off++] = hex[a[i] >> 4];
		buf[off++] = '.';
	}
	snprintf(buf + off, sizeof(buf) - off, "ip6.arpa");
	return xstrdup(buf);
}
