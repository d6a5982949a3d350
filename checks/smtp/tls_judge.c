/* One judgement of STARTTLS and the certificate. */
#include "config.h"

#include "smtp.h"
#include "tls_judge.h"

unsigned
tls_judge(const struct smtp_result *r, int64_t warn_days)
{
	const struct tls_info *t = &r->tls;
	unsigned j = 0;

	if (r->conn != SMTP_CONN_OK)
		return 0;
	if (!r->tls_tried)
		return r->has_caps && r->tls_mode != SMTP_TLS_IMPLICIT ? TLS_J_MISSING : 0;
	if (!t->is_done)
		return TLS_J_FAILED;
	if (!t->is_chain_ok)
		j |= TLS_J_UNTRUSTED;
	if (!t->is_name_ok)
		j |= TLS_J_NAME_MISMATCH;
	if (t->is_expired || t->is_not_yet_valid)
		j |= TLS_J_EXPIRED;
	else if (t->days_left < warn_days)
		j |= TLS_J_EXPIRING;
	return j;
}
