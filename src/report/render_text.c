/* Text renderer for people: one block per finding, fixes always, evidence with -v. */
#include "config.h"

#include <string.h>

#include "i18n.h"
#include "render.h"
#include "report.h"

static const char *
status_colour(enum status st)
{
	switch (st) {
	case ST_OK: return "\033[32m";
	case ST_INFO: return "\033[36m";
	case ST_WARN: return "\033[33m";
	case ST_FAIL: return "\033[1;31m";
	case ST_UNKNOWN: return "\033[35m";
	}
	return "";
}

/* The status as a word of the message language ("FAIL", "失敗"); JSON keeps the code. */
static const char *
status_word(enum status st)
{
	switch (st) {
	case ST_OK: return _("OK");
	case ST_INFO: return _("INFO");
	case ST_WARN: return _("WARN");
	case ST_FAIL: return _("FAIL");
	case ST_UNKNOWN: return _("UNKNOWN");
	}
	return status_name(st);
}

/* Columns a UTF-8 string takes on a terminal: CJK and full-width forms take two. */
static size_t
text_columns(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & 0xc0) == 0x80)
			continue;
		n += c >= 0xe1 ? 2 : 1;	/* U+1000 and up: the scripts we print are wide */
	}
	return n;
}

static void
print_status(FILE *out, enum status st, bool color)
{
	const char *w = status_word(st);
	size_t cols = text_columns(w);
	int pad = cols < 8 ? (int)(8 - cols) : 0;

	if (color)
		fprintf(out, "%s%s\033[0m%*s", status_colour(st), w, pad, "");
	else
		fprintf(out, "%s%*s", w, pad, "");
}

/* A message or fix of several lines: each line indented under the finding's subject. */
static void
print_lines(FILE *out, const char *label, const char *text)
{
	const char *nl;

	fprintf(out, "         %s%s", label, label[0] != '\0' ? " " : "");
	while ((nl = strchr(text, '\n')) != NULL) {
		fprintf(out, "%.*s\n         ", (int)(nl - text), text);
		text = nl + 1;
	}
	fprintf(out, "%s\n", text);
}

static void
print_finding(FILE *out, const struct finding *f, const struct render_opts *o)
{
	size_t i;

	print_status(out, finding_status(f), o->color);
	fprintf(out, " %s", finding_subject(f));
	if (o->color)
		fprintf(out, "  \033[2m[%s]\033[0m\n", finding_id(f));
	else
		fprintf(out, "  [%s]\n", finding_id(f));
	if (finding_message(f) != NULL)
		print_lines(out, "", finding_message(f));
	if (finding_fix_text(f) != NULL)
		print_lines(out, _("Fix:"), finding_fix_text(f));
	/* piece by piece, read only: a finding copied from a proof shares its evidence with
	 * other reports, written on other threads (finding_evidence_list() would add to it) */
	for (i = 0; o->verbose > 0 && i < finding_evidence_count(f); i++) {
		const struct dns_evidence *dns;
		const json_t *item = finding_evidence_at(f, i, &dns);
		const char *text = dns != NULL ? dns->text :
		    json_string_value(json_object_get(item, "text"));

		if (text != NULL)
			fprintf(out, "         | %s\n", text);
	}
}

static bool
is_known_group(const struct render_section *sections, const char *g)
{
	size_t i;

	for (i = 0; sections != NULL && sections[i].group != NULL; i++)
		if (strcmp(sections[i].group, g) == 0)
			return true;
	return false;
}

/* group NULL: the untitled lead section, which also takes any group without a title. */
static bool
in_section(const struct finding *f, const struct render_opts *o, const char *group)
{
	const char *g = finding_group_name(f);

	if (group == NULL)
		return g == NULL || !is_known_group(o->sections, g);
	return g != NULL && strcmp(g, group) == 0;
}

static void
print_section(FILE *out, const struct report *rep, const struct render_opts *o,
    const char *group, const char *title)
{
	size_t i, shown = 0;

	for (i = 0; i < report_count(rep); i++) {
		const struct finding *f = report_finding(rep, i);

		if (!in_section(f, o, group))
			continue;
		if (o->problems_only && finding_status(f) <= ST_INFO)
			continue;
		if (shown++ == 0 && title != NULL)
			fprintf(out, o->color ? "\033[1m== %s ==\033[0m\n" : "== %s ==\n", _(title));
		print_finding(out, f, o);
	}
	if (shown > 0 && title != NULL)
		fputc('\n', out);
}

void
render_text(FILE *out, const struct report *rep, const struct render_opts *o)
{
	const struct report_stats *st = report_stats_const(rep);
	unsigned counts[ST_UNKNOWN + 1] = { 0 };
	enum status worst = report_worst(rep);
	json_t *line;
	size_t i;

	fprintf(out, "mxdiag %s %s\n\n", report_command(rep), report_target(rep));
	/* The answer first, then the findings behind it. */
	json_array_foreach(report_answers(rep), i, line)
		fprintf(out, o->color ? "\033[1m%s\033[0m\n" : "%s\n", json_string_value(line));
	if (json_array_size(report_answers(rep)) > 0)
		fputc('\n', out);
	for (i = 0; i < report_count(rep); i++)
		counts[finding_status(report_finding(rep, i))]++;
	print_section(out, rep, o, NULL, NULL);
	for (i = 0; o->sections != NULL && o->sections[i].group != NULL; i++)
		print_section(out, rep, o, o->sections[i].group, o->sections[i].title);
	fprintf(out, "\n%s ", _("Result:"));
	print_status(out, worst, o->color);
	fprintf(out, _("(%u ok, %u info, %u warn, %u fail, %u unknown) in %lld ms, "),
	    counts[ST_OK], counts[ST_INFO], counts[ST_WARN], counts[ST_FAIL],
	    counts[ST_UNKNOWN], (long long)st->elapsed_ms);
	fprintf(out, ngettext("%u DNS query, lookup depth %u\n",
	    "%u DNS queries, lookup depth %u\n", st->dns.queries), st->dns.queries,
	    st->dns.depth);
}
