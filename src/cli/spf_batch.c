/* `mxdiag spf --batch FILE|-`: lines "IP SENDER [HELO]" in, one JSON line out per input
 * line, in input order, with many evaluations in flight on the one loop; answers and parsed
 * records are shared by the batch (spf_dns.c's memo, spf_parse.c's record cache). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"
#include "loop.h"
#include "run.h"
#include "spf.h"
#include "spf_batch.h"
#include "spf_dns.h"
#include "spf_fields.h"
#include "spf_parse.h"
#include "text.h"
#include "validate.h"
#include "xmalloc.h"

#define BATCH_INFLIGHT 256	/* evaluations in flight at once */
#define BATCH_LINE_MAX 2048	/* longer input lines are refused, not split */
#define BATCH_READ_CHUNK 65536

/* Batch output is the hot path: each line is written as text, which costs a fraction of a
 * jansson tree per line. Strings are escaped per RFC 8259 7; bytes that are not UTF-8 become
 * '?' (as spf_fields.c's JSON writer does for the report). */
struct jline {
	char *p;
	size_t len, cap;
	bool has_member;
};

static void
jl_raw(struct jline *j, const char *s, size_t n)
{
	if (j->len + n + 2 > j->cap) {
		while (j->len + n + 2 > j->cap)
			j->cap = j->cap == 0 ? 512 : j->cap * 2;
		j->p = xrealloc(j->p, j->cap);
	}
	memcpy(j->p + j->len, s, n);
	j->len += n;
	j->p[j->len] = '\0';
}

static void
jl_quoted(struct jline *j, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	bool keep_high = text_is_utf8(v, strlen(v));
	const unsigned char *c;

	jl_raw(j, "\"", 1);
	for (c = (const unsigned char *)v; *c != '\0'; c++) {
		char esc[6] = { '\\', 'u', '0', '0', hex[*c >> 4], hex[*c & 0x0f] };
		size_t run = 0;

		/* copy plain text in runs */
		while (c[run] >= 0x20 && c[run] != '"' && c[run] != '\\' && c[run] < 0x7f)
			run++;
		if (run > 0) {
			jl_raw(j, (const char *)c, run);
			c += run - 1;
			continue;
		}
		if (*c == '"' || *c == '\\') {
			esc[1] = (char)*c;
			jl_raw(j, esc, 2);
		} else if (*c < 0x20 || *c == 0x7f) {
			jl_raw(j, esc, 6);
		} else if (*c >= 0x80 && !keep_high) {
			jl_raw(j, "?", 1);
		} else {
			jl_raw(j, (const char *)c, 1);
		}
	}
	jl_raw(j, "\"", 1);
}

static void
jl_key(struct jline *j, const char *key)
{
	jl_raw(j, j->has_member ? "," : "{", 1);
	j->has_member = true;
	jl_quoted(j, key);
	jl_raw(j, ":", 1);
}

static void
jl_str(struct jline *j, const char *key, const char *v)
{
	jl_key(j, key);
	if (v == NULL)
		jl_raw(j, "null", 4);
	else
		jl_quoted(j, v);
}

static void
jl_int(struct jline *j, const char *key, long long v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%lld", v);

	jl_key(j, key);
	jl_raw(j, buf, (size_t)n);
}

/* Close the object; the caller frees the text. */
static char *
jl_end(struct jline *j)
{
	if (!j->has_member)
		jl_raw(j, "{", 1);
	jl_raw(j, "}", 1);
	return j->p;
}

static void
lw_str(void *w, const char *key, const char *value)
{
	jl_str(w, key, value);
}

static void
lw_num(void *w, const char *key, long long value)
{
	jl_int(w, key, value);
}

static void
lw_flag(void *w, const char *key, bool value)
{
	jl_key(w, key);
	jl_raw(w, value ? "true" : "false", value ? 4 : 5);
}

static const struct spf_field_writer line_writer;

static void
lw_steps(void *w, const char *key, const struct spf_outcome *out)
{
	size_t i;

	jl_key(w, key);
	jl_raw(w, "[", 1);
	for (i = 0; i < out->trace_len; i++) {
		struct jline step = { 0 };
		char *obj;

		spf_step_fields(&out->trace[i], &line_writer, &step);
		obj = jl_end(&step);
		if (i > 0)
			jl_raw(w, ",", 1);
		jl_raw(w, obj, strlen(obj));
		free(obj);
	}
	jl_raw(w, "]", 1);
}

static const struct spf_field_writer line_writer = { lw_str, lw_num, lw_flag, lw_steps };

/* One batch output line: the outcome's fields (spf_fields.c) with line and ms. */
static char *
outcome_line(const struct spf_outcome *out, const char *ip, const char *helo, bool want_trace,
    unsigned long line_no, int64_t ms)
{
	struct jline j = { 0 };

	jl_int(&j, "line", (long long)line_no);
	spf_outcome_fields(out, ip, helo, &line_writer, &j);
	jl_int(&j, "ms", (long long)ms);
	if (want_trace)
		spf_outcome_trace(out, &line_writer, &j);
	return jl_end(&j);
}

/* Batch mode: input lines, in flight or done, printed in input order. */
struct batch;

struct batch_item {
	struct batch *b;
	unsigned long line_no;
	bool is_done;
	char *json;		/* owned: the output line */
	char *ip, *sender, *helo;	/* owned */
	int64_t started_ms;
	struct spf_dns sd;
	struct spf_resolver r;
};

struct batch {
	struct loop *loop;
	struct dns *dns;
	struct spf_dns_memo *memo;	/* owned: answers shared by the batch's evaluations */
	struct spf_record_cache *records;	/* owned: records parsed once for the batch */
	int fd;
	bool is_eof, is_watching, is_pumping, is_skipping, want_trace;
	int read_errno;
	char buf[BATCH_READ_CHUNK + BATCH_LINE_MAX + 1];
	size_t len;
	struct batch_item *ring[BATCH_INFLIGHT];
	size_t head, count;
	unsigned long line_no, n_lines, n_errors;
};

static void batch_pump(struct batch *b);

static void
batch_item_free(struct batch_item *it)
{
	free(it->json);
	free(it->ip);
	free(it->sender);
	free(it->helo);
	free(it);
}

static void
batch_done(const struct spf_outcome *out, void *arg)
{
	struct batch_item *it = arg;

	it->json = outcome_line(out, it->ip, it->helo, it->b->want_trace, it->line_no,
	    loop_now_ms() - it->started_ms);
	it->is_done = true;
	/* Evaluations may end inside spf_eval_start(); the pump then picks them up. */
	if (!it->b->is_pumping)
		batch_pump(it->b);
}

static void
batch_error(struct batch_item *it, const char *input, const char *why)
{
	struct jline j = { 0 };

	jl_int(&j, "line", (long long)it->line_no);
	jl_str(&j, "error", why);
	jl_str(&j, "input", input);
	it->json = jl_end(&j);
	it->is_done = true;
	it->b->n_errors++;
}

/* Parse "IP SENDER [HELO]" and start its evaluation ("<>" is the null sender, checked as
 * the HELO identity, RFC 7208 2.3). */
static void
batch_start_line(struct batch *b, char *line)
{
	struct batch_item *it = xcalloc(1, sizeof(*it));
	struct spf_query q = { 0 };
	char *field[4], *save = line, *p = line;
	const char *at;
	size_t n = 0;

	it->b = b;
	it->line_no = b->line_no;
	b->ring[(b->head + b->count) % BATCH_INFLIGHT] = it;
	b->count++;
	b->n_lines++;
	if (b->is_skipping) {
		batch_error(it, "", _("line longer than 2048 bytes"));
		return;
	}
	while (n < 4) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		field[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	if (n < 2 || n > 3) {
		batch_error(it, save, _("expected: IP SENDER [HELO]"));
		return;
	}
	if (validate_ip(field[0], NULL) < 0) {
		batch_error(it, field[0], _("not an IPv4 or IPv6 address"));
		return;
	}
	if (text_has_control(field[1]) || (n == 3 && text_has_control(field[2]))) {
		batch_error(it, field[1], _("control character in the line"));
		return;
	}
	it->ip = xstrdup(field[0]);
	if (strcmp(field[1], "<>") != 0)
		it->sender = xstrdup(field[1]);
	if (n == 3) {
		it->helo = xstrdup(field[2]);
	} else if (it->sender != NULL) {
		/* without a HELO name, %{h} is the sender's domain */
		at = strrchr(it->sender, '@');
		it->helo = xstrdup(at != NULL ? at + 1 : it->sender);
	} else {
		batch_error(it, save, _("the null sender <> needs a HELO name"));
		return;
	}
	spf_dns_init(&it->sd, b->dns, &it->r);
	it->sd.memo = b->memo;
	q.ip = it->ip;
	q.sender = it->sender;
	q.helo = it->helo;
	q.want_trace = b->want_trace;
	q.record_cache = b->records;
	it->started_ms = loop_now_ms();
	if (spf_eval_start(&q, &it->r, batch_done, it) < 0)
		batch_error(it, save, _("cannot evaluate this line (input too long?)"));
}

/* Take complete lines from the buffer while there is room in flight. Returns whether any
 * line was taken. */
static bool
batch_take_lines(struct batch *b)
{
	bool is_progress = false;

	while (b->count < BATCH_INFLIGHT) {
		char *nl = memchr(b->buf, '\n', b->len);
		size_t llen;

		if (nl == NULL) {
			if (!b->is_eof || b->len == 0)
				break;
			nl = b->buf + b->len;	/* a last line without a newline */
			b->buf[b->len] = '\n';
		}
		llen = (size_t)(nl - b->buf);
		*nl = '\0';
		if (llen > 0 && b->buf[llen - 1] == '\r')
			b->buf[llen - 1] = '\0';
		b->line_no++;
		/* blank lines and # comments carry no request */
		if (b->is_skipping || (b->buf[strspn(b->buf, " \t")] != '\0' &&
		    b->buf[strspn(b->buf, " \t")] != '#')) {
			batch_start_line(b, b->buf);
			is_progress = true;
		}
		b->is_skipping = false;
		llen = llen + 1 <= b->len ? llen + 1 : b->len;
		memmove(b->buf, b->buf + llen, b->len - llen);
		b->len -= llen;
	}
	return is_progress;
}

/* Print finished items at the head of the ring, in input order. */
static bool
batch_flush(struct batch *b)
{
	bool is_progress = false;

	while (b->count > 0 && b->ring[b->head]->is_done) {
		struct batch_item *it = b->ring[b->head];

		fputs(it->json, stdout);
		fputc('\n', stdout);
		batch_item_free(it);
		b->ring[b->head] = NULL;
		b->head = (b->head + 1) % BATCH_INFLIGHT;
		b->count--;
		is_progress = true;
	}
	return is_progress;
}

static void batch_on_read(int fd, short revents, void *arg);

static void
batch_pump(struct batch *b)
{
	bool want_read;

	b->is_pumping = true;
	for (;;) {
		bool is_flushed = batch_flush(b);
		bool is_taken = batch_take_lines(b);

		if (!is_flushed && !is_taken)
			break;
	}
	b->is_pumping = false;
	fflush(stdout);
	/* Read more only with room in flight and room in the buffer (a full buffer without a
	 * newline is an over-long line, handled in batch_on_read). */
	want_read = !b->is_eof && b->count < BATCH_INFLIGHT;
	if (want_read != b->is_watching) {
		if (want_read && loop_watch(b->loop, b->fd, POLLIN, batch_on_read, b) < 0)
			want_read = false;
		else if (!want_read)
			loop_unwatch(b->loop, b->fd);
		b->is_watching = want_read;
	}
}

static void
batch_on_read(int fd, short revents, void *arg)
{
	struct batch *b = arg;
	size_t room = BATCH_READ_CHUNK + BATCH_LINE_MAX - b->len;
	ssize_t n;

	(void)revents;
	if (room == 0) {
		/* cannot happen (lines are taken before reading more); refuse the line */
		b->len = 0;
		b->is_skipping = true;
		room = BATCH_READ_CHUNK + BATCH_LINE_MAX;
	}
	/* poll() said readable: one read() does not block, even on a pipe */
	n = read(fd, b->buf + b->len, room);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n < 0)
			b->read_errno = errno;
		b->is_eof = true;
	} else {
		b->len += (size_t)n;
	}
	/* An over-long line: drop what is buffered of it and report it once. */
	if (b->len > BATCH_LINE_MAX && memchr(b->buf, '\n', b->len) == NULL) {
		b->len = 0;
		b->is_skipping = true;
	}
	batch_pump(b);
}

int
spf_batch_run(struct run_ctx *ctx, const char *path, bool want_trace)
{
	struct batch *b;
	int rc;

	if (run_open(ctx, "spf", path) != 0)
		return EXIT_UNKNOWN;
	b = xcalloc(1, sizeof(*b));
	b->loop = ctx->loop;
	b->dns = ctx->dns;
	b->memo = spf_dns_memo_new();
	b->records = spf_record_cache_new();
	b->want_trace = want_trace;
	b->fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0) {
		log_err("spf: cannot open %s: %s", path, strerror(errno));
		spf_dns_memo_free(b->memo);
		spf_record_cache_free(b->records);
		free(b);
		return EXIT_UNKNOWN;
	}
	batch_pump(b);
	loop_run(ctx->loop);
	/* Everything read has been answered: the loop only ends when nothing is pending. */
	batch_pump(b);
	if (b->read_errno != 0)
		log_err("spf: reading %s: %s", path, strerror(b->read_errno));
	log_info("spf: %lu lines, %lu malformed", b->n_lines, b->n_errors);
	rc = b->read_errno != 0 || b->count > 0 || fflush(stdout) != 0 || ferror(stdout) ?
	    EXIT_UNKNOWN : b->n_errors > 0 ? EXIT_WARN : EXIT_OK;
	if (b->fd != STDIN_FILENO)
		close(b->fd);
	spf_dns_memo_free(b->memo);
	spf_record_cache_free(b->records);
	free(b);
	return rc;
}
