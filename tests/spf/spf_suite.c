/* tests/spf-suite: run an RFC 7208 test suite file (JSON, see tests/spf/data/README.md) with
 * its zone data served in-process through the evaluator's resolver interface. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "spf.h"
#include "xmalloc.h"

#define ZT_CNAME 5
#define ZT_SPF 99
#define ZT_TIMEOUT 0xffff	/* the "TIMEOUT" pseudo-record */
#define ZONE_CNAME_MAX 10	/* CNAME hops followed, like the suite's driver */
#define ZONE_ANSWER_MAX 64	/* records returned for one question */
#define ZONE_NAME_MAX 1024

/* One zonedata entry, in the order the scenario lists them. */
struct zrec {
	uint16_t type;
	char *data;		/* owned: TXT/SPF joined strings, MX/PTR/CNAME name */
	size_t data_len;
	uint16_t pref;
	unsigned char addr[16];
};

struct zname {
	char *name;		/* owned, lower case */
	struct zrec *recs;	/* owned */
	size_t n;
};

struct zone {
	struct zname *names;	/* owned */
	size_t n;
};

struct test_result {
	bool is_done;
	enum spf_result result;
	char *explanation;	/* owned */
	char *problem;		/* owned */
	char *trace;		/* owned, when verbose */
};

static bool verbose;

static void
lower(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

static void
zrec_add(struct zname *zn, const struct zrec *r)
{
	zn->recs = xrealloc(zn->recs, (zn->n + 1) * sizeof(*zn->recs));
	zn->recs[zn->n++] = *r;
}

/* A TXT/SPF value: one string, or a list of strings joined without separators (RFC 7208
 * 3.3). Returns 0, or -1 for another shape. */
static int
txt_join(json_t *v, struct zrec *r)
{
	size_t i, len = 0;
	json_t *s;

	if (json_is_string(v)) {
		r->data_len = json_string_length(v);
		r->data = xmalloc(r->data_len + 1);
		memcpy(r->data, json_string_value(v), r->data_len + 1);
		return 0;
	}
	if (!json_is_array(v))
		return -1;
	json_array_foreach(v, i, s) {
		if (!json_is_string(s))
			return -1;
		len += json_string_length(s);
	}
	r->data = xmalloc(len + 1);
	r->data_len = 0;
	json_array_foreach(v, i, s) {
		memcpy(r->data + r->data_len, json_string_value(s), json_string_length(s));
		r->data_len += json_string_length(s);
	}
	r->data[len] = '\0';
	return 0;
}

/*
 * Load one name's entries the way the suite's driver (pyspf test/testspf.py) does: SPF
 * records are also served as TXT when the name lists no TXT entry at all (not even
 * {"TXT": "NONE"}), after every listed entry.
 */
static int
zone_load_name(struct zname *zn, json_t *list, char *why, size_t why_len)
{
	struct zrec *gen = NULL;
	size_t n_gen = 0, i, j;
	bool has_txt = false;
	json_t *e;
	int rc = 0;

	json_array_foreach(list, i, e) {
		struct zrec r = { 0 };
		const char *key;
		json_t *v;

		if (json_is_string(e) && strcmp(json_string_value(e), "TIMEOUT") == 0) {
			r.type = ZT_TIMEOUT;
			zrec_add(zn, &r);
			continue;
		}
		if (!json_is_object(e) || json_object_size(e) != 1) {
			snprintf(why, why_len, "%s: unknown entry", zn->name);
			return -1;
		}
		json_object_foreach(e, key, v) {
			if (strcmp(key, "TXT") == 0 || strcmp(key, "SPF") == 0) {
				bool is_txt = key[0] == 'T';

				if (is_txt)
					has_txt = true;
				if (json_is_string(v) && strcmp(json_string_value(v), "NONE") == 0)
					continue;
				r.type = is_txt ? SPF_T_TXT : ZT_SPF;
				if (txt_join(v, &r) < 0)
					rc = -1;
			} else if (strcmp(key, "A") == 0 || strcmp(key, "AAAA") == 0) {
				r.type = key[1] == '\0' ? SPF_T_A : SPF_T_AAAA;
				if (!json_is_string(v) || inet_pton(r.type == SPF_T_A ? AF_INET :
				    AF_INET6, json_string_value(v), r.addr) != 1)
					rc = -1;
			} else if (strcmp(key, "MX") == 0) {
				json_t *pref = json_array_get(v, 0), *name = json_array_get(v, 1);

				r.type = SPF_T_MX;
				if (!json_is_integer(pref) || !json_is_string(name)) {
					rc = -1;
				} else {
					r.pref = (uint16_t)json_integer_value(pref);
					r.data = xstrdup(json_string_value(name));
					r.data_len = strlen(r.data);
				}
			} else if (strcmp(key, "PTR") == 0 || strcmp(key, "CNAME") == 0) {
				r.type = key[0] == 'P' ? SPF_T_PTR : ZT_CNAME;
				if (!json_is_string(v)) {
					rc = -1;
				} else {
					r.data = xstrdup(json_string_value(v));
					r.data_len = strlen(r.data);
				}
			} else {
				rc = -1;
			}
			if (rc < 0) {
				free(r.data);
				snprintf(why, why_len, "%s: bad %s entry", zn->name, key);
				return -1;
			}
			zrec_add(zn, &r);
			if (r.type == ZT_SPF) {
				gen = xrealloc(gen, (n_gen + 1) * sizeof(*gen));
				gen[n_gen] = r;
				gen[n_gen].data = xmalloc(r.data_len + 1);
				memcpy(gen[n_gen].data, r.data, r.data_len + 1);
				gen[n_gen].type = SPF_T_TXT;
				n_gen++;
			}
		}
	}
	for (j = 0; j < n_gen; j++) {
		if (has_txt)
			free(gen[j].data);
		else
			zrec_add(zn, &gen[j]);
	}
	free(gen);
	return 0;
}

static void
zone_free(struct zone *z)
{
	size_t i, j;

	for (i = 0; i < z->n; i++) {
		for (j = 0; j < z->names[i].n; j++)
			free(z->names[i].recs[j].data);
		free(z->names[i].recs);
		free(z->names[i].name);
	}
	free(z->names);
	memset(z, 0, sizeof(*z));
}

static int
zone_load(struct zone *z, json_t *zonedata, char *why, size_t why_len)
{
	const char *name;
	json_t *list;

	memset(z, 0, sizeof(*z));
	json_object_foreach(zonedata, name, list) {
		struct zname *zn;

		if (!json_is_array(list)) {
			snprintf(why, why_len, "%s: records are not a list", name);
			return -1;
		}
		z->names = xrealloc(z->names, (z->n + 1) * sizeof(*z->names));
		zn = &z->names[z->n++];
		memset(zn, 0, sizeof(*zn));
		zn->name = xstrdup(name);
		lower(zn->name);
		if (zone_load_name(zn, list, why, why_len) < 0)
			return -1;
	}
	return 0;
}

static const struct zname *
zone_find(const struct zone *z, const char *name)
{
	size_t i;

	for (i = 0; i < z->n; i++) {
		if (strcmp(z->names[i].name, name) == 0)
			return &z->names[i];
	}
	return NULL;
}

/*
 * Answer name/type like the suite's driver: a label over 63 octets is a DNS error, empty
 * labels are dropped, a missing name is NXDOMAIN (a timeout when it starts with "error."),
 * TIMEOUT is a timeout unless a record of the type (or a CNAME) came before it, CNAMEs are
 * followed.
 */
static void
zone_answer(const struct zone *z, const char *qname, uint16_t type, struct spf_answer *ans,
    struct spf_rr *rrs, unsigned hops)
{
	char name[ZONE_NAME_MAX];
	const struct zname *zn;
	const char *p = qname, *cname = NULL;
	size_t len = 0, i;
	bool is_timeout = true;

	memset(ans, 0, sizeof(*ans));
	ans->rrs = rrs;
	name[0] = '\0';
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t llen = dot != NULL ? (size_t)(dot - p) : strlen(p);

		if (llen > 63) {
			ans->status = SPF_DNS_TEMPERROR;
			ans->why = "label longer than 63 octets";
			return;
		}
		if (llen > 0) {
			if (len + llen + 2 >= sizeof(name)) {
				ans->status = SPF_DNS_TEMPERROR;
				ans->why = "name too long";
				return;
			}
			if (len > 0)
				name[len++] = '.';
			memcpy(name + len, p, llen);
			len += llen;
			name[len] = '\0';
		}
		p += llen;
		if (*p == '.')
			p++;
	}
	lower(name);
	zn = zone_find(z, name);
	if (zn == NULL) {
		if (strncmp(name, "error.", 6) == 0) {
			ans->status = SPF_DNS_TEMPERROR;
			ans->why = "timeout";
		} else {
			ans->status = SPF_DNS_NXDOMAIN;
		}
		return;
	}
	for (i = 0; i < zn->n; i++) {
		const struct zrec *r = &zn->recs[i];

		if (r->type == ZT_TIMEOUT) {
			if (is_timeout) {
				ans->status = SPF_DNS_TEMPERROR;
				ans->why = "timeout";
				ans->rr_count = 0;
				return;
			}
			break;
		}
		if (r->type == ZT_CNAME) {
			is_timeout = false;
			cname = r->data;
			continue;
		}
		if (r->type != type)
			continue;
		is_timeout = false;
		if (ans->rr_count < ZONE_ANSWER_MAX) {
			struct spf_rr *rr = &rrs[ans->rr_count++];

			memset(rr, 0, sizeof(*rr));
			rr->data = r->data;
			rr->data_len = r->data_len;
			rr->pref = r->pref;
			memcpy(rr->addr, r->addr, sizeof(rr->addr));
		}
	}
	if (ans->rr_count > 0) {
		ans->status = SPF_DNS_OK;
		return;
	}
	if (cname != NULL && hops < ZONE_CNAME_MAX) {
		zone_answer(z, cname, type, ans, rrs, hops + 1);
		if (ans->status == SPF_DNS_NXDOMAIN)
			ans->status = SPF_DNS_NODATA;
		return;
	}
	ans->status = SPF_DNS_NODATA;
}

static void
zone_lookup(void *rctx, const char *name, uint16_t type, spf_lookup_done *done, void *done_arg)
{
	struct spf_rr rrs[ZONE_ANSWER_MAX];
	struct spf_answer ans;

	zone_answer(rctx, name, type, &ans, rrs, 0);
	done(&ans, done_arg);
}

static char *
trace_text(const struct spf_outcome *out)
{
	size_t i, len = 0, cap = 256;
	char *buf = xmalloc(cap);

	buf[0] = '\0';
	for (i = 0; i < out->trace_len; i++) {
		const struct spf_trace_step *st = &out->trace[i];
		char *line = xasprintf("    %*s[%s] %s%s%s%s%s -> %s  (dns %u, void %u)\n",
		    (int)st->depth * 2, "", st->domain, st->term,
		    st->query != NULL ? "  ? " : "", st->query != NULL ? st->query : "",
		    st->answer != NULL ? " = " : "", st->answer != NULL ? st->answer : "",
		    st->note != NULL ? st->note : "", st->dns_mechs, st->void_lookups);
		size_t n = strlen(line);

		while (len + n + 1 > cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		memcpy(buf + len, line, n + 1);
		len += n;
		free(line);
	}
	return buf;
}

static void
test_done(const struct spf_outcome *out, void *arg)
{
	struct test_result *tr = arg;

	tr->is_done = true;
	tr->result = out->result;
	tr->explanation = xstrdup(out->explanation);
	tr->problem = xstrdup(out->problem);
	if (verbose)
		tr->trace = trace_text(out);
}

/* Whether got is the expected result or one of the expected results. */
static bool
result_is_expected(json_t *expected, enum spf_result got)
{
	enum spf_result want;
	size_t i;
	json_t *v;

	if (json_is_string(expected))
		return spf_result_parse(json_string_value(expected), &want) == 0 && want == got;
	json_array_foreach(expected, i, v) {
		if (json_is_string(v) && spf_result_parse(json_string_value(v), &want) == 0 &&
		    want == got)
			return true;
	}
	return false;
}

static char *
json_text(json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	return s != NULL ? s : xstrdup("?");
}

/* Run one test; returns true when it passed. */
static bool
run_test(const struct zone *z, const char *scenario, const char *name, json_t *t,
    const char *only)
{
	struct spf_resolver r = { zone_lookup, (void *)z };
	struct spf_query q = { 0 };
	struct test_result tr = { 0 };
	json_t *expected = json_object_get(t, "result");
	json_t *exp_text = json_object_get(t, "explanation");
	bool is_ok = true;
	char *want;
	int rc;

	q.ip = json_string_value(json_object_get(t, "host"));
	q.sender = json_string_value(json_object_get(t, "mailfrom"));
	q.helo = json_string_value(json_object_get(t, "helo"));
	q.default_exp = "DEFAULT";
	q.receiver = "receiver.com";
	q.want_trace = verbose;
	rc = spf_eval_start(&q, &r, test_done, &tr);
	want = json_text(expected);
	if (rc < 0 || !tr.is_done) {
		printf("FAIL %s / %s: evaluation did not %s (expected %s)\n", scenario, name,
		    rc < 0 ? "start" : "complete in-process", want);
		is_ok = false;
	} else if (!result_is_expected(expected, tr.result)) {
		printf("FAIL %s / %s: expected %s, got %s%s%s%s\n", scenario, name, want,
		    spf_result_name(tr.result), tr.problem != NULL ? " (" : "",
		    tr.problem != NULL ? tr.problem : "", tr.problem != NULL ? ")" : "");
		is_ok = false;
	} else if (json_is_string(exp_text) && strcmp(json_string_value(exp_text),
	    tr.explanation != NULL ? tr.explanation : "") != 0) {
		printf("FAIL %s / %s: explanation \"%s\", expected \"%s\"\n", scenario, name,
		    tr.explanation != NULL ? tr.explanation : "", json_string_value(exp_text));
		is_ok = false;
	}
	if (verbose && tr.trace != NULL && (!is_ok || only != NULL)) {
		if (is_ok)
			printf("ok   %s / %s: %s\n", scenario, name, spf_result_name(tr.result));
		fputs(tr.trace, stdout);
	}
	free(want);
	free(tr.explanation);
	free(tr.problem);
	free(tr.trace);
	return is_ok;
}

static void
usage(void)
{
	fputs("usage: spf-suite [-v] [-t TEST] FILE.json...\n"
	    "  Runs RFC 7208 test suite files; -v prints the trace of failures (or of TEST).\n",
	    stderr);
}

int
main(int argc, char **argv)
{
	const char *only = NULL;
	unsigned passed = 0, failed = 0;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
		} else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
			only = argv[++i];
			verbose = true;
		} else {
			usage();
			return 64;
		}
	}
	if (i >= argc) {
		usage();
		return 64;
	}
	for (; i < argc; i++) {
		json_error_t jerr;
		json_t *root = json_load_file(argv[i], JSON_ALLOW_NUL, &jerr), *sc;
		size_t k;

		if (root == NULL || !json_is_array(root)) {
			fprintf(stderr, "spf-suite: %s: %s\n", argv[i],
			    root == NULL ? jerr.text : "not a JSON array of scenarios");
			json_decref(root);
			return 2;
		}
		json_array_foreach(root, k, sc) {
			const char *desc = json_string_value(json_object_get(sc, "description"));
			json_t *tests = json_object_get(sc, "tests"), *t;
			const char *name;
			struct zone z;
			char why[200];

			if (desc == NULL)
				desc = "?";
			if (zone_load(&z, json_object_get(sc, "zonedata"), why, sizeof(why)) < 0) {
				fprintf(stderr, "spf-suite: %s: %s: %s\n", argv[i], desc, why);
				zone_free(&z);
				json_decref(root);
				return 2;
			}
			json_object_foreach(tests, name, t) {
				if (only != NULL && strcmp(only, name) != 0)
					continue;
				if (run_test(&z, desc, name, t, only))
					passed++;
				else
					failed++;
			}
			zone_free(&z);
		}
		json_decref(root);
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
