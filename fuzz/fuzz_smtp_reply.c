/* Fuzz target: what an SMTP server sends. The bytes go through the line splitter in chunks
 * (as recv() would hand them over), into the multi-line reply parser, the EHLO capability
 * parser and the transcript, like take_lines() in src/smtp.c; a 334 reply's text is taken
 * as an AUTH challenge (base64 decoding, CRAM-MD5). */
#include "config.h"

#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "secret.h"
#include "smtp_auth.h"
#include "smtp_caps.h"
#include "smtp_reply.h"
#include "smtp_transcript.h"

/* RFC 4954 4: a 334 reply carries a base64 challenge; CRAM-MD5 answers it (RFC 2195). */
static void
check_challenge(const char *b64)
{
	unsigned char raw[SMTP_AUTH_FIELD_MAX];
	char enc[SMTP_B64_LEN(SMTP_AUTH_FIELD_MAX)];
	struct secret *pass, *resp;
	int n;

	n = smtp_b64_decode(b64, strlen(b64), raw, sizeof(raw));
	FUZZ_ASSERT(n <= (int)sizeof(raw));
	if (n >= 0) {
		FUZZ_ASSERT(smtp_b64_encode(raw, (size_t)n, enc, sizeof(enc)) >= 0);
		FUZZ_ASSERT(strlen(enc) <= strlen(b64));
	}
	n = smtp_b64_decode(b64, strlen(b64), raw, 3);
	FUZZ_ASSERT(n <= 3);
	pass = secret_new("alice-pass", 10);
	resp = smtp_auth_cram_md5("alice@isp.test", pass, b64);
	secret_free(resp);
	secret_free(pass);
}

static void
check_reply(const struct smtp_reply *r)
{
	struct smtp_reply copy;
	struct smtp_caps caps;
	char buf[600], small[8];
	const char *text;
	size_t i;

	FUZZ_ASSERT(r->code >= 200 && r->code <= 559);
	FUZZ_ASSERT(r->nlines >= 1 && r->nlines <= SMTP_REPLY_LINES_MAX);
	FUZZ_ASSERT(memchr(r->enh, '\0', sizeof(r->enh)) != NULL);
	for (i = 0; i < r->nlines; i++)
		FUZZ_ASSERT(strlen(r->lines[i]) <= SMTP_REPLY_LINE_MAX);
	text = smtp_reply_text(r);
	FUZZ_ASSERT(strlen(text) <= strlen(r->lines[0]));
	smtp_reply_format(r, buf, sizeof(buf));
	FUZZ_ASSERT(strlen(buf) < sizeof(buf));
	smtp_reply_format(r, small, sizeof(small));
	FUZZ_ASSERT(strlen(small) < sizeof(small));
	smtp_reply_copy(&copy, r);
	memset(&caps, 0, sizeof(caps));
	smtp_caps_parse(&caps, &copy);
	FUZZ_ASSERT(memchr(caps.auth_text, '\0', sizeof(caps.auth_text)) != NULL);
	smtp_reply_fini(&copy);
	if (r->code == 334)
		check_challenge(smtp_reply_text(r));
}

FUZZ_TARGET(smtp_reply)
{
	struct smtp_linebuf lb;
	struct smtp_reply r;
	struct smtp_transcript t;
	size_t off = 0, chunk = 1;
	char enh[SMTP_ENH_MAX];
	int64_t now = 0;

	/* The first byte picks the read size: 1 byte at a time up to whole buffers. */
	if (size > 0) {
		chunk = 1 + data[0] * 8u;
		data++;
		size--;
	}
	memset(&lb, 0, sizeof(lb));
	smtp_reply_init(&r);
	smtp_transcript_init(&t, 0);
	while (off < size) {
		const char *line;
		size_t len, room = smtp_linebuf_room(&lb), n;
		int rc;

		if (room == 0)
			break;	/* src/smtp.c: "reply line too long" */
		n = size - off < chunk ? size - off : chunk;
		if (n > room)
			n = room;
		memcpy(lb.buf + lb.len, data + off, n);
		smtp_linebuf_added(&lb, n);
		off += n;
		while ((rc = smtp_linebuf_next(&lb, &line, &len)) == 1) {
			FUZZ_ASSERT(len <= SMTP_REPLY_LINE_MAX);
			smtp_transcript_server(&t, now++, line, len);
			rc = smtp_reply_add_line(&r, line, len);
			if (rc == SMTP_REPLY_NEED_MORE)
				continue;
			if (rc < 0)
				goto out;	/* a protocol violation ends the session */
			check_reply(&r);
			smtp_reply_fini(&r);
			smtp_reply_init(&r);
		}
		if (rc < 0)
			goto out;
	}
	/* The enhanced-code parser on its own, on a terminated copy of what is buffered. */
	if (lb.len > 0 && lb.len < sizeof(lb.buf)) {
		lb.buf[lb.len] = '\0';
		smtp_enh_parse(lb.buf, enh);
		FUZZ_ASSERT(strlen(enh) < sizeof(enh));
	}
out:
	FUZZ_ASSERT(t.nlines <= SMTP_TRANSCRIPT_MAX_LINES + 1);
	smtp_reply_fini(&r);
	smtp_transcript_fini(&t);
	return 0;
}
