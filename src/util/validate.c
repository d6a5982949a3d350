/* Input validation at the CLI boundary; nothing here touches the network. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "err.h"
#include "validate.h"
#include "xmalloc.h"

static int
refuse(char *why, size_t why_len, const char *reason)
{
	if (why != NULL && why_len > 0)
		snprintf(why, why_len, "%s", reason);
	return MXD_EINVAL;
}

int
validate_domain(const char *s, char *why, size_t why_len)
{
	size_t len, label = 0, i, labels = 0;

	if (s == NULL || *s == '\0')
		return refuse(why, why_len, "empty domain name");
	len = strlen(s);
	if (len > 1 && s[len - 1] == '.')
		len--;
	/* RFC 1035 2.3.4: 255 octets in wire form, that is 253 characters written out. */
	if (len > 253)
		return refuse(why, why_len, "name longer than 253 characters");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return refuse(why, why_len, "empty label (two dots, or a leading dot)");
			if (s[i - 1] == '-')
				return refuse(why, why_len, "a label ends with a hyphen");
			label = 0;
			continue;
		}
		if (c >= 0x80)
			return refuse(why, why_len,
			    "non-ASCII name: give the IDN in its xn-- (A-label) form");
		/* Underscore is not LDH, but real names such as _dmarc carry it. */
		if (!isalnum(c) && c != '-' && c != '_')
			return refuse(why, why_len, "invalid character (letters, digits, '-' only)");
		if (label == 0 && c == '-')
			return refuse(why, why_len, "a label starts with a hyphen");
		if (++label > 63)
			return refuse(why, why_len, "label longer than 63 characters");
		if (label == 1)
			labels++;
	}
	if (label == 0)
		return refuse(why, why_len, "empty label at the end");
	if (s[len - 1] == '-')
		return refuse(why, why_len, "a label ends with a hyphen");
	return 0;
}

int
validate_idn(const char *s, char **ascii, char *why, size_t why_len)
{
	char *out = NULL;
	const char *p;
	int rc;

	*ascii = NULL;
	for (p = s; *p != '\0' && (unsigned char)*p < 0x80; p++)
		;
	if (*p == '\0')
		return 1;
	/* Non-transitional: ß and ς stay themselves, as registries of IDNA2008 expect. */
	rc = idn2_to_ascii_8z(s, &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		if (why != NULL && why_len > 0)
			snprintf(why, why_len, "%s", idn2_strerror(rc));
		return MXD_EINVAL;
	}
	*ascii = xstrdup(out);
	idn2_free(out);
	return 0;
}

int
validate_ip(const char *s, int *family)
{
	unsigned char buf[16];

	if (s == NULL)
		return MXD_EINVAL;
	if (inet_pton(AF_INET, s, buf) == 1) {
		if (family != NULL)
			*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		if (family != NULL)
			*family = AF_INET6;
		return 0;
	}
	return MXD_EINVAL;
}

int
validate_address(const char *s, bool allow_null, char *why, size_t why_len)
{
	const char *at;
	char dwhy[128];

	if (s == NULL)
		return refuse(why, why_len, "missing address");
	if (*s == '\0')
		return allow_null ? 0 : refuse(why, why_len, "empty address");
	at = strrchr(s, '@');
	if (at == NULL)
		return refuse(why, why_len, "no '@' in the address");
	if (at == s)
		return refuse(why, why_len, "empty local part");
	/* RFC 5321 4.1.2: an '@' inside the local part needs a quoted string. */
	if (s[0] != '"' && memchr(s, '@', (size_t)(at - s)) != NULL)
		return refuse(why, why_len, "more than one '@' (quote the local part)");
	/* RFC 5321 4.5.3.1.1: the local part is at most 64 octets. */
	if ((size_t)(at - s) > 64)
		return refuse(why, why_len, "local part longer than 64 characters");
	for (const char *p = s; p < at; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>')
			return refuse(why, why_len, "space, control character or <> in the address");
	if (validate_domain(at + 1, dwhy, sizeof(dwhy)) < 0) {
		if (why != NULL && why_len > 0)
			snprintf(why, why_len, "bad domain after '@': %s", dwhy);
		return MXD_EINVAL;
	}
	return 0;
}

static int
parse_port(const char *p, int *port, char *why, size_t why_len)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(p, &end, 10);
	if (*p == '\0' || *end != '\0' || errno != 0 || v < 1 || v > 65535)
		return refuse(why, why_len, "port must be a number from 1 to 65535");
	*port = (int)v;
	return 0;
}

int
parse_host_port(const char *s, char **host, int *port, char *why, size_t why_len)
{
	const char *colon;

	*host = NULL;
	if (s == NULL || *s == '\0')
		return refuse(why, why_len, "empty host");
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		char *h;

		if (close == NULL)
			return refuse(why, why_len, "missing ']' after an IPv6 address");
		h = xstrndup(s + 1, (size_t)(close - s - 1));
		if (validate_ip(h, NULL) < 0 || strchr(h, ':') == NULL) {
			free(h);
			return refuse(why, why_len, "not an IPv6 address inside [ ]");
		}
		if (close[1] == ':') {
			if (parse_port(close + 2, port, why, why_len) < 0) {
				free(h);
				return MXD_EINVAL;
			}
		} else if (close[1] != '\0') {
			free(h);
			return refuse(why, why_len, "unexpected text after ']'");
		}
		*host = h;
		return 0;
	}
	/* Two or more colons: a bare IPv6 address without a port. */
	colon = strchr(s, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		if (validate_ip(s, NULL) < 0)
			return refuse(why, why_len, "not a valid IPv6 address");
		*host = xstrdup(s);
		return 0;
	}
	*host = colon != NULL ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
	if (colon != NULL && parse_port(colon + 1, port, why, why_len) < 0)
		goto bad;
	if (validate_ip(*host, NULL) < 0 && validate_domain(*host, why, why_len) < 0)
		goto bad;
	return 0;
bad:
	free(*host);
	*host = NULL;
	return MXD_EINVAL;
}
