/* `mxdiag explain [FILE|-]... [--kb FILE] [--no-dns] [--sender ADDR] [--ip IP]`: classify
 * bounces (one, several files, an mbox, a Maildir), explain each failure from the knowledge
 * base, and prove its cause live. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "command.h"
#include "explain.h"
#include "explain_out.h"
#include "i18n.h"
#include "ndr.h"
#include "ndr_classify.h"
#include "ndr_kb.h"
#include "ndr_origin.h"
#include "ndr_search.h"
#include "ndr_text.h"
#include "options.h"
#include "proof_cache.h"
#include "report.h"
#include "run.h"
#include "validate.h"
#include "workers.h"
#include "xmalloc.h"

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


/* The live proofs the cause names (kb.json `verify`), on this bounce's facts. */
static void
verify_cause(struct explain *ex, const struct ndr *n, const struct ndr_rcpt *r,
    struct proof_seen *seen)
{
	const char *src = ex->sender != NULL ? ex->sender :
	    (n->orig_from != NULL ? n->orig_from : n->bounce_to);
	char sender_domain[256], rcpt_domain[256], helo[256];
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
	if (n->orig_auth.has_headers)
		s.auth = &n->orig_auth;
	s.msg_size = r->msg_size;
	s.size_limit = r->size_limit;
	if (ex->helo != NULL)
		s.helo = ex->helo;
	else if (ndr_origin_helo(r->diag, helo, sizeof(helo)))
		s.helo = helo;
	explain_prove(ex->ctx, r->cause, &s, seen, ex->cache);
}

static void
add_rcpt_finding(const struct explain *ex, struct report *rep, const struct ndr *n,
    const struct ndr_rcpt *r)
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
	f = report_add(rep, id, st, r->addr != NULL && r->addr[0] != '\0' ? r->addr :
	    _("(recipient not named)"));
	explain_rcpt_text(f, n, r, ex->lang, ex->sender, ex->ip);
	for (i = 0; i < r->n_evidence; i++)
		finding_evidence(f, "%s", r->evidence[i]);
	if (r->n_evidence == 0 && r->diag != NULL)
		finding_evidence(f, "%s", r->diag);
	finding_data(f, "reason", report_json_string(r->reason));
	finding_data(f, "status_code", report_json_string(r->status_out));
	finding_data(f, "reply_code", report_json_string(r->reply));
	finding_data(f, "rule", report_json_string(r->rule));
	finding_data(f, "side", report_json_string(k != NULL ? k->side : "none"));
	if (r->action != NULL)
		finding_data(f, "action", report_json_string(r->action));
	if (r->remote_mta != NULL)
		finding_data(f, "remote_mta", report_json_string(r->remote_mta));
	if (r->command != NULL)
		finding_data(f, "smtp_command", report_json_string(r->command));
	if (r->diag != NULL)
		finding_data(f, "diagnostic", report_json_string(r->diag));
	verify = json_array();
	for (i = 0; k != NULL && i < k->n_verify; i++)
		json_array_append_new(verify, report_json_string(k->verify[i]));
	finding_data(f, "verify", verify);
}

static void
add_bounce_facts(const struct explain *ex, struct report *rep, const struct ndr *n)
{
	json_t *b = json_object();

#define SET(key, val) do { if ((val) != NULL) \
	json_object_set_new_nocheck(b, key, report_json_string(val)); } while (0)
	SET("reporting_mta", n->reporting_mta);
	SET("subject", n->bounce_subject);
	SET("original_from", n->orig_from);
	SET("original_to", n->orig_to);
	SET("original_subject", n->orig_subject);
	SET("original_message_id", n->orig_msgid);
#undef SET
	json_object_set_new_nocheck(b, "kind",
	    json_string_nocheck(n->kind == NDR_KIND_EMAIL ? "email" : "text"));
	json_object_set_new_nocheck(b, "has_dsn", json_boolean(n->has_dsn));
	json_object_set_new_nocheck(b, "recipients", json_integer((json_int_t)n->n_rcpts));
	json_object_set_new_nocheck(b, "language",
	    json_string_nocheck(ex->lang == NDR_LANG_JA ? "ja" : "en"));
	report_set_extra(rep, "bounce", b);
	if (n->is_partial) {
		struct finding *f = report_add(rep, "ndr.partial", ST_WARN,
		    _("bounce"));

		finding_msg(f, _("Only part of the bounce could be read: %s."), n->partial_why);
		finding_fix(f, _("Check that the whole message was saved or pasted."));
	}
}

enum { O_FILE, O_KB, O_NO_DNS, O_SENDER, O_IP, O_HELO, O_JOBS };

static const struct opt explain_rows[] = {
	[O_FILE] = { OPT_OPERAND, NULL, "FILE", OPT_ANY, 0, 0,
	    N_("bounces: an .eml, an mbox (every message), a Maildir (cur/ and new/),\n"
	    "pasted text, a log line (- or nothing: standard input; several: one\n"
	    "report each, JSON Lines with --json)"), NULL },
	[O_KB] = { OPT_VALUE, "kb", "FILE", OPT_ANY, 0, 0,
	    N_("knowledge base to use instead of the installed kb.json"), NULL },
	[O_NO_DNS] = { OPT_FLAG, "no-dns", NULL, OPT_ANY, 0, 0,
	    N_("do not re-check the DNS facts behind the cause"), NULL },
	[O_SENDER] = { OPT_VALUE, "sender", "ADDR", OPT_ADDRESS, 0, 0,
	    N_("the original sender, when the bounce does not show it"), NULL },
	[O_IP] = { OPT_VALUE, "ip", "IP", OPT_IP, 0, 0,
	    N_("the address the message was sent from, when the bounce does not show it"),
	    NULL },
	[O_HELO] = { OPT_VALUE, "helo", "NAME", OPT_HOST, 0, 0,
	    N_("the name the sending server announces (HELO), when the bounce does not show "
	    "it"), NULL },
	[O_JOBS] = { OPT_VALUE, "jobs", "N", OPT_ANY, 0, 0,
	    N_("parse and write the bounces of a mailbox on N threads (default: one per\n"
	    "processor; live proofs run on one event loop whatever N)"), NULL },
	{ OPT_END, NULL, NULL, OPT_ANY, 0, 0, NULL, NULL },
};

static const struct opt_spec explain_opts = { "explain", explain_rows, 17, NULL };

/* Why an input or one of its messages cannot be read, in words for the user. */
const char *
explain_input_error(enum ndr_mailbox_err err)
{
	switch (err) {
	case NDR_MB_NOT_MAILDIR:
		return _("a directory, but not a Maildir (it has no cur/ or new/)");
	case NDR_MB_OLE2:
		return _("an Outlook .msg file, not a MIME message: save the bounce as .eml "
		    "(Outlook on the web or the new Outlook: ... > Save as / Download; classic "
		    "Outlook: File > Save As > Text Only) and explain that file");
	case NDR_MB_TOO_BIG:
		return _("larger than 10 MB; save only the bounce message");
	case NDR_MB_EMPTY:
		return _("empty: paste the whole bounce, or give the file that holds it");
	case NDR_MB_OK:
	case NDR_MB_ERRNO:
		break;
	}
	return strerror(errno);
}

/* Text that is no bounce gets one UNKNOWN finding, not a guessed cause. */
static void
add_not_a_bounce(struct report *rep, const struct ndr *n)
{
	struct finding *f = report_add(rep, "ndr.not-a-bounce", ST_UNKNOWN,
	    _("input"));
	char begins[128];
	size_t l = n->text != NULL ? ndr_utf8_prefix(n->text, n->text_len, 120) : 0, i;

	/* the first words on one line */
	memcpy(begins, l > 0 ? n->text : "", l);
	for (i = 0; i < l; i++)
		if (begins[i] == '\n' || begins[i] == '\r' || begins[i] == '\t')
			begins[i] = ' ';
	while (l > 0 && begins[l - 1] == ' ')
		l--;
	begins[l] = '\0';

	finding_msg(f, _("This does not look like a bounce: it has no delivery-status part, no "
	    "SMTP reply or status code, no bounce sender or subject, and no words of a refusal "
	    "that the knowledge base knows.\nIt begins: %s"), begins);
	finding_fix(f, _("Give the bounce itself (the whole .eml with its headers, or the text "
	    "of the non-delivery report), not the original message or a reply."));
	finding_ref(f, "RFC 3464");
}

/* One bounce into rep: parse, classify, one finding per recipient. Returns the parsed
 * bounce for its live proofs (caller frees), or NULL when it is no bounce. Reads ex and
 * writes rep only, so that bounces can be parsed on several threads at once. */
struct ndr *
explain_parse(const struct explain *ex, struct report *rep, const struct ndr_message *m)
{
	struct ndr *n = ndr_parse(m->buf, m->len);
	size_t i;

	ndr_classify(n, ex->kb);
	add_bounce_facts(ex, rep, n);
	report_set_extra(rep, "file", report_json_string(m->name));
	report_set_extra(rep, "index", json_integer((json_int_t)m->index));
	if (!ndr_looks_like_bounce(n)) {
		add_not_a_bounce(rep, n);
		ndr_free(n);
		return NULL;
	}
	for (i = 0; i < n->n_rcpts; i++)
		add_rcpt_finding(ex, rep, n, &n->rcpts[i]);
	return n;
}

/* The live proofs of a parsed bounce started into seen (ctx->rep its report). */
void
explain_start_proofs(struct explain *ex, const struct ndr *n, struct proof_seen *seen)
{
	size_t i;

	for (i = 0; i < n->n_rcpts; i++)
		verify_cause(ex, n, &n->rcpts[i], seen);
}

/* One bounce into ctx->rep: its findings, then its live proofs. */
static void
explain_one(struct explain *ex, const struct ndr_message *m)
{
	struct ndr *n = explain_parse(ex, ex->ctx->rep, m);
	struct proof_seen *seen;

	if (n == NULL)
		return;
	if (!ex->no_dns) {
		seen = xcalloc(1, sizeof(*seen));
		explain_start_proofs(ex, n, seen);
		explain_prove_end(ex->ctx, seen, ex->cache);
		free(seen);
	}
	ndr_free(n);
}

/* What a worker thread keeps of its own, freed before it ends. */
static void
explain_thread_end(void)
{
	ndr_thread_end();
	i18n_thread_end();
}

static int
explain_run(struct run_ctx *ctx, int argc, char **argv)
{
	static char stdin_name[] = "-";
	static char *const stdin_paths[] = { stdin_name };
	struct explain ex = { .ctx = ctx };
	char *const *paths = stdin_paths;
	int n_paths = 1, rc;
	const char *kb_path;
	enum ndr_mailbox_err err;
	struct ndr_mailbox *mb;
	struct ndr_message m;
	struct opt_vals v;
	struct ndr_kb *kb;
	unsigned jobs;
	char why[512];

	rc = opt_parse(&explain_opts, argc, argv, &v);
	if (rc >= 0)
		return rc;
	kb_path = opt_str(&v, O_KB);
	ex.no_dns = opt_flag(&v, O_NO_DNS);
	ex.sender = opt_str(&v, O_SENDER);
	ex.ip = opt_str(&v, O_IP);
	ex.helo = opt_str(&v, O_HELO);
	jobs = workers_default();
	if (opt_str(&v, O_JOBS) != NULL &&
	    (rc = batch_parse_count("explain", "--jobs", opt_str(&v, O_JOBS), WORKERS_MAX,
	    &jobs)) >= 0)
		return rc;
	ex.colour = run_use_colour(ctx->g);
	if (kb_path == NULL)
		kb_path = ndr_kb_default_path();
	kb = ndr_kb_load_checked(kb_path, explain_is_check, explain_is_finding, why, sizeof(why));
	if (kb == NULL)
		return cli_input_error("explain", _("cannot load the knowledge base: %s"), why);
	ex.kb = kb;
	ex.lang = pick_lang(ctx->g->lang);
	if (optind < argc) {
		paths = argv + optind;
		n_paths = argc - optind;
	}
	mb = n_paths == 1 ? ndr_mailbox_open(paths[0], &err) : NULL;
	if (n_paths == 1 && mb == NULL) {
		ndr_kb_free(kb);
		return cli_input_error("explain", _("cannot read %s: %s"), paths[0],
		    explain_input_error(err));
	}
	if (n_paths > 1 || ndr_mailbox_kind(mb) != NDR_MB_ONE) {
		if (!ex.no_dns)
			ex.cache = proof_cache_new();
		ex.workers = workers_new(jobs, explain_thread_end);
		rc = explain_many(&ex, paths, n_paths, mb);
		workers_free(ex.workers);
		proof_cache_free(ex.cache);
		ndr_kb_free(kb);
		return rc;
	}
	/* one bounce: one report, rendered by main as every command's */
	if (ex.no_dns) {
		ctx->rep = report_new("explain", paths[0]);
	} else if ((rc = run_open(ctx, "explain", paths[0])) != 0) {
		ndr_mailbox_close(mb);
		ndr_kb_free(kb);
		return rc;
	}
	if (ndr_mailbox_next(mb, &m, &err) > 0)
		explain_one(&ex, &m);
	ndr_mailbox_close(mb);
	ndr_kb_free(kb);
	return -1;
}

const struct command cmd_explain = {
	.name = "explain",
	.summary = N_("explain a bounce (NDR/DSN): cause, who must act, fix, live re-check"),
	.usage = "explain [FILE|-]... [--kb FILE] [--no-dns] [--jobs N] [--sender ADDR] [--ip IP] "
	    "[--helo NAME]",
	.opts = &explain_opts,
	.run = explain_run,
};
