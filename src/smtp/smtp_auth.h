/* SMTP AUTH (RFC 4954) client responses: PLAIN, LOGIN, CRAM-MD5, and the base64 they use. */
#ifndef MXD_SMTP_AUTH_H
#define MXD_SMTP_AUTH_H

#include <stddef.h>

struct secret;

/* Longest user name or decoded challenge we handle; longer is refused, not truncated. */
#define SMTP_AUTH_FIELD_MAX 512

/* Bytes base64 needs for len input bytes, with the NUL. */
#define SMTP_B64_LEN(len) ((((len) + 2) / 3) * 4 + 1)

/*
 * RFC 4648 4 base64 of len bytes into out (out_len bytes, NUL-terminated). Returns the
 * encoded length, or MXD_ELIMIT when out is too small (out is then "").
 */
int smtp_b64_encode(const unsigned char *in, size_t len, char *out, size_t out_len);

/*
 * Decode len base64 characters (padding required, no white space) into out. Returns the
 * number of bytes, MXD_EINVAL for bad input, MXD_ELIMIT when out is too small.
 */
int smtp_b64_decode(const char *in, size_t len, unsigned char *out, size_t out_len);

/*
 * RFC 4616 2: base64("" NUL user NUL password), the initial response of AUTH PLAIN.
 * Returns a secret (caller frees with secret_free()), or NULL when user is longer than
 * SMTP_AUTH_FIELD_MAX or holds a NUL.
 */
struct secret *smtp_auth_plain(const char *user, const struct secret *pass);

/* AUTH LOGIN: base64 of the user name or of the password, as a secret (caller frees);
 * NULL as for smtp_auth_plain(). */
struct secret *smtp_auth_login_user(const char *user);
struct secret *smtp_auth_login_pass(const struct secret *pass);

/*
 * RFC 2195 2: base64(user SP hex(HMAC-MD5(password, challenge))) for the base64 challenge
 * of the server's 334 reply. Returns a secret (caller frees), or NULL when the challenge is
 * not base64 or is too long, or the digest fails (MD5 unavailable in a FIPS build).
 */
struct secret *smtp_auth_cram_md5(const char *user, const struct secret *pass,
    const char *challenge_b64);

#endif
