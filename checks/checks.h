/* The check interface: one descriptor per check file, listed once in registry.c. */
#ifndef MXD_CHECKS_H
#define MXD_CHECKS_H

#include <stdbool.h>

struct dns;
struct dns_answer;
struct finding;
struct loop;
struct report;

/* Commands a check runs under (bit mask). */
enum {
	CHECK_CMD_CHECK = 1 << 0,
	CHECK_CMD_PREFLIGHT = 1 << 1,
};

/* What a check may read while it runs; everything is borrowed for the run. */
struct check_ctx {
	struct loop *loop;
	struct dns *dns;
	struct report *rep;
	const char *domain;	/* validated, lower case, no trailing dot */
	const char *ip;		/* --ip or NULL */
	const char *helo;	/* --helo or NULL */
	const char *group;	/* checklist section for findings, or NULL */
};

struct check {
	const char *name;	/* "mx" */
	unsigned commands;	/* CHECK_CMD_* */
	bool needs_ip;		/* runs only when --ip is given */
	bool needs_helo;	/* runs only when --helo is given */
	/* Queue lookups with callbacks and return; never block. */
	void (*start)(struct check_ctx *ctx);
};

/* NULL-terminated (registry.c). */
extern const struct check *const checks[];

/* Start every check registered for cmd whose needs ctx meets. Returns how many started. */
int checks_start(struct check_ctx *ctx, unsigned cmd);

/* Shared helper: when ans is a resolver failure (SERVFAIL, REFUSED, timeout, error), add
 * an UNKNOWN finding "dns.<failure>" about subject carrying the query, and return true. */
bool check_dns_failed(struct check_ctx *ctx, const struct dns_answer *ans, const char *what);

/* report_add() that also sets the check's group. */
struct finding *check_add(struct check_ctx *ctx, const char *id, int status,
    const char *subject);

#endif
