/* Bounce corpus runner: classifies every email of a manifest (no DNS) and compares the
 * reason and status with the expected answers; fails below the accuracy floor. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ndr.h"
#include "ndr_classify.h"
#include "ndr_kb.h"
#include "xmalloc.h"

/* Read a whole file of at most NDR_MAX_INPUT + 1 bytes; NULL on error (errno set). */
static char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t cap = 65536, n = 0;

	if (fp == NULL)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		size_t r;

		if (n == cap) {
			if (cap > NDR_MAX_INPUT)
				break;
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	fclose(fp);
	*len = n;
	return buf;
}

static bool
reason_ok(const char *got, json_t *entry)
{
	json_t *alt = json_object_get(json_object_get(entry, "alt_expected"), "expected");
	const char *want = json_string_value(json_object_get(entry, "reason"));

	if (want != NULL && strcmp(got, want) == 0)
		return true;
	if (json_array_size(alt) > 0) {
		const char *a = json_string_value(json_object_get(json_array_get(alt, 0), "reason"));

		if (a != NULL && strcmp(got, a) == 0)
			return true;
	}
	return false;
}

/* "reason 84.5" lines: the floor each accuracy must reach (percent). */
static int
read_floor(const char *path, double *reason_floor, double *status_floor)
{
	FILE *fp = fopen(path, "r");
	char line[128];

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char key[32];
		double v;
		char *end;

		if (line[0] == '#' || sscanf(line, "%31s", key) != 1)
			continue;
		errno = 0;
		v = strtod(line + strlen(key), &end);
		if (errno != 0 || end == line + strlen(key))
			continue;
		if (strcmp(key, "reason") == 0)
			*reason_floor = v;
		else if (strcmp(key, "status") == 0)
			*status_floor = v;
	}
	fclose(fp);
	return 0;
}

/* "FILE REASON STATUS" lines: the answer counted instead of the corpus's for FILE. */
struct override {
	char file[256];
	char reason[32];
	char status[16];
};

static size_t
read_overrides(const char *path, struct override *ov, size_t max)
{
	FILE *fp = fopen(path, "r");
	char line[512];
	size_t n = 0;

	if (fp == NULL)
		return 0;
	while (n < max && fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || sscanf(line, "%255s %31s %15s", ov[n].file, ov[n].reason,
		    ov[n].status) != 3)
			continue;
		n++;
	}
	fclose(fp);
	return n;
}

static const struct override *
find_override(const struct override *ov, size_t n, const char *file)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ov[i].file, file) == 0)
			return &ov[i];
	return NULL;
}

static void
usage(void)
{
	fputs("usage: bounce-corpus [-v] [--kb FILE] [--floor FILE] [--overrides FILE] MANIFEST\n", stderr);
}

int
main(int argc, char **argv)
{
	const char *manifest = NULL, *kb_path = NULL, *floor_path = NULL, *ov_path = NULL;
	struct override ov[64];
	size_t n_ov = 0, ov_seen = 0, ov_reason = 0, ov_status = 0;
	double reason_floor = 0, status_floor = 0;
	int verbose = 0, i;
	json_error_t jerr;
	json_t *m, *e;
	struct ndr_kb *kb;
	char err[512], dir[4096];
	size_t idx, total = 0, ok_reason = 0, ok_status = 0;
	const char *slash;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose++;
		else if (strcmp(argv[i], "--kb") == 0 && i + 1 < argc)
			kb_path = argv[++i];
		else if (strcmp(argv[i], "--floor") == 0 && i + 1 < argc)
			floor_path = argv[++i];
		else if (strcmp(argv[i], "--overrides") == 0 && i + 1 < argc)
			ov_path = argv[++i];
		else if (argv[i][0] == '-') {
			usage();
			return 64;
		} else
			manifest = argv[i];
	}
	if (manifest == NULL) {
		usage();
		return 64;
	}
	if (floor_path != NULL && read_floor(floor_path, &reason_floor, &status_floor) != 0) {
		fprintf(stderr, "bounce-corpus: %s: %s\n", floor_path, strerror(errno));
		return 2;
	}
	if (ov_path != NULL)
		n_ov = read_overrides(ov_path, ov, sizeof(ov) / sizeof(ov[0]));
	if (kb_path == NULL)
		kb_path = ndr_kb_default_path();
	kb = ndr_kb_load(kb_path, err, sizeof(err));
	if (kb == NULL) {
		fprintf(stderr, "bounce-corpus: %s\n", err);
		return 2;
	}
	m = json_load_file(manifest, 0, &jerr);
	if (!json_is_array(m)) {
		fprintf(stderr, "bounce-corpus: %s:%d: %s\n", manifest, jerr.line,
		    m == NULL ? jerr.text : "not an array");
		ndr_kb_free(kb);
		return 2;
	}
	slash = strrchr(manifest, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - manifest), manifest);

	json_array_foreach(m, idx, e) {
		const char *file = json_string_value(json_object_get(e, "file"));
		const char *want_st = json_string_value(json_object_get(e, "status"));
		char path[4096];
		char *buf;
		size_t len;
		struct ndr *n;
		const char *got_reason = "", *got_status = "", *rule = "";
		bool rok, sok;

		if (file == NULL)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
			continue;
		total++;
		buf = read_file(path, &len);
		if (buf == NULL) {
			printf("MISSING %s: %s\n", file, strerror(errno));
			continue;
		}
		n = ndr_parse(buf, len);
		ndr_classify(n, kb);
		if (n->n_rcpts > 0) {
			got_reason = n->rcpts[0].reason;
			got_status = n->rcpts[0].status_out;
			rule = n->rcpts[0].rule;
		}
		rok = reason_ok(got_reason, e);
		sok = want_st != NULL && strcmp(got_status, want_st) == 0;
		{
			const struct override *o = find_override(ov, n_ov, file);

			if (o != NULL) {
				ov_seen++;
				ov_reason += strcmp(got_reason, o->reason) == 0;
				ov_status += strcmp(got_status, o->status) == 0;
			}
		}
		ok_reason += rok;
		ok_status += sok;
		if (!rok || (verbose && !sok))
			printf("MISMATCH %s: reason %s (want %s), status %s (want %s); %s\n", file,
			    got_reason[0] ? got_reason : "-",
			    json_string_value(json_object_get(e, "reason")),
			    got_status[0] ? got_status : "-", want_st ? want_st : "-", rule);
		if (verbose > 1 && n->n_rcpts > 0 && (!rok || !sok))
			printf("  diag: [%s] %s\n", n->rcpts[0].command ? n->rcpts[0].command : "-",
			    n->rcpts[0].diag ? n->rcpts[0].diag : "(none)");
		ndr_free(n);
		free(buf);
	}
	{
		double rp = total ? 100.0 * (double)ok_reason / (double)total : 0;
		double spct = total ? 100.0 * (double)ok_status / (double)total : 0;
		int rc = 0;

		printf("reason accuracy: %zu/%zu (%.1f%%), floor %.1f%%\n", ok_reason, total, rp,
		    reason_floor);
		printf("status accuracy: %zu/%zu (%.1f%%), floor %.1f%%\n", ok_status, total, spct,
		    status_floor);
		if (n_ov > 0)
			printf("overridden answers (counted apart, see %s): %zu emails, reason %zu/%zu "
			    "and status %zu/%zu agree with the override\n", ov_path, ov_seen, ov_reason,
			    ov_seen, ov_status, ov_seen);
		if (rp + 1e-9 < reason_floor || spct + 1e-9 < status_floor) {
			printf("FAIL: accuracy fell below the floor in %s\n", floor_path);
			rc = 1;
		}
		printf("%zu passed, %zu failed\n", ok_reason, total - ok_reason);
		json_decref(m);
		ndr_kb_free(kb);
		return rc;
	}
}
