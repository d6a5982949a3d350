/*
 * `check` and `spf` agree on every record: a table of tricky SPF records, each given to the
 * record analysis (checks/dns/spf_terms.c, what `mxdiag check` runs) and to the evaluator
 * (src/spf, what `mxdiag spf` runs) on the same bytes. For each row the test asserts the
 * expected verdict of both (not only that they agree), and for a bad record which term
 * both name. Then the same rows once more as TXT records of a zone served in-process, through
 * the registry's spf-record and spf-verdict diagnoses: DNS, TXT joining and record choice
 * included.
 */
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

#include "checks.h"
#include "dns_zone.h"
#include "report.h"
#include "spf.h"
#include "spf_parse.h"
#include "spf_terms.h"
#include "xmalloc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DOMAIN "example.test"

enum verdict {
	V_NONE,		/* not an SPF record: check says spf.missing, spf says none */
	V_OK,		/* valid syntax: no syntax finding, no permerror */
	V_BAD,		/* a syntax error: a finding naming the term, and permerror */
};

static const char *const verdict_names[] = { "none", "ok", "bad" };

/* Records made at run time: n copies of " ip4:192.0.2.N" after "v=spf1", then " -all". */
enum gen { GEN_NONE, GEN_OVER_512, GEN_OVER_8K, GEN_OVER_DNS };

struct row {
	const char *record;
	size_t len;		/* 0: strlen(record) */
	enum gen gen;
	enum verdict want;
	size_t bad_index;	/* V_BAD: the first bad term (1: the first after v=spf1) */
	const char *bad_term;	/* V_BAD: as both name it (printable) */
	const char *bad_id;	/* V_BAD: the analysis's finding id */
};

#define OK(r) { r, 0, GEN_NONE, V_OK, 0, NULL, NULL }
#define NONE(r) { r, 0, GEN_NONE, V_NONE, 0, NULL, NULL }
#define BAD(r, i, t) { r, 0, GEN_NONE, V_BAD, i, t, "spf.syntax" }
#define UNKNOWN(r, i, t) { r, 0, GEN_NONE, V_BAD, i, t, "spf.unknown-mechanism" }

static const struct row rows[] = {
	OK("v=spf1 -all"),
	OK("v=spf1"),
	OK("v=spf1 ip4:192.0.2.1 -all "),
	OK("V=SPF1 IP4:192.0.2.1 -ALL"),
	OK("v=spf1 a mx/24 a:mail.example.test/24//64 mx:example.test//48 ~all"),
	OK("v=spf1 ptr:example.test -all"),
	OK("v=spf1 include:_spf.example.test exists:%{i}.bl.example.test -all"),
	OK("v=spf1 a:%{ir}.%{v}._spf.%{d2} -all"),
	OK("v=spf1 a:example.test. -all"),
	OK("v=spf1 redirect=_spf.example.test"),
	OK("v=spf1 -all redirect=_spf.example.test"),
	OK("v=spf1 -all exp=explain.example.test"),
	/* "all" need not be last: the terms after it are never reached, not an error */
	OK("v=spf1 -all ip4:192.0.2.1"),
	OK("v=spf1 +all"),
	/* unknown modifiers are ignored when their name and value are well formed */
	OK("v=spf1 foo.bar_baz-1=%{d} -all"),
	OK("v=spf1 -all moo.cow-far_out=man:dog/cat"),
	OK("v=spf1 -all default=deny"),
	OK("v=spf1 ip6:2001:db8::/32 ip6:::ffff:192.0.2.1 -all"),
	/* v=spf1 variants: exactly "v=spf1" then SP or the end (RFC 7208 4.5) */
	NONE("v=spf10 -all"),
	NONE("v=spf1.0 -all"),
	NONE("v=spf2 -all"),
	NONE("v=spf1\t-all"),
	NONE(" v=spf1 -all"),
	NONE("spf1 -all"),
	/* duplicate redirect and exp (RFC 7208 6) */
	BAD("v=spf1 redirect=a.example.test redirect=b.example.test", 2,
	    "redirect=b.example.test"),
	BAD("v=spf1 Redirect=a.example.test REDIRECT=a.example.test", 2,
	    "REDIRECT=a.example.test"),
	BAD("v=spf1 -all exp=a.example.test exp=b.example.test", 3, "exp=b.example.test"),
	BAD("v=spf1 redirect=", 1, "redirect="),
	BAD("v=spf1 -all exp=", 2, "exp="),
	BAD("v=spf1 redirect=single-label", 1, "redirect=single-label"),
	/* modifiers with bad names, or values that are no macro-string */
	BAD("v=spf1 1up=foo -all", 1, "1up=foo"),
	BAD("v=spf1 =all", 1, "=all"),
	BAD("v=spf1 -all foo!bar=x", 2, "foo!bar=x"),
	BAD("v=spf1 -all foo=%abc", 2, "foo=%abc"),
	BAD("v=spf1 foo=%{x} -all", 1, "foo=%{x}"),
	/* bad macros in a domain-spec (RFC 7208 7.1) */
	BAD("v=spf1 include:%{z}.example.test -all", 1, "include:%{z}.example.test"),
	BAD("v=spf1 exists:%{d -all", 1, "exists:%{d"),
	BAD("v=spf1 exists:%{d0}.example.test -all", 1, "exists:%{d0}.example.test"),
	BAD("v=spf1 a:%{c}.example.test -all", 1, "a:%{c}.example.test"),
	BAD("v=spf1 -all exp=%{c}.example.test", 2, "exp=%{c}.example.test"),
	BAD("v=spf1 a:example.test% -all", 1, "a:example.test%"),
	/* include typos */
	BAD("v=spf1 include: -all", 1, "include:"),
	BAD("v=spf1 include -all", 1, "include"),
	BAD("v=spf1 include=_spf.example.test -all", 1, "include=_spf.example.test"),
	BAD("v=spf1 include:_spf.example.test/24 -all", 1, "include:_spf.example.test/24"),
	BAD("v=spf1 include:localhost -all", 1, "include:localhost"),
	BAD("v=spf1 include:_spf.example.123 -all", 1, "include:_spf.example.123"),
	BAD("v=spf1 -include=x.example.test -all", 1, "-include=x.example.test"),
	UNKNOWN("v=spf1 inlcude:_spf.example.test -all", 1, "inlcude:_spf.example.test"),
	UNKNOWN("v=spf1 ip4:192.0.2.1 ip:198.51.100.7 -all", 2, "ip:198.51.100.7"),
	/* a missing colon: a known name followed by junk */
	BAD("v=spf1 include_spf.example.test -all", 1, "include_spf.example.test"),
	/* mechanisms with '=' and other shapes */
	BAD("v=spf1 all=", 1, "all="),
	BAD("v=spf1 a=mail.example.test -all", 1, "a=mail.example.test"),
	BAD("v=spf1 mx:example.test:25 -all", 1, "mx:example.test:25"),
	/* "all" with an argument */
	BAD("v=spf1 all:x", 1, "all:x"),
	BAD("v=spf1 -all.", 1, "-all."),
	BAD("v=spf1 all/8", 1, "all/8"),
	/* ip4 and ip6 with bad networks or CIDR lengths (RFC 7208 5.6) */
	BAD("v=spf1 ip4:192.0.2.0/33 -all", 1, "ip4:192.0.2.0/33"),
	BAD("v=spf1 ip4:192.0.2.0/024 -all", 1, "ip4:192.0.2.0/024"),
	BAD("v=spf1 ip4:192.0.2.0/ -all", 1, "ip4:192.0.2.0/"),
	BAD("v=spf1 ip4:192.0.2.0//24 -all", 1, "ip4:192.0.2.0//24"),
	BAD("v=spf1 ip4:999.1.1.1 -all", 1, "ip4:999.1.1.1"),
	BAD("v=spf1 ip4:192.0.02.1 -all", 1, "ip4:192.0.02.1"),
	BAD("v=spf1 ip4:mail.example.test -all", 1, "ip4:mail.example.test"),
	BAD("v=spf1 ip4 -all", 1, "ip4"),
	BAD("v=spf1 ip4/24 -all", 1, "ip4/24"),
	BAD("v=spf1 ip6:2001:db8::/129 -all", 1, "ip6:2001:db8::/129"),
	BAD("v=spf1 ip6:2001:db8::/64//64 -all", 1, "ip6:2001:db8::/64//64"),
	BAD("v=spf1 ip6:192.0.2.1 -all", 1, "ip6:192.0.2.1"),
	BAD("v=spf1 ip6:2001:db8:::1 -all", 1, "ip6:2001:db8:::1"),
	/* a and mx CIDR lengths */
	BAD("v=spf1 a/33 -all", 1, "a/33"),
	BAD("v=spf1 a//129 -all", 1, "a//129"),
	BAD("v=spf1 a/24/64 -all", 1, "a/24/64"),
	BAD("v=spf1 mx/ -all", 1, "mx/"),
	BAD("v=spf1 ptr/24 -all", 1, "ptr/24"),
	/* bytes outside %x21-7E inside a term: non-ASCII, TAB, CR, NUL (RFC 7208 12) */
	BAD("v=spf1 a:\xc3\xa9xample.test -all", 1, "a:\\xc3\\xa9xample.test"),
	BAD("v=spf1 \xef\xbb\xbf" "a -all", 1, "\\xef\\xbb\\xbfa"),
	BAD("v=spf1 a\t-all", 1, "a\\x09-all"),
	BAD("v=spf1 ip4:192.0.2.1\r", 1, "ip4:192.0.2.1\\x0d"),
	{ "v=spf1 a\0 -all", 14, GEN_NONE, V_BAD, 1, "a\\x00", "spf.syntax" },
	/* only the first bad term stops the evaluator; the analysis names each, first first */
	BAD("v=spf1 ip4:1.2.3 include: -all", 1, "ip4:1.2.3"),
	/* length: over 512 (RFC 7208 3.4: SHOULD, not MUST), over 8 KB, over one message */
	{ NULL, 0, GEN_OVER_512, V_OK, 0, NULL, NULL },
	{ NULL, 0, GEN_OVER_8K, V_OK, 0, NULL, NULL },
	{ NULL, 0, GEN_OVER_DNS, V_BAD, 0, NULL, "spf.syntax" },
};

static char *
gen_record(enum gen gen, size_t *len)
{
	size_t want = gen == GEN_OVER_512 ? 513 : gen == GEN_OVER_8K ? 8193 : 65536;
	size_t cap = want + 64, n = 0, i = 0;
	char *s = xmalloc(cap);

	n = (size_t)snprintf(s, cap, "v=spf1");
	while (n < want) {
		n += (size_t)snprintf(s + n, cap - n, " ip4:192.0.2.%zu", i % 256);
		i++;
	}
	n += (size_t)snprintf(s + n, cap - n, " -all");
	*len = n;
	return s;
}

/* The zone: the record under test at DOMAIN, a valid record or an address elsewhere, so that
 * only the record's own syntax can make a permerror. */
struct zone {
	const char *text;
	size_t len;
};

static void
zone_lookup(void *rctx, const char *name, uint16_t type, spf_lookup_done *done, void *done_arg)
{
	static const char other[] = "v=spf1 -all";
	const struct zone *z = rctx;
	struct spf_rr rr;
	struct spf_answer ans = { .status = SPF_DNS_OK, .rrs = &rr, .rr_count = 1 };

	memset(&rr, 0, sizeof(rr));
	switch (type) {
	case SPF_T_TXT:
		rr.data = strcasecmp(name, DOMAIN) == 0 ? z->text : other;
		rr.data_len = strcasecmp(name, DOMAIN) == 0 ? z->len : strlen(other);
		break;
	case SPF_T_A:
		assert_int_equal(inet_pton(AF_INET, "192.0.2.99", rr.addr), 1);
		break;
	case SPF_T_MX:
		rr.data = "mx." DOMAIN;
		rr.data_len = strlen(rr.data);
		rr.pref = 10;
		break;
	default:
		ans.status = SPF_DNS_NODATA;
		ans.rr_count = 0;
		break;
	}
	done(&ans, done_arg);
}

struct eval_got {
	int calls;
	enum spf_result result;
	enum spf_problem problem_kind;
	char problem[512];
};

static void
eval_done(const struct spf_outcome *out, void *arg)
{
	struct eval_got *g = arg;

	g->calls++;
	g->result = out->result;
	g->problem_kind = out->problem_kind;
	snprintf(g->problem, sizeof(g->problem), "%s", out->problem != NULL ? out->problem : "");
}

/* What `mxdiag spf` concludes about the record. */
static enum verdict
evaluator_verdict(const char *text, size_t len, struct eval_got *g)
{
	struct zone z = { text, len };
	struct spf_resolver r = { zone_lookup, &z };
	struct spf_query q = { .ip = "192.0.2.1", .sender = "user@" DOMAIN, .helo = DOMAIN };

	memset(g, 0, sizeof(*g));
	assert_int_equal(spf_eval_start(&q, &r, eval_done, g), 0);
	assert_int_equal(g->calls, 1);
	if (g->result == SPF_NONE && g->problem_kind == SPF_PROB_NO_RECORD)
		return V_NONE;
	if (g->result == SPF_PERMERROR && (g->problem_kind == SPF_PROB_SYNTAX ||
	    g->problem_kind == SPF_PROB_TOO_LONG))
		return V_BAD;
	/* anything else is a result of a valid record: never an error here */
	if (g->result == SPF_PERMERROR || g->result == SPF_TEMPERROR || g->result == SPF_NONE)
		fail_msg("\"%.60s\": evaluator %s (%s) for a record that is not bad",
		    text, spf_result_name(g->result), g->problem);
	return V_OK;
}

/* The analysis's first syntax finding (what `mxdiag check` names), or NULL. */
static const struct finding *
first_syntax_finding(const struct report *rep, size_t *n_syntax)
{
	const struct finding *first = NULL;
	size_t i;

	*n_syntax = 0;
	for (i = 0; i < report_count(rep); i++) {
		const struct finding *f = report_finding(rep, i);

		if (strcmp(finding_id(f), "spf.syntax") != 0 &&
		    strcmp(finding_id(f), "spf.unknown-mechanism") != 0)
			continue;
		assert_int_equal(finding_status(f), ST_FAIL);
		if (first == NULL)
			first = f;
		(*n_syntax)++;
	}
	return first;
}

/* What `mxdiag check` concludes about the record. */
static enum verdict
analysis_verdict(const struct row *row, const char *text, size_t len)
{
	struct report *rep;
	struct check_ctx ctx;
	struct spf_analysis a;
	const struct finding *f;
	size_t n_syntax;
	enum verdict v;

	/* on_txt() picks the record the way the evaluator does (RFC 7208 4.5) */
	if (!spf_is_spf1(text, len))
		return V_NONE;
	rep = report_new("check", DOMAIN);
	memset(&ctx, 0, sizeof(ctx));
	ctx.rep = rep;
	ctx.domain = DOMAIN;
	spf_terms_analyse(&ctx, DOMAIN, NULL, text, len, &a);
	f = first_syntax_finding(rep, &n_syntax);
	/* one finding per bad term, and none without one */
	assert_int_equal(n_syntax, a.n_bad);
	v = a.n_bad > 0 ? V_BAD : V_OK;
	if (v == V_BAD && row->want == V_BAD) {
		json_t *term = json_object_get(finding_data_obj(f), "term");
		json_t *index = json_object_get(finding_data_obj(f), "term_index");

		if (strcmp(finding_id(f), row->bad_id) != 0)
			fail_msg("\"%.60s\": check says %s, want %s", text, finding_id(f),
			    row->bad_id);
		if (row->bad_term != NULL && (term == NULL || index == NULL ||
		    strcmp(json_string_value(term), row->bad_term) != 0 ||
		    (size_t)json_integer_value(index) != row->bad_index))
			fail_msg("\"%.60s\": check names term %lld \"%s\", want %zu \"%s\"",
			    text, index != NULL ? (long long)json_integer_value(index) : -1LL,
			    term != NULL ? json_string_value(term) : "", row->bad_index,
			    row->bad_term);
	}
	spf_analysis_fini(&a);
	report_free(rep);
	return v;
}

static void
test_check_and_spf_agree(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(rows); i++) {
		const struct row *row = &rows[i];
		struct eval_got g;
		char *owned = NULL, needle[200];
		const char *text = row->record;
		size_t len = row->len;
		enum verdict by_check, by_spf;

		if (row->gen != GEN_NONE)
			text = owned = gen_record(row->gen, &len);
		else if (len == 0)
			len = strlen(text);
		by_check = analysis_verdict(row, text, len);
		by_spf = evaluator_verdict(text, len, &g);
		if (by_check != row->want || by_spf != row->want)
			fail_msg("row %zu \"%.60s\": check %s, spf %s (%s), want %s", i, text,
			    verdict_names[by_check], verdict_names[by_spf], g.problem,
			    verdict_names[row->want]);
		/* the evaluator names the same term */
		if (row->want == V_BAD && row->bad_term != NULL) {
			snprintf(needle, sizeof(needle), "term %zu '%s'", row->bad_index,
			    row->bad_term);
			if (strstr(g.problem, needle) == NULL)
				fail_msg("row %zu: spf says \"%s\", not naming %s", i, g.problem,
				    needle);
		}
		free(owned);
	}
}

/* The analysis goes on past a bad term: every bad term is named, the good ones still count
 * and are followed, while the evaluator stops at the first. */
static void
test_analysis_names_every_bad_term(void **state)
{
	static const char text[] = "v=spf1 ip4:1.2.3 include:_spf.example.test a:% "
	    "mx redirect=a.example.test redirect=b.example.test";
	struct report *rep = report_new("check", DOMAIN);
	struct check_ctx ctx = { .rep = rep, .domain = DOMAIN };
	struct spf_analysis a;
	const struct finding *f;
	size_t n_syntax;

	(void)state;
	spf_terms_analyse(&ctx, DOMAIN, NULL, text, strlen(text), &a);
	assert_int_equal(a.n_bad, 3);
	f = first_syntax_finding(rep, &n_syntax);
	assert_int_equal(n_syntax, 3);
	assert_string_equal(json_string_value(json_object_get(finding_data_obj(f), "term")),
	    "ip4:1.2.3");
	/* include, mx and the first redirect: three look-ups, the include, mx and redirect
	 * followed */
	assert_int_equal(a.dns_terms, 3);
	assert_int_equal(a.n_follow, 3);
	assert_int_equal(a.follow[0].kind, SPF_FOLLOW_INCLUDE);
	assert_string_equal(a.follow[0].target, "_spf.example.test");
	assert_int_equal(a.follow[1].kind, SPF_FOLLOW_MX);
	assert_string_equal(a.follow[1].target, DOMAIN);
	assert_int_equal(a.follow[2].kind, SPF_FOLLOW_REDIRECT);
	assert_string_equal(a.follow[2].target, "a.example.test");
	spf_analysis_fini(&a);
	report_free(rep);
}

/* The names the rows' terms point at, so that only syntax can make a permerror. */
static const char zone_base[] =
    DOMAIN ". A 192.0.2.99\n"
    DOMAIN ". MX 10 mx." DOMAIN ".\n"
    "mx." DOMAIN ". A 192.0.2.99\n"
    "mail." DOMAIN ". A 192.0.2.99\n"
    "_spf." DOMAIN ". TXT \"v=spf1 -all\"\n"
    "a." DOMAIN ". TXT \"v=spf1 -all\"\n"
    "explain." DOMAIN ". TXT \"not allowed\"\n";

/* The zone: zone_base and DOMAIN's TXT record holding text[0..len) in strings of 200,
 * every byte outside %x21-7E (and '"', '\\', ';') as \DDD. Caller frees. */
static char *
zone_with(const char *text, size_t len)
{
	size_t cap = sizeof(zone_base) + 64 + len * 4 + (len / 200 + 1) * 3, n, i;
	char *z = xmalloc(cap);

	n = (size_t)snprintf(z, cap, "%s" DOMAIN ". TXT", zone_base);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (i % 200 == 0)
			n += (size_t)snprintf(z + n, cap - n, "%s\"", i > 0 ? "\" " : " ");
		if (c < 0x21 || c > 0x7e || c == '"' || c == '\\' || c == ';')
			n += (size_t)snprintf(z + n, cap - n, "\\%03u", c);
		else
			z[n++] = (char)c;
	}
	snprintf(z + n, cap - n, "%s\n", len > 0 ? "\"" : " \"\"");
	return z;
}

static void
test_registry_run_agrees(void **state)
{
	static const char *const names[] = { "spf-record", "spf-verdict" };
	struct check_inputs in = { .domain = DOMAIN, .ip = "192.0.2.1" };
	size_t i;

	(void)state;
	for (i = 0; i < N(rows); i++) {
		const struct row *row = &rows[i];
		struct zone_run r;
		const struct finding *f, *res = NULL;
		const char *problem = "";
		char *owned = NULL, *zone;
		const char *text = row->record;
		size_t len = row->len, n_syntax, k;
		enum verdict by_check, by_spf;

		if (row->gen == GEN_OVER_DNS)
			continue;	/* no TXT record is that long */
		if (row->gen != GEN_NONE)
			text = owned = gen_record(row->gen, &len);
		else if (len == 0)
			len = strlen(text);
		zone = zone_with(text, len);
		zone_run(&r, zone, &in, names, N(names));
		f = first_syntax_finding(r.ctx.rep, &n_syntax);
		by_check = n_syntax > 0 ? V_BAD : zone_count(&r, "spf.missing") > 0 ? V_NONE :
		    V_OK;
		for (k = 0; k < report_count(r.ctx.rep); k++) {
			const struct finding *g = report_finding(r.ctx.rep, k);

			if (strncmp(finding_id(g), "spf.result-", 11) == 0)
				res = g;
		}
		assert_non_null(res);
		if (json_object_get(finding_data_obj(res), "problem") != NULL)
			problem = json_string_value(json_object_get(finding_data_obj(res),
			    "problem"));
		by_spf = strcmp(finding_id(res), "spf.result-none") == 0 &&
		    strcmp(problem, "no-record") == 0 ? V_NONE :
		    strcmp(finding_id(res), "spf.result-permerror") == 0 &&
		    (strcmp(problem, "syntax") == 0 || strcmp(problem, "too-long") == 0) ? V_BAD :
		    V_OK;
		if (by_check != row->want || by_spf != row->want)
			fail_msg("row %zu \"%.60s\" from DNS: check %s, spf %s (%s %s), want %s", i,
			    text, verdict_names[by_check], verdict_names[by_spf], finding_id(res),
			    problem, verdict_names[row->want]);
		if (row->want == V_BAD && row->bad_term != NULL)
			assert_string_equal(json_string_value(json_object_get(finding_data_obj(f),
			    "term")), row->bad_term);
		zone_run_free(&r);
		free(zone);
		free(owned);
	}
}

/* Both read as many TXT records of a name (SPF_RRS_MAX): a record after many others is
 * found by check as by spf (check once read the first 16 only). */
static void
test_many_txt_records(void **state)
{
	static const char *const names[] = { "spf-record", "spf-verdict" };
	struct check_inputs in = { .domain = DOMAIN, .ip = "192.0.2.1" };
	char zone[4096];
	size_t n = 0;
	int i;
	struct zone_run r;

	(void)state;
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(zone + n, sizeof(zone) - n,
		    DOMAIN ". TXT \"site-verification=%d\"\n", i);
	snprintf(zone + n, sizeof(zone) - n, DOMAIN ". TXT \"v=spf1 ip4:192.0.2.1 -all\"\n");
	zone_run(&r, zone, &in, names, N(names));
	zone_assert(&r, "spf.present", DOMAIN, ST_OK);
	zone_assert_none(&r, "spf.missing");
	zone_assert(&r, "spf.result-pass", DOMAIN, ST_OK);
	zone_run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_and_spf_agree),
		cmocka_unit_test(test_analysis_names_every_bad_term),
		cmocka_unit_test(test_registry_run_agrees),
		cmocka_unit_test(test_many_txt_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
