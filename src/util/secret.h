/* Secrets (passwords): read from a file or the environment, never argv; wiped on free. */
#ifndef MXD_SECRET_H
#define MXD_SECRET_H

#include <stddef.h>

/*
 * The bytes are NUL-terminated for the SASL encoders, but never pass them to a
 * printf-family function: nothing that prints may see a secret.
 */
struct secret {
	char *buf;	/* owned; wiped and freed by secret_free() */
	size_t len;	/* bytes before the terminating NUL */
};

/* Longest secret accepted; a password file longer than this is the wrong file. */
#define SECRET_MAX_LEN 1024

/*
 * Read the first line of path ("-" reads standard input) without its line ending.
 * Returns a new secret (caller frees with secret_free()), or NULL with *err set:
 * MXD_EIO (errno kept), MXD_ELIMIT (longer than SECRET_MAX_LEN), MXD_EINVAL (empty or NUL).
 */
struct secret *secret_from_file(const char *path, int *err);

/* The value of environment variable name, as secret_from_file(); MXD_ENOTFOUND when unset. */
struct secret *secret_from_env(const char *name, int *err);

/* A copy of len bytes (tests and SASL scratch); caller frees with secret_free(). */
struct secret *secret_new(const char *bytes, size_t len);

/* Wipe and free; NULL is a no-op. */
void secret_free(struct secret *s);

/* Overwrite len bytes at p in a way the compiler may not elide. */
void secret_wipe(void *p, size_t len);

#endif
