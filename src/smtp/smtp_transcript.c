/* Bounded SMTP transcript. Secrets are redacted before a line is stored, never after. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_reply.h"
#include "smtp_transcript.h"
#include "xmalloc.h"

void
smtp_transcript_init(struct smtp_transcript *t, int64_t start_ms)
{
	memset(t, 0, sizeof(*t));
	t->start_ms = start_ms;
}

void
smtp_transcript_fini(struct smtp_transcript *t)
{
	size_t i;

	for (i = 0; i < t->nlines; i++)
		free(t->lines[i]);
	free(t->lines);
	memset(t, 0, sizeof(*t));
}

static void
add(struct smtp_transcript *t, int64_t now_ms, const char *dir, const char *text)
{
	char *line;
	size_t len;

	if (t->is_truncated)
		return;
	line = xasprintf("+%lldms %s%s", (long long)(now_ms - t->start_ms), dir, text);
	len = strlen(line);
	/* The last slot is kept for the marker saying that lines were dropped. */
	if (t->nlines + 1 >= SMTP_TRANSCRIPT_MAX_LINES || t->bytes + len > SMTP_TRANSCRIPT_MAX_BYTES) {
		free(line);
		line = xstrdup("... (transcript truncated)");
		t->is_truncated = true;
	}
	if (t->lines == NULL)
		t->lines = xcalloc(SMTP_TRANSCRIPT_MAX_LINES, sizeof(*t->lines));
	t->lines[t->nlines++] = line;
	t->bytes += strlen(line);
}

char *
smtp_redact(const char *line, bool is_sasl, char *out, size_t out_len)
{
	size_t n;

	if (out_len == 0)
		return out;
	if (is_sasl) {
		/* RFC 4954 4: "*" cancels the exchange and carries nothing secret. */
		snprintf(out, out_len, "%s", strcmp(line, "*") == 0 ? "*" : SMTP_REDACTED);
		return out;
	}
	if (strncasecmp(line, "AUTH", 4) == 0 && (line[4] == ' ' || line[4] == '\0')) {
		/* RFC 4954 4: AUTH mechanism [initial-response]; the response may be secret. */
		n = 4 + strspn(line + 4, " ");
		n += strcspn(line + n, " ");
		/* Copied by hand: the part after n is secret and must not reach printf. */
		if (n + 1 + sizeof(SMTP_REDACTED) > out_len) {
			snprintf(out, out_len, "AUTH %s", SMTP_REDACTED);
			return out;
		}
		memcpy(out, line, n);
		if (line[n] != '\0') {
			out[n] = ' ';
			memcpy(out + n + 1, SMTP_REDACTED, sizeof(SMTP_REDACTED));
		} else {
			out[n] = '\0';
		}
		return out;
	}
	snprintf(out, out_len, "%s", line);
	return out;
}

void
smtp_transcript_client(struct smtp_transcript *t, int64_t now_ms, const char *line,
    bool is_sasl)
{
	char buf[SMTP_REPLY_LINE_MAX + 1];

	add(t, now_ms, "C: ", smtp_redact(line, is_sasl, buf, sizeof(buf)));
}

void
smtp_transcript_server(struct smtp_transcript *t, int64_t now_ms, const char *line, size_t len)
{
	char buf[SMTP_REPLY_LINE_MAX + 1];

	if (len > SMTP_REPLY_LINE_MAX)
		len = SMTP_REPLY_LINE_MAX;
	add(t, now_ms, "S: ", smtp_sanitise(buf, line, len));
}

void
smtp_transcript_note(struct smtp_transcript *t, int64_t now_ms, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	add(t, now_ms, "-- ", text);
	free(text);
}
