/* The connection of a session: connect, non-blocking reads and writes (plain or through
 * TLS), the TLS handshake, and the loop's handler that drives each phase. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "i18n.h"
#include "loop.h"
#include "secret.h"
#include "smtp.h"
#include "smtp_int.h"
#include "xmalloc.h"

/* ---- I/O ---- */

static void on_fd(int fd, short revents, void *arg);

void
smtp_conn_watch(struct smtp_probe *p, short events)
{
	if (loop_watch(p->loop, p->fd, events, on_fd, p) != 0)
		smtp_abort(p, SMTP_FAIL_INTERNAL, SMTP_STEP_CONNECT, _("too many open connections"));
}

int
smtp_conn_flush(struct smtp_probe *p)
{
	while (p->out_off < p->out_len) {
		size_t n = 0;

		if (p->tls != NULL) {
			int rc = tls_conn_write(p->tls, p->out + p->out_off, p->out_len - p->out_off,
			    &n);

			if (rc == TLS_WANT_READ || rc == TLS_WANT_WRITE)
				return 0;
			if (rc != TLS_OK) {
				smtp_abort(p, SMTP_FAIL_CONN, smtp_cur_step(p)->kind, "%s",
				    tls_conn_info(p->tls)->error[0] != '\0' ?
				    tls_conn_info(p->tls)->error : _("connection closed while writing"));
				return -1;
			}
		} else {
			ssize_t w = send(p->fd, p->out + p->out_off, p->out_len - p->out_off,
			    MSG_NOSIGNAL);

			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				return 0;
			if (w < 0) {
				smtp_abort(p, SMTP_FAIL_CONN, smtp_cur_step(p)->kind, _("write failed: %s"),
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
	smtp_conn_watch(p, POLLIN);
	return 0;
}

static void
on_eof(struct smtp_probe *p, const char *why)
{
	if (p->is_quitting) {
		smtp_finish(p);	/* closing without 221 after QUIT loses nothing */
		return;
	}
	smtp_abort(p, SMTP_FAIL_CONN, p->res->nsteps > 0 ? smtp_cur_step(p)->kind : SMTP_STEP_BANNER,
	    "%s", why);
}

static void
step_io(struct smtp_probe *p)
{
	for (;;) {
		size_t room, n = 0;

		if (p->out_len > 0 && smtp_conn_flush(p) < 0)
			return;
		if (smtp_take_lines(p) < 0)
			return;
		room = smtp_linebuf_room(&p->in);
		if (room == 0) {
			smtp_abort(p, SMTP_FAIL_PROTO, smtp_cur_step(p)->kind, _("reply line too long"));
			return;
		}
		if (p->tls != NULL) {
			int rc = tls_conn_read(p->tls, p->in.buf + p->in.len, room, &n);

			if (rc == TLS_WANT_READ || rc == TLS_WANT_WRITE)
				return;
			if (rc == TLS_EOF) {
				on_eof(p, _("connection closed by the server"));
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

				snprintf(why, sizeof(why), _("connection lost: %s"), strerror(errno));
				on_eof(p, why);
				return;
			}
			if (got == 0) {
				on_eof(p, _("connection closed by the server"));
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
	smtp_new_step(p, SMTP_STEP_BANNER, NULL);
	smtp_arm_wait(p, p->reply_timeout_ms);
	p->phase = PH_IO;
	smtp_conn_watch(p, POLLIN);
}

static void
step_handshake(struct smtp_probe *p)
{
	struct smtp_result *r = p->res;
	const struct tls_info *in;
	int rc = tls_conn_handshake(p->tls);

	if (rc == TLS_WANT_READ) {
		smtp_conn_watch(p, POLLIN);
		return;
	}
	if (rc == TLS_WANT_WRITE) {
		smtp_conn_watch(p, POLLIN | POLLOUT);
		return;
	}
	in = tls_conn_info(p->tls);
	r->tls_ms = loop_now_ms() - p->wait_started_ms;
	r->tls = *in;
	if (rc != TLS_OK) {
		smtp_abort(p, SMTP_FAIL_TLS, SMTP_STEP_TLS, _("TLS handshake failed: %s"),
		    in->error[0] != '\0' ? in->error : _("connection closed"));
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
	smtp_send_ehlo(p, false);
}

void
smtp_conn_start_handshake(struct smtp_probe *p)
{
	p->res->tls_tried = true;
	p->tls = tls_conn_new(p->tls_client, p->fd, p->host != NULL ? p->host : p->addr);
	if (p->tls == NULL) {
		smtp_abort(p, SMTP_FAIL_INTERNAL, SMTP_STEP_TLS, _("cannot create a TLS session"));
		return;
	}
	smtp_transcript_note(&p->res->transcript, loop_now_ms(), "TLS handshake");
	p->phase = PH_HANDSHAKE;
	smtp_arm_wait(p, p->reply_timeout_ms);
	/* on_fd runs the handshake: it may already have bytes to send. */
	smtp_conn_watch(p, POLLIN | POLLOUT);
}

/* The address the server sees us from (before any NAT), into the result. */
static void
note_local_addr(struct smtp_probe *p)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char *ip = p->res->local_addr;

	snprintf(ip, sizeof(p->res->local_addr), "127.0.0.1");
	if (getsockname(p->fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip,
		    sizeof(p->res->local_addr));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip,
		    sizeof(p->res->local_addr));
}

/* Our own address as an EHLO argument: RFC 5321 4.1.3 address literal. */
static void
default_ehlo_name(struct smtp_probe *p)
{
	const char *ip = p->res->local_addr;

	p->ehlo_name = strchr(ip, ':') != NULL ? xasprintf("[IPv6:%s]", ip) :
	    xasprintf("[%s]", ip);
}

static void
connected(struct smtp_probe *p)
{
	struct smtp_result *r = p->res;

	r->conn = SMTP_CONN_OK;
	r->connect_ms = loop_now_ms() - p->wait_started_ms;
	smtp_transcript_note(&r->transcript, loop_now_ms(), "connected to %s port %u in %lld ms",
	    p->addr, p->port, (long long)r->connect_ms);
	note_local_addr(p);
	if (p->ehlo_name == NULL)
		default_ehlo_name(p);
	if (p->tls_mode == SMTP_TLS_IMPLICIT) {
		smtp_conn_start_handshake(p);
		return;
	}
	wait_banner(p);
}

/* Why connect() failed, in the message language; strerror() only for the rare rest. */
static const char *
connect_words(enum smtp_conn c, int err)
{
	switch (c) {
	case SMTP_CONN_REFUSED:
		return _("connection refused (TCP reset)");
	case SMTP_CONN_UNREACH:
		if (err == EACCES || err == EPERM)
			return _("administratively prohibited (ICMP)");
		return err == ENETUNREACH ? _("network unreachable (ICMP)") :
		    _("host unreachable (ICMP)");
	default:
		return strerror(err);
	}
}

static void
connect_failed(struct smtp_probe *p, int err)
{
	struct smtp_result *r = p->res;

	r->conn = smtp_conn_classify(err);
	r->conn_errno = err;
	r->connect_ms = loop_now_ms() - p->wait_started_ms;
	smtp_abort(p, SMTP_FAIL_CONN, SMTP_STEP_CONNECT, _("%s port %u: %s, after %lld ms"),
	    p->addr, p->port, connect_words(r->conn, err), (long long)r->connect_ms);
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

int
smtp_conn_open(struct smtp_probe *p, int family)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int rc;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p->port);
		inet_pton(AF_INET6, p->addr, &s6->sin6_addr);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(p->port);
		inet_pton(AF_INET, p->addr, &s4->sin_addr);
		sl = sizeof(*s4);
	}
	p->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (p->fd < 0) {
		smtp_abort(p, SMTP_FAIL_INTERNAL, SMTP_STEP_CONNECT, _("socket: %s"), strerror(errno));
		return -1;
	}
	smtp_transcript_note(&p->res->transcript, p->started_ms, "connecting to %s port %u%s",
	    p->addr, p->port, p->tls_mode == SMTP_TLS_IMPLICIT ? " (implicit TLS)" : "");
	rc = connect(p->fd, (struct sockaddr *)&ss, sl);
	if (rc != 0 && errno != EINPROGRESS) {
		connect_failed(p, errno);
		return -1;
	}
	return 0;
}
