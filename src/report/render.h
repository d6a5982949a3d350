/* Renderers: turn a finished report into text for people or one JSON document. */
#ifndef MXD_RENDER_H
#define MXD_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

struct report;

/* JSON schema version of the document render_json() writes (docs/json-schema.md). */
#define MXD_JSON_SCHEMA 1

/* A titled section of the text report: the findings whose group is group (finding_group). */
struct render_section {
	const char *group;	/* "dns"; NULL ends a list */
	const char *title;	/* N_(): translated when printed */
};

struct render_opts {
	bool color;		/* ANSI colour (only on a tty, never with --no-color) */
	int verbose;		/* >0: show evidence */
	bool problems_only;	/* skip OK and INFO findings */
	/* Sections in print order, ended by group NULL (the command's, e.g. preflight's
	 * checklist), or NULL for none. Findings of no listed group come first, untitled. */
	const struct render_section *sections;
};

void render_text(FILE *out, const struct report *rep, const struct render_opts *opts);
/* The report as a JSON object; caller owns the reference. */
json_t *render_json_doc(const struct report *rep);
/* render_json_doc() without the OK and INFO findings when problems_only (the status stays
 * the whole run's); caller owns the reference. */
json_t *render_json_doc_problems(const struct report *rep, bool problems_only);
/* Writes one JSON document and a newline. Returns 0 or MXD_EIO. */
int render_json(FILE *out, const struct report *rep);
/* The same, without the OK and INFO findings when problems_only (--problems-only); the
 * document's status and exit code stay those of the whole run. */
int render_json_problems(FILE *out, const struct report *rep, bool problems_only);
/* The report on one line and a newline (JSON Lines): render_json_doc_problems()'s
 * document as json_dumpf(JSON_COMPACT | JSON_PRESERVE_ORDER) writes it, byte for byte,
 * without building the document: the line per bounce or domain of a mailbox or a batch.
 * Returns 0 or MXD_EIO. */
int render_json_line(FILE *out, const struct report *rep, bool problems_only);
/* render_json_line()'s bytes without the newline, as a string (caller frees); NULL when
 * the report cannot be written (nested too deep). */
char *render_json_line_text(const struct report *rep, bool problems_only);

#endif
