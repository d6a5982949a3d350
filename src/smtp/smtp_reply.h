/* SMTP replies: split the byte stream into lines and assemble multi-line replies (RFC 5321 4.2). */
#ifndef MXD_SMTP_REPLY_H
#define MXD_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

/*
 * RFC 5321 4.5.3.1.5 caps a reply line at 512 octets; real servers overshoot a little, so we
 * allow twice that before calling it a protocol violation. A hostile server cannot make us
 * grow memory: a reply holds at most SMTP_REPLY_LINES_MAX lines of this length.
 */
#define SMTP_REPLY_LINE_MAX 1024
#define SMTP_REPLY_LINES_MAX 64
/* RFC 3463 2: class "." subject "." detail, subject and detail at most 3 digits. */
#define SMTP_ENH_MAX 12

struct smtp_reply {
	int code;			/* 200..599, 0 before the first line */
	char enh[SMTP_ENH_MAX];		/* "5.7.1" (RFC 2034) from the first line, or "" */
	size_t nlines;
	char *lines[SMTP_REPLY_LINES_MAX];	/* owned: the text after "250-" / "250 " */
	bool is_complete;		/* the last line (code then space or end) was seen */
};

enum smtp_reply_err {
	SMTP_REPLY_NEED_MORE = 0,	/* a continuation line was taken */
	SMTP_REPLY_DONE = 1,		/* the line completed the reply */
};

void smtp_reply_init(struct smtp_reply *r);
void smtp_reply_fini(struct smtp_reply *r);
/* Deep copy of src into dst (dst initialised by this call; fini it). */
void smtp_reply_copy(struct smtp_reply *dst, const struct smtp_reply *src);

/*
 * Add one line (without CR LF; len bytes, need not be NUL-terminated). Returns
 * SMTP_REPLY_DONE when it was the last line, SMTP_REPLY_NEED_MORE for a continuation,
 * MXD_EINVAL when the line is not "DDD", "DDD text" or "DDD-text" with the first digit 2-5
 * or changes the code mid-reply, MXD_ELIMIT when the line is longer than
 * SMTP_REPLY_LINE_MAX or the reply has more than SMTP_REPLY_LINES_MAX lines, MXD_ESTATE when
 * the reply is already complete. On error the reply is left as it was before the call.
 */
int smtp_reply_add_line(struct smtp_reply *r, const char *line, size_t len);

/*
 * Copy len bytes of server text into dst (len + 1 bytes) so that it is safe to show and to
 * put in JSON: controls (but TAB) and bytes that are not well-formed UTF-8 (RFC 3629 4)
 * become '?'. dst is NUL-terminated. Returns dst.
 */
char *smtp_sanitise(char *dst, const char *src, size_t len);

/* Parse an RFC 3463 enhanced status code at the start of text into enh (SMTP_ENH_MAX bytes).
 * Returns the length consumed including one following space, or 0 when there is none. */
size_t smtp_enh_parse(const char *text, char *enh);

/* The first line's text without the enhanced status code; borrowed. "" when none. */
const char *smtp_reply_text(const struct smtp_reply *r);

/* Does any line of the reply name <addr> (angle brackets included, case-insensitive)?
 * Servers name the address a refusal is about: "553 5.7.1 <a@b>: Sender address rejected". */
bool smtp_reply_names(const struct smtp_reply *r, const char *addr);

/*
 * The reply as one line of text for evidence: "550 5.7.1 Unable to relay", continuation
 * texts joined with " / ". Truncated to fit len (always NUL-terminated). Returns buf.
 */
char *smtp_reply_format(const struct smtp_reply *r, char *buf, size_t len);

/*
 * Line splitter for a byte stream. Bytes are appended into a bounded buffer; complete lines
 * (ended by LF, an optional CR before it removed) are taken one by one.
 */
struct smtp_linebuf {
	char buf[SMTP_REPLY_LINE_MAX + 2];	/* + CR LF */
	size_t len;		/* bytes buffered, including the line last returned */
	size_t taken;		/* length of the line last returned, dropped by the next call */
};

/*
 * Take the next complete line: returns 1 and sets *line (borrowed until the next call)
 * and *line_len, 0 when no complete line is buffered, MXD_ELIMIT when the buffer holds
 * SMTP_REPLY_LINE_MAX bytes or more without a line end.
 */
int smtp_linebuf_next(struct smtp_linebuf *lb, const char **line, size_t *line_len);
/* Room left for reading into lb->buf + lb->len. */
size_t smtp_linebuf_room(const struct smtp_linebuf *lb);
/* Record that n bytes were read into lb->buf + lb->len. */
void smtp_linebuf_added(struct smtp_linebuf *lb, size_t n);
/* Drop what is buffered (RFC 3207 5: nothing read before TLS may be used after it). */
void smtp_linebuf_clear(struct smtp_linebuf *lb);

#endif
