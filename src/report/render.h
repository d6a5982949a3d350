/* Renderers: turn a finished report into text for people or one JSON document. */
#ifndef MXD_RENDER_H
#define MXD_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

struct report;

/* JSON schema version of the document render_json() writes (docs/json-schema.md). */
#define MXD_JSON_SCHEMA 1

struct render_opts {
	bool color;		/* ANSI colour (only on a tty, never with --no-color) */
	int verbose;		/* >0: show evidence */
	bool problems_only;	/* skip OK and INFO findings */
};

void render_text(FILE *out, const struct report *rep, const struct render_opts *opts);
/* The report as a JSON object; caller owns the reference. */
json_t *render_json_doc(const struct report *rep);
/* Writes one JSON document and a newline. Returns 0 or MXD_EIO. */
int render_json(FILE *out, const struct report *rep);

#endif
