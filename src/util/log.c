/* stderr logging with a level set once from the command line. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static enum log_level log_level = LOG_WARN;

void
log_set_level(enum log_level level)
{
	log_level = level;
}

int
log_enabled(enum log_level level)
{
	return level <= log_level;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	fputs("mxdiag: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
