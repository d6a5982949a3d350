/* Fuzz target: a bounce as anyone can forge it. The whole explain pipeline without DNS:
 * ndr_parse() (headers, MIME, DSN, charsets, transfer encodings, text), ndr_classify()
 * against data/kb.json, then the findings and both renderers, as src/cmd_explain.c does. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "ndr.h"
#include "ndr_classify.h"
#include "ndr_kb.h"
#include "render.h"
#include "report.h"

static struct ndr_kb *kb;	/* loaded once; reachable to the end, so not a leak */
static FILE *devnull;

static void
setup(void)
{
	const char *path = getenv("MXD_KB");
	char err[512];

	if (path == NULL || path[0] == '\0')
		path = MXD_SRCDIR "/data/kb.json";
	kb = ndr_kb_load(path, err, sizeof(err));
	if (kb == NULL) {
		fprintf(stderr, "fuzz_ndr: %s\n", err);
		abort();
	}
	devnull = fopen("/dev/null", "w");
	if (devnull == NULL)
		abort();
}

/* ndr.h promises owned UTF-8 strings: JSON output depends on it. */
#define check_str(s) do { \
	if ((s) != NULL && !fuzz_is_utf8((s), strlen(s))) \
		fuzz_fail("UTF-8 in " #s, __FILE__, __LINE__); \
	} while (0)

static void
check_ndr(const struct ndr *n)
{
	size_t i, k;

	FUZZ_ASSERT(n->n_rcpts <= NDR_MAX_RCPTS);
	FUZZ_ASSERT(n->text == NULL || n->text_len <= NDR_MAX_TEXT);
	if (n->text != NULL)
		FUZZ_ASSERT(fuzz_is_utf8(n->text, strlen(n->text)));
	check_str(n->reporting_mta);
	check_str(n->bounce_from);
	check_str(n->bounce_subject);
	check_str(n->bounce_to);
	check_str(n->orig_from);
	check_str(n->orig_to);
	check_str(n->orig_subject);
	check_str(n->orig_msgid);
	FUZZ_ASSERT(memchr(n->partial_why, '\0', sizeof(n->partial_why)) != NULL);
	for (i = 0; i < n->n_rcpts; i++) {
		const struct ndr_rcpt *r = &n->rcpts[i];

		FUZZ_ASSERT(r->addr != NULL);
		check_str(r->addr);
		check_str(r->action);
		check_str(r->diag);
		check_str(r->context);
		check_str(r->remote_mta);
		FUZZ_ASSERT(memchr(r->status, '\0', sizeof(r->status)) != NULL);
		FUZZ_ASSERT(memchr(r->reply, '\0', sizeof(r->reply)) != NULL);
		FUZZ_ASSERT(memchr(r->rule, '\0', sizeof(r->rule)) != NULL);
		FUZZ_ASSERT(memchr(r->reason, '\0', sizeof(r->reason)) != NULL);
		FUZZ_ASSERT(memchr(r->status_out, '\0', sizeof(r->status_out)) != NULL);
		FUZZ_ASSERT(r->n_evidence <= NDR_MAX_EVIDENCE);
		for (k = 0; k < r->n_evidence; k++)
			FUZZ_ASSERT(r->evidence[k] != NULL);
	}
}

/* The findings src/cmd_explain.c makes of each recipient (the parts that carry bounce
 * text), then both renderers. */
static void
report_ndr(const struct ndr *n)
{
	struct report *rep = report_new("explain", "-");
	struct render_opts opts = { .verbose = 2 };
	json_t *doc;
	size_t i, k;

	for (i = 0; i < n->n_rcpts; i++) {
		const struct ndr_rcpt *r = &n->rcpts[i];
		struct finding *f = report_add(rep, r->cause != NULL ? r->cause->id : "ndr.onhold",
		    r->is_permanent ? ST_FAIL : ST_WARN, r->addr[0] != '\0' ? r->addr : "-");

		if (r->cause != NULL)
			finding_msg(f, "%s: %s", r->cause->title[0], r->cause->explanation[0]);
		for (k = 0; k < r->n_evidence; k++)
			finding_evidence(f, "%s", r->evidence[k]);
		finding_data(f, "reason", json_string(r->reason));
		finding_data(f, "status_code", json_string(r->status_out));
		finding_data(f, "reply_code", json_string(r->reply));
		finding_data(f, "rule", json_string(r->rule));
		if (r->diag != NULL)
			finding_data(f, "diagnostic", json_string(r->diag));
		if (r->remote_mta != NULL)
			finding_data(f, "remote_mta", json_string(r->remote_mta));
		/* json_string() is NULL for invalid UTF-8: the data would silently vanish. */
		FUZZ_ASSERT(json_object_size(finding_data_obj(f)) ==
		    4u + (r->diag != NULL) + (r->remote_mta != NULL));
	}
	report_finish(rep);
	doc = render_json_doc(rep);
	FUZZ_ASSERT(doc != NULL);
	json_decref(doc);
	render_text(devnull, rep, &opts);
	report_free(rep);
}

FUZZ_TARGET(ndr)
{
	struct ndr *n;

	if (kb == NULL)
		setup();
	n = ndr_parse((const char *)data, size);
	FUZZ_ASSERT(n != NULL);
	ndr_classify(n, kb);
	check_ndr(n);
	report_ndr(n);
	ndr_free(n);
	return 0;
}
