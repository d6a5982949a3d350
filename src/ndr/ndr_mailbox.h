/* The bounces in an input: one message, every message of an mbox, every file of a
 * Maildir's cur/ and new/, or standard input. Messages are read one at a time with memory
 * bounded by one message (NDR_MAX_INPUT), whatever the size of the mailbox. */
#ifndef MXD_NDR_MAILBOX_H
#define MXD_NDR_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>

enum ndr_mailbox_kind {
	NDR_MB_ONE,		/* a single message or pasted text */
	NDR_MB_MBOX,		/* "From " separated messages (mboxo/mboxrd) */
	NDR_MB_MAILDIR,		/* a directory with cur/ and/or new/ */
};

/* Why an input or one of its messages cannot be read (the caller words it). */
enum ndr_mailbox_err {
	NDR_MB_OK,
	NDR_MB_ERRNO,		/* open/read failed: errno says why */
	NDR_MB_NOT_MAILDIR,	/* a directory without cur/ or new/ */
	NDR_MB_OLE2,		/* an Outlook .msg (OLE2 compound file), not a MIME message */
	NDR_MB_TOO_BIG,		/* one message over NDR_MAX_INPUT */
	NDR_MB_EMPTY,		/* nothing in it */
};

struct ndr_mailbox;

/* One message handed out by ndr_mailbox_next(); valid until the next call. */
struct ndr_message {
	const char *buf;	/* UTF-16 input already converted to UTF-8, BOM removed */
	size_t len;		/* NDR_MAX_INPUT + 1 when an mbox message was cut there */
	size_t index;		/* 1-based position in the input */
	const char *name;	/* the file the message came from (a Maildir entry's path) */
};

/*
 * Open path ("-" = standard input). NULL when it cannot be read, why in *err (errno set
 * for NDR_MB_ERRNO): missing, a directory that is not a Maildir, an Outlook .msg file,
 * a single message over NDR_MAX_INPUT, empty input.
 */
struct ndr_mailbox *ndr_mailbox_open(const char *path, enum ndr_mailbox_err *err);

/*
 * The next message: 1 and *m filled; 0 at the end; -1 when this message cannot be read
 * (*err says why, m->name and m->index name it, e.g. a Maildir file over 10 MB): the
 * caller may go on with the next.
 */
int ndr_mailbox_next(struct ndr_mailbox *mb, struct ndr_message *m,
    enum ndr_mailbox_err *err);

/* The buffer of the message just handed out (NUL after its len bytes) becomes the
 * caller's: *buf and its size *cap; what *buf held (NULL, or *cap bytes of the caller's)
 * is the mailbox's for the next message. The message is then read through *buf, not
 * m->buf. A window of bounces takes each message so, without copying it. */
void ndr_mailbox_take(struct ndr_mailbox *mb, char **buf, size_t *cap);

enum ndr_mailbox_kind ndr_mailbox_kind(const struct ndr_mailbox *mb);
void ndr_mailbox_close(struct ndr_mailbox *mb);

/* Where in s/n (it starts a line) the first line an mbox reader must look at line by line
 * starts (a separator, an escaped "From ", one not all there): c >= 1, or n. Copies at
 * least s[0..c) to dst when not NULL. With simd, AVX2 when the CPU has it; the answer
 * never depends on it (tests compare). */
size_t ndr_mbox_first_stop(char *dst, const char *s, size_t n, bool simd);

/* Is buf/len an OLE2 compound file (Outlook .msg), by its magic D0 CF 11 E0 A1 B1 1A E1? */
bool ndr_is_ole2(const char *buf, size_t len);

#endif
