/* The SMTP conversation kept as evidence: bounded, timestamped, AUTH payloads redacted. */
#ifndef MXD_SMTP_TRANSCRIPT_H
#define MXD_SMTP_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Enough for a full probe with a long EHLO list; past it only a marker is kept. */
#define SMTP_TRANSCRIPT_MAX_LINES 256
#define SMTP_TRANSCRIPT_MAX_BYTES 65536

#define SMTP_REDACTED "<redacted>"

struct smtp_transcript {
	char **lines;		/* owned: "+12ms C: EHLO x", "+15ms S: 250-...", "+20ms -- TLS ..." */
	size_t nlines;
	size_t bytes;
	bool is_truncated;	/* lines were dropped at the ceiling */
	int64_t start_ms;	/* loop_now_ms() the offsets count from */
};

void smtp_transcript_init(struct smtp_transcript *t, int64_t start_ms);
void smtp_transcript_fini(struct smtp_transcript *t);

/*
 * Record a line the client sent (without CR LF), redacted by smtp_redact(): is_sasl says it
 * answers a 334 challenge, so all of it is secret.
 */
void smtp_transcript_client(struct smtp_transcript *t, int64_t now_ms, const char *line,
    bool is_sasl);
/* Record a line the server sent (len bytes, sanitised for printing). */
void smtp_transcript_server(struct smtp_transcript *t, int64_t now_ms, const char *line,
    size_t len);
/* Record an event of our own (connect, TLS handshake, timeout). */
void smtp_transcript_note(struct smtp_transcript *t, int64_t now_ms, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The client line as it may be shown: a SASL response becomes SMTP_REDACTED (except "*",
 * the RFC 4954 4 cancel), and "AUTH MECH initial-response" keeps only "AUTH MECH". Other
 * lines are copied. Writes at most out_len bytes, NUL-terminated; returns out.
 */
char *smtp_redact(const char *line, bool is_sasl, char *out, size_t out_len);

#endif
