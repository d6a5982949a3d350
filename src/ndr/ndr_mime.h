/* MIME structure of a bounce: walks nested multiparts (bounded depth and part count),
 * decodes each part and hands it to the DSN, ARF or text collectors. */
#ifndef MXD_NDR_MIME_H
#define MXD_NDR_MIME_H

#include <stddef.h>

struct ndr;
struct ndr_hdrs;

#define NDR_MAX_DEPTH	8	/* nested multiparts followed */
#define NDR_MAX_PARTS	64	/* parts looked at per bounce */

/*
 * Walk the message at p/len, whose header block h has already been parsed and whose body
 * starts at body_off. Fills n->text (the human-readable parts), the DSN recipients, the
 * original message's headers and the ARF flags. Never fails; bounds set n->is_partial.
 */
void ndr_mime_walk(struct ndr *n, const struct ndr_hdrs *h, const char *p, size_t len,
    size_t body_off);

/* Take From/To/Subject/Message-ID of an original message from its header block h,
 * unless n already has them. */
void ndr_mime_original(struct ndr *n, const struct ndr_hdrs *h);

/* Decode a body per its Content-Transfer-Encoding and charset into UTF-8 (caller frees). */
char *ndr_mime_decode(const char *cte, const char *charset, const char *p, size_t len,
    size_t *out_len);

#endif
