/* The bounces in an input: one message, an mbox, a Maildir, standard input. An mbox is
 * streamed a line piece at a time, so memory is one message however big the mailbox. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "ndr.h"
#include "ndr_charset.h"
#include "ndr_mailbox.h"
#include "xmalloc.h"

#define CHUNK	65536	/* bytes read from the stream at a time */

/* A buffered stream that hands out lines in pieces (a line may be longer than CHUNK). */
struct rd {
	FILE *fp;
	char buf[CHUNK];
	size_t pos, len;
	bool eof;
};

struct ndr_mailbox {
	enum ndr_mailbox_kind kind;
	char *path;
	FILE *fp;		/* owned unless stdin */
	struct rd *rd;		/* NDR_MB_MBOX */
	bool have_sep;		/* a "From " line was read: a message follows */
	char *msg;		/* the current message, at most NDR_MAX_INPUT + 1 bytes */
	size_t msg_len, msg_cap;
	char **files;		/* NDR_MB_MAILDIR: entries of cur/ and new/, sorted */
	size_t n_files, next_file;
	bool one_done;		/* NDR_MB_ONE: handed out */
	size_t index;
};

bool
ndr_is_ole2(const char *buf, size_t len)
{
	static const unsigned char magic[8] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };

	return len >= sizeof(magic) && memcmp(buf, magic, sizeof(magic)) == 0;
}

/* Keep the buffer filled so that at least want bytes (or the rest of the input) can be
 * looked at from pos. */
static void
rd_fill(struct rd *r, size_t want)
{
	if (r->len - r->pos >= want || r->eof)
		return;
	memmove(r->buf, r->buf + r->pos, r->len - r->pos);
	r->len -= r->pos;
	r->pos = 0;
	while (r->len < want && !r->eof) {
		size_t got = fread(r->buf + r->len, 1, sizeof(r->buf) - r->len, r->fp);

		if (got == 0)
			r->eof = true;
		r->len += got;
	}
}

/* The next piece of the current line: up to and including '\n', or what is buffered.
 * false at the end of the input. */
static bool
rd_piece(struct rd *r, const char **s, size_t *n, bool *eol)
{
	const char *nl;

	rd_fill(r, 1);
	if (r->pos >= r->len)
		return false;
	*s = r->buf + r->pos;
	nl = memchr(*s, '\n', r->len - r->pos);
	*n = nl != NULL ? (size_t)(nl - *s) + 1 : r->len - r->pos;
	*eol = nl != NULL;
	r->pos += *n;
	return true;
}

/* The rest of the current line is not wanted. */
static void
rd_skip_line(struct rd *r)
{
	const char *s;
	size_t n;
	bool eol = false;

	while (!eol && rd_piece(r, &s, &n, &eol))
		;
}

/* Does the line at the read position start with s (the line's first bytes buffered)? */
static bool
rd_starts(struct rd *r, const char *s)
{
	size_t l = strlen(s);

	rd_fill(r, l);
	return r->len - r->pos >= l && memcmp(r->buf + r->pos, s, l) == 0;
}

static void
msg_add(struct ndr_mailbox *mb, const char *s, size_t n)
{
	/* one byte past the bound tells ndr_parse() the message was cut */
	if (mb->msg_len + n > NDR_MAX_INPUT + 1)
		n = NDR_MAX_INPUT + 1 - mb->msg_len;
	if (n == 0)
		return;
	if (mb->msg_len + n + 1 > mb->msg_cap) {
		while (mb->msg_len + n + 1 > mb->msg_cap)
			mb->msg_cap = mb->msg_cap ? mb->msg_cap * 2 : CHUNK;
		mb->msg = xrealloc(mb->msg, mb->msg_cap);
	}
	memcpy(mb->msg + mb->msg_len, s, n);
	mb->msg_len += n;
	mb->msg[mb->msg_len] = '\0';
}

/* UTF-16 with a BOM (PowerShell 5.1's Out-File, Notepad's "Unicode") becomes UTF-8; a
 * UTF-8 BOM goes. Replaces mb->msg. */
static void
msg_to_utf8(struct ndr_mailbox *mb)
{
	const unsigned char *u = (const unsigned char *)mb->msg;
	size_t out_len;
	char *out;

	if (mb->msg_len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf) {
		memmove(mb->msg, mb->msg + 3, mb->msg_len - 2);
		mb->msg_len -= 3;
		return;
	}
	if (mb->msg_len < 2 || !((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
		return;
	out = ndr_charset_to_utf8("UTF-16", mb->msg, mb->msg_len, &out_len);
	free(mb->msg);
	mb->msg = out;
	mb->msg_len = out_len;
	mb->msg_cap = out_len + 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Entries of dir/sub (no dot files), appended to mb->files. */
static void
list_dir(struct ndr_mailbox *mb, const char *dir, const char *sub)
{
	char path[4096];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char full[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, e->d_name) >= sizeof(full))
			continue;
		if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		mb->files = xrealloc(mb->files, (mb->n_files + 1) * sizeof(*mb->files));
		mb->files[mb->n_files++] = xstrdup(full);
	}
	closedir(d);
}

static bool
is_dir(const char *dir, const char *sub)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static struct ndr_mailbox *
open_maildir(struct ndr_mailbox *mb, enum ndr_mailbox_err *err)
{
	if (!is_dir(mb->path, "cur") && !is_dir(mb->path, "new")) {
		*err = NDR_MB_NOT_MAILDIR;
		ndr_mailbox_close(mb);
		return NULL;
	}
	mb->kind = NDR_MB_MAILDIR;
	list_dir(mb, mb->path, "cur");
	list_dir(mb, mb->path, "new");
	if (mb->n_files > 1)
		qsort(mb->files, mb->n_files, sizeof(*mb->files), cmp_str);
	return mb;
}

/* A single message: all of the stream, bounded (UTF-16 takes two bytes a character). */
static struct ndr_mailbox *
open_one(struct ndr_mailbox *mb, enum ndr_mailbox_err *err, bool utf16)
{
	size_t max = utf16 ? 2 * NDR_MAX_INPUT + 2 : NDR_MAX_INPUT;
	const char *s;
	size_t n;
	bool eol;

	mb->kind = NDR_MB_ONE;
	while (rd_piece(mb->rd, &s, &n, &eol)) {
		if (mb->msg_len + n > max) {
			*err = NDR_MB_TOO_BIG;
			ndr_mailbox_close(mb);
			return NULL;
		}
		if (mb->msg_len + n + 1 > mb->msg_cap) {
			mb->msg_cap = (mb->msg_len + n + 1) * 2;
			mb->msg = xrealloc(mb->msg, mb->msg_cap);
		}
		memcpy(mb->msg + mb->msg_len, s, n);
		mb->msg_len += n;
		mb->msg[mb->msg_len] = '\0';
	}
	if (ferror(mb->fp)) {
		int saved = errno != 0 ? errno : EIO;

		ndr_mailbox_close(mb);
		errno = saved;
		*err = NDR_MB_ERRNO;
		return NULL;
	}
	msg_to_utf8(mb);
	if (mb->msg_len == 0) {
		*err = NDR_MB_EMPTY;
		ndr_mailbox_close(mb);
		return NULL;
	}
	return mb;
}

struct ndr_mailbox *
ndr_mailbox_open(const char *path, enum ndr_mailbox_err *err)
{
	struct ndr_mailbox *mb = xcalloc(1, sizeof(*mb));
	bool is_stdin = strcmp(path, "-") == 0;
	struct stat st;
	const unsigned char *u;

	*err = NDR_MB_OK;
	mb->path = xstrdup(path);
	if (!is_stdin && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return open_maildir(mb, err);
	mb->fp = is_stdin ? stdin : fopen(path, "rb");
	if (mb->fp == NULL) {
		int saved = errno;

		ndr_mailbox_close(mb);
		errno = saved;
		*err = NDR_MB_ERRNO;
		return NULL;
	}
	mb->rd = xcalloc(1, sizeof(*mb->rd));
	mb->rd->fp = mb->fp;
	rd_fill(mb->rd, 8);
	u = (const unsigned char *)mb->rd->buf;
	if (ndr_is_ole2(mb->rd->buf, mb->rd->len)) {
		*err = NDR_MB_OLE2;
		ndr_mailbox_close(mb);
		return NULL;
	}
	if (mb->rd->len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff)))
		return open_one(mb, err, true);
	if (!rd_starts(mb->rd, "From "))
		return open_one(mb, err, false);
	/* RFC 4155: each message starts with a "From " line, which is not part of it */
	mb->kind = NDR_MB_MBOX;
	rd_skip_line(mb->rd);
	mb->have_sep = true;
	return mb;
}

/* Read one mbox message up to the next "From " line that follows an empty line. */
static void
mbox_read(struct ndr_mailbox *mb)
{
	bool prev_blank = false;

	mb->msg_len = 0;
	mb->have_sep = false;
	for (;;) {
		struct rd *r = mb->rd;
		const char *s;
		size_t n, skip = 0, start, end, line;
		bool eol, blank;

		rd_fill(r, 8);
		/* Most lines start with neither 'F' nor '>' and need no look: the whole lines
		 * buffered up to the next one that may (a separator, an escaped "From ") are
		 * taken at once. */
		for (start = end = line = r->pos; end < r->len && r->buf[end] != 'F' &&
		    r->buf[end] != '>'; ) {
			const char *nl = memchr(r->buf + end, '\n', r->len - end);

			if (nl == NULL)
				break;
			line = end;
			end = (size_t)(nl - r->buf) + 1;
		}
		if (end > start) {
			msg_add(mb, r->buf + start, end - start);
			r->pos = end;
			prev_blank = end - line == 1 || (end - line == 2 && r->buf[line] == '\r');
			continue;
		}
		if (prev_blank && rd_starts(mb->rd, "From ")) {
			rd_skip_line(mb->rd);
			mb->have_sep = true;
			break;
		}
		/* mboxrd: ">From " and ">>From " lost one '>' when written */
		if (mb->rd->len - mb->rd->pos >= 6 && mb->rd->buf[mb->rd->pos] == '>') {
			size_t k = mb->rd->pos;

			while (k < mb->rd->len && mb->rd->buf[k] == '>')
				k++;
			if (mb->rd->len - k >= 5 && memcmp(mb->rd->buf + k, "From ", 5) == 0)
				skip = 1;
		}
		if (!rd_piece(mb->rd, &s, &n, &eol))
			break;
		blank = eol && (n == 1 || (n == 2 && s[0] == '\r'));
		msg_add(mb, s + skip, n - skip);
		while (!eol && rd_piece(mb->rd, &s, &n, &eol))
			msg_add(mb, s, n);
		prev_blank = blank;
	}
	/* the empty line before a "From " line is the separator's, not the message's */
	if (mb->have_sep && mb->msg_len <= NDR_MAX_INPUT) {
		if (mb->msg_len >= 2 && memcmp(mb->msg + mb->msg_len - 2, "\r\n", 2) == 0)
			mb->msg_len -= 2;
		else if (mb->msg_len >= 1 && mb->msg[mb->msg_len - 1] == '\n')
			mb->msg_len--;
	}
	if (mb->msg != NULL)
		mb->msg[mb->msg_len] = '\0';
}

int
ndr_mailbox_next(struct ndr_mailbox *mb, struct ndr_message *m, enum ndr_mailbox_err *err)
{
	*err = NDR_MB_OK;
	memset(m, 0, sizeof(*m));
	m->name = mb->path;
	switch (mb->kind) {
	case NDR_MB_ONE:
		if (mb->one_done)
			return 0;
		mb->one_done = true;
		break;
	case NDR_MB_MBOX:
		do {
			if (!mb->have_sep)
				return 0;
			mbox_read(mb);
		} while (mb->msg_len == 0);
		break;
	case NDR_MB_MAILDIR: {
		bool too_big;
		char *buf;

		if (mb->next_file >= mb->n_files)
			return 0;
		m->name = mb->files[mb->next_file++];
		m->index = ++mb->index;
		buf = fileio_read_bounded(m->name, NDR_MAX_INPUT, &mb->msg_len, &too_big);
		if (buf == NULL) {
			*err = too_big ? NDR_MB_TOO_BIG : NDR_MB_ERRNO;
			return -1;
		}
		free(mb->msg);
		mb->msg = buf;
		mb->msg_cap = mb->msg_len + 1;
		if (ndr_is_ole2(buf, mb->msg_len)) {
			*err = NDR_MB_OLE2;
			return -1;
		}
		msg_to_utf8(mb);
		m->buf = mb->msg;
		m->len = mb->msg_len;
		return 1;
	}
	}
	m->index = ++mb->index;
	m->buf = mb->msg;
	m->len = mb->msg_len;
	return 1;
}

void
ndr_mailbox_take(struct ndr_mailbox *mb, char **buf, size_t *cap)
{
	char *mine = mb->msg;
	size_t mine_cap = mb->msg_cap;

	mb->msg = *buf;
	mb->msg_cap = *buf != NULL ? *cap : 0;
	mb->msg_len = 0;
	*buf = mine;
	*cap = mine_cap;
}

enum ndr_mailbox_kind
ndr_mailbox_kind(const struct ndr_mailbox *mb)
{
	return mb->kind;
}

void
ndr_mailbox_close(struct ndr_mailbox *mb)
{
	size_t i;

	if (mb == NULL)
		return;
	if (mb->fp != NULL && mb->fp != stdin)
		fclose(mb->fp);
	for (i = 0; i < mb->n_files; i++)
		free(mb->files[i]);
	free(mb->files);
	free(mb->rd);
	free(mb->msg);
	free(mb->path);
	free(mb);
}
