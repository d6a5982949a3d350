/* Special-purpose address ranges (RFC 6890 registries), for "MX in private space" checks. */
#include "config.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "i18n.h"
#include "netaddr.h"

struct range {
	int family;
	const char *prefix;
	unsigned bits;
	const char *name;
};

/* Documentation ranges are left out on purpose: the lab world lives in them. */
static const struct range ranges[] = {
	{ AF_INET, "0.0.0.0", 8, N_("\"this network\" (RFC 791)") },
	{ AF_INET, "10.0.0.0", 8, N_("private (RFC 1918)") },
	{ AF_INET, "100.64.0.0", 10, N_("shared carrier-grade NAT (RFC 6598)") },
	{ AF_INET, "127.0.0.0", 8, N_("loopback (RFC 1122)") },
	{ AF_INET, "169.254.0.0", 16, N_("link-local (RFC 3927)") },
	{ AF_INET, "172.16.0.0", 12, N_("private (RFC 1918)") },
	{ AF_INET, "192.168.0.0", 16, N_("private (RFC 1918)") },
	{ AF_INET, "198.18.0.0", 15, N_("benchmarking (RFC 2544)") },
	{ AF_INET, "224.0.0.0", 4, N_("multicast (RFC 5771)") },
	{ AF_INET, "240.0.0.0", 4, N_("reserved (RFC 1112)") },
	{ AF_INET6, "::", 128, N_("unspecified (RFC 4291)") },
	{ AF_INET6, "::1", 128, N_("loopback (RFC 4291)") },
	{ AF_INET6, "::ffff:0:0", 96, N_("IPv4-mapped (RFC 4291)") },
	{ AF_INET6, "fc00::", 7, N_("unique local (RFC 4193)") },
	{ AF_INET6, "fe80::", 10, N_("link-local (RFC 4291)") },
	{ AF_INET6, "ff00::", 8, N_("multicast (RFC 4291)") },
};

static int
prefix_match(const unsigned char *a, const unsigned char *p, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, p, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return (a[full] >> (8 - rest)) == (p[full] >> (8 - rest));
}

const char *
netaddr_special_range(const char *ip)
{
	unsigned char a[16], p[16];
	int family;
	size_t i;

	if (inet_pton(AF_INET, ip, a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, ip, a) == 1)
		family = AF_INET6;
	else
		return NULL;
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (ranges[i].family != family)
			continue;
		inet_pton(family, ranges[i].prefix, p);
		if (prefix_match(a, p, ranges[i].bits))
			return ranges[i].name;
	}
	return NULL;
}
