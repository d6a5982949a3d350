/* The batch modes' engine (`check --batch`, `spf --batch`): lines in from a file or stdin as
 * a stream, a job per line with many in flight on the one loop, one JSON line out per job,
 * in input order (or as they finish), a progress line on a terminal and a summary at the
 * end. Memory is bounded by the window of jobs, whatever the input's size. */
#ifndef MXD_BATCH_H
#define MXD_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct batch;
struct loop;

/* One input line's job. */
struct batch_job {
	unsigned long line_no;	/* 1-based */
	void *priv;		/* the command's state for the job */
};

/*
 * Start the job of a line (NUL-terminated and writable, without its newline; never blank
 * nor a # comment), or of a line too long to read when line is NULL. The command ends each
 * job exactly once, now or later from the loop, with batch_job_done(), batch_job_error()
 * or batch_job_skip().
 */
typedef void batch_start_fn(void *arg, struct batch *b, struct batch_job *job, char *line);

struct batch_config {
	const char *cmd;	/* "check": messages and the summary line */
	const char *path;	/* the input, "-" for stdin */
	size_t in_flight;	/* jobs running at once (at least 1) */
	size_t window;		/* jobs read but not yet printed, at least in_flight */
	bool is_unordered;	/* print each job as it ends, not in input order */
	bool is_text;		/* lines for people: a bad line is told as text, not JSON */
	unsigned shard, shards;	/* --shard I/N: this process takes the keys of shard I */
	const char *progress_fmt;	/* translated, as progress_begin() takes it */
	const char *unit;	/* translated plural for the summary: "domains" */
	batch_start_fn *start;
	void *arg;
};

/* Run the whole input through cfg's jobs on loop, printing to stdout. Returns the exit
 * status: the worst of the jobs' (status_exit_worse), at least EXIT_WARN when a line was
 * malformed, EXIT_UNKNOWN when the input could not be read or stdout written. */
int batch_run(struct loop *loop, const struct batch_config *cfg);

/* The job ended: out (owned now, one JSON object without newline) is its output line,
 * exit its exit status, tag (static text: "OK", "pass") what the summary counts it as. */
void batch_job_done(struct batch *b, struct batch_job *job, char *out, int exit,
    const char *tag);
/* The line could not be read: {"line":N,"error":why,"input":input} is its output (with
 * is_text, "ERROR   line N: why: input"). */
void batch_job_error(struct batch *b, struct batch_job *job, const char *input,
    const char *why);
/* The line belongs to another shard: no output. */
void batch_job_skip(struct batch *b, struct batch_job *job);

/* Whether key (a normalised name) is this process's to handle (--shard). */
bool batch_is_mine(const struct batch *b, const char *key);

/* FNV-1a, 64 bits, of s: the stable hash --shard takes (shard = hash mod N). */
uint64_t batch_hash(const char *s);

/* Parse "I/N" (0 <= I < N <= BATCH_SHARDS_MAX) for --shard. Returns -1 when fine, else
 * EXIT_USAGE after the message. */
#define BATCH_SHARDS_MAX 100000
int batch_parse_shard(const char *cmd, const char *s, unsigned *shard, unsigned *shards);

/* A count option (--concurrency, --qps) from 1 to max. -1 when fine, else EXIT_USAGE. */
int batch_parse_count(const char *cmd, const char *opt, const char *s, unsigned max,
    unsigned *out);

/* The summary line of a long run on stderr, the same for the batch modes and explain over a
 * mailbox: "mxdiag: check: 1000 domains in 9.8 s, 102 per second: 612 INFO, 301 WARN, 2
 * malformed lines" (the tags in their first-seen order). */
#define BATCH_TAGS 8		/* distinct tags counted; more count as "other" */
struct batch_tally {
	int64_t started_ms;
	unsigned long n, n_other, n_errors;	/* items, past BATCH_TAGS, unreadable */
	struct {
		const char *tag;	/* borrowed: static text */
		unsigned long n;
	} tags[BATCH_TAGS];
};
void batch_tally_begin(struct batch_tally *t);
/* One more item, counted as tag (static text: "OK", "pass"). */
void batch_tally_add(struct batch_tally *t, const char *tag);
/* The line: cmd ("check"), unit (translated plural: "domains"), errors (translated: what
 * n_errors counts, "malformed lines"). */
void batch_tally_print(const struct batch_tally *t, const char *cmd, const char *unit,
    const char *errors);

#endif
