/* The table of finding ids, as Knot's semantic checks have a code -> message table: every id
 * the code can emit, where it is documented, and the preflight section it belongs to. */
#ifndef MXD_FINDINGS_H
#define MXD_FINDINGS_H

#include <stdio.h>

#include "render.h"

struct finding_def {
	const char *id;		/* "mx.null-mx": stable, retired but never renamed */
	const char *doc;	/* "docs/checks.md#mxnull-mx": its entry */
	const char *section;	/* preflight section id (finding_sections), or NULL */
};

/*
 * Every id the code emits, sorted, ended by a row with id NULL. The bounce causes of
 * `explain` are not here: they are data (data/kb.json, or --kb FILE), documented in
 * docs/explain.md and checked through the kb (tests/docs-ids.sh); only the ids explain
 * emits itself are.
 */
extern const struct finding_def finding_defs[];

/* The preflight checklist sections in runbook order, ended by a row with group NULL. Their
 * titles are N_(): translate when printing. */
extern const struct render_section finding_sections[];

/* The row of id, or NULL when the table has none (borrowed, static). */
const struct finding_def *findings_lookup(const char *id);

/* One line per id: "ID<TAB>SECTION<TAB>DOC" (SECTION "none" when NULL), for the tests. */
void findings_print(FILE *out);

#endif
