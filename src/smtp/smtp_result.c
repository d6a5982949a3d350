/* What a session learned: the result struct, the names of its classes, the classification
 * of a failed connect, lookups into the steps, and freeing. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smtp.h"

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
