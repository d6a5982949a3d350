/* Private to src/smtp: the session a probe runs, shared by the state machine (smtp.c) and
 * the connection (smtp_conn.c). Nothing outside src/smtp includes this. */
#ifndef MXD_SMTP_INT_H
#define MXD_SMTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secret.h"
#include "smtp.h"

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

/* smtp.c: the session. */

/* End the session: close everything now, hand the result over on the next loop turn. */
void smtp_finish(struct smtp_probe *p);
/* Record why the session ended early (the first reason wins), then finish it. */
void smtp_abort(struct smtp_probe *p, enum smtp_fail why, enum smtp_step_kind where,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* (Re)start the wait for a reply, a handshake or a connection: ms from now. */
void smtp_arm_wait(struct smtp_probe *p, int ms);
/* Append a step to the result; sent is copied (NULL for BANNER). Borrowed pointer. */
struct smtp_step *smtp_new_step(struct smtp_probe *p, enum smtp_step_kind kind,
    const char *sent);
/* The step under way; there is one. */
struct smtp_step *smtp_cur_step(struct smtp_probe *p);
/* Feed buffered lines to the reply parser. Returns -1 when the session ended or changed
 * phase (the caller must stop reading), else 0. */
int smtp_take_lines(struct smtp_probe *p);
void smtp_send_ehlo(struct smtp_probe *p, bool is_helo);

/* smtp_conn.c: the connection. */

/* Open the non-blocking socket and start connecting to p->addr, p->port. Returns 0 while
 * the connect is under way (the caller arms the connect wait and watches for POLLOUT), -1
 * when the session has already failed. */
int smtp_conn_open(struct smtp_probe *p, int family);
/* Watch the socket for events; the loop calls the connection's handler. */
void smtp_conn_watch(struct smtp_probe *p, short events);
/* Write what is queued. Returns 0, or -1 when the session ended. */
int smtp_conn_flush(struct smtp_probe *p);
/* Start the TLS handshake on the connected socket (STARTTLS or implicit TLS). */
void smtp_conn_start_handshake(struct smtp_probe *p);

#endif
