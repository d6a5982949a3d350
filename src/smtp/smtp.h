/* SMTP client probe: a small scripted session on the shared loop, never reaching DATA. */
#ifndef MXD_SMTP_H
#define MXD_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_caps.h"
#include "smtp_reply.h"
#include "smtp_transcript.h"
#include "tls.h"

struct loop;
struct secret;
struct smtp_probe;
struct tls_client;

enum smtp_tls_mode {
	SMTP_TLS_NONE,		/* plain text; STARTTLS is not used even when offered */
	SMTP_TLS_STARTTLS,	/* RFC 3207 when offered (see is_tls_required) */
	SMTP_TLS_IMPLICIT,	/* RFC 8314 3.3: TLS from the first byte (port 465) */
};

/* Where a session ends early on purpose; SMTP_STOP_FULL runs every transaction of the plan. */
enum smtp_stop {
	SMTP_STOP_FULL = 0,
	SMTP_STOP_BANNER,	/* QUIT after the greeting */
	SMTP_STOP_EHLO,		/* QUIT after EHLO (and STARTTLS with the second EHLO) */
	SMTP_STOP_AUTH,		/* QUIT after AUTH */
};

/* One envelope to try: MAIL FROM then each RCPT TO, then RSET. Strings are borrowed. */
struct smtp_txn {
	const char *mail_from;		/* "" for the null reverse-path <> */
	const char *const *rcpts;
	size_t nrcpts;
};

/* Ceilings on what one plan may ask for: a probe is a few commands, never a mailing. */
#define SMTP_PLAN_MAX_TXNS 16
#define SMTP_PLAN_MAX_RCPTS 64		/* over all transactions */
#define SMTP_PATH_MAX 256		/* RFC 5321 4.5.3.1.3 */

/* What to do. Every string is copied by smtp_probe_start(); the caller may free it after. */
struct smtp_plan {
	const char *addr;		/* IPv4 or IPv6 literal to connect to */
	uint16_t port;
	const char *host;		/* name for SNI and the certificate check; NULL = addr */
	const char *ehlo_name;		/* NULL = our address literal, "[192.0.2.1]" (RFC 5321 4.1.3) */
	enum smtp_tls_mode tls;
	bool is_tls_required;		/* STARTTLS: end with SMTP_FAIL_FEATURE when not offered */
	struct tls_client *tls_client;	/* borrowed, outlives the probe; needed unless TLS_NONE */
	const char *auth_user;		/* NULL = no AUTH */
	const struct secret *auth_pass;	/* copied (wiped on free) */
	unsigned auth_mechs;		/* SMTP_AUTH_* allowed; 0 = PLAIN, LOGIN and CRAM-MD5 */
	bool is_auth_insecure_ok;	/* send credentials without TLS or over unverified TLS */
	const struct smtp_txn *txns;
	size_t ntxns;
	enum smtp_stop stop;
	int connect_timeout_ms;		/* 0 = 5000 */
	int reply_timeout_ms;		/* each wait for a reply or handshake; 0 = 5000 */
	int total_timeout_ms;		/* the whole session; 0 = 6 x reply timeout */
};

enum smtp_conn {
	SMTP_CONN_NONE,		/* not attempted (internal failure first) */
	SMTP_CONN_OK,
	SMTP_CONN_REFUSED,	/* TCP RST (or ICMP port unreachable): ECONNREFUSED */
	SMTP_CONN_TIMEOUT,	/* no answer to SYN before the connect timeout: silent drop */
	SMTP_CONN_UNREACH,	/* ICMP host/net unreachable or administratively prohibited */
	SMTP_CONN_ERROR,	/* anything else (see conn_errno) */
};

/* Why a session ended early, in OpenSMTPD's classes; SMTP_FAIL_NONE when the plan ran. */
enum smtp_fail {
	SMTP_FAIL_NONE,
	SMTP_FAIL_INTERNAL,	/* our side: socket, TLS context, bad plan */
	SMTP_FAIL_CONN,		/* connect failed (conn says how) or the connection was lost */
	SMTP_FAIL_TIMEOUT,	/* a reply or the handshake did not come in time */
	SMTP_FAIL_PROTO,	/* the server broke the protocol (bad or oversized reply) */
	SMTP_FAIL_TLS,		/* the TLS handshake failed */
	SMTP_FAIL_FEATURE,	/* a required feature is missing (STARTTLS) */
	SMTP_FAIL_REJECT,	/* the server refused a step we cannot go past (or sent 421) */
};

enum smtp_step_kind {
	SMTP_STEP_CONNECT,	/* no command: the connection (used in fail_step) */
	SMTP_STEP_BANNER,	/* no command: the greeting */
	SMTP_STEP_EHLO,
	SMTP_STEP_HELO,
	SMTP_STEP_STARTTLS,
	SMTP_STEP_TLS,		/* no command: the handshake (used in fail_step) */
	SMTP_STEP_AUTH,		/* one step per command of the exchange */
	SMTP_STEP_MAIL,
	SMTP_STEP_RCPT,
	SMTP_STEP_RSET,
	SMTP_STEP_QUIT,
};

enum smtp_auth_result {
	SMTP_AUTH_NOT_TRIED,		/* no credentials in the plan, or the session ended first */
	SMTP_AUTH_NOT_OFFERED,		/* EHLO lists no AUTH */
	SMTP_AUTH_NO_MECH,		/* none of the offered mechanisms is one we may use */
	SMTP_AUTH_SKIPPED_CLEAR,	/* not sent: no TLS (is_auth_insecure_ok unset) */
	SMTP_AUTH_SKIPPED_UNVERIFIED,	/* not sent: the certificate did not verify */
	SMTP_AUTH_OK,			/* 235 */
	SMTP_AUTH_REJECTED,		/* 4xx/5xx (see auth_code) */
};

struct smtp_step {
	enum smtp_step_kind kind;
	char *sent;			/* owned: the command as sent, redacted; NULL for BANNER */
	struct smtp_reply reply;	/* code 0 when none came */
	size_t txn;			/* MAIL/RCPT/RSET: index into plan txns */
	size_t rcpt;			/* RCPT: index into the txn's rcpts */
	int64_t ms;			/* from sending (or connecting) to the complete reply */
};

/* Everything a session learned. Owned by the callback's receiver: smtp_result_free(). */
struct smtp_result {
	char *addr;			/* owned copies of the plan's target */
	uint16_t port;
	char *host;			/* may be NULL */
	enum smtp_tls_mode tls_mode;
	enum smtp_conn conn;
	int conn_errno;			/* errno of a failed connect */
	int64_t connect_ms;
	char local_addr[46];		/* our end of the connection as connected ("" before) */
	enum smtp_fail fail;
	enum smtp_step_kind fail_step;	/* where it ended early */
	char fail_detail[256];		/* one line on why */
	struct smtp_step *steps;	/* owned, in order */
	size_t nsteps;
	int64_t banner_ms;		/* connection (or handshake) to complete greeting */
	bool used_helo;			/* EHLO refused, HELO accepted */
	bool has_caps;			/* an EHLO succeeded */
	struct smtp_caps caps;		/* from the last successful EHLO */
	bool has_caps_clear;
	struct smtp_caps caps_clear;	/* from the EHLO before STARTTLS */
	bool tls_tried;
	bool tls_active;		/* the session ran over TLS after the handshake */
	struct tls_info tls;		/* valid when tls_tried */
	int64_t tls_ms;
	bool had_data_after_starttls;	/* bytes after the 220 to STARTTLS (RFC 3207 5 injection) */
	enum smtp_auth_result auth;
	unsigned auth_mech;		/* SMTP_AUTH_* used */
	int auth_code;			/* final reply code of the exchange */
	char auth_enh[SMTP_ENH_MAX];
	struct smtp_transcript transcript;
	int64_t total_ms;
};

/* res is passed to the receiver, who frees it with smtp_result_free(). */
typedef void smtp_done_cb(struct smtp_result *res, void *arg);

/*
 * Start a session as the plan says. cb is called exactly once, later from the loop, never
 * from inside this call. Returns 0, or MXD_EINVAL for a plan that cannot be run (address
 * not a literal, CR/LF or an over-long path in a string, too many transactions, TLS without
 * a tls_client); cb is then not called.
 */
int smtp_probe_start(struct loop *loop, const struct smtp_plan *plan, smtp_done_cb *cb,
    void *arg);

void smtp_result_free(struct smtp_result *res);

/* The first step of kind with these txn/rcpt indices (both 0 for other kinds); borrowed, or
 * NULL when the session never got there. */
const struct smtp_step *smtp_result_step(const struct smtp_result *res,
    enum smtp_step_kind kind, size_t txn, size_t rcpt);
/* The last step of kind (the final AUTH reply, the EHLO after STARTTLS); borrowed or NULL. */
const struct smtp_step *smtp_result_last(const struct smtp_result *res, enum smtp_step_kind kind);

/* The first word of the greeting: the name the server calls itself (RFC 5321 4.3.1), into
 * buf; "" when there is none. Returns buf. */
char *smtp_result_banner_name(const struct smtp_result *res, char *buf, size_t len);

/* Static names for evidence and JSON: "refused", "timeout", "REJECT", "RCPT", ... */
const char *smtp_conn_name(enum smtp_conn c);
const char *smtp_fail_name(enum smtp_fail f);
const char *smtp_step_name(enum smtp_step_kind k);
const char *smtp_auth_result_name(enum smtp_auth_result a);
const char *smtp_tls_mode_name(enum smtp_tls_mode m);

/* Classify a connect() errno (RFC 1122 3.2.2.1 / 4.2.3.9 as Linux reports them). */
enum smtp_conn smtp_conn_classify(int err);

#endif
