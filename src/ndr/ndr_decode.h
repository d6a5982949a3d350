/* Content-Transfer-Encoding decoders for bounce parts: quoted-printable and base64. */
#ifndef MXD_NDR_DECODE_H
#define MXD_NDR_DECODE_H

#include <stddef.h>

/*
 * Decode quoted-printable (RFC 2045 6.7) from in/in_len. Soft line breaks are removed;
 * malformed escapes are kept as they are. With is_header (RFC 2047 "Q"), '_' is a space.
 * Returns a NUL-terminated buffer (caller frees) and its length in *out_len.
 */
char *ndr_decode_qp(const char *in, size_t in_len, int is_header, size_t *out_len);

/*
 * Decode base64 (RFC 2045 6.8); characters outside the alphabet are skipped, decoding
 * stops at the first '='. Returns a NUL-terminated buffer (caller frees), length in *out_len.
 */
char *ndr_decode_base64(const char *in, size_t in_len, size_t *out_len);

#endif
