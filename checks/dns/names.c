/* Name heuristics shared by the PTR, HELO and domain checks. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "names.h"

/* Suffixes that never resolve on the public Internet: mDNS (RFC 6762), home.arpa
 * (RFC 8375), and the names Active Directory and home routers pick by default. The
 * RFC 2606/6761 testing names (.test, .example, .invalid) are left out: the lab uses them. */
static const char *const internal_suffixes[] = {
	"local", "lan", "internal", "intranet", "corp", "home", "localdomain", "localhost",
	"home.arpa", "private", "domain", "workgroup", NULL,
};

bool
names_under(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n < s || strncasecmp(name + n - s, suffix, s) != 0)
		return false;
	return n == s || name[n - s - 1] == '.';
}

const char *
names_internal_suffix(const char *name)
{
	size_t i;

	for (i = 0; internal_suffixes[i] != NULL; i++)
		if (names_under(name, internal_suffixes[i]))
			return internal_suffixes[i];
	return NULL;
}

/* Words ISPs put in bulk reverse names of consumer and dynamic lines. */
static const char *const generic_words[] = {
	"dyn", "dynamic", "dhcp", "pool", "ppp", "pppoe", "dsl", "adsl", "vdsl", "xdsl",
	"cable", "client", "clients", "dial", "dialup", "broadband", "cust", "customer",
	"residential", "ftth", "bbtec", "flets", "catv", "unassigned", "static-ip", NULL,
};

static bool
has_word(const char *name, const char *word)
{
	size_t wl = strlen(word);
	const char *p = name;

	/* A word is delimited by the start, the end, or a non-letter (dots, digits, hyphens). */
	while ((p = strcasestr(p, word)) != NULL) {
		bool start = p == name || !isalpha((unsigned char)p[-1]);
		bool end = !isalpha((unsigned char)p[wl]);

		if (start && end)
			return true;
		p++;
	}
	return false;
}

static bool
contains_octets(const char *name, const unsigned char *a)
{
	char fwd[32], rev[32], hex[16];
	static const char seps[] = "-.x_";
	size_t i;

	for (i = 0; seps[i] != '\0'; i++) {
		snprintf(fwd, sizeof(fwd), "%u%c%u%c%u%c%u", a[0], seps[i], a[1], seps[i], a[2],
		    seps[i], a[3]);
		snprintf(rev, sizeof(rev), "%u%c%u%c%u%c%u", a[3], seps[i], a[2], seps[i], a[1],
		    seps[i], a[0]);
		if (strstr(name, fwd) != NULL || strstr(name, rev) != NULL)
			return true;
	}
	snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", a[0], a[1], a[2], a[3]);
	return strcasestr(name, hex) != NULL;
}

const char *
names_generic_reason(const char *name, const char *ip, char *buf, size_t buf_len)
{
	unsigned char a[16];
	size_t i;

	if (ip != NULL && inet_pton(AF_INET, ip, a) == 1 && contains_octets(name, a)) {
		snprintf(buf, buf_len, _("it contains the address %s"), ip);
		return buf;
	}
	for (i = 0; generic_words[i] != NULL; i++) {
		if (has_word(name, generic_words[i])) {
			snprintf(buf, buf_len, _("it contains \"%s\""), generic_words[i]);
			return buf;
		}
	}
	return NULL;
}
