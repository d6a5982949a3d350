/* Loading and checking the blocklist zones (data/dnsbl.json). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dnsbl_list.h"
#include "fileio.h"
#include "validate.h"
#include "xmalloc.h"

#define DNSBL_FILE_MAX (256 * 1024)

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A map of answer addresses to meanings: an object of strings, or absent. */
static bool
is_code_map(const json_t *m)
{
	const char *k;
	json_t *v;

	if (m == NULL)
		return true;
	if (!json_is_object(m))
		return false;
	json_object_foreach((json_t *)m, k, v)
		if (!json_is_string(v) || validate_ip(k, NULL) != 0)
			return false;
	return true;
}

static bool
take_zone(json_t *e, struct dnsbl_zone *z, char *why, size_t why_len)
{
	const char *type;
	char dwhy[128];

	memset(z, 0, sizeof(*z));
	z->zone = str(e, "zone");
	z->name = str(e, "name");
	type = str(e, "type");
	if (z->zone == NULL || validate_domain(z->zone, dwhy, sizeof(dwhy)) != 0) {
		snprintf(why, why_len, "\"zone\" must be a domain name");
		return false;
	}
	if (type == NULL || (strcmp(type, "ip") != 0 && strcmp(type, "domain") != 0)) {
		snprintf(why, why_len, "\"type\" must be \"ip\" or \"domain\"");
		return false;
	}
	z->is_domain = strcmp(type, "domain") == 0;
	z->has_ipv6 = json_is_true(json_object_get(e, "ipv6"));
	z->terms = str(e, "terms");
	z->retired = str(e, "retired");
	z->test_listed = str(e, "test_listed");
	z->test_unlisted = str(e, "test_unlisted");
	if (z->is_domain) {
		/* RFC 5782 5: a domain list lists TEST and never INVALID. */
		if (z->test_listed == NULL)
			z->test_listed = "test";
		if (z->test_unlisted == NULL)
			z->test_unlisted = "invalid";
	}
	z->codes = json_object_get(e, "codes");
	z->errors = json_object_get(e, "errors");
	if (!is_code_map(z->codes) || !is_code_map(z->errors)) {
		snprintf(why, why_len, "\"codes\" and \"errors\" map addresses to strings");
		return false;
	}
	if (z->name == NULL)
		z->name = z->zone;
	return true;
}

/*
 * The last file read, parsed: a batch checks each domain with the same list, and reading
 * and parsing it again for each was a fortieth of the batch. Taken again only while the file
 * is the same one, unchanged (device, inode, size, modification time); one list at most.
 */
static struct {
	char *path;
	struct stat st;
	json_t *root;		/* owned; never changed once parsed */
} last;

static bool
is_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* path's JSON, a new reference; NULL with err set. */
static json_t *
load_json(const char *path, char *err, size_t err_len)
{
	json_error_t jerr;
	struct stat st;
	bool too_big = false, has_stat = stat(path, &st) == 0;
	size_t len;
	char *text;
	json_t *root;

	if (has_stat && last.root != NULL && strcmp(last.path, path) == 0 &&
	    is_same_file(&last.st, &st))
		return json_incref(last.root);
	text = fileio_read_bounded(path, DNSBL_FILE_MAX, &len, &too_big);
	if (text == NULL) {
		snprintf(err, err_len, too_big ? "%s: larger than 256 KB" : "%s: %s", path,
		    strerror(errno));
		return NULL;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (root == NULL) {
		snprintf(err, err_len, "%s:%d: %s", path, jerr.line, jerr.text);
		return NULL;
	}
	if (has_stat) {
		free(last.path);
		json_decref(last.root);
		last.path = xstrdup(path);
		last.st = st;
		last.root = json_incref(root);
	}
	return root;
}

int
dnsbl_list_load(struct dnsbl_list *l, const char *path, char *err, size_t err_len)
{
	json_t *zones, *e;
	char why[128];
	size_t i;

	memset(l, 0, sizeof(*l));
	l->root = load_json(path, err, err_len);
	if (l->root == NULL)
		return -1;
	zones = json_object_get(l->root, "zones");
	if (!json_is_array(zones) || json_array_size(zones) > DNSBL_MAX_ZONES) {
		snprintf(err, err_len, "%s: not a blocklist list (an object with a \"zones\" "
		    "array of at most %d entries)", path, DNSBL_MAX_ZONES);
		goto fail;
	}
	json_array_foreach(zones, i, e) {
		if (!json_is_object(e) || !take_zone(e, &l->v[l->n], why, sizeof(why))) {
			snprintf(err, err_len, "%s: zones[%zu]: %s", path, i,
			    json_is_object(e) ? why : "not an object");
			goto fail;
		}
		l->n++;
	}
	return 0;
fail:
	dnsbl_list_fini(l);
	return -1;
}

void
dnsbl_list_fini(struct dnsbl_list *l)
{
	json_decref(l->root);
	memset(l, 0, sizeof(*l));
}

const char *
dnsbl_list_default_path(void)
{
	static char buf[4096];

	return fileio_data_path("MXD_DNSBL", "dnsbl.json", buf, sizeof(buf));
}

const char *
dnsbl_meaning(const json_t *map, const char *addr)
{
	return map != NULL ? json_string_value(json_object_get(map, addr)) : NULL;
}
