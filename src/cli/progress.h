/* A progress line on stderr for long runs (explain over a mailbox, the batch modes): items
 * done, how many per second, the current one. Only when stderr is a terminal; redrawn at most
 * PROGRESS_EVERY_MS apart and cleared at the end, so that nothing of it stays on screen or
 * reaches a file or a pipe. */
#ifndef MXD_PROGRESS_H
#define MXD_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROGRESS_EVERY_MS 250

struct progress {
	bool on;		/* stderr is a terminal */
	bool shown;		/* the line is on screen now */
	bool share_tty;		/* stdout is a terminal too: hide the line while it writes */
	int64_t start_ms, last_ms;
	size_t n;
	const char *fmt;	/* translated: %zu items, %.0f per second, %s the current one */
	char line[320];
};

/* Decide from stderr (and stdout) whether to show anything; fmt (borrowed) is the line,
 * e.g. _("explain: %zu bounces read, %.0f per second, %s"). */
void progress_begin(struct progress *p, const char *fmt);
/* One more item done, name the current one: redraw when PROGRESS_EVERY_MS have passed. */
void progress_tick(struct progress *p, const char *name);
/* Before and after writing to stdout or stderr: the line off, then back. */
void progress_hide(struct progress *p);
void progress_show(struct progress *p);
/* The end: the line cleared for good. */
void progress_end(struct progress *p);

#endif
