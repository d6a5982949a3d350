/* RFC 5322 header blocks of a bounce and its parts: unfolded fields and MIME parameters. */
#ifndef MXD_NDR_HEADER_H
#define MXD_NDR_HEADER_H

#include <stddef.h>

#define NDR_MAX_HEADERS 128	/* fields kept per block; the rest are skipped */

struct ndr_hdr {
	const char *name;	/* borrowed from the input */
	size_t name_len;
	char *value;		/* unfolded, trimmed; in the block's arena */
	size_t off;		/* where value is in the arena (while parsing) */
};

struct ndr_hdrs {
	struct ndr_hdr h[NDR_MAX_HEADERS];
	size_t n;
	char *arena;		/* all the values, one allocation per block; owned */
};

/*
 * Parse the header block at p/len (an mbox "From " line first is skipped). Returns the
 * offset of the body (after the empty line), or len when there is none. A first line that
 * is not a field gives 0 fields and returns 0. Free with ndr_hdrs_fini().
 */
size_t ndr_hdrs_parse(const char *p, size_t len, struct ndr_hdrs *h);
void ndr_hdrs_fini(struct ndr_hdrs *h);

/* Value of the first field called name (case-insensitive), borrowed; NULL when absent. */
const char *ndr_hdrs_get(const struct ndr_hdrs *h, const char *name);

/*
 * MIME type of a Content-Type value, lower case, into buf ("text/plain"); "" when absent.
 * Returns buf.
 */
char *ndr_hdr_mime_type(const char *value, char *buf, size_t buf_len);

/* Parameter of a structured value (boundary, charset), unquoted, into buf. Returns 0, or
 * MXD_ENOTFOUND, or MXD_ELIMIT when it does not fit. */
int ndr_hdr_param(const char *value, const char *param, char *buf, size_t buf_len);

#endif
