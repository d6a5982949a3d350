/* SMTP client state machine on the shared loop: connect, greeting, EHLO/HELO, STARTTLS or
 * implicit TLS, AUTH, MAIL/RCPT/RSET per transaction, QUIT. It never sends DATA. */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "i18n.h"
#include "log.h"
#include "loop.h"
#include "secret.h"
#include "smtp.h"
#include "smtp_auth.h"
#include "smtp_int.h"
#include "xmalloc.h"


#define SMTP_DEFAULT_TIMEOUT_MS 5000

/* ---- plan checking ---- */

/* A string that goes on the wire must not smuggle a second command (CR, LF) or a NUL. */
static bool
is_wire_safe(const char *s, size_t max)
{
	size_t i;

	if (s == NULL)
		return true;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= max)
			return false;
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}
	return true;
}

static bool
is_ip_literal(const char *s, int *family)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, s, buf) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		*family = AF_INET6;
		return true;
	}
	return false;
}

static int
check_plan(const struct smtp_plan *plan)
{
	size_t i, j, nrcpts = 0;
	int family;

	if (plan->addr == NULL || !is_ip_literal(plan->addr, &family) || plan->port == 0)
		return MXD_EINVAL;
	if (plan->tls != SMTP_TLS_NONE && plan->tls_client == NULL)
		return MXD_EINVAL;
	if (plan->auth_user != NULL && plan->auth_pass == NULL)
		return MXD_EINVAL;
	if (!is_wire_safe(plan->host, 255) || !is_wire_safe(plan->ehlo_name, 255) ||
	    !is_wire_safe(plan->auth_user, SMTP_AUTH_FIELD_MAX))
		return MXD_EINVAL;
	if (plan->ntxns > SMTP_PLAN_MAX_TXNS || (plan->ntxns > 0 && plan->txns == NULL))
		return MXD_EINVAL;
	for (i = 0; i < plan->ntxns; i++) {
		const struct smtp_txn *t = &plan->txns[i];

		if (t->mail_from == NULL || !is_wire_safe(t->mail_from, SMTP_PATH_MAX))
			return MXD_EINVAL;
		nrcpts += t->nrcpts;
		if (nrcpts > SMTP_PLAN_MAX_RCPTS)
			return MXD_EINVAL;
		for (j = 0; j < t->nrcpts; j++)
			if (t->rcpts[j] == NULL || t->rcpts[j][0] == '\0' ||
			    !is_wire_safe(t->rcpts[j], SMTP_PATH_MAX))
				return MXD_EINVAL;
	}
	return 0;
}

/* ---- the end ---- */

static void
deliver(void *arg)
{
	struct smtp_probe *p = arg;
	struct smtp_result *res = p->res;
	size_t i, j;

	p->done_timer = NULL;
	p->res = NULL;
	p->cb(res, p->cb_arg);
	free(p->addr);
	free(p->host);
	free(p->ehlo_name);
	free(p->auth_user);
	secret_free(p->auth_pass);
	for (i = 0; i < p->ntxns; i++) {
		free((char *)p->txns[i].mail_from);
		for (j = 0; j < p->txns[i].nrcpts; j++)
			free((char *)p->txns[i].rcpts[j]);
		free((char **)p->txns[i].rcpts);
	}
	free(p->txns);
	smtp_reply_fini(&p->reply);
	secret_wipe(p->out, sizeof(p->out));
	free(p);
}

/* End the session: close everything now, hand the result over on the next loop turn. */
void
smtp_finish(struct smtp_probe *p)
{
	if (p->phase == PH_DONE)
		return;
	p->phase = PH_DONE;
	loop_timer_cancel(p->loop, p->wait_timer);
	loop_timer_cancel(p->loop, p->total_timer);
	p->wait_timer = NULL;
	p->total_timer = NULL;
	if (p->tls != NULL) {
		p->res->tls = *tls_conn_info(p->tls);
		tls_conn_free(p->tls);
		p->tls = NULL;
	}
	if (p->fd >= 0) {
		loop_unwatch(p->loop, p->fd);
		close(p->fd);
		p->fd = -1;
	}
	p->res->total_ms = loop_now_ms() - p->started_ms;
	p->done_timer = loop_timer_add(p->loop, 0, deliver, p);
}

void
smtp_abort(struct smtp_probe *p, enum smtp_fail why, enum smtp_step_kind where,
    const char *fmt, ...)
{
	va_list ap;

	if (p->res->fail == SMTP_FAIL_NONE) {
		p->res->fail = why;
		p->res->fail_step = where;
		va_start(ap, fmt);
		vsnprintf(p->res->fail_detail, sizeof(p->res->fail_detail), fmt, ap);
		va_end(ap);
		smtp_transcript_note(&p->res->transcript, loop_now_ms(), "%s", p->res->fail_detail);
	}
	smtp_finish(p);
}

/* ---- timers ---- */

static void
on_wait_timeout(void *arg)
{
	struct smtp_probe *p = arg;
	int64_t waited = loop_now_ms() - p->wait_started_ms;

	p->wait_timer = NULL;
	switch (p->phase) {
	case PH_CONNECT:
		p->res->conn = SMTP_CONN_TIMEOUT;
		p->res->connect_ms = waited;
		smtp_abort(p, SMTP_FAIL_CONN, SMTP_STEP_CONNECT,
		    _("no answer to the connection attempt within %lld ms"), (long long)waited);
		break;
	case PH_HANDSHAKE:
		smtp_abort(p, SMTP_FAIL_TIMEOUT, SMTP_STEP_TLS,
		    _("TLS handshake not finished within %lld ms"), (long long)waited);
		break;
	case PH_IO:
		if (p->is_quitting) {
			/* The QUIT reply is a courtesy; the session's facts are complete. */
			smtp_finish(p);
			break;
		}
		smtp_abort(p, SMTP_FAIL_TIMEOUT, p->res->nsteps > 0 ?
		    p->res->steps[p->res->nsteps - 1].kind : SMTP_STEP_BANNER,
		    _("no complete reply within %lld ms"), (long long)waited);
		break;
	case PH_DONE:
		break;
	}
}

static void
on_total_timeout(void *arg)
{
	struct smtp_probe *p = arg;

	p->total_timer = NULL;
	smtp_abort(p, SMTP_FAIL_TIMEOUT, p->res->nsteps > 0 ? p->res->steps[p->res->nsteps - 1].kind :
	    SMTP_STEP_CONNECT, _("session not finished within %d ms"), p->total_timeout_ms);
}

void
smtp_arm_wait(struct smtp_probe *p, int ms)
{
	loop_timer_cancel(p->loop, p->wait_timer);
	p->wait_started_ms = loop_now_ms();
	p->wait_timer = loop_timer_add(p->loop, ms, on_wait_timeout, p);
}

/* ---- steps ---- */

struct smtp_step *
smtp_new_step(struct smtp_probe *p, enum smtp_step_kind kind, const char *sent)
{
	struct smtp_result *r = p->res;
	struct smtp_step *s;

	r->steps = xrealloc(r->steps, (r->nsteps + 1) * sizeof(*r->steps));
	s = &r->steps[r->nsteps++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->sent = sent != NULL ? xstrdup(sent) : NULL;
	if (kind == SMTP_STEP_MAIL || kind == SMTP_STEP_RCPT || kind == SMTP_STEP_RSET)
		s->txn = p->txn;
	if (kind == SMTP_STEP_RCPT)
		s->rcpt = p->rcpt;
	return s;
}

struct smtp_step *
smtp_cur_step(struct smtp_probe *p)
{
	assert(p->res->nsteps > 0);
	return &p->res->steps[p->res->nsteps - 1];
}

/*
 * Queue one command line and wait for its reply. is_sasl marks a response to a 334
 * challenge: the transcript and the step keep only SMTP_REDACTED.
 */
static void
send_cmd(struct smtp_probe *p, enum smtp_step_kind kind, const char *line, bool is_sasl)
{
	char shown[SMTP_REPLY_LINE_MAX + 1];
	size_t len = strlen(line);
	int64_t now = loop_now_ms();

	assert(p->out_len == 0);
	if (len + 2 > sizeof(p->out)) {
		smtp_abort(p, SMTP_FAIL_INTERNAL, kind, _("command longer than %zu bytes"), sizeof(p->out));
		return;
	}
	memcpy(p->out, line, len);
	memcpy(p->out + len, "\r\n", 2);
	p->out_len = len + 2;
	p->out_off = 0;
	smtp_redact(line, is_sasl, shown, sizeof(shown));
	smtp_transcript_client(&p->res->transcript, now, line, is_sasl);
	smtp_new_step(p, kind, shown);
	smtp_reply_fini(&p->reply);
	smtp_arm_wait(p, p->reply_timeout_ms);
	smtp_conn_watch(p, POLLIN | POLLOUT);
}

/* ---- the protocol ---- */

static void
send_quit(struct smtp_probe *p)
{
	if (p->got_421) {
		/* RFC 5321 3.8: after 421 the server closes; there is nobody to say QUIT to. */
		smtp_finish(p);
		return;
	}
	p->is_quitting = true;
	send_cmd(p, SMTP_STEP_QUIT, "QUIT", false);
}

void
smtp_send_ehlo(struct smtp_probe *p, bool is_helo)
{
	char line[300];

	snprintf(line, sizeof(line), "%s %s", is_helo ? "HELO" : "EHLO", p->ehlo_name);
	send_cmd(p, is_helo ? SMTP_STEP_HELO : SMTP_STEP_EHLO, line, false);
}

static void next_txn_step(struct smtp_probe *p);

static void
start_txns(struct smtp_probe *p)
{
	if (p->stop == SMTP_STOP_AUTH || p->ntxns == 0) {
		send_quit(p);
		return;
	}
	p->txn = 0;
	p->rcpt = 0;
	next_txn_step(p);
}

/* Send MAIL for the current transaction. */
static void
send_mail(struct smtp_probe *p)
{
	char line[SMTP_PATH_MAX + 32];

	p->rcpt = 0;
	p->is_mail_ok = false;
	/* RFC 5321 4.1.1.2: MAIL FROM:<reverse-path>; "" gives the null path of bounces. */
	snprintf(line, sizeof(line), "MAIL FROM:<%s>", p->txns[p->txn].mail_from);
	send_cmd(p, SMTP_STEP_MAIL, line, false);
}

/* After MAIL or a RCPT: the next RCPT, or RSET to close the transaction. */
static void
next_txn_step(struct smtp_probe *p)
{
	const struct smtp_txn *t;
	char line[SMTP_PATH_MAX + 32];

	if (p->txn >= p->ntxns) {
		send_quit(p);
		return;
	}
	t = &p->txns[p->txn];
	if (p->res->nsteps == 0 || (smtp_cur_step(p)->kind != SMTP_STEP_MAIL &&
	    smtp_cur_step(p)->kind != SMTP_STEP_RCPT)) {
		send_mail(p);
		return;
	}
	if (p->is_mail_ok && p->rcpt < t->nrcpts) {
		snprintf(line, sizeof(line), "RCPT TO:<%s>", t->rcpts[p->rcpt]);
		send_cmd(p, SMTP_STEP_RCPT, line, false);
		return;
	}
	/* RFC 5321 4.1.1.5: RSET aborts the transaction; the server keeps nothing of it. */
	send_cmd(p, SMTP_STEP_RSET, "RSET", false);
}

static bool
tls_is_trusted(const struct smtp_probe *p)
{
	const struct tls_info *in;

	if (p->tls == NULL)
		return false;
	in = tls_conn_info(p->tls);
	/* Without a name to check (the user gave an address) the chain is all we can judge. */
	return in->is_chain_ok && (in->is_name_ok || p->host == NULL);
}

/* Start AUTH, or record why not, then go on. */
static void
start_auth(struct smtp_probe *p)
{
	struct smtp_result *r = p->res;
	unsigned offered = r->caps.auth_mechs & p->auth_mechs;
	struct secret *ir = NULL;
	char *line;
	size_t len;

	if (!r->caps.has_auth) {
		r->auth = SMTP_AUTH_NOT_OFFERED;
		start_txns(p);
		return;
	}
	/* PLAIN inside TLS is the norm (RFC 4616 2 wants it only there); LOGIN for old servers;
	 * CRAM-MD5 last, it needs the server to keep the plain password. */
	if (offered & SMTP_AUTH_PLAIN)
		r->auth_mech = SMTP_AUTH_PLAIN;
	else if (offered & SMTP_AUTH_LOGIN)
		r->auth_mech = SMTP_AUTH_LOGIN;
	else if (offered & SMTP_AUTH_CRAM_MD5)
		r->auth_mech = SMTP_AUTH_CRAM_MD5;
	else {
		/* Checked first: a server offering only NTLM or GSSAPI cannot be used at all. */
		r->auth = SMTP_AUTH_NO_MECH;
		start_txns(p);
		return;
	}
	if (!p->is_auth_insecure_ok && p->tls == NULL) {
		/* RFC 4954 4 and RFC 8314 3: a password never crosses the network in clear. */
		r->auth = SMTP_AUTH_SKIPPED_CLEAR;
		r->auth_mech = 0;
		smtp_transcript_note(&r->transcript, loop_now_ms(),
		    "AUTH not attempted: the connection is not encrypted");
		start_txns(p);
		return;
	}
	if (!p->is_auth_insecure_ok && !tls_is_trusted(p)) {
		r->auth = SMTP_AUTH_SKIPPED_UNVERIFIED;
		r->auth_mech = 0;
		smtp_transcript_note(&r->transcript, loop_now_ms(),
		    "AUTH not attempted: the server certificate did not verify");
		start_txns(p);
		return;
	}
	p->auth_stage = AUTH_ST_START;
	if (r->auth_mech == SMTP_AUTH_PLAIN) {
		/* RFC 4954 4: the initial response saves a round trip. */
		ir = smtp_auth_plain(p->auth_user, p->auth_pass);
		if (ir == NULL) {
			smtp_abort(p, SMTP_FAIL_INTERNAL, SMTP_STEP_AUTH, _("cannot encode the credentials"));
			return;
		}
		/* Assembled by hand: a secret never goes through a printf-family function. */
		len = sizeof("AUTH PLAIN ") - 1;
		line = xmalloc(len + ir->len + 1);
		memcpy(line, "AUTH PLAIN ", len);
		memcpy(line + len, ir->buf, ir->len + 1);
		secret_free(ir);
		p->auth_stage = AUTH_ST_FINAL;
		send_cmd(p, SMTP_STEP_AUTH, line, false);
		secret_wipe(line, len + strlen(line + len));
		free(line);
		return;
	}
	send_cmd(p, SMTP_STEP_AUTH, r->auth_mech == SMTP_AUTH_LOGIN ? "AUTH LOGIN" :
	    "AUTH CRAM-MD5", false);
}

static void
send_sasl(struct smtp_probe *p, struct secret *resp, enum auth_stage next)
{
	if (resp == NULL) {
		/* RFC 4954 4: "*" cancels; the server answers 501. */
		p->auth_stage = AUTH_ST_CANCEL;
		send_cmd(p, SMTP_STEP_AUTH, "*", true);
		return;
	}
	p->auth_stage = next;
	send_cmd(p, SMTP_STEP_AUTH, resp->buf, true);
	secret_free(resp);
}

static void
on_auth_reply(struct smtp_probe *p, const struct smtp_reply *rp)
{
	struct smtp_result *r = p->res;

	if (rp->code == 334 && p->auth_stage != AUTH_ST_FINAL && p->auth_stage != AUTH_ST_CANCEL) {
		const char *chal = rp->nlines > 0 ? rp->lines[0] : "";

		switch (r->auth_mech) {
		case SMTP_AUTH_LOGIN:
			if (p->auth_stage == AUTH_ST_START)
				send_sasl(p, smtp_auth_login_user(p->auth_user), AUTH_ST_USER);
			else
				send_sasl(p, smtp_auth_login_pass(p->auth_pass), AUTH_ST_FINAL);
			return;
		case SMTP_AUTH_CRAM_MD5:
			send_sasl(p, smtp_auth_cram_md5(p->auth_user, p->auth_pass, chal),
			    AUTH_ST_FINAL);
			return;
		default:
			break;
		}
	}
	if (rp->code == 334) {
		/* A challenge where none belongs: cancel rather than guess. */
		send_sasl(p, NULL, AUTH_ST_CANCEL);
		return;
	}
	r->auth_code = rp->code;
	snprintf(r->auth_enh, sizeof(r->auth_enh), "%s", rp->enh);
	if (rp->code == 235 && p->auth_stage != AUTH_ST_CANCEL) {
		r->auth = SMTP_AUTH_OK;
		start_txns(p);
		return;
	}
	r->auth = SMTP_AUTH_REJECTED;
	/* Without a login the rest of the plan shows nothing about this account. */
	p->res->fail = SMTP_FAIL_REJECT;
	p->res->fail_step = SMTP_STEP_AUTH;
	snprintf(p->res->fail_detail, sizeof(p->res->fail_detail), "authentication refused");
	send_quit(p);
}

/* EHLO or HELO done (and TLS when asked): on to AUTH or the transactions. */
static void
after_hello(struct smtp_probe *p)
{
	if (p->stop == SMTP_STOP_EHLO) {
		send_quit(p);
		return;
	}
	if (p->auth_user != NULL) {
		start_auth(p);
		return;
	}
	start_txns(p);
}

static void
on_banner(struct smtp_probe *p, const struct smtp_reply *rp)
{
	p->res->banner_ms = smtp_cur_step(p)->ms;
	if (rp->code / 100 != 2) {
		/* RFC 5321 3.1: after a 554 greeting the client sends QUIT and waits for it. */
		p->res->fail = SMTP_FAIL_REJECT;
		p->res->fail_step = SMTP_STEP_BANNER;
		snprintf(p->res->fail_detail, sizeof(p->res->fail_detail),
		    "greeting refused the session (%d)", rp->code);
		send_quit(p);
		return;
	}
	if (p->stop == SMTP_STOP_BANNER) {
		send_quit(p);
		return;
	}
	smtp_send_ehlo(p, false);
}

static void
on_ehlo(struct smtp_probe *p, const struct smtp_reply *rp, bool is_helo)
{
	struct smtp_result *r = p->res;

	if (rp->code != 250) {
		/* RFC 5321 3.2: a server that does not do EHLO gets HELO; never after TLS. */
		if (!is_helo && !p->is_after_tls && rp->code / 100 == 5) {
			smtp_send_ehlo(p, true);
			return;
		}
		r->fail = SMTP_FAIL_REJECT;
		r->fail_step = is_helo ? SMTP_STEP_HELO : SMTP_STEP_EHLO;
		snprintf(r->fail_detail, sizeof(r->fail_detail), "%s refused (%d)",
		    is_helo ? "HELO" : "EHLO", rp->code);
		send_quit(p);
		return;
	}
	r->used_helo = is_helo;
	r->has_caps = true;
	smtp_caps_parse(&r->caps, rp);
	if (is_helo)
		r->caps.is_esmtp = false;
	if (!p->is_after_tls) {
		r->has_caps_clear = true;
		r->caps_clear = r->caps;
	}
	if (p->tls_mode == SMTP_TLS_STARTTLS && !p->is_after_tls) {
		if (r->caps.has_starttls) {
			send_cmd(p, SMTP_STEP_STARTTLS, "STARTTLS", false);
			return;
		}
		if (p->is_tls_required) {
			r->fail = SMTP_FAIL_FEATURE;
			r->fail_step = SMTP_STEP_STARTTLS;
			snprintf(r->fail_detail, sizeof(r->fail_detail),
			    "STARTTLS is not offered");
			send_quit(p);
			return;
		}
	}
	after_hello(p);
}

static void
on_starttls(struct smtp_probe *p, const struct smtp_reply *rp)
{
	struct smtp_result *r = p->res;

	if (rp->code != 220) {
		if (p->is_tls_required) {
			r->fail = SMTP_FAIL_REJECT;
			r->fail_step = SMTP_STEP_STARTTLS;
			snprintf(r->fail_detail, sizeof(r->fail_detail), "STARTTLS refused (%d)",
			    rp->code);
			send_quit(p);
			return;
		}
		after_hello(p);
		return;
	}
	/* RFC 3207 4.2 (and CVE-2011-0411's lesson): nothing read before the handshake may be
	 * taken as coming from inside TLS. */
	if (p->in.len > p->in.taken) {
		r->had_data_after_starttls = true;
		smtp_transcript_note(&r->transcript, loop_now_ms(),
		    "server sent %zu bytes after its 220 to STARTTLS; discarded",
		    p->in.len - p->in.taken);
	}
	smtp_linebuf_clear(&p->in);
	smtp_conn_start_handshake(p);
}

static void
on_rset_or_txn_reply(struct smtp_probe *p, const struct smtp_reply *rp)
{
	struct smtp_step *s = smtp_cur_step(p);

	switch (s->kind) {
	case SMTP_STEP_MAIL:
		p->is_mail_ok = rp->code / 100 == 2;
		next_txn_step(p);
		break;
	case SMTP_STEP_RCPT:
		p->rcpt++;
		next_txn_step(p);
		break;
	case SMTP_STEP_RSET:
		p->txn++;
		p->rcpt = 0;
		if (p->txn >= p->ntxns) {
			send_quit(p);
			return;
		}
		send_mail(p);
		break;
	default:
		break;
	}
}

/* A complete reply arrived for the current step. */
static void
on_reply(struct smtp_probe *p)
{
	struct smtp_step *s = smtp_cur_step(p);
	struct smtp_reply *rp;

	loop_timer_cancel(p->loop, p->wait_timer);
	p->wait_timer = NULL;
	s->ms = loop_now_ms() - p->wait_started_ms;
	/* Hand the assembled reply to the step; p->reply starts empty for the next one. */
	s->reply = p->reply;
	smtp_reply_init(&p->reply);
	rp = &s->reply;
	if (rp->code == 421 && s->kind != SMTP_STEP_QUIT) {
		/* RFC 5321 3.8: the server is closing the channel. */
		p->got_421 = true;
		smtp_abort(p, SMTP_FAIL_REJECT, s->kind, _("server closing the session (421) at %s"),
		    smtp_step_name(s->kind));
		return;
	}
	switch (s->kind) {
	case SMTP_STEP_BANNER:
		on_banner(p, rp);
		break;
	case SMTP_STEP_EHLO:
	case SMTP_STEP_HELO:
		on_ehlo(p, rp, s->kind == SMTP_STEP_HELO);
		break;
	case SMTP_STEP_STARTTLS:
		on_starttls(p, rp);
		break;
	case SMTP_STEP_AUTH:
		on_auth_reply(p, rp);
		break;
	case SMTP_STEP_MAIL:
	case SMTP_STEP_RCPT:
	case SMTP_STEP_RSET:
		on_rset_or_txn_reply(p, rp);
		break;
	case SMTP_STEP_QUIT:
		smtp_finish(p);
		break;
	default:
		break;
	}
}

int
smtp_take_lines(struct smtp_probe *p)
{
	const char *line;
	size_t len;
	int rc;

	for (;;) {
		rc = smtp_linebuf_next(&p->in, &line, &len);
		if (rc == 0)
			return 0;
		if (rc < 0) {
			smtp_abort(p, SMTP_FAIL_PROTO, smtp_cur_step(p)->kind,
			    _("reply line longer than %d bytes"), SMTP_REPLY_LINE_MAX);
			return -1;
		}
		smtp_transcript_server(&p->res->transcript, loop_now_ms(), line, len);
		rc = smtp_reply_add_line(&p->reply, line, len);
		if (rc == SMTP_REPLY_NEED_MORE)
			continue;
		if (rc == MXD_ELIMIT) {
			smtp_abort(p, SMTP_FAIL_PROTO, smtp_cur_step(p)->kind, _("reply longer than %d lines"),
			    SMTP_REPLY_LINES_MAX);
			return -1;
		}
		if (rc < 0) {
			smtp_abort(p, SMTP_FAIL_PROTO, smtp_cur_step(p)->kind,
			    _("malformed reply line (RFC 5321 4.2)"));
			return -1;
		}
		if (p->out_len > 0) {
			/* A reply before our command was fully written: the server is talking
			 * out of turn. */
			smtp_abort(p, SMTP_FAIL_PROTO, smtp_cur_step(p)->kind,
			    _("reply arrived before the command was sent"));
			return -1;
		}
		on_reply(p);
		if (p->phase != PH_IO)
			return -1;
	}
}

static void
copy_txns(struct smtp_probe *p, const struct smtp_plan *plan)
{
	size_t i, j;

	p->ntxns = plan->ntxns;
	p->txns = plan->ntxns > 0 ? xcalloc(plan->ntxns, sizeof(*p->txns)) : NULL;
	for (i = 0; i < plan->ntxns; i++) {
		char **rcpts = xcalloc(plan->txns[i].nrcpts + 1, sizeof(*rcpts));

		p->txns[i].mail_from = xstrdup(plan->txns[i].mail_from);
		for (j = 0; j < plan->txns[i].nrcpts; j++)
			rcpts[j] = xstrdup(plan->txns[i].rcpts[j]);
		p->txns[i].rcpts = (const char *const *)rcpts;
		p->txns[i].nrcpts = plan->txns[i].nrcpts;
	}
}

int
smtp_probe_start(struct loop *loop, const struct smtp_plan *plan, smtp_done_cb *cb, void *arg)
{
	struct smtp_probe *p;
	int family = AF_INET;

	if (check_plan(plan) != 0)
		return MXD_EINVAL;
	is_ip_literal(plan->addr, &family);
	p = xcalloc(1, sizeof(*p));
	p->loop = loop;
	p->cb = cb;
	p->cb_arg = arg;
	p->fd = -1;
	p->addr = xstrdup(plan->addr);
	p->host = xstrdup(plan->host);
	p->ehlo_name = xstrdup(plan->ehlo_name);
	p->auth_user = xstrdup(plan->auth_user);
	p->auth_pass = plan->auth_pass != NULL ? secret_new(plan->auth_pass->buf,
	    plan->auth_pass->len) : NULL;
	p->auth_mechs = plan->auth_mechs != 0 ? plan->auth_mechs :
	    SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN | SMTP_AUTH_CRAM_MD5;
	p->port = plan->port;
	p->tls_mode = plan->tls;
	p->is_tls_required = plan->is_tls_required;
	p->is_auth_insecure_ok = plan->is_auth_insecure_ok;
	p->tls_client = plan->tls_client;
	p->stop = plan->stop;
	copy_txns(p, plan);
	p->connect_timeout_ms = plan->connect_timeout_ms > 0 ? plan->connect_timeout_ms :
	    SMTP_DEFAULT_TIMEOUT_MS;
	p->reply_timeout_ms = plan->reply_timeout_ms > 0 ? plan->reply_timeout_ms :
	    SMTP_DEFAULT_TIMEOUT_MS;
	p->total_timeout_ms = plan->total_timeout_ms > 0 ? plan->total_timeout_ms :
	    p->connect_timeout_ms + 6 * p->reply_timeout_ms;
	p->started_ms = loop_now_ms();

	p->res = xcalloc(1, sizeof(*p->res));
	p->res->addr = xstrdup(plan->addr);
	p->res->port = plan->port;
	p->res->host = xstrdup(plan->host);
	p->res->tls_mode = plan->tls;
	smtp_transcript_init(&p->res->transcript, p->started_ms);
	p->phase = PH_CONNECT;
	p->total_timer = loop_timer_add(loop, p->total_timeout_ms, on_total_timeout, p);
	p->wait_started_ms = p->started_ms;

	if (smtp_conn_open(p, family) != 0)
		return 0;	/* the result still comes through cb, from the loop */
	p->wait_timer = loop_timer_add(loop, p->connect_timeout_ms, on_wait_timeout, p);
	/* Even an immediate success is handled from the loop, so cb never runs in here. */
	smtp_conn_watch(p, POLLOUT);
	return 0;
}
