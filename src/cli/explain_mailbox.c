/* explain over many bounces (several files, an mbox, a Maildir): a window of them at a
 * time, parsed and written on the worker threads, proved and printed on this one, in
 * input order, in memory that does not grow with the mailbox. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "dns.h"
#include "explain.h"
#include "explain_proof.h"
#include "i18n.h"
#include "log.h"
#include "loop.h"
#include "ndr.h"
#include "ndr_mailbox.h"
#include "progress.h"
#include "render.h"
#include "render_nagios.h"
#include "report.h"
#include "run.h"
#include "workers.h"
#include "xmalloc.h"

/* DNS questions a run over many bounces keeps before its cache starts afresh (each bounce
 * asks a few dozen at most; the engine's own ceiling is far above). */
#define EXPLAIN_DNS_KEEP 4096

/* A bounce of many as a JSON line (the same document as for one bounce) or a text block
 * into out. Returns 0, or -1 when it could not be written. */
static int
write_one(const struct explain *ex, struct report *rep, FILE *out)
{
	const struct global_opts *g = ex->ctx->g;
	struct render_opts ro = { .color = ex->colour, .verbose = g->verbose };

	if (g->json)
		return render_json_line(out, rep, g->problems_only) != 0 ? -1 : 0;
	render_text(out, rep, &ro);
	fputc('\n', out);
	return 0;
}

/* --format nagios: a bounce's share of the one status line, and its problem lines. */
static void
nagios_one(struct explain *ex, struct report *rep)
{
	nagios_add(&ex->nagios, rep);
	ex->n_reports++;
	if (status_exit_code(report_worst(rep)) != EXIT_OK) {
		fprintf(ex->nagios_buf, "%s: %s\n", report_target(rep),
		    status_name(report_worst(rep)));
		nagios_problems(ex->nagios_buf, rep);
	}
}

/*
 * A mailbox is explained a window of bounces at a time. Up to EXPLAIN_WINDOW of them (and
 * EXPLAIN_WINDOW_BYTES) are read in (each message's buffer taken from the mailbox) and
 * parsed on the worker threads (--jobs); on this thread their live proofs, which share the
 * run's one event loop and proof cache, are started, run together (the loop once), and
 * judged, in input order; then the bounces are written on the workers (with --no-dns at
 * once, as each is parsed) and printed in input order. A window's proofs are run in parts
 * of at most EXPLAIN_MAX_STARTED started proofs, so that no more sessions and lookups are
 * in flight at once than one bounce may start: sockets are bounded, and so is what one
 * receiver sees from us at a time. Four windows are in hand (struct pipeline: read,
 * parsed, proved, written), so that reading, proving and printing on this thread overlap
 * the workers' parsing and writing. Memory stays that of four windows, not of the mailbox.
 */
#define EXPLAIN_WINDOW		64
#define EXPLAIN_WINDOW_BYTES	(16u << 20)
#define EXPLAIN_MAX_STARTED	PROOF_MAX_RUNS
#define SLOT_KEEP_BYTES		(32u << 10)	/* a bigger message's or output's buffer is not kept */

struct slot {
	char *buf;		/* the message, taken from the mailbox (ndr_mailbox_take()) */
	size_t len, cap, index;
	char *name;
	bool is_numbered;	/* one of a mailbox's messages: its report names its index */
	struct report *rep;
	struct ndr *n;		/* parsed, for its proofs (they borrow its strings); or NULL */
	struct proof_seen *seen;	/* live: its proofs' state, owned, kept for the run */
	FILE *fp;		/* the slot's own stream into out, kept from window to window */
	char *out;		/* its JSON line or text block (nagios: none) */
	size_t out_len;
	int write_rc;
	enum status worst;	/* the report's, kept when the worker has freed it */
};

struct window {
	const struct explain *ex;
	struct slot slots[EXPLAIN_WINDOW];
	size_t n, bytes;
};

static bool
window_full(const struct window *w)
{
	return w->n == EXPLAIN_WINDOW || w->bytes >= EXPLAIN_WINDOW_BYTES;
}

static void
window_add(struct window *w, struct ndr_mailbox *mb, const struct ndr_message *m,
    bool is_numbered)
{
	struct slot *sl = &w->slots[w->n++];

	/* the message's buffer is the slot's, and the slot's old one the mailbox's: a
	 * mailbox's bytes are not copied once more */
	ndr_mailbox_take(mb, &sl->buf, &sl->cap);
	sl->len = m->len;
	sl->index = m->index;
	sl->name = xstrdup(m->name);
	sl->is_numbered = is_numbered;
	w->bytes += m->len;
}

/* On a worker: slot i written into its stream (unless nagios gathers it), its report
 * freed. */
static void
window_write(void *arg, size_t i)
{
	struct window *w = arg;
	struct slot *sl = &w->slots[i];

	if (sl->rep == NULL)
		return;	/* written and freed when it was parsed (--no-dns) */
	sl->write_rc = 0;
	sl->out_len = 0;
	report_finish(sl->rep);
	if (w->ex->ctx->g->nagios)
		return;
	/* one stream per slot for the run: opening one costs more than writing a bounce */
	if (sl->fp == NULL)
		sl->fp = open_memstream(&sl->out, &sl->out_len);
	if (sl->fp == NULL || fseeko(sl->fp, 0, SEEK_SET) != 0 ||
	    write_one(w->ex, sl->rep, sl->fp) != 0 || fflush(sl->fp) != 0)
		sl->write_rc = -1;
	sl->worst = report_worst(sl->rep);
	/* Live reports share JSON with the proof cache (report_add_copy): jansson reads a
	 * count without an atomic before it changes it atomically, so they are freed on
	 * this thread (window_emit); without proofs nothing is shared. */
	if (w->ex->cache == NULL) {
		report_free(sl->rep);
		sl->rep = NULL;
	}
}

/* On a worker: slot i parsed into its report; the parse is kept for its proofs. */
static void
window_parse(void *arg, size_t i)
{
	struct window *w = arg;
	struct slot *sl = &w->slots[i];
	struct ndr_message m = { .buf = sl->buf, .len = sl->len, .index = sl->index,
	    .name = sl->name };
	char target[4200];

	/* named here, on the workers: the main thread only reads the mailbox */
	if (sl->is_numbered)
		snprintf(target, sizeof(target), "%s #%zu", sl->name, sl->index);
	else
		snprintf(target, sizeof(target), "%s", sl->name);
	sl->rep = report_new("explain", target);
	sl->n = explain_parse(w->ex, sl->rep, &m);
	if (sl->n != NULL && w->ex->no_dns) {
		ndr_free(sl->n);
		sl->n = NULL;
	}
	/* Without proofs nothing comes between parsing and writing: the bounce is written
	 * at once, on this thread, while its report is in the cache, and freed by the thread
	 * that made it (freed on another, its memory went back the slow way). */
	if (w->ex->no_dns && !w->ex->ctx->g->nagios)
		window_write(arg, i);
}

/* Slots first..end-1: their verdicts (the loop has run), in input order. A bounce's DNS
 * stats count the run's lookups since the bounce before it was written out: the proofs of
 * a part run together and cannot be told apart, so its first bounce has them all. */
static void
window_verdicts(struct explain *ex, struct window *w, size_t first, size_t end)
{
	struct run_ctx *ctx = ex->ctx;
	size_t i;

	for (i = first; i < end; i++) {
		struct slot *sl = &w->slots[i];
		const struct dns_stats *now = &report_stats(ex->run_rep)->dns;
		struct dns_stats *st = &report_stats(sl->rep)->dns;

		if (sl->n != NULL) {
			ctx->rep = sl->rep;
			explain_prove_end(ctx, sl->seen, ex->cache);
			ndr_free(sl->n);
			sl->n = NULL;
		}
		*st = *now;
		st->queries -= ex->emitted.queries;
		st->cache_hits -= ex->emitted.cache_hits;
		ex->emitted = *now;
	}
	ctx->rep = ex->run_rep;
}

/* The window's bounces (written on the workers) printed in order, their slots emptied for
 * the next window read into it. Returns the worst exit status. */
static int
window_print(struct explain *ex, struct window *w)
{
	int worst = EXIT_OK, rc;
	size_t i;

	for (i = 0; i < w->n; i++) {
		struct slot *sl = &w->slots[i];

		if (ex->prog.share_tty)
			progress_hide(&ex->prog);
		if (ex->ctx->g->nagios) {
			nagios_one(ex, sl->rep);
			sl->worst = report_worst(sl->rep);
			rc = status_exit_code(sl->worst);
		} else {
			if (sl->write_rc == 0 && ex->write_errno == 0 &&
			    fwrite(sl->out, 1, sl->out_len, stdout) != sl->out_len) {
				sl->write_rc = -1;
				ex->write_errno = errno != 0 ? errno : EIO;
			}
			rc = sl->write_rc != 0 || ex->write_errno != 0 ? EXIT_UNKNOWN :
			    status_exit_code(sl->worst);
		}
		report_free(sl->rep);	/* NULL when a worker freed it */
		sl->rep = NULL;
		worst = status_exit_worse(worst, rc);
		batch_tally_add(&ex->tally, status_name(sl->worst));
		progress_tick(&ex->prog, sl->name);
		progress_show(&ex->prog);
		free(sl->name);
		sl->name = NULL;
		if (sl->fp != NULL && sl->out_len > SLOT_KEEP_BYTES) {
			fclose(sl->fp);
			free(sl->out);
			sl->fp = NULL;
			sl->out = NULL;
		}
		if (sl->cap > SLOT_KEEP_BYTES) {
			free(sl->buf);
			sl->buf = NULL;
			sl->cap = 0;
		}
	}
	return worst;
}

/* The window's proofs (it is parsed), in parts: a part's proofs are started, run
 * together (the loop once), and judged in input order. */
static void
window_prove(struct explain *ex, struct window *w)
{
	size_t first, end;

	if (ex->no_dns)
		return;	/* nothing to prove; a bounce's DNS stats stay 0 */
	for (first = 0; first < w->n; first = end) {
		struct proof_seen *last = NULL;
		size_t n_started = 0;

		/* start the proofs of a part; a proof planned by an earlier bounce of the
		 * part is read from it (prev), not started again */
		for (end = first; end < w->n && (end == first ||
		    n_started < EXPLAIN_MAX_STARTED); end++) {
			struct slot *sl = &w->slots[end];

			if (sl->n == NULL)
				continue;
			if (sl->seen == NULL)
				sl->seen = xmalloc(sizeof(*sl->seen));
			sl->seen->n = 0;	/* keys and items past n are never read */
			sl->seen->dropped = 0;
			sl->seen->n_items = 0;
			sl->seen->n_started = 0;
			sl->seen->prev = last;
			last = sl->seen;
			ex->ctx->rep = sl->rep;
			explain_start_proofs(ex, sl->n, sl->seen);
			n_started += sl->seen->n_started;
		}
		ex->ctx->rep = ex->run_rep;
		if (!ex->no_dns)
			loop_run(ex->ctx->loop);
		window_verdicts(ex, w, first, end);
	}
}

/*
 * The windows of a mailbox in flight, oldest first: one written on the workers, one proved
 * and waiting to be written, one parsed on the workers and to be proved; the caller reads
 * the next into a fourth. The workers' batch holds the writes of one window and the parses
 * of another, so that this thread reads, proves and prints meanwhile (all three go one
 * window at a time, in input order).
 */
#define EXPLAIN_WINDOWS	4	/* in hand: read, parsed, proved, written */

struct pipeline {
	struct window *writing, *proved, *parsing;	/* the batch: writing and parsing */
	bool is_running;
};

static size_t
batch_items(const struct pipeline *p)
{
	return (p->writing != NULL ? p->writing->n : 0) + (p->parsing != NULL ? p->parsing->n : 0);
}

/* On a worker: item i of the batch, the writes first. */
static void
batch_item(void *arg, size_t i)
{
	struct pipeline *p = arg;
	size_t n_write = p->writing != NULL ? p->writing->n : 0;

	if (i < n_write)
		window_write(p->writing, i);
	else
		window_parse(p->parsing, i - n_write);
}

/* The batch on the workers done (this thread joins in). */
static void
pipeline_join(struct explain *ex, struct pipeline *p)
{
	if (p->is_running)
		workers_wait(ex->workers, batch_item, p, batch_items(p));
	p->is_running = false;
}

/*
 * One step, next just read (NULL: no more): the batch in flight done and its written
 * window printed; then the proved window is written and next parsed on the workers while
 * this thread proves the parsed one, whose proofs wait on the network. Returns the window
 * printed (free to read into), or NULL; the worst exit status of what was printed into
 * *worst.
 */
static struct window *
window_step(struct explain *ex, struct pipeline *p, struct window *next, int *worst)
{
	struct window *printed = p->writing, *to_prove = p->parsing;

	pipeline_join(ex, p);
	if (printed != NULL) {
		*worst = status_exit_worse(*worst, window_print(ex, printed));
		printed->n = 0;
		printed->bytes = 0;
	}
	p->writing = p->proved;
	p->proved = NULL;
	p->parsing = next;
	if (batch_items(p) > 0) {
		workers_start(ex->workers, batch_item, p, batch_items(p));
		p->is_running = true;
	}
	if (to_prove != NULL) {
		window_prove(ex, to_prove);
		p->proved = to_prove;
	}
	return printed;
}

static bool
pipeline_is_empty(const struct pipeline *p)
{
	return p->writing == NULL && p->proved == NULL && p->parsing == NULL;
}

static void
window_free(struct window *w)
{
	size_t i;

	for (i = 0; i < EXPLAIN_WINDOW; i++) {
		/* a window read or parsed and not printed (a run that stopped early) */
		report_free(w->slots[i].rep);
		ndr_free(w->slots[i].n);
		free(w->slots[i].name);
		if (w->slots[i].fp != NULL)
			fclose(w->slots[i].fp);
		free(w->slots[i].out);
		free(w->slots[i].buf);
		free(w->slots[i].seen);
	}
	free(w);
}

/* --format nagios after several bounces: the one status line (its state the exit status),
 * then the problem lines of each bounce that had some. Returns the exit status. */
static int
nagios_many(struct explain *ex, char *const *paths, int n_paths, int worst, char **text,
    size_t *len)
{
	char target[4200];

	fclose(ex->nagios_buf);	/* sets *text and *len */
	ex->nagios_buf = NULL;
	snprintf(target, sizeof(target), _("%s%s (%zu bounces)"), paths[0],
	    n_paths > 1 ? " ..." : "", ex->n_reports);
	nagios_status_line(stdout, status_of_exit(worst), "explain", target, &ex->nagios);
	if (*text != NULL)
		fwrite(*text, 1, *len, stdout);
	free(*text);
	*text = NULL;
	return worst;
}

/* Several files, an mbox or a Maildir: every message in turn, one report each, a window
 * at a time. The DNS engine and its cache are the run's (ctx->rep is the run's report
 * between windows, which is not printed); the exit status is the worst of all. */
int
explain_many(struct explain *ex, char *const *paths, int n_paths, struct ndr_mailbox *first)
{
	struct run_ctx *ctx = ex->ctx;
	struct window *win[EXPLAIN_WINDOWS], *spare[EXPLAIN_WINDOWS], *fill;
	struct pipeline pipe = { 0 };
	size_t n_spare = 0;
	char *nagios_text = NULL;
	size_t nagios_len = 0;
	bool is_input_error = false;
	int i, worst = EXIT_OK, rc;

	if (ex->no_dns) {
		ctx->rep = report_new("explain", paths[0]);
	} else if ((rc = run_open(ctx, "explain", paths[0])) != 0) {
		ndr_mailbox_close(first);
		return rc;
	}
	ex->run_rep = ctx->rep;
	if (ctx->g->nagios)
		ex->nagios_buf = open_memstream(&nagios_text, &nagios_len);
	if (ctx->g->nagios && ex->nagios_buf == NULL) {
		ndr_mailbox_close(first);
		return EXIT_UNKNOWN;
	}
	for (i = 0; i < EXPLAIN_WINDOWS; i++) {
		spare[n_spare++] = win[i] = xcalloc(1, sizeof(*win[i]));
		win[i]->ex = ex;
	}
	fill = spare[--n_spare];
	progress_begin(&ex->prog, _("explain: %zu bounces read, %.0f per second, %s"));
	batch_tally_begin(&ex->tally);
	for (i = 0; i < n_paths && ex->write_errno == 0; i++) {
		enum ndr_mailbox_err err;
		struct ndr_mailbox *mb = i == 0 && first != NULL ? first :
		    ndr_mailbox_open(paths[i], &err);
		struct ndr_message m;
		int got;

		if (mb == NULL) {
			progress_hide(&ex->prog);
			fprintf(stderr, "mxdiag: explain: %s: %s\n", paths[i], explain_input_error(err));
			is_input_error = true;
			ex->tally.n_errors++;
			continue;
		}
		/* as the batch modes: a reader that went away ends the run, nothing more is
		 * read (what is in hand is dropped) */
		while (ex->write_errno == 0 && (got = ndr_mailbox_next(mb, &m, &err)) != 0) {
			if (got < 0) {
				progress_hide(&ex->prog);
				fprintf(stderr, "mxdiag: explain: %s: %s\n", m.name, explain_input_error(err));
				is_input_error = true;
				ex->tally.n_errors++;
				continue;
			}
			/* The cache is the run's: past EXPLAIN_DNS_KEEP questions it starts afresh
			 * (between windows, with nothing in flight), so memory stays bounded
			 * however many domains a mailbox names. */
			if (fill->n == 0 && !ex->no_dns &&
			    dns_cache_count(ctx->dns) > EXPLAIN_DNS_KEEP &&
			    run_dns_reopen(ctx, &report_stats(ex->run_rep)->dns) != 0) {
				ndr_mailbox_close(mb);
				worst = EXIT_UNKNOWN;
				goto out;
			}
			window_add(fill, mb, &m, ndr_mailbox_kind(mb) == NDR_MB_MBOX);
			if (window_full(fill)) {
				struct window *printed = window_step(ex, &pipe, fill, &worst);

				if (printed != NULL)
					spare[n_spare++] = printed;
				fill = spare[--n_spare];	/* one is always free */
			}
		}
		ndr_mailbox_close(mb);
	}
	if (fill->n > 0 && ex->write_errno == 0)
		window_step(ex, &pipe, fill, &worst);
	while (ex->write_errno == 0 && !pipeline_is_empty(&pipe))
		window_step(ex, &pipe, NULL, &worst);
out:
	pipeline_join(ex, &pipe);	/* nothing freed under the workers */
	for (i = 0; i < EXPLAIN_WINDOWS; i++)
		window_free(win[i]);
	progress_end(&ex->prog);
	/* as the batch modes: a run that could not write all it found is UNKNOWN */
	if (ex->write_errno != 0)
		log_err("explain: writing the output: %s", strerror(ex->write_errno));
	/* one summary line, as the batch modes print; what could not be read is UNKNOWN */
	batch_tally_print(&ex->tally, "explain", _("bounces"), _("unreadable"));
	if (is_input_error)
		worst = status_exit_worse(worst, EXIT_UNKNOWN);
	if (ex->write_errno != 0)
		worst = EXIT_UNKNOWN;
	ctx->rep = ex->run_rep;
	if (ex->nagios_buf != NULL)
		worst = nagios_many(ex, paths, n_paths, worst, &nagios_text, &nagios_len);
	return worst;
}
