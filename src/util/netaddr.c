/* Special-purpose address ranges (RFC 6890 registries), for "MX in private space" checks. */
#include "config.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "i18n.h"
#include "netaddr.h"

/* The prefix in network byte order, as inet_pton() writes it (not text parsed per call). */
struct range {
	int family;
	unsigned char prefix[16];
	unsigned bits;
	const char *name;
};

/* Documentation ranges are left out on purpose: the lab world lives in them. */
static const struct range ranges[] = {
	{ AF_INET, { 0 }, 8, N_("\"this network\" (RFC 791)") },
	{ AF_INET, { 10 }, 8, N_("private (RFC 1918)") },
	{ AF_INET, { 100, 64 }, 10, N_("shared carrier-grade NAT (RFC 6598)") },
	{ AF_INET, { 127 }, 8, N_("loopback (RFC 1122)") },
	{ AF_INET, { 169, 254 }, 16, N_("link-local (RFC 3927)") },
	{ AF_INET, { 172, 16 }, 12, N_("private (RFC 1918)") },
	{ AF_INET, { 192, 168 }, 16, N_("private (RFC 1918)") },
	{ AF_INET, { 198, 18 }, 15, N_("benchmarking (RFC 2544)") },
	{ AF_INET, { 224 }, 4, N_("multicast (RFC 5771)") },
	{ AF_INET, { 240 }, 4, N_("reserved (RFC 1112)") },
	{ AF_INET6, { 0 }, 128, N_("unspecified (RFC 4291)") },			/* :: */
	{ AF_INET6, { [15] = 1 }, 128, N_("loopback (RFC 4291)") },		/* ::1 */
	{ AF_INET6, { [10] = 0xff, 0xff }, 96, N_("IPv4-mapped (RFC 4291)") },	/* ::ffff:0:0 */
	{ AF_INET6, { 0xfc }, 7, N_("unique local (RFC 4193)") },		/* fc00:: */
	{ AF_INET6, { 0xfe, 0x80 }, 10, N_("link-local (RFC 4291)") },		/* fe80:: */
	{ AF_INET6, { 0xff }, 8, N_("multicast (RFC 4291)") },			/* ff00:: */
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
	unsigned char a[16];
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
		if (prefix_match(a, ranges[i].prefix, ranges[i].bits))
			return ranges[i].name;
	}
	return NULL;
}
