/* The bounces in an input: one message, an mbox, a Maildir, standard input. An mbox is
 * streamed a line piece at a time, so memory is one message however big the mailbox. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_AVX2_SCAN 1
#endif

#include "fileio.h"
#include "ndr.h"
#include "ndr_charset.h"
#include "ndr_mailbox.h"
#include "xmalloc.h"

#define CHUNK	65536	/* bytes read from the stream at a time */
#define MSG_CAP	16384	/* a message buffer's first size: explain keeps those up to 32 KB */

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

/* Room for need bytes in the message buffer. */
static void
msg_reserve(struct ndr_mailbox *mb, size_t need)
{
	if (need <= mb->msg_cap)
		return;
	while (need > mb->msg_cap)
		mb->msg_cap = mb->msg_cap ? mb->msg_cap * 2 : MSG_CAP;
	mb->msg = xrealloc(mb->msg, mb->msg_cap);
}

static void
msg_add(struct ndr_mailbox *mb, const char *s, size_t n)
{
	/* one byte past the bound tells ndr_parse() the message was cut */
	if (mb->msg_len + n > NDR_MAX_INPUT + 1)
		n = NDR_MAX_INPUT + 1 - mb->msg_len;
	if (n == 0)
		return;
	msg_reserve(mb, mb->msg_len + n + 1);
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
	/* rd_fill() reads 64 KB at a time: no stdio buffer under it to copy through */
	if (!is_stdin)
		setvbuf(mb->fp, NULL, _IONBF, 0);
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

/* The first line start c >= from (c >= 1: just after a '\n') of s/n whose first byte is
 * 'F' or '>', or n: the only lines an mbox reader may have to look at. */
static size_t
line_start_plain(const char *s, size_t n, size_t from)
{
	const char *p = s + from - 1, *end = s + n;

	while (p + 1 < end && (p = memchr(p, '\n', (size_t)(end - p - 1))) != NULL) {
		p++;
		if (*p == 'F' || *p == '>')
			return (size_t)(p - s);
	}
	return n;
}

/* Is the line that ends at s + c (s[c - 1] is its '\n'; it starts at or after s) empty,
 * CRLF or LF? */
static bool
line_before_is_blank(const char *s, size_t c)
{
	return c == 1 || s[c - 2] == '\n' || (s[c - 2] == '\r' && (c == 2 || s[c - 3] == '\n'));
}

/* Must the line at s + c (a line start, c >= 1) be looked at by mbox_read()'s line by line
 * path: a "From " line after an empty line (a separator), an escaped ">From " line, or
 * one whose first bytes are not all buffered yet? */
static bool
is_stop(const char *s, size_t n, size_t c)
{
	size_t k = c;

	if (s[c] == 'F') {
		if (n - c < 5)
			return true;
		if (memcmp(s + c, "From ", 5) != 0)
			return false;
		return line_before_is_blank(s, c);
	}
	/* as the line by line path reads them: the '>'s buffered, then "From " */
	if (n - c < 6)
		return true;
	while (k < n && s[k] == '>')
		k++;
	return n - k < 5 || memcmp(s + k, "From ", 5) == 0;
}

static size_t
first_stop_plain(const char *s, size_t n, size_t from)
{
	size_t c = from - 1;

	do
		c = line_start_plain(s, n, c + 1);
	while (c < n && !is_stop(s, n, c));
	return c;
}

#ifdef HAVE_AVX2_SCAN
/* The same from 1, 32 line ends at a time (a '\n' whose next byte is 'F' or '>'), and
 * the bytes looked at copied to dst on the way (one pass over a mailbox, not two): at
 * least those before the answer. */
__attribute__((target("avx2"))) static size_t
first_stop_avx2(char *dst, const char *s, size_t n)
{
	const __m256i nl = _mm256_set1_epi8('\n'), f = _mm256_set1_epi8('F');
	const __m256i gt = _mm256_set1_epi8('>');
	size_t i = 0;	/* where a '\n' may be; a block reads i .. i + 32 */

	for (; i + 33 <= n; i += 32) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
		__m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(s + i + 1));
		unsigned mask = (unsigned)_mm256_movemask_epi8(_mm256_and_si256(
		    _mm256_cmpeq_epi8(x, nl), _mm256_or_si256(_mm256_cmpeq_epi8(y, f),
		    _mm256_cmpeq_epi8(y, gt))));

		if (dst != NULL)
			_mm256_storeu_si256((__m256i *)(void *)(dst + i), x);
		for (; mask != 0; mask &= mask - 1) {
			size_t c = i + (size_t)__builtin_ctz(mask) + 1;

			if (is_stop(s, n, c))
				return c;
		}
	}
	if (dst != NULL)
		memcpy(dst + i, s + i, n - i);
	return first_stop_plain(s, n, i + 1);
}
#endif

static bool
use_avx2(bool simd)
{
#ifdef HAVE_AVX2_SCAN
	return simd && __builtin_cpu_supports("avx2");
#else
	(void)simd;
	return false;
#endif
}

size_t
ndr_mbox_first_stop(char *dst, const char *s, size_t n, bool simd)
{
	size_t c;

	if (n == 0)
		return 0;
#ifdef HAVE_AVX2_SCAN
	if (use_avx2(simd))
		return first_stop_avx2(dst, s, n);
#endif
	c = first_stop_plain(s, n, 1);
	if (dst != NULL)
		memcpy(dst, s, c);
	return c;
}

/* The whole lines at s/n (s starts one) up to the first that must be looked at, copied
 * to dst (room for n bytes) when not NULL: their length (0: the first must), and in
 * *blank whether the last of them is empty. */
static size_t
plain_span(char *dst, const char *s, size_t n, bool *blank)
{
	size_t c, end;

	if (n == 0 || s[0] == 'F' || s[0] == '>')
		return 0;
	c = ndr_mbox_first_stop(dst, s, n, true);
	if (c < n) {
		end = c;
	} else {
		const char *nl = memrchr(s, '\n', n);

		if (nl == NULL)
			return 0;
		end = (size_t)(nl - s) + 1;
	}
	*blank = line_before_is_blank(s, end);
	return end;
}

/* plain_span() into the message: straight into its buffer, which grows to hold the lines
 * (by doubling, from MSG_CAP: most messages' buffers stay small enough to be reused) */
static size_t
take_lines(struct ndr_mailbox *mb, const char *s, size_t n, bool *blank)
{
	size_t room, span;

	if (n == 0)
		return 0;
	if (mb->msg_len + n > NDR_MAX_INPUT + 1) {
		/* near the bound msg_add() cuts at: look first, then copy what fits */
		span = plain_span(NULL, s, n, blank);
		msg_add(mb, s, span);
		return span;
	}
	/* the buffer grows only when nearly full: a copy of the whole of it each time */
	room = mb->msg_cap > mb->msg_len ? mb->msg_cap - mb->msg_len - 1 : 0;
	if (room < n && room < 512) {
		msg_reserve(mb, mb->msg_len + (n < 512 ? n : 512) + 1);
		room = mb->msg_cap - mb->msg_len - 1;
	}
	/* a line cut by the room is the line by line path's (it grows the buffer) */
	span = plain_span(mb->msg + mb->msg_len, s, n < room ? n : room, blank);
	if (span > 0) {
		mb->msg_len += span;
		mb->msg[mb->msg_len] = '\0';
	}
	return span;
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
		size_t n, skip = 0, span;
		bool eol, blank;

		rd_fill(r, 8);
		/* Most lines are neither a separator nor an escaped "From ": the whole lines
		 * buffered up to the next one that may be are taken at once. */
		span = take_lines(mb, r->buf + r->pos, r->len - r->pos, &blank);
		if (span > 0) {
			r->pos += span;
			prev_blank = blank;
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
