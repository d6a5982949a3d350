/* Judging host names: non-public suffixes, generic (dynamic-looking) reverse names. */
#ifndef MXD_NAMES_H
#define MXD_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* The non-public suffix name ends in (".local", "home.arpa", ...), or NULL. Static text. */
const char *names_internal_suffix(const char *name);

/* Why a reverse name looks generic (assigned in bulk to dynamic or consumer lines): a static
 * description such as "contains the address digits" or "contains \"dyn\"", or NULL. */
const char *names_generic_reason(const char *name, const char *ip, char *buf, size_t buf_len);

/* true when name ends with suffix at a label boundary (case-insensitive). */
bool names_under(const char *name, const char *suffix);

#endif
