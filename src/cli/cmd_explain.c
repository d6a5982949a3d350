/* `mxdiag explain [FILE|-]... [--kb FILE] [--no-dns] [--sender ADDR]`: classify a bounce,
 * explain each failure from the knowledge base, and re-check its DNS facts live. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "command.h"
#include "dns.h"
#include "explain_proof.h"
#include "fileio.h"
#include "i18n.h"
#include "loop.h"
#include "ndr.h"
#include "ndr_classify.h"
#include "ndr_kb.h"
#include "ndr_text.h"
#include "options.h"
#include "report.h"
#include "run.h"
#include "validate.h"
#include "xmalloc.h"

/* A bounce file (or stdin for "-") of at most NDR_MAX_INPUT bytes. */
static char *
read_input(const char *path, size_t *len, bool *too_big)
{
	return fileio_read_bounded(path, NDR_MAX_INPUT, len, too_big);
}

/* gettext's choice of language: --lang, then LANGUAGE, LC_ALL, LC_MESSAGES, LANG. */
static enum ndr_lang
pick_lang(const char *lang)
{
	static const char *const vars[] = { "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG" };
	size_t i;

	if (lang != NULL)
		return strncmp(lang, "ja", 2) == 0 ? NDR_LANG_JA : NDR_LANG_EN;
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v != NULL && v[0] != '\0')
			return strncmp(v, "ja", 2) == 0 ? NDR_LANG_JA : NDR_LANG_EN;
	}
	return NDR_LANG_EN;
}

/* Domain of the first address in s (lower case) into buf; false when none. */
static bool
addr_domain(const char *s, char *buf, size_t buf_len)
{
	char addr[320];
	size_t pos = 0;
	const char *at;

	if (s == NULL || ndr_text_find_addr(s, strlen(s), &pos, addr, sizeof(addr)) < 0)
		return false;
	at = strrchr(addr, '@');
	if (at == NULL || at[1] == '\0' || strlen(at + 1) >= buf_len)
		return false;
	snprintf(buf, buf_len, "%s", at + 1);
	return true;
}

struct explain {
	struct run_ctx *ctx;
	const struct ndr_kb *kb;
	enum ndr_lang lang;
	bool no_dns;
	const char *sender;	/* --sender: the original sender's address or domain */
	const char *ip;		/* --ip: the address the message was sent from */
	struct proof_seen seen;
};

/* The live proofs the cause names (kb.json `verify`), on this bounce's facts. */
static void
verify_cause(struct explain *ex, const struct ndr *n, const struct ndr_rcpt *r)
{
	const char *src = ex->sender != NULL ? ex->sender :
	    (n->orig_from != NULL ? n->orig_from : n->bounce_to);
	char sender_domain[256], rcpt_domain[256];
	struct proof_subject s = { 0 };

	if (r->cause == NULL || ex->no_dns)
		return;
	if (ex->sender != NULL && strchr(ex->sender, '@') == NULL) {
		snprintf(sender_domain, sizeof(sender_domain), "%s", ex->sender);
		s.sender_domain = sender_domain;
	} else if (addr_domain(src, sender_domain, sizeof(sender_domain))) {
		s.sender_domain = sender_domain;
	}
	if (addr_domain(r->addr, rcpt_domain, sizeof(rcpt_domain))) {
		s.rcpt_domain = rcpt_domain;
		s.rcpt = r->addr;
	}
	if (ex->ip != NULL) {
		s.ip = ex->ip;
		s.ip_source = "--ip";
	} else if (n->sending_ip_source != NULL) {
		s.ip = n->sending_ip;
		s.ip_source = n->sending_ip_source;
	}
	explain_prove(ex->ctx, r->cause, &s, &ex->seen);
}

static void
add_rcpt_finding(struct explain *ex, const struct ndr *n, const struct ndr_rcpt *r)
{
	const struct ndr_cause *k = r->cause;
	const char *id = k != NULL ? k->id : "ndr.onhold";
	enum status st;
	struct finding *f;
	json_t *verify;
	size_t i;

	if (strcmp(r->reason, "delivered") == 0 || strcmp(r->reason, "vacation") == 0 ||
	    strcmp(r->reason, "feedback") == 0)
		st = ST_INFO;
	else
		st = r->is_permanent ? ST_FAIL : ST_WARN;
	f = report_add(ex->ctx->rep, id, st, r->addr != NULL && r->addr[0] != '\0' ? r->addr :
	    _("(recipient not named)"));
	if (k != NULL) {
		finding_msg(f, "%s: %s", k->title[ex->lang], k->explanation[ex->lang]);
		finding_fix(f, "%s", k->fix[ex->lang]);
		for (i = 0; i < k->n_refs; i++)
			finding_ref(f, k->refs[i]);
	} else {
		finding_msg(f, _("No knowledge-base rule recognises this failure."));
	}
	for (i = 0; i < r->n_evidence; i++)
		finding_evidence(f, "%s", r->evidence[i]);
	if (r->n_evidence == 0 && r->diag != NULL)
		finding_evidence(f, "%s", r->diag);
	finding_data(f, "reason", json_string(r->reason));
	finding_data(f, "status_code", json_string(r->status_out));
	finding_data(f, "reply_code", json_string(r->reply));
	finding_data(f, "rule", json_string(r->rule));
	finding_data(f, "side", json_string(k != NULL ? k->side : "none"));
	if (r->action != NULL)
		finding_data(f, "action", json_string(r->action));
	if (r->remote_mta != NULL)
		finding_data(f, "remote_mta", json_string(r->remote_mta));
	if (r->command != NULL)
		finding_data(f, "smtp_command", json_string(r->command));
	if (r->diag != NULL)
		finding_data(f, "diagnostic", json_string(r->diag));
	verify = json_array();
	for (i = 0; k != NULL && i < k->n_verify; i++)
		json_array_append_new(verify, json_string(k->verify[i]));
	finding_data(f, "verify", verify);
	(void)n;
}

static void
add_bounce_facts(struct explain *ex, const struct ndr *n)
{
	json_t *b = json_object();

#define SET(key, val) do { if ((val) != NULL) json_object_set_new(b, key, json_string(val)); \
	} while (0)
	SET("reporting_mta", n->reporting_mta);
	SET("subject", n->bounce_subject);
	SET("original_from", n->orig_from);
	SET("original_to", n->orig_to);
	SET("original_subject", n->orig_subject);
	SET("original_message_id", n->orig_msgid);
#undef SET
	json_object_set_new(b, "kind", json_string(n->kind == NDR_KIND_EMAIL ? "email" : "text"));
	json_object_set_new(b, "has_dsn", json_boolean(n->has_dsn));
	json_object_set_new(b, "recipients", json_integer((json_int_t)n->n_rcpts));
	json_object_set_new(b, "language", json_string(ex->lang == NDR_LANG_JA ? "ja" : "en"));
	report_set_extra(ex->ctx->rep, "bounce", b);
	if (n->is_partial) {
		struct finding *f = report_add(ex->ctx->rep, "ndr.partial", ST_WARN,
		    _("bounce"));

		finding_msg(f, _("Only part of the bounce could be read: %s."), n->partial_why);
		finding_fix(f, _("Check that the whole message was saved or pasted."));
	}
}

/* Batch mode (several files): one line per recipient, for scripts and bench/explain. */
static int
explain_batch(const struct ndr_kb *kb, int argc, char **argv)
{
	int i, rc = EXIT_OK;

	for (i = 0; i < argc; i++) {
		bool too_big;
		size_t len = 0, k;
		char *buf = read_input(argv[i], &len, &too_big);
		struct ndr *n;

		if (buf == NULL) {
			fprintf(stderr, "mxdiag: explain: %s: %s\n", argv[i],
			    too_big ? _("larger than 10 MB") : strerror(errno));
			rc = EXIT_UNKNOWN;
			continue;
		}
		n = ndr_parse(buf, len);
		ndr_classify(n, kb);
		for (k = 0; k < n->n_rcpts; k++) {
			const struct ndr_rcpt *r = &n->rcpts[k];

			printf("%s\t%s\t%s\t%s\t%s\n", argv[i], r->addr, r->reason, r->status_out,
			    r->cause != NULL ? r->cause->id : "-");
		}
		ndr_free(n);
		free(buf);
	}
	return rc;
}

enum { O_FILE, O_KB, O_NO_DNS, O_SENDER, O_IP };

static const struct opt explain_rows[] = {
	[O_FILE] = { OPT_OPERAND, NULL, "FILE", OPT_ANY, 0, 0,
	    N_("the bounce: an .eml, an mbox message, pasted text, a log line\n"
	    "(- or nothing: standard input; several files: one line each)"), NULL },
	[O_KB] = { OPT_VALUE, "kb", "FILE", OPT_ANY, 0, 0,
	    N_("knowledge base to use instead of the installed kb.json"), NULL },
	[O_NO_DNS] = { OPT_FLAG, "no-dns", NULL, OPT_ANY, 0, 0,
	    N_("do not re-check the DNS facts behind the cause"), NULL },
	[O_SENDER] = { OPT_VALUE, "sender", "ADDR", OPT_ADDRESS, 0, 0,
	    N_("the original sender, when the bounce does not show it"), NULL },
	[O_IP] = { OPT_VALUE, "ip", "IP", OPT_IP, 0, 0,
	    N_("the address the message was sent from, when the bounce does not show it"),
	    NULL },
	{ OPT_END, NULL, NULL, OPT_ANY, 0, 0, NULL, NULL },
};

static const struct opt_spec explain_opts = { "explain", explain_rows, 17, NULL };

static int
explain_run(struct run_ctx *ctx, int argc, char **argv)
{
	struct explain ex = { .ctx = ctx };
	const char *kb_path, *path = "-";
	struct opt_vals v;
	struct ndr_kb *kb;
	struct ndr *n;
	char err[512], *buf;
	size_t len = 0, i;
	bool too_big;
	int rc;

	rc = opt_parse(&explain_opts, argc, argv, &v);
	if (rc >= 0)
		return rc;
	kb_path = opt_str(&v, O_KB);
	ex.no_dns = opt_flag(&v, O_NO_DNS);
	ex.sender = opt_str(&v, O_SENDER);
	ex.ip = opt_str(&v, O_IP);
	if (kb_path == NULL)
		kb_path = ndr_kb_default_path();
	kb = ndr_kb_load_checked(kb_path, explain_is_check, explain_is_finding, err, sizeof(err));
	if (kb == NULL)
		return cli_usage_error("explain", _("cannot load the knowledge base: %s"), err);
	if (argc - optind > 1) {
		rc = explain_batch(kb, argc - optind, argv + optind);
		ndr_kb_free(kb);
		return rc;
	}
	if (optind < argc)
		path = argv[optind];
	buf = read_input(path, &len, &too_big);
	if (buf == NULL) {
		ndr_kb_free(kb);
		if (too_big)
			return cli_usage_error("explain", _("%s is larger than 10 MB; save only the "
			    "bounce message"), path);
		return cli_usage_error("explain", _("cannot read %s: %s"), path, strerror(errno));
	}
	if (len == 0) {
		free(buf);
		ndr_kb_free(kb);
		return cli_usage_error("explain", _("%s is empty: paste the whole bounce, or give "
		    "the file that holds it"), path);
	}
	ex.kb = kb;
	ex.lang = pick_lang(ctx->g->lang);
	if (ex.no_dns) {
		ctx->rep = report_new("explain", path);
	} else {
		rc = run_open(ctx, "explain", path);
		if (rc != 0) {
			free(buf);
			ndr_kb_free(kb);
			return rc;
		}
	}
	n = ndr_parse(buf, len);
	ndr_classify(n, kb);
	add_bounce_facts(&ex, n);
	for (i = 0; i < n->n_rcpts; i++)
		add_rcpt_finding(&ex, n, &n->rcpts[i]);
	for (i = 0; i < n->n_rcpts; i++)
		verify_cause(&ex, n, &n->rcpts[i]);
	if (!ex.no_dns)
		loop_run(ctx->loop);
	ndr_free(n);
	free(buf);
	ndr_kb_free(kb);
	return -1;
}

const struct command cmd_explain = {
	.name = "explain",
	.summary = N_("explain a bounce (NDR/DSN): cause, who must act, fix, live re-check"),
	.usage = "explain [FILE|-]... [--kb FILE] [--no-dns] [--sender ADDR] [--ip IP]",
	.opts = &explain_opts,
	.run = explain_run,
};
