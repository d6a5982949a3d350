/* Bounce (NDR/DSN) model: what a non-delivery report says, per failed recipient.
 * ndr_parse() fills it from an email, pasted text or a log line; ndr_classify() (ndr_kb.h)
 * names the cause of each failure. */
#ifndef MXD_NDR_H
#define MXD_NDR_H

#include <stdbool.h>
#include <stddef.h>

#include "ndr_auth.h"

#define NDR_MAX_INPUT	(10u * 1024 * 1024)	/* larger input is refused by the caller */
#define NDR_MAX_RCPTS	100	/* recipients kept per bounce */
#define NDR_MAX_EVIDENCE 8	/* bounce lines kept as evidence per recipient */
#define NDR_MAX_DIAG	2048	/* bytes of diagnostic text kept per recipient */
#define NDR_MAX_TEXT	(256u * 1024)	/* bytes of human-readable text kept per bounce */

struct ndr_cause;

/* One failed (or delayed, or delivered) recipient. All strings are owned, UTF-8. */
struct ndr_rcpt {
	char *addr;		/* recipient address; "" when the bounce does not name one */
	char *action;		/* RFC 3464 Action, lower case ("failed"), or NULL */
	char status[16];	/* RFC 3463 enhanced status ("5.1.1") found in the bounce, or "" */
	char reply[4];		/* SMTP reply code ("550"), or "" */
	char *diag;		/* the server's words on one line, or NULL */
	char *context;		/* the bounce's text about this recipient on one line, or NULL */
	char *diag_type;	/* Diagnostic-Code type, lower case ("smtp", "x-unix"), or NULL */
	char *remote_mta;	/* Remote-MTA or the host named in the text, or NULL */
	char *command;		/* SMTP command the failure answered ("RCPT"), or NULL */
	char *evidence[NDR_MAX_EVIDENCE];	/* the bounce's own lines behind this entry */
	size_t n_evidence;

	/* Set by ndr_classify(). */
	const struct ndr_cause *cause;	/* borrowed from the knowledge base; NULL: none */
	char rule[160];		/* which rule matched: "phrase \"relay access denied\"" */
	char reason[24];	/* Sisimai vocabulary: "userunknown" */
	char status_out[16];	/* status found, or derived from the reason ("5.0.911") */
	bool is_permanent;	/* 5xx / 5.x.x: the sender must change something */
	/* A message too big (reasons mesgtoobig, exceedlimit): the message's size and the
	 * limit the bounce's words state, in bytes (ndr_size.h); 0 when not stated. */
	unsigned long long msg_size;
	unsigned long long size_limit;
};

enum ndr_kind {
	NDR_KIND_EMAIL,		/* a message with a header block */
	NDR_KIND_TEXT,		/* text pasted without headers, a log line, a bare string */
};

struct ndr {
	enum ndr_kind kind;
	char *reporting_mta;	/* RFC 3464 Reporting-MTA, or NULL */
	char *bounce_from;	/* the bounce's own From/Subject (RFC 2047 decoded), or NULL */
	char *bounce_subject;
	char *bounce_to;	/* whom the bounce went to: the original sender, or NULL */
	char *orig_from;	/* headers of the returned original message, or NULL */
	char *orig_to;
	char *orig_subject;
	char *orig_msgid;
	/* DMARC's identifiers of the returned message (its From:, DKIM-Signature fields),
	 * with the MAIL FROM of its Return-Path, else of the DSN (envelope_sender), else the
	 * DSN's own To: (RFC 5321 6.1: a bounce goes to the reverse-path) */
	struct ndr_auth orig_auth;
	char *envelope_sender;	/* the DSN's X-Postfix-Sender, or NULL */
	char sending_ip[64];	/* the sending address in the returned headers (ndr_origin.h) */
	const char *sending_ip_source;	/* "Received", "X-Originating-IP", or NULL: none */
	char *text;		/* human-readable part(s), UTF-8, at most NDR_MAX_TEXT */
	size_t text_len;
	size_t human_len;	/* bytes of text before the copy of the original message */
	struct ndr_rcpt *rcpts;	/* owned array */
	size_t n_rcpts;
	char *feedback_type;	/* ARF Feedback-Type (RFC 5965), or NULL */
	bool is_feedback;	/* an ARF complaint report, not a bounce */
	bool is_vacation;	/* an RFC 3834 auto-reply, not a bounce */
	bool has_dsn;		/* a message/delivery-status part was found */
	bool is_partial;	/* a bound was hit or the input was malformed */
	char partial_why[128];	/* what was cut, for the user */
};

/*
 * Parse a bounce of len bytes (any bytes; NUL-terminated not required). Input over
 * NDR_MAX_INPUT is cut there and flagged partial. Never fails: malformed input gives what
 * could be read (n_rcpts may be 0). Caller frees with ndr_free().
 */
struct ndr *ndr_parse(const char *buf, size_t len);
void ndr_free(struct ndr *n);

/* Free what the parser keeps per thread for the next bounce (a thread that parsed calls
 * it before it ends). */
void ndr_thread_end(void);

/* Internal to the ndr_*.c parsers. */
struct ndr_rcpt *ndr_rcpt_add(struct ndr *n);	/* NULL when NDR_MAX_RCPTS is reached */
void ndr_rcpt_evidence(struct ndr_rcpt *r, const char *line, size_t len);
void ndr_set_partial(struct ndr *n, const char *why);
/* Replace *dst with a copy of s/len, trimmed of blanks (dst owned). */
void ndr_set_str(char **dst, const char *s, size_t len);
/* How much of s/len to keep within max bytes: min(len, max), moved back so that a cut never
 * falls inside a UTF-8 sequence (the strings of an ndr stay UTF-8). */
size_t ndr_utf8_prefix(const char *s, size_t len, size_t max);

#endif
