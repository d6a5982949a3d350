/* The finding for one SPF check_host() result (spf_report.c). */
#ifndef MXD_SPF_REPORT_H
#define MXD_SPF_REPORT_H

#include <stdbool.h>

struct finding;
struct report;
struct spf_outcome;

/* Add the spf.result-* finding for ip's outcome to rep; with want_trace the evaluation path
 * becomes evidence. Returns the finding (owned by rep). */
struct finding *spf_report_outcome(struct report *rep, const char *ip,
    const struct spf_outcome *out, bool want_trace);

#endif
