/* The fields of an SPF outcome and of a trace step, once; and the jansson writer of them. */
#include "config.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "spf.h"
#include "spf_fields.h"
#include "xmalloc.h"

void
spf_outcome_fields(const struct spf_outcome *out, const char *ip, const char *helo,
    const struct spf_field_writer *fw, void *w)
{
	fw->str(w, "ip", ip);
	fw->str(w, "sender", out->sender);
	fw->str(w, "helo", helo);
	fw->str(w, "domain", out->domain);
	fw->str(w, "result", spf_result_name(out->result));
	fw->str(w, "mechanism", out->mechanism);
	fw->str(w, "mechanism_domain", out->mech_domain);
	fw->str(w, "explanation", out->explanation);
	if (out->explanation != NULL)
		fw->flag(w, "explanation_default", out->is_explanation_default);
	fw->str(w, "problem", out->problem);
	if (out->problem_kind != SPF_PROB_NONE)
		fw->str(w, "problem_kind", spf_problem_name(out->problem_kind));
	fw->num(w, "dns_mechs", out->dns_mechs);
	fw->num(w, "void_lookups", out->void_lookups);
	fw->num(w, "queries", out->queries);
}

void
spf_outcome_trace(const struct spf_outcome *out, const struct spf_field_writer *fw, void *w)
{
	fw->steps(w, "trace", out);
	fw->flag(w, "trace_truncated", out->is_trace_truncated);
}

void
spf_step_fields(const struct spf_trace_step *st, const struct spf_field_writer *fw, void *w)
{
	char *text = spf_trace_step_text(st);

	fw->str(w, "text", text);
	fw->num(w, "depth", st->depth);
	fw->str(w, "domain", st->domain);
	fw->str(w, "term", st->term);
	fw->str(w, "query", st->query);
	fw->str(w, "answer", st->answer);
	fw->str(w, "note", st->note);
	fw->num(w, "dns_mechs", st->dns_mechs);
	fw->num(w, "void_lookups", st->void_lookups);
	free(text);
}

/* The evaluator's steps that are not a term of the record, in the message language. */
static const char *
step_term(const char *term)
{
	static const char *const steps[] = {
		N_("(record)"), N_("(result)"), N_("(exp)"), N_("(end)"), NULL,
	};
	size_t i;

	for (i = 0; steps[i] != NULL; i++)
		if (strcmp(term, steps[i]) == 0)
			return _(steps[i]);
	return term;
}

char *
spf_trace_step_text(const struct spf_trace_step *st)
{
	char counts[96];

	snprintf(counts, sizeof(counts), _("[%u DNS terms, %u void]"), st->dns_mechs,
	    st->void_lookups);
	return xasprintf("%*s%s: %s%s%s%s%s%s%s %s", (int)st->depth * 2, "", st->domain,
	    step_term(st->term), st->query != NULL ? "  ? " : "",
	    st->query != NULL ? st->query : "", st->answer != NULL ? " = " : "",
	    st->answer != NULL ? st->answer : "", st->note != NULL ? " -> " : "",
	    st->note != NULL ? st->note : "", counts);
}

/* A JSON string of s; bytes that are not UTF-8 (a hostile PTR name, a raw input line)
 * become '?' rather than losing the value. */
static json_t *
jstr(const char *s)
{
	json_t *j = json_string(s);
	char *copy;
	size_t i;

	if (j != NULL)
		return j;
	copy = xstrdup(s);
	for (i = 0; copy[i] != '\0'; i++) {
		if ((unsigned char)copy[i] < 0x20 || (unsigned char)copy[i] > 0x7e)
			copy[i] = '?';
	}
	j = json_string(copy);
	free(copy);
	return j;
}

static void
jw_str(void *w, const char *key, const char *value)
{
	json_object_set_new(w, key, value != NULL ? jstr(value) : json_null());
}

static void
jw_num(void *w, const char *key, long long value)
{
	json_object_set_new(w, key, json_integer(value));
}

static void
jw_flag(void *w, const char *key, bool value)
{
	json_object_set_new(w, key, json_boolean(value));
}

static void
jw_steps(void *w, const char *key, const struct spf_outcome *out)
{
	json_t *tr = json_array();
	size_t i;

	for (i = 0; i < out->trace_len; i++)
		json_array_append_new(tr, spf_trace_step_json(&out->trace[i]));
	json_object_set_new(w, key, tr);
}

static const struct spf_field_writer json_writer = { jw_str, jw_num, jw_flag, jw_steps };

json_t *
spf_trace_step_json(const struct spf_trace_step *st)
{
	json_t *o = json_object();

	spf_step_fields(st, &json_writer, o);
	return o;
}

json_t *
spf_outcome_json(const struct spf_outcome *out, const char *ip, const char *helo,
    bool want_trace)
{
	json_t *o = json_object();

	spf_outcome_fields(out, ip, helo, &json_writer, o);
	if (want_trace)
		spf_outcome_trace(out, &json_writer, o);
	return o;
}
