/* Fuzz target: what users type at the command line, through the validators in
 * src/validate.c. A name or address they accept must also be one src/dns.c can ask for. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "fuzz.h"
#include "validate.h"

FUZZ_TARGET(validate)
{
	char *s = fuzz_str(data, size), *host = NULL, why[128];
	int port = -1, family = 0, rc;
	size_t len = strlen(s);

	why[0] = '\0';
	if (validate_domain(s, why, sizeof(why)) == 0) {
		/* RFC 1035 2.3.4: at most 253 characters written out, labels of 1 to 63 */
		FUZZ_ASSERT(len >= 1 && len <= 254);
		FUZZ_ASSERT(strstr(s, "..") == NULL && s[0] != '.');
	} else {
		FUZZ_ASSERT(why[0] != '\0' && memchr(why, '\0', sizeof(why)) != NULL);
	}
	if (validate_ip(s, &family) == 0)
		FUZZ_ASSERT(family == AF_INET || family == AF_INET6);
	why[0] = '\0';
	if (validate_address(s, false, why, sizeof(why)) == 0)
		FUZZ_ASSERT(strchr(s, '@') != NULL);
	else
		FUZZ_ASSERT(why[0] != '\0');
	validate_address(s, true, why, sizeof(why));
	rc = parse_host_port(s, &host, &port, why, sizeof(why));
	if (rc == 0) {
		FUZZ_ASSERT(host != NULL);
		FUZZ_ASSERT(port == -1 || (port >= 1 && port <= 65535));
		FUZZ_ASSERT(validate_ip(host, NULL) == 0 || validate_domain(host, NULL, 0) == 0);
	} else {
		FUZZ_ASSERT(rc == MXD_EINVAL && host == NULL);
	}
	free(host);
	/* A one-byte reason buffer must still be terminated. */
	why[0] = 'x';
	if (validate_domain(s, why, 1) != 0)
		FUZZ_ASSERT(why[0] == '\0');
	free(s);
	return 0;
}
