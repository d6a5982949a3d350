/* Monitoring-plugin renderer (--format nagios), for Nagios, Icinga, Naemon: one status line
 * "MXDIAG STATE - text | perfdata", then one line per problem as the plugin's long output.
 * The state word and the exit status follow the Monitoring Plugins guidelines: 0 OK,
 * 1 WARNING, 2 CRITICAL, 3 UNKNOWN; the perfdata labels stay English for graphs. */
#include "config.h"

#include <string.h>

#include "err.h"
#include "i18n.h"
#include "render_nagios.h"

#define NAGIOS_MAX_PROBLEMS 20	/* long-output lines; the rest are counted */

/* The plugin state word of a status. */
static const char *
nagios_state(enum status st)
{
	switch (st) {
	case ST_OK:
	case ST_INFO:
		return "OK";
	case ST_WARN:
		return "WARNING";
	case ST_FAIL:
		return "CRITICAL";
	case ST_UNKNOWN:
		break;
	}
	return "UNKNOWN";
}

/* Text as one piece of plugin output: '|' would start the perfdata, and a line break
 * would end the line, so both become something harmless. At most the first line. */
static void
put_clean(FILE *out, const char *s)
{
	for (; s != NULL && *s != '\0' && *s != '\n'; s++) {
		if (*s == '|')
			fputc('/', out);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

void
nagios_add(struct nagios_totals *t, const struct report *rep)
{
	const struct report_stats *st = report_stats_const(rep);
	size_t i;

	for (i = 0; i < report_count(rep); i++)
		t->n[finding_status(report_finding(rep, i))]++;
	t->findings += report_count(rep);
	t->elapsed_ms += st->elapsed_ms;
	t->dns_queries += st->dns.queries;
	t->smtp_sessions += st->smtp_sessions;
}

void
nagios_status_line(FILE *out, enum status worst, const char *command, const char *target,
    const struct nagios_totals *t)
{
	fprintf(out, "MXDIAG %s - ", nagios_state(worst));
	put_clean(out, command);
	fputc(' ', out);
	put_clean(out, target);
	fputs(": ", out);
	if (t->findings == 0)
		fputs(_("nothing could be checked"), out);
	else
		fprintf(out, _("%u fail, %u warn, %u unknown"), t->n[ST_FAIL], t->n[ST_WARN],
		    t->n[ST_UNKNOWN]);
	fprintf(out, " | ok=%u info=%u warn=%u fail=%u unknown=%u time=%lldms dns_queries=%u "
	    "smtp_sessions=%u\n", t->n[ST_OK], t->n[ST_INFO], t->n[ST_WARN], t->n[ST_FAIL],
	    t->n[ST_UNKNOWN], (long long)t->elapsed_ms, t->dns_queries, t->smtp_sessions);
}

void
nagios_problems(FILE *out, const struct report *rep)
{
	static const enum status order[] = { ST_FAIL, ST_UNKNOWN, ST_WARN };	/* worst first */
	size_t i, k, shown = 0, problems = 0;

	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		for (i = 0; i < report_count(rep); i++) {
			const struct finding *f = report_finding(rep, i);

			if (finding_status(f) != order[k])
				continue;
			problems++;
			if (shown == NAGIOS_MAX_PROBLEMS)
				continue;
			shown++;
			fprintf(out, "%s %s ", status_name(finding_status(f)), finding_id(f));
			put_clean(out, finding_subject(f));
			fputs(": ", out);
			put_clean(out, finding_message(f));
			fputc('\n', out);
		}
	}
	if (problems > shown)
		fprintf(out, _("... and %zu more (mxdiag %s for all)\n"), problems - shown,
		    report_command(rep));
}

int
render_nagios(FILE *out, const struct report *rep)
{
	struct nagios_totals t = { 0 };

	nagios_add(&t, rep);
	nagios_status_line(out, report_worst(rep), report_command(rep), report_target(rep), &t);
	nagios_problems(out, rep);
	return ferror(out) ? MXD_EIO : 0;
}
