/* The sending address of a bounced message, from its returned headers (ndr_origin.h). */
#include "config.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ndr.h"
#include "ndr_header.h"
#include "ndr_origin.h"
#include "ndr_search.h"
#include "netaddr.h"

/* The first bracketed address literal in s/len that is globally routable, into buf. */
static bool
public_literal(const char *s, size_t len, char *buf, size_t buf_len)
{
	const char *end = s + len, *open, *close;
	unsigned char a[16];
	char lit[64];

	while (s < end && (open = memchr(s, '[', (size_t)(end - s))) != NULL) {
		close = memchr(open, ']', (size_t)(end - open));
		if (close == NULL)
			return false;
		if ((size_t)(close - open - 1) < sizeof(lit)) {
			const char *v = open + 1;
			size_t n = (size_t)(close - v);

			if (n > 5 && strncasecmp(v, "IPv6:", 5) == 0) {
				v += 5;
				n -= 5;
			}
			memcpy(lit, v, n);
			lit[n] = '\0';
			if ((inet_pton(AF_INET, lit, a) == 1 || inet_pton(AF_INET6, lit, a) == 1) &&
			    netaddr_special_range(lit) == NULL && strlen(lit) < buf_len) {
				snprintf(buf, buf_len, "%s", lit);
				return true;
			}
		}
		s = close + 1;
	}
	return false;
}

void
ndr_origin_headers(struct ndr *n, const struct ndr_hdrs *h)
{
	size_t i;

	if (n->sending_ip_source != NULL)
		return;
	for (i = 0; i < h->n; i++) {
		const struct ndr_hdr *f = &h->h[i];
		const char *v = f->value, *by;
		size_t len;

		if (f->name_len != 8 || strncasecmp(f->name, "Received", 8) != 0 || v == NULL)
			continue;
		/* only the "from" clause: the "by" host is the receiver itself */
		by = strstr(v, " by ");
		len = by != NULL ? (size_t)(by - v) : strlen(v);
		if (strncasecmp(v, "from ", 5) == 0 &&
		    public_literal(v, len, n->sending_ip, sizeof(n->sending_ip))) {
			n->sending_ip_source = "Received";
			return;
		}
	}
	for (i = 0; i < h->n; i++) {
		const struct ndr_hdr *f = &h->h[i];
		char lit[80];

		if (f->name_len != 16 || strncasecmp(f->name, "X-Originating-IP", 16) != 0 ||
		    f->value == NULL)
			continue;
		/* "[192.0.2.1]", sometimes bare */
		snprintf(lit, sizeof(lit), strchr(f->value, '[') != NULL ? "%s" : "[%s]",
		    f->value);
		if (public_literal(lit, strlen(lit), n->sending_ip, sizeof(n->sending_ip))) {
			n->sending_ip_source = "X-Originating-IP";
			return;
		}
	}
}

bool
ndr_origin_helo(const char *diag, char *buf, size_t buf_len)
{
	static const char *const says[] = { ">: helo command rejected", ">: ehlo command rejected" };
	const char *end = NULL, *open;
	size_t i, len;

	if (diag == NULL)
		return false;
	for (i = 0; i < sizeof(says) / sizeof(says[0]) && end == NULL; i++)
		end = ndr_ci_find(diag, strlen(diag), says[i]);
	if (end == NULL)
		return false;
	for (open = end; open > diag && open[-1] != '<'; open--)
		if (open[-1] == ' ' || end - open > 255)
			return false;
	len = (size_t)(end - open);
	if (open == diag || len == 0 || len >= buf_len)
		return false;
	memcpy(buf, open, len);
	buf[len] = '\0';
	return true;
}
