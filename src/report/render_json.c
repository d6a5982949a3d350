/* JSON renderer: one document per run with a versioned schema (docs/json-schema.md). */
#include "config.h"

#include <string.h>

#include "err.h"
#include "render.h"
#include "report.h"

static json_t *
finding_json(const struct finding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(finding_id(f)));
	json_object_set_new(o, "status", json_string(status_name(finding_status(f))));
	json_object_set_new(o, "subject", json_string(finding_subject(f)));
	if (finding_group_name(f) != NULL)
		json_object_set_new(o, "group", json_string(finding_group_name(f)));
	json_object_set_new(o, "message", finding_message(f) != NULL ?
	    json_string(finding_message(f)) : json_null());
	json_object_set_new(o, "fix", finding_fix_text(f) != NULL ?
	    json_string(finding_fix_text(f)) : json_null());
	json_object_set(o, "evidence", finding_evidence_list(f));
	json_object_set(o, "references", finding_refs(f));
	json_object_set(o, "data", finding_data_obj(f));
	return o;
}

json_t *
render_json_doc(const struct report *rep)
{
	const struct report_stats *st = report_stats_const(rep);
	enum status worst = report_worst(rep);
	json_t *doc = json_object(), *findings = json_array(), *extra = report_extra(rep);
	size_t i;

	json_object_set_new(doc, "schema", json_integer(MXD_JSON_SCHEMA));
	json_object_set_new(doc, "tool", json_string(PACKAGE_NAME " " PACKAGE_VERSION));
	json_object_set_new(doc, "command", json_string(report_command(rep)));
	json_object_set_new(doc, "target", json_string(report_target(rep)));
	json_object_set_new(doc, "status", json_string(status_name(worst)));
	json_object_set_new(doc, "exit_code", json_integer(status_exit_code(worst)));
	for (i = 0; i < report_count(rep); i++)
		json_array_append_new(findings, finding_json(report_finding(rep, i)));
	json_object_set_new(doc, "findings", findings);
	if (extra != NULL)
		json_object_update(doc, extra);
	json_object_set_new(doc, "stats", json_pack("{s:{s:i, s:i, s:i}, s:{s:i}, s:I}",
	    "dns", "queries", (int)st->dns.queries, "cache_hits", (int)st->dns.cache_hits,
	    "depth", (int)st->dns.depth,
	    "smtp", "sessions", (int)st->smtp_sessions,
	    "elapsed_ms", (json_int_t)st->elapsed_ms));
	return doc;
}

int
render_json(FILE *out, const struct report *rep)
{
	return render_json_problems(out, rep, false);
}

json_t *
render_json_doc_problems(const struct report *rep, bool problems_only)
{
	json_t *doc = render_json_doc(rep), *findings = json_object_get(doc, "findings");
	size_t i;

	/* The status stays the whole run's: only the OK and INFO lines go. */
	for (i = json_array_size(findings); problems_only && i-- > 0;) {
		const char *st = json_string_value(json_object_get(json_array_get(findings, i),
		    "status"));

		if (st != NULL && (strcmp(st, "OK") == 0 || strcmp(st, "INFO") == 0))
			json_array_remove(findings, i);
	}
	return doc;
}

int
render_json_problems(FILE *out, const struct report *rep, bool problems_only)
{
	json_t *doc = render_json_doc_problems(rep, problems_only);
	int rc;

	rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(doc);
	if (rc != 0 || fputc('\n', out) == EOF)
		return MXD_EIO;
	return 0;
}
