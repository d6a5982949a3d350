/*
 * The fields of an SPF outcome and of a trace step, listed once (spf_fields.c) for every
 * writer: the report's "spf" object and its evidence (a jansson tree, here), and the batch
 * lines of `mxdiag spf --batch` (a text writer, src/cli/spf_batch.c). So the two can never
 * differ in which fields they carry, their names or their order.
 */
#ifndef MXD_SPF_FIELDS_H
#define MXD_SPF_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct spf_outcome;
struct spf_trace_step;

/* Where fields go; w is the writer's state. Strings are borrowed for the call. */
struct spf_field_writer {
	void (*str)(void *w, const char *key, const char *value);	/* NULL: null */
	void (*num)(void *w, const char *key, long long value);
	void (*flag)(void *w, const char *key, bool value);
	/* key: an array of out's trace steps, each an object of spf_step_fields() */
	void (*steps)(void *w, const char *key, const struct spf_outcome *out);
};

/* ip, sender, helo, domain, result, mechanism, ..., queries: the result of one check_host(). */
void spf_outcome_fields(const struct spf_outcome *out, const char *ip, const char *helo,
    const struct spf_field_writer *fw, void *w);
/* trace and trace_truncated (with --trace). */
void spf_outcome_trace(const struct spf_outcome *out, const struct spf_field_writer *fw,
    void *w);
/* text, depth, domain, term, query, answer, note and the running counts of one step. */
void spf_step_fields(const struct spf_trace_step *st, const struct spf_field_writer *fw,
    void *w);

/* The outcome as a JSON object: spf_outcome_fields(), and the trace with want_trace
 * (caller owns the reference). Strings that are not UTF-8 get '?' for their odd bytes. */
json_t *spf_outcome_json(const struct spf_outcome *out, const char *ip, const char *helo,
    bool want_trace);

/* One trace step as a line of text (caller frees) or as a JSON object of spf_step_fields()
 * (caller owns the reference). */
char *spf_trace_step_text(const struct spf_trace_step *st);
json_t *spf_trace_step_json(const struct spf_trace_step *st);

#endif
