/* RFC 3464 message/delivery-status: per-message and per-recipient fields. */
#ifndef MXD_NDR_DSN_H
#define MXD_NDR_DSN_H

#include <stddef.h>

struct ndr;

/*
 * Parse a delivery-status body (already transfer-decoded) and add one recipient to n per
 * Final-Recipient (or Original-Recipient when Final is absent). Returns the number of
 * recipients added (0 when none), never fails.
 */
int ndr_dsn_parse(struct ndr *n, const char *p, size_t len);

/* Find an RFC 3463 status code ("5.1.1") in s/len: class 2, 4 or 5, not part of a
 * longer dotted number. Copies it into buf; returns 1 found, 0 not. */
int ndr_find_status(const char *s, size_t len, char *buf, size_t buf_len);

/* Find an SMTP reply code (RFC 5321 4.2: 2xx/4xx/5xx) in s/len into buf[4]; 1 found. */
int ndr_find_reply(const char *s, size_t len, char *buf);

#endif
