/* The batch modes' engine (batch.h): a stream of lines, a window of jobs, JSON Lines out. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "command.h"
#include "i18n.h"
#include "jline.h"
#include "log.h"
#include "loop.h"
#include "progress.h"
#include "report.h"
#include "text.h"
#include "xmalloc.h"

#define BATCH_LINE_MAX 2048	/* longer input lines are refused, not split */
#define BATCH_READ_CHUNK 65536

/* A job and what the engine keeps of it. */
struct slot {
	struct batch_job job;
	bool is_done, is_skipped;
	char *out;		/* owned */
};

struct batch {
	const struct batch_config *cfg;
	struct loop *loop;
	int fd;
	bool is_eof, is_watching, is_pumping, is_skipping;
	int read_errno, write_errno;
	char buf[BATCH_READ_CHUNK + BATCH_LINE_MAX + 1];
	size_t len;
	struct slot **ring;	/* the window, in input order */
	size_t window, head, count, running;
	unsigned long line_no;
	int worst;
	struct batch_tally tally;
	struct progress prog;
};

static void pump(struct batch *b);

uint64_t
batch_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a 64 offset basis */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;	/* FNV prime */
	return h;
}

bool
batch_is_mine(const struct batch *b, const char *key)
{
	return b->cfg->shards <= 1 || batch_hash(key) % b->cfg->shards == b->cfg->shard;
}

int
batch_parse_count(const char *cmd, const char *opt, const char *s, unsigned max,
    unsigned *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > (long)max)
		return cli_usage_error(cmd, _("%s '%s' is not a number from 1 to %u"), opt, s,
		    max);
	*out = (unsigned)v;
	return -1;
}

int
batch_parse_shard(const char *cmd, const char *s, unsigned *shard, unsigned *shards)
{
	char *end, *end2;
	long i, n;

	errno = 0;
	i = strtol(s, &end, 10);
	n = *end == '/' ? strtol(end + 1, &end2, 10) : 0;
	if (errno != 0 || end == s || *end != '/' || end2 == end + 1 || *end2 != '\0' ||
	    n < 1 || n > BATCH_SHARDS_MAX || i < 0 || i >= n)
		return cli_usage_error(cmd, _("--shard '%s' is not I/N with 0 <= I < N <= %d"), s,
		    BATCH_SHARDS_MAX);
	*shard = (unsigned)i;
	*shards = (unsigned)n;
	return -1;
}

void
batch_tally_begin(struct batch_tally *t)
{
	memset(t, 0, sizeof(*t));
	t->started_ms = loop_now_ms();
}

void
batch_tally_add(struct batch_tally *t, const char *tag)
{
	size_t i;

	t->n++;
	for (i = 0; i < BATCH_TAGS && t->tags[i].tag != NULL; i++) {
		if (strcmp(t->tags[i].tag, tag) == 0) {
			t->tags[i].n++;
			return;
		}
	}
	if (i == BATCH_TAGS) {
		t->n_other++;
		return;
	}
	t->tags[i].tag = tag;
	t->tags[i].n = 1;
}

/* "item" appended to the list counts[0..len), *used long; false when it is full */
static bool
add_count(char *counts, size_t len, size_t *used, unsigned long n, const char *what)
{
	char item[128];

	snprintf(item, sizeof(item), "%lu %s", n, what);
	return text_list_add(counts, len, used, item);
}

void
batch_tally_print(const struct batch_tally *t, const char *cmd, const char *unit,
    const char *errors)
{
	char counts[512] = "";
	size_t used = 0, i;
	double secs = (double)(loop_now_ms() - t->started_ms) / 1000.0;

	for (i = 0; i < BATCH_TAGS && t->tags[i].tag != NULL; i++)
		if (!add_count(counts, sizeof(counts), &used, t->tags[i].n, t->tags[i].tag))
			break;
	if (t->n_other > 0)
		add_count(counts, sizeof(counts), &used, t->n_other, _("other"));
	if (t->n_errors > 0)
		add_count(counts, sizeof(counts), &used, t->n_errors, errors);
	fprintf(stderr, _("mxdiag: %s: %lu %s in %.1f s, %.0f per second: %s\n"), cmd, t->n,
	    unit, secs, secs > 0 ? (double)t->n / secs : 0.0, used > 0 ? counts : "-");
}

static void
slot_free(struct slot *s)
{
	free(s->out);
	free(s);
}

static void
write_line(struct batch *b, const char *out)
{
	if (b->prog.share_tty)
		progress_hide(&b->prog);
	if (fputs(out, stdout) == EOF || fputc('\n', stdout) == EOF)
		b->write_errno = errno != 0 ? errno : EIO;
}

/* A job has ended one way or another. */
static void
slot_end(struct batch *b, struct slot *s)
{
	s->is_done = true;
	b->running--;
	if (b->cfg->is_unordered) {
		if (!s->is_skipped && s->out != NULL)
			write_line(b, s->out);
		slot_free(s);
	}
	/* Jobs may end inside start(); the pump then picks them up. */
	if (!b->is_pumping)
		pump(b);
}

void
batch_job_done(struct batch *b, struct batch_job *job, char *out, int exit, const char *tag)
{
	struct slot *s = (struct slot *)job;

	s->out = out;
	b->worst = status_exit_worse(b->worst, exit);
	batch_tally_add(&b->tally, tag);
	progress_tick(&b->prog, "");
	slot_end(b, s);
}

void
batch_job_error(struct batch *b, struct batch_job *job, const char *input, const char *why)
{
	struct slot *s = (struct slot *)job;
	struct jline j = { 0 };

	if (b->cfg->is_text) {
		char *c;

		s->out = xasprintf(_("ERROR   line %lu: %s: %s"), job->line_no, why, input);
		/* the line as read, but never a control sequence for the terminal */
		for (c = s->out; *c != '\0'; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	} else {
		jl_int(&j, "line", (long long)job->line_no);
		jl_str(&j, "error", why);
		jl_str(&j, "input", input);
		s->out = jl_end(&j);
	}
	b->tally.n_errors++;
	slot_end(b, s);
}

void
batch_job_skip(struct batch *b, struct batch_job *job)
{
	struct slot *s = (struct slot *)job;

	s->is_skipped = true;
	slot_end(b, s);
}

static void
start_line(struct batch *b, char *line)
{
	struct slot *s = xcalloc(1, sizeof(*s));

	s->job.line_no = b->line_no;
	b->running++;
	/* unordered, a job is printed and freed as it ends: no window to keep */
	if (!b->cfg->is_unordered) {
		b->ring[(b->head + b->count) % b->window] = s;
		b->count++;
	}
	b->cfg->start(b->cfg->arg, b, &s->job, line);
}

/* Whether another job may start: room in flight and in the window, and an output to
 * write to (a reader gone, `| head`, ends the run after the jobs in flight). */
static bool
has_room(const struct batch *b)
{
	return b->write_errno == 0 && b->count < b->window && b->running < b->cfg->in_flight;
}

/* Take complete lines from the buffer while there is room. Returns whether any line was
 * taken. */
static bool
take_lines(struct batch *b)
{
	bool is_progress = false;

	while (has_room(b)) {
		char *nl = memchr(b->buf, '\n', b->len);
		size_t llen, lead;

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
		lead = strspn(b->buf, " \t");
		/* blank lines and # comments carry no request */
		if (b->is_skipping) {
			start_line(b, NULL);
			is_progress = true;
		} else if (b->buf[lead] != '\0' && b->buf[lead] != '#') {
			start_line(b, b->buf);
			is_progress = true;
		}
		b->is_skipping = false;
		llen = llen + 1 <= b->len ? llen + 1 : b->len;
		memmove(b->buf, b->buf + llen, b->len - llen);
		b->len -= llen;
	}
	return is_progress;
}

/* Print finished jobs at the head of the window, in input order. */
static bool
flush(struct batch *b)
{
	bool is_progress = false;

	while (b->count > 0 && b->ring[b->head]->is_done) {
		struct slot *s = b->ring[b->head];

		if (!s->is_skipped && s->out != NULL)
			write_line(b, s->out);
		slot_free(s);
		b->ring[b->head] = NULL;
		b->head = (b->head + 1) % b->window;
		b->count--;
		is_progress = true;
	}
	return is_progress;
}

static void on_read(int fd, short revents, void *arg);

static void
pump(struct batch *b)
{
	bool want_read;

	b->is_pumping = true;
	for (;;) {
		bool is_flushed = flush(b);
		bool is_taken = take_lines(b);

		if (!is_flushed && !is_taken)
			break;
	}
	b->is_pumping = false;
	if (fflush(stdout) != 0 && b->write_errno == 0)
		b->write_errno = errno != 0 ? errno : EIO;
	progress_show(&b->prog);
	/* Read more only with room in the window (a full buffer without a newline is an
	 * over-long line, handled in on_read). */
	want_read = !b->is_eof && has_room(b);
	if (want_read != b->is_watching) {
		if (want_read && loop_watch(b->loop, b->fd, POLLIN, on_read, b) < 0)
			want_read = false;
		else if (!want_read)
			loop_unwatch(b->loop, b->fd);
		b->is_watching = want_read;
	}
}

static void
on_read(int fd, short revents, void *arg)
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
	pump(b);
}

int
batch_run(struct loop *loop, const struct batch_config *cfg)
{
	struct batch *b;
	int rc;

	b = xcalloc(1, sizeof(*b));
	b->cfg = cfg;
	b->loop = loop;
	b->window = cfg->window > cfg->in_flight ? cfg->window : cfg->in_flight;
	b->ring = xcalloc(b->window, sizeof(*b->ring));
	b->worst = EXIT_OK;
	b->fd = strcmp(cfg->path, "-") == 0 ? STDIN_FILENO :
	    open(cfg->path, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0) {
		rc = cli_input_error(cfg->cmd, _("cannot open %s: %s"), cfg->path,
		    strerror(errno));
		free(b->ring);
		free(b);
		return rc;
	}
	batch_tally_begin(&b->tally);
	progress_begin(&b->prog, cfg->progress_fmt);
	pump(b);
	loop_run(loop);
	/* Everything read has been answered: the loop only ends when nothing is pending. */
	pump(b);
	progress_end(&b->prog);
	if (b->read_errno != 0)
		log_err("%s: reading %s: %s", cfg->cmd, cfg->path, strerror(b->read_errno));
	if (b->write_errno != 0)
		log_err("%s: writing the output: %s", cfg->cmd, strerror(b->write_errno));
	batch_tally_print(&b->tally, cfg->cmd, cfg->unit, _("malformed lines"));
	rc = b->tally.n_errors > 0 ? status_exit_worse(b->worst, EXIT_WARN) : b->worst;
	if (b->read_errno != 0 || b->write_errno != 0 || b->count > 0 || b->running > 0 ||
	    ferror(stdout))
		rc = EXIT_UNKNOWN;
	if (b->fd != STDIN_FILENO)
		close(b->fd);
	free(b->ring);
	free(b);
	return rc;
}
