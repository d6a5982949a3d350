/*
 * The list of DNS blocklists (data/dnsbl.json, or --dnsbl-zones FILE, or $MXD_DNSBL): each
 * zone with its kind (addresses or domains), its answer codes and error answers named, its
 * usage terms, and whether it is retired (named, never queried).
 */
#ifndef MXD_DNSBL_LIST_H
#define MXD_DNSBL_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define DNSBL_MAX_ZONES 32

struct dnsbl_zone {
	const char *zone;	/* "zen.spamhaus.org"; strings borrowed from the list */
	const char *name;	/* "Spamhaus ZEN" */
	const char *terms;	/* usage terms, or NULL */
	const char *retired;	/* "2024-06" when retired, else NULL */
	const char *test_listed, *test_unlisted;	/* domain lists: RFC 5782 5 "test", "invalid" */
	bool is_domain;		/* lists domain names, not addresses */
	bool has_ipv6;		/* answers IPv6 queries (nibble form) */
	json_t *codes, *errors;	/* "127.0.0.2": "meaning"; borrowed, may be NULL */
};

struct dnsbl_list {
	struct dnsbl_zone v[DNSBL_MAX_ZONES];
	size_t n;
	json_t *root;		/* owned */
};

/* Load path into *l. Returns 0, or -1 with a one-line reason in err (path included). */
int dnsbl_list_load(struct dnsbl_list *l, const char *path, char *err, size_t err_len);
void dnsbl_list_fini(struct dnsbl_list *l);

/* The shipped list: $MXD_DNSBL, the installed data/dnsbl.json, or the source tree's. */
const char *dnsbl_list_default_path(void);

/* What answer addr means in map (codes or errors), or NULL. */
const char *dnsbl_meaning(const json_t *map, const char *addr);

#endif
