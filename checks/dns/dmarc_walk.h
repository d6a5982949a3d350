/*
 * The DMARC policy discovery of RFC 9989 4.10 for one domain, shared by the dmarc and
 * dmarc-alignment diagnoses: the DNS tree walk (or, with is_psl, RFC 7489 6.6.3's public
 * suffix list), the record that applies, the organisational domain, and whether the domain
 * exists (np=). Adds no findings: callers judge what it found.
 */
#ifndef MXD_DMARC_WALK_H
#define MXD_DMARC_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include "dns.h"

struct dmarc_rec;

#define DMARC_WALK_MAX 8	/* RFC 9989 4.10: the tree walk asks at most eight names */

struct dmarc_level {
	char name[256];
	struct dns_answer ans;
	size_t nrec;		/* valid DMARC records at the name */
	char *rec;		/* the one record when nrec == 1; owned */
};

struct dmarc_walk {
	char domain[256];
	struct dmarc_level lv[DMARC_WALK_MAX];	/* lv[0] is the domain itself */
	size_t n;
	bool is_psl;		/* RFC 7489 mode */
	char org[256];		/* the organisational domain */
	const struct dmarc_level *policy;	/* the record that applies, or NULL */
	/* The first resolver failure of the walk, or NULL. Before any record (policy NULL)
	 * it leaves the policy unknown; after one, only the organisational domain is less
	 * certain. */
	const struct dns_answer *failed;
	/* With want_exists: RFC 9091 2.7's non-existent domain (NXDOMAIN, or no A, AAAA nor
	 * MX), known only when every answer came (exists_known); evidence the answers. */
	bool exists_known, is_nonexistent;
	struct dns_answer exists[3];	/* A, AAAA, MX */
	/* internal */
	struct dns *dns;
	size_t pending;
	void (*cb)(struct dmarc_walk *w, void *arg);
	void *arg;
};

typedef void dmarc_walk_fn(struct dmarc_walk *w, void *arg);

/*
 * Start the discovery for domain (validated, lower case). cb(w, arg) is called once, when
 * every answer is in (from the loop; from inside this call only when no name could be
 * asked, which counts as a DNS_ERROR answer); cb owns w and frees it with dmarc_walk_free().
 */
void dmarc_walk_start(struct dns *dns, const char *domain, bool is_psl,
    bool want_exists, dmarc_walk_fn *cb, void *arg);
void dmarc_walk_free(struct dmarc_walk *w);

/*
 * The policy that applies to the walk's domain under record r (the policy level's, parsed):
 * p= at the domain itself; below it np= for a non-existent domain, else sp=, falling back
 * to p= (RFC 9989 4.7). *tag gets "p", "sp" or "np". Returns "" when r has none.
 */
const char *dmarc_walk_effective(const struct dmarc_walk *w, const struct dmarc_rec *r,
    const char **tag);

/* Whether name is org or inside it. */
bool dmarc_is_within(const char *name, const char *org);

#endif
