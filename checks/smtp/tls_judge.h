/* One judgement of a session's STARTTLS and certificate, for every probe that reports it;
 * each caller phrases its own findings from the problems found. */
#ifndef MXD_TLS_JUDGE_H
#define MXD_TLS_JUDGE_H

#include <stdint.h>

struct smtp_result;

enum tls_problem {
	TLS_J_MISSING = 1 << 0,		/* EHLO answered without STARTTLS (never implicit TLS) */
	TLS_J_FAILED = 1 << 1,		/* the handshake did not complete */
	TLS_J_UNTRUSTED = 1 << 2,	/* the chain does not verify */
	TLS_J_NAME_MISMATCH = 1 << 3,	/* the certificate does not name the host */
	TLS_J_EXPIRED = 1 << 4,		/* expired or not yet valid */
	TLS_J_EXPIRING = 1 << 5,	/* fewer than warn_days left */
};

/* The TLS_J_* problems of r, or 0 when there are none or nothing can be said (no
 * connection, no EHLO answer and no handshake). MISSING and FAILED come alone. */
unsigned tls_judge(const struct smtp_result *r, int64_t warn_days);

#endif
