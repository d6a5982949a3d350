/* SPF record syntax (RFC 7208 4.6.1 and the ABNF of 12): terms, CIDR lengths, networks,
 * domain-specs. Pure functions on bounded input; nothing here asks the DNS. */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "i18n.h"
#include "spf_macro.h"
#include "spf_parse.h"
#include "text.h"
#include "xmalloc.h"

/* Record the reason in e (may be NULL); returns its code. */
static int
refuse(struct spf_syntax_error *e, enum spf_syntax kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(struct spf_syntax_error *e, enum spf_syntax kind, const char *fmt, ...)
{
	int code = kind == SPF_SYN_TOO_LONG ? MXD_ELIMIT : MXD_EINVAL;
	va_list ap;

	if (e != NULL) {
		e->kind = kind;
		e->code = code;
		va_start(ap, fmt);
		vsnprintf(e->why, sizeof(e->why), fmt, ap);
		va_end(ap);
	}
	return code;
}

static int
refusef(int err, char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
refusef(int err, char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && why_len > 0) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

bool
spf_is_spf1(const char *text, size_t len)
{
	/* RFC 7208 4.5: exactly "v=spf1", ended by SP or the end of the record */
	if (len < 6 || strncasecmp(text, "v=spf1", 6) != 0)
		return false;
	return len == 6 || text[6] == ' ';
}

bool
spf_cidr_match(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	size_t full = bits / 8;
	unsigned rem = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rem == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rem));
	return ((a[full] ^ b[full]) & mask) == 0;
}

int
spf_parse_ip4(const char *s, size_t len, unsigned char out[4])
{
	size_t i = 0;
	int part;

	/* RFC 7208 12: qnum = DIGIT / %x31-39 DIGIT / "1" 2DIGIT / "2" %x30-34 DIGIT /
	 * "25" %x30-35, that is 0-255 without leading zeros */
	for (part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return MXD_EINVAL;
			start = ++i;
		}
		while (i < len && text_is_digit((unsigned char)s[i]) && i - start < 4)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || i - start > 3 || v > 255 || (s[start] == '0' && i - start > 1))
			return MXD_EINVAL;
		out[part] = (unsigned char)v;
	}
	return i == len ? 0 : MXD_EINVAL;
}

/* ip4-cidr-length / ip6-cidr-length digits: "0" or no leading zero, at most max. */
static int
parse_cidr(const char *s, size_t len, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	if (len == 0 || len > 3 || (s[0] == '0' && len > 1))
		return MXD_EINVAL;
	for (i = 0; i < len; i++) {
		if (!text_is_digit((unsigned char)s[i]))
			return MXD_EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return MXD_EINVAL;
	*out = v;
	return 0;
}

int
spf_domain_spec_check(const char *s, size_t len, char *why, size_t why_len)
{
	char mwhy[120];
	size_t tail, tlen, j;

	if (len == 0)
		return refusef(MXD_EINVAL, why, why_len, _("empty domain-spec"));
	if (spf_macro_check(s, len, false, mwhy, sizeof(mwhy)) < 0)
		return refusef(MXD_EINVAL, why, why_len, "%s", mwhy);
	/* domain-end = ( "." toplabel [ "." ] ) / macro-expand */
	tail = spf_macro_literal_tail(s, len);
	if (tail == len)
		return 0;
	tlen = len;
	if (s[tlen - 1] == '.')
		tlen--;
	for (j = tlen; j > tail; j--) {
		if (s[j - 1] == '.')
			break;
	}
	if (j == tail)
		return refusef(MXD_EINVAL, why, why_len, _("domain-spec '%.*s' does not end in a "
		    "top-level label or a macro (RFC 7208 7.1)"), (int)len, s);
	if (!spf_toplabel_is_valid(s + j, tlen - j))
		return refusef(MXD_EINVAL, why, why_len, _("'%.*s' is not a valid top-level label "
		    "(RFC 7208 7.1)"), (int)(tlen - j), s + j);
	return 0;
}

static const struct {
	const char *name;
	enum spf_mech mech;
} mech_names[] = {
	{ "all", SPF_MECH_ALL },
	{ "include", SPF_MECH_INCLUDE },
	{ "a", SPF_MECH_A },
	{ "mx", SPF_MECH_MX },
	{ "ptr", SPF_MECH_PTR },
	{ "ip4", SPF_MECH_IP4 },
	{ "ip6", SPF_MECH_IP6 },
	{ "exists", SPF_MECH_EXISTS },
};

/* The mechanism called name[0..n) (case-insensitive), or -1. */
static int
mech_lookup(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(mech_names) / sizeof(mech_names[0]); i++) {
		if (strlen(mech_names[i].name) == n && strncasecmp(mech_names[i].name, name, n) == 0)
			return (int)i;
	}
	return -1;
}

/* ":" domain-spec, required or optional. */
static int
parse_spec(struct spf_term *term, const char *rest, size_t rlen, bool is_required,
    struct spf_syntax_error *e)
{
	char swhy[160];

	if (rlen == 0 || (rlen == 1 && rest[0] == ':')) {
		if (is_required || rlen == 1)
			return refuse(e, SPF_SYN_NO_DOMAIN, _("needs ':domain' (RFC 7208 5)"));
		return 0;
	}
	if (rest[0] != ':')
		return refuse(e, SPF_SYN_MALFORMED, _("malformed mechanism (RFC 7208 5)"));
	if (spf_domain_spec_check(rest + 1, rlen - 1, swhy, sizeof(swhy)) < 0)
		return refuse(e, SPF_SYN_DOMAIN_SPEC, "%s", swhy);
	term->spec = rest + 1;
	term->spec_len = rlen - 1;
	term->uses_p = spf_macro_uses_p(term->spec, term->spec_len);
	return 0;
}

/* a and mx: [ ":" domain-spec ] [ dual-cidr-length ] (RFC 7208 5.3, 5.4) */
static int
parse_dual_cidr(struct spf_term *term, const char *rest, size_t rlen,
    struct spf_syntax_error *e)
{
	size_t end = rlen, j;

	j = end;
	while (j > 0 && text_is_digit((unsigned char)rest[j - 1]))
		j--;
	if (j < end && j >= 2 && rest[j - 1] == '/' && rest[j - 2] == '/') {
		if (parse_cidr(rest + j, end - j, 128, &term->cidr6) < 0)
			return refuse(e, SPF_SYN_CIDR, _("bad IPv6 CIDR length (RFC 7208 5.6)"));
		end = j - 2;
	}
	j = end;
	while (j > 0 && text_is_digit((unsigned char)rest[j - 1]))
		j--;
	if (j < end && j >= 1 && rest[j - 1] == '/') {
		if (parse_cidr(rest + j, end - j, 32, &term->cidr4) < 0)
			return refuse(e, SPF_SYN_CIDR, _("bad IPv4 CIDR length (RFC 7208 5.6)"));
		end = j - 1;
	}
	/* a '/' left over is a CIDR length that is not one ("a/", "a/24/64", "a//x") */
	if (end > 0 && (rest[0] == '/' || rest[end - 1] == '/'))
		return refuse(e, SPF_SYN_CIDR, _("bad CIDR length (RFC 7208 5.6)"));
	return parse_spec(term, rest, end, false, e);
}

/* ip4 / ip6: ":" network [ "/" length ] (RFC 7208 5.6) */
static int
parse_network(struct spf_term *term, const char *rest, size_t rlen, struct spf_syntax_error *e)
{
	bool is_v6 = term->mech == SPF_MECH_IP6;
	enum spf_syntax kind = is_v6 ? SPF_SYN_IP6 : SPF_SYN_IP4;
	const char *slash;
	size_t alen;
	char abuf[64];

	if (rlen == 0 || rest[0] != ':')
		return refuse(e, kind, _("needs ':network' (RFC 7208 5.6)"));
	rest++;
	rlen--;
	slash = memchr(rest, '/', rlen);
	alen = slash != NULL ? (size_t)(slash - rest) : rlen;
	if (is_v6) {
		if (alen == 0 || alen >= sizeof(abuf))
			return refuse(e, kind, _("bad IPv6 network (RFC 7208 5.6)"));
		memcpy(abuf, rest, alen);
		abuf[alen] = '\0';
		/* ip6-network is RFC 4291 2.2 text, which inet_pton() implements */
		if (inet_pton(AF_INET6, abuf, term->net) != 1)
			return refuse(e, kind, _("bad IPv6 network (RFC 7208 5.6)"));
	} else if (spf_parse_ip4(rest, alen, term->net) < 0) {
		return refuse(e, kind, _("bad IPv4 network (RFC 7208 5.6)"));
	}
	if (slash != NULL) {
		unsigned *len_out = is_v6 ? &term->cidr6 : &term->cidr4;

		if (parse_cidr(slash + 1, rlen - alen - 1, is_v6 ? 128 : 32, len_out) < 0)
			return refuse(e, SPF_SYN_CIDR, _("bad CIDR length (RFC 7208 5.6)"));
	}
	return 0;
}

static int
parse_directive(struct spf_record *rec, const char *t, size_t len, struct spf_syntax_error *e)
{
	struct spf_term term;
	const char *p = t, *rest;
	size_t n = 0, rlen;
	enum spf_result q = SPF_PASS;
	int i, rc;

	/* RFC 7208 4.6.2: qualifier = "+" / "-" / "?" / "~", "+" when absent */
	switch (*p) {
	case '+': q = SPF_PASS; p++; break;
	case '-': q = SPF_FAIL; p++; break;
	case '~': q = SPF_SOFTFAIL; p++; break;
	case '?': q = SPF_NEUTRAL; p++; break;
	default: break;
	}
	while (p + n < t + len && text_is_alnum((unsigned char)p[n]))
		n++;
	i = n > 0 ? mech_lookup(p, n) : -1;
	if (i < 0)
		return refuse(e, SPF_SYN_UNKNOWN, _("unknown mechanism (RFC 7208 5)"));
	memset(&term, 0, sizeof(term));
	term.mech = mech_names[i].mech;
	term.qualifier = q;
	term.text = t;
	term.cidr4 = 32;
	term.cidr6 = 128;
	rest = p + n;
	rlen = len - (size_t)(rest - t);

	switch (term.mech) {
	case SPF_MECH_ALL:
		/* RFC 7208 5.1: all takes no argument and no CIDR length */
		rc = rlen == 0 ? 0 : refuse(e, SPF_SYN_ALL_ARG, _("'all' takes no argument "
		    "(RFC 7208 5.1)"));
		rec->has_all = true;
		break;
	case SPF_MECH_INCLUDE:
	case SPF_MECH_EXISTS:
		rc = parse_spec(&term, rest, rlen, true, e);
		break;
	case SPF_MECH_PTR:
		rc = parse_spec(&term, rest, rlen, false, e);
		break;
	case SPF_MECH_A:
	case SPF_MECH_MX:
		rc = parse_dual_cidr(&term, rest, rlen, e);
		break;
	case SPF_MECH_IP4:
	case SPF_MECH_IP6:
		rc = parse_network(&term, rest, rlen, e);
		break;
	default:
		rc = refuse(e, SPF_SYN_UNKNOWN, _("unknown mechanism"));
		break;
	}
	if (rc < 0)
		return rc;
	if (rec->n_terms == rec->terms_cap) {
		rec->terms_cap = rec->terms_cap == 0 ? 8 : rec->terms_cap * 2;
		rec->terms = xrealloc(rec->terms, rec->terms_cap * sizeof(*rec->terms));
	}
	rec->terms[rec->n_terms++] = term;
	return 0;
}

static int
parse_modifier(struct spf_record *rec, const char *t, size_t name_len,
    struct spf_syntax_error *e)
{
	const char *val = t + name_len + 1;
	size_t vlen = strlen(val);
	char swhy[160];

	if (name_len == 8 && strncasecmp(t, "redirect", 8) == 0) {
		/* RFC 7208 6: redirect and exp MUST NOT appear more than once */
		if (rec->redirect != NULL)
			return refuse(e, SPF_SYN_DUP_REDIRECT, _("redirect= appears twice "
			    "(RFC 7208 6)"));
		if (spf_domain_spec_check(val, vlen, swhy, sizeof(swhy)) < 0)
			return refuse(e, SPF_SYN_DOMAIN_SPEC, "%s", swhy);
		rec->redirect = val;
		rec->redirect_len = vlen;
		rec->redirect_uses_p = spf_macro_uses_p(val, vlen);
		return 0;
	}
	if (name_len == 3 && strncasecmp(t, "exp", 3) == 0) {
		if (rec->exp != NULL)
			return refuse(e, SPF_SYN_DUP_EXP, _("exp= appears twice (RFC 7208 6)"));
		if (spf_domain_spec_check(val, vlen, swhy, sizeof(swhy)) < 0)
			return refuse(e, SPF_SYN_DOMAIN_SPEC, "%s", swhy);
		rec->exp = val;
		rec->exp_len = vlen;
		rec->exp_uses_p = spf_macro_uses_p(val, vlen);
		return 0;
	}
	/* RFC 7208 6: unknown modifiers are ignored, but must still be a macro-string */
	if (spf_macro_check(val, vlen, false, swhy, sizeof(swhy)) < 0)
		return refuse(e, SPF_SYN_MODIFIER_VALUE, "%s", swhy);
	return 0;
}

static int
parse_term(struct spf_record *rec, const char *t, size_t len, struct spf_syntax_error *e)
{
	size_t i;

	/* RFC 7208 12: terms are separated by SP only and made of %x21-7E; a TAB, CR, NUL or
	 * a non-ASCII byte anywhere is a syntax error */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c < 0x21 || c > 0x7e)
			return refuse(e, SPF_SYN_CHAR, _("invalid character 0x%02x (RFC 7208 4.6.1)"),
			    c);
	}
	/* RFC 7208 12: modifier = name "=" ...; name = ALPHA *( ALPHA / DIGIT / "-" / "_" /
	 * "." ). Anything else is a directive. */
	i = 0;
	if (text_is_alpha((unsigned char)t[0])) {
		while (i < len && (text_is_alnum((unsigned char)t[i]) || t[i] == '-' ||
		    t[i] == '_' || t[i] == '.'))
			i++;
		if (i < len && t[i] == '=') {
			/* A mechanism's name is never a modifier's: "include=x" is a typo of
			 * "include:x", not an unknown modifier to ignore (mechanism names are
			 * matched first, as Mail::SPF does). */
			if (mech_lookup(t, i) >= 0)
				return refuse(e, SPF_SYN_MECH_EQ, _("a mechanism takes ':', not '=' "
				    "(RFC 7208 5)"));
			return parse_modifier(rec, t, i, e);
		}
	}
	/* '=' before any ':' or '/' says a modifier was meant, with a name that is none */
	i = strcspn(t, ":/=");
	if (i < len && t[i] == '=' && t[0] != '+' && t[0] != '-' && t[0] != '~' && t[0] != '?')
		return refuse(e, SPF_SYN_MODIFIER_NAME, _("not a modifier name: one starts with a "
		    "letter, then letters, digits, '-', '_' or '.' (RFC 7208 12)"));
	return parse_directive(rec, t, len, e);
}

/* The term s[0..len) as printable text: bytes outside %x21-7E as \xNN, cut with "...". */
static void
term_printable(char *out, size_t out_len, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t need = c >= 0x21 && c <= 0x7e ? 1 : 4;

		if (o + need + 4 > out_len) {
			memcpy(out + o, "...", 4);
			return;
		}
		if (need == 1)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, out_len - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

static void
error_place(struct spf_syntax_error *e, const char *text, size_t index, size_t offset,
    size_t len)
{
	e->index = index;
	e->offset = offset;
	e->len = len;
	term_printable(e->term, sizeof(e->term), text + offset, len);
}

/* The grammar, once: is_strict stops at the first bad term (the evaluator), otherwise each
 * goes to on_error and is left out (the analysis). */
static int
record_parse(const char *text, size_t len, bool is_strict, struct spf_record **recp,
    struct spf_syntax_error *first, spf_syntax_cb *on_error, void *arg)
{
	struct spf_syntax_error e;
	struct spf_record *rec;
	size_t pos, index = 0;
	int rc, first_rc = 0;

	*recp = NULL;
	memset(&e, 0, sizeof(e));
	if (len > SPF_RECORD_MAX)
		rc = refuse(&e, SPF_SYN_TOO_LONG, _("record of %zu characters, more than %d "
		    "(one DNS message, RFC 7208 3.4)"), len, SPF_RECORD_MAX);
	else if (!spf_is_spf1(text, len))
		rc = refuse(&e, SPF_SYN_VERSION, _("no v=spf1 version section (RFC 7208 4.5)"));
	else
		rc = 0;
	if (rc < 0) {
		error_place(&e, text, 0, 0, len);
		if (first != NULL)
			*first = e;
		if (on_error != NULL)
			on_error(&e, arg);
		return rc;
	}
	rec = xcalloc(1, sizeof(*rec));
	rec->refs = 1;
	rec->buf = xmalloc(len + 1);
	memcpy(rec->buf, text, len);
	rec->buf[len] = '\0';
	pos = 6;
	for (;;) {
		size_t start;

		while (pos < len && rec->buf[pos] == ' ')
			pos++;
		if (pos >= len)
			break;
		start = pos;
		while (pos < len && rec->buf[pos] != ' ')
			pos++;
		rec->buf[pos] = '\0';
		index++;
		rc = parse_term(rec, rec->buf + start, pos - start, &e);
		if (rc < 0) {
			error_place(&e, text, index, start, pos - start);
			if (first_rc == 0) {
				first_rc = rc;
				if (first != NULL)
					*first = e;
			}
			if (on_error != NULL)
				on_error(&e, arg);
			if (is_strict) {
				spf_record_free(rec);
				return rc;
			}
		}
		pos++;
	}
	*recp = rec;
	return first_rc;
}

int
spf_record_parse_term(const char *text, size_t len, struct spf_record **recp,
    struct spf_syntax_error *err)
{
	return record_parse(text, len, true, recp, err, NULL, NULL);
}

int
spf_record_parse(const char *text, size_t len, struct spf_record **recp, char *why,
    size_t why_len)
{
	struct spf_syntax_error e;
	int rc = spf_record_parse_term(text, len, recp, &e);

	if (rc == 0 || why == NULL || why_len == 0)
		return rc;
	if (e.index == 0)
		snprintf(why, why_len, "%s", e.why);
	else
		snprintf(why, why_len, _("term %zu '%s': %s"), e.index, e.term, e.why);
	return rc;
}

int
spf_record_scan(const char *text, size_t len, struct spf_record **recp,
    spf_syntax_cb *on_error, void *arg)
{
	return record_parse(text, len, false, recp, NULL, on_error, arg);
}

void
spf_record_free(struct spf_record *rec)
{
	if (rec == NULL || --rec->refs > 0)
		return;
	free(rec->terms);
	free(rec->buf);
	free(rec);
}

#define RECORD_CACHE_BUCKETS 1024

struct record_entry {
	struct record_entry *next;
	struct spf_record *rec;		/* one reference held by the cache */
	size_t len;
	char *text;			/* owned */
};

struct spf_record_cache {
	struct record_entry *buckets[RECORD_CACHE_BUCKETS];
	size_t entries;
};

struct spf_record_cache *
spf_record_cache_new(void)
{
	return xcalloc(1, sizeof(struct spf_record_cache));
}

void
spf_record_cache_free(struct spf_record_cache *cache)
{
	size_t i;

	if (cache == NULL)
		return;
	for (i = 0; i < RECORD_CACHE_BUCKETS; i++) {
		struct record_entry *e = cache->buckets[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			spf_record_free(e->rec);
			free(e->text);
			free(e);
		}
	}
	free(cache);
}

int
spf_record_parse_cached(struct spf_record_cache *cache, const char *text, size_t len,
    struct spf_record **recp, char *why, size_t why_len)
{
	struct record_entry *e;
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;
	int rc;

	if (cache == NULL)
		return spf_record_parse(text, len, recp, why, why_len);
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)text[i]) * 16777619u;
	h %= RECORD_CACHE_BUCKETS;
	for (e = cache->buckets[h]; e != NULL; e = e->next) {
		if (e->len == len && memcmp(e->text, text, len) == 0) {
			e->rec->refs++;
			*recp = e->rec;
			return 0;
		}
	}
	rc = spf_record_parse(text, len, recp, why, why_len);
	if (rc < 0 || cache->entries >= SPF_RECORD_CACHE_MAX)
		return rc;
	e = xmalloc(sizeof(*e));
	e->text = xmalloc(len + 1);
	memcpy(e->text, text, len);
	e->text[len] = '\0';
	e->len = len;
	e->rec = *recp;
	e->rec->refs++;
	e->next = cache->buckets[h];
	cache->buckets[h] = e;
	cache->entries++;
	return 0;
}
