/* Internal error codes: whether a function could do its job (findings carry what it learned). */
#ifndef MXD_ERR_H
#define MXD_ERR_H

enum {
	MXD_OK = 0,
	MXD_ENOMEM = -1,	/* allocation failed */
	MXD_EINVAL = -2,	/* bad argument or malformed input */
	MXD_EIO = -3,		/* system call failed; errno has more */
	MXD_ELIMIT = -4,	/* a bound was reached (length, count, depth) */
	MXD_ESTATE = -5,	/* called in the wrong state */
	MXD_ENOTFOUND = -6,	/* no such item */
	MXD_ETIMEOUT = -7,	/* a deadline passed */
	MXD_ETLS = -8,		/* TLS library failure */
};

/* Text for an MXD_E* code; a static string. */
const char *mxd_strerror(int err);

#endif
