/* Secrets: bounded reading from a file or the environment, wiping on free. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "secret.h"
#include "xmalloc.h"

void
secret_wipe(void *p, size_t len)
{
	/* A plain memset before free() may be removed as a dead store; explicit_bzero may not. */
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

struct secret *
secret_new(const char *bytes, size_t len)
{
	struct secret *s = xcalloc(1, sizeof(*s));

	s->buf = xmalloc(len + 1);
	memcpy(s->buf, bytes, len);
	s->buf[len] = '\0';
	s->len = len;
	return s;
}

void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	secret_wipe(s->buf, s->len + 1);
	free(s->buf);
	secret_wipe(s, sizeof(*s));
	free(s);
}

/* Length of the first line of buf[0..len): up to CR, LF or the end. */
static size_t
first_line_len(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] == '\r' || buf[i] == '\n')
			break;
	return i;
}

/* The first line of len bytes, refused when empty or holding a NUL (a binary file). */
static struct secret *
secret_from_bytes(const char *buf, size_t len, int *err)
{
	/* Files written by editors end in a newline, CRLF on Windows: keep the first line. */
	size_t n = first_line_len(buf, len);

	if (n > SECRET_MAX_LEN) {
		*err = MXD_ELIMIT;
		return NULL;
	}
	if (n == 0 || memchr(buf, '\0', n) != NULL) {
		*err = MXD_EINVAL;
		return NULL;
	}
	return secret_new(buf, n);
}

struct secret *
secret_from_file(const char *path, int *err)
{
	/* One byte more than allowed, to tell "exactly the limit" from "longer". */
	char buf[SECRET_MAX_LEN + 2];
	struct secret *s = NULL;
	FILE *fp;
	size_t len;
	int saved;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else
		fp = fopen(path, "re");
	if (fp == NULL) {
		*err = MXD_EIO;
		return NULL;
	}
	/* Unbuffered: stdio would otherwise keep a copy of the secret in its own buffer. */
	setvbuf(fp, NULL, _IONBF, 0);
	len = fread(buf, 1, sizeof(buf) - 1, fp);
	saved = errno;
	if (ferror(fp)) {
		*err = MXD_EIO;
		goto out;
	}
	s = secret_from_bytes(buf, len, err);
out:
	secret_wipe(buf, sizeof(buf));
	if (fp != stdin)
		fclose(fp);
	errno = saved;
	return s;
}

struct secret *
secret_from_env(const char *name, int *err)
{
	const char *v = getenv(name);
	size_t len;

	if (v == NULL) {
		*err = MXD_ENOTFOUND;
		return NULL;
	}
	len = strlen(v);
	/* A value with a line break is a pasted file, not a password: refuse it whole. */
	if (first_line_len(v, len) != len) {
		*err = MXD_EINVAL;
		return NULL;
	}
	return secret_from_bytes(v, len, err);
}
