/* explain's live proofs (explain_proof.h). A proof is a registry diagnosis run on the
 * bounce's facts; its findings become one verdict: "fixed since" only when the checked fact
 * is the cause and is gone, "still true" when it holds, otherwise "cannot be checked from
 * here" or "could not check" with the next command to run. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "facts.h"
#include "findings.h"
#include "i18n.h"
#include "command.h"
#include "explain_out.h"
#include "explain_proof.h"
#include "loop.h"
#include "ndr_auth.h"
#include "probe_inbound.h"
#include "probe_port25.h"
#include "proof_cache.h"
#include "proof_rcpt.h"
#include "proof_size.h"
#include "proof_verdict.h"
#include "report.h"
#include "run.h"
#include "xmalloc.h"

static const char *const result_names[] = { "fixed", "still-true", "cannot-check", "unknown" };

bool
explain_is_check(const char *name)
{
	return checks_find(name) != NULL;
}

bool
explain_is_finding(const char *id)
{
	return findings_lookup(id) != NULL;
}

/* The selector of the returned message's DKIM signature for domain (d= equal to it),
 * else of its first one; NULL when it carries none. */
static const char *
sig_selector(const struct ndr_auth *a, const char *domain)
{
	size_t i;

	if (a == NULL || a->n_sigs == 0)
		return NULL;
	for (i = 0; domain != NULL && i < a->n_sigs; i++)
		if (strcasecmp(a->sigs[i].domain, domain) == 0)
			return a->sigs[i].selector;
	return a->sigs[0].selector;
}

/* A proof's next command with {domain} {sender_domain} {rcpt_domain} {ip} {rcpt}
 * {selector} filled in (a token with no value as a word to type in: IP, SELECTOR). */
static void
expand_next(const char *tmpl, const struct check_inputs *in, const struct proof_subject *s,
    char *buf, size_t len)
{
	const char *const keys[][2] = {
		{ "{domain}", in->domain }, { "{sender_domain}", s->sender_domain },
		{ "{rcpt_domain}", s->rcpt_domain }, { "{ip}", s->ip }, { "{rcpt}", s->rcpt },
		{ "{selector}", sig_selector(s->auth, s->sender_domain) },
	};

	explain_fill_tokens(tmpl, keys, sizeof(keys) / sizeof(keys[0]), buf, len);
}

static bool
in_list(const char *id, const char *const *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return true;
	return false;
}

/* Findings about another address (the ptr check also looks at the sender's MX hosts) are
 * context, not the proof of this sending address. */
static bool
is_about_other_ip(const struct finding *f, const char *ip)
{
	unsigned char a[16];
	const char *subj = finding_subject(f);

	if (inet_pton(AF_INET, subj, a) != 1 && inet_pton(AF_INET6, subj, a) != 1)
		return false;
	return ip == NULL || strcmp(subj, ip) != 0;
}

/* What findings first..end of the proof's run say about its fact. */
static void
read_findings(const struct report *rep, size_t first, const struct ndr_proof *p,
    const char *ip, struct verdict *v)
{
	const struct finding *still = NULL, *clear = NULL, *unknown = NULL;
	size_t i, n = report_count(rep);

	for (i = first; i < n; i++) {
		const struct finding *f = report_finding(rep, i);
		enum status st = finding_status(f);
		const char *id = finding_id(f);

		if (is_about_other_ip(f, ip))
			continue;
		if (st == ST_UNKNOWN && unknown == NULL)
			unknown = f;
		if (still == NULL && (p->still != NULL ? in_list(id, p->still, p->n_still) :
		    st == ST_FAIL || st == ST_WARN))
			still = f;
		if (clear == NULL && (p->clear != NULL ? in_list(id, p->clear, p->n_clear) :
		    st == ST_OK))
			clear = f;
	}
	if (still != NULL) {
		v->result = PROOF_STILL;
		v->st = finding_status(still) == ST_FAIL ? ST_FAIL : ST_WARN;
		v->basis = still;
	} else if (clear != NULL && unknown == NULL) {
		v->result = p->is_cause ? PROOF_FIXED : PROOF_NOT_HERE;
		v->st = p->is_cause ? ST_OK : ST_INFO;
		v->basis = clear;
	} else {
		v->result = PROOF_UNKNOWN;
		v->st = ST_UNKNOWN;
		v->basis = unknown;
		if (unknown == NULL)
			snprintf(v->why, sizeof(v->why), "%s", _("the check gave no answer that "
			    "says either way"));
	}
}

/* A port25 proof that found the line open while the recipient's own MX did not answer:
 * that server, not the line, is what failed (port25.target-unreachable of its target). */
static void
read_rcpt_server(const struct report *rep, size_t first, const char *rcpt_domain,
    struct verdict *v)
{
	size_t i, n = report_count(rep);

	if (v->result != PROOF_NOT_HERE || rcpt_domain == NULL)
		return;
	for (i = first; i < n; i++) {
		const struct finding *f = report_finding(rep, i);
		json_t *t = json_object_get(finding_data_obj(f), "target");

		if (strcmp(finding_id(f), "port25.target-unreachable") == 0 &&
		    json_is_string(t) && strcasecmp(json_string_value(t), rcpt_domain) == 0) {
			snprintf(v->rcpt_host, sizeof(v->rcpt_host), "%s", finding_subject(f));
			return;
		}
	}
}

/* Results over outbound port 25 from a line that blocks or intercepts it say nothing about
 * the receiver: an interceptor answers RCPT in its place. Says why into why. */
static bool
port25_spoils(const struct check_facts *facts, char *why, size_t len)
{
	const struct port25_fact *p = &facts->port25[0];

	if (!(facts->published & CHECK_FACT_PORT25))
		return false;
	if (p->state == PORT25_BLOCKED)
		snprintf(why, len, _("outbound port 25 is blocked from this network (%s), so the "
		    "receiver's answer cannot be seen from here"), p->how);
	else if (p->state == PORT25_INTERCEPTED)
		snprintf(why, len, _("outbound port 25 from this network is intercepted (%s "
		    "answers in the receivers' place), so what answered is not the receiver"),
		    p->banner[0] != '\0' ? p->banner : p->how);
	else
		return false;
	return true;
}

static bool
ends_sentence(const char *s)
{
	size_t n = strlen(s);

	return (n >= 1 && s[n - 1] == '.') ||
	    (n >= 3 && memcmp(s + n - 3, "\xe3\x80\x82", 3) == 0);	/* 。 */
}

/* Returns the verdict's finding. */
static struct finding *
add_verdict(struct run_ctx *ctx, const struct ndr_cause *k, const struct ndr_proof *p,
    const struct check_inputs *in, const struct proof_subject *s, const struct verdict *v)
{
	const char *said = v->why[0] == '\0' && v->basis != NULL &&
	    finding_message(v->basis) != NULL ? finding_message(v->basis) : v->why;
	char id[96], next[512];
	struct finding *f;

	snprintf(id, sizeof(id), "ndr.verify-%s", p->as);
	f = report_add(ctx->rep, id, v->st, in->domain != NULL ? in->domain : in->ip);
	switch (v->result) {
	case PROOF_FIXED:
		finding_msg(f, _("Fixed since: %s"), said);
		break;
	case PROOF_STILL:
		/* "still" only of the cause itself: a fact beside it (the recipient's MX
		 * behind a missing send connector) was not what the bounce said */
		if (p->is_cause)
			finding_msg(f, _("Still true: %s"), said);
		else
			finding_msg(f, _("Found now: %s"), said);
		if (v->fix != NULL)
			finding_fix(f, "%s", v->fix);
		else if (finding_fix_text(v->basis) != NULL)
			finding_fix(f, "%s", finding_fix_text(v->basis));
		break;
	case PROOF_NOT_HERE:
		if (v->rcpt_host[0] != '\0') {
			finding_msg(f, _("Checked now: %s The recipient's server %s could not be "
			    "reached while the other mail servers answered, so the cause is the "
			    "recipient's server (down, or refusing this line), not a block of port "
			    "25 on your line."), said, v->rcpt_host);
			finding_fix(f, _("Keep the message queued and retry later; if it goes on, "
			    "ask the recipient's administrator about their server %s (mxdiag "
			    "inbound %s shows what it answers)."), v->rcpt_host, s->rcpt_domain);
			finding_data(f, "recipient_server", json_string_nocheck("unreachable"));
			finding_data(f, "recipient_host", report_json_string(v->rcpt_host));
			break;
		}
		finding_msg(f, _("Checked now: %s This is not the cause itself, so whether the "
		    "cause is gone cannot be checked from here."), said);
		break;
	case PROOF_UNKNOWN:
		/* a finding's message ends its own sentence; a bare reason does not */
		if (ends_sentence(said))
			finding_msg(f, _("Could not check now: %s"), said);
		else
			finding_msg(f, _("Could not check now: %s."), said);
		if (v->fix != NULL)
			finding_fix(f, "%s", v->fix);
		else if (v->basis != NULL && finding_fix_text(v->basis) != NULL)
			finding_fix(f, "%s", finding_fix_text(v->basis));
		break;
	}
	if ((v->result == PROOF_NOT_HERE || v->result == PROOF_UNKNOWN) && p->next != NULL &&
	    v->rcpt_host[0] == '\0' && v->fix == NULL) {
		expand_next(p->next, in, s, next, sizeof(next));
		if (p->is_next_on_sender)
			finding_fix(f, _("Next, run on the sending server (what this machine's line "
			    "lets through says nothing about that server's): %s"), next);
		else
			finding_fix(f, _("Next, run: %s"), next);
	}
	finding_data(f, "result", json_string_nocheck(result_names[v->result]));
	finding_data(f, "cause", report_json_string(k->id));
	finding_data(f, "check", report_json_string(p->check));
	if (v->basis != NULL)
		finding_data(f, "finding", report_json_string(finding_id(v->basis)));
	if (in->domain != NULL)
		finding_data(f, "domain", report_json_string(in->domain));
	if (in->ip != NULL)
		finding_data(f, "ip", report_json_string(in->ip));
	if (s->ip_source != NULL && in->ip != NULL)
		finding_data(f, "ip_source", report_json_string(s->ip_source));
	if (in->helo != NULL && (checks_find(p->check)->needs & CHECK_IN_HELO) != 0)
		finding_data(f, "helo", report_json_string(in->helo));
	if (v->reused_from != NULL)
		finding_data(f, "reused_from", report_json_string(v->reused_from));
	if (strcmp(p->check, "mx-size") == 0 && s->msg_size > 0)
		finding_data(f, "message_size", json_integer((json_int_t)s->msg_size));
	if (strcmp(p->check, "mx-size") == 0 && s->size_limit > 0)
		finding_data(f, "bounce_size_limit", json_integer((json_int_t)s->size_limit));
	return f;
}

/* A proof that cannot run on what the bounce gives: say what is missing and how to give it. */
static void
add_missing(struct run_ctx *ctx, const struct ndr_cause *k, const struct ndr_proof *p,
    const struct check_inputs *in, const struct proof_subject *s)
{
	struct verdict v = { .result = PROOF_NOT_HERE, .st = ST_INFO };
	const char *hint;
	char id[96];
	struct finding *f;

	snprintf(id, sizeof(id), "ndr.verify-%s", p->as);
	if (in->domain == NULL && p->is_sender_side) {
		/* One UNKNOWN: without the sender nothing about it can be said (exit 3 unless a
		 * FAIL outranks it). */
		v.st = ST_UNKNOWN;
		f = report_add(ctx->rep, id, v.st, _("sender domain"));
		finding_msg(f, _("The bounce does not name the original sender, so its domain "
		    "cannot be checked."));
		hint = _("Run again with --sender ADDRESS (the address the message was sent "
		    "from).");
	} else if (in->domain == NULL) {
		f = report_add(ctx->rep, id, v.st, _("recipient domain"));
		finding_msg(f, _("The bounce does not name the failed recipient, so its domain "
		    "cannot be checked."));
		hint = _("Paste the whole bounce, with the recipient's address.");
	} else if (in->auth == NULL && (checks_find(p->check)->needs & CHECK_IN_AUTH) != 0) {
		f = report_add(ctx->rep, id, v.st, in->domain);
		finding_msg(f, _("Cannot be checked from here: the bounce does not carry the "
		    "original message's headers (From:, Return-Path, DKIM-Signature)."));
		hint = _("Run mxdiag check DOMAIN --message FILE on a copy of the message as sent, "
		    "or on a bounce that returns its headers.");
	} else if (in->helo == NULL && (checks_find(p->check)->needs & CHECK_IN_HELO) != 0) {
		f = report_add(ctx->rep, id, v.st, in->domain);
		finding_msg(f, _("Cannot be checked from here: the bounce does not show the name "
		    "the sending server announced (HELO)."));
		hint = _("Run again with --helo NAME (the name your server announces).");
	} else {
		f = report_add(ctx->rep, id, v.st, in->domain);
		finding_msg(f, _("Cannot be checked from here: the bounce does not show the "
		    "address the message was sent from."));
		hint = _("Run again with --ip ADDRESS (your mail server's public address).");
	}
	finding_fix(f, "%s", hint);
	finding_data(f, "result", json_string_nocheck(v.st == ST_UNKNOWN ? "unknown" : "cannot-check"));
	finding_data(f, "cause", report_json_string(k->id));
	finding_data(f, "check", report_json_string(p->check));
	(void)s;
}

/* Whether this proof on these inputs already ran for the bounce; records it if not. */
static bool
already_run(struct proof_seen *seen, const struct ndr_proof *p, const struct check_inputs *in,
    const char *rcpt)
{
	char key[sizeof(seen->keys[0])];
	size_t i;

	snprintf(key, sizeof(key), "%s %s %s %s %s %s", p->check, p->as,
	    in->domain != NULL ? in->domain : "-", in->ip != NULL ? in->ip : "-",
	    in->inbound != NULL && rcpt != NULL ? rcpt : "-", in->helo != NULL ? in->helo : "-");
	for (i = 0; i < seen->n; i++)
		if (strcmp(seen->keys[i], key) == 0)
			return true;
	if (seen->n >= PROOF_MAX_RUNS) {
		seen->dropped++;
		return true;
	}
	snprintf(seen->keys[seen->n++], sizeof(seen->keys[0]), "%s", key);
	return false;
}

/* What a proof's run depends on: the diagnosis and the inputs it reads (the failed
 * address only for a delivery to the MX, the port 25 target only beside port25, the
 * message's identifiers only for a diagnosis that reads them). */
static void
run_key(const struct check *c, const struct check_inputs *in, const char *rcpt,
    bool over_port25, char *key, size_t len)
{
	char auth[24] = "-";

	if (in->auth != NULL && ((c->needs | c->uses) & CHECK_IN_AUTH) != 0)
		snprintf(auth, sizeof(auth), "%016llx", (unsigned long long)ndr_auth_hash(in->auth));
	snprintf(key, len, "%s %s %s %s %s %s %s", c->name, auth, in->domain,
	    in->ip != NULL ? in->ip : "-",
	    (c->needs & CHECK_IN_INBOUND) != 0 && rcpt != NULL ? rcpt : "-",
	    in->helo != NULL ? in->helo : "-",
	    over_port25 && in->rcpt_domain != NULL ? in->rcpt_domain : "-");
}

/* Start the item's diagnoses on the loop, their findings into reports of the item's own
 * (so that runs in flight together do not interleave): as one proof after another would
 * have them, its SMTP probes' findings first, then its diagnoses'. */
static void
item_start(struct run_ctx *ctx, struct proof_item *it)
{
	const char *names[3] = { it->c->name, "port25", "mx-tls" };
	char why[256];
	size_t n = 1;

	if (it->over_port25)
		n = 2;
	if ((it->c->awaits & CHECK_FACT_MX_TLS) != 0 && it->in.inbound != NULL)
		n = 3;
	/* the items' contexts share the run's TLS client: made before the first copy */
	run_tls_client(ctx, why, sizeof(why));
	it->ctx = *ctx;
	it->rep = report_new("proof", it->key);
	it->ctx.rep = it->rep;	/* while starting, the probes add to rep, as before */
	it->cr = checks_run(&it->ctx, &it->in, names, n, false, NULL);
	it->ctx.rep = report_new("proof", it->key);
	it->kind = ITEM_RAN;
}

/* Copy the findings of src into rep, and its SMTP sessions. */
static void
copy_run(struct report *rep, struct report *src)
{
	size_t i;

	for (i = 0; i < report_count(src); i++)
		report_add_copy(rep, report_finding(src, i));
	report_stats(rep)->smtp_sessions += report_stats(src)->smtp_sessions;
}

/* The item's findings into ctx->rep, run now or copied from the same run made for this or
 * an earlier bounce; the verdict's port 25 part in v. In the proofs' order, so the cache
 * sees the same gets and puts as one proof after another would make. */
static void
item_findings(struct run_ctx *ctx, struct proof_item *it, struct proof_cache *cache,
    struct verdict *v, bool *spoiled)
{
	const struct proof_run *pr = NULL;
	struct proof_run *kept;
	size_t first = report_count(ctx->rep), i;

	if (it->kind == ITEM_CACHED && cache != NULL)
		pr = proof_cache_get(cache, it->key);
	if (pr != NULL) {
		for (i = 0; i < report_count(pr->findings); i++)
			report_add_copy(ctx->rep, report_finding(pr->findings, i));
		*spoiled = pr->spoiled;
		snprintf(v->why, sizeof(v->why), "%s", pr->why);
		v->reused_from = pr->where;
		return;
	}
	if (it->kind == ITEM_CACHED) {
		/* dropped from the cache since it was planned: run it now */
		item_start(ctx, it);
		loop_run(ctx->loop);
	}
	copy_run(ctx->rep, it->ctx.rep);
	copy_run(ctx->rep, it->rep);
	*spoiled = it->over_port25 && port25_spoils(check_run_facts(it->cr), v->why,
	    sizeof(v->why));
	check_run_free(it->cr);
	it->cr = NULL;
	report_free(it->ctx.rep);
	it->ctx.rep = NULL;
	report_free(it->rep);
	it->rep = NULL;
	if (cache == NULL)
		return;
	kept = proof_cache_put(cache, it->key, ctx->rep, first);
	kept->spoiled = *spoiled;
	snprintf(kept->why, sizeof(kept->why), "%s", v->why);
	snprintf(kept->where, sizeof(kept->where), "%s", report_target(ctx->rep));
}

/* Was its key planned already, earlier in this bounce or by an earlier bounce proved
 * with it? That run then fills the cache first: verdicts are read in the same order. */
static bool
planned_before(const struct proof_seen *seen, const struct proof_item *it)
{
	const struct proof_seen *s;
	size_t i;

	for (s = seen; s != NULL; s = s->prev)
		for (i = 0; i < s->n_items && &s->items[i] != it; i++)
			if (s->items[i].kind != ITEM_MISSING &&
			    strcmp(s->items[i].key, it->key) == 0)
				return true;
	return false;
}

/* port25's targets for a proof: rcpt_domain first, then the port25 command's own (a block
 * is only concluded when independent servers fail too, port25_judge.c). Returns how many;
 * the strings are rcpt_domain and static storage. */
static size_t
port25_targets(const char *rcpt_domain, const char **out)
{
	static char buf[PORT25_MAX_TARGETS * 256];
	static const char *defaults[PORT25_MAX_TARGETS];
	static size_t n_defaults;
	static bool is_read;
	size_t n = 0, i;

	if (!is_read) {	/* the environment does not change during a run */
		n_defaults = port25_default_targets(buf, sizeof(buf), defaults,
		    PORT25_MAX_TARGETS);
		is_read = true;
	}
	if (rcpt_domain != NULL)
		out[n++] = rcpt_domain;
	for (i = 0; i < n_defaults && n < PORT25_MAX_TARGETS; i++)
		if (rcpt_domain == NULL || strcasecmp(defaults[i], rcpt_domain) != 0)
			out[n++] = defaults[i];
	return n;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* SPF authorises the RFC5321.MailFrom domain, not the From: one (RFC 7208 2.4): the SPF
 * proof of the sender runs on the MAIL FROM the bounce shows (the returned Return-Path, the
 * envelope sender it names), on the sender's domain only when it shows none. */
static void
spf_identity(struct proof_item *it, const struct ndr_proof *p)
{
	const struct ndr_auth *a = it->s.auth;

	if (strcmp(p->check, "spf-verdict") != 0 || !p->is_sender_side)
		return;
	if (a != NULL && a->mfrom_source != NULL && a->mfrom_domain[0] != '\0') {
		it->in.domain = a->mfrom_domain;	/* the bounce's, alive until the end */
		it->spf_source = a->mfrom_source;
	}
}

/* Which identity an SPF proof checked, as evidence: SPF's own (MAIL FROM) or the From:
 * domain in its place. */
static void
spf_said(struct finding *f, const struct proof_item *it)
{
	if (strcmp(it->p->check, "spf-verdict") != 0 || !it->p->is_sender_side ||
	    it->in.domain == NULL)
		return;
	if (it->spf_source != NULL) {
		finding_evidence(f, _("SPF was checked for the MAIL FROM domain %s (read "
		    "from %s), the identity SPF authorises."), it->in.domain, it->spf_source);
		finding_data(f, "spf_identity", json_string_nocheck("mail-from"));
	} else {
		finding_evidence(f, _("SPF was checked for the sender's domain %s (From: or "
		    "--sender): the bounce does not show the MAIL FROM (Return-Path) that SPF "
		    "authorises, which may be another domain."), it->in.domain);
		finding_data(f, "spf_identity", json_string_nocheck("from"));
	}
}

/* Plan one proof: what it runs on, whether it can run, whether its run is known; start
 * it when it is new. Its verdict comes in explain_prove_end(). */
static void
plan_one(struct run_ctx *ctx, const struct ndr_cause *k, const struct ndr_proof *p,
    const struct proof_subject *s, struct proof_seen *seen, struct proof_cache *cache)
{
	const struct check *c = checks_find(p->check);
	struct proof_item *it;

	if (c == NULL)
		return;	/* the kb was checked at load */
	/* n_items <= PROOF_MAX_RUNS (already_run() caps them): the last slot is scratch */
	it = &seen->items[seen->n_items];
	memset(it, 0, sizeof(*it));
	it->k = k;
	it->p = p;
	it->c = c;
	/* the subject's strings live on the caller's stack: copies, freed at the end */
	it->s.sender_domain = it->sender_domain = dup_or_null(s->sender_domain);
	it->s.rcpt_domain = it->rcpt_domain = dup_or_null(s->rcpt_domain);
	it->s.helo = it->helo = dup_or_null(s->helo);
	it->s.ip = s->ip;
	it->s.ip_source = s->ip_source;
	it->s.rcpt = s->rcpt;
	it->s.auth = s->auth;
	it->s.msg_size = s->msg_size;
	it->s.size_limit = s->size_limit;
	/* a proof about this address asks a made-up one too: a yes to any address proves
	 * nothing (inbound.accepts-any) */
	it->ib = (struct inbound_opts){ .domain = it->s.rcpt_domain, .rcpt = s->rcpt,
	    .probe_any = s->rcpt != NULL };
	it->p25 = (struct port25_opts){ .targets = it->targets,
	    .ntargets = port25_targets(it->s.rcpt_domain, it->targets), .no_submission = true,
	    .memo = cache != NULL ? proof_cache_port25(cache) : NULL };
	it->in = (struct check_inputs){
		.domain = p->is_sender_side ? it->s.sender_domain : it->s.rcpt_domain,
		.ip = s->ip,
		.helo = it->s.helo,
		.sender_domain = it->s.sender_domain,
		.rcpt_domain = it->s.rcpt_domain,
		.cause = k,
		.auth = s->auth,	/* the bounce's, alive until explain_prove_end() */
		.port25 = it->s.rcpt_domain != NULL ? &it->p25 : NULL,
		.inbound = it->s.rcpt_domain != NULL ? &it->ib : NULL,
	};
	spf_identity(it, p);
	if (it->in.domain == NULL || !check_can_run(c, &it->in) ||
	    (p->needs_ip && it->in.ip == NULL)) {
		it->kind = ITEM_MISSING;
	} else {
		/* A diagnosis that judges the MX certificates (mta-sts, dane) gets them:
		 * mx-tls dials the recipient's MX beside it. One that talks to the
		 * recipient's MX over port 25 is judged with this line's port 25 fact. */
		it->over_port25 = (c->needs & (CHECK_IN_INBOUND | CHECK_IN_RELAY)) != 0 ||
		    (c->awaits & CHECK_FACT_MX_TLS) != 0;
		it->kind = ITEM_CACHED;
	}
	if (already_run(seen, p, &it->in, s->rcpt)) {
		free(it->sender_domain);
		free(it->rcpt_domain);
		free(it->helo);
		return;
	}
	seen->n_items++;
	if (it->kind == ITEM_MISSING)
		return;
	run_key(c, &it->in, s->rcpt, it->over_port25, it->key, sizeof(it->key));
	if ((cache != NULL && proof_cache_has(cache, it->key)) || planned_before(seen, it))
		return;	/* ITEM_CACHED: read in its turn */
	item_start(ctx, it);
	seen->n_started++;
}

void
explain_prove(struct run_ctx *ctx, const struct ndr_cause *k, const struct proof_subject *s,
    struct proof_seen *seen, struct proof_cache *cache)
{
	size_t i;

	for (i = 0; k != NULL && i < k->n_verify; i++)
		plan_one(ctx, k, &k->proofs[i], s, seen, cache);
}

/* Every planned proof's findings and verdict, in the order the proofs were planned. */
static void
verdicts(struct run_ctx *ctx, struct proof_seen *seen, struct proof_cache *cache)
{
	size_t i;

	/* all proofs of the bounce at once (or of several, the caller's loop_run): they
	 * cost their longest chain of round trips */
	loop_run(ctx->loop);
	for (i = 0; i < seen->n_items; i++) {
		struct proof_item *it = &seen->items[i];
		struct verdict v = { 0 };
		size_t first = report_count(ctx->rep);
		bool spoiled;

		if (it->kind == ITEM_MISSING) {
			add_missing(ctx, it->k, it->p, &it->in, &it->s);
		} else {
			item_findings(ctx, it, cache, &v, &spoiled);
			if (spoiled) {
				v.result = PROOF_UNKNOWN;
				v.st = ST_UNKNOWN;
			} else {
				if (!proof_rcpt_read(ctx->rep, first, it->k, it->p, &v) &&
				    !proof_size_read(ctx->rep, first, it->p, &it->s, &v))
					read_findings(ctx->rep, first, it->p, it->in.ip, &v);
				if (strcmp(it->c->name, "port25") == 0)
					read_rcpt_server(ctx->rep, first, it->s.rcpt_domain, &v);
			}
			spf_said(add_verdict(ctx, it->k, it->p, &it->in, &it->s, &v), it);
		}
		free(it->sender_domain);
		free(it->rcpt_domain);
		free(it->helo);
	}
	seen->n_items = 0;
}

void
explain_prove_end(struct run_ctx *ctx, struct proof_seen *seen, struct proof_cache *cache)
{
	struct finding *f;

	verdicts(ctx, seen, cache);
	if (seen->dropped == 0)
		return;
	f = report_add(ctx->rep, "ndr.verify-truncated", ST_INFO, _("live proofs"));
	finding_msg(f, _("%zu more live proofs were not run: at most %d distinct proofs run "
	    "for one bounce, and the verdicts above are theirs."), seen->dropped,
	    PROOF_MAX_RUNS);
	finding_fix(f, _("Explain the other recipients from bounces of their own, or run the "
	    "diagnoses the missing proofs name (mxdiag check DOMAIN) yourself."));
	finding_data(f, "not_run", json_integer((json_int_t)seen->dropped));
	finding_data(f, "max", json_integer(PROOF_MAX_RUNS));
}
