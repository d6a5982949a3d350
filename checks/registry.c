/* The only list of checks. Adding a check: one file, one line here, one in Makefile.inc. */
#include "config.h"

#include <stddef.h>

#include "checks.h"

extern const struct check check_address;
extern const struct check check_dmarc;
extern const struct check check_domain;
extern const struct check check_helo;
extern const struct check check_mx;
extern const struct check check_ptr;
extern const struct check check_spf_record;
extern const struct check check_spf_verdict;

const struct check *const checks[] = {
	&check_domain,
	&check_mx,
	&check_address,
	&check_ptr,
	&check_spf_record,
	&check_spf_verdict,
	&check_helo,
	&check_dmarc,
	NULL,
};

int
checks_start(struct check_ctx *ctx, unsigned cmd)
{
	int n = 0;
	size_t i;

	for (i = 0; checks[i] != NULL; i++) {
		const struct check *c = checks[i];

		if (!(c->commands & cmd) || (c->needs_ip && ctx->ip == NULL) ||
		    (c->needs_helo && ctx->helo == NULL))
			continue;
		c->start(ctx);
		n++;
	}
	return n;
}
