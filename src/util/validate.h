/* Checking what users type at the CLI boundary: domains, addresses, host[:port]. */
#ifndef MXD_VALIDATE_H
#define MXD_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* 0 when s is a syntactically valid DNS host/domain name (LDH labels, optional trailing
 * dot), else MXD_EINVAL with a reason written to why. */
int validate_domain(const char *s, char *why, size_t why_len);
/* An internationalised domain name as typed (UTF-8, U-labels) in the A-label (xn--) form
 * DNS uses, by IDNA2008 with the UTS #46 mapping (libidn2). Returns 0 with *ascii a
 * caller-freed string, 1 when s is ASCII already (*ascii NULL: nothing to convert), or
 * MXD_EINVAL with the reason in why. */
int validate_idn(const char *s, char **ascii, char *why, size_t why_len);
/* 0 when s is an IPv4 or IPv6 address; *family (may be NULL) gets AF_INET/AF_INET6. */
int validate_ip(const char *s, int *family);
/* 0 when s is local@domain with a valid domain (empty string allowed when allow_null). */
int validate_address(const char *s, bool allow_null, char *why, size_t why_len);
/* Split "host", "host:port", "[v6]:port" or a bare IPv6 address. *host is caller-freed;
 * *port stays untouched when none is given. 0 or MXD_EINVAL with why. */
int parse_host_port(const char *s, char **host, int *port, char *why, size_t why_len);

#endif
