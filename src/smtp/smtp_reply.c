/* SMTP reply parsing: line splitting, multi-line assembly, enhanced status codes. Pure code. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "smtp_reply.h"
#include "text.h"
#include "xmalloc.h"

void
smtp_reply_init(struct smtp_reply *r)
{
	memset(r, 0, sizeof(*r));
}

void
smtp_reply_fini(struct smtp_reply *r)
{
	size_t i;

	for (i = 0; i < r->nlines; i++)
		free(r->lines[i]);
	memset(r, 0, sizeof(*r));
}

void
smtp_reply_copy(struct smtp_reply *dst, const struct smtp_reply *src)
{
	size_t i;

	*dst = *src;
	for (i = 0; i < src->nlines; i++)
		dst->lines[i] = xstrdup(src->lines[i]);
}

/* Digits at s, at most max of them; returns how many (0 when none or too many). */
static size_t
digits(const char *s, size_t max)
{
	size_t n = 0;

	while (text_is_digit((unsigned char)s[n]) && n <= max)
		n++;
	return n > max ? 0 : n;
}

size_t
smtp_enh_parse(const char *text, char *enh)
{
	size_t a, b, c, n;

	enh[0] = '\0';
	/* RFC 3463 2: class is 2, 4 or 5; subject and detail are 1 to 3 digits. */
	if (text[0] != '2' && text[0] != '4' && text[0] != '5')
		return 0;
	a = 1;
	if (text[a] != '.')
		return 0;
	b = digits(text + a + 1, 3);
	if (b == 0 || text[a + 1 + b] != '.')
		return 0;
	c = digits(text + a + 2 + b, 3);
	if (c == 0)
		return 0;
	n = a + 2 + b + c;
	/* RFC 2034 4: the code is followed by a space; "5.7.1x" is not a code. */
	if (text[n] != ' ' && text[n] != '\0')
		return 0;
	memcpy(enh, text, n);
	enh[n] = '\0';
	return text[n] == ' ' ? n + 1 : n;
}

char *
smtp_sanitise(char *dst, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, n;

	while (i < len) {
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f) {
			dst[i++] = '?';
			continue;
		}
		n = text_utf8_seq(s + i, len - i);
		if (n == 0) {
			dst[i++] = '?';
			continue;
		}
		memcpy(dst + i, s + i, n);
		i += n;
	}
	dst[len] = '\0';
	return dst;
}

int
smtp_reply_add_line(struct smtp_reply *r, const char *line, size_t len)
{
	int code;
	char *text;
	size_t tlen;
	int is_last;

	if (r->is_complete)
		return MXD_ESTATE;
	if (len > SMTP_REPLY_LINE_MAX)
		return MXD_ELIMIT;
	/* RFC 5321 4.2: Reply-code is %x32-35 %x30-35 %x30-39. */
	if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
	    !text_is_digit((unsigned char)line[2]))
		return MXD_EINVAL;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return MXD_EINVAL;
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	/* RFC 5321 4.2.1: every line of a multi-line reply carries the same code. */
	if (r->nlines > 0 && code != r->code)
		return MXD_EINVAL;
	is_last = len == 3 || line[3] == ' ';
	if (!is_last && r->nlines + 1 >= SMTP_REPLY_LINES_MAX)
		return MXD_ELIMIT;
	tlen = len > 4 ? len - 4 : 0;
	text = xmalloc(tlen + 1);
	/* Servers send anything: keep evidence printable, valid UTF-8, free of NULs. */
	smtp_sanitise(text, line + 4, tlen);
	if (r->nlines == 0) {
		r->code = code;
		/* RFC 2034 3: the enhanced code leads the text, with the reply code's class. */
		if (smtp_enh_parse(text, r->enh) > 0 && r->enh[0] != line[0])
			r->enh[0] = '\0';
	}
	r->lines[r->nlines++] = text;
	if (is_last) {
		r->is_complete = true;
		return SMTP_REPLY_DONE;
	}
	return SMTP_REPLY_NEED_MORE;
}

const char *
smtp_reply_text(const struct smtp_reply *r)
{
	const char *t;
	size_t skip;
	char enh[SMTP_ENH_MAX];

	if (r->nlines == 0)
		return "";
	t = r->lines[0];
	if (r->enh[0] != '\0') {
		skip = smtp_enh_parse(t, enh);
		t += skip;
	}
	return t;
}

bool
smtp_reply_names(const struct smtp_reply *r, const char *addr)
{
	size_t i, n = addr != NULL ? strlen(addr) : 0;
	const char *p;

	if (n == 0)
		return false;
	for (i = 0; i < r->nlines; i++)
		for (p = strchr(r->lines[i], '<'); p != NULL; p = strchr(p + 1, '<'))
			if (strncasecmp(p + 1, addr, n) == 0 && p[1 + n] == '>')
				return true;
	return false;
}

char *
smtp_reply_format(const struct smtp_reply *r, char *buf, size_t len)
{
	size_t i, used;
	int n;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (r->nlines == 0)
		return buf;
	n = snprintf(buf, len, "%03d %s", r->code, r->lines[0]);
	if (n < 0 || (size_t)n >= len)
		return buf;	/* truncated, still terminated */
	used = (size_t)n;
	for (i = 1; i < r->nlines; i++) {
		n = snprintf(buf + used, len - used, " / %s", r->lines[i]);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

int
smtp_linebuf_next(struct smtp_linebuf *lb, const char **line, size_t *line_len)
{
	char *nl;
	size_t n;

	if (lb->taken > 0) {
		memmove(lb->buf, lb->buf + lb->taken, lb->len - lb->taken);
		lb->len -= lb->taken;
		lb->taken = 0;
	}
	nl = memchr(lb->buf, '\n', lb->len);
	if (nl == NULL) {
		if (lb->len >= SMTP_REPLY_LINE_MAX)
			return MXD_ELIMIT;
		return 0;
	}
	lb->taken = (size_t)(nl - lb->buf) + 1;
	n = (size_t)(nl - lb->buf);
	/* RFC 5321 2.3.8 wants CR LF; a bare LF is accepted as the servers that send it mean it. */
	if (n > 0 && lb->buf[n - 1] == '\r')
		n--;
	if (n > SMTP_REPLY_LINE_MAX)
		return MXD_ELIMIT;
	*line = lb->buf;
	*line_len = n;
	return 1;
}

size_t
smtp_linebuf_room(const struct smtp_linebuf *lb)
{
	/* Compaction happens in next(); count the taken line as free space only after it. */
	return sizeof(lb->buf) - lb->len;
}

void
smtp_linebuf_added(struct smtp_linebuf *lb, size_t n)
{
	lb->len += n;
}

void
smtp_linebuf_clear(struct smtp_linebuf *lb)
{
	lb->len = 0;
	lb->taken = 0;
}
