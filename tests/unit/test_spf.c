/* Unit tests: SPF macro expansion, term parsing, CIDR matching, target names, bounds, and the
 * evaluator driven by a resolver that answers now or later. */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "err.h"
#include "spf.h"
#include "spf_macro.h"
#include "spf_parse.h"
#include "xmalloc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 7208 7.4: strong-bad@email.example.com from 192.0.2.3 */
static const struct spf_macro_vars rfc_vars = {
	.s = "strong-bad@email.example.com", .l = "strong-bad", .o = "email.example.com",
	.d = "email.example.com", .i = "192.0.2.3", .p = "mx.example.org", .v = "in-addr",
	.h = "mx.example.org", .c = "192.0.2.3", .r = "receiver.example", .t = "1400000000",
};

static void
test_macro_expand(void **state)
{
	static const struct {
		const char *in;
		bool is_exp;
		const char *out;	/* NULL: an error is expected */
	} cases[] = {
		/* RFC 7208 7.4 examples */
		{ "%{s}", false, "strong-bad@email.example.com" },
		{ "%{o}", false, "email.example.com" },
		{ "%{d}", false, "email.example.com" },
		{ "%{d4}", false, "email.example.com" },
		{ "%{d3}", false, "email.example.com" },
		{ "%{d2}", false, "example.com" },
		{ "%{d1}", false, "com" },
		{ "%{dr}", false, "com.example.email" },
		{ "%{d2r}", false, "example.email" },
		{ "%{l}", false, "strong-bad" },
		{ "%{l-}", false, "strong.bad" },
		{ "%{lr}", false, "strong-bad" },
		{ "%{lr-}", false, "bad.strong" },
		{ "%{l1r-}", false, "strong" },
		{ "%{ir}.%{v}._spf.%{d2}", false, "3.2.0.192.in-addr._spf.example.com" },
		{ "%{lr-}.lp._spf.%{d2}", false, "bad.strong.lp._spf.example.com" },
		{ "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", false,
		    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
		{ "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", false,
		    "3.2.0.192.in-addr.strong.lp._spf.example.com" },
		{ "%{d2}.trusted-domains.example.net", false,
		    "example.com.trusted-domains.example.net" },
		/* escapes, upper case, transformers */
		{ "%%%_%-", false, "% %20" },
		{ "%{L}", false, "strong-bad" },
		{ "%{S}", false, "strong-bad%40email.example.com" },
		{ "%{dR}", false, "com.example.email" },
		{ "%{d100}", false, "email.example.com" },
		{ "%{p2}", false, "example.org" },
		{ "%{h}", false, "mx.example.org" },
		{ "%{l=-}", false, "strong.bad" },
		{ "%{c} %{r} %{t}", true, "192.0.2.3 receiver.example 1400000000" },
		{ "%{C}", true, "192.0.2.3" },
		/* errors */
		{ "%{c}", false, NULL },
		{ "%{r}.example.com", false, NULL },
		{ "%{t}", false, NULL },
		{ "%{x}", false, NULL },
		{ "%{d0}", false, NULL },
		{ "%{d", false, NULL },
		{ "%{}", false, NULL },
		{ "%{d2x}", false, NULL },
		{ "%", false, NULL },
		{ "foo%", false, NULL },
		{ "%a", false, NULL },
		{ "%(ir)", false, NULL },
		{ "a b", false, NULL },
		{ "a\tb", true, NULL },
		{ "caf\xc3\xa9", true, NULL },
	};
	char out[256];
	size_t i, used;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		size_t len = strlen(cases[i].in);
		int check = spf_macro_check(cases[i].in, len, cases[i].is_exp, NULL, 0);
		int rc = spf_macro_expand(cases[i].in, len, &rfc_vars, cases[i].is_exp, out,
		    sizeof(out), &used);

		if (cases[i].out == NULL) {
			if (check == 0 || rc == 0)
				fail_msg("\"%s\": accepted (check %d, expand %d)", cases[i].in,
				    check, rc);
			continue;
		}
		if (check != 0 || rc != 0)
			fail_msg("\"%s\": refused (check %d, expand %d)", cases[i].in, check, rc);
		if (strcmp(out, cases[i].out) != 0 || used != strlen(out))
			fail_msg("\"%s\" -> \"%s\", want \"%s\"", cases[i].in, out, cases[i].out);
	}
}

static void
test_macro_bounds(void **state)
{
	struct spf_macro_vars v = rfc_vars;
	char out[16], big[SPF_MACRO_PARTS_MAX * 2 + 8];
	size_t i;

	(void)state;
	/* output ceiling */
	assert_int_equal(spf_macro_expand("%{s}", 4, &rfc_vars, false, out, sizeof(out), NULL),
	    MXD_ELIMIT);
	assert_int_equal(spf_macro_expand("0123456789abcdefgh", 18, &rfc_vars, false, out,
	    sizeof(out), NULL), MXD_ELIMIT);
	/* %{p} before the validated name is known */
	v.p = NULL;
	assert_int_equal(spf_macro_expand("%{p}", 4, &v, false, out, sizeof(out), NULL),
	    MXD_ESTATE);
	assert_true(spf_macro_uses_p("a.%{p2}.b", 9));
	assert_false(spf_macro_uses_p("a.%{d}.%%{p}", 12));
	/* more parts than SPF_MACRO_PARTS_MAX */
	for (i = 0; i < SPF_MACRO_PARTS_MAX + 2; i++) {
		big[2 * i] = 'a';
		big[2 * i + 1] = '.';
	}
	big[2 * i - 1] = '\0';
	v = rfc_vars;
	v.d = big;
	{
		char *wide = xmalloc(SPF_MACRO_OUT_MAX);

		assert_int_equal(spf_macro_expand("%{d}", 4, &v, false, wide, SPF_MACRO_OUT_MAX,
		    NULL), MXD_ELIMIT);
		free(wide);
	}
}

static void
test_domain_spec(void **state)
{
	static const struct {
		const char *spec;
		int ok;
	} cases[] = {
		{ "example.com", 1 }, { "example.com.", 1 }, { "%{d}", 1 }, { "%{d}.com", 1 },
		{ "_spf.%{d2}", 1 }, { "foo:bar/baz.example.com", 1 }, { "foo.example.xn--zckzah",
		    1 },
		{ "a.123-4", 1 }, { "a.b-c", 1 }, { "%{d}%%", 1 },
		{ "", 0 }, { "museum", 0 }, { "museum.", 0 }, { "abc.123", 0 }, { "example.-com",
		    0 },
		{ "example.com-", 0 }, { "example.com:8080", 0 }, { "example.com/24", 0 },
		{ "%{d}.", 0 }, { "%{d}com", 0 }, { "foo.com..", 0 }, { "-all", 0 },
		{ "exa mple.com", 0 }, { "%{c}.example.com", 0 },
	};
	char why[160];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		int rc = spf_domain_spec_check(cases[i].spec, strlen(cases[i].spec), why,
		    sizeof(why));

		if ((rc == 0) != cases[i].ok)
			fail_msg("domain-spec \"%s\": %d (%s), want %s", cases[i].spec, rc,
			    rc == 0 ? "ok" : why, cases[i].ok ? "valid" : "invalid");
	}
}

static void
test_parse_terms(void **state)
{
	static const struct {
		const char *record;
		int rc;
		size_t n_terms;
		enum spf_mech mech;	/* of the first term */
		enum spf_result q;
		unsigned cidr4, cidr6;
		const char *spec;	/* of the first term, "" for none */
	} cases[] = {
		{ "v=spf1", 0, 0, 0, 0, 0, 0, "" },
		{ "V=SPF1   -ALL  ", 0, 1, SPF_MECH_ALL, SPF_FAIL, 32, 128, "" },
		{ "v=spf1 a", 0, 1, SPF_MECH_A, SPF_PASS, 32, 128, "" },
		{ "v=spf1 ~a/24", 0, 1, SPF_MECH_A, SPF_SOFTFAIL, 24, 128, "" },
		{ "v=spf1 ?a//64", 0, 1, SPF_MECH_A, SPF_NEUTRAL, 32, 64, "" },
		{ "v=spf1 a:foo.example.com/24//0", 0, 1, SPF_MECH_A, SPF_PASS, 24, 0,
		    "foo.example.com" },
		{ "v=spf1 mx:%{d}/27", 0, 1, SPF_MECH_MX, SPF_PASS, 27, 128, "%{d}" },
		{ "v=spf1 ptr", 0, 1, SPF_MECH_PTR, SPF_PASS, 32, 128, "" },
		{ "v=spf1 Include:_spf.example.com", 0, 1, SPF_MECH_INCLUDE, SPF_PASS, 32, 128,
		    "_spf.example.com" },
		{ "v=spf1 ip4:192.0.2.0/24", 0, 1, SPF_MECH_IP4, SPF_PASS, 24, 128, "" },
		{ "v=spf1 ip6:2001:db8::/32", 0, 1, SPF_MECH_IP6, SPF_PASS, 32, 32, "" },
		{ "v=spf1 ip6:::1.1.1.1/0", 0, 1, SPF_MECH_IP6, SPF_PASS, 32, 0, "" },
		{ "v=spf1 exists:%{i}.bl.example.com", 0, 1, SPF_MECH_EXISTS, SPF_PASS, 32, 128,
		    "%{i}.bl.example.com" },
		{ "v=spf1 moo.cow-far_out=man:dog/cat -all", 0, 1, SPF_MECH_ALL, SPF_FAIL, 32, 128,
		    "" },
		{ "v=spf1 redirect=_spf.example.com exp=exp.example.com", 0, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 -all foo=", 0, 1, SPF_MECH_ALL, SPF_FAIL, 32, 128, "" },
		/* syntax errors: RFC 7208 4.6 */
		{ "v=spf10", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 moo", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 -all.", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 all:x", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 all/8", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 a/33", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 a//129", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 a/24/64", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 a/032", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 a:", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 ptr/0", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 include", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 include:a.example.com/24", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 exists", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 ip4", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 ip4:1.2.3", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 ip4:1.2.3.4//32", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 ip4:1.2.3.4:8080", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 ip4:1.2.03.4", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 ip4:1.2.3.256", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 ip6::CAFE::BABE", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 ip6:::1/129", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 redirect:x.example.com", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 redirect=a.example.com redirect=b.example.com", MXD_EINVAL, 0, 0, 0, 0,
		    0, "" },
		{ "v=spf1 exp=a.example.com exp=b.example.com", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 exp=", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 =all", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 1up=foo", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 foo=%abc", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 a\r-all", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1\ta", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
		{ "v=spf1 \x80" "a", MXD_EINVAL, 0, 0, 0, 0, 0, "" },
	};
	struct spf_record *rec;
	char why[200];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		int rc = spf_record_parse(cases[i].record, strlen(cases[i].record), &rec, why,
		    sizeof(why));

		if (rc != cases[i].rc)
			fail_msg("\"%s\": rc %d (%s), want %d", cases[i].record, rc,
			    rc == 0 ? "ok" : why, cases[i].rc);
		if (rc != 0) {
			assert_null(rec);
			continue;
		}
		assert_int_equal(rec->n_terms, cases[i].n_terms);
		if (rec->n_terms > 0) {
			const struct spf_term *t = &rec->terms[0];
			char spec[128];

			snprintf(spec, sizeof(spec), "%.*s", (int)t->spec_len,
			    t->spec != NULL ? t->spec : "");
			if (t->mech != cases[i].mech || t->qualifier != cases[i].q ||
			    t->cidr4 != cases[i].cidr4 || t->cidr6 != cases[i].cidr6 ||
			    strcmp(spec, cases[i].spec) != 0)
				fail_msg("\"%s\": mech %d q %d cidr %u/%u spec \"%s\"",
				    cases[i].record, t->mech, t->qualifier, t->cidr4, t->cidr6,
				    spec);
		}
		spf_record_free(rec);
	}
	/* an embedded NUL is a syntax error, not the end of the record */
	assert_int_equal(spf_record_parse("v=spf1 a\0 -all", 14, &rec, why, sizeof(why)),
	    MXD_EINVAL);
	assert_int_equal(spf_record_parse("v=spf1 redirect=_spf.example.com", 32, &rec, why,
	    sizeof(why)), 0);
	assert_string_equal(rec->redirect, "_spf.example.com");
	assert_null(rec->exp);
	spf_record_free(rec);
}

static void
test_parse_bounds(void **state)
{
	struct spf_record *rec;
	char why[200], *big;
	size_t i, len;

	(void)state;
	/* longer than SPF_RECORD_MAX */
	big = xmalloc(SPF_RECORD_MAX + 16);
	memcpy(big, "v=spf1", 6);
	for (i = 6; i < SPF_RECORD_MAX + 10; i += 2)
		memcpy(big + i, " a", 2);
	assert_int_equal(spf_record_parse(big, i, &rec, why, sizeof(why)), MXD_ELIMIT);
	/* the length is the only bound (spf_limits.h): the most terms a record can hold */
	len = 6;
	while (len + 2 <= SPF_RECORD_MAX) {
		memcpy(big + len, " a", 2);
		len += 2;
	}
	assert_int_equal(spf_record_parse(big, len, &rec, why, sizeof(why)), 0);
	assert_int_equal(rec->n_terms, (SPF_RECORD_MAX - 6) / 2);
	spf_record_free(rec);
	free(big);
	assert_true(spf_is_spf1("v=spf1", 6));
	assert_true(spf_is_spf1("V=SpF1 -all", 11));
	assert_false(spf_is_spf1("v=spf10", 7));
	assert_false(spf_is_spf1("v=spf", 5));
	assert_false(spf_is_spf1(" v=spf1", 7));
}

static void
test_record_cache(void **state)
{
	static const char text[] = "v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all";
	struct spf_record_cache *cache = spf_record_cache_new();
	struct spf_record *a, *b, *c;
	char why[200];

	(void)state;
	assert_int_equal(spf_record_parse_cached(cache, text, strlen(text), &a, why,
	    sizeof(why)), 0);
	assert_int_equal(spf_record_parse_cached(cache, text, strlen(text), &b, why,
	    sizeof(why)), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(a->n_terms, 3);
	/* a syntax error is not cached, and says why each time */
	assert_int_equal(spf_record_parse_cached(cache, "v=spf1 moo", 10, &c, why, sizeof(why)),
	    MXD_EINVAL);
	assert_null(c);
	assert_int_equal(spf_record_parse_cached(NULL, text, strlen(text), &c, why, sizeof(why)),
	    0);
	assert_ptr_not_equal(a, c);
	spf_record_free(c);
	spf_record_free(a);
	/* the cache's reference keeps b valid after the cache is gone only while b is held */
	spf_record_cache_free(cache);
	assert_string_equal(b->terms[0].text, "ip4:192.0.2.0/24");
	spf_record_free(b);
}

static void
test_cidr(void **state)
{
	static const struct {
		const char *a, *b;
		unsigned bits;
		int match;
	} cases[] = {
		{ "192.0.2.3", "192.0.2.0", 24, 1 }, { "192.0.2.3", "192.0.3.0", 24, 0 },
		{ "192.0.2.3", "192.0.3.0", 23, 1 }, { "192.0.2.3", "192.0.4.0", 23, 0 },
		{ "192.0.2.3", "10.0.0.0", 0, 1 }, { "192.0.2.3", "192.0.2.3", 32, 1 },
		{ "192.0.2.3", "192.0.2.2", 32, 0 }, { "192.0.2.3", "192.0.2.2", 31, 1 },
		{ "2001:db8::1", "2001:db8::", 32, 1 }, { "2001:db9::1", "2001:db8::", 32, 0 },
		{ "2001:db8::1", "2001:db8::", 127, 1 }, { "2001:db8::1", "2001:db8::", 128, 0 },
		{ "cafe:babe:8000::", "cafe:babe:8000::", 33, 1 },
		{ "cafe:babe:0:1::", "cafe:babe:8000::", 33, 0 },
	};
	unsigned char a[16], b[16];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		int af = strchr(cases[i].a, ':') != NULL ? AF_INET6 : AF_INET;

		assert_int_equal(inet_pton(af, cases[i].a, a), 1);
		assert_int_equal(inet_pton(af, cases[i].b, b), 1);
		if (spf_cidr_match(a, b, cases[i].bits) != (cases[i].match != 0))
			fail_msg("%s vs %s/%u", cases[i].a, cases[i].b, cases[i].bits);
	}
	assert_int_equal(spf_parse_ip4("0.0.0.0", 7, a), 0);
	assert_int_equal(spf_parse_ip4("255.255.255.255", 15, a), 0);
	assert_int_equal(spf_parse_ip4("1.2.3.4.5", 9, a), MXD_EINVAL);
	assert_int_equal(spf_parse_ip4("1.2.3.", 6, a), MXD_EINVAL);
	assert_int_equal(spf_parse_ip4("01.2.3.4", 8, a), MXD_EINVAL);
	assert_int_equal(spf_parse_ip4("1.2.3.4444", 10, a), MXD_EINVAL);
}

static void
test_target_names(void **state)
{
	char name[600], label[64];
	size_t i, len;

	(void)state;
	snprintf(name, sizeof(name), "o.spf.example.com.");
	assert_int_equal(spf_target_name(name), 0);
	assert_string_equal(name, "o.spf.example.com");
	snprintf(name, sizeof(name), "a..b.example");
	assert_int_equal(spf_target_name(name), MXD_EINVAL);
	snprintf(name, sizeof(name), ".example.com");
	assert_int_equal(spf_target_name(name), MXD_EINVAL);
	name[0] = '\0';
	assert_int_equal(spf_target_name(name), MXD_EINVAL);
	memset(label, 'x', 63);
	label[63] = '\0';
	snprintf(name, sizeof(name), "%sy.example.com", label);
	assert_int_equal(spf_target_name(name), MXD_EINVAL);
	/* RFC 7208 7.3: over 253 characters, labels go from the left */
	for (i = 0, len = 0; i < 9; i++)
		len += (size_t)snprintf(name + len, sizeof(name) - len, "%s.", label);
	snprintf(name + len, sizeof(name) - len, "example.com");
	assert_int_equal(spf_target_name(name), 0);
	assert_true(strlen(name) <= 253);
	assert_int_equal(strlen(name), 3 * 64 + strlen("example.com"));
	assert_true(spf_toplabel_is_valid("com", 3));
	assert_true(spf_toplabel_is_valid("xn--zckzah", 10));
	assert_true(spf_toplabel_is_valid("123-4", 5));
	assert_false(spf_toplabel_is_valid("123", 3));
	assert_false(spf_toplabel_is_valid("-com", 4));
	assert_false(spf_toplabel_is_valid("com-", 4));
	assert_false(spf_toplabel_is_valid("5]", 2));
	assert_false(spf_toplabel_is_valid("", 0));
}

/* A tiny zone and a resolver that answers at once or queues answers for later. */
struct fake_rr {
	const char *name;
	uint16_t type;
	const char *data;	/* TXT, MX exchange, PTR target, or an address */
	uint16_t pref;
};

struct pending {
	char *name;
	uint16_t type;
	spf_lookup_done *done;
	void *done_arg;
};

struct fake_dns {
	const struct fake_rr *rrs;
	size_t n_rrs;
	bool is_deferred;
	struct pending queue[64];
	size_t queued, max_queued, asked;
	char asked_names[64][128];
};

static void
fake_answer(struct fake_dns *fd, const char *name, uint16_t type, spf_lookup_done *done,
    void *done_arg)
{
	struct spf_rr rrs[16];
	struct spf_answer ans = { .status = SPF_DNS_NXDOMAIN, .rrs = rrs };
	size_t i;

	for (i = 0; i < fd->n_rrs; i++) {
		const struct fake_rr *r = &fd->rrs[i];
		struct spf_rr *rr;

		if (strcasecmp(r->name, name) != 0)
			continue;
		if (ans.status == SPF_DNS_NXDOMAIN)
			ans.status = SPF_DNS_NODATA;
		if (r->type != type || ans.rr_count >= N(rrs))
			continue;
		rr = &rrs[ans.rr_count++];
		memset(rr, 0, sizeof(*rr));
		ans.status = SPF_DNS_OK;
		if (type == SPF_T_A || type == SPF_T_AAAA) {
			assert_int_equal(inet_pton(type == SPF_T_A ? AF_INET : AF_INET6, r->data,
			    rr->addr), 1);
		} else {
			rr->data = r->data;
			rr->data_len = strlen(r->data);
			rr->pref = r->pref;
		}
	}
	done(&ans, done_arg);
}

static void
fake_lookup(void *rctx, const char *name, uint16_t type, spf_lookup_done *done, void *done_arg)
{
	struct fake_dns *fd = rctx;

	if (fd->asked < N(fd->asked_names))
		snprintf(fd->asked_names[fd->asked], sizeof(fd->asked_names[0]), "%s", name);
	fd->asked++;
	if (!fd->is_deferred) {
		fake_answer(fd, name, type, done, done_arg);
		return;
	}
	assert_true(fd->queued < N(fd->queue));
	fd->queue[fd->queued].name = xstrdup(name);
	fd->queue[fd->queued].type = type;
	fd->queue[fd->queued].done = done;
	fd->queue[fd->queued].done_arg = done_arg;
	fd->queued++;
	if (fd->queued > fd->max_queued)
		fd->max_queued = fd->queued;
}

/* Answer everything queued so far, last first, as a loop would at a later turn. */
static void
fake_flush(struct fake_dns *fd)
{
	while (fd->queued > 0) {
		struct pending p = fd->queue[--fd->queued];

		fake_answer(fd, p.name, p.type, p.done, p.done_arg);
		free(p.name);
	}
}

struct got {
	int calls;
	enum spf_result result;
	char mechanism[128];
	char explanation[256];
	unsigned dns_mechs, void_lookups;
	size_t trace_len;
};

static void
got_done(const struct spf_outcome *out, void *arg)
{
	struct got *g = arg;

	g->calls++;
	g->result = out->result;
	snprintf(g->mechanism, sizeof(g->mechanism), "%s", out->mechanism != NULL ?
	    out->mechanism : "");
	snprintf(g->explanation, sizeof(g->explanation), "%s", out->explanation != NULL ?
	    out->explanation : "");
	g->dns_mechs = out->dns_mechs;
	g->void_lookups = out->void_lookups;
	g->trace_len = out->trace_len;
}

static const struct fake_rr zone[] = {
	{ "example.test", SPF_T_TXT, "v=spf1 mx include:_spf.example.test -all "
	    "exp=why.example.test", 0 },
	{ "example.test", SPF_T_MX, "mx1.example.test", 10 },
	{ "example.test", SPF_T_MX, "mx2.example.test", 20 },
	{ "example.test", SPF_T_MX, "mx3.example.test", 30 },
	{ "mx1.example.test", SPF_T_A, "192.0.2.1", 0 },
	{ "mx2.example.test", SPF_T_A, "192.0.2.2", 0 },
	{ "mx3.example.test", SPF_T_A, "192.0.2.3", 0 },
	{ "_spf.example.test", SPF_T_TXT, "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 ?all", 0 },
	{ "why.example.test", SPF_T_TXT, "%{i} may not send for %{d} (%{L})", 0 },
	{ "v6.example.test", SPF_T_TXT, "v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all", 0 },
	{ "self.example.test", SPF_T_TXT, "v=spf1 include:self.example.test", 0 },
};

static void
run_eval(struct fake_dns *fd, const char *ip, const char *sender, struct got *g)
{
	struct spf_resolver r = { fake_lookup, fd };
	struct spf_query q = { .ip = ip, .sender = sender, .helo = "helo.example.test",
	    .want_trace = true };

	memset(g, 0, sizeof(*g));
	assert_int_equal(spf_eval_start(&q, &r, got_done, g), 0);
	fake_flush(fd);
	assert_int_equal(g->calls, 1);
}

static void
test_eval_sync_and_async(void **state)
{
	struct fake_dns fd = { .rrs = zone, .n_rrs = N(zone) };
	struct got g;
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		fd.is_deferred = pass == 1;
		fd.max_queued = 0;
		run_eval(&fd, "192.0.2.3", "user@example.test", &g);
		assert_int_equal(g.result, SPF_PASS);
		assert_string_equal(g.mechanism, "mx");
		assert_int_equal(g.dns_mechs, 1);
		/* RFC 7208 4.6.4 allows the address look-ups of one mx term together */
		if (fd.is_deferred)
			assert_int_equal(fd.max_queued, 3);

		run_eval(&fd, "198.51.100.7", "user@example.test", &g);
		assert_int_equal(g.result, SPF_PASS);
		assert_string_equal(g.mechanism, "include:_spf.example.test");
		assert_int_equal(g.dns_mechs, 2);

		run_eval(&fd, "203.0.113.9", "@example.test", &g);
		assert_int_equal(g.result, SPF_FAIL);
		assert_string_equal(g.mechanism, "-all");
		assert_string_equal(g.explanation, "203.0.113.9 may not send for example.test "
		    "(postmaster)");

		run_eval(&fd, "203.0.113.9", "user@self.example.test", &g);
		assert_int_equal(g.result, SPF_PERMERROR);
		assert_int_equal(g.dns_mechs, 11);

		run_eval(&fd, "203.0.113.9", "user@nowhere.example.test", &g);
		assert_int_equal(g.result, SPF_NONE);
		run_eval(&fd, "203.0.113.9", "user@localhost", &g);
		assert_int_equal(g.result, SPF_NONE);
		run_eval(&fd, "203.0.113.9", "", &g);
		assert_int_equal(g.result, SPF_NONE);
		assert_true(g.trace_len > 0);
	}
}

static void
test_eval_ip6_names(void **state)
{
	struct fake_dns fd = { .rrs = zone, .n_rrs = N(zone) };
	struct got g;

	(void)state;
	/* RFC 7208 7.4: %{ir}.%{v}._spf.%{d2} for 2001:db8::cb01 */
	run_eval(&fd, "2001:db8::cb01", "u@v6.example.test", &g);
	assert_int_equal(g.result, SPF_FAIL);
	assert_true(fd.asked >= 2);
	assert_int_equal(strcasecmp(fd.asked_names[1], "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
	    ".0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.test"), 0);
	/* IPv4-mapped IPv6 is IPv4 (RFC 7208 5) */
	fd.asked = 0;
	run_eval(&fd, "::ffff:192.0.2.2", "u@example.test", &g);
	assert_int_equal(g.result, SPF_PASS);
}

static void
test_eval_bad_input(void **state)
{
	struct fake_dns fd = { .rrs = zone, .n_rrs = N(zone) };
	struct spf_resolver r = { fake_lookup, &fd };
	struct spf_query q = { .ip = "192.0.2.300", .sender = "a@example.test" };
	struct got g = { 0 };
	char *huge;

	(void)state;
	assert_int_equal(spf_eval_start(&q, &r, got_done, &g), MXD_EINVAL);
	q.ip = NULL;
	assert_int_equal(spf_eval_start(&q, &r, got_done, &g), MXD_EINVAL);
	q.ip = "192.0.2.1";
	huge = xmalloc(5000);
	memset(huge, 'a', 4999);
	huge[4999] = '\0';
	q.sender = huge;
	assert_int_equal(spf_eval_start(&q, &r, got_done, &g), MXD_EINVAL);
	q.sender = NULL;
	q.helo = NULL;
	assert_int_equal(spf_eval_start(&q, &r, got_done, &g), MXD_EINVAL);
	assert_int_equal(g.calls, 0);
	free(huge);
}

static void
test_result_names(void **state)
{
	enum spf_result r;

	(void)state;
	assert_string_equal(spf_result_name(SPF_SOFTFAIL), "softfail");
	assert_int_equal(spf_result_parse("TempError", &r), 0);
	assert_int_equal(r, SPF_TEMPERROR);
	assert_int_equal(spf_result_parse("unknown", &r), MXD_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_macro_expand),
		cmocka_unit_test(test_macro_bounds),
		cmocka_unit_test(test_domain_spec),
		cmocka_unit_test(test_parse_terms),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_record_cache),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_target_names),
		cmocka_unit_test(test_eval_sync_and_async),
		cmocka_unit_test(test_eval_ip6_names),
		cmocka_unit_test(test_eval_bad_input),
		cmocka_unit_test(test_result_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
