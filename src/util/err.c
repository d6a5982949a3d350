/* Text for the internal error codes. */
#include "config.h"

#include "err.h"

const char *
mxd_strerror(int err)
{
	switch (err) {
	case MXD_OK: return "success";
	case MXD_ENOMEM: return "out of memory";
	case MXD_EINVAL: return "invalid argument";
	case MXD_EIO: return "input/output error";
	case MXD_ELIMIT: return "limit reached";
	case MXD_ESTATE: return "wrong state";
	case MXD_ENOTFOUND: return "not found";
	case MXD_ETIMEOUT: return "timed out";
	case MXD_ETLS: return "TLS error";
	}
	return "unknown error";
}
