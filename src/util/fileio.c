/* Bounded whole-file reads for inputs users hand us (bounces, record files). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "xmalloc.h"

char *
fileio_read_bounded(const char *path, size_t max, size_t *len, bool *too_big)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 65536, n = 0;
	char *buf;

	*too_big = false;
	if (fp == NULL)
		return NULL;
	buf = xmalloc(cap + 1);
	for (;;) {
		size_t r;

		if (n == cap) {
			/* one byte past max is enough to know the input is too big */
			if (cap > max) {
				*too_big = true;
				break;
			}
			cap = cap > max / 2 ? max + 1 : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(fp)) {
		int saved = errno != 0 ? errno : EIO;

		if (fp != stdin)
			fclose(fp);
		free(buf);
		errno = saved;
		return NULL;
	}
	if (fp != stdin)
		fclose(fp);
	if (n > max)
		*too_big = true;
	if (*too_big) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

const char *
fileio_data_path(const char *env_var, const char *name, char *buf, size_t len)
{
	const char *env = getenv(env_var);

	if (env != NULL && env[0] != '\0')
		return env;
#ifdef MXD_DATADIR
	snprintf(buf, len, "%s/%s", MXD_DATADIR, name);
	if (access(buf, R_OK) == 0)
		return buf;
#endif
#ifdef MXD_SRCDIR
	/* tests run from the build tree before installation */
	snprintf(buf, len, "%s/data/%s", MXD_SRCDIR, name);
	if (access(buf, R_OK) == 0)
		return buf;
#endif
	snprintf(buf, len, "data/%s", name);
	return buf;
}
