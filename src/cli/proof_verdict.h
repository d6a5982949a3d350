/* One live proof's verdict on its cause, as explain_proof.c and the readers of particular
 * proofs (proof_rcpt.c) build it. Private to src/cli's proofs. */
#ifndef MXD_PROOF_VERDICT_H
#define MXD_PROOF_VERDICT_H

#include "report.h"

enum proof_result { PROOF_FIXED, PROOF_STILL, PROOF_NOT_HERE, PROOF_UNKNOWN };

struct verdict {
	enum proof_result result;
	enum status st;
	const struct finding *basis;	/* the finding the verdict reads, or NULL */
	/* what the verdict says, when not the basis's own message (UNKNOWN without a basis,
	 * or a reader's own words on it) */
	char why[900];
	const char *fix;	/* static, translated or fix_buf: the fix in place of the basis's,
				 * or NULL */
	char fix_buf[400];
	const char *reused_from;	/* the bounce the proof ran for, when reused */
	char rcpt_host[256];	/* port25: the recipient's MX host that alone failed, or "" */
};

#endif
