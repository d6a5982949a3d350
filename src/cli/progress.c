/* The progress line of long runs on stderr (progress.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "loop.h"
#include "progress.h"

void
progress_begin(struct progress *p, const char *fmt)
{
	memset(p, 0, sizeof(*p));
	p->fmt = fmt;
	p->on = isatty(STDERR_FILENO) == 1;
	p->share_tty = p->on && isatty(STDOUT_FILENO) == 1;
	p->start_ms = loop_now_ms();
}

static void
draw(struct progress *p)
{
	/* \r and erase-to-end-of-line: the line replaces itself */
	fprintf(stderr, "\r\033[K%s", p->line);
	fflush(stderr);
	p->shown = true;
}

/* The terminal's width, so that the line never wraps (a wrapped line cannot be redrawn). */
static size_t
columns(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/* The end of name that fits in room bytes, "..." first when cut (at a UTF-8 boundary). */
static const char *
fit(const char *name, size_t room, bool *cut)
{
	size_t len = strlen(name);

	*cut = false;
	if (len <= room)
		return name;
	*cut = true;
	name += len - (room > 3 ? room - 3 : 0);
	while ((*name & 0xc0) == 0x80)
		name++;
	return name;
}

void
progress_tick(struct progress *p, const char *name)
{
	int64_t now;
	double secs, rate;
	size_t width, room;
	const char *shown;
	char file[sizeof(p->line)];
	bool cut;

	if (!p->on)
		return;
	p->n++;
	now = loop_now_ms();
	if (p->n > 1 && now - p->last_ms < PROGRESS_EVERY_MS)
		return;
	p->last_ms = now;
	secs = (double)(now - p->start_ms) / 1000.0;
	rate = secs > 0 ? (double)p->n / secs : 0.0;
	/* bytes, which are never fewer than the columns they take */
	width = (size_t)snprintf(p->line, sizeof(p->line), p->fmt, p->n, rate, "");
	room = columns() - 1 > width ? columns() - 1 - width : 0;
	if (room > sizeof(p->line) - width - 1)
		room = sizeof(p->line) - width - 1;
	shown = fit(name, room, &cut);
	snprintf(file, sizeof(file), "%s%s", cut ? "..." : "", shown);
	snprintf(p->line, sizeof(p->line), p->fmt, p->n, rate, file);
	draw(p);
}

void
progress_hide(struct progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = false;
}

void
progress_show(struct progress *p)
{
	if (p->on && !p->shown && p->line[0] != '\0')
		draw(p);
}

void
progress_end(struct progress *p)
{
	progress_hide(p);
	p->on = false;
}
