/* The finding for one SPF check_host() result (spf_report.c). */
#ifndef MXD_SPF_REPORT_H
#define MXD_SPF_REPORT_H

#include <stdbool.h>

#include <jansson.h>

struct finding;
struct report;
struct spf_outcome;
struct spf_trace_step;

/* Add the spf.result-* finding for ip's outcome to rep; with want_trace the evaluation path
 * becomes evidence. Returns the finding (owned by rep). */
struct finding *spf_report_outcome(struct report *rep, const char *ip,
    const struct spf_outcome *out, bool want_trace);

/* One trace step as a line of text (caller frees) or as a JSON evidence object with "text"
 * (caller owns the reference). */
char *spf_trace_step_text(const struct spf_trace_step *st);
json_t *spf_trace_step_json(const struct spf_trace_step *st);

#endif
