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
#include "log.h"
#include "loop.h"
#include "secret.h"
#include "smtp.h"
#include "smtp_auth.h"
#include "xmalloc.h"

#define SMTP_DEFAULT_TIMEOUT_MS 5000
/* RFC 4954 4: an AUTH line may be up to 12288 octets; ours are far shorter, and bounded. */
#define SMTP_OUT_MAX 4096

enum phase {
	PH_CONNECT,
	PH_HANDSHAKE,
	PH_IO,
	PH_DONE,
};

/* Which answer of a SASL exchange we wait for. */
enum auth_stage {
	AUTH_ST_START,		/* reply to "AUTH MECH [initial-response]" */
	AUTH_ST_USER,		/* LOGIN: reply after the user name */
	AUTH_ST_FINAL,		/* reply after the last response */
	AUTH_ST_CANCEL,		/* reply after "*" */
};

struct smtp_probe {
	struct loop *loop;
	smtp_done_cb *cb;
	void *cb_arg;

	/* The plan, copied. */
	char *addr, *host, *ehlo_name, *auth_user;
	uint16_t port;
	enum smtp_tls_mode tls_mode;
	bool is_tls_required, is_auth_insecure_ok;
	struct tls_client *tls_client;
	struct secret *auth_pass;
	unsigned auth_mechs;
	struct smtp_txn *txns;		/* owned array; strings owned */
	size_t ntxns;
	enum smtp_stop stop;
	int connect_timeout_ms, reply_timeout_ms, total_timeout_ms;

	/* The session. */
	enum phase phase;
	int fd;
	struct tls_conn *tls;
	struct loop_timer *wait_timer;	/* connect, handshake or reply */
	struct loop_timer *total_timer;
	struct loop_timer *done_timer;
	int64_t started_ms, wait_started_ms;
	struct smtp_linebuf in;
	char out[SMTP_OUT_MAX];
	size_t out_len, out_off;
	struct smtp_reply reply;	/* being assembled */
	bool is_after_tls;		/* the handshake done: the next EHLO is the second one */
	bool is_quitting;
	bool got_421;
	enum auth_stage auth_stage;
	size_t txn, rcpt;		/* current position in the transactions */
	bool is_mail_ok;		/* MAIL of the current transaction was accepted */
	struct smtp_result *res;
};

static void step_io(struct smtp_probe *p);
static void start_handshake(struct smtp_probe *p);

const char *
smtp_conn_name(enum smtp_conn c)
{
	switch (c) {
	case SMTP_CONN_NONE: return "none";
	case SMTP_CONN_OK: return "ok";
	case SMTP_CONN_REFUSED: return "refused";
	case SMTP_CONN_TIMEOUT: return "timeout";
	case SMTP_CONN_UNREACH: return "unreachable";
	case SMTP_CONN_ERROR: return "error";
	}
	return "error";
}

const char *
smtp_fail_name(enum smtp_fail f)
{
	switch (f) {
	case SMTP_FAIL_NONE: return "none";
	case SMTP_FAIL_INTERNAL: return "internal";
	case SMTP_FAIL_CONN: return "connection";
	case SMTP_FAIL_TIMEOUT: return "timeout";
	case SMTP_FAIL_PROTO: return "protocol";
	case SMTP_FAIL_TLS: return "tls";
	case SMTP_FAIL_FEATURE: return "feature";
	case SMTP_FAIL_REJECT: return "rejected";
	}
	return "internal";
}

const char *
smtp_step_name(enum smtp_step_kind k)
{
	switch (k) {
	case SMTP_STEP_CONNECT: return "CONNECT";
	case SMTP_STEP_BANNER: return "BANNER";
	case SMTP_STEP_EHLO: return "EHLO";
	case SMTP_STEP_HELO: return "HELO";
	case SMTP_STEP_STARTTLS: return "STARTTLS";
	case SMTP_STEP_TLS: return "TLS";
	case SMTP_STEP_AUTH: return "AUTH";
	case SMTP_STEP_MAIL: return "MAIL";
	case SMTP_STEP_RCPT: return "RCPT";
	case SMTP_STEP_RSET: return "RSET";
	case SMTP_STEP_QUIT: return "QUIT";
	}
	return "?";
}

const char *
smtp_auth_result_name(enum smtp_auth_result a)
{
	switch (a) {
	case SMTP_AUTH_NOT_TRIED: return "not-tried";
	case SMTP_AUTH_NOT_OFFERED: return "not-offered";
	case SMTP_AUTH_NO_MECH: return "no-usable-mechanism";
	case SMTP_AUTH_SKIPPED_CLEAR: return "skipped-no-tls";
	case SMTP_AUTH_SKIPPED_UNVERIFIED: return "skipped-unverified-tls";
	case SMTP_AUTH_OK: return "ok";
	case SMTP_AUTH_REJECTED: return "rejected";
	}
	return "?";
}

const char *
smtp_tls_mode_name(enum smtp_tls_mode m)
{
	switch (m) {
	case SMTP_TLS_NONE: return "none";
	case SMTP_TLS_STARTTLS: return "starttls";
	case SMTP_TLS_IMPLICIT: return "implicit";
	}
	return "?";
}

enum smtp_conn
smtp_conn_classify(int err)
{
	switch (err) {
	case 0:
		return SMTP_CONN_OK;
	case ECONNREFUSED:
		/* A TCP RST, or ICMP port unreachable, which Linux maps to the same errno. */
		return SMTP_CONN_REFUSED;
	case ETIMEDOUT:
		return SMTP_CONN_TIMEOUT;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:
		/* ICMP destination unreachable; "administratively prohibited" (RFC 1812 5.2.7.1)
		 * arrives as EHOSTUNREACH. */
		return SMTP_CONN_UNREACH;
	case EACCES:
	case EPERM:
		/* A local firewall refusing the SYN is a block on our own side. */
		return SMTP_CONN_UNREACH;
	default:
		return SMTP_CONN_ERROR;
	}
}

void
smtp_result_free(struct smtp_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < res->nsteps; i++) {
		free(res->steps[i].sent);
		smtp_reply_fini(&res->steps[i].reply);
	}
	free(res->steps);
	smtp_transcript_fini(&res->transcript);
	free(res->addr);
	free(res->host);
	free(res);
}

const struct smtp_step *
smtp_result_step(const struct smtp_result *res, enum smtp_step_kind kind, size_t txn,
    size_t rcpt)
{
	size_t i;

	for (i = 0; i < res->nsteps; i++)
		if (res->steps[i].kind == kind && res->steps[i].txn == txn &&
		    res->steps[i].rcpt == rcpt)
			return &res->steps[i];
	return NULL;
}

const struct smtp_step *
smtp_result_last(const struct smtp_result *res, enum smtp_step_kind kind)
{
	size_t i;

	for (i = res->nsteps; i > 0; i--)
		if (res->steps[i - 1].kind == kind)
			return &res->steps[i - 1];
	return NULL;
}

char *
smtp_result_banner_name(const struct smtp_result *res, char *buf, size_t len)
{
	const struct smtp_step *s = smtp_result_step(res, SMTP_STEP_BANNER, 0, 0);
	const char *t;
	size_t n;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (s == NULL || s->reply.nlines == 0 || s->reply.code / 100 != 2)
		return buf;
	/* RFC 5321 4.2: Greeting = "220 " (Domain / address-literal) [ SP textstring ]. */
	t = s->reply.lines[0];
	n = strcspn(t, " \t");
	if (n >= len)
		n = len - 1;
	memcpy(buf, t, n);
	buf[n] = '\0';
	return buf;
}

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
static void
finish(struct smtp_probe *p)
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

static void
fail(struct smtp_probe *p, enum smtp_fail why, enum smtp_step_kind where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
fail(struct smtp_probe *p, enum smtp_fail why, enum smtp_step_kind where, const char *fmt, ...)
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
	finish(p);
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
		fail(p, SMTP_FAIL_CONN, SMTP_STEP_CONNECT,
		    "no answer to the connection attempt within %lld ms", (long long)waited);
		break;
	case PH_HANDSHAKE:
		fail(p, SMTP_FAIL_TIMEOUT, SMTP_STEP_TLS,
		    "TLS handshake not finished within %lld ms", (long long)waited);
		break;
	case PH_IO:
		if (p->is_quitting) {
			/* The QUIT reply is a courtesy; the session's facts are complete. */
			finish(p);
			break;
		}
		fail(p, SMTP_FAIL_TIMEOUT, p->res->nsteps > 0 ?
		    p->res->steps[p->res->nsteps - 1].kind : SMTP_STEP_BANNER,
		    "no complete reply within %lld ms", (long long)waited);
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
	fail(p, SMTP_FAIL_TIMEOUT, p->res->nsteps > 0 ? p->res->steps[p->res->nsteps - 1].kind :
	    SMTP_STEP_CONNECT, "session not finished within %d ms", p->total_timeout_ms);
}

static void
arm_wait(struct smtp_probe *p, int ms)
{
	loop_timer_cancel(p->loop, p->wait_timer);
	p->wait_started_ms = loop_now_ms();
	p->wait_timer = loop_timer_add(p->loop, ms, on_wait_timeout, p);
}

/* ---- I/O ---- */

static void on_fd(int fd, short revents, void *arg);

static void
watch(struct smtp_probe *p, short events)
{
	if (loop_watch(p->loop, p->fd, events, on_fd, p) != 0)
		fail(p, SMTP_FAIL_INTERNAL, SMTP_STEP_CONNECT, "too many open connections");
}

static struct smtp_step *
new_step(struct smtp_probe *p, enum smtp_step_kind kind, const char *sent)
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

static struct smtp_step *
cur_step(struct smtp_probe *p)
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
		fail(p, SMTP_FAIL_INTERNAL, kind, "command longer than %zu bytes", sizeof(p->out));
		return;
	}
	memcpy(p->out, line, len);
	memcpy(p->out + len, "\r\n", 2);
	p->out_len = len + 2;
	p->out_off = 0;
	smtp_redact(line, is_sasl, shown, sizeof(shown));
	smtp_transcript_client(&p->res->transcript, now, line, is_sasl);
	new_step(p, kind, shown);
	smtp_reply_fini(&p->reply);
	arm_wait(p, p->reply_timeout_ms);
	watch(p, POLLIN | POLLOUT);
}

/* Write what is queued. Returns 0, or -1 when the session ended. */
static int
flush_out(struct smtp_probe *p)
{
	while (p->out_off < p->out_len) {
		size_t n = 0;

		if (p->tls != NULL) {
			int rc = tls_conn_write(p->tls, p->out + p->out_off, p->out_len - p->out_off,
			    &n);

			if (rc == TLS_WANT_READ || rc == TLS_WANT_WRITE)
				return 0;
			if (rc != TLS_OK) {
				fail(p, SMTP_FAIL_CONN, cur_step(p)->kind, "%s",
				    tls_conn_info(p->tls)->error[0] != '\0' ?
				    tls_conn_info(p->tls)->error : "connection closed while writing");
				return -1;
			}
		} else {
			ssize_t w = send(p->fd, p->out + p->out_off, p->out_len - p->out_off,
			    MSG_NOSIGNAL);

			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				return 0;
			if (w < 0) {
				fail(p, SMTP_FAIL_CONN, cur_step(p)->kind, "write failed: %s",
				    strerror(errno));
				return -1;
			}
			n = (size_t)w;
		}
		p->out_off += n;
	}
	/* The line may have carried a SASL response: nothing of it stays in memory. */
	secret_wipe(p->out, p->out_len);
	p->out_len = p->out_off = 0;
	watch(p, POLLIN);
	return 0;
}

/* ---- the protocol ---- */

static void
send_quit(struct smtp_probe *p)
{
	if (p->got_421) {
		/* RFC 5321 3.8: after 421 the server closes; there is nobody to say QUIT to. */
		finish(p);
		return;
	}
	p->is_quitting = true;
	send_cmd(p, SMTP_STEP_QUIT, "QUIT", false);
}

static void
send_ehlo(struct smtp_probe *p, bool is_helo)
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
	if (p->res->nsteps == 0 || (cur_step(p)->kind != SMTP_STEP_MAIL &&
	    cur_step(p)->kind != SMTP_STEP_RCPT)) {
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
			fail(p, SMTP_FAIL_INTERNAL, SMTP_STEP_AUTH, "cannot encode the credentials");
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
	p->res->banner_ms = cur_step(p)->ms;
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
	send_ehlo(p, false);
}

static void
on_ehlo(struct smtp_probe *p, const struct smtp_reply *rp, bool is_helo)
{
	struct smtp_result *r = p->res;

	if (rp->code != 250) {
		/* RFC 5321 3.2: a server that does not do EHLO gets HELO; never after TLS. */
		if (!is_helo && !p->is_after_tls && rp->code / 100 == 5) {
			send_ehlo(p, true);
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
	start_handshake(p);
}

static void
on_rset_or_txn_reply(struct smtp_probe *p, const struct smtp_reply *rp)
{
	struct smtp_step *s = cur_step(p);

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
	struct smtp_step *s = cur_step(p);
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
		fail(p, SMTP_FAIL_REJECT, s->kind, "server closing the session (421) at %s",
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
		finish(p);
		break;
	default:
		break;
	}
}

/* Feed buffered lines to the reply parser. Returns -1 when the session ended or changed
 * phase (the caller must stop reading), else 0. */
static int
take_lines(struct smtp_probe *p)
{
	const char *line;
	size_t len;
	int rc;

	for (;;) {
		rc = smtp_linebuf_next(&p->in, &line, &len);
		if (rc == 0)
			return 0;
		if (rc < 0) {
			fail(p, SMTP_FAIL_PROTO, cur_step(p)->kind,
			    "reply line longer than %d bytes", SMTP_REPLY_LINE_MAX);
			return -1;
		}
		smtp_transcript_server(&p->res->transcript, loop_now_ms(), line, len);
		rc = smtp_reply_add_line(&p->reply, line, len);
		if (rc == SMTP_REPLY_NEED_MORE)
			continue;
		if (rc == MXD_ELIMIT) {
			fail(p, SMTP_FAIL_PROTO, cur_step(p)->kind, "reply longer than %d lines",
			    SMTP_REPLY_LINES_MAX);
			return -1;
		}
		if (rc < 0) {
			fail(p, SMTP_FAIL_PROTO, cur_step(p)->kind,
			    "malformed reply line (RFC 5321 4.2)");
			return -1;
		}
		if (p->out_len > 0) {
			/* A reply before our command was fully written: the server is talking
			 * out of turn. */
			fail(p, SMTP_FAIL_PROTO, cur_step(p)->kind,
			    "reply arrived before the command was sent");
			return -1;
		}
		on_reply(p);
		if (p->phase != PH_IO)
			return -1;
	}
}

static void
on_eof(struct smtp_probe *p, const char *why)
{
	if (p->is_quitting) {
		finish(p);	/* closing without 221 after QUIT loses nothing */
		return;
	}
	fail(p, SMTP_FAIL_CONN, p->res->nsteps > 0 ? cur_step(p)->kind : SMTP_STEP_BANNER,
	    "%s", why);
}

static void
step_io(struct smtp_probe *p)
{
	for (;;) {
		size_t room, n = 0;

		if (p->out_len > 0 && flush_out(p) < 0)
			return;
		if (take_lines(p) < 0)
			return;
		room = smtp_linebuf_room(&p->in);
		if (room == 0) {
			fail(p, SMTP_FAIL_PROTO, cur_step(p)->kind, "reply line too long");
			return;
		}
		if (p->tls != NULL) {
			int rc = tls_conn_read(p->tls, p->in.buf + p->in.len, room, &n);

			if (rc == TLS_WANT_READ || rc == TLS_WANT_WRITE)
				return;
			if (rc == TLS_EOF) {
				on_eof(p, "connection closed by the server");
				return;
			}
			if (rc != TLS_OK) {
				on_eof(p, tls_conn_info(p->tls)->error);
				return;
			}
		} else {
			ssize_t got = recv(p->fd, p->in.buf + p->in.len, room, 0);

			if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				return;
			if (got < 0) {
				char why[128];

				snprintf(why, sizeof(why), "connection lost: %s", strerror(errno));
				on_eof(p, why);
				return;
			}
			if (got == 0) {
				on_eof(p, "connection closed by the server");
				return;
			}
			n = (size_t)got;
		}
		smtp_linebuf_added(&p->in, n);
	}
}

/* Wait for the greeting (after connect, or after the implicit-TLS handshake). */
static void
wait_banner(struct smtp_probe *p)
{
	new_step(p, SMTP_STEP_BANNER, NULL);
	arm_wait(p, p->reply_timeout_ms);
	p->phase = PH_IO;
	watch(p, POLLIN);
}

static void
step_handshake(struct smtp_probe *p)
{
	struct smtp_result *r = p->res;
	const struct tls_info *in;
	int rc = tls_conn_handshake(p->tls);

	if (rc == TLS_WANT_READ) {
		watch(p, POLLIN);
		return;
	}
	if (rc == TLS_WANT_WRITE) {
		watch(p, POLLIN | POLLOUT);
		return;
	}
	in = tls_conn_info(p->tls);
	r->tls_ms = loop_now_ms() - p->wait_started_ms;
	r->tls = *in;
	if (rc != TLS_OK) {
		fail(p, SMTP_FAIL_TLS, SMTP_STEP_TLS, "TLS handshake failed: %s",
		    in->error[0] != '\0' ? in->error : "connection closed");
		return;
	}
	loop_timer_cancel(p->loop, p->wait_timer);
	p->wait_timer = NULL;
	r->tls_active = true;
	p->is_after_tls = true;
	smtp_transcript_note(&r->transcript, loop_now_ms(),
	    "TLS %s %s; certificate %s, issuer %s; chain %s; name %s %s; expires %s",
	    in->protocol, in->cipher, in->subject, in->issuer,
	    in->is_chain_ok ? "verified" : in->verify_error,
	    in->name[0] != '\0' ? in->name : "(none)",
	    in->is_name_ok ? "matches" : "does not match", in->not_after);
	if (p->tls_mode == SMTP_TLS_IMPLICIT) {
		wait_banner(p);
		return;
	}
	/* RFC 3207 4.2: forget what was learned before TLS and ask again. */
	p->phase = PH_IO;
	memset(&r->caps, 0, sizeof(r->caps));
	send_ehlo(p, false);
}

static void
start_handshake(struct smtp_probe *p)
{
	p->res->tls_tried = true;
	p->tls = tls_conn_new(p->tls_client, p->fd, p->host != NULL ? p->host : p->addr);
	if (p->tls == NULL) {
		fail(p, SMTP_FAIL_INTERNAL, SMTP_STEP_TLS, "cannot create a TLS session");
		return;
	}
	smtp_transcript_note(&p->res->transcript, loop_now_ms(), "TLS handshake");
	p->phase = PH_HANDSHAKE;
	arm_wait(p, p->reply_timeout_ms);
	/* on_fd runs the handshake: it may already have bytes to send. */
	watch(p, POLLIN | POLLOUT);
}

/* Our own address as an EHLO argument: RFC 5321 4.1.3 address literal. */
static void
default_ehlo_name(struct smtp_probe *p)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "127.0.0.1";

	if (getsockname(p->fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof(ip));
			p->ehlo_name = xasprintf("[IPv6:%s]", ip);
			return;
		}
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof(ip));
	}
	p->ehlo_name = xasprintf("[%s]", ip);
}

static void
connected(struct smtp_probe *p)
{
	struct smtp_result *r = p->res;

	r->conn = SMTP_CONN_OK;
	r->connect_ms = loop_now_ms() - p->wait_started_ms;
	smtp_transcript_note(&r->transcript, loop_now_ms(), "connected to %s port %u in %lld ms",
	    p->addr, p->port, (long long)r->connect_ms);
	if (p->ehlo_name == NULL)
		default_ehlo_name(p);
	if (p->tls_mode == SMTP_TLS_IMPLICIT) {
		start_handshake(p);
		return;
	}
	wait_banner(p);
}

static void
connect_failed(struct smtp_probe *p, int err)
{
	struct smtp_result *r = p->res;

	r->conn = smtp_conn_classify(err);
	r->conn_errno = err;
	r->connect_ms = loop_now_ms() - p->wait_started_ms;
	fail(p, SMTP_FAIL_CONN, SMTP_STEP_CONNECT, "connect to %s port %u: %s (%s) after %lld ms",
	    p->addr, p->port, strerror(err), smtp_conn_name(r->conn), (long long)r->connect_ms);
}

static void
step_connect(struct smtp_probe *p)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	if (err == 0) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);

		/* SO_ERROR is also 0 while the handshake is still under way: an event meant for
		 * an earlier descriptor with the same number must not pass for a connection. */
		if (getpeername(p->fd, (struct sockaddr *)&peer, &plen) != 0 && errno == ENOTCONN)
			return;
	}
	loop_timer_cancel(p->loop, p->wait_timer);
	p->wait_timer = NULL;
	if (err != 0) {
		connect_failed(p, err);
		return;
	}
	connected(p);
}

static void
on_fd(int fd, short revents, void *arg)
{
	struct smtp_probe *p = arg;

	(void)revents;
	if (fd != p->fd)
		return;	/* a stale event for a descriptor we have closed */
	/* A phase may end inside the one before it (connect -> banner wait): run each once. */
	for (;;) {
		enum phase before = p->phase;

		switch (p->phase) {
		case PH_CONNECT:
			step_connect(p);
			break;
		case PH_HANDSHAKE:
			step_handshake(p);
			break;
		case PH_IO:
			step_io(p);
			break;
		case PH_DONE:
			return;
		}
		if (p->phase == before || p->phase == PH_DONE)
			return;
		if (before == PH_CONNECT && p->phase == PH_IO)
			return;	/* nothing to read yet: the banner comes by itself */
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
	struct sockaddr_storage ss;
	socklen_t sl;
	int family = AF_INET, rc;

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

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(plan->port);
		inet_pton(AF_INET6, plan->addr, &s6->sin6_addr);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(plan->port);
		inet_pton(AF_INET, plan->addr, &s4->sin_addr);
		sl = sizeof(*s4);
	}
	p->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (p->fd < 0) {
		fail(p, SMTP_FAIL_INTERNAL, SMTP_STEP_CONNECT, "socket: %s", strerror(errno));
		return 0;	/* the result still comes through cb, from the loop */
	}
	smtp_transcript_note(&p->res->transcript, p->started_ms, "connecting to %s port %u%s",
	    plan->addr, plan->port, plan->tls == SMTP_TLS_IMPLICIT ? " (implicit TLS)" : "");
	rc = connect(p->fd, (struct sockaddr *)&ss, sl);
	if (rc != 0 && errno != EINPROGRESS) {
		connect_failed(p, errno);
		return 0;
	}
	p->wait_timer = loop_timer_add(loop, p->connect_timeout_ms, on_wait_timeout, p);
	/* Even an immediate success is handled from the loop, so cb never runs in here. */
	watch(p, POLLOUT);
	return 0;
}
