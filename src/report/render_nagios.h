/* --format nagios: a monitoring plugin's output (render_nagios.c). The exit status stays
 * status_exit_code() of the worst status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
#ifndef MXD_RENDER_NAGIOS_H
#define MXD_RENDER_NAGIOS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"

/* What a status line counts, over one report or several (explain of a mailbox). */
struct nagios_totals {
	unsigned n[ST_UNKNOWN + 1];	/* findings by status */
	size_t findings;
	int64_t elapsed_ms;
	unsigned dns_queries, smtp_sessions;
};

/* The status line with performance data and one line per WARN/FAIL/UNKNOWN finding.
 * Returns 0 or MXD_EIO. */
int render_nagios(FILE *out, const struct report *rep);

/* Its parts, for a run of several reports: add one report's counts; print the line
 * "MXDIAG STATE - COMMAND TARGET: ... | perfdata"; print one report's problem lines. */
void nagios_add(struct nagios_totals *t, const struct report *rep);
void nagios_status_line(FILE *out, enum status worst, const char *command,
    const char *target, const struct nagios_totals *t);
void nagios_problems(FILE *out, const struct report *rep);

#endif
