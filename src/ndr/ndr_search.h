/* Searches in bounce text that every part of src/ndr (and explain's words) uses. */
#ifndef MXD_NDR_SEARCH_H
#define MXD_NDR_SEARCH_H

#include <stddef.h>

#define NDR_ADDR_MAX	256	/* bytes of the longest address taken (RFC 5321: 254) */

/* First case-insensitive (ASCII) occurrence of needle in h/h_len, or NULL. */
const char *ndr_ci_find(const char *h, size_t h_len, const char *needle);

/* Find the next mail address in s/len from *pos; copies it (lower case) into buf and
 * returns its offset, or -1 when there is none. *pos moves past it. */
long ndr_text_find_addr(const char *s, size_t len, size_t *pos, char *buf, size_t buf_len);

#endif
